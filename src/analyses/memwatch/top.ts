// The heap by size class: spans, objects in use, bytes, and what the spans hold but no
// object uses (fragmentation).
import type { HeapCapture } from '../../heap/types';

export interface SizeClassRow {
  /** 0: large objects, one per span. */
  sizeClass: number;
  /** Object size; for large objects the mean span size. */
  elemSize: number;
  spans: number;
  /** Bytes of the spans (pages times page size). */
  spanBytes: number;
  objects: number;
  /** Object slots in the spans. */
  capacity: number;
  /** objects times elemSize (what heapAlloc counts). */
  inUseBytes: number;
  /** spanBytes - inUseBytes: free slots and span tails. */
  fragmentationBytes: number;
}

export function sizeClasses(heap: HeapCapture): SizeClassRow[] {
  const rows = new Map<number, SizeClassRow>();
  for (const s of heap.spans) {
    if (s.state !== 'inUse') continue;
    let row = rows.get(s.sizeClass);
    if (!row) {
      row = { sizeClass: s.sizeClass, elemSize: heap.classToSize[s.sizeClass] ?? s.elemSize, spans: 0, spanBytes: 0, objects: 0, capacity: 0, inUseBytes: 0, fragmentationBytes: 0 };
      rows.set(s.sizeClass, row);
    }
    const spanBytes = s.npages * heap.pageSize;
    row.spans++;
    row.spanBytes += spanBytes;
    row.objects += s.allocCount;
    row.capacity += s.nelems;
    row.inUseBytes += s.allocCount * s.elemSize;
  }
  for (const row of rows.values()) {
    row.fragmentationBytes = row.spanBytes - row.inUseBytes;
    if (row.sizeClass === 0) row.elemSize = Math.round(row.spanBytes / row.spans);
  }
  return [...rows.values()].sort((a, b) => b.spanBytes - a.spanBytes || a.sizeClass - b.sizeClass);
}

/** heapAlloc as the spans tell it: what ReadMemStats reports once the caches are flushed. */
export function heapAllocFromSpans(heap: HeapCapture): number {
  let n = 0;
  for (const s of heap.spans) if (s.state === 'inUse') n += s.allocCount * s.elemSize;
  return n;
}
