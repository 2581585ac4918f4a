// Every goroutine's runtime g, read in bulk: the runtime.allgs pointers through one Eval,
// then the g structs themselves with few large memory reads (they sit side by side in heap
// spans). Field offsets come from the target's own types.
import type { MemoryReader } from '../session/memory';
import { offsetOf, structLayout } from '../session/layout';
import type { DelveClient } from '../rpc/delve-client';

export interface GStruct {
  address: number;
  id: number;
  /** Raw atomicstatus (may carry the _Gscan bit). */
  status: number;
  /** Raw waitreason number. */
  waitReason: number;
  stackLo: number;
  stackHi: number;
  schedSp: number;
  schedPc: number;
  gopc: number;
  startpc: number;
  /** The pprof label map, 0 when it has none. */
  labels: number;
  /** g.waiting: the sudog (chain) it is blocked on, 0 when none. */
  waiting: number;
  /** g._defer: its heap or stack defer records, 0 when none. */
  defers: number;
  /** g.sched.ctxt: the closure of a goroutine not started yet (its go statement's captured variables). */
  schedCtxt: number;
}

const NO_VALUES = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };
const SCOPE = { GoroutineID: -1, Frame: 0 };

/** Nearby reads are merged up to this gap and size: one read instead of thousands. */
export const MERGE_GAP = 64 * 1024;
export const MERGE_MAX = 4 * 1024 * 1024;

export async function readGStructs(client: DelveClient, memory: MemoryReader): Promise<GStruct[]> {
  const [allgs, layout] = await Promise.all([
    client.eval({ Scope: SCOPE, Expr: 'runtime.allgs', Cfg: NO_VALUES }),
    structLayout(client, SCOPE, 'runtime.allgs[0]'),
  ]);
  if (allgs.len === 0) return [];
  const pointerBytes = await memory.read(allgs.base, allgs.len * 8);
  const addresses: number[] = [];
  for (let i = 0; i < allgs.len; i++) addresses.push(readWord(pointerBytes, i * 8));

  const field = {
    stackLo: offsetOf(layout, 'stack.lo'),
    stackHi: offsetOf(layout, 'stack.hi'),
    schedSp: offsetOf(layout, 'sched.sp'),
    schedPc: offsetOf(layout, 'sched.pc'),
    status: offsetOf(layout, 'atomicstatus.value', 'atomicstatus'),
    id: offsetOf(layout, 'goid'),
    waitReason: offsetOf(layout, 'waitreason'),
    gopc: offsetOf(layout, 'gopc'),
    startpc: offsetOf(layout, 'startpc'),
    labels: offsetOf(layout, 'labels'),
    waiting: offsetOf(layout, 'waiting'),
    defers: offsetOf(layout, '_defer'),
    schedCtxt: offsetOf(layout, 'sched.ctxt'),
  };
  const size = Math.max(...Object.values(field)) + 8;
  const regions = addresses.filter((a) => a !== 0).map((a) => ({ start: a, length: size }));
  const bytes = await readRegions(memory, regions);
  const out: GStruct[] = [];
  for (const r of regions) {
    const b = bytes.get(r.start);
    if (!b) continue;
    out.push({
      address: r.start,
      id: readWord(b, field.id),
      status: b.readUInt32LE(field.status),
      waitReason: b[field.waitReason],
      stackLo: readWord(b, field.stackLo),
      stackHi: readWord(b, field.stackHi),
      schedSp: readWord(b, field.schedSp),
      schedPc: readWord(b, field.schedPc),
      gopc: readWord(b, field.gopc),
      startpc: readWord(b, field.startpc),
      labels: readWord(b, field.labels),
      waiting: readWord(b, field.waiting),
      defers: readWord(b, field.defers),
      schedCtxt: readWord(b, field.schedCtxt),
    });
  }
  return out;
}

export function readWord(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 2 ** 32;
}

export interface Region {
  start: number;
  length: number;
}

/**
 * Reads every region, merging neighbours into large reads; a merged read that fails is
 * retried region by region, and a region that cannot be read is left out of the answer.
 */
export async function readRegions(memory: MemoryReader, regions: Region[], onRead?: (regions: number) => void, signal?: AbortSignal, gap = MERGE_GAP): Promise<Map<number, Buffer>> {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  const runs: { start: number; end: number; regions: Region[] }[] = [];
  for (const r of sorted) {
    const run = runs[runs.length - 1];
    const end = r.start + r.length;
    if (run && r.start - run.end <= gap && end - run.start <= MERGE_MAX) {
      run.regions.push(r);
      run.end = Math.max(run.end, end);
    } else {
      runs.push({ start: r.start, end, regions: [r] });
    }
  }
  const out = new Map<number, Buffer>();
  const readRun = async (run: (typeof runs)[number]) => {
    if (signal?.aborted) return;
    try {
      const bytes = await memory.read(run.start, run.end - run.start);
      for (const r of run.regions) out.set(r.start, bytes.subarray(r.start - run.start, r.start - run.start + r.length));
    } catch {
      for (const r of run.regions) {
        try {
          out.set(r.start, await memory.read(r.start, r.length));
        } catch {
          /* unreadable: the caller says so for this goroutine */
        }
      }
    }
    onRead?.(run.regions.length);
  };
  // A few reads at a time: the file reads go through libuv's small thread pool anyway.
  let next = 0;
  const worker = async () => {
    while (next < runs.length) await readRun(runs[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(8, runs.length) }, worker));
  return out;
}
