// Every mapping of the process classified: heap arenas (split where goroutine stacks lie
// inside them), stacks, the program's text and data, other mappings.
import type { StateRun } from '../../heap/types';
import type { Mapping } from '../../pages/maps';
import type { MemCapture } from './capture';

export type RegionKind = 'heap' | 'stack' | 'text' | 'data' | 'other';
export const REGION_KINDS: RegionKind[] = ['heap', 'stack', 'text', 'data', 'other'];

export interface Region {
  kind: RegionKind;
  /** What it is: a file, '[stack]', 'heap arena', 'goroutine stacks', 'anonymous'. */
  name: string;
  start: number;
  end: number;
  perms: string;
}

export function classifyRegions(capture: MemCapture): Region[] {
  const mappings = capture.pages?.mappings ?? [];
  const arenas = mergeRanges(capture.heap.arenas.map((a) => ({ start: a, end: a + capture.heap.arenaBytes })));
  const stacks = mergeRanges(capture.heap.pageStates.filter((r: StateRun) => r.state === 'stack'));
  const out: Region[] = [];
  for (const m of mappings) {
    // Cut the mapping where arenas begin and end; the arena parts are heap, less their stacks.
    let at = m.start;
    for (const a of arenas) {
      if (a.end <= at || a.start >= m.end) continue;
      if (a.start > at) out.push(outside(m, at, a.start, capture));
      const from = Math.max(at, a.start);
      const to = Math.min(m.end, a.end);
      out.push(...splitByStacks(m, from, to, stacks));
      at = to;
    }
    if (at < m.end) out.push(outside(m, at, m.end, capture));
  }
  return out;
}

function splitByStacks(m: Mapping, start: number, end: number, stacks: { start: number; end: number }[]): Region[] {
  const out: Region[] = [];
  let at = start;
  for (const s of stacks) {
    if (s.end <= at || s.start >= end) continue;
    if (s.start > at) out.push({ kind: 'heap', name: 'heap arena', start: at, end: s.start, perms: m.perms });
    const to = Math.min(end, s.end);
    out.push({ kind: 'stack', name: 'goroutine stacks', start: Math.max(at, s.start), end: to, perms: m.perms });
    at = to;
  }
  if (at < end) out.push({ kind: 'heap', name: 'heap arena', start: at, end, perms: m.perms });
  return out;
}

function outside(m: Mapping, start: number, end: number, capture: MemCapture): Region {
  const s = capture.sections;
  const overlaps = (r?: { start: number; end: number }) => r !== undefined && r.start < end && r.end > start;
  const ofProgram = capture.executable !== undefined && m.path === capture.executable;
  let kind: RegionKind = 'other';
  if (m.path === '[stack]' || m.path.startsWith('[stack:')) kind = 'stack';
  else if (overlaps(s.data) && m.perms[1] === 'w') kind = 'data';
  else if (overlaps(s.text) || overlaps(s.rodata) || (ofProgram && m.perms[1] !== 'w')) kind = 'text';
  else if (ofProgram) kind = 'data';
  return { kind, name: m.path || 'anonymous', start, end, perms: m.perms };
}

export function mergeRanges(ranges: { start: number; end: number }[]): { start: number; end: number }[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.end >= r.start) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}
