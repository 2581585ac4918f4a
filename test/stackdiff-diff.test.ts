// stackdiff's diff and its rendering, on captures made up here: no Delve.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commonFromRoot, diffCaptures, foldStacks, sameProcess } from '../src/analyses/stackdiff';
import type { Capture, CapturedFrame, CapturedGoroutine } from '../src/capture/capture';
import { CaptureStore } from '../src/capture/store';
import { bytesText, sideBySide, stackdiffBundle } from '../src/render/stackdiff';

const f = (fn: string, line: number, file = '/src/main.go'): CapturedFrame => ({ function: fn, file, line, pc: 0x400000 + line });
const root = [f('main.worker', 20), f('runtime.goexit', 1594, '/go/src/runtime/asm_amd64.s')];
const parked = [f('runtime.gopark', 364, '/go/src/runtime/proc.go'), f('runtime.chanrecv', 583, '/go/src/runtime/chan.go'), f('runtime.chanrecv1', 442, '/go/src/runtime/chan.go')];

function g(id: number, frames: CapturedFrame[], over: Partial<CapturedGoroutine> = {}): CapturedGoroutine {
  return {
    id, status: 'waiting', waitReason: 'chan receive', startFunction: 'main.worker', goStatement: '/src/main.go:70', labels: {},
    threadId: 0, stackLo: 0xc000100000 + id * 0x2000, stackHi: 0xc000100000 + id * 0x2000 + 8192, sp: 0xc000100000 + id * 0x2000 + 8192 - 512,
    stackBytes: 8192, stackInUse: 512, frames, truncated: false, ...over,
  };
}

function capture(name: string, goroutines: CapturedGoroutine[], over: Partial<Capture> = {}): Capture {
  return {
    name, takenAt: '2024-01-01T00:00:00.000Z', target: { kind: 'attach', session: 'attach 42', pid: 42, processStart: 1000 },
    method: 'memory', partial: false, missing: [], maxFrames: 50_000, durationMs: 1, goroutines, ...over,
  };
}

/** A recursion: DEPTH frames of main.descend above the root. */
function recursion(depth: number, top: CapturedFrame[]): CapturedFrame[] {
  return [...top, ...Array.from({ length: depth }, () => f('main.descend', 54)), f('main.deep', 49), ...root.slice(1)];
}

test('a diff of a capture with itself is empty', () => {
  const c = capture('a', [g(1, [f('main.main', 10), ...root]), g(2, [...parked, ...root]), g(3, recursion(2000, parked))]);
  const d = diffCaptures(c, c);
  assert.equal([d.appeared, d.vanished, d.changed], [[], [], []]);
  assert.is(d.unchanged, 3);
  assert.is(d.matchedBy, 'id');
  assert.ok(d.groups.every((x) => x.change === 'unchanged'));
});

test('appeared, vanished, and how a changed stack changed', () => {
  const before = capture('before', [
    g(1, [f('main.checkpoint', 66), f('main.main', 104), ...root]),
    g(5, [...parked, ...root]), // stays
    g(6, [...parked, f('main.leaver', 42), ...root], { startFunction: 'main.leaver' }),
    g(7, recursion(10, [...parked, f('main.descend', 57)]), { startFunction: 'main.deep', stackBytes: 4096, stackInUse: 816 }),
    g(8, [...parked, ...root], { stackBytes: 16384 }), // same frames, stack shrank by the GC
  ]);
  const after = capture('after', [
    g(1, [f('main.checkpoint', 66), f('main.main', 114), ...root]),
    g(5, [...parked, ...root]),
    g(7, recursion(2011, [...parked, f('main.descend', 57)]), { startFunction: 'main.deep', stackBytes: 131072, stackInUse: 96864, stackLo: 0xc000800000 }),
    g(8, [...parked, ...root], { stackBytes: 8192 }),
    g(9, [...parked, ...root]),
    g(10, [...parked, ...root]),
  ]);
  const d = diffCaptures(before, after);
  assert.equal(d.appeared, [9, 10]);
  assert.equal(d.vanished, [6]);
  assert.equal(d.changed.map((c) => c.id), [1, 7, 8]);
  assert.is(d.unchanged, 1);

  const main = d.changed[0];
  assert.equal([main.framesBefore, main.framesAfter, main.commonFrames, main.depthChange], [4, 4, 2, 0]);
  assert.is(main.stackMemory, 'same');

  const deep = d.changed[1];
  assert.equal([deep.framesBefore, deep.framesAfter, deep.commonFrames, deep.depthChange], [16, 2017, 12, 2001]);
  assert.equal([deep.stackBytesBefore, deep.stackBytesAfter, deep.stackInUseBefore, deep.stackInUseAfter], [4096, 131072, 816, 96864]);
  assert.is(deep.stackMemory, 'grew');
  assert.is(deep.stackCopied, true);

  const shrunk = d.changed[2];
  assert.is(shrunk.stackMemory, 'shrank');
  assert.is(shrunk.commonFrames, shrunk.framesBefore); // the frames did not change

  // The contract's fields.
  for (const c of d.changed) for (const k of ['id', 'framesBefore', 'framesAfter', 'stackBytesBefore', 'stackBytesAfter']) assert.type((c as unknown as Record<string, unknown>)[k], 'number');
  const appearedGroup = d.groups.find((x) => x.change === 'appeared')!;
  assert.equal([appearedGroup.count, appearedGroup.ids], [2, [9, 10]], 'same stacks fold into one row');
});

test('a stack that moved without changing size (same process) is reported as copied', () => {
  const before = capture('a', [g(1, [...parked, ...root])]);
  const after = capture('b', [g(1, [f('main.other', 3), ...root], { stackLo: 0xc000900000, stackHi: 0xc000902000 })]);
  assert.is(diffCaptures(before, after).changed[0].stackMemory, 'moved');
});

test('10,000 goroutines diff fast and fold into a few rows', () => {
  const shapes = [[...parked, ...root], recursion(8, parked), [f('runtime.gopark', 364), f('sync.runtime_SemacquireMutex', 77), ...root]];
  const before = capture('a', Array.from({ length: 10_000 }, (_, i) => g(i + 1, shapes[i % 3])));
  const after = capture('b', [
    ...Array.from({ length: 9_000 }, (_, i) => g(i + 1, shapes[i % 3])),
    ...Array.from({ length: 1_000 }, (_, i) => g(i + 20_001, shapes[0])),
  ]);
  const started = Date.now();
  const d = diffCaptures(before, after);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  assert.is(d.vanished.length, 1000);
  assert.is(d.appeared.length, 1000);
  assert.is(d.changed.length, 0);
  assert.ok(d.groups.length <= 7, `${d.groups.length} groups`);
  const bundle = stackdiffBundle(d);
  assert.ok(String(bundle['text/plain']).split('\n').length < 40, 'the text stays short');
  assert.is(diffCaptures(before, before).changed.length + diffCaptures(before, before).appeared.length, 0);
});

test('across processes: matched by start function and go statement, same stacks first', () => {
  const core = capture('core', [
    g(1, [f('main.main', 104), ...root], { startFunction: 'runtime.main', goStatement: '' }),
    g(20, [...parked, ...root]), // the same worker in both, but its id differs
    g(21, [f('main.busy', 9), ...root]),
    g(30, [...parked, ...root], { startFunction: 'main.leaver', goStatement: '/src/main.go:80' }),
  ], { target: { kind: 'core', session: 'core ./app ./core.1', pid: 1 } });
  const live = capture('live', [
    g(1, [f('main.main', 114), ...root], { startFunction: 'runtime.main', goStatement: '' }),
    g(41, [f('main.busy', 9), ...root]),
    g(40, [...parked, ...root]),
    g(50, [...parked, ...root], { startFunction: 'main.newcomer', goStatement: '/src/main.go:90' }),
  ], { target: { kind: 'attach', session: 'attach 2', pid: 2, processStart: 5 } });
  assert.is(sameProcess(core, live), false);
  const d = diffCaptures(core, live);
  assert.is(d.matchedBy, 'identity');
  assert.equal(d.vanished, [30]);
  assert.equal(d.appeared, [50]);
  assert.equal(d.changed.map((c) => [c.id, c.idAfter]), [[1, 1]]);
  assert.is(d.unchanged, 2, 'workers 20 -> 40 and 21 -> 41, paired by their stacks');

  // By id, the same two captures pair nothing but goroutine 1.
  const byId = diffCaptures(core, live, { matchBy: 'id' });
  assert.equal(byId.vanished, [20, 21, 30]);
  assert.equal(byId.appeared, [40, 41, 50]);
});

test('a partial capture: goroutines it missed are neither appeared nor vanished', () => {
  const a = capture('a', [g(1, [...parked, ...root]), g(2, [...parked, ...root])]);
  const b = capture('b', [g(1, [...parked, ...root])], { partial: true, missing: [2, 3] });
  const d = diffCaptures(a, b);
  assert.equal([d.vanished, d.appeared], [[], []]);
  assert.is(d.partial, true);
  assert.match(String(stackdiffBundle(d)['text/plain']), /interrupted/);
});

test('a truncated stack has no known root', () => {
  const a = capture('a', [g(1, recursion(100, parked), { truncated: true })]);
  const b = capture('b', [g(1, recursion(120, parked), { truncated: true })]);
  const c = diffCaptures(a, b).changed[0];
  assert.is(c.truncated, true);
  assert.is(c.commonFrames, 0);
});

test('side by side: differing frames from the top, runs folded, the common root apart', () => {
  const before = recursion(10, [...parked, f('main.descend', 57)]);
  const after = [...parked, f('main.descend', 57), ...Array.from({ length: 2000 }, () => f('main.descend', 54)), f('main.descend', 59), ...recursion(10, []).slice(0)];
  const common = commonFromRoot(before.map((x) => x.line), after.map((x) => x.line));
  const { differing, common: rootRows } = sideBySide(before, after, 12);
  assert.is(common >= 12, true);
  assert.equal(differing.map((r) => [r.before?.line ?? null, r.after?.line ?? null, r.mark, r.times]), [
    [364, 364, 'same', 1], [583, 583, 'same', 1], [442, 442, 'same', 1], [57, 57, 'same', 1],
    [null, 54, 'changed', 2000], [null, 59, 'changed', 1],
  ]);
  assert.equal(rootRows.map((r) => [r.before!.function, r.times]), [['main.descend', 10], ['main.deep', 1], ['runtime.goexit', 1]]);
});

test('the bundle: text, table, side-by-side HTML, JSON of the contract', () => {
  const before = capture('before', [g(7, recursion(10, [...parked, f('main.descend', 57)]), { stackBytes: 4096 }), g(8, [f('main.<tag>&"', 3), ...root])]);
  const after = capture('after', [g(7, recursion(2011, [...parked, f('main.descend', 57)]), { stackBytes: 131072 })]);
  const b = stackdiffBundle(diffCaptures(before, after));
  const json = b['application/json'] as { kind: string; appeared: number[]; vanished: number[]; changed: Record<string, number>[] };
  assert.is(json.kind, 'stackdiff');
  assert.equal(json.vanished, [8]);
  assert.equal(json.changed[0].framesAfter, 2017);
  const html = String(b['text/html']);
  assert.match(html, /<table class="sbs">/);
  assert.match(html, /class="added"[^>]*>main\.descend main\.go:54<\/td><td class="times">×2,001/);
  assert.match(html, /12 common frames from the root/);
  assert.match(html, /main\.&lt;tag&gt;&amp;&quot;/);
  assert.not.match(html, /<tag>/);
  const text = String(b['text/plain']);
  assert.match(text, /1 goroutine appeared|0 goroutines appeared/);
  assert.match(text, /16 → 2017 \(\+2001\)/);
  assert.match(text, /4 KiB → 128 KiB \(grew by copying\)/);
  assert.match(text, /\+ main\.descend main\.go:54 ×2,001/);
  const data = b['application/vnd.dataresource+json'] as { schema: { fields: { name: string }[] }; data: Record<string, unknown>[] };
  assert.ok(data.schema.fields.some((x) => x.name === 'framesAfter'));
  assert.is(data.data.length, 2);
});

test('folding a capture; the store keeps captures by name', () => {
  const c = capture('x', [g(1, [...parked, ...root]), g(2, [...parked, ...root]), g(3, [f('main.main', 1), ...root], { status: 'running', waitReason: '' })]);
  const groups = foldStacks(c);
  assert.equal(groups.map((x) => [x.count, x.ids]), [[2, [1, 2]], [1, [3]]]);
  assert.is(groups[0].totalStackBytes, 16384);
  const store = new CaptureStore();
  assert.is(store.put(c), undefined);
  store.put(capture('y', []));
  assert.ok(store.put(capture('x', [])) !== undefined, 'a second capture under a name replaces the first');
  assert.equal(store.names(), ['y', 'x']);
  assert.equal([bytesText(512), bytesText(8192), bytesText(131072), bytesText(1536), bytesText(2 * 1024 * 1024)], ['512 B', '8 KiB', '128 KiB', '1.5 KiB', '2 MiB']);
});

test.run();
