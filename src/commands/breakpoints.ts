// Breakpoints: break, watch, clear, clearall, breakpoints.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { WatchType, type Breakpoint } from '../rpc/api';
import { hex } from '../render/html';
import { tableBundle, type Table } from '../render/table';
import { askDelve } from '../state';
import { wholeNumber } from './numbers';
import type { Command } from './command';
import { defaultLoadConfig } from '../rpc/delve-client';
import { formatValue } from '../render/value';
import { rememberWatchpoint } from './display';

/** `-r`, `-w`, `-rw` for a watchpoint's WatchType bits. */
function watchFlag(type: number | undefined): string {
  return type === (WatchType.Read | WatchType.Write) ? '-rw' : type === WatchType.Read ? '-r' : '-w';
}

const WATCH_LIMITS = 'Delve uses the CPU\'s debug registers: at most 4 watchpoints at once (fewer if their memory straddles alignment)';

function breakpointTable(bps: Breakpoint[], title?: string): Table {
  return {
    title,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'string' },
      { name: 'function', type: 'string' },
      { name: 'file', type: 'string' },
      { name: 'line', type: 'integer' },
      { name: 'cond', type: 'string' },
      { name: 'hits', type: 'integer' },
      { name: 'addr', type: 'string' },
    ],
    rows: bps.map((bp) => ({
      id: bp.id,
      name: bp.name,
      function: bp.WatchExpr ? `watchpoint ${watchFlag(bp.WatchType)} [${bp.WatchExpr}]` : bp.functionName ?? '',
      file: bp.file,
      line: bp.line,
      cond: bp.Cond,
      hits: bp.totalHitCount,
      addr: hex(bp.addr),
    })),
  };
}

function bundleOf(table: Table, kind: string, bps: Breakpoint[]): MimeBundle {
  const bundle = tableBundle(table);
  bundle['application/json'] = {
    kind,
    breakpoints: bps.map(({ id, name, file, line, functionName, Cond, totalHitCount, WatchExpr, WatchType: type, addr }) =>
      ({ id, name, file, line, function: functionName, cond: Cond, hits: totalHitCount, ...(WatchExpr ? { watchExpr: WatchExpr, watchType: watchFlag(type), addr } : {}) })),
  };
  return bundle;
}

/** `[NAME] LOCSPEC [if COND]` */
export function parseBreakArgs(args: string): { name: string; locspec: string; cond: string } | undefined {
  const m = /^(.*?)(?:\s+if\s+(.*))?$/.exec(args.trim())!;
  const words = splitWords(m[1]);
  if (words.length === 1) return { name: '', locspec: words[0], cond: m[2] ?? '' };
  if (words.length === 2 && /^[A-Za-z_]\w*$/.test(words[0])) return { name: words[0], locspec: words[1], cond: m[2] ?? '' };
  return undefined;
}

export const breakpointCommands: Command[] = [
  {
    name: 'break', aliases: ['b'], group: 'breakpoints', completes: 'locations',
    usage: 'break [NAME] LOCSPEC [if COND]',
    summary: 'Set a breakpoint at a location: main.go:42, main.process, +2, *0x4ae9b0.',
    details: 'LOCSPEC is Delve\'s: FILE:LINE, FUNCTION, FUNCTION:LINE, +OFFSET, -OFFSET, LINE, *ADDRESS, /REGEX/.',
    async run(cx) {
      const s = cx.state.needLive('break');
      const parsed = parseBreakArgs(cx.args);
      if (!parsed) throw usage('break', this.usage, cx.args ? `cannot read "${cx.args}"` : 'where? e.g. `break main.go:42` or `break main.process`');
      const locs = await askDelve(`break ${cx.args}: no such location`, () => s.query.findLocation({ Scope: cx.state.scope, Loc: parsed.locspec }));
      if (locs.length === 0) throw new UserError('DelveError', `break ${cx.args}: location not found`, 'see `funcs RE` and `sources RE` for names');
      const made: Breakpoint[] = [];
      for (const loc of locs) {
        const bp = await askDelve(`break ${cx.args}`, () =>
          s.query.createBreakpoint({ Breakpoint: { name: parsed.name, addr: loc.pc, addrs: loc.pcs ?? [loc.pc], file: loc.file, line: loc.line, Cond: parsed.cond } }));
        made.push(bp);
      }
      return bundleOf(breakpointTable(made, made.map((bp) => `Breakpoint ${bp.name || bp.id} set at ${bp.functionName ?? ''}() ${bp.file}:${bp.line}`).join('\n')), 'break', made);
    },
  },
  {
    name: 'watch', aliases: [], group: 'breakpoints', completes: 'expressions',
    usage: 'watch [-r|-w|-rw] EXPR',
    summary: 'Stop when memory is written (-w, the default), read (-r) or either (-rw): a hardware watchpoint.',
    details: 'EXPR is any addressable expression, as for `print` (`watch ledger.count`, `watch -w *(*int)(0xc000012345)`). The stop names the watchpoint with the value before and after. ' +
      'Listed by `breakpoints`, removed by `clear ID`. ' + WATCH_LIMITS + '; a stack variable is refused (a watchpoint there can crash the target when the runtime moves the stack). Writes that leave the value unchanged may not stop (as Delve says).',
    flags: [
      { name: '-w', summary: 'stop when the memory is written (the default)' },
      { name: '-r', summary: 'stop when the memory is read' },
      { name: '-rw', summary: 'stop when it is read or written' },
    ],
    async run(cx) {
      const s = cx.state.needLive('watch');
      const m = /^(-\S+)?\s*([\s\S]*)$/.exec(cx.args)!;
      const flag = m[1] ?? '-w';
      const expr = m[2].trim();
      const types: Record<string, number> = { '-r': WatchType.Read, '-w': WatchType.Write, '-rw': WatchType.Read | WatchType.Write, '-wr': WatchType.Read | WatchType.Write };
      const type = types[flag];
      if (type === undefined) throw usage('watch', this.usage, `\`${flag}\` is not -r, -w or -rw; e.g. \`watch -w ledger.count\``);
      if (!expr) throw usage('watch', this.usage, 'watch what? e.g. `watch ledger.count` or `watch -r order.Total`');
      const v = await askDelve(`watch ${expr}`, () => s.query.eval({ Scope: cx.state.scope, Expr: expr, Cfg: defaultLoadConfig }));
      // First, do no harm: Delve moves a stack variable's watchpoint when the runtime copies the
      // stack, and stopping there has crashed the target here ("fatal error: racy sudog adjustment").
      const stack = await s.query.eval({ Scope: cx.state.scope, Expr: 'runtime.curg.stack', Cfg: defaultLoadConfig }).catch(() => undefined);
      const [lo, hi] = ['lo', 'hi'].map((f) => Number(stack?.children?.find((c) => c.name === f)?.value ?? NaN));
      if (v.addr >= lo && v.addr < hi) {
        throw new UserError('UsageError', `watch: ${expr} lives on the goroutine's stack (${hex(v.addr)}), and a watchpoint there can crash the target when the runtime moves the stack`,
          'watch something on the heap or a package variable (`watch ledger.count`, `watch *p` for a pointer p), or `break` on the lines that write it');
      }
      const bp = await askDelve(`watch ${cx.args}`, () => s.query.createWatchpoint({ Scope: cx.state.scope, Expr: expr, Type: type })).catch((err) => {
        if (err instanceof UserError) throw new UserError(err.ename, err.message, `${WATCH_LIMITS}; \`breakpoints\` lists them, \`clear ID\` frees one`);
        throw err;
      });
      const address = bp.addrs?.[0] ?? bp.addr ?? v.addr;
      rememberWatchpoint(cx.state, s, bp.id, expr, watchFlag(type), v, address);
      const name = bp.name && bp.name !== expr ? bp.name : String(bp.id);
      const text = [
        `Watchpoint ${name} on [${expr}] set at ${hex(address)} (${watchFlag(type)}): ${expr} = ${formatValue(v)}`,
        `(${WATCH_LIMITS}.)`,
      ].join('\n');
      return {
        'text/plain': text,
        'application/json': { kind: 'watchpoint', id: bp.id, name: bp.name, expr, watchType: watchFlag(type), addr: address, type: v.type, value: formatValue(v) },
      };
    },
  },
  {
    name: 'clear', aliases: [], group: 'breakpoints', completes: 'nothing',
    usage: 'clear ID|NAME',
    summary: 'Delete a breakpoint.',
    async run(cx) {
      const s = cx.state.needLive('clear');
      const words = splitWords(cx.args);
      if (words.length !== 1) throw usage('clear', this.usage, 'which breakpoint? `breakpoints` lists them');
      if (/^-?\d+$/.test(words[0]) && wholeNumber(words[0], Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER) === undefined) {
        throw usage('clear', this.usage, `there is no breakpoint ${words[0]}; \`breakpoints\` lists them`);
      }
      const ref = /^-?\d+$/.test(words[0]) ? { Id: Number(words[0]) } : { Name: words[0] };
      const bp = await askDelve(`clear ${words[0]}`, () => s.query.clearBreakpoint(ref));
      cx.state.watchpoints.delete(bp.id);
      const text = bp.WatchExpr ? `Watchpoint ${bp.name && bp.name !== bp.WatchExpr ? bp.name : bp.id} on [${bp.WatchExpr}] cleared` : `Breakpoint ${bp.name || bp.id} cleared at ${bp.file}:${bp.line}`;
      return { 'text/plain': text, 'application/json': { kind: 'clear', id: bp.id, name: bp.name, ...(bp.WatchExpr ? { watchExpr: bp.WatchExpr } : {}) } };
    },
  },
  {
    name: 'clearall', aliases: [], group: 'breakpoints', completes: 'nothing',
    usage: 'clearall',
    summary: 'Delete every breakpoint you set.',
    async run(cx) {
      const s = cx.state.needLive('clearall');
      const bps = (await askDelve('clearall', () => s.query.listBreakpoints())).filter((bp) => bp.id > 0);
      await Promise.all(bps.map((bp) => askDelve(`clear ${bp.id}`, () => s.query.clearBreakpoint({ Id: bp.id }))));
      for (const bp of bps) cx.state.watchpoints.delete(bp.id);
      return { 'text/plain': `cleared ${bps.length} breakpoint${bps.length === 1 ? '' : 's'}`, 'application/json': { kind: 'clearall', cleared: bps.map((bp) => bp.id) } };
    },
  },
  {
    name: 'breakpoints', aliases: ['bp'], group: 'breakpoints', completes: 'nothing',
    usage: 'breakpoints',
    summary: 'List breakpoints with their hit counts.',
    async run(cx) {
      const s = cx.state.need('breakpoints');
      const bps = await askDelve('breakpoints', () => s.query.listBreakpoints());
      return bundleOf(breakpointTable(bps), 'breakpoints', bps);
    },
  },
];
