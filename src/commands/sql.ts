// SQL over everything the kernel has seen (`%%sql` cells, `sql QUERY`), and the captures as
// files: `snapshots save FILE`, `snapshots load FILE...`, `snapshots export DIR`.
import * as path from 'node:path';
import type { MimeBundle } from '../../kernel/interpreter';
import { captureStacks } from '../capture/capture-stacks';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { tableBundle, type FieldType } from '../render/table';
import { askDelve } from '../state';
import {
  breakpointsTable, findingsTable, framesTable, goroutinesTable, memstatsTable, memwatchSnapshotsTable, regionsTable, spansTable,
  threadsTable, waitsTable, LIVE_TABLES, type LiveTable,
} from '../store/live-tables';
import type { TableRows } from '../store/schema';
import type { Command, CommandContext } from './command';
import { readWaitGraph } from './goroutine-graph';
import { goroutineRows } from './goroutines';
import { memwatchNow } from './memwatch';
import { progressDisplay } from './progress';

/** Rows a query's answer shows; past it the output says how many more there were. */
const MAX_ROWS = 10_000;

const STORED = 'captures (one row per capture), capture_goroutines and capture_frames (with a `capture` column)';

/** The target's tables for one query, each read when the query first names it (memwatch's and the wait graph's once). */
function liveTables(cx: CommandContext): { table: (name: string) => Promise<TableRows | undefined>; done: () => void } {
  let mem: Awaited<ReturnType<typeof memwatchNow>> | undefined;
  let waits: Awaited<ReturnType<typeof readWaitGraph>> | undefined;
  let display: ReturnType<typeof progressDisplay> | undefined;
  const read: string[] = [];
  const table = async (name: string): Promise<TableRows | undefined> => {
    if (!(LIVE_TABLES as readonly string[]).includes(name)) return undefined;
    const t = name as LiveTable;
    if (t === 'memwatch_snapshots') return memwatchSnapshotsTable([...cx.state.memSnapshots.values()]);
    if (!cx.state.session) throw new UserError('NoSession', `sql: \`${t}\` is read from a target, and there is no session`, `start one (\`exec\`, \`attach\`, \`core\`), or query the captures: ${STORED}`);
    const s = cx.state.need('sql');
    if (s.running) throw new UserError('TargetRunning', `sql: \`${t}\` is read from the target, which must be stopped`, `press the interrupt button or type \`halt\` first; the captures (${STORED}) can be queried any time`);
    display ??= progressDisplay(cx, 'sql');
    const say = (m: string) => display!.report(`sql: ${m}…`);
    say(`reading ${t}`);
    read.push(t);
    if (t === 'goroutines') return goroutinesTable(await goroutineRows(s, cx));
    if (t === 'frames') return framesTable((await askDelve('sql', () => captureStacks(s, { name: 'frames', method: 'auto', signal: cx.signal }))).capture);
    if (t === 'breakpoints') return breakpointsTable(await askDelve('sql', () => s.query.listBreakpoints()));
    if (t === 'threads') return threadsTable(await askDelve('sql', () => s.query.listThreads()));
    if (t === 'memstats' || t === 'regions' || t === 'spans') {
      mem ??= await memwatchNow(cx);
      return t === 'memstats' ? memstatsTable(mem.summary) : t === 'regions' ? regionsTable(mem.summary) : spansTable(mem.capture.heap.spans);
    }
    waits ??= await readWaitGraph(cx, s, { progress: say });
    return t === 'waits' ? waitsTable(waits.graph) : findingsTable(waits.findings, waits.graph);
  };
  return { table, done: () => display?.done(`sql: read ${read.join(', ')}`) };
}

function fieldType(duckType: string): FieldType {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(duckType)) return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL)/.test(duckType)) return 'number';
  if (duckType === 'BOOLEAN') return 'boolean';
  return 'string';
}

/** DuckDB's own message, which already shows the query's line with a caret under the mistake. */
function sqlError(query: string, err: unknown): UserError {
  if (err instanceof UserError) return err;
  const message = String((err as Error)?.message ?? err).replace(/^Failed to extract statements: /, '');
  const lines = message.includes('LINE ') ? message : `${message}\n${query}`;
  return new UserError('SqlError', lines, `tables: ${LIVE_TABLES.join(', ')} (from the target), ${STORED}; DuckDB's SQL dialect`);
}

async function runSql(cx: CommandContext, query: string): Promise<MimeBundle> {
  if (!query.trim()) throw usage('sql', 'sql QUERY  (or a cell beginning with %%sql)', 'e.g. `sql SELECT status, count(*) FROM goroutines GROUP BY status`');
  const db = await cx.state.db();
  const live = liveTables(cx);
  const started = Date.now();
  const result = await db.query(query, live.table, MAX_ROWS, cx.signal).catch((err) => {
    if (cx.signal.aborted) throw new UserError('Interrupted', 'sql: the query was interrupted', 'the kernel, the target and the captures are as they were');
    throw sqlError(query, err);
  }).finally(live.done);
  const ms = Date.now() - started;
  const shown = result.rows.length + result.more;
  const title = `${shown.toLocaleString('en-US')} row${shown === 1 ? '' : 's'} in ${ms} ms${result.more ? ` (the first ${MAX_ROWS.toLocaleString('en-US')} shown: aggregate, or add LIMIT)` : ''}`;
  const bundle = tableBundle({ columns: result.columns.map((c) => ({ name: c.name, type: fieldType(c.type) })), rows: result.rows, title });
  bundle['application/json'] = { kind: 'sql', query, columns: result.columns, rows: result.rows, rowCount: shown, truncated: result.more > 0, durationMs: ms };
  return bundle;
}

const SNAPSHOTS_USAGE = 'snapshots save FILE | snapshots load FILE... | snapshots export DIR';

async function save(cx: CommandContext, words: string[]): Promise<MimeBundle> {
  if (words.length !== 1) throw usage('snapshots', SNAPSHOTS_USAGE, '`snapshots save FILE` writes every capture to one file');
  const file = path.resolve(cx.state.cwd, words[0]);
  const db = await cx.state.db();
  const started = Date.now();
  const { bytes } = await db.saveTo(file).catch((err: Error) => {
    throw new UserError('SaveFailed', `snapshots save: ${file} could not be written (${err.message.split('\n')[0]}); any earlier file there is unchanged`);
  });
  const stacks = cx.state.captures.names();
  const mem = [...cx.state.memSnapshots.keys()];
  return {
    'text/plain': `saved ${stacks.length} stack capture(s) and ${mem.length} memwatch snapshot(s) to ${file} (${(bytes / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)`,
    'application/json': { kind: 'snapshots.save', file, bytes, stackCaptures: stacks, memwatchSnapshots: mem, durationMs: Date.now() - started },
  };
}

async function load(cx: CommandContext, words: string[]): Promise<MimeBundle> {
  if (words.length === 0) throw usage('snapshots', SNAPSHOTS_USAGE, '`snapshots load FILE...` names the files `snapshots save` wrote');
  const db = await cx.state.db();
  const loaded: { file: string; stacks: string[]; memwatch: string[] }[] = [];
  for (const word of words) {
    const file = path.resolve(cx.state.cwd, word);
    const base = path.basename(file).replace(/\.[^.]*$/, '');
    // A name already taken keeps its capture: the loaded one is NAME@FILE.
    const rename = (kind: string, name: string) => {
      const taken = kind === 'stacks' ? cx.state.captures.get(name) : cx.state.memSnapshots.get(name);
      return taken ? `${name}@${base}` : name;
    };
    const found = await db.loadFrom(file, file, rename);
    for (const c of found.stacks) cx.state.captures.put(c);
    for (const m of found.mem) cx.state.memSnapshots.set(m.name, m);
    loaded.push({ file, stacks: found.stacks.map((c) => c.name), memwatch: found.mem.map((m) => m.name) });
  }
  const text = loaded.map((l) => `loaded from ${l.file}: ${l.stacks.length ? `stack captures ${l.stacks.join(', ')}` : 'no stack capture'}; ${l.memwatch.length ? `memwatch snapshots ${l.memwatch.join(', ')}` : 'no memwatch snapshot'}`).join('\n');
  return { 'text/plain': text, 'application/json': { kind: 'snapshots.load', files: loaded } };
}

async function exportParquet(cx: CommandContext, words: string[]): Promise<MimeBundle> {
  if (words.length !== 1) throw usage('snapshots', SNAPSHOTS_USAGE, '`snapshots export DIR` writes each table as DIR/TABLE.parquet');
  const dir = path.resolve(cx.state.cwd, words[0]);
  const db = await cx.state.db();
  const files = await db.exportTo(dir).catch((err: Error) => {
    throw new UserError('SaveFailed', `snapshots export: ${dir} could not be written (${err.message.split('\n')[0]})`);
  });
  return {
    'text/plain': `wrote ${files.map((f) => path.basename(f)).join(', ')} in ${dir}; read them with read_parquet('${dir}/*.parquet') or, for many, read_parquet('DIR/*/capture_frames.parquet')`,
    'application/json': { kind: 'snapshots.export', dir, files },
  };
}

export const sqlCommands: Command[] = [
  {
    name: 'sql', aliases: [], group: 'analyses', completes: 'nothing',
    usage: 'sql QUERY  (or a cell beginning with %%sql)',
    summary: 'A SQL query (DuckDB) over the target\'s tables and every capture.',
    details:
      `Tables of the stopped target, read when a query names them: ${LIVE_TABLES.join(', ')} (goroutines has the goroutines command's columns; `
      + 'frames: goroutineId, depth (0 innermost), function, file, line, pc, inlined; waits and findings: the wait-for graph of goroutine-graph). '
      + `The captures, kept on disk: ${STORED}. The answer is a table of at most ${MAX_ROWS.toLocaleString('en-US')} rows.`,
    async run(cx) {
      return runSql(cx, cx.args);
    },
  },
  {
    name: 'snapshots', aliases: [], group: 'analyses', completes: 'files',
    usage: SNAPSHOTS_USAGE,
    subcommands: [
      { name: 'save', usage: 'snapshots save FILE', summary: 'write every capture to one file (whole or not at all)', completes: 'files' },
      { name: 'load', usage: 'snapshots load FILE...', summary: 'bring back the captures of saved files (a name taken here becomes NAME@FILE)', completes: 'files' },
      { name: 'export', usage: 'snapshots export DIR', summary: 'each captures table as DIR/TABLE.parquet', completes: 'files' },
    ],
    summary: 'Captures as files: save them all, load them in another kernel, export them as Parquet.',
    details:
      'The stack captures (`stackdiff snapshot`) and memwatch snapshots of this kernel, which are also kept as they are taken in '
      + 'the session database beside the notebook (.delve-kernel/NOTEBOOK.duckdb). `load` needs no target: stackdiff, memwatch diff '
      + 'and SQL work on what it brings back, and the captures table says which file each came from (origin).',
    async run(cx) {
      const words = splitWords(cx.args);
      if (words[0] === 'save') return save(cx, words.slice(1));
      if (words[0] === 'load') return load(cx, words.slice(1));
      if (words[0] === 'export') return exportParquet(cx, words.slice(1));
      throw usage('snapshots', SNAPSHOTS_USAGE);
    },
  },
];
