// zeromq v6 allows one pending send per socket (a second one fails with EBUSY), and
// the order of iopub messages matters (busy, outputs, idle). So every send on a socket
// goes through one queue, and callers may fire and forget.
import { log, describeError } from './log';

interface Writable {
  send(frames: Buffer[]): Promise<void>;
}

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Writable,
    private readonly name: string,
  ) {}

  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(() =>
      this.socket.send(frames).catch((err) => log(`sending on ${this.name} failed: ${describeError(err)}`)),
    );
    return this.tail;
  }

  /** Resolves when everything queued so far has been handed to ZeroMQ. */
  drained(): Promise<void> {
    return this.tail;
  }
}
