// Cells executed with store_history, kept in memory for history_request.
// There is one session (this kernel process); the protocol's session 0 means "current".
// Line numbers are execution counts, as in IPython.

export const HISTORY_SESSION = 1;

export type HistoryInput = [session: number, line: number, input: string];
export type HistoryInputOutput = [session: number, line: number, inputOutput: [string, string]];

interface Entry {
  line: number;
  input: string;
  /** text/plain of the cell's result, '' when it had none. */
  output: string;
}

export class History {
  private readonly entries: Entry[] = [];

  add(line: number, input: string, output: string): void {
    this.entries.push({ line, input, output });
  }

  /** The last n cells. */
  tail(n: number, withOutput: boolean): HistoryInput[] | HistoryInputOutput[] {
    return this.format(n > 0 ? this.entries.slice(-n) : [], withOutput);
  }

  /** Cells with start <= line < stop (stop null: to the end) of a session (0 or ours). */
  range(session: number, start: number, stop: number | null, withOutput: boolean): HistoryInput[] | HistoryInputOutput[] {
    if (session !== 0 && session !== HISTORY_SESSION) return [];
    const end = stop === null || stop <= 0 ? Infinity : stop;
    return this.format(this.entries.filter((e) => e.line >= start && e.line < end), withOutput);
  }

  /** Cells whose input matches a glob pattern (* and ?), the last n of them (n <= 0: all). */
  search(pattern: string, n: number, unique: boolean, withOutput: boolean): HistoryInput[] | HistoryInputOutput[] {
    const matcher = globToRegExp(pattern === '' ? '*' : pattern);
    let found = this.entries.filter((e) => matcher.test(e.input));
    if (unique) {
      // Keep the latest occurrence of each input, as IPython does.
      const lastLine = new Map(found.map((e) => [e.input, e.line]));
      found = found.filter((e) => lastLine.get(e.input) === e.line);
    }
    return this.format(n > 0 ? found.slice(-n) : found, withOutput);
  }

  private format(entries: Entry[], withOutput: boolean): HistoryInput[] | HistoryInputOutput[] {
    if (withOutput) return entries.map((e): HistoryInputOutput => [HISTORY_SESSION, e.line, [e.input, e.output]]);
    return entries.map((e): HistoryInput => [HISTORY_SESSION, e.line, e.input]);
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}
