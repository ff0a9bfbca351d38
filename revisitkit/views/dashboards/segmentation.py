"""The segmentation dashboard: segments and priorities, filtered by region, industry, owner."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.calendar import CampaignCalendar
from revisitkit.config import TIERS, Config
from revisitkit.segmentation import SegmentationResult
from revisitkit.views.dashboards.common import PlanFilter, filter_dropdown, page, present_choices
from revisitkit.views.html import ALL, status_html, table_html, tiles_html
from revisitkit.views.labels import label_maps
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
    ):
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
        owners = sorted(plan["owner"].dropna().unique()) if "owner" in plan else []
        self.owner = filter_dropdown("经理 Owner", [(o, o) for o in owners], self.redraw)
        phases = config.phases()
        self._holidays = holiday_weekdays(
            calendar.calendar, phases.preparation.start, phases.summary.end
        )
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.table = w.Output()
        self.widget = page(
            w.HBox([self.region, self.industry, self.owner]),
            self.status,
            self.tiles,
            self.charts,
            w.HTML("<h3>高优先级客户 High-priority customers</h3>"),
            self.table,
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
            display(
                w.HTML(
                    f"<p>显示 {len(hp)} / 共 {n_high:,} 位高优先级客户 (showing {len(hp)} of {n_high:,})</p>"
                    + table_html(hp)
                )
            )
        # last: the marker a browser test waits for
        self.status.value = status_html(
            f"当前筛选 Filter: {f.describe(self.config)} — {len(plan):,} 位客户 customers"
        )
