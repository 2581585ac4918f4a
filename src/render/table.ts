// A table as a MIME bundle: aligned text/plain, text/html, and the tabular data resource
// (application/vnd.dataresource+json) that notebooks and scripts read.
//
// Text and HTML are for reading: file paths module-relative (the full path on hover in
// HTML), a thread id of 0 (none) blank, columns aligned by display width (wide and
// combining characters). The data resource keeps every value as it is.
import type { MimeBundle } from '../../kernel/interpreter';
import { clip, displayWidth, escapeHtml, oneLine, pad, proseHtml } from './html';
import { paths } from './paths';

export type FieldType = 'integer' | 'number' | 'string' | 'boolean';

export interface Column {
  name: string;
  type: FieldType;
  /** Shown in place of the raw value in text and HTML (the data keeps the raw value). */
  show?: (value: unknown, row: Record<string, unknown>) => string;
  /**
   * A file path (`file`) or `file:line` (`fileLine`): shown module-relative, whole in the
   * data and the HTML title. Columns named `file` and `goStatement` are, unless they say otherwise.
   */
  path?: 'file' | 'fileLine' | false;
  /** Zero means none: shown blank (columns named `threadId` are, unless they say otherwise). */
  blankZero?: boolean;
  /** In the data resource only: a figure the text and HTML already show in another column. */
  hidden?: boolean;
}

export interface Table {
  columns: Column[];
  rows: Record<string, unknown>[];
  /** A line above the table (prose: `code` in backticks becomes <code> in HTML). */
  title?: string;
  /** Rows to mark (the current goroutine, the selected frame). */
  marked?: (row: Record<string, unknown>) => boolean;
}

const TEXT_ROWS = 200;
const HTML_ROWS = 2000;
const TEXT_CELL = 60;

const PATH_COLUMNS: Record<string, 'file' | 'fileLine'> = { file: 'file', goStatement: 'fileLine' };
const BLANK_ZERO_COLUMNS = new Set(['threadId']);

function pathKind(column: Column): 'file' | 'fileLine' | undefined {
  if (column.path === false || column.show) return undefined;
  return column.path ?? PATH_COLUMNS[column.name];
}

export function cellText(column: Column, row: Record<string, unknown>): string {
  const value = row[column.name];
  if (column.show) return column.show(value, row);
  if (value === undefined || value === null) return '';
  if ((column.blankZero ?? BLANK_ZERO_COLUMNS.has(column.name)) && value === 0) return '';
  const kind = pathKind(column);
  if (kind && typeof value === 'string') return kind === 'file' ? paths.short(value) : paths.shortFileLine(value);
  return String(value);
}

const visible = (table: Table) => table.columns.filter((c) => !c.hidden);

export function tableText(table: Table): string {
  const columns = visible(table);
  const shown = table.rows.slice(0, TEXT_ROWS);
  const cells = shown.map((row) => columns.map((c) => clip(oneLine(cellText(c, row)), TEXT_CELL)));
  const widths = columns.map((c, i) => Math.max(displayWidth(c.name), ...cells.map((r) => displayWidth(r[i]))));
  const line = (values: string[], mark: string) =>
    (mark + values.map((v, i) => pad(v, widths[i], columns[i].type === 'string' ? 'left' : 'right')).join('  ')).trimEnd();
  const marks = table.marked ? '  ' : '';
  const out = [line(columns.map((c) => c.name), marks), ...cells.map((r, i) => line(r, table.marked ? (table.marked(shown[i]) ? '* ' : '  ') : ''))];
  if (table.rows.length > shown.length) out.push(`… ${table.rows.length - shown.length} more rows (all rows are in the HTML and JSON outputs)`);
  if (table.rows.length === 0) out.push('(none)');
  return (table.title ? table.title + '\n' : '') + out.join('\n');
}

function cellHtml(column: Column, row: Record<string, unknown>): string {
  const text = cellText(column, row);
  const raw = row[column.name];
  const style = column.type === 'string' ? ' style="text-align:left"' : '';
  const title = pathKind(column) && typeof raw === 'string' && raw !== text ? ` title="${escapeHtml(raw)}"` : '';
  return `<td${style}${title}>${escapeHtml(text)}</td>`;
}

export function tableHtml(table: Table): string {
  const columns = visible(table);
  const shown = table.rows.slice(0, HTML_ROWS);
  const head = columns.map((c) => `<th>${escapeHtml(c.name)}</th>`).join('');
  const body = shown
    .map((row) => {
      const style = table.marked?.(row) ? ' style="font-weight:bold"' : '';
      return `<tr${style}>${columns.map((c) => cellHtml(c, row)).join('')}</tr>`;
    })
    .join('\n');
  const more = table.rows.length > shown.length ? `<p>… ${table.rows.length - shown.length} more rows in the JSON output</p>` : '';
  const title = table.title ? `<p>${proseHtml(table.title)}</p>` : '';
  return `${title}<table class="delve-table">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>${more}`;
}

export function dataResource(table: Table): { schema: { fields: { name: string; type: FieldType }[] }; data: Record<string, unknown>[] } {
  return {
    schema: { fields: table.columns.map((c) => ({ name: c.name, type: c.type })) },
    data: table.rows.map((row) => Object.fromEntries(table.columns.map((c) => [c.name, row[c.name] ?? null]))),
  };
}

export function tableBundle(table: Table): MimeBundle {
  return {
    'text/plain': tableText(table),
    'text/html': tableHtml(table),
    'application/vnd.dataresource+json': dataResource(table),
  };
}
