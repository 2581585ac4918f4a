// The wait-for graph analyses on hand-made captures, without Delve.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findDeadlocksAndLeaks } from '../src/analyses/waitgraph/findings';
import { buildWaitGraph } from '../src/analyses/waitgraph/graph';
import { stronglyConnected } from '../src/analyses/waitgraph/scc';
import { focusOn, groupGraph, withoutRuntimeGoroutines } from '../src/analyses/waitgraph/view';
import { foldFindings, generalReason } from '../src/analyses/waitgraph/fold';
import { graphBundle, graphDot, type GraphView } from '../src/render/graph';
import { Kind, type Variable } from '../src/rpc/api';
import { isMachineryFrame, isStandardLibrary, syncObjectOf, waitClassOf } from '../src/waits/classify';
import { chanElem, reachedAddresses, reachMatches } from '../src/waits/reach';
import { addressIn, heapTimers, hchanTimer, semaphoreFields, sudogChannel, sudogElem, timerChannel, timerPending, timersShape } from '../src/waits/runtime-shapes';
import { delveTypeName } from '../src/waits/type-reach';
import type { WaitingGoroutine, FrameReference, ObjectKind, WaitCapture, WaitClass } from '../src/waits/types';

const CH1 = 0xc000010000, CH2 = 0xc000010100, MU1 = 0xc000020000, MU2 = 0xc000020010, WG = 0xc000030000;

function g(id: number, waitClass: WaitClass, objects: [ObjectKind, number][] = [], over: Partial<WaitingGoroutine> = {}): WaitingGoroutine {
  const reason: Record<string, string> = { chan: 'chan receive', select: 'select', sync: 'semacquire', timer: 'sleep', forever: 'chan receive (nil chan)' };
  return {
    id, status: waitClass === 'none' ? 'running' : 'waiting', waitReason: reason[waitClass] ?? '', startFunction: `main.f${id}`, goStatement: `/app/main.go:${id}`,
    function: `main.f${id}`, file: '/app/main.go', line: id, frames: [{ function: `main.f${id}`, file: '/app/main.go', line: id }],
    runtimeInternal: false, waitClass, objects: objects.map(([kind, address]) => ({ address, kind, type: '', evidence: 'test' })), ...over,
  };
}

function ref(goroutine: number, address: number, variable = 'v'): FrameReference {
  return { goroutine, address, frame: 0, function: `main.f${goroutine}`, file: '/app/main.go', line: goroutine, variable };
}

function capture(goroutines: WaitingGoroutine[], references: FrameReference[] = [], over: Partial<WaitCapture> = {}): WaitCapture {
  return { goroutines, references, packageReferences: [], timerChannels: [], unscanned: [], partial: false, notes: [], ...over };
}

function analyse(c: WaitCapture) {
  const graph = buildWaitGraph(c);
  return { graph, findings: findDeadlocksAndLeaks(graph, { incomplete: c.partial || c.unscanned.length > 0 }) };
}

test('a lock-order cycle between two mutexes is a deadlock of likely confidence (holders are guessed)', () => {
  // 1 holds MU1 (reaches it) and waits on MU2; 2 holds MU2 and waits on MU1. Both reach both.
  const { findings } = analyse(capture([g(1, 'sync', [['mutex', MU2]]), g(2, 'sync', [['mutex', MU1]]), g(3, 'timer')], [
    ref(1, MU1, 'from.mu'), ref(1, MU2, 'to.mu'), ref(2, MU2, 'from.mu'), ref(2, MU1, 'to.mu'),
  ]));
  assert.is(findings.deadlocks.length, 1);
  assert.equal(findings.deadlocks[0].goroutines, [1, 2]);
  assert.equal(findings.deadlocks[0].objects.sort(), ['mutex 0xc000020000', 'mutex 0xc000020010']);
  assert.is(findings.deadlocks[0].confidence, 'likely');
  assert.ok(findings.deadlocks[0].edges.some((e) => e.type === 'holds' && e.evidence.includes('from.mu')));
  assert.equal(findings.leaks, []);
});

test('a cycle between two channels is a certain deadlock; a waiter never wakes its own channel', () => {
  const { graph, findings } = analyse(capture([g(1, 'chan', [['chan', CH1]]), g(2, 'chan', [['chan', CH2]])], [
    ref(1, CH1, 'in'), ref(1, CH2, 'out'), ref(2, CH2, 'in'), ref(2, CH1, 'out'),
  ]));
  assert.equal(findings.deadlocks.map((d) => [d.goroutines, d.confidence]), [[[1, 2], 'certain']]);
  assert.not.ok(graph.edges.some((e) => e.from === 'chan 0xc000010000' && e.to === 'g1'), 'g1 waits on CH1: it cannot wake it');
});

test('a healthy pipeline whose stages wait on each other while the source sleeps: no finding', () => {
  // 1 sleeps and reaches CH1; 2 waits on CH1 and reaches CH2; 3 waits on CH2.
  const { findings } = analyse(capture([g(1, 'timer'), g(2, 'chan', [['chan', CH1]]), g(3, 'chan', [['chan', CH2]])], [
    ref(1, CH1), ref(2, CH1), ref(2, CH2), ref(3, CH2),
  ]));
  assert.equal(findings, { deadlocks: [], leaks: [] });
});

test('a channel nothing else reaches is a leak; one a package variable or a timer reaches is not', () => {
  const leak = analyse(capture([g(1, 'chan', [['chan', CH1]])], [ref(1, CH1, 'result')]));
  assert.equal(leak.findings.leaks.map((l) => [l.goroutine, l.object, l.confidence]), [[1, 'chan 0xc000010000', 'certain']]);
  assert.match(leak.findings.leaks[0].reason, /reached by no other goroutine and no package variable/);
  assert.equal(analyse(capture([g(1, 'chan', [['chan', CH1]])], [], { packageReferences: [{ address: CH1, variable: 'main.requests' }] })).findings.leaks, []);
  assert.equal(analyse(capture([g(1, 'chan', [['chan', CH1]])], [], { timerChannels: [CH1] })).findings.leaks, []);
  // Unreadable frames somewhere: the same finding, but only likely.
  assert.is(analyse(capture([g(1, 'chan', [['chan', CH1]])], [], { unscanned: [7] })).findings.leaks[0].confidence, 'likely');
});

test('a nil channel or an empty select is a certain leak', () => {
  const { findings } = analyse(capture([g(1, 'forever'), g(2, 'forever', [], { waitReason: 'select (no cases)' })]));
  assert.equal(findings.leaks.map((l) => [l.goroutine, l.object, l.confidence]), [[1, 'chan nil g1', 'certain'], [2, 'select g2', 'certain']]);
});

test('a select is woken when any case can be: a live case keeps it out of the findings', () => {
  const alive = analyse(capture([g(1, 'select', [['chan', CH1], ['chan', CH2]]), g(2, 'none')], [ref(2, CH2)]));
  assert.equal(alive.findings, { deadlocks: [], leaks: [] });
  const dead = analyse(capture([g(1, 'select', [['chan', CH1], ['chan', CH2]])]));
  assert.equal(dead.findings.leaks.map((l) => l.object), ['select g1']);
});

test('a WaitGroup whose workers wait on a channel only the waiter would close: one deadlock of all four', () => {
  const { findings } = analyse(capture([
    g(1, 'sync', [['waitgroup', WG]]), g(2, 'chan', [['chan', CH1]]), g(3, 'chan', [['chan', CH1]]), g(4, 'chan', [['chan', CH1]]),
  ], [ref(1, WG, 'wg'), ref(1, CH1, 'jobs'), ...[2, 3, 4].flatMap((w) => [ref(w, WG, 'wg'), ref(w, CH1, 'jobs')])]));
  assert.equal(findings.deadlocks.map((d) => d.goroutines), [[1, 2, 3, 4]]);
  assert.equal(findings.leaks, []);
});

test('goroutines waiting only on a deadlocked one are blocked behind it, not leaks', () => {
  const { findings } = analyse(capture([g(1, 'chan', [['chan', CH1]]), g(2, 'chan', [['chan', CH2]]), g(3, 'sync', [['waitgroup', WG]])], [
    ref(1, CH1), ref(1, CH2), ref(2, CH2), ref(2, CH1), ref(1, WG, 'wg'),
  ]));
  assert.equal(findings.deadlocks.map((d) => [d.goroutines, d.blockedBehind]), [[[1, 2], [3]]]);
  assert.equal(findings.leaks, []);
});

test('the runtime\'s own goroutines are never findings and are drawn only with --all', () => {
  const c = capture([g(1, 'chan', [['chan', CH1]], { runtimeInternal: true, startFunction: 'runtime.runfinq' }), g(2, 'none')]);
  const { graph, findings } = analyse(c);
  assert.equal(findings, { deadlocks: [], leaks: [] });
  assert.equal(withoutRuntimeGoroutines(graph).nodes.map((n) => n.id), ['g2']);
});

test('--group merges goroutines with the same status, wait reason and stack, and their objects', () => {
  const workers = [2, 3, 4, 5].map((id) => g(id, 'chan', [['chan', CH1]], { frames: [{ function: 'main.worker', file: '/app/main.go', line: 9 }] }));
  const { graph, findings } = analyse(capture([g(1, 'timer'), ...workers], [ref(1, CH1, 'jobs')]));
  const grouped = groupGraph(graph, findings);
  const group = grouped.nodes.find((n) => n.type === 'goroutine' && n.count === 4);
  assert.ok(group, 'one node for the four workers');
  assert.equal(grouped.edges.find((e) => e.from === group!.id)?.count, 4);
  assert.is(grouped.nodes.length, 3); // the feeder, the workers, the channel
});

test('--focus keeps one goroutine, its objects, their neighbours, and its deadlock', () => {
  const { graph, findings } = analyse(capture([g(1, 'chan', [['chan', CH1]]), g(2, 'chan', [['chan', CH2]]), g(3, 'timer'), g(4, 'chan', [['chan', 0xc0000f0000]])], [
    ref(1, CH1), ref(1, CH2), ref(2, CH2), ref(2, CH1), ref(3, 0xc0000f0000),
  ]));
  const around = focusOn(graph, findings, 1)!;
  assert.equal(around.nodes.map((n) => n.id).sort(), ['chan 0xc000010000', 'chan 0xc000010100', 'g1', 'g2']);
  assert.is(focusOn(graph, findings, 99), undefined);
});

test('strongly connected components: cycles, self-contained nodes, deep chains', () => {
  const edges: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a', 'd'], d: [] };
  const sccs = stronglyConnected(Object.keys(edges), (n) => edges[n]).map((c) => c.sort().join(''));
  assert.equal(sccs.sort(), ['abc', 'd']);
  const chain = Array.from({ length: 50000 }, (_, i) => String(i));
  assert.is(stronglyConnected(chain, (n) => (Number(n) + 1 < chain.length ? [String(Number(n) + 1)] : [])).length, 50000);
});

test('waits are classified from the target\'s own words', () => {
  assert.is(waitClassOf('waiting', 'chan receive'), 'chan');
  assert.is(waitClassOf('waiting', 'select'), 'select');
  assert.is(waitClassOf('waiting', 'semacquire'), 'sync');
  assert.is(waitClassOf('waiting', 'sync.Mutex.Lock'), 'sync');
  assert.is(waitClassOf('waiting', 'chan send (nil chan)'), 'forever');
  assert.is(waitClassOf('waiting', 'sleep'), 'timer');
  assert.is(waitClassOf('waiting', 'IO wait'), 'external');
  assert.is(waitClassOf('syscall', ''), 'external');
  assert.is(waitClassOf('waiting', 'GC worker (idle)'), 'runtime');
  assert.is(waitClassOf('runnable', ''), 'none');
  assert.ok(isStandardLibrary('time.Sleep') && isStandardLibrary('net/http.(*conn).serve'));
  assert.not.ok(isStandardLibrary('main.worker') || isStandardLibrary('example.com/app/pool.(*Pool).run'));
});

function v(over: Partial<Variable>): Variable {
  return { name: '', addr: 0, onlyAddr: false, type: '', realType: '', flags: 0, kind: 0, value: '', len: 0, cap: 0, children: null, base: 0, unreadable: '', ...over };
}

test('what a variable reaches: channels, pointers, fields one or two pointers away; not what is not live', () => {
  const account = v({ name: 'from', kind: Kind.Ptr, value: String(MU1), children: [v({ kind: Kind.Struct, addr: MU1, children: [
    v({ name: 'mu', kind: Kind.Struct, addr: MU1 }), v({ name: 'jobs', kind: Kind.Chan, base: CH1 }),
  ] })] });
  const seen: [number, string][] = [];
  reachedAddresses(account, (a, p) => seen.push([a, p]));
  assert.ok(seen.some(([a, p]) => a === MU1 && p === 'from.mu'));
  assert.ok(seen.some(([a, p]) => a === CH1 && p === 'from.jobs'));
  const dead: [number, string][] = [];
  reachedAddresses(v({ name: 'c', kind: Kind.Chan, base: CH1, unreadable: 'could not find loclist entry' }), (a, p) => dead.push([a, p]));
  assert.equal(dead, []);
});

test('the rendering: shapes by kind, red cycles, orange leaks, and the CONTRACT\'s JSON', async () => {
  const { graph, findings } = analyse(capture([g(1, 'sync', [['mutex', MU2]]), g(2, 'sync', [['mutex', MU1]]), g(3, 'chan', [['chan', CH1]])], [
    ref(1, MU1), ref(1, MU2), ref(2, MU2), ref(2, MU1),
  ]));
  const view: GraphView = { graph, shown: graph, findings, grouped: false, partial: false, notes: [] };
  const dot = graphDot(view);
  assert.match(dot, /"mutex 0xc000020000" \[shape=octagon/);
  assert.match(dot, /"chan 0xc000010000" \[shape=cds/);
  assert.match(dot, /"g1" \[shape=box[^\n]*color="#c62828"/);
  assert.match(dot, /"g3" \[shape=box[^\n]*color="#e65100"/);
  const bundle = await graphBundle(view);
  assert.match(String(bundle['image/svg+xml']), /^<svg/);
  assert.is(bundle['text/vnd.graphviz'], dot);
  const json = bundle['application/json'] as { kind: string; nodes: { id: string; type: string; goroutine?: number }[]; edges: { from: string; to: string; type: string }[]; deadlocks: { goroutines: number[]; objects: string[] }[]; leaks: { goroutine: number; object: string; reason: string }[] };
  assert.is(json.kind, 'goroutine-graph');
  assert.ok(json.nodes.every((n) => n.id && n.type));
  assert.ok(json.edges.every((e) => e.from && e.to && e.type));
  assert.equal(json.deadlocks.map((d) => d.goroutines), [[1, 2]]);
  assert.equal(json.leaks.map((l) => [l.goroutine, l.object]), [[3, 'chan 0xc000010000']]);
  assert.match(String(bundle['text/plain']), /deadlock 1 \(likely\)/);
  assert.match(String(bundle['text/html']), /<svg[\s\S]*<table/);
});

test('500 nodes lay out and render (compact labels)', async () => {
  const gs = Array.from({ length: 250 }, (_, i) => g(i + 1, 'chan', [['chan', CH1 + (i + 1) * 0x100]], { frames: [{ function: `main.f${i % 7}`, file: '/app/main.go', line: i }] }));
  const refs = gs.map((x, i) => ref(((i + 1) % 250) + 1, x.objects[0].address));
  const { graph, findings } = analyse(capture(gs, refs));
  assert.is(graph.nodes.length, 500);
  const started = Date.now();
  const bundle = await graphBundle({ graph, shown: graph, findings, grouped: false, partial: false, notes: [] });
  assert.match(String(bundle['image/svg+xml']), /<svg width="\d+pt"/);
  assert.ok(Date.now() - started < 60_000);
  assert.is(findings.deadlocks.length, 1); // a ring of 250
});

test('Go 1.24+ internal/sync frames are the wait itself; statuses and durable waits of Go 1.26', () => {
  assert.ok(isMachineryFrame('internal/sync.(*Mutex).lockSlow') && isMachineryFrame('internal/sync.runtime_SemacquireMutex'));
  assert.ok(isMachineryFrame('sync.(*Mutex).Lock') && isMachineryFrame('runtime.gopark'));
  assert.not.ok(isMachineryFrame('main.transfer') || isMachineryFrame('syncx.Lock') || isMachineryFrame('example.com/internal/x.F'));
  assert.equal(syncObjectOf('internal/sync.(*Mutex).lockSlow'), { kind: 'mutex' });
  assert.is(waitClassOf('leaked', 'chan send'), 'chan'); // _Gleaked: still waits where it did
  assert.is(waitClassOf('deadextra', ''), 'runtime'); // _Gdeadextra: no live goroutine
  assert.is(waitClassOf('waiting', 'chan receive (durable)'), 'chan');
  assert.is(waitClassOf('waiting', 'select (durable)'), 'select');
  assert.is(waitClassOf('waiting', 'sync.WaitGroup.Wait (durable)'), 'sync');
  assert.is(waitClassOf('waiting', 'sync.WaitGroup.Wait'), 'sync');
});

test('runtime shapes: sudog pointers plain (to 1.25) and maybeTraceablePtr (1.26+), timers in both p.timers shapes', () => {
  const ptr = (name: string, at: number) => v({ name, kind: Kind.Ptr, value: String(at) });
  const uintptr = (name: string, at: number) => v({ name, kind: Kind.Uint, type: 'uintptr', value: String(at) });
  const traceable = (name: string, at: number) => v({ name, kind: Kind.Struct, type: 'runtime.maybeTraceablePtr', children: [v({ name: 'vp', kind: Kind.UnsafePointer, value: '0' }), uintptr('vu', at)] });
  const old = v({ kind: Kind.Struct, type: 'runtime.sudog', children: [ptr('elem', 0x10), ptr('c', CH1)] });
  const wrapped = v({ kind: Kind.Struct, type: 'runtime.sudog', children: [traceable('elem', 0x10), v({ name: 'c', kind: Kind.Struct, type: 'runtime.maybeTraceableChan', children: [traceable('maybeTraceablePtr', CH2)] })] });
  assert.equal([sudogChannel(old), sudogElem(old), sudogChannel(wrapped), sudogElem(wrapped)], [CH1, 0x10, CH2, 0x10]); // vp nil (leak GC): vu holds
  assert.is(addressIn(v({ kind: Kind.Ptr, value: '5', unreadable: 'optimized out' })), 0);
  // hchan.timer: absent before 1.23, nil for a plain channel.
  assert.is(hchanTimer(v({ kind: Kind.Struct, children: [v({ name: 'qcount', kind: Kind.Uint })] })), undefined);
  assert.is(hchanTimer(v({ kind: Kind.Struct, children: [ptr('timer', 0)] })), 0);
  assert.is(hchanTimer(v({ kind: Kind.Struct, children: [ptr('timer', 0x77)] })), 0x77);
  const timer = (when: number, status?: number) => v({ kind: Kind.Struct, type: 'runtime.timer', children: [
    v({ name: 'when', kind: Kind.Int64, value: String(when) }),
    v({ name: 'arg', kind: Kind.Interface, children: [v({ kind: Kind.Chan, type: 'chan time.Time', base: CH1 })] }),
    ...(status === undefined ? [] : [v({ name: 'status', kind: Kind.Struct, children: [v({ name: 'value', kind: Kind.Uint32, value: String(status) })] })]),
  ] });
  const go122 = v({ kind: Kind.Slice, children: [v({ kind: Kind.Ptr, children: [timer(5, 1)] }), v({ kind: Kind.Ptr, children: [timer(5, 3)] })] });
  const go123 = v({ kind: Kind.Struct, children: [v({ name: 'heap', kind: Kind.Slice, children: [v({ kind: Kind.Struct, children: [v({ name: 'timer', kind: Kind.Ptr, children: [timer(5)] })] }), v({ kind: Kind.Struct, children: [v({ name: 'timer', kind: Kind.Ptr, children: [timer(0)] })] })] })] });
  assert.equal([timersShape(go122), timersShape(go123)], ['slice', 'struct']);
  const deleted = new Set([3]);
  assert.equal(heapTimers(go122).map((t) => [timerChannel(t), timerPending(t, deleted)]), [[CH1, true], [CH1, false]]); // timerDeleted (1.22)
  assert.equal(heapTimers(child(go123, 'heap')!).map((t) => [timerChannel(t), timerPending(t, deleted)]), [[CH1, true], [CH1, false]]); // stopped: when 0 (1.23+)
  // Semaphore fields by the frame that parks: 1.24's sync.Mutex{_; mu{state; sema}} first tries sema, then mu.sema.
  assert.equal(semaphoreFields('mutex', 'internal/sync.runtime_SemacquireMutex'), ['sema', 'mu.sema']);
  assert.equal(semaphoreFields('rwmutex', 'sync.runtime_SemacquireRWMutexR'), ['readerSem']);
  assert.equal(semaphoreFields('rwmutex', 'sync.runtime_SemacquireRWMutex'), ['writerSem']);
  assert.equal(semaphoreFields('cond', 'sync.runtime_notifyListWait'), ['notify']);
  assert.is(delveTypeName('example.com/app/pool.Pool'), '"example.com/app/pool".Pool');
  assert.is(delveTypeName('main.Account'), 'main.Account');
});

function child(x: Variable, name: string): Variable | undefined {
  return x.children?.find((c) => c.name === name);
}

test('an optimized-away variable in a goroutine that can run makes what it could wake unproven; in a stuck one only the shape', () => {
  assert.is(chanElem('<-chan int'), 'int');
  assert.is(chanElem('*time.Ticker'), undefined);
  assert.ok(reachMatches('chan:int', 'chan', 'int') && reachMatches('chan:*', 'chan', 'int') && reachMatches('chan:int', 'chan', undefined));
  assert.not.ok(reachMatches('chan:time.Time', 'chan', 'int') || reachMatches('mutex', 'waitgroup'));
  const leak = (blind?: Partial<WaitCapture['blindSpots'] extends (infer B)[] | undefined ? B : never>) => analyse(capture(
    [g(1, 'chan', [['chan', CH1]]), g(2, 'timer')],
    [{ ...ref(1, CH1, 'result'), type: 'chan int' }],
    { blindSpots: blind ? [{ goroutine: 2, frame: 0, function: 'main.f2', variable: 'x', type: '', kinds: [], ...blind }] : [] },
  )).findings.leaks.map((l) => l.confidence);
  assert.equal(leak(), ['certain']);
  assert.equal(leak({ kinds: ['chan:int'] }), ['likely']); // goroutine 2 sleeps, then could send on it
  assert.equal(leak({ kinds: ['chan:*'] }), ['likely']);
  assert.equal(leak({ kinds: ['chan:time.Time'] }), ['certain']); // a Ticker's channel is not a chan int
  assert.equal(leak({ kinds: ['mutex'] }), ['certain']);
  // Stuck goroutines cannot wake anyone, but a lost variable may join them in a cycle.
  const wg = analyse(capture([g(1, 'sync', [['waitgroup', WG]]), g(2, 'chan', [['chan', CH1]])], [ref(1, WG, 'wg'), { ...ref(1, CH1, 'jobs'), type: 'chan int' }],
    { blindSpots: [{ goroutine: 2, frame: 0, function: 'main.worker', variable: 'wg', type: '*sync.WaitGroup', kinds: ['waitgroup'] }] })).findings;
  assert.equal(wg.leaks.map((l) => [l.goroutine, l.confidence]), [[1, 'likely'], [2, 'likely']]);
  assert.equal(wg.deadlocks, []);
});

test('findings fold by identity: 200 workers leaked by one go statement are one finding with a count, every goroutine kept', async () => {
  const lookup = { startFunction: 'main.lookup.func1', goStatement: '/app/main.go:24' };
  const leaked = Array.from({ length: 200 }, (_, i) => g(10 + i, 'chan', [['chan', 0xc100000000 + i * 0x100]], lookup));
  const relay = (id: number, ch: number, role: 'relay' | 'relayOrQuit') =>
    g(id, 'chan', [['chan', ch]], { startFunction: `main.${role}`, goStatement: `/app/main.go:${role === 'relay' ? 36 : 37}` });
  const CH3 = 0xc000010200, CH4 = 0xc000010300;
  const { graph, findings } = analyse(capture([
    relay(1, CH1, 'relay'), relay(2, CH2, 'relayOrQuit'), relay(3, CH3, 'relay'), relay(4, CH4, 'relayOrQuit'),
    ...leaked, g(300, 'chan', [['chan', 0xc200000000]], { startFunction: 'main.stale', goStatement: '/app/main.go:68' }),
  ], [ref(1, CH2), ref(2, CH1), ref(3, CH4), ref(4, CH3)]));
  assert.is(findings.leaks.length, 201);
  assert.is(findings.deadlocks.length, 2);

  const folded = foldFindings(graph, findings);
  assert.equal(folded.map((f) => [f.kind, f.count, f.goroutines.length]), [['deadlock', 2, 4], ['leak', 200, 200], ['leak', 1, 1]]);
  const [cycles, workers, stale] = folded;
  assert.equal(cycles.goroutines, [1, 2, 3, 4]);
  assert.equal(cycles.members.map((m) => m.startFunction), ['main.relay', 'main.relayOrQuit']);
  assert.equal(workers.goroutines, leaked.map((x) => x.id));
  assert.equal(workers.examples, [10, 11, 12, 13, 14]);
  assert.is(workers.objects.length, 200);
  assert.equal([workers.startFunction, workers.goStatement, workers.waitReason, workers.objectType, workers.confidence], ['main.lookup.func1', '/app/main.go:24', 'chan receive', 'chan', 'certain']);
  assert.equal(workers.indices, Array.from({ length: 200 }, (_, i) => i));
  assert.is(workers.reason, 'its chan is reached by no other goroutine and no package variable');
  assert.equal(stale.goroutines, [300]);
  // A different confidence is a different finding.
  const mixed = foldFindings(graph, { deadlocks: [], leaks: [findings.leaks[0], { ...findings.leaks[1], confidence: 'likely' }] });
  assert.is(mixed.length, 2);
  assert.is(generalReason('chan 0xc1 is reached only by goroutines that are themselves blocked for ever (goroutine 5, goroutine 6)', 'chan 0xc1'),
    'its chan is reached only by goroutines that are themselves blocked for ever');

  const bundle = await graphBundle({ graph, shown: graph, findings, grouped: false, partial: false, notes: ['`goroutines` lists them'] });
  const text = String(bundle['text/plain']);
  assert.match(text, /201 leaked goroutines \(2 kinds\)/);
  assert.match(text, /^leak ×200 \(certain\): main\.lookup\.func1 from app\/main\.go:24, chan receive on chan$/m);
  assert.match(text, /^ {2}goroutines: 10, 11, 12, 13, 14, … and 195 more$/m);
  assert.match(text, /^deadlock 1 ×2 \(certain\): main\.relay from app\/main\.go:36, main\.relayOrQuit from app\/main\.go:37$/m);
  assert.match(text, /^leak \(certain\): goroutine 300 \(main\.stale from app\/main\.go:68\)$/m);
  assert.is(text.split('\n').filter((l) => /^(leak|deadlock)/.test(l)).length, 3);
  const html = String(bundle['text/html']);
  assert.is((html.match(/<tr><td/g) ?? []).length, 3, 'three rows in the Findings table');
  assert.match(html, /<td>200<\/td>/);
  assert.not.match(html, /`/);
  assert.match(html, /<code>goroutines<\/code> lists them/);
  const json = bundle['application/json'] as { leaks: unknown[]; deadlocks: unknown[]; findings: { count: number; goroutines: number[] }[] };
  assert.is(json.leaks.length, 201, 'the per-goroutine findings stay');
  assert.is(json.deadlocks.length, 2);
  assert.equal(json.findings.map((f) => f.count), [2, 200, 1]);
  assert.is(json.findings[1].goroutines.length, 200);
});

test('no finding: no empty Findings table, a sentence instead', async () => {
  const { graph, findings } = analyse(capture([g(1, 'chan', [['chan', CH1]]), g(2, 'none')], [ref(2, CH1)]));
  assert.equal(findings, { deadlocks: [], leaks: [] });
  const bundle = await graphBundle({ graph, shown: graph, findings, grouped: false, partial: false, notes: [] });
  assert.match(String(bundle['text/plain']), /no deadlock or leak found/);
  assert.match(String(bundle['text/html']), /<p>no deadlock or leak found<\/p>/);
  assert.not.match(String(bundle['text/html']), /<table/);
  assert.equal((bundle['application/json'] as { findings: unknown[] }).findings, []);
});

test.run();
