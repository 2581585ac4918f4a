// The command table: every command with its names, aliases and help, as in Delve's
// pkg/terminal. `help`, completion, inspection and dispatch all read it.
import type { MimeBundle } from '../../kernel/interpreter';
import { UserError } from '../errors';
import { escapeHtml, proseHtml } from '../render/html';
import { tableBundle } from '../render/table';
import { breakpointCommands } from './breakpoints';
import type { Command, Flag, Group } from './command';
import { graphCommands } from './goroutine-graph';
import { whyCommand } from './why';
import { goroutineCommands } from './goroutines';
import { memwatchCommands } from './memwatch';
import { runningCommands } from './running';
import { sessionCommands } from './session';
import { stackCommands } from './stack';
import { sqlCommands } from './sql';
import { stackdiffCommands } from './stackdiff';
import { valueCommands } from './values';
import { codeCommands } from './code';
import { displayCommands } from './display';

const GROUP_TITLES: Record<Group, string> = {
  session: 'Sessions',
  running: 'Running the program',
  breakpoints: 'Breakpoints',
  looking: 'Looking at the program',
  analyses: 'Analyses',
  kernel: 'This kernel',
};

const helpCommand: Command = {
  name: 'help', aliases: ['h'], group: 'kernel', completes: 'commands',
  usage: 'help [COMMAND]',
  summary: 'List every command, or explain one.',
  async run(cx) {
    if (cx.args) return commandHelpBundle(lookupOrSuggest(cx.args.trim()));
    return helpBundle();
  },
};

/** Delve's terminal ends with `exit`; a notebook's kernel outlives its sessions, so say what ends what. */
const exitCommand: Command = {
  name: 'exit', aliases: ['quit', 'q'], group: 'kernel', completes: 'nothing',
  usage: 'exit',
  summary: 'Say how to end the session or the kernel (the kernel does not exit from a cell).',
  async run(cx) {
    const s = cx.state.session;
    const text = [
      s ? `the session (\`${s.describe()}\`) goes on: \`detach\` ends it (${s.launchedTarget ? 'killing the program it started' : 'leaving the process running'}), \`detach --kill\` kills the target` : 'there is no session to end',
      'the kernel stops from Jupyter: Kernel > Shut Down (or Ctrl-D in `jupyter console`); it then ends what it started and leaves attached processes running',
    ].join('\n');
    return { 'text/plain': text, 'application/json': { kind: 'exit', session: s?.describe() ?? null } };
  },
};

export const commands: Command[] = [
  ...sessionCommands,
  ...runningCommands,
  ...breakpointCommands,
  ...goroutineCommands,
  ...stackCommands,
  ...valueCommands,
  ...displayCommands,
  ...codeCommands,
  ...graphCommands,
  whyCommand,
  ...stackdiffCommands,
  ...sqlCommands,
  ...memwatchCommands,
  helpCommand,
  exitCommand,
];

const byName = new Map<string, Command>();
for (const c of commands) for (const n of [c.name, ...c.aliases]) byName.set(n, c);

export function lookup(word: string): Command | undefined {
  return byName.get(word);
}

export function allNames(): string[] {
  return [...byName.keys()].sort();
}

export function lookupOrSuggest(word: string): Command {
  const found = byName.get(word);
  if (found) return found;
  const nearest = nearestName(word);
  const shown = word.length > 60 ? `${word.slice(0, 60)}…` : word;
  throw new UserError('UnknownCommand', `unknown command \`${shown}\``, nearest ? `did you mean \`${nearest}\`? \`help\` lists every command` : '`help` lists every command');
}

function nearestName(word: string): string | undefined {
  // The length difference bounds the distance: a long word (an 8 MB paste) is near nothing,
  // and must not cost seconds of the event loop.
  if (word.length > 40) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of byName.keys()) {
    if (Math.abs(word.length - name.length) >= bestDistance) continue;
    const d = editDistance(word.toLowerCase(), name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** A flag as help shows it: `--focus ID (-f)`. */
function flagText(f: Flag): string {
  return `${f.name}${f.value ? ` ${f.value}` : ''}${f.aliases?.length ? ` (${f.aliases.join(', ')})` : ''}`;
}

/** The subcommands and flags of C, one line each, as `help C` lists them. */
function optionLines(c: Command): string[] {
  const lines: string[] = [];
  if (c.subcommands?.length) {
    lines.push('  subcommands:');
    for (const sub of c.subcommands) {
      lines.push(`    ${sub.usage.padEnd(40)} ${sub.summary}`);
      for (const f of sub.flags ?? []) lines.push(`      ${flagText(f).padEnd(38)} ${f.summary}`);
    }
  }
  if (c.flags?.length) {
    lines.push('  flags:');
    for (const f of c.flags) lines.push(`    ${flagText(f).padEnd(40)} ${f.summary}`);
  }
  return lines;
}

export function commandHelpText(c: Command): string {
  const aliases = c.aliases.length ? ` (alias: ${c.aliases.join(', ')})` : '';
  return [`${c.usage}${aliases}`, `  ${c.summary}`, ...(c.details ? [`  ${c.details}`] : []), ...optionLines(c)].join('\n');
}

function optionsHtml(c: Command): string {
  const flagItems = (flags: Flag[] | undefined) => (flags ?? []).map((f) => `<li><code>${escapeHtml(flagText(f))}</code>: ${proseHtml(f.summary)}</li>`).join('');
  const subs = (c.subcommands ?? []).map((s) => `<li><code>${escapeHtml(s.usage)}</code>: ${proseHtml(s.summary)}${s.flags?.length ? `<ul>${flagItems(s.flags)}</ul>` : ''}</li>`).join('');
  return (subs ? `<p>Subcommands:</p><ul>${subs}</ul>` : '') + (c.flags?.length ? `<p>Flags:</p><ul>${flagItems(c.flags)}</ul>` : '');
}

function commandHelpBundle(c: Command): MimeBundle {
  return {
    'text/plain': commandHelpText(c),
    'text/html': `<p><code>${escapeHtml(c.usage)}</code>${c.aliases.length ? ` (alias: ${c.aliases.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')})` : ''}</p><p>${proseHtml(c.summary)}</p>${c.details ? `<p>${proseHtml(c.details)}</p>` : ''}${optionsHtml(c)}`,
    'application/json': { kind: 'help', command: c.name, aliases: c.aliases, usage: c.usage, summary: c.summary, details: c.details ?? '', subcommands: c.subcommands ?? [], flags: c.flags ?? [] },
  };
}

function helpBundle(): MimeBundle {
  const rows = commands.map((c) => ({ group: GROUP_TITLES[c.group], command: c.name, aliases: c.aliases.join(', '), usage: c.usage, summary: c.summary }));
  const bundle = tableBundle({
    columns: [
      { name: 'group', type: 'string' }, { name: 'command', type: 'string' }, { name: 'aliases', type: 'string' },
      { name: 'usage', type: 'string' }, { name: 'summary', type: 'string' },
    ],
    rows,
    title: 'Commands (one per line in a cell; `#` starts a comment; `help COMMAND` explains one)',
  });
  bundle['text/plain'] = [
    'Commands (one per line in a cell; `#` starts a comment; `help COMMAND` explains one)',
    ...(Object.keys(GROUP_TITLES) as Group[]).flatMap((g) => [
      '',
      GROUP_TITLES[g] + ':',
      ...commands.filter((c) => c.group === g).map((c) => `  ${(c.name + (c.aliases.length ? ` (${c.aliases.join(', ')})` : '')).padEnd(22)} ${c.summary}`),
    ]),
  ].join('\n');
  bundle['application/json'] = { kind: 'help', commands: commands.map((c) => ({ name: c.name, aliases: c.aliases, usage: c.usage, summary: c.summary })) };
  return bundle;
}
