"""Message trace for ``bench_soak.py --trace`` (on PYTHONPATH only for that run).

Imported by every Python process started with this folder on PYTHONPATH (the Voila server and
its kernels): each message a ``jupyter_client`` Session sends or receives is written as one
JSON line to ``$REVISITKIT_SOAK_TRACE/<pid>.jsonl`` (time, process role, thread, direction,
message type, id and parent id: no content). In the server, a shell or iopub channel whose
wait for a message lasts over 20 s records whether a message was in fact ready on the socket
(``zmq.EVENTS``): a lost wake-up shows as ``"pollin": true`` on a wait that did not return.
"""

import json
import os
import sys
import threading
import time

_FOLDER = os.environ.get("REVISITKIT_SOAK_TRACE")


def _install() -> None:
    from jupyter_client import session as _session

    role = "kernel" if any("ipykernel" in a for a in sys.orig_argv) else "server"
    out = open(os.path.join(_FOLDER, f"{os.getpid()}.jsonl"), "a", buffering=1)  # noqa: SIM115
    lock = threading.Lock()

    def write(**record):
        record.update(t=round(time.time(), 4), pid=os.getpid(), role=role)
        record["thread"] = threading.current_thread().name
        with lock:
            out.write(json.dumps(record) + "\n")

    def ids(msg):
        header = msg.get("header") or {}
        parent = msg.get("parent_header") or {}
        return header.get("msg_type"), header.get("msg_id"), parent.get("msg_id")

    send, deserialize = _session.Session.send, _session.Session.deserialize

    def traced_send(self, stream, msg_or_type, *args, **kwargs):
        msg = send(self, stream, msg_or_type, *args, **kwargs)
        if isinstance(msg, dict):
            kind, mid, parent = ids(msg)
            write(dir="send", type=kind, id=mid, parent=parent, session=self.session)
        return msg

    def traced_deserialize(self, msg_list, *args, **kwargs):
        msg = deserialize(self, msg_list, *args, **kwargs)
        kind, mid, parent = ids(msg)
        write(dir="recv", type=kind, id=mid, parent=parent, session=self.session)
        return msg

    _session.Session.send = traced_send
    _session.Session.deserialize = traced_deserialize

    if role != "server":
        return
    import asyncio

    import zmq
    from jupyter_client import channels

    get_msg = channels.AsyncZMQSocketChannel.get_msg

    async def watched_get_msg(self, timeout=None):
        socket = self.socket
        started = time.time()

        def check():
            if not task.done() and socket is not None and not socket.closed:
                pollin = bool(socket.get(zmq.EVENTS) & zmq.POLLIN)
                write(
                    dir="wait",
                    waited=round(time.time() - started, 1),
                    pollin=pollin,
                    session=self.session.session,
                )
                handle[0] = loop.call_later(20, check)

        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(get_msg(self, timeout))
        handle = [loop.call_later(20, check)]
        try:
            return await task
        finally:
            handle[0].cancel()

    channels.AsyncZMQSocketChannel.get_msg = watched_get_msg


if _FOLDER:
    try:
        _install()
    except Exception as error:  # a trace must never stop a server or kernel from starting
        print(f"soak trace not installed: {error}", file=sys.stderr)
