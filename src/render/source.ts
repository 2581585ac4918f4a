// Source listings around a line, as Delve's terminal shows them (`=>` marks the line).
import * as fs from 'node:fs';
import type { MimeBundle } from '../../kernel/interpreter';
import { escapeHtml } from './html';

const fileCache = new Map<string, { mtimeMs: number; lines: string[] }>();

function readLines(file: string): string[] | undefined {
  try {
    const { mtimeMs } = fs.statSync(file);
    const cached = fileCache.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.lines;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    fileCache.set(file, { mtimeMs, lines });
    return lines;
  } catch {
    return undefined;
  }
}

export interface Listing {
  file: string;
  line: number;
  first: number;
  lines: string[];
}

export function listing(file: string, line: number, context = 5): Listing | undefined {
  const all = readLines(file);
  if (!all) return undefined;
  const first = Math.max(1, line - context);
  const last = Math.min(all.length, line + context);
  return { file, line, first, lines: all.slice(first - 1, last) };
}

export function listingText(l: Listing): string {
  const width = String(l.first + l.lines.length).length;
  return l.lines
    .map((text, i) => {
      const n = l.first + i;
      return `${n === l.line ? '=>' : '  '}${String(n).padStart(width + 1)}:\t${text}`;
    })
    .join('\n');
}

export function listingHtml(l: Listing): string {
  const rows = l.lines
    .map((text, i) => {
      const n = l.first + i;
      const here = n === l.line;
      const style = here ? ' style="background:#fff3b0;font-weight:bold"' : '';
      return `<span${style}>${here ? '=&gt;' : '  '}${String(n).padStart(5)}  ${escapeHtml(text)}</span>`;
    })
    .join('\n');
  return `<pre title="${escapeHtml(l.file)}">${rows}</pre>`;
}

export function listingBundle(file: string, line: number, context = 5): MimeBundle {
  const l = listing(file, line, context);
  if (!l) return { 'text/plain': `(source of ${file} is not on this machine)` };
  const header = `${file}:${line}`;
  return {
    'text/plain': `${header}\n${listingText(l)}`,
    'text/html': `<div><code>${escapeHtml(header)}</code>${listingHtml(l)}</div>`,
  };
}
