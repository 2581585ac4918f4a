// stackdiff's results as MIME bundles: a capture (its stacks folded), the list of captures,
// a capture's progress, and a diff (a table of folded changes, a side-by-side HTML diff of
// the stacks with changed frames marked and unchanged runs folded, the JSON of CONTRACT.md).
import type { MimeBundle } from '../../kernel/interpreter';
import type { Capture, CapturedFrame, CaptureProgress } from '../capture/capture';
import { estimatedBytes, frameCount } from '../capture/capture';
import { sameFrame, type DiffGroup, type StackDiff, type StackGroup } from '../analyses/stackdiff';
import { escapeHtml, proseHtml } from './html';
import { dataResource, tableHtml, tableText, type Column } from './table';

/** Side-by-side diffs shown in HTML (the table and JSON have every group). */
const HTML_GROUPS = 50;
/** Changed groups spelled out in text/plain. */
const TEXT_GROUPS = 10;
const TEXT_ROWS_PER_GROUP = 24;
const IDS_SHOWN = 5;

export function bytesText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const numbers = new Intl.NumberFormat('en-US');

function count(n: number): string {
  return numbers.format(n);
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

function idsText(ids: number[]): string {
  const shown = ids.slice(0, IDS_SHOWN).join(', ');
  return ids.length > IDS_SHOWN ? `${shown}, … (+${count(ids.length - IDS_SHOWN)})` : shown;
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function frameText(f: CapturedFrame): string {
  return `${f.function} ${baseName(f.file)}:${f.line}${f.inlined ? ' (inlined)' : ''}`;
}

/** The innermost frame outside the runtime: where the goroutine's own code is. */
export function userFrame(frames: CapturedFrame[] | undefined): CapturedFrame | undefined {
  if (!frames?.length) return undefined;
  return frames.find((f) => !f.function.startsWith('runtime.')) ?? frames[0];
}

function statusText(status: string, waitReason: string): string {
  return waitReason ? `${status} (${waitReason})` : status;
}

function methodText(c: Capture): string {
  return c.method === 'memory' ? 'read from memory, named from the binary\'s function table' : 'through Delve\'s Stacktrace';
}

// ---- progress ----

export function progressBundle(name: string, p: CaptureProgress): MimeBundle {
  const what = p.phase === 'goroutines' ? 'listing goroutines' : 'capturing stacks';
  // Never "0 of 0": before the first count, or while the total is unknown, no figure that is not one.
  const figures = p.total > 0 ? ` ${count(p.done)} of ${count(p.total)}` : p.done > 0 ? ` ${count(p.done)}` : '';
  const text = `stackdiff snapshot ${name}: ${what}${figures}…`;
  const bar = p.total > 0 ? `<progress value="${p.done}" max="${p.total}"></progress>` : '<progress></progress>';
  return {
    'text/plain': text,
    'text/html': `<p>${escapeHtml(text)} ${bar}</p>`,
  };
}

// ---- one capture ----

export interface SnapshotNotes {
  replaced?: boolean;
  fallbackReason?: string;
}

export function captureSummary(c: Capture): string {
  const seconds = (c.durationMs / 1000).toFixed(2);
  const partial = c.partial ? ` (interrupted: a partial capture, ${plural(c.missing.length, 'goroutine')} not captured)` : '';
  const truncated = c.goroutines.filter((g) => g.truncated).length;
  const cut = truncated ? `; ${plural(truncated, 'stack')} deeper than ${count(c.maxFrames)} frames cut there` : '';
  return `captured \`${c.name}\`: ${plural(c.goroutines.length, 'goroutine')}, ${plural(frameCount(c), 'frame')} in ${seconds} s (${methodText(c)})${partial}${cut}`;
}

const foldedColumns: Column[] = [
  { name: 'count', type: 'integer' },
  { name: 'goroutines', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'startFunction', type: 'string' },
  { name: 'where', type: 'string' },
  { name: 'frames', type: 'integer' },
  { name: 'totalStackBytes', type: 'integer', show: (v) => bytesText(v as number) },
];

export function snapshotBundle(c: Capture, groups: StackGroup[], notes: SnapshotNotes = {}): MimeBundle {
  const rows = groups.map((g) => {
    const top = userFrame(g.frames);
    return {
      count: g.count,
      goroutines: idsText(g.ids),
      status: statusText(g.status, g.waitReason),
      startFunction: g.startFunction,
      where: top ? frameText(top) : '',
      frames: g.frames.length,
      totalStackBytes: g.totalStackBytes,
    };
  });
  const lines = [captureSummary(c)];
  if (notes.replaced) lines.push(`(replaced the earlier capture named \`${c.name}\`)`);
  if (notes.fallbackReason) lines.push(`(through Delve: ${notes.fallbackReason})`);
  const table = { columns: foldedColumns, rows, title: `${plural(groups.length, 'distinct stack')}:` };
  return {
    'text/plain': `${lines.join('\n')}\n${tableText(table)}`,
    'text/html': lines.map((l) => `<p>${proseHtml(l)}</p>`).join('') + tableHtml(table),
    'application/vnd.dataresource+json': dataResource(table),
    'application/json': {
      kind: 'stackdiff.snapshot',
      name: c.name,
      takenAt: c.takenAt,
      target: c.target,
      method: c.method,
      partial: c.partial,
      missing: c.missing,
      goroutines: c.goroutines.length,
      frames: frameCount(c),
      durationMs: c.durationMs,
      maxFrames: c.maxFrames,
      truncated: c.goroutines.filter((g) => g.truncated).map((g) => g.id),
      groups: groups.map((g) => ({
        count: g.count, ids: g.ids, status: g.status, waitReason: g.waitReason, startFunction: g.startFunction,
        goStatement: g.goStatement, frames: g.frames.length, totalStackBytes: g.totalStackBytes, truncated: g.truncated,
        where: userFrame(g.frames) ?? null,
      })),
    },
  };
}

// ---- the list ----

const listColumns: Column[] = [
  { name: 'name', type: 'string' },
  { name: 'goroutines', type: 'integer' },
  { name: 'frames', type: 'integer' },
  { name: 'estimatedBytes', type: 'integer' },
  { name: 'partial', type: 'boolean' },
  { name: 'method', type: 'string' },
  { name: 'target', type: 'string' },
  { name: 'takenAt', type: 'string' },
  { name: 'durationMs', type: 'integer' },
];

/** KEPT: where the captures outlive the kernel (its captures file), or undefined: in this kernel only. */
export function captureListBundle(captures: Capture[], kept?: string): MimeBundle {
  const rows = captures.map((c) => ({
    name: c.name, goroutines: c.goroutines.length, frames: frameCount(c), estimatedBytes: estimatedBytes(c), partial: c.partial, method: c.method,
    target: c.target.session, takenAt: c.takenAt, durationMs: c.durationMs,
  }));
  const table = { columns: listColumns, rows, title: captures.length ? `${plural(captures.length, 'capture')} (${kept ? `kept on disk in ${kept}` : 'kept until the kernel restarts'}; \`stackdiff drop NAME\` forgets one)` : 'no captures yet: `stackdiff snapshot NAME` takes one' };
  return {
    'text/plain': tableText(table),
    'text/html': tableHtml(table),
    'application/vnd.dataresource+json': dataResource(table),
    'application/json': { kind: 'stackdiff.list', captures: rows },
  };
}

// ---- a diff ----

function framesChange(g: DiffGroup): string {
  if (g.change === 'appeared') return String(g.framesAfter);
  if (g.change === 'vanished' || g.change === 'unchanged') return String(g.framesBefore);
  const d = g.framesAfter - g.framesBefore;
  return `${g.framesBefore} → ${g.framesAfter}${d ? ` (${d > 0 ? '+' : ''}${d})` : ''}`;
}

function stackMemoryText(g: DiffGroup): string {
  if (g.change === 'appeared') return bytesText(g.stackBytesAfter);
  if (g.change === 'vanished' || g.change === 'unchanged') return bytesText(g.stackBytesBefore);
  const how = g.stackMemory === 'grew' ? 'grew by copying'
    : g.stackMemory === 'shrank' ? 'shrank by copying'
    : g.stackMemory === 'moved' ? 'moved by copying' : '';
  const sizes = g.stackBytesBefore === g.stackBytesAfter ? bytesText(g.stackBytesAfter) : `${bytesText(g.stackBytesBefore)} → ${bytesText(g.stackBytesAfter)}`;
  return how ? `${sizes} (${how})` : sizes;
}

const diffColumns: Column[] = [
  { name: 'change', type: 'string' },
  { name: 'count', type: 'integer' },
  { name: 'goroutines', type: 'string' },
  { name: 'startFunction', type: 'string' },
  { name: 'where', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'frames', type: 'string' },
  { name: 'common', type: 'integer' },
  { name: 'stack', type: 'string' },
];

const diffDataColumns: Column[] = [
  { name: 'change', type: 'string' },
  { name: 'count', type: 'integer' },
  { name: 'ids', type: 'string' },
  { name: 'startFunction', type: 'string' },
  { name: 'goStatement', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'waitReason', type: 'string' },
  { name: 'where', type: 'string' },
  { name: 'framesBefore', type: 'integer' },
  { name: 'framesAfter', type: 'integer' },
  { name: 'commonFrames', type: 'integer' },
  { name: 'stackBytesBefore', type: 'integer' },
  { name: 'stackBytesAfter', type: 'integer' },
  { name: 'stackMemory', type: 'string' },
];

function whereOf(g: DiffGroup): CapturedFrame | undefined {
  return userFrame(g.after ?? g.before);
}

export function diffSummary(d: StackDiff): string {
  const how = d.matchedBy === 'id' ? 'matched by goroutine id' : 'matched by identity (start function and go statement), as the captures come from different processes';
  const parts = [
    `${plural(d.appeared.length, 'goroutine')} appeared`,
    `${count(d.vanished.length)} vanished`,
    `${count(d.changed.length)} changed`,
    `${count(d.unchanged)} unchanged`,
  ];
  const partial = d.partial ? '; a capture was interrupted: goroutines it missed are not compared' : '';
  return `stackdiff ${d.before} → ${d.after}: ${parts.join(', ')} (${how})${partial}`;
}

export function stackdiffBundle(d: StackDiff): MimeBundle {
  const rows = d.groups.map((g) => {
    const where = whereOf(g);
    return {
      change: g.change, count: g.count, goroutines: idsText(g.ids), ids: g.ids.join(' '), startFunction: g.startFunction,
      goStatement: g.goStatement, status: statusText(g.status, g.waitReason), waitReason: g.waitReason,
      where: where ? frameText(where) : '', frames: framesChange(g), common: g.change === 'changed' ? g.commonFrames : null,
      stack: stackMemoryText(g), framesBefore: g.framesBefore, framesAfter: g.framesAfter, commonFrames: g.commonFrames,
      stackBytesBefore: g.stackBytesBefore, stackBytesAfter: g.stackBytesAfter, stackMemory: g.stackMemory ?? '',
    };
  });
  const summary = diffSummary(d);
  const table = { columns: diffColumns, rows, title: d.groups.length ? `${plural(d.groups.length, 'row')} (goroutines with the same stacks folded):` : undefined };
  const data = dataResource({ columns: diffDataColumns, rows: rows.map((r) => ({ ...r, status: r.status.replace(/ \(.*\)$/, '') })) });
  const shown = d.groups.filter((g) => g.change !== 'unchanged');
  const html = [
    `<p>${proseHtml(summary)}</p>`,
    tableHtml(table),
    ...shown.slice(0, HTML_GROUPS).map((g) => groupHtml(d, g)),
    shown.length > HTML_GROUPS ? `<p>… ${count(shown.length - HTML_GROUPS)} more rows: all are in the table and the JSON output</p>` : '',
  ].join('\n');
  const text = [summary, tableText(table), ...shown.filter((g) => g.change === 'changed').slice(0, TEXT_GROUPS).map((g) => groupText(g))].join('\n\n');
  return {
    'text/plain': text,
    'text/html': `<div class="delve-stackdiff">${STYLE}${html}</div>`,
    'application/vnd.dataresource+json': data,
    'application/json': d,
  };
}

// ---- side by side ----

type Mark = 'same' | 'changed';

interface Row {
  before?: CapturedFrame;
  after?: CapturedFrame;
  mark: Mark;
  /** Identical rows folded into this one. */
  times: number;
}

/**
 * The frames above the common root part, side by side from the innermost (the two stacks
 * usually block the same way at the top), then the common part. Runs of identical rows fold
 * into one (a recursion of 2,000 calls is one row).
 */
export function sideBySide(before: CapturedFrame[], after: CapturedFrame[], common: number): { differing: Row[]; common: Row[] } {
  const nb = before.length - common;
  const na = after.length - common;
  const differing: Row[] = [];
  for (let i = 0; i < Math.max(nb, na); i++) {
    const b = i < nb ? before[i] : undefined;
    const a = i < na ? after[i] : undefined;
    differing.push({ before: b, after: a, mark: b && a && sameFrame(b, a) ? 'same' : 'changed', times: 1 });
  }
  const root: Row[] = before.slice(nb).map((f, i) => ({ before: f, after: after[na + i], mark: 'same' as Mark, times: 1 }));
  return { differing: foldRuns(differing), common: foldRuns(root) };
}

function rowKey(r: Row): string {
  const k = (f?: CapturedFrame) => (f ? `${f.function}\n${f.file}\n${f.line}` : '');
  return `${r.mark}\n${k(r.before)}\n${k(r.after)}`;
}

export function foldRuns(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && rowKey(last) === rowKey(r)) last.times += r.times;
    else out.push({ ...r });
  }
  return out;
}

function groupTitle(g: DiffGroup): string {
  const who = g.count === 1 ? `goroutine ${g.ids[0]}` : `${count(g.count)} goroutines (${idsText(g.ids)})`;
  const started = g.startFunction ? ` started by ${g.startFunction}` : '';
  if (g.change === 'changed') {
    return `changed: ${who}${started}: ${framesChange(g)} frames, ${g.commonFrames} common from the root; stack ${stackMemoryText(g)}`;
  }
  return `${g.change}: ${who}${started}: ${plural(g.change === 'appeared' ? g.framesAfter : g.framesBefore, 'frame')}, stack ${stackMemoryText(g)}`;
}

const STYLE = `<style>
.delve-stackdiff table.sbs { border-collapse: collapse; font-family: monospace; font-size: 12px; }
.delve-stackdiff table.sbs td { padding: 1px 8px; text-align: left; vertical-align: top; }
.delve-stackdiff td.removed { background: #fde2e2; }
.delve-stackdiff td.added { background: #dcf5dc; }
.delve-stackdiff td.times { color: #777; text-align: right; }
.delve-stackdiff summary { cursor: pointer; }
</style>`;

function cellHtml(f: CapturedFrame | undefined, cls: string): string {
  if (!f) return '<td></td>';
  const title = `${f.file}:${f.line} pc 0x${f.pc.toString(16)}`;
  return `<td${cls ? ` class="${cls}"` : ''} title="${escapeHtml(title)}">${escapeHtml(frameText(f))}</td>`;
}

function rowsHtml(rows: Row[]): string {
  return rows
    .map((r) => {
      const changed = r.mark === 'changed';
      const times = r.times > 1 ? `×${count(r.times)}` : '';
      return `<tr>${cellHtml(r.before, changed ? 'removed' : '')}${cellHtml(r.after, changed ? 'added' : '')}<td class="times">${times}</td></tr>`;
    })
    .join('\n');
}

function groupHtml(d: StackDiff, g: DiffGroup): string {
  const { differing, common } = sideBySide(g.before ?? [], g.after ?? [], g.commonFrames);
  const root = g.commonFrames
    ? `<tr><td colspan="3"><details><summary>${plural(g.commonFrames, 'common frame')} from the root (${escapeHtml(common[0]?.before?.function ?? '')} … ${escapeHtml(common[common.length - 1]?.before?.function ?? '')})</summary><table class="sbs">${rowsHtml(common)}</table></details></td></tr>`
    : '';
  return `<details${g.change === 'changed' ? ' open' : ''}><summary>${escapeHtml(groupTitle(g))}</summary>
<table class="sbs"><thead><tr><th>${escapeHtml(d.before)}</th><th>${escapeHtml(d.after)}</th><th></th></tr></thead><tbody>
${rowsHtml(differing)}
${root}
</tbody></table></details>`;
}

function groupText(g: DiffGroup): string {
  const { differing } = sideBySide(g.before ?? [], g.after ?? [], g.commonFrames);
  const lines = [groupTitle(g)];
  for (const r of differing.slice(0, TEXT_ROWS_PER_GROUP)) {
    const times = r.times > 1 ? ` ×${count(r.times)}` : '';
    if (r.mark === 'same') lines.push(`    ${frameText(r.before!)}${times}`);
    else {
      if (r.before) lines.push(`  - ${frameText(r.before)}${times}`);
      if (r.after) lines.push(`  + ${frameText(r.after)}${times}`);
    }
  }
  if (differing.length > TEXT_ROWS_PER_GROUP) lines.push(`    … ${differing.length - TEXT_ROWS_PER_GROUP} more rows (the HTML output has them all)`);
  if (g.commonFrames) lines.push(`    (${plural(g.commonFrames, 'common frame')} from the root)`);
  return lines.join('\n');
}
