// A cell: one command per line, `#` comments, or a `%%sql` cell as a single query.

export interface CommandLine {
  word: string;
  args: string;
  /** 1-based line in the cell, for error messages. */
  line: number;
  text: string;
}

export type Cell = { kind: 'commands'; commands: CommandLine[] } | { kind: 'sql'; query: string };

export function parseCell(code: string): Cell {
  if (/^\s*%%sql\b/.test(code)) return { kind: 'sql', query: code.replace(/^\s*%%sql\b/, '').trim() };
  const commands: CommandLine[] = [];
  // Every line terminator ends a line (a lone \r, U+2028, U+2029 too), as editors show them.
  code.split(/\r\n|[\n\r\u2028\u2029]/).forEach((raw, i) => {
    const text = stripComment(raw).trim();
    if (!text) return;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
    commands.push({ word: m[1], args: m[2].trim(), line: i + 1, text });
  });
  return { kind: 'commands', commands };
}

/** `#` starts a comment unless it is inside quotes (print "a#b"). */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Splits arguments on white space; quotes group words (no other shell meaning). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] !== undefined ? m[2] : m[3]);
  }
  return words;
}

/** `a b -- c d` -> [['a','b'], ['c','d']] */
export function splitAtDashes(words: string[]): [string[], string[]] {
  const at = words.indexOf('--');
  return at < 0 ? [words, []] : [words.slice(0, at), words.slice(at + 1)];
}
