// The watchdog itself: a separate process that reads `watch PGID [PID]` and `unwatch PGID`
// lines from the kernel on stdin. When stdin closes (the kernel is gone, however it died)
// it kills every process group still watched and every launched target with it.

const watched = new Map<number, number>(); // dlv's process group -> launched target pid (0: none)
let buffered = '';

function reap(): void {
  for (const [group, target] of watched) {
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
    const [verb, group, target] = buffered.slice(0, newline).split(' ');
    buffered = buffered.slice(newline + 1);
    if (verb === 'watch') watched.set(Number(group), Number(target ?? 0));
    else if (verb === 'unwatch') watched.delete(Number(group));
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
