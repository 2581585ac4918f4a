// Running cells through the interpreter in tests, and reading what they showed.
import * as assert from 'uvu/assert';
import type { ExecuteOutcome, MimeBundle } from '../../kernel/interpreter';
import type { DelveInterpreter } from '../../src/interpreter';
import { RecordingContext } from './recording-context';

export async function run(it: DelveInterpreter, code: string, ctx = new RecordingContext()): Promise<{ outcome: ExecuteOutcome; ctx: RecordingContext; data: MimeBundle }> {
  const outcome = await it.execute(code, ctx);
  const data = outcome.status === 'ok' && outcome.result ? outcome.result.data : {};
  return { outcome, ctx, data };
}

/** The cell's result; fails the test if the cell failed. */
export async function ok(it: DelveInterpreter, code: string): Promise<MimeBundle> {
  const { outcome, data } = await run(it, code);
  if (outcome.status !== 'ok') assert.unreachable(`${code}: ${outcome.ename}: ${outcome.evalue}`);
  return data;
}

/** The cell's error; fails the test if the cell succeeded. */
export async function fails(it: DelveInterpreter, code: string): Promise<{ ename: string; evalue: string; traceback: string[] }> {
  const { outcome } = await run(it, code);
  if (outcome.status !== 'error') throw new assert.Assertion({ message: `${code} should fail`, operator: 'fails', expects: 'error', actual: outcome.status, generated: false });
  return outcome;
}

export function rowsOf(data: MimeBundle): Record<string, unknown>[] {
  return (data['application/vnd.dataresource+json'] as { data: Record<string, unknown>[] }).data;
}

export function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now();
    const tick = () => (cond() ? resolve(true) : Date.now() - started > ms ? resolve(false) : setTimeout(tick, 50));
    tick();
  });
}
