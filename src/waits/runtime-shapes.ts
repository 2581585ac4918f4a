// Every difference between Go releases in the runtime and sync structures goroutine-graph
// reads, in one place. Each alternative is chosen by what the target's own types contain
// (a field present or not, a struct where a pointer was), as Delve loads them from DWARF,
// never by the Go version number. Pure: works on Variables already loaded.
//
// | what                 | until      | from  | now                                                    |
// |----------------------|------------|-------|--------------------------------------------------------|
// | sudog.c, sudog.elem  | pointers   | 1.26  | maybeTraceablePtr{vp, vu} (c embeds it): vu is the address |
// | g.waiting            | chans only | 1.26  | also semaphores and sync.Cond: elem is the address     |
// | p.timers             | []*timer   | 1.23  | struct timers{heap []timerWhen{timer, when}}           |
// | timer channels       | in p.timers| 1.23  | hchan.timer (sync timers: go.mod go >= 1.23; only kind from 1.27) |
// | stopped timers       | status     | 1.23  | when == 0                                              |
// | sync.Mutex           | {state, sema} | 1.24 | {_ noCopy; mu internal/sync.Mutex{state, sema}}       |
import { Kind, type Variable } from '../rpc/api';

/**
 * The same differences for the heap walk, which reads raw memory (reach/layouts.ts): the
 * field whose offset holds the address, first present wins.
 */
export const MEMORY_FIELDS = {
  /** sudog.c: a *hchan; from 1.26 maybeTraceableChan embedding maybeTraceablePtr{vp, vu}: vu holds it. */
  sudogChannel: ['c.maybeTraceablePtr.vu', 'c.vu', 'c'],
  /** sudog.elem: unsafe.Pointer; from 1.26 maybeTraceablePtr{vp, vu}. */
  sudogElem: ['elem.vu', 'elem'],
  /** A P's timer heap: []timerWhen{timer *timer; when int64} in timers.heap from 1.23, []*timer in timers before. */
  pTimerHeap: [{ field: 'timers.heap', entryBytes: 16 }, { field: 'timers', entryBytes: 8 }],
} as const;
import type { ObjectKind } from './types';

export function child(v: Variable | undefined, name: string): Variable | undefined {
  return v?.children?.find((c) => c.name === name);
}

/**
 * The address a runtime pointer field holds: a plain pointer (up to Go 1.25), or Go 1.26's
 * maybeTraceablePtr {vp unsafe.Pointer; vu uintptr}, where vu is the truth (vp is nil while
 * the leak-detecting GC runs), possibly embedded (maybeTraceableChan). 0 if unreadable.
 */
export function addressIn(v: Variable | undefined): number {
  if (!v || v.unreadable) return 0;
  if (v.kind === Kind.Ptr || v.kind === Kind.UnsafePointer || (v.kind >= Kind.Uint && v.kind <= Kind.Uintptr)) return Number(v.value) || 0; // Delve shows uintptr as uint
  if (v.kind === Kind.Chan) return v.base || 0;
  if (v.kind === Kind.Struct) {
    const vu = child(v, 'vu');
    if (vu) return addressIn(vu);
    // An embedded maybeTraceablePtr: the one struct child.
    const inner = v.children?.find((c) => c.kind === Kind.Struct);
    return inner ? addressIn(inner) : 0;
  }
  return 0;
}

/** How deep to load a sudog so that c and elem reach their address (c.maybeTraceablePtr.vu). */
export const SUDOG_DEPTH = 3;

/** The channel of a sudog (g.waiting and its waitlink chain). */
export function sudogChannel(sudog: Variable): number {
  return addressIn(child(sudog, 'c'));
}

/** The address a sudog waits on: the element slot for channels; the semaphore or notify list for sync waits (Go 1.26+). */
export function sudogElem(sudog: Variable): number {
  return addressIn(child(sudog, 'elem'));
}

/**
 * The timer of a channel, from the hchan: undefined when hchan has no timer field (Go
 * before 1.23: every timer channel is async, in p.timers), 0 when it is no timer's channel
 * (or its timer is async).
 */
export function hchanTimer(hchan: Variable): number | undefined {
  const t = child(hchan, 'timer');
  return t ? addressIn(t) : undefined;
}

/** Depth at which p.timers loads its timers' arg (the channel) in either shape. */
export const TIMERS_DEPTH = 5;
/** The expression of P's timer heap, and how to take its length. */
export function timerHeapExpr(p: string, shape: 'slice' | 'struct'): string {
  return shape === 'slice' ? `${p}.timers` : `${p}.timers.heap`;
}

/** p.timers is []*timer (Go 1.22) or a struct whose heap is []timerWhen (1.23+): from the loaded p.timers. */
export function timersShape(timers: Variable): 'slice' | 'struct' | undefined {
  if (timers.kind === Kind.Slice) return 'slice';
  if (timers.kind === Kind.Struct && child(timers, 'heap')) return 'struct';
  return undefined;
}

/** The timer structs of a loaded heap: entries are *timer (1.22) or timerWhen{timer *timer} (1.23+). */
export function heapTimers(heap: Variable): Variable[] {
  const out: Variable[] = [];
  for (const e of heap.children ?? []) {
    const ptr = e.kind === Kind.Struct ? child(e, 'timer') : e;
    const timer = ptr?.children?.[0];
    if (timer && timer.kind === Kind.Struct && !timer.unreadable) out.push(timer);
  }
  return out;
}

/**
 * Whether a timer will still fire: a stopped one keeps its heap slot until it is cleaned
 * up. 1.23+: stop sets when to 0. 1.22: status is timerDeleted/timerRemoving/timerRemoved
 * (DEAD_STATUSES, the target's own constants).
 */
export function timerPending(timer: Variable, deadStatuses: Set<number>): boolean {
  const when = Number(child(timer, 'when')?.value ?? 0);
  if (!(when > 0)) return false;
  const status = child(timer, 'status');
  if (status) {
    const value = Number(status.kind === Kind.Struct ? child(status, 'value')?.value : status.value);
    if (deadStatuses.has(value)) return false;
  }
  return true;
}

/** Go 1.22's timer status constants of stopped timers (absent from 1.23 on). */
export const DEAD_TIMER_STATUSES = ['runtime.timerDeleted', 'runtime.timerRemoving', 'runtime.timerRemoved'];

/** The channel a timer sends on (time.After, NewTimer, NewTicker: arg is the chan), else 0. */
export function timerChannel(timer: Variable): number {
  const arg = child(timer, 'arg');
  const c = arg?.children?.[0];
  return c && c.kind === Kind.Chan ? c.base || 0 : 0;
}

/** The sync type whose object a kind of wait is on, for taking field offsets from the target. */
export const SYNC_TYPE: Partial<Record<ObjectKind, string>> = {
  mutex: 'sync.Mutex', rwmutex: 'sync.RWMutex', waitgroup: 'sync.WaitGroup', cond: 'sync.Cond',
};

/**
 * Where, inside the object of KIND, the semaphore that ACQUIRE (the function that parks on
 * it) waits on lies: candidate field paths, first present wins (`sema` until 1.23, `mu.sema`
 * from 1.24 where sync.Mutex wraps internal/sync.Mutex).
 */
export function semaphoreFields(kind: ObjectKind, acquire: string): string[] {
  const mutexSema = ['sema', 'mu.sema'];
  switch (kind) {
    case 'mutex':
      return mutexSema;
    case 'rwmutex':
      if (/SemacquireRWMutexR$/.test(acquire)) return ['readerSem'];
      if (/SemacquireRWMutex$/.test(acquire)) return ['writerSem'];
      return mutexSema.map((f) => `w.${f}`); // writers queue on the inner mutex first
    case 'waitgroup':
      return ['sema'];
    case 'cond':
      return ['notify'];
    default:
      return [];
  }
}

/** Frames that park on a semaphore or notify list; their first argument (addr, s or l) is its address. */
export const ACQUIRE_FRAME = /^(runtime\.semacquire1|runtime\.semacquire|(internal\/)?sync\.runtime_(Semacquire|SemacquireMutex|SemacquireRWMutex|SemacquireRWMutexR|SemacquireWaitGroup|notifyListWait)|runtime\.notifyListWait)$/;
