// Goroutines and threads: goroutines, goroutine, threads.
import type { MimeBundle } from '../../kernel/interpreter';
import { UserError, usage } from '../errors';
import { isGoroutine, goroutineRow, labelsText, type GoroutineRow } from '../goroutines';
import { startFunctionsById } from '../capture/start-function';
import { GoroutineField, Kind, type Goroutine, type GoroutineFieldValue, type ListGoroutinesFilter } from '../rpc/api';
import type { MergedGoroutineGroup } from '../rpc/delve-client';
import { escapeHtml, hex } from '../render/html';
import { paths } from '../render/paths';
import { stopBundle, stopLocation } from '../render/stop';
import { tableBundle, type Column } from '../render/table';
import { askDelve } from '../state';
import type { Session } from '../session/session';
import type { RuntimeNames } from '../session/runtime-names';
import { wholeNumber } from './numbers';
import type { Command, CommandContext, Flag } from './command';
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

/** The goroutines table's rows of Delve's records that are goroutines, by id. */
function tableRows(goroutines: Goroutine[], names: RuntimeNames, starts: Map<number, string> | undefined): GoroutineRow[] {
  return goroutines.filter((g) => isGoroutine(g, names)).map((g) => goroutineRow(g, names, starts?.get(g.id))).sort((x, y) => x.id - y.id);
}

/** The goroutines table's rows, every goroutine (for SQL). */
export async function goroutineRows(s: Session, cx: CommandContext): Promise<GoroutineRow[]> {
  const names = await s.runtimeNames();
  const [{ goroutines }, starts] = await Promise.all([listAllGoroutines(s, cx), startFunctionsById(s)]);
  return tableRows(goroutines, names, starts);
}

async function currentGoroutineId(cx: CommandContext, s: Session): Promise<number> {
  if (cx.state.goroutineId !== -1) return cx.state.goroutineId;
  const st = await s.query.state().catch(() => undefined);
  return st?.currentGoroutine?.id ?? 0;
}

/**
 * The goroutine table. With LABELS (`goroutines -l`) a `labels` column: `key=value, …` in the
 * table, the map itself in the JSON rows.
 */
export function goroutinesBundle(rows: GoroutineRow[], current: number, title?: string, labels?: Map<number, Record<string, string>>): MimeBundle {
  const columns = labels ? [...goroutineColumns, { name: 'labels', type: 'string' } as Column] : goroutineColumns;
  const tableRows = labels ? rows.map((r) => ({ ...r, labels: labelsText(labels.get(r.id)) })) : rows;
  const bundle = tableBundle({ columns, rows: tableRows as unknown as Record<string, unknown>[], title, marked: (r) => r.id === current });
  bundle['application/json'] = { kind: 'goroutines', current, goroutines: labels ? rows.map((r) => ({ ...r, labels: labels.get(r.id) ?? {} })) : rows };
  return bundle;
}

// ---- goroutines' flags, as Delve's terminal takes them (pkg/terminal `help goroutines`) ----

const USAGE = 'goroutines [-w] [-l] [-with KIND [ARG]]... [-without KIND [ARG]]... [-chan EXPR] [-group KIND [KEY]] [-exec COMMAND]';

/** Filter kinds that take a substring of `file:line in function`. */
const LOCATION_KINDS: Record<string, GoroutineFieldValue> = {
  userloc: GoroutineField.UserLoc, curloc: GoroutineField.CurrentLoc, goloc: GoroutineField.GoLoc, startloc: GoroutineField.StartLoc,
};
const GROUP_KINDS = ['userloc', 'curloc', 'goloc', 'startloc', 'running', 'user', 'label'];
const FILTER_HELP = '`-with userloc main.go`, `-with curloc|goloc|startloc TEXT`, `-with label KEY[=VALUE]`, `-with running`, `-with user`';
const GROUP_HELP = '`-group userloc`, `-group curloc|goloc|startloc|running|user`, `-group label KEY`';

/** Members shown per group (as Delve's terminal) and groups shown at most. */
const GROUP_MEMBERS = 5;
const MAX_GROUPS = 500;
/** `-exec` runs in at most this many goroutines, and in more only when a filter narrowed them. */
const EXEC_UNFILTERED = 100;
const EXEC_MAX = 1000;

export const goroutinesFlags: Flag[] = [
  { name: '-w', summary: 'only goroutines that are waiting (followed by a filter KIND, it is Delve\'s short `-with`)' },
  { name: '-l', summary: 'add a labels column (the goroutine\'s pprof labels)' },
  { name: '-with', value: 'KIND [ARG]', choices: ['curloc', 'userloc', 'goloc', 'startloc', 'label', 'running', 'user'], summary: `only goroutines that match: ${FILTER_HELP}; location ARGs match a substring of \`file:line in function\`; repeat to combine` },
  { name: '-without', aliases: ['-wo'], value: 'KIND [ARG]', choices: ['curloc', 'userloc', 'goloc', 'startloc', 'label', 'running', 'user'], summary: 'only goroutines that do not match (the complement of `-with`)' },
  { name: '-chan', value: 'EXPR', completes: 'expressions', summary: 'only goroutines waiting to send to or receive from the channel EXPR (evaluated in the current frame)' },
  { name: '-group', value: 'KIND [KEY]', choices: GROUP_KINDS, summary: `one row per group: name, count and up to ${GROUP_MEMBERS} goroutine ids; ${GROUP_HELP}` },
  { name: '-exec', value: 'COMMAND', completes: 'commands', summary: 'run COMMAND (the rest of the line) in each goroutine listed, as `goroutine ID COMMAND` does' },
];

export interface GoroutinesArgs {
  waiting: boolean;
  labels: boolean;
  /** Delve's filters, the channel one included. */
  filters: ListGoroutinesFilter[];
  /** The flags as typed, for titles (`-with user -chan c`). */
  described: string[];
  group?: { kind: string; by: GoroutineFieldValue; key?: string };
  exec?: string;
}

/** Words with where each ends in TEXT (quotes as splitWords takes them), so `-exec` can take the rest of the line as typed. */
function wordsAt(text: string): { word: string; end: number }[] {
  const out: { word: string; end: number }[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ word: m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] !== undefined ? m[2] : m[3], end: m.index + m[0].length });
  }
  return out;
}

const bad = (why: string) => usage('goroutines', USAGE, why);

export function parseGoroutinesArgs(text: string): GoroutinesArgs {
  const words = wordsAt(text);
  const args: GoroutinesArgs = { waiting: false, labels: false, filters: [], described: [] };
  const filterKinds = new Set([...Object.keys(LOCATION_KINDS), 'label', 'running', 'user']);
  for (let i = 0; i < words.length; i++) {
    const flag = words[i].word;
    const next = words[i + 1]?.word;
    const isWith = flag === '-with' || (flag === '-w' && next !== undefined && filterKinds.has(next));
    if (flag === '-w' && !isWith) {
      args.waiting = true;
      args.described.push('-w');
    } else if (flag === '-l') {
      args.labels = true;
    } else if (isWith || flag === '-without' || flag === '-wo') {
      const negated = !isWith;
      const name = negated ? '-without' : '-with';
      if (next === undefined || !filterKinds.has(next)) {
        throw bad(next === undefined ? `${name} needs what to match: ${FILTER_HELP}` : `${name} does not know \`${next}\`: type ${FILTER_HELP}`);
      }
      i++;
      let arg = '';
      if (next !== 'running' && next !== 'user') {
        const value = words[i + 1]?.word;
        if (value === undefined || value === '') {
          throw bad(next === 'label' ? `\`${name} label\` needs a key: \`${name} label KEY\` or \`${name} label KEY=VALUE\`` : `\`${name} ${next}\` needs the text to look for in \`file:line in function\`, e.g. \`${name} ${next} main.go\``);
        }
        arg = value;
        i++;
      }
      const kind = next === 'label' ? GoroutineField.Label : next === 'running' ? GoroutineField.Running : next === 'user' ? GoroutineField.User : LOCATION_KINDS[next];
      args.filters.push({ Kind: kind, Negated: negated, Arg: arg });
      args.described.push(`${name} ${next}${arg ? ` ${/\s/.test(arg) ? JSON.stringify(arg) : arg}` : ''}`);
    } else if (flag === '-chan') {
      if (next === undefined) throw bad('`-chan` needs a channel expression: `-chan jobs`, `-chan main.done` (`print EXPR` checks it)');
      if (args.filters.some((f) => f.Kind === GoroutineField.WaitingOnChannel)) throw bad('one `-chan` at a time: Delve lists the waiters of one channel');
      args.filters.push({ Kind: GoroutineField.WaitingOnChannel, Negated: false, Arg: next });
      args.described.push(`-chan ${next}`);
      i++;
    } else if (flag === '-group') {
      if (args.group) throw bad('one `-group` at a time');
      if (next === undefined || !GROUP_KINDS.includes(next)) {
        throw bad(next === undefined ? `-group needs what to group by: ${GROUP_HELP}` : `-group does not know \`${next}\`: type ${GROUP_HELP}`);
      }
      i++;
      const by = next === 'label' ? GoroutineField.Label : next === 'running' ? GoroutineField.Running : next === 'user' ? GoroutineField.User : LOCATION_KINDS[next];
      args.group = { kind: next, by };
      if (next === 'label') {
        const key = words[i + 1]?.word;
        if (!key) throw bad('`-group label` needs the label\'s key: `-group label KEY`');
        args.group.key = key;
        i++;
      }
    } else if (flag === '-exec') {
      const command = text.slice(words[i].end).trim();
      if (!command) throw bad('`-exec` needs a command to run in each goroutine: `-exec bt`, `-exec locals`, `-exec print x`');
      if (/^(goroutines|grs)\b/.test(command) && /(^|\s)-exec(\s|$)/.test(command)) throw bad('`-exec` cannot run another `goroutines -exec`');
      args.exec = command;
      break;
    } else if (['-u', '-r', '-g', '-s', '-t'].includes(flag)) {
      throw bad(`\`${flag}\` (Delve's choice of location) is not needed here: the table shows the user frame (function, file, line), the start function and the go statement; \`goroutine ID bt\` shows a stack, \`-exec bt\` every one`);
    } else {
      const shown = flag.length > 40 ? `${flag.slice(0, 40)}…` : flag;
      throw bad(`${flag.startsWith('-') ? `unknown flag \`${shown}\`` : `\`${shown}\` is not a flag`}: the flags are -w, -l, -with, -without, -chan, -group, -exec`);
    }
  }
  if (args.waiting && args.group) {
    throw bad('`-w` picks waiting goroutines after Delve answers, and `-group` groups on Delve\'s side: group with `-group running` or filter with `-without running` instead');
  }
  return args;
}

/** The goroutines Delve's filters let through, with progress (paged). */
async function listFiltered(s: Session, cx: CommandContext, a: GoroutinesArgs): Promise<{ goroutines: Goroutine[]; partial: boolean }> {
  const progress = progressDisplay(cx, 'goroutines');
  const listed = await askChan(a, () => s.query.listAllGoroutinesWith({
    filters: a.filters, scope: cx.state.scope, signal: cx.signal,
    onPage: (n, more) => more && progress.report(`listing goroutines: ${n} so far…`),
  }));
  progress.done(`listed ${listed.goroutines.length} goroutines`);
  if (listed.goroutines.length === 0) await notAChannel(s, cx, a);
  return listed;
}

/** Delve lists no waiters for a -chan expression that is not a channel: say so instead. */
async function notAChannel(s: Session, cx: CommandContext, a: GoroutinesArgs): Promise<void> {
  const chan = a.filters.find((f) => f.Kind === GoroutineField.WaitingOnChannel);
  if (!chan) return;
  const cfg = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };
  const v = await s.query.eval({ Scope: cx.state.scope, Expr: chan.Arg, Cfg: cfg }).catch(() => undefined);
  if (v && v.kind !== Kind.Chan) {
    throw bad(`\`-chan ${chan.Arg}\`: ${chan.Arg} is a ${v.type || 'value'}, not a channel (\`print ${chan.Arg}\` shows it)`);
  }
}

/** A Delve error from a `-chan` expression, with what to try. */
async function askChan<T>(a: GoroutinesArgs, call: () => Promise<T>): Promise<T> {
  try {
    return await askDelve('goroutines', call);
  } catch (err) {
    const chan = a.filters.find((f) => f.Kind === GoroutineField.WaitingOnChannel);
    if (chan && err instanceof UserError && err.ename === 'DelveError') {
      throw new UserError('DelveError', err.message, `\`-chan ${chan.Arg}\` is evaluated in the current frame: \`print ${chan.Arg}\` checks it (a package variable is \`main.NAME\`; \`frame N\` or \`goroutine ID\` picks another scope)`);
    }
    throw err;
  }
}

interface GroupRow { group: string; count: number; ids: number[]; members: Goroutine[] }

/**
 * Delve's groups over every page, without the records that are not goroutines (Go 1.26's
 * deadextra gs, which Delve 1.27 lists and counts): they are found among the gs whose
 * current location is runtime.goexit (where such a g's saved pc is), by their status.
 */
async function groupedGoroutines(s: Session, cx: CommandContext, a: GoroutinesArgs, names: RuntimeNames): Promise<{ rows: GroupRow[]; tooManyGroups: boolean; partial: boolean }> {
  const group = a.group!;
  const progress = progressDisplay(cx, 'goroutines');
  const listed = await askChan(a, () => s.query.listAllGoroutinesWith({
    filters: a.filters, group: { by: group.by, key: group.key, maxMembers: GROUP_MEMBERS }, scope: cx.state.scope, signal: cx.signal,
    onPage: (n, more) => more && progress.report(`grouping goroutines: ${n} so far…`),
  }));
  const dropped = new Map<string, Set<number>>();
  if ([...names.status.values()].includes('deadextra') && !listed.partial) {
    const candidates = await askChan(a, () => s.query.listAllGoroutinesWith({
      filters: [...a.filters, { Kind: GoroutineField.CurrentLoc, Negated: false, Arg: ' in runtime.goexit' }],
      group: { by: group.by, key: group.key, maxMembers: Infinity }, scope: cx.state.scope, signal: cx.signal,
    }));
    for (const g of candidates.groups ?? []) {
      for (const m of g.members) if (!isGoroutine(m, names)) dropped.set(g.name, (dropped.get(g.name) ?? new Set()).add(m.id));
    }
  }
  if (!listed.groups?.length) await notAChannel(s, cx, a);
  const rows = (listed.groups ?? []).map((g: MergedGoroutineGroup) => {
    const gone = dropped.get(g.name);
    const members = g.members.filter((m) => !gone?.has(m.id) && isGoroutine(m, names)).sort((x, y) => x.id - y.id);
    return { group: g.name, count: g.total - (gone?.size ?? 0), ids: members.map((m) => m.id), members };
  }).filter((r) => r.count > 0);
  progress.done(`grouped ${rows.reduce((n, r) => n + r.count, 0)} goroutines`);
  return { rows, tooManyGroups: listed.tooManyGroups, partial: listed.partial };
}

/** `file:line in function` (Delve's name of a location group) with the file module-relative. */
function groupName(name: string): string {
  const m = /^(.*:\d+) in (.*)$/.exec(name);
  return m ? `${paths.shortFileLine(m[1])} in ${m[2]}` : name;
}

function groupsBundle(rows: GroupRow[], a: GoroutinesArgs, tooManyGroups: boolean, partial: boolean): MimeBundle {
  const group = a.group!;
  const total = rows.reduce((n, r) => n + r.count, 0);
  const shown = rows.slice(0, MAX_GROUPS);
  const by = `${group.kind}${group.key ? ` ${group.key}` : ''}`;
  const more = rows.length > shown.length ? rows.length - shown.length : 0;
  const title = [
    `${total} goroutine${total === 1 ? '' : 's'} in ${rows.length} group${rows.length === 1 ? '' : 's'} by ${by}`,
    a.described.length ? ` (${a.described.join(' ')})` : '',
    partial ? ' (interrupted: partial counts)' : '',
    more || tooManyGroups ? `; too many groups: the first ${shown.length} are shown, narrow with \`-with\`/\`-without\`` : '',
  ].join('');
  const bundle = tableBundle({
    columns: [
      { name: 'group', type: 'string', show: (v) => groupName(String(v)) },
      { name: 'count', type: 'integer' },
      { name: 'ids', type: 'string' },
    ],
    rows: shown.map((r) => ({ group: r.group, count: r.count, ids: r.ids.join(' ') + (r.count > r.ids.length ? ' …' : '') })),
    title,
  });
  bundle['application/json'] = {
    kind: 'goroutineGroups', groupBy: group.kind, ...(group.key ? { key: group.key } : {}), filters: a.described,
    total, groupCount: rows.length, tooManyGroups: tooManyGroups || more > 0, partial,
    groups: shown.map((r) => ({ group: r.group, count: r.count, ids: r.ids })),
  };
  return bundle;
}

/** Errors after which running in the next goroutine makes no sense. */
const FATAL = new Set(['TargetLost', 'TargetExited', 'DelveNotAnswering', 'DelveTimeout', 'Interrupted', 'NoTarget']);

/** `-exec COMMAND`: COMMAND in each goroutine, each result under a heading; stops when interrupted. */
async function execEach(cx: CommandContext, rows: GoroutineRow[], a: GoroutinesArgs): Promise<MimeBundle> {
  const command = a.exec!;
  const filtered = a.filters.length > 0 || a.waiting || !!a.group;
  const limit = filtered ? EXEC_MAX : EXEC_UNFILTERED;
  if (rows.length > limit) {
    throw new UserError('UsageError', `goroutines -exec: ${rows.length} goroutines is too many to run \`${command}\` in (at most ${limit}${filtered ? '' : ' without a filter'})`,
      'narrow them first: `goroutines -with user -exec …`, `-with userloc main.go`, `-chan EXPR`, `-w`; `goroutines -group userloc` shows where they are');
  }
  const results: { id: number; ok: boolean; error?: string }[] = [];
  let interrupted = false;
  for (const r of rows) {
    if (cx.signal.aborted) {
      interrupted = true;
      break;
    }
    const where = [r.function, r.file ? `${paths.short(r.file)}:${r.line}` : '', r.waitReason ? `[${r.waitReason}]` : r.status ? `[${r.status}]` : ''].filter(Boolean).join('  ');
    const heading = `goroutine ${r.id}: ${command}${where ? `   (${where})` : ''}`;
    cx.out.display({ 'text/plain': `── ${heading}`, 'text/html': `<h4 style="margin:0.6em 0 0.2em">${escapeHtml(heading)}</h4>` });
    try {
      const out = await cx.runLine(`goroutine ${r.id} ${command}`);
      if (out) cx.out.display(out);
      results.push({ id: r.id, ok: true });
    } catch (err) {
      if (cx.signal.aborted) {
        interrupted = true;
        break;
      }
      if (!(err instanceof UserError) || FATAL.has(err.ename)) throw err;
      cx.out.display({ 'text/plain': `${err.ename}: ${err.message}${err.hint ? `\n${err.hint}` : ''}` });
      results.push({ id: r.id, ok: false, error: err.message });
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  const text = `ran \`${command}\` in ${results.length} of ${rows.length} goroutine${rows.length === 1 ? '' : 's'}${failed ? ` (${failed} failed)` : ''}${interrupted ? ' (interrupted)' : ''}`;
  return { 'text/plain': text, 'application/json': { kind: 'goroutinesExec', command, goroutines: results, total: rows.length, interrupted } };
}

export const goroutineCommands: Command[] = [
  {
    name: 'goroutines', aliases: ['grs'], group: 'looking', completes: 'nothing',
    usage: USAGE,
    summary: 'List every goroutine: status, wait reason, where it is, how it started.',
    details:
      'The current goroutine is marked with *. The flags are Delve\'s terminal\'s: Delve applies -with, -without and -chan, ' +
      'which combine (all must hold); -group counts on Delve\'s side too. Quote an ARG with spaces: -with userloc "main.go:42 in". ' +
      `-exec runs in at most ${EXEC_UNFILTERED} goroutines unless a flag narrowed them (then ${EXEC_MAX}); the interrupt button stops it.`,
    flags: goroutinesFlags,
    async run(cx) {
      const s = cx.state.need('goroutines');
      const a = parseGoroutinesArgs(cx.args);
      const names = await s.runtimeNames();
      if (a.group) {
        const grouped = await groupedGoroutines(s, cx, a, names);
        if (!a.exec) return groupsBundle(grouped.rows, a, grouped.tooManyGroups, grouped.partial);
        cx.out.display(groupsBundle(grouped.rows, a, grouped.tooManyGroups, grouped.partial));
        const starts = await startFunctionsById(s);
        const members = grouped.rows.slice(0, MAX_GROUPS).flatMap((r) => r.members);
        return execEach(cx, members.map((g) => goroutineRow(g, names, starts?.get(g.id))), a);
      }
      const [{ goroutines, partial }, current, starts] = await Promise.all([
        a.filters.length ? listFiltered(s, cx, a) : listAllGoroutines(s, cx), currentGoroutineId(cx, s), startFunctionsById(s),
      ]);
      let rows = tableRows(goroutines, names, starts);
      if (a.waiting) rows = rows.filter((r) => r.status === 'waiting');
      if (a.exec) return execEach(cx, rows, a);
      const title = `${rows.length} goroutine${rows.length === 1 ? '' : 's'}${a.described.length ? ` (${a.described.join(' ')})` : ''}${partial ? ' (interrupted: partial list)' : ''}`;
      const labels = a.labels ? new Map(goroutines.map((g) => [g.id, g.labels ?? {}])) : undefined;
      return goroutinesBundle(rows, current, title, labels);
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
          { name: 'id', type: 'integer' }, { name: 'goroutine', type: 'integer', blankZero: true }, { name: 'function', type: 'string' },
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
