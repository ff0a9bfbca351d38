"""The segmentation dashboard: segments and priorities, filtered by region, industry, owner."""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.calendar import CampaignCalendar
from revisitkit.config import TIERS, Config
from revisitkit.segmentation import SegmentationResult
from revisitkit.views.dashboards.common import (
    PagedTable,
    PlanFilter,
    filter_dropdown,
    page,
    present_choices,
)
from revisitkit.views.html import ALL, status_html, tiles_html
from revisitkit.views.labels import PLAN_HEADERS_ZH, label_maps
from revisitkit.views.plots import (
    deadline_timeline,
    holiday_weekdays,
    region_segment_heatmap,
    segment_priority_bars,
    show,
)
from revisitkit.views.tables import high_priority_list


class SegmentationDashboard:
    """Filters (region cluster, industry group, owner) and the views of the segmented plan."""

    def __init__(
        self,
        result: SegmentationResult,
        customers: pd.DataFrame,
        config: Config,
        calendar: CampaignCalendar,
        *,
        names: dict[str, str] | None = None,
    ):
        #: staff id → name: owners are shown by name (the id in the owner list's tooltip)
        self.names = dict(names or {})
        self.result, self.customers, self.config, self.calendar = (
            result,
            customers,
            config,
            calendar,
        )
        plan = result.plan
        labels = label_maps(config)
        self.region = filter_dropdown(
            "区域 Region",
            present_choices(labels["region_cluster"], plan["region_cluster"]),
            self.redraw,
        )
        self.industry = filter_dropdown(
            "行业 Industry",
            present_choices(labels["industry_group"], plan["industry_group"]),
            self.redraw,
        )
        owners = sorted(plan["owner"].dropna().astype(str).unique()) if "owner" in plan else []
        choices = sorted(((self.owner_label(o), o) for o in owners), key=lambda c: c[0])
        self.owner = filter_dropdown("经理 Owner", choices, self.redraw)
        self.owner.tooltip = "客户经理 Account manager (按姓名 by name)"
        phases = config.phases()
        self._holidays = holiday_weekdays(
            calendar.calendar, phases.preparation.start, phases.summary.end
        )
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.list = PagedTable(
            "高优先级客户.xlsx",
            "高优先级客户",
            testid="high-list",
            empty="没有符合条件的客户 No customer matches these filters.",
        )
        self.list_note = w.HTML()
        self.widget = page(
            w.HBox([self.region, self.industry, self.owner]),
            self.status,
            self.tiles,
            self.charts,
            w.HTML("<h3>高优先级客户 High-priority customers</h3>"),
            self.list_note,
            self.list.widget,
        )
        self.redraw()

    def owner_label(self, owner: str) -> str:
        """An account manager as people know them: the name (the id where the roster has no
        name for it)."""
        return self.names.get(owner, owner)

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
        hp = high_priority_list(plan, self.customers, self.config, limit=None)
        owner_col = PLAN_HEADERS_ZH["owner"]
        if owner_col in hp:
            hp[owner_col] = hp[owner_col].astype(str).map(self.owner_label)
        self.list_note.value = (
            f"<p>{len(hp):,} 位高优先级客户，按截止日期与收入排序 "
            f"{len(hp):,} high-priority customers, earliest deadline and largest revenue first "
            f"（{html.escape(f.describe(self.config, self.names))}）</p>"
        )
        self.list.show(hp)
        # last: the marker a browser test waits for
        self.status.value = status_html(
            f"当前筛选 Filter: {f.describe(self.config, self.names)} — {len(plan):,} 位客户 customers"
        )
