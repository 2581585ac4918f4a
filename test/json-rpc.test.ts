// The JSON-RPC connection's timeouts against a server that answers in order, slowly: the
// fault Delve itself cannot be made to produce on demand.
import * as net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DelveConnection, JsonRpcConnection, RpcError, RpcTimeoutError, RpcTransportError } from '../src/rpc/json-rpc';

/** Calls onRequest with each JSON-RPC request read from SOCKET, one line each. */
function onRequests(socket: net.Socket, onRequest: (req: { id: number; method: string; params: unknown[] }) => void): void {
  let buf = '';
  socket.on('data', (d) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const req = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      onRequest(req);
    }
  });
}

/** Answers each request after DELAY ms, one at a time, in order, as Delve's read loop does. */
async function slowServer(delayMs: number, silentFor = new Set<string>()): Promise<{ port: number; close(): void }> {
  const server = net.createServer((socket) => {
    let chain = Promise.resolve();
    onRequests(socket, (req) => {
      chain = chain.then(() => new Promise<void>((r) => setTimeout(() => {
        if (!silentFor.has(req.method)) {
          const error = req.method === 'RPCServer.Fail' ? 'no such thing' : null;
          socket.write(JSON.stringify({ id: req.id, result: error ? null : { echo: req.params[0] }, error }) + '\n');
        }
        r();
      }, delayMs)));
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

/**
 * Answers in order, until a connection is sent `Poison`: that connection is never answered
 * again, as Delve's was after a number it could not decode. New connections are answered.
 */
async function poisonableServer(): Promise<{ port: number; connections(): number; stopListening(): void; close(): void }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    let poisoned = false;
    onRequests(socket, (req) => {
      poisoned ||= req.method === 'RPCServer.Poison';
      if (!poisoned) socket.write(JSON.stringify({ id: req.id, result: { echo: req.params[0] }, error: null }) + '\n');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections, stopListening: () => server.close(), close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

test('DelveConnection: a call that times out ends its connection; the calls behind it say so, and the next call goes on a new one', async () => {
  const server = await poisonableServer();
  const setups: string[] = [];
  const rpc = await DelveConnection.connect('127.0.0.1', server.port, (conn, ms) => (setups.push(`${ms}`), conn.call('SetApiVersion', { APIVersion: 2 }, ms)));
  try {
    const stuck = rpc.call('Poison', {}, 100).catch((e: Error) => e);
    const behind = rpc.call('Echo', { i: 1 }, 100).catch((e: Error) => e);
    const [a, b] = (await Promise.all([stuck, behind])) as RpcTimeoutError[];
    assert.instance(a, RpcTimeoutError);
    assert.is(a.message, 'Delve did not answer Poison within 0.1 s; reconnected');
    assert.is(a.reconnected, true);
    assert.instance(b, RpcTimeoutError);
    assert.is(b.message, 'Delve did not answer Poison within 0.1 s (Echo waited behind it); reconnected');
    assert.equal(await rpc.call('Echo', { i: 2 }, 100), { echo: { i: 2 } });
    assert.is(server.connections(), 2, 'one new connection, set up again');
    assert.is(setups.length, 2);
  } finally {
    rpc.close();
    server.close();
  }
});

test('DelveConnection: a server gone while reconnecting is said plainly; closing it ends it', async () => {
  const server = await poisonableServer();
  const rpc = await DelveConnection.connect('127.0.0.1', server.port, (conn, ms) => conn.call('SetApiVersion', {}, ms));
  rpc.explain = () => 'its process is gone';
  try {
    const stuck = rpc.call('Poison', {}, 100).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 20));
    server.stopListening(); // no new connection can be made; the stuck one stays open
    const err = (await stuck) as RpcTimeoutError;
    assert.is(err.reconnected, false);
    assert.match(err.message, /^Delve did not answer Poison within 0\.1 s, and a new connection failed \(cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED .*\); its process is gone$/);
    const next = (await rpc.call('Echo', {}, 100).catch((e: Error) => e)) as RpcTimeoutError;
    assert.match(next.message, /^Delve is not answering: a new connection for Echo failed \(cannot connect .*\); its process is gone$/);
  } finally {
    rpc.close();
    server.close();
  }
  const closed = (await rpc.call('Echo', {}).catch((e: Error) => e)) as Error;
  assert.instance(closed, RpcTransportError);
  assert.not.instance(closed, RpcTimeoutError);
  assert.match(closed.message, /closed by the kernel/);
});

test.run();
