// What a user sees, through a real Jupyter client (jupyter_client, from the installed
// kernelspec): findings folded by identity with counts, memwatch plots with as many classes
// as asked and axes in units that fit, tables with module-relative paths (the full path in
// the JSON and on hover) and no thread id where there is none, no backtick left in HTML,
// progress that never says "0 of 0" and leaves a summary line, not an empty output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, repoRoot } from './helpers/go';
import { JupyterClientKernel, jsonOf, resultOf, textOf, type DriverExchange } from './helpers/jupyter-driver';

const test = suite('output polish (jupyter_client)');

/** Runs CODE; fails the test unless it succeeded. Every exchange is kept for the checks that span them all. */
async function ok(k: JupyterClientKernel, seen: DriverExchange[], code: string, timeout = 120): Promise<DriverExchange> {
  const ex = await k.execute(code, timeout);
  seen.push(ex);
  assert.is(ex.reply.content.status, 'ok', `${code}: ${JSON.stringify(ex.reply.content)}`);
  return ex;
}

const DISPLAYS = new Set(['display_data', 'update_display_data', 'execute_result']);

/**
 * What no output may do: a literal backtick in text/html, "0 of 0" anywhere, an empty
 * text/plain, a progress display left at a step ("…") instead of its summary line.
 */
function assertClean(all: DriverExchange[]): void {
  const lastById = new Map<string, string>();
  for (const ex of all) {
    for (const m of ex.iopub) {
      if (!DISPLAYS.has(m.header.msg_type)) continue;
      const data = m.content.data ?? {};
      const text = String(data['text/plain'] ?? '');
      const where = `${m.header.msg_type} ${JSON.stringify(text.slice(0, 120))}`;
      assert.ok(text.trim() !== '', `an empty text/plain: ${where}`);
      assert.not.match(text, /\b0 of 0\b/, where);
      if (data['text/html'] !== undefined) assert.not.ok(String(data['text/html']).includes('`'), `a backtick in text/html: ${where}`);
      const id = m.content.transient?.display_id;
      if (id) lastById.set(id, text);
    }
  }
  for (const [id, text] of lastById) assert.not.match(text, /…$/, `progress display ${id} left at a step: ${text}`);
}

/** The progress displays of EX: display id -> every text it showed, in order. */
function progressOf(ex: DriverExchange): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of ex.iopub) {
    const id = m.content.transient?.display_id;
    if (!id) continue;
    out.set(id, [...(out.get(id) ?? []), String(m.content.data?.['text/plain'] ?? '')]);
  }
  return out;
}

test('leak-timeout with 200 leaked workers: one folded finding, module-relative files, blank thread ids, a summary line after progress', async () => {
  const binary = buildExample('leak-timeout');
  const dir = path.join(repoRoot, 'examples/leak-timeout');
  const main = path.join(dir, 'main.go');
  const k = await JupyterClientKernel.start('polish-graph', dir);
  const seen: DriverExchange[] = [];
  try {
    await ok(k, seen, `exec ${binary} -- -leaks 200`);
    await ok(k, seen, 'break main.leaked');
    await ok(k, seen, 'continue');

    // Findings: 201 leaks in 2 rows, every goroutine still in the JSON.
    const graph = await ok(k, seen, 'goroutine-graph');
    const text = textOf(graph);
    const json = jsonOf(graph);
    assert.is(json.leaks.length, 201, 'every leaked goroutine is a leak in the JSON');
    assert.equal(json.findings.map((f: { count: number }) => f.count), [200, 1]);
    assert.is(json.findings[0].goroutines.length, 200);
    assert.is(json.findings[0].goStatement, `${main}:24`, 'the full path in the JSON');
    assert.match(text, /201 leaked goroutines \(2 kinds\)/);
    assert.match(text, /^leak ×200 \(certain\): main\.lookup\.func1 from main\.go:24, chan send on chan int$/m);
    assert.match(text, /^ {2}goroutines: (\d+, ){5}… and 195 more$/m);
    assert.match(text, /^leak \(certain\): goroutine \d+ \(main\.stale from main\.go:68\)$/m);
    assert.is(text.split('\n').filter((l) => /^(leak|deadlock)\b/.test(l)).length, 2, 'two findings shown, not 201');
    const html = String(resultOf(graph)!['text/html']);
    assert.is((html.match(/<tr><td/g) ?? []).length, 2, 'two rows in the Findings table');
    assert.match(html, /<th>count<\/th>/);
    assert.match(html, /<td>200<\/td>/);
    const stages = [...progressOf(graph).values()][0];
    assert.ok(stages.length >= 2, `progress shown, then its summary: ${JSON.stringify(stages)}`);
    assert.match(stages[stages.length - 1], /^goroutine-graph: \d+ goroutines read in \d+\.\d s$/);

    // goroutines: paths module-relative in text and HTML, whole in the JSON and the hover; thread id blank where none.
    const grs = await ok(k, seen, 'goroutines');
    const lines = textOf(grs).split('\n');
    const header = lines[1];
    assert.match(header, /^ {2}\s*id {2}status/);
    const rows = jsonOf(grs).goroutines as { id: number; function: string; file: string; threadId: number; status: string }[];
    const lookup = rows.find((r) => r.function === 'main.lookup.func1')!;
    assert.is(lookup.file, main);
    assert.is(lookup.threadId, 0, 'the JSON keeps 0');
    const lookupLine = lines.find((l) => /^\s+\d+ {2}waiting {2}chan send +main\.lookup\.func1 /.test(l))!;
    assert.ok(lookupLine, textOf(grs).slice(0, 2000));
    assert.is(lookupLine.indexOf('main.go'), header.indexOf('file'), 'the file column starts under its header');
    assert.match(lookupLine, /main\.go:24$/, 'threadId blank: the line ends with the go statement');
    assert.not.ok(textOf(grs).includes(dir), 'no full path in the text');
    const running = lines.find((l) => l.startsWith('* '))!;
    assert.match(running, /\d+$/, 'the running goroutine shows its thread');
    assert.is(running.length, header.length, 'threadId is right-aligned under its header');
    assert.match(String(resultOf(grs)!['text/html']), new RegExp(`<td style="text-align:left" title="${main}">main\\.go</td>`));
    const resource = resultOf(grs)!['application/vnd.dataresource+json'];
    assert.ok(resource.data.some((r: { file: string; threadId: number }) => r.file === main && r.threadId === 0), 'the data resource keeps full paths and 0');

    const bt = await ok(k, seen, 'bt');
    assert.match(textOf(bt), /main\.leaked +main\.go +62/);
    assert.match(textOf(bt), /runtime\.main +\$GOROOT\/src\/runtime\/proc\.go/);
    assert.is(jsonOf(bt).frames[0].file, main);

    const stack = await ok(k, seen, 'stackdiff snapshot a');
    const [steps] = [...progressOf(stack).values()];
    assert.ok(steps, 'a progress display');
    assert.match(steps[steps.length - 1], /^stackdiff snapshot a: \d+ goroutines captured in \d+\.\d+ s$/);
    assert.not.match(String(resultOf(stack)!['text/html']), /`/);

    assertClean(seen);
  } finally {
    const { left } = await k.shutdown([binary]);
    assert.equal(left, [], 'nothing left running');
  }
});

test('memwatch on a 64 KiB heap: top 8 draws 8 classes in KiB, a labelled residency plot, diff in ms, each note once', async () => {
  const binary = buildExample('heap');
  const collectLine = fs.readFileSync(path.join(repoRoot, 'examples/heap/main.go'), 'utf8').split('\n').findIndex((l) => l.includes('"collect here"')) + 1;
  const k = await JupyterClientKernel.start('polish-memwatch', repoRoot);
  const seen: DriverExchange[] = [];
  try {
    await ok(k, seen, `exec ${binary} -- -mib 0 -garbage 1`);
    await ok(k, seen, 'break main.resident');
    await ok(k, seen, 'continue');

    const stats = await ok(k, seen, 'memwatch stats');
    const notes = jsonOf(stats).notes as string[];
    assert.ok(notes.length > 0, 'this kernel has caveats to say (soft-dirty, approximate figures)');
    for (const n of notes) assert.ok(textOf(stats).includes(`note: ${n}`), 'said the first time');
    assert.match(textOf(stats), /^pauseTotalNs +\d+ {2}[\d.]+ ms/m);

    const top = await ok(k, seen, 'memwatch top 8');
    const spec = resultOf(top)!['application/vnd.vegalite.v5+json'];
    assert.is(new Set(spec.data.values.map((v: { cls: string }) => v.cls)).size, 8, 'top 8 draws 8 classes');
    assert.is(jsonOf(top).sizeClasses.length > 8, true, 'more classes exist than were asked for');
    assert.match(spec.title, /\(KiB\)/);
    assert.match(spec.encoding.x.title, /\(KiB\)/);
    assert.ok(Math.max(...spec.data.values.map((v: { value: number }) => v.value)) < 1024, 'the values are in KiB');
    assert.is(resultOf(top)!['application/vnd.dataresource+json'].data.length, 8);

    const pages = await ok(k, seen, 'memwatch pages');
    const residency = resultOf(pages)!['application/vnd.vegalite.v5+json'];
    assert.match(residency.encoding.x.title, /position in the region/);
    assert.ok(residency.encoding.x.axis, 'the x axis is drawn');
    const whats = new Set(residency.data.values.map((v: { what: string }) => v.what));
    assert.equal([...residency.encoding.color.scale.domain].sort(), [...whats].sort(), 'the legend lists what the cells show');
    assert.match(String(resultOf(pages)!['image/svg+xml']), /position in the region/);

    const snap = await ok(k, seen, 'memwatch snapshot a');
    assert.equal(jsonOf(snap).notes, notes, 'the JSON keeps every note');
    assert.not.match(textOf(snap), /^note: /m, 'notes already said are not said again');
    assert.match(String(resultOf(snap)!['text/html']), /<code>memwatch diff a OTHER<\/code>/);

    await ok(k, seen, `break main.go:${collectLine}`);
    await ok(k, seen, 'continue');
    const gc = await ok(k, seen, 'memwatch gc');
    const diff = textOf(gc);
    assert.match(diff, /^pauseTotalNs +[\d.]+ ms +[\d.]+ ms +\+[\d.]+ ms$/m, 'GC pause in ms');
    assert.match(diff, /^numGC +\d+ +\d+ +\+\d+$/m);
    assert.not.match(diff, /\d\.\d{4,} /, `figures rounded: ${diff}`);
    assert.ok(jsonOf(gc).memstats.pauseTotalNs.delta > 0, 'the JSON keeps nanoseconds');
    assert.ok(Number.isInteger(jsonOf(gc).memstats.pauseTotalNs.after));
    assert.not.ok(notes.some((n) => diff.includes(n)), 'the snapshots\' notes are not repeated under the diff');
    assert.match(diff, /note: snapshots gc-before and gc-after were kept/);
    for (const steps of progressOf(gc).values()) assert.match(steps[steps.length - 1], /^memwatch: read \d+ spans .* in \d+ ms$/);

    assertClean(seen);
  } finally {
    const { left } = await k.shutdown([binary]);
    assert.equal(left, [], 'nothing left running');
  }
});

test.run();
