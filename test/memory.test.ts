// Bulk memory reads (/proc/PID/mem, core segments, Delve) and struct layouts from the
// target's own types, checked against Delve's Eval of the same values.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DelveInterpreter } from '../src/interpreter';
import { structLayout, offsetOf } from '../src/session/layout';
import { openMemory, type MemoryReader } from '../src/session/memory';
import type { Session } from '../src/session/session';
import { buildExample, makeCoreDump, repoRoot, toolchains } from './helpers/go';
import { RecordingContext } from './helpers/recording-context';

async function ok(it: DelveInterpreter, code: string): Promise<void> {
  const outcome = await it.execute(code, new RecordingContext());
  if (outcome.status !== 'ok') assert.unreachable(`${code}: ${outcome.evalue}`);
}

/** Reads goroutine 1's stack bounds through MEMORY and compares them with Delve's Eval. */
async function checkAgainstEval(session: Session, memory: MemoryReader): Promise<void> {
  const scope = { GoroutineID: 1, Frame: 0 };
  const layout = await structLayout(session.query, scope, 'runtime.curg');
  const curg = await session.query.eval({ Scope: scope, Expr: 'runtime.curg', Cfg: { FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 1 } });
  const gAddress = curg.children![0].addr;
  const lo = await session.query.eval({ Scope: scope, Expr: 'runtime.curg.stack.lo', Cfg: null });
  const hi = await session.query.eval({ Scope: scope, Expr: 'runtime.curg.stack.hi', Cfg: null });
  const bytes = await memory.read(gAddress + offsetOf(layout, 'stack.lo'), 16);
  assert.is(Number(bytes.readBigUInt64LE(0)), Number(lo.value));
  assert.is(Number(bytes.readBigUInt64LE(8)), Number(hi.value));
  // A whole stack in one read.
  const stack = await memory.read(Number(lo.value), Number(hi.value) - Number(lo.value));
  assert.is(stack.length, Number(hi.value) - Number(lo.value));
}

for (const tc of toolchains()) {
  const binary = buildExample('orders', tc);

  test(`${tc.name}: /proc/PID/mem of a stopped target reads what Delve reads`, async () => {
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await ok(it, `exec ${binary}`);
      await ok(it, 'break main.process\ncontinue');
      const memory = await openMemory(it.state.session!);
      try {
        assert.is(memory.source, 'proc');
        await checkAgainstEval(it.state.session!, memory);
      } finally {
        await memory.close();
      }
    } finally {
      await it.shutdown(false);
    }
  });

  test(`${tc.name}: a core file's segments read what Delve reads`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-core-'));
    const it = new DelveInterpreter({ stream() {} }, repoRoot);
    try {
      await ok(it, `core ${binary} ${await makeCoreDump(binary, ['-pause', '10ms'], dir)}`);
      const memory = await openMemory(it.state.session!);
      try {
        assert.is(memory.source, 'core');
        await checkAgainstEval(it.state.session!, memory);
      } finally {
        await memory.close();
      }
    } finally {
      await it.shutdown(false);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
