// Findings folded by identity: 200 goroutines leaked by the same go statement, each on its
// own channel, are one finding with a count, not 200 rows. Leaks fold when their goroutines
// started the same way (start function, go statement), wait the same way (wait reason, the
// type of what they wait on) for the same reason, with the same confidence; deadlocks when
// their cycles are made of such goroutines. Every goroutine stays in the folded finding.
import type { Confidence, Findings, GoroutineNode, GraphNode, ObjectNode, WaitGraph } from './types';

/** How a goroutine of a finding started and what it waits on. */
export interface FindingMember {
  startFunction: string;
  goStatement: string;
  waitReason: string;
  /** The Go type of what it waits on (`chan int`), else its kind; a select's case types. */
  objectType: string;
}

export interface FoldedFinding extends FindingMember {
  kind: 'deadlock' | 'leak';
  /** How many deadlocks or leaks were folded into this one. */
  count: number;
  confidence: Confidence;
  /** Every goroutine of every folded finding, in id order (a deadlock's cycles and those blocked behind them). */
  goroutines: number[];
  /** The first few of them, to name in a row. */
  examples: number[];
  /** The objects they wait on (node ids). */
  objects: string[];
  /** Why they stay blocked, said of any one of them. */
  reason: string;
  /** The findings folded: indices into Findings.deadlocks or Findings.leaks (by kind). */
  indices: number[];
  /** A deadlock's goroutines by role (a leak: its one goroutine); the fields above are the first's. */
  members: FindingMember[];
  /** A deadlock's: the goroutines that wait only on its cycles (also in goroutines). */
  blockedBehind?: number[];
}

export const FOLD_EXAMPLES = 5;

function objectType(id: string, nodes: Map<string, GraphNode>, caseOf: Map<string, string[]>): string {
  const o = nodes.get(id) as ObjectNode | undefined;
  if (!o) return id.split(' ')[0];
  if (o.type === 'select') {
    const cases = (caseOf.get(id) ?? []).map((c) => objectType(c, nodes, caseOf)).sort();
    return o.never || cases.length === 0 ? 'select (no cases)' : `select (${[...new Set(cases)].join(', ')})`;
  }
  if (o.never) return 'nil chan';
  return o.goType || o.type;
}

/** A leak's reason said of any goroutine of its kind: no addresses, no goroutine ids. */
export function generalReason(reason: string, object: string): string {
  return reason
    .split(object).join('its ' + object.split(' ')[0])
    .replace(/ \((goroutine \d+(, )?)+\)/, '');
}

export function foldFindings(graph: WaitGraph, findings: Findings, examples = FOLD_EXAMPLES): FoldedFinding[] {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const caseOf = new Map<string, string[]>();
  const waitsOf = new Map<string, string>();
  for (const e of graph.edges) {
    if (e.type === 'case') caseOf.set(e.from, [...(caseOf.get(e.from) ?? []), e.to]);
    if (e.type === 'waits' && !waitsOf.has(e.from)) waitsOf.set(e.from, e.to);
  }
  const member = (goroutine: number): FindingMember => {
    const g = nodes.get(`g${goroutine}`) as GoroutineNode | undefined;
    const waited = waitsOf.get(`g${goroutine}`);
    return {
      startFunction: g?.startFunction ?? '', goStatement: g?.goStatement ?? '', waitReason: g?.waitReason ?? '',
      objectType: waited ? objectType(waited, nodes, caseOf) : '',
    };
  };
  const keyOf = (m: FindingMember) => [m.startFunction, m.goStatement, m.waitReason, m.objectType].join('\t');
  const folds = new Map<string, FoldedFinding>();
  const add = (key: string, make: () => FoldedFinding, more: (f: FoldedFinding) => void) => {
    const f = folds.get(key);
    if (f) more(f);
    else folds.set(key, make());
  };

  findings.deadlocks.forEach((d, i) => {
    const members = d.goroutines.map(member).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const key = ['deadlock', d.confidence, ...members.map(keyOf)].join('\n');
    const goroutines = [...d.goroutines, ...d.blockedBehind];
    add(key, () => ({
      kind: 'deadlock', count: 1, confidence: d.confidence, ...members[0], members, goroutines, examples: [], objects: [...d.objects],
      reason: '', indices: [i], blockedBehind: [...d.blockedBehind],
    }), (f) => {
      f.count++;
      f.goroutines.push(...goroutines);
      f.blockedBehind!.push(...d.blockedBehind);
      f.objects.push(...d.objects);
      f.indices.push(i);
    });
  });
  findings.leaks.forEach((l, i) => {
    const m = member(l.goroutine);
    const reason = generalReason(l.reason, l.object);
    add(['leak', l.confidence, reason, keyOf(m)].join('\n'), () => ({
      kind: 'leak', count: 1, confidence: l.confidence, ...m, members: [m], goroutines: [l.goroutine], examples: [], objects: [l.object], reason, indices: [i],
    }), (f) => {
      f.count++;
      f.goroutines.push(l.goroutine);
      if (!f.objects.includes(l.object)) f.objects.push(l.object); // goroutines leaked on one channel: it is one object
      f.indices.push(i);
    });
  });
  const out = [...folds.values()];
  for (const f of out) {
    f.goroutines.sort((a, b) => a - b);
    f.examples = f.goroutines.slice(0, examples);
    if (f.kind !== 'deadlock') continue;
    const behind = f.blockedBehind!.sort((a, b) => a - b).length;
    f.reason = `${f.count > 1 ? 'in each cycle, ' : ''}${f.members.length} goroutines wait on each other`
      + (behind ? `; ${behind} more wait behind ${f.count > 1 ? 'them' : 'it'}` : '');
  }
  // Deadlocks first, then the largest folds.
  return out.sort((a, b) => (a.kind === b.kind ? b.count - a.count || a.goroutines[0] - b.goroutines[0] : a.kind === 'deadlock' ? -1 : 1));
}
