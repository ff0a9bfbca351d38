"""Benchmark: the staffing what-if as a manager waits for it — in a real browser.

``bench_whatif.py`` times the recompute inside Python. This one serves the dashboards with
Voila on the bundled sample (loopback only), opens the staffing dashboard in Debian's
Chromium (Playwright) and, for each scenario of ``bench_whatif.SCENARIOS`` reached from the
one before by typing a headcount, picking the hours or ticking the reserve pool, measures in
the page's own clock (``performance.now()``):

* **numbers** — from the input change until the status line names the new scenario (the
  tiles, the tables and the gap section are drawn before it);
* **charts** — until the charts carry the new scenario's label and their images.

Each scenario is visited ``--repeat`` times (going back to the baseline in between); medians
are printed as a Markdown table.

Usage::

    .venv/bin/python benchmarks/bench_whatif_browser.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_serve import ARGS, CHROMIUM, free_port, wait_until_up
from bench_whatif import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]

# resolves when the status line names `label` (numbers) and when the charts carry it (charts)
WAIT = """
async ([label, t0]) => {
  const until = (test) => new Promise((resolve) => {
    const check = () => { if (test()) { resolve(performance.now()); return true; } };
    if (check()) return;
    const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true,
                                attributes: true});
  });
  const status = () => {
    const s = document.querySelector('[data-testid=filter-status]');
    return s && s.innerText.includes('情景 Scenario: ' + label + ' —');
  };
  const charts = () => {
    const c = document.querySelector('[data-section=charts]');
    if (!c || c.getAttribute('data-scenario') !== label) return false;
    const area = c.closest('.jp-OutputArea, .output_area') || document.body;
    return area.querySelectorAll('img').length >= 2;
  };
  const numbers = await until(status);
  const drawn = await until(charts);
  return [numbers - t0, drawn - t0];
}
"""


def label_of(heads: dict, hours: float, reserve: bool, base: dict, roles: dict) -> str:
    parts = [f"{roles[r].split(' ')[0]} {base[r]}→{n}" for r, n in heads.items()]
    if hours:
        parts.append(f"每日 {hours:g} h")
    if reserve:
        parts.append("储备池 reserve on")
    return " · ".join(parts) or "基线 baseline"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from revisitkit.staffing import headcount_of
    from revisitkit.workspace import load_staff, load_workspace

    env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}
    ws = load_workspace()
    base = headcount_of(load_staff(ws.config), ws.config)
    roles = ws.config.staffing.roles
    env["REVISITKIT_STORE"] = str(ROOT / "test-output" / "no-store" / "revisitkit.db")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "whatif-browser.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "revisitkit.voila_guard",
            "dashboards/",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--show_tracebacks=False",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 2400})
            page.set_default_timeout(180_000)
            started = time.perf_counter()
            page.goto(f"{url}/voila/render/staffing.ipynb", wait_until="commit")
            page.locator("[data-testid=filter-status]").wait_for()
            print(
                f"page open (kernel start, baseline plan and gap): {time.perf_counter() - started:.1f} s\n"
            )

            def actions(heads: dict, hours: float, reserve: bool) -> list:
                """(change one control, the scenario's label after it), in page order."""
                out, done_heads, done_hours = [], {}, 0.0
                for role, n in base.items():
                    if n and heads.get(role, n) != n:
                        box = page.locator(
                            ".widget-inline-hbox", has_text=roles[role].split(" ")[0]
                        ).locator("input")

                        def typed(box=box, value=str(heads[role])):
                            box.fill(value)
                            box.press("Enter")

                        done_heads = {**done_heads, role: heads[role]}
                        out.append((typed, label_of(done_heads, 0.0, False, base, roles)))
                if hours:
                    select = page.locator(".widget-dropdown", has_text="每日小时").locator("select")
                    done_hours = hours
                    out.append(
                        (
                            lambda: select.select_option(label=f"{hours:g} h"),
                            label_of(done_heads, done_hours, False, base, roles),
                        )
                    )
                if reserve:
                    out.append(
                        (
                            lambda: page.get_by_text("储备池 Reserve pool").click(),
                            label_of(done_heads, done_hours, True, base, roles),
                        )
                    )
                return out

            def settled(label: str) -> None:
                page.wait_for_function(
                    "label => { const s = document.querySelector('[data-testid=filter-status]');"
                    " const c = document.querySelector('[data-section=charts]');"
                    " return s && s.innerText.includes('情景 Scenario: ' + label + ' —')"
                    " && c && c.getAttribute('data-scenario') === label; }",
                    arg=label,
                )

            rows = []
            for name, heads, hours, reserve in SCENARIOS[1:]:
                numbers, charts = [], []
                for _ in range(args.repeat):
                    page.get_by_role("button", name="重置 Reset").click()
                    settled("基线 baseline")
                    steps = actions(heads, hours, reserve)
                    for step, after in steps[:-1]:  # the controls before the last: not timed
                        step()
                        settled(after)
                    step, label = steps[-1]
                    page.evaluate(
                        f"() => {{ window.__rk = ({WAIT})([{label!r}, performance.now()]); }}"
                    )
                    step()
                    a, b = page.evaluate("() => window.__rk")
                    numbers.append(a / 1000)
                    charts.append(b / 1000)
                rows.append((name.strip(), statistics.median(numbers), statistics.median(charts)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("| scenario (the last control change timed) | numbers drawn | charts drawn |")
    print("|---|---:|---:|")
    for name, a, b in rows:
        print(f"| {name} | {a:.2f} s | {b:.2f} s |")


if __name__ == "__main__":
    main()
