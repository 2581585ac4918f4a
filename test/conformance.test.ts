// jupyter_kernel_test (the Jupyter project's protocol conformance suite) against the
// installed kernelspec: test/python/test_conformance.py, run with Debian's Python.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExample, repoRoot, toolchains } from './helpers/go';
import { cleanUp, explain, installPrefix, PYTHON, run } from './helpers/jupyter-world';

const toolchain = toolchains().at(-1)!;
const binary = buildExample('orders', toolchain);

test('jupyter_kernel_test: the conformance suite passes, with and without a target', async () => {
  const prefix = installPrefix('conformance');
  let left: string[] = [];
  try {
    const work = path.join(prefix.dir, 'work');
    fs.mkdirSync(work);
    const env: NodeJS.ProcessEnv = {
      ...prefix.env,
      DELVE_KERNEL_TEST_BINARY: binary,
      DELVE_KERNEL_TEST_GO: toolchain.go,
      DELVE_KERNEL_TEST_WORKDIR: work,
    };
    // The kernels' working directory is irrelevant: run from somewhere else than the repository.
    const r = await run(PYTHON, ['-m', 'unittest', '-v', 'test_conformance'], {
      env: { ...env, PYTHONPATH: path.join(repoRoot, 'test/python') },
      cwd: work,
      timeoutMs: 120_000,
    });
    const output = r.stdout + r.stderr;
    const report = explain(r);
    assert.is(r.code, 0, report);
    assert.match(output, /^OK\b/m, report);
    assert.not.match(output, /\b(FAIL|ERROR):/, report);
    const ran = /^Ran (\d+) tests?/m.exec(output);
    assert.ok(ran && Number(ran[1]) >= 24, report);
    // The skips are the samples the kernel has nothing for (pager, clear_output) and
    // stdout/stderr without a target; every other test ran.
    const skipped = output.match(/\.\.\. skipped/g)?.length ?? 0;
    assert.ok(skipped <= 6, `${skipped} skipped\n${report}`);
    assert.match(output, /test_execute_stdout \(test_conformance\.DelveKernelWithTarget\.test_execute_stdout\) \.\.\. ok/, report);
    assert.match(output, /test_execute_stderr \(test_conformance\.DelveKernelWithTarget\.test_execute_stderr\) \.\.\. ok/, report);
  } finally {
    left = await cleanUp(prefix, [binary]);
  }
  assert.equal(left, []);
});

test.run();
