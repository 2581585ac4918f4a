// Stacks and frames: stack, frame, up, down, list.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import type { Stackframe } from '../rpc/api';
import { defaultLoadConfig } from '../rpc/delve-client';
import { hex } from '../render/html';
import { listingBundle } from '../render/source';
import { tableBundle, type Column } from '../render/table';
import { valueSummary } from '../render/value';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';
import { MAX_STACK_DEPTH, wholeNumber } from './numbers';

const DEFAULT_DEPTH = 50;

async function framesOf(cx: CommandContext, depth: number, full = false): Promise<Stackframe[]> {
  const s = cx.state.need(cx.word);
  return askDelve(cx.state.goroutineId === -1 ? 'stack' : `stack of goroutine ${cx.state.goroutineId}`, () =>
    s.query.stacktrace({ Id: cx.state.goroutineId, Depth: depth, Full: full, Cfg: full ? { ...defaultLoadConfig, MaxArrayValues: 8, MaxStringLen: 64 } : null }));
}

function frameRow(f: Stackframe, i: number) {
  return { frame: i, function: f.function?.name ?? '?', file: f.file, line: f.line, pc: hex(f.pc) };
}

function variablesText(vars: Stackframe['Arguments']): string {
  return (vars ?? []).map((v) => `${v.name} = ${valueSummary(v)}`).join(', ');
}

/** Selects frame N of the goroutine in scope and shows its source. */
async function selectFrame(cx: CommandContext, n: number): Promise<MimeBundle> {
  if (n < 0) throw new UserError('UsageError', 'there is no frame below 0', '`down` goes toward frame 0; `bt` lists the frames');
  if (n >= MAX_STACK_DEPTH) throw new UserError('UsageError', `frame ${n}: at most ${MAX_STACK_DEPTH} frames are read`, '`bt` lists the frames; `stackdiff snapshot NAME` reads deeper stacks');
  const frames = await framesOf(cx, n + 1);
  const f = frames[n];
  if (!f) throw new UserError('UsageError', `there is no frame ${n}: the stack has ${frames.length} frames`, '`bt` lists them');
  cx.state.frame = n;
  const bundle = listingBundle(f.file, f.line);
  const head = `Frame ${n}: ${f.function?.name ?? '?'}() ${f.file}:${f.line} (PC: ${hex(f.pc)})`;
  bundle['text/plain'] = `${head}\n${String(bundle['text/plain']).split('\n').slice(1).join('\n')}`;
  bundle['application/json'] = { kind: 'frame', ...frameRow(f, n) };
  return bundle;
}

function parseCount(word: string | undefined, cmd: string, usageLine: string): number {
  if (word === undefined) return 1;
  const n = wholeNumber(word, MAX_STACK_DEPTH);
  if (n === undefined) throw usage(cmd, usageLine, `${word} is not a number of frames (0 to ${MAX_STACK_DEPTH})`);
  return n;
}

export const stackCommands: Command[] = [
  {
    name: 'stack', aliases: ['bt'], group: 'looking', completes: 'nothing',
    usage: 'stack [DEPTH] [-full]',
    flags: [{ name: '-full', summary: 'each frame\'s arguments and locals' }],
    summary: 'The stack of the current goroutine (or of `goroutine ID stack`).',
    details: 'DEPTH defaults to 50. -full adds each frame\'s arguments and locals.',
    async run(cx) {
      const words = splitWords(cx.args);
      const full = words.includes('-full');
      const rest = words.filter((w) => w !== '-full');
      const depth = rest[0] === undefined ? DEFAULT_DEPTH : wholeNumber(rest[0], MAX_STACK_DEPTH, 1);
      if (rest.length > 1 || depth === undefined) throw usage('stack', this.usage, rest.length > 1 ? undefined : `DEPTH is a number of frames from 1 to ${MAX_STACK_DEPTH}`);
      // Delve answers up to DEPTH+1 frames: one more than asked says the stack goes on.
      const answered = await framesOf(cx, depth, full);
      const truncated = answered.length > depth;
      const frames = answered.slice(0, depth);
      const rows = frames.map((f, i) => ({ ...frameRow(f, i), ...(full ? { args: variablesText(f.Arguments), locals: variablesText(f.Locals) } : {}) }));
      const columns: Column[] = [
        { name: 'frame', type: 'integer' }, { name: 'function', type: 'string' }, { name: 'file', type: 'string' },
        { name: 'line', type: 'integer' }, { name: 'pc', type: 'string' },
        ...(full ? [{ name: 'args', type: 'string' as const }, { name: 'locals', type: 'string' as const }] : []),
      ];
      const bundle = tableBundle({ columns, rows, marked: (r) => r.frame === cx.state.frame, title: truncated ? `first ${depth} frames (type \`stack ${depth * 4}\` for more)` : undefined });
      bundle['application/json'] = { kind: 'stack', goroutine: cx.state.goroutineId, frames: rows };
      return bundle;
    },
  },
  {
    name: 'frame', aliases: [], group: 'looking', completes: 'commands',
    usage: 'frame N [COMMAND]',
    summary: 'Select frame N of the stack, or run COMMAND in frame N.',
    async run(cx) {
      const m = /^(\d+)(?:\s+(.*))?$/.exec(cx.args);
      const n = wholeNumber(m?.[1], MAX_STACK_DEPTH - 1);
      if (!m || n === undefined) throw usage('frame', this.usage, cx.args ? `${cx.args.split(/\s/)[0]} is not a frame number (0 to ${MAX_STACK_DEPTH - 1})` : 'which frame? `bt` lists them');
      if (m[2]) {
        const saved = cx.state.frame;
        cx.state.frame = n;
        try {
          return await cx.runLine(m[2]);
        } finally {
          cx.state.frame = saved;
        }
      }
      return selectFrame(cx, n);
    },
  },
  {
    name: 'up', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'up [N]',
    summary: 'Move N frames up the stack, toward the caller.',
    run(cx) {
      return selectFrame(cx, cx.state.frame + parseCount(splitWords(cx.args)[0], 'up', this.usage));
    },
  },
  {
    name: 'down', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'down [N]',
    summary: 'Move N frames down the stack, toward the callee.',
    run(cx) {
      return selectFrame(cx, cx.state.frame - parseCount(splitWords(cx.args)[0], 'down', this.usage));
    },
  },
  {
    name: 'list', aliases: ['ls'], group: 'looking', completes: 'locations',
    usage: 'list [LOCSPEC]',
    summary: 'Show source around the current line, or around LOCSPEC.',
    async run(cx) {
      const s = cx.state.need('list');
      if (!cx.args) {
        const frames = await framesOf(cx, cx.state.frame + 1);
        const f = frames[cx.state.frame];
        if (!f) throw new UserError('UsageError', 'no current location', 'give one: `list main.go:42` or `list main.process`');
        return listingBundle(f.file, f.line);
      }
      const locs = await askDelve(`list ${cx.args}`, () => s.query.findLocation({ Scope: cx.state.scope, Loc: cx.args, IncludeNonExecutableLines: true }));
      if (!locs.length) throw new UserError('DelveError', `list ${cx.args}: location not found`);
      return listingBundle(locs[0].file, locs[0].line);
    },
  },
];
