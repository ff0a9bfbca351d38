"""Dashboard building blocks: filters managers can play with, views that redraw on change.

The dashboards under ``dashboards/`` only assemble these; the numbers come from the package.
Nothing here edits data: filters select rows of the plan and views draw them. Every view that
shows people passes them through :func:`revisitkit.privacy.mask_personal` first.

A redraw ends by writing a plain-text marker (``data-testid="filter-status"``) so that a browser
test can wait for the new state instead of guessing from images.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.calendar import CampaignCalendar
from revisitkit.config import Config
from revisitkit.labels import PLAN_HEADERS_ZH, channels_label, label_maps, reason_words
from revisitkit.plots import (
    deadline_timeline,
    holiday_weekdays,
    region_segment_heatmap,
    segment_priority_bars,
    show,
)
from revisitkit.privacy import mask_personal
from revisitkit.segmentation import TIERS, SegmentationResult

ALL = "__all__"
ALL_LABEL = "全部 All"

STYLE = """
<style>
.rk-tiles {display:flex; gap:12px; flex-wrap:wrap; margin:6px 0 10px}
.rk-tile {border:1px solid #ddd; border-radius:6px; padding:8px 14px; min-width:120px; background:#fafafa}
.rk-tile b {display:block; font-size:22px}
.rk-tile.high b {color:#c9302c} .rk-tile.medium b {color:#d58512} .rk-tile.low b {color:#449d44}
.rk-table {border-collapse:collapse; font-size:12px}
.rk-table th, .rk-table td {border-bottom:1px solid #e5e5e5; padding:3px 8px; text-align:left}
.rk-table th {background:#f3f3f3}
.rk-warn {background:#fff3cd; border:1px solid #ffe08a; padding:6px 10px; border-radius:4px; margin:4px 0}
.rk-status {color:#555; font-size:12px; margin:4px 0}
</style>
"""


def table_html(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A compact HTML table (values escaped)."""
    return frame.to_html(index=index, classes="rk-table", border=0, escape=True)


def tiles_html(items: list[tuple[str, str, str]]) -> str:
    """KPI tiles: (label, value, css class)."""
    cells = "".join(
        f'<div class="rk-tile {cls}">{html.escape(label)}<b>{html.escape(value)}</b></div>'
        for label, value, cls in items
    )
    return f'<div class="rk-tiles">{cells}</div>'


def warnings_html(warnings: tuple[str, ...] | list[str]) -> str:
    return "".join(f'<div class="rk-warn">⚠ {html.escape(x)}</div>' for x in warnings)


@dataclass(frozen=True)
class PlanFilter:
    """Which customers a manager is looking at. ``None`` means all."""

    region_cluster: str | None = None
    industry_group: str | None = None
    owner: str | None = None

    def apply(self, plan: pd.DataFrame) -> pd.DataFrame:
        mask = pd.Series(True, index=plan.index)
        for column in ("region_cluster", "industry_group", "owner"):
            value = getattr(self, column)
            if value is not None and column in plan:
                mask &= plan[column] == value
        return plan[mask]

    def describe(self, config: Config) -> str:
        labels = label_maps(config)
        parts = []
        if self.region_cluster:
            parts.append(
                f"区域 {labels['region_cluster'].get(self.region_cluster, self.region_cluster)}"
            )
        if self.industry_group:
            parts.append(
                f"行业 {labels['industry_group'].get(self.industry_group, self.industry_group)}"
            )
        if self.owner:
            parts.append(f"客户经理 {self.owner}")
        return " · ".join(parts) or ALL_LABEL


def high_priority_list(
    plan: pd.DataFrame, customers: pd.DataFrame, config: Config, limit: int = 50
) -> pd.DataFrame:
    """High-priority customers, earliest deadline and largest revenue first, for people.

    Contacts are masked; reasons are spelled out in words.
    """
    high = plan[plan["priority"] == "high"].sort_values(
        ["deadline", "revenue_12m"], ascending=[True, False], kind="stable"
    )
    high = high.head(limit)
    people = mask_personal(
        customers.loc[high.index, [c for c in ("contact", "phone") if c in customers]]
    )
    labels = label_maps(config)
    out = pd.DataFrame(
        {
            PLAN_HEADERS_ZH["customer_id"]: high["customer_id"],
            PLAN_HEADERS_ZH["name"]: high["name"],
            PLAN_HEADERS_ZH["value_segment"]: high["value_segment"].map(labels["value_segment"]),
            PLAN_HEADERS_ZH["deadline"]: high["deadline"].dt.strftime("%Y-%m-%d"),
            PLAN_HEADERS_ZH["reasons"]: reason_words(high["reasons"], config),
            PLAN_HEADERS_ZH["channels"]: channels_label(high["channels"], config),
            PLAN_HEADERS_ZH["owner"]: high.get("owner", pd.Series("", index=high.index)),
        }
    )
    if "contact" in people:
        out["联系人"] = people["contact"]
    if "phone" in people:
        out["电话"] = people["phone"]
    return out


class SegmentationDashboard:
    """Filters (region cluster, industry group, owner) and the views of the segmented plan."""

    def __init__(
        self,
        result: SegmentationResult,
        customers: pd.DataFrame,
        config: Config,
        calendar: CampaignCalendar,
    ):
        self.result, self.customers, self.config, self.calendar = (
            result,
            customers,
            config,
            calendar,
        )
        plan = result.plan
        labels = label_maps(config)
        self.region = w.Dropdown(
            options=[(ALL_LABEL, ALL)]
            + [
                (labels["region_cluster"][c], c)
                for c in labels["region_cluster"]
                if (plan["region_cluster"] == c).any()
            ],
            value=ALL,
            description="区域 Region",
        )
        self.industry = w.Dropdown(
            options=[(ALL_LABEL, ALL)]
            + [
                (labels["industry_group"][g], g)
                for g in labels["industry_group"]
                if (plan["industry_group"] == g).any()
            ],
            value=ALL,
            description="行业 Industry",
        )
        owners = sorted(plan["owner"].dropna().unique()) if "owner" in plan else []
        self.owner = w.Dropdown(options=[(ALL_LABEL, ALL)] + [(o, o) for o in owners], value=ALL,
                                description="经理 Owner")  # fmt: skip
        for dd in (self.region, self.industry, self.owner):
            dd.style.description_width = "90px"
            dd.layout.width = "260px"
            dd.observe(lambda _change: self.redraw(), names="value")
        phases = config.phases()
        self._holidays = holiday_weekdays(
            calendar.calendar, phases.preparation.start, phases.summary.end
        )
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.table = w.Output()
        self.widget = w.VBox(
            [
                w.HTML(STYLE),
                w.HBox([self.region, self.industry, self.owner]),
                self.status,
                self.tiles,
                self.charts,
                w.HTML("<h3>高优先级客户 High-priority customers</h3>"),
                self.table,
            ]
        )
        self.redraw()

    @property
    def current_filter(self) -> PlanFilter:
        def pick(dd: w.Dropdown) -> str | None:
            return None if dd.value == ALL else dd.value

        return PlanFilter(pick(self.region), pick(self.industry), pick(self.owner))

    def redraw(self) -> None:
        f = self.current_filter
        plan = f.apply(self.result.plan)
        counts = plan["priority"].value_counts().reindex(list(TIERS), fill_value=0)
        labels = self.config.priority.labels
        self.tiles.value = tiles_html(
            [("客户数 Customers", f"{len(plan):,}", "")]
            + [(labels[t], f"{counts[t]:,}", t) for t in TIERS]
            + [
                (
                    "最早截止 First deadline",
                    f"{plan['deadline'].min():%m-%d}" if len(plan) else "—",
                    "",
                )
            ]
        )
        self.charts.clear_output(wait=True)
        with self.charts:
            if len(plan):
                show(segment_priority_bars(plan, self.config))
                show(deadline_timeline(plan, self.config, holidays=self._holidays))
                show(region_segment_heatmap(plan, self.config))
            else:
                display(w.HTML("<p>没有符合条件的客户 No customer matches these filters.</p>"))
        self.table.clear_output(wait=True)
        with self.table:
            hp = high_priority_list(plan, self.customers, self.config)
            n_high = int(counts["high"])
            display(w.HTML(
                f"<p>显示 {len(hp)} / 共 {n_high:,} 位高优先级客户 (showing {len(hp)} of {n_high:,})</p>"
                + table_html(hp)
            ))  # fmt: skip
        # last: the marker a browser test waits for
        self.status.value = (
            f'<div class="rk-status" data-testid="filter-status">当前筛选 Filter: '
            f"{html.escape(f.describe(self.config))} — {len(plan):,} 位客户 customers</div>"
        )


def header_html(title: str, ws) -> str:
    """The dashboard's heading: campaign, data, calendar facts and every warning, visible."""
    cal = ws.calendar
    ex = cal.phases.execution
    first, _last = cal.spring_festival
    facts = (
        f"{ws.config.campaign.year} 年前回访 · 数据 data: {html.escape(ws.source_label)} "
        f"({len(ws.plan):,} 位客户 customers, 截至 as of {ws.result.as_of}) · "
        f"执行期 execution {ex.start} → {ex.end} ({cal.execution_working_days} 个工作日 working days) · "
        f"春节假期 Spring Festival from {first}"
    )
    notes = [str(n) for n in ws.result.not_evaluated]
    return (
        STYLE
        + f"<h2>{html.escape(title)}</h2><p>{facts}</p>"
        + warnings_html(cal.warnings)
        + warnings_html([f"数据缺列 Missing column: {n}" for n in notes])
    )


def summary_html(result: SegmentationResult, config: Config) -> str:
    """Segment × priority counts with labels, as an HTML table."""
    labels = label_maps(config)
    table = result.summary()
    table.index = [labels["value_segment"].get(i, "合计 Total") for i in table.index]
    table.columns = [labels["priority"].get(c, "合计 Total") for c in table.columns]
    table.index.name = None
    table.columns.name = None
    return table_html(table.map(lambda v: f"{v:,}"), index=True)
