"""jupyter_kernel_test's protocol conformance suite against delve-kernel.

Run: JUPYTER_PATH=PREFIX/share/jupyter /usr/bin/python3 -m unittest -v test_conformance
(after `delve-kernel install --prefix PREFIX`). The tests with a target need the example
program: DELVE_KERNEL_TEST_BINARY (a build of examples/orders with -gcflags='all=-N -l';
built here when unset) and a Go toolchain (DELVE_KERNEL_TEST_GO, default `go`) to build a
hello-world program into DELVE_KERNEL_TEST_WORKDIR (default: a new temporary directory).

Two kernels: one without a target (what works before `exec`), one with a target that each
test puts in the state its samples need (stopped at main.go:42 in `process`, or a fresh
hello-world program whose `continue` writes to stdout and stderr).
"""
import os
import subprocess
import tempfile
import time
import unittest
from queue import Empty

import jupyter_kernel_test

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

HELLO_GO = '''package main

import (
\t"fmt"
\t"os"
)

func main() {
\tfmt.Println("hello, world")
\tfmt.Fprintln(os.Stderr, "hello, stderr")
}
'''


def go_build(src_dir, out):
    go = os.environ.get('DELVE_KERNEL_TEST_GO', 'go')
    env = dict(os.environ, GOFLAGS='-mod=mod', GOTOOLCHAIN='local')
    subprocess.run([go, 'build', '-gcflags=all=-N -l', '-o', out, '.'], cwd=src_dir, env=env, check=True)
    return out


class DelveKernelWithoutTarget(jupyter_kernel_test.KernelTests):
    """What a fresh notebook can do before starting a program."""

    kernel_name = 'delve'
    language_name = 'delve'
    file_extension = '.dlv'

    # Command names complete from the first word, and after `help`.
    completion_samples = [
        {'text': 'goro', 'matches': {'goroutine', 'goroutines'}},
        {'text': 'help goro', 'matches': {'goroutine', 'goroutines'}},
        {'text': 'clear', 'matches': {'clear', 'clearall'}},
    ]

    # Every line is a whole command: the kernel never answers "incomplete" or "invalid".
    complete_code_samples = ['goroutines', 'break main.go:42', 'help\nhelp break', 'nosuchcommand']
    incomplete_code_samples = []
    invalid_code_samples = []

    # Shift-Tab on a command word shows its help.
    code_inspect_sample = 'break'

    code_generate_error = 'nosuchcommand'

    # Compared exactly when 'result' is given (mime defaults to text/plain).
    code_execute_result = [
        {'code': 'status', 'mime': 'application/json', 'result': {'kind': 'status', 'session': None}},
        {'code': 'help break', 'mime': 'text/html'},
    ]

    # Every result but a cell's last is shown as display_data.
    code_display_data = [
        {'code': 'help\nhelp break', 'mime': 'text/plain'},
        {'code': 'help\nhelp break', 'mime': 'text/html'},
    ]

    supported_history_operations = ('tail', 'range', 'search')
    code_history_pattern = 'help brea*'

    # Not applicable without a target: stdout/stderr come from the program (see below); the
    # kernel has no pager payloads and sends no clear_output.
    code_hello_world = ''
    code_stderr = ''
    code_page_something = ''
    code_clear_output = ''


class DelveKernelWithTarget(DelveKernelWithoutTarget):
    """The same suite with a program under Delve."""

    code_hello_world = 'continue'  # the hello-world program's stdout streams into the cell
    code_stderr = 'continue'  # and its stderr

    completion_samples = [
        {'text': 'print order.Cu', 'matches': {'Customer'}},
        {'text': 'print ord', 'matches': {'order'}},
        {'text': 'break main.proc', 'matches': {'main.process'}},
        {'text': 'goro', 'matches': {'goroutine', 'goroutines'}},
    ]

    code_inspect_sample = 'print order'

    code_generate_error = 'print nosuchvar'

    code_execute_result = [
        {'code': 'print order.ID', 'result': '1'},
        {'code': 'print order.Customer', 'result': '"grace"'},
        {'code': 'goroutines', 'mime': 'application/vnd.dataresource+json'},
    ]

    code_display_data = [
        {'code': 'goroutines\nbt', 'mime': 'application/vnd.dataresource+json'},
        {'code': 'goroutines\nbt', 'mime': 'text/html'},
    ]

    code_history_pattern = 'print order.I*'

    # Which target state each test needs; the rest run stopped at main.go:42.
    SCENES = {'test_execute_stdout': 'hello', 'test_execute_stderr': 'hello'}

    @classmethod
    def setUpClass(cls):
        workdir = os.environ.get('DELVE_KERNEL_TEST_WORKDIR') or tempfile.mkdtemp(prefix='delve-kernel-conformance-')
        hello_dir = os.path.join(workdir, 'hello-src')
        os.makedirs(hello_dir, exist_ok=True)
        with open(os.path.join(hello_dir, 'main.go'), 'w') as f:
            f.write(HELLO_GO)
        with open(os.path.join(hello_dir, 'go.mod'), 'w') as f:
            f.write('module hello\n\ngo 1.19\n')
        cls.hello = go_build(hello_dir, os.path.join(workdir, 'hello'))
        cls.orders = os.environ.get('DELVE_KERNEL_TEST_BINARY') or go_build(
            os.path.join(REPO, 'examples', 'orders'), os.path.join(workdir, 'orders'))
        cls.scene = None
        super().setUpClass()

    def setUp(self):
        wanted = self.SCENES.get(self._testMethodName, 'orders')
        if wanted == 'hello':
            # `continue` runs it to its end, so each test gets a fresh one.
            self.cell(f'exec {self.hello}')
        elif type(self).scene != 'orders':
            self.cell(f'exec {self.orders}')
            self.cell('break main.go:42')
            self.cell('continue', expect='main.go:42')
            self.cell('clearall')
        type(self).scene = wanted

    def cell(self, code, expect=None, timeout=30):
        """Runs a cell for setUp; waits for its reply and its idle, so the test starts clean."""
        msg_id = self.kc.execute(code)
        deadline = time.monotonic() + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply['parent_header'].get('msg_id') == msg_id:
                break
        self.assertEqual(reply['content']['status'], 'ok', f'setUp cell {code!r} failed: {reply["content"]}')
        results = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                self.fail(f'setUp cell {code!r}: no idle status')
            if msg['parent_header'].get('msg_id') != msg_id:
                continue
            if msg['msg_type'] == 'execute_result':
                results.append(msg['content']['data'].get('text/plain', ''))
            if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle':
                break
        if expect is not None:
            self.assertIn(expect, '\n'.join(results), f'setUp cell {code!r}')


if __name__ == '__main__':
    unittest.main(verbosity=2)
