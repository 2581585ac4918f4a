// Where the runtime keeps its heap bookkeeping in this target: addresses of the globals and
// field offsets of mheap, mspan, heapArena, pallocData, mstats, gcControllerState, p and
// mcache, all from the target's own types (DWARF through Delve), loaded once per session.
// What differs between Go releases is chosen here, and only here, by what the target's
// types contain (ALTERNATIVES below), never by its version number.
import type { DelveClient } from '../rpc/delve-client';
import type { MemoryReader } from '../session/memory';
import { structLayout } from '../session/layout';
import type { Session } from '../session/session';
import { extent, field, optionalField, type Field, type Layout } from './fields';

const SCOPE = { GoroutineID: -1, Frame: 0 };
const BARE = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };

/** linux/amd64: arenaBaseOffset is 0xffff800000000000, i.e. addresses are offset by 2^47 (not in DWARF). */
export const ARENA_BASE_SHIFT = 2 ** 47;

/**
 * The names one thing has had across Go releases, newest first; the first the target has is used.
 * - arenas: mheap_.allArenas until 1.24; 1.25 split it into heapArenas and userArenaArenas
 *   (user arenas, GOEXPERIMENT=arenas, which allArenas also listed).
 * - sizeClassToSize: runtime.class_to_size until 1.24, "internal/runtime/gc".SizeClassToSize from 1.25.
 * - spanState: mspan.state.s (mSpanStateBox, 1.20+) or mspan.state.
 * - inlineMarkBits: Green Tea GC (default from 1.26, an experiment in 1.25) keeps the marks of
 *   one-page spans of small objects in a runtime.spanInlineMarkBits at the page's end until
 *   sweep; heapArena.pageUseSpanInlineMarkBits says which spans do. Absent (or an empty
 *   struct without the experiment): marks are in mspan.gcmarkBits only.
 * - heapStatsDelta.inPtrScalarBits: until 1.24 (GC programs); read when present.
 * - mallocHeader: from 1.22 an object with pointers larger than runtime.minSizeForMallocHeader
 *   in a small size class begins with its type (runtime.mallocHeaderSize bytes); the
 *   constants are absent before, and minSizeForMallocHeader is ^uintptr(0) without the experiment.
 * Go 1.26's randomized heap base needs no name: its padding pages are allocated and
 * scavenged in the page allocator with no span, which read-heap.ts counts as released.
 */
export const ALTERNATIVES = {
  arenas: [['heapArenas', 'userArenaArenas'], ['allArenas']],
  sizeClassToSize: ['"internal/runtime/gc".SizeClassToSize', 'runtime.class_to_size'],
  spanState: ['state.s', 'state'],
  inlineMarkBits: { type: 'runtime.spanInlineMarkBits', marks: 'marks', last: 'class', arenaBitmap: 'pageUseSpanInlineMarkBits' },
} as const;

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
  /** Bytes of the type header that objects of more than minSize bytes with pointers in small size classes begin with; undefined: none. */
  mallocHeader: { bytes: number; minSize: number } | undefined;
  addr: { mheap: number; memstats: number; gcController: number; allp: number; emptymspan: number; firstmoduledata: number };
  /** Object size by size class (runtime.class_to_size or its successor). */
  classToSize: number[];
  /** Which variable classToSize was read from. */
  classToSizeFrom: string;
  madvdontneed: number | null;
  /** arenaLists: offsets in mheap of the []arenaIdx slices that together list every arena. */
  mheap: { allspans: number; arenaLists: number[]; arenas: number; chunks: number; inUseRanges: number; spanallocInuse: Field; cacheallocInuse: Field; sweepgen: Field };
  span: {
    size: number; startAddr: Field; npages: Field; spanclass: Field; elemsize: Field; nelems: Field; allocCount: Field;
    freeindex: Field; state: Field; allocBits: Field; gcmarkBits: Field; sweepgen: Field; allocCountBeforeCache: Field | undefined;
  };
  /** inlineMarkPages: offset of heapArena.pageUseSpanInlineMarkBits, when the release has it. */
  arena: { spans: number; inlineMarkPages: number | undefined } | undefined;
  /** runtime.spanInlineMarkBits (Green Tea GC): its size and where its marks lie, when it has them. */
  inlineMarks: { size: number; marks: number } | undefined;
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
  const evalIn = (expr: string, cfg = BARE) => client.eval({ Scope: SCOPE, Expr: expr, Cfg: cfg });
  const [mheap, mheapAddr, spans] = await Promise.all([
    structLayout(client, SCOPE, 'runtime.mheap_', 3), evalIn('runtime.mheap_').then((v) => v.addr),
    evalIn('len(runtime.mheap_.allspans)').then((v) => Number(v.value)),
  ]);
  const arenaNames = ALTERNATIVES.arenas.find((names) => mheap.has(names[0]));
  if (!arenaNames) throw new Error(`memwatch: runtime.mheap_ has none of ${ALTERNATIVES.arenas.map((n) => n[0]).join(', ')} (a Go release this kernel does not know)`);
  const arenaLists = arenaNames.filter((n) => mheap.has(n)).map((n) => mheap.get(n)!.offset);
  const arenas = await readArenaIndexes(memory, mheapAddr, arenaLists);
  if (spans === 0 || arenas.length === 0) throw new HeapNotReady('the Go runtime has not set up its heap yet (the target is stopped before the runtime initialized)');
  const num = (expr: string, fallback: number) => evalIn(expr).then((v) => Number(v.value), () => fallback);
  const addrOf = (expr: string) => evalIn(expr).then((v) => v.addr);
  const layout = (expr: string, depth: number) => structLayout(client, SCOPE, expr, depth);
  const inlineMarks = ALTERNATIVES.inlineMarkBits;
  // All in flight at once: Delve answers one connection's calls in order.
  const [
    pageSize, arenaBytes, arenaL1Bits, arenaL2Bits, pagesPerArena, chunkPages, chunksL2Bits, spanInUse, spanManual, madvdontneed,
    mallocHeaderSize, minSizeForMallocHeader, memstatsAddr, gcControllerAddr, allpAddr, emptymspan, moduledataAddr, stats0, stats1,
    sizeTables, span, memstats, delta, gcController, p, mcache, moduledata, inlineMarkBits,
  ] = await Promise.all([
    num('runtime.pageSize', 8192), num('runtime.heapArenaBytes', 64 << 20), num('runtime.arenaL1Bits', 0), num('runtime.arenaL2Bits', 22),
    num('runtime.pagesPerArena', 8192), num('runtime.pallocChunkPages', 512), num('runtime.pallocChunksL2Bits', 13),
    num('runtime.mSpanInUse', 1), num('runtime.mSpanManual', 2), num('runtime.debug.madvdontneed', NaN),
    num('runtime.mallocHeaderSize', NaN), evalIn('runtime.minSizeForMallocHeader').then((v) => BigInt(v.value), () => undefined),
    addrOf('runtime.memstats'), addrOf('runtime.gcController'), addrOf('runtime.allp'),
    addrOf('runtime.emptymspan'), addrOf('runtime.firstmoduledata'),
    addrOf('runtime.memstats.heapStats.stats[0]'), addrOf('runtime.memstats.heapStats.stats[1]'),
    // Each name is asked for; the release has exactly one of them.
    Promise.all(ALTERNATIVES.sizeClassToSize.map((name) => evalIn(name, { ...BARE, MaxArrayValues: 1000 }).then(
      (v) => ({ name, sizes: (v.children ?? []).map((c) => Number(c.value)) }), () => undefined))),
    layout('runtime.mheap_.allspans[0]', 2), layout('runtime.memstats', 2),
    layout('runtime.memstats.heapStats.stats[0]', 1), layout('runtime.gcController', 2),
    layout('runtime.allp[0]', 2), layout('runtime.allp[0].mcache', 1), layout('runtime.firstmoduledata', 1),
    // The type laid over any readable memory (mheap_ is large enough): only the offsets matter.
    layout(`*(*${inlineMarks.type})(${mheapAddr})`, 1).catch(() => undefined),
  ]);
  const sizeTable = sizeTables.find((t) => t !== undefined && t.sizes.length > 0);
  if (!sizeTable) throw new Error(`memwatch: the target has none of ${ALTERNATIVES.sizeClassToSize.join(', ')} (a Go release this kernel does not know)`);
  const classToSize = sizeTable.sizes;
  const offset = (l: Layout, name: string) => {
    const f = l.get(name);
    if (!f) throw new Error(`memwatch: runtime field ${name} not found in this Go release`);
    return f.offset;
  };
  const spanFields = {
    startAddr: field(span, 'startAddr'), npages: field(span, 'npages'), spanclass: field(span, 'spanclass'),
    elemsize: field(span, 'elemsize'), nelems: field(span, 'nelems'), allocCount: field(span, 'allocCount'),
    freeindex: field(span, 'freeindex'), state: field(span, ...ALTERNATIVES.spanState), allocBits: field(span, 'allocBits'),
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
    mallocHeader: mallocHeaderSize > 0 && minSizeForMallocHeader !== undefined && minSizeForMallocHeader < 2n ** 32n
      ? { bytes: mallocHeaderSize, minSize: Number(minSizeForMallocHeader) }
      : undefined,
    addr: { mheap: mheapAddr, memstats: memstatsAddr, gcController: gcControllerAddr, allp: allpAddr, emptymspan, firstmoduledata: moduledataAddr },
    classToSize,
    classToSizeFrom: sizeTable.name,
    madvdontneed: Number.isNaN(madvdontneed) ? null : madvdontneed,
    mheap: {
      allspans: offset(mheap, 'allspans'), arenaLists, arenas: offset(mheap, 'arenas'),
      chunks: offset(mheap, 'pages.chunks'), inUseRanges: offset(mheap, 'pages.inUse.ranges'),
      spanallocInuse: field(mheap, 'spanalloc.inuse'), cacheallocInuse: field(mheap, 'cachealloc.inuse'), sweepgen: field(mheap, 'sweepgen'),
    },
    span: { size: Math.max(...[...span.values()].map((f) => f.offset)) + 8, ...spanFields },
    arena: undefined,
    inlineMarks: inlineMarkBits?.has(inlineMarks.marks) && inlineMarkBits.has(inlineMarks.last)
      ? { marks: inlineMarkBits.get(inlineMarks.marks)!.offset, size: extent(field(inlineMarkBits, inlineMarks.last)) }
      : undefined,
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
  await loadArenaLayouts(client, arenas[0], out);
  return out;
}

/** The arena indexes (arenaIdx) in the slices at mheap + each of OFFSETS. */
export async function readArenaIndexes(memory: MemoryReader, mheapAddr: number, offsets: number[]): Promise<number[]> {
  const lists = await Promise.all(offsets.map(async (offset) => {
    const header = await memory.read(mheapAddr + offset, 16);
    const ptr = Number(header.readBigUInt64LE(0));
    const len = Number(header.readBigUInt64LE(8));
    if (len === 0) return [];
    const buf = await memory.read(ptr, len * 8);
    return Array.from({ length: len }, (_, i) => Number(buf.readBigUInt64LE(i * 8)));
  }));
  return [...new Set(lists.flat())];
}

/** heapArena and pallocData are laid out from a real instance: that of arena index FIRST. */
async function loadArenaLayouts(client: DelveClient, first: number, l: RuntimeLayout): Promise<void> {
  const c = l.constants;
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
  l.arena = { spans: offset(arena, 'spans'), inlineMarkPages: arena.get(ALTERNATIVES.inlineMarkBits.arenaBitmap)?.offset };
  const scavenged = offset(palloc, 'scavenged');
  l.palloc = { bits: offset(palloc, 'pallocBits'), scavenged, size: scavenged + c.chunkPages / 8 };
}
