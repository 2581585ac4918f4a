// Shift-Tab: help for a command word, or the type and value of the expression at the cursor.
import type { InspectOutcome } from '../kernel/interpreter';
import { commandHelpText, lookup } from './commands/registry';
import { defaultLoadConfig } from './rpc/delve-client';
import { formatValue } from './render/value';
import type { DebugState } from './state';

export async function inspect(state: DebugState, code: string, cursor: number): Promise<InspectOutcome> {
  const lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
  const lineEnd = code.indexOf('\n', cursor) < 0 ? code.length : code.indexOf('\n', cursor);
  const line = code.slice(lineStart, lineEnd);
  const at = cursor - lineStart;
  const isWordChar = (c: string | undefined) => c !== undefined && /[\w.\[\]*&-]/.test(c);
  let from = at;
  let to = at;
  while (isWordChar(line[from - 1])) from--;
  while (isWordChar(line[to])) to++;
  const word = line.slice(from, to);
  if (!word) return { found: false, data: {} };

  const firstWord = line.trimStart().split(/\s+/)[0];
  const isFirst = line.slice(0, from).trim() === '';
  const command = lookup(isFirst ? word : '');
  if (command) return { found: true, data: { 'text/plain': commandHelpText(command) } };

  const s = state.session;
  if (s && !s.lostReason && !(firstWord === word && lookup(word))) {
    const v = await s.query.eval({ Scope: state.scope, Expr: word, Cfg: defaultLoadConfig }).catch(() => undefined);
    if (v) return { found: true, data: { 'text/plain': `${word}: ${v.type}\n${formatValue(v)}` } };
  }
  return { found: false, data: {} };
}
