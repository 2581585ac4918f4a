// Benchmark of issue 10, at the sizes services have: `goroutine-graph` on
//  a. a net/http service of about 200 goroutines: examples/leaks (an HTTP server and a
//     client with a keep-alive connection, beside every leak and deadlock scenario) with
//     `-n BENCH_LEAKS_N` server workers (50: about 200 goroutines with the runtime's own;
//     the count is printed). Goal: under 1 s.
//  b. 100,000 goroutines: examples/many -n BENCH_SCALE_GOROUTINES. Goal: under 10 s, and
//     the kernel's memory under 1 GiB: the kernel runs in this process, so its peak RSS is
//     this process's, sampled every 50 ms during each cell (process.memoryUsage.rss()) and
//     read as VmHWM from /proc/self/status after it (the high-water mark reset before the
//     cell with clear_refs 5). Delve's own peak (its VmHWM, attach included) is printed
//     beside it for reference: it is another process.
// Each target is built as users build their services (a plain optimized `go build`),
// attached once by the kernel (`attach PID`); each time is the median of BENCH_ROUNDS
// cells, with the phases the cell's progress display showed in its median round.
//
//   node dist/bench/goroutine-graph-scale.js
//     (BENCH_ROUNDS=3 BENCH_LEAKS_N=50 BENCH_SCALE_GOROUTINES=100000 BENCH_GO=go1.26)
import { DelveInterpreter } from '../src/interpreter';
import { childrenMatching, repoRoot } from '../test/helpers/go';
import { traced } from './delve-terminal';
import { graphCell, median, mib, n, ok, optimizedExample, peakRssOf, seconds, retained, startTarget, watchMemory, type GraphCell, type PeakMemory } from './graph-cells';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LEAKS_N = Number(process.env.BENCH_LEAKS_N ?? 50);
const SCALE = Number(process.env.BENCH_SCALE_GOROUTINES ?? 100_000);
const GiB = 1024 ** 3;

interface Rounds {
  cells: GraphCell[];
  memory: PeakMemory[];
  /** Delve's VmHWM at the end (its lifetime peak: attach and every cell). */
  delvePeakBytes?: number;
  /** After a full GC, once the rounds are over: with the session still open, and after its shutdown. */
  kept?: { open?: ReturnType<typeof retained>; closed?: ReturnType<typeof retained> };
}

/** Attaches a kernel to PID once and runs `goroutine-graph` ROUNDS times, watching memory. */
async function graphRounds(pid: number): Promise<Rounds> {
  const out: Rounds = { cells: [], memory: [] };
  const it = new DelveInterpreter({ stream() {} }, repoRoot);
  try {
    await ok(it, `attach ${pid}`);
    for (let i = 0; i < ROUNDS; i++) {
      const { value, memory } = await watchMemory(() => graphCell(it));
      out.cells.push(value);
      out.memory.push(memory);
    }
    const dlv = childrenMatching(process.pid, 'dlv');
    if (dlv.length === 1) out.delvePeakBytes = peakRssOf(dlv[0]);
    out.kept = { open: retained() };
  } finally {
    await it.shutdown(false); // detaches: the target keeps running
  }
  if (out.kept) out.kept.closed = retained();
  if (traced(pid)) throw new Error(`the kernel left process ${pid} traced after shutdown`);
  return out;
}

function report(r: Rounds, opts: { goalMs: number; healthy: boolean }): void {
  const ms = median(r.cells.map((c) => c.ms));
  const g = [...r.cells].sort((a, b) => a.ms - b.ms)[Math.floor(r.cells.length / 2)];
  const j = g.json;
  console.log(`  goroutine-graph: ${seconds(ms)} median of ${r.cells.length} (${r.cells.map((c) => seconds(c.ms)).join(', ')}); goal under ${seconds(opts.goalMs)}${ms > opts.goalMs ? '  <-- over the goal' : ''}`);
  const found = `${j.deadlocks.length} deadlocks, ${j.leaks.length} leaked goroutines, ${j.findings.length} folded findings`;
  const flag = opts.healthy && (j.deadlocks.length > 0 || j.leaks.length > 0) ? '  <-- UNEXPECTED: the program is healthy' : '';
  console.log(`  findings: ${found}; ${n(g.goroutinesRead)} goroutines read, ${j.nodes.length} nodes drawn${j.grouped ? ' (grouped)' : ''}${flag}`);
  console.log(`    "${g.summary}"`);
  for (const note of j.notes) console.log(`    note: ${note}`);
  if (r.cells.some((c) => c.json.deadlocks.length !== j.deadlocks.length || c.json.leaks.length !== j.leaks.length)) {
    console.log(`    <-- the rounds disagree: ${r.cells.map((c) => `${c.json.deadlocks.length}/${c.json.leaks.length}`).join(', ')} deadlocks/leaks`);
  }
  console.log(`  progress display in the median round (${seconds(g.ms)}; at most one step per 200 ms is shown):`);
  for (const line of g.cx.timeline(g.ms)) console.log(`    ${line}`);
  if (flag) process.exitCode = 1;
}

async function main(): Promise<void> {
  // a. the HTTP service
  {
    const { binary, toolchain } = optimizedExample('leaks');
    const target = await startTarget(binary, ['-n', String(LEAKS_N)]);
    try {
      const r = await graphRounds(target.pid);
      console.log(`a. examples/leaks -n ${LEAKS_N} (net/http server and client, every leak and deadlock scenario), optimized build (plain go build) by ${toolchain.name}, attached once: ${n(r.cells[0].goroutinesRead)} goroutines`);
      report(r, { goalMs: 1000, healthy: false });
    } finally {
      await target.kill();
    }
  }

  // b. 100,000 goroutines
  {
    const { binary, toolchain } = optimizedExample('many');
    const t0 = performance.now();
    const target = await startTarget(binary, ['-n', String(SCALE)]);
    const startMs = performance.now() - t0;
    try {
      const r = await graphRounds(target.pid);
      console.log(`b. examples/many -n ${SCALE}, optimized build (plain go build) by ${toolchain.name} (ready after ${seconds(startMs)}), attached once: ${n(r.cells[0].goroutinesRead)} goroutines`);
      report(r, { goalMs: 10_000, healthy: true });
      const sampled = Math.max(...r.memory.map((m) => m.sampledPeakBytes));
      const hwm = Math.max(...r.memory.map((m) => m.hwmBytes));
      const peak = Math.max(sampled, hwm);
      console.log(`  kernel memory (this process): peak RSS ${mib(peak)}, goal under 1 GiB${peak > GiB ? '  <-- over the goal' : ''}`);
      for (const [i, m] of r.memory.entries()) {
        console.log(`    round ${i + 1}: RSS ${mib(m.beforeBytes)} before, ${mib(m.sampledPeakBytes)} sampled peak, ${mib(m.hwmBytes)} VmHWM${m.hwmReset ? '' : ' (not reset: lifetime)'}; `
          + `V8 heap used ${mib(m.before.heapUsed)} before, ${mib(m.atPeak.heapUsed)} at the peak; outside the heap (Buffers, typed arrays) ${mib(m.before.external)} before, ${mib(m.atPeak.external)} at the peak`);
      }
      const k = r.kept;
      const kept = (x?: ReturnType<typeof retained>) => (x ? `RSS ${mib(x.rss)}, V8 heap used ${mib(x.heapUsed)}, outside the heap ${mib(x.external)}` : 'unknown (no gc)');
      if (k) console.log(`    kept after a full GC, the rounds over: session open ${kept(k.open)}; after shutdown ${kept(k.closed)}`);
      if (r.delvePeakBytes) console.log(`    Delve's own (another process, not counted): VmHWM ${mib(r.delvePeakBytes)}`);
    } finally {
      await target.kill();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
