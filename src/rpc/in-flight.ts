// Many Delve calls at once. Delve answers one connection's calls in order, so keeping a few
// hundred in flight keeps it busy; each call starts only when another ends, so an interrupt
// stops the work soon, and progress can be counted as answers come.

export interface CallAllResult<R> {
  /** In the items' order; undefined for the items not asked for after an abort. */
  results: (R | undefined)[];
  /** Aborted before every item was asked for. */
  partial: boolean;
}

export const IN_FLIGHT = 256;

export async function callAll<T, R>(
  items: T[],
  call: (item: T) => Promise<R>,
  opts: { signal?: AbortSignal; progress?(done: number): void; inFlight?: number } = {},
): Promise<CallAllResult<R>> {
  const results: (R | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length && !opts.signal?.aborted) {
      const i = next++;
      results[i] = await call(items[i]);
      opts.progress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.inFlight ?? IN_FLIGHT, items.length) }, worker));
  return { results, partial: next < items.length };
}
