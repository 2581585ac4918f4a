// The captures on disk and the SQL engine over them: one embedded DuckDB per kernel. Its
// file (the session database beside the notebook) holds every capture, committed as it is
// taken, so a killed kernel loses none; the live target's tables are made per query.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Capture } from '../capture/capture';
import type { MemSnapshot } from '../analyses/memwatch/snapshot';
import { UserError } from '../errors';
import {
  CAPTURES, CAPTURE_FRAMES, CAPTURE_GOROUTINES, FORMAT, FORMAT_VERSION, STORED_TABLES, captureFromRows, captureFrameRows, captureGoroutineRows,
  captureRow, createTableSql, memSnapshotRow, type TableRows, type TableSpec,
} from './schema';

type DuckModule = typeof import('@duckdb/node-api');

function duck(): DuckModule {
  try {
    return require('@duckdb/node-api') as DuckModule;
  } catch (err) {
    throw new UserError('NotAvailable', `SQL and saved captures need DuckDB (@duckdb/node-api), which did not load: ${(err as Error).message}`, 'reinstall the kernel (`npm install` in its directory); every other command works without it');
  }
}

/** A literal for SQL text: file names typed in a cell go in quoted, never as SQL. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export interface StoredCaptures {
  stacks: Capture[];
  mem: MemSnapshot[];
}

/** A query's answer: column names and DuckDB types, rows as plain JS values. */
export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  /** Rows the query gave beyond those kept. */
  more: number;
}

export class CaptureDatabase {
  /** Calls in order: DuckDB's connection takes one statement at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection, readonly file: string | undefined) {}

  /** FILE: the session database (made with its directory if new); undefined: in memory, lost with the kernel. */
  static async open(file: string | undefined): Promise<CaptureDatabase> {
    const { DuckDBInstance } = duck();
    if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
    const instance = await DuckDBInstance.create(file ?? ':memory:');
    const connection = await instance.connect();
    const db = new CaptureDatabase(instance, connection, file);
    await db.serial(async () => {
      const existing = await tableNames(connection, 'main');
      if (existing.has('meta')) await checkMeta(connection, 'main', file ?? 'the session database');
      else await connection.run(`CREATE TABLE meta (key VARCHAR, value VARCHAR); INSERT INTO meta VALUES ('format', ${sqlString(FORMAT)}), ('version', '${FORMAT_VERSION}')`);
      for (const t of STORED_TABLES) await connection.run(createTableSql(t));
    });
    return db;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Keeps CAPTURE (replacing one of its name), committed before this returns. */
  putStacks(c: Capture): Promise<void> {
    return this.serial(() => this.transaction(() => this.writeStacks(c, null)));
  }

  putMemSnapshot(s: MemSnapshot): Promise<void> {
    return this.serial(() => this.transaction(() => this.writeMemSnapshot(s, null)));
  }

  drop(kind: 'stacks' | 'memwatch', name: string): Promise<void> {
    return this.serial(() => this.transaction(() => this.deleteCapture(kind, name)));
  }

  /** Every capture kept, in the order taken. */
  loadAll(): Promise<StoredCaptures> {
    return this.serial(() => readCaptures(this.connection, 'main'));
  }

  /**
   * Runs QUERY; keeps at most MAX rows. A table it names that is not stored is asked of
   * LIVE (the target's tables, made only when a query names them) and made a TEMP table for
   * this query alone: the next one, at another stop, reads it again.
   */
  query(query: string, live: (table: string) => Promise<TableRows | undefined>, max: number, signal?: AbortSignal): Promise<QueryResult> {
    return this.serial(async () => {
      const made: string[] = [];
      // The interrupt button stops the query where it is (DuckDB checks between vectors).
      const stop = () => this.connection.interrupt();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        for (;;) {
          try {
            return await this.read(query, max);
          } catch (err) {
            const absent = /Table with name (\w+) does not exist/i.exec(String((err as Error)?.message))?.[1]?.toLowerCase();
            const t = absent && !made.includes(absent) ? await live(absent) : undefined;
            if (!t) throw err;
            await this.connection.run(createTableSql(t.spec, true));
            made.push(t.spec.name);
            await this.append(t.spec, t.rows, 'temp');
          }
        }
      } finally {
        signal?.removeEventListener('abort', stop);
        for (const name of made) await this.connection.run(`DROP TABLE IF EXISTS temp.main."${name}"`).catch(() => undefined);
      }
    });
  }

  private async read(query: string, max: number): Promise<QueryResult> {
    const result = await this.connection.stream(query);
    const names = result.columnNames();
    const types = result.columnTypes().map(String);
    const rows: Record<string, unknown>[] = [];
    let more = 0;
    for await (const batch of result.yieldRowObjectJs()) {
      for (const r of batch) {
        if (rows.length < max) rows.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
        else more++;
      }
    }
    return { columns: names.map((name, i) => ({ name, type: types[i] })), rows, more };
  }

  /**
   * Writes every capture to FILE whole or not at all: into a file beside it, renamed over
   * FILE once complete (a kill mid-save leaves the old FILE as it was).
   */
  saveTo(file: string): Promise<{ bytes: number }> {
    return this.serial(async () => {
      const partial = `${file}.partial-${process.pid}`;
      removeAbandonedSaves(file);
      fs.rmSync(partial, { force: true });
      fs.rmSync(`${partial}.wal`, { force: true });
      try {
        await this.connection.run(`ATTACH ${sqlString(partial)} AS saving`);
        try {
          await this.connection.run(`CREATE TABLE saving.meta AS SELECT * FROM main.meta`);
          for (const t of STORED_TABLES) await this.connection.run(`CREATE TABLE saving.${t.name} AS SELECT * FROM main.${t.name}`);
        } finally {
          await this.connection.run('DETACH saving');
        }
        const fd = fs.openSync(partial, 'r');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(partial, file);
      } catch (err) {
        fs.rmSync(partial, { force: true });
        throw err;
      }
      return { bytes: fs.statSync(file).size };
    });
  }

  /**
   * The captures in FILE (a `snapshots save` file), added to this database with ORIGIN;
   * RENAME(kind, name) says what each is called here. Nothing is added unless all is read.
   */
  loadFrom(file: string, origin: string, rename: (kind: string, name: string) => string): Promise<StoredCaptures> {
    return this.serial(async () => {
      if (!fs.existsSync(file)) throw new UserError('UsageError', `snapshots load: there is no file ${file}`, '`snapshots save FILE` writes one');
      try {
        await this.connection.run(`ATTACH ${sqlString(file)} AS loading (READ_ONLY)`);
      } catch (err) {
        throw new UserError('NotACapturesFile', `snapshots load: ${file} is not a delve-kernel captures file, or it is damaged (${firstLine(err)}); nothing was loaded`, 'load a file `snapshots save` wrote');
      }
      try {
        const found = await (async () => {
          await checkMeta(this.connection, 'loading', file);
          return readCaptures(this.connection, 'loading');
        })().catch((err) => {
          if (err instanceof UserError) throw err;
          throw new UserError('NotACapturesFile', `snapshots load: ${file} could not be read whole: it is cut short or damaged (${firstLine(err)}); nothing was loaded`, 'load a file `snapshots save` wrote');
        });
        for (const c of found.stacks) c.name = rename('stacks', c.name);
        for (const s of found.mem) s.name = rename('memwatch', s.name);
        await this.transaction(async () => {
          for (const c of found.stacks) await this.writeStacks(c, origin);
          for (const s of found.mem) await this.writeMemSnapshot(s, origin);
        });
        return found;
      } finally {
        await this.connection.run('DETACH loading');
      }
    });
  }

  /** Each stored table as DIR/TABLE.parquet; the file names written. */
  exportTo(dir: string): Promise<string[]> {
    return this.serial(async () => {
      fs.mkdirSync(dir, { recursive: true });
      const written: string[] = [];
      for (const t of STORED_TABLES) {
        const file = path.join(dir, `${t.name}.parquet`);
        await this.connection.run(`COPY main.${t.name} TO ${sqlString(file)} (FORMAT parquet)`);
        written.push(file);
      }
      return written;
    });
  }

  async close(): Promise<void> {
    await this.queue;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.connection.run('COMMIT');
    } catch (err) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Within a transaction: CAPTURE's rows in place of any of its name. */
  private async writeStacks(c: Capture, origin: string | null): Promise<void> {
    await this.deleteCapture('stacks', c.name);
    await this.append(CAPTURES, [captureRow(c, origin)]);
    await this.append(CAPTURE_GOROUTINES, captureGoroutineRows(c));
    await this.append(CAPTURE_FRAMES, captureFrameRows(c));
  }

  private async writeMemSnapshot(s: MemSnapshot, origin: string | null): Promise<void> {
    await this.deleteCapture('memwatch', s.name);
    await this.append(CAPTURES, [memSnapshotRow(s, origin)]);
  }

  private async deleteCapture(kind: string, name: string): Promise<void> {
    const where = `capture = ${sqlString(name)}`;
    if (kind === 'stacks') {
      await this.connection.run(`DELETE FROM main.${CAPTURE_GOROUTINES.name} WHERE ${where}`);
      await this.connection.run(`DELETE FROM main.${CAPTURE_FRAMES.name} WHERE ${where}`);
    }
    await this.connection.run(`DELETE FROM main.${CAPTURES.name} WHERE ${where} AND kind = ${sqlString(kind)}`);
  }

  private async append(t: TableSpec, rows: unknown[][], schema = 'main'): Promise<void> {
    if (rows.length === 0) return;
    const appender = schema === 'temp' ? await this.connection.createAppender(t.name, 'main', 'temp') : await this.connection.createAppender(t.name);
    const put = t.columns.map((c) => appendFor(appender, c.type));
    for (const row of rows) {
      for (let i = 0; i < put.length; i++) {
        const v = row[i];
        if (v === null || v === undefined) appender.appendNull();
        else put[i](v);
      }
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }
}

function appendFor(a: DuckDBAppender, type: string): (v: unknown) => void {
  switch (type) {
    case 'BIGINT': return (v) => a.appendBigInt(BigInt(Math.trunc(Number(v))));
    case 'UBIGINT': return (v) => a.appendUBigInt(BigInt(Math.trunc(Number(v))));
    case 'INTEGER': return (v) => a.appendInteger(Number(v) | 0);
    case 'DOUBLE': return (v) => a.appendDouble(Number(v));
    case 'BOOLEAN': return (v) => a.appendBoolean(Boolean(v));
    default: return (v) => a.appendVarchar(String(v));
  }
}

/** A value a table and JSON can show: big integers as numbers while exact, else strings. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return v;
}

/** What saves of FILE killed partway left (their process is gone). */
function removeAbandonedSaves(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.partial-`;
  for (const name of fs.readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    const pid = Number(name.slice(prefix.length).replace(/\.wal$/, ''));
    if (pid && pid !== process.pid && !alive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

async function tableNames(c: DuckDBConnection, catalog: string): Promise<Set<string>> {
  const r = await c.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_catalog = ${sqlString(catalog === 'main' ? await currentCatalog(c) : catalog)}`);
  return new Set(r.getRowObjectsJS().map((row) => String(row.table_name)));
}

async function currentCatalog(c: DuckDBConnection): Promise<string> {
  const r = await c.runAndReadAll('SELECT current_database() AS d');
  return String(r.getRowObjectsJS()[0].d);
}

/** The meta table of CATALOG says it is our format, of a version this kernel reads. */
async function checkMeta(c: DuckDBConnection, catalog: string, file: string): Promise<void> {
  const tables = await tableNames(c, catalog);
  const foreign = () => new UserError('NotACapturesFile', `${file} is a DuckDB database, but not one of delve-kernel's captures; nothing was loaded`, 'load a file `snapshots save` wrote');
  if (!tables.has('meta')) throw foreign();
  const schema = catalog === 'main' ? 'main' : catalog;
  const r = await c.runAndReadAll(`SELECT key, value FROM ${schema}.meta`);
  const meta = new Map(r.getRowObjectsJS().map((row) => [String(row.key), String(row.value)]));
  if (meta.get('format') !== FORMAT) throw foreign();
  const version = Number(meta.get('version'));
  if (!(version <= FORMAT_VERSION)) {
    throw new UserError('NewerFormat', `${file} is in captures format ${meta.get('version')}, newer than this kernel reads (${FORMAT_VERSION}); nothing was loaded`, 'open it with a newer delve-kernel');
  }
  for (const t of STORED_TABLES) if (!tables.has(t.name)) throw new UserError('NotACapturesFile', `${file} has no ${t.name} table: it is damaged; nothing was loaded`, 'load a file `snapshots save` wrote');
}

async function readCaptures(c: DuckDBConnection, schema: string): Promise<StoredCaptures> {
  const rows = (await c.runAndReadAll(`SELECT * FROM ${schema}.captures ORDER BY rowid`)).getRowObjectsJS();
  const out: StoredCaptures = { stacks: [], mem: [] };
  for (const row of rows) {
    if (row.kind === 'memwatch') {
      out.mem.push(JSON.parse(String(row.detail)) as MemSnapshot);
      continue;
    }
    const where = `WHERE capture = ${sqlString(String(row.capture))}`;
    const goroutines = (await c.runAndReadAll(`SELECT * FROM ${schema}.capture_goroutines ${where} ORDER BY id`)).getRowObjectsJS();
    const frames = (await c.runAndReadAll(`SELECT goroutineId, function, file, line, pc, inlined FROM ${schema}.capture_frames ${where} ORDER BY goroutineId, depth`)).getRowObjectsJS();
    out.stacks.push(captureFromRows(row, goroutines, frames));
  }
  return out;
}
