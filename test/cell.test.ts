// The cell language: lines, comments, words, breakpoint arguments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCell, splitAtDashes, splitWords } from '../src/cell';
import { parseBreakArgs } from '../src/commands/breakpoints';
import { lookup, lookupOrSuggest } from '../src/commands/registry';
import { UserError } from '../src/errors';
import { DelveInterpreter } from '../src/interpreter';
import { ok } from './helpers/cells';

test('one command per line; # comments; blank lines skipped', () => {
  const cell = parseCell('# start\nexec ./bin/app -- -n 3   # three orders\n\n  print "a#b"\n');
  assert.equal(cell, {
    kind: 'commands',
    commands: [
      { word: 'exec', args: './bin/app -- -n 3', line: 2, text: 'exec ./bin/app -- -n 3' },
      { word: 'print', args: '"a#b"', line: 4, text: 'print "a#b"' },
    ],
  });
});

test('%%sql makes the whole cell one query', () => {
  assert.equal(parseCell('%%sql\nselect * from goroutines\n'), { kind: 'sql', query: 'select * from goroutines' });
});

test('words: quotes group, -- separates program arguments', () => {
  assert.equal(splitWords(`a "b c" 'd e' f\\g`), ['a', 'b c', 'd e', 'f\\g']);
  assert.equal(splitAtDashes(['./app', '--', '-n', '3']), [['./app'], ['-n', '3']]);
});

test('break [NAME] LOCSPEC [if COND]', () => {
  assert.equal(parseBreakArgs('main.go:42'), { name: '', locspec: 'main.go:42', cond: '' });
  assert.equal(parseBreakArgs('slow main.process if order.ID == 3'), { name: 'slow', locspec: 'main.process', cond: 'order.ID == 3' });
  assert.is(parseBreakArgs(''), undefined);
  assert.is(parseBreakArgs('a b c'), undefined);
});

test('names and aliases come from one table, as Delve\'s terminal has them', () => {
  for (const [alias, name] of [['c', 'continue'], ['n', 'next'], ['s', 'step'], ['so', 'stepout'], ['b', 'break'], ['bp', 'breakpoints'], ['grs', 'goroutines'], ['gr', 'goroutine'], ['bt', 'stack'], ['p', 'print'], ['x', 'examinemem'], ['ls', 'list'], ['r', 'restart']]) {
    assert.is(lookup(alias)?.name, name, alias);
  }
});

test('an unknown command suggests the nearest', () => {
  try {
    lookupOrSuggest('brek');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UserError);
    assert.is((err as UserError).hint, 'did you mean `break`? `help` lists every command');
  }
});

test('exit and quit say what ends the session and the kernel, and end nothing', async () => {
  const it = new DelveInterpreter({ stream() {} });
  for (const word of ['exit', 'quit', 'q']) {
    const text = String((await ok(it, word))['text/plain']);
    assert.match(text, /there is no session to end/);
    assert.match(text, /Kernel > Shut Down/);
  }
});

test.run();
