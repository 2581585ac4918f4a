// jupyter_kernel_test (the Jupyter project's protocol conformance suite) against the
// installed kernelspec: test/python/test_conformance.py, run with Debian's Python.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, processesMatching, repoRoot, toolchains } from './helpers/go';

const PYTHON = '/usr/bin/python3'; // Debian's, with jupyter_kernel_test (not pyenv's)
const toolchain = toolchains()[0];
const binary = buildExample('orders', toolchain);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

/** Runs a program (argument array, no shell) in a process group of its own, killed after timeoutMs. */
function run(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout!.setEncoding('utf8').on('data', (t: string) => (output += t));
    proc.stderr!.setEncoding('utf8').on('data', (t: string) => (output += t));
    const timer = setTimeout(() => {
      output += `\n[test] killed after ${options.timeoutMs} ms\n`;
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, options.timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Date.now() - started });
    });
  });
}

async function leftovers(words: string[], graceMs = 3000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const found = words.flatMap((w) => processesMatching(w));
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('jupyter_kernel_test: the conformance suite passes, with and without a target', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delve-kernel-conformance-'));
  let left: string[] = [];
  try {
    execFileSync(process.execPath, [path.join(repoRoot, 'bin/delve-kernel.js'), 'install', '--prefix', dir], { stdio: 'pipe' });
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_PATH: path.join(dir, 'share/jupyter'),
      // Connection files here, so a kernel left behind is findable by its command line.
      JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
      JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
      JUPYTER_DATA_DIR: path.join(dir, 'data'),
      DELVE_KERNEL_TEST_BINARY: binary,
      DELVE_KERNEL_TEST_GO: toolchain.go,
      DELVE_KERNEL_TEST_WORKDIR: work,
      PYTHONDONTWRITEBYTECODE: '1',
    };
    // The kernels' working directory is irrelevant: run from somewhere else than the repository.
    const r = await run(PYTHON, ['-m', 'unittest', '-v', 'test_conformance'], {
      env: { ...env, PYTHONPATH: path.join(repoRoot, 'test/python') },
      cwd: work,
      timeoutMs: 120_000,
    });
    const report = `exit ${r.code ?? r.signal} after ${r.ms} ms\n${r.output}`;
    assert.is(r.code, 0, report);
    assert.match(r.output, /^OK\b/m, report);
    assert.not.match(r.output, /\b(FAIL|ERROR):/, report);
    const ran = /^Ran (\d+) tests?/m.exec(r.output);
    assert.ok(ran && Number(ran[1]) >= 24, report);
    // The skips are the samples the kernel has nothing for (pager, clear_output) and
    // stdout/stderr without a target; every other test ran.
    const skipped = r.output.match(/\.\.\. skipped/g)?.length ?? 0;
    assert.ok(skipped <= 6, `${skipped} skipped\n${report}`);
    assert.match(r.output, /test_execute_stdout \(test_conformance\.DelveKernelWithTarget\.test_execute_stdout\) \.\.\. ok/, report);
    assert.match(r.output, /test_execute_stderr \(test_conformance\.DelveKernelWithTarget\.test_execute_stderr\) \.\.\. ok/, report);
  } finally {
    left = await leftovers([binary, dir]);
    for (const line of left) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(left, []);
});

test.run();
