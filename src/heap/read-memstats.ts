// runtime.MemStats as runtime.ReadMemStats computes it (readmemstats_m, the same from Go 1.19
// to 1.27 but for heapStatsDelta.inPtrScalarBits, gone in 1.25 and read when present), from
// the stopped target's own fields. ReadMemStats first flushes every P's mcache; the
// debugger cannot, so it adds what the flush would add (allocations from cached spans,
// tiny allocations) the way mcache.releaseAll does.
import type { MemoryReader } from '../session/memory';
import { readField, type Field } from './fields';
import { readSlice, readSpans, readU64s } from './read-heap';
import type { RuntimeLayout } from './runtime-layout';
import type { MemStatsCapture } from './types';

export async function readMemStats(memory: MemoryReader, l: RuntimeLayout): Promise<MemStatsCapture> {
  const ms = l.memstats;
  const gc = l.gcController;
  const hs = l.heapStats;
  const [memstatsBuf, gcBuf, mheapBuf] = await Promise.all([
    memory.read(l.addr.memstats, Math.max(hs.offset + hs.stride * hs.count, ...Object.values(ms).map((f) => f.offset + 8))),
    memory.read(l.addr.gcController, Math.max(...Object.values(gc).map((f) => f.offset + 8))),
    memory.read(l.addr.mheap, Math.max(l.mheap.spanallocInuse.offset, l.mheap.cacheallocInuse.offset) + 8),
  ]);
  const m = (name: string) => (ms[name] ? readField(memstatsBuf, 0, ms[name]) : 0);
  const g = (name: string) => (gc[name] ? readField(gcBuf, 0, gc[name]) : 0);
  const nClasses = l.classToSize.length;

  // consistentHeapStats.unsafeRead: the sum of its three generations.
  const sum = (name: string) => {
    const f = l.delta[name] as Field | undefined;
    if (!f) return 0;
    let total = 0;
    for (let i = 0; i < hs.count; i++) total += signed(memstatsBuf, hs.offset + i * hs.stride + f.offset);
    return total;
  };
  const perClass = (f: Field) => Array.from({ length: nClasses }, (_, c) => {
    let total = 0;
    for (let i = 0; i < hs.count; i++) total += Number(memstatsBuf.readBigUInt64LE(hs.offset + i * hs.stride + f.offset + 8 * c));
    return total;
  });
  const smallAlloc = perClass(l.delta.smallAllocCount);
  const smallFree = perClass(l.delta.smallFreeCount);
  let tinyAllocs = sum('tinyAllocCount');

  // What flushallmcaches would add: per cached span, allocCount - allocCountBeforeCache.
  const allp = await readSlice(memory, l.addr.allp);
  const ps = await readU64s(memory, allp.ptr, allp.len);
  const caches = (await Promise.all(ps.filter((p) => p !== 0).map(async (p) => readField(await memory.read(p, l.p.mcache.offset + 8), 0, l.p.mcache)))).filter((c) => c !== 0);
  const cachedSpans: number[] = [];
  for (const c of caches) {
    const buf = await memory.read(c, l.mcache.alloc + 8 * 2 * nClasses);
    tinyAllocs += readField(buf, 0, l.mcache.tinyAllocs);
    for (let i = 0; i < 2 * nClasses; i++) {
      const s = Number(buf.readBigUInt64LE(l.mcache.alloc + 8 * i));
      if (s !== 0 && s !== l.addr.emptymspan) cachedSpans.push(s);
    }
  }
  const spans = await readSpans(memory, l, cachedSpans);
  for (const s of spans.values()) {
    if (s.allocCountBeforeCache === 0 && !l.span.allocCountBeforeCache) continue;
    smallAlloc[s.record.sizeClass] += s.record.allocCount - s.allocCountBeforeCache;
  }

  let totalAlloc = sum('largeAlloc');
  let totalFree = sum('largeFree');
  let mallocs = sum('largeAllocCount');
  let frees = sum('largeFreeCount');
  for (let c = 0; c < nClasses; c++) {
    totalAlloc += smallAlloc[c] * l.classToSize[c];
    mallocs += smallAlloc[c];
    totalFree += smallFree[c] * l.classToSize[c];
    frees += smallFree[c];
  }
  mallocs += tinyAllocs;
  frees += tinyAllocs;

  const heapInUse = g('heapInUse');
  const heapFree = g('heapFree');
  const heapReleased = g('heapReleased');
  const inStacks = sum('inStacks');
  const inWorkBufs = sum('inWorkBufs');
  const inPtrScalarBits = sum('inPtrScalarBits');
  const sys = heapInUse + heapFree + heapReleased + m('stacks_sys') + m('mspan_sys') + m('mcache_sys') + m('buckhash_sys') +
    m('gcMiscSys') + m('other_sys') + inStacks + inWorkBufs + inPtrScalarBits;
  const figures = {
    alloc: totalAlloc - totalFree,
    totalAlloc,
    sys,
    mallocs,
    frees,
    heapAlloc: totalAlloc - totalFree,
    heapSys: heapInUse + heapFree + heapReleased,
    heapIdle: heapFree + heapReleased,
    heapInuse: heapInUse,
    heapReleased,
    heapObjects: mallocs - frees,
    stackInuse: inStacks,
    stackSys: inStacks + m('stacks_sys'),
    mSpanInuse: readField(mheapBuf, 0, l.mheap.spanallocInuse),
    mSpanSys: m('mspan_sys'),
    mCacheInuse: readField(mheapBuf, 0, l.mheap.cacheallocInuse),
    mCacheSys: m('mcache_sys'),
    buckHashSys: m('buckhash_sys'),
    gcSys: m('gcMiscSys') + inWorkBufs + inPtrScalarBits,
    otherSys: m('other_sys'),
    nextGC: Math.max(g('gcPercentHeapGoal'), g('sweepDistMinTrigger')),
    lastGC: m('last_gc_unix'),
    pauseTotalNs: m('pause_total_ns'),
    numGC: m('numgc'),
    numForcedGC: m('numforcedgc'),
    gcCPUFraction: m('gc_cpu_fraction'),
  };
  return {
    figures,
    approximate: {
      nextGC: 'the GOGC goal (gcController.gcPercentHeapGoal, at least the sweep-distance trigger); ReadMemStats also applies the memory limit (GOMEMLIMIT) and its headroom',
      // Before any GC there is no time to be inexact about.
      ...(figures.lastGC > 0 ? { lastGC: 'nanoseconds since 1970 exceed 2^53, so as a JSON number it is exact only to about 256 ns' } : {}),
      ...(caches.length === 0 ? { heapAlloc: 'no per-P caches were readable, so allocations still in them are not counted' } : {}),
    },
  };
}

function signed(buf: Buffer, at: number): number {
  return Number(buf.readBigInt64LE(at));
}
