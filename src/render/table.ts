// A table as a MIME bundle: aligned text/plain, text/html, and the tabular data resource
// (application/vnd.dataresource+json) that notebooks and scripts read.
import type { MimeBundle } from '../../kernel/interpreter';
import { clip, escapeHtml } from './html';

export type FieldType = 'integer' | 'number' | 'string' | 'boolean';

export interface Column {
  name: string;
  type: FieldType;
  /** Shown in place of the raw value in text and HTML (the data keeps the raw value). */
  show?: (value: unknown, row: Record<string, unknown>) => string;
}

export interface Table {
  columns: Column[];
  rows: Record<string, unknown>[];
  /** A line above the table. */
  title?: string;
  /** Rows to mark (the current goroutine, the selected frame). */
  marked?: (row: Record<string, unknown>) => boolean;
}

const TEXT_ROWS = 200;
const HTML_ROWS = 2000;
const TEXT_CELL = 60;

export function cellText(column: Column, row: Record<string, unknown>): string {
  const value = row[column.name];
  if (column.show) return column.show(value, row);
  return value === undefined || value === null ? '' : String(value);
}

export function tableText(table: Table): string {
  const shown = table.rows.slice(0, TEXT_ROWS);
  const cells = shown.map((row) => table.columns.map((c) => clip(cellText(c, row), TEXT_CELL)));
  const widths = table.columns.map((c, i) => Math.max(c.name.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[], mark: string) =>
    (mark + values.map((v, i) => (table.columns[i].type === 'string' ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')).trimEnd();
  const marks = table.marked ? '  ' : '';
  const out = [line(table.columns.map((c) => c.name), marks), ...cells.map((r, i) => line(r, table.marked ? (table.marked(shown[i]) ? '* ' : '  ') : ''))];
  if (table.rows.length > shown.length) out.push(`… ${table.rows.length - shown.length} more rows (all rows are in the HTML and JSON outputs)`);
  if (table.rows.length === 0) out.push('(none)');
  return (table.title ? table.title + '\n' : '') + out.join('\n');
}

export function tableHtml(table: Table): string {
  const shown = table.rows.slice(0, HTML_ROWS);
  const head = table.columns.map((c) => `<th>${escapeHtml(c.name)}</th>`).join('');
  const body = shown
    .map((row) => {
      const style = table.marked?.(row) ? ' style="font-weight:bold"' : '';
      const cells = table.columns
        .map((c) => `<td${c.type === 'string' ? ' style="text-align:left"' : ''}>${escapeHtml(cellText(c, row))}</td>`)
        .join('');
      return `<tr${style}>${cells}</tr>`;
    })
    .join('\n');
  const more = table.rows.length > shown.length ? `<p>… ${table.rows.length - shown.length} more rows in the JSON output</p>` : '';
  const title = table.title ? `<p>${escapeHtml(table.title)}</p>` : '';
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
