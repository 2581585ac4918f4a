// Why an object is alive: the shortest chains of pointers from roots (package variables,
// goroutine stacks, timers) to it, as goref and viewcore answer it. Walks the heap graph
// backwards from the object. Pure: the graph and the roots in, paths out.
import { objectAt, objectExtent, type HeapGraph } from '../reach/heap-graph';
import type { Root } from './waitgraph/reachability';

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

/** Up to MAX shortest paths to TARGET, from distinct roots. */
export function retainingPaths(graph: HeapGraph, roots: Root[], target: number, max = 5): RetainingPath[] {
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
  const rootsAt = new Map<number, Root[]>();
  for (const r of roots) {
    const id = objectAt(graph, r.value);
    if (id < 0) continue;
    if (!rootsAt.has(id)) rootsAt.set(id, []);
    rootsAt.get(id)!.push(r);
  }
  // Backwards breadth first: next[o] is the object o points to on its way to TARGET.
  const next = new Int32Array(n).fill(-2);
  const nextOffset = new Uint32Array(n);
  next[target] = -1;
  const queue = [target];
  const out: RetainingPath[] = [];
  const used = new Set<string>();
  for (let qi = 0; qi < queue.length && out.length < max; qi++) {
    const id = queue[qi];
    for (const r of rootsAt.get(id) ?? []) {
      const key = rootKey(r);
      if (used.has(key) || out.length >= max) continue;
      used.add(key);
      const hops: Hop[] = [];
      for (let at = id; at >= 0; at = next[at]) {
        const { start } = objectExtent(graph, at);
        hops.push({ object: at, start, offset: next[at] >= 0 ? nextOffset[at] : 0 });
      }
      out.push({ root: r, hops });
    }
    for (let e = inStart[id]; e < inStart[id + 1]; e++) {
      const src = inSource[e];
      if (next[src] !== -2) continue;
      next[src] = id;
      nextOffset[src] = inOffset[e];
      queue.push(src);
    }
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
