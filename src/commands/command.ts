// What a command is: one row of the registry (after Delve's pkg/terminal command table).
import type { ExecuteContext, MimeBundle } from '../../kernel/interpreter';
import type { DebugState } from '../state';

export type Group = 'session' | 'running' | 'breakpoints' | 'looking' | 'analyses' | 'kernel';

/** What a command's arguments complete to (Tab). */
export type Completes = 'nothing' | 'commands' | 'locations' | 'expressions' | 'files';

export interface CommandContext {
  /** The command word as typed (a name or an alias). */
  word: string;
  /** The rest of the line, trimmed. */
  args: string;
  state: DebugState;
  out: ExecuteContext;
  signal: AbortSignal;
  /** Runs another command line in this context (`goroutine 5 bt`, `frame 2 locals`). */
  runLine(line: string): Promise<MimeBundle | undefined>;
}

export interface Command {
  name: string;
  aliases: string[];
  group: Group;
  usage: string;
  /** One line, shown by `help` and on Shift-Tab. */
  summary: string;
  /** More lines for `help NAME`. */
  details?: string;
  completes: Completes;
  /** A MIME bundle to show, or undefined for a command that shows nothing. */
  run(cx: CommandContext): Promise<MimeBundle | undefined>;
}
