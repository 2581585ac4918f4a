// The kernel process: binds Jupyter's five sockets and answers requests by calling an Interpreter.
// Shell requests run one at a time, in order; control requests (interrupt, shutdown) are
// handled as soon as they arrive, even while a shell execute is running.
import * as zmq from 'zeromq';
import type { KernelMessage } from '@jupyterlab/services';
import { endpoint, type ConnectionInfo } from './connection';
import type { ExecuteContext, ExecuteOutcome, IdleOutput, Interpreter, InterpreterFactory, MimeBundle } from './interpreter';
import { decode, encode, SeenSignatures, type Header, type JupyterMessage } from './wire';
import { broadcast, newSender, replyTo, replyType, PROTOCOL_VERSION, type Sender } from './messages';
import { SendQueue } from './send-queue';
import { History } from './history';
import { codePointLength, codePointsToUtf16, utf16ToCodePoints } from './offsets';
import { describeError, log } from './log';

export interface KernelOptions {
  /** Exit the process (code 0) after shutdown_request or SIGTERM. Default true; in-process embedders pass false. */
  exitProcess?: boolean;
  /** SIGINT interrupts the interpreter, SIGTERM shuts down cleanly. Default true. */
  handleSignals?: boolean;
}

type Channel = 'shell' | 'control';

interface Request {
  channel: Channel;
  message: JupyterMessage;
  /** Set when an execute before it failed with stop_on_error: answer "aborted" instead of running it. */
  aborted: boolean;
}

type Handler = (request: Request) => Promise<void>;

/** A message type from @jupyterlab/services (or below), so the compiler checks the content we send. */
interface TypedMessage {
  header: { msg_type: string };
  content: unknown;
}

/** @jupyterlab/services 7 has no shutdown_reply type; this is its 5.3 shape. */
interface ShutdownReplyMsg {
  header: { msg_type: 'shutdown_reply' };
  content: { status: 'ok'; restart: boolean };
}

// The Interpreter promises JSON-able data; these are the JSON types the protocol messages declare.
type JsonBundle = KernelMessage.IDisplayDataMsg['content']['data'];
type JsonObject = KernelMessage.IDisplayDataMsg['content']['metadata'];
type StrictJsonObject = KernelMessage.IInspectReply['data'];

/** How long close() lets unsent replies drain before the process exits. */
const LINGER_MS = 1000;

export class Kernel {
  private readonly sender: Sender = newSender();
  private readonly shellSocket = new zmq.Router();
  private readonly controlSocket = new zmq.Router();
  private readonly iopubSocket = new zmq.Publisher();
  private readonly stdinSocket = new zmq.Router();
  // A ROUTER, as ipykernel's: a REP socket is left stuck by one message without an envelope.
  private readonly heartbeatSocket = new zmq.Router();
  private readonly seenSignatures = new SeenSignatures();
  private readonly shellOut = new SendQueue(this.shellSocket, 'shell');
  private readonly controlOut = new SendQueue(this.controlSocket, 'control');
  private readonly iopubOut = new SendQueue(this.iopubSocket, 'iopub');

  private readonly shellQueue: Request[] = [];
  private wakeShellWorker: (() => void) | null = null;

  private executionCount = 0;
  private readonly history = new History();
  /** Parent for output that arrives between requests: the last non-silent execute_request. */
  private lastExecuteHeader: Header | Record<string, never> = {};

  /** Created on first use, so starting the kernel costs nothing on the interpreter side. */
  private interpreterInstance: Interpreter | null = null;

  /** Shutdown has begun: new requests are dropped. */
  private stopping = false;
  private socketsClosed = false;
  private resolveClosed!: () => void;
  /** Resolves once the sockets are closed after a shutdown. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  private readonly shellHandlers = new Map<string, Handler>([
    ['kernel_info_request', (r) => this.kernelInfo(r)],
    ['execute_request', (r) => this.execute(r)],
    ['complete_request', (r) => this.complete(r)],
    ['inspect_request', (r) => this.inspect(r)],
    ['is_complete_request', (r) => this.isComplete(r)],
    ['history_request', (r) => this.historyRequest(r)],
    ['comm_info_request', (r) => this.commInfo(r)],
    ['comm_open', (r) => this.commOpen(r)],
    ['comm_msg', async () => {}],
    ['comm_close', async () => {}],
    ['shutdown_request', (r) => this.shutdown(r)],
  ]);

  private readonly controlHandlers = new Map<string, Handler>([
    ['kernel_info_request', (r) => this.kernelInfo(r)],
    ['interrupt_request', (r) => this.interrupt(r)],
    ['shutdown_request', (r) => this.shutdown(r)],
  ]);

  private readonly idleOutput: IdleOutput = {
    stream: (name, text) =>
      void this.publish<KernelMessage.IStreamMsg>('stream', { name, text }, this.lastExecuteHeader),
  };

  constructor(
    private readonly connection: ConnectionInfo,
    private readonly factory: InterpreterFactory,
    private readonly options: KernelOptions = {},
  ) {}

  async start(): Promise<void> {
    const c = this.connection;
    const bindings: [zmq.Router | zmq.Publisher | zmq.Reply, number][] = [
      [this.shellSocket, c.shell_port],
      [this.controlSocket, c.control_port],
      [this.iopubSocket, c.iopub_port],
      [this.stdinSocket, c.stdin_port],
      [this.heartbeatSocket, c.hb_port],
    ];
    for (const [socket] of bindings) {
      socket.linger = LINGER_MS;
      if (c.ip.includes(':')) socket.ipv6 = true;
    }
    await Promise.all(bindings.map(([socket, port]) => socket.bind(endpoint(c, port))));

    void this.publish<KernelMessage.IStatusMsg>('status', { execution_state: 'starting' }, {});
    void this.receive(this.shellSocket, 'shell');
    void this.receive(this.controlSocket, 'control');
    void this.runShellQueue();
    void this.echoHeartbeats();
    if (this.options.handleSignals !== false) {
      process.on('SIGINT', this.onSigint);
      process.on('SIGTERM', this.onSigterm);
    }
  }

  /** Shuts the interpreter down and closes the sockets, as after shutdown_request. */
  async terminate(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.shutdownInterpreter(false);
    await this.finish();
  }

  private readonly onSigint = () => this.interruptInterpreter();
  private readonly onSigterm = () => void this.terminate();

  // ---- receiving ----

  private async receive(socket: zmq.Router, channel: Channel): Promise<void> {
    try {
      for await (const frames of socket) {
        const decoded = decode(frames, this.connection.key);
        if (!decoded.ok) {
          log(`dropped a message on ${channel}: ${decoded.reason}`);
          continue;
        }
        if (!this.seenSignatures.firstTime(decoded.signature)) {
          log(`dropped a replayed ${decoded.message.header.msg_type} on ${channel} (its signature was seen before)`);
          continue;
        }
        if (this.stopping) {
          log(`shutting down; ignored ${decoded.message.header.msg_type} on ${channel}`);
          continue;
        }
        const request: Request = { channel, message: decoded.message, aborted: false };
        if (channel === 'shell') {
          this.shellQueue.push(request);
          this.wakeShellWorker?.();
        } else {
          await this.handle(request);
        }
      }
    } catch (err) {
      if (!this.socketsClosed) log(`receiving on ${channel} failed: ${describeError(err)}`);
    }
  }

  private async runShellQueue(): Promise<void> {
    while (!this.socketsClosed) {
      const request = this.shellQueue.shift();
      if (request) {
        await this.handle(request);
      } else {
        await new Promise<void>((resolve) => (this.wakeShellWorker = resolve));
        this.wakeShellWorker = null;
      }
    }
  }

  private async echoHeartbeats(): Promise<void> {
    try {
      // Whatever arrives goes back to its sender, envelope and all (the first frame names it).
      for await (const frames of this.heartbeatSocket) await this.heartbeatSocket.send(frames).catch((err) => log(`heartbeat echo failed: ${describeError(err)}`));
    } catch (err) {
      if (!this.socketsClosed) log(`heartbeat failed: ${describeError(err)}`);
    }
  }

  /** Every request is framed by busy and idle on iopub, with the request as parent. */
  private async handle(request: Request): Promise<void> {
    const { header } = request.message;
    const handler = (request.channel === 'shell' ? this.shellHandlers : this.controlHandlers).get(header.msg_type);
    void this.publishStatus('busy', header);
    if (!handler) {
      log(`ignored unknown message type ${header.msg_type} on ${request.channel}`);
    } else {
      try {
        await handler(request);
      } catch (err) {
        log(`${header.msg_type} failed: ${describeError(err)}`);
        this.replyError(request, err);
      }
    }
    void this.publishStatus('idle', header);
    if (header.msg_type === 'shutdown_request') await this.finish();
  }

  // ---- sending ----

  private reply<T extends TypedMessage>(request: Request, msgType: T['header']['msg_type'], content: T['content']): Promise<void> {
    if (this.socketsClosed) return Promise.resolve();
    const out = request.channel === 'shell' ? this.shellOut : this.controlOut;
    return out.send(encode(replyTo(this.sender, request.message, msgType, content as object), this.connection.key));
  }

  private publish<T extends TypedMessage>(
    msgType: T['header']['msg_type'],
    content: T['content'],
    parent: Header | Record<string, never>,
  ): Promise<void> {
    if (this.socketsClosed) return Promise.resolve();
    return this.iopubOut.send(encode(broadcast(this.sender, msgType, content as object, parent), this.connection.key));
  }

  private publishStatus(state: KernelMessage.Status, parent: Header): Promise<void> {
    return this.publish<KernelMessage.IStatusMsg>('status', { execution_state: state }, parent);
  }

  /** A request whose handler threw gets a status "error" reply (if it is a request at all). */
  private replyError(request: Request, err: unknown): void {
    const type = request.message.header.msg_type;
    if (!type.endsWith('_request')) return;
    void this.reply<TypedMessage>(request, replyType(type), { status: 'error', ...errorFields(err) });
  }

  // ---- handlers ----

  private interpreter(): Interpreter {
    return (this.interpreterInstance ??= this.factory(this.idleOutput));
  }

  private async kernelInfo(request: Request): Promise<void> {
    const info = await this.interpreter().kernelInfo();
    await this.reply<KernelMessage.IInfoReplyMsg>(request, 'kernel_info_reply', {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: info.implementation,
      implementation_version: info.implementation_version,
      language_info: { ...info.language_info },
      banner: info.banner,
      help_links: info.help_links,
    });
  }

  private async execute(request: Request): Promise<void> {
    const content = request.message.content as Partial<KernelMessage.IExecuteRequestMsg['content']>;
    const code = String(content.code ?? '');
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    const stopOnError = content.stop_on_error !== false;
    const parent = request.message.header;

    if (request.aborted) {
      await this.reply<KernelMessage.IExecuteReplyMsg>(request, 'execute_reply', {
        status: 'aborted',
        execution_count: this.executionCount,
      });
      return;
    }

    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) {
      this.lastExecuteHeader = parent;
      void this.publish<KernelMessage.IExecuteInputMsg>('execute_input', { code, execution_count: count }, parent);
    }

    let outcome: ExecuteOutcome;
    try {
      outcome = await this.interpreter().execute(code, this.executeContext(parent, silent));
    } catch (err) {
      outcome = { status: 'error', ...errorFields(err) };
    }

    if (storeHistory) {
      const text = outcome.status === 'ok' ? outcome.result?.data['text/plain'] : undefined;
      this.history.add(count, code, typeof text === 'string' ? text : '');
    }

    if (outcome.status === 'ok') {
      if (outcome.result && !silent) {
        void this.publish<KernelMessage.IExecuteResultMsg>(
          'execute_result',
          { execution_count: count, data: json(outcome.result.data), metadata: jsonObject(outcome.result.metadata) },
          parent,
        );
      }
      await this.reply<KernelMessage.IExecuteReplyMsg>(request, 'execute_reply', {
        status: 'ok',
        execution_count: count,
        user_expressions: {},
        payload: [],
      });
      return;
    }

    const { ename, evalue, traceback } = outcome;
    if (!silent) void this.publish<KernelMessage.IErrorMsg>('error', { ename, evalue, traceback }, parent);
    await this.reply<KernelMessage.IExecuteReplyMsg>(request, 'execute_reply', {
      status: 'error',
      execution_count: count,
      ename,
      evalue,
      traceback,
    });
    // Like ipykernel: the cells queued behind a failed one were written expecting it to succeed.
    if (stopOnError && !silent) {
      for (const queued of this.shellQueue) {
        if (queued.message.header.msg_type === 'execute_request') queued.aborted = true;
      }
    }
  }

  private executeContext(parent: Header, silent: boolean): ExecuteContext {
    if (silent) return { stream() {}, display() {}, updateDisplay() {} };
    return {
      stream: (name, text) => void this.publish<KernelMessage.IStreamMsg>('stream', { name, text }, parent),
      display: (data, metadata, displayId) => {
        const content: KernelMessage.IDisplayDataMsg['content'] = { data: json(data), metadata: jsonObject(metadata) };
        // transient only when there is a display id: clients reject transient: null.
        if (displayId !== undefined) content.transient = { display_id: displayId };
        void this.publish<KernelMessage.IDisplayDataMsg>('display_data', content, parent);
      },
      updateDisplay: (displayId, data, metadata) =>
        void this.publish<KernelMessage.IUpdateDisplayDataMsg>(
          'update_display_data',
          { data: json(data), metadata: jsonObject(metadata), transient: { display_id: displayId } },
          parent,
        ),
    };
  }

  private async complete(request: Request): Promise<void> {
    const content = request.message.content as Partial<KernelMessage.ICompleteRequestMsg['content']>;
    const code = String(content.code ?? '');
    const cursor = typeof content.cursor_pos === 'number' ? content.cursor_pos : codePointLength(code);
    const outcome = await this.interpreter().complete(code, codePointsToUtf16(code, cursor));
    await this.reply<KernelMessage.ICompleteReplyMsg>(request, 'complete_reply', {
      status: 'ok',
      matches: outcome.matches,
      cursor_start: utf16ToCodePoints(code, outcome.cursorStart),
      cursor_end: utf16ToCodePoints(code, outcome.cursorEnd),
      metadata: (outcome.metadata ?? {}) as StrictJsonObject,
    });
  }

  private async inspect(request: Request): Promise<void> {
    const content = request.message.content as Partial<KernelMessage.IInspectRequestMsg['content']>;
    const code = String(content.code ?? '');
    const cursor = typeof content.cursor_pos === 'number' ? content.cursor_pos : codePointLength(code);
    const detail = content.detail_level === 1 ? 1 : 0;
    const outcome = await this.interpreter().inspect(code, codePointsToUtf16(code, cursor), detail);
    await this.reply<KernelMessage.IInspectReplyMsg>(request, 'inspect_reply', {
      status: 'ok',
      found: outcome.found,
      data: outcome.data as StrictJsonObject,
      metadata: {},
    });
  }

  private async isComplete(request: Request): Promise<void> {
    const code = String(request.message.content.code ?? '');
    const outcome = await this.interpreter().isComplete(code);
    await this.reply<KernelMessage.IIsCompleteReplyMsg>(
      request,
      'is_complete_reply',
      outcome.status === 'incomplete' ? { status: 'incomplete', indent: outcome.indent ?? '' } : { status: outcome.status },
    );
  }

  private async historyRequest(request: Request): Promise<void> {
    const c = request.message.content;
    const output = c.output === true;
    const history =
      c.hist_access_type === 'tail'
        ? this.history.tail(numberOr(c.n, 10), output)
        : c.hist_access_type === 'range'
          ? this.history.range(numberOr(c.session, 0), numberOr(c.start, 1), typeof c.stop === 'number' ? c.stop : null, output)
          : c.hist_access_type === 'search'
            ? this.history.search(String(c.pattern ?? '*'), numberOr(c.n, 0), c.unique === true, output)
            : [];
    await this.reply<KernelMessage.IHistoryReplyMsg>(request, 'history_reply', { status: 'ok', history });
  }

  private async commInfo(request: Request): Promise<void> {
    await this.reply<KernelMessage.ICommInfoReplyMsg>(request, 'comm_info_reply', { status: 'ok', comms: {} });
  }

  /** No comm targets exist here; closing the comm tells the frontend so (as ipykernel does). */
  private async commOpen(request: Request): Promise<void> {
    const commId = String(request.message.content.comm_id ?? '');
    await this.publish<KernelMessage.ICommCloseMsg<'iopub'>>('comm_close', { comm_id: commId, data: {} }, request.message.header);
  }

  private async interrupt(request: Request): Promise<void> {
    this.interruptInterpreter();
    await this.reply<KernelMessage.IInterruptReplyMsg>(request, 'interrupt_reply', { status: 'ok' });
  }

  private async shutdown(request: Request): Promise<void> {
    const restart = request.message.content.restart === true;
    this.stopping = true;
    await this.shutdownInterpreter(restart);
    const content = { status: 'ok' as const, restart };
    void this.reply<ShutdownReplyMsg>(request, 'shutdown_reply', content);
    // ipykernel also broadcasts it, so every connected client learns the kernel is going.
    await this.publish<ShutdownReplyMsg>('shutdown_reply', content, request.message.header);
  }

  // ---- lifecycle ----

  private interruptInterpreter(): void {
    try {
      this.interpreterInstance?.interrupt();
    } catch (err) {
      log(`interrupt failed: ${describeError(err)}`);
    }
  }

  private async shutdownInterpreter(restart: boolean): Promise<void> {
    try {
      await this.interpreterInstance?.shutdown(restart);
    } catch (err) {
      log(`interpreter shutdown failed: ${describeError(err)}`);
    }
  }

  /** Drains what is queued for sending, closes the sockets, and exits unless embedded. */
  private async finish(): Promise<void> {
    if (this.socketsClosed) return;
    await Promise.all([this.shellOut.drained(), this.controlOut.drained(), this.iopubOut.drained()]);
    this.socketsClosed = true;
    for (const socket of [this.shellSocket, this.controlSocket, this.iopubSocket, this.stdinSocket, this.heartbeatSocket]) {
      socket.close();
    }
    this.wakeShellWorker?.();
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
    this.resolveClosed();
    if (this.options.exitProcess !== false) process.exit(0);
  }
}

function errorFields(err: unknown): { ename: string; evalue: string; traceback: string[] } {
  if (err instanceof Error) {
    return { ename: err.name, evalue: err.message, traceback: (err.stack ?? `${err.name}: ${err.message}`).split('\n') };
  }
  return { ename: 'Error', evalue: String(err), traceback: [String(err)] };
}

function json(data: MimeBundle): JsonBundle {
  return data as JsonBundle;
}

function jsonObject(metadata: Record<string, unknown> | undefined): JsonObject {
  return (metadata ?? {}) as JsonObject;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
