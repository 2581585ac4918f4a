// What each blocked goroutine waits on, read from memory in bulk: a channel wait's
// g.waiting sudog (a select chains one per case through waitlink) and its channel c; a
// sync wait's semaphore, from g.waiting.elem (Go 1.26+) or the runtime's semaphore table
// (runtime.semtable: treaps of sudogs keyed by elem, before 1.26), less the semaphore
// field's offset in its sync type. Field offsets come from the target's types
// (reach/layouts.ts); which field names a release uses is in waits/runtime-shapes.ts.
import type { MemoryReader } from '../session/memory';
import { readRegions, readWord, type GStruct } from '../capture/g-structs';
import { syncObjectOf } from '../waits/classify';
import { ACQUIRE_FRAME, SYNC_TYPE, semaphoreFields } from '../waits/runtime-shapes';
import type { ObjectKind, WaitingGoroutine } from '../waits/types';
import type { ReachLayouts } from './layouts';

const MAX_SELECT_CASES = 128;
const MAX_SEMTABLE_SUDOGS = 200_000;

/** A sudog's fields that matter here. */
interface Sudog {
  g: number;
  c: number;
  elem: number;
  waitlink: number;
  prev: number;
  next: number;
}

async function readSudogs(memory: MemoryReader, l: ReachLayouts, addresses: number[]): Promise<Map<number, Sudog>> {
  const s = l.sudog;
  const bytes = await readRegions(memory, [...new Set(addresses)].filter((a) => a).map((a) => ({ start: a, length: s.size })));
  const out = new Map<number, Sudog>();
  for (const [a, b] of bytes) {
    out.set(a, { g: readWord(b, s.g), c: readWord(b, s.c), elem: readWord(b, s.elem), waitlink: readWord(b, s.waitlink), prev: readWord(b, s.prev), next: readWord(b, s.next) });
  }
  return out;
}

/**
 * Fills WAITERS' objects from memory. Goroutines it could not read are left without
 * objects (the caller asks Delve for those). Returns the sudogs read: the runtime's own
 * back-edges (a sudog's c and elem), not to be followed, as Go's leak detector hides them.
 */
export async function readWaitsFromMemory(memory: MemoryReader, l: ReachLayouts, waiters: WaitingGoroutine[], gstructs: Map<number, GStruct>): Promise<Set<number>> {
  const seen = new Set<number>();
  const chans = waiters.filter((g) => g.waitClass === 'chan' || g.waitClass === 'select');
  // Channel waits: round by round down every select's waitlink chain.
  let todo = chans.map((g) => ({ g, sudog: gstructs.get(g.id)?.waiting ?? 0, round: 0 })).filter((x) => x.sudog);
  while (todo.length > 0) {
    const sudogs = await readSudogs(memory, l, todo.map((x) => x.sudog));
    for (const a of sudogs.keys()) seen.add(a);
    const next: typeof todo = [];
    for (const x of todo) {
      const s = sudogs.get(x.sudog);
      if (!s || !s.c) continue;
      if (!x.g.objects.some((o) => o.address === s.c)) {
        const direction = x.g.waitClass === 'chan' ? (x.g.waitReason.startsWith('chan send') ? 'send' : 'receive') : undefined;
        const evidence = x.g.waitClass === 'chan' ? 'g.waiting.c (the runtime sudog)' : `g.waiting${'.waitlink'.repeat(x.round)}.c (the runtime sudog of case ${x.round + 1})`;
        x.g.objects.push({ address: s.c, kind: 'chan', type: '', ...(direction ? { direction } : {}), evidence });
      }
      if (x.g.waitClass === 'select' && s.waitlink && x.round + 1 < MAX_SELECT_CASES) next.push({ g: x.g, sudog: s.waitlink, round: x.round + 1 });
    }
    todo = next;
  }

  // Sync waits: the semaphore address, then the object it belongs to.
  const syncs = waiters.filter((g) => g.waitClass === 'sync');
  if (syncs.length === 0) return seen;
  const semaOf = new Map<number, { address: number; evidence: string }>();
  const sudogs = await readSudogs(memory, l, syncs.map((g) => gstructs.get(g.id)?.waiting ?? 0));
  for (const a of sudogs.keys()) seen.add(a);
  for (const g of syncs) {
    const s = sudogs.get(gstructs.get(g.id)?.waiting ?? 0);
    if (s?.elem) semaOf.set(g.id, { address: s.elem, evidence: 'g.waiting.elem (the runtime sudog)' });
  }
  if (syncs.some((g) => !semaOf.has(g.id)) && l.semtable) {
    const byG = await readSemtable(memory, l, seen);
    for (const g of syncs) {
      const gs = gstructs.get(g.id);
      const elem = gs ? byG.get(gs.address) : undefined;
      if (elem && !semaOf.has(g.id)) semaOf.set(g.id, { address: elem, evidence: 'runtime.semtable (its sudog for this goroutine).elem' });
    }
  }
  for (const g of syncs) {
    const sema = semaOf.get(g.id);
    if (!sema) continue;
    const object = syncObject(g, sema.address, l);
    g.objects.push({ ...object, evidence: sema.evidence + object.evidence });
  }
  return seen;
}

/** The sync object a semaphore at SEMA belongs to, by the wait's sync frames (the outermost names it). */
function syncObject(g: WaitingGoroutine, sema: number, l: ReachLayouts): { address: number; kind: ObjectKind; type: string; evidence: string } {
  let kind: ObjectKind | undefined;
  for (const f of g.frames) {
    const k = syncObjectOf(f.function)?.kind;
    if (k) kind = k;
    else if (kind) break;
  }
  // The outermost acquiring frame says which semaphore (sync's runtime_SemacquireRWMutexR, not runtime.semacquire1).
  const acquire = g.frames.filter((f) => ACQUIRE_FRAME.test(f.function)).pop()?.function ?? '';
  const type = kind && SYNC_TYPE[kind];
  const layout = type ? l.sync.get(type) : undefined;
  if (kind && type && layout) {
    for (const name of semaphoreFields(kind, acquire)) {
      const f = layout.get(name);
      if (f) return { address: sema - f.offset, kind, type: `*${type}`, evidence: `, less the offset of ${type}.${name}` };
    }
  }
  // The type is not in the binary's DWARF: the semaphore stands for its object (the same allocation holds both).
  if (kind && type) return { address: sema, kind, type: `*${type}`, evidence: ` (a semaphore inside the ${type})` };
  return { address: sema, kind: 'sema', type: '*uint32', evidence: '' };
}

/** runtime.semtable: per root a treap (prev/next) of sudogs with distinct elem, each chaining the others on it by waitlink. */
async function readSemtable(memory: MemoryReader, l: ReachLayouts, seen: Set<number>): Promise<Map<number, number>> {
  const t = l.semtable!;
  const table = await memory.read(t.address, t.count * t.stride);
  let todo: number[] = [];
  for (let i = 0; i < t.count; i++) {
    const treap = readWord(table, i * t.stride + t.treap);
    if (treap) todo.push(treap);
  }
  const out = new Map<number, number>();
  while (todo.length > 0 && seen.size < MAX_SEMTABLE_SUDOGS) {
    todo.forEach((a) => seen.add(a));
    const sudogs = await readSudogs(memory, l, todo);
    const next: number[] = [];
    for (const s of sudogs.values()) {
      if (s.g && s.elem) out.set(s.g, s.elem);
      for (const a of [s.prev, s.next, s.waitlink]) if (a && !seen.has(a)) next.push(a);
    }
    todo = [...new Set(next)];
  }
  return out;
}

/** The channels' element types and timers: hchan.elemtype (an abi.Type, named from the binary), hchan.timer. */
export async function readChannels(memory: MemoryReader, l: ReachLayouts, chans: number[]): Promise<Map<number, { elemType: number; timer: number; len: number; cap: number; closed: boolean }>> {
  const h = l.hchan;
  const bytes = await readRegions(memory, [...new Set(chans)].map((c) => ({ start: c, length: h.size })));
  const out = new Map<number, { elemType: number; timer: number; len: number; cap: number; closed: boolean }>();
  for (const [c, b] of bytes) {
    out.set(c, {
      elemType: readWord(b, h.elemtype),
      timer: h.timer === undefined ? 0 : readWord(b, h.timer),
      len: readWord(b, h.qcount),
      cap: readWord(b, h.dataqsiz),
      closed: b.readUInt32LE(h.closed) !== 0,
    });
  }
  return out;
}

/** A runtime type's name (abi.Type.Str, a nameOff into moduledata.types: flags byte, varint length, bytes). */
export async function typeName(memory: MemoryReader, l: ReachLayouts, typeAddress: number): Promise<string | undefined> {
  if (!typeAddress || !l.types) return undefined;
  try {
    const t = await memory.read(typeAddress, l.abiType.size);
    const nameOff = t.readInt32LE(l.abiType.str);
    const extraStar = (t[l.abiType.tflag] & 2) !== 0;
    const head = await memory.read(l.types + nameOff, 11);
    let len = 0;
    let i = 1;
    for (let shift = 1; i < head.length; shift *= 128) {
      const b = head[i++];
      len += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    const name = (await memory.read(l.types + nameOff + i, len)).toString('utf8');
    return extraStar ? name.slice(1) : name;
  } catch {
    return undefined;
  }
}
