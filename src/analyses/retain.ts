// Why an object is alive: the shortest chains of pointers from roots (package variables,
// goroutine stacks, timers) to it, as goref and viewcore answer it. Walks the heap graph
// backwards from the object. Pure: the graph and the roots in, paths out.
import { objectAt, objectExtent, type HeapGraph } from '../reach/heap-graph';
import { rootAt, rootCount, rootValue, type GoroutineRoots, type Root } from './waitgraph/reachability';

/** One hop: a pointer at OFFSET bytes into OBJECT (a heap object id) to the next object. */
export interface Hop {
  object: number;
  start: number;
  offset: number;
}

export interface RetainingPath {
  root: Root;
  /** From the object the root points into, to the object asked about (its offset is where in it the address lies). */
  hops: Hop[];
}

/**
 * Every root, one call each: VISIT(value, root) with ROOT making the Root only when asked
 * (a goroutine's stack words are not objects until a path starts at one).
 */
export type RootSource = (visit: (value: number, root: () => Root) => void) => void;

/** The roots of a list and of goroutines' root sets, as a RootSource. */
export function rootsOf(roots: Root[], goroutines: Iterable<GoroutineRoots>, skip?: (set: GoroutineRoots, i: number) => boolean): RootSource {
  return (visit) => {
    for (const r of roots) visit(r.value, () => r);
    for (const set of goroutines) {
      for (let i = 0, k = rootCount(set); i < k; i++) if (!skip?.(set, i)) visit(rootValue(set, i), () => rootAt(set, i));
    }
  };
}

/** Up to MAX shortest paths to TARGET, from distinct roots. */
export function retainingPaths(graph: HeapGraph, roots: RootSource, target: number, max = 5): RetainingPath[] {
  const n = graph.objectCount;
  // Who points at each object: the edges reversed.
  const inStart = new Uint32Array(n + 1);
  for (let e = 0; e < graph.edgeTarget.length; e++) inStart[graph.edgeTarget[e] + 1]++;
  for (let i = 0; i < n; i++) inStart[i + 1] += inStart[i];
  const fill = inStart.slice(0, n);
  const inSource = new Uint32Array(graph.edgeTarget.length);
  const inOffset = new Uint32Array(graph.edgeTarget.length);
  for (let src = 0; src < n; src++) {
    for (let e = graph.edgeStart[src]; e < graph.edgeStart[src + 1]; e++) {
      const t = graph.edgeTarget[e];
      inSource[fill[t]] = src;
      inOffset[fill[t]++] = graph.edgeOffset[e];
    }
  }
  // Backwards breadth first from TARGET: next[o] is the object o points to on its way there, dist[o] how far.
  const next = new Int32Array(n).fill(-2);
  const nextOffset = new Uint32Array(n);
  const dist = new Int32Array(n).fill(-1);
  next[target] = -1;
  dist[target] = 0;
  const queue = [target];
  for (let qi = 0; qi < queue.length; qi++) {
    const id = queue[qi];
    for (let e = inStart[id]; e < inStart[id + 1]; e++) {
      const src = inSource[e];
      if (next[src] !== -2) continue;
      next[src] = id;
      nextOffset[src] = inOffset[e];
      dist[src] = dist[id] + 1;
      queue.push(src);
    }
  }
  // The roots pointing into what reaches TARGET, nearest first, one per variable or frame.
  const found: { root: Root; id: number }[] = [];
  roots((value, root) => {
    const id = objectAt(graph, value);
    if (id >= 0 && dist[id] >= 0) found.push({ root: root(), id });
  });
  found.sort((a, b) => dist[a.id] - dist[b.id]);
  const out: RetainingPath[] = [];
  const used = new Set<string>();
  for (const f of found) {
    const key = rootKey(f.root);
    if (used.has(key)) continue;
    used.add(key);
    const hops: Hop[] = [];
    for (let at = f.id; at >= 0; at = next[at]) {
      const { start } = objectExtent(graph, at);
      hops.push({ object: at, start, offset: next[at] >= 0 ? nextOffset[at] : 0 });
    }
    out.push({ root: f.root, hops });
    if (out.length >= max) break;
  }
  return out;
}

/** One path per variable, frame or timer: a struct's many pointers are one root. */
function rootKey(r: Root): string {
  const p = r.place;
  switch (p.kind) {
    case 'global': return `g ${p.symbol}`;
    case 'stack': return `s ${p.goroutine} ${p.frame}`;
    case 'register': return `r ${p.goroutine}`;
    case 'defer': return `d ${p.goroutine} ${p.frame}`;
    case 'timer': return `t ${p.timer}`;
  }
}
