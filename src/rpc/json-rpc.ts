// JSON-RPC 1.0 over TCP as Delve's server speaks it: one JSON object per request, one
// newline-terminated response each, matched by id. Many requests may be in flight.
import * as net from 'node:net';

export class RpcError extends Error {
  constructor(readonly method: string, message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

/** The connection broke or a reply took too long: the server may be gone. */
export class RpcTransportError extends Error {
  constructor(readonly method: string, message: string) {
    super(message);
    this.name = 'RpcTransportError';
  }
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

export class JsonRpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private closedReason: string | undefined;
  private readonly closeListeners: ((reason: string) => void)[] = [];

  private constructor(private readonly socket: net.Socket, private readonly prefix: string) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => this.fail('connection closed'));
  }

  static connect(host: string, port: number, prefix = 'RPCServer.'): Promise<JsonRpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const onError = (err: Error) => reject(new RpcTransportError('connect', `cannot connect to ${host}:${port}: ${err.message}`));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new JsonRpcConnection(socket, prefix));
      });
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Calls METHOD (without the RPCServer. prefix). timeoutMs 0 waits for ever (continue). */
  call<T>(method: string, params: object, timeoutMs = 30_000): Promise<T> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new RpcTransportError(method, `Delve connection is closed (${this.closedReason})`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { method, resolve: resolve as (r: unknown) => void, reject };
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new RpcTransportError(method, `Delve did not answer ${method} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
      }
      this.pending.set(id, pending);
      this.socket.write(JSON.stringify({ method: this.prefix + method, params: [params], id }) + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
    this.fail('closed by the kernel');
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.trim() !== '') this.dispatch(line);
    }
  }

  private dispatch(line: string): void {
    let msg: { id: number; result?: unknown; error?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not a reply of ours; Delve writes nothing else on this socket
    }
    const pending = this.pending.get(msg.id);
    if (!pending) return; // timed out earlier
    this.pending.delete(msg.id);
    if (pending.timer) clearTimeout(pending.timer);
    if (msg.error !== null && msg.error !== undefined) {
      pending.reject(new RpcError(pending.method, String(msg.error)));
    } else {
      pending.resolve(msg.result);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [, pending] of this.pending) {
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(new RpcTransportError(pending.method, `Delve connection lost during ${pending.method}: ${reason}`));
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(reason);
  }
}
