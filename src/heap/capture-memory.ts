// One capture of a stopped target: the runtime's heap and figures through the session's
// bulk memory reader, and the kernel's page view from /proc when the target is a local
// live process. Plain data out (analyses/memwatch/capture.ts).
import * as fs from 'node:fs';
import type { MemCapture } from '../analyses/memwatch/capture';
import { capturePages, type PagemapMethod } from '../pages/capture';
import { openMemory, type MemoryReader } from '../session/memory';
import type { Session } from '../session/session';
import { readBinarySections } from './binary-sections';
import { readHeap } from './read-heap';
import { readMemStats } from './read-memstats';
import { probeAddress } from './read-span';
import { runtimeLayout } from './runtime-layout';
import type { AddressProbe } from './types';

export interface CaptureOptions {
  /** Skip the pagemap (memwatch stats, top). */
  pages?: boolean;
  method?: 'auto' | PagemapMethod;
  signal?: AbortSignal;
  progress?(message: string): void;
}

/** Why page residency cannot be read for SESSION, or undefined when it can. */
export function pagesUnavailable(session: Session, memory: MemoryReader): string | undefined {
  if (session.isCore) return 'a core dump records memory contents, not which pages were resident: page residency needs a live process';
  if (session.pid <= 0) return 'Delve did not tell the target\'s process id';
  if (session.spec.kind === 'connect' && memory.source !== 'proc') return `process ${session.pid} is not readable from here (a remote Delve?): page residency needs /proc/PID/pagemap of a local process`;
  try {
    fs.accessSync(`/proc/${session.pid}/pagemap`, fs.constants.R_OK);
  } catch (err) {
    return `cannot read /proc/${session.pid}/pagemap (${(err as Error).message})`;
  }
  return undefined;
}

export async function captureMemory(session: Session, opts: CaptureOptions = {}): Promise<MemCapture> {
  const memory = await openMemory(session);
  try {
    // The kernel's page view is read while the runtime's is decoded: the pagemap reads run
    // in another process or on I/O threads, and the stopped target gives both the same moment.
    const unavailable = opts.pages === false ? 'not asked for' : pagesUnavailable(session, memory);
    const pagesRead = unavailable ? Promise.resolve({ pages: null, why: unavailable, executable: undefined }) : readPages(session.pid, opts);
    pagesRead.catch(() => undefined); // observed below, unless the heap read fails first
    opts.progress?.('reading the runtime\'s types');
    const layout = await runtimeLayout(session, memory);
    opts.signal?.throwIfAborted();
    const heap = await readHeap(memory, layout, { signal: opts.signal, progress: opts.progress });
    const memstats = await readMemStats(memory, layout);
    const sections = await readBinarySections(memory, layout);
    const { pages, why, executable } = await pagesRead;
    return {
      takenAt: new Date().toISOString(),
      pid: session.pid,
      goVersion: session.goVersion ?? 'unknown',
      memorySource: memory.source,
      memstats,
      heap,
      pages,
      pagesUnavailable: pages ? undefined : why,
      sections,
      executable,
    };
  } finally {
    await memory.close();
  }
}

async function readPages(pid: number, opts: CaptureOptions): Promise<{ pages: MemCapture['pages']; why?: string; executable?: string }> {
  try {
    const pages = await capturePages(pid, { method: opts.method, signal: opts.signal });
    return { pages, executable: fs.readlinkSync(`/proc/${pid}/exe`) };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { pages: null, why: `reading /proc/${pid}: ${(err as Error).message}` };
  }
}

/** The runtime's bookkeeping for ADDRESS. */
export async function probe(session: Session, address: number): Promise<AddressProbe> {
  const memory = await openMemory(session);
  try {
    return await probeAddress(memory, await runtimeLayout(session, memory), address);
  } finally {
    await memory.close();
  }
}
