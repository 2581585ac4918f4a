// The function a goroutine was started with, as its go statement names it. The runtime records
// g.startpc, which for `go f(x)` is a wrapper the compiler made (main.main.gowrap1) that
// unpacks x and calls f. Delve names the first non-runtime function the wrapper CALLs; in an
// optimized build f is often inlined into the wrapper, and that first CALL is then one of f's
// own callees (time.Sleep). The wrapper's inline tree still says f was inlined there: the
// outermost inlined call is the go statement's function.
import type { DelveClient } from '../rpc/delve-client';
import { openMemory, type MemoryReader } from '../session/memory';
import type { Session } from '../session/session';
import { loadFuncTable, type LoadedFuncTable } from './binary';
import { readGStructs, type GStruct } from './g-structs';
import type { FuncTable, GoFunc } from './pclntab';

/** api.AssemblyFlavour GoFlavour: instructions as `CALL main.relay(SB)`. */
const GO_ASSEMBLY = 2;

/** A CALL instruction of a wrapper: where it is and the function it calls. */
export interface WrapperCall {
  pc: number;
  callee: string;
}

/** Whether the goroutine's start pc is compiler glue whose callee is the function to report. */
export function isStartWrapper(table: FuncTable, f: GoFunc): boolean {
  return table.isWrapper(f) || f.name.includes('·dwrap·') || /\.gowrap\d+$/.test(f.name);
}

/**
 * The function wrapper F stands for: the first call it makes, outermost inlined calls included,
 * that is not the runtime's plumbing (stack growth, panics, write barriers). A wrapper outside
 * the runtime skips every runtime internal, as Delve does; the runtime's own wrappers
 * (runtime.gcenable.gowrap1) start runtime internals (runtime.bgsweep), so only plumbing is skipped there.
 */
export function wrappedFunction(table: FuncTable, f: GoFunc, calls: WrapperCall[]): string | undefined {
  const skip = f.name.startsWith('runtime.') ? runtimePlumbing : privateRuntime;
  const inlined = table.outermostInlinedCalls(f).map((c) => ({ at: c.parentPc, name: c.name }));
  const called = calls.filter((c) => !table.inlinedCallAt(f, c.pc)).map((c) => ({ at: c.pc - f.entry, name: c.callee }));
  return [...inlined, ...called].sort((a, b) => a.at - b.at).find((c) => !skip(c.name))?.name;
}

/** runtime.x with a lower-case x: the runtime's internals (Delve's privateRuntime). */
export function privateRuntime(name: string): boolean {
  return name.startsWith('runtime.') && name.length > 8 && !/[A-Z]/.test(name[8]);
}

function runtimePlumbing(name: string): boolean {
  return /^runtime\.(morestack|panic|gcWriteBarrier|duff|racefunc|wbMove|wbZero|typedmemmove|memmove)/.test(name);
}

/**
 * The start function of each start pc: a wrapper's wrapped function (its CALLs through Delve's
 * disassembler, once per wrapper), else the function holding the pc. Unknown pcs map to ''.
 */
export async function startFunctionNames(client: DelveClient, table: FuncTable, startpcs: Iterable<number>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  await Promise.all(
    [...new Set(startpcs)].map(async (pc) => {
      const f = table.findFunc(pc);
      if (!f) return out.set(pc, '');
      out.set(pc, f.name);
      if (!isStartWrapper(table, f)) return;
      let calls: WrapperCall[] = [];
      try {
        const code = await client.disassemble({ Scope: { GoroutineID: -1, Frame: 0 }, StartPC: f.entry, EndPC: f.end, Flavour: GO_ASSEMBLY });
        calls = code
          .filter((i) => /^CALL\b/i.test(i.Text) && i.Loc && i.DestLoc?.function)
          .map((i) => ({ pc: i.Loc!.pc, callee: i.DestLoc!.function!.name }));
      } catch {
        /* the inline tree alone, then */
      }
      const wrapped = wrappedFunction(table, f, calls);
      if (wrapped) out.set(pc, wrapped);
    }),
  );
  return out;
}

/**
 * Each goroutine's start function by id, read from the g structs and the binary's function
 * table; undefined when either cannot be read (a remote target, a binary not here), and then
 * Delve's startLoc stands.
 */
export async function startFunctionsById(session: Session): Promise<Map<number, string> | undefined> {
  let memory: MemoryReader | undefined;
  let table: LoadedFuncTable | undefined;
  try {
    table = await loadFuncTable(session); // first: it fails fast where the binary is not here
    memory = await openMemory(session);
    const gstructs = await readGStructs(session.query, memory);
    return await startFunctionsOf(session.query, table.table, gstructs);
  } catch {
    return undefined;
  } finally {
    table?.close();
    await memory?.close();
  }
}

/** GSTRUCTS' start functions by goroutine id. */
export async function startFunctionsOf(client: DelveClient, table: FuncTable, gstructs: GStruct[]): Promise<Map<number, string>> {
  const byPc = await startFunctionNames(client, table, gstructs.map((g) => g.startpc));
  return new Map(gstructs.map((g) => [g.id, byPc.get(g.startpc) ?? '']));
}
