// Reads, through Delve, what every goroutine waits on and which goroutine frames and
// package variables reach each waited-on object. The result is plain data (types.ts).
//
// Order of work, cheapest first, so that large programs pay only for what matters:
//  1. goroutines and their stacks;
//  2. each blocked goroutine's objects: a channel wait from g.waiting (the sudog, and for a
//     select the chain of one sudog per case), a sync wait from the receiver of the
//     outermost sync frame (the runtime records no object, only a semaphore address);
//  3. package variables (reachable by anyone);
//  4. only for objects no package variable reaches: runtime timers (channels that wake by
//     themselves), then the frames of every user goroutine.
import type { DelveClient } from '../rpc/delve-client';
import { Kind, type LoadConfig, type Variable } from '../rpc/api';
import type { Capture as StackCapture } from '../capture/capture';
import { callAll } from '../rpc/in-flight';
import { isMachineryFrame, isRuntimeInternal, isStandardLibrary, syncObjectOf, waitClassOf } from './classify';
import { betterPath, reachedAddresses } from './reach';
import { ACQUIRE_FRAME, DEAD_TIMER_STATUSES, SUDOG_DEPTH, SYNC_TYPE, TIMERS_DEPTH, addressIn, child, hchanTimer, heapTimers, semaphoreFields, sudogChannel, sudogElem, timerChannel, timerHeapExpr, timerPending, timersShape } from './runtime-shapes';
import { structLayout, type FieldLayout } from '../session/layout';
import { TypeReach, delveTypeName } from './type-reach';
import type { BlindSpot, Frame, WaitingGoroutine, FrameReference, ObjectKind, PackageReference, WaitCapture } from './types';

export interface CaptureOptions {
  signal?: AbortSignal;
  /** One line on what is being read, for the cell's progress display. */
  progress?: (message: string) => void;
}

/** Values as they are, no pointers followed: for reading runtime structures field by field. */
const FLAT: LoadConfig = { FollowPointers: false, MaxVariableRecurse: 1, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 };
/** "Fields one or two pointers away" from a variable. */
const REACH: LoadConfig = { FollowPointers: true, MaxVariableRecurse: 2, MaxStringLen: 0, MaxArrayValues: 32, MaxStructFields: -1 };
/** A sudog, deep enough for its wrapped pointers (runtime-shapes). */
const SUDOG: LoadConfig = { ...FLAT, MaxVariableRecurse: SUDOG_DEPTH };
const NAMES_ONLY: LoadConfig = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };
const MAX_SELECT_CASES = 128;

/**
 * Package variables of these packages hold runtime and library state, never a program's
 * channels or locks (os/signal's handler table, which does, is kept).
 */
const SKIPPED_PACKAGES = /^(runtime|internal\/|unicode|_cgo|reflect|strconv|syscall|math|sync\/atomic|crypto\/|vendor\/|go\/|regexp|encoding\/|compress\/|hash\/|text\/|html\/|image\/|debug\/|mime|time\.|io\/fs|errors|fmt|path)/;

/** What every goroutine of STACKS (a stack capture, see capture/) waits on, and who reaches it. */
export async function captureWaits(client: DelveClient, stacks: StackCapture, opts: CaptureOptions = {}): Promise<WaitCapture> {
  const signal = opts.signal;
  const say = (m: string) => opts.progress?.(m);
  const capture: WaitCapture = { goroutines: [], references: [], packageReferences: [], timerChannels: [], unscanned: [], partial: stacks.partial, notes: [] };
  const stopped = () => {
    if (signal?.aborted) capture.partial = true;
    return capture.partial;
  };

  // 1. Goroutines and their stacks, as captured.
  capture.goroutines = waitingGoroutines(stacks);
  if (stopped()) return capture;

  // 2. What each blocked goroutine waits on.
  const chanWaiters = capture.goroutines.filter((g) => g.waitClass === 'chan' || g.waitClass === 'select');
  const syncWaiters = capture.goroutines.filter((g) => g.waitClass === 'sync');
  say(`reading waits: ${chanWaiters.length} on channels, ${syncWaiters.length} on locks and wait groups`);
  if (await readWaitsThroughDelve(client, [...chanWaiters, ...syncWaiters], signal)) capture.partial = true;
  if (stopped()) return capture;

  const waited = new Map<number, ObjectKind>();
  for (const g of capture.goroutines) for (const o of g.objects) waited.set(o.address, o.kind);

  // 3. Package variables.
  say('reading package variables');
  capture.packageReferences = await readPackageReferences(client, waited, signal);
  if (stopped()) return capture;

  // 4. Objects only goroutines can reach: timers first, then every user frame.
  const fromPackages = new Set(capture.packageReferences.map((r) => r.address));
  const privateChans = chanWaiters.flatMap((g) => g.objects).filter((o) => !fromPackages.has(o.address));
  if (privateChans.length > 0) {
    say('reading runtime timers');
    capture.timerChannels = await readTimerChannels(client, privateChans.map((o) => o.address), capture.notes);
  }
  const timers = new Set(capture.timerChannels);
  const wanted = new Map([...waited].filter(([a]) => !fromPackages.has(a) && !timers.has(a)));
  if (wanted.size > 0) {
    const jobs = capture.goroutines
      .filter((g) => !g.runtimeInternal)
      .flatMap((g) => g.frames.map((f, frame) => ({ g, frame, f })).filter((j) => !isMachineryFrame(j.f.function)));
    const types = new TypeReach(client);
    const scanned = await callAll(jobs, (j) => readFrameReferences(client, j.g, j.frame, wanted, types), {
      signal,
      progress: (n) => say(jobs.length > 0 ? `reading frames for references: ${n} of ${jobs.length}` : 'reading frames for references'),
    });
    if (scanned.partial) capture.partial = true;
    const unscanned = new Set<number>();
    const blindSpots: BlindSpot[] = [];
    scanned.results.forEach((r, i) => {
      if (r === undefined || r === 'unreadable') unscanned.add(jobs[i].g.id);
      else {
        capture.references.push(...r.refs);
        blindSpots.push(...r.blind);
      }
    });
    if (blindSpots.length > 0) {
      capture.blindSpots = blindSpots;
      const shown = blindSpots.slice(0, 10).map((b) => `goroutine ${b.goroutine} ${b.function} ${b.variable} (${b.type})`).join('; ');
      capture.notes.push(`${blindSpots.length} variable(s) that could reach a waited-on object are optimized away or unreadable (${shown}${blindSpots.length > 10 ? '; ...' : ''}): findings they could change are marked likely`);
    }
    capture.unscanned = [...unscanned].sort((a, b) => a - b);
  }
  return capture;
}

/** Every goroutine of a stack capture, with how it waits (its objects still to be read). */
export function waitingGoroutines(stacks: StackCapture): WaitingGoroutine[] {
  return stacks.goroutines.map((g) => {
    const frames: Frame[] = g.frames; // shared: the capture's frames are one object per pc, not per goroutine
    // Where the program itself is: Delve counts sync's frames as user code, the graph does not.
    const top = frames.find((f) => !isMachineryFrame(f.function) && !isStandardLibrary(f.function))
      ?? frames.find((f) => !isMachineryFrame(f.function))
      ?? { function: '', file: '', line: 0 };
    const unreadable = g.status === 'unreadable';
    return {
      id: g.id, status: g.status, waitReason: g.waitReason, startFunction: g.startFunction, goStatement: g.goStatement,
      function: top.function, file: top.file, line: top.line, frames,
      runtimeInternal: isRuntimeInternal(g.startFunction),
      waitClass: unreadable ? 'unknown' : waitClassOf(g.status, g.waitReason),
      objects: [],
      ...(unreadable ? { problem: `unreadable goroutine${g.error ? `: ${g.error}` : ''}` } : {}),
    };
  });
}

/**
 * What Delve can tell of the waits memory could not: channel waits (g.waiting, else the
 * channel argument) and sync waits (the sync frame's receiver, the semaphore).
 */
export async function readWaitsThroughDelve(client: DelveClient, waiters: WaitingGoroutine[], signal?: AbortSignal): Promise<boolean> {
  const chans = waiters.filter((g) => g.waitClass === 'chan' || g.waitClass === 'select');
  const syncs = waiters.filter((g) => g.waitClass === 'sync');
  if (chans.length + syncs.length === 0) return false;
  // Delve finds the goroutine of an Eval's scope by walking every g unless it has listed
  // them all once: without this, each of thousands of Evals walks them (quadratic).
  await client.listAllGoroutines({ signal });
  if (await readChannelWaits(client, chans, signal)) return true;
  const layouts = new SyncLayouts(client);
  const semtable = new SemaTable(client);
  return (await callAll(syncs, (g) => readSyncWait(client, g, layouts, semtable), { signal })).partial;
}

/**
 * A channel wait: g.waiting is the sudog and its c the channel. A select chains one sudog
 * per case through waitlink: read round by round, every select at once, by field paths
 * from runtime.curg (Delve evaluates a field path far faster than a cast from an address).
 * The sudog's fields are read through runtime-shapes (pointers, or Go 1.26's wrapped ones).
 */
async function readChannelWaits(client: DelveClient, waiters: WaitingGoroutine[], signal?: AbortSignal): Promise<boolean> {
  const plain = waiters.filter((g) => g.waitClass === 'chan');
  const read = await callAll(plain, (g) =>
    client.eval({ Scope: { GoroutineID: g.id, Frame: 0 }, Expr: 'runtime.curg.waiting.c', Cfg: SUDOG }).then((v) => addressIn(v), () => 0), { signal });
  plain.forEach((g, i) => {
    const c = read.results[i];
    const direction = g.waitReason.startsWith('chan send') ? 'send' : 'receive';
    if (c) g.objects.push({ address: c, kind: 'chan', type: '', direction, evidence: 'g.waiting.c (the runtime sudog)' });
  });
  if (read.partial) return true;
  let selects = waiters.filter((g) => g.waitClass === 'select');
  for (let round = 0; selects.length > 0 && round < MAX_SELECT_CASES; round++) {
    const path = 'runtime.curg.waiting' + '.waitlink'.repeat(round);
    const sudogs = await callAll(selects, (g) => client.eval({ Scope: { GoroutineID: g.id, Frame: 0 }, Expr: '*' + path, Cfg: SUDOG }).catch(() => undefined), { signal });
    const next: WaitingGoroutine[] = [];
    selects.forEach((g, i) => {
      const sudog = sudogs.results[i];
      if (!sudog) return;
      const c = sudogChannel(sudog);
      if (c && !g.objects.some((o) => o.address === c)) g.objects.push({ address: c, kind: 'chan', type: '', evidence: `g.waiting${'.waitlink'.repeat(round)}.c (the runtime sudog of case ${round + 1})` });
      if (addressIn(child(sudog, 'waitlink'))) next.push(g);
    });
    if (sudogs.partial) return true;
    selects = next;
  }
  // g.waiting not readable: the channel argument of runtime.chansend / chanrecv.
  const missing = waiters.filter((g) => g.objects.length === 0);
  await callAll(missing, (g) => readChannelArgument(client, g), { signal });
  return false;
}

async function readChannelArgument(client: DelveClient, g: WaitingGoroutine): Promise<void> {
  const at = g.frames.findIndex((f) => f.function === 'runtime.chanrecv' || f.function === 'runtime.chansend');
  if (at >= 0) {
    const args = await client.listFunctionArgs({ Scope: { GoroutineID: g.id, Frame: at }, Cfg: FLAT }).catch(() => []);
    const c = args.find((a) => a.name === 'c');
    const address = c && !c.unreadable ? Number(c.value) : 0;
    if (address) {
      const direction = g.waitReason.startsWith('chan send') ? 'send' : 'receive';
      g.objects.push({ address, kind: 'chan', type: '', direction, evidence: `${g.frames[at].function} argument c` });
      return;
    }
  }
  g.problem = 'the channel could not be read (g.waiting and the channel argument are unreadable)';
}

/** Field offsets of the sync types, from the target's own types, once per capture. */
class SyncLayouts {
  private readonly cache = new Map<string, Promise<Map<string, FieldLayout> | undefined>>();
  constructor(private readonly client: DelveClient) {}
  /** TYPE's layout, read by casting AT (any readable address) to it. */
  of(type: string, at: number): Promise<Map<string, FieldLayout> | undefined> {
    let p = this.cache.get(type);
    if (!p) {
      p = structLayout(this.client, { GoroutineID: -1, Frame: 0 }, `*(*${delveTypeName(type)})(0x${at.toString(16)})`, 3).catch(() => undefined);
      this.cache.set(type, p);
    }
    return p;
  }
}

/**
 * A sync wait: the object is the receiver of a sync frame (sync.(*Mutex).Lock's m,
 * internal/sync.(*Mutex).lockSlow's m, (*WaitGroup).Wait's wg...), outermost first: in an
 * optimized build the inlined ones have no readable arguments. Else the semaphore it parks
 * on, from g.waiting's sudog (Go 1.26+) or the acquiring frame's argument, less the
 * semaphore field's offset in the object's type (runtime-shapes.semaphoreFields).
 */
async function readSyncWait(client: DelveClient, g: WaitingGoroutine, layouts: SyncLayouts, semtable: SemaTable): Promise<void> {
  const syncFrames: number[] = [];
  for (let i = 0; i < g.frames.length && isMachineryFrame(g.frames[i].function); i++) {
    if (syncObjectOf(g.frames[i].function)) syncFrames.push(i);
  }
  const outer = syncFrames.length > 0 ? syncFrames[syncFrames.length - 1] : -1;
  const kind = outer >= 0 ? syncObjectOf(g.frames[outer].function)!.kind : undefined;
  const syncType = kind && SYNC_TYPE[kind];
  // Receivers of the frames of the object's own kind, outermost first.
  for (const i of [...syncFrames].reverse()) {
    const fn = g.frames[i].function;
    if (syncObjectOf(fn)!.kind !== kind) continue;
    const args = await client.listFunctionArgs({ Scope: { GoroutineID: g.id, Frame: i }, Cfg: FLAT }).catch(() => [] as Variable[]);
    const receiver = args.find((a) => a.kind === Kind.Ptr && !a.unreadable && Number(a.value));
    if (!receiver) continue;
    let address = Number(receiver.value);
    let evidence = `${fn} receiver ${receiver.name}`;
    const own = receiver.type.replace(/^\*/, '');
    if (syncType && own !== syncType) {
      // internal/sync.Mutex inside sync.Mutex (Go 1.24+): the object is the outer one.
      const layout = await layouts.of(syncType, address);
      const inner = layout && [...layout].find(([, f]) => f.type === own);
      if (!inner) continue;
      address -= inner[1].offset;
      evidence += ` (the ${syncType}'s field ${inner[0]})`;
    }
    g.objects.push({ address, kind: kind!, type: `*${syncType ?? own}`, evidence });
    return;
  }
  const acquire = g.frames.findIndex((f) => ACQUIRE_FRAME.test(f.function));
  const sema = await semaphoreAddress(client, g, acquire, semtable);
  if (sema) {
    const fn = acquire >= 0 ? g.frames[acquire].function : '';
    if (kind && syncType) {
      const layout = await layouts.of(syncType, sema.address);
      const names = semaphoreFields(kind, fn);
      const field = layout && names.find((n) => layout.has(n));
      if (layout && field) {
        const offset = layout.get(field)!.offset;
        g.objects.push({ address: sema.address - offset, kind, type: `*${syncType}`, evidence: `${sema.evidence} (the ${syncType}'s ${field}) - ${offset}` });
        return;
      }
    } else {
      g.objects.push({ address: sema.address, kind: 'sema', type: '*uint32', evidence: sema.evidence });
      return;
    }
  }
  g.problem = 'the semaphore could not be read (no readable receiver in the sync frames, no semaphore address in g.waiting or the acquiring frame)';
}

/** The semaphore (or notify list) a sync waiter parks on: g.waiting.elem (Go 1.26+), else the acquiring frame's first pointer argument. */
async function semaphoreAddress(client: DelveClient, g: WaitingGoroutine, acquire: number, semtable: SemaTable): Promise<{ address: number; evidence: string } | undefined> {
  const sudog = await client.eval({ Scope: { GoroutineID: g.id, Frame: 0 }, Expr: '*runtime.curg.waiting', Cfg: SUDOG }).catch(() => undefined);
  const elem = sudog ? sudogElem(sudog) : 0;
  if (elem) return { address: elem, evidence: 'g.waiting.elem (the runtime sudog)' };
  if (acquire < 0) return undefined;
  const args = await client.listFunctionArgs({ Scope: { GoroutineID: g.id, Frame: acquire }, Cfg: FLAT }).catch(() => [] as Variable[]);
  const addr = args.find((a) => a.kind === Kind.Ptr && !a.unreadable && Number(a.value));
  if (addr) return { address: Number(addr.value), evidence: `${g.frames[acquire].function} argument ${addr.name}` };
  // Optimized runtime, before Go 1.26: the runtime's table of semaphore waiters.
  const self = await client.eval({ Scope: { GoroutineID: g.id, Frame: 0 }, Expr: 'runtime.curg', Cfg: NAMES_ONLY }).then((v) => (v.kind === Kind.Ptr ? Number(v.value) : v.addr) || 0, () => 0);
  const found = self ? (await semtable.waiters()).get(self) : undefined;
  return found ? { address: found, evidence: 'runtime.semtable (its sudog for this goroutine).elem' } : undefined;
}

/**
 * runtime.semtable: 251 roots, each a treap (prev/next) of sudogs, one per semaphore
 * address (elem), with the other waiters on it chained by waitlink. Read once, when needed:
 * g address -> the semaphore it waits on.
 */
class SemaTable {
  private read: Promise<Map<number, number>> | undefined;
  constructor(private readonly client: DelveClient) {}
  waiters(): Promise<Map<number, number>> {
    this.read ??= this.walk().catch(() => new Map());
    return this.read;
  }
  private async walk(): Promise<Map<number, number>> {
    const scope = { GoroutineID: -1, Frame: 0 };
    const size = await this.client.eval({ Scope: scope, Expr: 'len(runtime.semtable)', Cfg: NAMES_ONLY }).then((v) => Number(v.value) || 0);
    const roots = await callAll([...Array(size).keys()], (i) =>
      this.client.eval({ Scope: scope, Expr: `runtime.semtable[${i}].root.treap`, Cfg: NAMES_ONLY }).then((v) => addressIn(v), () => 0));
    const out = new Map<number, number>();
    const seen = new Set<number>();
    let todo = roots.results.filter((a): a is number => !!a);
    while (todo.length > 0 && seen.size < 100_000) {
      todo.forEach((a) => seen.add(a));
      const sudogs = await callAll(todo, (a) => this.client.eval({ Scope: scope, Expr: `*(*runtime.sudog)(0x${a.toString(16)})`, Cfg: SUDOG }).catch(() => undefined));
      const next: number[] = [];
      for (const sg of sudogs.results) {
        if (!sg) continue;
        const gAddr = addressIn(child(sg, 'g'));
        const elem = sudogElem(sg);
        if (gAddr && elem) out.set(gAddr, elem);
        for (const f of ['prev', 'next', 'waitlink']) {
          const a = addressIn(child(sg, f));
          if (a && !seen.has(a)) next.push(a);
        }
      }
      todo = [...new Set(next)];
    }
    return out;
  }
}

async function readPackageReferences(client: DelveClient, wanted: Map<number, ObjectKind>, signal?: AbortSignal): Promise<PackageReference[]> {
  if (wanted.size === 0) return [];
  const all = await client.listPackageVars({ Filter: '', Cfg: NAMES_ONLY }).catch(() => [] as Variable[]);
  const chosen = all.map((v) => v.name).filter((n) => !SKIPPED_PACKAGES.test(n));
  const loaded = await callAll(chosen, (name) => client.eval({ Scope: { GoroutineID: -1, Frame: 0 }, Expr: name, Cfg: REACH }).catch(() => undefined), { signal });
  const refs = new Map<number, { path: string; type: string }>();
  for (const v of loaded.results) {
    if (!v) continue;
    reachedAddresses(v, (address, path, type) => {
      const kind = wanted.get(address);
      const old = refs.get(address);
      if (kind && (!old || betterPath(kind, { path, type }, old))) refs.set(address, { path, type });
    });
  }
  return [...refs].map(([address, r]) => ({ address, variable: r.path }));
}

/**
 * Which of CHANS a runtime timer will send on (time.After, NewTimer, tickers): a sync
 * timer's channel carries its timer (hchan.timer, Go 1.23+ with go.mod go >= 1.23); async
 * timers (before 1.23, or an older go line up to 1.26) are found in every P's timer heap.
 * A stopped timer will not send.
 */
async function readTimerChannels(client: DelveClient, chans: number[], notes: string[]): Promise<number[]> {
  const scope = { GoroutineID: -1, Frame: 0 };
  const found = new Set<number>();
  const unique = [...new Set(chans)];
  const dead = new Set<number>();
  for (const name of DEAD_TIMER_STATUSES) {
    const v = await client.eval({ Scope: scope, Expr: name, Cfg: NAMES_ONLY }).then((x) => Number(x.value), () => NaN);
    if (!Number.isNaN(v)) dead.add(v);
  }
  // 1. Sync timers: hchan.timer, and whether it is pending.
  const hchans = await callAll(unique, (c) => client.eval({ Scope: scope, Expr: `*(*runtime.hchan)(0x${c.toString(16)})`, Cfg: FLAT }).catch(() => undefined));
  const timed = unique.map((c, i) => ({ c, t: hchans.results[i] ? hchanTimer(hchans.results[i]!) : undefined })).filter((x) => x.t);
  const timers = await callAll(timed, (x) => client.eval({ Scope: scope, Expr: `*(*runtime.timer)(0x${x.t!.toString(16)})`, Cfg: FLAT }).catch(() => undefined));
  timed.forEach((x, i) => {
    const t = timers.results[i];
    if (t && timerPending(t, dead)) found.add(x.c);
  });
  // 2. Async timers: every P's heap.
  const count = await client.eval({ Scope: scope, Expr: 'len(runtime.allp)', Cfg: NAMES_ONLY }).then((v) => Number(v.value), () => 0);
  for (let p = 0; p < count; p++) {
    const pexpr = `runtime.allp[${p}]`;
    const shapeOf = await client.eval({ Scope: scope, Expr: `${pexpr}.timers`, Cfg: { ...FLAT, MaxVariableRecurse: 0 } }).then(timersShape, () => undefined);
    if (!shapeOf) {
      notes.push("this Go release keeps timers where the capture does not read them: channels of time.After and tickers may look blocked for ever");
      break;
    }
    const heap = timerHeapExpr(pexpr, shapeOf);
    const size = await client.eval({ Scope: scope, Expr: `len(${heap})`, Cfg: NAMES_ONLY }).then((v) => Number(v.value), () => 0);
    if (!(size > 0)) continue;
    const loaded = await client.eval({ Scope: scope, Expr: heap, Cfg: { ...REACH, MaxVariableRecurse: TIMERS_DEPTH, MaxArrayValues: size } }).catch(() => undefined);
    for (const t of loaded ? heapTimers(loaded) : []) {
      const c = timerChannel(t);
      if (c && timerPending(t, dead)) found.add(c);
    }
  }
  return [...found];
}

async function readFrameReferences(client: DelveClient, g: WaitingGoroutine, frame: number, wanted: Map<number, ObjectKind>, types: TypeReach): Promise<{ refs: FrameReference[]; blind: BlindSpot[] } | 'unreadable'> {
  const scope = { GoroutineID: g.id, Frame: frame };
  const [args, locals] = await Promise.all([
    client.listFunctionArgs({ Scope: scope, Cfg: REACH }).catch(() => undefined),
    client.listLocalVars({ Scope: scope, Cfg: REACH }).catch(() => undefined),
  ]);
  if (!args && !locals) return 'unreadable';
  const f = g.frames[frame];
  const found = new Map<number, { path: string; type: string }>();
  const blind: BlindSpot[] = [];
  const wantedKinds = new Set(wanted.values());
  for (const v of [...(args ?? []), ...(locals ?? [])]) {
    if (v.unreadable) {
      // Optimized away (or not described at this pc): it may be the reference that wakes someone.
      const kinds = (await types.of(v.type)).filter((k) => wantedKinds.has((k.startsWith('chan:') ? 'chan' : k) as ObjectKind));
      if (kinds.length > 0) blind.push({ goroutine: g.id, frame, function: f.function, variable: v.name, type: v.type, kinds });
      continue;
    }
    reachedAddresses(v, (address, path, type) => {
      const kind = wanted.get(address);
      const old = found.get(address);
      if (kind && (!old || betterPath(kind, { path, type }, old))) found.set(address, { path, type });
    });
  }
  const refs = [...found].map(([address, r]) => ({ goroutine: g.id, address, frame, function: f.function, file: f.file, line: f.line, variable: r.path, type: r.type }));
  return { refs, blind };
}
