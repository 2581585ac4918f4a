// `display`: expressions printed after every stop, as in Delve's terminal; and what else a stop
// adds below its location (afterStop): the watchpoint that fired with its old and new value,
// watchpoints Delve cleared because their frame ended, then the display expressions.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import type { DebuggerState, EvalScope, Variable } from '../rpc/api';
import { defaultLoadConfig } from '../rpc/delve-client';
import { escapeHtml, hex } from '../render/html';
import { tableBundle } from '../render/table';
import { formatValue } from '../render/value';
import type { Session } from '../session/session';
import type { DebugState } from '../state';
import type { Command, CommandContext } from './command';
import { wholeNumber } from './numbers';
import { formatVariable, parseGoFormat } from './print-format';
import { formatAndExpr } from './values';

/** The most display expressions kept (each is one Eval per stop). */
const MAX_DISPLAYS = 100;

interface Shown {
  id: number;
  expr: string;
  format: string;
  value?: string;
  error?: string;
}

/** Evaluates display I where the user now looks; an error is its text, never the cell's. */
async function evaluate(s: Session, scope: EvalScope, id: number, expr: string, format: string): Promise<Shown> {
  try {
    const v = await s.query.eval({ Scope: scope, Expr: expr, Cfg: defaultLoadConfig });
    const f = format ? parseGoFormat(format) : undefined;
    return { id, expr, format, value: formatValue(f && typeof f !== 'string' ? formatVariable(v, f) : v) };
  } catch (err) {
    return { id, expr, format, error: (err as Error).message };
  }
}

function shownLine(d: Shown): string {
  return `${d.id}: ${d.expr} = ${d.error !== undefined ? `error ${d.error}` : d.value}`;
}

async function evaluateAll(state: DebugState, s: Session): Promise<Shown[]> {
  const out: Shown[] = [];
  for (const [id, d] of state.displays.entries()) {
    if (d) out.push(await evaluate(s, state.scope, id, d.expr, d.format));
  }
  return out;
}

/** The expression that reads a watchpoint's memory wherever the target stopped. */
function readBack(type: string, address: number): string {
  const name = /^[\w.*[\]]+$/.test(type) ? type : JSON.stringify(type);
  return `*(*${name})(${hex(address)})`;
}

async function currentValue(s: Session, type: string, address: number): Promise<string | undefined> {
  try {
    return formatValue(await s.query.eval({ Scope: { GoroutineID: -1, Frame: 0 }, Expr: readBack(type, address), Cfg: defaultLoadConfig }));
  } catch {
    return undefined;
  }
}

/** Remembers a new watchpoint's value, for the old -> new of the stop it causes. */
export function rememberWatchpoint(state: DebugState, s: Session, id: number, expr: string, watchType: string, v: Variable, address: number): void {
  state.watchpoints.set(id, { session: s, expr, type: v.type, watchType, address, value: formatValue(v) });
}

/**
 * What a stop adds below its location line. Never throws: a display that fails says so on
 * its own line, and the stop is still shown.
 */
export async function afterStop(cx: CommandContext, st: DebuggerState, bundle: MimeBundle): Promise<void> {
  const s = cx.state.session;
  if (!s) return;
  const lines: string[] = [];
  const json: Record<string, unknown> = {};
  try {
    const bp = st.currentThread?.breakPoint;
    // Watchpoint values now, for every watchpoint of this session: the old of the next stop.
    for (const [id, w] of cx.state.watchpoints) {
      if (w.session !== s) {
        cx.state.watchpoints.delete(id);
        continue;
      }
      const now = await currentValue(s, w.type, w.address);
      if (bp?.WatchExpr && bp.id === id) {
        lines.push(`Watchpoint ${id} on [${w.expr}] (${hex(w.address)}): old ${w.value}, new ${now ?? '(unreadable)'}`);
        json.watchpoint = { id, expr: w.expr, address: w.address, old: w.value, new: now ?? null };
      }
      if (now !== undefined) w.value = now;
    }
    if (bp?.WatchExpr && !json.watchpoint) {
      lines.push(`Watchpoint ${bp.id} on [${bp.WatchExpr}] hit`);
      json.watchpoint = { id: bp.id, expr: bp.WatchExpr, address: bp.addr, old: null, new: null };
    }
    for (const w of st.WatchOutOfScope ?? []) {
      lines.push(`Watchpoint ${w.id} on [${w.WatchExpr ?? w.name}] went out of scope and was cleared (its frame returned)`);
      cx.state.watchpoints.delete(w.id);
    }
    if (st.WatchOutOfScope?.length) json.watchOutOfScope = st.WatchOutOfScope.map((w) => ({ id: w.id, expr: w.WatchExpr ?? '' }));
    const displays = await evaluateAll(cx.state, s);
    lines.push(...displays.map(shownLine));
    if (displays.length) json.displays = displays;
  } catch (err) {
    lines.push(`(displays not shown: ${(err as Error).message})`);
  }
  if (!lines.length) return;
  const text = lines.join('\n');
  bundle['text/plain'] = `${bundle['text/plain'] ?? ''}\n${text}`;
  if (typeof bundle['text/html'] === 'string') {
    const html = `<pre class="delve-displays">${escapeHtml(text)}</pre>`;
    bundle['text/html'] = bundle['text/html'].endsWith('</div>') ? bundle['text/html'].slice(0, -'</div>'.length) + html + '</div>' : bundle['text/html'] + html;
  }
  const j = bundle['application/json'];
  if (j && typeof j === 'object') Object.assign(j as Record<string, unknown>, json);
}

const USAGE = 'display -a [%FORMAT] EXPR | display -d N | display';

function listBundle(shown: Shown[], title: string): MimeBundle {
  const bundle = tableBundle({
    columns: [{ name: 'id', type: 'integer' }, { name: 'expr', type: 'string' }, { name: 'format', type: 'string' }, { name: 'value', type: 'string' }],
    rows: shown.map((d) => ({ id: d.id, expr: d.expr, format: d.format, value: d.error !== undefined ? `error ${d.error}` : d.value ?? '' })),
    title,
  });
  bundle['text/plain'] = [title, ...shown.map((d) => (d.value === undefined && d.error === undefined ? `${d.id}: ${d.expr}${d.format ? ` (${d.format})` : ''}` : shownLine(d)))].join('\n');
  bundle['application/json'] = { kind: 'display', displays: shown };
  return bundle;
}

export const displayCommands: Command[] = [
  {
    name: 'display', aliases: [], group: 'looking', completes: 'expressions',
    usage: USAGE,
    summary: 'Expressions printed after every stop (continue, next, step, stepout, call).',
    details: '`-a` adds one (optionally with a format, as `print %x`), numbered from 0, and prints it now; `-d N` removes number N; `display` alone prints them all. ' +
      'Each is evaluated in the goroutine and frame looked at after the stop, loaded as `print` loads it; one that fails there shows its error on its line. They are kept for the kernel\'s lifetime, across sessions.',
    flags: [
      { name: '-a', value: 'EXPR', completes: 'expressions', summary: 'add an expression (`-a %x EXPR` with a format)' },
      { name: '-d', value: 'N', summary: 'remove display number N (`display` lists them)' },
    ],
    async run(cx) {
      const args = cx.args;
      if (!args) {
        const s = cx.state.session;
        const live = s && !s.lostReason && !s.running;
        const shown = live
          ? await evaluateAll(cx.state, s)
          : cx.state.displays.flatMap((d, id) => (d ? [{ id, expr: d.expr, format: d.format }] : []));
        const count = shown.length;
        return listBundle(shown, count ? `${count} display expression${count === 1 ? '' : 's'}${live ? '' : ' (no stopped target to evaluate them in)'}` : 'no display expressions; add one with `display -a EXPR`');
      }
      const m = /^(-a|-d)(?:\s+([\s\S]*))?$/.exec(args);
      if (!m) throw usage('display', USAGE, `\`${args.split(/\s+/)[0]}\` is not an option: \`display -a EXPR\` adds, \`display -d N\` removes, \`display\` lists`);
      const rest = (m[2] ?? '').trim();
      if (m[1] === '-d') {
        const words = splitWords(rest);
        const n = words.length === 1 ? wholeNumber(words[0], MAX_DISPLAYS) : undefined;
        if (n === undefined) throw usage('display', USAGE, rest ? `\`${rest}\` is not a display number; \`display\` lists them` : 'which one? `display -d 0` removes the first; `display` lists them');
        if (n >= cx.state.displays.length || !cx.state.displays[n]) {
          throw usage('display', USAGE, `there is no display ${n}; \`display\` lists them`);
        }
        const gone = cx.state.displays[n]!;
        cx.state.displays[n] = null;
        while (cx.state.displays.length && cx.state.displays[cx.state.displays.length - 1] === null) cx.state.displays.pop();
        return { 'text/plain': `display ${n} (${gone.expr}) removed`, 'application/json': { kind: 'display', removed: { id: n, expr: gone.expr, format: gone.format } } };
      }
      const { format, expr } = formatAndExpr(rest, 'display', USAGE, 'e.g. `display -a order.ID` or `display -a %x ledger.count`');
      if (cx.state.displays.filter(Boolean).length >= MAX_DISPLAYS) throw new UserError('UsageError', `display: ${MAX_DISPLAYS} expressions already`, 'remove some with `display -d N` (`display` lists them)');
      cx.state.displays.push({ expr, format: format?.text ?? '' });
      const id = cx.state.displays.length - 1;
      const s = cx.state.session;
      if (!s || s.lostReason || s.running) {
        return { 'text/plain': `${id}: ${expr} (shown at the next stop)`, 'application/json': { kind: 'display', added: { id, expr, format: format?.text ?? '' } } };
      }
      const shown = await evaluate(s, cx.state.scope, id, expr, format?.text ?? '');
      return { 'text/plain': shownLine(shown), 'application/json': { kind: 'display', added: shown } };
    },
  },
];
