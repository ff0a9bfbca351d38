"""The managers' one-page overview: where the campaign stands today.

It gathers what the other parts of the kit compute — the phase and the countdown to the Spring
Festival, revisits done against planned by priority (a burn-up against the deadlines), workload
against capacity, budget spent against plan, the top risks and the KPI traffic lights — and
links to the dashboards with the detail. :func:`load_overview` loads it all once;
:class:`OverviewDashboard` draws it with a filter by region cluster and value segment.

Outcomes come from ``REVISITKIT_OUTCOMES`` (a file), else the store when it holds outcomes, else
the bundled sample (simulated as of 2026-12-23, mid-execution). The evaluation date is the
latest outcome's date.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.config import display_path
from revisitkit.io import load_outcomes
from revisitkit.kpi import as_of_default, burn_up, compute_kpis
from revisitkit.labels import kpi_label, kpi_text, label_maps
from revisitkit.schema import OUTCOME_FIELDS
from revisitkit.store import OutcomeLog, Store
from revisitkit.widgets import ALL, ALL_LABEL, STYLE, table_html, tiles_html
from revisitkit.workspace import SAMPLE_OUTCOMES, file_label

__all__ = ["DASHBOARD_LINKS", "Overview", "OverviewDashboard", "load_overview"]


#: The other dashboards, as the overview links to them (relative to the overview's page).
DASHBOARD_LINKS = (
    ("segmentation.ipynb", "客户分层 Segmentation"),
    ("staffing.ipynb", "人员排期 Staffing"),
    ("budget.ipynb", "预算 Budget"),
    ("risks.ipynb", "风险 Risks"),
)
_LIGHT = {
    "green": "#2e7d32",
    "amber": "#ef8f00",
    "red": "#c62828",
    "n/a": "#9e9e9e",
    "—": "#9e9e9e",
}


@dataclass(frozen=True)
class Overview:
    """Everything the overview shows, loaded once."""

    ws: Any  # revisitkit.workspace.Workspace
    staffing: Any  # revisitkit.staffing.StaffingPlan
    budget: Any  # revisitkit.budget.BudgetPlan
    spend: pd.DataFrame  # variance table (plan against actual)
    risks: pd.DataFrame  # the register
    risk_note: str
    outcomes: pd.DataFrame
    outcomes_source: str
    as_of: date


def load_overview() -> Overview:
    """Load the workspace, schedule, budget, spend, register and outcomes (see the module
    docstring for where the outcomes come from)."""
    from revisitkit.budget import plan_budget, variance
    from revisitkit.staffing import plan_staffing
    from revisitkit.workspace import load_risks, load_spend, load_staff, load_workspace, store_path

    ws = load_workspace()
    roster = load_staff(ws.config)
    staffing = plan_staffing(ws.plan, roster, ws.config, ws.calendar, gap=False)
    bp = plan_budget(ws.plan, ws.config, staffing=staffing, calendar=ws.calendar)
    spend = variance(bp.monthly(), load_spend(ws.config), ws.config)
    view = load_risks(ws.config)
    path = os.environ.get("REVISITKIT_OUTCOMES")
    outcomes = None
    if not path:
        store = Store(store_path(ws.config))
        try:
            stored = OutcomeLog(store).frame()
        finally:
            store.close()
        if len(stored):
            outcomes, source = stored, f"存储 store {display_path(store.path)}"
    if outcomes is None:
        from revisitkit.workspace import SAMPLE_CUSTOMERS

        sample = Path(ws.source).resolve() == SAMPLE_CUSTOMERS.resolve()
        if path or sample:
            file = path or SAMPLE_OUTCOMES
            outcomes = load_outcomes(file, ws.config, customers=ws.plan["customer_id"],
                                     staff=roster["staff_id"])  # fmt: skip
            source = file_label(file, SAMPLE_OUTCOMES)
        else:  # your customers, no outcomes yet: the sample's would not match them
            outcomes = pd.DataFrame({f: pd.Series(dtype=object) for f in OUTCOME_FIELDS})
            outcomes["date"] = pd.to_datetime(outcomes["date"])
            outcomes["reached"] = outcomes["reached"].astype(bool)
            source = "尚无回访结果 no outcomes yet (import them with `revisitkit outcomes import`)"
    return Overview(ws, staffing, bp, spend, view.frame, view.note(), outcomes, source,
                    as_of_default(outcomes))  # fmt: skip


def phase_text(ov: Overview) -> str:
    """Where the campaign is on ``as_of``: the phase, its day, the countdown to 春节."""
    cal = ov.ws.calendar
    phases = ov.ws.config.phases()
    today = ov.as_of
    current = next((p for p in phases if p.start <= today <= p.end), None)
    first, _ = cal.spring_festival
    days_left = (first - today).days
    working_left = (
        cal.calendar.count_working_days(today + timedelta(days=1), first - timedelta(days=1))
        if days_left > 1
        else 0
    )
    names = {"preparation": "准备期 preparation", "execution": "执行期 execution",
             "summary": "总结期 summary"}  # fmt: skip
    if current is None:
        where = (
            "活动前 before the campaign"
            if today < phases.preparation.start
            else "活动已结束 after the campaign"
        )
    else:
        day = (today - current.start).days + 1
        where = f"{names[current.name]}: 第 {day} / {current.days} 天 (day {day} of {current.days})"
    return (f"截至 as of {today} · {where} · 距春节 {days_left} 天 "
            f"({working_left} 个工作日) — {days_left} days ({working_left} working days) to the "
            f"Spring Festival ({first})")  # fmt: skip


def kpi_lights_html(table: pd.DataFrame) -> str:
    """The overall KPIs as traffic-light tiles."""
    cells = []
    for r in table[table["scope"] == "overall"].itertuples(index=False):
        value = "—" if pd.isna(r.value) else kpi_text(r.kpi, r.value)
        target = "—" if r.status == "—" else kpi_text(r.kpi, r.target)
        colour = _LIGHT.get(r.status, "#9e9e9e")
        cells.append(
            f'<div class="rk-tile" data-kpi="{r.kpi}" data-status="{r.status}">'
            f'<span style="color:{colour};font-size:18px">●</span> {html.escape(kpi_label(r.kpi))}'
            f"<b>{html.escape(value)}</b><small>目标 target {html.escape(target)} · {r.status}</small></div>"
        )
    return f'<div class="rk-tiles">{"".join(cells)}</div>'


def links_html() -> str:
    items = " · ".join(f'<a href="{href}" data-testid="link-{href.split(".")[0]}">{html.escape(label)}</a>'
                       for href, label in DASHBOARD_LINKS)  # fmt: skip
    return f'<p class="rk-links">详情 Details: {items}</p>'


def top_risks_html(ov: Overview, limit: int = 5) -> str:
    from revisitkit.widgets import top_risks_table

    t = top_risks_table(ov.risks, limit)
    cols = ["编号 ID", "风险 Risk", "分值 Score", "等级 Level", "负责人 Owner", "状态 Status"]
    return table_html(t[cols])


class OverviewDashboard:
    """The one page, with a filter by region cluster and value segment (burn-up, counts and
    KPI lights follow the filter; staffing, budget and risks are campaign-wide)."""

    def __init__(self, ov: Overview):
        from revisitkit.budget import overspend_total
        from revisitkit.plots import holiday_weekdays, plan_actual_bars, show, workload_heatmap

        self.ov = ov
        plan = ov.ws.plan
        labels = label_maps(ov.ws.config)
        self.region = w.Dropdown(
            options=[(ALL_LABEL, ALL)] + [(labels["region_cluster"][c], c)
                                          for c in labels["region_cluster"]
                                          if (plan["region_cluster"] == c).any()],
            value=ALL, description="区域 Region")  # fmt: skip
        self.segment = w.Dropdown(
            options=[(ALL_LABEL, ALL)] + [(labels["value_segment"][s], s)
                                          for s in labels["value_segment"]
                                          if (plan["value_segment"] == s).any()],
            value=ALL, description="分层 Segment")  # fmt: skip
        for dd in (self.region, self.segment):
            dd.style.description_width = "90px"
            dd.layout.width = "280px"
            dd.observe(lambda _c: self.redraw(), names="value")
        ex = ov.ws.config.phases().execution
        self._holidays = holiday_weekdays(ov.ws.calendar.calendar, ex.start, ex.end)
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.lights = w.HTML()
        self.burn = w.Output()
        fixed = w.Output()
        with fixed:
            wl = ov.staffing.workload()
            show(workload_heatmap(wl, ov.ws.config))
            spent = ov.spend["actual_cny"].sum()
            due = ov.spend[ov.spend["month"] <= f"{ov.as_of:%Y-%m}"]["planned_cny"].sum()
            over = overspend_total(ov.spend)
            display(w.HTML(
                "<h3>预算执行 Budget spent against plan</h3>"
                + tiles_html([("预算 Budget", f"¥{ov.budget.total:,.0f}", ""),
                              ("本月及以前计划 Planned to date", f"¥{due:,.0f}", ""),
                              ("实际支出 Spent", f"¥{spent:,.0f}", "high" if over > 0 else "low"),
                              ("超支 Overspend", f"¥{over:,.0f}", "high" if over > 0 else "")])
            ))  # fmt: skip
            show(plan_actual_bars(ov.spend, ov.ws.config))
            display(w.HTML("<h3>最高风险 Top risks</h3>" + top_risks_html(ov)))
        self.widget = w.VBox([
            w.HTML(STYLE + links_html()),
            w.HBox([self.region, self.segment]),
            self.status, self.tiles,
            w.HTML("<h3>指标 KPIs</h3>"), self.lights,
            w.HTML("<h3>回访进度 Progress</h3>"), self.burn,
            w.HTML("<h3>工作量与产能 Workload against capacity</h3>"), fixed,
        ])  # fmt: skip
        self.redraw()

    def filtered(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        plan = self.ov.ws.plan
        mask = pd.Series(True, index=plan.index)
        if self.region.value != ALL:
            mask &= plan["region_cluster"] == self.region.value
        if self.segment.value != ALL:
            mask &= plan["value_segment"] == self.segment.value
        p = plan[mask]
        ids = set(p["customer_id"].astype(str))
        o = self.ov.outcomes[self.ov.outcomes["customer_id"].astype(str).isin(ids)]
        return p, o

    def describe(self) -> str:
        labels = label_maps(self.ov.ws.config)
        parts = []
        if self.region.value != ALL:
            parts.append(f"区域 {labels['region_cluster'][self.region.value]}")
        if self.segment.value != ALL:
            parts.append(f"分层 {labels['value_segment'][self.segment.value]}")
        return " · ".join(parts) or ALL_LABEL

    def redraw(self) -> None:
        from revisitkit.plots import burn_up_chart, show

        ov = self.ov
        config = ov.ws.config
        p, o = self.filtered()
        kpis = compute_kpis(o, p, config, as_of=ov.as_of, scopes=())
        if self.region.value != ALL or self.segment.value != ALL:
            # campaign totals (leads, suggestions, items) have no target for a part of it
            totals = kpis["kpi"].isin(["leads", "suggestions", "improvement_items"])
            kpis.loc[totals, "status"] = "—"
        burn = burn_up(o, p, config, as_of=ov.as_of)
        now = burn[burn["date"] == pd.Timestamp(ov.as_of)]
        labels = config.priority.labels
        tiles = []
        for r in now.itertuples(index=False):
            if r.total:
                tiles.append((f"{labels[r.priority]} 已完成 / 应完成 done / due",
                              f"{int(r.done):,} / {int(r.planned):,}", r.priority))  # fmt: skip
        reached = int(o.loc[o["reached"], "customer_id"].nunique())
        tiles.append(("已回访客户 Customers reached", f"{reached:,}", ""))
        self.tiles.value = tiles_html(tiles)
        self.lights.value = kpi_lights_html(kpis)
        self.burn.clear_output(wait=True)
        with self.burn:
            show(burn_up_chart(burn, config, ov.as_of, self._holidays))
        self.status.value = (
            f'<div class="rk-status" data-testid="filter-status">当前筛选 Filter: '
            f"{html.escape(self.describe())} — {len(p):,} 位客户 customers, {reached:,} 已回访 "
            "reached</div>"
        )
