// First, do no harm, as a notebook user meets it through jupyter_client: dlv killed during
// `continue` (a launched target goes with it, an attached one runs on), the kernel killed
// outright (its watchdog ends what it started, even after the watchdog itself was killed),
// and a core refused when it was not made from the binary. Each checks the target's fate
// and that the kernel's next cell works.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, childrenMatching, makeCoreDump, processesMatching, repoRoot } from './helpers/go';
import { JupyterClientKernel, allText, jsonOf, type DriverExchange } from './helpers/jupyter-driver';

const binary = buildExample('orders');
const other = buildExample('parked');
const ordersDir = path.join(repoRoot, 'examples/orders');

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await sleep(50)) if (cond()) return true;
  return cond();
}

function ok(ex: DriverExchange): DriverExchange {
  assert.is(ex.reply.content.status, 'ok', allText(ex));
  return ex;
}

/** A service of our own: orders writing a line per order into a file, outside any kernel. */
function service(): { pid: number; lines(): number; stop(): void } {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-harm-')), 'out');
  const fd = fs.openSync(out, 'w');
  const proc = spawn(binary, ['-pause', '5ms'], { stdio: ['ignore', fd, 'ignore'], detached: true });
  fs.closeSync(fd);
  return {
    pid: proc.pid!,
    lines: () => fs.readFileSync(out, 'utf8').split('\n').length,
    stop: () => proc.kill('SIGKILL'),
  };
}

async function stillWorks(svc: { lines(): number }): Promise<number> {
  const before = svc.lines();
  await sleep(1000);
  return svc.lines() - before;
}

test('dlv killed during `continue`: the cell says so at once; a launched target is gone, an attached one runs on', async () => {
  const k = await JupyterClientKernel.start('harm-dlv', ordersDir);
  const svc = service();
  try {
    // Launched: `exec` kills what it started when its Delve dies (as the README says).
    ok(await k.execute(`exec ${binary} -- -pause 5ms`));
    const target = Number(jsonOf(ok(await k.execute('status'))).pid);
    let id = await k.send('continue');
    await sleep(500);
    const [dlv] = childrenMatching(k.kernelPid, 'dlv');
    process.kill(dlv, 'SIGKILL');
    const started = Date.now();
    let ended = await k.collect(id, 20);
    assert.is(ended.reply.content.status, 'error');
    assert.match(allText(ended), /Delve exited \(signal SIGKILL\)/, allText(ended).slice(-800));
    assert.ok(Date.now() - started < 5000, 'said within seconds');
    assert.ok(await until(() => !fs.existsSync(`/proc/${target}`), 5000), 'the launched target was killed with its Delve');

    // Attached: the service runs on, untouched.
    ok(await k.execute(`attach ${svc.pid}`));
    ok(await k.execute('break main.process\ncontinue\nclearall'));
    id = await k.send('continue');
    await sleep(500);
    const [dlv2] = childrenMatching(k.kernelPid, 'dlv');
    process.kill(dlv2, 'SIGKILL');
    ended = await k.collect(id, 20);
    assert.is(ended.reply.content.status, 'error');
    assert.ok(fs.existsSync(`/proc/${svc.pid}`), 'the attached service lives');
    assert.ok(await stillWorks(svc) > 20, 'and works');
    // The kernel goes on: a new session.
    ok(await k.execute(`exec ${binary}\nbreak main.process\ncontinue`));
  } finally {
    const { left } = await k.shutdown([binary]);
    svc.stop();
    assert.equal(left.filter((l) => !l.startsWith(`${svc.pid} `)), [], 'nothing left behind but the service');
  }
});

test('the kernel killed with SIGKILL, its watchdog killed first: dlv, a launched target and the build directory are ended; an attached service runs on', async () => {
  const launched = await JupyterClientKernel.start('harm-kill', ordersDir);
  const attached = await JupyterClientKernel.start('harm-kill-attach', ordersDir);
  const svc = service();
  let buildDir = '';
  try {
    ok(await launched.execute('debug .\nbreak main.process\ncontinue'));
    const dlv = childrenMatching(launched.kernelPid, 'debug_bin')[0];
    buildDir = path.dirname(/ exec (\S+debug_bin)/.exec(fs.readFileSync(`/proc/${dlv}/cmdline`, 'utf8').replace(/\0/g, ' '))![1]);
    const [watchdog] = childrenMatching(launched.kernelPid, 'watchdog-process.js');
    assert.ok(watchdog, 'a watchdog runs');
    process.kill(watchdog, 'SIGKILL');
    assert.ok(await until(() => childrenMatching(launched.kernelPid, 'watchdog-process.js').some((p) => p !== watchdog), 5000), 'a new watchdog took over');
    await sleep(200);

    ok(await attached.execute(`attach ${svc.pid}\nbreak main.process\ncontinue`));
    await attached.send('continue'); // stops at the breakpoint again: the kernel dies with it set
    await sleep(300);

    process.kill(launched.kernelPid, 'SIGKILL');
    process.kill(attached.kernelPid, 'SIGKILL');
    assert.ok(await until(() => processesMatching(buildDir).length === 0 && !fs.existsSync(buildDir), 8000), `ended: ${processesMatching(buildDir).join('; ')}`);
    assert.ok(await until(() => childrenMatching(attached.kernelPid, 'dlv').length === 0 && processesMatching('dlv attach').length === 0, 8000), 'the attach Delve ended');
    assert.ok(fs.existsSync(`/proc/${svc.pid}`), 'the attached service lives');
    assert.ok(await stillWorks(svc) > 20, 'with its breakpoint removed and no trap left pending');
  } finally {
    await launched.shutdown([buildDir || 'debug_bin']);
    await attached.shutdown([]);
    svc.stop();
  }
});

test('a signed message sent twice byte for byte is run once (a replay is dropped)', async () => {
  const k = await JupyterClientKernel.start('harm-replay', ordersDir);
  try {
    const counts = await k.sendTwice('help exit');
    assert.is(counts.length, 1, `replies: ${JSON.stringify(counts)}`);
    const next = ok(await k.execute('help exit'));
    assert.is(next.reply.content.execution_count, counts[0] + 1, 'the replay did not run');
  } finally {
    const { left } = await k.shutdown([]);
    assert.equal(left, []);
  }
});

test('a core not made from the binary is refused up front, and the session stays', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-core-'));
  const k = await JupyterClientKernel.start('harm-core', ordersDir);
  try {
    const core = await makeCoreDump(binary, ['-pause', '5ms'], dir);
    ok(await k.execute(`exec ${binary}`));
    const pid = jsonOf(ok(await k.execute('status'))).pid;
    const wrong = await k.execute(`core ${other} ${core}`);
    assert.is(wrong.reply.content.status, 'error');
    assert.match(wrong.reply.content.evalue, /the core was not made from this binary/);
    const status = jsonOf(ok(await k.execute('status')));
    assert.is(status.pid, pid, 'the session is the one it was');
    ok(await k.execute(`core ${binary} ${core}`));
    assert.ok(jsonOf(ok(await k.execute('goroutines'))).goroutines.some((g: { startFunction: string }) => g.startFunction === 'main.worker'));
  } finally {
    const { left } = await k.shutdown([binary]);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(left, []);
  }
});

test.run();
