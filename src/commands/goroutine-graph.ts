// goroutine-graph: the wait-for graph of goroutines and the objects they block on, with
// the deadlock cycles and leaked goroutines found in it.
import { splitWords } from '../cell';
import { usage, UserError } from '../errors';
import { findDeadlocksAndLeaks } from '../analyses/waitgraph/findings';
import { buildWaitGraph } from '../analyses/waitgraph/graph';
import { AUTO_GROUP_ABOVE, countGoroutines, focusOn, groupGraph, withoutRuntimeGoroutines } from '../analyses/waitgraph/view';
import { graphBundle } from '../render/graph';
import { askDelve } from '../state';
import { captureStacks } from '../capture/capture-stacks';
import { captureWaits } from '../waits/capture';
import { captureReach } from '../reach/capture';
import type { Findings, WaitGraph } from '../analyses/waitgraph/types';
import type { WaitCapture } from '../waits/types';
import type { Session } from '../session/session';
import type { Command, CommandContext } from './command';
import { counted, progressDisplay } from './progress';

interface GraphArgs {
  group: boolean;
  all: boolean;
  focus?: number;
  /** Who reaches what from Delve's variable reads instead of the heap walk (the cross-check). */
  delve: boolean;
}

const USAGE = 'goroutine-graph [--group] [--all] [--focus ID] [--delve]';
/** Frames read per goroutine: where it waits and who called it, not a whole deep recursion. */
const STACK_DEPTH = 50;

function parseArgs(text: string): GraphArgs {
  const words = splitWords(text);
  const args: GraphArgs = { group: false, all: false, delve: false };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--group' || w === '-g') args.group = true;
    else if (w === '--all' || w === '-a') args.all = true;
    else if (w === '--delve') args.delve = true;
    else if (w === '--focus' || w === '-f') {
      const id = Number(words[++i]);
      if (!Number.isInteger(id) || id <= 0) throw usage('goroutine-graph', USAGE, '--focus needs a goroutine id (`goroutines` lists them)');
      args.focus = id;
    } else throw usage('goroutine-graph', USAGE, `unknown argument ${w}`);
  }
  return args;
}

/** The wait-for graph of the stopped target and its findings, by the heap walk (or Delve's variables with DELVE). */
export async function readWaitGraph(cx: CommandContext, s: Session, opts: { delve?: boolean; progress: (message: string) => void }): Promise<{ capture: WaitCapture; graph: WaitGraph; findings: Findings }> {
  const progress = opts.progress;
  progress('reading goroutines');
  // The stacks as stackdiff captures them: from memory where it can be, else through Delve.
  const taken = await askDelve('goroutine-graph', () => captureStacks(s, {
    name: 'goroutine-graph',
    method: 'auto',
    signal: cx.signal,
    maxFrames: STACK_DEPTH,
    onProgress: (p) => progress(p.phase === 'goroutines' ? counted('listing goroutines', p.done, 0) : counted('reading stacks', p.done, p.total)),
  }));
  const capture = await askDelve('goroutine-graph', async () => {
    if (opts.delve) return captureWaits(s.query, taken.capture, { signal: cx.signal, progress });
    try {
      return await captureReach(s, taken, { signal: cx.signal, progress });
    } catch (err) {
      if (cx.signal.aborted) throw err;
      const c = await captureWaits(s.query, taken.capture, { signal: cx.signal, progress });
      c.notes.unshift(`the heap could not be walked (${(err as Error).message}): who reaches what was read through Delve's variables instead`);
      return c;
    }
  });
  progress('analysing');
  const graph = buildWaitGraph(capture);
  const findings = capture.undecided ? { deadlocks: [], leaks: [] } : findDeadlocksAndLeaks(graph, { incomplete: capture.partial || capture.unscanned.length > 0 });
  return { capture, graph, findings };
}

export const graphCommands: Command[] = [
  {
    name: 'goroutine-graph', aliases: [], group: 'analyses', completes: 'nothing',
    usage: USAGE,
    flags: [
      { name: '--group', aliases: ['-g'], summary: 'one node per status, wait reason and stack' },
      { name: '--all', aliases: ['-a'], summary: 'include the runtime\'s own goroutines' },
      { name: '--focus', aliases: ['-f'], value: 'ID', summary: 'draw one goroutine\'s neighbourhood' },
      { name: '--delve', aliases: [], summary: 'who reaches what from Delve\'s variable reads, not the heap walk' },
    ],
    summary: 'Who waits on what: the wait-for graph, its deadlock cycles and leaked goroutines, with evidence.',
    details:
      'Draws goroutines and the objects they block on (channels, selects, mutexes, RWMutexes, wait groups, conds, semaphores), '
      + 'each object joined to the goroutines whose frames reach it and so could wake it (a mutex: its holder, proven by a pending deferred Unlock, else likely). '
      + 'Who reaches what is decided as the GC\'s own leak detector decides it: the whole heap is walked from the package variables, pending timers '
      + 'and the stacks of goroutines that may still run, to a fixed point; --delve reads Delve\'s variables instead (the cross-check). '
      + 'Below the picture: every deadlock cycle and every leaked goroutine, with the frame and variable behind each edge and a confidence. '
      + '--group draws goroutines with the same status, wait reason and stack as one node (automatic above '
      + `${AUTO_GROUP_ABOVE} goroutines); --focus ID draws one goroutine's neighbourhood; --all includes the runtime's own goroutines. `
      + 'Interrupting returns what was read so far, marked partial.',
    async run(cx) {
      const s = cx.state.need('goroutine-graph');
      const args = parseArgs(cx.args);
      if (s.running) throw new UserError('TargetRunning', '`goroutine-graph` needs the target stopped', 'press interrupt or type `halt` first');
      const started = Date.now();
      const display = progressDisplay(cx, 'goroutine-graph');
      const progress = (message: string) => display.report(`goroutine-graph: ${message}…`);
      const { capture, graph, findings } = await readWaitGraph(cx, s, { delve: args.delve, progress });
      let drawn = args.all ? graph : withoutRuntimeGoroutines(graph);
      if (args.focus !== undefined) {
        const around = focusOn(drawn, findings, args.focus);
        if (!around) throw new UserError('UsageError', `goroutine-graph: there is no goroutine ${args.focus} to focus on`, '`goroutines` lists them; --all includes the runtime\'s own');
        drawn = around;
      }
      const grouped = args.group || countGoroutines(drawn) > AUTO_GROUP_ABOVE;
      if (grouped) drawn = groupGraph(drawn, findings);
      const notes = [...capture.notes];
      if (capture.unscanned.length > 0) notes.push(`the frames of ${capture.unscanned.length} goroutine(s) could not be read: findings are marked likely`);
      if (!args.group && grouped) notes.push(`more than ${AUTO_GROUP_ABOVE} goroutines: drawn grouped (as --group); --focus ID draws one goroutine's neighbourhood`);
      for (const g of capture.goroutines) if (g.problem && !g.runtimeInternal) notes.push(`goroutine ${g.id}: ${g.problem}`);
      progress('drawing');
      const bundle = await graphBundle({ graph, shown: drawn, findings, grouped, focus: args.focus, partial: capture.partial, notes });
      display.done(`goroutine-graph: ${capture.goroutines.length} goroutines read in ${((Date.now() - started) / 1000).toFixed(1)} s${capture.partial ? ' (interrupted: partial)' : ''}`);
      return bundle;
    },
  },
];
