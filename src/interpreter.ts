// The Delve side of the one interface kernel/ calls (xeus-style): runs cells as commands
// against the session, completes and inspects.
import type {
  CompleteOutcome, ExecuteContext, ExecuteOutcome, IdleOutput, InspectOutcome, Interpreter,
  IsCompleteOutcome, KernelInfo, MimeBundle,
} from '../kernel/interpreter';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCell, type CommandLine } from './cell';
import type { CommandContext } from './commands/command';
import { lookupOrSuggest } from './commands/registry';
import { complete } from './complete';
import { UserError } from './errors';
import { inspect } from './inspect';
import { compareVersions, installedDelves } from './session/delve-choice';
import { DebugState } from './state';

const VERSION: string = require('../../package.json').version;

/** How long an interrupted command may take to end by itself before the cell gives up on it. */
const INTERRUPT_GRACE_MS = 3000;


export class DelveInterpreter implements Interpreter {
  readonly state: DebugState;
  private running: { ctx: ExecuteContext; abort: AbortController } | undefined;

  /** The captures brought back from disk: cells wait for it. */
  private readonly restored: Promise<void>;

  /** CAPTURES_FILE: where captures are kept on disk (none: in memory, for this kernel only). */
  constructor(private readonly idle: IdleOutput, cwd = process.cwd(), capturesFile?: string) {
    // The target prints whenever it likes: into the running cell, else the last one.
    this.state = new DebugState(cwd, (name, text) => (this.running ? this.running.ctx.stream(name, text) : this.idle.stream(name, text)), capturesFile);
    this.restored = this.state.restore();
  }

  async kernelInfo(): Promise<KernelInfo> {
    // The newest Delve found: the one the version policy picks for current Go releases.
    const dlv = (await installedDelves()).map((d) => d.version).sort(compareVersions).pop() ?? 'not installed';
    return {
      implementation: 'delve-kernel',
      implementation_version: VERSION,
      language_info: { name: 'delve', version: dlv, mimetype: 'text/x-delve', file_extension: '.dlv', pygments_lexer: 'text', codemirror_mode: 'shell' },
      banner: `delve-kernel ${VERSION}: cells are Delve commands against a Go program (Delve ${dlv}). Type \`help\`.`,
      help_links: [
        { text: 'delve-kernel commands', url: 'https://github.com/go-delve/delve/blob/master/Documentation/cli/README.md' },
        { text: 'Delve', url: 'https://github.com/go-delve/delve' },
      ],
    };
  }

  async execute(code: string, ctx: ExecuteContext): Promise<ExecuteOutcome> {
    const parsed = parseCell(code);
    // A %%sql cell is one `sql` command whose query spans the cell.
    const cell = parsed.kind === 'sql' ? { kind: 'commands' as const, commands: [{ word: 'sql', args: parsed.query, line: 1, text: '%%sql' }] } : parsed;
    await this.restored;
    const abort = new AbortController();
    ctx = noMath(ctx);
    this.running = { ctx, abort };
    let current: CommandLine | undefined;
    try {
      let last: MimeBundle | undefined;
      for (const [i, line] of cell.commands.entries()) {
        if (abort.signal.aborted) throw new UserError('Interrupted', `interrupted before line ${line.line}: \`${line.text}\``);
        current = line;
        if (last) ctx.display(last);
        last = await this.untilInterrupted(this.runLine(line.word, line.args, ctx, abort.signal), abort.signal);
        if (i === cell.commands.length - 1 && last) return { status: 'ok', result: { data: withoutMath(last) } };
      }
      return { status: 'ok' };
    } catch (err) {
      return errorOutcome(err, cell.commands.length > 1 && current ? current : undefined);
    } finally {
      this.running = undefined;
    }
  }

  /**
   * The command's result; or, once the interrupt button was pressed and the command has not
   * ended by itself (a capture keeps what it has, a continue shows where it halted), an
   * Interrupted error: a frozen Delve (SIGSTOP) would otherwise hold the cell for ever. Its
   * late answer is dropped; the session stays.
   */
  private untilInterrupted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        timer = setTimeout(async () => {
          const s = this.state.session;
          const answers = s ? await Promise.race([s.control.getVersion().then(() => true, () => false), sleep(1000).then(() => false)]) : true;
          reject(answers
            ? new UserError('Interrupted', 'interrupted; the command was still waiting for Delve, and its answer will be dropped')
            : new UserError('Interrupted', 'interrupted: Delve is not answering (stopped or overloaded)', 'the session stays: once Delve answers again the next cell works; `status` tells'));
        }, INTERRUPT_GRACE_MS);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  private async runLine(word: string, args: string, out: ExecuteContext, signal: AbortSignal): Promise<MimeBundle | undefined> {
    const command = lookupOrSuggest(word);
    // On a server someone else also drives, the target may be running: Delve would hold
    // every query until it stops, so say so instead of waiting.
    const s = this.state.session;
    if (s?.kind === 'connect' && !s.running && !['session', 'kernel'].includes(command.group) && command.name !== 'halt' && (await s.targetRunning())) {
      throw new UserError('TargetRunning', `\`${word}\` needs the target stopped, and it is running`, 'press the interrupt button or type `halt`, then try again');
    }
    const cx: CommandContext = {
      word,
      args,
      state: this.state,
      out,
      signal,
      runLine: (line) => {
        const m = /^(\S+)\s*(.*)$/.exec(line.trim());
        if (!m) throw new UserError('UsageError', 'which command?', '`help` lists them');
        return this.runLine(m[1], m[2], out, signal);
      },
    };
    return command.run(cx);
  }

  complete(code: string, cursorPos: number): Promise<CompleteOutcome> {
    return complete(this.state, code, cursorPos);
  }

  inspect(code: string, cursorPos: number): Promise<InspectOutcome> {
    return inspect(this.state, code, cursorPos);
  }

  async isComplete(): Promise<IsCompleteOutcome> {
    return { status: 'complete' }; // every line is a whole command
  }

  interrupt(): void {
    this.running?.abort.abort();
    // Whatever the cell waits on (a call queued behind a running target on a shared server),
    // the target is halted; the waiting call is then answered.
    void this.state.session?.haltIfRunning();
  }

  async shutdown(_restart = false): Promise<void> {
    this.running?.abort.abort();
    await this.state.end();
    await this.state.closeDatabase();
  }
}

/**
 * HTML outputs are marked for MathJax to leave alone: notebooks typeset `$…$` in every HTML
 * output, and Go paths (`$GOROOT/src/…`) come in pairs.
 */
function withoutMath(bundle: MimeBundle): MimeBundle {
  const html = bundle['text/html'];
  return typeof html === 'string' ? { ...bundle, 'text/html': `<div class="tex2jax_ignore mathjax_ignore">${html}</div>` } : bundle;
}

function noMath(ctx: ExecuteContext): ExecuteContext {
  return {
    stream: (name, text) => ctx.stream(name, text),
    display: (data, metadata, displayId) => ctx.display(withoutMath(data), metadata, displayId),
    updateDisplay: (displayId, data, metadata) => ctx.updateDisplay(displayId, withoutMath(data), metadata),
  };
}

function errorOutcome(err: unknown, line?: CommandLine): ExecuteOutcome {
  const where = line ? `line ${line.line} (\`${line.text}\`): ` : '';
  if (err instanceof UserError) {
    return { status: 'error', ename: err.ename, evalue: where + err.message, traceback: [`${err.ename}: ${where}${err.message}`, ...(err.hint ? [err.hint] : [])] };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { status: 'error', ename: 'InternalError', evalue: where + e.message, traceback: [`InternalError: ${where}${e.message}`, 'this is a bug in delve-kernel; the session is intact', ...(e.stack ?? '').split('\n').slice(1, 6)] };
}

export function createDelveInterpreter(idle: IdleOutput): Interpreter {
  return new DelveInterpreter(idle, process.cwd(), defaultCapturesFile(process.cwd(), process.env));
}

/**
 * The session database beside the notebook: .delve-kernel/NOTEBOOK.duckdb (Jupyter names
 * the notebook in JPY_SESSION_NAME), .delve-kernel/captures.duckdb when it does not say;
 * $DELVE_KERNEL_CAPTURES names another file, or `off` keeps captures in memory only.
 */
export function defaultCapturesFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const chosen = env.DELVE_KERNEL_CAPTURES;
  if (chosen === 'off') return undefined;
  if (chosen) return path.resolve(cwd, chosen);
  const notebook = env.JPY_SESSION_NAME ? path.basename(env.JPY_SESSION_NAME).replace(/\.ipynb$/, '') : '';
  return path.join(cwd, '.delve-kernel', `${notebook.replace(/[^A-Za-z0-9_.-]/g, '_') || 'captures'}.duckdb`);
}
