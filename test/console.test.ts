// `jupyter console` as a person uses it, under a pseudo-terminal (pexpect): Enter runs one
// line, Tab completes from the command table, Ctrl-C during `continue` halts the target, the
// outputs read as text, Ctrl-D ends the kernel and what it started.
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, repoRoot } from './helpers/go';
import { cleanUp, explain, installPrefix, PYTHON, run } from './helpers/jupyter-world';

const binary = buildExample('orders');

test('delve-kernel console: Enter, Tab, Ctrl-C halts, text outputs, Ctrl-D', async () => {
  const prefix = installPrefix('console');
  let left: string[] = [];
  try {
    const r = await run(PYTHON, [path.join(repoRoot, 'test/python/console_session.py'), process.execPath, path.join(repoRoot, 'bin/delve-kernel.js'), binary, path.join(repoRoot, 'examples/orders')],
      { env: { ...prefix.env, TERM: 'xterm' }, cwd: prefix.dir, timeoutMs: 180_000 });
    const result = JSON.parse(r.stdout.trim().split('\n').pop() || '{"failures": [{"check": "no output"}]}');
    assert.equal(result.failures, [], explain(r));
    assert.ok(result.checks.length >= 8, result.checks.join(', '));
  } finally {
    left = await cleanUp(prefix, [binary]);
  }
  assert.equal(left, [], 'the console left nothing running');
});

test.run();
