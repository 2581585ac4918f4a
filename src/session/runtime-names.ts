// Goroutine status and wait reason names in the words of the Go release that built the
// target: read from its binary (runtime.waitReasonStrings, the runtime._G* constants),
// because the numbers move between releases.
import type { DelveClient } from '../rpc/delve-client';

export interface RuntimeNames {
  /** status number -> 'waiting', 'runnable', ... */
  status: Map<number, string>;
  /** wait reason number -> 'chan receive', 'semacquire', ... */
  waitReasons: string[];
  /** The _Gscan bit, or 0 when unknown. */
  scanBit: number;
}

const STATUS_CONSTANTS = [
  '_Gidle', '_Grunnable', '_Grunning', '_Gsyscall', '_Gwaiting', '_Gmoribund_unused', '_Gdead',
  '_Genqueue_unused', '_Gcopystack', '_Gpreempted', '_Gleaked', '_Gdeadextra',
];

/** The values every Go release since 1.14 has used, for a binary whose DWARF lacks the constants. */
const FALLBACK_STATUS = ['idle', 'runnable', 'running', 'syscall', 'waiting', 'moribund', 'dead', 'enqueue', 'copystack', 'preempted'];

export async function loadRuntimeNames(client: DelveClient): Promise<RuntimeNames> {
  const scope = { GoroutineID: -1, Frame: 0 };
  const cfg = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 128, MaxArrayValues: 512, MaxStructFields: 0 };
  const evalNumber = (expr: string) =>
    client.eval({ Scope: scope, Expr: expr, Cfg: cfg }).then((v) => Number(v.value), () => undefined);
  // All in flight at once: Delve answers them in order on the one connection.
  const [reasons, scanBit, ...statusValues] = await Promise.all([
    client.eval({ Scope: scope, Expr: 'runtime.waitReasonStrings', Cfg: cfg }).then(
      (v) => (v.children ?? []).map((c) => c.value),
      () => [] as string[],
    ),
    evalNumber('runtime._Gscan'),
    ...STATUS_CONSTANTS.map((name) => evalNumber(`runtime.${name}`)),
  ]);
  const status = new Map<number, string>();
  STATUS_CONSTANTS.forEach((name, i) => {
    const value = statusValues[i];
    if (value !== undefined && !Number.isNaN(value)) status.set(value, statusName(name));
  });
  if (status.size === 0) FALLBACK_STATUS.forEach((name, i) => status.set(i, name));
  return { status, waitReasons: reasons as string[], scanBit: scanBit ?? 0x1000 };
}

function statusName(constant: string): string {
  return constant.replace(/^_G/, '').replace(/_unused$/, '');
}

/**
 * Whether a g in this status is a goroutine: not a free g kept for reuse (dead) nor, from
 * Go 1.26, the g of an extra M kept for cgo callbacks (deadextra). Go's tracebacks skip both.
 */
export function isLiveStatus(names: RuntimeNames, rawStatus: number): boolean {
  const name = names.status.get(rawStatus & ~names.scanBit);
  return name !== 'dead' && name !== 'deadextra';
}
