// Starting a headless Delve: argument arrays only (never a shell string), loopback only,
// a free port chosen by the kernel, and a process group of its own so that Jupyter's
// SIGINT to the kernel's group does not reach dlv or the target.
import { spawn, type ChildProcess } from 'node:child_process';

export interface OutputSink {
  (name: 'stdout' | 'stderr', text: string): void;
}

export interface LaunchedDelve {
  proc: ChildProcess;
  port: number;
  /** Resolves with a description of how dlv ended ("exit status 1", "signal SIGKILL"). */
  exited: Promise<string>;
  /** The last of what dlv wrote on stderr (shown when it fails to start). */
  startupLog(): string;
}

export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

const LISTENING = /API server listening at: 127\.0\.0\.1:(\d+)/;

/**
 * Runs `dlv MODE ARGS... --headless ...` and waits for its listening line. Output after that
 * line is the target's (exec/debug) and goes to `output`.
 */
export function launchDelve(dlv: string, modeArgs: string[], extraFlags: string[], targetArgs: string[], output: OutputSink, cwd?: string): Promise<LaunchedDelve> {
  const argv = [
    ...modeArgs,
    '--headless', '--api-version=2', '--accept-multiclient', '--listen=127.0.0.1:0',
    ...extraFlags,
    ...(targetArgs.length ? ['--', ...targetArgs] : []),
  ];
  const proc = spawn(dlv, argv, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderrLog = '';
  let listening = false;
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit status ${code}`));
    proc.once('error', (err) => resolve(err.message));
  });

  return new Promise<LaunchedDelve>((resolve, reject) => {
    let stdoutHead = '';
    proc.stdout!.setEncoding('utf8');
    proc.stderr!.setEncoding('utf8');
    proc.stdout!.on('data', (text: string) => {
      if (listening) return output('stdout', text);
      stdoutHead += text;
      const m = LISTENING.exec(stdoutHead);
      if (!m) return;
      listening = true;
      const rest = stdoutHead.slice(stdoutHead.indexOf('\n', m.index) + 1);
      if (rest) output('stdout', rest);
      resolve({ proc, port: Number(m[1]), exited, startupLog: () => stderrLog });
    });
    proc.stderr!.on('data', (text: string) => {
      stderrLog = (stderrLog + text).slice(-8192); // kept to explain a failed start
      if (!listening) return;
      const shown = withoutDelveLogs(text);
      if (shown) output('stderr', shown);
    });
    proc.once('error', (err: NodeJS.ErrnoException) => {
      reject(new LaunchError(err.code === 'ENOENT' ? `Delve (${dlv}) is not installed; run \`npm run setup\`` : `cannot start Delve: ${err.message}`));
    });
    exited.then((how) => {
      if (!listening) reject(new LaunchError(`Delve stopped before it was ready (${how}): ${cleanDelveLog(stderrLog || stdoutHead)}`));
    });
  });
}

/**
 * Delve's own log lines share stderr with the target's; the kernel already says what
 * matters (e.g. the Go version warning), so they are left out of the cell.
 */
export function withoutDelveLogs(text: string): string {
  return text.replace(/^(\d{4}-\d\d-\d\dT\S+ \w+ layer=\w+ .*|WARNING: undefined behavior - version of Delve is too old.*)(\n|$)/gm, '');
}

/** Drops Delve's log prefixes ("2026-... error layer=debugger") from what it printed. */
export function cleanDelveLog(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/^\S+Z \w+ layer=\w+ /, '').trim())
    .filter((line) => line !== '')
    .join('\n');
}

/** Kills dlv's whole process group: dlv and anything it started that shares it. */
export function killGroup(proc: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try { proc.kill(signal); } catch { /* already gone */ }
  }
}
