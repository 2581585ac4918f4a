// goroutine-graph against examples/leaks: one process running every scenario at once
// (leaked.go: goroutines stuck for ever in no cycle; deadlocked.go: cycles; healthy.go:
// goroutines that wait on timers, the network, package variables or live goroutines), so
// that every finding must be told from every non-finding in the same graph. The answers
// are exact: the deadlock cycles (their goroutines, the objects' kinds, who is blocked
// behind, the confidence) and the leaks (goroutine, object kind, confidence); nothing else
// is flagged. Goroutines are named by start function and go statement (`main.ringNode
// deadlocked.go:52`): those of one go statement in a loop share a name, so the findings are
// compared as multisets. The lines are read from the sources, so editing them keeps the test.
//
// Four ways to look at the same state: (a) `exec` of a debug build, on every release of the
// matrix; (b) `exec` of an optimized build, (c) `attach` to an optimized build the test
// started, (d) a core of an optimized build (`dump` in a live session, then `core` in a
// fresh one), on the newest release and on Go 1.25 only: the optimized-build paths on the
// runtime of today and on an older one, at a third of the run time of the whole matrix
// (each mode takes 3 to 5 s). Before the graph, each mode checks with `goroutines` that
// every scenario's goroutines are where the program put them, so that a failure of the
// program's set-up is not mistaken for one of the analysis.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DelveInterpreter } from '../src/interpreter';
import { runtimeLayout } from '../src/heap/runtime-layout';
import { readSlice, readU64s } from '../src/heap/read-heap';
import { objectAt } from '../src/reach/heap-graph';
import { readHeapGraph } from '../src/reach/read-graph';
import { openMemory } from '../src/session/memory';
import { buildExample, repoRoot, toolchains, type Toolchain } from './helpers/go';
import { RecordingContext } from './helpers/recording-context';
import { fails, ok, rowsOf, waitFor } from './helpers/cells';

interface GraphJson {
  kind: string;
  nodes: { id: string; type: string; goroutine?: number; startFunction?: string; goStatement?: string; count?: number; goroutines?: number[]; packageVariable?: string; timer?: boolean; unreached?: boolean }[];
  edges: { from: string; to: string; type: string; evidence?: string }[];
  deadlocks: { goroutines: number[]; objects: string[]; confidence: string; blockedBehind: number[] }[];
  leaks: { goroutine: number; object: string; reason: string; confidence: string }[];
  notes: string[];
}

const dir = path.join(repoRoot, 'examples', 'leaks');
/** Workers of the server scenario (the program's -n; its default). */
const WORKERS = 2000;

/** `deadlocked.go:52`, for each `go FN(...)` statement of examples/leaks in file order. */
function goStatements(fn: string): string[] {
  const found: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.go')).sort()) {
    fs.readFileSync(path.join(dir, file), 'utf8').split('\n').forEach((line, i) => {
      if (new RegExp(`^\\s*go ${fn}\\(`).test(line)) found.push(`${file}:${i + 1}`);
    });
  }
  return found;
}

/** The identity of the goroutines started by the Ith `go FN(...)` of the program. */
function at(fn: string, i = 0): string {
  const all = goStatements(fn);
  if (!all[i]) throw new Error(`examples/leaks has no go statement #${i + 1} starting ${fn}`);
  return `main.${fn} ${all[i]}`;
}

const times = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

interface ExpectedDeadlock {
  scenario: string;
  goroutines: string[];
  /** The kinds of the cycle's objects. */
  objects: string[];
  blockedBehind: string[];
  confidence: 'certain' | 'likely';
}

/**
 * The cycles the program guarantees.
 *
 * Confidence: a cycle through channels alone is certain: every goroutine that reaches the
 * ring's inboxes is in the ring, blocked sending, so no one can ever receive; that is read
 * from memory, nothing is guessed. A cycle through mutexes is certain only when memory shows
 * who holds each mutex, which the runtime does not record: the package-variable mutexes are
 * held under a pending deferred Unlock (`defer muA.Unlock()`, a defer record in a debug
 * build, an open-coded defer's bit in an optimized one), which names the holder; the
 * philosophers' forks and the accounts are locked without a defer, so "philosopher i holds
 * fork i" (the edge that closes the cycle) is inferred from who reaches the fork and is not
 * waiting on it: likely. That a running goroutine also reaches a mutex (main, through the
 * package variable `dinner` or the slice of accounts it keeps; anyone, through muA and muB)
 * does not make it wakeable: only its holder unlocks it (another goroutine's Unlock, which
 * sync.Mutex allows, would make the holder's deferred Unlock fatal).
 */
function expectedDeadlocks(): ExpectedDeadlock[] {
  return [
    { scenario: 'dining philosophers', goroutines: times(5, at('philosopher')), objects: times(5, 'mutex'), blockedBehind: [], confidence: 'likely' },
    // The observer waits on the report channel, which only the ring's nodes reach: blocked
    // behind the cycle, not in it (it reaches none of the inboxes).
    { scenario: 'channel ring', goroutines: [at('ringNode', 0), at('ringNode', 1), at('ringNode', 2)], objects: times(3, 'chan'), blockedBehind: [at('ringObserver')], confidence: 'certain' },
    { scenario: 'accounts on the heap', goroutines: [at('transfer', 0), at('transfer', 1)], objects: times(2, 'mutex'), blockedBehind: [], confidence: 'likely' },
    { scenario: 'package-variable mutexes', goroutines: [at('lockAB'), at('lockBA')], objects: times(2, 'mutex'), blockedBehind: [], confidence: 'certain' },
  ];
}

interface ExpectedLeak {
  scenario: string;
  goroutine: string;
  /** The kind of the object (node type) it waits on. */
  object: string;
  confidence: 'certain' | 'likely';
}

/**
 * The goroutines stuck for ever in no cycle, each with the kind of object it waits on,
 * named as the CONTRACT's node types name it (the RWMutex, not its reader semaphore; the
 * Cond, not its notify list; the WaitGroup, not its semaphore).
 *
 * All certain: each waits on an object that only goroutines themselves stuck for ever reach
 * (no package variable, no goroutine that runs or will wake, no runtime timer), which memory
 * shows without a guess. That includes the RWMutex's readers although the runtime records no
 * holder: whoever holds the write lock, every goroutine that could unlock it (the writer, the
 * other readers) is stuck; and the cond's waiters: only they could Signal. No cycle: the
 * closure's holder, the RWMutex's writer, the errgroup's worker and the select wait on
 * channels no other goroutine reaches, and a goroutine blocked on an object is not the one
 * to wake it (the readers, the cond's waiters). Goroutines started after the errgroup's
 * workers exited run on their old stacks: a word those frames have not written yet (a stack
 * object not yet filled in, e.g. fmt.Println's arguments) may still hold the WaitGroup's
 * address; it is no reference (the runtime's own scan ignores it too).
 */
function expectedLeaks(): ExpectedLeak[] {
  return [
    ...times(3, { scenario: 'context without cancel', goroutine: at('ctxWaiter'), object: 'chan', confidence: 'certain' as const }),
    { scenario: 'closure', goroutine: at('closureReceiver'), object: 'chan', confidence: 'certain' },
    { scenario: 'closure', goroutine: at('closureHolder'), object: 'chan', confidence: 'certain' },
    { scenario: 'RWMutex pile-up', goroutine: at('rwWriter'), object: 'chan', confidence: 'certain' },
    ...times(3, { scenario: 'RWMutex pile-up', goroutine: at('rwReader'), object: 'rwmutex', confidence: 'certain' as const }),
    ...times(3, { scenario: 'sync.Cond pile-up', goroutine: at('condWaiter'), object: 'cond', confidence: 'certain' as const }),
    { scenario: 'errgroup stall', goroutine: at('errgroupWorker'), object: 'chan', confidence: 'certain' }, // one of the two failing jobs
    { scenario: 'errgroup stall', goroutine: at('errgroupWaiter'), object: 'waitgroup', confidence: 'certain' },
    { scenario: 'select', goroutine: at('selectStuck'), object: 'select', confidence: 'certain' },
  ];
}

/**
 * Start functions of goroutines that wait but must never be flagged: timers (sleep, Timer,
 * time.After, context.WithTimeout's and AfterFunc's timers reach what they wait on), the
 * network (a reader, a writer in the kernel and one on the conn's write lock, the HTTP server
 * and client), package variables (the mailboxes' map), main (the server's jobs channel).
 */
const HEALTHY = /^main\.(ctxDeadlineWaiter|afterFuncWaiter|sleeper|timerWaiter|connReader|connWriter|mailbox|serverWorker|httpServe|selectWithTimeout) |^net\/http\.|^unique\./;

/** Where the program puts its goroutines: start function and wait reason, with counts. */
function expectedState(tc: Toolchain, workers: number): Record<string, number> {
  const wgWait = tc.minor >= 24 ? 'sync.WaitGroup.Wait' : 'semacquire';
  const state: [string, string, number][] = [
    ['ctxWaiter', 'chan receive', 3], ['closureReceiver', 'chan receive', 1], ['closureHolder', 'chan receive', 1],
    ['rwWriter', 'chan receive', 1], ['rwReader', 'sync.RWMutex.RLock', 3], ['condWaiter', 'sync.Cond.Wait', 3],
    ['errgroupWorker', 'chan send', 1], ['errgroupWaiter', wgWait, 1], ['selectStuck', 'select', 1],
    ['philosopher', 'sync.Mutex.Lock', 5], ['ringNode', 'chan send', 3], ['ringObserver', 'chan receive', 1],
    ['transfer', 'sync.Mutex.Lock', 2], ['lockAB', 'sync.Mutex.Lock', 1], ['lockBA', 'sync.Mutex.Lock', 1],
    ['ctxDeadlineWaiter', 'chan receive', 1], ['afterFuncWaiter', 'chan receive', 1], ['sleeper', 'sleep', 1], ['timerWaiter', 'chan receive', 1],
    ['connReader', 'IO wait', 1], ['connWriter', 'IO wait', 1], ['connWriter', 'semacquire', 1],
    ['mailbox', 'chan receive', 100], ['serverWorker', 'chan receive', workers], ['httpServe', 'IO wait', 1],
    ['selectWithTimeout', 'select', 1],
  ];
  const out: Record<string, number> = {};
  for (const [fn, reason, n] of state) out[`main.${fn} ${reason}`] = (out[`main.${fn} ${reason}`] ?? 0) + n;
  return out;
}

/** Checks with `goroutines` that the program is in the state its scenarios describe. */
async function assertInPlace(it: DelveInterpreter, tc: Toolchain): Promise<void> {
  const rows = rowsOf(await ok(it, 'goroutines'));
  const actual: Record<string, number> = {};
  for (const r of rows) {
    const start = String(r.startFunction);
    if (!start.startsWith('main.')) continue;
    const key = `${start} ${r.waitReason || r.status}`;
    actual[key] = (actual[key] ?? 0) + 1;
  }
  assert.equal(actual, expectedState(tc, WORKERS), 'the program is in its state (a set-up failure, not the analysis)');
}

async function graph(it: DelveInterpreter): Promise<GraphJson> {
  const json = (await ok(it, 'goroutine-graph'))['application/json'] as GraphJson;
  assert.is(json.kind, 'goroutine-graph');
  return json;
}

/** `main.transfer deadlocked.go:84`: how goroutine ID started. */
function identity(json: GraphJson, id: number): string {
  const node = json.nodes.find((n) => n.type === 'goroutine' && (n.goroutine === id || n.goroutines?.includes(id)));
  assert.ok(node, `goroutine ${id} is drawn`);
  return `${node!.startFunction} ${path.basename(node!.goStatement ?? '')}`;
}

const kindOf = (object: string) => object.split(' ')[0];

/** Goroutine ids the notes name as holding a variable that was optimized away (as goroutine-graph.test.ts reads them). */
function blindGoroutines(json: GraphJson): Set<number> {
  const note = json.notes.find((n) => /optimized away or unreadable/.test(n)) ?? '';
  return new Set([...note.matchAll(/goroutine (\d+) /g)].map((m) => Number(m[1])));
}

/**
 * The findings are exactly the expected ones: the same cycles with the same goroutines,
 * objects and goroutines blocked behind; the same leaks; nothing else. Confidence is exact,
 * with one allowance in an optimized build: a finding may be "likely" instead of "certain"
 * when the notes name one of its goroutines as having lost a variable (it may then be a
 * waker the capture cannot see). Never the other way.
 */
function assertFindings(json: GraphJson, optimized: boolean): void {
  const ids = (gs: number[]) => gs.map((g) => identity(json, g)).sort();
  const sortedKinds = (os: string[]) => os.map(kindOf).sort();
  const blind = optimized ? blindGoroutines(json) : new Set<number>();
  const confidence = (actual: string, expected: string | undefined, gs: number[]) => (actual === 'likely' && expected === 'certain' && gs.some((g) => blind.has(g)) ? expected : actual);
  const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

  const wantDeadlocks = expectedDeadlocks();
  const wantLeaks = expectedLeaks();
  const actual = {
    deadlocks: json.deadlocks.map((d) => {
      const goroutines = ids(d.goroutines);
      const expected = wantDeadlocks.find((w) => JSON.stringify([...w.goroutines].sort()) === JSON.stringify(goroutines));
      return { goroutines, objects: sortedKinds(d.objects), blockedBehind: ids(d.blockedBehind), confidence: confidence(d.confidence, expected?.confidence, [...d.goroutines, ...d.blockedBehind]) };
    }).sort(byJson),
    leaks: json.leaks.map((l) => {
      const goroutine = identity(json, l.goroutine);
      return `${goroutine} on ${kindOf(l.object)} (${confidence(l.confidence, wantLeaks.find((w) => w.goroutine === goroutine)?.confidence, [l.goroutine])})`;
    }).sort(),
  };
  const expected = {
    deadlocks: wantDeadlocks.map((w) => ({ goroutines: [...w.goroutines].sort(), objects: [...w.objects].sort(), blockedBehind: [...w.blockedBehind].sort(), confidence: w.confidence })).sort(byJson),
    leaks: wantLeaks.map((w) => `${w.goroutine} on ${w.object} (${w.confidence})`).sort(),
  };
  // No false alarm: named first in the message, the diff shows the rest.
  const flagged = [...json.deadlocks.flatMap((d) => [...d.goroutines, ...d.blockedBehind]), ...json.leaks.map((l) => l.goroutine)];
  const alarms = [...new Set(flagged.map((g) => identity(json, g)).filter((name) => HEALTHY.test(name)))];
  const raw = { deadlocks: json.deadlocks.map(({ goroutines, objects, confidence, blockedBehind }) => ({ goroutines, objects, confidence, blockedBehind })), leaks: json.leaks, notes: json.notes, wakers: wakersOfMissed(json, flagged) };
  assert.equal(actual, expected, `${alarms.length ? `healthy goroutines flagged: ${alarms.join(', ')}; ` : ''}findings: ${JSON.stringify(raw)}`);
}

/** For a failure's message: who reached what the expected-but-unflagged goroutines wait on. */
function wakersOfMissed(json: GraphJson, flagged: number[]): string[] {
  const expected = new Set(expectedLeaks().map((l) => l.goroutine.split(' ')[0]));
  const missed = json.nodes.filter((n) => n.type === 'goroutine' && expected.has(n.startFunction ?? '') && !(n.goroutines ?? [n.goroutine]).some((g) => g !== undefined && flagged.includes(g)));
  const waited = new Set(json.edges.filter((e) => e.type === 'waits' && missed.some((n) => n.id === e.from)).map((e) => e.to));
  const objects = json.nodes.filter((n) => waited.has(n.id)).map((n) => `${n.id}: ${JSON.stringify({ packageVariable: n.packageVariable, timer: n.timer, unreached: n.unreached })}`);
  const missedStates = missed.map((n) => `${n.id} ${n.startFunction} waits on ${json.edges.filter((e) => e.from === n.id && e.type === 'waits').map((e) => e.to).join(', ') || 'nothing read'}`);
  return [...missedStates, ...objects, ...json.edges.filter((e) => waited.has(e.from) && (e.type === 'wakes' || e.type === 'holds')).map((e) => `${e.from} -> ${e.to}: ${e.evidence ?? ''}`)];
}

/** Runs `continue` until the program prints "ready", then interrupts it. */
async function continueUntilReady(it: DelveInterpreter): Promise<void> {
  const ctx = new RecordingContext();
  const pending = it.execute('continue', ctx);
  assert.ok(await waitFor(() => ctx.text('stdout').includes('ready'), 60_000), 'the program printed ready');
  await new Promise((r) => setTimeout(r, 100));
  it.interrupt();
  const outcome = await pending;
  assert.is(outcome.status, 'error'); // Interrupted: the target is halted where it was
}

/** Starts BINARY and resolves once it printed "ready". */
function startReady(binary: string): { child: ReturnType<typeof spawn>; ready: Promise<void> } {
  const child = spawn(binary, [], { stdio: ['ignore', 'pipe', 'ignore'] });
  let seen = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within 30 s (saw ${JSON.stringify(seen)})`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "ready"`)));
  });
  return { child, ready };
}

async function killed(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

/**
 * The heap walk does not scan a P: its write-barrier buffer and caches hold stale pointers
 * (to a leaked goroutine's channel, say) that would make a leak look wakeable, and every
 * pending timer points into its P. A P, like any object over 512 bytes with pointers, begins
 * with a malloc header, so the pointers to it lie 8 bytes past its slot's start.
 */
async function assertPsNotScanned(it: DelveInterpreter): Promise<void> {
  const s = it.state.session!;
  const memory = await openMemory(s);
  try {
    const layout = await runtimeLayout(s, memory);
    const allp = await readSlice(memory, layout.addr.allp);
    const ps = (await readU64s(memory, allp.ptr, allp.len)).filter((p) => p !== 0);
    const graph = await readHeapGraph(memory, layout, { opaque: new Set(ps) });
    assert.ok(ps.length > 0, 'allp lists the Ps');
    for (const p of ps) {
      const id = objectAt(graph, p);
      assert.ok(id >= 0, `P 0x${p.toString(16)} is a heap object`);
      assert.is(graph.edgeStart[id + 1] - graph.edgeStart[id], 0, `no pointer is read out of P 0x${p.toString(16)}`);
    }
  } finally {
    await memory.close();
  }
}

/** `why` names the package variable that keeps a fork alive (the philosophers' table), field by field. */
async function assertWhy(it: DelveInterpreter): Promise<void> {
  const bundle = await ok(it, 'why &main.dinner.forks[2]');
  const json = bundle['application/json'] as { kind: string; paths: { root: string; path: string }[] };
  assert.is(json.kind, 'why');
  assert.equal(json.paths[0], { root: 'main.dinner', path: '.forks', objects: 2 }, JSON.stringify(json.paths));
  // Each philosopher's frame points at its fork: by name, or in an optimized build by its slot (a spilled temporary no variable describes).
  assert.ok(json.paths.some((p) => /^goroutine \d+ main\.philosopher (left|right|sp slot 0x[0-9a-f]+)$/.test(p.root)), JSON.stringify(json.paths));
  assert.match(String(bundle['text/plain']), /main\.dinner\s+\.forks/);
  const notHeap = await fails(it, 'why 0x1');
  assert.match(notHeap.evalue, /0x1 is not in an allocated heap object/);
}

const all = toolchains();
const newest = all[all.length - 1];

for (const tc of all) {
  const test = suite(`leaks: goroutine-graph on every scenario at once (${tc.name})`);
  const everyMode = tc === newest || tc.minor === 25;

  test('(a) exec of a debug build: exactly the deadlocks and leaks, nothing else', async () => {
    const binary = buildExample('leaks', tc);
    const it = new DelveInterpreter({ stream() {} }, dir);
    try {
      await ok(it, `exec ${binary}`);
      await continueUntilReady(it);
      await assertInPlace(it, tc);
      assertFindings(await graph(it), false);
      await assertPsNotScanned(it);
    } finally {
      await it.shutdown(false);
    }
  });

  if (!everyMode) {
    test.run();
    continue;
  }

  test('(b) exec of an optimized build: the same findings', async () => {
    const binary = buildExample('leaks', tc, { optimized: true });
    const it = new DelveInterpreter({ stream() {} }, dir);
    try {
      await ok(it, `exec ${binary}`);
      await continueUntilReady(it);
      await assertInPlace(it, tc);
      assertFindings(await graph(it), true);
    } finally {
      await it.shutdown(false);
    }
  });

  test('(c) attach to an optimized build started by the test: the same findings', async () => {
    const binary = buildExample('leaks', tc, { optimized: true });
    const { child, ready } = startReady(binary);
    const it = new DelveInterpreter({ stream() {} }, dir);
    try {
      await ready;
      await ok(it, `attach ${child.pid}`);
      await assertInPlace(it, tc);
      assertFindings(await graph(it), true);
      await assertWhy(it);
    } finally {
      await it.shutdown(false);
      await killed(child);
    }
  });

  test('(d) a core of an optimized build (dump, then core in a fresh session): the same findings', async () => {
    const binary = buildExample('leaks', tc, { optimized: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-leaks-'));
    const file = path.join(tmp, 'leaks.core');
    const live = new DelveInterpreter({ stream() {} }, dir);
    const core = new DelveInterpreter({ stream() {} }, dir);
    try {
      await ok(live, `exec ${binary}`);
      await continueUntilReady(live);
      await ok(live, `dump ${file}`);
      await live.shutdown(false);
      await ok(core, `core ${binary} ${file}`);
      await assertInPlace(core, tc);
      assertFindings(await graph(core), true);
      await assertWhy(core);
    } finally {
      await live.shutdown(false);
      await core.shutdown(false);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test.run();
}
