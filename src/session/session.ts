// One debugging session: a Delve server (launched by us or connected to), two connections
// to it, and what we know of the target. Only this layer talks to Delve.
//
// Two connections because Delve serves one connection's calls in order: a `continue` on the
// query connection would block a `halt` queued behind it, so halts go on the control one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DelveClient } from '../rpc/delve-client';
import type { VersionInfo } from '../rpc/api';
import { buildForDebugging } from './build';
import { chooseDelve, decideDelve } from './delve-choice';
import { goVersionOfFile } from './go-version';
import { cleanDelveLog, killGroup, launchDelve, LaunchError, type LaunchedDelve, type OutputSink } from './launch';
import { coreMismatch } from './core-check';
import { haltAndWait, releaseTarget } from './release';
import { loadRuntimeNames, type RuntimeNames } from './runtime-names';
import { unwatch, watch } from './watchdog';

export type SessionSpec =
  | { kind: 'debug'; target: string; args: string[] }
  | { kind: 'exec'; binary: string; args: string[] }
  | { kind: 'attach'; pid: number }
  | { kind: 'core'; binary: string; core: string }
  | { kind: 'connect'; host: string; port: number };

export interface StartOptions {
  cwd: string;
  output: OutputSink;
  /** One-line notes for the user (e.g. the Go version check was turned off). */
  warn(message: string): void;
  signal?: AbortSignal;
  /** Use a Delve known to misread this target rather than refuse (`--any-delve`). */
  anyDelve?: boolean;
}

export class Session {
  /** Set when Delve went away under us; every later call explains it. */
  lostReason: string | undefined;
  /** A continue/next/step in flight on the query connection (whileRunning). */
  private runInFlight: Promise<unknown> | undefined;
  private runtimeNamesCache: Promise<RuntimeNames> | undefined;

  private constructor(
    readonly spec: SessionSpec,
    readonly query: DelveClient,
    readonly control: DelveClient,
    readonly version: VersionInfo,
    /** The target's process id; changes on restart (setPid). */
    public pid: number,
    readonly goVersion: string | undefined,
    private readonly dlv: LaunchedDelve | undefined,
    private readonly tempDir: string | undefined,
  ) {
    query.rpc.onClose((reason) => {
      if (!this.closing) this.lostReason ??= `the connection to Delve closed (${reason})`;
    });
    // A call that times out reconnects (DelveConnection); when Delve answers no new connection
    // either, the error says what its process is doing.
    const dlvPid = dlv?.proc.pid;
    if (dlvPid) query.rpc.explain = control.rpc.explain = () => delveProcessState(dlvPid);
    this.watchTarget();
    dlv?.exited.then((how) => {
      if (this.closing) return;
      this.lostReason = `Delve exited (${how})`;
      this.killLaunchedTarget();
    });
  }

  private closing = false;

  /**
   * Why the session was lost, once Delve's own exit is known: its connection closes a moment
   * before its process is reaped, and "Delve exited (signal SIGKILL)" says more than "closed".
   */
  async lossExplained(waitMs = 1000): Promise<string | undefined> {
    if (this.dlv) await Promise.race([this.dlv.exited, new Promise((r) => setTimeout(r, waitMs).unref())]);
    if (!this.lostReason) return undefined;
    const fate = this.launchedTarget ? '; the program it started was killed with it' : this.kind === 'attach' ? `; process ${this.pid} was left running` : '';
    return this.lostReason + fate;
  }

  /** The dlv process this kernel started, if any. */
  get dlvPid(): number | undefined {
    return this.dlv?.proc.pid;
  }

  get kind(): SessionSpec['kind'] {
    return this.spec.kind;
  }
  get isCore(): boolean {
    return this.spec.kind === 'core';
  }
  /** Whether this kernel started the target process (and so must not leave it behind). */
  get launchedTarget(): boolean {
    return this.spec.kind === 'debug' || this.spec.kind === 'exec';
  }

  describe(): string {
    const s = this.spec;
    switch (s.kind) {
      case 'debug': return `debug ${s.target}${s.args.length ? ' -- ' + s.args.join(' ') : ''}`;
      case 'exec': return `exec ${s.binary}${s.args.length ? ' -- ' + s.args.join(' ') : ''}`;
      case 'attach': return `attach ${s.pid}`;
      case 'core': return `core ${s.binary} ${s.core}`;
      case 'connect': return `connect ${s.host}:${s.port}`;
    }
  }

  runtimeNames(): Promise<RuntimeNames> {
    this.runtimeNamesCache ??= loadRuntimeNames(this.query);
    return this.runtimeNamesCache;
  }

  static async start(spec: SessionSpec, opts: StartOptions): Promise<Session> {
    let tempDir: string | undefined;
    let binary: string | undefined;
    let modeArgs: string[];
    let targetArgs: string[] = [];
    switch (spec.kind) {
      case 'connect':
        return Session.connectTo(spec, undefined, undefined, undefined, opts);
      case 'debug': {
        const built = await buildForDebugging(spec.target, opts.cwd, opts.output, opts.signal);
        tempDir = built.tempDir;
        binary = built.binary;
        modeArgs = ['exec', binary];
        targetArgs = spec.args;
        break;
      }
      case 'exec':
        binary = mustExist(spec.binary, opts.cwd, 'binary');
        modeArgs = ['exec', binary];
        targetArgs = spec.args;
        break;
      case 'attach':
        binary = `/proc/${spec.pid}/exe`;
        if (!fs.existsSync(`/proc/${spec.pid}`)) throw new LaunchError(`no process ${spec.pid}; list candidates with \`ps -e\` and type \`attach PID\``);
        modeArgs = ['attach', String(spec.pid)];
        break;
      case 'core':
        binary = mustExist(spec.binary, opts.cwd, 'binary');
        spec = { ...spec, binary, core: mustExist(spec.core, opts.cwd, 'core file') }; // later readers need the paths
        {
          const mismatch = coreMismatch(binary, spec.core);
          if (mismatch) throw new LaunchError(`${mismatch}; give the binary the dumped process ran (\`core BINARY COREFILE\`)`);
        }
        modeArgs = ['core', binary, spec.core];
        break;
    }
    // An attached process's binary is /proc/PID/exe: the same policy applies to all four.
    const goVersion = goVersionOfFile(binary);
    let choice;
    try {
      choice = await chooseDelve(goVersion, opts.anyDelve);
    } catch (err) {
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
      throw err;
    }
    if (choice.note) opts.warn(choice.note);
    let dlv: LaunchedDelve;
    try {
      dlv = await launchDelve(choice.delve.path, modeArgs, choice.flags, targetArgs, opts.output, opts.cwd);
    } catch (err) {
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
      throw err;
    }
    try {
      return await Session.connectTo(spec, dlv, tempDir, goVersion, opts);
    } catch (err) {
      // Delve may print "listening" and then fail to start the target.
      const how = await Promise.race([dlv.exited, new Promise<string>((r) => setTimeout(() => r(''), 2000))]);
      killGroup(dlv.proc);
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
      throw new LaunchError(`Delve could not start ${spec.kind}${how ? ` (${how})` : ''}: ${cleanDelveLog(dlv.startupLog()) || (err as Error).message}`);
    }
  }

  private static async connectTo(spec: SessionSpec, dlv: LaunchedDelve | undefined, tempDir: string | undefined, goVersion: string | undefined, opts: StartOptions): Promise<Session> {
    const host = spec.kind === 'connect' ? spec.host : '127.0.0.1';
    const port = spec.kind === 'connect' ? spec.port : dlv!.port;
    let query: DelveClient;
    try {
      query = await DelveClient.connect(host, port);
    } catch (err) {
      if (spec.kind !== 'connect') throw err;
      throw new LaunchError(`${(err as Error).message}; is \`dlv --headless --accept-multiclient --listen=${host}:${port}\` running there?`);
    }
    let control: DelveClient;
    try {
      control = await DelveClient.connect(host, port);
    } catch {
      control = query; // a server without --accept-multiclient takes one client
      query.rpc.reconnectable = false; // dropping its one connection would end its session
    }
    const version = await query.getVersion();
    // ProcessPid waits for a running target to stop: ask only of a stopped one (a server
    // someone else is using may be running); the pid is read later (knownPid).
    const running = spec.kind === 'connect' && (await control.state(true).then((st) => st.Running, () => false));
    if (running) opts.warn('note: the target is running; `halt` or the interrupt button stops it');
    const pid = spec.kind === 'attach' ? spec.pid : running ? 0 : await query.processPid().catch(() => 0);
    goVersion ??= version.TargetGoVersion?.match(/go\d+\.\d+(\.\d+)?/)?.[0];
    if (spec.kind === 'connect') {
      // Someone else's Delve: the same policy, but the only choices are to use it or not.
      const delveVersion = /Version:\s*(\S+)/.exec(version.DelveVersion)?.[1] ?? version.DelveVersion;
      try {
        const choice = decideDelve([{ path: '', version: delveVersion }], goVersion, { anyDelve: opts.anyDelve, launching: false });
        if (choice.note) opts.warn(choice.note);
      } catch (err) {
        query.close();
        if (control !== query) control.close();
        throw err;
      }
    }
    return new Session(spec, query, control, version, pid, goVersion, dlv, tempDir);
  }

  get running(): boolean {
    return this.runInFlight !== undefined;
  }

  /**
   * Runs a continue, next or step. close() halts it and waits for it to return before it
   * detaches: a detach while Delve is still stopping the target can leave the target a
   * signal it dies of (release.ts).
   */
  async whileRunning<T>(run: () => Promise<T>): Promise<T> {
    const p = run();
    this.runInFlight = p;
    try {
      return await p;
    } finally {
      this.runInFlight = undefined;
    }
  }

  /** Stops a running target through the control connection. */
  async halt(): Promise<void> {
    await this.control.command({ name: 'halt' });
  }

  /**
   * Whether the target process is gone though Delve still holds the session: killed from
   * outside while stopped, it lingers as a zombie Delve has not reaped, and every call fails
   * with "no such process".
   */
  targetGone(): boolean {
    if (this.isCore || this.spec.kind === 'connect' || !this.pid) return false;
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      return /\) [ZX] /.test(stat);
    } catch {
      return true;
    }
  }

  /** Whether the target runs now (a server's other client may have resumed it); answers at once. */
  async targetRunning(): Promise<boolean> {
    if (this.running) return true;
    if (this.lostReason || this.isCore) return false;
    return this.control.state(true).then((st) => st.Running, () => false);
  }

  /** Halts the target if it runs, whatever the query connection waits on (the interrupt button). */
  async haltIfRunning(): Promise<void> {
    // A continue of ours halts itself on interrupt (runTarget); a second halt would stay
    // pending in Delve and stop the next continue at once.
    if (!this.running && (await this.targetRunning())) await this.halt().catch(() => undefined);
  }

  /** The target's pid, read once it is stopped when the session began with it running. */
  async knownPid(): Promise<number> {
    if (!this.pid && !(await this.targetRunning())) this.pid = await this.query.processPid().catch(() => 0);
    return this.pid;
  }

  /**
   * Ends the session. 'default': kill what we launched, leave attached processes running,
   * leave a connected server as it was. 'kill' kills the target in every case.
   */
  async close(mode: 'default' | 'kill' = 'default'): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const kill = mode === 'kill' || this.launchedTarget;
    if (!this.lostReason) {
      try {
        if (this.spec.kind === 'attach' && !kill) {
          await withTimeout(releaseTarget(this.query, this.control, this.pid, this.runInFlight), 10_000);
        } else {
          if (this.runInFlight) await withTimeout(haltAndWait(this.control, this.runInFlight), 8000).catch(() => undefined);
          if (this.spec.kind !== 'connect' || mode === 'kill') await withTimeout(this.control.detach(kill), 5000);
        }
      } catch {
        /* Delve is gone or stuck: the process kills below still run */
      }
    }
    this.query.close();
    this.control.close();
    if (this.dlv) {
      await Promise.race([this.dlv.exited, sleep(2000)]);
      killGroup(this.dlv.proc);
    }
    if (kill) this.killLaunchedTarget();
    if (this.dlv?.proc.pid) unwatch(this.dlv.proc.pid);
    if (this.tempDir) fs.rmSync(this.tempDir, { recursive: true, force: true });
  }

  /** Tells the watchdog what to end should the kernel die (again after a restart: a new pid). */
  private watchTarget(): void {
    const group = this.dlv?.proc.pid;
    if (!group) return;
    watch({
      group,
      target: this.launchedTarget ? this.pid : 0,
      release: this.spec.kind === 'attach' ? { port: this.dlv!.port, pid: this.pid } : undefined,
      tempDir: this.tempDir,
    });
  }

  /** After `restart` the target has a new pid: the watchdog must know it. */
  setPid(pid: number): void {
    this.pid = pid;
    this.watchTarget();
  }

  /** A target we launched must not outlive its Delve (a traced target left behind keeps running). */
  private killLaunchedTarget(): void {
    if (!this.launchedTarget || !this.pid) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** What Delve's process is doing, from /proc: why it may not answer. */
export function delveProcessState(pid: number): string {
  let state: string | undefined;
  try {
    state = /\) (\S) /.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return `Delve's process ${pid} is gone`;
  }
  switch (state) {
    case 'T': return `Delve's process ${pid} is stopped (SIGSTOP, or Ctrl-Z); \`kill -CONT ${pid}\` resumes it`;
    case 't': return `Delve's process ${pid} is stopped by a debugger tracing it`;
    case 'D': return `Delve's process ${pid} is waiting in the kernel (uninterruptible, state D)`;
    case 'Z': case 'X': return `Delve's process ${pid} has exited`;
    default: return `Delve's process ${pid} runs but does not answer (busy or stuck)`;
  }
}

function mustExist(file: string, cwd: string, what: string): string {
  const resolved = path.resolve(cwd, file);
  if (!fs.existsSync(resolved)) throw new LaunchError(`no ${what} at ${resolved}`);
  if (!fs.statSync(resolved).isFile()) throw new LaunchError(`${resolved} is not a ${what}: it is not a regular file`);
  return resolved;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}
