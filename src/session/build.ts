// `debug` builds the program itself (rather than `dlv debug`) so that the build's output
// streams into the cell and the binary's Go version is known before Delve starts.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../errors';
import { LaunchError, type OutputSink } from './launch';

export function goPath(): string {
  return process.env.DELVE_KERNEL_GO || 'go';
}

export interface BuiltBinary {
  binary: string;
  /** Removed when the session ends. */
  tempDir: string;
}

/** Builds DIR (a directory) or PKG (a package path, from cwd) without optimizations. */
export async function buildForDebugging(target: string, cwd: string, output: OutputSink, signal?: AbortSignal): Promise<BuiltBinary> {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-'));
  const binary = path.join(tempDir, 'debug_bin');
  const dir = path.resolve(cwd, target);
  const isDir = fs.existsSync(dir) && fs.statSync(dir).isDirectory();
  const args = ['build', '-gcflags=all=-N -l', '-o', binary];
  if (!isDir) args.push(target);
  const code = await new Promise<number | string>((resolve) => {
    const proc = spawn(goPath(), args, { cwd: isDir ? dir : cwd, stdio: ['ignore', 'pipe', 'pipe'], signal });
    proc.stdout.setEncoding('utf8').on('data', (t: string) => output('stdout', t));
    proc.stderr.setEncoding('utf8').on('data', (t: string) => output('stderr', t));
    proc.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? 'go is not installed; run `npm run setup` or install Go' : err.message));
    proc.once('exit', (status) => resolve(status ?? 1));
  });
  if (signal?.aborted) {
    fs.rmSync(tempDir, { recursive: true, force: true });
    throw new UserError('Interrupted', `the build of ${target} was interrupted`);
  }
  if (code !== 0) {
    fs.rmSync(tempDir, { recursive: true, force: true });
    throw new LaunchError(typeof code === 'string' ? code : `go build ${target} failed (exit status ${code}); the compiler's messages are above`);
  }
  return { binary, tempDir };
}
