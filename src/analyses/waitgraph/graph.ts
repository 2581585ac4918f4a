// Builds the wait-for graph from a capture: goroutine -waits-> object, select -case->
// channel, object -wakes/holds-> goroutine. Who could wake an object depends on its kind:
// any goroutine that reaches a channel, wait group or cond can send, close, call Done or
// Signal; only the holder can unlock a mutex, and the runtime records none, so a goroutine
// that reaches the mutex and is not waiting for it is its likely holder.
import type { WaitingGoroutine, FrameReference, WaitCapture, WaitedObject } from '../../waits/types';
import { chanElem } from '../../waits/reach';
import { paths } from '../../render/paths';
import type { GoroutineNode, GraphEdge, ObjectNode, WaitGraph } from './types';

export function goroutineNodeId(id: number): string {
  return `g${id}`;
}

export function objectNodeId(kind: string, address: number): string {
  return `${kind} 0x${address.toString(16)}`;
}

export function buildWaitGraph(capture: WaitCapture): WaitGraph {
  const nodes = new Map<string, GoroutineNode | ObjectNode>();
  const edges: GraphEdge[] = [];
  const packageVar = new Map(capture.packageReferences.map((r) => [r.address, r.variable]));
  const timers = new Set(capture.timerChannels);
  const unreached = new Set(capture.unreached ?? []);
  /** object address -> node id, and who waits on it (they cannot wake it). */
  const objectIds = new Map<number, string>();
  const waitersOf = new Map<number, Set<number>>();

  const addObject = (o: WaitedObject): string => {
    let id = objectIds.get(o.address);
    if (!id) {
      id = objectNodeId(o.kind, o.address);
      objectIds.set(o.address, id);
      const node: ObjectNode = { id, type: o.kind, address: o.address, goType: o.type };
      const pv = packageVar.get(o.address);
      if (pv) node.packageVariable = pv;
      if (timers.has(o.address)) node.timer = true;
      if (unreached.has(o.address)) node.unreached = true;
      nodes.set(id, node);
    }
    return id;
  };

  const mayReach = new Map<number, Set<string>>();
  for (const b of capture.blindSpots ?? []) {
    if (!mayReach.has(b.goroutine)) mayReach.set(b.goroutine, new Set());
    for (const k of b.kinds) mayReach.get(b.goroutine)!.add(k);
  }
  for (const g of capture.goroutines) {
    const node = goroutineNode(g);
    if (mayReach.has(g.id)) node.mayReach = [...mayReach.get(g.id)!].sort();
    nodes.set(goroutineNodeId(g.id), node);
    const gid = goroutineNodeId(g.id);
    if (g.waitClass === 'forever') {
      const kind = g.waitReason.startsWith('select') ? 'select' : 'chan';
      const id = `${kind === 'select' ? 'select' : 'chan nil'} ${gid}`;
      nodes.set(id, { id, type: kind, address: 0, goType: '', never: true });
      edges.push({ from: gid, to: id, type: 'waits', confidence: 'certain', evidence: `wait reason "${g.waitReason}"` });
      continue;
    }
    if (g.objects.length === 0) continue;
    for (const o of g.objects) {
      if (!waitersOf.has(o.address)) waitersOf.set(o.address, new Set());
      waitersOf.get(o.address)!.add(g.id);
    }
    if (g.waitClass === 'select') {
      const sel = `select ${gid}`;
      nodes.set(sel, { id: sel, type: 'select', address: 0, goType: '' });
      edges.push({ from: gid, to: sel, type: 'waits', confidence: 'certain', evidence: 'wait reason "select"' });
      for (const o of g.objects) edges.push({ from: sel, to: addObject(o), type: 'case', confidence: 'certain', evidence: o.evidence });
    } else {
      for (const o of g.objects) edges.push({ from: gid, to: addObject(o), type: 'waits', confidence: 'certain', evidence: o.evidence });
    }
  }

  // A channel's type, from any variable that reaches it (the runtime's sudog does not say).
  for (const r of capture.references) {
    const id = objectIds.get(r.address);
    const node = id ? (nodes.get(id) as ObjectNode) : undefined;
    if (node && !node.goType && r.type && chanElem(r.type) !== undefined) node.goType = r.type;
  }

  // Who could wake each object: the goroutines whose frames reach it, less its waiters.
  const byObject = new Map<number, Map<number, FrameReference>>();
  for (const r of capture.references) {
    if (!objectIds.has(r.address)) continue;
    if (!byObject.has(r.address)) byObject.set(r.address, new Map());
    const seen = byObject.get(r.address)!;
    if (!seen.has(r.goroutine)) seen.set(r.goroutine, r); // the innermost frame that reaches it
  }
  for (const [address, refs] of byObject) {
    const id = objectIds.get(address)!;
    const kind = (nodes.get(id) as ObjectNode).type;
    const waiters = waitersOf.get(address) ?? new Set<number>();
    for (const [goroutine, r] of refs) {
      if (waiters.has(goroutine)) continue;
      const holder = kind === 'mutex' || kind === 'rwmutex';
      edges.push({
        from: id, to: goroutineNodeId(goroutine), type: holder ? 'holds' : 'wakes', confidence: holder && r.holder !== 'proven' ? 'likely' : 'certain',
        evidence: `${r.function} (${shortFile(r.file)}:${r.line}) ${r.variable}`,
      });
    }
  }
  return { nodes: [...nodes.values()], edges };
}

function goroutineNode(g: WaitingGoroutine): GoroutineNode {
  // main parked in `select {}` is how a program serves for ever (Go's leak detector does not count it either).
  const parkedMain = g.startFunction === 'runtime.main' && g.waitReason === 'select (no cases)';
  const wakesItself = parkedMain || !['chan', 'select', 'sync', 'forever'].includes(g.waitClass) || (g.waitClass !== 'forever' && g.objects.length === 0);
  return {
    id: goroutineNodeId(g.id), type: 'goroutine', goroutine: g.id, status: g.status, waitReason: g.waitReason,
    function: g.function, file: g.file, line: g.line, startFunction: g.startFunction, goStatement: g.goStatement,
    wakesItself, runtimeInternal: g.runtimeInternal,
    stack: g.frames.map(frameText),
  };
}

/** `function file:line`, once per frame object (a capture shares one per pc among its goroutines). */
function frameText(f: WaitingGoroutine['frames'][number]): string {
  let t = frameTexts.get(f);
  if (t === undefined) frameTexts.set(f, (t = `${f.function} ${shortFile(f.file)}:${f.line}`));
  return t;
}
const frameTexts = new WeakMap<object, string>();

/** FILE (or FILE:LINE) module-relative (see render/paths); where no go.mod says, its last two parts. */
export function shortFile(file: string): string {
  let short = shortFiles.get(file);
  if (short === undefined) {
    const s = paths.shortFileLine(file);
    short = s !== file || !file.startsWith('/') ? s : file.split('/').slice(-2).join('/');
    if (shortFiles.size > 100_000) shortFiles.clear();
    shortFiles.set(file, short);
  }
  return short;
}

/** 10,000 goroutines' stacks name a few hundred files. */
const shortFiles = new Map<string, string>();
