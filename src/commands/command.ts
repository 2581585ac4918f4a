// What a command is: one row of the registry (after Delve's pkg/terminal command table).
import type { ExecuteContext, MimeBundle } from '../../kernel/interpreter';
import type { DebugState } from '../state';

export type Group = 'session' | 'running' | 'breakpoints' | 'looking' | 'analyses' | 'kernel';

/** What a command's arguments complete to (Tab): also the value a flag takes. */
export type Completes = 'nothing' | 'commands' | 'locations' | 'expressions' | 'files' | 'stack-captures' | 'memory-captures';

/** A flag of a command or subcommand, as `help` shows it and Tab offers it. */
export interface Flag {
  /** As typed, with its dashes: `--group`, `-w`. */
  name: string;
  aliases?: string[];
  /** The value it takes, shown in help (`ID`, `EXPR`); none for a switch. */
  value?: string;
  /** What that value completes to. */
  completes?: Completes;
  /** Or the words it may be (`-group startloc|userloc|...`). */
  choices?: string[];
  summary: string;
}

/** A subcommand (`memwatch top`): its own usage, flags and what its arguments complete to. */
export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
  flags?: Flag[];
  completes?: Completes;
}

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
  /** Subcommands, offered by Tab after the command word and listed by `help NAME`. */
  subcommands?: Subcommand[];
  /** Flags of the command itself (a subcommand's are on the subcommand). */
  flags?: Flag[];
  /** A MIME bundle to show, or undefined for a command that shows nothing. */
  run(cx: CommandContext): Promise<MimeBundle | undefined>;
}
