"""A part of a dashboard that fails or runs out of time (issue 16, item 2): the manager reads
words and gets a reload button, never Voila's command-line advice; the kernel of a cell out of
time is interrupted; a preheated run out of time is replaced before any page gets it.

A real ``revisitkit serve`` on a real workspace whose dashboards are small notebooks made to
fail, and real Chromium."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

from revisitkit.page_faults import ERROR_TEXT, TIMEOUT_TEXT
from tests.conftest import TEST_OUTPUT, serve_command, served

pytestmark = pytest.mark.browser

#: What Voila itself writes on such a page (a planner's command line, not a manager's words).
VOILA_ADVICE = ("Please run Voil", "--show_tracebacks", "interrupt_on_timeout", "executing cell [")


def _notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


FIRST = 'from IPython.display import HTML, display\ndisplay(HTML("<p data-testid=first>第一部分 first part</p>"))'
NEVER = 'display(HTML("<p data-testid=never>never shown</p>"))'


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """A workspace whose dashboards fail: *sleepy* runs past the 3 s limit, *broken* raises,
    *overview* (preheated) runs past it the first time only; and its server."""
    root = tmp_path_factory.mktemp("faults")
    ws = root / "ws"
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "revisitkit", "init", str(ws)], check=True, capture_output=True
    )
    boards = ws / "dashboards"
    for old in boards.glob("*.ipynb"):
        old.unlink()
    finished = root / "sleepy-finished"
    _notebook(
        boards / "sleepy.ipynb",
        FIRST,
        f"import pathlib, time\ntime.sleep(12)\npathlib.Path({str(finished)!r}).write_text('finished')",
        NEVER,
    )
    _notebook(boards / "broken.ipynb", FIRST, 'raise ValueError("内部细节 internal detail")', NEVER)
    runs = root / "overview-runs"
    _notebook(
        boards / "overview.ipynb",
        "import pathlib, time\n"
        f"mark = pathlib.Path({str(runs)!r})\n"
        "run = len(mark.read_text()) + 1 if mark.exists() else 1\n"
        "mark.write_text('x' * run)\n"
        "time.sleep(30 if run == 1 else 0)",
        'from IPython.display import HTML, display\ndisplay(HTML(f"<p data-testid=run>run {run}</p>"))',
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}

    def command(port: int) -> list[str]:
        return serve_command(
            "--workspace",
            str(ws),
            "--port",
            str(port),
            "--timeout",
            "3",
            "--pool-size",
            "0",
            "--overview-pool",
            "1",
            "--refill-wait",
            "5",
        )

    with served(command, "serve-faults.log", cwd=TEST_OUTPUT, env=env) as url:
        yield url, TEST_OUTPUT / "serve-faults.log", finished, runs


def _open(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1200, "height": 1200})
    page = ctx.new_page()
    page.goto(url, wait_until="commit")
    return ctx, page


def test_a_part_out_of_time_says_so_with_a_reload_link_and_its_cell_is_stopped(faulty, browser):
    url, log, finished, _ = faulty
    started = time.monotonic()
    ctx, page = _open(browser, f"{url}/voila/render/sleepy.ipynb")
    try:
        notice = page.wait_for_selector("[data-testid=page-fault]", timeout=60_000)
        text = notice.inner_text()
        assert TIMEOUT_TEXT.format(seconds=3) in text.replace("⚠ ", "")
        assert page.locator("[data-testid=first]").count() == 1  # what came before stays
        body = page.content()
        assert "never shown" not in body
        assert not [a for a in VOILA_ADVICE if a in body], "Voila's command-line advice shown"
        with page.expect_navigation(timeout=60_000):  # the button reloads the page itself
            page.click("[data-testid=reload]")
        page.wait_for_selector("[data-testid=page-fault]", timeout=60_000)
    finally:
        ctx.close()
    # the first page's cell would have finished 12 s after it started: it was interrupted
    time.sleep(max(0.0, started + 16 - time.monotonic()))
    assert not finished.exists(), "the cell out of time went on running in its kernel"


def test_a_part_that_fails_says_so_and_the_details_are_in_the_log_only(faulty, browser):
    url, log, _, _ = faulty
    ctx, page = _open(browser, f"{url}/voila/render/broken.ipynb")
    try:
        notice = page.wait_for_selector("[data-testid=page-fault]", timeout=60_000)
        assert ERROR_TEXT in notice.inner_text().replace("⚠ ", "")
        body = page.content()
        assert "internal detail" not in body and "ValueError" not in body
        assert "never shown" not in body
        assert not [a for a in VOILA_ADVICE if a in body], "Voila's command-line advice shown"
    finally:
        ctx.close()
    assert "内部细节 internal detail" in log.read_text(errors="replace")


def test_a_preheated_run_out_of_time_is_replaced_before_a_page_gets_it(faulty, browser):
    url, log, _, runs = faulty
    deadline = time.monotonic() + 120
    text = ""
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "ran out of time" in text and runs.exists() and len(runs.read_text()) >= 2:
            break
        time.sleep(1)
    assert "A preheated kernel of" in text and "shut down and replaced" in text, text[-3000:]
    time.sleep(3)  # the second run (no sleep) has finished in its pool
    ctx, page = _open(browser, f"{url}/voila/render/overview.ipynb")
    try:
        assert page.wait_for_selector("[data-testid=run]", timeout=60_000).inner_text() == "run 2"
        assert page.locator("[data-testid=page-fault]").count() == 0
    finally:
        ctx.close()
    assert "Using pre-heated kernel" in log.read_text(errors="replace")
