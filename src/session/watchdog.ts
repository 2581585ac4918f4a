// No orphan dlv or target, ever: when the kernel shuts down it cleans up itself (Session.close),
// but a kernel killed with SIGKILL or crashing cannot. A watchdog process, in a process
// group of its own so the signals that end the kernel spare it, holds the list of what the
// kernel started and kills it when its pipe from the kernel closes.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';

let watchdog: ChildProcess | undefined;

function send(line: string): void {
  if (!watchdog || watchdog.exitCode !== null) {
    watchdog = spawn(process.execPath, [path.join(__dirname, 'watchdog-process.js')], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => (watchdog = undefined));
    watchdog.stdin!.on('error', () => undefined);
    // Neither the process nor its pipe keeps the kernel alive.
    watchdog.unref();
    (watchdog.stdin as unknown as Socket).unref();
  }
  watchdog.stdin!.write(line + '\n');
}

/**
 * From now on, if the kernel dies, kill process group GROUP and (if launched by us) TARGET;
 * an attached process is first released through its dlv at PORT (it runs on).
 */
export function watch(group: number, target = 0, attached?: { port: number; pid: number }): void {
  send(`watch ${group} ${target}${attached ? ` ${attached.port} ${attached.pid}` : ''}`);
}

export function unwatch(group: number): void {
  if (watchdog) send(`unwatch ${group}`);
}
