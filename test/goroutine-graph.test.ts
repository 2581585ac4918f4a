// goroutine-graph against a real Delve and the examples with known answers, on every Go
// toolchain installed. Goroutines are named by how they started (start function and go
// statement), never by id, which differs between releases and runs.
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MimeBundle } from '../kernel/interpreter';
import { DelveInterpreter } from '../src/interpreter';
import { buildExample, repoRoot, toolchains, type BuildOptions, type Toolchain } from './helpers/go';
import { RecordingContext } from './helpers/recording-context';
import { ok, run, waitFor } from './helpers/cells';

interface GraphJson {
  kind: string;
  nodes: { id: string; type: string; goroutine?: number; startFunction?: string; goStatement?: string; count?: number; goroutines?: number[] }[];
  edges: { from: string; to: string; type: string }[];
  deadlocks: { goroutines: number[]; objects: string[]; confidence: string; blockedBehind: number[] }[];
  leaks: { goroutine: number; object: string; reason: string; confidence: string }[];
  grouped: boolean;
  partial: boolean;
  notes: string[];
}

async function graph(it: DelveInterpreter, args = ''): Promise<{ json: GraphJson; bundle: MimeBundle }> {
  const bundle = await ok(it, `goroutine-graph ${args}`);
  const json = bundle['application/json'] as GraphJson;
  assert.is(json.kind, 'goroutine-graph');
  assert.match(String(bundle['image/svg+xml']), /^<svg[\s\S]*<\/svg>\s*$/);
  assert.match(String(bundle['text/vnd.graphviz']), /^digraph waits \{/);
  return { json, bundle };
}

/** `main.transfer main.go:37`: how a goroutine started, stable across runs and releases. */
function identity(json: GraphJson, id: number): string {
  const node = json.nodes.find((n) => n.type === 'goroutine' && (n.goroutine === id || n.goroutines?.includes(id)));
  assert.ok(node, `goroutine ${id} is drawn`);
  return `${node!.startFunction} ${path.basename(node!.goStatement ?? '')}`;
}

function identities(json: GraphJson, ids: number[]): string[] {
  return ids.map((id) => identity(json, id)).sort();
}

/** Runs `continue` until the program prints "ready" (or for MS), then interrupts it. */
async function continueUntilReady(it: DelveInterpreter, ms?: number): Promise<void> {
  const ctx = new RecordingContext();
  const pending = it.execute('continue', ctx);
  if (ms === undefined) assert.ok(await waitFor(() => ctx.text('stdout').includes('ready'), 60_000), 'the program printed ready');
  await new Promise((r) => setTimeout(r, ms ?? 100));
  it.interrupt();
  const outcome = await pending;
  assert.is(outcome.status, 'error'); // Interrupted: the target is halted where it was
}

async function withExample(name: string, tc: Toolchain, body: (it: DelveInterpreter) => Promise<void>, args = '', build: BuildOptions = {}): Promise<void> {
  const binary = buildExample(name, tc, build);
  const it = new DelveInterpreter({ stream() {} }, path.join(repoRoot, 'examples', name));
  try {
    await ok(it, `exec ${binary}${args ? ' -- ' + args : ''}`);
    await body(it);
  } finally {
    await it.shutdown(false);
  }
}

interface Variant {
  /** Shown in the test name. */
  name: string;
  build: BuildOptions;
}

/** Every example as `debug` builds it, and as plain `go build` does (optimized: variables may be gone). */
const VARIANTS: Variant[] = [{ name: 'debug build', build: {} }, { name: 'optimized build', build: { optimized: true } }];

const blindNote = (json: GraphJson) => json.notes.some((n) => /optimized away or unreadable/.test(n));

/** Goroutine ids the notes name as holding a variable that was optimized away. */
function blindGoroutines(json: GraphJson): Set<number> {
  const note = json.notes.find((n) => /optimized away or unreadable/.test(n)) ?? '';
  return new Set([...note.matchAll(/goroutine (\d+) /g)].map((m) => Number(m[1])));
}

/**
 * The goroutines found blocked for ever, and how sure: in a debug build exactly DEADLOCKS
 * (each cycle's goroutines, with CONFIDENCE) and LEAKS (certain). In an optimized build the
 * same goroutines are found stuck, but a variable that joins them may be gone: then a
 * cycle may show as leaks. Either way a "certain" finding is exactly what the debug build
 * finds, and a finding whose goroutine the notes name as having lost such a variable is
 * never "certain".
 */
function assertStuck(v: Variant, json: GraphJson, deadlocks: string[][], leaks: string[], confidence: 'certain' | 'likely' = 'certain'): void {
  const actual = { deadlocks: json.deadlocks.map((d) => identities(json, d.goroutines)), leaks: identities(json, json.leaks.map((l) => l.goroutine)) };
  const shown = JSON.stringify([json.deadlocks, json.leaks, json.notes]);
  const findings = [...json.deadlocks.map((d) => ({ ids: d.goroutines, confidence: d.confidence })), ...json.leaks.map((l) => ({ ids: [l.goroutine], confidence: l.confidence }))];
  if (!v.build.optimized) {
    assert.equal(actual, { deadlocks, leaks }, shown);
    for (const d of json.deadlocks) assert.is(d.confidence, confidence, shown);
    for (const l of json.leaks) assert.is(l.confidence, 'certain', shown);
    return;
  }
  const all = identities(json, [...json.deadlocks.flatMap((d) => [...d.goroutines, ...d.blockedBehind]), ...json.leaks.map((l) => l.goroutine)]);
  assert.equal(all, [...deadlocks.flat(), ...leaks].sort(), shown);
  const exact = JSON.stringify(actual) === JSON.stringify({ deadlocks, leaks });
  const blind = blindGoroutines(json);
  for (const f of findings) {
    if (f.confidence !== 'certain') continue;
    assert.ok(exact, `a "certain" finding where the debug build finds otherwise: ${shown}`);
    assert.not.ok(f.ids.some((id) => blind.has(id)), `"certain" though a variable of its goroutines was optimized away: ${shown}`);
  }
  if (!blindNote(json)) assert.ok(exact, `every variable was read, yet the findings differ from the debug build's: ${shown}`);
}

for (const tc of toolchains()) {
  const test = suite(`goroutine-graph (${tc.name})`);

  for (const v of VARIANTS) {
    test(`deadlock-mutex (${v.name}): the lock-order cycle between two mutexes passed as arguments`, async () => {
      await withExample('deadlock-mutex', tc, async (it) => {
        await ok(it, 'break main.deadlocked');
        await ok(it, 'continue');
        const { json, bundle } = await graph(it);
        assertStuck(v, json, [['main.transfer main.go:37', 'main.transfer main.go:38']], [], 'likely');
        const d = json.deadlocks[0];
        assert.equal(d.objects.map((o) => o.split(' ')[0]), ['mutex', 'mutex']);
        assert.is(d.confidence, 'likely'); // the runtime records no mutex holder
        assert.equal(json.leaks, []);
        assert.match(String(bundle['text/plain']), /deadlock 1 \(likely\)/);
        assert.match(String(bundle['text/plain']), /main\.transfer \(main\.go:\d+\) (from|to)(\.mu)?/); // module-relative
        assert.match(String(bundle['text/vnd.graphviz']), /shape=octagon/);

        const focused = await graph(it, `--focus ${d.goroutines[0]}`);
        assert.equal(focused.json.nodes.filter((n) => n.type === 'goroutine').map((n) => n.goroutine).sort(), [...d.goroutines].sort());
        assert.ok(focused.json.nodes.every((n) => n.type === 'goroutine' || n.type === 'mutex'));
      }, '', v.build);
    });

    test(`deadlock-chan (${v.name}): a cycle between two channels, one waited on in a select`, async () => {
      await withExample('deadlock-chan', tc, async (it) => {
        await ok(it, 'break main.deadlocked');
        await ok(it, 'continue');
        const { json } = await graph(it);
        assertStuck(v, json, [['main.relay main.go:36', 'main.relayOrQuit main.go:37']], []);
        assert.ok(json.nodes.some((n) => n.type === 'select'), 'the select is drawn');
        if (json.deadlocks.length > 0) assert.equal(json.deadlocks[0].objects.map((o) => o.split(' ')[0]), ['chan', 'chan']);
      }, '', v.build);
    });

    test(`waitgroup-stuck (${v.name}): the waiter and its workers wait on each other`, async () => {
      await withExample('waitgroup-stuck', tc, async (it) => {
        await ok(it, 'break main.stuck');
        await ok(it, 'continue');
        const { json } = await graph(it);
        assertStuck(v, json, [['main.batch main.go:44', 'main.worker main.go:25', 'main.worker main.go:25', 'main.worker main.go:25']], []);
        if (json.deadlocks.length > 0) assert.equal(json.deadlocks[0].objects.map((o) => o.split(' ')[0]).sort(), ['chan', 'waitgroup']);

        const grouped = await graph(it, '--group');
        assert.ok(grouped.json.grouped);
        const workers = grouped.json.nodes.find((n) => n.count === 3);
        assert.ok(workers, 'the three workers drawn as one node');
        assert.equal(grouped.json.deadlocks, json.deadlocks); // findings do not depend on drawing
      }, '', v.build);
    });

    // The go.mod `go` line decides the timers from Go 1.23: sync timers (hchan.timer) at the
    // toolchain's own line; async ones in p.timers with `go 1.22` (1.23-1.26; 1.27 has only sync).
    const goLines: (string | undefined)[] = tc.minor > 22 ? [undefined, '1.22'] : [undefined];
    for (const goLine of goLines) {
      test(`leak-timeout (${v.name}${goLine ? `, go.mod go ${goLine}` : ''}): timed-out lookups' workers and a stopped timer's waiter leak; timer waits do not`, async () => {
        await withExample('leak-timeout', tc, async (it) => {
          await ok(it, 'break main.leaked');
          await ok(it, 'continue');
          const { json, bundle } = await graph(it);
          assertStuck(v, json, [], ['main.lookup.func1 main.go:24', 'main.lookup.func1 main.go:24', 'main.lookup.func1 main.go:24', 'main.stale main.go:68']);
          for (const l of json.leaks) {
            assert.match(l.object, /^chan 0x/);
            assert.match(l.reason, /reached by no other goroutine and no package variable/);
          }
          // The heartbeat (a Ticker), the janitor (time.After in a select) and the watchdog (a Timer): timers wake them.
          assert.match(String(bundle['text/vnd.graphviz']), /timer/);
        }, '', { ...v.build, goLine });
      });
    }

    for (const [name, stop] of [['pipeline', 'main.observe'], ['workerpool', 'main.handled']]) {
      test(`${name} (${v.name}): healthy, halted at several points, no finding`, async () => {
        await withExample(name, tc, async (it) => {
          await ok(it, `break ${stop}`);
          for (let i = 0; i < 3; i++) {
            await ok(it, 'continue');
            const { json } = await graph(it);
            assert.equal([json.deadlocks, json.leaks], [[], []], `at stop ${i + 1}`);
            assert.ok(json.nodes.some((n) => n.type === 'chan'));
          }
          await ok(it, 'clearall');
          for (const ms of [150, 400]) {
            await continueUntilReady(it, ms);
            const { json } = await graph(it);
            assert.equal([json.deadlocks, json.leaks], [[], []], `interrupted after ${ms} ms`);
          }
        }, '', v.build);
      });
    }
  }

  for (const v of VARIANTS) {
    test(`many (${v.name}): 200 goroutines on package channels, a held package mutex, selects and sleeps: no false alarm`, async () => {
      await withExample('many', tc, async (it) => {
        await continueUntilReady(it);
        const { json } = await graph(it);
        assert.equal([json.deadlocks, json.leaks], [[], []], JSON.stringify(json.notes));
        const waiting = json.nodes.filter((n) => n.type === 'goroutine').reduce((a, n) => a + (n.count ?? 1), 0);
        assert.ok(waiting >= 200, `${waiting} goroutines drawn`);
      }, '-n 200', v.build);
    });
  }

  test('many: 10,000 goroutines, grouped automatically, no false alarm; interrupt returns a partial graph', async () => {
    await withExample('many', tc, async (it) => {
      await continueUntilReady(it);
      const ctx = new RecordingContext();
      const { outcome, data } = await run(it, 'goroutine-graph', ctx);
      if (outcome.status !== 'ok') assert.unreachable(`${outcome.ename}: ${outcome.evalue}`);
      const json = data['application/json'] as GraphJson;
      assert.ok(json.grouped, 'grouped without --group: too many to read');
      assert.ok(json.nodes.length < 40, `${json.nodes.length} nodes`);
      assert.equal([json.deadlocks, json.leaks], [[], []]);
      const counts = json.nodes.filter((n) => n.type === 'goroutine').map((n) => n.count ?? 1);
      assert.ok(counts.reduce((a, b) => a + b, 0) >= 10000);
      assert.ok(counts.filter((c) => c === 2500).length >= 3, `groups of 2,500: ${counts}`);
      assert.ok(ctx.displays.some((d) => d.displayId) && ctx.updates.length > 0, 'progress shown in the cell');

      const partialCtx = new RecordingContext();
      const pending = run(it, 'goroutine-graph --group', partialCtx);
      await new Promise((r) => setTimeout(r, 400));
      it.interrupt();
      const partial = await pending;
      if (partial.outcome.status !== 'ok') assert.unreachable(`${partial.outcome.ename}: ${partial.outcome.evalue}`);
      assert.ok((partial.data['application/json'] as GraphJson).partial);
      assert.match(String(partial.data['text/plain']), /PARTIAL/);
    }, '-n 10000');
  });

  test.run();
}
