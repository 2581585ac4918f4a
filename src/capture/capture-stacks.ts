// Taking a capture of every goroutine's stack: from memory when the process or core can be
// read in bulk and the binary is here (fast), else through Delve's Stacktrace (the reference).
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openMemory } from '../session/memory';
import type { Session } from '../session/session';
import { loadFuncTable, type LoadedFuncTable } from './binary';
import { MAX_FRAMES, type Capture, type CaptureMethod, type CaptureProgress, type CaptureTarget } from './capture';
import { captureWithDelve } from './delve-capture';
import { readGStructs, type GStruct } from './g-structs';
import { captureFromMemory } from './memory-capture';
import { startFunctionsOf } from './start-function';
import { runningGoroutines, type RunningGoroutine } from './threads';

export interface TakeCaptureOptions {
  name: string;
  /** auto: memory when it can be, else delve. */
  method: CaptureMethod | 'auto';
  signal: AbortSignal;
  onProgress?: (p: CaptureProgress) => void;
  maxFrames?: number;
}

export interface TakenCapture {
  capture: Capture;
  /** Why the memory path was not taken, when auto fell back to Delve. */
  fallbackReason?: string;
  /** The runtime's g structs and the threads' goroutines as read for it (for an analysis of the same stop). */
  gstructs: GStruct[];
  running: Map<number, RunningGoroutine>;
}

export async function captureStacks(session: Session, opts: TakeCaptureOptions): Promise<TakenCapture> {
  const started = performance.now();
  const takenAt = new Date().toISOString();
  const maxFrames = opts.maxFrames ?? MAX_FRAMES;
  const memory = await openMemory(session);
  let table: LoadedFuncTable | undefined;
  try {
    const [names, gstructs, running] = await Promise.all([
      session.runtimeNames(),
      readGStructs(session.query, memory).catch((err: Error) => err),
      runningGoroutines(session.query),
    ]);
    let method: CaptureMethod = opts.method === 'delve' ? 'delve' : 'memory';
    let fallbackReason: string | undefined;
    if (method === 'memory') {
      const why = memory.source === 'delve' ? 'the target\'s memory can only be read through Delve here (1,000 bytes a call)'
        : gstructs instanceof Error ? `the runtime's goroutines cannot be read (${gstructs.message})`
        : undefined;
      if (!why) {
        try {
          table = await loadFuncTable(session);
        } catch (err) {
          fallbackReason = `the binary's function table cannot be read (${(err as Error).message})`;
        }
      }
      fallbackReason ??= why;
      if (fallbackReason) {
        if (opts.method === 'memory') throw new Error(`cannot capture from memory: ${fallbackReason}`);
        method = 'delve';
      }
    }
    const gs: GStruct[] = gstructs instanceof Error ? [] : gstructs;
    const captureOpts = { signal: opts.signal, onProgress: opts.onProgress, maxFrames };
    const stacks = method === 'memory'
      ? await captureFromMemory(session.query, memory, table!.table, names, gs, running, captureOpts)
      : await captureWithDelve(session.query, names, gs, running, captureOpts, await delveStartFunctions(session, gs));
    const capture: Capture = {
      name: opts.name,
      takenAt,
      target: targetOf(session),
      method,
      partial: stacks.partial || opts.signal.aborted,
      missing: stacks.missing,
      maxFrames,
      durationMs: Math.round(performance.now() - started),
      goroutines: stacks.goroutines,
    };
    return { capture, gstructs: gs, running, ...(fallbackReason && opts.method === 'auto' ? { fallbackReason } : {}) };
  } finally {
    table?.close();
    await memory.close();
  }
}

/** For the Delve path too, the go statements' functions where Delve's startLoc misnames them. */
async function delveStartFunctions(session: Session, gstructs: GStruct[]): Promise<Map<number, string> | undefined> {
  if (!gstructs.length) return undefined;
  let table: LoadedFuncTable | undefined;
  try {
    table = await loadFuncTable(session);
    return await startFunctionsOf(session.query, table.table, gstructs);
  } catch {
    return undefined;
  } finally {
    table?.close();
  }
}

function targetOf(session: Session): CaptureTarget {
  const target: CaptureTarget = { kind: session.kind, session: session.describe(), pid: session.pid, goVersion: session.goVersion };
  if (!session.isCore && session.pid > 0) {
    const start = processStart(session.pid);
    if (start !== undefined) target.processStart = start;
  }
  return target;
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function processStart(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}
