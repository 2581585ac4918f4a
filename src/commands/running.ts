// Running the target: continue, next, step, stepout, halt, call.
import type { MimeBundle } from '../../kernel/interpreter';
import { UserError, usage } from '../errors';
import type { CommandIn } from '../rpc/delve-client';
import { defaultLoadConfig } from '../rpc/delve-client';
import type { DebuggerState } from '../rpc/api';
import { stopBundle, stopLocation } from '../render/stop';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';

/**
 * Runs the target until it stops. The interrupt button halts it through the control
 * connection; the stop is shown, then the cell ends as interrupted.
 */
async function runTarget(cx: CommandContext, input: CommandIn): Promise<MimeBundle> {
  const s = cx.state.needLive(cx.word);
  if (s.running) throw new UserError('TargetRunning', 'the target is already running', 'press the interrupt button, or type `halt`');
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    s.halt().catch(() => undefined);
  };
  cx.signal.addEventListener('abort', onAbort);
  let state: DebuggerState;
  try {
    state = await s.whileRunning(() => askDelve(cx.word, () => s.query.command({ ReturnInfoLoadConfig: defaultLoadConfig, ...input })));
  } finally {
    cx.signal.removeEventListener('abort', onAbort);
  }
  cx.state.resetScope();
  if (state.exited) {
    return {
      'text/plain': `Process ${state.Pid ?? s.pid} has exited with status ${state.exitStatus}. Type \`restart\` to run it again.`,
      'application/json': { kind: 'exited', pid: state.Pid ?? s.pid, exitStatus: state.exitStatus },
    };
  }
  const stop = stopLocation(state);
  const bundle = stop ? stopBundle(stop, interrupted ? 'halted by interrupt' : undefined) : { 'text/plain': 'stopped' };
  if (interrupted) {
    cx.out.display(bundle);
    throw new UserError('Interrupted', 'the target was halted by the interrupt button', 'the session is intact: look around, or `continue`');
  }
  return bundle;
}

/** continue, next, step and stepout differ only in name, alias and Delve command. */
function runCommand(name: string, alias: string, delveName: CommandIn['name'], summary: string): Command {
  return {
    name, aliases: [alias], group: 'running', completes: 'nothing', usage: name, summary,
    run(cx) {
      if (cx.args) throw usage(cx.word, name, 'takes no arguments');
      return runTarget(cx, { name: delveName });
    },
  };
}

export const runningCommands: Command[] = [
  runCommand('continue', 'c', 'continue', 'Run until a breakpoint or the program ends. The interrupt button halts it.'),
  runCommand('next', 'n', 'next', 'Step over to the next source line.'),
  runCommand('step', 's', 'step', 'Single step through the program, into calls.'),
  runCommand('stepout', 'so', 'stepOut', 'Step out of the current function.'),
  {
    name: 'halt', aliases: [], group: 'running', completes: 'nothing',
    usage: 'halt',
    summary: 'Stop a running target (the interrupt button does the same).',
    async run(cx) {
      const s = cx.state.needLive('halt');
      const state = await askDelve('halt', () => s.control.command({ name: 'halt' }));
      const stop = stopLocation(state);
      return stop ? stopBundle(stop, 'halted') : { 'text/plain': 'halted' };
    },
  },
  {
    name: 'call', aliases: [], group: 'running', completes: 'expressions',
    usage: 'call EXPR',
    summary: 'Call a function in the target (resumes it while the call runs).',
    run(cx) {
      if (!cx.args) throw usage('call', this.usage, 'which call? e.g. `call fmt.Sprint(order)`');
      return runTarget(cx, { name: 'call', Expr: cx.args, goroutineID: cx.state.goroutineId === -1 ? undefined : cx.state.goroutineId });
    },
  },
];
