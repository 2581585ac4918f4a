// Goroutines as rows: the CONTRACT's fields, from Delve's api.Goroutine and the target's
// own names for statuses and wait reasons. Pure data, no Delve.
import type { Goroutine, Location } from './rpc/api';
import type { RuntimeNames } from './session/runtime-names';

export interface GoroutineRow {
  id: number;
  status: string;
  waitReason: string;
  function: string;
  file: string;
  line: number;
  startFunction: string;
  goStatement: string;
  threadId: number;
}

export function statusOf(g: Goroutine, names: RuntimeNames): string {
  const base = g.status & ~names.scanBit;
  return names.status.get(base) ?? `status ${g.status}`;
}

/** As Go's own tracebacks: a reason only while waiting (the runtime leaves stale ones behind). */
export function waitReasonOf(g: Goroutine, names: RuntimeNames): string {
  if (!g.waitReason || statusOf(g, names) !== 'waiting') return '';
  return names.waitReasons[g.waitReason] ?? `wait reason ${g.waitReason}`;
}

export function functionName(loc: Location | undefined | null): string {
  return loc?.function?.name ?? '';
}

export function fileLine(loc: Location | undefined | null): string {
  return loc && loc.file ? `${loc.file}:${loc.line}` : '';
}

export function goroutineRow(g: Goroutine, names: RuntimeNames): GoroutineRow {
  const top = g.userCurrentLoc ?? g.currentLoc;
  return {
    id: g.id,
    status: g.unreadable ? 'unreadable' : statusOf(g, names),
    waitReason: waitReasonOf(g, names),
    function: functionName(top),
    file: top?.file ?? '',
    line: top?.line ?? 0,
    startFunction: functionName(g.startLoc),
    goStatement: fileLine(g.goStatementLoc),
    threadId: g.threadID,
  };
}
