// memwatch against a real Delve and examples/heap, on every Go toolchain installed: the
// runtime's figures against ReadMemStats' own answer, 256 MiB made resident then returned
// to the OS, span lookup, size classes, both pagemap paths, a GC through call injection,
// and a core dump agreeing with the live process it was taken from.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DelveInterpreter } from '../src/interpreter';
import { kernelFeatures } from '../src/pages/kernel-features';
import { HELPER_PATH } from '../src/pages/pagemap-scan';
import type { Variable } from '../src/rpc/api';
import { buildExample, repoRoot, toolchains } from './helpers/go';
import { fails, ok, run } from './helpers/cells';

const MiB = 2 ** 20;
const heapSource = fs.readFileSync(path.join(repoRoot, 'examples/heap/main.go'), 'utf8').split('\n');
/** The line of garbage() where a call can be injected (a safe point). */
const collectLine = heapSource.findIndex((l) => l.includes('"collect here"')) + 1;

// Both pagemap paths are tested: build the PAGEMAP_SCAN helper if it is not there yet.
if (!fs.existsSync(HELPER_PATH)) {
  try {
    execFileSync('bash', [path.join(repoRoot, 'src/pages/build-pagemap-scan.sh')], { stdio: 'inherit' });
  } catch {
    /* no compiler: the scan test says so */
  }
}

async function json<T = Record<string, any>>(it: DelveInterpreter, code: string): Promise<T> {
  return (await ok(it, code))['application/json'] as T;
}

/** runtime.ReadMemStats' answer, which the example stores in main.stats just before each stop. */
async function readMemStatsInTarget(it: DelveInterpreter): Promise<Record<string, number>> {
  const v: Variable = await it.state.session!.query.eval({
    Scope: { GoroutineID: -1, Frame: 0 }, Expr: 'main.stats',
    Cfg: { FollowPointers: false, MaxVariableRecurse: 1, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 },
  });
  return Object.fromEntries((v.children ?? []).map((c) => [c.name, Number(c.value)]));
}

const SAME_AS_READMEMSTATS: [string, string][] = [
  ['alloc', 'Alloc'], ['totalAlloc', 'TotalAlloc'], ['sys', 'Sys'], ['mallocs', 'Mallocs'], ['frees', 'Frees'],
  ['heapAlloc', 'HeapAlloc'], ['heapSys', 'HeapSys'], ['heapIdle', 'HeapIdle'], ['heapInuse', 'HeapInuse'],
  ['heapReleased', 'HeapReleased'], ['heapObjects', 'HeapObjects'], ['stackInuse', 'StackInuse'], ['stackSys', 'StackSys'],
  ['mSpanInuse', 'MSpanInuse'], ['mSpanSys', 'MSpanSys'], ['mCacheInuse', 'MCacheInuse'], ['mCacheSys', 'MCacheSys'],
  ['buckHashSys', 'BuckHashSys'], ['gcSys', 'GCSys'], ['otherSys', 'OtherSys'], ['nextGC', 'NextGC'],
  ['pauseTotalNs', 'PauseTotalNs'], ['numGC', 'NumGC'], ['numForcedGC', 'NumForcedGC'],
];

type Json = Record<string, any>;

/** memwatch's figures against ReadMemStats' (all but EXCEPT, which memwatch labels approximate there). */
function assertSameAsReadMemStats(figures: Record<string, number>, truth: Record<string, number>, where: string, except: string[] = []): void {
  for (const [ours, theirs] of SAME_AS_READMEMSTATS) {
    if (!except.includes(ours)) assert.is(figures[ours], truth[theirs], `${where}: ${ours} against ReadMemStats' ${theirs}`);
  }
}

/** The arena pages by state add up to ReadMemStats' heap figures (Go 1.26's padding pages are released, not in use). */
function assertPageStates(snapshot: Json, truth: Record<string, number>, where: string): void {
  const bytes = (state: string) => snapshot.heapStates.find((h: { state: string }) => h.state === state).bytes;
  assert.is(bytes('inUse'), truth.HeapInuse, `${where}: pages in use against HeapInuse`);
  assert.is(bytes('idle') + bytes('released'), truth.HeapIdle, `${where}: idle and released pages against HeapIdle`);
  assert.is(bytes('released'), truth.HeapReleased, `${where}: released pages against HeapReleased`);
}

/** What ReadMemStats' flush of the per-P caches leaves unchanged, so memwatch must tell before it. */
const ALLOCATION_FIGURES = ['alloc', 'totalAlloc', 'mallocs', 'frees', 'heapAlloc', 'heapObjects', 'heapInuse'];

/**
 * The target's next runtime.ReadMemStats, seen from inside it with the world stopped, so no
 * goroutine allocates between memwatch's reading and ReadMemStats' (the runtime's own do, e.g.
 * the scavenger growing a timer heap, racing a stop after ReadMemStats returns). memwatch
 * stats both before ReadMemStats flushes the per-P caches (allocations still in them are
 * counted as the flush would count them; the flush itself moves gcSys and otherSys) and after
 * it; memwatch pages after it; ReadMemStats' answer.
 */
async function insideReadMemStats(it: DelveInterpreter, where: string, except: string[] = []): Promise<{ stats: Awaited<ReturnType<typeof run>>; after: Json; truth: Record<string, number> }> {
  await ok(it, 'break rms runtime.readmemstats_m\ncontinue');
  const stats = await run(it, 'memwatch stats');
  await ok(it, 'clear rms\nbreak rmsdone runtime.startTheWorld\ncontinue');
  const truth = await readMemStatsInTarget(it);
  const after = await json(it, 'memwatch stats');
  const pages = await json(it, 'memwatch pages');
  await ok(it, 'clear rmsdone');
  const before = (stats.data['application/json'] as Json).memstats;
  const notAllocation = SAME_AS_READMEMSTATS.map(([ours]) => ours).filter((k) => !ALLOCATION_FIGURES.includes(k));
  assertSameAsReadMemStats(before, truth, `${where}, caches not yet flushed`, [...except, ...notAllocation]);
  assertSameAsReadMemStats(after.memstats, truth, where, except);
  assertPageStates(pages, truth, where);
  return { stats, after, truth };
}

for (const tc of toolchains()) {
  const test = suite(`memwatch (${tc.name})`);
  const binary = buildExample('heap', tc);
  // The same program with go.mod at an old `go` line: the toolchain's runtime, older GODEBUG defaults.
  const oldGoLine = tc.minor > 22 ? buildExample('heap', tc, { goLine: '1.22' }) : undefined;

  const walkThrough = async (program: string) => {
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await ok(it, `exec ${program}`);
      const first = await insideReadMemStats(it, 'resident');
      assert.ok(first.stats.ctx.displays.some((d) => d.displayId?.startsWith('memwatch-')), 'progress is shown');
      assert.ok(first.stats.ctx.updates.length > 0, 'progress is updated');
      await ok(it, 'break main.resident\ncontinue');

      const span = await json(it, 'memwatch span main.known');
      const known = await it.state.session!.query.eval({ Scope: { GoroutineID: -1, Frame: 0 }, Expr: 'main.known', Cfg: null });
      assert.is(span.kind, 'memwatch.span');
      assert.is(span.sizeClass, 5);
      assert.is(span.elemSize, 48);
      assert.is(span.allocated, true);
      assert.is(span.objectStart, span.address);
      assert.is(span.address, known.children![0].addr);
      const byAddress = await json(it, `memwatch span 0x${(span.address + 50).toString(16)}`);
      assert.is(byAddress.objectIndex, span.objectIndex + 1);

      const top = await json(it, 'memwatch top');
      const large = top.sizeClasses.find((r: { sizeClass: number }) => r.sizeClass === 0);
      assert.ok(large.spans >= 256 && large.inUseBytes >= 256 * MiB);
      assert.is(top.heapAllocFromSpans, (await json(it, 'memwatch stats')).memstats.heapAlloc, 'the spans hold what heapAlloc counts');
      assert.is(top.sizeClasses.find((r: { sizeClass: number }) => r.sizeClass === 5).elemSize, 48);

      const pages = await ok(it, 'memwatch pages');
      assert.match(String(pages['image/svg+xml']), /^<svg/);
      assert.ok(pages['application/vnd.vegalite.v5+json']);
      const scanned = pages['application/json'] as Json;
      assert.ok(scanned.heapResidentBytes >= 256 * MiB, `heap resident ${scanned.heapResidentBytes}`);
      assert.ok(scanned.rssBytes >= scanned.heapResidentBytes);
      for (const kind of ['heap', 'stack', 'text', 'data', 'other']) assert.ok(scanned.regions.some((r: { kind: string }) => r.kind === kind), kind);
      if (fs.existsSync(HELPER_PATH)) assert.is(scanned.pages.method, 'pagemap-scan');
      const read = await json(it, 'memwatch pages --read');
      assert.is(read.pages.method, 'pagemap-read');
      assert.is(read.heapResidentBytes, scanned.heapResidentBytes); // the target is stopped: both paths see the same pages
      assert.is(read.rssBytes, scanned.rssBytes);

      const a = await json(it, 'memwatch snapshot a');
      assert.is(a.kind, 'memwatch.snapshot');
      assert.is(a.name, 'a');

      // Inside the next GC's mark termination, after gcSweep: every live object is marked and
      // no span is swept yet (the world is stopped). Green Tea GC (Go 1.26+) keeps the marks
      // of small-object spans at the span's end, not in gcmarkBits, until the sweep.
      await ok(it, 'break marked runtime.gcControllerCommit\ncontinue');
      const marked = await json(it, 'memwatch span main.known');
      assert.is(marked.marked, true, 'a live object is marked after the mark phase');
      assert.match(marked.markNote, /not yet swept/);
      if (tc.minor >= 26) assert.match(marked.markNote, /Green Tea/);
      await ok(it, 'clear marked');

      const second = await insideReadMemStats(it, 'released');
      await ok(it, 'break main.released\ncontinue');
      const b = await json(it, 'memwatch snapshot b');
      const swept = await json(it, 'memwatch span main.known');
      assert.is(swept.marked, false, 'runtime.GC() swept every span: mark bits are clear');
      assert.match(swept.markNote, /is swept/);
      const d = await json(it, 'memwatch diff a b');
      assert.is(d.kind, 'memwatch.diff');
      assert.ok(d.heapResidentBytes.delta <= -200 * MiB, `resident heap moved ${d.heapResidentBytes.delta}`);
      assert.ok(d.memstats.heapReleased.delta >= 200 * MiB, `heapReleased moved ${d.memstats.heapReleased.delta}`);
      // Not ReadMemStats' answer: the runtime's goroutines may allocate after it returns.
      assert.is(d.memstats.heapReleased.after, b.memstats.heapReleased);

      // GC is off here (SetGCPercent(-1)) and the garbage sits in the per-P caches. NextGC comes
      // from the memory limit then, which memwatch says it only approximates.
      const third = await insideReadMemStats(it, 'garbage', ['nextGC']);
      assert.ok(third.after.approximate.nextGC);
      assert.ok(third.truth.Mallocs - second.truth.Mallocs >= (64 * MiB) / 64, 'the garbage was counted');

      await ok(it, `break main.go:${collectLine}\ncontinue`);
      const gc = await json(it, 'memwatch gc --clear-soft-dirty');
      assert.is(gc.kind, 'memwatch.diff');
      if (!kernelFeatures().softDirty) assert.ok(gc.notes.some((n: string) => /does not track/.test(n)), 'says soft-dirty is not tracked here');
      assert.ok(gc.memstats.heapAlloc.delta <= -32 * MiB, `heapAlloc moved ${gc.memstats.heapAlloc.delta}`);
      assert.ok(gc.memstats.numGC.delta >= 1);
    } finally {
      await it.shutdown(false);
    }
  };

  test('256 MiB resident, then released: stats, span, top, pages (both paths), marks, diff, gc', () => walkThrough(binary));
  if (oldGoLine) test('the same with go.mod at `go 1.22`', () => walkThrough(oldGoLine));

  test('a core dump: stats, top and span agree with the live process; pages say they need one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-memwatch-'));
    const live = new DelveInterpreter({ stream() {} }, repoRoot);
    const core = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await ok(live, `exec ${binary} -- -mib 32`);
      await ok(live, 'break main.resident\ncontinue');
      const corePath = path.join(dir, 'core');
      const q = live.state.session!.query;
      await q.rpc.call('DumpStart', { Destination: corePath });
      for (;;) {
        const st = await q.rpc.call<{ State: { Dumping: boolean; Err: string } }>('DumpWait', { Wait: 1000 });
        if (st.State.Err) assert.unreachable(st.State.Err);
        if (!st.State.Dumping) break;
      }
      const liveStats = await json(live, 'memwatch stats');
      const liveTop = await json(live, 'memwatch top');
      const liveSpan = await json(live, 'memwatch span main.known');

      await ok(core, `core ${binary} ${corePath}`);
      const coreStats = await json(core, 'memwatch stats');
      assert.equal(coreStats.memstats, liveStats.memstats);
      assert.is(coreStats.heapResidentBytes, null);
      assert.ok(coreStats.notes.some((n: string) => /live process/.test(n)));
      assert.equal((await json(core, 'memwatch top')).sizeClasses, liveTop.sizeClasses);
      assert.equal(await json(core, 'memwatch span main.known'), liveSpan);
      const pages = await fails(core, 'memwatch pages');
      assert.is(pages.ename, 'NotAvailable');
      assert.match(pages.evalue, /needs a live process/);
      assert.is((await fails(core, 'memwatch gc')).ename, 'ReadOnlySession');
    } finally {
      await live.shutdown(false);
      await core.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GODEBUG=madvdontneed=0: released pages stay resident, and the output says why', async () => {
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    const saved = process.env.GODEBUG;
    process.env.GODEBUG = 'madvdontneed=0'; // Delve passes its environment on to the target
    try {
      await ok(it, `exec ${binary} -- -mib 256 -garbage 0`);
    } finally {
      if (saved === undefined) delete process.env.GODEBUG;
      else process.env.GODEBUG = saved;
    }
    try {
      await ok(it, 'break main.released\ncontinue');
      const snap = await json(it, 'memwatch snapshot lazy');
      assert.is(snap.pages.madvdontneed, 0);
      assert.ok(snap.memstats.heapReleased >= 200 * MiB);
      const released = snap.heapStates.find((h: { state: string }) => h.state === 'released');
      assert.ok(released.residentBytes >= 200 * MiB, `released but resident: ${released.residentBytes}`);
      assert.ok(snap.notes.some((n: string) => /MADV_FREE/.test(n) && /LazyFree/.test(n)));
    } finally {
      await it.shutdown(false);
    }
  });

  test('usage errors say what to type', async () => {
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      assert.is((await fails(it, 'memwatch stats')).ename, 'NoTarget');
      await ok(it, `exec ${binary} -- -mib 8`);
      assert.is((await fails(it, 'memwatch')).ename, 'UsageError');
      assert.is((await fails(it, 'memwatch bogus')).ename, 'UsageError');
      assert.match((await fails(it, 'memwatch diff x y')).evalue, /no snapshot named "x"/);
      const early = await fails(it, 'memwatch span 0x1000'); // at the entry point: no heap yet
      assert.is(early.ename, 'NotAvailable');
      assert.match(early.evalue, /not set up its heap yet/);
      await ok(it, 'break main.resident\ncontinue');
      const none = await json(it, 'memwatch span 0x1000');
      assert.is(none.what, 'not in the Go heap');
    } finally {
      await it.shutdown(false);
    }
  });

  test.run();
}
