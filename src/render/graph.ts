// The wait-for graph as a MIME bundle: DOT source, an SVG laid out by Graphviz (WASM),
// the findings as a table with their evidence, and the CONTRACT's JSON.
import type { MimeBundle } from '../../kernel/interpreter';
import type { Findings, GoroutineNode, GraphEdge, GraphNode, ObjectNode, WaitGraph } from '../analyses/waitgraph/types';
import { shortFile } from '../analyses/waitgraph/graph';
import { foldFindings, type FindingMember, type FoldedFinding } from '../analyses/waitgraph/fold';
import { escapeHtml, proseHtml } from './html';
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
  { name: 'count', type: 'integer' },
  { name: 'confidence', type: 'string' },
  { name: 'goroutines', type: 'string' },
  { name: 'objects', type: 'string' },
  { name: 'evidence', type: 'string' },
];

/** Goroutine ids or objects as a row shows them: the first few, then how many more. */
function someOf(items: string[], shown: number): string {
  return items.length <= shown ? items.join(', ') : `${items.slice(0, shown).join(', ')}, … and ${items.length - shown} more`;
}

interface FindingBlock {
  row: Record<string, unknown>;
  /** The text block: a head line, then one line per piece of evidence, never clipped. */
  lines: string[];
}

function findingBlocks(view: GraphView): FindingBlock[] {
  const byId = new Map(view.graph.nodes.map((n) => [n.id, n]));
  const name = (id: string): string => {
    const n = byId.get(id);
    if (n?.type !== 'goroutine') return id;
    return `goroutine ${n.goroutine} (${n.startFunction}${n.goStatement ? ' from ' + shortFile(n.goStatement) : ''})`;
  };
  const started = (m: FindingMember) => `${m.startFunction}${m.goStatement ? ' from ' + shortFile(m.goStatement) : ''}`;
  let deadlockNumber = 0;
  return foldFindings(view.graph, view.findings).map((f) => {
    const folded = f.count > 1;
    const label = f.kind === 'deadlock' ? `deadlock ${++deadlockNumber}` : 'leak';
    const finding = folded ? `${label} ×${f.count}` : label;
    let evidence: string[];
    if (f.kind === 'deadlock') {
      const d = view.findings.deadlocks[f.indices[0]];
      evidence = d.edges.map((e) => edgeSentence(e, name));
      if (d.blockedBehind.length) evidence.push(`also blocked behind it: ${d.blockedBehind.map((g) => name(`g${g}`)).join(', ')}`);
    } else {
      const l = view.findings.leaks[f.indices[0]];
      // Folded, the reason is said of them all (no one channel's address).
      evidence = [...view.graph.edges.filter((e) => e.from === `g${l.goroutine}` && e.type === 'waits').map((e) => edgeSentence(e, name)), ...(folded ? [] : [l.reason])];
    }
    if (folded) evidence = [...evidence.map((e, i) => (i === 0 ? `e.g. ${e}` : e)), f.reason];
    const ids = f.goroutines.map(String);
    const who = folded
      ? `${f.goroutines.length} goroutines (${f.kind === 'deadlock' ? f.members.map(started).join(', ') : started(f)}): ${someOf(ids, f.examples.length)}`
      : f.goroutines.map((g) => name(`g${g}`)).join(', ');
    const objects = folded ? `${f.objects.length} × ${[...new Set(f.members.map((m) => m.objectType))].join(', ')}: ${someOf(f.objects, 3)}` : f.objects.join(', ');
    const row = { finding: label, count: f.count, confidence: f.confidence, goroutines: who, objects, evidence: evidence.join('; ') };
    const head = folded
      ? `${finding} (${f.confidence}): ${f.kind === 'deadlock' ? f.members.map(started).join(', ') : `${started(f)}, ${f.waitReason || 'waiting'} on ${f.objectType}`}`
      : `${finding} (${f.confidence}): ${who}`;
    const lines = [head, ...(folded ? [`  goroutines: ${someOf(ids, f.examples.length)}`] : []), `  objects: ${objects}`, ...evidence.map((e) => `  - ${e}`)];
    return { row, lines };
  });
}

/** One row per finding, those alike folded into one (with a count), with the evidence. */
export function findingRows(view: GraphView): Record<string, unknown>[] {
  return findingBlocks(view).map((b) => b.row);
}

function edgeSentence(e: GraphEdge, name: (id: string) => string): string {
  switch (e.type) {
    case 'waits': return `${name(e.from)} waits on ${e.to} (${e.evidence})`;
    case 'case': return `${e.from} has a case on ${e.to}`;
    case 'wakes': return `${e.from} can be woken by ${name(e.to)}: ${e.evidence}`;
    case 'holds': return `${e.from} is ${e.confidence === 'certain' ? 'held' : 'likely held'} by ${name(e.to)}: ${e.evidence}`;
  }
}

function summary(view: GraphView, folds: FoldedFinding[]): string {
  const gs = view.graph.nodes.filter((n): n is GoroutineNode => n.type === 'goroutine');
  const blocked = gs.filter((g) => !g.wakesItself).length;
  const d = view.findings.deadlocks.length;
  const l = view.findings.leaks.length;
  const kinds = folds.filter((f) => f.kind === 'leak').length;
  const parts = [
    `${gs.length} goroutines, ${blocked} blocked on the program's objects`,
    `${d} deadlock${d === 1 ? '' : 's'}, ${l} leaked goroutine${l === 1 ? '' : 's'}${kinds > 0 && kinds < l ? ` (${kinds} kind${kinds === 1 ? '' : 's'})` : ''}`,
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
    findings: foldFindings(view.graph, view.findings),
    grouped: view.grouped,
    ...(view.focus !== undefined ? { focus: view.focus } : {}),
    partial: view.partial,
    notes: view.notes,
  };
}

export async function graphBundle(view: GraphView): Promise<MimeBundle> {
  const dot = graphDot(view);
  const svg = await graphSvg(dot);
  const blocks = findingBlocks(view);
  const json = graphJson(view);
  const head = summary(view, json.findings as FoldedFinding[]);
  const none = 'no deadlock or leak found';
  const table = blocks.length ? String(tableBundle({ columns: findingColumns, rows: blocks.map((b) => b.row), title: 'Findings' })['text/html']) : `<p>${none}</p>`;
  const notes = view.notes.map((n) => `note: ${n}`);
  return {
    'text/plain': [head, ...(blocks.length ? blocks.flatMap((b) => ['', ...b.lines]) : [none]), ...notes].join('\n'),
    'text/html': [
      `<p>${escapeHtml(head)}</p>`,
      `<div class="delve-graph" style="max-width:100%;overflow:auto">${svg}</div>`,
      `<p style="font-size:smaller">${escapeHtml(LEGEND)}</p>`,
      table,
      ...notes.map((n) => `<p>${proseHtml(n)}</p>`),
    ].join('\n'),
    'image/svg+xml': svg,
    'text/vnd.graphviz': dot,
    'application/json': json,
  };
}
