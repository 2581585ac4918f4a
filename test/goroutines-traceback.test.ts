// Ground truth for `goroutines` and stackdiff's memory capture: Go's own traceback of the same
// process state. examples/parked starts goroutines that block for ever, each a different way;
// the test attaches, takes the table and a memory capture, detaches (the blocked goroutines
// stay where they are), then sends SIGQUIT (the runtime prints every goroutine with its status
// or wait reason, its frames and its go statement) and compares goroutine by goroutine. On
// every release of the matrix, debug and optimized builds.
import { spawn, type ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Capture } from '../src/capture/capture';
import { DelveInterpreter } from '../src/interpreter';
import { buildExample, repoRoot, toolchains } from './helpers/go';
import { ok, rowsOf } from './helpers/cells';

export interface TracebackFrame {
  function: string;
  file: string;
  line: number;
}

export interface TracebackGoroutine {
  id: number;
  /** What Go prints in brackets before any `, N minutes`: the wait reason, else the status. */
  state: string;
  frames: TracebackFrame[];
  /** `created by F in goroutine N` and the line below it. */
  createdBy?: { function: string; file: string; line: number };
}

/** Every `goroutine N [...]:` block of a Go traceback (GOTRACEBACK=all or system, as SIGQUIT prints). */
export function parseTraceback(text: string): Map<number, TracebackGoroutine> {
  const out = new Map<number, TracebackGoroutine>();
  const lines = text.split('\n');
  let g: TracebackGoroutine | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const header = /^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]:$/.exec(line);
    if (header) {
      const state = header[2].split(', ')[0].replace(/ \(scan\)$/, '');
      g = { id: Number(header[1]), state, frames: [] };
      out.set(g.id, g);
      continue;
    }
    if (!g) continue;
    if (line === '') {
      g = undefined;
      continue;
    }
    const at = /^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=.*)?$/.exec(lines[i + 1] ?? '');
    const created = /^created by (\S+) in goroutine \d+$/.exec(line);
    if (created && at) {
      g.createdBy = { function: created[1], file: at[1], line: Number(at[2]) };
      i++;
    } else if (at && !line.startsWith('\t')) {
      g.frames.push({ function: line.slice(0, line.lastIndexOf('(')), file: at[1], line: Number(at[2]) });
      i++;
    }
  }
  return out;
}

/** The function a goroutine's traceback says it runs: its outermost frame, the go statement's wrapper and goexit left out. */
function startedWith(g: TracebackGoroutine): string {
  const own = g.frames.filter((f) => f.function !== 'runtime.goexit' && !/\.gowrap\d+$/.test(f.function));
  return own[own.length - 1]?.function ?? '';
}

function waitForLine(child: ChildProcess, re: RegExp, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms (saw ${JSON.stringify(seen)})`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** The goroutines examples/parked starts, each parked for good once it has run a moment. */
const PARKED = ['main.receiver', 'main.sender', 'main.chooser', 'main.sleeper', 'main.nilReceiver', 'main.worker', 'main.locker', 'main.reader', 'main.waiter', 'main.condWaiter', 'main.main.func1', 'main.acceptor'];

const parsing = suite('traceback parsing');

parsing('headers, inlined frames, the go statement', () => {
  const text = [
    'goroutine 9 gp=0xc0000 m=nil [select, 2 minutes]:',
    'runtime.gopark(0x0?, 0x2?)',
    '\t/go/src/runtime/proc.go:462 +0xce fp=0xc1 sp=0xc2 pc=0x4804ee',
    'main.chooser(...)',
    '\t/app/main.go:24',
    'main.main.gowrap3()',
    '\t/app/main.go:74 +0x4c fp=0xc3 sp=0xc4 pc=0x4e90ac',
    'runtime.goexit({})',
    '\t/go/src/runtime/asm_amd64.s:1771 +0x1 fp=0xc5 sp=0xc6 pc=0x486d81',
    'created by main.main in goroutine 1',
    '\t/app/main.go:74 +0xdd',
    '',
    'goroutine 3 [sync.Mutex.Lock (scan)]:',
    'main.(*Pool).worker(0xc000010000, {0x1, 0x2})',
    '\t/app/pool.go:7 +0x10',
    '',
  ].join('\n');
  const gs = parseTraceback(text);
  assert.equal(gs.get(9), {
    id: 9, state: 'select',
    frames: [
      { function: 'runtime.gopark', file: '/go/src/runtime/proc.go', line: 462 },
      { function: 'main.chooser', file: '/app/main.go', line: 24 },
      { function: 'main.main.gowrap3', file: '/app/main.go', line: 74 },
      { function: 'runtime.goexit', file: '/go/src/runtime/asm_amd64.s', line: 1771 },
    ],
    createdBy: { function: 'main.main', file: '/app/main.go', line: 74 },
  });
  assert.is(startedWith(gs.get(9)!), 'main.chooser');
  assert.equal([gs.get(3)!.state, gs.get(3)!.frames[0].function], ['sync.Mutex.Lock', 'main.(*Pool).worker']);
});

parsing.run();

for (const tc of toolchains()) {
  const test = suite(`goroutines = Go's traceback (${tc.name})`);

  for (const build of ['debug', 'optimized'] as const) {
    test(`${build} build: every goroutine's status, wait reason, start and go statement; every stack frame by frame`, async () => {
      const binary = buildExample('parked', tc, { optimized: build === 'optimized' });
      const child = spawn(binary, [], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOTRACEBACK: 'all' } });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const it = new DelveInterpreter({ stream() {} }, repoRoot);
      let rows: Record<string, unknown>[] = [];
      let capture: Capture | undefined;
      try {
        await waitForLine(child, /ready/);
        // Until every goroutine has parked: each is started before "ready" but parks a moment later.
        for (let attempt = 0; ; attempt++) {
          await ok(it, `attach ${child.pid}`);
          rows = rowsOf(await ok(it, 'goroutines'));
          const parked = rows.filter((r) => PARKED.includes(r.startFunction as string) && r.status === 'waiting');
          if (parked.length === PARKED.length) break;
          if (attempt === 50) assert.unreachable(`not all parked: ${JSON.stringify(rows.map((r) => [r.startFunction, r.status]))}`);
          await ok(it, 'detach');
          await new Promise((r) => setTimeout(r, 100));
        }
        await ok(it, 'stackdiff snapshot parked');
        capture = it.state.captures.get('parked');
        await ok(it, 'detach');
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      } finally {
        await it.shutdown(false);
      }
      child.kill('SIGQUIT');
      const late = setTimeout(() => child.kill('SIGKILL'), 20_000); // a traceback takes milliseconds
      await exited;
      clearTimeout(late);
      const traceback = parseTraceback(stderr);
      traceback.delete(0); // the signal thread's g0, not a goroutine

      assert.equal(rows.map((r) => r.id), [...traceback.keys()].sort((a, b) => a - b), 'the same goroutines (no deadextra g)');
      for (const row of rows) {
        const g = traceback.get(row.id as number)!;
        const where = `goroutine ${row.id} (${row.startFunction})`;
        if (!PARKED.includes(row.startFunction as string) && row.id !== 1) continue; // the runtime's own may wake meanwhile
        assert.is(row.waitReason || row.status, g.state, `${where}: status or wait reason`);
        assert.is(row.startFunction, row.id === 1 ? 'runtime.main' : startedWith(g), `${where}: start function`);
        if (g.createdBy) assert.is(row.goStatement, `${g.createdBy.file}:${g.createdBy.line}`, `${where}: go statement`);
        const captured = capture!.goroutines.find((c) => c.id === row.id)!;
        assert.equal([captured.status, captured.waitReason, captured.startFunction], [row.status, row.waitReason, row.startFunction], `${where}: captured as listed`);
        // The innermost frame of a parked goroutine: Go names the line of its saved pc - 1 (the
        // CALL into mcall), Delve that of the pc itself (where it resumes), and stackdiff as Delve.
        const frame = (f: { function: string; file: string; line: number }, i: number) => `${f.function} ${f.file}${i === 0 ? '' : `:${f.line}`}`;
        assert.equal(captured.frames.map(frame), g.frames.map(frame), `${where}: frames`);
      }
      assert.is(capture!.method, 'memory');
      assert.is(capture!.goroutines.length, rows.length);
    });
  }

  test.run();
}
