// From any address to the runtime's bookkeeping for it: arena, span, size class, object.
import type { AddressProbe } from '../../heap/types';

export interface SpanLookup {
  kind: 'memwatch.span';
  address: number;
  /** 'heap object', 'goroutine stack', 'free heap page', 'not in the Go heap'. */
  what: string;
  arenaStart: number | null;
  spanStart: number | null;
  spanPages: number | null;
  spanState: 'inUse' | 'stack' | null;
  sizeClass: number | null;
  noscan: boolean | null;
  elemSize: number | null;
  objectIndex: number | null;
  objectStart: number | null;
  /** The object's offset from its start. */
  offset: number | null;
  /** allocBits bit set, or the slot is below freeindex. */
  allocated: boolean | null;
  marked: boolean | null;
  /** Why marked says what it says. */
  markNote: string | null;
}

export function lookupSpan(probe: AddressProbe): SpanLookup {
  const base: SpanLookup = {
    kind: 'memwatch.span', address: probe.address, what: 'not in the Go heap', arenaStart: probe.arenaStart,
    spanStart: null, spanPages: null, spanState: null, sizeClass: null, noscan: null, elemSize: null,
    objectIndex: null, objectStart: null, offset: null, allocated: null, marked: null, markNote: null,
  };
  if (probe.arenaStart === null) return base;
  const s = probe.span;
  if (!s) return { ...base, what: probe.otherSpanState !== undefined ? 'free heap page (its span is gone)' : 'free heap page' };
  const span = { ...base, spanStart: s.start, spanPages: s.npages, spanState: s.state, sizeClass: s.sizeClass, noscan: s.noscan, elemSize: s.elemSize };
  if (s.state === 'stack') return { ...span, what: 'goroutine stack (a manual span)' };
  const index = Math.floor((probe.address - s.start) / s.elemSize);
  if (index >= s.nelems) return { ...span, what: `unused tail of a heap span (past its ${s.nelems} objects)` };
  const objectStart = s.start + index * s.elemSize;
  const allocated = probe.allocBit === true || index < s.freeIndex;
  return {
    ...span,
    what: allocated ? 'heap object' : 'free slot in a heap span',
    objectIndex: index,
    objectStart,
    offset: probe.address - objectStart,
    allocated,
    marked: probe.markBit ?? null,
    markNote: (probe.unswept
      ? 'the span is not yet swept: marked means the object survived the last GC'
      : 'the span is swept: mark bits are clear until the next GC marks it') +
      (probe.markBitsIn === 'span' ? ' (read from the mark bits at the end of the span\'s page, where Green Tea GC keeps them until the sweep)' : ''),
  };
}
