// Reading the whole heap's bookkeeping from a stopped target in bulk: the arenas, every
// span (mheap_.allspans, read in a few large reads since mspans sit together in fixalloc
// chunks) and the page allocator's bitmaps (in use, scavenged) for every arena page.
import { MemoryError, type MemoryReader } from '../session/memory';
import { readField } from './fields';
import { ARENA_BASE_SHIFT, readArenaIndexes, type RuntimeLayout } from './runtime-layout';
import type { HeapCapture, PageState, SpanRecord, StateRun } from './types';

const STATE_CODES: PageState[] = ['unused', 'inUse', 'stack', 'idle', 'released'];
const UNUSED = 0, IN_USE = 1, STACK = 2, IDLE = 3, RELEASED = 4;
/** Allocated in the page allocator, but no span seen yet (placeholder while decoding). */
const ALLOCATED = 5;
/**
 * Allocated and scavenged at once: the allocator clears the scavenged bits of what it hands
 * out, so only pages never used carry both, i.e. Go 1.26's padding below its randomized heap
 * base (markRandomPaddingPages), which the runtime counts as released.
 */
const ALLOCATED_SCAVENGED = 6;
/** Bytes read at once when mspans lie close together. */
const GROUP_BYTES = 64 << 10;

export interface ReadHeapOptions {
  signal?: AbortSignal;
  progress?(message: string): void;
}

export async function readSlice(memory: MemoryReader, at: number): Promise<{ ptr: number; len: number }> {
  const header = await memory.read(at, 16);
  return { ptr: Number(header.readBigUInt64LE(0)), len: Number(header.readBigUInt64LE(8)) };
}

export async function readU64s(memory: MemoryReader, at: number, count: number): Promise<number[]> {
  if (count === 0) return [];
  const buf = await memory.read(at, count * 8);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = Number(buf.readBigUInt64LE(i * 8));
  return out;
}

/** Arena start addresses, from the runtime's own lists of them (never assumed from a base address: Go 1.26 randomizes it). */
export async function readArenas(memory: MemoryReader, l: RuntimeLayout): Promise<number[]> {
  const indexes = await readArenaIndexes(memory, l.addr.mheap, l.mheap.arenaLists);
  return indexes.map((i) => i * l.constants.arenaBytes - ARENA_BASE_SHIFT).sort((a, b) => a - b);
}

/** Decodes one mspan at OFFSET in BUF. */
export function decodeSpan(buf: Buffer, offset: number, address: number, l: RuntimeLayout): { record: SpanRecord; stateNumber: number; allocBits: number; gcmarkBits: number; sweepgen: number; allocCountBeforeCache: number } {
  const s = l.span;
  const stateNumber = readField(buf, offset, s.state);
  const spanclass = readField(buf, offset, s.spanclass);
  return {
    record: {
      address,
      start: readField(buf, offset, s.startAddr),
      npages: readField(buf, offset, s.npages),
      sizeClass: spanclass >> 1,
      noscan: (spanclass & 1) === 1,
      elemSize: readField(buf, offset, s.elemsize),
      nelems: readField(buf, offset, s.nelems),
      allocCount: readField(buf, offset, s.allocCount),
      freeIndex: readField(buf, offset, s.freeindex),
      state: stateNumber === l.constants.spanManual ? 'stack' : 'inUse',
    },
    stateNumber,
    allocBits: readField(buf, offset, s.allocBits),
    gcmarkBits: readField(buf, offset, s.gcmarkBits),
    sweepgen: readField(buf, offset, s.sweepgen),
    allocCountBeforeCache: s.allocCountBeforeCache ? readField(buf, offset, s.allocCountBeforeCache) : 0,
  };
}

/** Every mspan in ADDRESSES, decoded, read in groups of nearby structs. */
export async function readSpans(memory: MemoryReader, l: RuntimeLayout, addresses: number[], signal?: AbortSignal): Promise<Map<number, ReturnType<typeof decodeSpan>>> {
  const sorted = [...new Set(addresses)].filter((a) => a !== 0).sort((a, b) => a - b);
  const out = new Map<number, ReturnType<typeof decodeSpan>>();
  const size = l.span.size;
  for (let i = 0; i < sorted.length; ) {
    signal?.throwIfAborted();
    let j = i + 1;
    while (j < sorted.length && sorted[j] + size - sorted[i] <= GROUP_BYTES) j++;
    const base = sorted[i];
    let buf: Buffer | undefined;
    try {
      buf = await memory.read(base, sorted[j - 1] + size - base);
    } catch (err) {
      if (!(err instanceof MemoryError)) throw err; // a gap between two chunks: read them one by one
    }
    for (let k = i; k < j; k++) {
      const at = sorted[k];
      if (buf) out.set(at, decodeSpan(buf, at - base, at, l));
      else out.set(at, decodeSpan(await memory.read(at, size), 0, at, l));
    }
    i = j;
  }
  return out;
}

export async function readHeap(memory: MemoryReader, l: RuntimeLayout, opts: ReadHeapOptions = {}): Promise<HeapCapture> {
  const c = l.constants;
  const arenas = await readArenas(memory, l);
  const allspans = await readSlice(memory, l.addr.mheap + l.mheap.allspans);
  opts.progress?.(`reading ${allspans.len.toLocaleString('en-US')} spans`);
  const spanPointers = await readU64s(memory, allspans.ptr, allspans.len);
  const decoded = await readSpans(memory, l, spanPointers, opts.signal);
  const spans: SpanRecord[] = [];
  for (const d of decoded.values()) {
    if (d.stateNumber === c.spanInUse || d.stateNumber === c.spanManual) spans.push(d.record);
  }
  spans.sort((a, b) => a.start - b.start);
  opts.progress?.(`reading the page allocator's bitmaps for ${arenas.length} arenas`);
  const pageStates = await readPageStates(memory, l, arenas, spans);
  return { goVersion: l.goVersion, pageSize: c.pageSize, arenaBytes: c.arenaBytes, arenas, pageStates, spans, classToSize: l.classToSize, madvdontneed: l.madvdontneed };
}

/**
 * The state of every runtime page of every arena: free pages from the page allocator's
 * bitmaps (scavenged = released to the OS, else idle), pages outside its in-use ranges
 * unused, allocated pages by the span that holds them (heap objects or stacks).
 */
async function readPageStates(memory: MemoryReader, l: RuntimeLayout, arenas: number[], spans: SpanRecord[]): Promise<StateRun[]> {
  const c = l.constants;
  const palloc = l.palloc!;
  const chunkBytes = c.chunkPages * c.pageSize;
  const chunksPerArena = c.arenaBytes / chunkBytes;
  const rangesHeader = await readSlice(memory, l.addr.mheap + l.mheap.inUseRanges);
  const inUseRaw = await readU64s(memory, rangesHeader.ptr, rangesHeader.len * 2); // addrRange{base, limit offAddr}
  const inUse = Array.from({ length: rangesHeader.len }, (_, i) => ({ start: inUseRaw[2 * i], end: inUseRaw[2 * i + 1] })).sort((a, b) => a.start - b.start);
  const pageCaches = await readPageCaches(memory, l);
  const runs: StateRun[] = [];
  let spanAt = 0;
  for (const arena of arenas) {
    const states = new Uint8Array(c.pagesPerArena); // UNUSED
    const ci = Math.floor((arena + ARENA_BASE_SHIFT) / chunkBytes);
    const l1 = Math.floor(ci / 2 ** c.chunksL2Bits);
    const l2 = ci % 2 ** c.chunksL2Bits;
    const [block] = await readU64s(memory, l.addr.mheap + l.mheap.chunks + 8 * l1, 1);
    if (block !== 0) {
      const bytes = await memory.read(block + l2 * palloc.size, chunksPerArena * palloc.size);
      for (let k = 0; k < chunksPerArena; k++) {
        for (let p = 0; p < c.chunkPages; p++) {
          const byte = k * palloc.size + (p >> 3);
          const bit = 1 << (p & 7);
          const page = k * c.chunkPages + p;
          const scavenged = (bytes[byte + palloc.scavenged] & bit) !== 0;
          if (bytes[byte + palloc.bits] & bit) states[page] = scavenged ? ALLOCATED_SCAVENGED : ALLOCATED;
          else states[page] = scavenged ? RELEASED : IDLE;
        }
      }
    }
    // Pages the page allocator was never given stay unused, whatever its bitmaps hold.
    let covered = 0; // pages [0, covered) checked against the in-use ranges, which are sorted
    for (const r of inUse) {
      const from = Math.max(0, Math.ceil((r.start - arena) / c.pageSize));
      const to = Math.min(c.pagesPerArena, Math.ceil((r.end - arena) / c.pageSize));
      if (to <= 0 || from >= c.pagesPerArena) continue;
      if (from > covered) states.fill(UNUSED, covered, from);
      covered = Math.max(covered, to);
    }
    if (covered < c.pagesPerArena) states.fill(UNUSED, covered);
    while (spanAt < spans.length && spans[spanAt].start < arena) spanAt++;
    for (let i = spanAt; i < spans.length && spans[i].start < arena + c.arenaBytes; i++) {
      const first = (spans[i].start - arena) / c.pageSize;
      states.fill(spans[i].state === 'stack' ? STACK : IN_USE, first, Math.min(c.pagesPerArena, first + spans[i].npages));
    }
    // Allocated pages in no span: free pages a P keeps in its page cache (counted as free by the runtime).
    for (const cached of pageCaches) {
      if (cached.address < arena || cached.address >= arena + c.arenaBytes) continue;
      const page = (cached.address - arena) / c.pageSize;
      if (states[page] === ALLOCATED || states[page] === ALLOCATED_SCAVENGED) states[page] = cached.scavenged ? RELEASED : IDLE;
    }
    for (let page = 0; page < c.pagesPerArena; page++) {
      if (states[page] === ALLOCATED) states[page] = IN_USE;
      else if (states[page] === ALLOCATED_SCAVENGED) states[page] = RELEASED;
    }
    let from = 0;
    for (let page = 1; page <= c.pagesPerArena; page++) {
      if (page === c.pagesPerArena || states[page] !== states[from]) {
        const start = arena + from * c.pageSize;
        const end = arena + page * c.pageSize;
        const state = STATE_CODES[states[from]];
        const last = runs[runs.length - 1];
        if (last && last.end === start && last.state === state) last.end = end;
        else runs.push({ start, end, state });
        from = page;
      }
    }
  }
  return runs;
}

/** The pages every P holds in its page cache (p.pcache: a base and two 64-page bitmaps). */
async function readPageCaches(memory: MemoryReader, l: RuntimeLayout): Promise<{ address: number; scavenged: boolean }[]> {
  const { pcacheBase, pcacheCache, pcacheScav } = l.p;
  if (!pcacheBase || !pcacheCache) return [];
  const allp = await readSlice(memory, l.addr.allp);
  const ps = (await readU64s(memory, allp.ptr, allp.len)).filter((p) => p !== 0);
  const out: { address: number; scavenged: boolean }[] = [];
  for (const p of ps) {
    const buf = await memory.read(p, Math.max(pcacheBase.offset, pcacheCache.offset, pcacheScav?.offset ?? 0) + 8);
    const base = readField(buf, 0, pcacheBase);
    const cache = buf.readBigUInt64LE(pcacheCache.offset);
    const scav = pcacheScav ? buf.readBigUInt64LE(pcacheScav.offset) : 0n;
    for (let i = 0n; i < 64n; i++) {
      if ((cache >> i) & 1n) out.push({ address: base + Number(i) * l.constants.pageSize, scavenged: ((scav >> i) & 1n) === 1n });
    }
  }
  return out;
}
