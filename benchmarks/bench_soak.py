"""Soak: dashboard pages loaded again and again in Chromium, every stall counted (loopback only).

Starts ``revisitkit serve`` on a free loopback port (preheating off unless ``--pool-size``), on
the bundled sample or on a generated data set (``--seed``/``--customers``: the sample generator
with another seed and size), then loads the five dashboards in turn in one Chromium, a fresh
page each time, until ``--loads`` loads or ``--minutes`` have passed. A load completes when
Voila has finished the page (no loading spinner) and its last output is in; a load that has not
completed after ``--stall`` seconds is a stall. Each load is written as one JSON line to
``benchmarks/out/soak.jsonl`` (dashboard, seconds, completed or stalled); the summary counts
the stalls per dashboard.

``--plain-voila`` serves with ``python -m voila`` instead (Voila's own waits for kernel
messages, without :mod:`revisitkit.kernelwait`): the control arm, where the lost wake-ups of
issue 16 show. The summary counts the lost wake-ups the kit's server picked up (its log says
so for each one).

``--trace`` puts ``benchmarks/soak_trace`` on the server's PYTHONPATH: the server and every
kernel write each message they send or receive (type, id, parent; no content) to
``benchmarks/out/soak-trace/<pid>.jsonl``. For each stall the summary follows the stalled
cell's execute request: sent by the server, received by the kernel, replied to by the kernel,
the reply received by the server, and whether the server's socket held a message its wait did
not return (a lost wake-up).

Usage::

    .venv/bin/python benchmarks/bench_soak.py [--loads 100] [--minutes 30] [--stall 60]
        [--seed 11 --customers 1200] [--pool-size 0] [--plain-voila] [--trace]
        [--only staffing]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench_serve import ARGS, CHROMIUM, free_port, wait_until_up

from revisitkit.serve import template_env, template_options

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
DASHBOARDS = ["overview", "segmentation", "staffing", "budget", "risks"]
FILES = {"CUSTOMERS": "customers", "STAFF": "roster", "ACTUALS": "actuals"}
FILES |= {"OUTCOMES": "outcomes", "PROBLEMS": "problems"}
#: done: Voila has finished executing the page: its outputs are in and the spinner is gone
DONE = (
    "() => document.querySelector('.jp-OutputArea-output') && !document.querySelector('#loading')"
)


def server_env(args, trace: Path | None) -> dict[str, str]:
    env = template_env({k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")})
    env["REVISITKIT_STORE"] = str(OUT / "soak-no-store" / "revisitkit.db")
    if args.seed is not None:
        folder = OUT / f"soak-data-{args.seed}-{args.customers}"
        if not (folder / "customers.csv").exists():
            subprocess.run(
                [sys.executable, "-m", "revisitkit", "sample", "--out", str(folder)]
                + ["--seed", str(args.seed), "--customers", str(args.customers)],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
        env.update({f"REVISITKIT_{k}": str(folder / f"{v}.csv") for k, v in FILES.items()})
    if trace is not None:
        env["REVISITKIT_SOAK_TRACE"] = str(trace)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "benchmarks" / "soak_trace"), *filter(None, [env.get("PYTHONPATH")])]
        )
    return env


def follow_stall(trace: Path, started: float, ended: float) -> list[str]:
    """What happened to the execute requests the server sent during a stalled load: for each
    one without a reply received, how far it got."""
    records = []
    for file in trace.glob("*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line being written when the file was read
    server = [r for r in records if r["role"] == "server"]
    kernel = [r for r in records if r["role"] == "kernel"]
    sent = [
        r
        for r in server
        if r["dir"] == "send" and r["type"] == "execute_request" and started <= r["t"] <= ended
    ]
    lines = []
    for request in sent:
        mid = request["id"]
        replied_in_server = any(
            r["dir"] == "recv" and r["type"] == "execute_reply" and r["parent"] == mid
            for r in server
        )
        if replied_in_server:
            continue
        got = [r for r in kernel if r["dir"] == "recv" and r["id"] == mid]
        replies = [
            r
            for r in kernel
            if r["dir"] == "send" and r["type"] == "execute_reply" and r["parent"] == mid
        ]
        idle = [
            r for r in kernel if r["dir"] == "send" and r["type"] == "status" and r["parent"] == mid
        ]
        waits = [
            r
            for r in server
            if r["dir"] == "wait" and r["session"] == request["session"] and r["t"] >= request["t"]
        ]
        waited = ", ".join(f"{w['waited']} s pollin={w['pollin']}" for w in waits[:4])
        lines.append(
            f"execute_request {mid[:8]} (server t={request['t'] - started:.1f} s): "
            f"kernel received {'yes' if got else 'NO'}"
            + (f" (pid {got[0]['pid']}, t={got[0]['t'] - started:.1f} s)" if got else "")
            + f"; kernel sent execute_reply {'yes' if replies else 'NO'}"
            + (
                f" (t={replies[0]['t'] - started:.1f} s, thread {replies[0]['thread']})"
                if replies
                else ""
            )
            + f"; status messages for it {len(idle)}"
            + "; server never received the reply"
            + (f"; server waits: {waited}" if waits else "")
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=100, help="page loads at most (100)")
    parser.add_argument("--minutes", type=float, default=30, help="minutes at most (30)")
    parser.add_argument("--stall", type=float, default=60, help="seconds before a load is a stall")
    parser.add_argument("--seed", type=int, default=None, help="a generated data set's seed")
    parser.add_argument("--customers", type=int, default=1200, help="its customers (1200)")
    parser.add_argument("--pool-size", type=int, default=0, help="preheated kernels (0)")
    parser.add_argument("--only", action="append", choices=DASHBOARDS, help="these dashboards")
    parser.add_argument("--trace", action="store_true", help="record every kernel message")
    parser.add_argument(
        "--plain-voila", action="store_true", help="python -m voila (no kernelwait fix)"
    )
    args = parser.parse_args()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    trace = OUT / "soak-trace" if args.trace else None
    if trace is not None:
        shutil.rmtree(trace, ignore_errors=True)
        trace.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(OUT / "soak-serve.log", "w")  # noqa: SIM115
    if args.plain_voila:
        command = [sys.executable, "-m", "voila", "dashboards/", "--no-browser"]
        command += [f"--port={port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=False"]
        command += ["--MappingKernelManager.cull_idle_timeout=120", *template_options()]
    else:
        command = [sys.executable, "-m", "revisitkit", "serve", "--port", str(port)]
        command += ["--pool-size", str(args.pool_size), "--overview-pool", str(args.pool_size)]
        command += ["--cull-idle", "120", "--cull-interval", "10"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=server_env(args, trace),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    names = args.only or DASHBOARDS
    results = []
    out = open(OUT / "soak.jsonl", "w", encoding="utf-8")  # noqa: SIM115
    deadline = time.monotonic() + args.minutes * 60
    try:
        wait_until_up(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            for i in range(args.loads):
                if time.monotonic() > deadline:
                    break
                name = names[i % len(names)]
                page = context.new_page()
                started = time.time()
                try:
                    page.goto(f"{url}/voila/render/{name}.ipynb", wait_until="commit")
                    page.wait_for_function(DONE, timeout=args.stall * 1000)
                    outcome = "completed"
                except PlaywrightTimeout:
                    outcome = "stalled"
                seconds = time.time() - started
                page.close()
                row = {"load": i + 1, "dashboard": name, "seconds": round(seconds, 2)}
                row["outcome"] = outcome
                if outcome == "stalled" and trace is not None:
                    time.sleep(25)  # the server's 20 s wait check writes its line
                    row["trace"] = follow_stall(trace, started, started + seconds)
                results.append(row)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                print(f"{i + 1:4d} {name:13s} {outcome:9s} {seconds:6.1f} s", flush=True)
                for line in row.get("trace", []):
                    print("       " + line, flush=True)
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
    stalls = Counter(r["dashboard"] for r in results if r["outcome"] == "stalled")
    loads = Counter(r["dashboard"] for r in results)
    log.close()
    picked = (OUT / "soak-serve.log").read_text(encoding="utf-8", errors="replace")
    picked = picked.count("was waiting when its poll timed out")
    print(f"\n{len(results)} loads, {sum(stalls.values())} stalled")
    if not args.plain_voila:
        print(f"lost wake-ups picked up by revisitkit.kernelwait: {picked}")
    for name in names:
        times = sorted(
            r["seconds"] for r in results if r["dashboard"] == name and r["outcome"] == "completed"
        )
        median = times[len(times) // 2] if times else float("nan")
        print(
            f"  {name:13s} {loads[name]:4d} loads  {stalls[name]:3d} stalled  median {median:5.1f} s"
        )


if __name__ == "__main__":
    main()
