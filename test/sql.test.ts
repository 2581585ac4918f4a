// SQL over the target and the captures, captures on disk, and captures as files, against a
// real Delve and real Go programs: the SQL tables answer what the commands show (the
// goroutines table, the captures' frames, goroutine-graph's findings); captures survive a
// kernel killed with SIGKILL; `snapshots save` in one kernel and `load` in another give the
// same diffs; damaged, foreign and newer files are refused; a save killed midway leaves the
// earlier file whole; a gcore dump answers as the live process did.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DuckDBInstance } from '@duckdb/node-api';
import { DelveInterpreter } from '../src/interpreter';
import type { MimeBundle } from '../kernel/interpreter';
import { buildExample, childrenMatching, repoRoot, toolchains } from './helpers/go';
import { fails, ok, rowsOf } from './helpers/cells';
import { RecordingContext } from './helpers/recording-context';
import { JupyterClientKernel, jsonOf } from './helpers/jupyter-driver';

const all = toolchains();
const newest = all[all.length - 1];
const stackdiffDir = path.join(repoRoot, 'examples', 'stackdiff');
const leaksDir = path.join(repoRoot, 'examples', 'leaks');

const tmpdir = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `delve-kernel-sql-${tag}-`));
const sqlRows = (b: MimeBundle) => (b['application/json'] as { rows: Record<string, unknown>[] }).rows;

/** examples/stackdiff stopped at its first checkpoint (and, with SECOND, its second). */
async function atCheckpoint(it: DelveInterpreter, binary: string, second = false): Promise<void> {
  await ok(it, `exec ${binary}`);
  await ok(it, 'break main.checkpoint');
  await ok(it, 'continue');
  if (second) await ok(it, 'continue');
}

for (const tc of all) {
  const test = suite(`sql (${tc.name})`);

  test('the goroutines and frames tables answer what goroutines and stackdiff show', async () => {
    const binary = buildExample('stackdiff', tc);
    const it = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      await atCheckpoint(it, binary);
      const shown = rowsOf(await ok(it, 'goroutines'));
      const queried = sqlRows(await ok(it, '%%sql\nSELECT * FROM goroutines ORDER BY id'));
      assert.ok(shown.length >= 7, `the checkpoint's goroutines (${shown.length})`);
      assert.equal(queried, shown);
      // Frames of the live stop are those of a capture taken at the same stop.
      await ok(it, 'stackdiff snapshot one');
      const capture = it.state.captures.get('one')!;
      const perGoroutine = sqlRows(await ok(it, 'sql SELECT goroutineId, count(*) AS frames, max(depth) AS deepest FROM frames GROUP BY goroutineId ORDER BY goroutineId'));
      assert.equal(perGoroutine, capture.goroutines.map((g) => ({ goroutineId: g.id, frames: g.frames.length, deepest: g.frames.length - 1 })));
      const stored = sqlRows(await ok(it, "sql SELECT function, line FROM capture_frames WHERE capture = 'one' AND goroutineId = 1 ORDER BY depth"));
      assert.equal(stored, capture.goroutines.find((g) => g.id === 1)!.frames.map((f) => ({ function: f.function, line: f.line })));
    } finally {
      await it.shutdown(false);
    }
  });

  if (tc !== newest) {
    test.run();
    continue;
  }

  test('a query across captures; a mistake shows the query with a caret under it', async () => {
    const binary = buildExample('stackdiff', tc);
    const it = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      await atCheckpoint(it, binary);
      await ok(it, 'stackdiff snapshot first');
      await ok(it, 'continue');
      await ok(it, 'stackdiff snapshot second');
      // Which functions hold the most goroutines blocked on chan receive, per capture.
      const answer = sqlRows(await ok(it, `%%sql
        SELECT capture, function, count(*) AS goroutines FROM capture_goroutines
        WHERE waitReason = 'chan receive' GROUP BY ALL ORDER BY capture, goroutines DESC, function`));
      const expected = ['first', 'second'].flatMap((name) => {
        const counts = new Map<string, number>();
        for (const g of it.state.captures.get(name)!.goroutines) {
          if (g.waitReason !== 'chan receive') continue;
          const top = g.frames.find((f) => !/^runtime\.[^A-Z]/.test(f.function)) ?? g.frames[0];
          counts.set(top.function, (counts.get(top.function) ?? 0) + 1);
        }
        return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([fn, n]) => ({ capture: name, function: fn, goroutines: n }));
      });
      assert.ok(expected.length >= 2, JSON.stringify(expected));
      assert.equal(answer, expected);
      const wrong = await fails(it, 'sql SELECT status, count(*) FROM goroutines GROUP BY statuss');
      assert.is(wrong.ename, 'SqlError');
      assert.match(wrong.evalue, /statuss/);
      assert.match(wrong.evalue, /LINE 1: SELECT status, count\(\*\) FROM goroutines GROUP BY statuss\n\s+\^/);
      const none = await fails(it, 'sql SELECT * FROM nosuchtable');
      assert.match(none.traceback.join('\n'), /capture_goroutines/); // says which tables there are
      // The kernel and the target are as they were.
      assert.ok(rowsOf(await ok(it, 'goroutines')).length > 0);
    } finally {
      await it.shutdown(false);
    }
  });

  test('the interrupt button stops a long query at once; the next query answers', async () => {
    const it = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      const started = Date.now();
      const pending = it.execute('sql SELECT count(*) FROM range(100000000000) a, range(10) b', new RecordingContext());
      setTimeout(() => it.interrupt(), 500);
      const outcome = await pending;
      assert.is(outcome.status, 'error');
      assert.is(outcome.status === 'error' && outcome.ename, 'Interrupted');
      assert.ok(Date.now() - started < 2_500, `ended ${Date.now() - started} ms after it began (interrupted at 500 ms)`);
      assert.equal(sqlRows(await ok(it, 'sql SELECT 42 AS answer')), [{ answer: 42 }]);
    } finally {
      await it.shutdown(false);
    }
  });

  test('snapshots save, then load in a kernel with no target: the same diffs, SQL on them, the origin kept', async () => {
    const binary = buildExample('stackdiff', tc);
    const dir = tmpdir('save');
    const file = path.join(dir, 'incident.duckdb');
    const live = new DelveInterpreter({ stream() {} }, stackdiffDir);
    const fresh = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      await atCheckpoint(live, binary);
      await ok(live, 'stackdiff snapshot before');
      await ok(live, 'memwatch snapshot m1');
      await ok(live, 'continue');
      await ok(live, 'stackdiff snapshot after');
      await ok(live, 'memwatch snapshot m2');
      const diff = (await ok(live, 'stackdiff before after'))['application/json'];
      const memDiff = (await ok(live, 'memwatch diff m1 m2'))['application/json'];
      const saved = (await ok(live, `snapshots save ${file}`))['application/json'] as { bytes: number };
      assert.ok(saved.bytes > 0 && fs.statSync(file).size === saved.bytes);
      await live.shutdown(false);

      await ok(fresh, `snapshots load ${file}`);
      assert.equal((await ok(fresh, 'stackdiff before after'))['application/json'], diff);
      assert.equal((await ok(fresh, 'memwatch diff m1 m2'))['application/json'], memDiff);
      const origins = sqlRows(await ok(fresh, 'sql SELECT capture, kind, origin FROM captures ORDER BY capture'));
      assert.equal(origins, [
        { capture: 'after', kind: 'stacks', origin: file }, { capture: 'before', kind: 'stacks', origin: file },
        { capture: 'm1', kind: 'memwatch', origin: file }, { capture: 'm2', kind: 'memwatch', origin: file },
      ]);
      // Loaded again, the names are taken: the second copy is NAME@FILE, the first unchanged.
      await ok(fresh, `snapshots load ${file}`);
      const again = (await ok(fresh, 'stackdiff before@incident after@incident'))['application/json'] as Record<string, unknown>;
      assert.equal({ ...again, before: 'before', after: 'after' }, diff);
      const noTarget = await fails(fresh, 'sql SELECT count(*) FROM goroutines');
      assert.is(noTarget.ename, 'NoSession');
    } finally {
      await live.shutdown(false);
      await fresh.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('snapshots export: Parquet that DuckDB reads back, fleet-style from DIR/*/', async () => {
    const binary = buildExample('stackdiff', tc);
    const dir = tmpdir('export');
    const it = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      await atCheckpoint(it, binary);
      await ok(it, 'stackdiff snapshot pod1');
      await ok(it, `snapshots export ${path.join(dir, 'pod-a')}`);
      await ok(it, `snapshots export ${path.join(dir, 'pod-b')}`);
      const frames = it.state.captures.get('pod1')!.goroutines.reduce((n, g) => n + g.frames.length, 0);
      const read = sqlRows(await ok(it, `sql SELECT count(*) AS n, count(DISTINCT filename) AS files FROM read_parquet('${dir}/*/capture_frames.parquet', filename = true)`));
      assert.equal(read, [{ n: 2 * frames, files: 2 }]);
    } finally {
      await it.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a truncated file, a random file, a foreign DuckDB file and a newer format are refused, and nothing is loaded', async () => {
    const binary = buildExample('stackdiff', tc);
    const dir = tmpdir('refuse');
    const good = path.join(dir, 'good.duckdb');
    const it = new DelveInterpreter({ stream() {} }, stackdiffDir);
    const other = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      await atCheckpoint(it, binary);
      await ok(it, 'stackdiff snapshot kept');
      await ok(it, `snapshots save ${good}`);
      const bytes = fs.readFileSync(good);
      fs.writeFileSync(path.join(dir, 'truncated.duckdb'), bytes.subarray(0, Math.floor(bytes.length / 2)));
      fs.writeFileSync(path.join(dir, 'random.duckdb'), Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 2654435761) >>> 24)));
      const foreign = await DuckDBInstance.create(path.join(dir, 'foreign.duckdb'));
      await (await foreign.connect()).run('CREATE TABLE t AS SELECT 42 AS answer');
      foreign.closeSync();
      fs.copyFileSync(good, path.join(dir, 'newer.duckdb'));
      const newer = await DuckDBInstance.create(path.join(dir, 'newer.duckdb'));
      await (await newer.connect()).run("UPDATE meta SET value = '99' WHERE key = 'version'");
      newer.closeSync();

      const refusals: Record<string, RegExp> = {
        'truncated.duckdb': /could not be read whole: it is cut short or damaged/,
        'random.duckdb': /not a delve-kernel captures file, or it is damaged/,
        'foreign.duckdb': /a DuckDB database, but not one of delve-kernel's captures/,
        'newer.duckdb': /captures format 99, newer than this kernel reads \(1\)/,
      };
      for (const [name, message] of Object.entries(refusals)) {
        const e = await fails(other, `snapshots load ${path.join(dir, name)}`);
        assert.match(e.evalue, message, name);
        assert.match(e.evalue, /nothing was loaded/, name);
        assert.equal(other.state.captures.names(), [], `${name}: nothing loaded`);
      }
      await ok(other, `snapshots load ${good}`);
      assert.equal(other.state.captures.names(), ['kept']);
    } finally {
      await it.shutdown(false);
      await other.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a kernel killed with SIGKILL after three captures: a new kernel for the notebook lists all three', async () => {
    const binary = buildExample('stackdiff', tc);
    const dir = tmpdir('kill');
    const env = { DELVE_KERNEL_CAPTURES: path.join(dir, 'notebook.duckdb') };
    const first = await JupyterClientKernel.start('sql-kill', stackdiffDir, env);
    let second: JupyterClientKernel | undefined;
    try {
      for (const cell of [`exec ${binary}`, 'break main.checkpoint', 'continue', 'stackdiff snapshot one', 'memwatch snapshot two', 'continue', 'stackdiff snapshot three']) {
        const ex = await first.execute(cell, 120);
        assert.is(ex.reply.content.status, 'ok', `${cell}: ${JSON.stringify(ex.reply.content)}`);
      }
      const delve = childrenMatching(first.kernelPid, 'dlv');
      process.kill(first.kernelPid, 'SIGKILL');
      for (const pid of delve) process.kill(pid, 'SIGKILL'); // not this test's concern: its dlv and target
      second = await JupyterClientKernel.start('sql-kill-2', stackdiffDir, env);
      const listed = jsonOf(await second.execute('stackdiff list')) as { captures: { name: string; goroutines: number }[] };
      assert.equal(listed.captures.map((c) => c.name), ['one', 'three']);
      assert.ok(listed.captures.every((c) => c.goroutines >= 7));
      const snaps = jsonOf(await second.execute('sql SELECT capture, kind FROM captures ORDER BY capture')) as { rows: unknown[] };
      assert.equal(snaps.rows, [{ capture: 'one', kind: 'stacks' }, { capture: 'three', kind: 'stacks' }, { capture: 'two', kind: 'memwatch' }]);
      const diff = jsonOf(await second.execute('stackdiff one three')) as { appeared: number[]; vanished: number[] };
      assert.ok(diff.appeared.length > 0 && diff.vanished.length > 0, JSON.stringify(diff));
    } finally {
      await first.shutdown().catch(() => undefined);
      await second?.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kill -9 during a save leaves the earlier file whole and loadable', async () => {
    const dir = tmpdir('atomic');
    const file = path.join(dir, 'saved.duckdb');
    const script = path.join(repoRoot, 'dist/test/helpers/save-many.js');
    try {
      // The first save completes; each later one, of a bigger capture, is killed partway.
      const whole = await runSave(script, file, 1_000, undefined);
      assert.is(whole.code, 0, whole.out);
      for (const after of [20, 100, 250]) {
        const killed = await runSave(script, file, 50_000, after);
        assert.is(killed.signal, 'SIGKILL', `killed ${after} ms into the save`);
        assert.not.match(killed.out, /SAVED/, `the save of 1,000,000 frames was still going ${after} ms in`);
        const it = new DelveInterpreter({ stream() {} }, dir);
        try {
          await ok(it, `snapshots load ${file}`);
          assert.equal(it.state.captures.names(), ['many'], `after a save killed at ${after} ms`);
          assert.is(it.state.captures.get('many')!.goroutines.length, 1_000);
          assert.ok(fs.readdirSync(dir).some((n) => n.startsWith('saved.duckdb.partial-')), 'the killed save left its partial file beside, not over, the old one');
        } finally {
          await it.shutdown(false);
        }
      }
      // The next save that completes clears what the killed ones left.
      const next = await runSave(script, file, 10, undefined);
      assert.is(next.code, 0, next.out);
      assert.equal(fs.readdirSync(dir), ['saved.duckdb']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a core answers every read-only command and analysis; page residency, which a core does not record, says so', async () => {
    const binary = buildExample('stackdiff', tc, { optimized: true });
    const dir = tmpdir('core');
    const file = path.join(dir, 'stackdiff.core');
    const live = new DelveInterpreter({ stream() {} }, stackdiffDir);
    const core = new DelveInterpreter({ stream() {} }, stackdiffDir);
    try {
      await atCheckpoint(live, binary);
      await ok(live, `dump ${file}`);
      await live.shutdown(false);
      await ok(core, `core ${binary} ${file}`);
      const readOnly = [
        'status', 'goroutines', 'goroutines -group userloc', 'goroutine 1', 'bt', 'bt -full', 'frame 1', 'up', 'down', 'locals', 'args',
        'print forever', 'whatis forever', 'vars main', 'funcs main.', 'types main', 'sources stackdiff', 'threads', 'regs',
        'x -fmt hex -len 16 &forever', 'list main.main', 'breakpoints', 'stackdiff snapshot c1', 'stackdiff c1 c1', 'memwatch stats',
        'memwatch snapshot m', 'memwatch top', 'memwatch span forever', 'goroutine-graph', 'why forever',
        ...['goroutines', 'frames', 'threads', 'breakpoints', 'memstats', 'regions', 'spans', 'waits', 'findings'].map((t) => `sql SELECT count(*) AS n FROM ${t}`),
      ];
      for (const cell of readOnly) await ok(core, cell);
      assert.ok((sqlRows(await ok(core, 'sql SELECT count(*) AS n FROM goroutines'))[0].n as number) >= 7);
      const pages = await fails(core, 'memwatch pages');
      assert.match(pages.evalue, /a core dump records memory contents, not which pages were resident/);
    } finally {
      await live.shutdown(false);
      await core.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a gcore dump answers as the live process did: goroutine-graph and the SQL tables', async () => {
    const binary = buildExample('leaks', tc, { optimized: true });
    const dir = tmpdir('gcore');
    const target = spawn(binary, [], { stdio: ['ignore', 'pipe', 'ignore'] });
    const live = new DelveInterpreter({ stream() {} }, leaksDir);
    const core = new DelveInterpreter({ stream() {} }, leaksDir);
    try {
      await new Promise<void>((resolve) => {
        let seen = '';
        target.stdout!.on('data', (d: Buffer) => { seen += d; if (seen.includes('ready')) resolve(); });
      });
      // Every goroutine is parked for good (or for an hour): the dump and the attach see one state.
      await new Promise<void>((resolve, reject) => spawn('gcore', ['-o', path.join(dir, 'core'), String(target.pid)], { stdio: 'ignore' })
        .once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gcore exited with ${code}`)))));
      await ok(live, `attach ${target.pid}`);
      await ok(core, `core ${binary} ${path.join(dir, `core.${target.pid}`)}`);
      const query = 'sql SELECT kind, startFunction, goStatement, confidence, count(*) AS n FROM findings GROUP BY ALL ORDER BY ALL';
      const fromLive = sqlRows(await ok(live, query));
      assert.ok(fromLive.some((r) => r.kind === 'deadlock') && fromLive.some((r) => r.kind === 'leak'), JSON.stringify(fromLive));
      assert.equal(sqlRows(await ok(core, query)), fromLive);
      const counts = 'sql SELECT status, waitReason, count(*) AS n FROM goroutines GROUP BY ALL ORDER BY ALL';
      assert.equal(sqlRows(await ok(core, counts)), sqlRows(await ok(live, counts)));
      const heap = 'sql SELECT heapAlloc, heapObjects, mallocs, numGC FROM memstats';
      assert.equal(sqlRows(await ok(core, heap)), sqlRows(await ok(live, heap)));
    } finally {
      await live.shutdown(false);
      await core.shutdown(false);
      target.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.run();
}

/** Runs the save helper; kills it AFTER ms into its save (once it says it has begun). */
function runSave(script: string, file: string, goroutines: number, after: number | undefined): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, file, String(goroutines)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let armed = false;
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (after === undefined || armed || !out.includes('saving')) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), after);
    });
    child.stderr!.on('data', (d: Buffer) => { out += d; });
    child.once('exit', (code, signal) => resolve({ code, signal, out }));
  });
}
