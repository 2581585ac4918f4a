// The kernel under real Jupyter clients, each finding it through an installed kernelspec:
// jupyter_client (Python), nbclient (nbconvert --execute), and @jupyterlab/services against
// a real `jupyter server`. Each test installs the kernelspec into a fresh prefix, points
// JUPYTER_PATH at it, and checks at the end that no kernel, dlv or target process is left.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from '@jupyterlab/services';
import { buildExample, processesMatching, repoRoot } from './helpers/go';
import { freePorts } from './helpers/jupyter-client';
import { cleanUp, explain, installPrefix, JUPYTER, PYTHON, run, startWebServer, stopWebServer, type WebServer } from './helpers/jupyter-world';

const binary = buildExample('orders');
const GOROUTINE_FIELDS = ['id', 'status', 'waitReason', 'function', 'file', 'line', 'startFunction', 'goStatement', 'threadId'];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The promise's value, or undefined once ms have passed (leaving no timer behind). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}



// ---- jupyter_client ----

// First, do no harm: an attached process runs on however the kernel ends, breakpoints gone
// and no trap left pending (it used to die of "SIGTRAP: trace trap").
for (const mode of ['shutdown', 'restart', 'sigterm', 'sigkill']) {
  test(`jupyter_client: an attached target runs on after the kernel's ${mode}, mid-continue`, async () => {
    const prefix = installPrefix(`attached-${mode}`);
    let left: string[] = [];
    try {
      const r = await run(PYTHON, [path.join(repoRoot, 'test/python/attached_survives.py'), binary, mode], { env: prefix.env, cwd: prefix.dir, timeoutMs: 90_000 });
      const result = JSON.parse(r.stdout.trim().split('\n').pop() || '{}');
      assert.is(result.alive, true, `the target died (exit ${result.exit}): ${result.stderr}\n${explain(r)}`);
      assert.ok(result.lines_after > 10, `the target stopped working: ${result.lines_after} lines in 1.5 s\n${explain(r)}`);
    } finally {
      left = await cleanUp(prefix, [binary]);
    }
    assert.equal(left, []);
  });
}

test('jupyter_client: start_new_kernel, a debugging session, errors, interrupt_kernel, shutdown_kernel', async () => {
  const prefix = installPrefix('clients');
  let left: string[] = [];
  try {
    const r = await run(PYTHON, [path.join(repoRoot, 'test/python/run_with_jupyter_client.py'), binary], {
      env: prefix.env,
      cwd: prefix.dir,
      timeoutMs: 90_000,
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let summary: any;
    try {
      summary = JSON.parse(last);
    } catch {
      assert.unreachable(`run_with_jupyter_client.py printed no summary\n${explain(r)}`);
    }
    assert.equal(summary.failures, [], `failed checks\n${explain(r)}`);
    assert.is(r.code, 0, explain(r));
    assert.ok(summary.checks.length >= 19, explain(r));
    assert.equal(summary.goroutine_fields, GOROUTINE_FIELDS);
    assert.match(summary.print_order, /^main\.Order \{ID: 1,/);
    assert.ok(summary.timings.interrupt_reply < 5, `interrupt took ${summary.timings.interrupt_reply} s`);
    assert.is(summary.kernel_exit, 0);
  } finally {
    left = await cleanUp(prefix, [binary]);
  }
  assert.equal(left, []);
});

// ---- nbclient (jupyter nbconvert --execute) ----

function notebook(cells: string[]): object {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'delve', display_name: 'Go (Delve)', language: 'delve' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
}

test('nbclient: nbconvert --execute runs a notebook of Delve cells', async () => {
  const prefix = installPrefix('clients');
  let left: string[] = [];
  try {
    const cells = [`exec ${binary} -- -n 100000`, 'break main.go:42', 'continue', 'goroutines', 'print order', 'detach'];
    fs.writeFileSync(path.join(prefix.dir, 'nb.ipynb'), JSON.stringify(notebook(cells), null, 1));
    const r = await run(
      JUPYTER,
      ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=120', '--output', 'out.ipynb', 'nb.ipynb'],
      { env: prefix.env, cwd: prefix.dir, timeoutMs: 90_000 },
    );
    assert.is(r.code, 0, explain(r));
    const out = JSON.parse(fs.readFileSync(path.join(prefix.dir, 'out.ipynb'), 'utf8'));
    assert.is(out.metadata.language_info.name, 'delve');
    assert.is(out.cells.length, cells.length);
    const outputs = (i: number): any[] => out.cells[i].outputs;
    for (const [i, cell] of out.cells.entries()) {
      assert.not.ok(outputs(i).some((o) => o.output_type === 'error'), `cell ${i} (${cells[i]}) failed: ${JSON.stringify(outputs(i))}`);
      assert.is(cell.execution_count, i + 1);
    }
    const executeResult = (i: number) => outputs(i).find((o) => o.output_type === 'execute_result');

    assert.match(executeResult(2).data['text/plain'], /main\.process\(\) .*main\.go:42/);

    const table = executeResult(3).data;
    const html = Array.isArray(table['text/html']) ? table['text/html'].join('') : table['text/html'];
    assert.ok(html.includes('<table'), html);
    const resource = table['application/vnd.dataresource+json'];
    assert.equal(resource.schema.fields.map((f: any) => f.name), GOROUTINE_FIELDS);
    assert.ok(resource.data.some((row: any) => row.function === 'main.process'));

    const value = executeResult(4).data['text/plain'];
    assert.match(Array.isArray(value) ? value.join('') : value, /^main\.Order \{ID: 1,/);
    assert.match(JSON.stringify(executeResult(5).data['text/plain']), /detached .*killed/);
  } finally {
    left = await cleanUp(prefix, [binary]);
  }
  assert.equal(left, []);
});

// ---- @jupyterlab/services against jupyter server ----

interface Executed {
  reply: KernelMessage.IExecuteReplyMsg;
  iopub: KernelMessage.IIOPubMessage[];
}

async function execute(kernel: Kernel.IKernelConnection, code: string, timeoutMs = 30_000): Promise<Executed> {
  const future = kernel.requestExecute({ code });
  const iopub: KernelMessage.IIOPubMessage[] = [];
  future.onIOPub = (msg) => void iopub.push(msg);
  // future.done resolves after both the reply and the idle status have arrived.
  const reply = await within(future.done, timeoutMs);
  if (!reply) throw new Error(`no reply to ${JSON.stringify(code)} within ${timeoutMs} ms`);
  return { reply, iopub };
}

function resultData(ex: Executed): any {
  return (ex.iopub.find((m) => m.header.msg_type === 'execute_result') as KernelMessage.IExecuteResultMsg | undefined)?.content.data;
}

test('@jupyterlab/services: KernelManager on jupyter server, execute, interrupt, shutdown', async () => {
  const prefix = installPrefix('clients');
  let left: string[] = [];
  let server: WebServer | undefined;
  let manager: KernelManager | undefined;
  try {
    const port = (await freePorts(1))[0];
    const token = randomBytes(16).toString('hex');
    const root = path.join(prefix.dir, 'root');
    fs.mkdirSync(root);
    server = await startWebServer('server', prefix, root, port, token);
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${port}/`,
      wsUrl: `ws://127.0.0.1:${port}/`,
      token,
      // Node 20 has fetch but no WebSocket global.
      WebSocket: require('ws'),
    });
    // Not ServiceManager: it subscribes to /api/events, which jupyter_server 1.x lacks.
    manager = new KernelManager({ serverSettings });
    await manager.ready;
    const k = await manager.startNew({ name: 'delve' });
    const info = await k.info;
    assert.is(info.language_info.name, 'delve');

    let ex = await execute(k, `exec ${binary}`);
    assert.is(ex.reply.content.status, 'ok', JSON.stringify(ex.reply.content));

    ex = await execute(k, 'break main.go:42\ncontinue');
    assert.is(ex.reply.content.status, 'ok', JSON.stringify(ex.reply.content));
    assert.equal(
      ex.iopub.map((m) => m.header.msg_type),
      ['status', 'execute_input', 'display_data', 'execute_result', 'status'],
    );
    assert.match(resultData(ex)['text/plain'], /main\.go:42/);

    ex = await execute(k, 'goroutines');
    assert.is(ex.reply.content.status, 'ok');
    const table = resultData(ex);
    assert.ok(table['text/html'].includes('<table'));
    assert.equal(table['application/vnd.dataresource+json'].schema.fields.map((f: any) => f.name), GOROUTINE_FIELDS);
    assert.ok(table['application/vnd.dataresource+json'].data.some((row: any) => row.function === 'main.process'));

    // An interrupt through the server's REST API (SIGINT to the kernel's process group).
    await execute(k, 'clearall');
    const future = k.requestExecute({ code: 'continue' });
    const streamed: string[] = [];
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === 'stream') streamed.push((msg as KernelMessage.IStreamMsg).content.text);
    };
    await sleep(1000);
    const interruptedAt = Date.now();
    await k.interrupt();
    const reply = await within(future.done, 10_000);
    assert.ok(reply, 'no reply to the interrupted `continue` within 10 s');
    assert.ok(Date.now() - interruptedAt < 5000);
    assert.is(reply!.content.status, 'error');
    assert.is((reply!.content as KernelMessage.IReplyErrorContent).ename, 'Interrupted');
    assert.match(streamed.join(''), /processed order/);
    ex = await execute(k, 'goroutines');
    assert.is(ex.reply.content.status, 'ok');

    await manager.shutdown(k.id);
    assert.ok(k.isDisposed);
    const running = await (await ServerConnection.makeRequest(`${serverSettings.baseUrl}api/kernels`, {}, serverSettings)).json();
    assert.equal(running, []);
    assert.equal(processesMatching(binary), []);
  } finally {
    if (manager) {
      // Lumino's Poll.dispose() leaves its next 10 s tick scheduled; stopping it first does not.
      await (manager as unknown as { _pollModels?: { stop(): Promise<void> } })._pollModels?.stop();
      manager.dispose();
    }
    if (server) await stopWebServer(server);
    left = await cleanUp(prefix, [binary]);
  }
  assert.equal(left, []);
});

test.run();
