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
  timeoutMs: number;
  resolve(result: unknown): void;
  reject(err: Error): void;
}

export class JsonRpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private closedReason: string | undefined;
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly socket: net.Socket, private readonly prefix: string) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => this.fail('connection closed'));
  }

  /** Connects within timeoutMs (a port that drops SYNs would otherwise hang for minutes). */
  static connect(host: string, port: number, prefix = 'RPCServer.', timeoutMs = 10_000): Promise<JsonRpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RpcTransportError('connect', `cannot connect to ${host}:${port}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new RpcTransportError('connect', `cannot connect to ${host}:${port}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
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
    const unsendable = unsafeNumber(params);
    if (unsendable !== undefined) {
      return Promise.reject(new RpcError(method, `${unsendable} is not a number Delve can take (whole numbers up to ${Number.MAX_SAFE_INTEGER})`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, timeoutMs, resolve: resolve as (r: unknown) => void, reject });
      // Requests made in one tick go out in one write (thousands of pipelined Stacktraces).
      if (!this.socket.writableCorked) {
        this.socket.cork();
        process.nextTick(() => this.socket.uncork());
      }
      this.socket.write(JSON.stringify({ method: this.prefix + method, params: [params], id }) + '\n');
      if (this.pending.size === 1) this.armTimer();
    });
  }

  /**
   * Delve answers one connection's calls in order, so thousands may wait behind each other
   * legitimately: only the oldest unanswered call is timed, from when the one before it
   * was answered.
   */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const oldest = this.pending.entries().next();
    if (oldest.done) return;
    const [id, pending] = oldest.value;
    if (pending.timeoutMs <= 0) return;
    this.timer = setTimeout(() => {
      this.pending.delete(id);
      pending.reject(new RpcTransportError(pending.method, `Delve did not answer ${pending.method} within ${pending.timeoutMs / 1000} s`));
      this.armTimer();
    }, pending.timeoutMs);
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
    this.armTimer();
    if (msg.error !== null && msg.error !== undefined) {
      pending.reject(new RpcError(pending.method, String(msg.error)));
    } else {
      pending.resolve(msg.result);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    if (this.timer) clearTimeout(this.timer);
    for (const [, pending] of this.pending) {
      pending.reject(new RpcTransportError(pending.method, `Delve connection lost during ${pending.method}: ${reason}`));
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(reason);
  }
}

/**
 * The first number in VALUE that is not a safe whole number. Delve decodes every number of
 * its API as a Go integer; one it cannot decode (1e23, 2^63, 0.5) ends its reading of the
 * connection, and every later call would wait for ever.
 */
function unsafeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? undefined : value;
  if (value === null || typeof value !== 'object') return undefined;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    const bad = unsafeNumber(v);
    if (bad !== undefined) return bad;
  }
  return undefined;
}
