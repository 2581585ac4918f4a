"""First, do no harm: a process the kernel attached to runs on, however the kernel ends.

Usage: /usr/bin/python3 attached_survives.py BINARY MODE
MODE: shutdown | restart | sigterm | sigkill (how jupyter_client, or the system, ends the kernel).
(JUPYTER_PATH must make the kernelspec `delve` findable.)

BINARY is examples/orders: it prints a line per order processed, so "runs on" is checked by
its output growing after the kernel is gone, not only by its pid existing. The kernel is
ended while a `continue` runs past a breakpoint whose condition is never true (every worker
traps into Delve all the time): the hardest moment to let go.
Prints one JSON object: {"mode", "alive", "lines_after", "exit", "stderr"}; exits 1 if harmed.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

from jupyter_client.manager import KernelManager

binary, mode = sys.argv[1], sys.argv[2]
target = subprocess.Popen([binary, '-n', '100000000', '-pause', '2ms'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
lines = []
threading.Thread(target=lambda: [lines.append(line) for line in target.stdout], daemon=True).start()
err = []
threading.Thread(target=lambda: err.append(target.stderr.read()), daemon=True).start()
time.sleep(0.5)

km = KernelManager(kernel_name='delve')
km.start_kernel()
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=30)


def execute(code, timeout=30):
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply['parent_header'].get('msg_id') == msg_id:
            return reply['content']


for code in [f'attach {target.pid}', 'break main.go:42 if order.ID == -1']:
    content = execute(code)
    if content['status'] != 'ok':
        print(json.dumps({'mode': mode, 'setup_failed': code, 'content': content}))
        target.kill()
        sys.exit(2)
kc.execute('continue')
time.sleep(1.0)

if mode == 'shutdown':
    km.shutdown_kernel(now=False)
elif mode == 'restart':
    km.restart_kernel(now=False)
elif mode == 'sigterm':
    os.kill(km.provisioner.process.pid, signal.SIGTERM)
elif mode == 'sigkill':
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
kc.stop_channels()

# Whatever ends the kernel, the target must run on: alive and still processing orders.
deadline = time.monotonic() + 15
while km.is_alive() and mode != 'restart' and time.monotonic() < deadline:
    time.sleep(0.1)
time.sleep(2.0)  # the watchdog's release after a SIGKILL, Delve's detach
before = len(lines)
time.sleep(1.5)
after = len(lines)
alive = target.poll() is None
if mode == 'restart':
    km.shutdown_kernel(now=False)
target.kill()
target.wait()
result = {'mode': mode, 'alive': alive, 'lines_after': after - before, 'exit': target.returncode, 'stderr': ''.join(err)[:400]}
print(json.dumps(result))
sys.exit(0 if alive and after > before else 1)
