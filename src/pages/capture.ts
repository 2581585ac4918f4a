// One look at a live process's pages: its mappings and the runs of resident, swapped,
// soft-dirty, file and huge pages in them, by PAGEMAP_SCAN where it works, else by plain
// pagemap reads. Plain data out, for the memwatch analyses.
import { kernelFeatures, type KernelFeatures } from './kernel-features';
import { readMaps, scannable, type Mapping } from './maps';
import { readPagemap } from './pagemap';
import { pagemapScanUnavailable, scanPagemap } from './pagemap-scan';
import type { PageRun } from './page-runs';

export type PagemapMethod = 'pagemap-scan' | 'pagemap-read';

export interface PageCapture {
  pid: number;
  mappings: Mapping[];
  /** Sorted runs with some flag set; pages in no run are neither resident nor swapped. */
  runs: PageRun[];
  method: PagemapMethod;
  /** Why PAGEMAP_SCAN was not used, when it was not. */
  scanUnavailable?: string;
  hugeCounted: boolean;
  kernel: KernelFeatures;
  /** Bytes of address space looked at. */
  scannedBytes: number;
}

export async function capturePages(pid: number, opts: { method?: 'auto' | PagemapMethod; signal?: AbortSignal } = {}): Promise<PageCapture> {
  const kernel = kernelFeatures();
  const mappings = readMaps(pid);
  const ranges = mappings.filter(scannable).map((m) => ({ start: m.start, end: m.end }));
  const scannedBytes = ranges.reduce((n, r) => n + r.end - r.start, 0);
  const want = opts.method ?? 'auto';
  let scanUnavailable: string | undefined;
  if (want !== 'pagemap-read') {
    scanUnavailable = await pagemapScanUnavailable();
    if (!scanUnavailable) {
      const runs = await scanPagemap(pid, ranges);
      return { pid, mappings, runs, method: 'pagemap-scan', hugeCounted: true, kernel, scannedBytes };
    }
    if (want === 'pagemap-scan') throw new Error(scanUnavailable);
  }
  const read = await readPagemap(pid, ranges, { kpageflags: kernel.kpageflags, signal: opts.signal });
  return { pid, mappings, runs: read.runs, method: 'pagemap-read', scanUnavailable, hugeCounted: read.hugeCounted, kernel, scannedBytes };
}
