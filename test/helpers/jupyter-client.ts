// A small Jupyter client over real ZeroMQ, for tests: it writes a connection file, starts a
// kernel process, signs requests, and collects replies and iopub messages by parent msg_id.
// It signs and parses on its own (not with kernel/wire.ts), so the tests cross-check the kernel.
import * as zmq from 'zeromq';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionInfo } from '../../kernel/connection';

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message<Content = any> {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Content;
  buffers: Buffer[];
}

/** A reply and the iopub messages with the same parent, from busy through idle. */
export interface Exchange {
  reply: Message;
  iopub: Message[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type Channel = 'shell' | 'control';

export interface ExecuteOptions {
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin?: boolean;
  timeoutMs?: number;
}

export interface SendOptions {
  /** Send this signature instead of the right one ('' = unsigned), to test rejection. */
  signature?: string;
  metadata?: Record<string, unknown>;
}

export interface StartOptions {
  /** Kernel command line; '{connection_file}' is replaced. Default: the echo test kernel. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** HMAC key; '' turns signing off. Default: random. */
  key?: string;
  /** Default wait for each reply or iopub message (default 10 s). */
  timeoutMs?: number;
  /** How long the kernel may take to answer its first kernel_info_request (default 20 s). */
  startupTimeoutMs?: number;
}

const DELIMITER = Buffer.from('<IDS|MSG>');

/** The compiled echo kernel entry, as a kernelspec argv. */
export function echoKernelArgv(): string[] {
  return [process.execPath, join(__dirname, 'echo-kernel.js'), '-f', '{connection_file}'];
}

/** n distinct TCP ports that were free on 127.0.0.1 a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A connection on 127.0.0.1 with free ports and a random key. */
export async function newConnection(key = randomBytes(16).toString('hex')): Promise<ConnectionInfo> {
  const [shell, control, iopub, stdin, hb] = await freePorts(5);
  return {
    transport: 'tcp',
    ip: '127.0.0.1',
    shell_port: shell,
    control_port: control,
    iopub_port: iopub,
    stdin_port: stdin,
    hb_port: hb,
    key,
    signature_scheme: 'hmac-sha256',
    kernel_name: 'test',
  };
}

/** Writes a connection file, starts the kernel process, and waits until it answers kernel_info. */
export async function startKernel(options: StartOptions = {}): Promise<KernelClient> {
  const connection = await newConnection(options.key);
  const connectionFile = join(tmpdir(), `kernel-test-${randomUUID()}.json`);
  writeFileSync(connectionFile, JSON.stringify(connection));
  const argv = (options.argv ?? echoKernelArgv()).map((arg) => arg.replace('{connection_file}', connectionFile));
  // A process group of its own, as jupyter_client starts kernels, so that interrupts can go
  // to the whole group the way jupyter_client sends them.
  const proc = spawn(argv[0], argv.slice(1), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  const client = new KernelClient(connection, { proc, connectionFile, timeoutMs: options.timeoutMs });
  try {
    await client.waitForReady(options.startupTimeoutMs ?? 20_000);
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

/** Connects to a kernel that is already running (e.g. in-process) and waits until it answers. */
export async function connectKernel(connection: ConnectionInfo, timeoutMs?: number): Promise<KernelClient> {
  const client = new KernelClient(connection, { timeoutMs });
  try {
    await client.waitForReady(20_000);
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

export class KernelClient {
  readonly proc: ChildProcess | null;
  readonly connectionFile: string | null;
  /** The client's session id, different from the kernel's. */
  readonly session = randomUUID();
  /** Everything received on iopub, in arrival order. */
  readonly iopubLog: Message[] = [];
  /** Messages from the kernel whose signature did not check out (should stay empty). */
  readonly badlySigned: Buffer[][] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | null = null;
  readonly timeoutMs: number;

  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly sending = new Map<Channel, Promise<void>>();
  private readonly replies = new Map<string, Message>();
  private readonly iopubByParent = new Map<string, Message[]>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(
    readonly connection: ConnectionInfo,
    options: { proc?: ChildProcess; connectionFile?: string; timeoutMs?: number } = {},
  ) {
    this.proc = options.proc ?? null;
    this.connectionFile = options.connectionFile ?? null;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.exited = new Promise((resolve) => {
      if (!this.proc) return;
      this.proc.stdout?.on('data', (chunk) => (this.stdout += chunk));
      this.proc.stderr?.on('data', (chunk) => (this.stderr += chunk));
      this.proc.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
        this.notify();
      });
    });
    const address = (port: number) => `tcp://${connection.ip}:${port}`;
    this.shell.connect(address(connection.shell_port));
    this.control.connect(address(connection.control_port));
    this.iopub.connect(address(connection.iopub_port));
    this.iopub.subscribe();
    void this.readReplies(this.shell);
    void this.readReplies(this.control);
    void this.readIopub();
  }

  // ---- sending ----

  /** Sends a request and returns its msg_id without waiting for anything. */
  async send(channel: Channel, msgType: string, content: object, options: SendOptions = {}): Promise<string> {
    const header: Header = {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: this.session,
      username: 'test',
      date: new Date().toISOString(),
      version: '5.3',
    };
    const body = [header, {}, options.metadata ?? {}, content].map((part) => Buffer.from(JSON.stringify(part)));
    const signature = options.signature ?? this.sign(body);
    const socket = channel === 'shell' ? this.shell : this.control;
    // One send at a time per socket (zeromq v6 rule), in call order.
    const previous = this.sending.get(channel) ?? Promise.resolve();
    const frames = [DELIMITER, Buffer.from(signature), ...body];
    this.lastSent.set(channel, frames);
    const sent = previous.then(() => socket.send(frames));
    this.sending.set(channel, sent.catch(() => {}));
    await sent;
    return header.msg_id;
  }

  private readonly lastSent = new Map<Channel, Buffer[]>();

  /** Sends the last message on CHANNEL again, byte for byte (a replay); returns its msg_id. */
  async replay(channel: Channel): Promise<string> {
    const frames = this.lastSent.get(channel);
    if (!frames) throw new Error(`nothing sent on ${channel} yet`);
    await (channel === 'shell' ? this.shell : this.control).send(frames);
    return JSON.parse(frames[2].toString()).msg_id;
  }

  /** Sends a request, waits for its reply and for idle on iopub. */
  async request(channel: Channel, msgType: string, content: object, timeoutMs = this.timeoutMs): Promise<Exchange> {
    const msgId = await this.send(channel, msgType, content);
    const reply = await this.reply(msgId, timeoutMs);
    const iopub = await this.untilIdle(msgId, timeoutMs);
    return { reply, iopub };
  }

  /** Sends an execute_request and returns its msg_id (for requests that should overlap). */
  sendExecute(code: string, options: ExecuteOptions = {}): Promise<string> {
    const { timeoutMs, ...fields } = options;
    return this.send('shell', 'execute_request', {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...fields,
    });
  }

  async execute(code: string, options: ExecuteOptions = {}): Promise<Exchange> {
    const msgId = await this.sendExecute(code, options);
    return this.exchange(msgId, options.timeoutMs);
  }

  kernelInfo(channel: Channel = 'shell'): Promise<Exchange> {
    return this.request(channel, 'kernel_info_request', {});
  }

  /** cursorPos in code points, as on the wire; default: end of code. */
  async complete(code: string, cursorPos = [...code].length): Promise<Message> {
    return (await this.request('shell', 'complete_request', { code, cursor_pos: cursorPos })).reply;
  }

  async inspect(code: string, cursorPos = [...code].length, detailLevel = 0): Promise<Message> {
    return (await this.request('shell', 'inspect_request', { code, cursor_pos: cursorPos, detail_level: detailLevel })).reply;
  }

  async isComplete(code: string): Promise<Message> {
    return (await this.request('shell', 'is_complete_request', { code })).reply;
  }

  async history(content: object = { hist_access_type: 'tail', n: 10, output: false, raw: true }): Promise<Message> {
    return (await this.request('shell', 'history_request', content)).reply;
  }

  /** 'message': interrupt_request on control (returns the reply); 'signal': SIGINT to the process. */
  async interrupt(how: 'message' | 'signal' = 'message'): Promise<Message | undefined> {
    if (how === 'signal') {
      if (!this.proc) throw new Error('no kernel process to signal');
      process.kill(-this.proc.pid!, 'SIGINT'); // the whole group, as jupyter_client does
      return undefined;
    }
    return (await this.request('control', 'interrupt_request', {})).reply;
  }

  /** Sends shutdown_request and waits for the reply and for the process to exit. */
  async shutdown(restart = false, channel: Channel = 'control', timeoutMs = this.timeoutMs): Promise<{ reply: Message; exit: ExitStatus | null }> {
    const msgId = await this.send(channel, 'shutdown_request', { restart });
    const reply = await this.reply(msgId, timeoutMs);
    const exit = this.proc ? await this.waitFor(() => this.exitStatus ?? undefined, timeoutMs, 'the kernel to exit') : null;
    return { reply, exit };
  }

  /** Sends one heartbeat and returns the echo. */
  async heartbeat(payload = 'ping', timeoutMs = 2000): Promise<Buffer> {
    const socket = new zmq.Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
    try {
      socket.connect(`tcp://${this.connection.ip}:${this.connection.hb_port}`);
      await socket.send(payload);
      const [echo] = await socket.receive();
      return echo;
    } finally {
      socket.close();
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus | null> {
    if (!this.proc) return null;
    if (!this.exitStatus) this.proc.kill(signal);
    return this.exited;
  }

  /** Closes the sockets, kills the kernel if it still runs, removes the connection file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    if (this.proc && !this.exitStatus) await this.kill();
    if (this.connectionFile) rmSync(this.connectionFile, { force: true });
  }

  // ---- waiting ----

  /** The reply to msgId. */
  reply(msgId: string, timeoutMs = this.timeoutMs): Promise<Message> {
    return this.waitFor(() => this.replies.get(msgId), timeoutMs, `the reply to ${msgId}`);
  }

  /** The iopub messages with parent msgId received so far. */
  iopubFor(msgId: string): Message[] {
    return [...(this.iopubByParent.get(msgId) ?? [])];
  }

  /** The iopub messages with parent msgId, once the idle status for it has arrived. */
  untilIdle(msgId: string, timeoutMs = this.timeoutMs): Promise<Message[]> {
    return this.waitFor(
      () => (this.iopubFor(msgId).some(isIdle) ? this.iopubFor(msgId) : undefined),
      timeoutMs,
      `idle after ${msgId}`,
    );
  }

  /** The reply and iopub messages of a request already sent. */
  async exchange(msgId: string, timeoutMs = this.timeoutMs): Promise<Exchange> {
    const reply = await this.reply(msgId, timeoutMs);
    const iopub = await this.untilIdle(msgId, timeoutMs);
    return { reply, iopub };
  }

  /** The first iopub message with parent msgId that matches. */
  waitForIopub(msgId: string, matches: (message: Message) => boolean, timeoutMs = this.timeoutMs): Promise<Message> {
    return this.waitFor(() => this.iopubFor(msgId).find(matches), timeoutMs, `an iopub message for ${msgId}`);
  }

  /** Resolves with find()'s value once it is defined, re-checking whenever something arrives. */
  waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = find();
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${this.stderrTail()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Resends kernel_info_request until one is answered and its idle arrives on iopub (so iopub is subscribed). */
  async waitForReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const sent: string[] = [];
    const ready = () => sent.some((id) => this.replies.has(id) && this.iopubFor(id).some(isIdle));
    const remaining = (ms: number) => Math.max(1, Math.min(ms, deadline - Date.now()));
    while (true) {
      if (this.exitStatus) throw new Error(`kernel exited early (${JSON.stringify(this.exitStatus)})${this.stderrTail()}`);
      const msgId = await this.send('shell', 'kernel_info_request', {});
      sent.push(msgId);
      const outcome = await this.waitFor(
        () => (ready() ? 'ready' : this.exitStatus ? 'exited' : this.replies.has(msgId) ? 'replied' : undefined),
        remaining(1000),
        'kernel_info_reply',
      ).catch(() => 'timeout');
      if (outcome === 'replied') {
        // The shell answers; iopub may not be subscribed yet (ZeroMQ's slow joiner): ask again soon.
        await this.waitFor(() => (ready() ? true : undefined), remaining(50), 'idle').catch(() => undefined);
      }
      if (ready()) return;
      if (Date.now() >= deadline) throw new Error(`kernel did not answer kernel_info_request within ${timeoutMs} ms${this.stderrTail()}`);
    }
  }

  // ---- receiving ----

  private async readReplies(socket: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        const message = this.parse(frames);
        if (message?.parent_header.msg_id) this.replies.set(message.parent_header.msg_id, message);
        this.notify();
      }
    } catch {
      // Socket closed.
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const message = this.parse(frames);
        if (!message) continue;
        this.iopubLog.push(message);
        const parentId = message.parent_header.msg_id ?? '';
        if (!this.iopubByParent.has(parentId)) this.iopubByParent.set(parentId, []);
        this.iopubByParent.get(parentId)!.push(message);
        this.notify();
      }
    } catch {
      // Socket closed.
    }
  }

  private parse(frames: Buffer[]): Message | null {
    const at = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (at < 0) return null;
    const body = frames.slice(at + 2, at + 6);
    if (frames[at + 1].toString() !== this.sign(body)) this.badlySigned.push(frames);
    const [header, parent_header, metadata, content] = body.map((frame) => JSON.parse(frame.toString('utf8')));
    return { header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
  }

  private sign(body: Buffer[]): string {
    if (this.connection.key === '') return '';
    const hmac = createHmac('sha256', this.connection.key);
    for (const frame of body) hmac.update(frame);
    return hmac.digest('hex');
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }

  private stderrTail(): string {
    return this.stderr ? `\nkernel stderr:\n${this.stderr.slice(-2000)}` : '';
  }
}

export function isIdle(message: Message): boolean {
  return message.header.msg_type === 'status' && message.content.execution_state === 'idle';
}

export function isStatus(message: Message): boolean {
  return message.header.msg_type === 'status';
}

/** iopub message types in order, e.g. ['status', 'execute_input', 'execute_result', 'status']. */
export function types(messages: Message[]): string[] {
  return messages.map((message) => message.header.msg_type);
}
