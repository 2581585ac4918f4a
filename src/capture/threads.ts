// The goroutines running on OS threads at the stop, and each one's stack pointer: a running
// goroutine's saved sched.sp is stale, its thread's RSP is where its stack is in use.
import type { DelveClient } from '../rpc/delve-client';

export interface RunningGoroutine {
  threadId: number;
  /** The thread's RSP (undefined when its registers cannot be read). */
  sp: number | undefined;
  /** Its RIP, and every general register's value (a running goroutine's pointers may be only there). */
  pc?: number;
  registers?: { name: string; value: number }[];
}

export async function runningGoroutines(client: DelveClient): Promise<Map<number, RunningGoroutine>> {
  const threads = (await client.listThreads()).filter((t) => t.goroutineID > 0);
  const sps = await Promise.all(
    threads.map((t) =>
      client.listRegisters({ ThreadID: t.id, IncludeFp: false }).then(
        (regs) => regs.map((r) => ({ name: r.Name, value: Number(r.Value) })).filter((r) => Number.isFinite(r.value)),
        () => undefined,
      ),
    ),
  );
  const out = new Map<number, RunningGoroutine>();
  threads.forEach((t, i) => {
    const regs = sps[i];
    const get = (name: string) => regs?.find((r) => r.name === name)?.value;
    out.set(t.goroutineID, { threadId: t.id, sp: get('Rsp'), pc: get('Rip'), registers: regs });
  });
  return out;
}

/** The stack pointer to measure use from: the thread's when it lies in the goroutine's stack, else sched.sp. */
export function stackPointer(lo: number, hi: number, schedSp: number, running: RunningGoroutine | undefined): number {
  const sp = running?.sp;
  return sp !== undefined && sp >= lo && sp <= hi ? sp : schedSp;
}
