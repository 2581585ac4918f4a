// Running the target: continue, next, step, stepout, halt, call.
import type { MimeBundle } from '../../kernel/interpreter';
import { UserError, usage } from '../errors';
import type { CommandIn } from '../rpc/delve-client';
import { defaultLoadConfig } from '../rpc/delve-client';
import type { DebuggerState, Goroutine } from '../rpc/api';
import { stopBundle, stopLocation, type StopLocation } from '../render/stop';
import type { Session } from '../session/session';
import { isRuntimeInternal, isStandardLibrary } from '../waits/classify';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';
import { afterStop } from './display';

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
  } catch (err) {
    const why = err instanceof UserError && err.ename === 'TargetLost' ? await s.lossExplained() : undefined;
    if (why) throw new UserError('TargetLost', `\`${cx.word}\`: ${why}; the session is over`, 'start a new one (`exec`, `debug`, `attach`, `core` or `connect`); `status` shows what happened');
    throw err;
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
  const halted = interrupted ? await stopThatMatters(cx, s, state, 'halted by interrupt') : undefined;
  const stop = halted ?? stopLocation(state);
  const bundle = stop ? stopBundle(stop, halted?.note) : { 'text/plain': 'stopped' };
  await afterStop(cx, state, bundle); // watchpoint old/new, display expressions (display.ts)
  if (interrupted) {
    cx.out.display(bundle);
    throw new UserError('Interrupted', 'the target was halted by the interrupt button', 'the session is intact: look around, or `continue`');
  }
  return bundle;
}

/** A goroutine of the program's, not one the runtime runs for itself (goroutine 0 is none). */
function isUserGoroutine(g: Goroutine): boolean {
  return g.id > 0 && !isRuntimeInternal(g.startLoc?.function?.name ?? '');
}

/**
 * A halt stops whichever thread Delve stopped first, often goroutine 0 in runtime.futex: show
 * the goroutine that matters instead (one at a breakpoint, else the current one if it is in
 * user code, else the first user goroutine), selected at its innermost user frame, and say so.
 */
async function stopThatMatters(cx: CommandContext, s: Session, state: DebuggerState, note: string): Promise<(StopLocation & { note: string }) | undefined> {
  const stop = stopLocation(state);
  const atBreakpoint = state.Threads?.find((t) => t.breakPoint && t.goroutineID > 0)?.goroutineID;
  if (atBreakpoint !== undefined && atBreakpoint === stop?.goroutineId) return { ...stop, note };
  const current = state.currentGoroutine;
  if (atBreakpoint === undefined && current && isUserGoroutine(current)) return chosen(cx, s, current, note, 'the current goroutine', stop);
  const listed = (await s.query.listGoroutines({ Start: 0, Count: 200 }).catch(() => undefined))?.Goroutines ?? [];
  const g = atBreakpoint !== undefined ? listed.find((x) => x.id === atBreakpoint) : listed.filter(isUserGoroutine).sort((a, b) => a.id - b.id)[0];
  if (!g) return stop && { ...stop, note };
  return chosen(cx, s, g, note, atBreakpoint !== undefined ? 'at a breakpoint' : 'the first goroutine of the program', stop);
}

/** Selects goroutine G at its innermost frame in the program's own code, for the cells that follow. */
async function chosen(cx: CommandContext, s: Session, g: Goroutine, note: string, why: string, stop: StopLocation | undefined): Promise<StopLocation & { note: string }> {
  const frames = await s.query.stacktrace({ Id: g.id, Depth: 50 }).catch(() => []);
  const own = frames.findIndex((f) => !!f.function?.name && !isStandardLibrary(f.function.name));
  const frame = Math.max(0, own);
  const loc = frames[frame] ?? g.userCurrentLoc ?? g.currentLoc;
  if (g.id !== stop?.goroutineId) await s.query.command({ name: 'switchGoroutine', goroutineID: g.id }).catch(() => undefined);
  cx.state.goroutineId = g.id;
  cx.state.frame = frame;
  const was = stop && stop.goroutineId !== g.id ? `; the thread Delve stopped was in goroutine ${stop.goroutineId}, ${stop.function}()` : '';
  return {
    goroutineId: g.id, threadId: g.threadID, function: loc.function?.name ?? '', file: loc.file, line: loc.line, pc: loc.pc, returnValues: [],
    note: `${note}: showing goroutine ${g.id} (${why})${frame ? ` at frame ${frame}` : ''}${was}`,
  };
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
      const stop = await stopThatMatters(cx, s, state, 'halted');
      return stop ? stopBundle(stop, stop.note) : { 'text/plain': 'halted' };
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
