// How many bytes of each address range are resident, swapped, soft-dirty, file-backed or
// in huge pages: one sweep over sorted ranges and sorted page runs.
import { PageFlag, type PageRun } from '../../pages/page-runs';

export interface Residency {
  residentBytes: number;
  swappedBytes: number;
  softDirtyBytes: number;
  fileBytes: number;
  hugeBytes: number;
}

export function emptyResidency(): Residency {
  return { residentBytes: 0, swappedBytes: 0, softDirtyBytes: 0, fileBytes: 0, hugeBytes: 0 };
}

export function addResidency(into: Residency, r: Residency): Residency {
  into.residentBytes += r.residentBytes;
  into.swappedBytes += r.swappedBytes;
  into.softDirtyBytes += r.softDirtyBytes;
  into.fileBytes += r.fileBytes;
  into.hugeBytes += r.hugeBytes;
  return into;
}

/** Residency of each of RANGES (sorted by start, not overlapping) from RUNS (sorted, not overlapping). */
export function measureRanges(ranges: { start: number; end: number }[], runs: PageRun[]): Residency[] {
  const out: Residency[] = ranges.map(() => emptyResidency());
  let j = 0;
  for (let i = 0; i < ranges.length; i++) {
    const { start, end } = ranges[i];
    while (j < runs.length && runs[j].end <= start) j++;
    for (let k = j; k < runs.length && runs[k].start < end; k++) {
      const bytes = Math.min(end, runs[k].end) - Math.max(start, runs[k].start);
      if (bytes <= 0) continue;
      const f = runs[k].flags;
      const r = out[i];
      if (f & PageFlag.present) r.residentBytes += bytes;
      if (f & PageFlag.swapped) r.swappedBytes += bytes;
      if (f & PageFlag.softDirty) r.softDirtyBytes += bytes;
      if (f & PageFlag.file && f & PageFlag.present) r.fileBytes += bytes;
      if (f & PageFlag.huge) r.hugeBytes += bytes;
    }
  }
  return out;
}
