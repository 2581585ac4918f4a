// The heap walk's analyses on hand-made heaps, without Delve: the fixed point that decides
// who can still wake whom (as Go's leak detector does, inside the GC), mutex holders, and
// the retaining paths `why` prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findDeadlocksAndLeaks } from '../src/analyses/waitgraph/findings';
import { buildWaitGraph } from '../src/analyses/waitgraph/graph';
import { reachWaits, type Container, type GoroutineRoots, type Holder, type Root } from '../src/analyses/waitgraph/reachability';
import { retainingPaths, rootsOf } from '../src/analyses/retain';
import { EdgeBuilder, objectAt, type HeapGraph } from '../src/reach/heap-graph';
import type { ObjectKind, WaitCapture, WaitClass, WaitingGoroutine } from '../src/waits/types';

const BASE = 0xc000000000;
const SIZE = 64;

/** A heap of N 64-byte objects, object i at BASE + 64i, with EDGES [from, to, offset]. */
function heap(n: number, edges: [number, number, number?][]): HeapGraph {
  const b = new EdgeBuilder(n);
  for (let i = 0; i < n; i++) {
    b.begin(i);
    for (const [from, to, off] of edges) if (from === i) b.add(to, off ?? 0);
  }
  return { spans: [{ start: BASE, end: BASE + n * SIZE, elemSize: SIZE, nelems: n, noscan: false, header: 0, firstId: 0 }], allocated: new Uint8Array(n).fill(1), objectCount: n, ...b.finish(), scannedBytes: n * SIZE };
}
const at = (i: number) => BASE + i * SIZE;

function g(id: number, waitClass: WaitClass, objects: [ObjectKind, number][] = []): WaitingGoroutine {
  const reason: Record<string, string> = { chan: 'chan receive', sync: 'sync.Mutex.Lock', none: '', timer: 'sleep' };
  return {
    id, status: waitClass === 'none' ? 'running' : 'waiting', waitReason: reason[waitClass] ?? '', startFunction: `main.f${id}`, goStatement: `/app/main.go:${id}`,
    function: `main.f${id}`, file: '/app/main.go', line: id, frames: [{ function: `main.f${id}`, file: '/app/main.go', line: id }],
    runtimeInternal: false, waitClass, objects: objects.map(([kind, address]) => ({ address, kind, type: '', evidence: 'test' })),
  };
}

const stack = (goroutine: number, value: number): Root => ({ place: { kind: 'stack', goroutine, frame: 0, slot: 0x1000 + goroutine * 8 }, value });
const stackRoots = (goroutine: number, values: number[]): GoroutineRoots => ({ goroutine, stack: { frames: values.map(() => 0), slots: values.map((_, i) => 0x1000 + i * 8), values }, others: [] });

function decide(goroutines: WaitingGoroutine[], graph: HeapGraph, opts: { globals?: Root[]; stacks?: Record<number, number[]>; holders?: Holder[]; containers?: Map<number, Container> } = {}) {
  const capture: WaitCapture = { goroutines, references: [], packageReferences: [], timerChannels: [], unscanned: [], partial: false, notes: [] };
  const containers = opts.containers ?? new Map<number, Container>();
  for (const x of goroutines) for (const o of x.objects) if (!containers.has(o.address)) containers.set(o.address, { kind: 'heap', id: objectAt(graph, o.address) });
  const goroutineRoots = new Map(Object.entries(opts.stacks ?? {}).map(([id, vs]) => [Number(id), stackRoots(Number(id), vs)]));
  const result = reachWaits(capture, {
    graph, roots: opts.globals ?? [], goroutineRoots, containers, timerChannels: new Set(), holders: opts.holders ?? [],
    frameOf: (id) => ({ function: `main.f${id}`, file: '/app/main.go', line: id }),
  });
  const findings = findDeadlocksAndLeaks(buildWaitGraph(capture), {});
  return { result, findings, capture };
}

test('a channel only a blocked goroutine reaches: leaked, certain; reached from a running goroutine: not', () => {
  // object 0: a channel; 1: a struct holding it.
  const graph = heap(2, [[1, 0, 8]]);
  const stuck = decide([g(1, 'chan', [['chan', at(0)]]), g(2, 'none')], graph, { stacks: { 1: [at(0)] } });
  assert.equal(stuck.findings.leaks.map((l) => [l.goroutine, l.confidence]), [[1, 'certain']]);
  assert.ok(!stuck.result.mayRun.has(1));
  const woken = decide([g(1, 'chan', [['chan', at(0)]]), g(2, 'none')], graph, { stacks: { 2: [at(1)] } });
  assert.equal(woken.findings.leaks, []);
  assert.match(woken.capture.references[0].variable, /sp slot .* → \+0x8/); // through the struct's field at +8
});

test('the fixed point: a goroutine released by another that is released only later', () => {
  // 3 waits on chan A (object 0), which only 2 reaches; 2 waits on chan B (object 1), which the running 1 reaches.
  const graph = heap(2, []);
  const { result, findings } = decide([g(1, 'none'), g(2, 'chan', [['chan', at(1)]]), g(3, 'chan', [['chan', at(0)]])], graph, { stacks: { 1: [at(1)], 2: [at(0)], 3: [at(0)] } });
  assert.equal([...result.mayRun].sort(), [1, 2, 3]);
  assert.equal(findings.leaks, []);
});

test('two goroutines each reaching what the other waits on, nothing live reaching either: a deadlock', () => {
  const graph = heap(2, []);
  const { findings } = decide([g(1, 'chan', [['chan', at(0)]]), g(2, 'chan', [['chan', at(1)]]), g(3, 'none')], graph, { stacks: { 1: [at(1)], 2: [at(0)] } });
  assert.equal(findings.deadlocks.map((d) => [d.goroutines, d.confidence]), [[[1, 2], 'certain']]);
  assert.equal(findings.leaks, []);
});

test('a package variable reaches the channel: anyone can wake its waiter', () => {
  const graph = heap(2, [[1, 0, 16]]);
  const global: Root = { place: { kind: 'global', symbol: 'main.srv', offset: 0 }, value: at(1) };
  const { findings, capture } = decide([g(1, 'chan', [['chan', at(0)]])], graph, { globals: [global] });
  assert.equal(findings.leaks, []);
  assert.equal(capture.packageReferences.map((r) => r.variable), ['main.srv → +0x10']);
});

test('mutexes: a proven holder decides even when a running goroutine reaches the mutex through a container', () => {
  // Philosophers 1 and 2, each holding one fork (objects 0, 1) and waiting for the other's; main (3) runs and reaches both through the table (object 2).
  const graph = heap(3, [[2, 0, 0], [2, 1, 8]]);
  const holders: Holder[] = [
    { goroutine: 1, frame: 0, address: at(0), proof: 'proven', evidence: 'defers sync.(*Mutex).Unlock' },
    { goroutine: 2, frame: 0, address: at(1), proof: 'proven', evidence: 'defers sync.(*Mutex).Unlock' },
  ];
  const goroutines = [g(1, 'sync', [['mutex', at(1)]]), g(2, 'sync', [['mutex', at(0)]]), g(3, 'none')];
  const proven = decide(goroutines, graph, { stacks: { 3: [at(2)] }, holders });
  assert.equal(proven.findings.deadlocks.map((d) => [d.goroutines, d.confidence]), [[[1, 2], 'certain']]);
  // Guessed holders: still a deadlock, only likely.
  const guessed = decide([g(1, 'sync', [['mutex', at(1)]]), g(2, 'sync', [['mutex', at(0)]]), g(3, 'none')], graph, { stacks: { 3: [at(2)] }, holders: holders.map((h) => ({ ...h, proof: 'likely' })) });
  assert.equal(guessed.findings.deadlocks.map((d) => [d.goroutines, d.confidence]), [[[1, 2], 'likely']]);
  // No holder known: the runtime's rule, reachability, and main reaches both.
  const none = decide([g(1, 'sync', [['mutex', at(1)]]), g(2, 'sync', [['mutex', at(0)]]), g(3, 'none')], graph, { stacks: { 3: [at(2)] } });
  assert.equal([none.findings.deadlocks, none.findings.leaks], [[], []]);
});

test('retaining paths: shortest first, one per root, through fields', () => {
  // main.srv -> 1 -(+0x18)-> 2 -(+0x8)-> 0 ; goroutine 7's stack -> 0 directly.
  const graph = heap(3, [[1, 2, 0x18], [2, 0, 0x8]]);
  const roots: Root[] = [{ place: { kind: 'global', symbol: 'main.srv', offset: 0 }, value: at(1) }, stack(7, at(0) + 4)];
  const paths = retainingPaths(graph, rootsOf(roots, []), 0);
  assert.equal(paths.map((p) => [p.root.place.kind, p.hops.map((h) => h.offset)]), [['stack', [0]], ['global', [0x18, 0x8, 0]]]);
  assert.equal(retainingPaths(graph, rootsOf([], []), 0), []);
});

test.run();
