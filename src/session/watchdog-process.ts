// The watchdog itself: a separate process that reads `watch PGID [PID [PORT ATTACHED]]` and
// `unwatch PGID` lines from the kernel on stdin. When stdin closes (the kernel is gone,
// however it died) it kills every process group still watched and every launched target
// with it; an attached target (ATTACHED, served by dlv on PORT) is first released through
// that dlv, so it runs on without breakpoints or a pending trap.
import { DelveClient } from '../rpc/delve-client';
import { releaseTarget } from './release';

interface Watched {
  /** The launched target's pid, or 0. */
  target: number;
  /** dlv's port and the attached process, when the session attached. */
  release?: { port: number; pid: number };
}

const watched = new Map<number, Watched>(); // dlv's process group -> what it serves
let buffered = '';
let reaping = false;

async function release(port: number, pid: number): Promise<void> {
  const query = await DelveClient.connect('127.0.0.1', port);
  const control = await DelveClient.connect('127.0.0.1', port);
  try {
    await releaseTarget(query, control, pid);
  } finally {
    query.close();
    control.close();
  }
}

async function reap(): Promise<void> {
  if (reaping) return;
  reaping = true;
  const releases = [...watched.values()].filter((w) => w.release).map((w) => release(w.release!.port, w.release!.pid).catch(() => undefined));
  await Promise.race([Promise.all(releases), new Promise((r) => setTimeout(r, 15_000))]);
  for (const [group, { target }] of watched) {
    for (const kill of [() => process.kill(-group, 'SIGKILL'), () => target && process.kill(target, 'SIGKILL')]) {
      try {
        kill();
      } catch {
        /* already gone */
      }
    }
  }
  process.exit(0);
}

process.on('SIGINT', () => undefined); // an interrupt aimed at the kernel is not for us
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const [verb, ...numbers] = buffered.slice(0, newline).split(' ');
    const [group, target, port, attached] = numbers.map(Number);
    buffered = buffered.slice(newline + 1);
    if (verb === 'watch') watched.set(group, { target: target || 0, release: port && attached ? { port, pid: attached } : undefined });
    else if (verb === 'unwatch') watched.delete(group);
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
