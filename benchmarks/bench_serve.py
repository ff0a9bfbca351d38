"""Load test: managers opening the overview at once on `revisitkit serve` (loopback only).

Starts ``revisitkit serve`` on a free loopback port with preheated kernels and a short culling
interval, waits until the preheated kernels are ready and the machine is idle, then N managers
(default 20) open the overview at once, wait until it is fully rendered and move the region
filter. Two kinds of manager:

* ``--clients chromium`` (default): one Chromium browser context each, on this machine. Timed
  inside the page (a MutationObserver): fully rendered = the filter's status line, a chart and
  no loading spinner; widget response = filter change until the status line shows it. The
  browsers share the server's CPU, as they would not at the managers' own desks.
* ``--clients protocol``: the server's side of each page on the wire, as for managers whose
  browsers run on their own desks: the page, every script and style a cold browser fetches for it
  (recorded once from a real Chromium page, fetched six at a time), the kernel's websocket and
  the widgets' full state (page complete); widget response = the filter's update sent on the
  widget's comm until the status line's new value comes back.

Reported: p50 / p95 full render and widget response, failed pages, resident memory of the server
and each kernel while the pages are open, memory after the culling interval once they are
closed, and the CPU seconds the server, the kernels, Chromium and everything else used meanwhile.

Bounded: at most ``--managers`` pages, a ``--deadline`` for the whole run (pages not rendered by
then count as failed), and the server is stopped at the end whatever happens.

Usage::

    .venv/bin/python benchmarks/bench_serve.py [--managers 20] [--overview-pool 20]
        [--clients chromium|protocol]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from revisitkit.kernelpool import cpu_times

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_until_up(url: str, tries: int = 200) -> None:
    """Until the server at ``url`` answers (at most ``tries`` attempts, 0.3 s apart)."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return
        except OSError:
            time.sleep(0.3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(pid: int) -> tuple[float, list[float]]:
    """RSS (MB) of the server process and of each kernel (processes whose command line is
    ipykernel_launcher) below it."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,rss,args"], capture_output=True, text=True).stdout
    rows = [line.split(None, 3) for line in out.splitlines()[1:]]
    children: dict[int, list[int]] = {}
    info = {}
    for p, pp, rss, args in (r for r in rows if len(r) == 4):
        children.setdefault(int(pp), []).append(int(p))
        info[int(p)] = (float(rss) / 1024, args)
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += children.get(p, [])
    server = sum(info[p][0] for p in seen if p in info and "ipykernel" not in info[p][1])
    kernels = [info[p][0] for p in seen if p in info and "ipykernel_launcher" in info[p][1]]
    return server, kernels


def cpu_by_part(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the Voila server process, its kernels, Chromium, and (as "all")
    the whole machine, from /proc (clock ticks, not ps's whole seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    parts = {"server": 0.0, "kernels": 0.0, "chromium": 0.0}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if int(proc.name) == server_pid or (ppid == server_pid and "voila" in args):
            parts["server"] += used
        elif "ipykernel_launcher" in args:
            parts["kernels"] += used
        elif "chrom" in args.split(" ", 1)[0]:
            parts["chromium"] += used
    times = cpu_times()
    if times is not None:
        parts["all"] = (times[1] - times[0]) / tick
    return parts


def wait_until_quiet(server_pid: int, kernels: int, limit: float = 600) -> None:
    """Until at least *kernels* kernels run and the machine is 90 % idle over 2 s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        before = cpu_times()
        time.sleep(2)
        after = cpu_times()
        idle = (after[0] - before[0]) / max(1.0, after[1] - before[1]) if before and after else 1
        if len(tree_rss(server_pid)[1]) >= kernels and idle >= 0.9:
            return


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# Timed inside the page (a MutationObserver, milliseconds since the navigation started), so
# the benchmark's own polling neither adds latency nor takes CPU from the pages it measures.
WATCH = """
(() => {
  const mark = () => {
    const status = document.querySelector('[data-testid=filter-status]');
    if (!window.__rendered && status && !document.querySelector('#loading')
        && document.querySelector('.widget-output img')) window.__rendered = performance.now();
    if (window.__want && status && status.innerText.includes(window.__want)
        && !window.__changed) window.__changed = performance.now();
  };
  new MutationObserver(mark).observe(document, {childList: true, subtree: true,
                                                characterData: true});
})();
"""
CHOOSE = """(label) => {
  const select = [...document.querySelectorAll('.widget-dropdown')]
    .find(d => d.innerText.includes('区域 Region')).querySelector('select');
  window.__want = label.replace(/\u00a0/g, ' ');  // ipywidgets shows spaces as no-break spaces
  window.__asked = performance.now();
  select.value = [...select.options].find(o => o.text === label).value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
}"""


async def manager(browser, url: str, deadline: float, i: int) -> dict:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 2000})
    await ctx.add_init_script(WATCH)
    page = await ctx.new_page()
    page.set_default_timeout(max(1.0, deadline - time.monotonic()) * 1000)
    out = {"ok": False}
    console: list[str] = []  # the page's last words, for a failed page
    page.on("console", lambda m: console.append(m.text[:100]))
    try:
        await page.goto(f"{url}/voila/render/overview.ipynb", wait_until="commit")
        await page.wait_for_function("() => window.__rendered", polling=1000)
        out["render"] = await page.evaluate("() => window.__rendered") / 1000
        options = await page.evaluate(
            """() => [...[...document.querySelectorAll('.widget-dropdown')]
                .find(d => d.innerText.includes('区域 Region')).querySelectorAll('option')]
                .map(o => o.text)"""
        )
        await page.evaluate(CHOOSE, options[1 + i % (len(options) - 1)])
        await page.wait_for_function("() => window.__changed", polling=500)
        out["widget"] = await page.evaluate("() => (window.__changed - window.__asked) / 1000")
        out["ok"] = True
    except Exception as e:  # a failed page is a result, not a crash of the benchmark
        stage = "widget" if "render" in out else "render"
        out["error"] = f"{stage}: {type(e).__name__}: {str(e)[:80]} | " + " | ".join(console[-3:])
    out["page"], out["ctx"] = page, ctx
    return out


# -- managers whose browsers are on their own desks: the server's side of a page, on the wire ---


def _message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "username": "manager",
        "session": session,
        "date": datetime.now(UTC).isoformat(),
        "msg_type": msg_type,
        "version": "5.3",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def _decode(frame: str | bytes) -> dict:
    if isinstance(frame, str):
        return json.loads(frame)
    # a message with binary buffers: count, offsets, then the JSON part and the buffers
    n = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{n}I", frame[4 : 4 + 4 * n])
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0] : end].decode("utf-8"))


async def wire_manager(url: str, assets: list[str], deadline: float, i: int) -> dict:
    """What the server does for one manager's page, without a browser: the page, every script and
    style a browser fetches for it (six at a time, as a browser does), the kernel's websocket and
    the widgets' full state (page complete), then the region filter moved until the status line
    shows it (widget response)."""
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    http = AsyncHTTPClient(force_instance=True, max_clients=6)
    out: dict = {"ok": False}
    left = lambda: max(1.0, deadline - time.monotonic())  # noqa: E731
    try:
        t0 = time.monotonic()
        page = await http.fetch(f"{url}/voila/render/overview.ipynb", request_timeout=left())
        kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page.body.decode()).group(1)
        await asyncio.gather(*(http.fetch(a, request_timeout=left()) for a in assets))
        session = uuid.uuid4().hex
        ws = await websocket_connect(
            f"{url.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?session_id={session}",
            connect_timeout=left(),
        )
        out["ws"] = ws

        async def until(test):
            while True:
                frame = await asyncio.wait_for(ws.read_message(), left())
                if frame is None:
                    raise ConnectionError("the kernel's websocket closed")
                m = _decode(frame)
                if test(m):
                    return m

        control = uuid.uuid4().hex
        await ws.write_message(
            _message(
                "comm_open",
                {"comm_id": control, "data": {}, "target_name": "jupyter.widget.control"},
                session,
                {"version": "1.0.0"},
            )
        )
        await ws.write_message(
            _message(
                "comm_msg", {"comm_id": control, "data": {"method": "request_states"}}, session
            )
        )
        states = await until(
            lambda m: m["header"]["msg_type"] == "comm_msg" and m["content"]["comm_id"] == control
        )
        out["render"] = time.monotonic() - t0
        models = states["content"]["data"]["states"]
        region = next(
            k
            for k, v in models.items()
            if v["model_name"] == "DropdownModel"
            and "区域 Region" in v["state"].get("description", "")
        )
        status = next(
            k
            for k, v in models.items()
            if v["model_name"] == "HTMLModel"
            and 'data-testid="filter-status"' in v["state"].get("value", "")
        )
        labels = models[region]["state"]["_options_labels"]
        index = 1 + i % (len(labels) - 1)
        t1 = time.monotonic()
        await ws.write_message(
            _message(
                "comm_msg",
                {
                    "comm_id": region,
                    "data": {"method": "update", "state": {"index": index}, "buffer_paths": []},
                },
                session,
            )
        )
        await until(
            lambda m: (
                m["header"]["msg_type"] == "comm_msg"
                and m["content"]["comm_id"] == status
                and labels[index] in m["content"]["data"].get("state", {}).get("value", "")
            )
        )
        out["widget"] = time.monotonic() - t1
        out["ok"] = True
    except Exception as e:  # a failed page is a result, not a crash of the benchmark
        out["error"] = f"{type(e).__name__}: {str(e)[:120]}"
    finally:
        http.close()
    return out


async def record_assets(browser, url: str) -> list[str]:
    """The scripts and styles a cold browser fetches for a dashboard page (the segmentation page,
    so that no preheated overview kernel is used up)."""
    ctx = await browser.new_context()
    page = await ctx.new_page()
    seen: list[str] = []
    page.on("requestfinished", lambda r: seen.append(r.url))
    await page.goto(f"{url}/voila/render/segmentation.ipynb")
    await page.wait_for_selector("[data-testid=filter-status]", timeout=300_000)
    await ctx.close()
    return [
        u
        for u in dict.fromkeys(seen)
        if u.startswith(url) and "/voila/render/" not in u and "/api/" not in u
    ]


async def run(args) -> None:
    from playwright.async_api import async_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}
    env["REVISITKIT_STORE"] = str(ROOT / "test-output" / "no-store" / "revisitkit.db")
    log = open(ROOT / "benchmarks" / "out" / "serve.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "revisitkit",
            "serve",
            "--port",
            str(port),
            "--pool-size",
            str(args.pool_size),
            "--overview-pool",
            str(args.overview_pool),
            "--refill-wait",
            str(args.refill_wait),
            "--cull-idle",
            str(args.cull_idle),
            "--cull-interval",
            "5",
        ],
        cwd=ROOT / "test-output",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(url)
        # preheated kernels run the dashboards before anyone comes: wait until they are idle
        n_dash = len(list((ROOT / "dashboards").glob("*.ipynb")))
        expected = args.pool_size * (n_dash - 1) + args.overview_pool
        t0 = time.monotonic()
        wait_until_quiet(server.pid, expected)
        preheat = time.monotonic() - t0

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            if args.clients == "protocol":
                assets = await record_assets(browser, url)
                await browser.close()
                wait_until_quiet(server.pid, expected)  # the used segmentation kernel refilled
            base_server, base_kernels = tree_rss(server.pid)
            baseline = base_server + sum(base_kernels)
            print(
                f"server ready: {len(base_kernels)} preheated kernels, {baseline:,.0f} MB in "
                f"all ({preheat:.0f} s to preheat); clients: {args.clients}"
            )
            cpu0, wall0 = cpu_by_part(server.pid), time.monotonic()
            deadline = time.monotonic() + args.deadline
            if args.clients == "protocol":
                results = await asyncio.gather(
                    *(wire_manager(url, assets, deadline, i) for i in range(args.managers))
                )
            else:
                results = await asyncio.gather(
                    *(manager(browser, url, deadline, i) for i in range(args.managers))
                )
            during_server, during_kernels = tree_rss(server.pid)
            cpu1, wall = cpu_by_part(server.pid), time.monotonic() - wall0
            for r in results:
                if "ctx" in r:
                    await r["ctx"].close()
                if "ws" in r:
                    r["ws"].close()
            if args.clients == "chromium":
                await browser.close()
        renders = [r["render"] for r in results if "render" in r]
        widgets = [r["widget"] for r in results if "widget" in r]
        failed = [r.get("error", "") for r in results if not r["ok"]]
        time.sleep(args.cull_idle + 15)  # the culling interval, and a margin
        after_server, after_kernels = tree_rss(server.pid)
        after = after_server + sum(after_kernels)
        print(
            "\n| managers | pool | full render p50 | p95 | widget p50 | p95 | failed | "
            "kernels open | MB per kernel | server + kernels | after culling | baseline |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        per = statistics.mean(during_kernels) if during_kernels else float("nan")
        print(
            f"| {args.managers} | {args.pool_size} | {pct(renders, 0.5):.1f} s | "
            f"{pct(renders, 0.95):.1f} s | {pct(widgets, 0.5):.2f} s | {pct(widgets, 0.95):.2f} s | "
            f"{len(failed)} | {len(during_kernels)} | {per:,.0f} | "
            f"{during_server + sum(during_kernels):,.0f} MB | {after:,.0f} MB | {baseline:,.0f} MB |"
        )
        used = {k: cpu1[k] - cpu0[k] for k in cpu0}
        if "all" in used:
            used["other"] = used.pop("all") - sum(used.values())
        print(
            f"CPU seconds while the pages opened ({wall:.0f} s wall, {2 * wall:.0f} core-seconds "
            "on 2 cores): " + ", ".join(f"{k} {v:.0f}" for k, v in used.items())
        )
        for f in failed[:5]:
            print("failed:", f)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument(
        "--clients",
        choices=["chromium", "protocol"],
        default="chromium",
        help="a Chromium page per manager on this machine, or the server's side "
        "of each page on the wire (browsers on the managers' own desks)",
    )
    parser.add_argument("--pool-size", type=int, default=1)
    parser.add_argument("--overview-pool", type=int, default=20)
    parser.add_argument("--refill-wait", type=int, default=120)
    parser.add_argument("--cull-idle", type=int, default=120)
    parser.add_argument("--deadline", type=float, default=240, help="seconds for all pages")
    args = parser.parse_args()
    (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
    (ROOT / "test-output").mkdir(exist_ok=True)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
