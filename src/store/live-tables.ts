// The live target's tables for SQL, from what the commands read: plain data in, rows out.
import type { Breakpoint, Thread } from '../rpc/api';
import type { Capture } from '../capture/capture';
import type { GoroutineRow } from '../goroutines';
import type { MemSnapshot } from '../analyses/memwatch/snapshot';
import type { SpanRecord } from '../heap/types';
import type { Findings, GoroutineNode, ObjectNode, WaitGraph } from '../analyses/waitgraph/types';
import { FRAME_COLUMNS, GOROUTINE_COLUMNS, captureFrameRows, tableSpec as spec, type SqlType, type TableRows } from './schema';

/** The target's tables a query may name, made when it does. */
export const LIVE_TABLES = ['goroutines', 'frames', 'breakpoints', 'threads', 'memstats', 'regions', 'spans', 'waits', 'findings', 'memwatch_snapshots'] as const;
export type LiveTable = (typeof LIVE_TABLES)[number];

export function goroutinesTable(rows: GoroutineRow[]): TableRows {
  return { spec: spec('goroutines', GOROUTINE_COLUMNS), rows: rows.map((r) => [r.id, r.status, r.waitReason, r.function, r.file, r.line, r.startFunction, r.goStatement, r.threadId]) };
}

export function framesTable(c: Capture): TableRows {
  // A capture's frame rows without their capture column.
  return { spec: spec('frames', FRAME_COLUMNS), rows: captureFrameRows(c).map((r) => r.slice(1)) };
}

export function breakpointsTable(bps: Breakpoint[]): TableRows {
  return {
    spec: spec('breakpoints', [['id', 'BIGINT'], ['name', 'VARCHAR'], ['function', 'VARCHAR'], ['file', 'VARCHAR'], ['line', 'INTEGER'], ['addr', 'UBIGINT'], ['cond', 'VARCHAR'], ['hits', 'BIGINT'], ['disabled', 'BOOLEAN']]),
    rows: bps.filter((b) => b.id > 0).map((b) => [b.id, b.name || null, b.functionName ?? null, b.file, b.line, b.addr, b.Cond || null, b.totalHitCount, b.disabled === true]),
  };
}

export function threadsTable(ts: Thread[]): TableRows {
  return {
    spec: spec('threads', [['id', 'BIGINT'], ['goroutineId', 'BIGINT'], ['pc', 'UBIGINT'], ['function', 'VARCHAR'], ['file', 'VARCHAR'], ['line', 'INTEGER']]),
    rows: ts.map((t) => [t.id, t.goroutineID, t.pc, t.function?.name ?? null, t.file, t.line]),
  };
}

const memstatColumns = (m: MemSnapshot): [string, SqlType][] => Object.keys(m.memstats).map((k) => [k, 'DOUBLE']);

/** One row: runtime.MemStats' figures (lowerCamelCase), and the pages Linux holds resident. */
export function memstatsTable(m: MemSnapshot): TableRows {
  return {
    spec: spec('memstats', [['takenAt', 'VARCHAR'], ['pid', 'BIGINT'], ...memstatColumns(m), ['heapResidentBytes', 'DOUBLE'], ['rssBytes', 'DOUBLE']]),
    rows: [[m.takenAt, m.pid, ...Object.values(m.memstats), m.heapResidentBytes, m.rssBytes]],
  };
}

/** The memwatch snapshots kept, a row each, their memstats as columns. */
export function memwatchSnapshotsTable(snaps: MemSnapshot[]): TableRows {
  const keys = [...new Set(snaps.flatMap((s) => Object.keys(s.memstats)))];
  return {
    spec: spec('memwatch_snapshots', [['capture', 'VARCHAR'], ['takenAt', 'VARCHAR'], ['pid', 'BIGINT'], ...keys.map((k): [string, SqlType] => [k, 'DOUBLE']), ['heapResidentBytes', 'DOUBLE'], ['rssBytes', 'DOUBLE']]),
    rows: snaps.map((s) => [s.name, s.takenAt, s.pid, ...keys.map((k) => s.memstats[k] ?? null), s.heapResidentBytes, s.rssBytes]),
  };
}

export function regionsTable(m: MemSnapshot): TableRows {
  return {
    spec: spec('regions', [['kind', 'VARCHAR'], ['name', 'VARCHAR'], ['start', 'UBIGINT'], ['end', 'UBIGINT'], ['sizeBytes', 'BIGINT'], ['residentBytes', 'BIGINT'], ['swappedBytes', 'BIGINT'], ['softDirtyBytes', 'BIGINT']]),
    rows: m.regions.map((r) => [r.kind, r.name, r.start, r.end, r.sizeBytes, r.residentBytes, r.swappedBytes, r.softDirtyBytes]),
  };
}

export function spansTable(spans: SpanRecord[]): TableRows {
  return {
    spec: spec('spans', [['start', 'UBIGINT'], ['pages', 'BIGINT'], ['state', 'VARCHAR'], ['sizeClass', 'INTEGER'], ['elemSize', 'BIGINT'], ['objects', 'BIGINT'], ['allocated', 'BIGINT'], ['noscan', 'BOOLEAN']]),
    rows: spans.map((s) => [s.start, s.npages, s.state, s.sizeClass, s.elemSize, s.nelems, s.allocCount, s.noscan]),
  };
}

/** Every edge of the wait-for graph, its goroutine and object spelled out. */
export function waitsTable(g: WaitGraph): TableRows {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const goroutineOf = (id: string) => (byId.get(id)?.type === 'goroutine' ? (byId.get(id) as GoroutineNode).goroutine : null);
  const objectOf = (id: string) => { const n = byId.get(id); return n && n.type !== 'goroutine' ? (n as ObjectNode) : undefined; };
  return {
    spec: spec('waits', [['edge', 'VARCHAR'], ['goroutineId', 'BIGINT'], ['object', 'VARCHAR'], ['objectKind', 'VARCHAR'], ['objectType', 'VARCHAR'], ['objectAddress', 'UBIGINT'], ['confidence', 'VARCHAR'], ['evidence', 'VARCHAR']]),
    rows: g.edges.map((e) => {
      const goroutine = goroutineOf(e.from) ?? goroutineOf(e.to);
      const object = objectOf(e.to) ?? objectOf(e.from);
      return [e.type, goroutine, object?.id ?? null, object?.type ?? null, object?.goType || null, object?.address || null, e.confidence, e.evidence];
    }),
  };
}

/** One row per goroutine in a finding: a deadlock's members (and those blocked behind it), each leak. */
export function findingsTable(f: Findings, g: WaitGraph): TableRows {
  const node = new Map(g.nodes.filter((n): n is GoroutineNode => n.type === 'goroutine').map((n) => [n.goroutine, n]));
  const row = (finding: number, kind: string, goroutine: number, object: string | null, confidence: string, reason: string) => {
    const n = node.get(goroutine);
    return [finding, kind, goroutine, object, confidence, reason, n?.startFunction ?? null, n?.goStatement ?? null, n?.waitReason ?? null];
  };
  const rows: unknown[][] = [];
  f.deadlocks.forEach((d, i) => {
    for (const id of d.goroutines) rows.push(row(i + 1, 'deadlock', id, d.objects.join(', '), d.confidence, `in a cycle of ${d.goroutines.length} goroutines`));
    for (const id of d.blockedBehind) rows.push(row(i + 1, 'blocked behind deadlock', id, null, d.confidence, `waits only on deadlock ${i + 1}`));
  });
  f.leaks.forEach((l, i) => rows.push(row(f.deadlocks.length + i + 1, 'leak', l.goroutine, l.object, l.confidence, l.reason)));
  return {
    spec: spec('findings', [['finding', 'INTEGER'], ['kind', 'VARCHAR'], ['goroutineId', 'BIGINT'], ['object', 'VARCHAR'], ['confidence', 'VARCHAR'], ['reason', 'VARCHAR'], ['startFunction', 'VARCHAR'], ['goStatement', 'VARCHAR'], ['waitReason', 'VARCHAR']]),
    rows,
  };
}
