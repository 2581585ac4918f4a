// Benchmark of issue 10: `goroutine-graph` on 10,000 goroutines (examples/many, built as
// users build their services: a plain optimized `go build`), on ONE process that the kernel
// attaches to once (`attach PID`), against two anchors measured in the same run:
//  1. `stackdiff snapshot s1` in the same session: reading every stack is part of the graph's
//     work, so the graph should cost at most twice as much (goal: within 2x);
//  2. Delve's own terminal, `goroutines -t 50` on the same process (bench/delve-terminal.ts:
//     from the command typed to its last output line, attach excluded), timed before the
//     kernel attaches (one tracer at a time).
// The kernel's cells alternate (snapshot, graph, snapshot, graph, ...) so that the machine's
// load hits both alike; each figure is a median of BENCH_ROUNDS. The graph's findings are
// printed (examples/many is healthy: 0 deadlocks and 0 leaks expected; anything else is
// flagged), and the phases its progress display showed in its median round.
//
// Scale (a net/http service, 100,000 goroutines, the kernel's memory): bench/goroutine-graph-scale.ts.
//
//   node dist/bench/goroutine-graph.js     (BENCH_GOROUTINES=10000 BENCH_ROUNDS=3 BENCH_GO=go1.26)
//
// Before bench/delve-terminal.ts this file drove `dlv attach` through stdin and matched the
// prompt pattern against all the output read so far at every chunk: quadratic in the 17 MB
// output, so Delve waited on a full pipe and the terminal measured 16 s where `time` and
// bench/stackdiff.ts's init-script run measured 6-7 s.
import { frameCount, type Capture } from '../src/capture/capture';
import { DelveInterpreter } from '../src/interpreter';
import { repoRoot } from '../test/helpers/go';
import { timeDelveTerminal, traced, type TerminalTiming } from './delve-terminal';
import { cell, graphCell, ok, median, n, optimizedExample, seconds, startTarget, type Cell, type GraphCell } from './graph-cells';

const GOROUTINES = Number(process.env.BENCH_GOROUTINES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DEPTH = 50;

function medianOf<T extends { ms: number }>(xs: T[]): T {
  return [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
}

async function main(): Promise<void> {
  const { binary, toolchain } = optimizedExample('many');
  const target = await startTarget(binary, ['-n', String(GOROUTINES)]);
  try {
    const terminal: TerminalTiming[] = [];
    for (let i = 0; i < ROUNDS; i++) terminal.push(await timeDelveTerminal(target.pid, { depth: DEPTH }));

    const snapshots: Cell[] = [];
    const graphs: GraphCell[] = [];
    let capture: Capture | undefined;
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await ok(it, `attach ${target.pid}`);
      for (let i = 0; i < ROUNDS; i++) {
        snapshots.push(await cell(it, 'stackdiff snapshot s1'));
        capture = it.state.captures.get('s1') as Capture;
        graphs.push(await graphCell(it));
      }
    } finally {
      await it.shutdown(false); // detaches: the target keeps running
    }
    if (traced(target.pid)) throw new Error('the kernel left the target traced after shutdown');

    const snap = median(snapshots.map((c) => c.ms));
    const graph = median(graphs.map((c) => c.ms));
    const term = median(terminal.map((t) => t.ms));
    const g = medianOf(graphs);
    const t = terminal[0];
    const list = (xs: { ms: number }[]) => xs.map((x) => seconds(x.ms)).join(', ');

    console.log(`examples/many -n ${GOROUTINES}, optimized build (plain go build) by ${toolchain.name}; one process, attached once by the kernel; medians of ${ROUNDS}:`);
    console.log(`  stackdiff snapshot s1:                 ${seconds(snap)}  (${list(snapshots)}; ${n(capture!.goroutines.length)} goroutines, ${n(frameCount(capture!))} frames)`);
    console.log(`  goroutine-graph:                       ${seconds(graph)}  (${list(graphs)})`);
    console.log(`  Delve terminal \`goroutines -t ${DEPTH}\`:      ${seconds(term)}  (${list(terminal)}; ${n(t.goroutines)} goroutines, ${n(t.lines)} lines, ${(t.bytes / 1e6).toFixed(1)} MB; attach ${seconds(t.attachMs)}, not counted)`);
    console.log(`  goroutine-graph / snapshot:            ${(graph / snap).toFixed(2)}x (goal: within 2x)${graph / snap > 2 ? '  <-- over the goal' : ''}`);
    console.log(`  goroutine-graph / Delve terminal:      ${(graph / term).toFixed(2)}x`);
    console.log(`  snapshot / Delve terminal:             ${(snap / term).toFixed(3)}x`);

    const j = g.json;
    const healthy = j.deadlocks.length === 0 && j.leaks.length === 0;
    console.log(`findings: ${j.deadlocks.length} deadlocks, ${j.leaks.length} leaked goroutines, ${j.findings.length} folded findings; ${n(g.goroutinesRead)} goroutines read, ${j.nodes.length} nodes drawn${j.grouped ? ' (grouped)' : ''}`
      + (healthy ? ' (examples/many is healthy: as expected)' : '  <-- UNEXPECTED: examples/many has no deadlock or leak'));
    console.log(`  "${g.summary}"`);
    for (const note of j.notes) console.log(`  note: ${note}`);
    if (graphs.some((x) => x.json.deadlocks.length !== j.deadlocks.length || x.json.leaks.length !== j.leaks.length)) {
      console.log(`  <-- the rounds disagree: ${graphs.map((x) => `${x.json.deadlocks.length}/${x.json.leaks.length}`).join(', ')} deadlocks/leaks`);
    }
    console.log(`goroutine-graph's progress display in its median round (${seconds(g.ms)}; at most one step per 200 ms is shown):`);
    for (const line of g.cx.timeline(g.ms)) console.log(`  ${line}`);
    if (!healthy) process.exitCode = 1;
  } finally {
    await target.kill();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
