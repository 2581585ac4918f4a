// Delve's habits through jupyter_client: Tab offers what the command table declares
// (subcommands, flags, capture names, package main's variables unqualified), `help` lists
// them, Enter runs one line (is_complete), and a halt shows a goroutine of the program.
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, repoRoot } from './helpers/go';
import { JupyterClientKernel, allText, jsonOf, textOf, type DriverExchange } from './helpers/jupyter-driver';

const binary = buildExample('orders');

function ok(ex: DriverExchange): DriverExchange {
  assert.is(ex.reply.content.status, 'ok', allText(ex));
  return ex;
}

test('Tab, help and Enter come from the command table; a halt lands in the program', async () => {
  const k = await JupyterClientKernel.start('habits', path.join(repoRoot, 'examples/orders'));
  try {
    // Before any session: subcommands and flags need no target.
    const memwatch = await k.complete('memwatch ');
    assert.equal(memwatch.matches, ['diff', 'drop', 'gc', 'pages', 'snapshot', 'span', 'stats', 'top']);
    assert.is(memwatch.cursor_start, 'memwatch '.length);
    assert.equal((await k.complete('memwatch gc --')).matches, ['--call', '--clear-soft-dirty']);
    assert.equal((await k.complete('goroutine-graph --')).matches, ['--all', '--delve', '--focus', '--group']);
    assert.equal((await k.complete('goroutine-graph -')).matches, ['--all', '--delve', '--focus', '--group', '-a', '-f', '-g']);
    assert.equal((await k.complete('detach --')).matches, ['--kill']);
    assert.equal((await k.complete('goroutines -gr')).matches, ['-group']);
    assert.equal((await k.complete('goroutines -group u')).matches, ['user', 'userloc']);
    assert.equal((await k.complete('goroutines -with user -without st')).matches, ['startloc']);
    assert.equal((await k.complete('stackdiff s')).matches, ['snapshot']);
    assert.is((await k.isComplete('goroutines')).status, 'complete', 'Enter runs a one-line command');

    const help = ok(await k.execute('help memwatch'));
    assert.match(textOf(help), /subcommands:\n\s+memwatch stats/);
    assert.match(textOf(help), /--clear-soft-dirty/);
    assert.equal(jsonOf(help).subcommands.map((s: { name: string }) => s.name), ['stats', 'pages', 'snapshot', 'diff', 'drop', 'gc', 'span', 'top']);
    assert.match(textOf(ok(await k.execute('help goroutine-graph'))), /flags:\n\s+--group \(-g\)/);

    ok(await k.execute(`exec ${binary} -- -pause 5ms\nbreak main.go:42\ncontinue`));
    // A channel shows its queue (len/cap: qcount/dataqsiz), not hchan's count of fields.
    assert.match(textOf(ok(await k.execute('frame 1 print orders'))), /^<-chan main\.Order 0\/0/);
    // exit says what ends what, and ends nothing.
    assert.match(textOf(ok(await k.execute('exit'))), /`detach` ends it \(killing the program it started\)/);
    ok(await k.execute('stackdiff snapshot before\nstackdiff snapshot after'));
    assert.equal((await k.complete('stackdiff ')).matches, ['after', 'before', 'drop', 'list', 'snapshot']);
    assert.equal((await k.complete('stackdiff drop b')).matches, ['before']);
    assert.equal((await k.complete('stackdiff before a')).matches, ['after']);
    ok(await k.execute('memwatch snapshot heap1'));
    assert.equal((await k.complete('memwatch diff h')).matches, ['heap1']);
    // Package main's variables complete unqualified, as Delve evaluates them in main.
    const unqualified = await k.complete('print cust');
    assert.ok(unqualified.matches.includes('customers'), unqualified.matches.join(' '));
    assert.ok((await k.complete('print main.led')).matches.includes('main.ledger'));
    // A flag's value completes as the flag says: --call takes an expression.
    assert.ok((await k.complete('memwatch gc --call main.le')).matches.includes('main.ledger'));

    // The interrupt button during `continue`: Delve stops some thread (often goroutine 0 in
    // runtime.futex); the kernel shows a goroutine of the program at its own frame instead.
    ok(await k.execute('clearall'));
    const id = await k.send('continue');
    await new Promise((r) => setTimeout(r, 1000));
    await k.interrupt();
    const halted = await k.collect(id, 20);
    assert.is(halted.reply.content.ename, 'Interrupted', allText(halted));
    const shown = allText(halted);
    const m = /halted by interrupt: showing goroutine (\d+) \(([^)]+)\)/.exec(shown);
    assert.ok(m, shown.slice(0, 600));
    assert.match(shown, new RegExp(`> \\[goroutine ${m![1]}\\] main\\.`), 'shown at a frame of package main');
    // The cells that follow look at that goroutine and frame.
    const frame = Number(/at frame (\d+)/.exec(shown)?.[1] ?? 0);
    const statusCell = ok(await k.execute('status'));
    const status = jsonOf(statusCell);
    // The table's location is module-relative (or $GOROOT/...); the JSON keeps the full path.
    assert.match(textOf(statusCell), /\nlocation +\S+\(\) (\$GOROOT\/src\/|[^/\s])/);
    assert.match(status.location, /\(\) \/\S+:\d+$/);
    assert.is(status.goroutine, m![1], JSON.stringify(status));
    assert.is(status.frame, String(frame));
    const locals = ok(await k.execute('locals'));
    assert.ok(jsonOf(locals).variables.length > 0, 'the frame of the program has locals');
  } finally {
    const { left } = await k.shutdown([binary]);
    assert.equal(left, [], 'nothing left behind');
  }
});

test.run();
