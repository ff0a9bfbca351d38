"""The kernel manager ``revisitkit serve`` gives Voila: preheated kernels that behave under a crowd.

Voila's preheating keeps a pool of kernels that have already run a dashboard, so a manager's
page is served at once. Two things go wrong with plain Voila when many managers arrive together
on a small server, and :class:`KitKernelManager` fixes both:

* **Hand-out counts as activity.** Voila never culls a kernel waiting in its pool, but the
  kernel's idle clock runs from the end of preheating. A kernel preheated at 8:00 and handed to a
  page at 9:00 has been "idle" an hour, so the next culling pass shuts it down before the page's
  widgets have connected, and that page never comes alive. Here each culling pass notes which
  kernels wait in a pool; a kernel that has left a pool since the last pass was handed to a page,
  and its idle clock restarts, so the page has the whole ``cull_idle_timeout`` to connect.
* **Refills wait for a quiet machine.** Each used kernel is replaced by a new one that runs the
  whole dashboard again (seconds of CPU). With Voila's ``fill_delay`` at 0, twenty arrivals
  start twenty refills that take the CPU from the twenty pages being served; with a longer
  delay, a page that finds the pool empty waits the whole delay. Here a refill starts when the
  machine has spare CPU (at most one every ``refill_stagger`` seconds, in pool order, since
  Voila hands a page the pool's first kernel), when a page is waiting for that very kernel, or
  after ``refill_wait`` seconds at the latest. The first fill, when the server starts, goes at
  once.

And one more: **a preheated run that ran out of time is replaced.** A kernel whose preheating
run stopped at the cell time limit (a stall, or a cell slower than ``--timeout``) would hand
the next manager a page that says so. As soon as such a run ends in the pool, its kernel is taken
out, shut down and refilled (:meth:`KitKernelManager.drop_timed_out`), so pages get the next
kernel, else one of their own. After ``preheat_timeouts`` (3) such runs of one dashboard in a
row its page is slower than the limit, not stalled: preheating it stops (a warning in the log)
rather than spend the CPU on runs no one can use.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Integer

__all__ = ["KitKernelManager", "cpu_times"]

PROC_STAT = Path("/proc/stat")


def cpu_times(stat: Path = PROC_STAT) -> tuple[float, float] | None:
    """(idle, total) CPU time of the machine so far, in clock ticks; ``None`` where unknown.

    >>> times = cpu_times()
    >>> times is None or 0 <= times[0] <= times[1]
    True
    """
    try:
        first = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    ticks = [float(x) for x in first[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)  # idle + iowait
    return idle, sum(ticks)


class KitKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with the two fixes described in :mod:`revisitkit.kernelpool`."""

    refill_wait = Float(
        120.0,
        config=True,
        help="Most seconds a used preheated kernel's refill waits for spare CPU.",
    )
    refill_stagger = Float(
        3.0, config=True, help="Least seconds between the starts of two refills."
    )
    preheat_timeouts = Integer(
        3,
        config=True,
        help="Preheating runs of one dashboard that may run out of time in a row before its "
        "preheating stops (its pages then start a kernel of their own).",
    )
    spare_cpu = Float(
        0.5, config=True, help="Share of the machine's CPU that must be idle for a refill to start."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_pooled: set[str] = set()
        self._next_refill = 0.0
        self._filled_once: set[str] = set()  # notebooks whose pool has had a kernel ready
        self._waiting: set[asyncio.Task] = set()
        self._replacing: set[asyncio.Future] = set()
        self._timeouts_in_row: dict[str, int] = {}

    # -- hand-out counts as activity ------------------------------------------------------------

    def pooled_kernels(self) -> set[str]:
        """Ids of the preheated kernels waiting in Voila's pools (none without preheating)."""
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result()["kernel_id"])
        return ids

    def _handed_out(self, kernel_id: str) -> None:
        self._seen_pooled.discard(kernel_id)
        if kernel_id in self._kernels:
            self._kernels[kernel_id].last_activity = datetime.now(UTC)

    def note_hand_outs(self) -> set[str]:
        """Restart the idle clock of kernels that left a pool since the last call; their ids."""
        pooled = self.pooled_kernels()
        handed_out = {k for k in self._seen_pooled - pooled if k in self._kernels}
        for kernel_id in handed_out:
            self._handed_out(kernel_id)
        self._seen_pooled = pooled
        return handed_out

    async def cull_kernels(self):
        self.note_hand_outs()
        await super().cull_kernels()

    async def cull_kernel_if_idle(self, kernel_id: str):
        # Voila's override above this one has returned already for a kernel still in a pool; one
        # seen in a pool earlier in this pass was handed to a page meanwhile
        if kernel_id in self._seen_pooled:
            self._handed_out(kernel_id)
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    # -- a preheated run that ran out of time is replaced ---------------------------------------

    def _watch_preheat(self, pooled: asyncio.Task, notebook_name: str) -> None:
        """When *pooled*'s preheating run ends, :meth:`drop_timed_out` looks at it."""
        if pooled.cancelled() or pooled.exception() is not None:
            return
        content = pooled.result()
        render = content.get("task")
        if render is None:
            return

        def ended(_render: asyncio.Task) -> None:
            executor = getattr(content.get("renderer"), "executor", None)
            if getattr(executor, "gave_up", None) != "timeout":
                self._timeouts_in_row[notebook_name] = 0
            self.drop_timed_out(notebook_name)

        render.add_done_callback(ended)

    def drop_timed_out(self, notebook_name: str) -> list[str]:
        """Take out of *notebook_name*'s pool the kernels whose preheating run stopped at the cell
        time limit (:attr:`revisitkit.page_faults.KitExecutor.gave_up`); shut each down and start
        its replacement. The ids taken out (a kernel already handed to a page is left alone: its
        page shows the message)."""
        pool = getattr(self, "_pools", {}).get(notebook_name, [])
        dropped = []
        for task in list(pool):
            if not task.done() or task.cancelled() or task.exception() is not None:
                continue
            content = task.result()
            render = content.get("task")
            executor = getattr(content.get("renderer"), "executor", None)
            if render is None or not render.done():
                continue
            if getattr(executor, "gave_up", None) != "timeout":
                continue
            pool.remove(task)
            kernel_id = content["kernel_id"]
            dropped.append(kernel_id)
            row = self._timeouts_in_row.get(notebook_name, 0) + 1
            self._timeouts_in_row[notebook_name] = row
            refill = row < self.preheat_timeouts
            if refill:
                self.log.info(
                    "A preheated kernel of %s ran out of time (a cell past the time limit): "
                    "shut down and replaced, not handed to a page",
                    notebook_name,
                )
            else:  # the page is slower than the limit, not stalled: stop spending the CPU
                self.log.warning(
                    "Preheating %s ran out of time %d times in a row: no more preheating for "
                    "it; its pages start a kernel of their own (raise --timeout?)",
                    notebook_name,
                    row,
                )
            future = asyncio.ensure_future(self._replace(kernel_id, notebook_name, refill))
            self._replacing.add(future)
            future.add_done_callback(self._replacing.discard)
        return dropped

    async def _replace(self, kernel_id: str, notebook_name: str, refill: bool) -> None:
        try:
            await self.shutdown_kernel(kernel_id)
        except Exception as e:  # gone already
            self.log.info("preheated kernel %s was already gone: %s", kernel_id, e)
        if refill:
            self.fill_if_needed(delay=None, notebook_name=notebook_name)

    # -- refills wait for a quiet machine -------------------------------------------------------

    def _pool_of(self, task: asyncio.Task | None) -> tuple[str, list] | None:
        for name, pool in getattr(self, "_pools", {}).items():
            if any(t is task for t in pool):
                return name, pool
        return None

    async def start_kernel(self, *args, **kwargs):
        task = asyncio.current_task()
        found = self._pool_of(task)
        if found is not None:  # a preheat no page is waiting for yet
            name, _ = found
            if name in self._filled_once:  # a refill; the first fill goes at once
                await self._wait_for_spare_cpu(task)
            task.add_done_callback(lambda _t: self._filled_once.add(name))
            task.add_done_callback(lambda t: self._watch_preheat(t, name))
        return await super().start_kernel(*args, **kwargs)

    def _may_start(self, task: asyncio.Task) -> bool:
        """Refills of one pool start in pool order: Voila hands a page the pool's first kernel."""
        found = self._pool_of(task)
        if found is None:
            return True
        pool = found[1]
        return not any(t in self._waiting for t in pool[: pool.index(task)])

    async def _wait_for_spare_cpu(self, task: asyncio.Task) -> None:
        loop = asyncio.get_running_loop()
        latest = loop.time() + self.refill_wait
        before = cpu_times()
        self._waiting.add(task)
        try:
            while loop.time() < latest and self._pool_of(task) is not None:
                await asyncio.sleep(1.0)
                now = cpu_times()
                spare = (
                    1.0
                    if before is None or now is None or now[1] <= before[1]
                    else (now[0] - before[0]) / (now[1] - before[1])
                )
                before = now
                if (
                    spare >= self.spare_cpu
                    and loop.time() >= self._next_refill
                    and self._may_start(task)
                ):
                    break
        finally:
            self._waiting.discard(task)
        # when it starts, the next refill gives this one time to take its share of the CPU
        self._next_refill = loop.time() + self.refill_stagger
