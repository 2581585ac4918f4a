// The kernel's debugging state between cells: the session, the goroutine and frame that
// commands look at (Delve's terminal keeps the frame client-side too), where output goes.
import { RpcError, RpcTimeoutError, RpcTransportError } from './rpc/json-rpc';
import type { EvalScope } from './rpc/api';
import { Session, type SessionSpec } from './session/session';
import { LaunchError, type OutputSink } from './session/launch';
import { noSession, UserError } from './errors';
import type { MemSnapshot } from './analyses/memwatch/snapshot';
import { CaptureStore } from './capture/store';

export class DebugState {
  session: Session | undefined;
  /** -1: the current goroutine (Delve's selected one). */
  goroutineId = -1;
  frame = 0;
  memSnapshots = new Map<string, MemSnapshot>(); // memwatch snapshots by name, for `memwatch diff`
  /** stackdiff's captures: they outlive sessions (a core's against a live run's). */
  readonly captures = new CaptureStore();
  /**
   * `display -a`: expressions shown after every stop, numbered from 0 as in Delve's terminal
   * (a deleted one leaves a hole: null). They outlive sessions, as Delve's do restarts.
   */
  readonly displays: ({ expr: string; format: string } | null)[] = [];
  /** `watch`: per watchpoint id, what it watches and the value last seen (for old -> new at a stop). */
  readonly watchpoints = new Map<number, { session: Session; expr: string; type: string; watchType: string; address: number; value: string }>();

  constructor(readonly cwd: string, readonly output: OutputSink) {}

  get scope(): EvalScope {
    return { GoroutineID: this.goroutineId, Frame: this.frame };
  }

  /** The session, or an error that says how to start one. */
  need(command: string): Session {
    const s = this.session;
    if (!s) throw noSession(command);
    if (s.lostReason) {
      throw new UserError('TargetLost', `\`${command}\`: ${s.lostReason}; the session is over`, 'start a new one (`exec`, `debug`, `attach`, `core` or `connect`); `status` shows what happened');
    }
    if (!s.running && s.targetGone()) {
      throw new UserError('TargetExited', `\`${command}\`: the target (process ${s.pid}) is gone: it was killed outside the debugger`,
        s.launchedTarget ? 'type `restart` to run it again' : 'start a new session (`attach PID`, `exec`, `debug`)');
    }
    return s;
  }

  /** A session that can run: not a core dump. */
  needLive(command: string): Session {
    const s = this.need(command);
    if (s.isCore) throw new UserError('ReadOnlySession', `\`${command}\` cannot run on a core dump (a read-only session)`, 'look with `goroutines`, `bt`, `print EXPR`; start a live process with `exec` or `attach` to run it');
    return s;
  }

  resetScope(): void {
    this.goroutineId = -1;
    this.frame = 0;
  }

  /** Starts a new session; the old one ends only once the new one is up, so a failed start costs nothing. */
  async start(spec: SessionSpec, warn: (m: string) => void, signal: AbortSignal, anyDelve = false): Promise<Session> {
    let next: Session;
    try {
      next = await Session.start(spec, { cwd: this.cwd, output: this.output, warn, signal, anyDelve });
    } catch (err) {
      if (err instanceof LaunchError) throw new UserError('LaunchError', this.session ? `${err.message} (the current session, \`${this.session.describe()}\`, is unchanged)` : err.message);
      throw err;
    }
    if (signal.aborted) {
      // The cell was interrupted and has ended: a session that came up after all must not
      // replace the one the user kept.
      await next.close();
      throw new UserError('Interrupted', this.session ? `interrupted; \`${next.describe()}\` was not kept, and the current session, \`${this.session.describe()}\`, is unchanged` : `interrupted; \`${next.describe()}\` was not kept`);
    }
    await this.end();
    this.session = next;
    return next;
  }

  async end(mode: 'default' | 'kill' = 'default'): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.resetScope();
    if (s) await s.close(mode);
  }
}

/** Runs a Delve call; Delve's own error is shown with what was asked. */
export async function askDelve<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof RpcError) {
      if (/has exited with status/.test(err.message)) {
        throw new UserError('TargetExited', `${what}: ${err.message}`, 'type `restart` to run it again, or start another session');
      }
      throw new UserError('DelveError', `${what}: ${err.message}`);
    }
    if (err instanceof RpcTimeoutError) {
      // Delve is there but did not answer: the session is not lost (DelveConnection).
      if (err.reconnected) throw new UserError('DelveTimeout', `${what}: ${err.message}`, 'the session stays; the next cell uses the new connection');
      throw new UserError('DelveNotAnswering', `${what}: ${err.message}`,
        'the session stays, and the next cell tries again; `detach` ends it (a target the kernel started is killed), or restart the kernel');
    }
    if (err instanceof RpcTransportError) throw new UserError('TargetLost', `${what}: ${err.message}`, 'start a new session; `status` shows what happened');
    throw err;
  }
}
