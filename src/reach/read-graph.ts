// Reads the heap graph of a stopped target in bulk, as the GC's mark phase sees it: every
// allocated object of every in-use span (allocBits, and the slots below freeindex that
// were handed out since the sweep), scanned for pointers conservatively except where a
// span holds no pointers (noscan); the roots in the data and bss sections precisely,
// through the runtime's own pointer masks (moduledata.gcdatamask, gcbssmask).
import type { MemoryReader } from '../session/memory';
import { readRegions } from '../capture/g-structs';
import { readField } from '../heap/fields';
import { readArenas, readSlice, readSpans, readU64s } from '../heap/read-heap';
import type { RuntimeLayout } from '../heap/runtime-layout';
import type { ElfSymbol } from '../session/elf';
import { EdgeBuilder, objectAt, scanObject, type HeapGraph, type HeapSpan } from './heap-graph';

export interface GlobalRoot {
  /** The package variable holding the pointer, and how far into it. */
  symbol: string;
  offset: number;
  value: number;
}

export interface ReadGraphOptions {
  signal?: AbortSignal;
  progress?(message: string): void;
  /** Heap objects not to scan (by an address inside each): the runtime's g and p structs. */
  opaque?: Set<number>;
}

/** Bytes of spans read at once. */
const READ_BYTES = 4 << 20;

export async function readHeapGraph(memory: MemoryReader, l: RuntimeLayout, opts: ReadGraphOptions = {}): Promise<HeapGraph> {
  const allspans = await readSlice(memory, l.addr.mheap + l.mheap.allspans);
  await readArenas(memory, l); // fails early on a heap not set up yet
  opts.progress?.(`reading ${allspans.len.toLocaleString('en-US')} spans`);
  const decoded = await readSpans(memory, l, await readU64s(memory, allspans.ptr, allspans.len), opts.signal);
  const inUse = [...decoded.values()].filter((d) => d.stateNumber === l.constants.spanInUse && d.record.nelems > 0 && d.record.elemSize > 0);
  inUse.sort((a, b) => a.record.start - b.record.start);
  const spans: HeapSpan[] = [];
  let next = 0;
  for (const d of inUse) {
    const r = d.record;
    const end = r.start + r.npages * l.constants.pageSize;
    const h = l.mallocHeader;
    const header = h && !r.noscan && r.sizeClass !== 0 && r.elemSize > h.minSize ? h.bytes : 0;
    spans.push({ start: r.start, end, elemSize: r.elemSize, nelems: r.nelems, noscan: r.noscan, header, firstId: next });
    next += r.nelems;
  }
  // Allocated: the allocBits of the last sweep, or below freeindex (allocated since).
  const allocated = new Uint8Array(next);
  const bitRegions = inUse.map((d) => ({ start: d.allocBits, length: Math.ceil(d.record.nelems / 8) })).filter((r) => r.start !== 0);
  const bits = await readRegions(memory, bitRegions, undefined, opts.signal);
  inUse.forEach((d, i) => {
    const s = spans[i];
    const b = d.allocBits ? bits.get(d.allocBits) : undefined;
    for (let k = 0; k < s.nelems; k++) {
      if (k < d.record.freeIndex || (b !== undefined && (b[k >> 3] & (1 << (k & 7))) !== 0)) allocated[s.firstId + k] = 1;
    }
  });
  const graph = { spans, allocated };
  const bounds = spans.length
    ? { lo: Math.floor(spans[0].start / 2 ** 32), hi: Math.floor(spans[spans.length - 1].end / 2 ** 32) }
    : { lo: 1, hi: 0 };
  // By object, not address: a pointer to a P or g may lie past its slot's malloc header.
  const opaque = new Set([...opts.opaque ?? []].map((a) => objectAt(graph, a)).filter((id) => id >= 0));
  const edges = new EdgeBuilder(next);
  let scannedBytes = 0;
  // Spans with pointers, read a few MiB at a time in address order.
  const scan = spans.filter((s) => !s.noscan);
  opts.progress?.(`scanning ${scan.length.toLocaleString('en-US')} spans of objects with pointers`);
  for (let i = 0; i < scan.length; ) {
    opts.signal?.throwIfAborted();
    let j = i;
    const batch: HeapSpan[] = [];
    let bytes = 0;
    while (j < scan.length && (batch.length === 0 || bytes + (scan[j].end - scan[j].start) <= READ_BYTES)) {
      batch.push(scan[j]);
      bytes += scan[j].end - scan[j].start;
      j++;
    }
    const read = await readRegions(memory, batch.map((s) => ({ start: s.start, length: s.end - s.start })));
    for (const s of batch) {
      const buf = read.get(s.start);
      if (!buf) continue; // unreadable: its objects point nowhere (a note says so)
      for (let k = 0; k < s.nelems; k++) {
        const id = s.firstId + k;
        if (!allocated[id] || opaque.has(id)) continue;
        // The header is a type in the binary, never a heap pointer.
        const from = k * s.elemSize + s.header;
        const size = Math.min(s.elemSize - s.header, buf.length - from);
        scanObject(graph, edges, id, buf, from, size, bounds);
        scannedBytes += size;
      }
    }
    i = j;
  }
  return { spans, allocated, objectCount: next, ...edges.finish(), scannedBytes };
}

/**
 * Pointers held by package variables: the data and bss sections' words the runtime's
 * pointer masks mark, each named by the ELF symbol it lies in. The runtime's own variables
 * are left out (its scheduler, heap and semaphore tables reach every goroutine and waiter,
 * which the runtime's leak detector hides the same way); SKIP says which.
 */
export async function readGlobalRoots(memory: MemoryReader, sections: DataSections, symbols: ElfSymbol[], skip: (symbol: string) => boolean): Promise<GlobalRoot[]> {
  const out: GlobalRoot[] = [];
  for (const s of [sections.data, sections.bss]) {
    const length = s.end - s.start;
    if (length <= 0 || !s.mask) continue;
    const [bytes, mask] = await Promise.all([memory.read(s.start, length), memory.read(s.mask.bytes, Math.ceil(s.mask.bits / 8))]);
    let at = 0; // symbol cursor: both walk up in address order
    for (let i = 0; i < s.mask.bits && i * 8 + 8 <= length; i++) {
      if (!(mask[i >> 3] & (1 << (i & 7)))) continue;
      const value = bytes.readUInt32LE(i * 8) + bytes.readUInt32LE(i * 8 + 4) * 2 ** 32;
      if (!value) continue;
      const address = s.start + i * 8;
      while (at + 1 < symbols.length && symbols[at + 1].address <= address) at++;
      const sym = symbols[at];
      const inside = sym && address >= sym.address && address < sym.address + Math.max(sym.size, 8);
      const name = inside ? sym.name : `data 0x${address.toString(16)}`;
      if (skip(name)) continue;
      out.push({ symbol: name, offset: inside ? address - sym.address : 0, value });
    }
  }
  return out;
}

export interface DataSections {
  data: { start: number; end: number; mask?: { bits: number; bytes: number } };
  bss: { start: number; end: number; mask?: { bits: number; bytes: number } };
  /** Package variables without pointers (a sync.Mutex, a WaitGroup): nothing to scan, but objects live there. */
  noptr: { start: number; end: number }[];
}

/** moduledata's data and bss bounds and their pointer masks (bitvector{n int32; bytedata *uint8}). */
export async function readDataSections(memory: MemoryReader, l: RuntimeLayout, masks: { data: number; bss: number }): Promise<DataSections> {
  const md = l.moduledata;
  const bytes = await memory.read(l.addr.firstmoduledata, Math.max(md.ebss.offset, md.enoptrbss.offset, md.enoptrdata.offset, masks.data, masks.bss) + 16);
  const mask = (offset: number) => ({ bits: bytes.readInt32LE(offset), bytes: Number(bytes.readBigUInt64LE(offset + 8)) });
  return {
    data: { start: readField(bytes, 0, md.data), end: readField(bytes, 0, md.edata), mask: mask(masks.data) },
    bss: { start: readField(bytes, 0, md.bss), end: readField(bytes, 0, md.ebss), mask: mask(masks.bss) },
    noptr: [
      { start: readField(bytes, 0, md.noptrdata), end: readField(bytes, 0, md.enoptrdata) },
      { start: readField(bytes, 0, md.noptrbss), end: readField(bytes, 0, md.enoptrbss) },
    ],
  };
}
