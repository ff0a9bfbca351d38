"""The managers' one-page overview: where the campaign stands today.

It gathers what the other parts of the kit compute — the phase and the countdown to the Spring
Festival, revisits done against planned by priority (a burn-up against the deadlines), workload
against capacity, budget spent against plan, the top risks and the KPI traffic lights — and
links to the dashboards with the detail. The data is a :class:`revisitkit.workspace.Campaign`
(:func:`revisitkit.workspace.load_campaign`); :class:`OverviewDashboard` draws it with a filter
by region cluster and value segment. The evaluation date is the latest outcome's date.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.budget import overspend_total
from revisitkit.kpi import burn_up, compute_kpis
from revisitkit.views.dashboards.common import filter_dropdown, present_choices
from revisitkit.views.html import ALL, STYLE, kpi_lights_html, status_html, table_html, tiles_html
from revisitkit.views.labels import ALL_LABEL, cny, label_maps
from revisitkit.views.plots import (
    burn_up_chart,
    holiday_weekdays,
    plan_actual_bars,
    show,
    workload_heatmap,
)
from revisitkit.views.tables import top_risks_table
from revisitkit.workspace import Campaign

__all__ = ["DASHBOARD_LINKS", "OverviewDashboard"]


#: The other dashboards, as the overview links to them (relative to the overview's page).
DASHBOARD_LINKS = (
    ("segmentation.ipynb", "客户分层 Segmentation"),
    ("staffing.ipynb", "人员排期 Staffing"),
    ("budget.ipynb", "预算 Budget"),
    ("risks.ipynb", "风险 Risks"),
)


def links_html() -> str:
    items = " · ".join(
        f'<a href="{href}" data-testid="link-{href.split(".")[0]}">{html.escape(label)}</a>'
        for href, label in DASHBOARD_LINKS
    )
    return f'<p class="rk-links">详情 Details: {items}</p>'


def top_risks_html(ov: Campaign, limit: int = 5) -> str:
    t = top_risks_table(ov.risks.frame, limit)
    cols = ["编号 ID", "风险 Risk", "分值 Score", "等级 Level", "负责人 Owner", "状态 Status"]
    return table_html(t[cols])


class OverviewDashboard:
    """The one page, with a filter by region cluster and value segment (burn-up, counts and
    KPI lights follow the filter; staffing, budget and risks are campaign-wide)."""

    def __init__(self, ov: Campaign):
        self.ov = ov
        plan = ov.ws.plan
        labels = label_maps(ov.ws.config)
        self.region = filter_dropdown(
            "区域 Region",
            present_choices(labels["region_cluster"], plan["region_cluster"]),
            self.redraw,
            width="280px",
        )
        self.segment = filter_dropdown(
            "分层 Segment",
            present_choices(labels["value_segment"], plan["value_segment"]),
            self.redraw,
            width="280px",
        )
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
            display(
                w.HTML(
                    "<h3>预算执行 Budget spent against plan</h3>"
                    + tiles_html(
                        [
                            ("预算 Budget", cny(ov.budget.total), ""),
                            ("本月及以前计划 Planned to date", cny(due), ""),
                            ("实际支出 Spent", cny(spent), "high" if over > 0 else "low"),
                            ("超支 Overspend", cny(over), "high" if over > 0 else ""),
                        ]
                    )
                )
            )
            show(plan_actual_bars(ov.spend, ov.ws.config))
            display(w.HTML("<h3>最高风险 Top risks</h3>" + top_risks_html(ov)))
        self.widget = w.VBox(
            [
                w.HTML(STYLE + links_html()),
                w.HBox([self.region, self.segment]),
                self.status,
                self.tiles,
                w.HTML("<h3>指标 KPIs</h3>"),
                self.lights,
                w.HTML("<h3>回访进度 Progress</h3>"),
                self.burn,
                w.HTML("<h3>工作量与产能 Workload against capacity</h3>"),
                fixed,
            ]
        )
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
        ov = self.ov
        config = ov.ws.config
        p, o = self.filtered()
        segment = None if self.segment.value == ALL else self.segment.value
        problems = ov.problem_sla
        problems = problems[
            problems["customer_id"].astype(str).isin(set(p["customer_id"].astype(str)))
        ]
        kpis = compute_kpis(
            o, p, config, as_of=ov.as_of, scopes=(), segment=segment, problems=problems
        )
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
                tiles.append(
                    (
                        f"{labels[r.priority]} 已完成 / 应完成 done / due",
                        f"{int(r.done):,} / {int(r.planned):,}",
                        r.priority,
                    )
                )
        reached = int(o.loc[o["reached"], "customer_id"].nunique())
        tiles.append(("已回访客户 Customers reached", f"{reached:,}", ""))
        self.tiles.value = tiles_html(tiles)
        self.lights.value = kpi_lights_html(kpis)
        self.burn.clear_output(wait=True)
        with self.burn:
            show(burn_up_chart(burn, config, ov.as_of, self._holidays))
        self.status.value = status_html(
            f"当前筛选 Filter: {self.describe()} — {len(p):,} 位客户 customers, {reached:,} 已回访 "
            "reached"
        )
