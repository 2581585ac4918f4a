// One bad cell must not cost the user their session: typos with huge numbers, odd line
// breaks, huge words, a FIFO, build flags, a failed start, a Delve that stops answering,
// an interrupted connect, a dying parent. Each through a real Jupyter client
// (jupyter_client, test/python/driver.py) where the user meets it, then checking that the
// next cell answers within seconds, the target lives and the session is the one it was.
// (Faults of the wire itself, bad frames and replayed messages, are in protocol.test.ts.)
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, delveFor, processesMatching, repoRoot } from './helpers/go';
import { JupyterClientKernel, jsonOf, textOf, type DriverExchange } from './helpers/jupyter-driver';

const binary = buildExample('orders');
const cwd = path.join(repoRoot, 'examples/orders');

function start(tag: string, env: NodeJS.ProcessEnv = {}): Promise<JupyterClientKernel> {
  return JupyterClientKernel.start(`hostile-${tag}`, cwd, env);
}

/** What each item showed, for the closing note ("next cell answered in 0.3 s"). */
function note(line: string): void {
  process.stdout.write(`  [hostile] ${line}\n`);
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function errorText(ex: DriverExchange): string {
  const c = ex.reply.content;
  return `${c.evalue}\n${(c.traceback ?? []).join('\n')}`;
}

function streams(ex: DriverExchange): string {
  return ex.iopub.filter((m) => m.header.msg_type === 'stream').map((m) => m.content.text).join('');
}

/** Starts the orders example stopped at main.process; its pid. */
async function stoppedAtProcess(k: JupyterClientKernel): Promise<string> {
  const started = await k.execute(`exec ${binary} -- -pause 5ms\nbreak main.process\ncontinue`);
  assert.is(started.reply.content.status, 'ok', JSON.stringify(started.reply.content));
  return jsonOf(await k.execute('status')).pid;
}

function dlvOf(binaryPath: string): number {
  return Number(processesMatching(binaryPath).find((p) => / exec /.test(p) && p.includes('dlv'))!.split(' ')[0]);
}

/** The session is the one it was, stopped where it was, and answers at once: the ms it took. */
async function sameSession(k: JupyterClientKernel, pid: string, sessionKind = 'exec'): Promise<number> {
  const started = Date.now();
  const status = await k.execute('status', 10);
  assert.is(status.reply.content.status, 'ok', JSON.stringify(status.reply.content));
  const json = jsonOf(status);
  assert.is(json.pid, pid, 'the same target');
  assert.is(json.state, 'stopped');
  assert.is(json.kind, 'status');
  assert.is(json.sessionKind, sessionKind);
  const grs = await k.execute('goroutines', 10);
  assert.is(grs.reply.content.status, 'ok', JSON.stringify(grs.reply.content));
  const ms = Date.now() - started;
  assert.ok(ms < 5000, `answered within seconds (${ms} ms)`);
  assert.ok(alive(Number(pid)), 'the target is alive');
  return ms;
}

async function ended(k: JupyterClientKernel, words: string[]): Promise<void> {
  const { left } = await k.shutdown(words);
  assert.equal(left, [], 'nothing left behind');
}

test('hostile cells: each is an error that says what to type, and the session goes on', async () => {
  const k = await start('cells');
  const fifoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-fifo-'));
  try {
    const pid = await stoppedAtProcess(k);
    const cases: [cell: string, ename: string, says: RegExp][] = [
      // Depths Delve would try to allocate (it died of "out of memory").
      ['stack 1000000000', 'UsageError', /DEPTH is a number of frames from 1 to 100000/],
      ['up 99999999999', 'UsageError', /not a number of frames/],
      ['frame 99999999', 'UsageError', /not a frame number/],
      // Numbers Delve cannot decode as a Go int (it stopped reading the connection).
      ['clear 100000000000000000000000', 'UsageError', /there is no breakpoint 100000000000000000000000/],
      ['clear 1e23', 'DelveError', /no breakpoint with name 1e23/], // a name, not a number: nothing Delve cannot decode
      ['goroutine 9223372036854775807 bt', 'UsageError', /there is no goroutine 9223372036854775807/],
      // Words that reached `go build` as flags.
      ['debug -toolexec=/bin/true', 'UsageError', /build flags are not taken/],
      ['debug -o=/tmp/x', 'UsageError', /build flags are not taken/],
      // A failed start of each kind leaves the current session as it was.
      ['exec /nonexistent', 'LaunchError', /no binary at \/nonexistent \(the current session, `exec .*`, is unchanged\)/],
      ['debug ./nonexistent-dir', 'LaunchError', /go build \.\/nonexistent-dir failed .*\(the current session, `exec .*`, is unchanged\)/],
      ['attach 4194305', 'LaunchError', /no process 4194305.*\(the current session, `exec .*`, is unchanged\)/],
      [`core ${binary} /nonexistent.core`, 'LaunchError', /no core file at \/nonexistent\.core \(the current session, `exec .*`, is unchanged\)/],
      ['connect 127.0.0.1:1', 'LaunchError', /cannot connect to 127\.0\.0\.1:1: .*is `dlv --headless.*\(the current session, `exec .*`, is unchanged\)/],
      // A FIFO would block the event loop in openSync.
      [`exec ${fifoDir}/fifo`, 'LaunchError', /is not a binary: it is not a regular file/],
      // A lone \r, U+2028 and U+2029 end lines, as an editor shows them.
      ['bt\rfoo bar', 'UnknownCommand', /unknown command `foo`/],
      ['bt\u2028contineu now', 'UnknownCommand', /did you mean `continue`/],
      ['bt\u2029foo', 'UnknownCommand', /unknown command `foo`/],
    ];
    await new Promise((r) => spawn('mkfifo', [path.join(fifoDir, 'fifo')]).once('exit', r));
    for (const [cell, ename, says] of cases) {
      const asked = Date.now();
      const ex = await k.execute(cell, 30);
      const replied = Date.now() - asked;
      assert.is(ex.reply.content.status, 'error', cell);
      assert.is(ex.reply.content.ename, ename, `${cell}: ${errorText(ex)}`);
      assert.match(errorText(ex), says, cell);
      assert.not.match(errorText(ex), /at .*\.js:\d+/, `${cell}: no JavaScript stack`);
      const next = await sameSession(k, pid);
      note(`${JSON.stringify(cell)}: ${ename} in ${secs(replied)}; next cell answered in ${secs(next)}, same target ${pid}`);
    }

    // An 8 MB one-word cell: answered at once, and the heartbeat never stalls meanwhile.
    const huge = 'x'.repeat(8 * 1024 * 1024);
    const started = Date.now();
    const msgId = await k.send(huge);
    assert.is(await k.heartbeat('during', 5), 'during', 'the heartbeat answers while the cell runs');
    const beat = Date.now() - started;
    const reply = (await k.collect(msgId, 30)).reply;
    const took = Date.now() - started;
    assert.is(reply.content.ename, 'UnknownCommand');
    assert.ok(reply.content.evalue.length < 200, 'the word is not echoed whole');
    assert.ok(took < 10_000, `answered in ${took} ms`);
    const next = await sameSession(k, pid);
    assert.match(textOf(await k.execute('print order.ID')), /^\d+$/);
    note(`8 MB one-word cell: UnknownCommand in ${secs(took)} (heartbeat echoed after ${secs(beat)}); next cell answered in ${secs(next)}`);
  } finally {
    await ended(k, [binary]);
    fs.rmSync(fifoDir, { recursive: true, force: true });
  }
});

test('a target killed from outside while stopped: said plainly, and `restart` starts it afresh with its breakpoints', async () => {
  const k = await start('killed');
  try {
    const before = await stoppedAtProcess(k);
    process.kill(Number(before), 'SIGKILL');
    await sleep(200);
    const gone = await k.execute('goroutines');
    assert.is(gone.reply.content.ename, 'TargetExited');
    assert.match(gone.reply.content.evalue, new RegExp(`the target \\(process ${before}\\) is gone: it was killed outside the debugger`));
    assert.match(errorText(gone), /type `restart`/);
    const restarted = await k.execute('restart');
    assert.is(restarted.reply.content.status, 'ok', JSON.stringify(restarted.reply.content));
    assert.match(textOf(restarted), /started afresh with its 1 breakpoint\(s\)/);
    assert.match(textOf(await k.execute('continue')), /main\.process\(\)/);
    const after = jsonOf(await k.execute('status')).pid;
    assert.is.not(after, before);
    await sameSession(k, after);
  } finally {
    await ended(k, [binary]);
  }
});

test('Delve frozen (SIGSTOP): the interrupt button ends the wait, and the session works once Delve is back', async () => {
  const k = await start('frozen');
  let dlvPid = 0;
  try {
    const pid = await stoppedAtProcess(k);
    dlvPid = dlvOf(binary);
    process.kill(dlvPid, 'SIGSTOP');
    const msgId = await k.send('print order.ID');
    await sleep(500);
    const asked = Date.now();
    await k.interrupt();
    const reply = (await k.collect(msgId, 15)).reply;
    const took = Date.now() - asked;
    assert.ok(took < 10_000, `the cell ended ${took} ms after the interrupt`);
    assert.is(reply.content.ename, 'Interrupted');
    assert.match(reply.content.evalue, /Delve is not answering/);
    process.kill(dlvPid, 'SIGCONT');
    dlvPid = 0;
    const next = await sameSession(k, pid);
    assert.match(textOf(await k.execute('print order.ID')), /^\d+$/);
    note(`interrupt with Delve stopped: Interrupted ${secs(took)} after the button; after SIGCONT the next cell answered in ${secs(next)}`);
  } finally {
    if (dlvPid) process.kill(dlvPid, 'SIGCONT');
    await ended(k, [binary]);
  }
});

test('a Delve call that times out: the connection is made anew, and the error says whether Delve answered it', async () => {
  // Calls time out after 3 s here (30 s by default); a new connection is waited for as long.
  const k = await start('timeout', { DELVE_KERNEL_RPC_TIMEOUT_MS: '3000' });
  let dlvPid = 0;
  try {
    const pid = await stoppedAtProcess(k);
    dlvPid = dlvOf(binary);

    // Stopped past the timeout, then resumed while the kernel reconnects.
    process.kill(dlvPid, 'SIGSTOP');
    const asked = Date.now();
    const msgId = await k.send('print order.ID');
    await sleep(4500);
    process.kill(dlvPid, 'SIGCONT');
    const late = await k.collect(msgId, 30);
    const took = Date.now() - asked;
    assert.is(late.reply.content.ename, 'DelveTimeout', errorText(late));
    assert.is(late.reply.content.evalue, 'print order.ID: Delve did not answer Eval within 3 s; reconnected');
    assert.match(errorText(late), /the session stays; the next cell uses the new connection/);
    let next = await sameSession(k, pid);
    assert.match(textOf(await k.execute('print order.ID')), /^\d+$/);
    note(`Delve stopped 4.5 s (timeout 3 s), then resumed: DelveTimeout "...; reconnected" after ${secs(took)}; next cell answered in ${secs(next)}, same target`);

    // Stopped for good: exactly what happened and what to do, and the session stays.
    process.kill(dlvPid, 'SIGSTOP');
    let t = Date.now();
    const stuck = await k.execute('print order.ID', 30);
    const stuckMs = Date.now() - t;
    assert.is(stuck.reply.content.ename, 'DelveNotAnswering', errorText(stuck));
    assert.is(stuck.reply.content.evalue,
      `print order.ID: Delve did not answer Eval within 3 s, nor a new connection within 3 s; Delve's process ${dlvPid} is stopped (SIGSTOP, or Ctrl-Z); \`kill -CONT ${dlvPid}\` resumes it`);
    assert.match(errorText(stuck), /the session stays, and the next cell tries again; `detach` ends it \(a target the kernel started is killed\), or restart the kernel/);
    assert.ok(stuckMs < 10_000, `said after ${stuckMs} ms`);
    t = Date.now();
    const again = await k.execute('print order.ID', 30);
    const againMs = Date.now() - t;
    assert.is(again.reply.content.ename, 'DelveNotAnswering');
    assert.is(again.reply.content.evalue,
      `print order.ID: Delve is not answering: a new connection for Eval was not answered within 3 s; Delve's process ${dlvPid} is stopped (SIGSTOP, or Ctrl-Z); \`kill -CONT ${dlvPid}\` resumes it`);
    assert.ok(againMs < 6000, `said after ${againMs} ms`);
    process.kill(dlvPid, 'SIGCONT');
    dlvPid = 0;
    next = await sameSession(k, pid);
    assert.match(textOf(await k.execute('print order.ID')), /^\d+$/);
    note(`Delve stopped for good: DelveNotAnswering (names the stopped pid and \`kill -CONT\`) after ${secs(stuckMs)}, the next cell again after ${secs(againMs)}; after SIGCONT the next cell answered in ${secs(next)}, same target`);
  } finally {
    if (dlvPid) process.kill(dlvPid, 'SIGCONT');
    await ended(k, [binary]);
  }
});

test('captures can be dropped, and past the stated budget a new one is refused with what to type', async () => {
  // A budget of 20 KiB: a few captures of this small program (about 9 KiB each) fit, no more.
  const k = await start('captures', { DELVE_KERNEL_CAPTURE_MIB: String(20 / 1024) });
  try {
    const pid = await stoppedAtProcess(k);
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
    assert.match(textOf(dropped), /no captures kept/);
    assert.is((await k.execute('stackdiff snapshot again')).reply.content.status, 'ok');
    const missing = await k.execute('stackdiff drop nosuch again');
    assert.is(missing.reply.content.ename, 'UsageError');
    assert.match(textOf(await k.execute('stackdiff list')), /1 capture/, 'nothing dropped when one name is unknown');
    await k.execute('memwatch snapshot m1');
    assert.match(textOf(await k.execute('memwatch drop m1')), /dropped `m1`; no snapshots kept/);
    const next = await sameSession(k, pid);
    note(`captures: ${taken} kept within 20 KiB, the next refused (CaptureBudget, names \`stackdiff drop NAME\`); drop frees them; next cell answered in ${secs(next)}`);
  } finally {
    await ended(k, [binary]);
  }
});

/** A headless Delve of our own running BINARY (stopped at entry unless --continue is among FLAGS): it and its address. */
async function headless(flags: string[], args: string[]): Promise<{ dlv: ChildProcess; address: string }> {
  const dlv = spawn(await delveFor(binary), ['exec', binary, '--headless', '--api-version=2', '--accept-multiclient', '--listen=127.0.0.1:0', ...flags, '--', ...args],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  dlv.stdout!.on('data', (d) => (out += d));
  const up = Date.now();
  while (!/127\.0\.0\.1:\d+/.test(out) && Date.now() - up < 10_000) await sleep(50);
  return { dlv, address: /127\.0\.0\.1:\d+/.exec(out)![0] };
}

function endHeadless(dlv: ChildProcess, targetPid?: string | number): void {
  for (const p of [-dlv.pid!, Number(targetPid ?? 0)]) try { if (p) process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  dlv.stdout!.destroy();
}

test('connect to a server whose target runs: said at once, queries refused until `halt` or the interrupt button', async () => {
  const { dlv, address } = await headless(['--continue'], ['-n', '1000000', '-pause', '20ms']);
  const k = await start('connect');
  let pid = '';
  try {
    const started = Date.now();
    const connected = await k.execute(`connect ${address}`);
    const connectMs = Date.now() - started;
    assert.is(connected.reply.content.status, 'ok', JSON.stringify(connected.reply.content));
    assert.ok(connectMs < 5000, 'connect answers at once');
    assert.match(streams(connected), /the target is running; `halt` or the interrupt button stops it/);
    const asked = Date.now();
    const refused = await k.execute('goroutines');
    const refusedMs = Date.now() - asked;
    assert.is(refused.reply.content.ename, 'TargetRunning');
    assert.ok(refusedMs < 3000, 'refused at once, not after a timeout');
    // The interrupt button halts it, though this kernel never started it running.
    const pressed = Date.now();
    await k.interrupt();
    let grs = await k.execute('goroutines');
    while (grs.reply.content.status !== 'ok' && Date.now() - pressed < 5000) grs = await k.execute('goroutines');
    const haltedMs = Date.now() - pressed;
    assert.is(grs.reply.content.status, 'ok');
    pid = jsonOf(await k.execute('status')).pid;
    assert.match(pid, /^\d+$/, 'the pid is known once stopped');
    const next = await sameSession(k, pid, 'connect');
    note(`connect to a running target: ok in ${secs(connectMs)}, \`goroutines\` refused (TargetRunning) in ${secs(refusedMs)}; the interrupt button halted it, goroutines answered ${secs(haltedMs)} after; pid ${pid} shown; next cell answered in ${secs(next)}`);
  } finally {
    endHeadless(dlv, pid);
    await ended(k, [binary]);
  }
});

test('the interrupt button during a `connect` to a server that does not answer: the cell ends, the current session stays', async () => {
  const server = await headless([], ['-pause', '5ms']);
  const k = await start('interrupt-connect');
  try {
    const pid = await stoppedAtProcess(k);
    process.kill(server.dlv.pid!, 'SIGSTOP'); // accepts connections (the kernel's backlog), answers nothing
    const msgId = await k.send(`connect ${server.address}`);
    await sleep(500);
    const pressed = Date.now();
    await k.interrupt();
    const reply = (await k.collect(msgId, 20)).reply;
    const took = Date.now() - pressed;
    assert.is(reply.content.ename, 'Interrupted', JSON.stringify(reply.content));
    assert.ok(took < 6000, `the cell ended ${took} ms after the interrupt`);
    let next = await sameSession(k, pid);
    // The server answers again: the connect the user gave up on completes, and is not kept.
    process.kill(server.dlv.pid!, 'SIGCONT');
    await sleep(2000);
    next = Math.max(next, await sameSession(k, pid));
    assert.ok(alive(server.dlv.pid!), 'the server is left as it was');
    note(`interrupt during \`connect\` to a stopped server: Interrupted ${secs(took)} after the button; the exec session stayed (next cell ${secs(next)}), also once the server answered`);
  } finally {
    try { process.kill(server.dlv.pid!, 'SIGCONT'); } catch { /* gone */ }
    endHeadless(server.dlv);
    await ended(k, [binary]);
  }
});

test('the kernel ends when jupyter_client\'s process is gone (JPY_PARENT_PID), and an attached target runs on', async () => {
  const target = spawn(binary, ['-n', '100000000', '-pause', '2ms'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let lines = 0;
  target.stdout!.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
  await sleep(300);
  const k = await start('parent');
  try {
    const attached = await k.execute(`attach ${target.pid}`);
    assert.is(attached.reply.content.status, 'ok', JSON.stringify(attached.reply.content));
    assert.is((await k.execute('break main.go:42 if order.ID == -1')).reply.content.status, 'ok');
    await k.send('continue'); // the hardest moment to let go: a continue in flight
    await sleep(1000);
    assert.ok(alive(k.kernelPid));
    const killed = Date.now();
    process.kill(k.driverPid, 'SIGKILL'); // the Jupyter server, OOM-killed
    while (alive(k.kernelPid) && Date.now() - killed < 10_000) await sleep(50);
    const exitedMs = Date.now() - killed;
    assert.ok(!alive(k.kernelPid), 'the kernel ended');
    while (processesMatching(`attach ${target.pid}`).length && Date.now() - killed < 15_000) await sleep(50);
    assert.equal(processesMatching(`attach ${target.pid}`), [], 'its Delve ended');
    const before = lines;
    await sleep(1000);
    assert.ok(alive(target.pid!), 'the attached target is alive');
    assert.ok(lines > before, `the attached target runs on (${lines - before} lines in 1 s)`);
    note(`driver (JPY_PARENT_PID) killed -9: kernel exited after ${secs(exitedMs)}, its dlv ended, the attached target ran on (${lines - before} orders/s)`);
  } finally {
    target.kill('SIGKILL');
    await ended(k, []);
  }
});

test.run();
