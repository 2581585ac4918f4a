// `delve-kernel install`: writes the kernelspec directory where Jupyter looks for it,
// like `python -m ipykernel install`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_KERNEL_NAME = 'delve';

/** The system-wide data dir jupyter searches (jupyter --paths), where `ipykernel install` writes by default. */
export const SYSTEM_JUPYTER_DATA = '/usr/local/share/jupyter';

// Relative to the compiled file, dist/kernel/install.js.
const TEMPLATE = resolve(__dirname, '../../kernel.json');
const LAUNCHER = resolve(__dirname, '../../bin/delve-kernel.js');

export type InstallScope = { kind: 'sys-prefix' } | { kind: 'user' } | { kind: 'prefix'; prefix: string };

export interface InstallOptions {
  scope: InstallScope;
  name: string;
}

export const INSTALL_USAGE = 'delve-kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]';

/** Parses the arguments after `install`; throws an Error with a message for the user. */
export function parseInstallArgs(args: string[]): InstallOptions {
  const options: InstallOptions = { scope: { kind: 'sys-prefix' }, name: DEFAULT_KERNEL_NAME };
  let scopes = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--user') {
      options.scope = { kind: 'user' };
      scopes++;
    } else if (flag === '--sys-prefix') {
      options.scope = { kind: 'sys-prefix' };
      scopes++;
    } else if (flag === '--prefix') {
      options.scope = { kind: 'prefix', prefix: resolve(value()) };
      scopes++;
    } else if (flag === '--name') {
      options.name = value();
    } else {
      throw new Error(`unknown option ${arg}`);
    }
  }
  if (scopes > 1) throw new Error('give only one of --user, --sys-prefix, --prefix');
  // Jupyter's rule for kernel names.
  if (!/^[a-z0-9._-]+$/i.test(options.name)) throw new Error(`invalid kernel name ${JSON.stringify(options.name)}`);
  return options;
}

/** The `kernels` directory for a scope, following jupyter_core's path rules. */
export function kernelsDir(scope: InstallScope, env: NodeJS.ProcessEnv = process.env): string {
  switch (scope.kind) {
    case 'prefix':
      return join(scope.prefix, 'share', 'jupyter', 'kernels');
    case 'sys-prefix':
      return join(SYSTEM_JUPYTER_DATA, 'kernels');
    case 'user': {
      if (env.JUPYTER_DATA_DIR) return join(env.JUPYTER_DATA_DIR, 'kernels');
      const xdgData = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
      return join(xdgData, 'jupyter', 'kernels');
    }
  }
}

/** The kernelspec: the repository's kernel.json with argv made absolute, so no global install is needed. */
export function kernelSpec(): Record<string, unknown> {
  const spec = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Record<string, unknown>;
  spec.argv = [process.execPath, LAUNCHER, '-f', '{connection_file}'];
  return spec;
}

/** Writes <kernels dir>/<name>/kernel.json and returns the directory. */
export function installKernelSpec(options: InstallOptions): string {
  const dir = join(kernelsDir(options.scope), options.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(kernelSpec(), null, 2) + '\n');
  return dir;
}
