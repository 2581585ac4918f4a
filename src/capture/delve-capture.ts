// Capturing through Delve alone (the reference the memory path is checked against): the
// goroutine list a page at a time, then every stack with many Stacktrace requests in
// flight at once on the one connection (Delve answers them in order).
import { statusOf, waitReasonOf, functionName, fileLine, isGoroutine } from '../goroutines';
import type { Stackframe } from '../rpc/api';
import type { DelveClient } from '../rpc/delve-client';
import { callAll } from '../rpc/in-flight';
import { RpcTransportError } from '../rpc/json-rpc';
import { isLiveStatus, type RuntimeNames } from '../session/runtime-names';
import type { CapturedFrame, CapturedGoroutine, CapturedStacks, CaptureOptions } from './capture';
import type { GStruct } from './g-structs';
import { stackPointer, type RunningGoroutine } from './threads';

/** Most stacks are shallow: ask for this many frames first, and again for all of the deeper ones. */
const FIRST_DEPTH = 50;

export interface StackResult {
  frames: CapturedFrame[];
  truncated: boolean;
  error?: string;
}

/** STARTS: each goroutine's start function by id where Delve's startLoc is not the go statement's function (capture/start-function). */
export async function captureWithDelve(
  client: DelveClient, names: RuntimeNames, gstructs: GStruct[], running: Map<number, RunningGoroutine>, opts: CaptureOptions,
  starts?: Map<number, string>,
): Promise<CapturedStacks> {
  const live = gstructs.filter((g) => isLiveStatus(names, g.status));
  const { goroutines: all, partial } = await client.listAllGoroutines({
    signal: opts.signal,
    onPage: (n) => opts.onProgress?.({ phase: 'goroutines', done: n, total: Math.max(live.length, n) }),
  });
  const listed = all.filter((g) => isGoroutine(g, names));
  if (partial) return { goroutines: [], missing: live.map((g) => g.id).sort((a, b) => a - b), partial: true };
  const byId = new Map(gstructs.map((g) => [g.id, g]));
  const stacks = await delveStacks(client, listed.map((g) => g.id), opts);
  const goroutines: CapturedGoroutine[] = [];
  const missing: number[] = [];
  for (const g of listed) {
    const stack = stacks.get(g.id);
    if (!stack) {
      missing.push(g.id);
      continue;
    }
    const gs = byId.get(g.id);
    const lo = gs?.stackLo ?? 0;
    const hi = gs?.stackHi ?? 0;
    const sp = gs ? stackPointer(lo, hi, gs.schedSp, running.get(g.id)) : 0;
    goroutines.push({
      id: g.id,
      status: g.unreadable ? 'unreadable' : statusOf(g, names),
      waitReason: waitReasonOf(g, names),
      startFunction: starts?.get(g.id) || functionName(g.startLoc),
      goStatement: fileLine(g.goStatementLoc),
      labels: g.labels ?? {},
      threadId: g.threadID,
      stackLo: lo,
      stackHi: hi,
      sp,
      stackBytes: hi - lo,
      stackInUse: sp ? hi - sp : 0,
      ...stack,
    });
  }
  goroutines.sort((a, b) => a.id - b.id);
  return { goroutines, missing: missing.sort((a, b) => a - b), partial: missing.length > 0 };
}

/**
 * The stacks of goroutines IDS through Delve's Stacktrace, many requests in flight at once.
 * Stops early when opts.signal aborts: the stacks not asked for are not in the answer.
 */
export async function delveStacks(client: DelveClient, ids: number[], opts: CaptureOptions): Promise<Map<number, StackResult>> {
  const out = new Map<number, StackResult>();
  const fetch = async (id: number, depth: number) => {
    let frames: Stackframe[];
    try {
      frames = await client.stacktrace({ Id: id, Depth: depth });
    } catch (err) {
      if (err instanceof RpcTransportError) throw err; // Delve is gone: no use asking for the rest
      out.set(id, { frames: [], truncated: false, error: (err as Error).message });
      return;
    }
    out.set(id, fromDelve(frames, depth));
  };
  const runAll = (todo: number[], depth: number, counts: boolean) =>
    callAll(todo, (id) => fetch(id, depth), {
      signal: opts.signal,
      progress: counts ? (done) => opts.onProgress?.({ phase: 'stacks', done, total: ids.length }) : undefined,
    });
  const first = Math.min(FIRST_DEPTH, opts.maxFrames);
  await runAll(ids, first, true);
  const deeper = [...out].filter(([, s]) => s.truncated).map(([id]) => id);
  if (deeper.length && opts.maxFrames > first) {
    for (const id of deeper) out.delete(id);
    await runAll(deeper, opts.maxFrames, false);
  }
  return out;
}

/**
 * Delve's frames as captured frames. Delve answers up to DEPTH+1 frames (more with inlined
 * calls): past DEPTH the stack is cut. An inlined call shares the pc and frame of the next.
 */
export function fromDelve(frames: Stackframe[], depth: number): StackResult {
  let error: string | undefined;
  const real = frames.filter((f) => {
    if (f.Err) error = f.Err;
    return !f.Err;
  });
  const out: CapturedFrame[] = real.map((f, i) => {
    const next = real[i + 1];
    const frame: CapturedFrame = { function: f.function?.name ?? '?', file: f.file, line: f.line, pc: f.pc };
    if (next && next.pc === f.pc && next.FrameOffset === f.FrameOffset) frame.inlined = true;
    return frame;
  });
  const truncated = out.length > depth && !real[real.length - 1]?.Bottom;
  return { frames: truncated ? out.slice(0, depth) : out, truncated, ...(error ? { error } : {}) };
}
