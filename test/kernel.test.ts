// The whole kernel (bin/delve-kernel.js) over ZeroMQ against a real Delve: what a notebook
// sees, interrupts sent to the kernel's process group as jupyter_client sends them, and
// shutdown with the target running.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, childrenMatching, processesMatching, repoRoot } from './helpers/go';
import { startKernel, types, type KernelClient } from './helpers/jupyter-client';

const binary = buildExample('orders');
const argv = [process.execPath, path.join(repoRoot, 'bin/delve-kernel.js'), '-f', '{connection_file}'];

function start(): Promise<KernelClient> {
  return startKernel({ argv, cwd: path.join(repoRoot, 'examples/orders'), timeoutMs: 30_000 });
}

function result(iopub: { header: { msg_type: string }; content: any }[]): any {
  return iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data;
}

test('kernel_info names the language and Delve', async () => {
  const k = await start();
  try {
    const { reply } = await k.kernelInfo();
    assert.is(reply.content.language_info.name, 'delve');
    assert.is(reply.content.language_info.file_extension, '.dlv');
    assert.match(reply.content.banner, /Delve \d+\.\d+/);
  } finally {
    await k.close();
  }
});

test('a session through the protocol: tables, values, streams, errors, interrupt, shutdown', async () => {
  const k = await start();
  try {
    let ex = await k.execute(`exec ${binary} -- -pause 5ms`);
    assert.is(ex.reply.content.status, 'ok');
    ex = await k.execute('break main.go:42\ncontinue');
    assert.equal(types(ex.iopub), ['status', 'execute_input', 'display_data', 'execute_result', 'status']);
    assert.match(result(ex.iopub)['text/plain'], /main\.process\(\) .*main\.go:42/);

    ex = await k.execute('goroutines');
    const table = result(ex.iopub);
    assert.ok(table['text/html'].includes('<table'));
    assert.equal(table['application/vnd.dataresource+json'].schema.fields.map((f: any) => f.name),
      ['id', 'status', 'waitReason', 'function', 'file', 'line', 'startFunction', 'goStatement', 'threadId']);

    ex = await k.execute('print order');
    assert.match(result(ex.iopub)['text/plain'], /^main\.Order \{ID: 1,/);

    // Errors: a reply with what to type instead, and the session intact.
    ex = await k.execute('contineu');
    assert.is(ex.reply.content.status, 'error');
    assert.is(ex.reply.content.ename, 'UnknownCommand');
    assert.match(ex.reply.content.traceback.join('\n'), /did you mean `continue`/);
    assert.ok(typeof ex.reply.content.execution_count === 'number');
    ex = await k.execute('print nosuchvar');
    assert.is(ex.reply.content.ename, 'DelveError');
    ex = await k.execute('print order.ID');
    assert.is(result(ex.iopub)['text/plain'], '1');

    // Completion and inspection reach Delve.
    const c = await k.complete('print ord');
    assert.ok(c.content.matches.includes('order'));
    const fc = await k.complete('break main.pro');
    assert.ok(fc.content.matches.includes('main.process'));
    const i = await k.inspect('print order', 8);
    assert.ok(i.content.found);
    assert.match(i.content.data['text/plain'], /^order: main\.Order/);

    // The target's output streams into the cell; SIGINT to the kernel's whole process
    // group (what jupyter_client sends) halts the target through Delve, and kills nothing.
    await k.execute('clearall');
    const started = Date.now();
    const msgId = await k.sendExecute('continue');
    await k.waitForIopub(msgId, (m) => m.header.msg_type === 'stream', 10_000);
    await k.interrupt('signal');
    const run = await k.exchange(msgId, 10_000);
    assert.ok(Date.now() - started < 10_000);
    assert.is(run.reply.content.ename, 'Interrupted');
    assert.match(run.iopub.filter((m) => m.header.msg_type === 'stream').map((m) => m.content.text).join(''), /processed order/);
    ex = await k.execute('goroutines');
    assert.is(ex.reply.content.status, 'ok');

    // Shutdown while the target runs: nothing left behind.
    await k.sendExecute('continue');
    await new Promise((r) => setTimeout(r, 300));
    const { exit } = await k.shutdown(false, 'control', 15_000);
    assert.is(exit?.code, 0);
  } finally {
    await k.close();
  }
  assert.equal(processesMatching(binary), []);
});

test('a kernel killed with SIGTERM (jupyter_client\'s second step) cleans up too', async () => {
  const k = await start();
  try {
    await k.execute(`exec ${binary}`);
    await k.sendExecute('continue');
    await new Promise((r) => setTimeout(r, 300));
    const exit = await k.kill('SIGTERM');
    assert.is(exit?.code, 0);
  } finally {
    await k.close();
  }
  assert.equal(processesMatching(binary), []);
});

test('a kernel killed with SIGKILL leaves no dlv and no target behind', async () => {
  const k = await start();
  try {
    // Stopped at a breakpoint, neither writes to its pipe to the dead kernel (which would end them by SIGPIPE).
    await k.execute(`exec ${binary}\nbreak main.process\ncontinue`);
    assert.ok(processesMatching(binary).length >= 2, 'dlv and the target run');
    await k.kill('SIGKILL');
  } finally {
    await k.close();
  }
  const started = Date.now();
  while (processesMatching(binary).length && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(processesMatching(binary), []);
});

test('the watchdog killed first, then the kernel: a new watchdog still ends dlv, the target and the build directory', async () => {
  const k = await start();
  const kernelPid = k.proc!.pid!;
  let buildDir = '';
  try {
    const ex = await k.execute('debug .\nbreak main.process\ncontinue');
    assert.is(ex.reply.content.status, 'ok');
    const dlvPid = childrenMatching(kernelPid, 'debug_bin')[0];
    buildDir = path.dirname(/ exec (\S+debug_bin)/.exec(fs.readFileSync(`/proc/${dlvPid}/cmdline`, 'utf8').replace(/\0/g, ' '))![1]);
    assert.ok(fs.existsSync(buildDir));
    const [watchdog] = childrenMatching(kernelPid, 'watchdog-process.js');
    assert.ok(watchdog, 'a watchdog runs');
    process.kill(watchdog, 'SIGKILL');
    let again: number[] = [];
    for (const started = Date.now(); !again.length && Date.now() - started < 5000; await new Promise((r) => setTimeout(r, 50))) {
      again = childrenMatching(kernelPid, 'watchdog-process.js').filter((p) => p !== watchdog);
    }
    assert.ok(again.length, 'a new watchdog took over');
    await new Promise((r) => setTimeout(r, 200)); // it has read the list
    await k.kill('SIGKILL');
  } finally {
    await k.close();
  }
  const started = Date.now();
  while ((processesMatching(buildDir).length || fs.existsSync(buildDir)) && Date.now() - started < 8000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(processesMatching(buildDir), []);
  assert.not.ok(fs.existsSync(buildDir), 'the build directory is removed');
});

test.run();
