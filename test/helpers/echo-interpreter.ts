// A tiny fake Interpreter for protocol tests: each command exercises one part of the kernel.
//   echo TEXT     result text/plain TEXT
//   print TEXT    TEXT on stdout
//   sleep         prints "sleeping", waits until interrupted, then fails with Interrupted
//   fail [MS]     fails (after MS milliseconds, so requests can queue behind it)
//   throw [TEXT]  execute() throws instead of returning an outcome
//   display       display_data without and with a display id, then update_display_data
//   later TEXT    returns at once; TEXT arrives 100 ms later as output outside any request
import type {
  CompleteOutcome,
  ExecuteContext,
  ExecuteOutcome,
  IdleOutput,
  InspectOutcome,
  Interpreter,
  IsCompleteOutcome,
  KernelInfo,
} from '../../kernel/interpreter';

export const ECHO_COMMANDS = ['echo', 'print', 'sleep', 'fail', 'throw', 'display', 'later'];

export class EchoInterpreter implements Interpreter {
  private wakeSleeper: (() => void) | null = null;

  constructor(private readonly idle: IdleOutput) {}

  async kernelInfo(): Promise<KernelInfo> {
    return {
      implementation: 'echo',
      implementation_version: '1.0.0',
      language_info: { name: 'echo', version: '1.0', mimetype: 'text/plain', file_extension: '.txt' },
      banner: 'Echo test interpreter',
      help_links: [],
    };
  }

  async execute(code: string, ctx: ExecuteContext): Promise<ExecuteOutcome> {
    const [, command, arg] = /^(\S*)\s?([\s\S]*)$/.exec(code.trim())!;
    switch (command) {
      case '':
        return { status: 'ok' };
      case 'echo':
        return { status: 'ok', result: { data: { 'text/plain': arg } } };
      case 'print':
        ctx.stream('stdout', arg);
        return { status: 'ok' };
      case 'sleep':
        ctx.stream('stdout', 'sleeping\n');
        await new Promise<void>((resolve) => (this.wakeSleeper = resolve));
        return { status: 'error', ename: 'Interrupted', evalue: 'Interrupted', traceback: ['Interrupted'] };
      case 'fail':
        if (arg) await new Promise((resolve) => setTimeout(resolve, Number(arg)));
        return { status: 'error', ename: 'EchoError', evalue: 'failed on request', traceback: ['EchoError: failed on request'] };
      case 'throw':
        throw new Error(arg || 'thrown');
      case 'display':
        ctx.display({ 'text/plain': 'plain' });
        ctx.display({ 'text/plain': 'first' }, {}, 'echo-display');
        ctx.updateDisplay('echo-display', { 'text/plain': 'second' });
        return { status: 'ok' };
      case 'later':
        setTimeout(() => this.idle.stream('stdout', arg), 100);
        return { status: 'ok' };
      default:
        return { status: 'error', ename: 'UnknownCommand', evalue: command, traceback: [`unknown command ${command}`] };
    }
  }

  /** Completes the command word before the cursor. */
  async complete(code: string, cursorPos: number): Promise<CompleteOutcome> {
    const word = /[A-Za-z]*$/.exec(code.slice(0, cursorPos))![0];
    return { matches: ECHO_COMMANDS.filter((c) => c.startsWith(word)), cursorStart: cursorPos - word.length, cursorEnd: cursorPos };
  }

  async inspect(code: string, cursorPos: number): Promise<InspectOutcome> {
    const word = /[A-Za-z]*$/.exec(code.slice(0, cursorPos))![0] + /^[A-Za-z]*/.exec(code.slice(cursorPos))![0];
    if (!ECHO_COMMANDS.includes(word)) return { found: false, data: {} };
    return { found: true, data: { 'text/plain': `${word}: an echo command` } };
  }

  async isComplete(code: string): Promise<IsCompleteOutcome> {
    return code.endsWith('\\') ? { status: 'incomplete', indent: '  ' } : { status: 'complete' };
  }

  interrupt(): void {
    process.stderr.write('echo: interrupt\n');
    this.wakeSleeper?.();
    this.wakeSleeper = null;
  }

  async shutdown(restart: boolean): Promise<void> {
    // Tests read this line from the kernel's stderr.
    process.stderr.write(`echo: shutdown(${restart})\n`);
    this.wakeSleeper?.();
  }
}
