// The notebooks as a user sees them, in headless Chromium (Debian's, driven by playwright-core):
// the executed notebooks' HTML (nbconvert) with their tables, Graphviz graphs and plots drawn
// and inside the page; the Vega-Lite specs rendered live by a local vega-embed, with no
// network; and the classic Notebook (Debian's jupyter-notebook 6.4) running the tour with
// Run All, then a long `continue` stopped by the toolbar's interrupt button.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { browser, closeBrowser, commandLine, descendants, screenshot, SCREENSHOTS, watch } from './helpers/browser';
import { processesMatching, repoRoot } from './helpers/go';
import { cleanUp, installPrefix, startWebServer, stopWebServer, type WebServer } from './helpers/jupyter-world';
import { executedNotebooks, joined, readNotebook, type CodeCell } from './helpers/notebooks';
import { freePorts } from './helpers/jupyter-client';

/** The notebook the classic Notebook runs (notebooks/NAME). */
const CLASSIC_NOTEBOOK = 'tour.ipynb';
const VIEWPORT = { width: 1280, height: 900 };
const VEGALITE = 'application/vnd.vegalite.v5+json';
const DATARESOURCE = 'application/vnd.dataresource+json';

test.after(() => closeBrowser());

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What one output of the executed notebook must show in its HTML. */
interface Want {
  cell: number;
  output: number;
  source: string;
  /** A table of this many body rows (its application/vnd.dataresource+json has as many). */
  rows?: number;
  /** The Graphviz SVG the kernel drew (text/vnd.graphviz beside it). */
  graph?: string;
  /** The Vega-Lite plot's pre-rendered SVG. */
  plot?: string;
}

function wants(cells: CodeCell[]): Want[] {
  const out: Want[] = [];
  cells.forEach((cell, ci) =>
    cell.outputs.forEach((o, oi) => {
      const d = o.data ?? {};
      const w: Want = { cell: ci, output: oi, source: cell.source };
      if (d[DATARESOURCE]) w.rows = d[DATARESOURCE].data.length;
      if (d['text/vnd.graphviz'] && d['image/svg+xml']) w.graph = joined(d['image/svg+xml']);
      if (d[VEGALITE] && d['image/svg+xml']) w.plot = joined(d['image/svg+xml']);
      if (w.rows !== undefined || w.graph || w.plot) out.push(w);
    }),
  );
  return out;
}

interface Box {
  left: number;
  right: number;
  width: number;
  height: number;
  /** The right edge of what shows: clipped by the ancestors that scroll sideways (a scrollbar reaches the rest). */
  visibleRight: number;
}
interface SvgSeen extends Box {
  elements: number;
  nodes: number;
  edges: number;
  /** Vega mark items (paths, rects, texts) by their mark group's classes; axes, legends and titles apart. */
  marks: Record<string, number>;
}
interface OutputSeen {
  box: Box;
  tables: (Box & { rows: number })[];
  svgs: SvgSeen[];
  /** The same counts read from the SVG in the .ipynb (parsed in the page). */
  wanted?: SvgSeen;
}
interface PageSeen {
  width: number;
  scrollWidth: number;
  outputsPerCell: number[];
  /** Each output's box, and what MathJax typeset in it (the TeX it read). */
  boxes: (Box & { cell: number; math: string[] })[];
  seen: OutputSeen[];
}

/** Runs in the page: measures the nbconvert (lab template) rendering of each wanted output. */
function measure(wanted: Want[]): PageSeen {
  const box = (e: Element): Box => {
    const r = e.getBoundingClientRect();
    let visible = r.right;
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (/^(auto|scroll)$/.test(getComputedStyle(a).overflowX)) visible = Math.min(visible, a.getBoundingClientRect().left + a.clientLeft + a.clientWidth);
    }
    return { left: r.left + scrollX, right: r.right + scrollX, width: r.width, height: r.height, visibleRight: visible + scrollX };
  };
  const stats = (svg: SVGSVGElement, measured: boolean): SvgSeen => {
    const marks: Record<string, number> = {};
    for (const g of svg.querySelectorAll('g.role-mark')) {
      if (g.closest('.role-axis, .role-legend, .role-title')) continue;
      marks[g.getAttribute('class')!] = (marks[g.getAttribute('class')!] ?? 0) + g.children.length;
    }
    return {
      ...(measured ? box(svg) : { left: 0, right: 0, width: 0, height: 0, visibleRight: 0 }),
      elements: svg.querySelectorAll('*').length,
      nodes: svg.querySelectorAll('g.node').length,
      edges: svg.querySelectorAll('g.edge').length,
      marks,
    };
  };
  const cells = [...document.querySelectorAll('.jp-Cell.jp-CodeCell')];
  const outputsOf = (cell: Element) => [...cell.querySelectorAll('.jp-OutputArea-child')].map((c) => c.querySelector('.jp-OutputArea-output'));
  const MATH = '.MathJax, .MathJax_Display, .MathJax_CHTML, mjx-container, script[type^="math/"]';
  const boxes = cells.flatMap((cell, i) =>
    outputsOf(cell)
      .filter((o) => o)
      .map((o) => ({
        ...box(o!),
        cell: i,
        math: o!.querySelectorAll(MATH).length ? [...o!.querySelectorAll('script[type^="math/"]')].map((m) => m.textContent ?? '').concat(['(typeset)']) : [],
      })),
  );
  const seen = wanted.map((w): OutputSeen => {
    const out = cells[w.cell] && outputsOf(cells[w.cell])[w.output];
    if (!out) return { box: { left: 0, right: 0, width: 0, height: 0, visibleRight: 0 }, tables: [], svgs: [] };
    const svgWanted = w.graph ?? w.plot;
    const parsed = svgWanted ? (new DOMParser().parseFromString(svgWanted, 'image/svg+xml').documentElement as unknown as SVGSVGElement) : undefined;
    return {
      box: box(out),
      tables: [...out.querySelectorAll('table')].map((t) => ({ ...box(t), rows: t.tBodies[0]?.rows.length ?? t.rows.length })),
      svgs: [...out.querySelectorAll('svg')].filter((s) => !s.parentElement?.closest('svg')).map((s) => stats(s, true)),
      wanted: parsed ? stats(parsed, false) : undefined,
    };
  });
  return {
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    outputsPerCell: cells.map((c) => outputsOf(c).length),
    boxes,
    seen,
  };
}

// ---- the executed notebooks' HTML ----

test('executed notebooks: their HTML shows every table, graph and plot, inside a 1280-px page', async () => {
  const notebooks = await executedNotebooks();
  assert.ok(notebooks.length > 0, 'scripts/notebooks.sh executed no notebook');
  const totals = { tables: 0, graphs: 0, plots: 0 };
  // Every notebook is looked at before the test fails: it names all that is wrong at once.
  const problems: string[] = [];
  const check = (ok: unknown, problem: string) => void (ok || problems.push(problem));
  const scrolled: string[] = [];
  const b = await browser();
  for (const nb of notebooks) {
    const cells = readNotebook(nb.ipynb).cells;
    const want = wants(cells);
    const page = await b.newPage({ viewport: VIEWPORT });
    try {
      const w = await watch(page); // file:// only: the outputs must show without a network
      await page.goto(pathToFileURL(nb.html).href, { waitUntil: 'load', timeout: 30_000 });
      // The template typesets with MathJax (Debian's, from file://): its "Loading…" box goes once it is done.
      const typeset = await page
        .waitForFunction(
          () => {
            const mj = (window as any).MathJax;
            const message = document.getElementById('MathJax_Message');
            return !mj || (mj.isReady && mj.Hub.queue.pending === 0 && !mj.Hub.queue.running && (!message || getComputedStyle(message).display === 'none'));
          },
          null,
          { timeout: 15_000, polling: 100 },
        )
        .then(() => true, () => false);
      check(typeset, `${nb.name}: MathJax still shows its loading message after 15 s`);
      const seen = await page.evaluate(measure, want);
      await screenshot(page, nb.name);
      const where = (x: Want) => `${nb.name}, cell ${x.cell + 1} (${JSON.stringify(x.source.slice(0, 40))}), output ${x.output + 1}`;

      // Every output of every code cell is on the page, in its cell.
      const perCell = cells.map((c) => c.outputs.length);
      check(JSON.stringify(seen.outputsPerCell) === JSON.stringify(perCell), `${nb.name}: outputs per code cell ${JSON.stringify(seen.outputsPerCell)} in the HTML, ${JSON.stringify(perCell)} in the .ipynb`);
      for (const e of w.errors.filter((e) => e.startsWith('page error'))) problems.push(`${nb.name}: ${e}`);

      want.forEach((x, i) => {
        const s = seen.seen[i];
        check(s.box.width > 0 && s.box.height > 0, `${where(x)}: the output has no box`);
        if (x.rows !== undefined) {
          totals.tables++;
          check(
            s.tables.some((t) => t.rows === x.rows && t.width > 0 && t.height > 0),
            `${where(x)}: no table of ${x.rows} rows (its ${DATARESOURCE}'s); tables seen: ${JSON.stringify(s.tables.map((t) => `${t.rows} rows, ${Math.round(t.width)}x${Math.round(t.height)} px`))}`,
          );
        }
        if (x.graph) {
          totals.graphs++;
          const g = s.svgs.find((v) => v.nodes > 0);
          if (!g) problems.push(`${where(x)}: no Graphviz SVG with nodes (${s.svgs.length} SVGs)`);
          else {
            check(g.width >= 50 && g.height >= 30, `${where(x)}: the graph is ${g.width}x${g.height} px`);
            check(g.nodes === s.wanted!.nodes && g.edges === s.wanted!.edges, `${where(x)}: ${g.nodes} nodes and ${g.edges} edges drawn, the kernel's SVG has ${s.wanted!.nodes} and ${s.wanted!.edges}`);
          }
        }
        if (x.plot) {
          totals.plots++;
          const p = s.svgs.find((v) => Object.keys(v.marks).length > 0);
          if (!p) problems.push(`${where(x)}: no Vega SVG with marks (${s.svgs.length} SVGs)`);
          else {
            check(p.width >= 100 && p.height >= 50, `${where(x)}: the plot is ${p.width}x${p.height} px`);
            check(Object.values(p.marks).reduce((a, n) => a + n, 0) > 0, `${where(x)}: the plot's marks are empty: ${JSON.stringify(p.marks)}`);
            check(JSON.stringify(p.marks) === JSON.stringify(s.wanted!.marks), `${where(x)}: marks ${JSON.stringify(p.marks)} drawn, the kernel's SVG has ${JSON.stringify(s.wanted!.marks)}`);
          }
        }
        for (const t of [...s.tables, ...s.svgs]) {
          // What shows ends inside the page; content wider than a box that scrolls sideways is noted.
          check(t.visibleRight <= seen.width + 0.5, `${where(x)}: a table or graph shows up to x=${Math.round(t.visibleRight)}, beyond the page's ${seen.width} px`);
          if (t.right > t.visibleRight + 0.5) scrolled.push(`${where(x)}: ${Math.round(t.width)} px wide, ${Math.round(t.visibleRight - t.left)} px show`);
        }
      });
      // The outputs' own boxes (the lab template lays each out as wide as its content) fit the page.
      for (const o of seen.boxes.filter((o) => o.right > seen.width + 0.5 || o.left < 0)) {
        problems.push(`${nb.name}, cell ${o.cell + 1} (${JSON.stringify(cells[o.cell].source.slice(0, 40))}): an output spans x=${Math.round(o.left)} to ${Math.round(o.right)}, beyond the page's ${seen.width} px`);
      }
      check(seen.scrollWidth <= seen.width, `${nb.name}: the page scrolls sideways (${seen.scrollWidth} px wide in a ${seen.width}-px window)`);
      // Delve's text shows as written: MathJax (which the page runs on every output) finds no
      // "$...$" to typeset, e.g. between two $GOROOT paths.
      for (const o of seen.boxes.filter((o) => o.math.length)) {
        problems.push(`${nb.name}, cell ${o.cell + 1} (${JSON.stringify(cells[o.cell].source.slice(0, 40))}): MathJax typeset ${o.math.length - 1} pieces of the output as math, e.g. ${JSON.stringify(o.math[0]?.slice(0, 80))}`);
      }
    } finally {
      await page.close();
    }
  }
  if (scrolled.length) console.log(`  wider than the box that scrolls them:\n    ${scrolled.join('\n    ')}`);
  assert.equal(problems, [], 'what the executed notebooks\' HTML shows wrong');
  // Across the notebooks: tables, plots (Vega-Lite with SVG beside) and Graphviz graphs.
  assert.ok(totals.tables > 0, `no ${DATARESOURCE} table in ${notebooks.map((n) => n.name).join(', ')}`);
  assert.ok(totals.plots > 0, `no ${VEGALITE} plot with image/svg+xml in ${notebooks.map((n) => n.name).join(', ')}`);
  assert.ok(totals.graphs > 0, `no text/vnd.graphviz graph with image/svg+xml in ${notebooks.map((n) => n.name).join(', ')}`);
});

// ---- Vega-Lite, live, from the local vega-embed ----

const VEGA_SCRIPTS = ['vega/build/vega.min.js', 'vega-lite/build/vega-lite.min.js', 'vega-embed/build/vega-embed.min.js'].map((p) => path.join(repoRoot, 'node_modules', p));

test('Vega-Lite: every plot spec of the notebooks renders live with the local vega-embed, no network', async () => {
  const notebooks = await executedNotebooks();
  const specs: { where: string; spec: object; svg: string }[] = [];
  for (const nb of notebooks) {
    readNotebook(nb.ipynb).cells.forEach((cell, ci) => {
      for (const o of cell.outputs) {
        if (o.data?.[VEGALITE]) specs.push({ where: `${nb.name}, cell ${ci + 1} (${JSON.stringify(cell.source.slice(0, 40))})`, spec: o.data[VEGALITE], svg: joined(o.data['image/svg+xml']) });
      }
    });
  }
  assert.ok(specs.length > 0, `no ${VEGALITE} output in ${notebooks.map((n) => n.name).join(', ')}`);
  for (const s of specs) assert.match(s.svg, /^\s*<svg[\s>]/, `${s.where}: no pre-rendered image/svg+xml beside the Vega-Lite spec`);
  for (const s of VEGA_SCRIPTS) assert.ok(fs.existsSync(s), `${s} is missing: npm ci`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-vega-'));
  const page = await (await browser()).newPage({ viewport: VIEWPORT });
  try {
    const html = [
      '<!doctype html><html><head><meta charset="utf-8"><title>Vega-Lite specs of the notebooks</title>',
      ...VEGA_SCRIPTS.map((s) => `<script src="${pathToFileURL(s).href}"></script>`),
      '</head><body>',
      ...specs.map((s, i) => `<h3>${s.where.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</h3><div id="vis${i}"></div>`),
      `<script>
        const specs = ${JSON.stringify(specs.map((s) => s.spec)).replace(/</g, '\\u003c')};
        window.embedded = Promise.all(specs.map((spec, i) =>
          vegaEmbed('#vis' + i, spec, { renderer: 'svg', actions: false })
            .then(() => ({ ok: true }), (e) => ({ ok: false, error: String(e && e.stack || e) }))));
      </script></body></html>`,
    ].join('\n');
    const file = path.join(dir, 'vega.html');
    fs.writeFileSync(file, html);
    const w = await watch(page); // file:// only: a CDN request would be refused and recorded
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
    const results: { ok: boolean; error?: string }[] = await page.evaluate(() => (window as any).embedded);
    const versions = await page.evaluate(() => [(window as any).vega?.version, (window as any).vegaLite?.version, (window as any).vegaEmbed?.version]);
    const drawn = await page.evaluate(
      (wanted: string[]) =>
        wanted.map((svg, i) => {
          const marks = (root: Element) => {
            const m: Record<string, number> = {};
            for (const g of root.querySelectorAll('g.role-mark')) {
              if (g.closest('.role-axis, .role-legend, .role-title')) continue;
              m[g.getAttribute('class')!] = (m[g.getAttribute('class')!] ?? 0) + g.children.length;
            }
            return m;
          };
          const el = document.getElementById(`vis${i}`)!.querySelector('svg, canvas');
          const r = el?.getBoundingClientRect();
          return {
            tag: el?.tagName.toLowerCase(),
            width: r?.width ?? 0,
            height: r?.height ?? 0,
            marks: el ? marks(el) : {},
            wanted: marks(new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement),
          };
        }),
      specs.map((s) => s.svg),
    );
    await screenshot(page, 'vega-embed');

    assert.equal(w.blocked, [], 'the page asked the network for something');
    for (const s of VEGA_SCRIPTS) assert.ok(w.requested.includes(pathToFileURL(s).href), `${s} was not loaded; requested: ${w.requested.join(', ')}`);
    assert.ok(w.requested.every((u) => u.startsWith('file://')), w.requested.join('\n'));
    assert.ok(versions.every((v) => typeof v === 'string' && /^\d+\./.test(v)), `vega, vega-lite, vega-embed versions: ${JSON.stringify(versions)}`);
    assert.equal(w.errors, [], 'errors in the page');
    specs.forEach((s, i) => {
      assert.ok(results[i].ok, `${s.where}: vegaEmbed failed: ${results[i].error}`);
      const d = drawn[i];
      assert.ok(d.tag === 'svg' || d.tag === 'canvas', `${s.where}: nothing drawn`);
      assert.ok(d.width >= 100 && d.height >= 50, `${s.where}: drawn ${d.width}x${d.height} px`);
      assert.ok(Object.values(d.marks).reduce((a, n) => a + n, 0) > 0, `${s.where}: no marks drawn`);
      // The same marks as the SVG the kernel drew with vega in Node.
      assert.equal(d.marks, d.wanted, `${s.where}: live marks against the kernel's pre-rendered SVG`);
    });
  } finally {
    await page.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the classic Notebook ----


/** The classic Notebook's view of cell I (0-based among all cells): prompt, the text of all its outputs (each its own .output_area in .output), errors, tables. */
function cellView(page: Page, i: number) {
  return page.evaluate((index: number) => {
    const cell = (window as any).Jupyter.notebook.get_cell(index);
    const el: HTMLElement = cell.element[0];
    return {
      source: cell.get_text() as string,
      prompt: (el.querySelector('.input_prompt') as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
      text: (el.querySelector('.output') as HTMLElement | null)?.innerText ?? '',
      errors: [...el.querySelectorAll('.output_error')].map((e) => (e as HTMLElement).innerText),
      tables: [...el.querySelectorAll('.output table')].map((t) => [...(t as HTMLTableElement).rows].map((r) => [...r.cells].map((c) => c.innerText))),
      graphNodes: el.querySelectorAll('.output svg g.node').length,
      math: el.querySelectorAll('.output .MathJax, .output .MathJax_Display, .output .MathJax_CHTML, .output script[type^="math/"]').length,
    };
  }, i);
}

/** Waits until code cell I shows a finished prompt (`In [N]:`), then returns it. */
async function finished(page: Page, i: number, timeoutMs: number) {
  await page
    .waitForFunction(
    (index: number) => /^In\s*\[\d+\]:$/.test(((window as any).Jupyter.notebook.get_cell(index).element[0].querySelector('.input_prompt') as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
      i,
      { timeout: timeoutMs, polling: 100 },
    )
    .catch(async (e) => assert.unreachable(`${e.message}: cell ${i} did not finish: ${JSON.stringify(await cellView(page, i))}`));
  return cellView(page, i);
}

test('classic Notebook 6.4: Run All of the tour, then the interrupt button stops a long `continue`', async () => {
  fs.rmSync(path.join(SCREENSHOTS, 'classic-failure.png'), { force: true });
  const prefix = installPrefix('browser');
  const root = path.join(prefix.dir, 'root');
  // A copy of notebooks/ (the Notebook autosaves; the sources stay as they are) beside examples/,
  // so the tour's `debug ../examples/orders` finds its program.
  fs.mkdirSync(root);
  fs.cpSync(path.join(repoRoot, 'notebooks'), path.join(root, 'notebooks'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'examples'), path.join(root, 'examples'));
  let server: WebServer | undefined;
  let page: Page | undefined;
  const started = new Map<number, string>(); // the kernel and what it started: pid → command line
  let left: string[] = [];
  try {
    const port = (await freePorts(1))[0];
    const token = randomBytes(16).toString('hex');
    server = await startWebServer('notebook', prefix, root, port, token);
    page = await (await browser()).newPage({ viewport: VIEWPORT });
    const origin = `http://127.0.0.1:${port}/`;
    const w = await watch(page, (u) => u.startsWith(origin));
    await page.goto(`${origin}notebooks/notebooks/${CLASSIC_NOTEBOOK}?token=${token}`, { timeout: 30_000 });
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.info_reply?.status === 'ok', null, { timeout: 30_000 });
    assert.is(await page.locator('.kernel_indicator_name').innerText(), 'Go (Delve)');

    // Start from no outputs, as a reader who opens the file and runs it.
    await page.evaluate(() => (window as any).Jupyter.notebook.clear_all_output());
    const codeIndices: number[] = await page.evaluate(() =>
      (window as any).Jupyter.notebook.get_cells().flatMap((c: any, i: number) => (c.cell_type === 'code' ? [i] : [])),
    );
    assert.ok(codeIndices.length > 5, `${CLASSIC_NOTEBOOK} has ${codeIndices.length} code cells`);
    for (const i of codeIndices) assert.is((await cellView(page, i)).prompt, 'In [ ]:');

    // Cell → Run All.
    const ranAt = Date.now();
    await page.click('#celllink');
    await page.click('#run_all_cells > a');
    for (const i of codeIndices) await finished(page, i, 60_000);
    await page.waitForSelector('#kernel_indicator_icon.kernel_idle_icon', { timeout: 10_000 });
    const ranMs = Date.now() - ranAt;
    // The Notebook typesets HTML outputs with MathJax: wait until it is done, to see what it did.
    await page.waitForFunction(() => {
      const hub = (window as any).MathJax?.Hub;
      return !hub || (hub.queue.pending === 0 && !hub.queue.running);
    }, null, { timeout: 15_000 });
    const views = [];
    for (const i of codeIndices) views.push(await cellView(page, i));
    // The whole notebook in one picture: the Notebook scrolls inside #site, so make the window as tall.
    const tall = await page.evaluate(() => document.querySelector('#notebook')!.scrollHeight + document.querySelector('#header')!.getBoundingClientRect().height);
    await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(Math.ceil(tall) + 40, 30_000) });
    await screenshot(page, 'classic-run-all', false);
    await page.setViewportSize(VIEWPORT);

    // Each cell ran once, in order, in one kernel; none failed.
    const failed = views.filter((v) => v.errors.length > 0).map((v) => `${JSON.stringify(v.source)}: ${v.errors.join('\n')}`);
    assert.equal(failed, [], 'cells showing an error after Run All');
    assert.equal(views.map((v) => v.prompt), codeIndices.map((_, n) => `In [${n + 1}]:`), 'prompts after Run All');
    assert.equal(views.filter((v) => v.math > 0).map((v) => v.source), [], 'cells whose output MathJax typeset as math');
    const goroutines = views.find((v) => v.source.trim() === 'goroutines');
    assert.ok(goroutines, `no \`goroutines\` cell in ${CLASSIC_NOTEBOOK}`);
    const table = goroutines!.tables[0];
    assert.ok(table && table.length > 2, `the goroutines cell shows no table: ${goroutines!.text.slice(0, 500)}`);
    const header = table[0];
    const fn = header.indexOf('function');
    assert.ok(fn >= 0 && header.includes('status'), `goroutines table header: ${header.join(' | ')}`);
    assert.ok(table.slice(1).some((row) => row[fn] === 'main.process'), `no goroutine in main.process: ${JSON.stringify(table)}`);
    const graph = views.find((v) => v.source.trim().startsWith('goroutine-graph'));
    if (graph) assert.ok(graph.graphNodes > 0, 'the goroutine-graph cell shows no graph');

    // The kernel and what it runs now, to check at the end that all of it is gone.
    const kernelPid = Number(processesMatching(prefix.dir).find((l) => l.includes('delve-kernel.js -f '))?.split(' ')[0]);
    assert.ok(kernelPid > 0, `no kernel process: ${processesMatching(prefix.dir).join('\n')}`);
    const remember = () => {
      for (const pid of [kernelPid, ...descendants(kernelPid)]) {
        const cmd = commandLine(pid);
        if (cmd && !started.has(pid)) started.set(pid, cmd);
      }
    };
    remember();

    // A new cell below the last, typed: a program that runs for a while, and `continue`.
    const last = codeIndices[codeIndices.length - 1];
    await page.evaluate((i: number) => (window as any).Jupyter.notebook.select(i), last);
    await page.keyboard.press('Escape');
    await page.keyboard.press('b');
    const long = last + 1;
    await page.keyboard.press('Enter');
    await page.keyboard.type('debug ../examples/orders -- -n 100000000');
    await page.keyboard.press('Enter');
    await page.keyboard.type('continue');
    await page.keyboard.press('Shift+Enter');
    assert.is((await cellView(page, long)).source, 'debug ../examples/orders -- -n 100000000\ncontinue');
    // Running: the program's own output streams into the cell.
    await page
      .waitForFunction(
        (i: number) => /processed order/.test(((window as any).Jupyter.notebook.get_cell(i).element[0].querySelector('.output') as HTMLElement | null)?.innerText ?? ''),
        long,
        { timeout: 30_000, polling: 100 },
      )
      .catch(async (e) => assert.unreachable(`${e.message}: the \`continue\` cell shows no program output: ${JSON.stringify(await cellView(page!, long))}`));
    remember();
    await sleep(500);
    assert.match((await cellView(page, long)).prompt, /^In \[\*\]:$/, 'the `continue` cell is still running');
    // The toolbar's interrupt button.
    const interruptedAt = Date.now();
    await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
    const interrupted = await finished(page, long, 15_000);
    const interruptMs = Date.now() - interruptedAt;
    assert.is(interrupted.prompt, `In [${codeIndices.length + 1}]:`);
    assert.is(interrupted.errors.length, 1, `the interrupted cell: ${interrupted.text}`);
    assert.match(interrupted.errors[0], /Interrupted/);
    assert.match(interrupted.errors[0], /halted by the interrupt button/);
    assert.match(interrupted.text, /processed order/);
    assert.ok(interruptMs < 10_000, `the interrupt took ${interruptMs} ms`);

    // Shift+Enter left a new empty cell below; click into it (the toolbar has the focus) and
    // type `status`: it answers, the target stopped.
    const status = long + 1;
    assert.is(await page.evaluate(() => (window as any).Jupyter.notebook.ncells()), status + 1);
    await page.locator('#notebook-container > .cell').nth(status).locator('.CodeMirror').click();
    await page.keyboard.type('status');
    await page.keyboard.press('Shift+Enter');
    const st = await finished(page, status, 15_000);
    assert.is(st.source, 'status');
    assert.equal(st.errors, [], st.text);
    assert.is(st.prompt, `In [${codeIndices.length + 2}]:`);
    const rows = Object.fromEntries((st.tables[0] ?? []).map((r) => [r[0], r[1]]));
    assert.is(rows.state, 'stopped', `status: ${st.text}`);
    assert.match(rows.session ?? '', /^debug \.\.\/examples\/orders/, `status: ${st.text}`);
    remember();
    // The interrupted cell and `status`, whole: a window as tall as they are, scrolled to them.
    const span = await page.evaluate(
      ([from, to]: number[]) => {
        const nb = (window as any).Jupyter.notebook;
        const top = nb.get_cell(from).element[0].getBoundingClientRect().top;
        return { height: nb.get_cell(to).element[0].getBoundingClientRect().bottom - top, header: document.querySelector('#header')!.getBoundingClientRect().height };
      },
      [long, status],
    );
    await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(Math.ceil(span.height + span.header) + 40, 30_000) });
    await page.evaluate((i: number) => {
      const site = document.querySelector('#site')!;
      site.scrollTop += (window as any).Jupyter.notebook.get_cell(i).element[0].getBoundingClientRect().top - site.getBoundingClientRect().top - 10;
    }, long);
    await screenshot(page, 'classic-interrupt', false);
    await page.setViewportSize(VIEWPORT);

    assert.equal(w.blocked, [], 'the Notebook page asked for something beyond its server');
    assert.equal(w.errors.filter((e) => e.startsWith('page error')), [], w.errors.join('\n'));
    console.log(`  classic Notebook: Run All of ${codeIndices.length} cells in ${ranMs} ms; interrupt to the cell's end in ${interruptMs} ms`);
  } catch (err) {
    // What the page showed when it went wrong.
    if (page) await screenshot(page, 'classic-failure', false).catch(() => undefined);
    throw err;
  } finally {
    await page?.close();
    if (server) await stopWebServer(server);
    left = await cleanUp(prefix, []);
    // What the kernel started (dlv, the program) ends with it.
    for (let deadline = Date.now() + 3000; Date.now() < deadline && [...started].some(([pid, cmd]) => commandLine(pid) === cmd); ) await sleep(100);
    for (const [pid, cmd] of started) {
      if (commandLine(pid) !== cmd || left.some((l) => l.startsWith(`${pid} `))) continue;
      left.push(`${pid} ${cmd}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
  }
  assert.equal(left, [], 'processes left behind');
});

test.run();
