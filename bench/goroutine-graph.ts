// Benchmark of issue 3: `goroutine-graph --group` on 10,000 goroutines (examples/many),
// against listing the same goroutines with their stacks in Delve's own terminal
// (`dlv attach PID`, then `goroutines -t 50`). Attaching is left out of both times: each
// clock runs from the command typed to its answer. Goal: under 1x.
//
//   node dist/bench/goroutine-graph.js     (BENCH_GOROUTINES=10000 BENCH_ROUNDS=3)
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DelveInterpreter } from '../src/interpreter';
import { benchToolchain, buildExample, delveFor, repoRoot } from '../test/helpers/go';
import { RecordingContext } from '../test/helpers/recording-context';

const GOROUTINES = Number(process.env.BENCH_GOROUTINES ?? 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DEPTH = 50;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function startMany(binary: string): Promise<ChildProcess> {
  const target = spawn(binary, ['-n', String(GOROUTINES)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    target.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    target.once('exit', (code) => reject(new Error(`many exited (${code}) before it was ready`)));
  });
  return target;
}

/** Delve's terminal, driven through stdin: the time from `goroutines -t` typed to its last line. */
async function delveTerminal(pid: number): Promise<number> {
  const dlv = spawn(await delveFor(`/proc/${pid}/exe`), ['attach', String(pid), '--allow-non-terminal-interactive=true'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let waiting: { pattern: RegExp; resolve: () => void } | undefined;
  const check = () => {
    if (waiting && waiting.pattern.test(out)) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
  };
  dlv.stdout!.on('data', (d) => {
    out += d;
    check();
  });
  dlv.stderr!.on('data', (d) => (out += d));
  const until = (pattern: RegExp) => new Promise<void>((resolve) => {
    waiting = { pattern, resolve };
    check();
  });
  await until(/\(dlv\) $/);
  out = '';
  const t0 = performance.now();
  dlv.stdin!.write(`goroutines -t ${DEPTH}\n`);
  await until(/\[\d+ goroutines\]\n\(dlv\) $/);
  const ms = performance.now() - t0;
  const listed = Number(/\[(\d+) goroutines\]/.exec(out)?.[1]);
  if (listed < GOROUTINES) throw new Error(`Delve listed ${listed} goroutines`);
  // Leave the target running: answer "no" to "Would you like to kill the process?".
  dlv.stdin!.write('exit\n');
  await until(/kill the process\?/);
  dlv.stdin!.end('n\n');
  await new Promise((r) => dlv.once('exit', r));
  return ms;
}

/** The kernel: attach, then time `goroutine-graph --group`. */
async function kernelGraph(pid: number): Promise<{ ms: number; nodes: number; findings: number }> {
  const it = new DelveInterpreter({ stream() {} }, repoRoot);
  try {
    const attached = await it.execute(`attach ${pid}`, new RecordingContext());
    if (attached.status !== 'ok') throw new Error(`attach: ${attached.evalue}`);
    const t0 = performance.now();
    const outcome = await it.execute('goroutine-graph --group', new RecordingContext());
    const ms = performance.now() - t0;
    if (outcome.status !== 'ok' || !outcome.result) throw new Error(`goroutine-graph failed: ${outcome.status === 'error' ? outcome.evalue : 'no result'}`);
    const json = outcome.result.data['application/json'] as { nodes: unknown[]; deadlocks: unknown[]; leaks: unknown[]; partial: boolean };
    if (json.partial) throw new Error('goroutine-graph returned a partial result');
    return { ms, nodes: json.nodes.length, findings: json.deadlocks.length + json.leaks.length };
  } finally {
    await it.shutdown(false); // detaches: the target keeps running
  }
}

async function main(): Promise<void> {
  const binary = buildExample('many', benchToolchain());
  const target = await startMany(binary);
  try {
    const theirs: number[] = [];
    const ours: number[] = [];
    let shape = '';
    for (let i = 0; i < ROUNDS; i++) {
      theirs.push(await delveTerminal(target.pid!));
      const r = await kernelGraph(target.pid!);
      ours.push(r.ms);
      shape = `${r.nodes} nodes drawn, ${r.findings} findings`;
    }
    const [a, b] = [median(ours), median(theirs)];
    console.log(`goroutine-graph --group on ${GOROUTINES} goroutines: ${(a / 1000).toFixed(2)} s (${shape})`);
    console.log(`Delve terminal \`goroutines -t ${DEPTH}\` on the same process: ${(b / 1000).toFixed(2)} s (medians of ${ROUNDS})`);
    console.log(`  ratio ${(a / b).toFixed(2)}x (goal: under 1x)`);
  } finally {
    target.kill('SIGKILL');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
