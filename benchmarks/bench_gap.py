"""Benchmark: the verified capacity gap (issue 19, item 4) — how long it takes and how close
the verified extra person-days come to the printed lower bound.

Two instances, each in a fresh Python process (peak memory is the process's ``VmHWM``):

* **sample 60%** — the bundled sample campaign (3,000 customers, 3,916 staffed tasks) on its
  roster thinned to 60% of each role (``adjust_roster``, the last people of each role left
  out), with the reserve pool analysed too, as the staffing dashboard's "Verify gap" does;
* **synthetic 10k / 100** — the scheduler benchmark's instance
  (:func:`bench_schedule.synthetic`), 10,000 tasks on 100 staff, with the reserve pool.

The wall time is, on the sample, that of ``plan_staffing(..., gap=True)`` (the schedule, then
the gap with the reserve, as the dashboard's "Verify gap" waits for it), and on the synthetic
instance that of :func:`revisitkit.staffing.scheduler.capacity_gap` alone (the base schedule,
the bound, the verifying runs and the reserve analysis). Usage::

    .venv/bin/python benchmarks/bench_gap.py [--cases sample synthetic]

The results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench_schedule import run_probe

HERE = Path(__file__).resolve().parent

PROBE = """
import json, math, sys, time
sys.path.insert(0, sys.argv[2])
case = sys.argv[1]
from revisitkit.staffing.scheduler import SchedulerSettings, capacity_gap
if case == "sample":
    from revisitkit.io import load_roster
    from revisitkit.staffing import adjust_roster, headcount_of
    from revisitkit.workspace import load_workspace
    ws = load_workspace("data/sample/customers.csv", None)
    config = ws.config
    roster = load_roster("data/sample/roster.csv", config)
    heads = headcount_of(roster, config)
    roster = adjust_roster(
        roster, headcount={r: max(1, math.ceil(0.6 * n)) for r, n in heads.items() if n})
    from revisitkit.staffing import plan_staffing
    t0 = time.perf_counter()
    gap = plan_staffing(ws.plan, roster, config, ws.calendar, gap=True).gap
    seconds = time.perf_counter() - t0
    tasks = gap.schedule.tasks
else:
    from bench_schedule import END, ROOT, START, TRAVEL, synthetic
    from revisitkit.calendar import build_calendar
    calendar = build_calendar([2026, 2027], holiday_files=[ROOT / "data/holidays/2027.yaml"],
                              fixed_holidays={"01-01": "元旦"}, spring_festival_offsets=[-1, 0, 1, 2])
    tasks, roster = synthetic(10_000, 100)
    settings = SchedulerSettings(travel_minutes=TRAVEL, target_utilisation=0.85)
    t0 = time.perf_counter()
    gap = capacity_gap(tasks, roster, calendar, START, END, settings, reserve=True)
    seconds = time.perf_counter() - t0
f = gap.to_frame()
peak = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({
    "seconds": seconds, "peak_mb": peak, "tasks": len(tasks), "staff": len(roster),
    "not_on_time": gap.not_on_time, "bound": int(f["extra_person_days_bound"].sum()),
    "verified": int(f["extra_person_days_verified"].sum()),
    "after_reserve": int(f["extra_person_days_after_reserve"].fillna(0).sum()),
    "larger_after_reserve": int((f["extra_person_days_after_reserve"].fillna(0)
                                 > f["extra_person_days_verified"]).sum()),
    "verified_ok": bool(gap.feasible_with_extra), "runs": gap.runs}))
"""


def probe(case: str) -> dict:
    return run_probe(PROBE, case, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["sample", "synthetic"])
    args = parser.parse_args()
    names = {"sample": "sample, roster at 60%", "synthetic": "synthetic 10k / 100"}
    rows = []
    for case in args.cases:
        print(f"· {case}", file=sys.stderr)
        t = time.perf_counter()
        result = probe(case)
        result["process_seconds"] = time.perf_counter() - t
        rows.append((case, result))
    print(
        "| instance | tasks | staff | not on time | gap wall time | peak memory | lower bound "
        "| verified | verified / bound | after reserve | rows larger after reserve | runs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, r in rows:
        ratio = r["verified"] / r["bound"] if r["bound"] else float("nan")
        ok = "" if r["verified_ok"] else " (not verified)"
        print(
            f"| {names.get(case, case)} | {r['tasks']:,} | {r['staff']:,} | {r['not_on_time']:,} "
            f"| {r['seconds']:.1f} s | {r['peak_mb']:.0f} MB | {r['bound']:,} "
            f"| {r['verified']:,}{ok} | {ratio:.2f}× | {r['after_reserve']:,} "
            f"| {r['larger_after_reserve']} | {r['runs']} |"
        )


if __name__ == "__main__":
    main()
