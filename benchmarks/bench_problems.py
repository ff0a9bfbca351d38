"""Benchmark: the problem hand-off — ``revisitkit problems import`` and ``problems list --overdue``.

Targets (issue 18): importing 100,000 new problems into an empty store in at most 10 s, and
listing the overdue ones of that store (``--as-of "2027-01-10 18:00"``) in at most 1 s. Three
measurements per size and repeat, each in a fresh store:

* ``import``: the file into an empty store (every row added);
* ``import again``: the same file into that store (idempotent: 0 added, every row unchanged);
* ``list --overdue``: the overdue problems of that store, printed in full (to ``/dev/null``:
  the table is still rendered and written, a terminal would only be slower).

The problems are synthetic and seeded (:func:`new_problems`): grades A 5% / B 30% / C 65%, the
five categories, raised on weekdays 09:00–18:00 from 2026-12-01 to 2027-01-08 (the as-of moment
is the Sunday evening after); most responded to, solved and confirmed with the customer (是/否,
sometimes left blank), some still open and overdue (about a fifth); a third without a problem
id (the kit derives one from the customer, the moment raised and the description, so each
description carries its row number). The file is written as the kit's sample writer writes it
(:func:`revisitkit.sample.to_problems_export`, :func:`revisitkit.io.write_csv`): Chinese
headers, UTF-8 with BOM.

Each run is a fresh Python process, so its peak memory is its own: the process's high-water
resident set (``VmHWM``, interpreter and libraries included). "inside" is timed around
``revisitkit.cli.main([...])`` in that process, after imports; "command" is the whole process,
start-up included, as a user waits for it. "start-up" is ``python -c "import revisitkit.cli"``
alone (and what ``-X importtime`` says costs most in it). Every output is checked: the counts
the import reports, and the overdue count and the rows printed against the file's own
(computed here, independently of the kit).

The machine's CPUs may be shared with other work: the figures are wall times, not CPU times.

Usage::

    .venv/bin/python benchmarks/bench_problems.py [--sizes 10000 30000 100000] [--repeat 3]

Results are printed as a Markdown table and saved to ``benchmarks/out/problems.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
AS_OF = "2027-01-10 18:00"

PROBE = """
import contextlib, io, json, os, sys, time
t0 = time.perf_counter()
from revisitkit.cli import main
t1 = time.perf_counter()

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

class Sink(io.TextIOBase):
    # stdout to /dev/null, keeping its first characters and counting its lines
    def __init__(self):
        self.null = open(os.devnull, "w", encoding="utf-8")
        self.head, self.chars, self.lines = "", 0, 0
    def writable(self):
        return True
    def write(self, s):
        if len(self.head) < 2000:
            self.head += s[:2000]
        self.chars += len(s)
        self.lines += s.count("\\n")
        return self.null.write(s)

sink = Sink()
with contextlib.redirect_stdout(sink):
    t2 = time.perf_counter()
    code = main(json.loads(sys.argv[1]))
    t3 = time.perf_counter()
sink.null.close()
print(json.dumps({"code": code, "imports_s": t1 - t0, "seconds": t3 - t2,
                  "peak_mb": peak_mb(), "head": sink.head[:2000],
                  "chars": sink.chars, "lines": sink.lines}))
"""

_TEXTS = {
    "product": ("设备偶发停机，需技术排查", "软件升级后报表无法导出", "部件磨损快，希望更换方案"),
    "service": ("售后响应慢，希望指定专人", "希望增加操作培训", "工单进度不透明"),
    "delivery": ("交付周期偏长", "到货缺件", "安装排期延误"),
    "price": ("价格敏感，希望年度框架价", "发票流程繁琐"),
    "other": ("合同续签流程咨询",),
}
_OWNERS = (*(f"S{i:03d}" for i in range(1, 41)), "技术支持部", "售后服务部", "交付中心")


def _minutes(hours: np.ndarray) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.round(hours * 60).astype(np.int64), unit="min")


def new_problems(n: int, config, seed: int = 18) -> pd.DataFrame:
    """*n* valid problems, seeded, as canonical fields (:data:`revisitkit.schema.PROBLEM_FIELDS`)."""
    from revisitkit.schema import PROBLEM_FIELDS

    pc = config.problems
    as_of = pd.Timestamp(AS_OF)
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2026-12-01", "2027-01-10").to_numpy()
    raised = pd.DatetimeIndex(rng.choice(days, n)) + pd.to_timedelta(
        rng.integers(9 * 60, 18 * 60, n), unit="min"
    )
    grade = rng.choice(["A", "B", "C"], n, p=[0.05, 0.30, 0.65])
    limit = pd.Series(grade).map(pc.response_hours()).to_numpy(dtype=float)
    late = rng.random(n) < 0.125  # one response in eight past its grade's hours
    respond_h = limit * np.where(late, rng.uniform(1.05, 2.5, n), rng.uniform(0.1, 0.9, n))
    solve_h = pc.solution_hours * np.where(
        rng.random(n) < 0.15, rng.uniform(1.05, 2.0, n), rng.uniform(0.3, 0.95, n)
    )
    solve_h = np.maximum(solve_h, respond_h + 0.5)
    verify_h = solve_h + rng.uniform(4, pc.follow_up_days * 24 * 1.2, n)
    responded, solved = raised + _minutes(respond_h), raised + _minutes(solve_h)
    verified = raised + _minutes(verify_h)
    # some stall at each step; nothing has happened after the as-of moment
    has_response = (rng.random(n) >= 0.05) & (responded <= as_of)
    has_solution = has_response & (rng.random(n) >= 0.08) & (solved <= as_of)
    has_check = has_solution & (rng.random(n) >= 0.10) & (verified <= as_of)
    said = rng.choice(np.array([True, False, None], dtype=object), n, p=[0.80, 0.08, 0.12])
    category = rng.choice(list(_TEXTS), n, p=[0.40, 0.25, 0.20, 0.10, 0.05])
    pick = rng.integers(0, 1_000, n)
    phone = rng.random(n) < 0.05
    description = [
        f"{_TEXTS[c][k % len(_TEXTS[c])]}{'，请回电13812345678' if p else ''} #{i + 1}"
        for i, (c, k, p) in enumerate(zip(category, pick, phone, strict=True))
    ]
    frame = pd.DataFrame(
        {
            "problem_id": np.where(rng.random(n) < 1 / 3, "", [f"WD{i + 1:07d}" for i in range(n)]),
            "customer_id": [f"C{k:06d}" for k in rng.integers(1, 20_001, n)],
            "raised_at": raised,
            "grade": grade,
            "category": category,
            "description": description,
            "owner": rng.choice(_OWNERS, n),
            "responded_at": responded.where(has_response),
            "solved_at": solved.where(has_solution),
            "verified_at": verified.where(has_check),
            "verified_ok": pd.array(np.where(has_check, said, None), dtype="boolean"),
            "notes": np.where(rng.random(n) < 0.1, "客户要求电话回访", ""),
        }
    )
    return frame[list(PROBLEM_FIELDS)]


def overdue_count(frame: pd.DataFrame, config) -> int:
    """The overdue problems of *frame* at :data:`AS_OF`, on the calendar clock (every hour)."""
    pc = config.problems
    assert pc.clock == "calendar", "the check below counts calendar hours"
    as_of = pd.Timestamp(AS_OF)
    hours = pd.to_timedelta(frame["grade"].map(pc.response_hours()).astype(float), unit="h")
    response = frame["responded_at"].isna() & (frame["raised_at"] + hours < as_of)
    solution = frame["solved_at"].isna() & (
        frame["raised_at"] + pd.Timedelta(hours=pc.solution_hours) < as_of
    )
    follow_up = (
        frame["solved_at"].notna()
        & frame["verified_at"].isna()
        & (frame["solved_at"] + pd.Timedelta(hours=pc.follow_up_days * 24) < as_of)
    )
    return int((response | solution | follow_up).sum())


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}
    return env | {"PYTHONPATH": str(ROOT)}


def probe(argv: list[str]) -> dict:
    """``revisitkit.cli.main(argv)`` in a fresh interpreter; the whole process is timed too."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=_env(),
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise RuntimeError(f"{argv} exited {result['code']}:\n{done.stderr[-3000:]}")
    return result | {"command_s": wall, "stderr": done.stderr.strip()}


def expect(run: dict, pattern: str, what: str) -> None:
    """Fail loudly unless the command said *pattern*; show what it said on stderr, if anything."""
    if not re.search(pattern, run["head"], re.MULTILINE):
        raise AssertionError(
            f"{what}: expected /{pattern}/, the command said:\n{run['head']}\n{run['stderr']}"
        )
    if run["stderr"]:
        print(f"  {what}: said on stderr: {run['stderr'][-1000:]}", file=sys.stderr)


def startup(repeat: int) -> dict:
    """The start-up of the CLI: a bare interpreter, ``import revisitkit.cli``, ``--version``,
    and the biggest costs in ``-X importtime``."""

    def seconds(argv: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(argv, check=True, cwd=ROOT, env=_env(), capture_output=True)
        return time.perf_counter() - t

    py = sys.executable
    cli = Path(py).parent / "revisitkit"
    out = {
        "python_s": statistics.median(seconds([py, "-c", "pass"]) for _ in range(repeat)),
        "import_cli_s": statistics.median(
            seconds([py, "-c", "import revisitkit.cli"]) for _ in range(repeat)
        ),
    }
    if cli.exists():
        out["version_s"] = statistics.median(
            seconds([str(cli), "--version"]) for _ in range(repeat)
        )
    done = subprocess.run(
        [py, "-X", "importtime", "-c", "import revisitkit.cli"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_env(),
    )
    modules = []  # (name, depth, self s, cumulative s)
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", line)
        if m:
            depth = len(m.group(3)) // 2
            modules.append((m.group(4), depth, int(m.group(1)) / 1e6, int(m.group(2)) / 1e6))
    packages: dict[str, float] = {}
    for name, _, own, _ in modules:
        packages[name.split(".")[0]] = packages.get(name.split(".")[0], 0.0) + own
    out["importtime_total_s"] = sum(packages.values())
    # each package's own import time, its modules' self times summed
    out["importtime_packages"] = [
        {"package": name, "self_s": own}
        for name, own in sorted(packages.items(), key=lambda p: -p[1])[:10]
    ]
    # what revisitkit.cli imports directly, with everything it pulls in
    out["importtime_cli_imports"] = [
        {"module": name, "cumulative_s": cum}
        for name, depth, _, cum in sorted(modules, key=lambda m: -m[3])
        if depth == 1
    ][:8]
    return out


def outcome(step: str, said: str, chars: int) -> str:
    """What a step did, in a few words: how many added, unchanged, or listed."""
    if step == "list --overdue":
        listed = said.split(" ")[0]
        return f"{listed} overdue listed ({chars / 1e6:.1f} MB of text)"
    added, unchanged = (re.search(rf"([\d,]+) {w}", said).group(1) for w in ("added", "unchanged"))
    return f"{added} added" if step == "import" else f"{unchanged} unchanged"


def summary(n: int, step: str, runs: list[dict], csv_mb: float, said: str) -> dict:
    inside = [r["seconds"] for r in runs]
    command = [r["command_s"] for r in runs]
    return {
        "problems": n,
        "step": step,
        "csv_mb": csv_mb,
        "runs": len(runs),
        "inside_s": statistics.median(inside),
        "inside_range_s": [min(inside), max(inside)],
        "rows_per_s": n / statistics.median(inside),
        "command_s": statistics.median(command),
        "command_range_s": [min(command), max(command)],
        "imports_s": statistics.median(r["imports_s"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "stdout_mb": max(r["chars"] for r in runs) / 1e6,
        "said": said,
        "outcome": outcome(step, said, max(r["chars"] for r in runs)),
        "stderr": sorted({r["stderr"] for r in runs if r["stderr"]}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step at each size")
    parser.add_argument(
        "--repeat-large",
        type=int,
        default=None,
        help="runs at sizes of 100,000 and more (default: --repeat)",
    )
    args = parser.parse_args()

    from revisitkit.config import load_config
    from revisitkit.io import write_csv
    from revisitkit.sample import to_problems_export

    config = load_config()
    print("· start-up", file=sys.stderr)
    boot = startup(args.repeat)
    print(json.dumps({k: v for k, v in boot.items() if k.endswith("_s")}), file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="revisitkit-bench-") as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            repeat = args.repeat_large if n >= 100_000 and args.repeat_large else args.repeat
            print(f"· {n:,} problems, {repeat} runs", file=sys.stderr)
            frame = new_problems(n, config)
            csv = write_csv(to_problems_export(frame, config), tmp / f"problems-{n}.csv")
            assert csv.read_bytes()[:3] == b"\xef\xbb\xbf", "the file is UTF-8 with BOM"
            overdue = overdue_count(frame, config)
            csv_mb = csv.stat().st_size / 1e6
            steps: dict[str, list[dict]] = {"import": [], "import again": [], "list --overdue": []}
            said = {}
            for k in range(repeat):
                store = tmp / f"store-{n}-{k}.db"
                imp = ["problems", "import", str(csv), "--store", str(store), "--who", "bench"]
                first = probe(imp)
                expect(
                    first,
                    rf": {n:,} added, 0 updated, 0 unchanged; {n:,} problems in ",
                    f"import of {n:,} into an empty store",
                )
                again = probe(imp)
                expect(
                    again,
                    rf": 0 added, 0 updated, {n:,} unchanged; {n:,} problems in ",
                    f"the same {n:,} again",
                )
                listed = probe(
                    ["problems", "list", "--overdue", "--as-of", AS_OF, "--store", str(store)]
                )
                expect(
                    listed,
                    rf"^{overdue:,} overdue problems as of {AS_OF} in ",
                    f"list --overdue of {n:,}",
                )
                # the heading, the table's header and one line per overdue problem
                if listed["lines"] != overdue + 2:
                    raise AssertionError(
                        f"list --overdue of {n:,}: printed {listed['lines']} lines, "
                        f"expected {overdue + 2} ({overdue:,} overdue problems)"
                    )
                for step, run in zip(steps, (first, again, listed), strict=True):
                    steps[step].append(run)
                    said[step] = run["head"].splitlines()[0].replace(str(tmp), "<tmp>")
                print(
                    f"  run {k + 1}: "
                    + ", ".join(
                        f"{s} {r['seconds']:.2f} s / {r['command_s']:.2f} s"
                        for s, r in zip(steps, (first, again, listed), strict=True)
                    ),
                    file=sys.stderr,
                )
            for step, runs in steps.items():
                rows.append(summary(n, step, runs, csv_mb, said[step]))

    OUT.mkdir(exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "sqlite": __import__("sqlite3").sqlite_version,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "repeat": args.repeat,
        "repeat_large": args.repeat_large or args.repeat,
        "as_of": AS_OF,
        "note": "wall times on a machine whose CPUs may be shared with other work",
    }
    (OUT / "problems.json").write_text(
        json.dumps({"meta": meta, "startup": boot, "rows": rows}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    print(table(rows, boot, meta))


def table(rows: list[dict], boot: dict, meta: dict) -> str:
    def span(r: dict, key: str) -> str:
        lo, hi = r[f"{key}_range_s"]
        return f"{r[f'{key}_s']:.2f} s ({lo:.2f}–{hi:.2f})"

    head = (
        "| problems | CSV MB | step | outcome | inside `main()` median (range) | rows/s | "
        "whole command median (range) | peak memory |\n"
        "|---:|---:|---|---|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['problems']:,} | {r['csv_mb']:.1f} | `{r['step']}` | {r['outcome']} | "
            f"{span(r, 'inside')} | "
            f"{r['rows_per_s']:,.0f} | {span(r, 'command')} | {r['peak_mb']:,.0f} MB |"
        )
    lines.append("")
    lines.append(
        f"{meta['cpus']} CPUs (shared with other work), Python {meta['python']}, "
        f"pandas {meta['pandas']}, SQLite {meta['sqlite']}; median of {meta['repeat']} runs "
        f"({meta['repeat_large']} at 100,000+), each in a fresh process and a fresh store."
    )
    version = f", `revisitkit --version` {boot['version_s']:.2f} s" if "version_s" in boot else ""
    lines.append(
        f"Start-up: bare `python -c pass` {boot['python_s']:.2f} s, "
        f'`python -c "import revisitkit.cli"` {boot["import_cli_s"]:.2f} s{version}. '
        f"`-X importtime` (total {boot['importtime_total_s']:.2f} s), by package: "
        + ", ".join(f"{m['package']} {m['self_s']:.2f} s" for m in boot["importtime_packages"][:6])
        + "."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
