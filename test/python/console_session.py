"""A person at `delve-kernel console` (jupyter console 6.4 under a pseudo-terminal, pexpect).

Usage: /usr/bin/python3 console_session.py NODE DELVE_KERNEL_JS BINARY CWD
(JUPYTER_PATH must make the kernelspec `delve` findable.)
Prints one JSON object: {"checks": [...], "failures": [...], "transcript": "..."}.
"""
import json
import re
import sys
import time

import pexpect

node, script, binary, cwd = sys.argv[1:5]
COLOUR = r'(?:\x1b\[[0-9;]*m)*'
summary = {'checks': [], 'failures': []}


def prompt(n):
    return r'In \[' + COLOUR + str(n) + COLOUR + r'\]'


def plain(text):
    return re.sub(r'\x1b\[[0-9;?]*[a-zA-Z]', '', text).replace('\r', '')


def check(name, ok, detail=''):
    summary['checks'].append(name)
    if not ok:
        summary['failures'].append({'check': name, 'detail': detail[-1500:]})


def cell(console, n, keys):
    """Types KEYS then Enter once, and returns what was shown up to the next prompt."""
    console.send(keys + '\r')
    console.expect(prompt(n + 1), timeout=60)
    return plain(console.before)


console = pexpect.spawn(node, [script, 'console'], encoding='utf-8', dimensions=(60, 220), timeout=60, cwd=cwd)
transcript = []
try:
    console.expect(prompt(1))
    out = cell(console, 1, f'exec {binary}')
    check('one Enter runs a one-line command (is_complete)', 'Set breakpoints with' in out, out)
    out = cell(console, 2, 'break main.go:42')
    check('break', 'Breakpoint 1 set at main.process()' in out, out)
    console.send('memwatch st')
    console.send('\t')
    time.sleep(1.0)
    out = cell(console, 3, '')
    check('Tab completes a subcommand from the command table', 'memwatch stats' in out, out)
    out = cell(console, 4, 'goroutines')
    check('goroutines reads as a text table', re.search(r'id\s+status\s+waitReason', out) is not None and '<table' not in out and '{"' not in out, out)
    out = cell(console, 5, 'clearall')
    console.send('continue\r')
    time.sleep(1.5)
    console.sendintr()
    console.expect(prompt(7), timeout=30)
    out = plain(console.before)
    transcript.append(out[-3000:])
    check('Ctrl-C during continue halts the target', 'Interrupted: the target was halted by the interrupt button' in out, out)
    check('the halt shows a goroutine of the program', re.search(r'showing goroutine \d+', out) is not None and '> [goroutine ' in out, out)
    out = cell(console, 7, 'status')
    check('status after Ctrl-C: stopped', re.search(r'state\s+stopped', out) is not None, out)
    console.sendeof()
    console.expect(r'exit')
    console.send('y\r')
    console.expect(pexpect.EOF, timeout=30)
    check('Ctrl-D ends the console and its kernel', 'Shutting down kernel' in plain(console.before), plain(console.before))
except Exception as err:  # a timeout: say where
    summary['failures'].append({'check': 'session', 'detail': f'{err!r}\n{plain(console.before or "")[-2000:]}'})
finally:
    console.close(force=True)
summary['transcript'] = '\n'.join(transcript)
print(json.dumps(summary))
