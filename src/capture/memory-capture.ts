// Capturing without asking Delve for every frame: the g structs and the stacks are read in
// bulk (/proc/PID/mem of the stopped process, or the core file), each parked goroutine's
// stack is walked from its saved sched.pc/sp and named from the binary's own function table
// (.gopclntab, inlined calls included). Delve still answers what memory cannot: the few
// goroutines running on threads (their pc and sp are in registers), and pprof labels.
import { statusOf, waitReasonOf } from '../goroutines';
import { Kind, type Goroutine, type Variable } from '../rpc/api';
import type { DelveClient } from '../rpc/delve-client';
import type { MemoryReader } from '../session/memory';
import { isLiveStatus, type RuntimeNames } from '../session/runtime-names';
import type { CapturedGoroutine, CapturedStacks, CaptureOptions } from './capture';
import { delveStacks, type StackResult } from './delve-capture';
import { readRegions, type GStruct } from './g-structs';
import type { FuncTable } from './pclntab';
import { startFunctionNames } from './start-function';
import { stackPointer, type RunningGoroutine } from './threads';
import { goStatementOf, Unwinder } from './unwind';

/** A stack larger than this is read only this far (its innermost part). */
const MAX_STACK_READ = 64 * 1024 * 1024;
const STACKS_AT_ONCE = 4096;
const LABEL_VALUES = { FollowPointers: true, MaxVariableRecurse: 5, MaxStringLen: 1024, MaxArrayValues: 1024, MaxStructFields: -1 };

export async function captureFromMemory(
  client: DelveClient, memory: MemoryReader, table: FuncTable, names: RuntimeNames, gstructs: GStruct[],
  running: Map<number, RunningGoroutine>, opts: CaptureOptions,
): Promise<CapturedStacks> {
  const live = gstructs.filter((g) => isLiveStatus(names, g.status));
  const onThreads = live.filter((g) => running.has(g.id));
  const parked = live.filter((g) => !running.has(g.id));
  const total = live.length;

  // Delve for the running ones and the labels, while the stacks are read and walked.
  const threadStacks = delveStacks(client, onThreads.map((g) => g.id), { ...opts, onProgress: undefined });
  const labels = readLabels(client, live.filter((g) => g.labels !== 0));
  const started = startFunctionNames(client, table, live.map((g) => g.startpc));

  // A few thousand stacks at a time: each batch's bytes are dropped once unwound.
  const unwinder = new Unwinder(table);
  const stacks = new Map<number, StackResult>();
  for (let k = 0; k < parked.length && !opts.signal.aborted; k += STACKS_AT_ONCE) {
    const batch = parked.slice(k, k + STACKS_AT_ONCE);
    const regions = batch
      .filter((g) => g.schedSp >= g.stackLo && g.schedSp < g.stackHi)
      .map((g) => ({ start: g.schedSp, length: Math.min(g.stackHi - g.schedSp, MAX_STACK_READ) }));
    const stackBytes = await readRegions(memory, regions, undefined, opts.signal);
    for (const g of batch) {
      if (opts.signal.aborted) break;
      const bytes = stackBytes.get(g.schedSp);
      if (!bytes) {
        stacks.set(g.id, { frames: [], truncated: false, error: `stack unreadable (sp 0x${g.schedSp.toString(16)})` });
      } else {
        stacks.set(g.id, unwinder.unwind(g.schedPc, g.schedSp, { start: g.schedSp, bytes }, opts.maxFrames));
      }
      if (stacks.size % 1000 === 0) opts.onProgress?.({ phase: 'stacks', done: stacks.size, total });
    }
  }
  for (const [id, s] of await threadStacks) stacks.set(id, s);
  const labelsById = await labels;
  const startFunction = await started;
  opts.onProgress?.({ phase: 'stacks', done: stacks.size, total });

  const goStatements = new Map<number, string>(); // most goroutines come from a few go statements
  const goStatement = (gopc: number) => {
    let s = goStatements.get(gopc);
    if (s === undefined) goStatements.set(gopc, (s = goStatementOf(table, gopc)));
    return s;
  };
  const goroutines: CapturedGoroutine[] = [];
  const missing: number[] = [];
  for (const g of live) {
    const stack = stacks.get(g.id);
    if (!stack) {
      missing.push(g.id);
      continue;
    }
    const raw = { status: g.status, waitReason: g.waitReason } as Goroutine; // the two fields these read
    const thread = running.get(g.id);
    const sp = stackPointer(g.stackLo, g.stackHi, g.schedSp, thread);
    goroutines.push({
      id: g.id,
      status: statusOf(raw, names),
      waitReason: waitReasonOf(raw, names),
      startFunction: startFunction.get(g.startpc) ?? '',
      goStatement: goStatement(g.gopc),
      labels: labelsById.get(g.id) ?? {},
      threadId: thread?.threadId ?? 0,
      stackLo: g.stackLo,
      stackHi: g.stackHi,
      sp,
      stackBytes: g.stackHi - g.stackLo,
      stackInUse: g.stackHi - sp,
      ...stack,
    });
  }
  goroutines.sort((a, b) => a.id - b.id);
  return { goroutines, missing: missing.sort((a, b) => a - b), partial: missing.length > 0 };
}

/**
 * pprof labels (g.labels, a runtime/pprof labelMap) through Delve's Eval: few goroutines
 * carry them, and the map's layout is Delve's business.
 */
async function readLabels(client: DelveClient, withLabels: GStruct[]): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  await Promise.all(
    withLabels.map(async (g) => {
      try {
        const v = await client.eval({ Scope: { GoroutineID: -1, Frame: 0 }, Expr: `*(*"runtime/pprof.labelMap")(0x${g.labels.toString(16)})`, Cfg: LABEL_VALUES });
        out.set(g.id, stringPairs(v));
      } catch {
        /* a release whose labelMap differs: no labels rather than no capture */
      }
    }),
  );
  return out;
}

/** Key/value strings of a map[string]string (Delve lists a map's children key, value, ...), or of a struct holding one. */
function stringPairs(v: Variable): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (x: Variable) => {
    const kids = x.children ?? [];
    if (x.kind === Kind.Map) {
      for (let i = 0; i + 1 < kids.length; i += 2) out[kids[i].value] = kids[i + 1].value;
    } else if (kids.length === 2 && kids.every((k) => k.kind === Kind.String) && x.kind === Kind.Struct) {
      out[kids[0].value] = kids[1].value; // a {key, value} label
    } else {
      kids.forEach(walk);
    }
  };
  walk(v);
  return out;
}
