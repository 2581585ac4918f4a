// memwatch results as MIME bundles: text for consoles and logs, tables (HTML and data
// resource), plots (Vega-Lite and SVG) and the JSON of CONTRACT.md.
import type { MimeBundle } from '../../kernel/interpreter';
import type { MemDiff } from '../analyses/memwatch/diff';
import type { ResidencyBin } from '../analyses/memwatch/residency-map';
import type { MemSnapshot } from '../analyses/memwatch/snapshot';
import type { SpanLookup } from '../analyses/memwatch/span-lookup';
import type { SizeClassRow } from '../analyses/memwatch/top';
import { escapeHtml, hex } from './html';
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

const bytesColumn = (name: string) => ({ name, type: 'integer' as const, show: (v: unknown) => formatBytes(v as number | null) });

function notesText(notes: string[]): string {
  return notes.length ? '\n' + notes.map((n) => `note: ${n}`).join('\n') : '';
}

function notesHtml(notes: string[]): string {
  return notes.length ? `<ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
}

/** Counts and byte figures of MemStats (bytes shown in units too). */
const COUNT_FIGURES = new Set(['mallocs', 'frees', 'heapObjects', 'numGC', 'numForcedGC', 'lastGC', 'pauseTotalNs', 'gcCPUFraction']);

export function statsBundle(s: MemSnapshot): MimeBundle {
  const rows: Record<string, unknown>[] = Object.entries(s.memstats).map(([name, value]) => ({
    name, value, shown: COUNT_FIGURES.has(name) ? String(value) : formatBytes(value), source: s.approximate[name] ? 'approximate' : 'runtime',
  }));
  rows.push({ name: 'rss', value: s.rssBytes, shown: formatBytes(s.rssBytes), source: s.pages.available ? '/proc pagemap' : 'n/a' });
  rows.push({ name: 'heapResident', value: s.heapResidentBytes, shown: formatBytes(s.heapResidentBytes), source: s.pages.available ? '/proc pagemap' : 'n/a' });
  const table: Table = {
    title: `Go ${s.goVersion} runtime.MemStats of process ${s.pid} (bytes unless a count), beside the kernel's view`,
    columns: [{ name: 'name', type: 'string' }, { name: 'value', type: 'number' }, { name: 'shown', type: 'string' }, { name: 'source', type: 'string' }],
    rows,
  };
  return {
    'text/plain': tableText(table) + notesText(s.notes),
    'text/html': tableHtml(table) + notesHtml(s.notes),
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

export async function pagesBundle(s: MemSnapshot, map: ResidencyBin[]): Promise<MimeBundle> {
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
    'text/plain': [head, '', tableText(byKind), '', tableText(heap), '', tableText(largest)].join('\n') + notesText(s.notes),
    'text/html': `<p>${escapeHtml(head)}</p>${plot['image/svg+xml']}${tableHtml(byKind)}${tableHtml(heap)}${tableHtml(regions)}${notesHtml(s.notes)}`,
    'application/vnd.dataresource+json': dataResource(regions),
    ...plot,
    'application/json': {
      kind: 'memwatch.pages', pid: s.pid, regions: s.regions, heapStates: s.heapStates, heapResidentBytes: s.heapResidentBytes, rssBytes: s.rssBytes, pages: s.pages, notes: s.notes,
    },
  };
}

export function residencySpec(map: ResidencyBin[]): Record<string, unknown> {
  return {
    title: 'Residency of the address space: the largest regions in address order (color: what; darker: more resident)',
    data: { values: map.map((b) => ({ ...b, startHex: hex(b.start), endHex: hex(b.end) })) },
    mark: { type: 'rect', stroke: null },
    width: 640,
    encoding: {
      x: { field: 'from', type: 'quantitative', scale: { domain: [0, 1] }, axis: null, title: 'position in the region' },
      x2: { field: 'to' },
      y: { field: 'region', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
      color: { field: 'what', type: 'nominal', title: 'what' },
      opacity: { field: 'residentFraction', type: 'quantitative', scale: { domain: [0, 1], range: [0.08, 1] }, title: 'resident' },
      tooltip: [{ field: 'region' }, { field: 'what' }, { field: 'startHex', title: 'start' }, { field: 'endHex', title: 'end' }, { field: 'residentFraction', format: '.0%', title: 'resident' }],
    },
  };
}

export function snapshotBundle(s: MemSnapshot): MimeBundle {
  const text = [
    `Snapshot ${JSON.stringify(s.name)} of process ${s.pid} (Go ${s.goVersion}) at ${s.takenAt}:`,
    `  heapAlloc ${formatBytes(s.memstats.heapAlloc)}, heapInuse ${formatBytes(s.memstats.heapInuse)}, heapIdle ${formatBytes(s.memstats.heapIdle)}, heapReleased ${formatBytes(s.memstats.heapReleased)}, stackInuse ${formatBytes(s.memstats.stackInuse)}, numGC ${s.memstats.numGC}`,
    `  RSS ${formatBytes(s.rssBytes)}, heap resident ${formatBytes(s.heapResidentBytes)}; ${s.spans} spans in ${s.arenas} arenas; ${s.regions.length} regions`,
    `  compare with \`memwatch diff ${s.name} OTHER\``,
  ].join('\n');
  return {
    'text/plain': text + notesText(s.notes),
    'text/html': `<pre>${escapeHtml(text)}</pre>${notesHtml(s.notes)}`,
    'application/json': s,
  };
}

export async function diffBundle(d: MemDiff): Promise<MimeBundle> {
  const memstats: Table = {
    title: `memwatch diff ${d.before} ${d.after}: runtime figures that changed`,
    columns: [{ name: 'name', type: 'string' }, { name: 'before', type: 'number' }, { name: 'after', type: 'number' }, { name: 'delta', type: 'number' }, { name: 'shown', type: 'string' }],
    rows: Object.entries(d.memstats).filter(([, c]) => c.delta !== 0).map(([name, c]) => ({ name, ...c, shown: COUNT_FIGURES.has(name) ? String(c.delta) : signedBytes(c.delta) })),
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
    title: 'Heap by size class',
    columns: [{ name: 'sizeClass', type: 'integer' }, { name: 'elemSize', type: 'integer' }, { name: 'spans', type: 'integer' }, { name: 'objects', type: 'integer' }, { name: 'inUseBytes', type: 'integer' }, { name: 'spanBytes', type: 'integer' }],
    rows: d.sizeClasses.filter((c) => c.spanBytes.delta !== 0 || c.objects.delta !== 0).slice(0, 30).map((c) => ({
      sizeClass: c.sizeClass, elemSize: c.elemSize, spans: c.spans.delta, objects: c.objects.delta, inUseBytes: c.inUseBytes.delta, spanBytes: c.spanBytes.delta,
    })),
  };
  const plot = await plotEntries(diffSpec(d));
  return {
    'text/plain': [tableText(memstats), '', tableText(kernel), '', tableText(classes)].join('\n') + notesText(d.notes),
    'text/html': `${plot['image/svg+xml']}${tableHtml(memstats)}${tableHtml(kernel)}${tableHtml(classes)}${notesHtml(d.notes)}`,
    'application/vnd.dataresource+json': dataResource(kernel),
    ...plot,
    'application/json': d,
  };
}

export function diffSpec(d: MemDiff): Record<string, unknown> {
  const regions = [
    ...d.regions.filter((r) => r.residentBytes.delta !== null).map((r) => ({ what: `${r.kind} (resident)`, delta: r.residentBytes.delta })),
    ...d.heapStates.map((s) => ({ what: `heap ${s.state} (pages)`, delta: s.bytes.delta })),
    ...d.heapStates.filter((s) => s.residentBytes.delta !== null).map((s) => ({ what: `heap ${s.state} (resident)`, delta: s.residentBytes.delta })),
  ].map((r) => ({ ...r, mib: (r.delta ?? 0) / 2 ** 20 }));
  const classes = d.sizeClasses.filter((c) => c.inUseBytes.delta !== 0).slice(0, 20).map((c) => ({ what: `class ${c.sizeClass} (${c.elemSize} B)`, mib: (c.inUseBytes.delta ?? 0) / 2 ** 20 }));
  const bar = (title: string, values: unknown[]) => ({
    title, data: { values }, mark: 'bar', width: 320,
    encoding: {
      y: { field: 'what', type: 'nominal', sort: null, title: null, axis: { labelLimit: 240 } },
      x: { field: 'mib', type: 'quantitative', title: 'change (MiB)' },
      color: { condition: { test: 'datum.mib < 0', value: '#4c78a8' }, value: '#e45756' },
      tooltip: [{ field: 'what' }, { field: 'mib', format: '.2f', title: 'MiB' }],
    },
  });
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
  const plot = await plotEntries({
    title: 'Heap spans by size class (MiB)',
    data: { values: rows.slice(0, 30).flatMap((r) => [{ cls: `${r.sizeClass} (${r.elemSize} B)`, part: 'in use', mib: r.inUseBytes / 2 ** 20 }, { cls: `${r.sizeClass} (${r.elemSize} B)`, part: 'fragmentation', mib: r.fragmentationBytes / 2 ** 20 }]) },
    mark: 'bar', width: 400,
    encoding: { y: { field: 'cls', type: 'nominal', sort: null, title: 'size class' }, x: { field: 'mib', type: 'quantitative', stack: 'zero', title: 'MiB' }, color: { field: 'part', type: 'nominal' } },
  });
  return {
    'text/plain': tableText(table),
    'text/html': `${plot['image/svg+xml']}${tableHtml(table)}`,
    'application/vnd.dataresource+json': dataResource(table),
    ...plot,
    'application/json': { kind: 'memwatch.top', pid: s.pid, spans: s.spans, heapAlloc: s.memstats.heapAlloc, heapAllocFromSpans: s.heapAllocFromSpans, sizeClasses: rows },
  };
}
