// `delve-kernel console [ARGS]`: `jupyter console --kernel delve` with Ctrl-C that reaches the
// kernel. Debian's jupyter-console 6.4 relays Ctrl-C to the kernel from a SIGINT handler, but
// prompt_toolkit's prompt removes its own handler on return through asyncio, which resets
// SIGINT to Python's default: from the second cell on, Ctrl-C only prints "KeyboardInterrupt
// escaped interact()" and the cell runs on. This puts the console's handler back for each
// cell. (`jupyter console --simple-prompt` has no such prompt and interrupts too, without Tab.)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

const RESTORE_SIGINT = `
import signal, sys
from jupyter_console import app, ptshell
run_cell = ptshell.ZMQTerminalInteractiveShell.run_cell
def run_cell_relaying_ctrl_c(self, *args, **kwargs):
    signal.signal(signal.SIGINT, app.ZMQTerminalIPythonApp.instance().handle_sigint)
    return run_cell(self, *args, **kwargs)
ptshell.ZMQTerminalInteractiveShell.run_cell = run_cell_relaying_ctrl_c
sys.argv = ['jupyter-console'] + sys.argv[1:]
app.main()
`;

/** The Python that runs jupyter-console: its script's interpreter line, else Debian's. */
function consolePython(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin')) {
    const script = `${dir}/jupyter-console`;
    try {
      const first = fs.readFileSync(script, 'utf8').split('\n', 1)[0];
      const m = /^#!\s*(\S+)/.exec(first);
      if (m && fs.existsSync(m[1])) return m[1];
    } catch {
      /* not here */
    }
  }
  return '/usr/bin/python3';
}

export function runConsole(args: string[]): void {
  const kernel = args.some((a) => a === '--kernel' || a.startsWith('--kernel=') || a === '--existing' || a.startsWith('--existing=')) ? [] : ['--kernel', 'delve'];
  const child = spawn(consolePython(), ['-c', RESTORE_SIGINT, ...kernel, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the whole terminal's process group: it is the console's to relay, and this
  // process must outlive it (its end would hang up the terminal under the console).
  process.on('SIGINT', () => undefined);
  child.once('error', (err) => {
    process.stderr.write(`delve-kernel console: ${err.message} (install Debian's jupyter-console)\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
