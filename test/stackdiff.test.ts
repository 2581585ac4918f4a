// stackdiff against a real Delve and real Go programs, on every Go toolchain installed:
// examples/stackdiff (two stops; goroutines started, ended, one recursing 2,000 calls
// deeper), a core dump of one run against a live second run, and examples/many's 10,000
// goroutines. Every capture read from memory is checked frame by frame against the same
// capture through Delve's Stacktrace, the reference.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StackDiff } from '../src/analyses/stackdiff';
import type { Capture } from '../src/capture/capture';
import { captureStacks } from '../src/capture/capture-stacks';
import { DelveInterpreter } from '../src/interpreter';
import { captureSummary } from '../src/render/stackdiff';
import { buildExample, processesMatching, repoRoot, toolchains } from './helpers/go';
import { RecordingContext } from './helpers/recording-context';
import { fails, ok, rowsOf, run } from './helpers/cells';

async function diff(it: DelveInterpreter, code: string): Promise<StackDiff> {
  return (await ok(it, code))['application/json'] as StackDiff;
}

function captureOf(it: DelveInterpreter, name: string): Capture {
  const c = it.state.captures.get(name);
  if (!c) throw new assert.Assertion({ message: `no capture named ${name}`, operator: 'captureOf', expects: name, actual: undefined, generated: false });
  return c;
}

/** The memory capture equals Delve's, goroutine by goroutine, field by field, frame by frame. */
function assertSameStacks(fromMemory: Capture, fromDelve: Capture, where = ''): void {
  assert.is(fromMemory.method, 'memory');
  assert.is(fromDelve.method, 'delve');
  assert.equal(fromMemory.goroutines.map((g) => g.id), fromDelve.goroutines.map((g) => g.id), `${where}the same goroutines`);
  fromDelve.goroutines.forEach((want, i) => {
    const got = fromMemory.goroutines[i];
    assert.equal({ ...got, frames: got.frames.length }, { ...want, frames: want.frames.length }, `${where}goroutine ${want.id}`);
    want.frames.forEach((f, j) => assert.equal(got.frames[j], f, `${where}goroutine ${want.id} frame ${j}`));
  });
}

/** The other examples: small services that print once they run ("ready", "processed order"). */
function otherExamples(): string[] {
  // stackdiff and many are tested here at length; heap needs flags and 256 MiB; parked is in
  // goroutines-traceback; scheduler (the teaching notebook's) runs through its lessons and exits
  // in milliseconds without a debugger to stop it, so there is no process left to attach to.
  const skip = new Set(['stackdiff', 'many', 'heap', 'parked', 'scheduler']);
  return fs.readdirSync(path.join(repoRoot, 'examples')).filter((name) => !skip.has(name) && fs.existsSync(path.join(repoRoot, 'examples', name, 'main.go'))).sort();
}

/** The stack bounds of goroutine ID as Delve evaluates them from its g. */
async function stackBounds(it: DelveInterpreter, id: number): Promise<{ lo: number; hi: number }> {
  const v = await it.state.session!.query.eval({ Scope: { GoroutineID: id, Frame: 0 }, Expr: 'runtime.curg.stack', Cfg: null });
  const field = (name: string) => Number(v.children!.find((c) => c.name === name)!.value);
  return { lo: field('lo'), hi: field('hi') };
}

function idsStartedBy(rows: Record<string, unknown>[], ...fns: string[]): number[] {
  return rows.filter((r) => fns.includes(r.startFunction as string)).map((r) => r.id as number).sort((a, b) => a - b);
}

/** Resolves when the child's stdout has printed a line matching RE. */
function waitForLine(child: ChildProcess, re: RegExp, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms (saw ${JSON.stringify(seen)})`)), ms);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
  });
}

function gcore(pid: number, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    spawn('gcore', ['-o', path.join(dir, 'core'), String(pid)], { stdio: 'ignore' }).once('exit', (c) => (c === 0 ? resolve(path.join(dir, `core.${pid}`)) : reject(new Error(`gcore exit ${c}`))));
  });
}

const commands = suite('stackdiff commands');

commands('usage, unknown captures, no target', async () => {
  const it = new DelveInterpreter({ stream() {} }, repoRoot);
  try {
    const list = await ok(it, 'stackdiff list');
    assert.match(String(list['text/plain']), /no captures yet/);
    assert.equal((list['application/json'] as { captures: unknown[] }).captures, []);
    assert.is((await fails(it, 'stackdiff snapshot before')).ename, 'NoTarget');
    assert.is((await fails(it, 'stackdiff snapshot')).ename, 'UsageError');
    assert.is((await fails(it, 'stackdiff snapshot list')).ename, 'UsageError');
    assert.is((await fails(it, 'stackdiff')).ename, 'UsageError');
    const unknown = await fails(it, 'stackdiff a b');
    assert.is(unknown.ename, 'UsageError');
    assert.match(unknown.evalue, /no capture named `a`/);
    assert.match(String((await ok(it, 'help stackdiff'))['text/plain']), /stackdiff snapshot NAME/);
  } finally {
    await it.shutdown(false);
  }
});

commands.run();

for (const tc of toolchains()) {
  const test = suite(`stackdiff (${tc.name})`);

  for (const build of ['debug', 'optimized'] as const) {
    test(`${build} build: two stops, the goroutines that appeared and vanished, the deep one, each stack as Delve's`, async () => {
      const binary = build === 'debug' ? buildExample('stackdiff', tc) : buildExample('stackdiff', tc, { optimized: true });
      const it = new DelveInterpreter({ stream() {} }, repoRoot);
      try {
        await ok(it, `exec ${binary}`);
        await ok(it, 'break main.checkpoint');
        await ok(it, 'continue');
        const rows1 = rowsOf(await ok(it, 'goroutines'));
        const leavers = idsStartedBy(rows1, 'main.leaver');
        const [deepId] = idsStartedBy(rows1, 'main.deep');
        assert.is(leavers.length, 2);
        const bounds1 = await stackBounds(it, deepId);
        const first = await run(it, 'stackdiff snapshot before');
        assert.ok(first.ctx.displays[0]?.displayId, 'a progress display');
        assert.ok(first.ctx.updates.every((u) => u.displayId === first.ctx.displays[0].displayId));
        await ok(it, 'stackdiff snapshot before-delve --delve');
        assertSameStacks(captureOf(it, 'before'), captureOf(it, 'before-delve'));

        await ok(it, 'continue');
        const rows2 = rowsOf(await ok(it, 'goroutines'));
        const newcomers = idsStartedBy(rows2, 'main.newcomer', 'main.labelled');
        assert.is(newcomers.length, 5);
        const bounds2 = await stackBounds(it, deepId);
        await ok(it, 'stackdiff snapshot after');
        await ok(it, 'stackdiff snapshot after-delve --delve');
        assertSameStacks(captureOf(it, 'after'), captureOf(it, 'after-delve'));

        const d = await diff(it, 'stackdiff before after');
        assert.is(d.matchedBy, 'id');
        assert.equal(d.appeared, newcomers);
        assert.equal(d.vanished, leavers);
        assert.equal(d.changed.map((c) => c.id), [1, deepId]); // main moved on to the second checkpoint
        const deep = d.changed[1];
        assert.equal([deep.framesBefore, deep.framesAfter, deep.commonFrames, deep.depthChange], [16, 2017, 12, 2001]);
        assert.is(deep.stackBytesBefore, bounds1.hi - bounds1.lo);
        assert.is(deep.stackBytesAfter, bounds2.hi - bounds2.lo);
        assert.ok(deep.stackBytesAfter > deep.stackBytesBefore && deep.stackMemory === 'grew' && deep.stackCopied);
        assert.ok(deep.stackInUseAfter > 2000 * 16 && deep.stackInUseAfter <= deep.stackBytesAfter);

        const deepAfter = captureOf(it, 'after').goroutines.find((g) => g.id === deepId)!;
        const fns = deepAfter.frames.map((f) => f.function);
        assert.equal(fns.slice(0, 3), ['runtime.gopark', 'runtime.chanrecv', 'runtime.chanrecv1']);
        assert.equal(fns.slice(3, 3 + 2012), Array(2012).fill('main.descend'));
        assert.equal(fns.slice(-2), ['main.deep', 'runtime.goexit']);
        assert.equal(captureOf(it, 'before').goroutines.find((g) => g.id === deepId)!.frames.map((f) => f.function).slice(-12, -2), Array(10).fill('main.descend'));
        assert.equal(captureOf(it, 'after').goroutines.find((g) => g.startFunction === 'main.labelled')!.labels, { job: 'stackdiff' });
        if (build === 'optimized') {
          assert.ok(captureOf(it, 'after').goroutines.some((g) => g.frames.some((f) => f.inlined && f.function === 'main.park')), 'main.park inlined, as a frame of its own');
        }

        // A stack deeper than the frame limit is cut there, the same way on both paths, and says so.
        const signal = new AbortController().signal;
        const cut = (await captureStacks(it.state.session!, { name: 'cut', method: 'memory', signal, maxFrames: 100 })).capture;
        assertSameStacks(cut, (await captureStacks(it.state.session!, { name: 'cut', method: 'delve', signal, maxFrames: 100 })).capture);
        const deepCut = cut.goroutines.find((g) => g.id === deepId)!;
        assert.equal([deepCut.frames.length, deepCut.truncated], [100, true]);
        assert.match(captureSummary(cut), /1 stack deeper than 100 frames cut there/);

        const self = await diff(it, 'stackdiff after after');
        assert.equal([self.appeared, self.vanished, self.changed], [[], [], []]);
        const bundle = await ok(it, 'stackdiff before after');
        assert.match(String(bundle['text/plain']), /5 goroutines appeared, 2 vanished, 2 changed/);
        assert.match(String(bundle['text/html']), /<table class="sbs">/);
        const list = rowsOf(await ok(it, 'stackdiff list'));
        assert.equal(list.map((r) => r.name), ['before', 'before-delve', 'after', 'after-delve']);
      } finally {
        await it.shutdown(false);
      }
      assert.equal(processesMatching(binary), []);
    });
  }

  test('every other example, debug and optimized builds: the stacks read from memory are Delve\'s, frame by frame', async () => {
    for (const [name, optimized] of otherExamples().flatMap((n) => [[n, false], [n, true]] as const)) {
      const binary = buildExample(name, tc, { optimized });
      const child = spawn(binary, [], { stdio: ['ignore', 'pipe', 'ignore'] });
      const it = new DelveInterpreter({ stream() {} }, repoRoot);
      try {
        await waitForLine(child, /\S/);
        await ok(it, `attach ${child.pid}`);
        await ok(it, 'stackdiff snapshot memory');
        await ok(it, 'stackdiff snapshot delve --delve');
        assertSameStacks(captureOf(it, 'memory'), captureOf(it, 'delve'), `examples/${name}${optimized ? ' (optimized)' : ''}: `);
      } finally {
        await it.shutdown(false);
        child.kill('SIGKILL');
      }
    }
  });

  for (const build of ['debug', 'optimized'] as const) test(`${build} build: a core dump of one run against a second run, live: matched by identity`, async () => {
    const binary = buildExample('stackdiff', tc, { optimized: build === 'optimized' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-stackdiff-core-'));
    const first = spawn(binary, ['-hold'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let second: ChildProcess | undefined;
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await waitForLine(first, /checkpoint 1/);
      const core = await gcore(first.pid!, dir);
      first.kill('SIGKILL');
      second = spawn(binary, ['-hold'], { stdio: ['pipe', 'pipe', 'ignore'] });
      await waitForLine(second, /checkpoint 1/);
      second.stdin!.write('\n');
      await waitForLine(second, /checkpoint 2/);

      await ok(it, `attach ${second.pid}`);
      await ok(it, 'stackdiff snapshot live');
      await ok(it, 'stackdiff snapshot live-delve --delve');
      assertSameStacks(captureOf(it, 'live'), captureOf(it, 'live-delve'));
      await ok(it, `core ${binary} ${core}`);
      await ok(it, 'stackdiff snapshot core');
      await ok(it, 'stackdiff snapshot core-delve --delve');
      assertSameStacks(captureOf(it, 'core'), captureOf(it, 'core-delve'));

      const d = await diff(it, 'stackdiff core live');
      assert.is(d.matchedBy, 'identity');
      const started = (c: Capture, ids: number[]) => ids.map((id) => c.goroutines.find((g) => g.id === id)!.startFunction).sort();
      assert.equal(started(captureOf(it, 'live'), d.appeared), ['main.labelled', 'main.newcomer', 'main.newcomer', 'main.newcomer', 'main.newcomer']);
      assert.equal(started(captureOf(it, 'core'), d.vanished), ['main.leaver', 'main.leaver']);
      const deep = d.changed.find((c) => c.startFunction === 'main.deep')!;
      assert.equal([deep.framesBefore, deep.framesAfter, deep.commonFrames], [16, 2017, 12]);
      assert.is(deep.stackMemory, 'grew');
      assert.ok(d.changed.every((c) => ['main.deep', 'runtime.main'].includes(c.startFunction)), 'nothing else changed');
    } finally {
      await it.shutdown(false);
      first.kill('SIGKILL');
      second?.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('10,000 goroutines: captured, the same as Delve\'s, diffed, progress shown, interrupted', async () => {
    const binary = buildExample('many', tc);
    const many = spawn(binary, ['-n', '10000'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await waitForLine(many, /ready/);
      await ok(it, `attach ${many.pid}`);
      const a = await run(it, 'stackdiff snapshot a');
      assert.is(a.outcome.status, 'ok');
      const capA = captureOf(it, 'a');
      assert.ok(capA.goroutines.length >= 10_001, `${capA.goroutines.length} goroutines`);
      assert.is(capA.partial, false);
      assert.ok(a.ctx.displays[0]?.displayId && a.ctx.updates.length > 0, 'progress in the cell');
      assert.ok(rowsOf(a.data).length < 20, 'folded into a few distinct stacks');

      await ok(it, 'stackdiff snapshot b --delve');
      assertSameStacks(capA, captureOf(it, 'b'));
      const d = await diff(it, 'stackdiff a b');
      assert.equal([d.appeared, d.vanished, d.changed], [[], [], []]);
      assert.is(d.unchanged, capA.goroutines.length);
      assert.ok(d.groups.length < 20);

      // Interrupted once the stacks are coming in: kept, marked partial.
      const ctx = new RecordingContext();
      const pending = run(it, 'stackdiff snapshot c --delve', ctx);
      const started = Date.now();
      while (!ctx.updates.some((u) => /capturing stacks/.test(String(u.data['text/plain'])))) {
        if (Date.now() - started > 60_000) assert.unreachable('no progress within a minute');
        await new Promise((r) => setTimeout(r, 20));
      }
      it.interrupt();
      const interrupted = Date.now();
      const c = await pending;
      assert.ok(Date.now() - interrupted < 2000, 'stops soon');
      assert.is(c.outcome.status, 'ok');
      assert.match(String(c.data['text/plain']), /interrupted: a partial capture/);
      const capC = captureOf(it, 'c');
      assert.is(capC.partial, true);
      assert.ok(capC.missing.length > 0 && capC.goroutines.length + capC.missing.length === capA.goroutines.length);
      const list = rowsOf(await ok(it, 'stackdiff list'));
      assert.equal(list.map((r) => [r.name, r.partial]), [['a', false], ['b', false], ['c', true]]);
      const partial = await diff(it, 'stackdiff a c');
      assert.is(partial.partial, true);
      assert.equal([partial.appeared, partial.vanished, partial.changed], [[], [], []]);
    } finally {
      await it.shutdown(false);
      many.kill('SIGKILL');
    }
  });

  test.run();
}
