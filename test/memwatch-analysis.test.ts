// memwatch's analyses and renderers on recorded captures (test/fixtures/memwatch-*.json:
// examples/heap at resident() and at released(), built with Go 1.22 (heap at 0xc000000000)
// and with Go 1.27 (a randomized heap base, padding pages below it)), without Delve.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MemCapture } from '../src/analyses/memwatch/capture';
import { diffSnapshots } from '../src/analyses/memwatch/diff';
import { classifyRegions } from '../src/analyses/memwatch/regions';
import { measureRanges } from '../src/analyses/memwatch/residency';
import { residencyMap } from '../src/analyses/memwatch/residency-map';
import { summarize } from '../src/analyses/memwatch/snapshot';
import { lookupSpan } from '../src/analyses/memwatch/span-lookup';
import { heapAllocFromSpans, sizeClasses } from '../src/analyses/memwatch/top';
import { parseMaps } from '../src/pages/maps';
import { PageFlag, type PageRun } from '../src/pages/page-runs';
import { foldRuns } from '../src/pages/pagemap';
import { diffBundle, pagesBundle, spanBundle, statsBundle, topBundle } from '../src/render/memwatch';
import { repoRoot } from './helpers/go';

const MiB = 2 ** 20;

function fixture(name: string): MemCapture {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/fixtures', `memwatch-${name}.json`), 'utf8'));
}

/** Each recording: the Go release, the capture at resident(), the one at released(). */
const RECORDINGS: [string, MemCapture, MemCapture][] = [
  ['go1.22', fixture('resident'), fixture('released')],
  ['go1.27', fixture('resident-go1.27'), fixture('released-go1.27')],
];

test('maps: parsed with paths, perms and offsets', () => {
  const maps = parseMaps([
    '00400000-004ae000 r-xp 00000000 fe:00 260131                     /work/heap',
    'c000000000-c004000000 rw-p 00000000 00:00 0 ',
    '7ffd1b5e2000-7ffd1b603000 rw-p 00000000 00:00 0                          [stack]',
  ].join('\n'));
  assert.is(maps.length, 3);
  assert.equal(maps[0], { start: 0x400000, end: 0x4ae000, perms: 'r-xp', offset: 0, inode: 260131, path: '/work/heap' });
  assert.is(maps[1].path, '');
  assert.is(maps[2].path, '[stack]');
});

test('pagemap entries fold into runs; a guard page is not swapped; exclusive bits do not split runs', () => {
  const entries = [
    [0x80000000 | (1 << 24), 5], [0x80000000, 6], // present (one exclusive): one run
    [0x40000000 | (1 << 26), 0], // guard: bit 58 with 62
    [0x40000000, 7], // swapped
    [0, 0], // nothing
    [0x80000000 | (1 << 29) | (1 << 23), 8], // present, file, soft-dirty
  ];
  const words = new Uint32Array(entries.length * 2);
  entries.forEach(([hi, lo], i) => { words[2 * i] = lo; words[2 * i + 1] = hi; });
  const runs: PageRun[] = [];
  foldRuns(runs, words, entries.length, 0x10000, undefined);
  assert.equal(runs, [
    { start: 0x10000, end: 0x12000, flags: PageFlag.present },
    { start: 0x13000, end: 0x14000, flags: PageFlag.swapped },
    { start: 0x15000, end: 0x16000, flags: PageFlag.present | PageFlag.file | PageFlag.softDirty },
  ]);
});

test('residency of ranges from runs, partial overlaps included', () => {
  const runs: PageRun[] = [{ start: 0x1000, end: 0x5000, flags: PageFlag.present }, { start: 0x8000, end: 0x9000, flags: PageFlag.swapped }];
  const [a, b, c] = measureRanges([{ start: 0, end: 0x2000 }, { start: 0x2000, end: 0x8800 }, { start: 0x9000, end: 0xa000 }], runs);
  assert.is(a.residentBytes, 0x1000);
  assert.is(b.residentBytes, 0x3000);
  assert.is(b.swappedBytes, 0x800);
  assert.is(c.residentBytes + c.swappedBytes, 0);
});

test('span lookup: object index and start, allocated by bit or freeindex, stacks, outside the heap', () => {
  const span = { address: 1, start: 0xc000100000, npages: 1, sizeClass: 5, noscan: true, elemSize: 48, nelems: 170, allocCount: 3, freeIndex: 2, state: 'inUse' as const };
  const obj = lookupSpan({ address: 0xc000100000 + 48 * 2 + 5, arenaStart: 0xc000000000, span, allocBit: true, markBit: false, unswept: false });
  assert.is(obj.objectIndex, 2);
  assert.is(obj.objectStart, 0xc000100000 + 96);
  assert.is(obj.offset, 5);
  assert.is(obj.allocated, true);
  assert.is(lookupSpan({ address: 0xc000100000 + 48, arenaStart: 0xc000000000, span, allocBit: false }).allocated, true); // below freeindex
  assert.is(lookupSpan({ address: 0xc000100000 + 48 * 9, arenaStart: 0xc000000000, span, allocBit: false }).allocated, false);
  assert.match(lookupSpan({ address: 0xc000100000 + 48 * 170, arenaStart: 0xc000000000, span }).what, /unused tail/);
  assert.match(lookupSpan({ address: 0xc000100000, arenaStart: 0xc000000000, span: { ...span, state: 'stack' } }).what, /stack/);
  assert.not.match(obj.markNote!, /Green Tea/);
  const inline = lookupSpan({ address: 0xc000100000, arenaStart: 0xc000000000, span, allocBit: true, markBit: true, markBitsIn: 'span', unswept: true });
  assert.is(inline.marked, true);
  assert.match(inline.markNote!, /not yet swept.*Green Tea/);
  const none = lookupSpan({ address: 0x400000, arenaStart: null, span: null });
  assert.is(none.what, 'not in the Go heap');
  for (const k of ['kind', 'address', 'spanStart', 'spanPages', 'sizeClass', 'elemSize', 'objectIndex', 'objectStart', 'allocated']) assert.ok(k in obj, k);
});

for (const [release, resident, released] of RECORDINGS) {
  test(`${release}: regions: arenas are heap (with goroutine stacks cut out), the program is text and data`, () => {
    const regions = classifyRegions(resident);
    const heap = regions.filter((r) => r.kind === 'heap' || r.name === 'goroutine stacks');
    const arenaBytes = resident.heap.arenas.length * resident.heap.arenaBytes;
    assert.is(heap.reduce((n, r) => n + r.end - r.start, 0), arenaBytes);
    assert.ok(regions.some((r) => r.kind === 'stack' && r.name === 'goroutine stacks'));
    assert.ok(regions.some((r) => r.kind === 'stack' && r.name === '[stack]'));
    assert.ok(regions.some((r) => r.kind === 'text' && r.name === resident.executable && r.perms.includes('x')));
    assert.ok(regions.some((r) => r.kind === 'data'));
    for (let i = 1; i < regions.length; i++) assert.ok(regions[i].start >= regions[i - 1].end, 'regions do not overlap');
  });

  test(`${release}: snapshot: page states agree with the runtime, heap resident is what is in use`, () => {
    const s = summarize(resident, 'a');
    assert.is(s.kind, 'memwatch.snapshot');
    const state = (n: string) => s.heapStates.find((h) => h.state === n)!;
    const m = s.memstats;
    assert.is(state('inUse').bytes, m.heapInuse);
    assert.is(state('stack').bytes, m.stackInuse);
    assert.is(state('idle').bytes + state('released').bytes, m.heapIdle);
    assert.is(state('released').bytes, m.heapReleased); // Go 1.26+: the padding below the randomized heap base too
    assert.ok(s.heapResidentBytes! >= 256 * MiB, `heap resident ${s.heapResidentBytes}`);
    assert.ok(Math.abs(state('inUse').residentBytes! - m.heapInuse) < 4 * MiB);
    assert.is(state('released').residentBytes, 0); // MADV_DONTNEED: released pages are gone
    assert.is(s.heapAllocFromSpans, m.heapAlloc);
    for (const r of s.regions) for (const k of ['kind', 'start', 'end', 'residentBytes', 'swappedBytes', 'softDirtyBytes']) assert.ok(k in r, k);
    // This machine's kernel has no soft-dirty tracking: n/a (null), never a misleading 0.
    if (!resident.pages!.kernel.softDirty) {
      assert.ok(s.regions.every((r) => r.softDirtyBytes === null));
      assert.ok(s.notes.some((n) => /does not track soft-dirty/.test(n)));
    }
  });

  test(`${release}: diff: dropping and releasing 256 MiB moves resident heap and heapReleased by 200+ MiB`, () => {
    const d = diffSnapshots(summarize(resident, 'a'), summarize(released, 'b'));
    assert.is(d.kind, 'memwatch.diff');
    assert.ok(d.heapResidentBytes.delta! <= -200 * MiB, `resident ${d.heapResidentBytes.delta}`);
    assert.ok(d.memstats.heapReleased.delta! >= 200 * MiB, `released ${d.memstats.heapReleased.delta}`);
    assert.ok(d.memstats.heapAlloc.delta! <= -200 * MiB);
    assert.equal(Object.keys(d.memstats.heapAlloc), ['before', 'after', 'delta']);
    const heap = d.regions.find((r) => r.kind === 'heap')!;
    assert.ok(heap.residentBytes.delta! <= -200 * MiB);
    const large = d.sizeClasses.find((c) => c.sizeClass === 0)!;
    assert.is(large.spans.delta, -256);
  });

  test(`${release}: a core capture (no pages) summarizes with null residency and says why`, () => {
    const core = { ...resident, pages: null, pagesUnavailable: 'a core dump records memory contents, not which pages were resident' };
    const s = summarize(core, 'core');
    assert.is(s.heapResidentBytes, null);
    assert.is(s.regions.length, 0);
    assert.ok(s.notes[0].includes('core dump'));
    assert.equal(s.memstats, resident.memstats.figures);
    const d = diffSnapshots(s, summarize(resident, 'live'));
    assert.is(d.heapResidentBytes.delta, null);
    assert.is(d.memstats.heapAlloc.delta, 0);
  });

  test(`${release}: top: by size class, large objects one per span`, () => {
    const rows = sizeClasses(resident.heap);
    assert.is(rows[0].sizeClass, 0);
    assert.is(rows[0].spans, 256);
    assert.is(rows[0].inUseBytes, 256 * MiB);
    assert.is(rows.reduce((n, r) => n + r.inUseBytes, 0), heapAllocFromSpans(resident.heap));
    for (const r of rows) assert.is(r.fragmentationBytes, r.spanBytes - r.inUseBytes);
  });

  test(`${release}: renderers: tables, JSON, and both plots (Vega-Lite and pre-rendered SVG)`, async () => {
    const a = summarize(resident, 'a');
    const pages = await pagesBundle(a, residencyMap(resident));
    assert.match(String(pages['image/svg+xml']), /^<svg/);
    assert.ok((pages['application/vnd.vegalite.v5+json'] as { $schema: string }).$schema.includes('vega-lite/v5'));
    assert.match(String(pages['text/plain']), /heap arena/);
    assert.is((pages['application/json'] as { kind: string }).kind, 'memwatch.pages');
    const diff = await diffBundle(diffSnapshots(a, summarize(released, 'b')));
    assert.match(String(diff['image/svg+xml']), /^<svg/);
    assert.match(String(diff['text/html']), /<svg/);
    assert.match(String(diff['text/plain']), /heapReleased/);
    const top = await topBundle(sizeClasses(resident.heap), a, 10);
    assert.match(String(top['image/svg+xml']), /^<svg/);
    assert.ok((top['application/vnd.dataresource+json'] as { data: unknown[] }).data.length <= 10);
    const stats = statsBundle(a);
    assert.match(String(stats['text/plain']), /heapInuse/);
    assert.match(String(stats['text/plain']), /nextGC .*approximate/);
    const span = spanBundle(lookupSpan({ address: 0x400000, arenaStart: null, span: null }));
    assert.match(String(span['text/plain']), /not in the Go heap/);
  });

  test(`${release}: residency map: rows in address order, resident fractions between 0 and 1`, () => {
    const map = residencyMap(resident, { rows: 10, bins: 16 });
    assert.ok(map.length > 0 && map.length <= 160);
    for (const row of new Set(map.map((b) => b.region))) {
      const bins = map.filter((b) => b.region === row);
      assert.is(bins[0].bin, 0);
      for (let i = 1; i < bins.length; i++) assert.is(bins[i].bin, bins[i - 1].binEnd, 'bins tile the row');
    }
    assert.ok(map.every((b) => b.residentFraction >= 0 && b.residentFraction <= 1));
    assert.ok(map.some((b) => b.what === 'heap in use' && b.residentFraction > 0.9));
  });
}

test.run();
