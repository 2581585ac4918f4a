"""jupyter_kernel_test's protocol conformance suite against delve-kernel.

Run in test/python: JUPYTER_PATH=PREFIX/share/jupyter /usr/bin/python3 -m unittest -v test_conformance
(after `delve-kernel install --prefix PREFIX`). The tests with a target need the example
program: DELVE_KERNEL_TEST_BINARY (a build of examples/orders with -gcflags='all=-N -l';
built here when unset) and a Go toolchain (DELVE_KERNEL_TEST_GO, default `go`) to build a
hello-world program into DELVE_KERNEL_TEST_WORKDIR (default: a new temporary directory).

Two kernels: one without a target (what works before `exec`), one with a target that each
test puts in the state its samples need (stopped at main.go:42 in `process`, or a fresh
hello-world program whose `continue` writes to stdout and stderr).
"""
import os
import shutil
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

    # Command names complete from the first word, and after `help`: exactly the names and
    # aliases that `help` lists (its application/json), read in setUpClass since the command
    # set grows; these must be among them.
    COMMAND_COMPLETIONS = {'goro': {'goroutine', 'goroutines'}, 'clear': {'clear', 'clearall'}, 'help goro': {'goroutine', 'goroutines'}}
    completion_samples = []  # set in setUpClass

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

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            names = cls.command_names()
            cls.completion_samples = []
            for text, required in cls.COMMAND_COMPLETIONS.items():
                word = text.split()[-1]
                matches = {n for n in names if n.startswith(word)}
                missing = required - matches
                if missing:
                    raise AssertionError(f'`help` does not list {sorted(missing)}; it lists {sorted(names)}')
                cls.completion_samples.append({'text': text, 'matches': matches})
        except BaseException:
            # unittest skips tearDownClass when setUpClass fails: stop the kernel here.
            cls.kc.stop_channels()
            cls.km.shutdown_kernel()
            raise

    @classmethod
    def command_names(cls):
        """Every command name and alias, from `help`'s application/json."""
        data = cls.cell('help')
        commands = (data.get('application/json') or {}).get('commands')
        if not commands:
            raise AssertionError(f'`help` has no application/json command list: {sorted(data)}')
        return {name for c in commands for name in [c['name'], *c.get('aliases', [])]}

    @classmethod
    def cell(cls, code, timeout=30):
        """Runs a cell outside the tests; waits for its reply and its idle, so tests start clean.
        Returns the execute_result's data ({} if none)."""
        msg_id = cls.kc.execute(code)
        deadline = time.monotonic() + timeout
        while True:
            reply = cls.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply['parent_header'].get('msg_id') == msg_id:
                break
        if reply['content']['status'] != 'ok':
            raise AssertionError(f'cell {code!r} failed: {reply["content"]}')
        data = {}
        while True:
            try:
                msg = cls.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                raise AssertionError(f'cell {code!r}: no idle status within {timeout} s')
            if msg['parent_header'].get('msg_id') != msg_id:
                continue
            if msg['msg_type'] == 'execute_result':
                data = msg['content']['data']
            if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle':
                return data


class DelveKernelWithTarget(DelveKernelWithoutTarget):
    """The same suite with a program under Delve."""

    code_hello_world = 'continue'  # the hello-world program's stdout streams into the cell
    code_stderr = 'continue'  # and its stderr

    # Fields, locals and functions of the stopped program (plus the command names, as above).
    TARGET_COMPLETIONS = [
        {'text': 'print order.Cu', 'matches': {'Customer'}},
        {'text': 'print ord', 'matches': {'order'}},
        {'text': 'break main.proc', 'matches': {'main.process'}},
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
        workdir = os.environ.get('DELVE_KERNEL_TEST_WORKDIR')
        cls.own_workdir = None if workdir else tempfile.mkdtemp(prefix='delve-kernel-conformance-')
        workdir = workdir or cls.own_workdir
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
        try:
            super().setUpClass()
        except BaseException:
            if cls.own_workdir:
                shutil.rmtree(cls.own_workdir, ignore_errors=True)
            raise
        cls.completion_samples = cls.TARGET_COMPLETIONS + cls.completion_samples

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            if cls.own_workdir:
                shutil.rmtree(cls.own_workdir, ignore_errors=True)

    def setUp(self):
        wanted = self.SCENES.get(self._testMethodName, 'orders')
        if wanted == 'hello':
            # `continue` runs it to its end, so each test gets a fresh one.
            self.cell(f'exec {self.hello}')
        elif type(self).scene != 'orders':
            self.cell(f'exec {self.orders}')
            self.cell('break main.go:42')
            stop = self.cell('continue').get('text/plain', '')
            self.assertIn('main.go:42', stop, 'setUp: `continue` did not stop at the breakpoint')
            self.cell('clearall')
        type(self).scene = wanted


if __name__ == '__main__':
    unittest.main(verbosity=2)
