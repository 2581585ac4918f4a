// Benchmarks of issue 2, printed as ratios against their anchors in the same run:
//  1. kernel start to kernel_info_reply, against ipykernel (goal: under 0.5x);
//  2. `print 1+1` through the kernel, against the same Eval sent straight to Delve
//     (goal: under 2 ms added).
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchToolchain, buildExample, delveFor, repoRoot } from '../test/helpers/go';
import { startKernel } from '../test/helpers/jupyter-client';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 300);

const delveKernel = [process.execPath, path.join(repoRoot, 'bin/delve-kernel.js'), '-f', '{connection_file}'];
const ipykernel = ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function startToKernelInfo(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const k = await startKernel({ argv, startupTimeoutMs: 60_000 });
  const ms = performance.now() - t0;
  await k.close();
  return ms;
}

async function benchStart(): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  await startToKernelInfo(delveKernel); // warm the file cache for both
  await startToKernelInfo(ipykernel);
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(await startToKernelInfo(delveKernel));
    theirs.push(await startToKernelInfo(ipykernel));
  }
  const [a, b] = [median(ours), median(theirs)];
  console.log(`kernel start -> kernel_info_reply: delve-kernel ${a.toFixed(0)} ms, ipykernel ${b.toFixed(0)} ms (medians of ${ROUNDS})`);
  console.log(`  ratio ${(a / b).toFixed(2)}x (goal: under 0.5x)`);
}

/** A raw JSON-RPC client: one line out, one line back, as little code as can be. */
async function rawDelve(binary: string): Promise<{ call(expr: string): Promise<void>; close(): Promise<void> }> {
  const dlv = spawn(await delveFor(binary), ['exec', binary, '--headless', '--api-version=2', '--accept-multiclient', '--listen=127.0.0.1:0', '--check-go-version=false'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) => {
    let out = '';
    dlv.stdout.on('data', (d) => {
      out += d;
      const m = /127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let waiting: (() => void) | undefined;
  let buf = '';
  socket.on('data', (d) => {
    buf += d;
    if (buf.endsWith('\n')) {
      buf = '';
      waiting?.();
    }
  });
  let id = 0;
  const send = (method: string, params: object) =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      socket.write(JSON.stringify({ method: `RPCServer.${method}`, params: [params], id: ++id }) + '\n');
    });
  await send('SetApiVersion', { APIVersion: 2 });
  return {
    call: (expr) => send('Eval', { Scope: { GoroutineID: -1, Frame: 0 }, Expr: expr, Cfg: { FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 256, MaxArrayValues: 64, MaxStructFields: -1 } }),
    close: async () => {
      await send('Detach', { Kill: true }); // the target has a process group of its own
      socket.destroy();
      dlv.stdout.destroy();
      try { process.kill(-dlv.pid!, 'SIGKILL'); } catch { /* gone */ }
    },
  };
}

async function benchPrint(): Promise<void> {
  const binary = buildExample('orders', benchToolchain());
  const k = await startKernel({ argv: delveKernel, timeoutMs: 30_000 });
  const raw = await rawDelve(binary);
  try {
    await k.execute(`exec ${binary}`);
    const viaKernel: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < 20; i++) {
      await k.execute('print 1+1');
      await raw.call('1+1');
    }
    for (let i = 0; i < CALLS; i++) {
      let t0 = performance.now();
      const msgId = await k.sendExecute('print 1+1');
      const reply = await k.reply(msgId);
      viaKernel.push(performance.now() - t0);
      if (reply.content.status !== 'ok') throw new Error('print 1+1 failed');
      await k.untilIdle(msgId); // the cell's outputs, before the next request
      t0 = performance.now();
      await raw.call('1+1');
      direct.push(performance.now() - t0);
    }
    const [a, b] = [median(viaKernel), median(direct)];
    console.log(`print 1+1: through the kernel ${a.toFixed(2)} ms (execute_request to execute_reply), straight to Delve ${b.toFixed(2)} ms (medians of ${CALLS})`);
    console.log(`  added ${(a - b).toFixed(2)} ms (goal: under 2 ms); ratio ${(a / b).toFixed(2)}x`);
  } finally {
    await raw.close();
    await k.shutdown().catch(() => undefined);
    await k.close();
  }
}

(async () => {
  await benchStart();
  await benchPrint();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
