// Jupyter protocol tests: the real kernel (kernel/) over real ZeroMQ, with the echo interpreter
// (test/helpers/echo-interpreter.ts) standing in for Delve. Pure parts (wire format, offsets,
// connection files, install paths) are tested directly first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decode, encode, DELIMITER, type JupyterMessage } from '../kernel/wire';
import { codePointsToUtf16, utf16ToCodePoints } from '../kernel/offsets';
import { parseConnectionInfo } from '../kernel/connection';
import { kernelsDir, parseInstallArgs } from '../kernel/install';
import { Kernel } from '../kernel/server';
import { EchoInterpreter } from './helpers/echo-interpreter';
import {
  connectKernel,
  echoKernelArgv,
  isIdle,
  newConnection,
  startKernel,
  types,
  type KernelClient,
  type Message,
} from './helpers/jupyter-client';

// ---- pure parts ----

function sampleMessage(): JupyterMessage {
  return {
    identities: [Buffer.from('client-1')],
    header: { msg_id: 'm1', session: 's', username: 'u', date: '2024-01-01T00:00:00.000Z', msg_type: 'execute_request', version: '5.3' },
    parent_header: {},
    metadata: {},
    content: { code: 'echo é😀' },
    buffers: [Buffer.from([1, 2, 3])],
  };
}

test('wire: signature is hex HMAC-SHA256 over the four JSON frames as sent', () => {
  const frames = encode(sampleMessage(), 'secret');
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  assert.is(at, 1);
  const hmac = createHmac('sha256', 'secret');
  for (const f of frames.slice(at + 2, at + 6)) hmac.update(f);
  assert.is(frames[at + 1].toString(), hmac.digest('hex'));
  assert.equal(frames[frames.length - 1], Buffer.from([1, 2, 3]));
});

test('wire: decode round-trips identities, content and buffers', () => {
  const result = decode(encode(sampleMessage(), 'secret'), 'secret');
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.message.identities, [Buffer.from('client-1')]);
  assert.equal(result.message.content, { code: 'echo é😀' });
  assert.equal(result.message.buffers, [Buffer.from([1, 2, 3])]);
});

test('wire: bad, missing or wrong-key signatures are rejected; empty key skips signing', () => {
  const frames = encode(sampleMessage(), 'secret');
  const tampered = [...frames];
  tampered[6] = Buffer.from('{"code":"other"}');
  assert.equal(decode(tampered, 'secret'), { ok: false, reason: 'bad signature' });
  assert.equal(decode(frames, 'other key'), { ok: false, reason: 'bad signature' });
  const unsigned = [...frames];
  unsigned[2] = Buffer.alloc(0);
  assert.equal(decode(unsigned, 'secret'), { ok: false, reason: 'missing signature' });
  const plain = encode(sampleMessage(), '');
  assert.is(plain[2].length, 0);
  assert.ok(decode(plain, '').ok);
  assert.not.ok(decode([Buffer.from('x')], '').ok);
});

test('offsets: code points <-> UTF-16 around an astral character', () => {
  const text = 'a😀bé';
  assert.is(codePointsToUtf16(text, 0), 0);
  assert.is(codePointsToUtf16(text, 2), 3);
  assert.is(codePointsToUtf16(text, 4), 5);
  assert.is(codePointsToUtf16(text, 99), 5);
  assert.is(utf16ToCodePoints(text, 3), 2);
  assert.is(utf16ToCodePoints(text, 5), 4);
});

test('connection: parses a jupyter connection file and rejects bad ones', () => {
  const good = { transport: 'tcp', ip: '127.0.0.1', shell_port: 1, control_port: 2, iopub_port: 3, stdin_port: 4, hb_port: 5, key: 'k', signature_scheme: 'hmac-sha256' };
  assert.is(parseConnectionInfo(JSON.stringify(good)).hb_port, 5);
  assert.throws(() => parseConnectionInfo(JSON.stringify({ ...good, signature_scheme: 'hmac-md5' })), /signature_scheme/);
  assert.throws(() => parseConnectionInfo(JSON.stringify({ ...good, hb_port: undefined })), /hb_port/);
  assert.throws(() => parseConnectionInfo(JSON.stringify({ ...good, transport: 'udp' })), /transport/);
  assert.throws(() => parseConnectionInfo('{'), /JSON/);
});

test('install: argument parsing and kernelspec locations', () => {
  assert.equal(parseInstallArgs([]), { scope: { kind: 'sys-prefix' }, name: 'delve' });
  assert.equal(parseInstallArgs(['--user', '--name', 'dlv2']), { scope: { kind: 'user' }, name: 'dlv2' });
  assert.throws(() => parseInstallArgs(['--user', '--prefix', '/x']), /only one/);
  assert.throws(() => parseInstallArgs(['--bogus']), /unknown/);
  assert.is(kernelsDir({ kind: 'sys-prefix' }), '/usr/local/share/jupyter/kernels');
  assert.is(kernelsDir({ kind: 'prefix', prefix: '/opt/p' }), '/opt/p/share/jupyter/kernels');
  assert.is(kernelsDir({ kind: 'user' }, { JUPYTER_DATA_DIR: '/d' }), '/d/kernels');
  assert.is(kernelsDir({ kind: 'user' }, { XDG_DATA_HOME: '/x' }), '/x/jupyter/kernels');
});

test('cli: install --prefix writes kernel.json with absolute argv; usage errors exit 2', () => {
  const [node, entry] = echoKernelArgv();
  const prefix = mkdtempSync(join(tmpdir(), 'delve-install-'));
  try {
    const run = spawnSync(node, [entry, 'install', '--prefix', prefix], { encoding: 'utf8' });
    assert.is(run.status, 0, run.stderr);
    const dir = join(prefix, 'share/jupyter/kernels/delve');
    assert.match(run.stdout, dir);
    const spec = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8'));
    assert.equal(spec.argv, [process.execPath, resolve(__dirname, '../../bin/delve-kernel.js'), '-f', '{connection_file}']);
    assert.is(spec.display_name, 'Go (Delve)');
    assert.is(spec.interrupt_mode, 'signal');
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
  const help = spawnSync(node, [entry, '--help'], { encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, 'usage');
  const bad = spawnSync(node, [entry, '--bogus'], { encoding: 'utf8' });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, 'usage');
});

// ---- one echo kernel process for the protocol tests ----

let kernel: KernelClient;

test.before(async () => {
  kernel = await startKernel();
});

test.after(async () => {
  await kernel?.close();
});

function ofType(messages: Message[], type: string): Message[] {
  return messages.filter((m) => m.header.msg_type === type);
}

async function assertNoReply(msgId: string, waitMs: number) {
  const reply = await kernel.reply(msgId, waitMs).catch(() => undefined);
  assert.is(reply, undefined, `unexpected reply to ${msgId}`);
}

/** busy first, idle last, with nothing but outputs between. */
function assertBusyIdle(iopub: Message[]) {
  assert.ok(iopub.length >= 2, `iopub: ${types(iopub)}`);
  assert.is(iopub[0].header.msg_type, 'status');
  assert.is(iopub[0].content.execution_state, 'busy');
  assert.ok(isIdle(iopub[iopub.length - 1]), 'idle last');
  assert.is(iopub.filter((m) => m.header.msg_type === 'status').length, 2);
}

test('kernel_info: reply fields, headers, busy/idle', async () => {
  const { reply, iopub } = await kernel.kernelInfo();
  const c = reply.content;
  assert.is(reply.header.msg_type, 'kernel_info_reply');
  assert.is(c.status, 'ok');
  assert.is(c.protocol_version, '5.3');
  assert.is(c.implementation, 'echo');
  assert.is(c.language_info.name, 'echo');
  assert.type(c.banner, 'string');
  assert.ok(Array.isArray(c.help_links));
  assert.is(reply.header.version, '5.3');
  assert.type(reply.header.date, 'string');
  assert.ok(!Number.isNaN(Date.parse(reply.header.date)));
  assert.is(reply.parent_header.session, kernel.session);
  assert.is.not(reply.header.session, kernel.session, 'the kernel uses its own session id');
  assert.equal(reply.metadata, {});
  assertBusyIdle(iopub);
  for (const m of iopub) assert.is(m.header.session, reply.header.session);

  const again = await kernel.kernelInfo('control');
  assert.is(again.reply.content.status, 'ok');
  assert.is(again.reply.header.session, reply.header.session, 'one session per kernel process');
  assert.is.not(again.reply.header.msg_id, reply.header.msg_id);
  assertBusyIdle(again.iopub);
});

test('execute: busy, execute_input, result, idle; reply ok with execution_count', async () => {
  const { reply, iopub } = await kernel.execute('echo hello');
  assert.is(reply.content.status, 'ok');
  assert.type(reply.content.execution_count, 'number');
  assert.equal(reply.content.user_expressions, {});
  assert.equal(types(iopub), ['status', 'execute_input', 'execute_result', 'status']);
  assertBusyIdle(iopub);
  const [input] = ofType(iopub, 'execute_input');
  assert.equal(input.content, { code: 'echo hello', execution_count: reply.content.execution_count });
  const [result] = ofType(iopub, 'execute_result');
  assert.equal(result.content, { execution_count: reply.content.execution_count, data: { 'text/plain': 'hello' }, metadata: {} });
});

test('execute: counts increment, but not with store_history false; silent publishes nothing', async () => {
  const first = (await kernel.execute('echo 1')).reply.content.execution_count;
  const second = (await kernel.execute('echo 2')).reply.content.execution_count;
  assert.is(second, first + 1);
  const unstored = await kernel.execute('echo 3', { store_history: false });
  assert.is(unstored.reply.content.execution_count, second);
  const silent = await kernel.execute('print quiet', { silent: true });
  assert.is(silent.reply.content.status, 'ok');
  assert.is(silent.reply.content.execution_count, second);
  assert.equal(types(silent.iopub), ['status', 'status']);
  const third = (await kernel.execute('echo 4')).reply.content.execution_count;
  assert.is(third, second + 1);
});

test('execute: stream output', async () => {
  const { iopub } = await kernel.execute('print hi there');
  assert.equal(types(iopub), ['status', 'execute_input', 'stream', 'status']);
  assert.equal(ofType(iopub, 'stream')[0].content, { name: 'stdout', text: 'hi there' });
});

test('execute: error reply carries execution_count, ename, evalue, traceback; one iopub error', async () => {
  const { reply, iopub } = await kernel.execute('fail');
  assert.is(reply.content.status, 'error');
  assert.type(reply.content.execution_count, 'number');
  assert.is(reply.content.ename, 'EchoError');
  assert.is(reply.content.evalue, 'failed on request');
  assert.equal(reply.content.traceback, ['EchoError: failed on request']);
  const errors = ofType(iopub, 'error');
  assert.is(errors.length, 1);
  assert.equal(errors[0].content, { ename: 'EchoError', evalue: 'failed on request', traceback: ['EchoError: failed on request'] });
  assertBusyIdle(iopub);
});

test('execute: an interpreter that throws gives an error reply, and the kernel goes on', async () => {
  const { reply } = await kernel.execute('throw boom');
  assert.is(reply.content.status, 'error');
  assert.is(reply.content.ename, 'Error');
  assert.is(reply.content.evalue, 'boom');
  assert.is((await kernel.execute('echo ok')).reply.content.status, 'ok');
});

test('execute: stop_on_error aborts the executes queued behind a failure', async () => {
  const failing = await kernel.sendExecute('fail 300');
  const queued = await kernel.sendExecute('echo never');
  const failed = await kernel.exchange(failing);
  assert.is(failed.reply.content.status, 'error');
  const aborted = await kernel.exchange(queued);
  assert.is(aborted.reply.content.status, 'aborted');
  assert.type(aborted.reply.content.execution_count, 'number');
  assertBusyIdle(aborted.iopub);
  assert.equal(ofType(aborted.iopub, 'execute_input'), []);

  const tolerant = await kernel.sendExecute('fail 300', { stop_on_error: false });
  const after = await kernel.sendExecute('echo runs');
  assert.is((await kernel.exchange(tolerant)).reply.content.status, 'error');
  assert.is((await kernel.exchange(after)).reply.content.status, 'ok');
  // The abort covers only what was queued at the time.
  assert.is((await kernel.execute('echo later')).reply.content.status, 'ok');
});

test('execute: display_data and update_display_data with transient display_id', async () => {
  const { iopub } = await kernel.execute('display');
  const displays = ofType(iopub, 'display_data');
  assert.is(displays.length, 2);
  assert.equal(displays[0].content.data, { 'text/plain': 'plain' });
  assert.equal(displays[0].content.metadata, {});
  assert.not.ok('transient' in displays[0].content, 'no transient key without a display id');
  assert.equal(displays[1].content.transient, { display_id: 'echo-display' });
  const [update] = ofType(iopub, 'update_display_data');
  assert.equal(update.content, { data: { 'text/plain': 'second' }, metadata: {}, transient: { display_id: 'echo-display' } });
});

test('idle output goes out as a stream with the last execute_request as parent', async () => {
  const msgId = await kernel.sendExecute('later tick');
  await kernel.exchange(msgId);
  const stream = await kernel.waitForIopub(msgId, (m) => m.header.msg_type === 'stream');
  assert.equal(stream.content, { name: 'stdout', text: 'tick' });
});

test('a badly signed or unsigned message gets no reply, and the kernel keeps working', async () => {
  const bad = await kernel.send('shell', 'kernel_info_request', {}, { signature: 'f'.repeat(64) });
  const unsigned = await kernel.send('shell', 'kernel_info_request', {}, { signature: '' });
  await assertNoReply(bad, 500);
  await assertNoReply(unsigned, 50);
  assert.equal(kernel.iopubFor(bad), []);
  assert.equal(kernel.iopubFor(unsigned), []);
  assert.match(kernel.stderr, 'bad signature');
  assert.match(kernel.stderr, 'missing signature');
  assert.is((await kernel.kernelInfo()).reply.content.status, 'ok');
});

test('a signed message sent again byte for byte is a replay: dropped and logged, not executed', async () => {
  const first = await kernel.execute('echo once');
  const count = first.reply.content.execution_count;
  const iopubBefore = kernel.iopubFor(first.reply.parent_header.msg_id!).length;
  await kernel.replay('shell');
  await new Promise((r) => setTimeout(r, 300));
  assert.match(kernel.stderr, /dropped a replayed execute_request on shell/);
  assert.is(kernel.iopubFor(first.reply.parent_header.msg_id!).length, iopubBefore, 'no busy, no output for the replay');
  assert.is((await kernel.execute('echo next')).reply.content.execution_count, count + 1, 'the replay did not count');
});

test('unknown message types are ignored (no reply) between busy and idle', async () => {
  const msgId = await kernel.send('shell', 'no_such_request', {});
  const iopub = await kernel.untilIdle(msgId);
  assert.equal(types(iopub), ['status', 'status']);
  await assertNoReply(msgId, 200);
  assert.match(kernel.stderr, 'no_such_request');
});

test('complete: cursor positions are code points, with non-BMP text before the cursor', async () => {
  const code = 'echo "😀é" pri';
  const length = [...code].length;
  assert.is.not(length, code.length);
  const reply = await kernel.complete(code, length);
  assert.is(reply.content.status, 'ok');
  assert.equal(reply.content.matches, ['print']);
  assert.is(reply.content.cursor_start, length - 3);
  assert.is(reply.content.cursor_end, length);
  assert.equal(reply.content.metadata, {});

  const middle = await kernel.complete('😀 ec 😀', 4);
  assert.equal(middle.content.matches, ['echo']);
  assert.is(middle.content.cursor_start, 2);
  assert.is(middle.content.cursor_end, 4);
});

test('inspect and is_complete', async () => {
  const found = await kernel.inspect('😀 sleep', 4);
  assert.is(found.content.status, 'ok');
  assert.is(found.content.found, true);
  assert.equal(found.content.data, { 'text/plain': 'sleep: an echo command' });
  assert.equal(found.content.metadata, {});
  const missing = await kernel.inspect('nothing', 3);
  assert.is(missing.content.found, false);

  assert.equal((await kernel.isComplete('echo a \\')).content, { status: 'incomplete', indent: '  ' });
  assert.equal((await kernel.isComplete('echo a')).content, { status: 'complete' });
});

test('history, comm_info and comm_open', async () => {
  const last = await kernel.execute('echo remembered');
  const tail = await kernel.history({ hist_access_type: 'tail', n: 2, output: false, raw: true });
  assert.is(tail.content.status, 'ok');
  const history = tail.content.history as [number, number, string][];
  assert.is(history.length, 2);
  assert.equal(history[1].slice(1), [last.reply.content.execution_count, 'echo remembered']);
  const range = await kernel.history({ hist_access_type: 'range', session: 0, start: 1, stop: 2, output: true, raw: true });
  assert.is(range.content.history.length, 1);
  assert.is(range.content.history[0][1], 1);

  const comms = await kernel.request('shell', 'comm_info_request', {});
  assert.equal(comms.reply.content, { status: 'ok', comms: {} });

  const open = await kernel.send('shell', 'comm_open', { comm_id: 'c1', target_name: 'nothing', data: {} });
  const iopub = await kernel.untilIdle(open);
  assert.equal(ofType(iopub, 'comm_close')[0].content, { comm_id: 'c1', data: {} });
});

test('interrupt_request on control ends a running execute', async () => {
  const msgId = await kernel.sendExecute('sleep');
  await kernel.waitForIopub(msgId, (m) => m.header.msg_type === 'stream');
  const reply = await kernel.interrupt('message');
  assert.equal(reply!.content, { status: 'ok' });
  const { reply: executeReply, iopub } = await kernel.exchange(msgId);
  assert.is(executeReply.content.status, 'error');
  assert.is(executeReply.content.ename, 'Interrupted');
  assertBusyIdle(iopub);
});

test('SIGINT interrupts a running execute and the kernel lives on', async () => {
  const msgId = await kernel.sendExecute('sleep');
  await kernel.waitForIopub(msgId, (m) => m.header.msg_type === 'stream');
  await kernel.interrupt('signal');
  const { reply } = await kernel.exchange(msgId);
  assert.is(reply.content.ename, 'Interrupted');
  assert.is(kernel.exitStatus, null);
  assert.is((await kernel.execute('echo alive')).reply.content.status, 'ok');
});

test('heartbeat echoes', async () => {
  assert.equal(await kernel.heartbeat('ping-123'), Buffer.from('ping-123'));
});

test('heartbeat survives frames without an envelope, from a socket of the wrong kind', async () => {
  const zmq = await import('zeromq');
  for (const Kind of [zmq.Dealer, zmq.Push] as const) {
    const stray = new Kind({ linger: 0 });
    stray.connect(`tcp://${kernel.connection.ip}:${kernel.connection.hb_port}`);
    await stray.send([Buffer.from('no envelope'), Buffer.from('two frames')]);
    await new Promise((r) => setTimeout(r, 100));
    stray.close();
  }
  assert.equal(await kernel.heartbeat('still-there'), Buffer.from('still-there'));
});

test('every message from the kernel was correctly signed', () => {
  assert.is(kernel.badlySigned.length, 0);
});

// ---- lifecycle, each with its own kernel ----

test('shutdown_request on control: reply, interpreter shut down, exit code 0', async () => {
  const k = await startKernel();
  try {
    await k.execute('echo x'); // creates the interpreter
    const { reply, exit } = await k.shutdown(false, 'control');
    assert.is(reply.header.msg_type, 'shutdown_reply');
    assert.equal(reply.content, { status: 'ok', restart: false });
    assert.equal(exit, { code: 0, signal: null });
    assert.match(k.stderr, 'echo: shutdown(false)');
    const iopub = k.iopubFor(reply.parent_header.msg_id!);
    assert.ok(isIdle(iopub[iopub.length - 1]), `iopub: ${types(iopub)}`);
  } finally {
    await k.close();
  }
});

test('shutdown_request on shell with restart', async () => {
  const k = await startKernel();
  try {
    const { reply, exit } = await k.shutdown(true, 'shell');
    assert.equal(reply.content, { status: 'ok', restart: true });
    assert.is(exit?.code, 0);
  } finally {
    await k.close();
  }
});

test('SIGTERM shuts the interpreter down and exits', async () => {
  const k = await startKernel();
  try {
    await k.execute('echo x');
    const exit = await k.kill('SIGTERM');
    assert.equal(exit, { code: 0, signal: null });
    assert.match(k.stderr, 'echo: shutdown(false)');
  } finally {
    await k.close();
  }
});

test('in-process Kernel with exitProcess false: shutdown closes without exiting', async () => {
  const connection = await newConnection();
  let interpreter: EchoInterpreter | undefined;
  const embedded = new Kernel(connection, (idle) => (interpreter = new EchoInterpreter(idle)), { exitProcess: false, handleSignals: false });
  await embedded.start();
  const k = await connectKernel(connection);
  try {
    assert.is((await k.execute('echo in-process')).reply.content.status, 'ok');
    assert.ok(interpreter);
    const { reply } = await k.shutdown(false, 'control');
    assert.equal(reply.content, { status: 'ok', restart: false });
    await embedded.closed;
  } finally {
    await k.close();
  }
});

test.run();
