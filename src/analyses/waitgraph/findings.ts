// Deadlocks and leaks, read from the wait-for graph.
//
// A blocked goroutine stays blocked for ever when nothing that could wake its objects can
// run: no live goroutine reaches them, no package variable does (anyone could), no timer
// sends on them. That set is found as a greatest fixed point (start from every goroutine
// blocked on the program's objects, drop those that something live could wake, repeat), so
// a pipeline whose stages wait on each other while its source sleeps is not flagged.
// Among the goroutines blocked for ever, the strongly connected components with a cycle are
// deadlocks; the others are leaks, or wait behind a deadlock.
import { stronglyConnected } from './scc';
import { chanElem, reachMatches } from '../../waits/reach';
import type { Confidence, Deadlock, Findings, GoroutineNode, GraphEdge, Leak, ObjectNode, WaitGraph } from './types';

export interface FindingOptions {
  /** Some goroutine's frames could not be read, or the capture was cut short: a reference may be missing. */
  incomplete?: boolean;
}

export function findDeadlocksAndLeaks(graph: WaitGraph, opts: FindingOptions = {}): Findings {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from)!.push(e);
  }
  const edgesFrom = (id: string) => out.get(id) ?? [];
  /** The objects a goroutine waits on; a select stands for its cases. */
  const waitedMemo = new Map<string, string[]>();
  const waitedObjects = (g: string): string[] => {
    let w = waitedMemo.get(g);
    if (!w) {
      w = edgesFrom(g)
        .filter((e) => e.type === 'waits')
        .flatMap((e) => {
          const sel = edgesFrom(e.to).filter((c) => c.type === 'case').map((c) => c.to);
          return sel.length > 0 ? sel : [e.to];
        });
      waitedMemo.set(g, w);
    }
    return w;
  };
  const wakersMemo = new Map<string, string[]>();
  const wakers = (object: string) => {
    let w = wakersMemo.get(object);
    if (!w) wakersMemo.set(object, (w = edgesFrom(object).filter((e) => e.type === 'wakes' || e.type === 'holds').map((e) => e.to)));
    return w;
  };
  const freeObject = (o: ObjectNode) => !o.never && (o.packageVariable !== undefined || o.timer === true);

  const blocked = graph.nodes.filter(
    (n): n is GoroutineNode => n.type === 'goroutine' && !n.runtimeInternal && !n.wakesItself && edgesFrom(n.id).some((e) => e.type === 'waits'),
  );
  // Goroutines with variables the capture could not read may reach objects no edge shows.
  const blind = graph.nodes.filter((n): n is GoroutineNode => n.type === 'goroutine' && (n.mayReach?.length ?? 0) > 0);
  const stuckFor = (withBlind: boolean): Set<string> => {
    const stuck = new Set(blocked.map((g) => g.id));
    const live = (object: string): boolean => {
      const o = nodes.get(object) as ObjectNode;
      if (freeObject(o) || wakers(object).some((w) => !stuck.has(w))) return true;
      const elem = chanElem(o.goType);
      return withBlind && !o.never && blind.some((b) => !stuck.has(b.id) && b.mayReach!.some((r) => reachMatches(r, o.type, elem)));
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const g of [...stuck]) {
        if (waitedObjects(g).some(live)) {
          stuck.delete(g);
          changed = true;
        }
      }
    }
    return stuck;
  };
  const stuck = stuckFor(false);
  /** Stuck even if every unreadable variable reached what its type allows: proven. */
  const proven = blind.length > 0 ? stuckFor(true) : stuck;
  // A stuck goroutine whose unreadable variable could reach what another stuck goroutine
  // waits on may join them in a cycle no edge shows: which are deadlocks and which leaks is
  // then not proven.
  const stuckWaiters = new Map<string, { type: string; elem?: string; waiters: Set<string> }>(); // by kind and channel type
  for (const g of stuck) for (const id of waitedObjects(g)) {
    const o = nodes.get(id) as ObjectNode;
    const key = `${o.type} ${o.goType}`;
    if (!stuckWaiters.has(key)) stuckWaiters.set(key, { type: o.type, elem: chanElem(o.goType), waiters: new Set() });
    stuckWaiters.get(key)!.waiters.add(g);
  }
  const shapeUnproven = blind.some((b) => stuck.has(b.id) && [...stuckWaiters.values()].some((w) =>
    [...w.waiters].some((g) => g !== b.id) && b.mayReach!.some((r) => reachMatches(r, w.type, w.elem))));

  // The stuck subgraph: stuck goroutines, their objects (selects included), wakers among them.
  const inSub = new Set<string>(stuck);
  for (const g of stuck) for (const e of edgesFrom(g)) if (e.type === 'waits') {
    inSub.add(e.to);
    for (const c of edgesFrom(e.to)) if (c.type === 'case') inSub.add(c.to);
  }
  const subEdges = (id: string) => edgesFrom(id).filter((e) => inSub.has(e.to));
  const components = stronglyConnected([...inSub].sort(), (id) => subEdges(id).map((e) => e.to));
  const cycles = components.filter((c) => c.length > 1 && c.some((id) => stuck.has(id)));

  const deadlocks: Deadlock[] = cycles.map((c) => {
    const members = new Set(c);
    const edges = c.flatMap((id) => subEdges(id).filter((e) => members.has(e.to)));
    // A cycle through a guessed holder is a guessed cycle (certain needs every holder proven).
    const holderGuess = edges.some((e) => e.confidence === 'likely');
    const goroutines = c.filter((id) => stuck.has(id)).map((id) => (nodes.get(id) as GoroutineNode).goroutine).sort((a, b) => a - b);
    return {
      goroutines,
      objects: c.filter((id) => !stuck.has(id) && nodes.get(id)!.type !== 'select').sort(),
      confidence: confidenceOf(holderGuess || shapeUnproven || c.some((id) => stuck.has(id) && !proven.has(id)), opts),
      edges,
      blockedBehind: [],
    };
  });
  const cycleOf = new Map<string, number>();
  cycles.forEach((cycle, i) => cycle.forEach((id) => cycleOf.set(id, i)));

  const leaks: Leak[] = [];
  for (const g of [...stuck].sort(byGoroutine(nodes))) {
    if (cycleOf.has(g)) continue;
    const behind = firstReachedCycle(g, subEdges, cycleOf);
    if (behind !== undefined) {
      deadlocks[behind].blockedBehind.push((nodes.get(g) as GoroutineNode).goroutine);
      continue;
    }
    const first = edgesFrom(g).find((e) => e.type === 'waits')!.to;
    const objects = waitedObjects(g);
    const never = objects.every((o) => (nodes.get(o) as ObjectNode).never);
    const blockedWakers = [...new Set(objects.flatMap(wakers))];
    const what = nodes.get(first)!.type === 'select' ? 'none of its select cases' : first;
    const reason = never
      ? `waits on ${nodes.get(first)!.type === 'select' ? 'a select with no cases' : 'a nil channel'}: nothing can ever wake it`
      : blockedWakers.length === 0
        ? `${what} is reached by no other goroutine and no package variable`
        : `${what} is reached only by goroutines that are themselves blocked for ever (${blockedWakers.map((w) => 'goroutine ' + w.slice(1)).join(', ')})`;
    // A guessed holder matters only where something live reaches the mutex (else it is stuck whoever holds it).
    const holderGuess = objects.some((o) => !(nodes.get(o) as ObjectNode).unreached && edgesFrom(o).some((e) => e.type === 'holds' && e.confidence === 'likely'));
    leaks.push({ goroutine: (nodes.get(g) as GoroutineNode).goroutine, object: first, reason, confidence: never ? 'certain' : confidenceOf(holderGuess || shapeUnproven || !proven.has(g), opts) });
  }
  for (const d of deadlocks) d.blockedBehind.sort((a, b) => a - b);
  return { deadlocks, leaks };
}

function confidenceOf(holderGuess: boolean, opts: FindingOptions): Confidence {
  return holderGuess || opts.incomplete ? 'likely' : 'certain';
}

function firstReachedCycle(start: string, subEdges: (id: string) => GraphEdge[], cycleOf: Map<string, number>): number | undefined {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of subEdges(id)) {
      if (seen.has(e.to)) continue;
      const c = cycleOf.get(e.to);
      if (c !== undefined) return c;
      seen.add(e.to);
      queue.push(e.to);
    }
  }
  return undefined;
}

function byGoroutine(nodes: Map<string, unknown>) {
  return (a: string, b: string) => (nodes.get(a) as GoroutineNode).goroutine - (nodes.get(b) as GoroutineNode).goroutine;
}
