// Benchmark of issue 11: SQL over captures, and captures on disk, at 10,000 and 100,000
// goroutines (examples/many -n N, a plain optimized build, attached once by the kernel).
// For each size:
//  - the capture (`stackdiff snapshot`), and the time to load it into the engine: the rows
//    appended to an in-memory DuckDB;
//  - the time to write it to disk: kept in the session database (a file, committed), and
//    `snapshots save FILE`, with the saved file's size;
//  - a GROUP BY over the capture's frames (`sql SELECT function, count(*) ... GROUP BY`),
//    through the kernel's cell: goal under 200 ms at 100,000 goroutines (about 1.5 million
//    frame rows). Times are medians of BENCH_ROUNDS.
//
//   node dist/bench/sql.js   (BENCH_ROUNDS=5 BENCH_SQL_SIZES=10000,100000 BENCH_GO=go1.26)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DelveInterpreter } from '../src/interpreter';
import { CaptureDatabase } from '../src/store/database';
import { repoRoot } from '../test/helpers/go';
import { median, ok, optimizedExample, startTarget } from './graph-cells';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SIZES = (process.env.BENCH_SQL_SIZES ?? '10000,100000').split(',').map(Number);
const GOAL_MS = 200;
const QUERY = 'SELECT function, count(*) AS frames, count(DISTINCT goroutineId) AS goroutines FROM capture_frames GROUP BY function ORDER BY frames DESC LIMIT 20';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await work();
  return { value, ms: performance.now() - t0 };
}

async function benchSize(binary: string, goroutines: number): Promise<void> {
  const target = await startTarget(binary, ['-n', String(goroutines)]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-bench-sql-'));
  const it = new DelveInterpreter({ stream() {} }, repoRoot, path.join(dir, 'session.duckdb'));
  try {
    await ok(it, `attach ${target.pid}`);
    const snap = await timed(() => ok(it, 'stackdiff snapshot big'));
    const capture = it.state.captures.get('big')!;
    const frames = capture.goroutines.reduce((n, g) => n + g.frames.length, 0);
    // The cell took the capture and committed it to the session database.
    const toSession = snap.ms - capture.durationMs;
    const loads: number[] = [];
    for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
      const db = await CaptureDatabase.open(undefined);
      loads.push((await timed(() => db.putStacks(capture))).ms);
      await db.close();
    }
    const saves: number[] = [];
    let bytes = 0;
    for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
      const file = path.join(dir, 'saved.duckdb');
      const s = await timed(() => ok(it, `snapshots save ${file}`));
      saves.push(s.ms);
      bytes = fs.statSync(file).size;
    }
    await ok(it, `sql ${QUERY}`); // warm
    const queries: number[] = [];
    for (let i = 0; i < ROUNDS; i++) queries.push((await timed(() => ok(it, `sql ${QUERY}`))).ms);
    const q = median(queries);
    console.log(`${goroutines.toLocaleString('en-US')} goroutines (${capture.goroutines.length.toLocaleString('en-US')} captured, ${frames.toLocaleString('en-US')} frame rows):`);
    console.log(`  capture ${(capture.durationMs / 1000).toFixed(2)} s; into the session database on disk (committed) ${(toSession / 1000).toFixed(2)} s`);
    console.log(`  load into the engine (in memory) ${(median(loads) / 1000).toFixed(2)} s; snapshots save ${(median(saves) / 1000).toFixed(2)} s, file ${(bytes / 1024 / 1024).toFixed(1)} MiB (${(bytes / frames).toFixed(1)} bytes a frame)`);
    console.log(`  GROUP BY over the frames: ${q.toFixed(0)} ms through the cell (median of ${ROUNDS}); goal under ${GOAL_MS} ms: ${(q / GOAL_MS).toFixed(2)}x the goal`);
  } finally {
    await it.shutdown(false);
    await target.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  const { binary, toolchain } = optimizedExample('many');
  console.log(`sql bench: examples/many built with ${toolchain.name}, optimized`);
  for (const n of SIZES) await benchSize(binary, n);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
