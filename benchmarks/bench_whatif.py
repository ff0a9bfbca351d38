"""Benchmark: how fast the staffing and budget dashboards answer a what-if on the sample data.

Issue 3 (item 7) asks the what-if widgets to recompute in under a second for the sample. This
times :meth:`revisitkit.views.dashboards.StaffingDashboard.recompute` itself — adjusting a copy of the
roster, re-running the scheduler (repair budget ``WHAT_IF_REPAIR_BUDGET``), and drawing the
tiles, the two charts (PNG) and the tables — outside a browser, for a set of scenarios a
manager would try. Each scenario is timed ``--repeat`` times; the median is reported. It also
runs each scenario with the scheduler's full default repair budget and reports how many more
tasks that puts on time (the price of answering within a second), and the process's peak
memory (``VmHWM``).

Usage::

    .venv/bin/python benchmarks/bench_whatif.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
import warnings

SCENARIOS = [
    ("baseline", {}, 0.0, False),
    ("reserve pool on", {}, 0.0, True),
    ("senior sales 18 → 15, 6 h a day", {"senior_sales": 15}, 6.0, False),
    ("  … and the reserve pool", {"senior_sales": 15}, 6.0, True),
    ("sales directors 38 → 28", {"sales_director": 28}, 0.0, False),
    ("everyone 5 h a day", {}, 5.0, False),
    ("senior sales 18 → 6", {"senior_sales": 6}, 0.0, False),
]


SPLIT = {"personnel": 60, "materials": 20, "technology": 15, "contingency": 5}
BUDGET_SCENARIOS = [
    ("baseline (4.5M)", 4_500_000, SPLIT, {}),
    ("total 3M", 3_000_000, SPLIT, {}),
    ("total 2M", 2_000_000, SPLIT, {}),
    ("shares 55/25/15/5", 4_500_000, {**SPLIT, "personnel": 55, "materials": 25}, {}),
    ("core gift 1,500", 4_500_000, SPLIT, {"core": 1500}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # widgets outside a kernel warn about their comms

    from revisitkit.staffing import adjust_roster, plan_staffing
    from revisitkit.views.dashboards import StaffingDashboard
    from revisitkit.workspace import load_staff, load_workspace

    ws = load_workspace()
    roster = load_staff(ws.config)
    started = time.perf_counter()
    # outside a kernel the widgets' outputs go to stdout: keep them out of the report
    with contextlib.redirect_stdout(io.StringIO()):
        dash = StaffingDashboard(ws, roster)
    first = time.perf_counter() - started
    print(f"dashboard start (baseline plan with its verified gap, first draw): {first:.2f} s\n")
    print("| scenario | recompute (median) | on time | on time, full repair |")
    print("|---|---:|---:|---:|")
    for name, heads, hours, reserve in SCENARIOS:
        times = []
        for _ in range(args.repeat):
            dash._quiet = True
            for role, box in dash.heads.items():
                box.value = heads.get(role, dash.base_heads[role])
            dash.hours.value = hours
            dash.reserve.value = reserve
            dash._quiet = False
            with contextlib.redirect_stdout(io.StringIO()):
                t0 = time.perf_counter()
                dash.recompute()
                times.append(time.perf_counter() - t0)
        quick = dash.current.schedule.on_time
        full = plan_staffing(
            ws.plan,
            adjust_roster(roster, headcount=heads or None, hours_per_day=hours or None),
            ws.config,
            ws.calendar,
            tasks=dash.tasks,
            reserve=reserve,
            gap=False,
        ).schedule.on_time
        total = len(dash.tasks)
        print(f"| {name} | {statistics.median(times):.2f} s | {quick:,} / {total:,} | {full:,} |")
    # the budget dashboard: total, shares and gifts (plan_budget + the optimizer + charts)
    from revisitkit.views.dashboards import BudgetDashboard
    from revisitkit.workspace import load_campaign

    staffing = dash.baseline
    actuals = load_campaign().actuals  # read before the clock starts, as the notebook does
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        bdash = BudgetDashboard(ws, staffing, actuals)
        first = time.perf_counter() - started
    print(f"\nbudget dashboard start (first draw): {first:.2f} s\n")
    print("| budget scenario | recompute (median) | plan cost | optimizer |")
    print("|---|---:|---:|---|")
    for name, total, shares, gifts in BUDGET_SCENARIOS:
        times = []
        for _ in range(args.repeat):
            bdash._quiet = True
            bdash.total.value = total
            for c, box in bdash.shares.items():
                box.value = shares[c]
            for s, box in bdash.gifts.items():
                box.value = gifts.get(s, int(ws.config.budget.gift_per_customer.get(s, 0)))
            bdash._quiet = False
            with contextlib.redirect_stdout(io.StringIO()):
                t0 = time.perf_counter()
                bdash.recompute()
                times.append(time.perf_counter() - t0)
        alloc = bdash.allocation
        verdict = (
            "feasible"
            if alloc.feasible
            else f"needs {alloc.needed:,.0f}"
            if alloc.needed == alloc.needed
            else "shares cannot be met"
        )
        print(
            f"| {name} | {statistics.median(times):.2f} s | {bdash.current.cost:,.0f} | {verdict} |"
        )
    peak = next(
        int(x.split()[1]) / 1024 for x in open("/proc/self/status") if x.startswith("VmHWM:")
    )
    print(f"\npeak memory (whole process): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
