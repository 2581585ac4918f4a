// A temporary Jupyter world for tests with real Jupyter clients: the kernelspec installed
// into a fresh prefix that only these tests' Jupyter sees, programs run without a shell,
// and a check that nothing the test started is left behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as assert from 'uvu/assert';
import { processesMatching, repoRoot } from './go';

export const PYTHON = '/usr/bin/python3'; // Debian's, with the Jupyter packages (not pyenv's)
export const JUPYTER = '/usr/bin/jupyter';

export interface Prefix {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * `delve-kernel install --prefix DIR` into a new temporary DIR, and an environment in which
 * Jupyter finds only that kernelspec's `delve` and keeps its runtime files (the kernels'
 * connection files, so the kernels' command lines) under DIR, and the kernels' captures in
 * DIR/captures.duckdb (not beside the examples, where one test's captures would greet the next).
 */
export function installPrefix(tag: string): Prefix {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `delve-kernel-${tag}-`));
  execFileSync(process.execPath, [path.join(repoRoot, 'bin/delve-kernel.js'), 'install', '--prefix', dir], { stdio: 'pipe' });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'share/jupyter/kernels/delve/kernel.json'), 'utf8'));
  assert.is(spec.argv[0], process.execPath);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(dir, 'share/jupyter'),
    JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
    JUPYTER_DATA_DIR: path.join(dir, 'data'),
    DELVE_KERNEL_CAPTURES: path.join(dir, 'captures.duckdb'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  return { dir, env };
}

/** What was left behind: processes naming one of WORDS or the prefix (a kernel's connection file). */
async function leftovers(prefix: Prefix, words: string[], graceMs = 3000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const found = [...words, prefix.dir].flatMap((w) => processesMatching(w));
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reports and ends what a test left behind (all of it started by the test), then removes the prefix. */
export async function cleanUp(prefix: Prefix, words: string[]): Promise<string[]> {
  const left = await leftovers(prefix, words);
  for (const line of left) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  fs.rmSync(prefix.dir, { recursive: true, force: true });
  return left;
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program (argument array, no shell) in a process group of its own, killed after timeoutMs. */
export function run(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    proc.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${options.timeoutMs} ms\n`;
      killGroup(proc, 'SIGKILL');
    }, options.timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function explain(r: Run): string {
  return `exit ${r.code ?? r.signal} after ${r.ms} ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

export function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** A Jupyter web server (`jupyter server` or the classic `jupyter notebook`) this test started. */
export interface WebServer {
  proc: ChildProcess;
  exited: Promise<void>;
  log: () => string;
}

/**
 * Starts `jupyter APP` (server or notebook) on 127.0.0.1:PORT with TOKEN, serving ROOT, in
 * PREFIX's environment; resolves once /api answers (30 s at most).
 */
export async function startWebServer(app: 'server' | 'notebook', prefix: Prefix, root: string, port: number, token: string): Promise<WebServer> {
  const config = app === 'server' ? [`--ServerApp.token=${token}`, `--ServerApp.root_dir=${root}`] : [`--NotebookApp.token=${token}`, `--notebook-dir=${root}`];
  const proc = spawn(JUPYTER, [app, '--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', ...config],
    { env: prefix.env, cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.setEncoding('utf8').on('data', (t: string) => (log += t));
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => (log += t));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const server = { proc, exited, log: () => log };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`jupyter ${app} exited:\n${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api`, { headers: { Authorization: `token ${token}` } });
      if (res.ok && /"version"/.test(await res.text())) return server;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopWebServer(server);
      throw new Error(`jupyter ${app} did not answer /api within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM to the server's group (it shuts its kernels down), SIGKILL if it lingers 15 s. */
export async function stopWebServer(server: WebServer): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  killGroup(server.proc, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([server.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000)))]);
  clearTimeout(timer);
  if (!stopped) {
    killGroup(server.proc, 'SIGKILL');
    await server.exited;
  }
}
