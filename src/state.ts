// The kernel's debugging state between cells: the session, the goroutine and frame that
// commands look at (Delve's terminal keeps the frame client-side too), where output goes.
import { RpcError, RpcTimeoutError, RpcTransportError } from './rpc/json-rpc';
import type { EvalScope } from './rpc/api';
import { Session, type SessionSpec } from './session/session';
import { LaunchError, type OutputSink } from './session/launch';
import { noSession, UserError } from './errors';
import type { MemSnapshot } from './analyses/memwatch/snapshot';
import { CaptureStore } from './capture/store';
import type { Capture } from './capture/capture';
import { CaptureDatabase } from './store/database';

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

  /** Where captures are kept on disk (undefined: in memory only); why not, when opening it failed. */
  private database: Promise<CaptureDatabase> | undefined;
  databaseProblem: string | undefined;

  constructor(readonly cwd: string, readonly output: OutputSink, readonly capturesFile?: string) {}

  /**
   * Opens the captures file and brings back what it holds (a kernel restarted for the same
   * notebook). A file another kernel holds open, or one that cannot be read, leaves the
   * captures in memory only, and says so.
   */
  restore(): Promise<void> {
    if (!this.capturesFile) return Promise.resolve();
    return this.db().then(async (db) => {
      if (!db.file) return;
      const kept = await db.loadAll();
      for (const c of kept.stacks) this.captures.put(c);
      for (const m of kept.mem) this.memSnapshots.set(m.name, m);
    }, () => undefined);
  }

  /** The SQL engine and captures database, opened on first use. */
  db(): Promise<CaptureDatabase> {
    if (!this.database) {
      const file = this.capturesFile;
      this.database = (async () => {
        let db: CaptureDatabase;
        try {
          db = await CaptureDatabase.open(file);
        } catch (err) {
          if (!file) throw err;
          this.databaseProblem = `captures are kept in memory only: ${file} could not be opened (${(err as Error).message.split('\n')[0]})`;
          this.output('stderr', `delve-kernel: ${this.databaseProblem}\n`);
          db = await CaptureDatabase.open(undefined);
        }
        // An engine opened in memory (for SQL) starts with the captures taken so far.
        if (!db.file) {
          for (const c of this.captures.all()) await db.putStacks(c);
          for (const m of this.memSnapshots.values()) await db.putMemSnapshot(m);
        }
        return db;
      })();
      this.database.catch(() => { this.database = undefined; });
    }
    return this.database;
  }

  /** The file captures outlive the kernel in, unless opening it failed. */
  keptIn(): string | undefined {
    return this.databaseProblem ? undefined : this.capturesFile;
  }

  /** Keeps a stack capture, in memory and on disk; a note if the disk refused it. */
  async keepStacks(c: Capture): Promise<{ replaced: boolean; notSaved?: string }> {
    const replaced = this.captures.put(c) !== undefined;
    return { replaced, notSaved: await this.persist((db) => db.putStacks(c)) };
  }

  async keepMemSnapshot(m: MemSnapshot): Promise<string | undefined> {
    this.memSnapshots.set(m.name, m);
    return this.persist((db) => db.putMemSnapshot(m));
  }

  async dropCapture(kind: 'stacks' | 'memwatch', name: string): Promise<void> {
    if (kind === 'stacks') this.captures.drop(name);
    else this.memSnapshots.delete(name);
    await this.persist((db) => db.drop(kind, name));
  }

  /** Only where captures go to disk: without a file, SQL's engine is opened when first asked. */
  private async persist(write: (db: CaptureDatabase) => Promise<void>): Promise<string | undefined> {
    if (!this.capturesFile && !this.database) return undefined;
    try {
      await write(await this.db());
      return undefined;
    } catch (err) {
      return `not saved to disk (${(err as Error).message.split('\n')[0]}): it is kept in this kernel only`;
    }
  }

  async closeDatabase(): Promise<void> {
    const db = await this.database?.catch(() => undefined);
    this.database = undefined;
    await db?.close();
  }

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
      if (/next while nexting/.test(err.message)) {
        throw new UserError('DelveError', `${what}: ${err.message}: another goroutine stopped at a breakpoint while the last step was still going`,
          '`continue` finishes that step (it stops where the step ends); a breakpoint with a condition (`break LOC if worker == 1`) keeps other goroutines from stopping');
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
