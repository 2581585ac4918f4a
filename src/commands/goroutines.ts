// Goroutines and threads: goroutines, goroutine, threads.
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { isGoroutine, goroutineRow, type GoroutineRow } from '../goroutines';
import { startFunctionsById } from '../capture/start-function';
import type { Goroutine } from '../rpc/api';
import { hex } from '../render/html';
import { stopBundle, stopLocation } from '../render/stop';
import { tableBundle, type Column } from '../render/table';
import { askDelve } from '../state';
import type { Session } from '../session/session';
import { wholeNumber } from './numbers';
import type { Command, CommandContext } from './command';
import { progressDisplay } from './progress';

const goroutineColumns: Column[] = [
  { name: 'id', type: 'integer' },
  { name: 'status', type: 'string' },
  { name: 'waitReason', type: 'string' },
  { name: 'function', type: 'string' },
  { name: 'file', type: 'string' },
  { name: 'line', type: 'integer' },
  { name: 'startFunction', type: 'string' },
  { name: 'goStatement', type: 'string' },
  { name: 'threadId', type: 'integer' },
];

/** Every goroutine, with progress in the cell for programs of more than one page. */
export async function listAllGoroutines(s: Session, cx: CommandContext): Promise<{ goroutines: Goroutine[]; partial: boolean }> {
  const progress = progressDisplay(cx, 'goroutines');
  const listed = await askDelve('goroutines', () =>
    s.query.listAllGoroutines({ signal: cx.signal, onPage: (n, more) => more && progress.report(`listing goroutines: ${n} so far…`) }));
  progress.done(`listed ${listed.goroutines.length} goroutines`);
  return listed;
}

async function currentGoroutineId(cx: CommandContext, s: Session): Promise<number> {
  if (cx.state.goroutineId !== -1) return cx.state.goroutineId;
  const st = await s.query.state().catch(() => undefined);
  return st?.currentGoroutine?.id ?? 0;
}

export function goroutinesBundle(rows: GoroutineRow[], current: number, title?: string): MimeBundle {
  const bundle = tableBundle({ columns: goroutineColumns, rows: rows as unknown as Record<string, unknown>[], title, marked: (r) => r.id === current });
  bundle['application/json'] = { kind: 'goroutines', current, goroutines: rows };
  return bundle;
}

export const goroutineCommands: Command[] = [
  {
    name: 'goroutines', aliases: ['grs'], group: 'looking', completes: 'nothing',
    usage: 'goroutines [-w]',
    summary: 'List every goroutine: status, wait reason, where it is, how it started.',
    details: '-w lists only goroutines that are waiting. The current goroutine is marked with *.',
    async run(cx) {
      const s = cx.state.need('goroutines');
      const words = splitWords(cx.args);
      if (words.some((w) => w !== '-w')) throw usage('goroutines', this.usage);
      const [{ goroutines, partial }, names, current, starts] = await Promise.all([
        listAllGoroutines(s, cx), s.runtimeNames(), currentGoroutineId(cx, s), startFunctionsById(s),
      ]);
      let rows = goroutines.filter((g) => isGoroutine(g, names)).map((g) => goroutineRow(g, names, starts?.get(g.id))).sort((a, b) => a.id - b.id);
      if (words.includes('-w')) rows = rows.filter((r) => r.status === 'waiting');
      const title = `${rows.length} goroutine${rows.length === 1 ? '' : 's'}${partial ? ' (interrupted: partial list)' : ''}`;
      return goroutinesBundle(rows, current, title);
    },
  },
  {
    name: 'goroutine', aliases: ['gr'], group: 'looking', completes: 'commands',
    usage: 'goroutine [ID [COMMAND]]',
    summary: 'Show the current goroutine, switch to goroutine ID, or run COMMAND in it.',
    async run(cx) {
      const s = cx.state.need('goroutine');
      const m = /^(\d+)(?:\s+(.*))?$/.exec(cx.args);
      if (cx.args && !m) throw usage('goroutine', this.usage, `${cx.args} is not a goroutine id; \`goroutines\` lists them`);
      if (!m) {
        if (cx.state.goroutineId !== -1) return cx.runLine(`goroutine ${cx.state.goroutineId}`);
        const g = (await askDelve('goroutine', () => s.query.state())).currentGoroutine;
        if (!g) return { 'text/plain': 'no current goroutine (the thread is not running Go code)' };
        const [names, starts] = await Promise.all([s.runtimeNames(), startFunctionsById(s)]);
        return goroutinesBundle([goroutineRow(g, names, starts?.get(g.id))], g.id);
      }
      // Goroutine ids are Go int64s; a larger number would make Delve drop the connection.
      const id = wholeNumber(m[1]);
      if (id === undefined) throw usage('goroutine', this.usage, `there is no goroutine ${m[1]}; \`goroutines\` lists them`);
      if (m[2]) {
        const saved = [cx.state.goroutineId, cx.state.frame];
        cx.state.goroutineId = id;
        cx.state.frame = 0;
        try {
          return await cx.runLine(m[2]);
        } finally {
          [cx.state.goroutineId, cx.state.frame] = saved;
        }
      }
      const st = await askDelve(`goroutine ${id}`, () => s.query.command({ name: 'switchGoroutine', goroutineID: id })).catch((err) => {
        if (err instanceof UserError && /unknown goroutine|not found/i.test(err.message)) {
          throw new UserError('DelveError', `there is no goroutine ${id}`, '`goroutines` lists them');
        }
        throw err;
      });
      cx.state.goroutineId = id;
      cx.state.frame = 0;
      const g = st.currentGoroutine;
      const [names, starts] = await Promise.all([s.runtimeNames(), startFunctionsById(s)]);
      const head = g ? goroutinesBundle([goroutineRow(g, names, starts?.get(g.id))], id, `Switched to goroutine ${id}`) : undefined;
      const loc = g?.userCurrentLoc ?? g?.currentLoc;
      if (head) cx.out.display(head);
      if (loc) {
        return stopBundle({ goroutineId: id, threadId: g!.threadID, function: loc.function?.name ?? '', file: loc.file, line: loc.line, pc: loc.pc, returnValues: [] });
      }
      const stop = stopLocation(st);
      return stop ? stopBundle(stop) : { 'text/plain': `switched to goroutine ${id}` };
    },
  },
  {
    name: 'threads', aliases: [], group: 'looking', completes: 'nothing',
    usage: 'threads',
    summary: 'List the OS threads and the goroutine each one runs.',
    async run(cx) {
      const s = cx.state.need('threads');
      const [threads, st] = await Promise.all([askDelve('threads', () => s.query.listThreads()), s.query.state().catch(() => undefined)]);
      const current = st?.currentThread?.id;
      const rows = threads
        .sort((a, b) => a.id - b.id)
        .map((t) => ({ id: t.id, goroutine: t.goroutineID, function: t.function?.name ?? '', file: t.file, line: t.line, pc: hex(t.pc) }));
      const bundle = tableBundle({
        columns: [
          { name: 'id', type: 'integer' }, { name: 'goroutine', type: 'integer' }, { name: 'function', type: 'string' },
          { name: 'file', type: 'string' }, { name: 'line', type: 'integer' }, { name: 'pc', type: 'string' },
        ],
        rows,
        marked: (r) => r.id === current,
      });
      bundle['application/json'] = { kind: 'threads', current, threads: rows };
      return bundle;
    },
  },
];
