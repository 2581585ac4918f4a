"""A jupyter_client session driven over stdin/stdout, for tests written in TypeScript.

Usage: /usr/bin/python3 driver.py CWD   (JUPYTER_PATH must make the kernelspec `delve` findable)

It starts the kernel the way Jupyter's own tools do (start_new_kernel, so the kernel gets
JPY_PARENT_PID and is interrupted with SIGINT or interrupt_request as its kernelspec says),
then answers one JSON request per line with one JSON line:
  {"op": "execute", "code": ..., "timeout": s}          -> {"reply": ..., "iopub": [...]}
  {"op": "send", "code": ...}                           -> {"msg_id": ...}
  {"op": "collect", "msg_id": ..., "timeout": s}        -> {"reply": ..., "iopub": [...]}
  {"op": "complete", "code": ..., "cursor": n}          -> {"reply": ...}
  {"op": "is_complete", "code": ...}                    -> {"reply": ...}
  {"op": "inspect", "code": ..., "cursor": n}           -> {"reply": ...}
  {"op": "heartbeat", "data": ..., "timeout": s}       -> {"echo": data or null}
  {"op": "send_twice", "code": ..., "wait": s}          -> {"execution_counts": [...]}
  {"op": "interrupt"}                                   -> {}
  {"op": "alive"}                                       -> {"alive": bool}
  {"op": "shutdown"}                                    -> {"exit": code}
A message is {"header": {"msg_type": ...}, "content": ...}; an error is {"error": text}.
"""
import json
import sys
import time
import traceback
from queue import Empty

from jupyter_client.manager import start_new_kernel


def message(msg):
    return {'header': {'msg_type': msg['msg_type']}, 'content': msg['content']}


def next_for(get, msg_id, deadline, waiting_for):
    """The next message GET gives whose parent is MSG_ID, before DEADLINE."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f'no {waiting_for} for {msg_id} in time')
        try:
            msg = get(timeout=left)
        except Empty:
            continue
        if msg['parent_header'].get('msg_id') == msg_id:
            return msg


def shell_reply(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    return next_for(kc.get_shell_msg, msg_id, deadline, 'reply'), deadline


def collect(kc, msg_id, timeout):
    reply, deadline = shell_reply(kc, msg_id, timeout)
    iopub = []
    while True:
        msg = next_for(kc.get_iopub_msg, msg_id, deadline, 'idle status')
        if msg['msg_type'] == 'status':
            if msg['content']['execution_state'] == 'idle':
                break
            continue
        iopub.append(message(msg))
    return {'reply': message(reply), 'iopub': iopub}


def heartbeat(kc, data, timeout):
    """DATA to the kernel's heartbeat port, as jupyter_client's HBChannel pings it; the echo or None."""
    import zmq
    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.linger = 0
    try:
        sock.connect(kc._make_url('hb'))
        sock.send(data.encode())
        return sock.recv().decode() if sock.poll(timeout * 1000) else None
    finally:
        sock.close()


def main():
    km, kc = start_new_kernel(kernel_name='delve', startup_timeout=30, cwd=sys.argv[1])
    print(json.dumps({'ready': True, 'kernel_pid': km.provisioner.process.pid}), flush=True)
    process = km.provisioner.process
    for line in sys.stdin:
        request = json.loads(line)
        op = request['op']
        timeout = request.get('timeout', 60)
        try:
            if op == 'execute':
                answer = collect(kc, kc.execute(request['code']), timeout)
            elif op == 'send':
                answer = {'msg_id': kc.execute(request['code'])}
            elif op == 'collect':
                answer = collect(kc, request['msg_id'], timeout)
            elif op == 'complete':
                answer = {'reply': message(shell_reply(kc, kc.complete(request['code'], request['cursor']), timeout)[0])}
            elif op == 'is_complete':
                answer = {'reply': message(shell_reply(kc, kc.is_complete(request['code']), timeout)[0])}
            elif op == 'inspect':
                answer = {'reply': message(shell_reply(kc, kc.inspect(request['code'], request['cursor']), timeout)[0])}
            elif op == 'heartbeat':
                answer = {'echo': heartbeat(kc, request['data'], timeout)}
            elif op == 'send_twice':
                # One signed message sent twice, byte for byte (a replay): how many replies come back.
                msg = kc.session.msg('execute_request', {'code': request['code'], 'silent': False, 'store_history': True, 'user_expressions': {}, 'allow_stdin': False, 'stop_on_error': True})
                kc.shell_channel.send(msg)
                kc.shell_channel.send(msg)
                replies = []
                deadline = time.monotonic() + request.get('wait', 3)
                while time.monotonic() < deadline:
                    try:
                        reply = kc.get_shell_msg(timeout=0.2)
                    except Empty:
                        continue
                    if reply['parent_header'].get('msg_id') == msg['header']['msg_id']:
                        replies.append(reply['content'].get('execution_count'))
                answer = {'execution_counts': replies}
            elif op == 'interrupt':
                km.interrupt_kernel()
                answer = {}
            elif op == 'alive':
                answer = {'alive': km.is_alive()}
            elif op == 'shutdown':
                kc.stop_channels()
                km.shutdown_kernel()
                print(json.dumps({'exit': process.poll()}), flush=True)
                return
            else:
                answer = {'error': f'unknown op {op}'}
        except Exception:
            answer = {'error': traceback.format_exc()}
        print(json.dumps(answer), flush=True)
    kc.stop_channels()
    km.shutdown_kernel(now=True)


if __name__ == '__main__':
    main()
