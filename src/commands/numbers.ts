// Numbers typed in cells, checked before they reach Delve: Delve decodes them as Go ints, and a
// number it cannot decode (2^63, 1e23) ends its reading of the connection for good; an
// unbounded depth makes it allocate until it dies.

/** The deepest stack `stack`, `frame`, `up` and `list` ask Delve for; stackdiff reads deeper ones from memory. */
export const MAX_STACK_DEPTH = 100_000;

/** WORD as a whole number in [min, max], or undefined when it is not one. */
export function wholeNumber(word: string | undefined, max = Number.MAX_SAFE_INTEGER, min = 0): number | undefined {
  if (word === undefined || !/^-?\d+$/.test(word)) return undefined;
  const n = Number(word);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}
