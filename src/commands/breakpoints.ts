// Breakpoints: break, clear, clearall, breakpoints.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import type { Breakpoint } from '../rpc/api';
import { hex } from '../render/html';
import { tableBundle, type Table } from '../render/table';
import { askDelve } from '../state';
import { wholeNumber } from './numbers';
import type { Command } from './command';

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
      function: bp.functionName ?? '',
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
  bundle['application/json'] = { kind, breakpoints: bps.map(({ id, name, file, line, functionName, Cond, totalHitCount }) => ({ id, name, file, line, function: functionName, cond: Cond, hits: totalHitCount })) };
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
      return { 'text/plain': `Breakpoint ${bp.name || bp.id} cleared at ${bp.file}:${bp.line}`, 'application/json': { kind: 'clear', id: bp.id, name: bp.name } };
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
