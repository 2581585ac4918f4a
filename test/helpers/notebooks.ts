// The notebooks executed once per test run (scripts/notebooks.sh: nbclient through
// nbconvert, against the examples), for the tests that read them and the browser tests
// that render them.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './go';

export const NOTEBOOKS = ['tour', 'incident-writeup', 'teaching-scheduler'];

export interface ExecutedNotebook {
  name: string;
  /** build/notebooks/NAME.ipynb: the notebook with its outputs. */
  ipynb: string;
  /** build/notebooks/NAME.html: nbconvert's rendering of it. */
  html: string;
  /** What scripts/notebooks.sh printed (nbconvert's errors among it). */
  log: string;
}

/** One output of a code cell, as the .ipynb keeps it. */
export interface NotebookOutput {
  output_type: string;
  data?: Record<string, any>;
  ename?: string;
  evalue?: string;
}

export interface CodeCell {
  source: string;
  outputs: NotebookOutput[];
}

/** A notebook/multiline string field joined. */
export const joined = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));

/** IPYNB's kernelspec name and its code cells (source joined), in order. */
export function readNotebook(ipynb: string): { kernel: string; cells: CodeCell[] } {
  const nb = JSON.parse(fs.readFileSync(ipynb, 'utf8'));
  return {
    kernel: nb.metadata?.kernelspec?.name,
    cells: nb.cells.filter((c: any) => c.cell_type === 'code').map((c: any) => ({ source: joined(c.source), outputs: c.outputs ?? [] })),
  };
}

let executed: Promise<ExecutedNotebook[]> | undefined;

/** Executes every notebook (once per process); rejects with nbconvert's output if one fails. */
export function executedNotebooks(): Promise<ExecutedNotebook[]> {
  executed ??= new Promise((resolve, reject) => {
    execFile('bash', [path.join(repoRoot, 'scripts/notebooks.sh'), ...NOTEBOOKS], { cwd: repoRoot, maxBuffer: 64 << 20, timeout: 900_000 }, (err, stdout, stderr) => {
      const log = `${stdout}${stderr}`;
      if (err) return reject(new Error(`scripts/notebooks.sh failed (${err.message.split('\n')[0]}):\n${log.slice(-4000)}`));
      const dir = path.join(repoRoot, 'build', 'notebooks');
      resolve(NOTEBOOKS.map((name) => ({ name, ipynb: path.join(dir, `${name}.ipynb`), html: path.join(dir, `${name}.html`), log })).filter((n) => fs.existsSync(n.ipynb)));
    });
  });
  return executed;
}
