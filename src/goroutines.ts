// Goroutines as rows: the CONTRACT's fields, from Delve's api.Goroutine and the target's
// own names for statuses and wait reasons. Pure data, no Delve.
import type { Goroutine, Location } from './rpc/api';
import { isLiveStatus, type RuntimeNames } from './session/runtime-names';

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

/**
 * As Go's own tracebacks: a reason only while waiting, or leaked (Go 1.26: what it was waiting
 * for when the GC found it unreachable); the runtime leaves stale ones behind otherwise.
 */
export function waitReasonOf(g: Goroutine, names: RuntimeNames): string {
  const status = statusOf(g, names);
  if (!g.waitReason || (status !== 'waiting' && status !== 'leaked')) return '';
  return names.waitReasons[g.waitReason] ?? `wait reason ${g.waitReason}`;
}

export function functionName(loc: Location | undefined | null): string {
  return loc?.function?.name ?? '';
}

export function fileLine(loc: Location | undefined | null): string {
  return loc && loc.file ? `${loc.file}:${loc.line}` : '';
}

/**
 * START: the go statement's function when the caller knows it better than Delve's startLoc
 * (which names a callee of an inlined function in optimized builds; see capture/start-function).
 */
export function goroutineRow(g: Goroutine, names: RuntimeNames, start?: string): GoroutineRow {
  const top = g.userCurrentLoc ?? g.currentLoc;
  return {
    id: g.id,
    status: g.unreadable ? 'unreadable' : statusOf(g, names),
    waitReason: waitReasonOf(g, names),
    function: functionName(top),
    file: top?.file ?? '',
    line: top?.line ?? 0,
    startFunction: start || functionName(g.startLoc),
    goStatement: fileLine(g.goStatementLoc),
    threadId: g.threadID,
  };
}

/** Whether Delve's record is of a goroutine (Delve 1.27 lists Go 1.26's deadextra gs too). */
export function isGoroutine(g: Goroutine, names: RuntimeNames): boolean {
  return !!g.unreadable || isLiveStatus(names, g.status);
}

/** pprof labels as a table shows them: `key=value, …`, by key. */
export function labelsText(labels: Record<string, string> | null | undefined): string {
  return Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`).join(', ');
}
