// No orphan dlv or target, ever: when the kernel shuts down it cleans up itself (Session.close),
// but a kernel killed with SIGKILL or crashing cannot. A watchdog process, in a process
// group of its own so the signals that end the kernel spare it, holds the list of what the
// kernel started and cleans it up when its pipe from the kernel closes. Should the watchdog
// itself be killed, a new one is started and told the whole list again.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';

/** What the watchdog ends if the kernel dies: one line of JSON each way (watchdog-process.ts). */
export interface Watched {
  /** dlv's process group. */
  group: number;
  /** The target this kernel launched (killed with dlv), or 0. */
  target: number;
  /** An attached target, released through its dlv (it runs on). */
  release?: { port: number; pid: number };
  /** A directory of the session's own (a `debug` build) to remove. */
  tempDir?: string;
}

const watchedByGroup = new Map<number, Watched>();
let watchdog: ChildProcess | undefined;
let restarts = 0;

function start(): ChildProcess {
  const proc = spawn(process.execPath, [path.join(__dirname, 'watchdog-process.js')], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  proc.on('error', () => undefined);
  proc.stdin!.on('error', () => undefined);
  proc.once('exit', () => {
    if (watchdog !== proc) return;
    watchdog = undefined;
    // Killed under us: a new one takes over the list (bounded, should it die at once every time).
    if (watchedByGroup.size && restarts++ < 20) for (const w of watchedByGroup.values()) send({ watch: w });
  });
  // Neither the process nor its pipe keeps the kernel alive.
  proc.unref();
  (proc.stdin as unknown as Socket).unref();
  return proc;
}

function send(message: { watch: Watched } | { unwatch: number }): void {
  if (!watchdog || watchdog.exitCode !== null || watchdog.signalCode !== null) watchdog = start();
  watchdog.stdin!.write(JSON.stringify(message) + '\n');
}

/** From now on, if the kernel dies, the watchdog ends what W names (and is told again on changes). */
export function watch(w: Watched): void {
  watchedByGroup.set(w.group, w);
  send({ watch: w });
}

export function unwatch(group: number): void {
  if (!watchedByGroup.delete(group)) return;
  if (watchdog) send({ unwatch: group });
}
