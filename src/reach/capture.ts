// goroutine-graph's capture by heap reachability: reads the goroutines' waits, the heap
// graph and every root of a stopped target in bulk (reach/read-*.ts), proves mutex holders
// where the defer records show them, and decides who can still wake whom
// (analyses/waitgraph/reachability.ts). Delve answers only what memory cannot: the
// runtime's types, the threads' registers, and the waits memory did not show.
import type { Capture as StackCapture } from '../capture/capture';
import { loadFuncTable, type LoadedFuncTable } from '../capture/binary';
import { readRegions, readWord, type GStruct } from '../capture/g-structs';
import type { TakenCapture } from '../capture/capture-stacks';
import type { FuncTable } from '../capture/pclntab';
import type { RunningGoroutine } from '../capture/threads';
import { readSlice, readU64s } from '../heap/read-heap';
import { runtimeLayout, type RuntimeLayout } from '../heap/runtime-layout';
import type { ElfSymbol } from '../session/elf';
import type { DelveClient } from '../rpc/delve-client';
import { Kind, type Variable } from '../rpc/api';
import { openMemory, type MemoryReader } from '../session/memory';
import type { Session } from '../session/session';
import { isMachineryFrame, syncObjectOf } from '../waits/classify';
import { readWaitsThroughDelve, waitingGoroutines } from '../waits/capture';
import { SYNC_TYPE } from '../waits/runtime-shapes';
import type { ObjectKind, WaitCapture, WaitingGoroutine } from '../waits/types';
import { reachWaits, rootWords, type Container, type GoroutineRoots, type Holder, type Root } from '../analyses/waitgraph/reachability';
import { StackScanner, type ScannedStack } from './frames';
import { lastAtOrBelow, objectAt, type HeapGraph } from './heap-graph';
import { readReachLayouts, type ReachLayouts } from './layouts';
import { readDataSections, readGlobalRoots, readHeapGraph, type DataSections } from './read-graph';
import { readChannels, readWaitsFromMemory, typeName } from './read-waits';

export interface ReachCaptureOptions {
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

const layoutCache = new WeakMap<Session, Promise<ReachLayouts>>();

/** The session's runtime types, read once (they do not change while it lives). */
export function reachLayouts(session: Session): Promise<ReachLayouts> {
  let p = layoutCache.get(session);
  if (!p) {
    p = readReachLayouts(session.query);
    p.catch(() => layoutCache.delete(session));
    layoutCache.set(session, p);
  }
  return p;
}

/** Package variables of the runtime itself: its scheduler, heap and semaphore tables reach every g and waiter. */
const RUNTIME_OWNED = /^(runtime\.|internal\/runtime\/)/;
/** Frames whose Unlock a deferred call may be: the receiver it captured is then held. */
const UNLOCKS = /^(sync\.\(\*Mutex\)\.Unlock|sync\.\(\*RWMutex\)\.(R?Unlock)|internal\/sync\.\(\*Mutex\)\.Unlock)$/;
const STACK_READ_MAX = 64 << 20;
const STACKS_AT_ONCE = 4096;
/** Registers that may hold a running goroutine's pointers (not its sp, pc, or Fs_base: the thread's m). */
const GENERAL_REGISTERS = new Set(['Rax', 'Rbx', 'Rcx', 'Rdx', 'Rsi', 'Rdi', 'Rbp', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15']);
/** ABIInternal's integer argument registers: all that is live on entry (a function breakpoint stops there). */
const ARGUMENT_REGISTERS = new Set(['Rax', 'Rbx', 'Rcx', 'Rdi', 'Rsi', 'R8', 'R9', 'R10', 'R11']);

/**
 * The registers whose pointers count for a goroutine stopped at PC: on the function's own
 * first line (its prologue, where `break FUNC` stops) only the arguments are live, and the
 * rest hold what earlier calls left; elsewhere any may hold a live pointer.
 */
function liveRegisters(table: FuncTable, pc: number): Set<string> {
  const fn = table.findFunc(pc);
  if (!fn || fn.name.startsWith('runtime.')) return GENERAL_REGISTERS;
  return table.lineAt(fn, pc).line === table.lineAt(fn, fn.entry).line ? ARGUMENT_REGISTERS : GENERAL_REGISTERS;
}

/** What every goroutine of TAKEN (a stack capture of this stop) waits on, and who can still wake it, from the heap walk. Throws where the walk cannot be done (the caller falls back to Delve). */
export async function captureReach(session: Session, taken: TakenCapture, opts: ReachCaptureOptions = {}): Promise<WaitCapture> {
  const stacks = taken.capture;
  const say = (m: string) => opts.progress?.(m);
  const client = session.query;
  const memory = await openMemory(session);
  let loaded: LoadedFuncTable | undefined;
  const capture: WaitCapture = { goroutines: waitingGoroutines(stacks), references: [], packageReferences: [], timerChannels: [], unscanned: [], partial: stacks.partial, notes: [] };
  if (stacks.partial || opts.signal?.aborted) return undecided(capture);
  try {
    loaded = await loadFuncTable(session);
    const table = loaded.table;
    say('reading the runtime\'s types');
    const [layout, layouts] = await Promise.all([runtimeLayout(session, memory), reachLayouts(session)]);
    const { gstructs, running } = taken;
    if (gstructs.length === 0) throw new Error('the runtime\'s goroutines could not be read from memory');
    const byId = new Map(gstructs.map((g) => [g.id, g]));

    // Every stack, scanned with the binary's pointer maps.
    const live = capture.goroutines.map((g) => byId.get(g.id)).filter((g): g is GStruct => g !== undefined);
    say(`reading ${live.length.toLocaleString('en-US')} stacks`);
    const { goroutineRoots, scanned, deferred, unscanned } = await scanStacks(memory, table, layouts, live, running);
    capture.unscanned.push(...unscanned);

    // What each blocked goroutine waits on: memory first, then the receiver a sync frame
    // keeps live, then Delve for what neither showed.
    const waiters = capture.goroutines.filter((g) => g.waitClass === 'chan' || g.waitClass === 'select' || g.waitClass === 'sync');
    say(`reading waits of ${waiters.length.toLocaleString('en-US')} blocked goroutines`);
    const sudogs = await readWaitsFromMemory(memory, layouts, waiters, byId);
    for (const g of waiters) if (g.objects.length === 0 && g.waitClass === 'sync') syncReceiverOf(g, scanned.get(g.id));
    const unread = waiters.filter((g) => g.objects.length === 0);
    if (unread.length > 0 && (await readWaitsThroughDelve(client, unread, opts.signal))) capture.partial = true;
    const chans = await describeChannels(memory, layouts, capture.goroutines);

    say('reading the heap');
    const { graph, roots, sections, symbols } = await readHeapAndRoots(memory, layout, layouts, loaded, gstructs, sudogs, capture.notes, opts.signal, say);

    const containers = containersOf(capture.goroutines, graph, sections, symbols, live);
    const outside = [...containers].filter(([, c]) => c.kind === 'elsewhere').map(([a]) => `0x${a.toString(16)}`);
    if (outside.length > 0) capture.notes.push(`${outside.length} waited-on object(s) lie in no heap object, package variable or stack the walk read (${outside.slice(0, 5).join(', ')}): their waiters are taken to be able to run`);
    const holders = await provenAndLikelyHolders(memory, table, capture.goroutines, scanned, deferred, containers, symbols);
    // A physical frame named as the stack capture names it (its own line, not an inlined callee's).
    const physicalFrames = new Map(stacks.goroutines.map((g) => [g.id, g.frames.filter((f) => !f.inlined)]));
    const frameOf = (goroutine: number, frame: number) => {
      const f = scanned.get(goroutine)?.frames[frame];
      const named = physicalFrames.get(goroutine)?.[frame];
      if (named && (!f || named.function === f.function)) return { function: named.function, file: named.file, line: named.line };
      if (!f) return { function: '', file: '', line: 0 };
      const fn = table.findFunc(f.pc);
      const at = fn ? table.lineAt(fn, frame === 0 ? f.pc : f.pc - 1) : { file: '', line: 0 };
      return { function: f.function, file: at.file, line: at.line };
    };
    opts.signal?.throwIfAborted();
    say('deciding who can wake whom');
    const result = reachWaits(capture, { graph, roots, goroutineRoots, containers, timerChannels: chans.timers, holders, frameOf });
    for (const g of capture.goroutines) for (const o of g.objects) if (o.kind === 'chan' && !o.type) o.type = chans.types.get(o.address) ?? '';
    say('naming the variables that reach them');
    // Each Delve call on a goroutine walks them all: at scale, only the evidence of findings is named.
    const stuck = capture.goroutines.length > NAME_EVERY_REFERENCE_BELOW ? new Set(capture.goroutines.filter((x) => !result.mayRun.has(x.id)).map((x) => x.id)) : undefined;
    await nameStackSlots(client, capture, stacks, scanned, stuck);
    if (result.untraced.length > 0) capture.notes.push(`what ${result.untraced.length} stuck goroutine(s) reach was traced only in part: findings are marked likely`);
    capture.unscanned = [...new Set([...capture.unscanned, ...result.untraced])].sort((a, b) => a - b);
    return capture;
  } catch (err) {
    if (opts.signal?.aborted) return undecided(capture);
    throw err;
  } finally {
    loaded?.close();
    await memory.close();
  }
}

/** References named by up to this many frames' variables (each a Delve call); the rest keep their stack slot. */
const NAMED_FRAMES = 200;
/** Above this many goroutines only stuck goroutines' references are named. */
const NAME_EVERY_REFERENCE_BELOW = 20_000;

/**
 * Names the stack slots references start from (`sp slot 0x...`) by the frame's variable
 * there, as Delve reads the frame: `from`, `p`. A slot no variable describes (a spilled
 * temporary, an optimized build) keeps its address.
 */
async function nameStackSlots(client: DelveClient, capture: WaitCapture, stacks: StackCapture, scanned: Map<number, ScannedStack>, only?: Set<number>): Promise<void> {
  const bySlot = /^sp slot 0x([0-9a-f]+) \(0x([0-9a-f]+)\)/;
  const scopes = new Map<string, { goroutine: number; frame: number; refs: typeof capture.references }>();
  for (const r of capture.references) {
    if (!bySlot.test(r.variable) || (only && !only.has(r.goroutine))) continue;
    const key = `${r.goroutine}:${r.frame}`;
    if (!scopes.has(key)) {
      if (scopes.size >= NAMED_FRAMES) continue;
      scopes.set(key, { goroutine: r.goroutine, frame: r.frame, refs: [] });
    }
    scopes.get(key)!.refs.push(r);
  }
  const framesOf = new Map(stacks.goroutines.map((g) => [g.id, g.frames]));
  await Promise.all([...scopes.values()].map(async (sc) => {
    // Delve counts inlined calls as frames: the physical frame's index among them.
    const frames = framesOf.get(sc.goroutine) ?? [];
    const physical = scanned.get(sc.goroutine)?.frames[sc.frame];
    let seen = -1;
    const logical = frames.findIndex((f) => !f.inlined && ++seen === sc.frame);
    if (logical < 0 || !physical) return;
    const scope = { GoroutineID: sc.goroutine, Frame: logical };
    const cfg = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };
    const [args, locals] = await Promise.all([
      client.listFunctionArgs({ Scope: scope, Cfg: cfg }).catch(() => []),
      client.listLocalVars({ Scope: scope, Cfg: cfg }).catch(() => []),
    ]);
    const vars = [...args, ...locals];
    for (const r of sc.refs) {
      const m = bySlot.exec(r.variable)!;
      const slot = parseInt(m[1], 16);
      const value = parseInt(m[2], 16);
      const v = variableInSlot(vars, slot, value);
      if (!v) continue;
      r.variable = r.variable.replace(bySlot, v.name);
      if (!r.type) r.type = v.type;
    }
  }));
}

/** The frame variable in stack SLOT; else one holding the same pointer VALUE (the slot a spilled copy of it). */
export function variableInSlot(vars: Variable[], slot: number, value: number): Variable | undefined {
  return vars.find((v) => v.addr === slot) ?? vars.find((v) => v.kind === Kind.Ptr && Number(v.children?.[0]?.addr ?? 0) === value);
}

/** Interrupted before the walk was done: no reference is known, so nothing may be called stuck. */
function undecided(capture: WaitCapture): WaitCapture {
  capture.partial = true;
  capture.undecided = true;
  capture.notes.push('interrupted before the heap walk was done: who can wake whom is not decided, so nothing is reported stuck');
  return capture;
}

export interface HeapAndRoots {
  graph: HeapGraph;
  /** Package variables' pointers and pending timers. */
  roots: Root[];
  sections: DataSections;
  symbols: ElfSymbol[];
}

/**
 * The heap graph and the roots everyone shares. Not scanned (the runtime's own back-edges,
 * hidden as Go's leak detector hides them): a g's contents are its goroutine's (reached only
 * if it may run); sudogs (ALSO_OPAQUE) point back at what their goroutine waits on; a P's
 * caches and write-barrier buffer hold stale pointers (and every pending timer points into
 * its P); its timer heap holds stopped timers too (the pending ones are roots of their own).
 */
export async function readHeapAndRoots(
  memory: MemoryReader, layout: RuntimeLayout, layouts: ReachLayouts, loaded: LoadedFuncTable, gstructs: GStruct[],
  alsoOpaque: Iterable<number>, notes: string[], signal: AbortSignal | undefined, say: (m: string) => void,
): Promise<HeapAndRoots> {
  const allp = await readSlice(memory, layout.addr.allp);
  const ps = (await readU64s(memory, allp.ptr, allp.len)).filter((p) => p !== 0);
  const timers = await readPendingTimers(memory, layouts, ps, notes);
  const opaque = new Set([...gstructs.map((g) => g.address), ...alsoOpaque, ...ps, ...timers.heaps]);
  const graph = await readHeapGraph(memory, layout, { signal, progress: say, opaque });
  say('reading roots: package variables, timers');
  const sections = await readDataSections(memory, layout, layouts.masks);
  const symbols = loaded.dataSymbols();
  const globals = await readGlobalRoots(memory, sections, symbols, (name) => RUNTIME_OWNED.test(name));
  const roots: Root[] = globals.map((r) => ({ place: { kind: 'global', symbol: r.symbol, offset: r.offset }, value: r.value }));
  for (const t of timers.pending) roots.push({ place: { kind: 'timer', timer: t }, value: t });
  return { graph, roots, sections, symbols };
}

/** A deferred call still to run: its closure, and the closure's words when they were on the stack read. */
export interface DeferredCall {
  frame: number;
  function: string;
  closure: number;
  words?: Buffer;
}

/** A closure's code pointer and the first captured words. */
const CLOSURE_BYTES = 64;

export interface ScannedStacks {
  /** Each goroutine's roots: live stack slots, registers (running), deferred calls' closures. */
  goroutineRoots: Map<number, GoroutineRoots>;
  scanned: Map<number, ScannedStack>;
  deferred: Map<number, DeferredCall[]>;
  /** Goroutines whose stacks could not be read, or walked to the bottom. */
  unscanned: number[];
}

/** Reads and scans the stacks of GS (a running goroutine's from its thread's pc and sp, with its registers). */
export async function scanStacks(memory: MemoryReader, table: FuncTable, layouts: ReachLayouts, gs: GStruct[], running: Map<number, RunningGoroutine>): Promise<ScannedStacks> {
  const scanner = new StackScanner(table);
  const out: ScannedStacks = { goroutineRoots: new Map(), scanned: new Map(), deferred: new Map(), unscanned: [] };
  // A few thousand stacks at a time: their bytes are dropped once scanned (100,000 stacks are GiBs read whole).
  let stacksRead = new Map<number, StackRead>();
  for (const [k, g] of gs.entries()) {
    if (k % STACKS_AT_ONCE === 0) stacksRead = await readStacks(memory, gs.slice(k, k + STACKS_AT_ONCE), running);
    const s = stacksRead.get(g.id);
    if (!s) {
      out.unscanned.push(g.id);
      continue;
    }
    const records = await deferRecords(memory, layouts, g.defers);
    const result = scanner.scan(s.pc, s.sp, { start: s.sp, bytes: s.bytes }, s.running !== undefined, records.flatMap((r) => [r.record, r.fn]));
    out.scanned.set(g.id, result);
    const rs: GoroutineRoots = { goroutine: g.id, stack: result.roots, others: [] };
    const live = s.running ? liveRegisters(table, s.pc) : GENERAL_REGISTERS;
    for (const reg of s.running?.registers ?? []) if (live.has(reg.name) && reg.value > 4096) rs.others.push({ place: { kind: 'register', goroutine: g.id, register: reg.name }, value: reg.value });
    // A closure on the stack just read is taken from it (open-coded defers keep theirs in the frame).
    const words = (closure: number) => {
      const at = closure - s.sp;
      return at >= 0 && at + CLOSURE_BYTES <= s.bytes.length ? s.bytes.subarray(at, at + CLOSURE_BYTES) : undefined;
    };
    const defers: DeferredCall[] = result.frames.flatMap((f, frame) => (f.defers ?? []).map((closure) => ({ frame, function: f.function, closure, words: words(closure) })));
    for (const r of records) if (r.fn) defers.push({ frame: 0, function: 'a defer record', closure: r.fn, words: words(r.fn) });
    for (const d of defers) rs.others.push({ place: { kind: 'defer', goroutine: g.id, frame: d.frame }, value: d.closure });
    // As the runtime's stack scan: a goroutine not started yet keeps its closure there.
    if (g.schedCtxt) rs.others.push({ place: { kind: 'register', goroutine: g.id, register: 'g.sched.ctxt' }, value: g.schedCtxt });
    out.deferred.set(g.id, defers);
    if (result.error) out.unscanned.push(g.id);
    out.goroutineRoots.set(g.id, rs);
  }
  return out;
}

/** Channel types (`chan main.Result`) and which channels a pending timer feeds (hchan.timer, Go 1.23+). */
async function describeChannels(memory: MemoryReader, l: ReachLayouts, goroutines: WaitingGoroutine[]): Promise<{ types: Map<number, string>; timers: Set<number> }> {
  const addresses = [...new Set(goroutines.flatMap((g) => g.objects.filter((o) => o.kind === 'chan').map((o) => o.address)))];
  const info = await readChannels(memory, l, addresses);
  const types = new Map<number, string>();
  const names = new Map<number, Promise<string | undefined>>();
  const timers = new Set<number>();
  const timerWhen = await readRegions(memory, [...info.values()].filter((c) => c.timer).map((c) => ({ start: c.timer + l.timer.when, length: 8 })));
  for (const [address, c] of info) {
    if (!names.has(c.elemType)) names.set(c.elemType, typeName(memory, l, c.elemType));
    const elem = await names.get(c.elemType)!;
    types.set(address, `chan ${elem ?? '?'}${c.cap > 0 ? ` (len ${c.len}, cap ${c.cap})` : ''}${c.closed ? ' (closed)' : ''}`);
    const when = c.timer ? timerWhen.get(c.timer + l.timer.when) : undefined;
    if (when && readWord(when, 0) > 0) timers.add(address);
  }
  return { types, timers };
}

/**
 * Timers in every P's heap that will still fire (when > 0): roots, as the runtime's timers
 * keep their funcs and channels alive. HEAPS: the heaps' arrays, which also hold stopped
 * timers until a P cleans them up, so are not to be scanned.
 */
async function readPendingTimers(memory: MemoryReader, l: ReachLayouts, ps: number[], notes: string[]): Promise<{ pending: number[]; heaps: number[] }> {
  const t = l.pTimers;
  if (!t) {
    notes.push('this Go release keeps timers where the heap walk does not read them: goroutines waiting on timers and tickers may look blocked for ever');
    return { pending: [], heaps: [] };
  }
  const out: number[] = [];
  const heaps: number[] = [];
  for (const p of ps) {
    const { ptr, len } = await readSlice(memory, p + t.heap);
    if (!ptr || !(len > 0)) continue;
    heaps.push(ptr);
    const entries = await memory.read(ptr, len * t.entryBytes);
    for (let i = 0; i < len; i++) {
      const timer = readWord(entries, i * t.entryBytes);
      if (timer) out.push(timer);
    }
  }
  // A stopped timer keeps its slot until a P cleans up: when 0 (Go 1.23+), or a dead status (1.22).
  const timers = await readRegions(memory, out.map((x) => ({ start: x, length: l.timer.size })));
  const pending = out.filter((x) => {
    const t = timers.get(x);
    if (!t) return true; // unreadable counts as pending: it may wake someone
    const dead = l.timer.status !== undefined && l.timer.dead.has(t.readUInt32LE(l.timer.status));
    return readWord(t, l.timer.when) > 0 && !dead;
  });
  return { pending, heaps };
}

interface StackRead {
  pc: number;
  sp: number;
  bytes: Buffer;
  running?: RunningGoroutine;
}

/** Each goroutine's stack from its sp (a running one's thread's, else sched.sp) to its top. */
async function readStacks(memory: MemoryReader, gs: GStruct[], running: Map<number, RunningGoroutine>): Promise<Map<number, StackRead>> {
  const plans = gs.map((g) => {
    const r = running.get(g.id);
    const onStack = r?.sp !== undefined && r.pc !== undefined && r.sp >= g.stackLo && r.sp < g.stackHi;
    return { g, pc: onStack ? r!.pc! : g.schedPc, sp: onStack ? r!.sp! : g.schedSp, running: r };
  }).filter((p) => p.sp >= p.g.stackLo && p.sp < p.g.stackHi && p.pc);
  const bytes = await readRegions(memory, plans.map((p) => ({ start: p.sp, length: Math.min(p.g.stackHi - p.sp, STACK_READ_MAX) })));
  const out = new Map<number, StackRead>();
  for (const p of plans) {
    const b = bytes.get(p.sp);
    if (b) out.set(p.g.id, { pc: p.pc, sp: p.sp, bytes: b, ...(p.running ? { running: p.running } : {}) });
  }
  return out;
}

/**
 * A sync wait the runtime kept no address of (sync.Cond before Go 1.26): the receiver the
 * outermost sync frame keeps live across its call into the runtime (it uses it after).
 */
function syncReceiverOf(g: WaitingGoroutine, stack: ScannedStack | undefined): void {
  if (!stack) return;
  let frame = -1;
  let kind: ObjectKind | undefined;
  for (const [i, f] of stack.frames.entries()) {
    const k = syncObjectOf(f.function)?.kind;
    if (k) {
      frame = i;
      kind = k;
    } else if (kind) break;
  }
  const i = frame >= 0 ? stack.roots.frames.indexOf(frame) : -1;
  if (i < 0 || !kind) return;
  const type = SYNC_TYPE[kind] ?? kind;
  g.objects.push({ address: stack.roots.values[i], kind, type: `*${type}`, evidence: `${stack.frames[frame].function}: the receiver its frame keeps live` });
}

/** A g's defer records (g._defer, linked; on its stack or the heap) and their closures; open-coded defers are in its frames. */
async function deferRecords(memory: MemoryReader, l: ReachLayouts, first: number): Promise<{ record: number; fn: number }[]> {
  const out: { record: number; fn: number }[] = [];
  for (let at = first, n = 0; at && n < 1000; n++) {
    try {
      const d = await memory.read(at, l.defer.size);
      out.push({ record: at, fn: readWord(d, l.defer.fn) });
      at = readWord(d, l.defer.link);
    } catch {
      break;
    }
  }
  return out;
}

/** What holds each waited-on object: a heap object, a package variable, a goroutine's stack. */
function containersOf(goroutines: WaitingGoroutine[], graph: HeapGraph, sections: DataSections, symbols: { name: string; address: number; size: number }[], gs: GStruct[]): Map<number, Container> {
  const out = new Map<number, Container>();
  for (const g of goroutines) for (const o of g.objects) {
    if (out.has(o.address)) continue;
    const id = objectAt(graph, o.address);
    if (id >= 0) {
      out.set(o.address, { kind: 'heap', id });
      continue;
    }
    const inData = [sections.data, sections.bss, ...sections.noptr].some((s) => o.address >= s.start && o.address < s.end);
    if (inData) {
      out.set(o.address, { kind: 'global', symbol: symbolAt(symbols, o.address) ?? `0x${o.address.toString(16)}` });
      continue;
    }
    const owner = gs.find((x) => o.address >= x.stackLo && o.address < x.stackHi);
    out.set(o.address, owner ? { kind: 'stack', goroutine: owner.id } : { kind: 'elsewhere' });
  }
  return out;
}

function symbolAt(symbols: { name: string; address: number; size: number }[], address: number): string | undefined {
  const s = symbols[lastAtOrBelow(symbols, (x) => x.address, address)];
  if (!s || address < s.address || address >= s.address + Math.max(s.size, 1)) return undefined;
  return address === s.address ? s.name : `${s.name}+0x${(address - s.address).toString(16)}`;
}

/**
 * Who holds each waited-on mutex. Proven: a pending deferred call whose function unlocks
 * (sync's Unlock, inlined or called) and whose closure captured that mutex's address, or,
 * for a mutex in a package variable, whose code addresses it. Likely: a live pointer to
 * exactly that mutex in a frame of the program (not a container that holds it), or a frame
 * whose code addresses that package variable, in a goroutine not waiting on it.
 */
async function provenAndLikelyHolders(
  memory: MemoryReader, table: FuncTable, goroutines: WaitingGoroutine[], scanned: Map<number, ScannedStack>,
  deferred: Map<number, DeferredCall[]>, containers: Map<number, Container>, symbols: { name: string; address: number; size: number }[],
): Promise<Holder[]> {
  const mutexes = new Map<number, Set<number>>(); // address -> its waiters
  for (const g of goroutines) for (const o of g.objects) {
    if (o.kind !== 'mutex' && o.kind !== 'rwmutex') continue;
    if (!mutexes.has(o.address)) mutexes.set(o.address, new Set());
    mutexes.get(o.address)!.add(g.id);
  }
  if (mutexes.size === 0) return [];
  const globals = [...mutexes.keys()].filter((m) => containers.get(m)?.kind === 'global');
  const code = new CodeReferences(table, new Set(globals));
  const out: Holder[] = [];
  const seen = new Set<string>();
  const add = (h: Holder) => {
    const key = `${h.goroutine} ${h.address} ${h.proof}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(h);
    }
  };
  const elsewhere = [...deferred.values()].flat().filter((d) => !d.words).map((d) => d.closure);
  const closures = await readRegions(memory, [...new Set(elsewhere)].map((start) => ({ start, length: CLOSURE_BYTES })));
  for (const g of goroutines) {
    const s = scanned.get(g.id);
    if (!s || g.runtimeInternal) continue;
    // Pending deferred calls (open-coded in frames, or defer records): a closure {fn, captured...}.
    for (const d of deferred.get(g.id) ?? []) {
      const words = d.words ?? closures.get(d.closure);
      if (!words) continue;
      const fn = table.findFunc(readWord(words, 0));
      if (!fn || !code.unlocks(fn)) continue;
      const captured = Array.from({ length: 7 }, (_, i) => readWord(words, 8 + 8 * i));
      for (const [m, waiters] of mutexes) {
        if (waiters.has(g.id)) continue;
        if (captured.includes(m) || (globals.includes(m) && code.addresses(fn, m))) {
          add({ goroutine: g.id, frame: d.frame, address: m, proof: 'proven', evidence: `defers ${fn.name}, an Unlock of it` });
        }
      }
    }
    // Live pointers to exactly the mutex, in the program's own frames.
    const { frames, slots, values } = s.roots;
    for (let i = 0; i < values.length; i++) {
      const waiters = mutexes.get(values[i]);
      const f = s.frames[frames[i]];
      if (!waiters || waiters.has(g.id) || !f || isMachineryFrame(f.function) || f.conservative) continue;
      add({ goroutine: g.id, frame: frames[i], address: values[i], proof: 'likely', evidence: rootWords({ place: { kind: 'stack', goroutine: g.id, frame: frames[i], slot: slots[i] }, value: values[i] }) });
    }
    // Code of the program's frames that addresses a package-variable mutex.
    for (const m of globals) {
      if (mutexes.get(m)!.has(g.id)) continue;
      const frame = s.frames.findIndex((x) => !isMachineryFrame(x.function) && code.addressesAt(x.pc, m));
      if (frame >= 0) add({ goroutine: g.id, frame, address: m, proof: 'likely', evidence: `its code uses ${symbolAt(symbols, m) ?? 'it'}` });
    }
  }
  return out;
}

/** What a function's machine code calls and addresses (x86-64 CALL rel32, RIP-relative disp32). */
class CodeReferences {
  private readonly bytes = new Map<number, Buffer | undefined>();
  private readonly unlock = new Map<number, boolean>();

  private code(entry: number, end: number): Buffer | undefined {
    if (!this.bytes.has(entry)) this.bytes.set(entry, end - entry < 1 << 20 ? this.table.staticBytes(entry, end - entry) : undefined);
    return this.bytes.get(entry);
  }

  /** F unlocks: it is an Unlock, inlines one, or calls one. */
  unlocks(f: { entry: number; end: number; name: string }): boolean {
    let known = this.unlock.get(f.entry);
    if (known === undefined) {
      const fn = this.table.findFunc(f.entry)!;
      known = UNLOCKS.test(f.name) || this.table.outermostInlinedCalls(fn).some((c) => UNLOCKS.test(c.name)) || this.calls(f).some((c) => UNLOCKS.test(c));
      this.unlock.set(f.entry, known);
    }
    return known;
  }

  /** Names of the functions F's CALL rel32 instructions reach (a byte scan: a false hit must land on an entry to count). */
  private calls(f: { entry: number; end: number }): string[] {
    const b = this.code(f.entry, f.end);
    if (!b) return [];
    const out: string[] = [];
    for (let i = 0; i + 5 <= b.length; i++) {
      if (b[i] !== 0xe8) continue;
      const target = f.entry + i + 5 + b.readInt32LE(i + 1);
      const fn = this.table.findFunc(target);
      if (fn && fn.entry === target) out.push(fn.name);
    }
    return out;
  }

  /** Per function: the package-variable addresses its code refers to (RIP-relative disp32), among those asked about. */
  private readonly refs = new Map<number, Set<number>>();

  constructor(private readonly table: FuncTable, private readonly wanted: Set<number>) {}

  /** Whether F's code holds a RIP-relative reference to ADDRESS (a LEAQ or MOVQ of a package variable). */
  addresses(f: { entry: number; end: number }, address: number): boolean {
    let found = this.refs.get(f.entry);
    if (!found) {
      found = new Set();
      const b = this.code(f.entry, f.end);
      for (let i = 0; b && i + 4 <= b.length; i++) {
        const target = f.entry + i + 4 + b.readInt32LE(i);
        if (this.wanted.has(target)) found.add(target);
      }
      this.refs.set(f.entry, found);
    }
    return found.has(address);
  }

  addressesAt(pc: number, address: number): boolean {
    const f = this.table.findFunc(pc);
    return f ? this.addresses(f, address) : false;
  }
}
