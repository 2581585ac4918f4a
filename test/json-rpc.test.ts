// The JSON-RPC connection's timeouts against a server that answers in order, slowly: the
// fault Delve itself cannot be made to produce on demand.
import * as net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonRpcConnection, RpcError, RpcTransportError } from '../src/rpc/json-rpc';

/** Answers each request after DELAY ms, one at a time, in order, as Delve's read loop does. */
async function slowServer(delayMs: number, silentFor = new Set<string>()): Promise<{ port: number; close(): void }> {
  const server = net.createServer((socket) => {
    let buf = '';
    let chain = Promise.resolve();
    socket.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const req = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        chain = chain.then(() => new Promise<void>((r) => setTimeout(() => {
          if (!silentFor.has(req.method)) {
            const error = req.method === 'RPCServer.Fail' ? 'no such thing' : null;
            socket.write(JSON.stringify({ id: req.id, result: error ? null : { echo: req.params[0] }, error }) + '\n');
          }
          r();
        }, delayMs)));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

test('calls queued behind each other do not time out while the server makes progress', async () => {
  const server = await slowServer(10);
  const rpc = await JsonRpcConnection.connect('127.0.0.1', server.port);
  try {
    // 40 calls x 10 ms = 400 ms in all, each allowed 100 ms.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => rpc.call<{ echo: { i: number } }>('Echo', { i }, 100)));
    assert.equal(answers.map((a) => a.echo.i), Array.from({ length: 40 }, (_, i) => i));
  } finally {
    rpc.close();
    server.close();
  }
});

test('a call the server never answers times out with a clear error; errors carry the method', async () => {
  const server = await slowServer(1, new Set(['RPCServer.Stuck']));
  const rpc = await JsonRpcConnection.connect('127.0.0.1', server.port);
  try {
    const err = (await rpc.call('Stuck', {}, 100).catch((e: Error) => e)) as Error;
    assert.instance(err, RpcTransportError);
    assert.match(err.message, /Delve did not answer Stuck within 0\.1 s/);
    const failed = (await rpc.call('Fail', {}).catch((e: Error) => e)) as Error;
    assert.instance(failed, RpcError);
    assert.is(failed.message, 'no such thing');
  } finally {
    rpc.close();
    server.close();
  }
});

test('a lost connection fails every call in flight', async () => {
  const server = await slowServer(1000);
  const rpc = await JsonRpcConnection.connect('127.0.0.1', server.port);
  const calls = [rpc.call('A', {}), rpc.call('B', {})].map((p) => p.catch((e) => e));
  rpc.close();
  const errs = await Promise.all(calls);
  assert.ok(errs.every((e) => e instanceof RpcTransportError && /closed by the kernel/.test(e.message)));
  server.close();
});

test.run();
