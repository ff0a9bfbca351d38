"""Benchmark: ``revisitkit risks import`` of 1,000, 5,000 and 20,000 new risks into a store.

An import numbers every new risk (``R14``, ``R15``, …) inside its one write transaction. The
target: 20,000 new risks in under 10 s (numbering each row by re-reading every id made 19,500
take 8 min 20 s). The risks are synthetic and seeded (:func:`new_risks`): varied categories,
scores, owners and strategies, no id (the store numbers them), Chinese headers as the kit's
export writes them, UTF-8 with BOM; the store already holds the 13 seed risks.

Each run copies the seeded store and imports into the copy in a fresh Python process, so its
peak memory is its own: the process's high-water resident set (``VmHWM``, interpreter and
libraries included). "import" is timed around ``revisitkit.cli.main([...])`` inside the
process, after imports (reading and checking the file, the store's integrity check before its
first write, and the transaction); "command" is the whole process, start-up included, as a
user experiences it. "quick_check" is ``PRAGMA quick_check`` on the store after the import:
the part of the import that checks the store is not damaged before writing to it.

Usage::

    .venv/bin/python benchmarks/bench_store.py [--sizes 1000 5000 20000] [--repeat 3]

Results are printed as a Markdown table and saved to ``benchmarks/out/store.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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

PROBE = """
import contextlib, io, json, sys, time
from revisitkit.cli import main

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

with contextlib.redirect_stdout(io.StringIO()) as said:
    t = time.perf_counter()
    code = main(["risks", "import", sys.argv[1], "--store", sys.argv[2], "--who", "bench"])
    seconds = time.perf_counter() - t
assert code == 0, code
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "said": said.getvalue().strip()}))
"""

STRATEGIES = ["avoid", "transfer", "mitigate", "accept"]


def new_risks(n: int, config, seed: int = 42) -> pd.DataFrame:
    """*n* valid new risks (no id), seeded, with the register's Chinese headers."""
    from revisitkit.schema import RISK_HEADERS_ZH

    rng = np.random.default_rng(seed)
    likelihood = rng.integers(1, config.risk.scale_max + 1, n)
    impact = rng.integers(1, config.risk.scale_max + 1, n)
    frame = pd.DataFrame(
        {
            "id": "",
            "category": rng.choice(["customer", "execution", "external"], n),
            "title": [f"风险{i + 1:05d} 回访延误" for i in range(n)],
            "title_en": [f"Risk {i + 1}" for i in range(n)],
            "description": "回访团队缩减，深度沟通覆盖率不足。",
            "cause": "人员被临时抽调",
            "trigger": "人力缺口大于0",
            "likelihood": likelihood,
            "impact": impact,
            "owner_role": rng.choice(list(config.risk.owner_roles), n),
            "strategy": rng.choice(STRATEGIES, n),
            "mitigation": "临时人员储备池可扩充30%人力",
            "contingency": "启用储备池",
            "response_level": rng.choice(["A", "B", "C"], n),
            "status": rng.choice(["open", "monitoring"], n),
            "residual_likelihood": np.maximum(1, likelihood - 1),
            "residual_impact": np.maximum(1, impact - 1),
            "next_review": "2026-12-15",
        }
    )
    return frame.rename(columns=RISK_HEADERS_ZH)


def probe(csv: Path, store: Path) -> dict:
    """Import *csv* into *store* in a fresh interpreter; the whole process is timed too."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(csv), str(store)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"import failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"command_s": wall}


def quick_check_seconds(store: Path) -> float:
    import sqlite3

    with sqlite3.connect(f"{store.absolute().as_uri()}?mode=ro", uri=True) as conn:
        t = time.perf_counter()
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each size")
    args = parser.parse_args()

    from revisitkit.config import DEFAULT_CONFIG_PATH, load_config
    from revisitkit.io import load_seed, write_csv
    from revisitkit.store import RiskRegister, Store

    config = load_config()
    rows = []
    with tempfile.TemporaryDirectory(prefix="revisitkit-bench-") as tmp:
        tmp = Path(tmp)
        base = tmp / "seeded.db"
        with Store(base) as store:  # closed: every page in the file, no -wal to copy
            seed = load_seed(DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml", config)
            RiskRegister(store, config).seed_if_empty(seed, "bench")
        for n in args.sizes:
            print(f"· {n:,} new risks", file=sys.stderr)
            csv = write_csv(new_risks(n, config), tmp / f"risks-{n}.csv")
            runs = []
            for k in range(args.repeat):
                store = tmp / f"store-{n}-{k}.db"
                shutil.copy(base, store)
                runs.append(probe(csv, store))
                assert f"{n} added, 0 updated, 0 unchanged" in runs[-1]["said"], runs[-1]
            best = min(runs, key=lambda r: r["seconds"])
            row = {
                "new_risks": n,
                "csv_mb": csv.stat().st_size / 1e6,
                "import_s": best["seconds"],
                "rows_per_s": n / best["seconds"],
                "command_s": min(r["command_s"] for r in runs),
                "peak_mb": max(r["peak_mb"] for r in runs),
                "store_mb": store.stat().st_size / 1e6,
                "quick_check_s": quick_check_seconds(store),
            }
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)

    OUT.mkdir(exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "repeat": args.repeat,
    }
    (OUT / "store.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(table(rows))


def table(rows: list[dict]) -> str:
    head = (
        "| new risks | CSV MB | `risks import` | rows/s | whole command | peak memory | "
        "store MB | quick_check |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['new_risks']:,} | {r['csv_mb']:.1f} | {r['import_s']:.2f} s | "
            f"{r['rows_per_s']:,.0f} | {r['command_s']:.2f} s | {r['peak_mb']:,.0f} MB | "
            f"{r['store_mb']:.1f} | {r['quick_check_s'] * 1000:.0f} ms |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
