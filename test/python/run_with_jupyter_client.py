"""Drives delve-kernel through jupyter_client, the way Jupyter's own tools start kernels.

Usage: /usr/bin/python3 run_with_jupyter_client.py BINARY
(JUPYTER_PATH must make the kernelspec `delve` findable.)

Prints one JSON object on stdout: {"checks": [...], "failures": [...], ...}; exits 1 when a
check failed, 2 when the session itself broke (a timeout, a dead kernel).
"""
import json
import os
import sys
import tempfile
import time
import traceback

from jupyter_client.manager import start_new_kernel

import driver  # beside this file

GOROUTINE_FIELDS = ['id', 'status', 'waitReason', 'function', 'file', 'line', 'startFunction', 'goStatement', 'threadId']

summary = {'checks': [], 'failures': [], 'timings': {}}


def check(name, ok, detail=None):
    summary['checks'].append(name)
    if not ok:
        summary['failures'].append({'check': name, 'detail': detail})


def collect(kc, msg_id, timeout):
    """The execute_reply's content for msg_id and its iopub messages up to idle."""
    got = driver.collect(kc, msg_id, timeout)
    return got['reply']['content'], [{'msg_type': m['header']['msg_type'], 'content': m['content']} for m in got['iopub']]


def run(kc, code, timeout=30):
    return collect(kc, kc.execute(code), timeout)


def result(outputs):
    for msg in outputs:
        if msg['msg_type'] == 'execute_result':
            return msg['content']['data']
    return None


def text(outputs):
    data = result(outputs)
    return data.get('text/plain', '') if data else ''


def main():
    binary = sys.argv[1]
    cwd = tempfile.mkdtemp(prefix='delve-kernel-jc-')
    started = time.monotonic()
    km, kc = start_new_kernel(kernel_name='delve', startup_timeout=30, cwd=cwd)
    summary['timings']['start'] = round(time.monotonic() - started, 2)
    summary['kernel_pid'] = km.provisioner.process.pid
    kernel_process = km.provisioner.process
    try:
        reply, out = run(kc, f'exec {binary}')
        check('exec ok', reply['status'] == 'ok', reply)

        reply, out = run(kc, 'break main.go:42')
        check('break ok', reply['status'] == 'ok', reply)

        reply, out = run(kc, 'continue')
        check('continue stops at main.go:42', reply['status'] == 'ok' and 'main.go:42' in text(out), text(out) or reply)

        reply, out = run(kc, 'print order')
        summary['print_order'] = text(out)
        check('print order', reply['status'] == 'ok' and text(out).startswith('main.Order {ID: 1,'), text(out) or reply)

        reply, out = run(kc, 'goroutines')
        data = result(out) or {}
        resource = data.get('application/vnd.dataresource+json') or {}
        fields = [f.get('name') for f in resource.get('schema', {}).get('fields', [])]
        summary['goroutine_fields'] = fields
        check('goroutines ok', reply['status'] == 'ok', reply)
        check('goroutines has text/html table', '<table' in data.get('text/html', ''), sorted(data))
        check('goroutines dataresource fields', fields == GOROUTINE_FIELDS, fields)
        rows = resource.get('data', [])
        check('goroutines dataresource rows', len(rows) > 0 and any(r.get('function') == 'main.process' for r in rows), rows[:3])

        reply, out = run(kc, 'contineu')
        check('unknown command is an error', reply['status'] == 'error' and reply.get('ename') == 'UnknownCommand', reply)
        errors = [m['content'] for m in out if m['msg_type'] == 'error']
        check('unknown command publishes one error', len(errors) == 1 and errors[0]['ename'] == 'UnknownCommand', errors)

        reply, out = run(kc, 'print nosuchvar')
        check('print nosuchvar is a DelveError', reply['status'] == 'error' and reply.get('ename') == 'DelveError', reply)

        reply, out = run(kc, 'print order.ID')
        check('print order.ID after errors', reply['status'] == 'ok' and text(out) == '1', text(out) or reply)

        # Interrupt a running program the way Jupyter does: SIGINT to the kernel's process group.
        reply, out = run(kc, 'clearall')
        check('clearall ok', reply['status'] == 'ok', reply)
        msg_id = kc.execute('continue')
        time.sleep(1)
        t0 = time.monotonic()
        km.interrupt_kernel()
        reply, out = collect(kc, msg_id, 15)
        summary['timings']['interrupt_reply'] = round(time.monotonic() - t0, 2)
        check('interrupted continue replies Interrupted', reply['status'] == 'error' and reply.get('ename') == 'Interrupted', reply)
        check('interrupt reply within 5 s', summary['timings']['interrupt_reply'] < 5, summary['timings']['interrupt_reply'])
        streamed = ''.join(m['content']['text'] for m in out if m['msg_type'] == 'stream')
        check('the running program streamed its output', 'processed order' in streamed, streamed[-300:])
        check('kernel alive after interrupt', km.is_alive())

        reply, out = run(kc, 'goroutines')
        check('goroutines after interrupt', reply['status'] == 'ok' and result(out) is not None, reply)
    finally:
        kc.stop_channels()
        t0 = time.monotonic()
        km.shutdown_kernel()
        summary['timings']['shutdown'] = round(time.monotonic() - t0, 2)
        summary['kernel_exit'] = kernel_process.poll()
        check('kernel exited by itself with status 0 on shutdown', kernel_process.poll() == 0, kernel_process.poll())


if __name__ == '__main__':
    status = 0
    try:
        main()
    except Exception:
        summary['failures'].append({'check': 'session', 'detail': traceback.format_exc()})
        status = 2
    print(json.dumps(summary))
    if status == 0 and summary['failures']:
        status = 1
    for failure in summary['failures']:
        print(f"FAILED: {failure['check']}: {failure['detail']}", file=sys.stderr)
    sys.exit(status)
