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

/**
 * A call Delve did not answer in time. `reconnected` tells whether a new connection to the
 * same server was answered afterwards (undefined: not tried yet, on a bare connection).
 */
export class RpcTimeoutError extends RpcTransportError {
  constructor(method: string, message: string, readonly reconnected?: boolean) {
    super(method, message);
    this.name = 'RpcTimeoutError';
  }
}

/** How long a call may wait for its answer unless it says otherwise: $DELVE_KERNEL_RPC_TIMEOUT_MS, else 30 s. */
export const RPC_TIMEOUT_MS = (() => {
  const ms = Number(process.env.DELVE_KERNEL_RPC_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 30_000;
})();

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
  call<T>(method: string, params: object, timeoutMs = RPC_TIMEOUT_MS): Promise<T> {
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
      pending.reject(new RpcTimeoutError(pending.method, `Delve did not answer ${pending.method} within ${seconds(pending.timeoutMs)} s`));
      this.armTimer();
    }, pending.timeoutMs);
  }

  close(): void {
    this.socket.destroy();
    this.fail('closed by the kernel');
  }

  /**
   * Gives the connection up after CAUSE (a call that timed out): the calls queued behind it
   * fail with it, and a late answer can no longer arrive. Close listeners are not told:
   * the server is not gone.
   */
  abandon(cause: RpcTimeoutError): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = `given up after: ${cause.message}`;
    if (this.timer) clearTimeout(this.timer);
    this.socket.destroy();
    for (const [, pending] of this.pending) {
      pending.reject(new RpcTimeoutError(pending.method, `${cause.message} (${pending.method} waited behind it)`));
    }
    this.pending.clear();
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
 * Delve's connection for a session: one JsonRpcConnection at a time to the same server.
 *
 * Delve answers a connection's calls in order, so a call it does not answer (its process was
 * stopped, it is stuck, or it could not decode the request) holds every later call on that
 * connection, and any late answer is to a call already given up on. So a call that times out
 * ends its connection and a new one is made to the same address at once: its error says
 * whether Delve answered the new one ("...; reconnected"), or that Delve is not answering and
 * why, if the kernel can tell. A call made while no connection is up tries again first.
 */
export class DelveConnection {
  private current: JsonRpcConnection | undefined;
  private reconnecting: Promise<boolean> | undefined;
  /** Why the last reconnect failed: not answered within seconds, or refused with a message. */
  private lastFailure: { silentFor: string } | { error: string } = { silentFor: '' };
  private closedByKernel = false;
  private readonly closeListeners: ((reason: string) => void)[] = [];
  /** False for a server that takes one client (no --accept-multiclient): there is no reconnecting. */
  reconnectable = true;
  /** What the kernel can tell of why Delve does not answer (e.g. "its process is stopped"). */
  explain: (() => string | undefined) | undefined;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly prefix: string,
    /** Run on each new connection before it is used (SetApiVersion), within timeoutMs. */
    private readonly setup: (conn: JsonRpcConnection, timeoutMs: number) => Promise<unknown>,
  ) {}

  static async connect(host: string, port: number, setup: (conn: JsonRpcConnection, timeoutMs: number) => Promise<unknown>, prefix = 'RPCServer.', timeoutMs = 10_000): Promise<DelveConnection> {
    const self = new DelveConnection(host, port, prefix, setup);
    const conn = await JsonRpcConnection.connect(host, port, prefix, timeoutMs);
    try {
      await setup(conn, RPC_TIMEOUT_MS);
    } catch (err) {
      conn.close();
      throw err;
    }
    self.use(conn);
    return self;
  }

  /** Closed by the kernel, or by the server (not while reconnecting). */
  get closed(): boolean {
    return this.closedByKernel || (this.current?.closed ?? false);
  }

  /** Called when the server closes the connection in use (not one the kernel gave up on). */
  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Calls METHOD (without the RPCServer. prefix). timeoutMs 0 waits for ever (continue). */
  async call<T>(method: string, params: object, timeoutMs = RPC_TIMEOUT_MS): Promise<T> {
    // Nothing awaited before the call when a connection is up: calls made in one tick still
    // go out in one write.
    let conn = this.current;
    if (!conn) {
      if (this.closedByKernel) throw new RpcTransportError(method, 'Delve connection is closed (closed by the kernel)');
      if (!(await this.reconnect())) {
        const f = this.lastFailure;
        throw new RpcTimeoutError(method, this.withWhy('silentFor' in f
          ? `Delve is not answering: a new connection for ${method} was not answered within ${f.silentFor} s`
          : `Delve is not answering: a new connection for ${method} failed (${f.error})`), false);
      }
      conn = this.current!;
    }
    try {
      return await conn.call<T>(method, params, timeoutMs);
    } catch (err) {
      if (!(err instanceof RpcTimeoutError) || err.reconnected !== undefined) throw err;
      if (!this.reconnectable) {
        throw new RpcTimeoutError(method, this.withWhy(`${err.message}; this server takes one client (no --accept-multiclient), so the kernel cannot reconnect, and later calls wait behind this one`), false);
      }
      if (this.current === conn) {
        this.current = undefined;
        conn.abandon(err);
      }
      const ok = await this.reconnect();
      const f = this.lastFailure;
      throw new RpcTimeoutError(err.method, ok ? `${err.message}; reconnected`
        : this.withWhy('silentFor' in f ? `${err.message}, nor a new connection within ${f.silentFor} s` : `${err.message}, and a new connection failed (${f.error})`), ok);
    }
  }

  close(): void {
    this.closedByKernel = true;
    const conn = this.current;
    this.current = undefined;
    conn?.close();
  }

  private use(conn: JsonRpcConnection): void {
    this.current = conn;
    conn.onClose((reason) => {
      if (this.current !== conn || this.closedByKernel) return;
      for (const listener of this.closeListeners) listener(reason);
    });
  }

  /** A new connection to the same server, answered within a timeout; one attempt at a time. */
  private reconnect(): Promise<boolean> {
    this.reconnecting ??= (async () => {
      const waitMs = Math.min(RPC_TIMEOUT_MS, 10_000);
      let conn: JsonRpcConnection | undefined;
      try {
        conn = await JsonRpcConnection.connect(this.host, this.port, this.prefix, waitMs);
        await this.setup(conn, waitMs);
      } catch (err) {
        conn?.close();
        this.lastFailure = err instanceof RpcTimeoutError ? { silentFor: seconds(waitMs) } : { error: (err as Error).message };
        return false;
      } finally {
        this.reconnecting = undefined;
      }
      if (this.closedByKernel) {
        conn.close();
        return false;
      }
      this.use(conn);
      return true;
    })();
    return this.reconnecting;
  }

  private withWhy(message: string): string {
    const why = this.explain?.();
    return why ? `${message}; ${why}` : message;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
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
