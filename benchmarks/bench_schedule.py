"""Benchmark: the revisit scheduler at 10k tasks / 100 staff and 100k tasks / 1,000 staff.

Issue 3 (item 9) sets the targets: ≤ 5 s and ≤ 60 s. Each size runs in a fresh Python process,
so its peak memory is its own: the process's high-water resident set (``VmHWM`` from
``/proc/self/status``, interpreter and libraries included). The wall time is that of
``Scheduler(...)`` (validation and compilation) plus ``solve(method="heuristic")`` (the
Schedule frames included), timed inside the process after the synthetic instance is built;
"times in the day" is :func:`revisitkit.staffing.times.time_bookings` on the schedule (a start
and an end per booking; "days past hours" counts the person-days it could not fit); "whole
process" adds interpreter start-up, imports, the calendar and building the instance.

The instances are synthetic and seeded (see :func:`synthetic`): the 2026 campaign's execution
window (2026-12-16 … 2027-01-20, 25 working days on the 2026 official and 2027 provisional
calendars), a plausible role mix, ~15% on-site team visits (sales director + technical
consultant + CS manager, with travel), win-back follow-ups within 7 days, churn warnings due
in 2 days, staff on leave. The load keeps the on-site team roles near capacity: with 100
staff a few percent of tasks miss their deadline (the repair pass has work to do); with 1,000
staff (more people per region, less travel) almost none do.

Usage::

    .venv/bin/python benchmarks/bench_schedule.py [--sizes 10000:100 100000:1000]

The results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START, END = date(2026, 12, 16), date(2027, 1, 20)

# role: share of the staff, and the channels that role serves on its own
ROLE_MIX = {
    "sales_director": 0.18,
    "tech_consultant": 0.18,
    "cs_manager": 0.18,
    "senior_sales": 0.10,
    "sales": 0.12,
    "account_manager": 0.08,
    "cs_agent": 0.16,
}
# (channel, roles, minutes low, minutes high, share of tasks, travel)
CHANNELS = [
    ("onsite_visit", ("sales_director", "tech_consultant", "cs_manager"), 60, 90, 0.15, True),
    ("phone", ("senior_sales",), 20, 30, 0.20, False),
    ("phone", ("sales",), 20, 30, 0.20, False),
    ("wechat", ("account_manager",), 15, 25, 0.12, False),
    ("online_survey", ("cs_agent",), 10, 15, 0.18, False),
    ("batch_phone", ("cs_agent",), 5, 10, 0.15, False),
]
REGIONS = {
    "yangtze_delta": (["上海", "江苏", "浙江", "安徽"], 0.40),
    "pearl_delta": (["广东"], 0.15),
    "jingjinji": (["北京", "天津", "河北"], 0.10),
    "chengyu": (["四川", "重庆"], 0.12),
    "middle_yangtze": (["湖北", "湖南", "江西"], 0.13),
    "southeast_asia": (["新加坡", "马来西亚"], 0.06),
    "europe": (["德国", "法国"], 0.04),
}
TRAVEL = {"same_region": 0.0, "same_cluster": 30.0, "other_cluster": 90.0, "overseas": 240.0}


def _regions(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    clusters = list(REGIONS)
    weights = np.array([REGIONS[c][1] for c in clusters])
    picked = rng.choice(len(clusters), size=n, p=weights / weights.sum())
    cluster = np.array(clusters, dtype=object)[picked]
    region = np.array([REGIONS[c][0][rng.integers(len(REGIONS[c][0]))] for c in cluster])
    return region.astype(object), cluster


def synthetic(n_tasks: int, n_staff: int, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded (tasks, roster) pair of the given size."""
    rng = np.random.default_rng(seed)
    roles = list(ROLE_MIX)
    counts = np.maximum(1, np.round(np.array(list(ROLE_MIX.values())) * n_staff)).astype(int)
    counts[-1] += n_staff - counts.sum()
    role = np.repeat(roles, counts).astype(object)
    region, cluster = _regions(rng, n_staff)
    days_off = []
    for _ in range(n_staff):
        if rng.random() < 0.10:  # on leave for a few working days
            first = START + timedelta(days=int(rng.integers(0, 30)))
            days_off.append(
                tuple(first + timedelta(days=k) for k in range(int(rng.integers(1, 4))))
            )
        else:
            days_off.append(())
    available_from = pd.Series(pd.NaT, index=range(n_staff), dtype="datetime64[ns]")
    late_start = rng.random(n_staff) < 0.03
    available_from[late_start] = pd.Timestamp(START + timedelta(days=7))
    roster = pd.DataFrame(
        {
            "staff_id": [f"E{i + 1:05d}" for i in range(n_staff)],
            "name": [f"员工{i + 1}" for i in range(n_staff)],
            "role": role,
            "region": region,
            "region_cluster": cluster,
            "hours_per_day": rng.choice([6.0, 7.0, 7.0, 8.0], size=n_staff),
            "available_from": available_from,
            "available_to": pd.Series(pd.NaT, index=range(n_staff), dtype="datetime64[ns]"),
            "days_off": days_off,
        }
    )

    kinds = rng.choice(len(CHANNELS), size=n_tasks, p=[c[4] for c in CHANNELS])
    minutes = np.empty(n_tasks)
    for k, (_, _, low, high, _, _) in enumerate(CHANNELS):
        at = kinds == k
        minutes[at] = rng.integers(low // 5, high // 5 + 1, size=at.sum()) * 5.0
    c_region, c_cluster = _regions(rng, n_tasks)
    tier = rng.choice(3, size=n_tasks, p=[0.15, 0.45, 0.40])  # high, medium, low
    urgent = (tier == 0) & (rng.random(n_tasks) < 0.2)
    days = np.where(urgent, 2, np.array([7, 15, 30])[tier])
    deadline = np.minimum(
        np.datetime64(START) + days.astype("timedelta64[D]"), np.datetime64(END)
    ).astype("datetime64[ns]")
    task_ids = np.array([f"K{i + 1:06d}" for i in range(n_tasks)], dtype=object)
    # follow-ups: a second touch (win-back) within 7 days of a WeChat contact
    pred = np.full(n_tasks, None, dtype=object)
    within = pd.array([pd.NA] * n_tasks, dtype="Int64")
    firsts = np.flatnonzero(kinds == 3)
    chosen = firsts[rng.random(len(firsts)) < 0.3]
    seconds = rng.choice(np.flatnonzero(kinds != 0), size=len(chosen), replace=False)
    seconds = np.setdiff1d(seconds, chosen)[: len(chosen)]
    pred[seconds] = task_ids[chosen[: len(seconds)]]
    within[seconds] = 7
    deadline[seconds] = np.datetime64(END)
    owners = roster["staff_id"].to_numpy(dtype=object)
    owner = np.where(rng.random(n_tasks) < 0.5, owners[rng.integers(0, n_staff, n_tasks)], None)
    tasks = pd.DataFrame(
        {
            "task_id": task_ids,
            "customer_id": [f"C{i + 1:06d}" for i in range(n_tasks)],
            "channel": np.array([c[0] for c in CHANNELS], dtype=object)[kinds],
            "roles": [CHANNELS[k][1] for k in kinds],
            "minutes": minutes,
            "travel": np.array([c[5] for c in CHANNELS])[kinds],
            "customer_region": c_region,
            "customer_cluster": c_cluster,
            "release": pd.Timestamp(START),
            "deadline": deadline,
            "priority": np.array(["high", "medium", "low"], dtype=object)[tier],
            "urgent": urgent,
            "owner": owner,
            "predecessor": pred,
            "follow_up_within_days": within,
        }
    )
    return tasks, roster


PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from bench_schedule import synthetic, TRAVEL, START, END, ROOT
from revisitkit.calendar import build_calendar
from revisitkit.staffing import Scheduler, SchedulerSettings
n_tasks, n_staff = int(sys.argv[1]), int(sys.argv[2])
cal = build_calendar([2026, 2027], holiday_files=[ROOT / "data/holidays/2027.yaml"],
                     fixed_holidays={"01-01": "元旦"}, spring_festival_offsets=[-1, 0, 1, 2])
tasks, roster = synthetic(n_tasks, n_staff)
t0 = time.perf_counter()
target = None if sys.argv[4] == "none" else float(sys.argv[4])
settings = SchedulerSettings(travel_minutes=TRAVEL, target_utilisation=target)
schedule = Scheduler(tasks, roster, cal, START, END, settings).solve(method="heuristic")
seconds = time.perf_counter() - t0
weeks = schedule.workload(("week", "staff_id"))
above = int((weeks["utilisation"] > (target or 0.85) + 1e-9).sum())
busy = int((weeks["booked_minutes"] > 0).sum())
from revisitkit.staffing.times import WorkdayClock, time_bookings
t1 = time.perf_counter()
timed = time_bookings(schedule.assignments, schedule.capacity, WorkdayClock())
times_seconds = time.perf_counter() - t1
peak = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
teams = sum(len(r) > 1 for r in tasks["roles"])
print(json.dumps({"seconds": seconds, "times_seconds": times_seconds,
                  "overruns": len(timed.overruns), "above": above, "busy_weeks": busy, "peak_mb": peak, "on_time": schedule.on_time,
                  "late": schedule.late, "unscheduled": schedule.unscheduled,
                  "assignments": len(schedule.assignments), "team_tasks": teams,
                  "follow_ups": int(tasks["predecessor"].notna().sum())}))
"""


def run_probe(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter (so its peak memory is its own) from the
    repository's root, with ``args`` after it; returns the JSON of its last output line."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe(n_tasks: int, n_staff: int, target: str) -> dict:
    return run_probe(PROBE, str(n_tasks), str(n_staff), str(HERE), target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["10000:100", "100000:1000"], help="TASKS:STAFF pairs"
    )
    parser.add_argument(
        "--front-load",
        action="store_true",
        help="no levelling (staffing.front_load: true); default: levelled at 85%%",
    )
    args = parser.parse_args()
    target = "none" if args.front_load else "0.85"
    rows = []
    for size in args.sizes:
        n_tasks, n_staff = (int(x) for x in size.split(":"))
        print(f"· {n_tasks:,} tasks, {n_staff:,} staff", file=sys.stderr)
        t = time.perf_counter()
        result = probe(n_tasks, n_staff, target)
        result["process_seconds"] = time.perf_counter() - t
        rows.append((n_tasks, n_staff, result))
    print(
        "| tasks | staff | team tasks | follow-ups | scheduler wall time | times in the day "
        "| whole process | peak memory (VmHWM) | on time | late | unscheduled | days past hours "
        "| person-weeks above 85% |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n_tasks, n_staff, r in rows:
        print(
            f"| {n_tasks:,} | {n_staff:,} | {r['team_tasks']:,} | {r['follow_ups']:,} "
            f"| {r['seconds']:.1f} s | {r['times_seconds']:.1f} s | {r['process_seconds']:.1f} s "
            f"| {r['peak_mb']:.0f} MB | {r['on_time']:,} | {r['late']:,} | {r['unscheduled']:,} "
            f"| {r['overruns']:,} | {r['above']:,} of {r['busy_weeks']:,} |"
        )


if __name__ == "__main__":
    main()
