// Renderers: Go values as Go engineers read them; tables in three MIME types.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kind, type Variable } from '../src/rpc/api';
import { tableBundle } from '../src/render/table';
import { formatValue } from '../src/render/value';

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

test.run();
