// Field offsets of the runtime structures the heap walk reads from raw memory, taken once
// per capture from the target's own types (DWARF through Delve, by laying each type over
// readable memory). Which names a release uses is in waits/runtime-shapes.ts (MEMORY_FIELDS).
import { Kind } from '../rpc/api';
import type { DelveClient } from '../rpc/delve-client';
import { structLayout, type FieldLayout } from '../session/layout';
import { delveTypeName } from '../waits/type-reach';
import { DEAD_TIMER_STATUSES, MEMORY_FIELDS, SYNC_TYPE } from '../waits/runtime-shapes';

type Layout = Map<string, FieldLayout>;

export interface ReachLayouts {
  sudog: { size: number; g: number; c: number; elem: number; waitlink: number; prev: number; next: number };
  hchan: { size: number; elemtype: number; timer: number | undefined; qcount: number; dataqsiz: number; closed: number };
  /** status: Go 1.22's timer states (absent from 1.23, where a stopped timer has when 0); DEAD: its stopped ones. */
  timer: { size: number; when: number; status: number | undefined; dead: Set<number> };
  /** Where a P keeps its timer heap (a slice), and the size of one entry (its first word the *timer). */
  pTimers: { heap: number; entryBytes: number } | undefined;
  defer: { size: number; fn: number; link: number };
  abiType: { size: number; str: number; tflag: number };
  /** runtime.semtable: where, how many roots, each root's size and its treap's offset. */
  semtable: { address: number; count: number; stride: number; treap: number } | undefined;
  /** Layouts of sync.Mutex, RWMutex, WaitGroup, Cond. */
  sync: Map<string, Layout>;
  /** moduledata.types: base of the type names. */
  types: number;
  /** Offsets in moduledata of gcdatamask and gcbssmask. */
  masks: { data: number; bss: number };
}

const SCOPE = { GoroutineID: -1, Frame: 0 };
const BARE = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };

export async function readReachLayouts(client: DelveClient): Promise<ReachLayouts> {
  const md = await structLayout(client, SCOPE, 'runtime.firstmoduledata', 1);
  const at = (await client.eval({ Scope: SCOPE, Expr: 'runtime.firstmoduledata', Cfg: BARE })).addr;
  const over = (type: string, depth = 3) => structLayout(client, SCOPE, `*(*${delveTypeName(type)})(0x${at.toString(16)})`, depth).catch((err: Error) => {
    throw new Error(`the type ${type} cannot be read (${err.message})`);
  });
  const [sudog, hchan, timer, defer, abiType, types, semtable, p, deadStatuses, ...syncs] = await Promise.all([
    over('runtime.sudog'), over('runtime.hchan'), over('runtime.timer'), over('runtime._defer'), over('internal/abi.Type', 1).catch(() => over('runtime._type', 1)).catch(() => undefined),
    client.eval({ Scope: SCOPE, Expr: 'runtime.firstmoduledata.types', Cfg: BARE }).then((v) => Number(v.value)),
    semtableOf(client),
    structLayout(client, SCOPE, 'runtime.allp[0]', 2).catch(() => undefined),
    Promise.all(DEAD_TIMER_STATUSES.map((name) => client.eval({ Scope: SCOPE, Expr: name, Cfg: BARE }).then((v) => Number(v.value), () => NaN))),
    ...Object.values(SYNC_TYPE).map((t) => over(t!).catch(() => undefined)),
  ]);
  const deadTimers = new Set((deadStatuses as number[]).filter((v) => !Number.isNaN(v)));
  const sync = new Map<string, Layout>();
  Object.values(SYNC_TYPE).forEach((t, i) => {
    if (syncs[i]) sync.set(t!, syncs[i]!);
  });
  const pick = (l: Layout, names: readonly string[]) => {
    for (const n of names) {
      const f = l.get(n);
      if (f) return f.offset;
    }
    throw new Error(`none of the runtime fields ${names.join(', ')} is in this Go release`);
  };
  const size = (l: Layout) => Math.max(...[...l.values()].map((f) => f.offset)) + 8;
  const F = MEMORY_FIELDS;
  return {
    sudog: { size: size(sudog), g: pick(sudog, ['g']), c: pick(sudog, F.sudogChannel), elem: pick(sudog, F.sudogElem), waitlink: pick(sudog, ['waitlink']), prev: pick(sudog, ['prev']), next: pick(sudog, ['next']) },
    hchan: {
      size: size(hchan), elemtype: pick(hchan, ['elemtype']), timer: hchan.get('timer')?.offset, qcount: pick(hchan, ['qcount']),
      dataqsiz: pick(hchan, ['dataqsiz']), closed: pick(hchan, ['closed']),
    },
    timer: { size: size(timer), when: pick(timer, ['when']), status: timer.get('status.value')?.offset ?? timer.get('status')?.offset, dead: deadTimers },
    pTimers: pTimersOf(p),
    defer: { size: size(defer), fn: pick(defer, ['fn']), link: pick(defer, ['link']) },
    // Not in every binary's DWARF under a name Delve finds; its layout has not moved since Go 1.14.
    abiType: abiType ? { size: size(abiType), str: pick(abiType, ['Str', 'str']), tflag: pick(abiType, ['TFlag', 'tflag']) } : { size: 48, str: 40, tflag: 20 },
    semtable,
    sync,
    types,
    masks: { data: pick(md, ['gcdatamask']), bss: pick(md, ['gcbssmask']) },
  };
}

function pTimersOf(p: Layout | undefined): ReachLayouts['pTimers'] {
  for (const t of MEMORY_FIELDS.pTimerHeap) {
    const f = p?.get(t.field);
    if (f && f.kind === Kind.Slice) return { heap: f.offset, entryBytes: t.entryBytes };
  }
  return undefined;
}

async function semtableOf(client: DelveClient): Promise<ReachLayouts['semtable']> {
  try {
    const [table, count, first] = await Promise.all([
      client.eval({ Scope: SCOPE, Expr: 'runtime.semtable', Cfg: BARE }),
      client.eval({ Scope: SCOPE, Expr: 'len(runtime.semtable)', Cfg: BARE }).then((v) => Number(v.value)),
      structLayout(client, SCOPE, 'runtime.semtable[1]', 2),
    ]);
    const second = await client.eval({ Scope: SCOPE, Expr: 'runtime.semtable[1]', Cfg: BARE });
    const treap = first.get('root.treap');
    if (!treap || !(count > 0)) return undefined;
    return { address: table.addr, count, stride: second.addr - table.addr, treap: treap.offset };
  } catch {
    return undefined;
  }
}
