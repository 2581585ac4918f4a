// What the kernel says about a process's pages, as runs of equal state: [start, end) in
// bytes (4 KiB aligned) with flag bits. Both the plain pagemap read and PAGEMAP_SCAN
// produce these; only runs with some flag set are kept (a page in none is not resident).

export const PageFlag = {
  present: 1,
  swapped: 2,
  softDirty: 4,
  /** A file page or shared anonymous memory (pagemap bit 61). */
  file: 8,
  /** Part of a PMD-mapped transparent huge page. */
  huge: 16,
} as const;

export const OS_PAGE = 4096;

export interface PageRun {
  start: number;
  end: number;
  flags: number;
}

/** Appends a run, merging it into the previous one when they touch and agree. */
export function pushRun(runs: PageRun[], start: number, end: number, flags: number): void {
  if (flags === 0 || end <= start) return;
  const last = runs[runs.length - 1];
  if (last && last.end === start && last.flags === flags) last.end = end;
  else runs.push({ start, end, flags });
}
