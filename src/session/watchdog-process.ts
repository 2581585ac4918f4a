// The watchdog itself: a separate process that reads one JSON object per line from the kernel
// on stdin, {"watch": Watched} or {"unwatch": GROUP} (watchdog.ts). When stdin closes (the
// kernel is gone, however it died) it ends what is still watched: an attached target is
// first released through its dlv, so it runs on without breakpoints or a pending trap; then
// every dlv's process group and every launched target are killed, and session directories
// removed.
import * as fs from 'node:fs';
import { DelveClient } from '../rpc/delve-client';
import { releaseTarget } from './release';
import type { Watched } from './watchdog';

const watched = new Map<number, Watched>();
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
  for (const { group, target, tempDir } of watched.values()) {
    for (const end of [() => process.kill(-group, 'SIGKILL'), () => target && process.kill(target, 'SIGKILL')]) {
      try {
        end();
      } catch {
        /* already gone */
      }
    }
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  }
  process.exit(0);
}

process.on('SIGINT', () => undefined); // an interrupt aimed at the kernel is not for us
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    try {
      const message = JSON.parse(line) as { watch?: Watched; unwatch?: number };
      if (message.watch) watched.set(message.watch.group, message.watch);
      else if (message.unwatch !== undefined) watched.delete(message.unwatch);
    } catch {
      /* only the kernel writes here */
    }
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
