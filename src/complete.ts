// Tab completion, from the command table: command names first; then a command's subcommands
// and flags; then, by what the command, subcommand or flag takes, locations (functions,
// files), expressions (locals, args, package variables, struct fields), paths or captures.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompleteOutcome } from '../kernel/interpreter';
import type { Completes, Flag } from './commands/command';
import { allNames, lookup } from './commands/registry';
import { Kind } from './rpc/api';
import type { DebugState } from './state';
import type { Session } from './session/session';

/** Per-session name lists: asked of Delve once, they do not change while the program runs. */
const namesCache = new WeakMap<Session, Promise<{ functions: string[]; packageVars: string[]; files: string[] }>>();

function sessionNames(s: Session) {
  let names = namesCache.get(s);
  if (!names) {
    const cfg = { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 };
    names = Promise.all([
      s.query.listFunctions({ Filter: '' }).catch(() => []),
      s.query.listPackageVars({ Filter: '', Cfg: cfg }).then((vs) => vs.map((v) => v.name), () => []),
      s.query.listSources({ Filter: '' }).catch(() => []),
    ]).then(([functions, packageVars, files]) => ({ functions, packageVars, files }));
    namesCache.set(s, names);
  }
  return names;
}

export async function complete(state: DebugState, code: string, cursor: number): Promise<CompleteOutcome> {
  const lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
  const before = code.slice(lineStart, cursor);
  const token = /[^\s]*$/.exec(before)![0];
  const start = cursor - token.length;
  const words = before.trimStart().split(/\s+/);
  const reply = (matches: string[], from = start): CompleteOutcome => ({
    matches: [...new Set(matches)].sort().slice(0, 500),
    cursorStart: from,
    cursorEnd: cursor,
    metadata: {},
  });
  if (words.length <= 1) return reply(allNames().filter((n) => n.startsWith(token)));

  const command = lookup(words[0]);
  if (!command) return reply([]);
  const nested = (command.name === 'goroutine' || command.name === 'frame') && words.length === 3;
  if (nested) return reply(allNames().filter((n) => n.startsWith(token)));
  const sub = command.subcommands?.find((c) => c.name === words[1]);
  const flags = flagNames(words.length > 2 && sub ? sub.flags : command.flags);
  if (token.startsWith('-')) return reply(flags.filter((n) => n.startsWith(token)));
  const flag = valueFlag(words.length > 2 && sub ? sub.flags : command.flags, words[words.length - 2]);
  if (flag?.choices) return reply(flag.choices.filter((c) => c.startsWith(token)));
  const kind = flag ? flag.completes ?? 'nothing' : words.length > 2 && sub ? sub.completes ?? 'nothing' : command.completes;
  const matches = await matchesFor(kind, state, token, before, cursor, reply);
  if (words.length !== 2 || !command.subcommands) return matches;
  // The word after the command: a subcommand, or what the command itself takes (`stackdiff A B`).
  const subs = command.subcommands.map((c) => c.name).filter((n) => n.startsWith(token));
  return { ...matches, matches: [...new Set([...subs, ...matches.matches])].sort(), cursorStart: matches.matches.length ? matches.cursorStart : start };
}

function flagNames(flags: Flag[] | undefined): string[] {
  return (flags ?? []).flatMap((f) => [f.name, ...(f.aliases ?? [])]);
}

/** The flag whose value is being typed (`--focus ` then Tab), if the previous word is one. */
function valueFlag(flags: Flag[] | undefined, previous: string | undefined): Flag | undefined {
  return (flags ?? []).find((f) => f.value && (f.name === previous || f.aliases?.includes(previous ?? '')));
}

async function matchesFor(kind: Completes, state: DebugState, token: string, before: string, cursor: number, reply: (m: string[], from?: number) => CompleteOutcome): Promise<CompleteOutcome> {
  switch (kind) {
    case 'commands':
      return reply(allNames().filter((n) => n.startsWith(token)));
    case 'files':
      return reply(pathMatches(state.cwd, token));
    case 'locations':
      return reply(await locationMatches(state, token));
    case 'expressions':
      return expressionMatches(state, before, cursor, reply);
    case 'stack-captures':
      return reply(state.captures.names().filter((n) => n.startsWith(token)));
    case 'memory-captures':
      return reply([...state.memSnapshots.keys()].filter((n) => n.startsWith(token)));
    default:
      return reply([]);
  }
}

function pathMatches(cwd: string, token: string): string[] {
  const dir = token.endsWith('/') ? token : path.dirname(token) === '.' && !token.startsWith('./') ? '' : path.dirname(token) + '/';
  const prefix = token.slice(dir.length);
  try {
    return fs
      .readdirSync(path.resolve(cwd, dir || '.'), { withFileTypes: true })
      .filter((e) => e.name.startsWith(prefix) && (prefix.startsWith('.') || !e.name.startsWith('.')))
      .map((e) => dir + e.name + (e.isDirectory() ? '/' : ''));
  } catch {
    return [];
  }
}

async function locationMatches(state: DebugState, token: string): Promise<string[]> {
  const s = state.session;
  if (!s || s.lostReason) return [];
  const { functions, files } = await sessionNames(s);
  const fileNames = files.filter((f) => !f.includes('/usr/lib/go') && !f.startsWith('<')).map((f) => path.basename(f) + ':');
  return [...functions, ...fileNames].filter((n) => n.startsWith(token));
}

async function expressionMatches(state: DebugState, before: string, cursor: number, reply: (m: string[], from?: number) => CompleteOutcome): Promise<CompleteOutcome> {
  const s = state.session;
  if (!s || s.lostReason) return reply([]);
  const expr = /[\w.\[\]()*&]*$/.exec(before)![0];
  const dot = expr.lastIndexOf('.');
  if (dot > 0) {
    // `order.Cu` -> the fields of order; `main.le` -> package members named main.le...
    const base = expr.slice(0, dot);
    const partial = expr.slice(dot + 1);
    const from = cursor - partial.length;
    const cfg = { FollowPointers: true, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1 };
    const v = await s.query.eval({ Scope: state.scope, Expr: base, Cfg: cfg }).catch(() => undefined);
    const target = v && v.kind === Kind.Ptr ? v.children?.[0] : v;
    if (target && target.kind === Kind.Struct) {
      return reply((target.children ?? []).map((c) => c.name).filter((n) => n.startsWith(partial)), from);
    }
    const { functions, packageVars } = await sessionNames(s);
    return reply([...packageVars, ...functions].filter((n) => n.startsWith(expr)), cursor - expr.length);
  }
  const scopeVars = await Promise.all([
    s.query.listLocalVars({ Scope: state.scope, Cfg: { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 } }).catch(() => []),
    s.query.listFunctionArgs({ Scope: state.scope, Cfg: { FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: 0 } }).catch(() => []),
  ]);
  const { packageVars, functions } = await sessionNames(s);
  const local = scopeVars.flat().map((v) => v.name);
  const packages = [...new Set([...packageVars, ...functions].map((n) => n.split('.')[0] + '.'))];
  // Delve finds package main's variables unqualified, as Go code in main names them.
  const mainVars = packageVars.filter((n) => n.startsWith('main.')).map((n) => n.slice('main.'.length));
  return reply([...local, ...mainVars, ...packages, ...packageVars].filter((n) => n.startsWith(expr)), cursor - expr.length);
}
