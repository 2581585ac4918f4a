// The Delve side against a real Delve and real Go programs, through the interpreter
// interface (what kernel/ calls), on every Go toolchain installed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DelveInterpreter } from '../src/interpreter';
import { chooseDelve } from '../src/session/delve-choice';
import { buildExample, makeCoreDump, processesMatching, repoRoot, toolchains } from './helpers/go';
import { fails, ok, rowsOf, run, waitFor } from './helpers/cells';

const ordersDir = path.join(repoRoot, 'examples', 'orders');

for (const tc of toolchains()) {
  const test = suite(`delve (${tc.name})`);
  const binary = buildExample('orders', tc);
  // Go 1.24 gave WaitGroup.Wait a wait reason of its own.
  const waitGroupWait = tc.minor >= 24 ? 'sync.WaitGroup.Wait' : 'semacquire';

  test('exec, break, continue, print, goroutines, stack, next, step, stepout', async () => {
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      const started = await run(it, `exec ${binary} -- -n 50`);
      assert.is(started.outcome.status, 'ok');
      // Delve 1.27 accepts Go 1.25-1.27; older targets run with its version check off, said in one line.
      if (tc.minor < 25) assert.match(started.ctx.text('stderr'), /built with go1\.\d+\.\d+, older than Delve 1\.27\.1 supports \(Go 1\.25-1\.27\); started with --check-go-version=false/);
      else assert.not.match(started.ctx.text('stderr'), /check-go-version/);

      // Order 2 comes 50 ms after order 1: by then main waits in wg.Wait for sure.
      const bp = await ok(it, 'break main.go:42 if order.ID == 2');
      assert.match(String(bp['text/plain']), /Breakpoint 1 set at main\.process\(\) .*main\.go:42/);

      const stop = await ok(it, 'continue');
      assert.match(String(stop['text/plain']), /main\.process\(\) .*main\.go:42 \(breakpoint 1/);
      assert.match(String(stop['text/plain']), /=> 42:\s+total := /);

      const order = await ok(it, 'print order');
      assert.match(String(order['text/plain']), /^main\.Order \{ID: 2, Customer: "linus", Items: \[\]string len: 3, cap: 3, \["", "", ""\], Total: 0\}$/);
      assert.match(String(order['text/html']), /<pre/);

      const grs = await ok(it, 'goroutines');
      const rows = rowsOf(grs);
      const fields = ['id', 'status', 'waitReason', 'function', 'file', 'line', 'startFunction', 'goStatement', 'threadId'];
      assert.equal(Object.keys(rows[0]), fields);
      assert.equal((grs['application/vnd.dataresource+json'] as { schema: { fields: { name: string }[] } }).schema.fields.map((f) => f.name), fields);
      const main = rows.find((r) => r.id === 1)!;
      assert.is(main.status, 'waiting');
      assert.is(main.waitReason, waitGroupWait); // wg.Wait, in Go's own words on this release
      assert.is(main.startFunction, 'runtime.main');
      const here = rows.find((r) => r.function === 'main.process')!;
      assert.is(here.status, 'running');
      assert.is(here.line, 42);
      assert.ok((here.threadId as number) > 0);
      assert.is(here.startFunction, 'main.worker');
      assert.match(String(here.goStatement), /orders\/main\.go:74$/);
      assert.ok(rows.filter((r) => r.status !== 'waiting').every((r) => r.waitReason === ''));
      assert.match(String(grs['text/html']), /<table/);

      const bt = rowsOf(await ok(it, 'bt'));
      assert.equal(bt.slice(0, 2).map((f) => f.function), ['main.process', 'main.worker']);

      // Stepping goes on in this goroutine only if no other worker hits the breakpoint meanwhile
      // (Delve then stops there, as its terminal does): clear it first.
      await ok(it, 'clearall');
      await ok(it, 'next');
      const locals = rowsOf(await ok(it, 'locals'));
      assert.equal(locals.map((v) => [v.name, v.value]), [['total', '7.5']]);

      await ok(it, 'next');
      const into = await ok(it, 'step');
      assert.match(String(into['text/plain']), /main\.\(\*Ledger\)\.Record\(\)/);
      const out = await ok(it, 'stepout');
      assert.match(String(out['text/plain']), /main\.process\(\)/);

      const args = rowsOf(await ok(it, 'args'));
      assert.equal(args.map((v) => v.name).slice(0, 2), ['worker', 'order']);

      const up = await ok(it, 'up');
      assert.match(String(up['text/plain']), /^Frame 1: main\.worker\(\)/);
      assert.match(String((await ok(it, 'print id'))['text/plain']), /^\d+$/);
      await ok(it, 'down');

      const status = await ok(it, 'status');
      assert.is((status['application/json'] as Record<string, string>).state, 'stopped');
    } finally {
      await it.shutdown(false);
    }
    assert.equal(processesMatching(binary), [], 'no dlv or target left behind');
  });

  test('errors keep the session: unknown command, unknown variable, no target, bad usage', async () => {
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      const none = await fails(it, 'goroutines');
      assert.is(none.ename, 'NoTarget');
      assert.match(none.traceback.join('\n'), /exec \.\/bin\/app/);

      await ok(it, `exec ${binary} -- -n 50`);
      await ok(it, 'break main.process');
      await ok(it, 'continue');
      const unknown = await fails(it, 'goroutinez');
      assert.is(unknown.ename, 'UnknownCommand');
      assert.match(unknown.traceback.join('\n'), /did you mean `goroutines`\?/);

      const noVar = await fails(it, 'print nosuchvar');
      assert.is(noVar.ename, 'DelveError');
      assert.match(noVar.evalue, /print nosuchvar: could not find symbol value for nosuchvar/);

      const bad = await fails(it, 'break');
      assert.is(bad.ename, 'UsageError');
      assert.match(bad.traceback.join('\n'), /usage: break \[NAME\] LOCSPEC \[if COND\]/);

      const garbage = await fails(it, '%$#@! ]]]');
      assert.is(garbage.ename, 'UnknownCommand');

      // Still usable after each.
      assert.is((await ok(it, 'print 1+1'))['text/plain'], '2');
      assert.match(String((await ok(it, 'print order.ID'))['text/plain']), /^\d+$/);
    } finally {
      await it.shutdown(false);
    }
  });

  test('a target that exits during continue reports its status; restart runs it again', async () => {
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      await ok(it, `exec ${binary} -- -n 3 -pause 1ms`);
      const { data, ctx } = await run(it, 'continue');
      assert.match(String(data['text/plain']), /has exited with status 3/);
      assert.is((data['application/json'] as { exitStatus: number }).exitStatus, 3);
      assert.match(ctx.text('stdout'), /done: 3 orders/); // the target's output streamed into the cell
      assert.match(String((await ok(it, 'status'))['text/plain']), /state\s+exited with status 3/);
      const after = await fails(it, 'goroutines');
      assert.is(after.ename, 'TargetExited');
      assert.match(after.traceback.join('\n'), /restart/);
      await ok(it, 'restart');
      await ok(it, 'break main.process');
      assert.match(String((await ok(it, 'continue'))['text/plain']), /main\.process/);
    } finally {
      await it.shutdown(false);
    }
  });

  test('interrupt halts a continue that would never return; the session stays usable', async () => {
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      await ok(it, `exec ${binary}`);
      const started = Date.now();
      const pending = run(it, 'continue');
      await new Promise((r) => setTimeout(r, 700));
      it.interrupt();
      const { outcome, ctx } = await pending;
      assert.ok(Date.now() - started < 5000, 'answered within seconds');
      assert.is(outcome.status, 'error');
      if (outcome.status === 'error') assert.is(outcome.ename, 'Interrupted');
      assert.match(String(ctx.displays[0]?.data['text/plain']), /halted by interrupt/);
      assert.match(ctx.text('stdout'), /processed order/);
      assert.ok(rowsOf(await ok(it, 'goroutines')).length >= 5);
    } finally {
      await it.shutdown(false);
    }
    assert.equal(processesMatching(binary), []);
  });

  test('attach to a running process, look, detach: it keeps running', async () => {
    const target = spawn(binary, ['-pause', '10ms'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      await new Promise<void>((r) => target.stdout.once('data', () => r()));
      await ok(it, `attach ${target.pid}`);
      const rows = rowsOf(await ok(it, 'goroutines'));
      assert.ok(rows.some((r) => r.startFunction === 'main.worker'));
      assert.ok(rows.some((r) => r.startFunction === 'main.feed'));
      const detached = await ok(it, 'detach');
      assert.match(String(detached['text/plain']), /left running/);
      let more = '';
      target.stdout.on('data', (d) => (more += d));
      assert.ok(await waitFor(() => /processed order/.test(more), 5000), 'the process runs on after detach');
    } finally {
      await it.shutdown(false);
      target.kill('SIGKILL');
    }
  });

  test('a core dump made with gcore: goroutines and values, and running is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-core-'));
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      const core = await makeCoreDump(binary, ['-pause', '10ms'], dir);
      // The wrong binary is refused up front (Delve took it and failed later, reading memory).
      const wrong = await fails(it, `core ${buildExample('stackdiff', tc)} ${core}`);
      assert.is(wrong.ename, 'LaunchError');
      assert.match(wrong.evalue, /the core was not made from this binary: the core's Go build ID is \S+, .*'s is \S+/);
      await ok(it, `core ${binary} ${core}`);
      const rows = rowsOf(await ok(it, 'goroutines'));
      assert.ok(rows.some((r) => r.startFunction === 'main.worker'));
      assert.is(rows.find((r) => r.id === 1)?.waitReason, waitGroupWait);
      assert.match(String((await ok(it, 'print main.customers'))['text/plain']), /"ada", "grace"/);
      const refused = await fails(it, 'continue');
      assert.is(refused.ename, 'ReadOnlySession');
      assert.ok(rowsOf(await ok(it, 'bt')).length > 0);
    } finally {
      await it.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('connect to a running dlv --headless server; leaving it leaves the server up', async () => {
    const dlv = spawn((await chooseDelve(tc.name)).delve.path, ['exec', binary, '--headless', '--api-version=2', '--accept-multiclient', '--listen=127.0.0.1:0', '--check-go-version=false'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      let out = '';
      dlv.stdout.on('data', (d) => (out += d));
      assert.ok(await waitFor(() => /127\.0\.0\.1:\d+/.test(out), 10_000));
      const address = /127\.0\.0\.1:\d+/.exec(out)![0];
      await ok(it, `connect ${address}`);
      await ok(it, 'break main.process');
      assert.match(String((await ok(it, 'continue'))['text/plain']), /main\.process/);
      assert.ok(rowsOf(await ok(it, 'goroutines')).some((r) => r.startFunction === 'main.worker'));
      const detached = await ok(it, 'detach');
      assert.match(String(detached['text/plain']), /left to its server/);
      assert.is(dlv.exitCode, null, 'the server is still up');
    } finally {
      await it.shutdown(false);
      process.kill(-dlv.pid!, 'SIGKILL');
    }
  });

  test('dlv killed under the kernel: a clear message, no orphan target, a new session works', async () => {
    const it = new DelveInterpreter({ stream() {} }, ordersDir);
    try {
      await ok(it, `exec ${binary}`);
      const dlvPid = it.state.session!.dlvPid!;
      process.kill(dlvPid, 'SIGKILL');
      assert.ok(await waitFor(() => it.state.session?.lostReason !== undefined, 5000));
      const lost = await fails(it, 'goroutines');
      assert.is(lost.ename, 'TargetLost');
      assert.match(lost.evalue, /Delve exited \(signal SIGKILL\)/);
      assert.ok(await waitFor(() => processesMatching(binary).length === 0, 5000), 'the launched target was killed');
      await ok(it, `exec ${binary}`);
      await ok(it, 'break main.process');
      await ok(it, 'continue');
    } finally {
      await it.shutdown(false);
    }
    assert.equal(processesMatching(binary), []);
  });

  test.run();
}
