// One bad cell must not cost the user their session: typos with huge numbers, odd line
// breaks, huge words, a FIFO, build flags, a failed start, a dying parent. Each through the
// whole kernel over ZeroMQ, then checking that the next cell answers, the target lives and
// the session is the one it was.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, delveFor, processesMatching, repoRoot } from './helpers/go';
import { startKernel, type KernelClient } from './helpers/jupyter-client';

const binary = buildExample('orders');
const argv = [process.execPath, path.join(repoRoot, 'bin/delve-kernel.js'), '-f', '{connection_file}'];

function start(env?: NodeJS.ProcessEnv): Promise<KernelClient> {
  return startKernel({ argv, cwd: path.join(repoRoot, 'examples/orders'), timeoutMs: 30_000, env });
}

function resultText(ex: { iopub: { header: { msg_type: string }; content: any }[] }): string {
  return ex.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'] ?? '';
}

/** The session is the one it was, stopped where it was, and answers at once. */
async function sameSession(k: KernelClient, pid: string): Promise<void> {
  const started = Date.now();
  const status = await k.execute('status');
  assert.is(status.reply.content.status, 'ok');
  const json = status.iopub.find((m) => m.header.msg_type === 'execute_result')!.content.data['application/json'];
  assert.is(json.pid, pid, 'the same target');
  assert.is(json.state, 'stopped');
  assert.is(json.kind, 'status');
  assert.is(json.sessionKind, 'exec');
  assert.ok((await k.execute('goroutines')).reply.content.status === 'ok');
  assert.ok(Date.now() - started < 5000, 'answered within seconds');
  assert.ok(fs.existsSync(`/proc/${pid}`), 'the target is alive');
}

test('hostile cells: each is an error that says what to type, and the session goes on', async () => {
  const k = await start();
  const fifoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-fifo-'));
  try {
    await k.execute(`exec ${binary} -- -pause 5ms\nbreak main.go:42\ncontinue`);
    const status = await k.execute('status');
    const pid = status.iopub.find((m) => m.header.msg_type === 'execute_result')!.content.data['application/json'].pid;

    const cases: [cell: string, ename: string, says: RegExp][] = [
      // Depths Delve would try to allocate (it died of "out of memory").
      ['stack 1000000000', 'UsageError', /DEPTH is a number of frames from 1 to 100000/],
      ['up 99999999999', 'UsageError', /not a number of frames/],
      ['frame 99999999', 'UsageError', /not a frame number/],
      // Numbers Delve cannot decode as a Go int (it stopped reading the connection).
      ['clear 100000000000000000000000', 'UsageError', /there is no breakpoint 100000000000000000000000/],
      ['goroutine 9223372036854775807 bt', 'UsageError', /there is no goroutine 9223372036854775807/],
      // Words that reached `go build` as flags.
      ['debug -toolexec=/bin/true', 'UsageError', /build flags are not taken/],
      ['debug -o=/tmp/x', 'UsageError', /build flags are not taken/],
      // A failed start leaves the current session as it was.
      ['exec /nonexistent', 'LaunchError', /no binary at \/nonexistent \(the current session, `exec .*`, is unchanged\)/],
      ['connect 127.0.0.1:1', 'LaunchError', /cannot connect to 127\.0\.0\.1:1: .*is `dlv --headless/],
      [`exec ${fifoDir}/fifo`, 'LaunchError', /is not a binary: it is not a regular file/],
      // A lone \r and U+2028 end lines, as an editor shows them.
      ['bt\rfoo bar', 'UnknownCommand', /unknown command `foo`/],
      ['bt\u2028contineu now', 'UnknownCommand', /did you mean `continue`/],
    ];
    spawn('mkfifo', [path.join(fifoDir, 'fifo')]).once('exit', () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    for (const [cell, ename, says] of cases) {
      const ex = await k.execute(cell);
      assert.is(ex.reply.content.status, 'error', cell);
      assert.is(ex.reply.content.ename, ename, cell);
      assert.match(`${ex.reply.content.evalue}\n${ex.reply.content.traceback.join('\n')}`, says, cell);
      assert.not.match(ex.reply.content.traceback.join('\n'), /at .*\.js:\d+/, `${cell}: no JavaScript stack`);
      await sameSession(k, pid);
    }

    // An 8 MB one-word cell: answered at once, and the heartbeat never stalls meanwhile.
    const huge = 'x'.repeat(8 * 1024 * 1024);
    const started = Date.now();
    const msgId = await k.sendExecute(huge);
    const beat = await k.heartbeat('during', 5000);
    assert.equal(beat, Buffer.from('during'));
    const reply = await k.reply(msgId);
    assert.is(reply.content.ename, 'UnknownCommand');
    assert.ok(reply.content.evalue.length < 200, 'the word is not echoed whole');
    assert.ok(Date.now() - started < 10_000);
    await sameSession(k, pid);
    assert.match(resultText(await k.execute('print order.ID')), /^\d+$/);
  } finally {
    await k.shutdown(false, 'control', 15_000).catch(() => undefined);
    await k.close();
    fs.rmSync(fifoDir, { recursive: true, force: true });
  }
  assert.equal(processesMatching(binary), []);
});

test('a target killed from outside while stopped: said plainly, and `restart` starts it afresh with its breakpoints', async () => {
  const k = await start();
  try {
    await k.execute(`exec ${binary} -- -pause 5ms\nbreak main.process\ncontinue`);
    const before = (await k.execute('status')).iopub.find((m) => m.header.msg_type === 'execute_result')!.content.data['application/json'].pid;
    process.kill(Number(before), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const gone = await k.execute('goroutines');
    assert.is(gone.reply.content.ename, 'TargetExited');
    assert.match(gone.reply.content.evalue, new RegExp(`the target \\(process ${before}\\) is gone: it was killed outside the debugger`));
    assert.match(gone.reply.content.traceback.join('\n'), /type `restart`/);
    const restarted = await k.execute('restart');
    assert.is(restarted.reply.content.status, 'ok', JSON.stringify(restarted.reply.content));
    assert.match(resultText(restarted), /started afresh with its 1 breakpoint\(s\)/);
    assert.match(resultText(await k.execute('continue')), /main\.process\(\)/);
    const after = (await k.execute('status')).iopub.find((m) => m.header.msg_type === 'execute_result')!.content.data['application/json'].pid;
    assert.is.not(after, before);
  } finally {
    await k.shutdown(false, 'control', 15_000).catch(() => undefined);
    await k.close();
  }
  assert.equal(processesMatching(binary), []);
});

test('Delve frozen (SIGSTOP): the interrupt button ends the wait, and the session works once Delve is back', async () => {
  const k = await start();
  let dlvPid = 0;
  try {
    await k.execute(`exec ${binary} -- -pause 5ms\nbreak main.process\ncontinue`);
    dlvPid = Number(processesMatching(binary).find((p) => / exec /.test(p) && p.includes('dlv'))!.split(' ')[0]);
    process.kill(dlvPid, 'SIGSTOP');
    const msgId = await k.sendExecute('print order.ID');
    await new Promise((r) => setTimeout(r, 500));
    const asked = Date.now();
    await k.interrupt('signal');
    const reply = await k.reply(msgId, 15_000);
    assert.ok(Date.now() - asked < 10_000, `the cell ended ${Date.now() - asked} ms after the interrupt`);
    assert.is(reply.content.ename, 'Interrupted');
    assert.match(reply.content.evalue, /Delve is not answering/);
    process.kill(dlvPid, 'SIGCONT');
    dlvPid = 0;
    assert.match(resultText(await k.execute('print order.ID')), /^\d+$/);
  } finally {
    if (dlvPid) process.kill(dlvPid, 'SIGCONT');
    await k.shutdown(false, 'control', 15_000).catch(() => undefined);
    await k.close();
  }
  assert.equal(processesMatching(binary), []);
});

test('captures can be dropped, and past the stated budget a new one is refused with what to type', async () => {
  // A budget of 20 KiB: a few captures of this small program (about 9 KiB each) fit, no more.
  const k = await start({ ...process.env, DELVE_KERNEL_CAPTURE_MIB: String(20 / 1024) });
  try {
    await k.execute(`exec ${binary} -- -pause 5ms\nbreak main.process\ncontinue`);
    let taken = 0;
    let refused: any;
    for (let i = 0; i < 20 && !refused; i++) {
      const ex = await k.execute(`stackdiff snapshot s${i}`);
      if (ex.reply.content.status === 'ok') taken++;
      else refused = ex.reply.content;
    }
    assert.ok(taken > 1, `${taken} captures taken`);
    assert.is(refused?.ename, 'CaptureBudget');
    assert.match(refused.evalue, new RegExp(`the ${taken} captures kept take about \\d+ KiB, over the 20 KiB kept for captures`));
    assert.match(refused.traceback.join('\n'), /`stackdiff drop NAME`/);
    const dropped = await k.execute(`stackdiff drop ${Array.from({ length: taken }, (_, i) => `s${i}`).join(' ')}`);
    assert.match(resultText(dropped), /no captures kept/);
    assert.is((await k.execute('stackdiff snapshot again')).reply.content.status, 'ok');
    const missing = await k.execute('stackdiff drop nosuch again');
    assert.is(missing.reply.content.ename, 'UsageError');
    assert.match(resultText(await k.execute('stackdiff list')), /1 capture/, 'nothing dropped when one name is unknown');
    await k.execute('memwatch snapshot m1');
    assert.match(resultText(await k.execute('memwatch drop m1')), /dropped `m1`; no snapshots kept/);
  } finally {
    await k.shutdown(false, 'control', 15_000).catch(() => undefined);
    await k.close();
  }
});

test('connect to a server whose target runs: said at once, queries refused until `halt` or the interrupt button', async () => {
  const dlv = spawn(await delveFor(binary), ['exec', binary, '--headless', '--api-version=2', '--accept-multiclient', '--listen=127.0.0.1:0', '--continue', '--', '-n', '1000000', '-pause', '20ms'],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  dlv.stdout!.on('data', (d) => (out += d));
  const k = await start();
  let pid = '';
  try {
    const up = Date.now();
    while (!/127\.0\.0\.1:\d+/.test(out) && Date.now() - up < 10_000) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const connected = await k.execute(`connect ${/127\.0\.0\.1:\d+/.exec(out)![0]}`);
    assert.is(connected.reply.content.status, 'ok');
    assert.ok(Date.now() - started < 5000, 'connect answers at once');
    assert.match(connected.iopub.filter((m) => m.header.msg_type === 'stream').map((m) => m.content.text).join(''), /the target is running; `halt` or the interrupt button stops it/);
    const refused = await k.execute('goroutines');
    assert.is(refused.reply.content.ename, 'TargetRunning');
    assert.ok(Date.now() - started < 8000, 'refused at once, not after a timeout');
    // The interrupt button halts it, though this kernel never started it running.
    await k.interrupt('signal');
    const halted = Date.now();
    let grs = await k.execute('goroutines');
    while (grs.reply.content.status !== 'ok' && Date.now() - halted < 5000) grs = await k.execute('goroutines');
    assert.is(grs.reply.content.status, 'ok');
    const status = await k.execute('status');
    pid = status.iopub.find((m) => m.header.msg_type === 'execute_result')!.content.data['application/json'].pid;
    assert.match(pid, /^\d+$/, 'the pid is known once stopped');
  } finally {
    await k.shutdown(false, 'control', 15_000).catch(() => undefined);
    await k.close();
    for (const p of [-dlv.pid!, Number(pid)]) try { if (p) process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    dlv.stdout!.destroy();
  }
});

test('the kernel ends when the process that started it is gone (JPY_PARENT_PID), and leaves nothing behind', async () => {
  const parent = spawn('sleep', ['600'], { stdio: 'ignore' });
  const k = await start({ ...process.env, JPY_PARENT_PID: String(parent.pid) });
  try {
    await k.execute(`exec ${binary}\nbreak main.process\ncontinue`);
    assert.ok(processesMatching(binary).length >= 2, 'dlv and the target run');
    parent.kill('SIGKILL');
    const exit = await Promise.race([k.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    assert.is.not(exit, 'still running');
  } finally {
    await k.close();
  }
  const started = Date.now();
  while (processesMatching(binary).length && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(processesMatching(binary), []);
});

test.run();
