// The difference between two captures of every goroutine's stack: which goroutines
// appeared, which vanished, and how the stack of each one present in both changed. A pure
// function of the two captures.
//
// Goroutines are matched by id within one process. Across processes (a core dump against a
// live run) ids mean nothing, so they are matched by identity: the same id where it also
// started the same way, then by start function and go statement, same stacks first.
import type { Capture, CapturedFrame, CapturedGoroutine } from '../capture/capture';

export type MatchBy = 'id' | 'identity';
export type ChangeKind = 'changed' | 'appeared' | 'vanished' | 'unchanged';

/**
 * How the stack memory changed. The runtime never resizes a stack in place: it copies it to a
 * new one, larger when the stack overflows (runtime.morestack -> newstack -> copystack), smaller
 * when the GC finds it mostly unused (shrinkstack).
 */
export type StackMemoryChange = 'grew' | 'shrank' | 'moved' | 'same';

export interface ChangedGoroutine {
  /** The goroutine's id in the first capture. */
  id: number;
  /** Its id in the second (differs only when matched by identity). */
  idAfter: number;
  startFunction: string;
  goStatement: string;
  framesBefore: number;
  framesAfter: number;
  /** Frames equal in both, counted from the root (runtime.goexit) up. */
  commonFrames: number;
  /** framesAfter - framesBefore: positive when it went deeper. */
  depthChange: number;
  /** Allocated stack (g.stack.hi - lo). */
  stackBytesBefore: number;
  stackBytesAfter: number;
  /** Stack in use (hi - sp). */
  stackInUseBefore: number;
  stackInUseAfter: number;
  stackMemory: StackMemoryChange;
  /** The stack was copied to new memory (grew, shrank, or moved). */
  stackCopied: boolean;
  statusBefore: string;
  statusAfter: string;
  waitReasonBefore: string;
  waitReasonAfter: string;
  /** A stack cut at the capture's frame limit: its root is not known. */
  truncated: boolean;
}

/** Goroutines with the same change and the same stacks, folded into one. */
export interface DiffGroup {
  change: ChangeKind;
  count: number;
  /** Ids in the first capture (appeared: in the second), ascending. */
  ids: number[];
  startFunction: string;
  goStatement: string;
  status: string;
  waitReason: string;
  /** The stacks, innermost frame first: before for changed/vanished/unchanged, after for changed/appeared. */
  before?: CapturedFrame[];
  after?: CapturedFrame[];
  framesBefore: number;
  framesAfter: number;
  commonFrames: number;
  stackBytesBefore: number;
  stackBytesAfter: number;
  stackMemory?: StackMemoryChange;
}

export interface StackDiff {
  kind: 'stackdiff';
  before: string;
  after: string;
  matchedBy: MatchBy;
  /** Ids (in the second capture) of goroutines only it has. */
  appeared: number[];
  /** Ids (in the first capture) of goroutines only it has. */
  vanished: number[];
  changed: ChangedGoroutine[];
  /** How many goroutines are in both with the same stack. */
  unchanged: number;
  groups: DiffGroup[];
  /** Either capture was interrupted: goroutines it missed are in neither list. */
  partial: boolean;
}

export interface DiffOptions {
  /** Default: by id for two captures of one process, else by identity. */
  matchBy?: MatchBy;
}

export function diffCaptures(before: Capture, after: Capture, opts: DiffOptions = {}): StackDiff {
  const matchBy = opts.matchBy ?? (sameProcess(before, after) ? 'id' : 'identity');
  const stacks = new StackKeys();
  const { pairs, onlyBefore, onlyAfter } = matchBy === 'id' ? matchById(before, after) : matchByIdentity(before, after, stacks);
  const missingAfter = new Set(after.missing);
  const missingBefore = new Set(before.missing);
  const vanished = onlyBefore.filter((g) => !missingAfter.has(g.id));
  const appeared = onlyAfter.filter((g) => !missingBefore.has(g.id));

  const changed: ChangedGoroutine[] = [];
  const groups = new Map<string, DiffGroup>();
  const addToGroup = (key: string, change: ChangeKind, id: number, make: () => Omit<DiffGroup, 'count' | 'ids' | 'change'>) => {
    const k = `${change}\n${key}`;
    let group = groups.get(k);
    if (!group) groups.set(k, (group = { change, count: 0, ids: [], ...make() }));
    group.count++;
    group.ids.push(id);
  };

  let unchanged = 0;
  for (const [b, a] of pairs) {
    const kb = stacks.of(b);
    const ka = stacks.of(a);
    const sameFrames = kb === ka;
    const stackMemory = memoryChange(b, a, matchBy === 'id');
    if (sameFrames && b.stackBytes === a.stackBytes) {
      unchanged++;
      addToGroup(kb, 'unchanged', b.id, () => describe(b, { before: b.frames, framesBefore: b.frames.length, framesAfter: a.frames.length, commonFrames: b.frames.length, stackBytesBefore: b.stackBytes, stackBytesAfter: a.stackBytes }));
      continue;
    }
    const commonFrames = b.truncated || a.truncated ? 0 : commonFromRoot(stacks.frameIds(b), stacks.frameIds(a));
    changed.push({
      id: b.id,
      idAfter: a.id,
      startFunction: a.startFunction,
      goStatement: a.goStatement,
      framesBefore: b.frames.length,
      framesAfter: a.frames.length,
      commonFrames,
      depthChange: a.frames.length - b.frames.length,
      stackBytesBefore: b.stackBytes,
      stackBytesAfter: a.stackBytes,
      stackInUseBefore: b.stackInUse,
      stackInUseAfter: a.stackInUse,
      stackMemory,
      stackCopied: stackMemory !== 'same',
      statusBefore: b.status,
      statusAfter: a.status,
      waitReasonBefore: b.waitReason,
      waitReasonAfter: a.waitReason,
      truncated: b.truncated || a.truncated,
    });
    addToGroup(`${kb}|${ka}|${b.stackBytes}|${a.stackBytes}`, 'changed', b.id, () => ({
      ...describe(a, { before: b.frames, after: a.frames, framesBefore: b.frames.length, framesAfter: a.frames.length, commonFrames, stackBytesBefore: b.stackBytes, stackBytesAfter: a.stackBytes }),
      stackMemory,
    }));
  }
  for (const g of appeared) {
    addToGroup(stacks.of(g), 'appeared', g.id, () => describe(g, { after: g.frames, framesBefore: 0, framesAfter: g.frames.length, commonFrames: 0, stackBytesBefore: 0, stackBytesAfter: g.stackBytes }));
  }
  for (const g of vanished) {
    addToGroup(stacks.of(g), 'vanished', g.id, () => describe(g, { before: g.frames, framesBefore: g.frames.length, framesAfter: 0, commonFrames: 0, stackBytesBefore: g.stackBytes, stackBytesAfter: 0 }));
  }

  const order: ChangeKind[] = ['changed', 'appeared', 'vanished', 'unchanged'];
  const sortedGroups = [...groups.values()].sort((x, y) => order.indexOf(x.change) - order.indexOf(y.change) || y.count - x.count || x.ids[0] - y.ids[0]);
  return {
    kind: 'stackdiff',
    before: before.name,
    after: after.name,
    matchedBy: matchBy,
    appeared: appeared.map((g) => g.id).sort((x, y) => x - y),
    vanished: vanished.map((g) => g.id).sort((x, y) => x - y),
    changed: changed.sort((x, y) => x.id - y.id),
    unchanged,
    groups: sortedGroups,
    partial: before.partial || after.partial,
  };
}

/** Goroutines of one capture with the same stack. */
export interface StackGroup {
  count: number;
  ids: number[];
  status: string;
  waitReason: string;
  startFunction: string;
  goStatement: string;
  frames: CapturedFrame[];
  /** Their stacks' allocated bytes, summed. */
  totalStackBytes: number;
  truncated: boolean;
}

/** A capture's goroutines folded by stack (and status), largest group first. */
export function foldStacks(capture: Capture): StackGroup[] {
  const stacks = new StackKeys();
  const groups = new Map<string, StackGroup>();
  for (const g of capture.goroutines) {
    const key = `${stacks.of(g)}\n${g.status}\n${g.waitReason}`;
    let group = groups.get(key);
    if (!group) {
      group = { count: 0, ids: [], status: g.status, waitReason: g.waitReason, startFunction: g.startFunction, goStatement: g.goStatement, frames: g.frames, totalStackBytes: 0, truncated: g.truncated };
      groups.set(key, group);
    }
    group.count++;
    group.ids.push(g.id);
    group.totalStackBytes += g.stackBytes;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.ids[0] - b.ids[0]);
}

/** Two captures of one live process (same pid, same start time): ids match. */
export function sameProcess(a: Capture, b: Capture): boolean {
  return a.target.kind !== 'core' && b.target.kind !== 'core' && a.target.pid > 0 && a.target.pid === b.target.pid && a.target.processStart === b.target.processStart;
}

/** The frames two stacks share, counted from the root. */
export function commonFromRoot(before: readonly number[], after: readonly number[]): number {
  let n = 0;
  while (n < before.length && n < after.length && before[before.length - 1 - n] === after[after.length - 1 - n]) n++;
  return n;
}

/** Frames are the same frame when function, file and line are: pcs differ between builds. */
export function sameFrame(a: CapturedFrame, b: CapturedFrame): boolean {
  return a.function === b.function && a.file === b.file && a.line === b.line;
}

function describe(g: CapturedGoroutine, rest: Pick<DiffGroup, 'framesBefore' | 'framesAfter' | 'commonFrames' | 'stackBytesBefore' | 'stackBytesAfter'> & Partial<DiffGroup>) {
  return { startFunction: g.startFunction, goStatement: g.goStatement, status: g.status, waitReason: g.waitReason, ...rest };
}

function memoryChange(b: CapturedGoroutine, a: CapturedGoroutine, sameAddresses: boolean): StackMemoryChange {
  if (a.stackBytes > b.stackBytes) return 'grew';
  if (a.stackBytes < b.stackBytes) return 'shrank';
  return sameAddresses && a.stackLo !== b.stackLo ? 'moved' : 'same';
}

type Pair = [CapturedGoroutine, CapturedGoroutine];

interface Matching {
  pairs: Pair[];
  onlyBefore: CapturedGoroutine[];
  onlyAfter: CapturedGoroutine[];
}

function matchById(before: Capture, after: Capture): Matching {
  const afterById = new Map(after.goroutines.map((g) => [g.id, g]));
  const pairs: Pair[] = [];
  const onlyBefore: CapturedGoroutine[] = [];
  for (const b of before.goroutines) {
    const a = afterById.get(b.id);
    if (a) {
      pairs.push([b, a]);
      afterById.delete(b.id);
    } else {
      onlyBefore.push(b);
    }
  }
  return { pairs, onlyBefore, onlyAfter: [...afterById.values()] };
}

function identity(g: CapturedGoroutine): string {
  return `${g.startFunction}\n${g.goStatement}`;
}

function matchByIdentity(before: Capture, after: Capture, stacks: StackKeys): Matching {
  const pairs: Pair[] = [];
  const afterById = new Map(after.goroutines.map((g) => [g.id, g]));
  const restBefore: CapturedGoroutine[] = [];
  for (const b of before.goroutines) {
    const a = afterById.get(b.id);
    if (a && identity(a) === identity(b)) {
      pairs.push([b, a]);
      afterById.delete(b.id);
    } else {
      restBefore.push(b);
    }
  }
  // The rest, by how they started: same stacks first, then in id order.
  const byIdentity = new Map<string, { before: CapturedGoroutine[]; after: CapturedGoroutine[] }>();
  const slot = (g: CapturedGoroutine) => {
    let s = byIdentity.get(identity(g));
    if (!s) byIdentity.set(identity(g), (s = { before: [], after: [] }));
    return s;
  };
  for (const b of restBefore) slot(b).before.push(b);
  for (const a of afterById.values()) slot(a).after.push(a);
  const onlyBefore: CapturedGoroutine[] = [];
  const onlyAfter: CapturedGoroutine[] = [];
  for (const s of byIdentity.values()) {
    const waiting = new Map<string, CapturedGoroutine[]>();
    for (const a of s.after) {
      const k = stacks.of(a);
      if (!waiting.has(k)) waiting.set(k, []);
      waiting.get(k)!.push(a);
    }
    for (const queue of waiting.values()) queue.reverse(); // pop() then takes them in id order
    const paired = new Set<CapturedGoroutine>();
    const unpaired: CapturedGoroutine[] = [];
    for (const b of s.before) {
      const queue = waiting.get(stacks.of(b));
      const a = queue?.pop();
      if (a) {
        pairs.push([b, a]);
        paired.add(a);
      } else {
        unpaired.push(b);
      }
    }
    const left = s.after.filter((a) => !paired.has(a));
    const n = Math.min(unpaired.length, left.length);
    for (let i = 0; i < n; i++) pairs.push([unpaired[i], left[i]]);
    onlyBefore.push(...unpaired.slice(n));
    onlyAfter.push(...left.slice(n));
  }
  return { pairs, onlyBefore, onlyAfter };
}

/**
 * Stacks as short keys: each distinct frame gets a number, a stack is its numbers joined, so
 * 10,000 stacks compare and fold by string equality.
 */
class StackKeys {
  private readonly frameNumbers = new Map<string, number>();
  /** Captures from memory share frame objects between goroutines: numbered once each. */
  private readonly sharedFrames = new Map<CapturedFrame, number>();
  private readonly ids = new WeakMap<CapturedGoroutine, number[]>();
  private readonly keys = new WeakMap<CapturedGoroutine, string>();

  frameIds(g: CapturedGoroutine): number[] {
    let ids = this.ids.get(g);
    if (!ids) {
      ids = g.frames.map((f) => {
        let n = this.sharedFrames.get(f);
        if (n !== undefined) return n;
        const k = `${f.function}\n${f.file}\n${f.line}`;
        n = this.frameNumbers.get(k);
        if (n === undefined) this.frameNumbers.set(k, (n = this.frameNumbers.size));
        this.sharedFrames.set(f, n);
        return n;
      });
      this.ids.set(g, ids);
    }
    return ids;
  }

  of(g: CapturedGoroutine): string {
    let key = this.keys.get(g);
    if (key === undefined) {
      key = this.frameIds(g).join(',') + (g.truncated ? ',…' : '');
      this.keys.set(g, key);
    }
    return key;
  }
}
