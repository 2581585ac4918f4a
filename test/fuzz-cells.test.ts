// The cell language under random and hostile input (a fixed seed, a few thousand cells) against
// a real Delve: every reply is ok or an error that names itself (never InternalError, never a
// JavaScript stack), Delve never dies, and the session is the one it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '../src/commands/registry';
import { DelveInterpreter } from '../src/interpreter';
import { buildExample, repoRoot } from './helpers/go';
import { ok, run } from './helpers/cells';

const CELLS = 3000;
const SEED = 20261202;

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Commands that run the target or end the session would make the session change by design.
const CHANGES_SESSION = new Set(['continue', 'next', 'step', 'stepout', 'restart', 'detach', 'exec', 'debug', 'attach', 'core', 'connect', 'call', 'halt', 'memwatch', 'dump', 'set']);

const HOSTILE = [
  '9223372036854775807', '18446744073709551616', '-1', '-9223372036854775809', '1e23', '0x', '0xffffffffffffffff',
  '999999999999', 'NaN', 'Infinity', '""', '"', "'", '`', '\\', '%', '%%sql', '--', '-', '-full', '--all', '--focus',
  '\u0000', '\u2028', '\r', '\t', '😀', 'é', '$(id)', '; rm -rf /', '../../../../etc/passwd', '*', '(', ')', '[', ']',
  '{', '}', 'nil', 'main.', 'runtime.', '*(*int)(0)', 'order.', 'x'.repeat(5000),
];

function hostileCell(next: () => number, names: string[]): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const word = () => {
    const r = next();
    if (r < 0.5) return pick(HOSTILE);
    if (r < 0.7) return String(Math.floor(next() * 2 ** 40) - 2 ** 20);
    return Array.from({ length: 1 + Math.floor(next() * 12) }, () => String.fromCodePoint(Math.floor(next() * 0x2fff))).join('');
  };
  const lines = 1 + Math.floor(next() * 3);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const head = next() < 0.8 ? pick(names) : word();
    out.push([head, ...Array.from({ length: Math.floor(next() * 4) }, word)].join(' '));
  }
  return out.join(pick(['\n', '\r\n', '\r', '\u2028']));
}

test(`${CELLS} random and hostile cells: named errors only, Delve alive, the same session`, async () => {
  const binary = buildExample('orders');
  const it = new DelveInterpreter({ stream() {} }, path.join(repoRoot, 'examples', 'orders'));
  try {
    await ok(it, `exec ${binary} -- -pause 5ms\nbreak main.go:42\ncontinue\nclearall`);
    const pid = it.state.session!.pid;
    const session = it.state.session;
    const names = commands.flatMap((c) => [c.name, ...c.aliases]).filter((n) => !CHANGES_SESSION.has(commands.find((c) => c.name === n || c.aliases.includes(n))!.name));
    const next = random(SEED);
    const started = Date.now();
    const enames = new Map<string, number>();
    for (let i = 0; i < CELLS; i++) {
      const cell = hostileCell(next, names);
      const { outcome } = await run(it, cell);
      if (outcome.status === 'error') {
        enames.set(outcome.ename, (enames.get(outcome.ename) ?? 0) + 1);
        assert.is.not(outcome.ename, 'InternalError', `cell ${i}: ${JSON.stringify(cell.slice(0, 200))}: ${outcome.evalue}`);
        assert.is.not(outcome.ename, 'TargetLost', `cell ${i}: ${JSON.stringify(cell.slice(0, 200))}: ${outcome.evalue}`);
        assert.not.match(outcome.traceback.join('\n'), /\n\s+at .*:\d+:\d+/, `cell ${i}: a JavaScript stack`);
      }
      assert.is(it.state.session, session, `cell ${i} changed the session: ${JSON.stringify(cell.slice(0, 200))}`);
    }
    assert.ok(Date.now() - started < 60_000, `${CELLS} cells in ${Date.now() - started} ms`);
    assert.ok(fs.existsSync(`/proc/${pid}`), 'the target lives');
    assert.ok(it.state.session!.dlvPid && fs.existsSync(`/proc/${it.state.session!.dlvPid}`), 'Delve lives');
    // The cells may have moved the goroutine and frame looked at (`up`, `goroutine N`): a package variable reads anywhere.
    assert.match(String((await ok(it, 'print main.customers'))['text/plain']), /"ada", "grace"/);
    assert.ok(enames.size >= 3, `several kinds of error: ${[...enames.keys()].join(', ')}`);
  } finally {
    await it.shutdown(false);
  }
});

test.run();
