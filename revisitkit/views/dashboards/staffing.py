"""The staffing what-if dashboard."""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.staffing import adjust_roster, headcount_of, plan_staffing
from revisitkit.views.dashboards.common import PagedTable, page
from revisitkit.views.html import staffing_tiles, status_html, table_html, tiles_html
from revisitkit.views.plots import attainment_bars, show, workload_heatmap
from revisitkit.views.tables import (
    gap_table,
    missed_tasks_table,
    missing_roles_table,
    role_load_table,
    shortfall_table,
)

# ------------------------------------------------------------------------------ staffing
#: Repair trials of a what-if run: fewer than the plan's default, so that a what-if where many
#: tasks miss answers sooner; on the sample scenarios of the benchmark it puts at most 2 tasks
#: fewer on time than the default (benchmarks/bench_whatif.py).
WHAT_IF_REPAIR_BUDGET = 300
#: Verified gaps kept for going back to a scenario (each holds a whole plan).
_KEEP_GAPS = 8
#: The hours-a-day choices of the what-if (0: each person's own).
HOURS_CHOICES = (0.0, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0)


class GapCancelled(Exception):
    """A verified-gap run given up: the scenario changed, or the manager pressed Cancel."""


def scenario_html(label: str, what: str) -> str:
    """The line above each section saying which scenario it shows (``data-scenario``)."""
    text = f"情景 Scenario: {label}"
    return (
        f'<div class="rk-scenario" data-scenario="{html.escape(label, quote=True)}" '
        f'data-section="{what}" style="color:#555;font-size:12px;margin:4px 0">'
        f"{html.escape(text)}</div>"
    )


class StaffingDashboard:
    """What-if staffing: headcount per role, hours a day, the reserve pool — recomputed live.

    The baseline (the roster as given) is planned once with its verified capacity gap; every
    change re-runs the scheduler on an adjusted copy of the roster (never the file) and
    redraws attainment, the weekly load and the work that misses its deadline. Every section
    names the scenario it shows; while one is being recomputed its charts say so rather than
    show the previous scenario's.

    The verified gap of a what-if takes seconds, so it runs on the button only, in a
    background thread: the page stays live, its progress is shown, Cancel gives it up, and a
    change of scenario supersedes it. Verified gaps are kept per scenario, so coming back to
    one shows its gap again; a scenario not verified yet says so (never another one's gap).
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
        self.reset = w.Button(description="重置 Reset")
        self.reset.on_click(lambda _b: self.reset_controls())
        self.verify = w.Button(description="验证缺口 Verify gap")
        self.verify.layout.width = "180px"
        self.verify.on_click(lambda _b: self.verify_gap())
        self.cancel = w.Button(description="取消 Cancel")
        self.cancel.layout.display = "none"
        self.cancel.on_click(lambda _b: self.cancel_gap("已取消 cancelled"))
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.tables = w.Output()
        #: every task missing its deadline in the scenario, paged, with its download
        self.missed_head = w.HTML()
        self.missed = PagedTable("未按期的任务.xlsx", "未按期的任务", testid="missed-list")
        self.gap_progress = w.HTML()
        self.gap_html = w.HTML()
        self._quiet = False
        self._lock = threading.RLock()  # the run number and the progress line, together
        self._gaps: dict[tuple, tuple[str, object]] = {}  # scenario → (label, verified plan)
        self._gap_run = 0  # the verified-gap run allowed to finish (others give up)
        self._gap_key: tuple | None = None  # the scenario being verified, if one is
        self._gap_thread: threading.Thread | None = None
        self._base_key = self.scenario()
        self._gaps[self._base_key] = ("基线名册 the roster as given", self.baseline)
        self.widget = page(
            w.HBox(list(self.heads.values()), layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.hours, self.reserve, self.reset]),
            self.status,
            self.tiles,
            self.charts,
            self.tables,
            self.missed_head,
            self.missed.widget,
            w.HTML("<h3>补充产能 Capacity gap</h3>"),
            w.HBox([self.verify, self.cancel]),
            self.gap_progress,
            self.gap_html,
        )
        self.recompute()

    def scenario(self) -> tuple:
        """The scenario the controls describe, as a hashable key."""
        heads, hours, reserve = self.controls()
        return tuple(sorted(heads.items())), hours, reserve

    def controls(self) -> tuple[dict[str, int], float | None, bool]:
        heads = {r: int(b.value) for r, b in self.heads.items() if b.value != self.base_heads[r]}
        return heads, (float(self.hours.value) or None), bool(self.reserve.value)

    def describe(self) -> str:
        heads, hours, reserve = self.controls()
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

    def plan_for_controls(self, *, gap: bool = False, progress=None, controls=None):
        heads, hours, reserve = controls or self.controls()
        if not heads and hours is None and not reserve and not gap:
            return self.baseline
        roster = adjust_roster(self.roster, headcount=heads or None, hours_per_day=hours)
        # a role set to 0 is the scenario asked for: the page says it in words (recompute)
        return plan_staffing(
            self.ws.plan,
            roster,
            self.config,
            self.ws.calendar,
            reserve=reserve,
            gap=gap,
            tasks=self.tasks,
            repair_budget=None if gap else WHAT_IF_REPAIR_BUDGET,
            gap_progress=progress,
            warn=False,
        )

    def recompute(self) -> None:
        if self._quiet:
            return
        started = time.perf_counter()
        key, label = self.scenario(), self.describe()
        if self._gap_key is not None and self._gap_key != key:
            self.cancel_gap("已被新情景取代 superseded by the new scenario")
        # the charts of the previous scenario are not shown as this one's while it computes
        self.charts.clear_output(wait=False)
        with self.charts:
            display(w.HTML(scenario_html(label, "charts") + "<p>更新中 updating…</p>"))
        sp = self.current = self.plan_for_controls()
        counts = sp.schedule.counts
        people = len(sp.roster)
        reserve = " (+储备池 reserve pool)" if self.reserve.value else ""
        self.tiles.value = scenario_html(label, "tiles") + tiles_html(
            [
                ("人员 People", f"{people:,}", "", f"名册人数 on the roster{reserve}"),
                ("任务 Tasks", f"{len(sp.schedule.tasks):,}", ""),
                *staffing_tiles(sp, self.config),
            ]
        )
        self.tables.clear_output(wait=True)
        with self.tables:
            parts = [
                scenario_html(label, "tables"),
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
                ]
            else:
                parts.append("<p>✓ 全部任务按期 Every task is on time.</p>")
            display(w.HTML("".join(parts)))
        if counts["on_time"] < len(sp.schedule.tasks):
            missed = missed_tasks_table(sp, self.ws.plan, self.config, limit=None)
            self.missed_head.value = (
                scenario_html(label, "missed")
                + f"<h3>未按期的任务 Tasks missing their deadline ({len(missed):,})</h3>"
            )
            self.missed.show(missed)
            self.missed.widget.layout.display = ""
        else:
            self.missed_head.value = ""
            self.missed.widget.layout.display = "none"
        self._show_gap_for(key, label)
        elapsed = time.perf_counter() - started
        # the numbers are drawn: the marker a browser test waits for (the charts follow)
        self.status.value = status_html(
            f"情景 Scenario: {label} — {counts['on_time']:,} / "
            f"{len(sp.schedule.tasks):,} 按期 on time",
            elapsed,
        )
        self.charts.clear_output(wait=True)
        with self.charts:
            display(w.HTML(scenario_html(label, "charts")))
            show(attainment_bars(sp.attainment(), self.config))
            show(workload_heatmap(sp.workload(), self.config))

    # -- the verified gap, in the background

    def verify_gap(self) -> None:
        key, label, controls = self.scenario(), self.describe(), self.controls()
        if key in self._gaps:
            self._show_gap_for(key, label)
            return
        if self._gap_key == key:
            return  # already being verified
        self.cancel_gap(None)
        with self._lock:
            self._gap_run += 1
            run = self._gap_run
            self._gap_key = key
            started = time.perf_counter()
            self.cancel.layout.display = ""
            self.verify.disabled = True
            self._progress(label, "开始 starting", started)

        def say(step: str) -> None:
            with self._lock:  # checked and written together: a cancel cannot come between
                if self._gap_run != run:
                    raise GapCancelled
                self._progress(label, step, started)

        def work() -> None:
            try:
                sp = self.plan_for_controls(gap=True, progress=say, controls=controls)
            except GapCancelled:
                return
            except Exception as exc:  # shown on the page, in words, never a traceback
                with self._lock:
                    if self._gap_run == run:
                        self._gap_key = None
                        self._end_progress(f"验证失败 the verification failed: {exc}")
                return
            with self._lock:
                self._gaps[key] = (label, sp)
                while len(self._gaps) > _KEEP_GAPS:  # the oldest, never the baseline's
                    del self._gaps[next(k for k in self._gaps if k != self._base_key)]
                if self._gap_run != run:
                    return
                self._gap_key = None
                took = time.perf_counter() - started
                # the figures first, then the word "verified" a reader (or a test) waits for
                if self.scenario() == key:
                    self._show_gap_for(key, label)
                self._end_progress(f"已验证 verified in {took:.1f} s")

        self._gap_thread = threading.Thread(target=work, name="verify-gap", daemon=True)
        self._gap_thread.start()

    def cancel_gap(self, why: str | None) -> None:
        """Give up the verification running (if any); ``why`` is shown in its place."""
        with self._lock:
            if self._gap_key is None:
                return
            self._gap_run += 1
            self._gap_key = None
            self._end_progress(why)

    def _progress(self, label: str, step: str, started: float) -> None:
        self.gap_progress.value = (
            '<div class="rk-progress" data-testid="gap-progress">'
            f"⏳ 正在验证 verifying — {html.escape(label)}: {html.escape(step)} "
            f"({time.perf_counter() - started:.0f} s)</div>"
        )

    def _end_progress(self, text: str | None) -> None:
        self.cancel.layout.display = "none"
        self.verify.disabled = False
        self.gap_progress.value = (
            "" if not text else f'<div data-testid="gap-progress">{html.escape(text)}</div>'
        )

    def _show_gap_for(self, key: tuple, label: str) -> None:
        if key in self._gaps:
            self._show_gap(*self._gaps[key])
            return
        self.gap_html.value = scenario_html(label, "gap") + (
            "<p>此情景的缺口尚未验证 — 上方为实时估算的未按期工作量；按 “验证缺口 Verify gap” "
            "计算（需数秒）。 Not verified for this scenario yet: the work missing its deadline "
            "above is the live estimate; press Verify gap for the verified figure (seconds).</p>"
        )

    def _show_gap(self, label: str, sp) -> None:
        head = scenario_html(label, "gap")
        if sp.gap is None:
            self.gap_html.value = head + "<p>未计算 not measured</p>"
            return
        table = gap_table(sp, self.config)
        if table.empty:
            self.gap_html.value = (
                head + "<p>无缺口，现有人员可按期完成全部任务 — no gap: every task is on time.</p>"
            )
            return
        total = int(sp.gap_frame()["extra_person_days_verified"].sum())
        self.gap_html.value = (
            head
            + f"<p>共需补充 {total:,} 人天 — {total:,} extra person-days put every task on time "
            "(verified by re-scheduling).</p>" + table_html(table)
        )
