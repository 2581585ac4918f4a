// Renderers: Go values as Go engineers read them; tables in three MIME types.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kind, type Variable } from '../src/rpc/api';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecuteContext, MimeBundle } from '../kernel/interpreter';
import type { CommandContext } from '../src/commands/command';
import { counted, progressDisplay } from '../src/commands/progress';
import { displayWidth, proseHtml } from '../src/render/html';
import { byteUnit, memstatText, residencySpec, rounded, topSpec } from '../src/render/memwatch';
import { pathShortener } from '../src/render/paths';
import { tableBundle } from '../src/render/table';
import { formatValue } from '../src/render/value';
import type { SizeClassRow } from '../src/analyses/memwatch/top';
import type { ResidencyBin } from '../src/analyses/memwatch/residency-map';

const v = (over: Partial<Variable>): Variable => ({
  name: '', addr: 0xc000010000, onlyAddr: false, type: 'int', realType: 'int', flags: 0, kind: Kind.Int, value: '0',
  len: 0, cap: 0, children: [], base: 0, unreadable: '', ...over,
});

test('structs, slices, strings, pointers, maps, nil', () => {
  const order = v({
    type: 'main.Order', kind: Kind.Struct, len: 3,
    children: [
      v({ name: 'ID', value: '7' }),
      v({ name: 'Customer', type: 'string', kind: Kind.String, value: 'ada', len: 3 }),
      v({ name: 'Items', type: '[]string', kind: Kind.Slice, len: 3, cap: 4, base: 1, children: [v({ type: 'string', kind: Kind.String, value: 'x', len: 1 })] }),
    ],
  });
  assert.is(formatValue(order), 'main.Order {ID: 7, Customer: "ada", Items: []string len: 3, cap: 4, ["x", ...+2 more]}');
  assert.is(formatValue(v({ type: '*main.Order', kind: Kind.Ptr, children: [order] })), '*' + formatValue(order));
  assert.is(formatValue(v({ type: '*main.Order', kind: Kind.Ptr, children: [v({ addr: 0, type: 'main.Order', kind: Kind.Struct })] })), '(*main.Order)(nil)');
  assert.is(formatValue(v({ type: '[]int', kind: Kind.Slice })), '[]int nil');
  // Go's len of a string is in bytes: "héllo" is 6, and nothing is cut off.
  assert.is(formatValue(v({ type: 'string', kind: Kind.String, value: 'héllo', len: 6 })), '"héllo"');
  assert.is(formatValue(v({ type: 'string', kind: Kind.String, value: 'hé', len: 6 })), '"hé"...+3 more');
  assert.is(formatValue(v({ type: 'map[string]int', kind: Kind.Map, len: 1, base: 1, children: [v({ type: 'string', kind: Kind.String, value: 'k', len: 1 }), v({ value: '1' })] })), 'map[string]int [k: 1]'.replace('k', '"k"'));
  // What Delve 1.27 answers for a channel with 1 of 4 slots used: len counts the hchan's 13 fields.
  const hchan = [['qcount', '1'], ['dataqsiz', '4'], ['elemsize', '8'], ['closed', '0']].map(([name, value]) => v({ name, value }));
  assert.is(formatValue(v({ type: 'chan int', kind: Kind.Chan, len: 13, cap: 0, base: 1, children: hchan })), 'chan int 1/4');
  assert.is(formatValue(v({ type: 'string', kind: Kind.String, value: 'abc', len: 300 })), '"abc"...+297 more');
  assert.is(formatValue(v({ unreadable: 'bad address' })), '(unreadable bad address)');
});

test('long values break over lines', () => {
  const long = v({ type: '[]string', kind: Kind.Slice, len: 8, cap: 8, base: 1, children: Array.from({ length: 8 }, (_, i) => v({ type: 'string', kind: Kind.String, value: 'customer-number-' + i, len: 17 })) });
  const text = formatValue(long);
  assert.ok(text.startsWith('[]string len: 8, cap: 8, [\n\t"customer-number-0",\n'));
  assert.ok(text.endsWith('\n]'));
});

test('a table has text, HTML and a data resource with the schema', () => {
  const bundle = tableBundle({ columns: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'string' }], rows: [{ id: 1, name: 'a<b' }, { id: 22, name: 'c' }], marked: (r) => r.id === 22 });
  assert.is(bundle['text/plain'], '  id  name\n   1  a<b\n* 22  c');
  assert.match(String(bundle['text/html']), /<td style="text-align:left">a&lt;b<\/td>/);
  assert.equal(bundle['application/vnd.dataresource+json'], {
    schema: { fields: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'string' }] },
    data: [{ id: 1, name: 'a<b' }, { id: 22, name: 'c' }],
  });
});

test('text tables align by display width: wide, combining and astral characters; newlines do not break a row', () => {
  const rows = [{ id: 1, name: '日本語の名前', note: 'e\u0301te\u0301' }, { id: 2, name: 'ascii', note: '🙂 ok' }, { id: 333, name: 'two\nlines', note: '\t' }];
  const text = String(tableBundle({ columns: [{ name: 'id', type: 'integer' }, { name: 'name', type: 'string' }, { name: 'note', type: 'string' }], rows })['text/plain']);
  // Each column starts at the same display column on every line (日本語の名前 is 12 columns wide).
  assert.is(text, [' id  name          note', '  1  日本語の名前  e\u0301te\u0301', '  2  ascii         🙂 ok', '333  two lines'].join('\n'));
  assert.is(displayWidth('日本'), 4);
  assert.is(displayWidth('e\u0301'), 1);
  assert.is(displayWidth('🙂'), 2);
});

test('tables: threadId 0 is blank; file paths module-relative in text and HTML, whole in the data and the hover', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-paths-'));
  try {
    const mod = path.join(root, 'app');
    const goroot = path.join(root, 'go');
    const dep = path.join(root, 'gopath/pkg/mod/github.com/a/b@v1.2.0');
    for (const [dir, module] of [[mod, 'example.com/app'], [path.join(goroot, 'src'), 'std'], [dep, 'github.com/a/b']]) {
      fs.mkdirSync(path.join(dir, 'internal/x'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'go.mod'), `module ${module}\n\ngo 1.22\n`);
    }
    const short = pathShortener();
    assert.is(short.short(`${mod}/main.go`), 'main.go');
    assert.is(short.short(`${mod}/internal/x/y.go`), 'internal/x/y.go');
    assert.is(short.short(`${goroot}/src/runtime/proc.go`), '$GOROOT/src/runtime/proc.go');
    assert.is(short.short(`${dep}/c.go`), 'github.com/a/b@v1.2.0/c.go');
    assert.is(short.shortFileLine(`${mod}/internal/x/y.go:10`), 'internal/x/y.go:10');
    assert.is(short.short('<autogenerated>'), '<autogenerated>');
    assert.is(short.short('/nowhere/known/main.go'), '/nowhere/known/main.go');

    const rows = [
      { id: 1, file: `${mod}/main.go`, line: 42, goStatement: `${goroot}/src/runtime/proc.go:363`, threadId: 8970 },
      { id: 2, file: `${mod}/internal/x/y.go`, line: 10, goStatement: `${mod}/main.go:24`, threadId: 0 },
    ];
    const bundle = tableBundle({
      title: 'compare with `memwatch diff A B`',
      columns: [{ name: 'id', type: 'integer' }, { name: 'file', type: 'string' }, { name: 'line', type: 'integer' }, { name: 'goStatement', type: 'string' }, { name: 'threadId', type: 'integer' }],
      rows,
    });
    const text = String(bundle['text/plain']);
    assert.match(text, /^ 1 {2}main\.go +42 {2}\$GOROOT\/src\/runtime\/proc\.go:363 +8970$/m);
    assert.match(text, /^ 2 {2}internal\/x\/y\.go +10 {2}main\.go:24$/m, 'threadId 0 is blank');
    assert.not.match(text, new RegExp(root));
    const html = String(bundle['text/html']);
    assert.match(html, new RegExp(`<td style="text-align:left" title="${mod}/main.go">main.go</td>`));
    assert.match(html, /<p>compare with <code>memwatch diff A B<\/code><\/p>/);
    assert.not.match(html, /`/);
    assert.match(html, /<td><\/td><\/tr>/, 'threadId 0 is blank in HTML');
    assert.equal((bundle['application/vnd.dataresource+json'] as { data: unknown[] }).data, rows, 'the data keeps full paths and 0');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('HTML of prose: `code` becomes <code>, escaped; a lone backtick is an entity', () => {
  assert.is(proseHtml('type `break <loc>` then `continue`'), 'type <code>break &lt;loc&gt;</code> then <code>continue</code>');
  assert.is(proseHtml('a ` alone'), 'a &#96; alone');
});

test('progress: never "0 of 0"; done leaves a summary line, never an empty output', () => {
  assert.is(counted('reading stacks', 0, 0), 'reading stacks');
  assert.is(counted('reading stacks', 12, 0), 'reading stacks: 12');
  assert.is(counted('reading stacks', 3, 10), 'reading stacks: 3 of 10');
  const displays: { data: MimeBundle; id?: string }[] = [];
  const updates: { id: string; data: MimeBundle }[] = [];
  const out: ExecuteContext = { stream() {}, display: (data, _m, id) => displays.push({ data, id }), updateDisplay: (id, data) => updates.push({ id, data }) };
  const p = progressDisplay({ out } as unknown as CommandContext, 'stackdiff');
  p.done('');
  assert.is(displays.length, 0, 'nothing reported: nothing shown');
  p.report('stackdiff: capturing…');
  p.done('');
  assert.is(updates.length, 1);
  assert.is(updates[0].id, displays[0].id);
  assert.match(String(updates[0].data['text/plain']), /^stackdiff: done in \d+\.\d s$/);
});

test('memwatch plots: N classes for top N, axes in a unit fit for the data, a residency legend that is the cells\' colours', () => {
  assert.equal([0, 50 * 1024, 3 * 2 ** 20, 5 * 2 ** 30, -2048].map((n) => byteUnit(n).name), ['B', 'KiB', 'MiB', 'GiB', 'KiB']);
  const rows: SizeClassRow[] = Array.from({ length: 22 }, (_, i) => ({
    sizeClass: i + 1, elemSize: 8 * (i + 1), spans: 1, spanBytes: 8192, objects: 10, capacity: 1024 / (i + 1), inUseBytes: 80 * (i + 1), fragmentationBytes: 8192 - 80 * (i + 1),
  }));
  const spec = topSpec(rows.slice(0, 8)) as { title: string; data: { values: { cls: string; value: number }[] }; encoding: { x: { title: string } } };
  assert.is(new Set(spec.data.values.map((v) => v.cls)).size, 8);
  assert.is(spec.title, 'Heap spans by size class (KiB)');
  assert.match(spec.encoding.x.title, /\(KiB\)/);
  assert.ok(spec.data.values.every((v) => v.value <= 8), 'values in KiB');

  const bin = (region: string, what: string, residentFraction: number, from = 0, to = 1): ResidencyBin => ({ region, bin: 0, binEnd: 1, from, to, start: 0x1000, end: 0x2000, what, residentFraction });
  const res = residencySpec([bin('heap 0x1000', 'heap in use', 0.25), bin('text 0x2000', 'text', 1), bin('other 0x3000', 'other', 0)]) as {
    data: { values: { what: string; part: string; from: number; to: number }[] };
    encoding: { x: { title: string; axis: unknown }; color: { scale: { domain: string[]; range: string[] } } };
  };
  assert.match(res.encoding.x.title, /position in the region/);
  assert.ok(res.encoding.x.axis, 'the x axis is drawn');
  assert.equal(res.encoding.color.scale.domain, ['heap in use', 'text', 'other']);
  assert.is(res.encoding.color.scale.range.length, 3);
  assert.equal(res.data.values.filter((v) => v.what === 'heap in use').map((v) => [v.part, v.from, v.to]), [['resident', 0, 0.25], ['not resident', 0.25, 1]]);

  assert.is(memstatText('pauseTotalNs', 123456), '0.123 ms');
  assert.is(memstatText('pauseTotalNs', 97000, true), '+0.097 ms');
  assert.is(memstatText('lastGC', 0), 'never');
  assert.is(memstatText('gcCPUFraction', 0.000554321), '0.0554%');
  assert.is(memstatText('heapAlloc', 65768), '64.2 KiB');
  assert.is(memstatText('numGC', 3, true), '+3');
  assert.is(rounded(1234.567), '1235');
});

test.run();
