"""The kernel manager ``revisitkit serve`` gives Voila (``revisitkit.kernelpool``), with real
kernels and a really busy CPU: a refill that no page waits for is held back while every core is
busy, starts soon on an idle machine, and starts at once when a page takes it from the pool."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from revisitkit.kernelpool import KitKernelManager, cpu_times

WAIT = 8.0  # refill_wait of these tests, seconds


async def _start(km: KitKernelManager, *, taken_after: float | None = None) -> float:
    """Seconds until a preheat in the pool has its kernel; a page takes it after *taken_after*."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    task = loop.create_task(km.start_kernel(kernel_name="python3"))
    km._pools["overview.ipynb"].append(task)  # where Voila keeps its preheats
    if taken_after is not None:
        await asyncio.sleep(taken_after)
        km._pools["overview.ipynb"].remove(task)  # what Voila does when a page arrives
    await task
    if task in km._pools["overview.ipynb"]:
        km._pools["overview.ipynb"].remove(task)
    return loop.time() - t0


async def _scenario() -> tuple[float, float, float]:
    km = KitKernelManager(refill_wait=WAIT, refill_stagger=0.0)
    km._pools = {"overview.ipynb": []}
    try:
        idle = await _start(km)
        spinners = [
            subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)
        ]
        try:
            await asyncio.sleep(1)
            held = await _start(km)
            taken = await _start(km, taken_after=0.5)
        finally:
            for p in spinners:
                p.kill()
                p.wait()
    finally:
        await km.shutdown_all()
    return idle, held, taken


def test_refills_wait_for_spare_cpu_unless_a_page_waits():
    assert cpu_times() is not None, "this test reads /proc/stat"
    # a thread of its own: the browser tests' Playwright keeps an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        idle, held, taken = pool.submit(lambda: asyncio.run(_scenario())).result()
    assert idle < WAIT, f"an idle machine held a refill back {idle:.1f} s"
    assert held >= WAIT, f"a busy machine let a refill start after {held:.1f} s"
    assert taken < WAIT, f"a refill a page waited for took {taken:.1f} s"
