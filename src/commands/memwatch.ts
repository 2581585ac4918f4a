// memwatch: the Go runtime's view of its heap next to the pages the kernel holds resident,
// and how both change across a GC. Subcommands: stats, pages, snapshot, diff, gc, span, top.
import * as fs from 'node:fs';
import type { MimeBundle } from '../../kernel/interpreter';
import type { MemCapture } from '../analyses/memwatch/capture';
import { diffSnapshots } from '../analyses/memwatch/diff';
import { residencyMap } from '../analyses/memwatch/residency-map';
import { summarize, type MemSnapshot } from '../analyses/memwatch/snapshot';
import { lookupSpan } from '../analyses/memwatch/span-lookup';
import { sizeClasses } from '../analyses/memwatch/top';
import { UserError, usage } from '../errors';
import { captureMemory, probe, type CaptureOptions } from '../heap/capture-memory';
import { HeapNotReady } from '../heap/runtime-layout';
import { Kind, type Variable } from '../rpc/api';
import { diffBundle, pagesBundle, snapshotBundle, spanBundle, statsBundle, topBundle } from '../render/memwatch';
import { tableBundle } from '../render/table';
import type { Session } from '../session/session';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';
import { progressDisplay } from './progress';

const GC_USAGE = 'memwatch gc [--clear-soft-dirty] [--call EXPR]';
const USAGE = `memwatch stats | pages [--read] | snapshot [NAME] | diff A B | drop NAME... | ${GC_USAGE.slice('memwatch '.length)} | span ADDR|EXPR | top [N]`;

/**
 * Runs a GC in the target through Delve's call injection. Delve refuses to call optimized
 * functions under the register ABI, and the runtime package is always built optimized, so
 * runtime.GC() fails on Go 1.17+ (Delve 1.20 and 1.27.1 alike); runtime/debug.FreeOSMemory() (a GC, then
 * free memory returned to the OS) is built like user code and serves where it is linked in.
 */
async function collect(cx: CommandContext, callExpr: string | undefined): Promise<string> {
  const attempts = callExpr ? [callExpr] : ['runtime.GC()', '"runtime/debug".FreeOSMemory()'];
  const refusals: string[] = [];
  for (const expr of attempts) {
    try {
      const called = await cx.runLine(`call ${expr}`);
      if ((called?.['application/json'] as { kind?: string } | undefined)?.kind === 'exited') throw new UserError('TargetExited', `memwatch gc: the target exited during ${expr}`);
      return expr === 'runtime.GC()' || callExpr ? `ran ${expr} in the target` : `ran ${expr} in the target (Delve cannot call runtime.GC(), an optimized function, under the register ABI): a GC, then free memory returned to the OS`;
    } catch (err) {
      if (!(err instanceof UserError) || err.ename !== 'DelveError') throw err;
      if (/not at safe point/.test(err.message)) {
        throw new UserError('DelveError', `memwatch gc: ${err.message}`, 'Delve can call functions only at safe points: stop at a line inside a function body rather than on its first line (e.g. `break main.go:LINE`, `continue`), then `memwatch gc`');
      }
      refusals.push(`${expr}: ${err.message}`);
    }
  }
  throw new UserError('DelveError', `memwatch gc: Delve could not run a GC in the target (${refusals.join('; ')})`, 'give a function of your own that calls runtime.GC(): `memwatch gc --call main.collect()`');
}

/**
 * The notes each session has shown in text and HTML: a caveat (no soft-dirty tracking, an
 * approximate figure) is said under the first output it applies to, not under every one.
 * Every output's JSON keeps all its notes.
 */
const notesShown = new WeakMap<Session, Set<string>>();

function freshNotes(s: Session, notes: string[]): string[] {
  let seen = notesShown.get(s);
  if (!seen) notesShown.set(s, (seen = new Set()));
  const fresh = notes.filter((n) => !seen.has(n));
  for (const n of fresh) seen.add(n);
  return fresh;
}

/** The runtime without a heap yet, said as what to do. */
function notReady(err: unknown): unknown {
  if (err instanceof HeapNotReady) return new UserError('NotAvailable', `memwatch: ${err.message}`, 'set a breakpoint in your program (`break main.main`) and `continue` to it first');
  return err;
}

/** A session whose target is stopped: runtime structures are only consistent then. */
function stopped(cx: CommandContext): Session {
  const s = cx.state.need('memwatch');
  if (s.running) throw new UserError('TargetRunning', '`memwatch` reads the runtime\'s structures, which move while the target runs', 'press the interrupt button or type `halt`, then try again');
  return s;
}

async function capture(cx: CommandContext, s: Session, opts: CaptureOptions = {}): Promise<MemCapture> {
  const display = progressDisplay(cx, 'memwatch');
  const progress = { report: (m: string) => display.report(`memwatch: ${m}…`), done: (m: string) => display.done(`memwatch: ${m}`) };
  const started = Date.now();
  try {
    const c = await askDelve('memwatch', () => captureMemory(s, { ...opts, signal: cx.signal, progress: progress.report }));
    const where = c.pages ? `, ${c.pages.runs.length} page runs (${c.pages.method})` : '';
    progress.done(`read ${c.heap.spans.length} spans in ${c.heap.arenas.length} arena${c.heap.arenas.length === 1 ? '' : 's'}${where} in ${Date.now() - started} ms`);
    return c;
  } catch (err) {
    if (cx.signal.aborted) {
      progress.done('interrupted');
      throw new UserError('Interrupted', 'memwatch was interrupted', 'the target is as it was; run it again');
    }
    progress.done('failed');
    throw notReady(err);
  }
}

/** The heap as memwatch reads it now, summed up (not kept): for SQL's memstats, regions and spans. */
export async function memwatchNow(cx: CommandContext): Promise<{ capture: MemCapture; summary: MemSnapshot }> {
  const c = await capture(cx, stopped(cx));
  return { capture: c, summary: summarize(c, 'now') };
}

async function snapshotNow(cx: CommandContext, s: Session, name: string): Promise<MemSnapshot> {
  const snap = summarize(await capture(cx, s), name);
  const notSaved = await cx.state.keepMemSnapshot(snap);
  if (notSaved) snap.notes.push(notSaved);
  return snap;
}

export function parseAddress(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return undefined;
}

/** The address EXPR points to (a pointer, slice, string, map or channel), or where it lies (anything else). */
export async function addressOf(cx: CommandContext, s: Session, expr: string, command = 'memwatch span'): Promise<number> {
  const v: Variable = await askDelve(`${command} ${expr}`, () =>
    s.query.eval({ Scope: cx.state.scope, Expr: expr, Cfg: { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 } }));
  const hexValue = /0x[0-9a-f]+/i.exec(v.value ?? '')?.[0];
  switch (v.kind) {
    case Kind.Ptr: return v.children?.[0]?.addr ?? (hexValue ? parseInt(hexValue, 16) : 0);
    case Kind.Slice: case Kind.String: return v.base;
    case Kind.UnsafePointer: case Kind.Uintptr: case Kind.Uint: case Kind.Uint64:
      return hexValue ? parseInt(hexValue, 16) : Number(v.value);
    case Kind.Map: case Kind.Chan: return v.base || (hexValue ? parseInt(hexValue, 16) : v.addr);
    default: return v.addr;
  }
}

function needSnapshot(cx: CommandContext, name: string): MemSnapshot {
  const snap = cx.state.memSnapshots.get(name);
  if (!snap) {
    const names = [...cx.state.memSnapshots.keys()];
    throw new UserError('UsageError', `memwatch: no snapshot named ${JSON.stringify(name)}`, names.length ? `snapshots: ${names.join(', ')}` : 'take one with `memwatch snapshot NAME`');
  }
  return snap;
}

function listSnapshots(cx: CommandContext): MimeBundle {
  const rows = [...cx.state.memSnapshots.values()].map((s) => ({ name: s.name, takenAt: s.takenAt, pid: s.pid, heapAlloc: s.memstats.heapAlloc, heapInuse: s.memstats.heapInuse, heapResidentBytes: s.heapResidentBytes }));
  const bundle = tableBundle({
    title: rows.length ? 'memwatch snapshots (compare two with `memwatch diff A B`)' : 'No memwatch snapshots yet: `memwatch snapshot NAME` takes one',
    columns: [{ name: 'name', type: 'string' }, { name: 'takenAt', type: 'string' }, { name: 'pid', type: 'integer' }, { name: 'heapAlloc', type: 'integer' }, { name: 'heapInuse', type: 'integer' }, { name: 'heapResidentBytes', type: 'integer' }],
    rows,
  });
  bundle['application/json'] = { kind: 'memwatch.snapshots', snapshots: rows };
  return bundle;
}

/** Clears the soft-dirty bits of every page of PID, so the next snapshot shows what was written since. */
function clearSoftDirty(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '4');
}

const subcommands: Record<string, (cx: CommandContext, args: string[]) => Promise<MimeBundle>> = {
  async stats(cx, args) {
    if (args.length) throw usage('memwatch stats', 'memwatch stats', 'takes no arguments');
    const s = stopped(cx);
    const snap = summarize(await capture(cx, s), 'stats');
    return statsBundle(snap, { notes: freshNotes(s, snap.notes) });
  },

  async pages(cx, args) {
    const plain = args.includes('--read');
    if (args.some((a) => a !== '--read')) throw usage('memwatch pages', 'memwatch pages [--read]', '--read forces plain pagemap reads instead of PAGEMAP_SCAN');
    const s = stopped(cx);
    const c = await capture(cx, s, { method: plain ? 'pagemap-read' : 'auto' });
    if (!c.pages) throw new UserError('NotAvailable', `memwatch pages: ${c.pagesUnavailable}`, s.isCore ? 'on a core dump, `memwatch stats`, `memwatch top` and `memwatch span` work' : undefined);
    const snap = summarize(c, 'pages');
    return pagesBundle(snap, residencyMap(c), { notes: freshNotes(s, snap.notes) });
  },

  async snapshot(cx, args) {
    if (args.length === 0) return listSnapshots(cx);
    if (args.length !== 1) throw usage('memwatch snapshot', 'memwatch snapshot NAME', 'one name, e.g. `memwatch snapshot before`');
    const s = stopped(cx);
    const snap = await snapshotNow(cx, s, args[0]);
    return snapshotBundle(snap, { notes: freshNotes(s, snap.notes) });
  },

  async drop(cx, args) {
    if (args.length === 0) throw usage('memwatch drop', 'memwatch drop NAME...', 'which snapshots? `memwatch snapshot` lists them');
    for (const name of args) needSnapshot(cx, name); // all known, or nothing dropped
    for (const name of args) await cx.state.dropCapture('memwatch', name);
    const left = [...cx.state.memSnapshots.keys()];
    return {
      'text/plain': `dropped ${args.map((n) => `\`${n}\``).join(', ')}; ${left.length ? `kept: ${left.join(', ')}` : 'no snapshots kept'}`,
      'application/json': { kind: 'memwatch.drop', dropped: args, kept: left },
    };
  },

  async diff(cx, args) {
    if (args.length !== 2) throw usage('memwatch diff', 'memwatch diff A B', 'two snapshot names, e.g. `memwatch diff before after`');
    const d = diffSnapshots(needSnapshot(cx, args[0]), needSnapshot(cx, args[1]));
    return diffBundle(d, { notes: cx.state.session ? freshNotes(cx.state.session, d.notes) : d.notes });
  },

  async gc(cx, args) {
    const at = args.indexOf('--call');
    const callExpr = at >= 0 ? args.slice(at + 1).join(' ') : undefined;
    const flags = at >= 0 ? args.slice(0, at) : args;
    const clear = flags.includes('--clear-soft-dirty');
    if (flags.some((a) => a !== '--clear-soft-dirty') || callExpr === '') throw usage('memwatch gc', GC_USAGE);
    const s = stopped(cx);
    cx.state.needLive('memwatch gc');
    const before = await snapshotNow(cx, s, 'gc-before');
    const notes: string[] = [];
    if (clear) {
      if (!before.pages.available) notes.push(`soft-dirty bits not cleared: ${before.pages.why}`);
      else if (!before.pages.softDirtyTracked) notes.push('soft-dirty bits not cleared: this kernel does not track them (CONFIG_MEM_SOFT_DIRTY is off), so the pages written during the GC cannot be shown');
      else {
        clearSoftDirty(s.pid);
        notes.push('soft-dirty bits cleared before the GC: softDirtyBytes after it are the pages written by the program and the collector');
      }
    }
    notes.push(await collect(cx, callExpr));
    const after = await snapshotNow(cx, s, 'gc-after');
    const d = diffSnapshots(before, after);
    d.notes.unshift(...notes, 'snapshots gc-before and gc-after were kept: `memwatch diff gc-before gc-after` shows this again');
    return diffBundle(d, { notes: freshNotes(s, d.notes) });
  },

  async span(cx, args) {
    if (args.length === 0) throw usage('memwatch span', 'memwatch span ADDR|EXPR', 'which address? e.g. `memwatch span myPointer`, or an address as `print &x` shows it (`memwatch span 0x…`)');
    const s = stopped(cx);
    const text = args.join(' ');
    const address = parseAddress(text) ?? (await addressOf(cx, s, text));
    if (!address) throw new UserError('UsageError', `memwatch span: ${text} is nil`, 'give a pointer that is set, or an address');
    return spanBundle(lookupSpan(await askDelve('memwatch span', () => probe(s, address)).catch((err) => { throw notReady(err); })));
  },

  async top(cx, args) {
    const limit = args.length ? Number(args[0]) : 30;
    if (args.length > 1 || !Number.isInteger(limit) || limit <= 0) throw usage('memwatch top', 'memwatch top [N]', 'N is how many size classes to list');
    const s = stopped(cx);
    const c = await capture(cx, s, { pages: false });
    return topBundle(sizeClasses(c.heap), summarize(c, 'top'), limit);
  },
};

export const memwatchCommands: Command[] = [
  {
    name: 'memwatch', aliases: [], group: 'analyses', completes: 'nothing',
    usage: USAGE,
    subcommands: [
      { name: 'stats', usage: 'memwatch stats', summary: 'runtime.MemStats beside RSS and the heap\'s resident bytes' },
      { name: 'pages', usage: 'memwatch pages [--read]', summary: 'every mapping and page state, with a residency plot', flags: [{ name: '--read', summary: 'read every page so that each is counted (touches swapped pages)' }] },
      { name: 'snapshot', usage: 'memwatch snapshot [NAME]', summary: 'capture the heap and page views under NAME', completes: 'memory-captures' },
      { name: 'diff', usage: 'memwatch diff A B', summary: 'compare two snapshots', completes: 'memory-captures' },
      { name: 'drop', usage: 'memwatch drop NAME...', summary: 'forget snapshots', completes: 'memory-captures' },
      {
        name: 'gc', usage: GC_USAGE, summary: 'snapshot, a GC in the target, snapshot, diff',
        flags: [
          { name: '--clear-soft-dirty', summary: 'clear the soft-dirty bits first, to see which pages the GC writes' },
          { name: '--call', value: 'EXPR', completes: 'expressions', summary: 'call EXPR (a function of yours that runs runtime.GC()) instead' },
        ],
      },
      { name: 'span', usage: 'memwatch span ADDR|EXPR', summary: 'the arena, span, size class and object at an address', completes: 'expressions' },
      { name: 'top', usage: 'memwatch top [N]', summary: 'the heap by size class, the N largest' },
    ],
    summary: 'The Go heap (runtime.MemStats, spans) against the pages really resident (/proc/PID/pagemap), before and after GC.',
    details: [
      '`stats`: runtime.MemStats figures beside RSS and heap resident bytes. `pages`: every mapping classified (heap arena, stacks, text, data, other), resident/swapped/soft-dirty/file/huge pages, heap residency by page state (in use, idle, released), with a plot.',
      '`snapshot NAME` and `diff A B`: both views captured and compared. `gc`: snapshot, runtime.GC() in the target, snapshot, diff (the target must be stopped at a breakpoint in Go code).',
      '`span ADDR|EXPR`: arena, span, size class, object and its allocation and mark bits. `top [N]`: the heap by size class. On a core dump, stats (without residency), top and span work.',
    ].join(' '),
    async run(cx) {
      const [sub, ...args] = cx.args.split(/\s+/).filter(Boolean);
      if (!sub) throw usage('memwatch', USAGE, 'which view? e.g. `memwatch stats`');
      const handler = subcommands[sub];
      if (!handler) throw usage('memwatch', USAGE, `no subcommand \`${sub}\``);
      return handler(cx, args);
    },
  },
];
