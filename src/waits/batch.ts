// Many Delve calls at once, a window at a time: a window keeps Delve busy (it answers one
// connection's calls in order), and between windows the work can report progress and
// stop when the user interrupts.

export const WINDOW = 256;

export interface BatchResult<R> {
  results: (R | undefined)[];
  /** Aborted before every item was done: the rest are undefined. */
  partial: boolean;
}

export async function inWindows<T, R>(
  items: T[],
  call: (item: T) => Promise<R>,
  opts: { signal?: AbortSignal; progress?: (done: number) => void } = {},
): Promise<BatchResult<R>> {
  const results: (R | undefined)[] = new Array(items.length).fill(undefined);
  for (let start = 0; start < items.length; start += WINDOW) {
    if (opts.signal?.aborted) return { results, partial: true };
    const window = items.slice(start, start + WINDOW);
    const answers = await Promise.all(window.map((item) => call(item)));
    answers.forEach((a, i) => (results[start + i] = a));
    opts.progress?.(Math.min(items.length, start + WINDOW));
  }
  return { results, partial: false };
}
