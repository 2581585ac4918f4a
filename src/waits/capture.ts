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
import type { WaitingGoroutine, FrameReference, ObjectKind, PackageReference, WaitCapture } from './types';

export interface CaptureOptions {
  signal?: AbortSignal;
  /** One line on what is being read, for the cell's progress display. */
  progress?: (message: string) => void;
}

/** Values as they are, no pointers followed: for reading runtime structures field by field. */
const FLAT: LoadConfig = { FollowPointers: false, MaxVariableRecurse: 1, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 };
/** "Fields one or two pointers away" from a variable. */
const REACH: LoadConfig = { FollowPointers: true, MaxVariableRecurse: 2, MaxStringLen: 0, MaxArrayValues: 32, MaxStructFields: -1 };
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
  for (const g of stacks.goroutines) {
    const frames = g.frames.map((f) => ({ function: f.function, file: f.file, line: f.line }));
    // Where the program itself is: Delve counts sync's frames as user code, the graph does not.
    const top = frames.find((f) => !isMachineryFrame(f.function) && !isStandardLibrary(f.function))
      ?? frames.find((f) => !isMachineryFrame(f.function))
      ?? { function: '', file: '', line: 0 };
    const unreadable = g.status === 'unreadable';
    capture.goroutines.push({
      id: g.id, status: g.status, waitReason: g.waitReason, startFunction: g.startFunction, goStatement: g.goStatement,
      function: top.function, file: top.file, line: top.line, frames,
      runtimeInternal: isRuntimeInternal(g.startFunction),
      waitClass: unreadable ? 'unknown' : waitClassOf(g.status, g.waitReason),
      objects: [],
      ...(unreadable ? { problem: `unreadable goroutine${g.error ? `: ${g.error}` : ''}` } : {}),
    });
  }
  if (stopped()) return capture;

  // 2. What each blocked goroutine waits on.
  const chanWaiters = capture.goroutines.filter((g) => g.waitClass === 'chan' || g.waitClass === 'select');
  const syncWaiters = capture.goroutines.filter((g) => g.waitClass === 'sync');
  say(`reading waits: ${chanWaiters.length} on channels, ${syncWaiters.length} on locks and wait groups`);
  // Delve finds the goroutine of an Eval's scope by walking every g unless it has listed
  // them all once: without this, each of thousands of Evals walks them (quadratic).
  if (chanWaiters.length + syncWaiters.length > 0) await client.listAllGoroutines({ signal });
  if (await readChannelWaits(client, chanWaiters, signal)) capture.partial = true;
  const syncRead = await callAll(syncWaiters, (g) => readSyncWait(client, g), { signal });
  if (syncRead.partial) capture.partial = true;
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
    capture.timerChannels = await readTimerChannels(client, capture.notes);
  }
  const timers = new Set(capture.timerChannels);
  const wanted = new Map([...waited].filter(([a]) => !fromPackages.has(a) && !timers.has(a)));
  if (wanted.size > 0) {
    const jobs = capture.goroutines
      .filter((g) => !g.runtimeInternal)
      .flatMap((g) => g.frames.map((f, frame) => ({ g, frame, f })).filter((j) => !isMachineryFrame(j.f.function)));
    const scanned = await callAll(jobs, (j) => readFrameReferences(client, j.g, j.frame, wanted), {
      signal,
      progress: (n) => say(`reading frames for references: ${n} of ${jobs.length}`),
    });
    if (scanned.partial) capture.partial = true;
    const unscanned = new Set<number>();
    scanned.results.forEach((r, i) => {
      if (r === undefined || r === 'unreadable') unscanned.add(jobs[i].g.id);
      else capture.references.push(...r);
    });
    capture.unscanned = [...unscanned].sort((a, b) => a - b);
  }
  return capture;
}

/**
 * A channel wait: g.waiting is the sudog and its c the channel. A select chains one sudog
 * per case through waitlink: read round by round, every select at once, by field paths
 * from runtime.curg (Delve evaluates a field path far faster than a cast from an address).
 */
async function readChannelWaits(client: DelveClient, waiters: WaitingGoroutine[], signal?: AbortSignal): Promise<boolean> {
  const plain = waiters.filter((g) => g.waitClass === 'chan');
  const read = await callAll(plain, (g) =>
    client.eval({ Scope: { GoroutineID: g.id, Frame: 0 }, Expr: 'runtime.curg.waiting.c', Cfg: NAMES_ONLY }).then((v) => Number(v.value) || 0, () => 0), { signal });
  plain.forEach((g, i) => {
    const c = read.results[i];
    const direction = g.waitReason === 'chan send' ? 'send' : 'receive';
    if (c) g.objects.push({ address: c, kind: 'chan', type: '', direction, evidence: 'g.waiting.c (the runtime sudog)' });
  });
  if (read.partial) return true;
  let selects = waiters.filter((g) => g.waitClass === 'select');
  for (let round = 0; selects.length > 0 && round < MAX_SELECT_CASES; round++) {
    const path = 'runtime.curg.waiting' + '.waitlink'.repeat(round);
    const sudogs = await callAll(selects, (g) => client.eval({ Scope: { GoroutineID: g.id, Frame: 0 }, Expr: '*' + path, Cfg: FLAT }).catch(() => undefined), { signal });
    const next: WaitingGoroutine[] = [];
    selects.forEach((g, i) => {
      const sudog = sudogs.results[i];
      if (!sudog) return;
      const c = pointerField(sudog, 'c');
      if (c && !g.objects.some((o) => o.address === c)) g.objects.push({ address: c, kind: 'chan', type: '', evidence: `g.waiting${'.waitlink'.repeat(round)}.c (the runtime sudog of case ${round + 1})` });
      if (pointerField(sudog, 'waitlink')) next.push(g);
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
      const direction = g.waitReason === 'chan send' ? 'send' : 'receive';
      g.objects.push({ address, kind: 'chan', type: '', direction, evidence: `${g.frames[at].function} argument c` });
      return;
    }
  }
  g.problem = 'the channel could not be read (g.waiting and the channel argument are unreadable)';
}

/**
 * A sync wait: the runtime keeps only a semaphore address, so the object is the receiver of
 * the outermost sync frame (sync.(*Mutex).Lock's m, (*WaitGroup).Wait's wg...), else the
 * semaphore itself (runtime.semacquire1's addr).
 */
async function readSyncWait(client: DelveClient, g: WaitingGoroutine): Promise<void> {
  let outer = -1;
  for (let i = 0; i < g.frames.length && isMachineryFrame(g.frames[i].function); i++) {
    if (syncObjectOf(g.frames[i].function)) outer = i;
  }
  const semaFrame = g.frames.findIndex((f) => /^(runtime\.semacquire1|runtime\.semacquire|sync\.runtime_(Semacquire|SemacquireMutex|SemacquireRWMutex|SemacquireRWMutexR|SemacquireWaitGroup))$/.test(f.function));
  if (outer >= 0) {
    const fn = g.frames[outer].function;
    const args = await client.listFunctionArgs({ Scope: { GoroutineID: g.id, Frame: outer }, Cfg: FLAT }).catch(() => [] as Variable[]);
    const receiver = args.find((a) => a.kind === Kind.Ptr && !a.unreadable && Number(a.value));
    if (receiver) {
      g.objects.push({ address: Number(receiver.value), kind: syncObjectOf(fn)!.kind, type: receiver.type, evidence: `${fn} receiver ${receiver.name}` });
      return;
    }
  }
  if (semaFrame >= 0) {
    const args = await client.listFunctionArgs({ Scope: { GoroutineID: g.id, Frame: semaFrame }, Cfg: FLAT }).catch(() => [] as Variable[]);
    const addr = args.find((a) => a.name === 'addr' && !a.unreadable && Number(a.value));
    if (addr) {
      const sema = Number(addr.value);
      const fn = g.frames[semaFrame].function;
      if (outer >= 0 && syncObjectOf(g.frames[outer].function)!.kind === 'mutex') {
        // sync.Mutex{state int32; sema uint32}: the mutex starts 4 bytes before its semaphore.
        g.objects.push({ address: sema - 4, kind: 'mutex', type: '*sync.Mutex', evidence: `${fn} argument addr (the mutex's sema) - 4` });
      } else {
        g.objects.push({ address: sema, kind: 'sema', type: '*uint32', evidence: `${fn} argument addr` });
      }
      return;
    }
  }
  g.problem = 'the semaphore could not be read (no readable receiver or addr argument in the sync and runtime frames)';
}

function pointerField(v: Variable, name: string): number {
  const f = v.children?.find((c) => c.name === name);
  return f && !f.unreadable ? Number(f.value) || 0 : 0;
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

/** Channels that runtime timers send on (time.After, time.NewTimer, tickers), from every P's timer heap. */
async function readTimerChannels(client: DelveClient, notes: string[]): Promise<number[]> {
  const scope = { GoroutineID: -1, Frame: 0 };
  const count = await client.eval({ Scope: scope, Expr: 'len(runtime.allp)', Cfg: NAMES_ONLY }).then((v) => Number(v.value), () => 0);
  const found: number[] = [];
  for (let p = 0; p < count; p++) {
    const size = await client.eval({ Scope: scope, Expr: `len(runtime.allp[${p}].timers)`, Cfg: NAMES_ONLY }).then((v) => Number(v.value), () => -1);
    if (size < 0) {
      notes.push("this Go release keeps timers where the capture does not read them: channels of time.After and tickers may look blocked for ever");
      return found;
    }
    if (size === 0) continue;
    const timers = await client
      .eval({ Scope: scope, Expr: `runtime.allp[${p}].timers`, Cfg: { ...REACH, MaxVariableRecurse: 3, MaxArrayValues: size } })
      .catch(() => undefined);
    for (const t of timers?.children ?? []) {
      const timer = t.children?.[0];
      const arg = timer?.children?.find((c) => c.name === 'arg');
      const chan = arg?.children?.[0];
      if (chan && chan.kind === Kind.Chan && chan.base) found.push(chan.base);
    }
  }
  return found;
}

async function readFrameReferences(client: DelveClient, g: WaitingGoroutine, frame: number, wanted: Map<number, ObjectKind>): Promise<FrameReference[] | 'unreadable'> {
  const scope = { GoroutineID: g.id, Frame: frame };
  const [args, locals] = await Promise.all([
    client.listFunctionArgs({ Scope: scope, Cfg: REACH }).catch(() => undefined),
    client.listLocalVars({ Scope: scope, Cfg: REACH }).catch(() => undefined),
  ]);
  if (!args && !locals) return 'unreadable';
  const f = g.frames[frame];
  const found = new Map<number, { path: string; type: string }>();
  for (const v of [...(args ?? []), ...(locals ?? [])]) {
    reachedAddresses(v, (address, path, type) => {
      const kind = wanted.get(address);
      const old = found.get(address);
      if (kind && (!old || betterPath(kind, { path, type }, old))) found.set(address, { path, type });
    });
  }
  return [...found].map(([address, r]) => ({ goroutine: g.id, address, frame, function: f.function, file: f.file, line: f.line, variable: r.path }));
}
