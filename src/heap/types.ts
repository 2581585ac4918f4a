// The Go heap as read from a stopped target: plain data, no Delve, no buffers.

/** What a runtime page (8 KiB) of a heap arena is used for, after the page allocator and the spans. */
export type PageState = 'inUse' | 'stack' | 'idle' | 'released' | 'unused';
export const PAGE_STATES: PageState[] = ['inUse', 'stack', 'idle', 'released', 'unused'];

export interface SpanRecord {
  /** The mspan's own address (for lookups), as a number. */
  address: number;
  start: number;
  npages: number;
  /** spanclass >> 1; 0 for large objects. */
  sizeClass: number;
  noscan: boolean;
  elemSize: number;
  nelems: number;
  allocCount: number;
  freeIndex: number;
  /** 'inUse' (heap objects) or 'stack' (a manual span: goroutine stacks). */
  state: 'inUse' | 'stack';
}

export interface StateRun {
  start: number;
  end: number;
  state: PageState;
}

export interface HeapCapture {
  goVersion: string;
  /** Runtime page size (8 KiB on every Go release so far). */
  pageSize: number;
  arenaBytes: number;
  /** Start addresses of the heap arenas (mheap_.heapArenas, or allArenas before Go 1.25), sorted. */
  arenas: number[];
  /** Every runtime page of every arena, by state, as sorted runs. */
  pageStates: StateRun[];
  /** In-use and stack spans (dead ones left out), sorted by start. */
  spans: SpanRecord[];
  /** Object size by size class (runtime.class_to_size; "internal/runtime/gc".SizeClassToSize from Go 1.25). */
  classToSize: number[];
  /** debug.madvdontneed: 1 (the default) returns memory with MADV_DONTNEED; 0 with MADV_FREE. */
  madvdontneed: number | null;
}

/** MemStats field -> bytes or count. */
export type MemStatsFigures = Record<string, number>;

export interface MemStatsCapture {
  figures: MemStatsFigures;
  /** Fields whose value only approximates what ReadMemStats would return, with why. */
  approximate: Record<string, string>;
}

/** What memwatch span found for one address. */
export interface AddressProbe {
  address: number;
  /** The arena holding it, or null when it is not in the Go heap. */
  arenaStart: number | null;
  span: SpanRecord | null;
  /** The mspan's state number when it is neither in use nor manual (e.g. 0, dead: a free page). */
  otherSpanState?: number;
  /** Whether this object's allocBits and gcmarkBits bits are set (undefined when not an object). */
  allocBit?: boolean;
  markBit?: boolean;
  /** Where the mark bit was read: mspan.gcmarkBits, or the span's own inline block (Green Tea GC, Go 1.26+). */
  markBitsIn?: 'gcmarkBits' | 'span';
  /** The span was not swept since the last GC, so its mark bits are that GC's verdict. */
  unswept?: boolean;
}
