// The Delve commands users reached for and did not find, through a real Jupyter client
// (jupyter_client, from the installed kernelspec), against examples/orders under Delve 1.27:
// set, whatis, display, watch, disassemble, dump, print %FORMAT, and the hint for a package
// variable named without its package.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, repoRoot, toolchains } from './helpers/go';
import { allText, JupyterClientKernel, jsonOf, textOf, type DriverExchange } from './helpers/jupyter-driver';

const test = suite('set, whatis, display, watch, disassemble, dump, print %x (jupyter_client)');

const tc = toolchains()[toolchains().length - 1];
const binary = buildExample('orders', tc);
const main = path.join(repoRoot, 'examples/orders/main.go');
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-commands-'));
let k: JupyterClientKernel;
const started = Date.now();

function errorText(ex: DriverExchange): string {
  const c = ex.reply.content;
  return `${c.evalue}\n${(c.traceback ?? []).join('\n')}`;
}

function streams(ex: DriverExchange): string {
  return ex.iopub.filter((m) => m.header.msg_type === 'stream').map((m) => m.content.text).join('');
}

async function ok(code: string, timeout = 60): Promise<DriverExchange> {
  const ex = await k.execute(code, timeout);
  assert.is(ex.reply.content.status, 'ok', `${code}: ${errorText(ex)}`);
  return ex;
}

async function fails(code: string, ename: string, says: RegExp): Promise<DriverExchange> {
  const ex = await k.execute(code, 30);
  assert.is(ex.reply.content.status, 'error', `${code} should fail`);
  assert.is(ex.reply.content.ename, ename, `${code}: ${errorText(ex)}`);
  assert.match(errorText(ex), says, code);
  return ex;
}

test.before(async () => {
  k = await JupyterClientKernel.start('delve-commands', cwd);
});

let orderId = 0;

test('whatis and print %FORMAT at main.go:43; set changes total, print shows it', async () => {
  await ok(`exec ${binary} -- -pause 5ms`);
  await ok('break main.go:43');
  const stop = jsonOf(await ok('continue'));
  assert.is(stop.line, 43);
  orderId = Number(textOf(await ok('print order.ID')));
  assert.ok(orderId >= 1);

  assert.is(textOf(await ok('whatis order')), 'main.Order');
  assert.is(textOf(await ok('whatis total')), 'float64');
  const ledger = await ok('whatis ledger');
  assert.is(textOf(ledger), '*main.Ledger');
  assert.equal(jsonOf(ledger), { kind: 'whatis', expr: 'ledger', type: '*main.Ledger', realType: '*main.Ledger', goKind: 'ptr' });
  // An interface: its concrete type too, as Delve's terminal says it.
  const eof = await ok('whatis io.EOF');
  assert.is(textOf(eof), 'error\nConcrete type: *errors.errorString');
  assert.is(jsonOf(eof).concreteType, '*errors.errorString');
  // A type name: kind, size, fields, methods (a table).
  const type = await ok('whatis main.Ledger');
  assert.match(textOf(type), /^struct type, size: 24 bytes\nFields:\n\tmu\tsync\.Mutex\n\trevenue\tfloat64\n\tcount\tint\nMethods:\n\tmain\.\(\*Ledger\)\.Record$/);
  assert.match(String(resultData(type)['text/html']), /<td[^>]*>revenue<\/td>/);

  // print %FORMAT: integers, and the integers and strings inside slices and structs.
  const hexId = await ok('print %x order.ID');
  assert.is(textOf(hexId), orderId.toString(16));
  assert.equal(jsonOf(hexId), { kind: 'print', expr: 'order.ID', type: 'int', value: orderId.toString(16), format: '%x' });
  assert.is(textOf(await ok('print %08b order.ID')), orderId.toString(2).padStart(8, '0'));
  assert.is(textOf(await ok('print %#o order.ID')), '0' + orderId.toString(8));
  assert.is(textOf(await ok('print %X 48879')), 'BEEF');
  assert.is(textOf(await ok('print %c 71')), 'G');
  assert.is(textOf(await ok("print %q 'x'")), "'x'");
  assert.is(textOf(await ok('print %x customers')), '[]string len: 5, cap: 5, [616461, 6772616365, 6c696e7573, 6b656e, 726f62]');
  assert.is(textOf(await ok('print %z order.ID')), `%!z(int64=${orderId})`, 'a verb Go has not: what Go writes');

  // set, then print: the new value.
  const set = await ok('set total = 99.5');
  assert.is(textOf(set), 'total = 99.5');
  assert.equal(jsonOf(set), { kind: 'set', symbol: 'total', value: '99.5', type: 'float64', newValue: '99.5' });
  assert.is(textOf(await ok('print total')), '99.5');
  assert.is(textOf(await ok('set order.Customer = customers[0]')), 'order.Customer = "ada"');
});

function resultData(ex: DriverExchange): Record<string, unknown> {
  return ex.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data ?? {};
}

test('display -a: shown after each next, in the stopped goroutine; the program prints what set wrote', async () => {
  const added = await ok('display -a order.ID');
  assert.is(textOf(added), `0: order.ID = ${orderId}`);
  assert.equal(jsonOf(added), { kind: 'display', added: { id: 0, expr: 'order.ID', format: '', value: String(orderId) } });
  assert.match(textOf(await ok('display -a %x ledger.count')), /^1: ledger\.count = [0-9a-f]+$/);
  await ok('clearall'); // no other worker stops the nexts below
  const outputs: string[] = [];
  let printed = '';
  for (const line of [44, 45, 46]) {
    const ex = await ok('next');
    const stop = jsonOf(ex);
    assert.is(stop.line, line);
    outputs.push(textOf(ex));
    assert.match(textOf(ex), new RegExp(`\\n0: order\\.ID = ${orderId}\\n1: ledger\\.count = [0-9a-f]+$`), 'the displays end the stop');
    assert.equal(stop.displays.map((d: { id: number; expr: string }) => [d.id, d.expr]), [[0, 'order.ID'], [1, 'ledger.count']]);
    printed += streams(ex);
  }
  // The program's own output: the total set, and the customer set.
  assert.match(printed, new RegExp(`processed order ${orderId} for ada: 99\\.50\\n`));
  const list = await ok('display');
  assert.match(textOf(list), new RegExp(`^2 display expressions\\n0: order\\.ID = ${orderId}\\n1: ledger\\.count = [0-9a-f]+$`));
  assert.is(jsonOf(list).displays.length, 2);
  assert.match(String(resultData(list)['text/html']), /<table/);
});

let watchId = 0;
let watchedStop: { pc: number; goroutineId: number } = { pc: 0, goroutineId: 0 };

test('watch -w ledger.count: listed by breakpoints, stops on the write with old and new value, cleared by clear', async () => {
  // A local lives on the stack, which the runtime moves: refused, saying what to watch instead.
  await fails('watch order.ID', 'UsageError', /order\.ID lives on the goroutine's stack \(0x[0-9a-f]+\)[^\n]*\n.*watch something on the heap or a package variable/);
  await ok('display -d 0'); // order.ID is not in scope inside Record
  const set = await ok('watch -w ledger.count');
  const w = jsonOf(set);
  assert.is(w.kind, 'watchpoint');
  assert.is(w.expr, 'ledger.count');
  assert.is(w.watchType, '-w');
  watchId = w.id;
  const before = Number(w.value);
  assert.match(textOf(set), new RegExp(`^Watchpoint ${watchId} on \\[ledger\\.count\\] set at 0x[0-9a-f]+ \\(-w\\): ledger\\.count = ${before}\\n.*at most 4 watchpoints at once`));

  const bps = await ok('breakpoints');
  assert.ok(jsonOf(bps).breakpoints.some((b: { id: number; watchExpr?: string; watchType?: string }) => b.id === watchId && b.watchExpr === 'ledger.count' && b.watchType === '-w'), 'breakpoints lists the watchpoint');
  assert.match(textOf(bps), /watchpoint -w \[ledger\.count\]/);

  const hit = await ok('continue');
  const stop = jsonOf(hit);
  assert.is(stop.function, 'main.(*Ledger).Record', 'stopped in the function that wrote it');
  assert.is(stop.watchpoint.id, watchId);
  assert.is(Number(stop.watchpoint.old), before);
  assert.is(Number(stop.watchpoint.new), before + 1);
  assert.match(textOf(hit), new RegExp(`\\nWatchpoint ${watchId} on \\[ledger\\.count\\] \\(0x[0-9a-f]+\\): old ${before}, new ${before + 1}\\n1: ledger\\.count = ${(before + 1).toString(16)}$`));
  watchedStop = stop;
});

test('disassemble: the current function with the current pc marked; -l FUNCTION -f gnu; -a START END', async () => {
  const here = await ok('disassemble');
  const d = jsonOf(here);
  assert.is(d.kind, 'disassemble');
  assert.is(d.function, 'main.(*Ledger).Record');
  assert.is(d.flavour, 'go');
  assert.is(d.pc, watchedStop.pc, 'the pc where the watchpoint stopped');
  const at = d.instructions.filter((i: { atPC: boolean }) => i.atPC);
  assert.is(at.length, 1);
  assert.is(at[0].pc, watchedStop.pc);
  assert.ok(d.instructions.every((i: { file: string }) => i.file === main));
  const text = textOf(here);
  assert.match(text, new RegExp(`^TEXT main\\.\\(\\*Ledger\\)\\.Record\\(SB\\) ${main.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n`));
  assert.match(text, new RegExp(`^=>  main\\.go:\\d+ +0x${watchedStop.pc.toString(16)} `, 'm'), 'the current pc marked => in the text');
  assert.match(String(resultData(here)['text/html']), /<tr style="font-weight:bold">/);

  const gnu = jsonOf(await ok('disassemble -l main.process -f gnu'));
  assert.is(gnu.function, 'main.process');
  assert.is(gnu.flavour, 'gnu');
  assert.ok(gnu.instructions.some((i: { text: string }) => /^call[q]? .*main\.\(\*Ledger\)\.Record/.test(i.text)), 'GNU syntax, the call to Record');
  const go = jsonOf(await ok('disass -l main.process'));
  assert.ok(go.instructions.some((i: { text: string }) => /^CALL main\.\(\*Ledger\)\.Record/.test(i.text)), 'Go syntax by default');

  const [first, , third] = d.instructions;
  const range = jsonOf(await ok(`disassemble -a 0x${first.pc.toString(16)} 0x${third.pc.toString(16)}`));
  assert.equal(range.instructions.map((i: { pc: number }) => i.pc), [first.pc, d.instructions[1].pc]);

  await ok(`clear ${watchId}`).then((ex) => assert.is(textOf(ex), `Watchpoint ${watchId} on [ledger.count] cleared`));
  assert.not.ok(jsonOf(await ok('breakpoints')).breakpoints.some((b: { id: number }) => b.id === watchId), 'cleared');
});

test('stopped outside package main: print ledger suggests main.ledger; a display that fails says so on its own line', async () => {
  await ok('display -a order.Customer');
  await ok('display -a %q format'); // Fprintf's own argument
  await ok('break fmt.Fprintf');
  const stop = await ok('continue');
  assert.is(jsonOf(stop).function, 'fmt.Fprintf');
  assert.match(textOf(stop), /\n=> \d+:\tfunc Fprintf\(.*\n[\s\S]*\n1: ledger\.count = error could not find symbol ledger\.count\n2: order\.Customer = error could not find symbol order\.Customer\n3: format = "worker %d processed order %d for %s: %\.2f\\n"$/,
    'each display on its line, those not in scope with their error; the stop is shown');
  const failed = jsonOf(stop).displays.find((x: { id: number }) => x.id === 2);
  assert.ok(failed.error && failed.value === undefined);
  const ex = await fails('print ledger', 'DelveError', /could not find symbol value for ledger\ndid you mean `main\.ledger`\?/);
  assert.match(errorText(ex), /`vars RE` list/);
  await fails('whatis ledger', 'DelveError', /did you mean `main\.ledger`\?/);
  // No such package variable anywhere: no suggestion.
  const none = await fails('print queryCache', 'DelveError', /could not find symbol value for queryCache/);
  assert.not.match(errorText(none), /did you mean/);
  assert.match(textOf(await ok('print main.ledger.count')), /^\d+$/, 'named with its package, it is found');
  await ok('clearall');
  for (const n of [2, 3, 1]) await ok(`display -d ${n}`);
  assert.match(textOf(await ok('display')), /^no display expressions/);
});

test('bad input: usage errors that say what to type instead', async () => {
  const cases: [string, RegExp][] = [
    ['set total', /set: no `=` in `total`; e\.g\. `set order\.ID = 7`.*\nusage: set VAR = EXPR/],
    ['set total += 1', /`\+=` is not taken: write the whole value, `set total = total \+ …`/],
    ['set = 3', /nothing to set: the variable goes before `=`/],
    ['whatis', /whatis: of what\? e\.g\. `whatis order`/],
    ['display -q x', /`-q` is not an option: `display -a EXPR` adds/],
    ['display -d 99', /there is no display 99; `display` lists them/],
    ['display -d two', /`two` is not a display number/],
    ['display -a', /display: what\? e\.g\. `display -a order\.ID`/],
    ['watch -x ledger.count', /`-x` is not -r, -w or -rw; e\.g\. `watch -w ledger\.count`/],
    ['watch', /watch what\? e\.g\. `watch ledger\.count`/],
    ['disassemble -a 0x10', /-a takes a start and an end address/],
    ['disassemble -a 0x20 0x10', /the end \(0x10\) must be above the start \(0x20\)/],
    ['disassemble -a 0x0 0x1000000', /more than 64 KiB at once/],
    ['disassemble -a 0x10 12345678901234567890', /`12345678901234567890` is not an address/],
    ['disassemble -f att', /`att` is not a flavour: go, gnu or intel/],
    ['disassemble main.process', /`main\.process` is not an option; .*`-l main\.process`/],
    ['dump', /dump: where to\? e\.g\. `dump \.\/orders\.core`/],
    ['dump a b', /one file name/],
    [`dump ${os.tmpdir()}`, /is a directory/],
    ['print %', /`%` is not a format Delve's print takes \(it ends before its verb\); use one Go verb/],
    ['print %x', /a format and then what\?/],
    ['print %d%d total', /one %verb only/],
  ];
  for (const [cell, says] of cases) await fails(cell, 'UsageError', says);
  await fails('disassemble -l nosuch.function', 'DelveError', /location "nosuch\.function" not found/);
  await fails('set nosuch = 1', 'DelveError', /could not find symbol value for nosuch/);
  assert.is(jsonOf(await ok('status')).state, 'stopped', 'the session goes on');
});

/** Go's own fmt.Sprintf of each case: the reference for print %FORMAT. */
function goSprintf(cases: { format: string; type: string; value: string }[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-gofmt-'));
  try {
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module gofmt\n\ngo 1.22\n');
    fs.writeFileSync(path.join(dir, 'main.go'), [
      'package main',
      'import ("bufio"; "encoding/json"; "fmt"; "os"; "strconv")',
      'func main() {',
      '\tvar cases []struct{ Format, Type, Value string }',
      '\tjson.NewDecoder(os.Stdin).Decode(&cases)',
      '\tw := bufio.NewWriter(os.Stdout)',
      '\tvar out []string',
      '\tfor _, c := range cases {',
      '\t\tvar arg any',
      '\t\tswitch c.Type {',
      '\t\tcase "int64": arg, _ = strconv.ParseInt(c.Value, 10, 64)',
      '\t\tcase "uint64": arg, _ = strconv.ParseUint(c.Value, 10, 64)',
      '\t\tcase "float64": arg, _ = strconv.ParseFloat(c.Value, 64)',
      '\t\tcase "bool": arg = c.Value == "true"',
      '\t\tdefault: arg, _ = strconv.Unquote(c.Value)',
      '\t\t}',
      '\t\tout = append(out, fmt.Sprintf(c.Format, arg))',
      '\t}',
      '\tjson.NewEncoder(w).Encode(out)',
      '\tw.Flush()',
      '}',
    ].join('\n'));
    execFileSync(tc.go, ['build', '-o', 'gofmt', '.'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } });
    return JSON.parse(execFileSync(path.join(dir, 'gofmt'), { input: JSON.stringify(cases.map((c) => ({ Format: c.format, Type: c.type, Value: c.value }))) }).toString());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("print %FORMAT writes each value as Go's fmt.Sprintf does", async () => {
  // Values as Delve evaluates them (expression -> the Go type Delve's terminal formats with).
  const values: [expr: string, type: string, value: string][] = [
    ['255', 'int64', '255'], ['-255', 'int64', '-255'], ['0', 'int64', '0'], ['9223372036854775807', 'int64', '9223372036854775807'],
    ['uint64(18446744073709551615)', 'uint64', '18446744073709551615'], ['uint8(65)', 'uint64', '65'],
    ['3.14159', 'float64', '3.14159'], ['-0.000123', 'float64', '-0.000123'], ['2.5', 'float64', '2.5'], ['6.02214076e23', 'float64', '6.02214076e23'],
    ['true', 'bool', 'true'], ['"héllo\\tworld"', 'string', '"héllo\\tworld"'], ['"a\\"b"', 'string', '"a\\"b"'],
  ];
  const formats = ['%x', '%X', '%o', '%O', '%b', '%d', '%c', '%q', '%U', '%#U', '%s', '%v', '%#v', '%+v', '%#x', '%08x', '%-6d|', '%+d', '%.3d',
    '%e', '%E', '%f', '%.2f', '%8.3f', '%010.4f', '%g', '%G', '%.3g', '%t', '%5t', '%.3s', '%+q', '%#q', '%x!', '%%%d'];
  const cases = formats.flatMap((format) => values.map(([expr, type, value]) => ({ format, expr, type, value })));
  const want = goSprintf(cases);
  // One cell per format: every value's print shows as a display, the last as the result.
  let compared = 0;
  for (const format of formats) {
    const mine = cases.filter((c) => c.format === format);
    const ex = await ok(mine.map((c) => `print ${c.format} ${c.expr}`).join('\n'));
    const shown = ex.iopub.filter((m) => m.header.msg_type === 'display_data' || m.header.msg_type === 'execute_result').map((m) => m.content.data['application/json'].value);
    assert.is(shown.length, mine.length, format);
    mine.forEach((c, i) => {
      assert.is(shown[i], want[cases.indexOf(c)], `print ${c.format} ${c.expr}`);
      compared++;
    });
  }
  assert.is(compared, formats.length * values.length);
});

test('help and Tab completion come from the command table', async () => {
  const help = textOf(await ok('help watch'));
  assert.match(help, /^watch \[-r\|-w\|-rw\] EXPR\n/);
  assert.match(help, /-rw +stop when it is read or written/);
  assert.match(textOf(await ok('help disass')), /^disassemble \[-a START END\] \[-l LOCSPEC\] \[-f go\|gnu\|intel\] \(alias: disass\)/);
  assert.equal((await k.complete('watch -')).matches.sort(), ['-r', '-rw', '-w']);
  assert.equal((await k.complete('display -')).matches.sort(), ['-a', '-d']);
  const all = jsonOf(await ok('help')).commands.map((c: { name: string }) => c.name);
  for (const name of ['set', 'whatis', 'display', 'watch', 'disassemble', 'dump']) assert.ok(all.includes(name), name);
});

test('dump FILE writes a core that core BINARY FILE opens with the same goroutines; a core session refuses to dump, set or watch', async () => {
  const live = jsonOf(await ok('goroutines')).goroutines.map((g: { id: number }) => g.id);
  const ex = await ok('dump orders.core', 120);
  const d = jsonOf(ex);
  const file = path.join(cwd, 'orders.core');
  assert.is(d.kind, 'dump');
  assert.is(d.file, file, 'relative to the kernel\'s directory');
  assert.ok(fs.existsSync(file));
  assert.is(d.bytes, fs.statSync(file).size);
  assert.ok(d.bytes > 1 << 20, `a core of ${d.bytes} bytes`);
  assert.match(textOf(ex), new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [\\d.]+ MiB \\(${d.bytes} bytes; \\d+ threads?, [\\d.]+ MiB of memory\\)\\nopen it with \`core ${binary.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} orders\\.core\``));
  // Progress showed in the cell and ended on a summary line.
  const progress = ex.iopub.filter((m) => m.content.transient?.display_id?.startsWith('dump-'));
  assert.ok(progress.length >= 1, allText(ex));
  assert.match(String(progress[progress.length - 1].content.data['text/plain']), /^dumped [\d.]+ MiB$/);

  const opened = jsonOf(await ok(`core ${binary} orders.core`));
  assert.is(opened.sessionKind, 'core');
  const fromCore = jsonOf(await ok('goroutines')).goroutines.map((g: { id: number }) => g.id);
  assert.equal(fromCore, live, 'the same goroutines');
  await fails('dump again.core', 'ReadOnlySession', /this session is a core dump already/);
  await fails('set ledger.count = 0', 'ReadOnlySession', /`set` cannot run on a core dump/);
  await fails('watch ledger.count', 'ReadOnlySession', /`watch` cannot run on a core dump/);
  assert.is(textOf(await ok('whatis main.ledger')), '*main.Ledger', 'whatis reads a core');
  assert.match(textOf(await ok('disassemble -l main.process')), /^TEXT main\.process\(SB\)/, 'disassemble reads a core');
});

test('the interrupt button cancels a dump (DumpCancel): the partial file is removed, the session answers at once', async () => {
  const heap = buildExample('heap', tc);
  await ok(`exec ${heap} -- -mib 2048 -wait`); // a dump of seconds, to interrupt
  await ok('break main.resident');
  await ok('continue', 120);
  const id = await k.send('dump heap.core');
  await new Promise((r) => setTimeout(r, 100));
  await k.interrupt();
  const ex = await k.collect(id, 60);
  assert.is(ex.reply.content.status, 'error', allText(ex));
  assert.is(ex.reply.content.ename, 'Interrupted');
  assert.match(errorText(ex), /dump heap\.core: cancelled by the interrupt button; the partial file was removed/);
  assert.not.ok(fs.existsSync(path.join(cwd, 'heap.core')), 'no partial core left');
  const asked = Date.now();
  const status = jsonOf(await ok('status', 10));
  assert.is(status.state, 'stopped');
  assert.ok(Date.now() - asked < 5000, 'Delve answers: its dump lock was not left held');
  assert.match(textOf(await ok('print %d len(main.big)')), /^2048$/);
  await ok('detach');
});

test('the kernel shuts down and leaves nothing behind', async () => {
  const { left } = await k.shutdown([binary]);
  assert.equal(left, [], 'no process left');
  fs.rmSync(cwd, { recursive: true, force: true });
  process.stdout.write(`  [delve-commands] ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

test.run();
