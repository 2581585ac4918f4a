// Where the runtime keeps its heap bookkeeping in this target: addresses of the globals and
// field offsets of mheap, mspan, heapArena, pallocData, mstats, gcControllerState, p and
// mcache, all from the target's own types (DWARF through Delve), loaded once per session.
import type { DelveClient } from '../rpc/delve-client';
import type { MemoryReader } from '../session/memory';
import { structLayout } from '../session/layout';
import type { Session } from '../session/session';
import { field, optionalField, type Field, type Layout } from './fields';

const SCOPE = { GoroutineID: -1, Frame: 0 };
const BARE = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };

/** linux/amd64: arenaBaseOffset is 0xffff800000000000, i.e. addresses are offset by 2^47 (not in DWARF). */
export const ARENA_BASE_SHIFT = 2 ** 47;

export interface RuntimeLayout {
  goVersion: string;
  constants: {
    pageSize: number;
    arenaBytes: number;
    arenaL1Bits: number;
    arenaL2Bits: number;
    pagesPerArena: number;
    chunkPages: number;
    chunksL2Bits: number;
    spanInUse: number;
    spanManual: number;
  };
  addr: { mheap: number; memstats: number; gcController: number; allp: number; emptymspan: number; firstmoduledata: number };
  classToSize: number[];
  madvdontneed: number | null;
  mheap: { allspans: number; allArenas: number; arenas: number; chunks: number; inUseRanges: number; spanallocInuse: Field; cacheallocInuse: Field; sweepgen: Field };
  span: {
    size: number; startAddr: Field; npages: Field; spanclass: Field; elemsize: Field; nelems: Field; allocCount: Field;
    freeindex: Field; state: Field; allocBits: Field; gcmarkBits: Field; sweepgen: Field; allocCountBeforeCache: Field | undefined;
  };
  arena: { spans: number } | undefined;
  palloc: { bits: number; scavenged: number; size: number } | undefined;
  memstats: Record<string, Field>;
  /** memstats.heapStats.stats: where, the size of one heapStatsDelta, how many. */
  heapStats: { offset: number; stride: number; count: number };
  delta: Record<string, Field> & { smallAllocCount: Field; smallFreeCount: Field };
  gcController: Record<string, Field>;
  /** p.pcache: free pages a P holds for itself (marked allocated in the page allocator's bitmap). */
  p: { mcache: Field; pcacheBase: Field | undefined; pcacheCache: Field | undefined; pcacheScav: Field | undefined };
  mcache: { tinyAllocs: Field; alloc: number; size: number };
  moduledata: Record<string, Field>;
}

/** The target stopped before the runtime set up its heap (at the program's entry point, say). */
export class HeapNotReady extends Error {}

const cache = new WeakMap<Session, Promise<RuntimeLayout>>();

/** The layout of SESSION's runtime, loaded on first use. */
export function runtimeLayout(session: Session, memory: MemoryReader): Promise<RuntimeLayout> {
  let p = cache.get(session);
  if (!p) {
    p = loadLayout(session.query, memory, session.goVersion ?? 'unknown');
    p.catch(() => cache.delete(session)); // a failure (target running, say) is not for ever
    cache.set(session, p);
  }
  return p;
}

async function loadLayout(client: DelveClient, memory: MemoryReader, goVersion: string): Promise<RuntimeLayout> {
  const [spans, arenas] = await Promise.all(['len(runtime.mheap_.allspans)', 'len(runtime.mheap_.allArenas)'].map((e) =>
    client.eval({ Scope: SCOPE, Expr: e, Cfg: BARE }).then((v) => Number(v.value))));
  if (spans === 0 || arenas === 0) throw new HeapNotReady('the Go runtime has not set up its heap yet (the target is stopped before the runtime initialized)');
  const num = (expr: string, fallback: number) =>
    client.eval({ Scope: SCOPE, Expr: expr, Cfg: BARE }).then((v) => Number(v.value), () => fallback);
  const addrOf = (expr: string) => client.eval({ Scope: SCOPE, Expr: expr, Cfg: BARE }).then((v) => v.addr);
  const layout = (expr: string, depth: number) => structLayout(client, SCOPE, expr, depth);
  // All in flight at once: Delve answers one connection's calls in order.
  const [
    pageSize, arenaBytes, arenaL1Bits, arenaL2Bits, pagesPerArena, chunkPages, chunksL2Bits, spanInUse, spanManual, madvdontneed,
    mheapAddr, memstatsAddr, gcControllerAddr, allpAddr, emptymspan, moduledataAddr, stats0, stats1,
    classToSize, mheap, span, memstats, delta, gcController, p, mcache, moduledata,
  ] = await Promise.all([
    num('runtime.pageSize', 8192), num('runtime.heapArenaBytes', 64 << 20), num('runtime.arenaL1Bits', 0), num('runtime.arenaL2Bits', 22),
    num('runtime.pagesPerArena', 8192), num('runtime.pallocChunkPages', 512), num('runtime.pallocChunksL2Bits', 13),
    num('runtime.mSpanInUse', 1), num('runtime.mSpanManual', 2), num('runtime.debug.madvdontneed', NaN),
    addrOf('runtime.mheap_'), addrOf('runtime.memstats'), addrOf('runtime.gcController'), addrOf('runtime.allp'),
    addrOf('runtime.emptymspan'), addrOf('runtime.firstmoduledata'),
    addrOf('runtime.memstats.heapStats.stats[0]'), addrOf('runtime.memstats.heapStats.stats[1]'),
    client.eval({ Scope: SCOPE, Expr: 'runtime.class_to_size', Cfg: { ...BARE, MaxArrayValues: 1000 } }).then((v) => (v.children ?? []).map((c) => Number(c.value))),
    layout('runtime.mheap_', 3), layout('runtime.mheap_.allspans[0]', 2), layout('runtime.memstats', 2),
    layout('runtime.memstats.heapStats.stats[0]', 1), layout('runtime.gcController', 2),
    layout('runtime.allp[0]', 2), layout('runtime.allp[0].mcache', 1), layout('runtime.firstmoduledata', 1),
  ]);
  const offset = (l: Layout, name: string) => {
    const f = l.get(name);
    if (!f) throw new Error(`memwatch: runtime field ${name} not found in this Go release`);
    return f.offset;
  };
  const spanFields = {
    startAddr: field(span, 'startAddr'), npages: field(span, 'npages'), spanclass: field(span, 'spanclass'),
    elemsize: field(span, 'elemsize'), nelems: field(span, 'nelems'), allocCount: field(span, 'allocCount'),
    freeindex: field(span, 'freeindex'), state: field(span, 'state.s', 'state'), allocBits: field(span, 'allocBits'),
    gcmarkBits: field(span, 'gcmarkBits'), sweepgen: field(span, 'sweepgen'), allocCountBeforeCache: optionalField(span, 'allocCountBeforeCache'),
  };
  const fieldsOf = (l: Layout, names: string[]) => Object.fromEntries(names.flatMap((n) => {
    const f = optionalField(l, n);
    return f ? [[n, f]] : [];
  }));
  const statsCount = 3; // consistentHeapStats.stats [3]heapStatsDelta on every release that has it
  const out: RuntimeLayout = {
    goVersion,
    constants: { pageSize, arenaBytes, arenaL1Bits, arenaL2Bits, pagesPerArena, chunkPages, chunksL2Bits, spanInUse, spanManual },
    addr: { mheap: mheapAddr, memstats: memstatsAddr, gcController: gcControllerAddr, allp: allpAddr, emptymspan, firstmoduledata: moduledataAddr },
    classToSize,
    madvdontneed: Number.isNaN(madvdontneed) ? null : madvdontneed,
    mheap: {
      allspans: offset(mheap, 'allspans'), allArenas: offset(mheap, 'allArenas'), arenas: offset(mheap, 'arenas'),
      chunks: offset(mheap, 'pages.chunks'), inUseRanges: offset(mheap, 'pages.inUse.ranges'),
      spanallocInuse: field(mheap, 'spanalloc.inuse'), cacheallocInuse: field(mheap, 'cachealloc.inuse'), sweepgen: field(mheap, 'sweepgen'),
    },
    span: { size: Math.max(...[...span.values()].map((f) => f.offset)) + 8, ...spanFields },
    arena: undefined,
    palloc: undefined,
    memstats: fieldsOf(memstats, ['stacks_sys', 'mspan_sys', 'mcache_sys', 'buckhash_sys', 'gcMiscSys', 'other_sys', 'last_gc_unix', 'pause_total_ns', 'numgc', 'numforcedgc', 'gc_cpu_fraction']),
    heapStats: { offset: stats0 - memstatsAddr, stride: stats1 - stats0, count: statsCount },
    delta: {
      ...fieldsOf(delta, ['committed', 'released', 'inHeap', 'inStacks', 'inWorkBufs', 'inPtrScalarBits', 'tinyAllocCount', 'largeAlloc', 'largeAllocCount', 'largeFree', 'largeFreeCount']),
      smallAllocCount: { offset: offset(delta, 'smallAllocCount'), width: 8, float: false },
      smallFreeCount: { offset: offset(delta, 'smallFreeCount'), width: 8, float: false },
    },
    gcController: fieldsOf(gcController, ['heapInUse', 'heapFree', 'heapReleased', 'totalAlloc', 'totalFree', 'gcPercentHeapGoal', 'sweepDistMinTrigger', 'heapLive']),
    p: { mcache: field(p, 'mcache'), pcacheBase: optionalField(p, 'pcache.base'), pcacheCache: optionalField(p, 'pcache.cache'), pcacheScav: optionalField(p, 'pcache.scav') },
    mcache: { tinyAllocs: field(mcache, 'tinyAllocs'), alloc: offset(mcache, 'alloc'), size: Math.max(...[...mcache.values()].map((f) => f.offset)) + 8 },
    moduledata: fieldsOf(moduledata, ['text', 'etext', 'noptrdata', 'enoptrdata', 'data', 'edata', 'bss', 'ebss', 'noptrbss', 'enoptrbss', 'types', 'etypes']),
  };
  await loadArenaLayouts(client, memory, out);
  return out;
}

/** heapArena and pallocData are laid out from a real instance: the first arena's. */
async function loadArenaLayouts(client: DelveClient, memory: MemoryReader, l: RuntimeLayout): Promise<void> {
  const c = l.constants;
  const header = await memory.read(l.addr.mheap + l.mheap.allArenas, 16);
  const first = Number((await memory.read(Number(header.readBigUInt64LE(0)), 8)).readBigUInt64LE(0));
  const arenaL1 = c.arenaL1Bits === 0 ? 0 : Math.floor(first / 2 ** c.arenaL2Bits);
  const arenaL2 = first % 2 ** c.arenaL2Bits;
  const chunk = Math.floor((first * c.arenaBytes) / (c.chunkPages * c.pageSize));
  const [arena, palloc] = await Promise.all([
    structLayout(client, SCOPE, `runtime.mheap_.arenas[${arenaL1}][${arenaL2}]`, 1),
    structLayout(client, SCOPE, `runtime.mheap_.pages.chunks[${Math.floor(chunk / 2 ** c.chunksL2Bits)}][${chunk % 2 ** c.chunksL2Bits}]`, 1),
  ]);
  const offset = (layout: Layout, name: string) => {
    const f = layout.get(name);
    if (!f) throw new Error(`memwatch: runtime field ${name} not found in this Go release`);
    return f.offset;
  };
  l.arena = { spans: offset(arena, 'spans') };
  const scavenged = offset(palloc, 'scavenged');
  l.palloc = { bits: offset(palloc, 'pallocBits'), scavenged, size: scavenged + c.chunkPages / 8 };
}
