// A goroutine's wait, classified from its status and wait reason in the target's own
// words (Go's waitReasonStrings), so it holds across releases that renumber the reasons.
import type { ObjectKind, WaitClass } from './types';

/**
 * Statuses (the target's own names, runtime._G* without the prefix):
 * - `waiting`, and `leaked` (Go 1.26+: a waiting goroutine Go's leak detector found
 *   unreachable; it still waits where it did): blocked, classified by the wait reason;
 * - `dead`, `idle`, `deadextra` (Go 1.26+: a g kept for a cgo callback's thread), and the
 *   unused `moribund`/`enqueue`: not live goroutines;
 * - `syscall`: in the kernel, woken from outside.
 */
export function waitClassOf(status: string, waitReason: string): WaitClass {
  if (status === 'syscall') return 'external';
  if (NOT_LIVE.has(status)) return 'runtime';
  if (status !== 'waiting' && status !== 'leaked') return 'none';
  // testing/synctest's durable waits (Go 1.24+, "chan receive (durable)") wait on the same objects.
  const r = waitReason.replace(/ \(durable\)$/, '');
  if (r === 'chan receive (nil chan)' || r === 'chan send (nil chan)' || r === 'select (no cases)') return 'forever';
  if (r === 'chan receive' || r === 'chan send') return 'chan';
  if (r === 'select') return 'select';
  if (r === 'semacquire' || r.startsWith('sync.')) return 'sync';
  if (r === 'sleep' || r === 'timer goroutine (idle)') return 'timer';
  if (r === 'IO wait') return 'external';
  if (/GC|garbage|finalizer|cleanup|force gc|preempted|stopping the world|trace|debug call|panicwait|flushing|scavenge|wait for GC/i.test(r)) return 'runtime';
  return 'unknown';
}

const NOT_LIVE = new Set(['dead', 'idle', 'deadextra', 'moribund', 'enqueue']);

/** The sync frame whose receiver is the object waited on (sync.Mutex wraps internal/sync.Mutex from Go 1.24). */
export function syncObjectOf(fn: string): { kind: ObjectKind } | undefined {
  if (/^sync\.\(\*RWMutex\)\./.test(fn)) return { kind: 'rwmutex' };
  if (/^(internal\/)?sync\.\(\*Mutex\)\./.test(fn)) return { kind: 'mutex' };
  if (/^sync\.\(\*WaitGroup\)\./.test(fn)) return { kind: 'waitgroup' };
  if (/^sync\.\(\*Cond\)\./.test(fn)) return { kind: 'cond' };
  return undefined;
}

/**
 * Frames of the runtime and the sync packages (sync, sync/atomic, internal/... such as
 * internal/sync from Go 1.24): their variables are the wait itself, not a way to wake it.
 */
export function isMachineryFrame(fn: string): boolean {
  return memo(machinery, fn, () => /^(runtime|sync|sync\/atomic|internal\/[\w/]+)\./.test(fn) || fn === '');
}

/** 10,000 goroutines' frames name a few hundred functions. */
const machinery = new Map<string, boolean>();
const standard = new Map<string, boolean>();

function memo(cache: Map<string, boolean>, fn: string, compute: () => boolean): boolean {
  let v = cache.get(fn);
  if (v === undefined) {
    if (cache.size > 100_000) cache.clear();
    cache.set(fn, (v = compute()));
  }
  return v;
}

/** Goroutines the runtime starts for itself (as Go's own isSystemGoroutine sees them). */
export function isRuntimeInternal(startFunction: string): boolean {
  return startFunction.startsWith('runtime.') && startFunction !== 'runtime.main';
}

/** A function of Go's standard library: its package path's first element has no dot. */
export function isStandardLibrary(fn: string): boolean {
  return memo(standard, fn, () => {
    const pkg = fn.replace(/\.[^/]*$/, '').replace(/\.\(.*$/, '');
    const first = pkg.split('/')[0];
    return pkg !== 'main' && !first.includes('.') && !fn.startsWith('main.');
  });
}
