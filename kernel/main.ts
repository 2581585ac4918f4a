// Command line entry: `delve-kernel -f CONNECTION_FILE` runs the kernel; `delve-kernel install` installs it.
// The kernel's own modules (and zeromq) load only when needed, so `install` and `--help` stay cheap.
import type { InterpreterFactory } from './interpreter';

const USAGE = `usage:
  delve-kernel -f CONNECTION_FILE          run the kernel (Jupyter starts it this way)
  delve-kernel --connection-file CONNECTION_FILE
  delve-kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]
                                           install the kernelspec (default: system-wide)
  delve-kernel console [JUPYTER-CONSOLE-ARGS]
                                           jupyter console --kernel delve, with Ctrl-C reaching the kernel
  delve-kernel --help`;

export function main(argv: string[], factory: InterpreterFactory): void {
  if (argv[0] === 'install') return install(argv.slice(1));
  if (argv[0] === 'console') return (require('./console') as typeof import('./console')).runConsole(argv.slice(1));
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const connectionFile = connectionFileArg(argv);
  if (connectionFile === undefined) {
    process.stderr.write(USAGE + '\n');
    process.exit(2);
  }
  startKernel(connectionFile, factory);
}

/** The connection file from `-f FILE`, `--connection-file FILE` or `--connection-file=FILE`; undefined otherwise. */
function connectionFileArg(argv: string[]): string | undefined {
  if (argv.length === 2 && (argv[0] === '-f' || argv[0] === '--connection-file') && argv[1] !== '') return argv[1];
  if (argv.length === 1) {
    const match = /^(?:-f|--connection-file)=(.+)$/.exec(argv[0]);
    if (match) return match[1];
  }
  return undefined;
}

function startKernel(connectionFile: string, factory: InterpreterFactory): void {
  const { readConnectionFile } = require('./connection') as typeof import('./connection');
  const { Kernel } = require('./server') as typeof import('./server');
  let kernel: InstanceType<typeof Kernel>;
  try {
    kernel = new Kernel(readConnectionFile(connectionFile), factory);
  } catch (err) {
    process.stderr.write(`delve-kernel: ${(err as Error).message}\n`);
    process.exit(1);
  }
  kernel.start().catch((err: unknown) => {
    process.stderr.write(`delve-kernel: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  watchParent(() => void kernel.terminate());
}

/**
 * Ends the kernel (by its ordinary shutdown) when the process that started it is gone, as
 * ipykernel does: jupyter_client names itself in JPY_PARENT_PID; an OOM-killed Jupyter
 * server would otherwise leave the kernel, Delve and the target behind for ever.
 */
function watchParent(onGone: () => void): void {
  const parent = Number(process.env.JPY_PARENT_PID);
  const startedUnder = process.ppid;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const timer = setInterval(() => {
    const gone = Number.isInteger(parent) && parent > 1 ? !alive(parent) : process.ppid !== startedUnder;
    if (!gone) return;
    process.stderr.write('delve-kernel: the process that started the kernel is gone; shutting down\n');
    clearInterval(timer);
    onGone();
  }, 1000);
  timer.unref();
}

function install(args: string[]): void {
  const { INSTALL_USAGE, installKernelSpec, parseInstallArgs } = require('./install') as typeof import('./install');
  let options: ReturnType<typeof parseInstallArgs>;
  try {
    options = parseInstallArgs(args);
  } catch (err) {
    process.stderr.write(`delve-kernel install: ${(err as Error).message}\nusage: ${INSTALL_USAGE}\n`);
    process.exit(2);
  }
  try {
    const dir = installKernelSpec(options);
    process.stdout.write(`Installed kernelspec ${options.name} in ${dir}\n`);
  } catch (err) {
    process.stderr.write(`delve-kernel install: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
