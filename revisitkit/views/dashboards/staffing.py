"""The staffing what-if dashboard."""

from __future__ import annotations

import html
import time
import warnings

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.config import TIERS
from revisitkit.errors import InputWarning
from revisitkit.staffing import adjust_roster, headcount_of, plan_staffing
from revisitkit.views.dashboards.common import page
from revisitkit.views.html import status_html, table_html, tiles_html
from revisitkit.views.plots import attainment_bars, show, workload_heatmap
from revisitkit.views.tables import (
    gap_table,
    missed_tasks_table,
    missing_roles_table,
    role_load_table,
    shortfall_table,
)

# ------------------------------------------------------------------------------ staffing
#: Repair trials of a what-if run: answers within a second on the sample (the full default
#: may take 1.5 s when many tasks miss); on the sample scenarios of the benchmark it puts at
#: most 3 tasks fewer on time than the default (benchmarks/bench_whatif.py).
WHAT_IF_REPAIR_BUDGET = 300
#: The hours-a-day choices of the what-if (0: each person's own).
HOURS_CHOICES = (0.0, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0)


class StaffingDashboard:
    """What-if staffing: headcount per role, hours a day, the reserve pool — recomputed live.

    The baseline (the roster as given) is planned once with its verified capacity gap; every
    change re-runs the scheduler on an adjusted copy of the roster (never the file) and
    redraws attainment, the weekly load and the work that misses its deadline. The verified
    gap of a what-if takes seconds, so it runs on the button only.
    """

    def __init__(self, ws, roster: pd.DataFrame, baseline=None):
        self.ws, self.config, self.roster = ws, ws.config, roster
        self.baseline = baseline or plan_staffing(ws.plan, roster, ws.config, ws.calendar)
        self.tasks = self.baseline.tasks
        self.current = self.baseline
        self.base_heads = headcount_of(roster, self.config)
        roles = self.config.staffing.roles
        self.heads: dict[str, w.BoundedIntText] = {}
        for role, n in self.base_heads.items():
            if n == 0:
                continue
            box = w.BoundedIntText(
                value=n,
                min=0,  # 0 means none of that role: its tasks become a gap, shown as such
                max=max(4 * n, n + 20),
                step=1,
                description=roles[role].split(" ")[0],
            )
            box.style.description_width = "70px"
            box.layout.width = "150px"
            box.observe(lambda _c: self.recompute(), names="value")
            self.heads[role] = box
        self.hours = w.Dropdown(
            options=[("各自 own", 0.0)] + [(f"{h:g} h", h) for h in HOURS_CHOICES if h],
            value=0.0,
            description="每日小时 Hours/day",
        )
        self.hours.style.description_width = "120px"
        self.hours.layout.width = "240px"
        self.hours.observe(lambda _c: self.recompute(), names="value")
        share = self.config.staffing.reserve_share
        self.reserve = w.Checkbox(value=False, description=f"储备池 Reserve pool +{share:.0%}")
        self.reserve.observe(lambda _c: self.recompute(), names="value")
        self.reset = w.Button(description="重置 Reset", icon="undo")
        self.reset.on_click(lambda _b: self.reset_controls())
        self.verify = w.Button(description="验证缺口 Verify gap", icon="check")
        self.verify.on_click(lambda _b: self.verify_gap())
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.tables = w.Output()
        self.gap_out = w.Output()
        self._quiet = False
        self.widget = page(
            w.HBox(list(self.heads.values()), layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.hours, self.reserve, self.reset]),
            self.status,
            self.tiles,
            self.charts,
            self.tables,
            w.HTML("<h3>补充产能 Capacity gap</h3>"),
            w.HBox([self.verify]),
            self.gap_out,
        )
        self.recompute()
        self._show_gap(self.baseline, "基线名册 the roster as given")

    def scenario(self) -> tuple[dict[str, int], float | None, bool]:
        heads = {r: int(b.value) for r, b in self.heads.items() if b.value != self.base_heads[r]}
        return heads, (float(self.hours.value) or None), bool(self.reserve.value)

    def describe(self) -> str:
        heads, hours, reserve = self.scenario()
        roles = self.config.staffing.roles
        parts = [f"{roles[r].split(' ')[0]} {self.base_heads[r]}→{n}" for r, n in heads.items()]
        if hours is not None:
            parts.append(f"每日 {hours:g} h")
        if reserve:
            parts.append("储备池 reserve on")
        return " · ".join(parts) or "基线 baseline"

    def reset_controls(self) -> None:
        self._quiet = True
        try:
            for role, box in self.heads.items():
                box.value = self.base_heads[role]
            self.hours.value = 0.0
            self.reserve.value = False
        finally:
            self._quiet = False
        self.recompute()

    def plan_for_controls(self, *, gap: bool = False):
        heads, hours, reserve = self.scenario()
        if not heads and hours is None and not reserve and not gap:
            return self.baseline
        roster = adjust_roster(self.roster, headcount=heads or None, hours_per_day=hours)
        with warnings.catch_warnings():
            # a role set to 0 is the scenario asked for: the page says it in words (recompute)
            warnings.simplefilter("ignore", InputWarning)
            return plan_staffing(
                self.ws.plan,
                roster,
                self.config,
                self.ws.calendar,
                reserve=reserve,
                gap=gap,
                tasks=self.tasks,
                repair_budget=None if gap else WHAT_IF_REPAIR_BUDGET,
            )

    def recompute(self) -> None:
        if self._quiet:
            return
        started = time.perf_counter()
        sp = self.current = self.plan_for_controls()
        att = sp.attainment().set_index("priority")
        counts = sp.schedule.counts
        people = len(sp.roster)
        self.tiles.value = tiles_html(
            [
                ("人员 People", f"{people:,}", ""),
                ("任务 Tasks", f"{len(sp.schedule.tasks):,}", ""),
                (
                    "按期 On time",
                    f"{att.loc['all', 'on_time_share']:.1%}",
                    "low" if counts["on_time"] == len(sp.schedule.tasks) else "high",
                ),
            ]
            + [
                (f"{self.config.priority.labels[t]} 按期", f"{att.loc[t, 'on_time_share']:.1%}", t)
                for t in TIERS
                if t in att.index
            ]
            + [
                ("逾期 Late", f"{counts['late']:,}", "medium" if counts["late"] else ""),
                (
                    "未排 Unscheduled",
                    f"{counts['unscheduled']:,}",
                    "high" if counts["unscheduled"] else "",
                ),
            ]
        )
        self.charts.clear_output(wait=True)
        with self.charts:
            show(attainment_bars(sp.attainment(), self.config))
            show(workload_heatmap(sp.workload(), self.config))
        self.tables.clear_output(wait=True)
        with self.tables:
            parts = [
                "<h3>各岗位负荷 Load by role</h3>",
                table_html(role_load_table(sp, self.config)),
            ]
            if sp.missing is not None:
                parts += [
                    "<h3>缺少的岗位 Roles no one has</h3>",
                    table_html(missing_roles_table(sp, self.config)),
                ]
            if counts["on_time"] < len(sp.schedule.tasks):
                parts += [
                    "<h3>未按期的工作量 Work missing its deadline (live)</h3>",
                    table_html(shortfall_table(sp, self.config)),
                    "<h3>未按期的任务 Tasks missing their deadline (first 30)</h3>",
                    table_html(missed_tasks_table(sp, self.ws.plan, self.config)),
                ]
            else:
                parts.append("<p>✓ 全部任务按期 Every task is on time.</p>")
            display(w.HTML("".join(parts)))
        elapsed = time.perf_counter() - started
        # last: the marker a browser test waits for
        self.status.value = status_html(
            f"情景 Scenario: {self.describe()} — {counts['on_time']:,} / "
            f"{len(sp.schedule.tasks):,} 按期 on time",
            elapsed,
        )

    def verify_gap(self) -> None:
        self.gap_out.clear_output(wait=True)
        with self.gap_out:
            display(w.HTML("<p>计算中… computing the verified gap (seconds)</p>"))
        sp = (
            self.plan_for_controls(gap=True)
            if self.scenario() != ({}, None, False)
            else (self.baseline)
        )
        self._show_gap(sp, self.describe())

    def _show_gap(self, sp, label: str) -> None:
        self.gap_out.clear_output(wait=True)
        with self.gap_out:
            if sp.gap is None:
                display(w.HTML("<p>未计算 not measured</p>"))
                return
            table = gap_table(sp, self.config)
            head = f"<p>{html.escape(label)}: "
            if table.empty:
                head += "无缺口，现有人员可按期完成全部任务 — no gap: every task is on time.</p>"
                display(w.HTML(head))
                return
            total = int(sp.gap_frame()["extra_person_days_verified"].sum())
            head += (
                f"共需补充 {total} 人天 — {total} extra person-days put every task on time "
                "(verified by re-scheduling).</p>"
            )
            display(w.HTML(head + table_html(table)))
