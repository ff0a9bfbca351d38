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
from revisitkit.kpi import burn_up, compute_kpis, traffic_light
from revisitkit.views.dashboards.common import filter_dropdown, present_choices
from revisitkit.views.html import (
    ALL,
    STYLE,
    kpi_lights_html,
    status_footnote,
    status_html,
    status_tile,
    table_html,
    tiles_html,
)
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

__all__ = ["OverviewDashboard", "progress_tiles", "spend_tiles"]


def top_risks_html(ov: Campaign, limit: int = 5) -> str:
    t = top_risks_table(ov.risks.frame, limit)
    cols = ["编号 ID", "风险 Risk", "分值 Score", "等级 Level", "负责人 Owner", "状态 Status"]
    return table_html(t[cols])


def scope_html(title: str, filtered: bool) -> str:
    """A section heading that says whether the filter applies to it."""
    scope = (
        "按筛选 follows the filter"
        if filtered
        else "全部客户 all customers · 不受筛选影响 not filtered"
    )
    return f'<h3>{html.escape(title)} <span class="rk-scope" data-scope="{"filtered" if filtered else "all"}">（{scope}）</span></h3>'


def progress_tiles(now: pd.DataFrame, config, as_of) -> list[tuple]:
    """One tile per priority: customers reached against customers due by *as_of*, coloured
    by status (met when every due customer is reached; grey when nothing is due yet)."""
    labels = config.priority.labels
    tiles = []
    for r in now.itertuples(index=False):
        if not r.total:
            continue
        done, due = int(r.done), int(r.planned)
        if due:
            status = traffic_light(done, due, config.kpis.amber_margin)
        else:
            status = "green" if done else "n/a"
        if due:
            value = f"{done:,} / {due:,}"
            note = f"截至 {as_of:%m-%d} 应完成 {due:,} due · 共 {int(r.total):,} in all"
        else:
            value = f"{done:,}"
            note = f"尚无到期 nothing due by {as_of:%m-%d} · 共 {int(r.total):,} in all"
        label = f"{labels[r.priority]} 已回访 / 应完成 reached / due"
        tiles.append(status_tile(label, value, status, note))
    return tiles


def spend_tiles(budget_total: float, planned_to_date: float, spent: float, over: float, config):
    """Budget tiles: spending at or under the plan to date is met (green), over it by at most
    the amber margin at risk, beyond that missed."""
    status = traffic_light(spent, planned_to_date, config.kpis.amber_margin, "max")
    return [
        ("预算 Budget", cny(budget_total), ""),
        ("至今计划 Planned to date", cny(planned_to_date), ""),
        status_tile("实际支出 Spent", cny(spent), status),
        ("超支科目合计 Overspent lines", cny(over), ""),
    ]


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
                    scope_html("预算执行 Budget spent against plan", False)
                    + tiles_html(spend_tiles(ov.budget.total, due, spent, over, ov.ws.config))
                )
            )
            show(plan_actual_bars(ov.spend, ov.ws.config))
            display(w.HTML(scope_html("最高风险 Top risks", False) + top_risks_html(ov)))
        self.widget = w.VBox(
            [
                w.HTML(STYLE),
                w.HBox([self.region, self.segment]),
                self.status,
                w.HTML(scope_html("回访进度 Progress", True)),
                self.tiles,
                w.HTML(scope_html("指标 KPIs", True)),
                self.lights,
                w.HTML(status_footnote(ov.ws.config)),
                self.burn,
                w.HTML(scope_html("工作量与产能 Workload against capacity", False)),
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
            o,
            p,
            config,
            as_of=ov.as_of,
            scopes=(),
            segment=segment,
            problems=problems,
            paced=True,
        )
        if self.region.value != ALL or self.segment.value != ALL:
            # campaign totals (leads, suggestions, items) have no target for a part of it
            totals = kpis["kpi"].isin(["leads", "suggestions", "improvement_items"])
            kpis.loc[totals, "status"] = "—"
        burn = burn_up(o, p, config, as_of=ov.as_of)
        now = burn[burn["date"] == pd.Timestamp(ov.as_of)]
        tiles = progress_tiles(now, config, ov.as_of)
        reached = int(o.loc[o["reached"], "customer_id"].nunique())
        tiles.append(("已回访客户 Customers reached", f"{reached:,}", ""))
        self.tiles.value = tiles_html(tiles)
        self.lights.value = kpi_lights_html(kpis)
        self.burn.clear_output(wait=True)
        with self.burn:
            show(burn_up_chart(burn, config, ov.as_of, self._holidays))
        if p.empty:
            self.tiles.value = '<p class="rk-empty" data-testid="empty">没有符合条件的客户 No customer matches these filters.</p>'
        self.status.value = status_html(
            f"当前筛选 Filter: {self.describe()} — {len(p):,} 位客户 customers, {reached:,} 已回访 "
            "reached"
        )
