"""The dashboard server's waits for a kernel's message, proof against a lost wake-up.

Why (issue 16): a dashboard page sometimes never finished. Voila's executor (nbclient) had sent
a cell's ``execute_request`` and waited, without a time limit, for the reply on its kernel
client's shell channel (``jupyter_client``'s ``AsyncZMQSocketChannel.get_msg``, one
``await socket.poll()`` on a ``zmq.asyncio`` socket). ``benchmarks/bench_soak.py --trace``
recorded every message of the server and its kernels: the kernel sent the reply within a
second; the reply sat in the server's socket (``zmq.EVENTS`` said POLLIN) while the poll never
woke. The socket's file descriptor is edge-triggered: a wake-up consumed before the poll's
watcher saw it is not signalled again, so the wait lasts until something else touches the
socket, in practice until the idle kernel was culled and the page failed with "Kernel died".
3 of 24 loads of the staffing dashboard on a second data set lost a reply that way (the trace's
own check of ``zmq.EVENTS`` after 20 s woke them). The same symptom is reported upstream for
pyzmq 26.2 and 27.1, unfixed: https://github.com/zeromq/pyzmq/issues/2173 (related: Voila
https://github.com/voila-dashboards/voila/issues/1311, the hang others avoided by pinning
``ipykernel<7``: https://github.com/microsoft/vscode-jupyter/issues/17228).

The fix: :func:`install` makes the server's waits a series of short polls (:data:`SLICE`).
Each new poll checks ``zmq.EVENTS`` before it waits (pyzmq does so when a poll starts), so a
message whose wake-up was lost is picked up within one slice, and a wait with a time limit
still ends with ``queue.Empty`` at that limit, as before. Only the Voila server started by the
kit (``revisitkit.voila_guard``) installs it; kernels are not touched.
"""

from __future__ import annotations

import logging
import time
from queue import Empty

import zmq
from jupyter_client.channels import AsyncZMQSocketChannel

#: The longest single poll, in seconds: the most a lost wake-up can delay a message. Short
#: enough to be unnoticed on a page; a waiting channel wakes 4 times a second, which costs
#: nothing measurable (the soak's CPU figures in the README).
SLICE = 0.25

#: Where a picked-up message is told (the server's own log once :func:`install` is given it)
log = logging.getLogger("revisitkit.kernelwait")


async def get_msg(self: AsyncZMQSocketChannel, timeout: float | None = None) -> dict:
    """``AsyncZMQSocketChannel.get_msg`` (a message, or ``queue.Empty`` after *timeout*
    seconds; none: no limit) waiting in polls of at most :data:`SLICE` seconds."""
    assert self.socket is not None
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        wait = SLICE if left is None else min(SLICE, left)
        if await self.socket.poll(int(wait * 1000)):
            return await self._recv()
        if self.socket.get(zmq.EVENTS) & zmq.POLLIN:
            # the poll timed out with a message waiting: its wake-up was (most likely) lost
            log.info("a kernel message was waiting when its poll timed out: picked up")
            return await self._recv()
        if left is not None and left <= wait:
            raise Empty


def install(logger: logging.Logger | None = None) -> None:
    """Make every ``AsyncZMQSocketChannel`` of this process wait with :func:`get_msg`
    (idempotent); a message picked up after a lost wake-up is told to *logger* (the server's
    log, at info level)."""
    global log
    if logger is not None:
        log = logger
    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]
