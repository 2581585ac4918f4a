// What is drawn: the runtime's own goroutines left out (unless --all), one goroutine's
// neighbourhood (--focus), and goroutines with the same status, wait reason and stack
// merged into one node with a count (--group), as panicparse buckets a dump. Objects whose
// waiters and wakers then coincide merge too. Findings are computed before, on the whole graph.
import type { Findings, GoroutineNode, GraphEdge, GraphNode, ObjectNode, WaitGraph } from './types';
import { goroutineNodeId } from './graph';

/** Beyond this many goroutine nodes, a picture cannot be read: group automatically. */
export const AUTO_GROUP_ABOVE = 60;

export function withoutRuntimeGoroutines(graph: WaitGraph): WaitGraph {
  const dropped = new Set(graph.nodes.filter((n) => n.type === 'goroutine' && n.runtimeInternal).map((n) => n.id));
  return prune({ nodes: graph.nodes.filter((n) => !dropped.has(n.id)), edges: graph.edges.filter((e) => !dropped.has(e.from) && !dropped.has(e.to)) });
}

/** Objects left without any goroutine drawn next to them are dropped. */
function prune(graph: WaitGraph): WaitGraph {
  const touched = new Set<string>();
  for (const e of graph.edges) {
    touched.add(e.from);
    touched.add(e.to);
  }
  const keep = new Set(graph.nodes.filter((n) => n.type === 'goroutine' || touched.has(n.id)).map((n) => n.id));
  return { nodes: graph.nodes.filter((n) => keep.has(n.id)), edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)) };
}

/**
 * Goroutine ID, the objects it waits on or could wake, the goroutines next to those
 * objects, and every deadlock it is part of.
 */
export function focusOn(graph: WaitGraph, findings: Findings, goroutine: number): WaitGraph | undefined {
  const start = goroutineNodeId(goroutine);
  if (!graph.nodes.some((n) => n.id === start)) return undefined;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const neighbours = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    if (!neighbours.has(a)) neighbours.set(a, []);
    neighbours.get(a)!.push(b);
  };
  for (const e of graph.edges) {
    link(e.from, e.to);
    link(e.to, e.from);
  }
  // Breadth first, counting goroutines only: the start (0), its objects (0), the goroutines
  // next to them (1), which are not expanded further.
  const cost = new Map([[start, 0]]);
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const c = cost.get(id)!;
    if (byId.get(id)?.type === 'goroutine' && c >= 1) continue;
    for (const n of neighbours.get(id) ?? []) {
      if (cost.has(n)) continue;
      cost.set(n, byId.get(n)?.type === 'goroutine' ? c + 1 : c);
      queue.push(n);
    }
  }
  const keep = new Set(cost.keys());
  for (const d of findings.deadlocks) {
    if (!d.goroutines.includes(goroutine)) continue;
    for (const g of d.goroutines) keep.add(goroutineNodeId(g));
    for (const o of d.objects) keep.add(o);
    for (const e of d.edges) keep.add(e.from), keep.add(e.to);
  }
  return { nodes: graph.nodes.filter((n) => keep.has(n.id)), edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)) };
}

export function countGoroutines(graph: WaitGraph): number {
  return graph.nodes.filter((n) => n.type === 'goroutine').length;
}

/** The finding a goroutine belongs to, so that grouping never merges it with others. */
function findingKey(findings: Findings): Map<number, string> {
  const key = new Map<number, string>();
  findings.deadlocks.forEach((d, i) => d.goroutines.forEach((g) => key.set(g, `deadlock ${i}`)));
  findings.deadlocks.forEach((d, i) => d.blockedBehind.forEach((g) => key.set(g, `behind ${i}`)));
  for (const l of findings.leaks) key.set(l.goroutine, 'leak');
  return key;
}

export function groupGraph(graph: WaitGraph, findings: Findings): WaitGraph {
  const finding = findingKey(findings);
  // 1. Goroutines by status, wait reason, stack (and finding).
  const groupOf = new Map<string, string>();
  const groups = new Map<string, GoroutineNode[]>();
  const frameIds = new Map<string, number>(); // a short key per stack: its frames' numbers
  const frameId = (f: string) => {
    let id = frameIds.get(f);
    if (id === undefined) frameIds.set(f, (id = frameIds.size));
    return id;
  };
  for (const n of graph.nodes) {
    if (n.type !== 'goroutine') continue;
    const key = `${n.status}\n${n.waitReason}\n${finding.get(n.goroutine) ?? ''}\n${n.stack.map(frameId).join(',')}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(n);
  }
  const nodes: GraphNode[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    const id = members.length === 1 ? first.id : `${first.id} +${members.length - 1}`;
    for (const m of members) groupOf.set(m.id, id);
    nodes.push(members.length === 1 ? first : { ...first, id, count: members.length, goroutines: members.map((m) => m.goroutine) });
  }
  // 2. Objects (a select counts as its goroutine's) by kind, flags and grouped neighbours.
  const objectNeighbours = new Map<string, string[]>();
  const note = (object: string, s: string) => {
    if (!objectNeighbours.has(object)) objectNeighbours.set(object, []);
    objectNeighbours.get(object)!.push(s);
  };
  const objects = graph.nodes.filter((n): n is ObjectNode => n.type !== 'goroutine');
  const selectOwner = new Map<string, string>();
  for (const e of graph.edges) if (e.type === 'waits' && e.to.startsWith('select ')) selectOwner.set(e.to, groupOf.get(e.from)!);
  const side = (id: string) => groupOf.get(id) ?? (selectOwner.has(id) ? `select of ${selectOwner.get(id)}` : id);
  for (const e of graph.edges) {
    if (!groupOf.has(e.from)) note(e.from, `${e.type}>${side(e.to)}`);
    if (!groupOf.has(e.to)) note(e.to, `<${e.type}${side(e.from)}`);
  }
  const objectGroup = new Map<string, ObjectNode[]>();
  for (const o of objects) {
    const key = [o.type, o.packageVariable ?? '', o.timer ? 't' : '', o.never ? 'n' : '', ...[...new Set(objectNeighbours.get(o.id) ?? [])].sort()].join('\n');
    if (!objectGroup.has(key)) objectGroup.set(key, []);
    objectGroup.get(key)!.push(o);
  }
  for (const members of objectGroup.values()) {
    const first = members[0];
    const id = members.length === 1 ? first.id : `${first.id} +${members.length - 1}`;
    for (const m of members) groupOf.set(m.id, id);
    nodes.push(members.length === 1 ? first : { ...first, id, count: members.length });
  }
  // 3. Edges between groups, counted.
  const edges = new Map<string, GraphEdge>();
  for (const e of graph.edges) {
    const from = groupOf.get(e.from)!;
    const to = groupOf.get(e.to)!;
    const key = `${from}\n${to}\n${e.type}`;
    const old = edges.get(key);
    if (old) old.count = (old.count ?? 1) + 1;
    else edges.set(key, { ...e, from, to });
  }
  return { nodes, edges: [...edges.values()] };
}
