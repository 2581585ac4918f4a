// Who can still wake each blocked goroutine, decided as Go's own leak detector decides it,
// inside the GC, but offline over a captured heap graph: a goroutine may run if it is not
// blocked on an object of the program, or if an object it waits on is reached from a
// package variable, a pending timer, or a goroutine that may run; repeat until nothing
// changes. Whatever is left waits for ever. Mutexes are the exception: only a holder can
// unlock one, so where a holder is known (proven by a pending deferred Unlock, or likely
// from a live pointer to it) the waiter may run only if a holder may.
//
// The answer is written in the words of the wait capture (waits/types.ts): for each waited
// object, the package variable, timer or goroutine frame that reaches it (with the path),
// so the graph and its findings (graph.ts, findings.ts) are built the same either way.
import { objectAt, objectExtent, spanOf, type HeapGraph } from '../../reach/heap-graph';
import { isMachineryFrame } from '../../waits/classify';
import type { FrameReference, ObjectKind, PackageReference, WaitCapture } from '../../waits/types';

/** Where a root pointer is: a package variable, a goroutine's stack slot or register, a timer. */
export type RootPlace =
  | { kind: 'global'; symbol: string; offset: number }
  | { kind: 'stack'; goroutine: number; frame: number; slot: number }
  | { kind: 'register'; goroutine: number; register: string }
  | { kind: 'defer'; goroutine: number; frame: number }
  | { kind: 'timer'; timer: number };

export interface Root {
  place: RootPlace;
  value: number;
}

/**
 * One goroutine's roots: its live stack words as parallel arrays (frame, slot, value: no
 * object each, for 100,000 goroutines), and the few others (registers, deferred calls).
 */
export interface GoroutineRoots {
  goroutine: number;
  stack: { frames: number[]; slots: number[]; values: number[] };
  others: Root[];
}

/** How many roots SET holds; root I (stack words first) as a Root, made only when asked for. */
export function rootCount(set: GoroutineRoots): number {
  return set.stack.values.length + set.others.length;
}
export function rootValue(set: GoroutineRoots, i: number): number {
  const n = set.stack.values.length;
  return i < n ? set.stack.values[i] : set.others[i - n].value;
}
export function rootAt(set: GoroutineRoots, i: number): Root {
  const s = set.stack;
  if (i >= s.values.length) return set.others[i - s.values.length];
  return { place: { kind: 'stack', goroutine: set.goroutine, frame: s.frames[i], slot: s.slots[i] }, value: s.values[i] };
}
/** The physical frame root I lies in (registers: the innermost). */
export function rootFrame(set: GoroutineRoots, i: number): number {
  const n = set.stack.values.length;
  if (i < n) return set.stack.frames[i];
  const p = set.others[i - n].place;
  return p.kind === 'defer' ? p.frame : 0;
}

/** What holds a waited-on object's memory: a heap object, a package variable, a goroutine's stack. */
export type Container = { kind: 'heap'; id: number } | { kind: 'global'; symbol: string } | { kind: 'stack'; goroutine: number } | { kind: 'elsewhere' };

/** A goroutine known (proven) or guessed (likely) to hold a mutex it does not wait on. */
export interface Holder {
  goroutine: number;
  /** The physical frame where it shows. */
  frame: number;
  address: number;
  proof: 'proven' | 'likely';
  /** How it shows in that frame: `defers sync.(*Mutex).Unlock of it`, `sp slot 0x...` (a pointer to it). */
  evidence: string;
}

export interface ReachInput {
  graph: HeapGraph;
  /** Package variables' pointers and pending timers: always live. */
  roots: Root[];
  /** Each goroutine's own roots (stack slots, registers, defer records): live once it may run. */
  goroutineRoots: Map<number, GoroutineRoots>;
  /** What holds each waited-on object, by its address. */
  containers: Map<number, Container>;
  /** Channels a pending timer will send on. */
  timerChannels: Set<number>;
  holders: Holder[];
  /** Names a frame, for evidence: goroutine, physical frame index -> function, file, line. */
  frameOf(goroutine: number, frame: number): { function: string; file: string; line: number };
}

export interface ReachResult {
  /** The goroutines that may run (not blocked for ever). */
  mayRun: Set<number>;
  /** Objects visited from stuck goroutines' own roots, beyond the budget: reach left untraced. */
  untraced: number[];
}

/** Objects visited per stuck goroutine when tracing what it reaches (its may-wake edges). */
const STUCK_TRACE_BUDGET = 200_000;
const TINY_BLOCK = 16;
const TINY_OBJECT = 8;
const NO_PARENT = -1;

/**
 * Fills CAPTURE's references, packageReferences and timerChannels from reachability over
 * INPUT, for the objects CAPTURE's goroutines wait on.
 */
export function reachWaits(capture: WaitCapture, input: ReachInput): ReachResult {
  const g = input.graph;
  const n = g.objectCount;
  const marked = new Uint8Array(n);
  const parent = new Int32Array(n).fill(NO_PARENT);
  const parentOffset = new Uint32Array(n);
  /** Root index (into rootList) that marked each object first, for naming the path. */
  const rootOf = new Int32Array(n).fill(-1);
  const rootList: Root[] = [];
  const queue: number[] = [];

  const waiting = capture.goroutines.filter((x) => x.objects.length > 0 && (x.waitClass === 'chan' || x.waitClass === 'select' || x.waitClass === 'sync'));
  const blocked = new Set(capture.goroutines.filter((x) => ['chan', 'select', 'sync', 'forever'].includes(x.waitClass) && (x.waitClass === 'forever' || x.objects.length > 0)).map((x) => x.id));
  const mayRun = new Set<number>();
  const kindOf = new Map<number, ObjectKind>();
  for (const w of waiting) for (const o of w.objects) kindOf.set(o.address, o.kind);

  const holdersOf = new Map<number, Holder[]>();
  const bestHolders = new Map<number, Holder[]>(); // proven if any, else likely
  for (const h of input.holders) {
    if (!holdersOf.has(h.address)) holdersOf.set(h.address, []);
    holdersOf.get(h.address)!.push(h);
  }
  for (const [address, hs] of holdersOf) {
    const proven = hs.filter((h) => h.proof === 'proven');
    bestHolders.set(address, proven.length ? proven : hs);
  }
  const byHolder = (address: number) => (kindOf.get(address) === 'mutex' || kindOf.get(address) === 'rwmutex') && bestHolders.has(address);

  // Which waiters each heap object, stack or holder would release.
  const waitersOfObject = new Map<number, number[]>();
  const waitersOfStack = new Map<number, number[]>();
  const waitersOfHolder = new Map<number, number[]>();
  const push = (m: Map<number, number[]>, k: number, v: number) => {
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(v);
  };
  const freeAtStart: number[] = [];
  for (const w of waiting) {
    for (const o of w.objects) {
      if (byHolder(o.address)) {
        for (const h of bestHolders.get(o.address)!) if (h.goroutine !== w.id) push(waitersOfHolder, h.goroutine, w.id);
        continue;
      }
      if (input.timerChannels.has(o.address)) { freeAtStart.push(w.id); continue; }
      const c = input.containers.get(o.address) ?? { kind: 'elsewhere' };
      if (c.kind === 'heap') push(waitersOfObject, c.id, w.id);
      else if (c.kind === 'stack') push(waitersOfStack, c.goroutine, w.id);
      else freeAtStart.push(w.id); // a package variable (anyone can reach it), or memory the graph does not hold
    }
  }

  const release = (id: number) => {
    if (mayRun.has(id)) return;
    mayRun.add(id);
    const set = input.goroutineRoots.get(id);
    if (set) for (let i = 0, k = rootCount(set); i < k; i++) markValue(rootValue(set, i), set, i);
    for (const w of waitersOfStack.get(id) ?? []) release(w);
    for (const w of waitersOfHolder.get(id) ?? []) release(w);
  };
  /** Marks what VALUE points into; the Root (for naming the path) is made only if it marks something. */
  const markValue = (value: number, set: GoroutineRoots | Root, i: number) => {
    const id = objectAt(g, value);
    if (id < 0 || marked[id]) return;
    rootList.push('place' in set ? set : rootAt(set, i));
    marked[id] = 1;
    rootOf[id] = rootList.length - 1;
    queue.push(id);
  };
  const drain = () => {
    while (queue.length > 0) {
      const id = queue.pop()!;
      for (const w of waitersOfObject.get(id) ?? []) release(w);
      for (let e = g.edgeStart[id]; e < g.edgeStart[id + 1]; e++) {
        const t = g.edgeTarget[e];
        if (marked[t]) continue;
        marked[t] = 1;
        parent[t] = id;
        parentOffset[t] = g.edgeOffset[e];
        rootOf[t] = rootOf[id];
        queue.push(t);
      }
    }
  };

  for (const r of input.roots) markValue(r.value, r, 0);
  for (const x of capture.goroutines) if (!blocked.has(x.id)) release(x.id);
  for (const id of freeAtStart) release(id);
  // Marking releases goroutines, whose roots mark more: one worklist to the fixed point.
  drain();

  // The answer, per waited object: who reaches it.
  const pathOf = (id: number): string => {
    const hops: string[] = [];
    for (let at = id, depth = 0; parent[at] !== NO_PARENT && depth < 64; at = parent[at], depth++) hops.push(`+0x${parentOffset[at].toString(16)}`);
    return hops.reverse().join(' → ');
  };
  const packageRefs = new Map<number, PackageReference>();
  const refs: FrameReference[] = [];
  const timers = new Set(input.timerChannels);
  const describe = (address: number) => {
    const c = input.containers.get(address);
    if (byHolder(address)) {
      for (const h of bestHolders.get(address)!) refs.push(holderReference(input, h));
      return;
    }
    if (!c || c.kind === 'elsewhere') return;
    if (c.kind === 'global') {
      packageRefs.set(address, { address, variable: c.symbol });
      return;
    }
    if (c.kind === 'stack') {
      const f = input.frameOf(c.goroutine, 0);
      refs.push({ goroutine: c.goroutine, address, frame: 0, function: f.function, file: f.file, line: f.line, variable: '(its own stack)' });
      return;
    }
    if (!marked[c.id]) return;
    const root = rootList[rootOf[c.id]];
    const inner = pathOf(c.id) + inside(g, c.id, address);
    const p = root.place;
    if (p.kind === 'global') packageRefs.set(address, { address, variable: joinPath(`${p.symbol}${p.offset ? `+0x${p.offset.toString(16)}` : ''}`, inner) });
    else if (p.kind === 'timer') timers.add(address);
    else {
      const frame = p.kind === 'stack' || p.kind === 'defer' ? p.frame : 0;
      const f = input.frameOf(p.goroutine, frame);
      const what = rootWords(root);
      refs.push({ goroutine: p.goroutine, address, frame, function: f.function, file: f.file, line: f.line, variable: joinPath(what, inner) });
    }
  };
  for (const w of waiting) for (const o of w.objects) describe(o.address);

  // Stuck goroutines: which waited objects each reaches (through objects no live root marked),
  // so that cycles among them show.
  const untraced: number[] = [];
  const stuckWaited = new Map<number, number[]>(); // heap object id -> waited addresses in it
  // The tiny allocator packs small pointer-free objects (a Mutex, a WaitGroup) into one
  // 16-byte block: a pointer into the block reaches only the object it points into.
  const inTinyBlock = (id: number) => {
    const s = spanOf(g, id);
    return s.noscan && s.elemSize <= TINY_BLOCK;
  };
  const sameObject = (id: number, value: number, address: number) => !inTinyBlock(id) || (value >= address && value < address + TINY_OBJECT);
  for (const w of waiting) for (const o of w.objects) {
    const c = input.containers.get(o.address);
    if (c?.kind === 'heap' && !marked[c.id] && !byHolder(o.address)) push(stuckWaited, c.id, o.address);
  }
  if (stuckWaited.size > 0) {
    const seen = new Int32Array(n).fill(-1);
    const via = new Int32Array(n).fill(-1); // the root that reached it, per trace
    for (const x of capture.goroutines) {
      if (mayRun.has(x.id) || x.runtimeInternal) continue;
      const roots = input.goroutineRoots.get(x.id);
      if (!roots) continue;
      const stack: number[] = [];
      let visited = 0;
      const reached = new Map<number, number>(); // waited address -> root index
      const machinery = new Map<number, boolean>(); // by frame
      for (let ri = 0, k = rootCount(roots); ri < k; ri++) {
        // A goroutine's own wait machinery points at what it waits on: no way to wake another.
        const frame = rootFrame(roots, ri);
        if (!machinery.has(frame)) machinery.set(frame, isMachineryFrame(input.frameOf(x.id, frame).function));
        if (ri < roots.stack.values.length && machinery.get(frame)) continue;
        const value = rootValue(roots, ri);
        const id = objectAt(g, value);
        if (id < 0 || marked[id]) continue;
        for (const a of stuckWaited.get(id) ?? []) if (!reached.has(a) && sameObject(id, value, a)) reached.set(a, ri);
        if (seen[id] !== x.id) {
          seen[id] = x.id;
          via[id] = ri;
          stack.push(id);
        }
      }
      while (stack.length > 0 && visited < STUCK_TRACE_BUDGET) {
        const id = stack.pop()!;
        visited++;
        for (let e = g.edgeStart[id]; e < g.edgeStart[id + 1]; e++) {
          const t = g.edgeTarget[e];
          if (marked[t]) continue;
          if (stuckWaited.has(t) && !inTinyBlock(t)) for (const a of stuckWaited.get(t)!) if (!reached.has(a)) reached.set(a, via[id]);
          if (seen[t] === x.id) continue;
          seen[t] = x.id;
          via[t] = via[id];
          stack.push(t);
        }
      }
      if (stack.length > 0) untraced.push(x.id);
      for (const [address, ri] of reached) {
        const r = rootAt(roots, ri);
        const p = r.place;
        const frame = p.kind === 'stack' || p.kind === 'defer' ? p.frame : 0;
        const f = input.frameOf(x.id, frame);
        const what = rootWords(r);
        refs.push({ goroutine: x.id, address, frame, function: f.function, file: f.file, line: f.line, variable: what });
      }
    }
  }

  capture.unreached = [...new Set(waiting.flatMap((w) => w.objects.map((o) => o.address)))].filter((a) => {
    const c = input.containers.get(a);
    return c?.kind === 'heap' ? !marked[c.id] : c?.kind === 'stack' ? !mayRun.has(c.goroutine) : false;
  });
  capture.references = refs;
  capture.packageReferences = [...packageRefs.values()];
  capture.timerChannels = [...timers];
  return { mayRun, untraced };
}

/** A goroutine root in words: `sp slot 0xSLOT (0xVALUE)` until session/capture names the slot's variable. */
export function rootWords(r: Root): string {
  const p = r.place;
  if (p.kind === 'stack') return `sp slot 0x${p.slot.toString(16)} (0x${r.value.toString(16)})`;
  if (p.kind === 'register') return `register ${p.register}`;
  return 'a deferred call';
}

function holderReference(input: ReachInput, h: Holder): FrameReference {
  const f = input.frameOf(h.goroutine, h.frame);
  return { goroutine: h.goroutine, address: h.address, frame: h.frame, function: f.function, file: f.file, line: f.line, variable: h.evidence, holder: h.proof };
}

/** `+0x8` when ADDRESS is not the start of object ID (a mutex inside a struct). */
function inside(g: HeapGraph, id: number, address: number): string {
  const { start } = objectExtent(g, id);
  return address > start ? ` (+0x${(address - start).toString(16)})` : '';
}

function joinPath(root: string, rest: string): string {
  return rest ? `${root} → ${rest}` : root;
}
