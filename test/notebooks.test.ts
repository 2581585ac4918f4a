// The notebooks of notebooks/, executed headless top to bottom with nbclient against the
// examples (scripts/notebooks.sh): no cell errs, every code cell shows something, and
// together they show what a reader comes for: tables (the data resource), Vega-Lite plots
// with their SVG, Graphviz graphs. The incident writeup's conclusions are the outputs':
// a certain lock-order deadlock and a certain leak of main.quote, from the core.
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { executedNotebooks, readNotebook, NOTEBOOKS, type CodeCell } from './helpers/notebooks';

test('every notebook runs top to bottom with no error, each code cell showing something', async () => {
  const done = await executedNotebooks();
  assert.equal(done.map((n) => n.name), NOTEBOOKS);
  for (const n of done) {
    const nb = readNotebook(n.ipynb);
    assert.is(nb.kernel, 'delve', n.name);
    const code = nb.cells;
    assert.ok(code.length >= 8, `${n.name}: ${code.length} code cells`);
    for (const c of code) {
      const errors = c.outputs.filter((o) => o.output_type === 'error');
      assert.equal(errors.map((e) => `${e.ename}: ${e.evalue}`), [], `${n.name}: \`${c.source}\``);
      assert.ok(c.outputs.length > 0, `${n.name}: \`${c.source}\` shows nothing`);
    }
    assert.ok(fs.statSync(n.html).size > 10_000, `${n.name}: an HTML rendering`);
  }
});

test('together they show tables, Vega-Lite plots with their SVG, and Graphviz graphs', async () => {
  const outputs = (await executedNotebooks()).flatMap((n) => readNotebook(n.ipynb).cells.flatMap((c) => c.outputs).map((o) => ({ notebook: n.name, data: o.data ?? {} })));
  const having = (...types: string[]) => outputs.filter((o) => types.every((t) => t in o.data));
  const tables = having('application/vnd.dataresource+json');
  assert.ok(tables.length >= 20, `${tables.length} tables`);
  assert.ok(tables.some((t) => ((t.data['application/vnd.dataresource+json'] as { data: unknown[] }).data.length > 0)));
  const plots = having('application/vnd.vegalite.v5+json', 'image/svg+xml');
  assert.ok(plots.length >= 2, `${plots.length} plots`);
  for (const p of plots) assert.match(String(p.data['image/svg+xml']), /<svg[\s\S]*<\/svg>/);
  const graphs = having('text/vnd.graphviz', 'image/svg+xml');
  assert.ok(graphs.length >= 2, `${graphs.length} graphs`);
  for (const g of graphs) assert.match(String(g.data['text/vnd.graphviz']), /^digraph/);
  assert.equal([...new Set(graphs.map((g) => g.notebook))].sort(), [...NOTEBOOKS].sort(), 'a wait-for graph in each notebook');
});

test('the incident writeup finds, from the core, a certain lock-order deadlock and a certain leak that grows', async () => {
  const n = (await executedNotebooks()).find((x) => x.name === 'incident-writeup')!;
  const cells = readNotebook(n.ipynb).cells;
  const json = (c: CodeCell) => c.outputs.map((o) => o.data?.['application/json'] as Record<string, any> | undefined).filter((j) => j);
  const core = cells.findIndex((c) => c.source.startsWith('core '));
  const graph = cells.slice(core).flatMap(json).find((j) => j!.kind === 'goroutine-graph')!;
  assert.ok(graph, 'goroutine-graph ran on the core');
  assert.is(graph.deadlocks.length, 1);
  assert.is(graph.deadlocks[0].confidence, 'certain');
  assert.is(graph.deadlocks[0].goroutines.length, 2);
  const quotes = graph.leaks.filter((l: { goroutine: number }) => graph.nodes.some((x: any) => x.type === 'goroutine' && (x.goroutines ?? [x.goroutine]).includes(l.goroutine) && x.startFunction === 'main.quote'));
  assert.ok(quotes.length >= 40 && quotes.every((l: { confidence: string }) => l.confidence === 'certain'), `${quotes.length} leaked main.quote`);
  const perCapture = cells.flatMap(json).filter((j) => j!.kind === 'sql').pop()!;
  const [first, later] = perCapture.rows as { capture: string; leaked_quotes: number }[];
  assert.equal([first.capture, later.capture], ['first', 'later']);
  assert.ok(later.leaked_quotes > first.leaked_quotes, JSON.stringify(perCapture.rows));
});

test.run();
