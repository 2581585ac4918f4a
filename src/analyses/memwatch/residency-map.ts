// The address space as a picture: the largest regions in address order, each cut into bins
// that say what most of the bin is (heap page state, or the region's kind) and how much of
// it is resident. The data of the residency plot.
import type { PageState, StateRun } from '../../heap/types';
import type { PageRun } from '../../pages/page-runs';
import type { MemCapture } from './capture';
import { classifyRegions } from './regions';
import { measureRanges } from './residency';

export interface ResidencyBin {
  /** The row: a region, named with its start address. */
  region: string;
  /** Bins [bin, binEnd) of the row: neighbours that look alike are one (fewer marks to draw). */
  bin: number;
  binEnd: number;
  /** The same as fractions of the row, 0 to 1. */
  from: number;
  to: number;
  start: number;
  end: number;
  /** 'heap inUse', 'heap released', ..., or the region's kind. */
  what: string;
  residentFraction: number;
}

const HEAP_LABELS: Record<PageState, string> = {
  inUse: 'heap in use', stack: 'goroutine stacks', idle: 'heap idle', released: 'heap released', unused: 'arena unused',
};

export function residencyMap(capture: MemCapture, opts: { rows?: number; bins?: number } = {}): ResidencyBin[] {
  const runs: PageRun[] = capture.pages?.runs ?? [];
  const rows = opts.rows ?? 24;
  const binsPerRow = opts.bins ?? 64;
  // Merge the heap's stack splits back: a row per mapping part is what the eye wants.
  const regions = classifyRegions(capture);
  const largest = [...regions].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, rows).sort((a, b) => a.start - b.start);
  const out: ResidencyBin[] = [];
  for (const r of largest) {
    const name = r.name.length > 28 ? '…' + r.name.slice(-27) : r.name;
    const label = `${r.kind === 'other' ? '' : r.kind + ': '}${name} 0x${r.start.toString(16)} (${mib(r.end - r.start)})`;
    const size = r.end - r.start;
    const n = Math.max(1, Math.min(binsPerRow, Math.floor(size / 4096)));
    const bins = Array.from({ length: n }, (_, i) => ({ start: r.start + Math.floor((size * i) / n / 4096) * 4096, end: i === n - 1 ? r.end : r.start + Math.floor((size * (i + 1)) / n / 4096) * 4096 }));
    const res = measureRanges(bins, runs);
    let last: ResidencyBin | undefined;
    bins.forEach((b, i) => {
      const what = r.kind === 'heap' || r.kind === 'stack' ? dominantState(capture.heap.pageStates, b.start, b.end) ?? r.kind : r.kind;
      const fraction = b.end > b.start ? res[i].residentBytes / (b.end - b.start) : 0;
      if (last && last.what === what && Math.abs(last.residentFraction - fraction) < 0.02) {
        const bytes = last.end - last.start;
        last.residentFraction = (last.residentFraction * bytes + fraction * (b.end - b.start)) / (bytes + b.end - b.start);
        last.end = b.end;
        last.binEnd = i + 1;
        last.to = (i + 1) / n;
        return;
      }
      last = { region: label, bin: i, binEnd: i + 1, from: i / n, to: (i + 1) / n, start: b.start, end: b.end, what, residentFraction: fraction };
      out.push(last);
    });
  }
  return out;
}

function dominantState(states: StateRun[], start: number, end: number): string | undefined {
  const bytes = new Map<PageState, number>();
  for (const s of states) {
    if (s.end <= start || s.start >= end) continue;
    bytes.set(s.state, (bytes.get(s.state) ?? 0) + Math.min(end, s.end) - Math.max(start, s.start));
  }
  let best: PageState | undefined;
  for (const [s, n] of bytes) if (!best || n > bytes.get(best)!) best = s;
  return best && HEAP_LABELS[best];
}

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}
