// The wait-for graph as a MIME bundle: DOT source, an SVG laid out by Graphviz (WASM),
// the findings as a table with their evidence, and the CONTRACT's JSON.
import type { MimeBundle } from '../../kernel/interpreter';
import type { Findings, GoroutineNode, GraphEdge, GraphNode, ObjectNode, WaitGraph } from '../analyses/waitgraph/types';
import { shortFile } from '../analyses/waitgraph/graph';
import { escapeHtml } from './html';
import { tableBundle, type Column } from './table';

const RED = '#c62828';
const RED_FILL = '#ffd7d7';
const ORANGE = '#e65100';
const ORANGE_FILL = '#ffe0b2';
const GREY = '#616161';

const SHAPES: Record<ObjectNode['type'], string> = {
  chan: 'cds',
  mutex: 'octagon',
  rwmutex: 'doubleoctagon',
  waitgroup: 'house',
  cond: 'diamond',
  sema: 'hexagon',
  select: 'invtrapezium',
};

/** Above this many nodes labels shrink to one line, so a large picture stays legible. */
const COMPACT_ABOVE = 80;

export interface GraphView {
  /** The whole graph, for naming goroutines in the findings. */
  graph: WaitGraph;
  /** What is drawn. */
  shown: WaitGraph;
  findings: Findings;
  grouped: boolean;
  focus?: number;
  partial: boolean;
  notes: string[];
}

interface Marks {
  deadlock: Set<string>;
  deadlockEdges: Set<string>;
  behind: Set<string>;
  leak: Set<string>;
}

function marksOf(view: GraphView): Marks {
  const member = (ids: number[]) => new Set(ids);
  const deadlocked = member(view.findings.deadlocks.flatMap((d) => d.goroutines));
  const behind = member(view.findings.deadlocks.flatMap((d) => d.blockedBehind));
  const leaked = member(view.findings.leaks.map((l) => l.goroutine));
  const cycleObjects = new Set(view.findings.deadlocks.flatMap((d) => d.objects));
  const leakObjects = new Set(view.findings.leaks.map((l) => l.object));
  const m: Marks = { deadlock: new Set(), deadlockEdges: new Set(), behind: new Set(), leak: new Set() };
  // A drawn node is marked when any goroutine or object it stands for is.
  const ids = (n: GraphNode): number[] => (n.type === 'goroutine' ? n.goroutines ?? [n.goroutine] : []);
  const cycleEdge = new Set(view.findings.deadlocks.flatMap((d) => d.edges.map((e) => `${e.from}\n${e.to}`)));
  const standsFor = new Map<string, string[]>();
  for (const n of view.shown.nodes) {
    if (n.type === 'goroutine') {
      if (ids(n).some((g) => deadlocked.has(g))) m.deadlock.add(n.id);
      else if (ids(n).some((g) => behind.has(g))) m.behind.add(n.id);
      else if (ids(n).some((g) => leaked.has(g))) m.leak.add(n.id);
      standsFor.set(n.id, ids(n).map((g) => `g${g}`));
    } else {
      const base = n.id.replace(/ \+\d+$/, '');
      if (cycleObjects.has(base)) m.deadlock.add(n.id);
      else if (leakObjects.has(base)) m.leak.add(n.id);
    }
  }
  for (const e of view.shown.edges) {
    const from = standsFor.get(e.from) ?? [e.from.replace(/ \+\d+$/, '')];
    const to = standsFor.get(e.to) ?? [e.to.replace(/ \+\d+$/, '')];
    if (from.some((f) => to.some((t) => cycleEdge.has(`${f}\n${t}`)))) m.deadlockEdges.add(`${e.from}\n${e.to}`);
  }
  return m;
}

function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

function hexAddress(a: number): string {
  return '0x' + a.toString(16);
}

function goroutineLabel(n: GoroutineNode, compact: boolean): string {
  const who = n.count ? `${n.count} goroutines` : `goroutine ${n.goroutine}`;
  const what = n.waitReason || n.status;
  if (compact) return `${who}\n${n.function || n.startFunction}`;
  const where = n.file ? `${shortFile(n.file)}:${n.line}` : '';
  return [who, n.function || n.startFunction, where, what].filter(Boolean).join('\n');
}

function objectLabel(n: ObjectNode, compact: boolean): string {
  const lines = [n.count ? `${n.count} × ${n.type}` : n.type];
  if (n.never) lines.push(n.type === 'select' ? 'no cases' : 'nil');
  else if (n.address && !compact && !n.count) lines.push(hexAddress(n.address));
  if (n.packageVariable) lines.push(n.packageVariable);
  if (n.timer) lines.push('timer');
  return lines.join('\n');
}

export function graphDot(view: GraphView): string {
  const compact = view.shown.nodes.length > COMPACT_ABOVE;
  const m = marksOf(view);
  const out = [
    compact ? 'digraph waits { /* large */' : 'digraph waits {',
    ...(compact ? ['  graph [overlap=false, sep="+3", splines=false, outputorder=edgesfirst];'] : []),
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=10, nodesep=${compact ? 0.08 : 0.25}, ranksep=${compact ? 0.3 : 0.5}, bgcolor="white"];`,
    `  node [fontname="Helvetica", fontsize=${compact ? 8 : 10}, margin="0.08,0.03", color="${GREY}"];`,
    `  edge [fontname="Helvetica", fontsize=${compact ? 7 : 8}, color="${GREY}", fontcolor="${GREY}", arrowsize=0.6];`,
  ];
  for (const n of view.shown.nodes) {
    const attrs: string[] = [];
    if (n.type === 'goroutine') {
      attrs.push('shape=box', `label=${quote(goroutineLabel(n, compact))}`);
      const style = ['rounded', 'filled'];
      let fill = n.wakesItself ? '#f5f5f5' : '#e3f2fd';
      if (m.deadlock.has(n.id)) (fill = RED_FILL), attrs.push(`color="${RED}"`, 'penwidth=2');
      else if (m.behind.has(n.id)) (fill = RED_FILL), attrs.push(`color="${RED}"`), style.push('dashed');
      else if (m.leak.has(n.id)) (fill = ORANGE_FILL), attrs.push(`color="${ORANGE}"`, 'penwidth=2');
      if (n.count) attrs.push('peripheries=2');
      attrs.push(`style="${style.join(',')}"`, `fillcolor="${fill}"`);
      attrs.push(`tooltip=${quote(n.stack.slice(0, 12).join('\n'))}`);
    } else {
      attrs.push(`shape=${SHAPES[n.type]}`, `label=${quote(objectLabel(n, compact))}`);
      if (n.type === 'chan') attrs.push('margin="0.15,0.05"'); // room for the arrow-shaped outline
      const style = ['filled'];
      if (n.timer || n.packageVariable) style.push('dashed');
      let fill = '#fffde7';
      if (m.deadlock.has(n.id)) (fill = RED_FILL), attrs.push(`color="${RED}"`, 'penwidth=2');
      else if (m.leak.has(n.id)) (fill = ORANGE_FILL), attrs.push(`color="${ORANGE}"`, 'penwidth=2');
      attrs.push(`style="${style.join(',')}"`, `fillcolor="${fill}"`);
    }
    out.push(`  ${quote(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of view.shown.edges) {
    const attrs = [edgeLabel(e, compact)];
    if (e.type === 'holds') attrs.push('style=dashed');
    if (e.type === 'case') attrs.push('arrowhead=none', 'style=dotted');
    if (m.deadlockEdges.has(`${e.from}\n${e.to}`)) attrs.push(`color="${RED}"`, `fontcolor="${RED}"`, 'penwidth=2');
    attrs.push(`tooltip=${quote(e.evidence)}`);
    out.push(`  ${quote(e.from)} -> ${quote(e.to)} [${attrs.filter(Boolean).join(', ')}];`);
  }
  out.push('}');
  return out.join('\n');
}

function edgeLabel(e: GraphEdge, compact: boolean): string {
  const words: Record<GraphEdge['type'], string> = { waits: 'waits', case: '', wakes: 'can wake', holds: 'holds?' };
  const count = e.count && e.count > 1 ? ` ×${e.count}` : '';
  const label = compact ? count.trim() : words[e.type] + count;
  return label ? `label=${quote(label)}` : '';
}

interface GraphvizLike {
  dot(source: string): string;
  layout(source: string, format: 'svg', engine: 'dot' | 'neato'): string;
}
let graphviz: Promise<GraphvizLike> | undefined;

/** Graphviz compiled to WASM, loaded once. */
export function loadGraphviz(): Promise<GraphvizLike> {
  // An ES module, loaded with require (Node 20+), since this project compiles to CommonJS.
  graphviz ??= (require('@hpcc-js/wasm-graphviz') as { Graphviz: { load(): Promise<GraphvizLike> } }).Graphviz.load();
  return graphviz;
}

export async function graphSvg(dot: string): Promise<string> {
  // dot's ranks read best while small; a large graph's long chains and cycles would stretch
  // into one line, so it is laid out by stress majorization (neato), which keeps the picture square.
  const large = /\/\* large \*\//.test(dot);
  const svg = (await loadGraphviz()).layout(dot, 'svg', large ? 'neato' : 'dot');
  // Inline in HTML, the XML prologue and the generator's comment only get in the way.
  const at = svg.indexOf('<svg');
  return at >= 0 ? svg.slice(at) : svg;
}

const findingColumns: Column[] = [
  { name: 'finding', type: 'string' },
  { name: 'confidence', type: 'string' },
  { name: 'goroutines', type: 'string' },
  { name: 'objects', type: 'string' },
  { name: 'evidence', type: 'string' },
];

/** One row per deadlock and per leak, with the evidence for each edge. */
export function findingRows(view: GraphView): Record<string, unknown>[] {
  const byId = new Map(view.graph.nodes.map((n) => [n.id, n]));
  const name = (id: string): string => {
    const n = byId.get(id);
    if (n?.type !== 'goroutine') return id;
    return `goroutine ${n.goroutine} (${n.startFunction}${n.goStatement ? ' from ' + shortFile(n.goStatement) : ''})`;
  };
  const rows: Record<string, unknown>[] = [];
  view.findings.deadlocks.forEach((d, i) => {
    const evidence = d.edges.map((e) => edgeSentence(e, name)).join('; ');
    const behind = d.blockedBehind.length ? `; also blocked behind it: ${d.blockedBehind.map((g) => name(`g${g}`)).join(', ')}` : '';
    rows.push({
      finding: `deadlock ${i + 1}`, confidence: d.confidence,
      goroutines: d.goroutines.map((g) => name(`g${g}`)).join(', '), objects: d.objects.join(', '),
      evidence: evidence + behind,
    });
  });
  for (const l of view.findings.leaks) {
    const waits = view.graph.edges.filter((e) => e.from === `g${l.goroutine}` && e.type === 'waits').map((e) => edgeSentence(e, name));
    rows.push({ finding: 'leak', confidence: l.confidence, goroutines: name(`g${l.goroutine}`), objects: l.object, evidence: [...waits, l.reason].join('; ') });
  }
  return rows;
}

/** The findings as text blocks: every piece of evidence on its own line, never clipped. */
function findingsText(view: GraphView): string[] {
  const lines: string[] = [];
  for (const r of findingRows(view)) {
    lines.push('', `${r.finding} (${r.confidence}): ${r.goroutines}`, `  objects: ${r.objects}`);
    for (const e of String(r.evidence).split('; ')) lines.push(`  - ${e}`);
  }
  return lines;
}

function edgeSentence(e: GraphEdge, name: (id: string) => string): string {
  switch (e.type) {
    case 'waits': return `${name(e.from)} waits on ${e.to} (${e.evidence})`;
    case 'case': return `${e.from} has a case on ${e.to}`;
    case 'wakes': return `${e.from} can be woken by ${name(e.to)}: ${e.evidence}`;
    case 'holds': return `${e.from} is likely held by ${name(e.to)}: ${e.evidence}`;
  }
}

function summary(view: GraphView): string {
  const gs = view.graph.nodes.filter((n): n is GoroutineNode => n.type === 'goroutine');
  const blocked = gs.filter((g) => !g.wakesItself).length;
  const d = view.findings.deadlocks.length;
  const l = view.findings.leaks.length;
  const parts = [
    `${gs.length} goroutines, ${blocked} blocked on the program's objects`,
    `${d} deadlock${d === 1 ? '' : 's'}, ${l} leaked goroutine${l === 1 ? '' : 's'}`,
  ];
  if (view.grouped) parts.push(`drawn grouped: ${view.shown.nodes.length} nodes`);
  if (view.focus !== undefined) parts.push(`around goroutine ${view.focus}`);
  if (view.partial) parts.push('PARTIAL: interrupted before the capture was complete');
  return parts.join('; ');
}

const LEGEND = 'shapes: box goroutine, cds chan, octagon mutex, double octagon rwmutex, house waitgroup, diamond cond, hexagon sema, trapezium select; '
  + 'red: deadlock cycle (dashed: blocked behind it), orange: leak; dashed object: reachable from a package variable or a timer; "holds?": likely holder';

export function graphJson(view: GraphView): Record<string, unknown> {
  return {
    kind: 'goroutine-graph',
    nodes: view.shown.nodes,
    edges: view.shown.edges,
    deadlocks: view.findings.deadlocks,
    leaks: view.findings.leaks,
    grouped: view.grouped,
    ...(view.focus !== undefined ? { focus: view.focus } : {}),
    partial: view.partial,
    notes: view.notes,
  };
}

export async function graphBundle(view: GraphView): Promise<MimeBundle> {
  const dot = graphDot(view);
  const svg = await graphSvg(dot);
  const table = tableBundle({ columns: findingColumns, rows: findingRows(view), title: 'Findings' });
  const head = summary(view);
  const notes = view.notes.map((n) => `note: ${n}`);
  return {
    'text/plain': [head, ...findingsText(view), ...notes].join('\n'),
    'text/html': [
      `<p>${escapeHtml(head)}</p>`,
      `<div class="delve-graph" style="max-width:100%;overflow:auto">${svg}</div>`,
      `<p style="font-size:smaller">${escapeHtml(LEGEND)}</p>`,
      String(table['text/html']),
      ...notes.map((n) => `<p>${escapeHtml(n)}</p>`),
    ].join('\n'),
    'image/svg+xml': svg,
    'text/vnd.graphviz': dot,
    'application/json': graphJson(view),
  };
}
