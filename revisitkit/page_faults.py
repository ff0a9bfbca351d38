"""What a manager sees when part of a dashboard cannot be shown (issue 16): words, and a way on.

Voila ends a page at the first cell that fails or runs out of time, and says so in its own
words to whoever runs the server: "There was an error when executing cell [1]. Please run Voilà
with --show_tracebacks=True …" and "Cell execution timed out, aborting notebook execution.
Please run Voilà with --VoilaExecutor.interrupt_on_timeout=True …". A manager can do nothing
with a command line. :class:`KitExecutor` is Voila's executor with these outputs in a
manager's words instead, each with a 重新加载 Reload button (it reloads the page itself; nothing
from the data is in the notice). A button, not a link: JupyterLab's renderer opens every link of
an output in a new tab.

* **Out of time** (``--timeout`` of ``revisitkit serve``): the page stops at that part and says
  it did not finish within so many seconds. The kernel is interrupted as well, so a cell that
  would go on computing for nobody frees its CPU and its kernel can be culled.
* **Failed**: the page stops at that part and says it failed; what failed is in the server's
  log (Voila logs the cell's error there), for the planner.

With ``--show_tracebacks=True`` (a planner debugging) errors keep Voila's full traceback.

:attr:`KitExecutor.gave_up` says how a page's run ended; :class:`revisitkit.kernelpool.KitKernelManager`
reads it to replace a preheated kernel whose run ran out of time rather than hand that page to
a manager. :func:`install` puts the executor in Voila's page renderer; ``revisitkit serve``'s
Voila (:class:`revisitkit.voila_guard.KitVoila`) calls it at start.

Example
-------
>>> "Reload" in fault_html(TIMEOUT_TEXT.format(seconds=60)) and "60" in TIMEOUT_TEXT.format(seconds=60)
True
"""

from __future__ import annotations

import html

from traitlets import Unicode
from voila.execute import VoilaExecutor

__all__ = ["ERROR_TEXT", "TIMEOUT_TEXT", "KitExecutor", "fault_html", "fault_output", "install"]

#: A part of the page ran out of time (``{seconds}``: the cell time limit).
TIMEOUT_TEXT = (
    "这部分内容在 {seconds} 秒内没有算完，页面在此停下。请重新加载页面再试；如仍如此，请告知方案负责人。"
    " This part of the page did not finish within {seconds} s, so the page stopped here. "
    "Reload the page to try again; if it happens again, tell the campaign's planner."
)
#: A part of the page failed.
ERROR_TEXT = (
    "这部分内容出错，未能显示，页面在此停下。请重新加载页面再试；如仍如此，请告知方案负责人（详情在服务器日志中）。"
    " This part of the page failed and could not be shown, so the page stopped here. "
    "Reload the page to try again; if it happens again, tell the campaign's planner (the "
    "details are in the server's log)."
)


def fault_html(text: str) -> str:
    """*text* (escaped) as a notice on the page, with a button that reloads it."""
    return (
        '<div class="rk-fault" data-testid="page-fault" role="alert" style="border-left:6px '
        "solid #c62828;background:#fdecea;padding:10px 14px;margin:12px 0;font-size:15px;"
        'color:#222">'
        f"<p style='margin:0 0 8px 0'>⚠ {html.escape(text)}</p>"
        '<p style="margin:0"><button type="button" data-testid="reload" '
        'onclick="window.location.reload()" style="padding:4px 14px;border:1px solid #c62828;'
        'border-radius:4px;background:#fff;color:#c62828;font-weight:bold;cursor:pointer">'
        "↻ 重新加载 Reload</button></p></div>"
    )


def fault_output(text: str) -> dict:
    """A notebook output that shows *text* as :func:`fault_html` (plain *text* elsewhere)."""
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": fault_html(text), "text/plain": text},
    }


class KitExecutor(VoilaExecutor):
    """Voila's executor with a manager's words when a part of the page fails or runs out of
    time (see :mod:`revisitkit.page_faults`)."""

    cell_error_instruction = Unicode(
        ERROR_TEXT,
        config=True,
        help="What a manager reads where a part of the page failed at the server.",
    )
    #: ``"timeout"`` once a cell ran out of time, ``"error"`` once one failed, else ``None``.
    gave_up: str | None = None

    async def execute_cell(self, cell, resources, cell_index, store_history=True):
        try:
            return await super().execute_cell(cell, resources, cell_index, store_history)
        except TimeoutError:
            self.gave_up = "timeout"
            await self._interrupt()
            raise

    async def _interrupt(self) -> None:
        """Stop the cell still running in the kernel (nobody will see what it computes)."""
        try:
            result = self.km.interrupt_kernel()
            if hasattr(result, "__await__"):
                await result
        except Exception as e:  # a kernel gone already: nothing to stop
            self.log.info("could not interrupt the kernel after the timeout: %s", e)

    def show_code_cell_timeout(self, cell) -> None:
        self.gave_up = "timeout"
        seconds = f"{self.timeout:g}" if self.timeout else "?"
        cell["outputs"] = [fault_output(TIMEOUT_TEXT.format(seconds=seconds))]

    def strip_code_cell_errors(self, cell):
        if cell["cell_type"] != "code":
            return cell
        outputs = cell["outputs"]
        if any(o["output_type"] == "error" for o in outputs):
            self.gave_up = self.gave_up or "error"
            cell["outputs"] = [o for o in outputs if o["output_type"] != "error"]
            cell["outputs"].append(fault_output(ERROR_TEXT))
        return cell


def install() -> None:
    """Make :class:`KitExecutor` the executor of Voila's pages (this process only)."""
    from voila import notebook_renderer

    notebook_renderer.VoilaExecutor = KitExecutor
