// Delve's own terminal as the anchor of the goroutine benchmarks (bench/goroutine-graph.ts,
// bench/stackdiff.ts): one way of timing it, shared, so that their figures agree.
//
// What is timed: `dlv attach PID` is started with its stdin and stdout as pipes and left to
// attach; once it prints its first `(dlv) ` prompt (attached, the target stopped, Delve
// waiting for a command) the clock starts and `goroutines -t DEPTH` is typed. The clock
// stops when the command's last output line, `[N goroutines]`, has been read (the next
// prompt follows it). So attaching is excluded, and the whole output (every goroutine and
// every frame, 16-17 MB for 10,000 goroutines of examples/many) is included: Delve writes
// it unbuffered, line by line, and cannot finish before we have read all but the pipe's
// last 64 KiB. Leaving (exit, "n" to "kill the process?") is not timed either.
//
// The reader does as little as it can per chunk (a byte count and a short tail), so that it
// keeps up with Delve: matching a pattern against the whole output at every chunk, as an
// earlier version of this benchmark did, is quadratic in the output and made Delve wait on
// a full pipe (16 s reported against 6-7 s by `time`; see the comment in goroutine-graph.ts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { delveFor } from '../test/helpers/go';

export interface TerminalTiming {
  /** From `goroutines -t DEPTH` typed to its last output line read, attach excluded. */
  ms: number;
  /** Its summary line: `[N goroutines]`. */
  goroutines: number;
  /** Output of the command, in bytes and lines. */
  bytes: number;
  lines: number;
  /** `dlv attach` started to its first prompt (not part of ms; printed for the reader). */
  attachMs: number;
}

const PROMPT = '(dlv) ';
const SUMMARY = /\[(\d+) goroutines\]\n$/;

/** True while PID is traced (by Delve, the kernel's or the terminal's). */
export function traced(pid: number): boolean {
  return !/TracerPid:\s+0\b/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/**
 * Times Delve's terminal running `goroutines -t DEPTH` on PID (which nothing else may be
 * tracing), as described at the top of this file. The target keeps running afterwards.
 */
export async function timeDelveTerminal(pid: number, opts: { depth?: number; timeoutMs?: number } = {}): Promise<TerminalTiming> {
  const depth = opts.depth ?? 50;
  const timeoutMs = opts.timeoutMs ?? 600_000;
  if (traced(pid)) throw new Error(`process ${pid} is traced already: detach the kernel before timing Delve's terminal`);
  const dlvPath = await delveFor(`/proc/${pid}/exe`);
  const started = performance.now();
  const dlv = spawn(dlvPath, ['attach', String(pid), '--allow-non-terminal-interactive=true'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  dlv.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));

  // The last bytes of stdout only; each chunk is looked at once.
  let tail = '';
  let bytes = 0;
  let lines = 0;
  let wanted: { test: () => boolean; resolve: () => void } | undefined;
  let failed: ((err: Error) => void) | undefined;
  dlv.stdout!.setEncoding('latin1').on('data', (d: string) => {
    bytes += d.length;
    for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) lines++;
    tail = (tail + d).slice(-512);
    if (wanted?.test()) {
      const w = wanted;
      wanted = undefined;
      w.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => dlv.once('exit', (code) => resolve(code)));
  dlv.once('error', (err) => failed?.(err));
  void exited.then((code) => failed?.(new Error(`dlv exited (${code}) early: ${stderr.trim() || tail.trim()}`)));
  const until = (test: () => boolean, what: string) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Delve's terminal: no ${what} after ${timeoutMs / 1000} s; last output: ${JSON.stringify(tail.slice(-200))} ${stderr.trim()}`)), timeoutMs);
    const done = (f: () => void) => () => {
      clearTimeout(timer);
      failed = undefined;
      f();
    };
    failed = (err) => done(() => reject(err))();
    wanted = { test, resolve: done(resolve) };
    if (test()) wanted.resolve();
  });

  try {
    await until(() => tail.endsWith(PROMPT), 'prompt after attaching');
    const attachMs = performance.now() - started;
    tail = '';
    bytes = 0;
    lines = 0;
    let lastLineAt = 0;
    const t0 = performance.now();
    dlv.stdin!.write(`goroutines -t ${depth}\n`);
    // The summary line arrives as the last line of a chunk (Delve writes it alone), the prompt
    // just after: the clock stops at the summary, not at whenever the prompt's chunk is read.
    await until(() => {
      if (!lastLineAt && SUMMARY.test(tail.endsWith(PROMPT) ? tail.slice(0, -PROMPT.length) : tail)) lastLineAt = performance.now();
      return lastLineAt > 0 && tail.endsWith(PROMPT);
    }, '`[N goroutines]` line');
    const ms = lastLineAt - t0;
    const summary = tail.slice(0, -PROMPT.length);
    const goroutines = Number(SUMMARY.exec(summary)![1]);
    const out = { ms, goroutines, bytes: bytes - PROMPT.length, lines, attachMs };

    // Leave the target running: answer "n" to "Would you like to kill the process?".
    dlv.stdin!.write('exit\n');
    await until(() => /kill the process\? \[Y\/n\] $/.test(tail), '"kill the process?" question');
    failed = undefined;
    dlv.stdin!.end('n\n');
    await exited;
    if (traced(pid)) throw new Error(`Delve's terminal left process ${pid} traced`);
    return out;
  } finally {
    failed = undefined;
    if (dlv.exitCode === null && dlv.signalCode === null) {
      dlv.kill('SIGKILL');
      await exited;
    }
  }
}
