// Benchmark of issue 4: capturing every stack of 10,000 goroutines with `stackdiff snapshot`,
// against Delve's own terminal `goroutines -t 50` on the same process in the same run
// (goal: under 0.5x; never slower than the terminal). Prints both times and the ratio.
//
//   node dist/bench/stackdiff.js        (BENCH_GOROUTINES=10000, BENCH_GO=go1.26 by default; BENCH_GO=go1.27)
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Capture } from '../src/capture/capture';
import { frameCount } from '../src/capture/capture';
import { DelveInterpreter } from '../src/interpreter';
import { benchToolchain, buildExample, delveFor, repoRoot } from '../test/helpers/go';
import { RecordingContext } from '../test/helpers/recording-context';

const GOROUTINES = Number(process.env.BENCH_GOROUTINES ?? 10_000);
const TOOLCHAIN = benchToolchain();

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (d) => {
      seen += d;
      if (/ready/.test(seen)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the example exited (${code}) before it was ready`)));
  });
}

/**
 * Runs Delve's terminal on PID with SCRIPT as its init file, stdin empty: after the script
 * it reads EOF, exits, and answers EOF to "kill the process?", so the process lives on.
 */
async function delveTerminal(pid: number, script: string): Promise<{ ms: number; output: string }> {
  const dlvPath = await delveFor(`/proc/${pid}/exe`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-bench-'));
  const init = path.join(dir, 'init');
  fs.writeFileSync(init, script);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const dlv = spawn(dlvPath, ['attach', String(pid), '--init', init, '--allow-non-terminal-interactive=true'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dlv.stdout.on('data', (d) => (output += d));
    dlv.stderr.on('data', (d) => (output += d));
    dlv.once('error', reject);
    dlv.once('exit', () => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ ms: performance.now() - started, output });
    });
  });
}

function stillRunning(pid: number): boolean {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return /TracerPid:\s+0\b/.test(status);
}

async function snapshot(it: DelveInterpreter, line: string): Promise<number> {
  const started = performance.now();
  const outcome = await it.execute(line, new RecordingContext());
  const ms = performance.now() - started;
  if (outcome.status !== 'ok') throw new Error(`${line}: ${outcome.evalue}`);
  return ms;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

(async () => {
  const binary = buildExample('many', TOOLCHAIN);
  const many = spawn(binary, ['-n', String(GOROUTINES)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const it = new DelveInterpreter({ stream() {} }, repoRoot);
  try {
    await waitForReady(many);
    const pid = many.pid!;

    const bare = await delveTerminal(pid, '');
    const full = await delveTerminal(pid, 'goroutines -t 50\n');
    const count = /\[(\d+) goroutines\]/.exec(full.output)?.[1];
    if (!count) throw new Error(`Delve's terminal printed no goroutine count:\n${full.output.slice(-500)}`);
    if (!stillRunning(pid)) throw new Error('Delve\'s terminal left the process traced or stopped');
    const terminal = full.ms - bare.ms;

    await it.execute(`attach ${pid}`, new RecordingContext());
    const fromMemory = await snapshot(it, 'stackdiff snapshot memory');
    const throughDelve = await snapshot(it, 'stackdiff snapshot delve --delve');
    const diffStarted = performance.now();
    const d = await it.execute('stackdiff memory delve', new RecordingContext());
    const diffMs = performance.now() - diffStarted;
    if (d.status !== 'ok') throw new Error(`stackdiff memory delve: ${d.evalue}`);
    const capture = it.state.captures.get('memory') as Capture;

    console.log(`stackdiff snapshot of ${capture.goroutines.length.toLocaleString('en-US')} goroutines (${frameCount(capture).toLocaleString('en-US')} frames), examples/many -n ${GOROUTINES} built by ${TOOLCHAIN.name}:`);
    console.log(`  Delve's terminal, goroutines -t 50:  ${seconds(terminal)} (${count} goroutines; attach and exit, ${seconds(bare.ms)}, taken off)`);
    console.log(`  stackdiff snapshot (from memory):    ${seconds(fromMemory)}`);
    console.log(`  stackdiff snapshot --delve:          ${seconds(throughDelve)}`);
    console.log(`  stackdiff memory delve (the diff):   ${seconds(diffMs)}`);
    console.log(`  ratio ${(fromMemory / terminal).toFixed(3)}x (goal: under 0.5x); through Delve's Stacktrace alone ${(throughDelve / terminal).toFixed(2)}x`);
  } finally {
    await it.shutdown(false);
    many.kill('SIGKILL');
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
