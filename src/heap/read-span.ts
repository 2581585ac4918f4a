// The runtime's bookkeeping for one address: arena (mheap_.arenas), span
// (heapArena.spans), and the object's allocation and mark bits in that span.
import type { MemoryReader } from '../session/memory';
import { readField } from './fields';
import { decodeSpan, readU64s } from './read-heap';
import { ARENA_BASE_SHIFT, type RuntimeLayout } from './runtime-layout';
import type { AddressProbe } from './types';

export async function probeAddress(memory: MemoryReader, l: RuntimeLayout, address: number): Promise<AddressProbe> {
  const c = l.constants;
  const none: AddressProbe = { address, arenaStart: null, span: null };
  if (address <= 0 || address >= ARENA_BASE_SHIFT) return none;
  const index = Math.floor((address + ARENA_BASE_SHIFT) / c.arenaBytes);
  const l1 = c.arenaL1Bits === 0 ? 0 : Math.floor(index / 2 ** c.arenaL2Bits);
  const l2 = index % 2 ** c.arenaL2Bits;
  const [l2Array] = await readU64s(memory, l.addr.mheap + l.mheap.arenas + 8 * l1, 1);
  if (l2Array === 0) return none;
  const [arena] = await readU64s(memory, l2Array + 8 * l2, 1);
  if (arena === 0) return none;
  const arenaStart = index * c.arenaBytes - ARENA_BASE_SHIFT;
  const pageInArena = Math.floor(address / c.pageSize) % c.pagesPerArena;
  const [spanAddress] = await readU64s(memory, arena + l.arena!.spans + 8 * pageInArena, 1);
  if (spanAddress === 0) return { address, arenaStart, span: null };
  const span = decodeSpan(await memory.read(spanAddress, l.span.size), 0, spanAddress, l);
  const r = span.record;
  const inSpan = address >= r.start && address < r.start + r.npages * c.pageSize;
  if (!inSpan || (span.stateNumber !== c.spanInUse && span.stateNumber !== c.spanManual)) {
    return { address, arenaStart, span: null, otherSpanState: span.stateNumber };
  }
  if (span.record.state !== 'inUse' || r.elemSize === 0) return { address, arenaStart, span: r };
  const index2 = Math.floor((address - r.start) / r.elemSize);
  if (index2 >= r.nelems) return { address, arenaStart, span: r };
  const inline = await usesInlineMarks(memory, l, arena, r.start);
  // As mspan.markBitsForIndex: the span's own block when it has one (it is merged into
  // gcmarkBits only by the sweep, and cleared), else gcmarkBits.
  const markByte = inline ? r.start + c.pageSize - inline.size + inline.marks : span.gcmarkBits;
  const [alloc, mark, mheap] = await Promise.all([
    span.allocBits ? memory.read(span.allocBits + (index2 >> 3), 1) : Buffer.alloc(1),
    markByte ? memory.read(markByte + (index2 >> 3), 1) : Buffer.alloc(1),
    memory.read(l.addr.mheap, l.mheap.sweepgen.offset + 8),
  ]);
  const heapSweepgen = readField(mheap, 0, l.mheap.sweepgen);
  return {
    address,
    arenaStart,
    span: r,
    allocBit: (alloc[0] & (1 << (index2 & 7))) !== 0,
    markBit: (mark[0] & (1 << (index2 & 7))) !== 0,
    markBitsIn: inline ? 'span' : 'gcmarkBits',
    unswept: span.sweepgen === heapSweepgen - 2 || span.sweepgen === heapSweepgen + 1,
  };
}

/** The inline mark block's layout if the span at SPANSTART keeps its marks in one (heapArena.pageUseSpanInlineMarkBits). */
async function usesInlineMarks(memory: MemoryReader, l: RuntimeLayout, arena: number, spanStart: number): Promise<RuntimeLayout['inlineMarks']> {
  const bitmap = l.arena?.inlineMarkPages;
  if (bitmap === undefined || !l.inlineMarks) return undefined;
  const page = Math.floor(spanStart / l.constants.pageSize) % l.constants.pagesPerArena;
  const [byte] = await memory.read(arena + bitmap + (page >> 3), 1);
  return byte & (1 << (page & 7)) ? l.inlineMarks : undefined;
}
