// Benchmark of issue 4: capturing every stack of 10,000 goroutines with `stackdiff snapshot`,
// against Delve's own terminal `goroutines -t 50` on the same process in the same run, timed
// as bench/goroutine-graph.ts times it (bench/delve-terminal.ts)
// (goal: under 0.5x; never slower than the terminal). Prints both times and the ratio.
//
//   node dist/bench/stackdiff.js        (BENCH_GOROUTINES=10000, BENCH_GO=go1.26 by default; BENCH_GO=go1.27)
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Capture } from '../src/capture/capture';
import { frameCount } from '../src/capture/capture';
import { DelveInterpreter } from '../src/interpreter';
import { benchToolchain, buildExample, repoRoot } from '../test/helpers/go';
import { RecordingContext } from '../test/helpers/recording-context';
import { timeDelveTerminal } from './delve-terminal';

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

    // From `goroutines -t 50` typed to its last output line, attach excluded (bench/delve-terminal.ts).
    const term = await timeDelveTerminal(pid, { depth: 50 });
    const terminal = term.ms;

    const attached = await it.execute(`attach ${pid}`, new RecordingContext());
    if (attached.status !== 'ok') throw new Error(`attach ${pid}: ${attached.evalue}`);
    const fromMemory = await snapshot(it, 'stackdiff snapshot memory');
    const throughDelve = await snapshot(it, 'stackdiff snapshot delve --delve');
    const diffStarted = performance.now();
    const d = await it.execute('stackdiff memory delve', new RecordingContext());
    const diffMs = performance.now() - diffStarted;
    if (d.status !== 'ok') throw new Error(`stackdiff memory delve: ${d.evalue}`);
    const capture = it.state.captures.get('memory') as Capture;

    console.log(`stackdiff snapshot of ${capture.goroutines.length.toLocaleString('en-US')} goroutines (${frameCount(capture).toLocaleString('en-US')} frames), examples/many -n ${GOROUTINES} built by ${TOOLCHAIN.name}:`);
    console.log(`  Delve's terminal, goroutines -t 50:  ${seconds(terminal)} (${term.goroutines} goroutines, from the command typed to its last line; attach, ${seconds(term.attachMs)}, not counted)`);
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
