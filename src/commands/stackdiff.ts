// stackdiff: capture every goroutine's stack under a name (`stackdiff snapshot NAME`), list
// the captures, and diff two of them (`stackdiff A B`).
import type { MimeBundle } from '../../kernel/interpreter';
import { diffCaptures, foldStacks, type MatchBy } from '../analyses/stackdiff';
import { captureStacks } from '../capture/capture-stacks';
import type { Capture, CaptureMethod, CaptureProgress } from '../capture/capture';
import { CAPTURE_BUDGET_BYTES } from '../capture/store';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import { captureListBundle, progressBundle, snapshotBundle, stackdiffBundle } from '../render/stackdiff';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';
import { progressDisplay } from './progress';

const USAGE = 'stackdiff snapshot NAME [--delve] | stackdiff A B [--by-id|--by-identity] | stackdiff list | stackdiff drop NAME...';
const NAME = /^[A-Za-z0-9_.:-]+$/;
const RESERVED = new Set(['snapshot', 'list', 'drop']);

async function snapshot(cx: CommandContext, words: string[]): Promise<MimeBundle> {
  const flags = words.filter((w) => w.startsWith('--'));
  const names = words.filter((w) => !w.startsWith('--'));
  if (names.length !== 1 || flags.some((f) => f !== '--delve' && f !== '--memory')) throw usage('stackdiff', USAGE, 'snapshot takes one NAME (and --delve or --memory)');
  const name = names[0];
  if (!NAME.test(name) || RESERVED.has(name)) throw usage('stackdiff', USAGE, `\`${name}\` cannot name a capture (letters, digits, _ . : - only; not \`snapshot\`, \`list\` or \`drop\`)`);
  const s = cx.state.need('stackdiff snapshot');
  const kept = cx.state.captures.bytes();
  if (kept > CAPTURE_BUDGET_BYTES) {
    throw new UserError('CaptureBudget', `the ${cx.state.captures.names().length} captures kept take about ${size(kept)}, over the ${size(CAPTURE_BUDGET_BYTES)} kept for captures`,
      'drop some first: `stackdiff drop NAME` (`stackdiff list` shows them and their sizes)');
  }
  if (s.running) throw new UserError('TargetRunning', '`stackdiff snapshot` needs a stopped target', 'stop it first (`halt`, or the interrupt button), then take the capture');
  const method: CaptureMethod | 'auto' = flags.includes('--delve') ? 'delve' : flags.includes('--memory') ? 'memory' : 'auto';

  const progress = progressDisplay(cx, 'stackdiff');
  progress.report(progressBundle(name, { phase: 'goroutines', done: 0, total: 0 }));
  const onProgress = (p: CaptureProgress) => progress.report(progressBundle(name, p));
  const taken = await askDelve(`stackdiff snapshot ${name}`, () => captureStacks(s, { name, method, signal: cx.signal, onProgress })).catch((err) => {
    if (err instanceof Error && /^cannot capture from memory/.test(err.message)) throw new UserError('UsageError', err.message, 'leave out --memory: the capture then goes through Delve');
    throw err;
  });
  const capture = taken.capture;
  const { replaced, notSaved } = await cx.state.keepStacks(capture);
  const bundle = snapshotBundle(capture, foldStacks(capture), { replaced, fallbackReason: taken.fallbackReason });
  if (notSaved) bundle['text/plain'] = `${bundle['text/plain']}\nnote: ${notSaved}`;
  progress.done(`stackdiff snapshot ${name}: ${capture.goroutines.length} goroutines captured in ${(capture.durationMs / 1000).toFixed(2)} s`);
  return bundle;
}

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${Math.round(bytes / 1024 / 1024)} MiB`;
}

async function drop(cx: CommandContext, names: string[]): Promise<MimeBundle> {
  if (names.length === 0) throw usage('stackdiff', USAGE, '`stackdiff drop NAME...` names the captures to forget');
  for (const name of names) captureNamed(cx, name); // all known, or nothing dropped
  for (const name of names) await cx.state.dropCapture('stacks', name);
  const left = cx.state.captures.names();
  return {
    'text/plain': `dropped ${names.map((n) => `\`${n}\``).join(', ')}; ${left.length ? `kept: ${left.join(', ')} (about ${size(cx.state.captures.bytes())})` : 'no captures kept'}`,
    'application/json': { kind: 'stackdiff.drop', dropped: names, kept: left, keptBytes: cx.state.captures.bytes() },
  };
}

function captureNamed(cx: CommandContext, name: string): Capture {
  const c = cx.state.captures.get(name);
  if (c) return c;
  const known = cx.state.captures.names();
  throw new UserError('UsageError', `there is no capture named \`${name}\``, known.length ? `captures: ${known.join(', ')}; \`stackdiff snapshot ${name}\` takes one` : `\`stackdiff snapshot ${name}\` takes one`);
}

function diff(cx: CommandContext, words: string[]): MimeBundle {
  const flags = words.filter((w) => w.startsWith('--'));
  const names = words.filter((w) => !w.startsWith('--'));
  if (names.length !== 2 || flags.some((f) => f !== '--by-id' && f !== '--by-identity') || flags.length > 1) throw usage('stackdiff', USAGE);
  const matchBy: MatchBy | undefined = flags[0] === '--by-id' ? 'id' : flags[0] === '--by-identity' ? 'identity' : undefined;
  return stackdiffBundle(diffCaptures(captureNamed(cx, names[0]), captureNamed(cx, names[1]), { matchBy }));
}

export const stackdiffCommands: Command[] = [
  {
    name: 'stackdiff', aliases: [], group: 'analyses', completes: 'stack-captures',
    usage: USAGE,
    subcommands: [
      { name: 'snapshot', usage: 'stackdiff snapshot NAME [--delve|--memory]', summary: 'capture every goroutine\'s stack under NAME',
        flags: [{ name: '--delve', summary: 'ask Delve for every stack instead of reading memory' }, { name: '--memory', summary: 'read memory and the function table only (fail rather than ask Delve)' }] },
      { name: 'list', usage: 'stackdiff list', summary: 'the captures kept' },
      { name: 'drop', usage: 'stackdiff drop NAME...', summary: 'forget captures', completes: 'stack-captures' },
    ],
    flags: [
      { name: '--by-id', summary: 'match goroutines by id (captures of one process)' },
      { name: '--by-identity', summary: 'match goroutines by start function and go statement (different processes)' },
    ],
    summary: 'Capture every goroutine\'s stack under a name; show how two captures differ.',
    details:
      '`stackdiff snapshot NAME` captures every goroutine (id, status, wait reason, start function, go statement, labels, ' +
      'stack bounds, every frame) and keeps it for the kernel\'s lifetime, across sessions; on a local process or a core it reads ' +
      'memory and the binary\'s function table, --delve asks Delve for every stack instead. The interrupt button stops a capture ' +
      'and keeps it, marked partial. `stackdiff A B` shows which goroutines appeared, vanished or changed (common frames from ' +
      'the root, frames deeper or shallower, stack bytes grown or shrunk by copying); goroutines with the same stacks fold into ' +
      'one row. Captures of one process are matched by goroutine id, of different processes (a core and a live run) by start ' +
      'function and go statement; --by-id or --by-identity chooses. `stackdiff list` lists the captures; `stackdiff drop NAME...` forgets ' +
      `some (captures may take ${size(CAPTURE_BUDGET_BYTES)} in all).`,
    async run(cx) {
      const words = splitWords(cx.args);
      if (words[0] === 'snapshot') return snapshot(cx, words.slice(1));
      if (words[0] === 'list') {
        if (words.length > 1) throw usage('stackdiff', USAGE, '`stackdiff list` takes no arguments');
        return captureListBundle(cx.state.captures.all(), cx.state.keptIn());
      }
      if (words[0] === 'drop') return drop(cx, words.slice(1));
      return diff(cx, words);
    },
  },
];
