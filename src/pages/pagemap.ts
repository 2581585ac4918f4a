// Reading /proc/PID/pagemap with plain reads: 8 bytes per 4 KiB page, read in large
// ranges (never a read per page) and folded into runs as it is read. Always available;
// PAGEMAP_SCAN (pagemap-scan.ts) is the faster path where the kernel has it.
import * as fs from 'node:fs';
import { OS_PAGE, PageFlag, pushRun, type PageRun } from './page-runs';

/** Entries per read: 2 MiB of pagemap, 1 GiB of address space. */
const ENTRIES_PER_READ = 1 << 18;
const HUGE_PAGES = 512; // 4 KiB pages in a 2 MiB PMD-mapped huge page

export interface PagemapRead {
  runs: PageRun[];
  /** Whether huge pages were counted (needs PFNs and /proc/kpageflags, i.e. root). */
  hugeCounted: boolean;
  /** Pagemap entries read. */
  entries: number;
}

// Bits 55..63 of an entry, as bits 0..8 of (high word >>> 23).
const SOFT_DIRTY = 1 << 0; // 55
const GUARD = 1 << 3; // 58: a guard region also sets 62, but nothing is swapped
const FILE = 1 << 6; // 61
const SWAPPED = 1 << 7; // 62
const PRESENT = 1 << 8; // 63
const KEPT = SOFT_DIRTY | GUARD | FILE | SWAPPED | PRESENT; // 56 (exclusive) and 57 (uffd-wp) would only split runs

const KPF_HUGE = 17;
const KPF_THP = 22;

function flagsOf(bits: number): number {
  let f = 0;
  if (bits & PRESENT) f |= PageFlag.present;
  if (bits & SWAPPED && !(bits & GUARD)) f |= PageFlag.swapped;
  if (bits & FILE) f |= PageFlag.file;
  if (bits & SOFT_DIRTY) f |= PageFlag.softDirty;
  return f;
}

/** Reads the pagemap entries of RANGES ([start, end), page aligned, sorted) of process PID. */
export async function readPagemap(pid: number, ranges: { start: number; end: number }[], opts: { kpageflags?: boolean; signal?: AbortSignal } = {}): Promise<PagemapRead> {
  const pagemap = await fs.promises.open(`/proc/${pid}/pagemap`, 'r');
  let kpageflags: number | undefined;
  if (opts.kpageflags) {
    try {
      kpageflags = fs.openSync('/proc/kpageflags', 'r');
    } catch {
      /* not root: huge pages stay uncounted */
    }
  }
  const buf = Buffer.allocUnsafeSlow(ENTRIES_PER_READ * 8);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, ENTRIES_PER_READ * 2);
  const runs: PageRun[] = [];
  let entries = 0;
  try {
    for (const range of ranges) {
      for (let at = range.start; at < range.end; ) {
        opts.signal?.throwIfAborted();
        const want = Math.min(ENTRIES_PER_READ, (range.end - at) / OS_PAGE);
        const { bytesRead } = await pagemap.read(buf, 0, want * 8, (at / OS_PAGE) * 8);
        const n = Math.floor(bytesRead / 8);
        if (n === 0) break; // past the end of the address space
        entries += n;
        foldRuns(runs, words, n, at, kpageflags !== undefined ? hugeBlocks(words, n, at, kpageflags) : undefined);
        at += n * OS_PAGE;
      }
    }
  } finally {
    await pagemap.close();
    if (kpageflags !== undefined) fs.closeSync(kpageflags);
  }
  // Whoever may read kpageflags (root) also sees frame numbers in pagemap: huge pages were looked for.
  return { runs, hugeCounted: kpageflags !== undefined, entries };
}

/** Folds N pagemap entries (as 32-bit words) for pages from BASE into RUNS; HUGE marks huge pages. */
export function foldRuns(runs: PageRun[], words: Uint32Array, n: number, base: number, huge: Uint8Array | undefined): void {
  let runStart = 0;
  let key = -1;
  for (let i = 0; i < n; i++) {
    let k = (words[2 * i + 1] >>> 23) & KEPT;
    if (huge && huge[i]) k |= 1 << 9;
    if (k !== key) {
      if (key > 0) pushRun(runs, base + runStart * OS_PAGE, base + i * OS_PAGE, flagsOf(key) | (key & (1 << 9) ? PageFlag.huge : 0));
      key = k;
      runStart = i;
    }
  }
  if (key > 0) pushRun(runs, base + runStart * OS_PAGE, base + n * OS_PAGE, flagsOf(key) | (key & (1 << 9) ? PageFlag.huge : 0));
}

/**
 * Marks the pages of PMD-mapped huge pages: 2 MiB aligned blocks, all present, on 512
 * physically contiguous frames starting on a 512-frame boundary, whose head frame
 * /proc/kpageflags calls THP (or hugetlb). One kpageflags read per candidate block only.
 */
function hugeBlocks(words: Uint32Array, n: number, base: number, kpageflags: number): Uint8Array | undefined {
  let marks: Uint8Array | undefined;
  const flags = Buffer.alloc(8);
  const first = ((Math.ceil(base / (HUGE_PAGES * OS_PAGE)) * HUGE_PAGES * OS_PAGE) - base) / OS_PAGE;
  for (let b = first; b + HUGE_PAGES <= n; b += HUGE_PAGES) {
    const pfn0 = pfnAt(words, b);
    if (pfn0 === 0 || pfn0 % HUGE_PAGES !== 0) continue;
    let contiguous = true;
    for (let i = 1; i < HUGE_PAGES && contiguous; i++) contiguous = pfnAt(words, b + i) === pfn0 + i;
    if (!contiguous) continue;
    if (fs.readSync(kpageflags, flags, 0, 8, pfn0 * 8) !== 8) continue;
    const low = flags.readUInt32LE(0);
    if (!(low & (1 << KPF_THP)) && !(low & (1 << KPF_HUGE))) continue;
    marks ??= new Uint8Array(n);
    marks.fill(1, b, b + HUGE_PAGES);
  }
  return marks;
}

/** The frame number of a present page (bits 0-54), 0 when absent or hidden (no CAP_SYS_ADMIN). */
function pfnAt(words: Uint32Array, i: number): number {
  const hi = words[2 * i + 1];
  if (!(hi & 0x80000000)) return 0;
  return (hi & 0x7fffff) * 0x100000000 + words[2 * i];
}
