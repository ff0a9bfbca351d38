"""The server's waits for a kernel's message survive a lost wake-up (issue 16), on real zmq
sockets: a message arrives while a channel waits, and its wake-up is consumed before the
event loop sees it (reading ``zmq.EVENTS`` drains the socket's edge-triggered descriptor, as
in pyzmq #2173). Jupyter_client's own wait never returns; the kit's returns the message."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty

import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from revisitkit import kernelwait

UPSTREAM_GET_MSG = AsyncZMQSocketChannel.get_msg


def run(make_coroutine, *args):
    """``asyncio.run(make_coroutine(*args))`` in a thread of its own (the browser tests'
    Playwright keeps an event loop running in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine(*args))).result()


async def _lost_wakeup(get_msg, limit: float):
    """A channel waiting (no time limit) on a DEALER when a reply arrives, its wake-up drained
    before the loop runs: what *get_msg* returns within *limit* seconds (TimeoutError if
    nothing)."""
    session = Session(key=b"k")
    ctx = zmq.asyncio.Context()
    router = zmq.Context.instance().socket(zmq.ROUTER)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    dealer = ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.IDENTITY, b"executor")
    dealer.connect(f"tcp://127.0.0.1:{port}")
    channel = AsyncZMQSocketChannel(dealer, session)
    try:
        session.send(dealer, "execute_request", {"code": "1"})
        request = router.recv_multipart()  # the "kernel" has the request
        waiting = asyncio.ensure_future(get_msg(channel))
        await asyncio.sleep(0.2)  # the channel's poll is registered and waiting
        session.send(router, "execute_reply", {"status": "ok"}, ident=request[0])
        time.sleep(0.2)  # the reply reaches the socket while the loop is held
        zmq.Socket.shadow(dealer.underlying).get(zmq.EVENTS)  # the wake-up, consumed
        return await asyncio.wait_for(waiting, limit)
    finally:
        dealer.close(linger=0)
        router.close(linger=0)
        ctx.term()


def test_upstream_wait_never_sees_a_reply_whose_wake_up_was_lost():
    """The stall of issue 16, on two sockets: jupyter_client's wait hangs with the reply in
    its socket (this test documents the upstream behaviour the fix is for)."""
    with pytest.raises(asyncio.TimeoutError):
        run(_lost_wakeup, UPSTREAM_GET_MSG, 3.0)


def test_kit_wait_picks_up_a_reply_whose_wake_up_was_lost():
    msg = run(_lost_wakeup, kernelwait.get_msg, 3.0)
    assert msg["header"]["msg_type"] == "execute_reply"
    assert msg["content"] == {"status": "ok"}


def test_kit_wait_with_a_time_limit_still_ends_empty_at_the_limit():
    async def wait() -> float:
        ctx = zmq.asyncio.Context()
        dealer = ctx.socket(zmq.DEALER)
        dealer.connect("tcp://127.0.0.1:9")  # nothing will ever answer
        channel = AsyncZMQSocketChannel(dealer, Session(key=b"k"))
        started = time.monotonic()
        try:
            with pytest.raises(Empty):
                await kernelwait.get_msg(channel, timeout=0.6)
            return time.monotonic() - started
        finally:
            dealer.close(linger=0)
            ctx.term()

    # at the limit, not one slice early; and far from the hour an unbounded wait would take
    assert 0.6 <= run(wait) < 5


def test_install_replaces_the_wait_of_every_channel():
    try:
        kernelwait.install()
        assert AsyncZMQSocketChannel.get_msg is kernelwait.get_msg
    finally:
        AsyncZMQSocketChannel.get_msg = UPSTREAM_GET_MSG
