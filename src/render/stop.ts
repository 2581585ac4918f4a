// Where the target stopped: the line Delve's terminal prints, the source around it, and
// the same as JSON.
import type { MimeBundle } from '../../kernel/interpreter';
import type { DebuggerState, Variable } from '../rpc/api';
import { escapeHtml, hex } from './html';
import { listing, listingHtml, listingText } from './source';
import { formatValue } from './value';

export interface StopLocation {
  goroutineId: number;
  threadId: number;
  function: string;
  file: string;
  line: number;
  pc: number;
  breakpoint?: { id: number; name: string; hitsThisGoroutine: number; totalHits: number };
  returnValues: Variable[];
}

export function stopLocation(state: DebuggerState): StopLocation | undefined {
  const t = state.currentThread;
  if (!t) return undefined;
  const gid = state.currentGoroutine?.id ?? t.goroutineID;
  const bp = t.breakPoint;
  return {
    goroutineId: gid,
    threadId: t.id,
    function: t.function?.name ?? '',
    file: t.file,
    line: t.line,
    pc: t.pc,
    breakpoint: bp ? { id: bp.id, name: bp.name, hitsThisGoroutine: bp.hitCount?.[String(gid)] ?? 0, totalHits: bp.totalHitCount } : undefined,
    returnValues: t.ReturnValues ?? [],
  };
}

export function stopHeadline(stop: StopLocation): string {
  const bp = stop.breakpoint;
  const bpText = bp ? ` (breakpoint ${bp.name || bp.id}, hits goroutine(${stop.goroutineId}):${bp.hitsThisGoroutine} total:${bp.totalHits})` : '';
  return `> [goroutine ${stop.goroutineId}] ${stop.function}() ${stop.file}:${stop.line}${bpText} (PC: ${hex(stop.pc)})`;
}

export function stopBundle(stop: StopLocation, note?: string): MimeBundle {
  const headline = (note ? note + '\n' : '') + stopHeadline(stop);
  const src = listing(stop.file, stop.line);
  const returns = stop.returnValues.map((v) => `${v.name} = ${formatValue(v)}`).join('\n');
  const { returnValues, ...json } = stop;
  return {
    'text/plain': [headline, returns, src ? listingText(src) : ''].filter(Boolean).join('\n'),
    'text/html': `<div><code>${escapeHtml(headline)}</code>${returns ? `<pre>${escapeHtml(returns)}</pre>` : ''}${src ? listingHtml(src) : ''}</div>`,
    'application/json': { kind: 'stop', ...json, returnValues: returnValues.map((v) => ({ name: v.name, type: v.type, value: formatValue(v) })) },
  };
}
