// What changed between two snapshots (CONTRACT.md: memwatch.diff): every memstats figure,
// resident bytes by region kind and by heap page state, and the heap by size class.
import type { PageState } from '../../heap/types';
import { REGION_KINDS, type RegionKind } from './regions';
import type { MemSnapshot } from './snapshot';

export interface Change {
  before: number | null;
  after: number | null;
  delta: number | null;
}

export interface RegionKindChange {
  kind: RegionKind;
  sizeBytes: Change;
  residentBytes: Change;
  swappedBytes: Change;
  softDirtyBytes: Change;
}

export interface SizeClassChange {
  sizeClass: number;
  elemSize: number;
  spans: Change;
  objects: Change;
  inUseBytes: Change;
  spanBytes: Change;
}

export interface MemDiff {
  kind: 'memwatch.diff';
  before: string;
  after: string;
  memstats: Record<string, Change>;
  heapResidentBytes: Change;
  rssBytes: Change;
  regions: RegionKindChange[];
  heapStates: { state: PageState; bytes: Change; residentBytes: Change }[];
  sizeClasses: SizeClassChange[];
  notes: string[];
}

export function change(before: number | null | undefined, after: number | null | undefined): Change {
  const b = before ?? null;
  const a = after ?? null;
  return { before: b, after: a, delta: a !== null && b !== null ? a - b : null };
}

export function diffSnapshots(a: MemSnapshot, b: MemSnapshot): MemDiff {
  const memstats: Record<string, Change> = {};
  for (const key of new Set([...Object.keys(a.memstats), ...Object.keys(b.memstats)])) memstats[key] = change(a.memstats[key], b.memstats[key]);
  const regions = REGION_KINDS.map((kind) => {
    const sum = (s: MemSnapshot, f: 'sizeBytes' | 'residentBytes' | 'swappedBytes' | 'softDirtyBytes') => {
      const rs = s.regions.filter((r) => r.kind === kind);
      if (rs.some((r) => r[f] === null)) return null;
      return rs.reduce((n, r) => n + (r[f] as number), 0);
    };
    return {
      kind,
      sizeBytes: change(sum(a, 'sizeBytes'), sum(b, 'sizeBytes')),
      residentBytes: change(a.pages.available ? sum(a, 'residentBytes') : null, b.pages.available ? sum(b, 'residentBytes') : null),
      swappedBytes: change(a.pages.available ? sum(a, 'swappedBytes') : null, b.pages.available ? sum(b, 'swappedBytes') : null),
      softDirtyBytes: change(sum(a, 'softDirtyBytes'), sum(b, 'softDirtyBytes')),
    };
  });
  const heapStates = a.heapStates.map((s, i) => ({ state: s.state, bytes: change(s.bytes, b.heapStates[i]?.bytes), residentBytes: change(s.residentBytes, b.heapStates[i]?.residentBytes) }));
  const classes = new Map<number, SizeClassChange>();
  const zero = { spans: 0, objects: 0, inUseBytes: 0, spanBytes: 0 };
  for (const c of new Set([...a.sizeClasses, ...b.sizeClasses].map((r) => r.sizeClass))) {
    const x = a.sizeClasses.find((r) => r.sizeClass === c) ?? zero;
    const y = b.sizeClasses.find((r) => r.sizeClass === c) ?? zero;
    const elemSize = (a.sizeClasses.find((r) => r.sizeClass === c) ?? b.sizeClasses.find((r) => r.sizeClass === c))!.elemSize;
    classes.set(c, { sizeClass: c, elemSize, spans: change(x.spans, y.spans), objects: change(x.objects, y.objects), inUseBytes: change(x.inUseBytes, y.inUseBytes), spanBytes: change(x.spanBytes, y.spanBytes) });
  }
  const notes: string[] = [];
  if (a.pid !== b.pid) notes.push(`the snapshots are of different processes (${a.pid} and ${b.pid})`);
  if (!a.pages.available || !b.pages.available) notes.push('page residency is missing from one snapshot (a core dump?): only the runtime figures compare');
  return {
    kind: 'memwatch.diff',
    before: a.name,
    after: b.name,
    memstats,
    heapResidentBytes: change(a.heapResidentBytes, b.heapResidentBytes),
    rssBytes: change(a.rssBytes, b.rssBytes),
    regions,
    heapStates,
    sizeClasses: [...classes.values()].sort((p, q) => Math.abs(q.spanBytes.delta ?? 0) - Math.abs(p.spanBytes.delta ?? 0) || p.sizeClass - q.sizeClass),
    notes,
  };
}
