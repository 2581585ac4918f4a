// PAGEMAP_SCAN (Linux 6.7+) through the small native helper (pagemap-scan.c): the kernel
// returns runs of pages in the same state, far less data than 8 bytes a page for a
// sparse heap. Node cannot call ioctl, so one helper process serves every request.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PageFlag, pushRun, type PageRun } from './page-runs';

/** Where src/pages/build-pagemap-scan.sh puts the helper (dist/native/). */
export const HELPER_PATH = path.resolve(__dirname, '../../native/pagemap-scan');

const PAGE_IS_FILE = 1 << 2;
const PAGE_IS_PRESENT = 1 << 3;
const PAGE_IS_SWAPPED = 1 << 4;
const PAGE_IS_HUGE = 1 << 6;
const PAGE_IS_SOFT_DIRTY = 1 << 7;

function flagsOf(categories: number): number {
  let f = 0;
  if (categories & PAGE_IS_PRESENT) f |= PageFlag.present;
  if (categories & PAGE_IS_SWAPPED) f |= PageFlag.swapped;
  if (categories & PAGE_IS_FILE) f |= PageFlag.file;
  if (categories & PAGE_IS_HUGE) f |= PageFlag.huge;
  if (categories & PAGE_IS_SOFT_DIRTY) f |= PageFlag.softDirty;
  return f;
}

export class PagemapScanError extends Error {}

interface Pending {
  resolve(runs: PageRun[]): void;
  reject(err: Error): void;
}

class Helper {
  private buffered: Buffer = Buffer.alloc(0);
  private queue: Pending[] = [];
  private dead: string | undefined;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, d]) : d;
      this.drain();
    });
    child.on('error', (err) => this.die(err.message));
    child.on('exit', (code, sig) => this.die(`the pagemap-scan helper exited (${sig ?? code})`));
    child.stdin.on('error', () => undefined);
    this.idle();
  }

  scan(pid: number, ranges: { start: number; end: number }[]): Promise<PageRun[]> {
    if (this.dead) return Promise.reject(new PagemapScanError(this.dead));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.busy();
      this.child.stdin.write(`${pid.toString(16)} ${ranges.map((r) => `${r.start.toString(16)} ${r.end.toString(16)}`).join(' ')}\n`);
    });
  }

  private drain(): void {
    while (this.queue.length && this.buffered.length >= 8) {
      const head = this.buffered.readBigUInt64LE(0);
      if (head === 0xffffffffffffffffn) {
        if (this.buffered.length < 16) return;
        const errno = Number(this.buffered.readBigUInt64LE(8));
        this.buffered = this.buffered.subarray(16);
        this.queue.shift()!.reject(new PagemapScanError(`PAGEMAP_SCAN failed: errno ${errno}${errno === 25 ? ' (ENOTTY: this kernel has no PAGEMAP_SCAN)' : ''}`));
        continue;
      }
      const count = Number(head);
      const size = 8 + count * 24;
      if (this.buffered.length < size) return;
      const runs: PageRun[] = [];
      for (let i = 0, at = 8; i < count; i++, at += 24) {
        const start = Number(this.buffered.readBigUInt64LE(at));
        const end = Number(this.buffered.readBigUInt64LE(at + 8));
        pushRun(runs, start, end, flagsOf(Number(this.buffered.readBigUInt64LE(at + 16))));
      }
      this.buffered = this.buffered.subarray(size);
      this.queue.shift()!.resolve(runs);
    }
    if (!this.queue.length) this.idle();
  }

  private die(why: string): void {
    this.dead ??= why;
    for (const p of this.queue.splice(0)) p.reject(new PagemapScanError(why));
  }

  // A helper with nothing to do must not keep Node alive; one with a request must.
  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref(): void }).ref();
  }
  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref(): void }).unref();
    (this.child.stdin as unknown as { unref?(): void }).unref?.();
  }
}

let helper: Helper | undefined;
let availability: Promise<string | undefined> | undefined;

/** Why PAGEMAP_SCAN cannot be used here, or undefined when it can (checked once, on this process's own pages). */
export function pagemapScanUnavailable(): Promise<string | undefined> {
  availability ??= (async () => {
    if (!fs.existsSync(HELPER_PATH)) return `the PAGEMAP_SCAN helper is not built (run src/pages/build-pagemap-scan.sh)`;
    try {
      helper = new Helper(spawn(HELPER_PATH, [], { stdio: ['pipe', 'pipe', 'ignore'] }) as unknown as ChildProcessWithoutNullStreams);
      const own = fs.readFileSync('/proc/self/maps', 'utf8').split('\n')[0].split(' ')[0].split('-').map((h) => parseInt(h, 16));
      await helper.scan(process.pid, [{ start: own[0], end: own[1] }]);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  })();
  return availability;
}

/** Runs of present or swapped pages in RANGES of process PID, through PAGEMAP_SCAN. */
export async function scanPagemap(pid: number, ranges: { start: number; end: number }[]): Promise<PageRun[]> {
  const why = await pagemapScanUnavailable();
  if (why) throw new PagemapScanError(why);
  if (ranges.length === 0) return [];
  return helper!.scan(pid, ranges);
}
