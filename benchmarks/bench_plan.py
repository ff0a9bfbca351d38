"""Benchmark: segmentation and the whole ``revisitkit plan`` at 10k, 100k and 1M customers.

Each measurement runs in a fresh Python process, so its peak memory is its own: the process's
high-water resident set (``VmHWM``, interpreter and libraries included; unlike ``ru_maxrss`` it
does not inherit the benchmark's own memory across fork/exec). ``segment`` and load+validate
are timed around the call inside the process, after imports; ``revisitkit plan`` and the
reference are timed as whole commands, start-up included, as a user experiences them.

Reference: a process that reads the same customers CSV with ``pandas.read_csv`` and writes it
back with ``DataFrame.to_csv`` — what any tool that touches the file must at least pay.

Usage::

    .venv/bin/python benchmarks/bench_plan.py [--sizes 10000 100000 1000000] [--repeat 3]

Results are printed as a Markdown table and saved to ``benchmarks/out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

# Each probe prints one JSON line: {"seconds": …, "peak_mb": …}; without "seconds" the
# whole process is timed.
PROBES = {
    "reference": """
import pandas as pd, json, sys
df = pd.read_csv(sys.argv[1], encoding="utf-8-sig")
df.to_csv(sys.argv[2], index=False, encoding="utf-8-sig")
print(json.dumps({"peak_mb": peak_mb()}))
""",
    "segment": """
import pandas as pd, time, json, sys
from revisitkit.config import load_config
from revisitkit.segmentation import segment
cfg = load_config()
customers = pd.read_parquet(sys.argv[1])
segment(customers.head(100), cfg)  # warm-up: imports and first-call costs
best = float("inf")
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); segment(customers, cfg); best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "peak_mb": peak_mb()}))
""",
    "load": """
import time, json, sys
from revisitkit.config import load_config
from revisitkit.io import load_customers
cfg = load_config()
t = time.perf_counter(); load_customers(sys.argv[1], cfg); s = time.perf_counter() - t
print(json.dumps({"seconds": s, "peak_mb": peak_mb()}))
""",
    "cli": """
import json, sys, io, contextlib
from revisitkit.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
assert code == 0, code
print(json.dumps({"peak_mb": peak_mb()}))
""",
}


def probe(name: str, *args: str) -> dict:
    """Run a probe in a fresh interpreter; CLI probes are timed around the whole process."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK + PROBES[name], *args],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"probe {name} failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.setdefault("seconds", wall)
    return result


def best_of(repeat: int, name: str, *args: str) -> dict:
    runs = [probe(name, *args) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"]) | {"peak_mb": max(r["peak_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each timing")
    parser.add_argument(
        "--xlsx-max",
        type=int,
        default=100_000,
        help="largest size at which the workbook is timed too",
    )
    args = parser.parse_args()

    from revisitkit.io import write_csv
    from revisitkit.sample import generate_customers, to_crm_export

    rows = []
    with tempfile.TemporaryDirectory(prefix="revisitkit-bench-") as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            print(f"· {n:,} customers", file=sys.stderr)
            customers = generate_customers(n, seed=42)
            csv = tmp / f"customers-{n}.csv"
            parquet = tmp / f"customers-{n}.parquet"
            write_csv(to_crm_export(customers), csv)  # Chinese headers, UTF-8 with BOM
            customers.to_parquet(parquet)
            del customers
            repeat = args.repeat if n < 1_000_000 else max(1, args.repeat - 1)
            ref = best_of(repeat, "reference", str(csv), str(tmp / "ref.csv"))
            seg = best_of(1, "segment", str(parquet), str(repeat))
            load = best_of(repeat, "load", str(csv))
            plan = best_of(
                repeat,
                "cli",
                "plan",
                "--customers",
                str(csv),
                "--out",
                str(tmp / f"plan-{n}"),
                "--no-xlsx",
            )
            row = {
                "customers": n,
                "csv_mb": csv.stat().st_size / 1e6,
                "reference_s": ref["seconds"],
                "reference_peak_mb": ref["peak_mb"],
                "segment_s": seg["seconds"],
                "segment_peak_mb": seg["peak_mb"],
                "load_validate_s": load["seconds"],
                "plan_no_xlsx_s": plan["seconds"],
                "plan_peak_mb": plan["peak_mb"],
                "plan_vs_reference": plan["seconds"] / ref["seconds"],
            }
            if n <= args.xlsx_max:
                with_xlsx = best_of(
                    repeat, "cli", "plan", "--customers", str(csv), "--out", str(tmp / f"planx-{n}")
                )
                row["plan_xlsx_s"] = with_xlsx["seconds"]
                row["xlsx_extra_s"] = with_xlsx["seconds"] - plan["seconds"]
                row["plan_xlsx_peak_mb"] = with_xlsx["peak_mb"]
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)

    OUT.mkdir(exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }
    (OUT / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(table(rows))


def table(rows: list[dict]) -> str:
    head = (
        "| customers | CSV MB | read+write reference | segment | load+validate | "
        "`plan --no-xlsx` | plan ÷ reference | peak memory (plan) | workbook extra |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        extra = f"{r['xlsx_extra_s']:.1f} s" if "xlsx_extra_s" in r else "not measured"
        lines.append(
            f"| {r['customers']:,} | {r['csv_mb']:.0f} | {r['reference_s']:.2f} s | "
            f"{r['segment_s']:.2f} s | {r['load_validate_s']:.2f} s | {r['plan_no_xlsx_s']:.2f} s | "
            f"{r['plan_vs_reference']:.2f}× | {r['plan_peak_mb']:,.0f} MB | {extra} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
