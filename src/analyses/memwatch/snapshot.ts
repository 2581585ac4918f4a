// A capture summed up: the runtime's figures next to the kernel's, region by region and
// heap page state by state (CONTRACT.md: memwatch.snapshot). What diff compares.
import { PAGE_STATES, type PageState } from '../../heap/types';
import type { MemCapture } from './capture';
import { classifyRegions, type RegionKind } from './regions';
import { addResidency, emptyResidency, measureRanges, type Residency } from './residency';
import { heapAllocFromSpans, sizeClasses, type SizeClassRow } from './top';

export interface RegionSummary {
  kind: RegionKind;
  name: string;
  start: number;
  end: number;
  sizeBytes: number;
  /** null when residency could not be read (a core dump). */
  residentBytes: number | null;
  swappedBytes: number | null;
  /** null also where the kernel does not track soft-dirty bits. */
  softDirtyBytes: number | null;
  fileBytes: number | null;
  hugeBytes: number | null;
}

export interface HeapStateSummary {
  state: PageState;
  bytes: number;
  residentBytes: number | null;
  swappedBytes: number | null;
  softDirtyBytes: number | null;
}

export interface MemSnapshot {
  kind: 'memwatch.snapshot';
  name: string;
  takenAt: string;
  pid: number;
  goVersion: string;
  memstats: Record<string, number>;
  /** memstats keys whose value only approximates ReadMemStats', and why. */
  approximate: Record<string, string>;
  regions: RegionSummary[];
  /** Resident bytes in the heap arenas (goroutine stacks included: they live there). */
  heapResidentBytes: number | null;
  /** Resident bytes of the whole process (the sum over its mappings: RSS). */
  rssBytes: number | null;
  heapStates: HeapStateSummary[];
  sizeClasses: SizeClassRow[];
  heapAllocFromSpans: number;
  spans: number;
  arenas: number;
  pages: {
    available: boolean;
    why?: string;
    method?: string;
    softDirtyTracked: boolean;
    hugeCounted: boolean;
    /** 1 (MADV_DONTNEED, the default): released pages read as not present. 0: MADV_FREE, they stay resident (LazyFree). */
    madvdontneed: number | null;
  };
  notes: string[];
}

export function summarize(capture: MemCapture, name: string): MemSnapshot {
  const pages = capture.pages;
  const regions = classifyRegions(capture);
  const measured = pages ? measureRanges(regions, pages.runs) : undefined;
  const softDirty = pages?.kernel.softDirty ?? false;
  const hugeCounted = pages?.hugeCounted ?? false;
  const figure = (r: Residency | undefined, key: keyof Residency) => {
    if (!r) return null;
    if (key === 'softDirtyBytes' && !softDirty) return null;
    if (key === 'hugeBytes' && !hugeCounted) return null;
    return r[key];
  };
  const regionSummaries: RegionSummary[] = regions.map((r, i) => ({
    kind: r.kind, name: r.name, start: r.start, end: r.end, sizeBytes: r.end - r.start,
    residentBytes: figure(measured?.[i], 'residentBytes'), swappedBytes: figure(measured?.[i], 'swappedBytes'),
    softDirtyBytes: figure(measured?.[i], 'softDirtyBytes'), fileBytes: figure(measured?.[i], 'fileBytes'), hugeBytes: figure(measured?.[i], 'hugeBytes'),
  }));

  const byState = new Map<PageState, Residency>(PAGE_STATES.map((s) => [s, emptyResidency()]));
  const bytesByState = new Map<PageState, number>(PAGE_STATES.map((s) => [s, 0]));
  const stateResidency = pages ? measureRanges(capture.heap.pageStates, pages.runs) : undefined;
  capture.heap.pageStates.forEach((run, i) => {
    bytesByState.set(run.state, bytesByState.get(run.state)! + run.end - run.start);
    if (stateResidency) addResidency(byState.get(run.state)!, stateResidency[i]);
  });
  const heapStates: HeapStateSummary[] = PAGE_STATES.map((state) => ({
    state,
    bytes: bytesByState.get(state)!,
    residentBytes: pages ? byState.get(state)!.residentBytes : null,
    swappedBytes: pages ? byState.get(state)!.swappedBytes : null,
    softDirtyBytes: pages && softDirty ? byState.get(state)!.softDirtyBytes : null,
  }));
  const heapResidentBytes = pages ? heapStates.reduce((n, s) => n + (s.residentBytes ?? 0), 0) : null;
  const rssBytes = measured ? measured.reduce((n, r) => n + r.residentBytes, 0) : null;

  const notes: string[] = [];
  if (!pages) notes.push(`page residency: ${capture.pagesUnavailable ?? 'not available'}`);
  else {
    if (!softDirty) notes.push('soft-dirty: this kernel does not track soft-dirty bits (CONFIG_MEM_SOFT_DIRTY is off), so written pages cannot be told apart; shown as n/a, not 0');
    if (!pages.kernel.idlePageTracking) notes.push('idle-page tracking is not built into this kernel (no /sys/kernel/mm/page_idle)');
    if (!hugeCounted) notes.push('huge pages: not counted (needs PAGEMAP_SCAN, or root for /proc/kpageflags)');
    if (pages.method === 'pagemap-read' && pages.scanUnavailable) notes.push(`pages read with plain pagemap reads: ${pages.scanUnavailable}`);
  }
  const madv = capture.heap.madvdontneed;
  if (madv === 0) notes.push('GODEBUG=madvdontneed=0: the runtime returns memory with MADV_FREE, so released pages stay resident (LazyFree in smaps) until the kernel needs them');
  const released = heapStates.find((s) => s.state === 'released')!;
  if (released.residentBytes && released.residentBytes > 0) {
    notes.push(`${released.residentBytes} bytes of released heap pages are still resident${madv === 0 ? ' (MADV_FREE: reclaimed only under memory pressure)' : ''}`);
  }
  const inUse = heapStates.find((s) => s.state === 'inUse')!;
  if (inUse.swappedBytes && inUse.swappedBytes > 0) notes.push(`${inUse.swappedBytes} bytes of in-use heap pages are swapped out`);
  notes.push(...Object.entries(capture.memstats.approximate).map(([k, why]) => `${k} is approximate: ${why}`));

  return {
    kind: 'memwatch.snapshot',
    name,
    takenAt: capture.takenAt,
    pid: capture.pid,
    goVersion: capture.goVersion,
    memstats: capture.memstats.figures,
    approximate: capture.memstats.approximate,
    regions: regionSummaries,
    heapResidentBytes,
    rssBytes,
    heapStates,
    sizeClasses: sizeClasses(capture.heap),
    heapAllocFromSpans: heapAllocFromSpans(capture.heap),
    spans: capture.heap.spans.length,
    arenas: capture.heap.arenas.length,
    pages: {
      available: pages !== null,
      why: pages ? undefined : capture.pagesUnavailable,
      method: pages?.method,
      softDirtyTracked: softDirty,
      hugeCounted,
      madvdontneed: madv,
    },
    notes,
  };
}
