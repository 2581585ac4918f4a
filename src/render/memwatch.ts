// memwatch results as MIME bundles: text for consoles and logs, tables (HTML and data
// resource), plots (Vega-Lite and SVG) and the JSON of CONTRACT.md.
import type { MimeBundle } from '../../kernel/interpreter';
import type { MemDiff } from '../analyses/memwatch/diff';
import type { ResidencyBin } from '../analyses/memwatch/residency-map';
import type { MemSnapshot } from '../analyses/memwatch/snapshot';
import type { SpanLookup } from '../analyses/memwatch/span-lookup';
import type { SizeClassRow } from '../analyses/memwatch/top';
import { escapeHtml, hex, proseHtml } from './html';
import { plotEntries } from './plot';
import { dataResource, tableHtml, tableText, type Table } from './table';

/** 268435456 -> '256.0 MiB'. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'n/a';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  for (const unit of ['B', 'KiB', 'MiB', 'GiB', 'TiB']) {
    if (v < 1024 || unit === 'TiB') return unit === 'B' ? `${sign}${v} B` : `${sign}${v.toFixed(1)} ${unit}`;
    v /= 1024;
  }
  return `${sign}${v}`;
}

function signedBytes(n: number | null): string {
  return n === null ? 'n/a' : (n > 0 ? '+' : '') + formatBytes(n);
}

const signedCount = (v: unknown) => (typeof v === 'number' && v > 0 ? '+' : '') + String(v ?? 'n/a');

export interface ByteUnit {
  name: 'B' | 'KiB' | 'MiB' | 'GiB' | 'TiB';
  bytes: number;
}

/** The unit a plot's axis reads best in: the largest in which the largest figure is at least 1 (KiB for a 50 KiB heap). */
export function byteUnit(largest: number): ByteUnit {
  const units: ByteUnit['name'][] = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (i < units.length - 1 && Math.abs(largest) >= 1024 ** (i + 1)) i++;
  return { name: units[i], bytes: 1024 ** i };
}

/** A figure rounded for reading: whole from 1000 up, else 3 significant digits (the data keeps it whole). */
export function rounded(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 1000) return String(Math.round(n));
  if (Math.abs(n) < 1e-6) return n.toExponential(2);
  return String(Number(n.toPrecision(3)));
}

/** Nanoseconds as milliseconds: to the microsecond below 1 ms, else 3 significant digits. */
function ms(ns: number): string {
  const v = ns / 1e6;
  return `${Math.abs(v) < 1 ? String(Number(v.toFixed(3))) : rounded(v)} ms`;
}

/** The GOGC goal of a collector switched off: ^uint64(0), which a JS number holds as 2^64. */
const GC_OFF = 2 ** 63;

/** How a runtime.MemStats figure reads: bytes in units, durations in ms, the time of the last GC, a fraction in %, counts as they are. */
export function memstatText(name: string, value: number | null | undefined, signed = false): string {
  if (value === null || value === undefined) return 'n/a';
  const sign = signed && value > 0 ? '+' : '';
  switch (name) {
    case 'pauseTotalNs': return sign + ms(value);
    case 'lastGC': return signed ? sign + ms(value) : value === 0 ? 'never' : new Date(value / 1e6).toISOString();
    case 'nextGC': return !signed && value >= GC_OFF ? 'GOGC=off (only GOMEMLIMIT starts a GC)' : signed ? signedBytes(value) : formatBytes(value);
    case 'gcCPUFraction': return `${sign}${rounded(value * 100)}%`;
    default: return COUNT_FIGURES.has(name) ? sign + String(value) : signed ? signedBytes(value) : formatBytes(value);
  }
}

const bytesColumn = (name: string) => ({ name, type: 'integer' as const, show: (v: unknown) => formatBytes(v as number | null) });

function notesText(notes: string[]): string {
  return notes.length ? '\n' + notes.map((n) => `note: ${n}`).join('\n') : '';
}

function notesHtml(notes: string[]): string {
  return notes.length ? `<ul>${notes.map((n) => `<li>${proseHtml(n)}</li>`).join('')}</ul>` : '';
}

/**
 * What an output shows in text and HTML; by default every note. The command passes only the
 * notes it has not shown before in the session, so one caveat is not repeated under every
 * output; the JSON keeps them all.
 */
export interface Shown {
  notes?: string[];
}

/** Counts and byte figures of MemStats (bytes shown in units too). */
const COUNT_FIGURES = new Set(['mallocs', 'frees', 'heapObjects', 'numGC', 'numForcedGC', 'lastGC', 'pauseTotalNs', 'gcCPUFraction']);

export function statsBundle(s: MemSnapshot, shown: Shown = {}): MimeBundle {
  const notes = shown.notes ?? s.notes;
  const rows: Record<string, unknown>[] = Object.entries(s.memstats).map(([name, value]) => ({
    name, value, shown: memstatText(name, value), source: s.approximate[name] ? 'approximate' : 'runtime',
  }));
  rows.push({ name: 'rss', value: s.rssBytes, shown: formatBytes(s.rssBytes), source: s.pages.available ? '/proc pagemap' : 'n/a' });
  rows.push({ name: 'heapResident', value: s.heapResidentBytes, shown: formatBytes(s.heapResidentBytes), source: s.pages.available ? '/proc pagemap' : 'n/a' });
  const table: Table = {
    title: `Go ${s.goVersion} runtime.MemStats of process ${s.pid} (value: as the runtime keeps it, bytes unless a count or ns), beside the kernel's view`,
    columns: [{ name: 'name', type: 'string' }, { name: 'value', type: 'number' }, { name: 'shown', type: 'string' }, { name: 'source', type: 'string' }],
    rows,
  };
  return {
    'text/plain': tableText(table) + notesText(notes),
    'text/html': tableHtml(table) + notesHtml(notes),
    'application/vnd.dataresource+json': dataResource(table),
    'application/json': { kind: 'memwatch.stats', pid: s.pid, goVersion: s.goVersion, memstats: s.memstats, approximate: s.approximate, rssBytes: s.rssBytes, heapResidentBytes: s.heapResidentBytes, notes: s.notes },
  };
}

function kindTotals(s: MemSnapshot): Record<string, unknown>[] {
  const kinds = new Map<string, { kind: string; regions: number; sizeBytes: number; residentBytes: number | null; swappedBytes: number | null; softDirtyBytes: number | null; fileBytes: number | null; hugeBytes: number | null }>();
  for (const r of s.regions) {
    const k = kinds.get(r.kind) ?? { kind: r.kind, regions: 0, sizeBytes: 0, residentBytes: 0, swappedBytes: 0, softDirtyBytes: 0, fileBytes: 0, hugeBytes: 0 };
    k.regions++;
    k.sizeBytes += r.sizeBytes;
    for (const f of ['residentBytes', 'swappedBytes', 'softDirtyBytes', 'fileBytes', 'hugeBytes'] as const) k[f] = k[f] === null || r[f] === null ? null : k[f]! + r[f]!;
    kinds.set(r.kind, k);
  }
  return [...kinds.values()];
}

const REGION_COLUMNS = [
  bytesColumn('sizeBytes'), bytesColumn('residentBytes'), bytesColumn('swappedBytes'), bytesColumn('softDirtyBytes'), bytesColumn('fileBytes'), bytesColumn('hugeBytes'),
];

export async function pagesBundle(s: MemSnapshot, map: ResidencyBin[], shown: Shown = {}): Promise<MimeBundle> {
  const notes = shown.notes ?? s.notes;
  const byKind: Table = { title: 'By kind of region', columns: [{ name: 'kind', type: 'string' }, { name: 'regions', type: 'integer' }, ...REGION_COLUMNS], rows: kindTotals(s) };
  const heap: Table = {
    title: 'Heap arenas by page state (runtime: page allocator and spans; kernel: pagemap)',
    columns: [{ name: 'state', type: 'string' }, bytesColumn('bytes'), bytesColumn('residentBytes'), bytesColumn('swappedBytes'), bytesColumn('softDirtyBytes')],
    rows: s.heapStates as unknown as Record<string, unknown>[],
  };
  const regions: Table = {
    title: `Every region (${s.regions.length})`,
    columns: [{ name: 'kind', type: 'string' }, { name: 'name', type: 'string' }, { name: 'start', type: 'integer', show: (v) => hex(v as number) }, { name: 'end', type: 'integer', show: (v) => hex(v as number) }, ...REGION_COLUMNS],
    rows: s.regions as unknown as Record<string, unknown>[],
  };
  const head = `Process ${s.pid}: RSS ${formatBytes(s.rssBytes)}, heap resident ${formatBytes(s.heapResidentBytes)}; runtime heapInuse ${formatBytes(s.memstats.heapInuse)}, heapIdle ${formatBytes(s.memstats.heapIdle)}, heapReleased ${formatBytes(s.memstats.heapReleased)}, stackInuse ${formatBytes(s.memstats.stackInuse)} (read with ${s.pages.method})`;
  const plot = await plotEntries(residencySpec(map));
  const largest = { ...regions, title: 'Largest regions', rows: [...s.regions].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, 15) as unknown as Record<string, unknown>[] };
  return {
    'text/plain': [head, '', tableText(byKind), '', tableText(heap), '', tableText(largest)].join('\n') + notesText(notes),
    'text/html': `<p>${escapeHtml(head)}</p>${plot['image/svg+xml']}${tableHtml(byKind)}${tableHtml(heap)}${tableHtml(regions)}${notesHtml(notes)}`,
    'application/vnd.dataresource+json': dataResource(regions),
    ...plot,
    'application/json': {
      kind: 'memwatch.pages', pid: s.pid, regions: s.regions, heapStates: s.heapStates, heapResidentBytes: s.heapResidentBytes, rssBytes: s.rssBytes, pages: s.pages, notes: s.notes,
    },
  };
}

/** What the residency plot's cells are, in the legend's order, each with its colour. */
const RESIDENCY_COLOURS: [string, string][] = [
  ['heap in use', '#4c78a8'], ['goroutine stacks', '#e45756'], ['heap idle', '#f58518'], ['heap released', '#54a24b'], ['arena unused', '#9d9d9d'],
  ['heap', '#72b7b2'], ['stack', '#b279a2'], ['text', '#ff9da6'], ['data', '#9d755d'], ['other', '#eeca3b'],
];
const NOT_RESIDENT_OPACITY = 0.2;

export function residencySpec(map: ResidencyBin[]): Record<string, unknown> {
  // Each stretch of a row drawn in two: its resident share solid, the rest pale, in the colour
  // of what it holds; so the legend's colours are the cells' (an opacity scale would make
  // every cell a shade the legend does not show).
  const values = map.flatMap((b) => {
    const cut = b.from + (b.to - b.from) * b.residentFraction;
    const common = { region: b.region, what: b.what, startHex: hex(b.start), endHex: hex(b.end), residentFraction: b.residentFraction };
    return [
      ...(cut > b.from ? [{ ...common, from: b.from, to: cut, part: 'resident' }] : []),
      ...(cut < b.to ? [{ ...common, from: cut, to: b.to, part: 'not resident' }] : []),
    ];
  });
  const present = new Set(map.map((b) => b.what));
  const colours = [...RESIDENCY_COLOURS.filter(([w]) => present.has(w)), ...[...present].filter((w) => !RESIDENCY_COLOURS.some(([k]) => k === w)).map((w): [string, string] => [w, '#bab0ac'])];
  return {
    title: {
      text: 'Residency of the address space',
      subtitle: 'rows: the largest regions, in address order; colour: what the pages hold; solid: the resident share, pale: not resident',
    },
    data: { values },
    mark: { type: 'rect', stroke: null },
    width: 640,
    encoding: {
      x: {
        field: 'from', type: 'quantitative', scale: { domain: [0, 1], nice: false },
        axis: { format: '%', tickCount: 4, grid: false }, title: 'position in the region: from its start address (0%) to its end (100%)',
      },
      x2: { field: 'to' },
      y: { field: 'region', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
      color: {
        field: 'what', type: 'nominal', title: 'what the pages hold',
        scale: { domain: colours.map(([w]) => w), range: colours.map(([, c]) => c) },
      },
      opacity: { condition: { test: "datum.part === 'resident'", value: 1 }, value: NOT_RESIDENT_OPACITY },
      tooltip: [{ field: 'region' }, { field: 'what' }, { field: 'startHex', title: 'start' }, { field: 'endHex', title: 'end' }, { field: 'residentFraction', format: '.0%', title: 'resident' }],
    },
  };
}

export function snapshotBundle(s: MemSnapshot, shown: Shown = {}): MimeBundle {
  const notes = shown.notes ?? s.notes;
  const text = [
    `Snapshot ${JSON.stringify(s.name)} of process ${s.pid} (Go ${s.goVersion}) at ${s.takenAt}:`,
    `  heapAlloc ${formatBytes(s.memstats.heapAlloc)}, heapInuse ${formatBytes(s.memstats.heapInuse)}, heapIdle ${formatBytes(s.memstats.heapIdle)}, heapReleased ${formatBytes(s.memstats.heapReleased)}, stackInuse ${formatBytes(s.memstats.stackInuse)}, numGC ${s.memstats.numGC}`,
    `  RSS ${formatBytes(s.rssBytes)}, heap resident ${formatBytes(s.heapResidentBytes)}; ${s.spans} spans in ${s.arenas} arena${s.arenas === 1 ? '' : 's'}; ${s.regions.length} regions`,
    `  compare with \`memwatch diff ${s.name} OTHER\``,
  ].join('\n');
  return {
    'text/plain': text + notesText(notes),
    'text/html': `<pre>${proseHtml(text)}</pre>${notesHtml(notes)}`,
    'application/json': s,
  };
}

export async function diffBundle(d: MemDiff, shown: Shown = {}): Promise<MimeBundle> {
  const notes = shown.notes ?? d.notes;
  // Text and HTML show each figure in its unit (bytes in KiB/MiB, ns in ms, rounded); the data keeps the runtime's numbers.
  const figure = (signed: boolean) => (v: unknown, row: Record<string, unknown>) => memstatText(String(row.name), v as number | null, signed);
  const memstats: Table = {
    title: `memwatch diff ${d.before} ${d.after}: runtime figures that changed`,
    columns: [
      { name: 'name', type: 'string' }, { name: 'before', type: 'number', show: figure(false) }, { name: 'after', type: 'number', show: figure(false) },
      { name: 'delta', type: 'number', show: figure(true) }, { name: 'shown', type: 'string', hidden: true },
    ],
    rows: Object.entries(d.memstats).filter(([, c]) => c.delta !== 0).map(([name, c]) => ({ name, ...c, shown: memstatText(name, c.delta, true) })),
  };
  const rows = [
    { what: 'RSS', ...d.rssBytes },
    { what: 'heap resident', ...d.heapResidentBytes },
    ...d.regions.map((r) => ({ what: `${r.kind} regions resident`, ...r.residentBytes })),
    ...d.heapStates.map((s) => ({ what: `heap ${s.state} (pages)`, ...s.bytes })),
    ...d.heapStates.map((s) => ({ what: `heap ${s.state} resident`, ...s.residentBytes })),
  ];
  const kernel: Table = {
    title: 'Pages: by region kind and heap page state',
    columns: [{ name: 'what', type: 'string' }, bytesColumn('before'), bytesColumn('after'), { name: 'delta', type: 'integer', show: (v) => signedBytes(v as number | null) }],
    rows,
  };
  const classes: Table = {
    title: 'Heap by size class: changes',
    columns: [
      { name: 'sizeClass', type: 'integer' }, { name: 'elemSize', type: 'integer' }, { name: 'spans', type: 'integer', show: signedCount }, { name: 'objects', type: 'integer', show: signedCount },
      { name: 'inUseBytes', type: 'integer', show: (v) => signedBytes(v as number | null) }, { name: 'spanBytes', type: 'integer', show: (v) => signedBytes(v as number | null) },
    ],
    rows: d.sizeClasses.filter((c) => c.spanBytes.delta !== 0 || c.objects.delta !== 0).slice(0, 30).map((c) => ({
      sizeClass: c.sizeClass, elemSize: c.elemSize, spans: c.spans.delta, objects: c.objects.delta, inUseBytes: c.inUseBytes.delta, spanBytes: c.spanBytes.delta,
    })),
  };
  const plot = await plotEntries(diffSpec(d));
  return {
    'text/plain': [tableText(memstats), '', tableText(kernel), '', tableText(classes)].join('\n') + notesText(notes),
    'text/html': `${plot['image/svg+xml']}${tableHtml(memstats)}${tableHtml(kernel)}${tableHtml(classes)}${notesHtml(notes)}`,
    'application/vnd.dataresource+json': dataResource(kernel),
    ...plot,
    'application/json': d,
  };
}

export function diffSpec(d: MemDiff): Record<string, unknown> {
  const regions = [
    ...d.regions.filter((r) => r.residentBytes.delta !== null).map((r) => ({ what: `${r.kind} (resident)`, bytes: r.residentBytes.delta ?? 0 })),
    ...d.heapStates.map((s) => ({ what: `heap ${s.state} (pages)`, bytes: s.bytes.delta ?? 0 })),
    ...d.heapStates.filter((s) => s.residentBytes.delta !== null).map((s) => ({ what: `heap ${s.state} (resident)`, bytes: s.residentBytes.delta ?? 0 })),
  ];
  const classes = d.sizeClasses.filter((c) => c.inUseBytes.delta !== 0).slice(0, 20).map((c) => ({ what: `class ${c.sizeClass} (${c.elemSize} B)`, bytes: c.inUseBytes.delta ?? 0 }));
  const bar = (title: string, rows: { what: string; bytes: number }[]) => {
    const unit = byteUnit(Math.max(0, ...rows.map((r) => Math.abs(r.bytes))));
    return {
      title, data: { values: rows.map((r) => ({ ...r, change: r.bytes / unit.bytes, shown: signedBytes(r.bytes) })) }, mark: 'bar', width: 320,
      encoding: {
        y: { field: 'what', type: 'nominal', sort: null, title: null, axis: { labelLimit: 240 } },
        x: { field: 'change', type: 'quantitative', title: `change (${unit.name})` },
        color: { condition: { test: 'datum.change < 0', value: '#4c78a8' }, value: '#e45756' },
        tooltip: [{ field: 'what' }, { field: 'shown', title: 'change' }],
      },
    };
  };
  return { title: `memwatch diff ${d.before} ${d.after}`, hconcat: [bar('By region and heap page state', regions), bar('Heap in use by size class', classes)] };
}

export function spanBundle(l: SpanLookup): MimeBundle {
  const lines = [
    `${hex(l.address)}: ${l.what}`,
    ...(l.arenaStart !== null ? [`  arena       ${hex(l.arenaStart)}`] : []),
    ...(l.spanStart !== null ? [`  span        ${hex(l.spanStart)}, ${l.spanPages} pages (${l.spanState === 'stack' ? 'manual: stacks' : 'in use'})`] : []),
    ...(l.sizeClass !== null ? [`  size class  ${l.sizeClass}${l.sizeClass === 0 ? ' (large object)' : ''}, element size ${l.elemSize} bytes${l.noscan ? ', noscan' : ''}`] : []),
    ...(l.objectIndex !== null ? [
      `  object      #${l.objectIndex} at ${hex(l.objectStart!)} (+${l.offset})`,
      `  allocated   ${l.allocated}`,
      `  marked      ${l.marked} (${l.markNote})`,
    ] : []),
  ];
  const rows = Object.entries(l).filter(([k]) => k !== 'kind').map(([field, value]) => ({ field, value: typeof value === 'number' && /address|Start$/.test(field) ? hex(value) : String(value) }));
  const table: Table = { columns: [{ name: 'field', type: 'string' }, { name: 'value', type: 'string' }], rows };
  return { 'text/plain': lines.join('\n'), 'text/html': `<pre>${escapeHtml(lines[0])}</pre>${tableHtml(table)}`, 'application/json': l };
}

export async function topBundle(rows: SizeClassRow[], s: MemSnapshot, limit: number): Promise<MimeBundle> {
  const table: Table = {
    title: `Heap by size class, process ${s.pid}: ${s.spans} spans; heapAlloc ${formatBytes(s.memstats.heapAlloc)}, heapInuse ${formatBytes(s.memstats.heapInuse)}`,
    columns: [
      { name: 'sizeClass', type: 'integer' }, { name: 'elemSize', type: 'integer' }, { name: 'spans', type: 'integer' }, bytesColumn('spanBytes'),
      { name: 'objects', type: 'integer' }, { name: 'capacity', type: 'integer' }, bytesColumn('inUseBytes'), bytesColumn('fragmentationBytes'),
      { name: 'fragmentation', type: 'number', show: (v) => `${((v as number) * 100).toFixed(1)}%` },
    ],
    rows: rows.slice(0, limit).map((r) => ({ ...r, fragmentation: r.spanBytes ? r.fragmentationBytes / r.spanBytes : 0 })),
  };
  const plot = await plotEntries(topSpec(rows.slice(0, limit)));
  return {
    'text/plain': tableText(table),
    'text/html': `${plot['image/svg+xml']}${tableHtml(table)}`,
    'application/vnd.dataresource+json': dataResource(table),
    ...plot,
    'application/json': { kind: 'memwatch.top', pid: s.pid, spans: s.spans, heapAlloc: s.memstats.heapAlloc, heapAllocFromSpans: s.heapAllocFromSpans, sizeClasses: rows },
  };
}

/** The size classes of the table (as many as it lists), each span's bytes split into in use and fragmentation, in a unit fit for them. */
export function topSpec(rows: SizeClassRow[]): Record<string, unknown> {
  const unit = byteUnit(Math.max(0, ...rows.map((r) => r.spanBytes)));
  const cls = (r: SizeClassRow) => `${r.sizeClass} (${r.sizeClass === 0 ? 'large, ' + formatBytes(r.elemSize) + ' each' : r.elemSize + ' B'})`;
  return {
    title: `Heap spans by size class (${unit.name})`,
    data: {
      values: rows.flatMap((r) => [
        { cls: cls(r), part: 'in use', order: 0, bytes: r.inUseBytes, value: r.inUseBytes / unit.bytes, shown: formatBytes(r.inUseBytes) },
        { cls: cls(r), part: 'fragmentation', order: 1, bytes: r.fragmentationBytes, value: r.fragmentationBytes / unit.bytes, shown: formatBytes(r.fragmentationBytes) },
      ]),
    },
    mark: 'bar', width: 400,
    encoding: {
      y: { field: 'cls', type: 'nominal', sort: null, title: 'size class (object size)' },
      x: { field: 'value', type: 'quantitative', stack: 'zero', title: `bytes of the spans (${unit.name})` },
      color: { field: 'part', type: 'nominal', title: null, scale: { domain: ['in use', 'fragmentation'], range: ['#4c78a8', '#f2b447'] } },
      order: { field: 'order' },
      tooltip: [{ field: 'cls', title: 'size class' }, { field: 'part' }, { field: 'shown', title: 'bytes' }],
    },
  };
}
