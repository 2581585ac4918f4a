// The Go heap as a graph, as gocore models it: objects (the allocated slots of in-use
// spans), the pointers between them, and the roots (package variables, goroutine stacks,
// timers) that point in. Plain data; the analyses walk it.

/** One in-use span of heap objects: slot i is [start + i*elemSize, +elemSize). */
export interface HeapSpan {
  start: number;
  end: number;
  elemSize: number;
  nelems: number;
  /** Its objects hold no pointers (spanclass noscan). */
  noscan: boolean;
  /** Bytes each slot begins with before the Go value: its malloc header (the object's type), or 0. */
  header: number;
  /** Id of slot 0; slot i is firstId + i. */
  firstId: number;
}

/**
 * The heap's objects and edges. Edges are in compressed rows: object i's pointers are
 * edgeTarget[edgeStart[i] .. edgeStart[i+1]), each found at edgeOffset (bytes into i's Go value, as objectExtent places it).
 */
export interface HeapGraph {
  spans: HeapSpan[];
  /** 1 where the slot holds an allocated object. */
  allocated: Uint8Array;
  objectCount: number;
  edgeStart: Uint32Array;
  edgeTarget: Uint32Array;
  edgeOffset: Uint32Array;
  /** Bytes of heap objects scanned for pointers. */
  scannedBytes: number;
}

/** Id of the allocated object holding ADDRESS, or -1. Interior pointers count, as for the GC. */
export function objectAt(g: Pick<HeapGraph, 'spans' | 'allocated'>, address: number): number {
  const spans = g.spans;
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (address < s.start) hi = mid - 1;
    else if (address >= s.end) lo = mid + 1;
    else {
      const slot = Math.floor((address - s.start) / s.elemSize);
      if (slot >= s.nelems) return -1;
      const id = s.firstId + slot;
      return g.allocated[id] ? id : -1;
    }
  }
  return -1;
}

/** The span holding object ID. */
export function spanOf(g: Pick<HeapGraph, 'spans'>, id: number): HeapSpan {
  return g.spans[lastAtOrBelow(g.spans, (s) => s.firstId, id)];
}

/** In ITEMS sorted by KEY, the index of the last whose key is at most X (0 when none is). */
export function lastAtOrBelow<T>(items: T[], key: (item: T) => number, x: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (key(items[mid]) <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Where object ID's Go value starts (after its malloc header), and its size (the size class's less the header, not the type's). */
export function objectExtent(g: Pick<HeapGraph, 'spans'>, id: number): { start: number; size: number } {
  const s = spanOf(g, id);
  return { start: s.start + (id - s.firstId) * s.elemSize + s.header, size: s.elemSize - s.header };
}

/** Grows as edges are found, one object at a time in id order. */
export class EdgeBuilder {
  private targets = new Uint32Array(1 << 16);
  private offsets = new Uint32Array(1 << 16);
  private count = 0;
  readonly starts: Uint32Array;
  private next = 0;

  constructor(objectCount: number) {
    this.starts = new Uint32Array(objectCount + 1);
  }

  /** Starts object ID's row (ids must come in increasing order). */
  begin(id: number): void {
    while (this.next <= id) this.starts[this.next++] = this.count;
  }

  add(target: number, offset: number): void {
    if (this.count === this.targets.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.targets = grow(this.targets);
      this.offsets = grow(this.offsets);
    }
    this.targets[this.count] = target;
    this.offsets[this.count++] = offset;
  }

  finish(): { edgeStart: Uint32Array; edgeTarget: Uint32Array; edgeOffset: Uint32Array } {
    while (this.next < this.starts.length) this.starts[this.next++] = this.count;
    return { edgeStart: this.starts, edgeTarget: this.targets.slice(0, this.count), edgeOffset: this.offsets.slice(0, this.count) };
  }
}

/**
 * Scans object ID's bytes (WORDS, starting at the object) for words that point into an
 * allocated object, conservatively: any such word is taken for a pointer, so reachability
 * can only be over-counted (a leak missed, never one invented).
 */
export function scanObject(g: Pick<HeapGraph, 'spans' | 'allocated'>, edges: EdgeBuilder, id: number, words: Buffer, from: number, size: number, bounds: { lo: number; hi: number }): void {
  edges.begin(id);
  for (let off = 0; off + 8 <= size; off += 8) {
    const hi = words.readUInt32LE(from + off + 4);
    if (hi < bounds.lo || hi > bounds.hi) continue; // far from the heap: most words
    const value = words.readUInt32LE(from + off) + hi * 2 ** 32;
    const target = objectAt(g, value);
    if (target >= 0 && target !== id) edges.add(target, off);
  }
}
