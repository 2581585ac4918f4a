// The captures' tables, on disk and in SQL: one format for the session database beside the
// notebook, `snapshots save` files and `snapshots export` (Parquet). Plain data: a capture
// becomes rows and rows become a capture again; nothing here talks to DuckDB or Delve.
import type { Capture, CapturedFrame, CapturedGoroutine } from '../capture/capture';
import type { MemSnapshot } from '../analyses/memwatch/snapshot';
import { privateRuntime } from '../capture/start-function';

/** What a delve-kernel captures file says it is (its `meta` table). */
export const FORMAT = 'delve-kernel-captures';
/** Raised when a file written by this version could not be read by an older one. */
export const FORMAT_VERSION = 1;

export type SqlType = 'VARCHAR' | 'BIGINT' | 'UBIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN';

export interface TableSpec {
  name: string;
  columns: { name: string; type: SqlType }[];
}

/** A table's rows, column by column order of its spec. */
export interface TableRows {
  spec: TableSpec;
  rows: unknown[][];
}

export const tableSpec = (name: string, columns: [string, SqlType][]): TableSpec => ({ name, columns: columns.map(([n, type]) => ({ name: n, type })) });

/** One row per capture: stack captures (`stackdiff snapshot`) and memwatch snapshots. */
export const CAPTURES = tableSpec('captures', [
  ['capture', 'VARCHAR'], ['kind', 'VARCHAR'], ['takenAt', 'VARCHAR'], ['origin', 'VARCHAR'], ['targetKind', 'VARCHAR'],
  ['session', 'VARCHAR'], ['pid', 'BIGINT'], ['goVersion', 'VARCHAR'], ['method', 'VARCHAR'], ['partial', 'BOOLEAN'],
  ['goroutines', 'BIGINT'], ['detail', 'VARCHAR'],
]);

/** The goroutines command's columns, and what a capture keeps besides. */
export const GOROUTINE_COLUMNS: [string, SqlType][] = [
  ['id', 'BIGINT'], ['status', 'VARCHAR'], ['waitReason', 'VARCHAR'], ['function', 'VARCHAR'], ['file', 'VARCHAR'], ['line', 'INTEGER'],
  ['startFunction', 'VARCHAR'], ['goStatement', 'VARCHAR'], ['threadId', 'BIGINT'],
];
export const CAPTURE_GOROUTINES = tableSpec('capture_goroutines', [
  ['capture', 'VARCHAR'], ...GOROUTINE_COLUMNS, ['labels', 'VARCHAR'], ['stackLo', 'UBIGINT'], ['stackHi', 'UBIGINT'], ['sp', 'UBIGINT'],
  ['stackBytes', 'BIGINT'], ['stackInUse', 'BIGINT'], ['frames', 'INTEGER'], ['truncated', 'BOOLEAN'], ['error', 'VARCHAR'],
]);
export const FRAME_COLUMNS: [string, SqlType][] = [
  ['goroutineId', 'BIGINT'], ['depth', 'INTEGER'], ['function', 'VARCHAR'], ['file', 'VARCHAR'], ['line', 'INTEGER'], ['pc', 'UBIGINT'], ['inlined', 'BOOLEAN'],
];
export const CAPTURE_FRAMES = tableSpec('capture_frames', [['capture', 'VARCHAR'], ...FRAME_COLUMNS]);

/** The tables every captures file has, in this order. */
export const STORED_TABLES = [CAPTURES, CAPTURE_GOROUTINES, CAPTURE_FRAMES];

/** A stored table (made once), or a TEMP one replaced for each query. */
export function createTableSql(t: TableSpec, temp = false): string {
  return `${temp ? 'CREATE OR REPLACE TEMP TABLE' : 'CREATE TABLE IF NOT EXISTS'} "${t.name}" (${t.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`;
}

/** The topmost frame that is not the runtime's, as Delve picks it: the goroutines table's function/file/line. */
function userFrame(frames: CapturedFrame[]): CapturedFrame | undefined {
  return frames.find((f) => !privateRuntime(f.function)) ?? frames[0];
}

export function captureRow(c: Capture, origin: string | null): unknown[] {
  const detail = { missing: c.missing, maxFrames: c.maxFrames, durationMs: c.durationMs, processStart: c.target.processStart };
  return [c.name, 'stacks', c.takenAt, origin, c.target.kind, c.target.session, c.target.pid, c.target.goVersion ?? null, c.method, c.partial, c.goroutines.length, JSON.stringify(detail)];
}

export function memSnapshotRow(s: MemSnapshot, origin: string | null): unknown[] {
  return [s.name, 'memwatch', s.takenAt, origin, null, null, s.pid, s.goVersion, null, false, null, JSON.stringify(s)];
}

export function captureGoroutineRows(c: Capture): unknown[][] {
  return c.goroutines.map((g) => {
    const top = userFrame(g.frames);
    return [c.name, g.id, g.status, g.waitReason, top?.function ?? '', top?.file ?? '', top?.line ?? 0, g.startFunction, g.goStatement, g.threadId,
      JSON.stringify(g.labels), g.stackLo, g.stackHi, g.sp, g.stackBytes, g.stackInUse, g.frames.length, g.truncated, g.error ?? null];
  });
}

/** Frames innermost first: depth 0 is where the goroutine is. */
export function captureFrameRows(c: Capture): unknown[][] {
  const out: unknown[][] = [];
  for (const g of c.goroutines) g.frames.forEach((f, depth) => out.push([c.name, g.id, depth, f.function, f.file, f.line, f.pc, f.inlined === true]));
  return out;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v ?? 0);

/** A stack capture again from its rows (FRAMES sorted by goroutineId, depth). */
export function captureFromRows(row: Row, goroutines: Row[], frames: Row[]): Capture {
  const detail = JSON.parse(String(row.detail ?? '{}')) as { missing?: number[]; maxFrames?: number; durationMs?: number; processStart?: number };
  const byId = new Map<number, CapturedFrame[]>();
  for (const f of frames) {
    const id = num(f.goroutineId);
    if (!byId.has(id)) byId.set(id, []);
    const frame: CapturedFrame = { function: String(f.function), file: String(f.file), line: num(f.line), pc: num(f.pc) };
    if (f.inlined) frame.inlined = true;
    byId.get(id)!.push(frame);
  }
  const gs: CapturedGoroutine[] = goroutines.map((g) => ({
    id: num(g.id), status: String(g.status), waitReason: String(g.waitReason ?? ''), startFunction: String(g.startFunction ?? ''),
    goStatement: String(g.goStatement ?? ''), labels: JSON.parse(String(g.labels ?? '{}')) as Record<string, string>, threadId: num(g.threadId),
    stackLo: num(g.stackLo), stackHi: num(g.stackHi), sp: num(g.sp), stackBytes: num(g.stackBytes), stackInUse: num(g.stackInUse),
    frames: byId.get(num(g.id)) ?? [], truncated: Boolean(g.truncated), ...(g.error ? { error: String(g.error) } : {}),
  }));
  gs.sort((a, b) => a.id - b.id);
  return {
    name: String(row.capture), takenAt: String(row.takenAt),
    target: { kind: String(row.targetKind ?? ''), session: String(row.session ?? ''), pid: num(row.pid), ...(detail.processStart !== undefined ? { processStart: detail.processStart } : {}), ...(row.goVersion ? { goVersion: String(row.goVersion) } : {}) },
    method: row.method === 'delve' ? 'delve' : 'memory', partial: Boolean(row.partial), missing: detail.missing ?? [], maxFrames: detail.maxFrames ?? 0,
    durationMs: detail.durationMs ?? 0, goroutines: gs,
  };
}
