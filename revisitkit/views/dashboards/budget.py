"""The budget what-if dashboard."""

from __future__ import annotations

import html
import time

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.budget import CATEGORIES, Optimizer, plan_budget, variance
from revisitkit.kpi import traffic_light
from revisitkit.views.dashboards.common import number_box, page
from revisitkit.views.html import status_footnote, status_html, status_tile, table_html, tiles_html
from revisitkit.views.labels import cny, label_maps, short
from revisitkit.views.plots import budget_split_bars, plan_actual_bars, segment_cost_bars, show
from revisitkit.views.tables import (
    allocation_table,
    budget_by_table,
    budget_split_table,
    variance_table,
)

# ------------------------------------------------------------------------------ budget
#: Segments whose gift a manager can change on the dashboard (those with a gift in the plan).
GIFT_SEGMENTS = ("core", "potential", "new", "regular")


class BudgetDashboard:
    """What-if budget: the total, the category shares and the gifts per segment, recomputed
    live — the split against the plan's cost, cost and return by segment, the optimizer's
    allocation with its binding constraints, and the spend so far against the monthly plan."""

    def __init__(self, ws, staffing=None, actuals: pd.DataFrame | None = None):
        self.ws, self.config, self.staffing, self.actuals = ws, ws.config, staffing, actuals
        b = self.config.budget
        self.total = number_box(
            int(round(b.total_cny)),
            "总预算 Total ¥",
            width="260px",
            label_width="100px",
            min=0,
            max=10**10,
            step=100_000,
        )
        self.shares = {}
        for c in CATEGORIES:
            self.shares[c] = number_box(
                int(round(b.split.as_dict()[c] * 100)),
                f"{short(b.labels[c])} %",
                width="140px",
                label_width="60px",
                min=0,
                max=100,
            )
        seg = label_maps(self.config)["value_segment"]
        self.gifts = {}
        for s in GIFT_SEGMENTS:
            self.gifts[s] = number_box(
                int(round(b.gift_per_customer.get(s, 0))),
                f"{short(seg[s])} 礼品 Gift ¥",
                width="250px",
                label_width="150px",
                min=0,
                max=100_000,
                step=50,
            )
        for box in [self.total, *self.shares.values(), *self.gifts.values()]:
            box.observe(lambda _c: self.recompute(), names="value")
        self.reset = w.Button(description="重置 Reset")
        self.reset.on_click(lambda _b: self.reset_controls())
        self._quiet = False
        #: the message next to the shares while they do not add up to 100%
        self.share_msg = w.HTML()
        #: above the figures while they are the last valid scenario's, not the inputs'
        self.stale = w.HTML()
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.tables = w.Output()
        self.widget = page(
            w.HBox([self.total, self.reset]),
            w.HBox([*self.shares.values(), self.share_msg]),
            w.HBox(list(self.gifts.values())),
            self.status,
            self.stale,
            self.tiles,
            self.charts,
            self.tables,
        )
        self.recompute()

    def scenario(self) -> tuple[float, dict[str, float], dict[str, float]]:
        b = self.config.budget
        split = {c: box.value / 100 for c, box in self.shares.items()}
        gifts = {
            s: float(box.value)
            for s, box in self.gifts.items()
            if box.value != b.gift_per_customer.get(s, 0)
        }
        return float(self.total.value), split, gifts

    def describe(self) -> str:
        b = self.config.budget
        total, split, gifts = self.scenario()
        parts = []
        if total != b.total_cny:
            parts.append(f"总预算 {total:,.0f}")
        if any(abs(split[c] - v) > 1e-9 for c, v in b.split.as_dict().items()):
            parts.append("占比 " + "/".join(f"{split[c]:.0%}" for c in split))
        seg = label_maps(self.config)["value_segment"]
        parts += [f"{short(seg[s])} 礼品 gift ¥{v:,.0f}" for s, v in gifts.items()]
        return " · ".join(parts) or "基线 baseline"

    def reset_controls(self) -> None:
        b = self.config.budget
        self._quiet = True
        try:
            self.total.value = int(round(b.total_cny))
            for c, box in self.shares.items():
                box.value = int(round(b.split.as_dict()[c] * 100))
            for s, box in self.gifts.items():
                box.value = int(round(b.gift_per_customer.get(s, 0)))
        finally:
            self._quiet = False
        self.recompute()

    def recompute(self) -> None:
        if self._quiet:
            return
        started = time.perf_counter()
        total, split, gifts = self.scenario()
        if abs(sum(split.values()) - 1.0) > 1e-9:
            # the shares are edited one at a time: the last valid figures stay, marked as such
            now = sum(split.values())
            self.share_msg.value = (
                '<span class="rk-warn" data-testid="share-message">⚠ 占比合计 '
                f"{now:.0%}，须为 100% — the shares add up to {now:.0%}, not 100%</span>"
            )
            if getattr(self, "_shown", None):
                self.stale.value = (
                    '<div class="rk-warn" data-testid="stale">以下为上一个有效情景的数字 The '
                    f"figures below are the last valid scenario's: {html.escape(self._shown)}</div>"
                )
            self.status.value = status_html(
                f"占比合计 {now:.0%}，未重算 shares add up to {now:.0%}: not recomputed"
            )
            return
        self.share_msg.value = ""
        self.stale.value = ""
        config = self.config
        if gifts:
            config = config.replace({"budget": {"gift_per_customer": gifts}})
        bp = self.current = plan_budget(
            self.ws.plan,
            config,
            staffing=self.staffing,
            calendar=self.ws.calendar,
            total=total,
            split=split,
        )
        alloc = self.allocation = Optimizer(bp).solve()
        target = config.budget.roi_target
        margin = config.kpis.amber_margin
        gap = bp.total - bp.cost
        self.tiles.value = tiles_html(
            [
                ("总预算 Budget", cny(bp.total), ""),
                status_tile(
                    "计划成本 Plan cost",
                    cny(bp.cost),
                    traffic_light(bp.cost, bp.total, margin, "max"),
                    "对比预算 against the budget",
                ),
                ("差额 Budget − cost", f"{'+' if gap >= 0 else '−'}{cny(abs(gap))}", ""),
                ("预期回报 Expected return", cny(bp.expected_return), ""),
                status_tile(
                    "投资回报率 ROI",
                    f"{bp.roi:.0%}",
                    traffic_light(bp.roi, target, margin),
                    f"目标 target {target:.0%}",
                ),
                (
                    "优化后 ROI Optimized",
                    f"{alloc.roi:.0%}" if alloc.feasible else "无可行分配 no allocation fits",
                    "",
                ),
            ]
        ) + status_footnote(config)
        table = None
        if self.actuals is not None:
            table = variance(bp.monthly(), self.actuals, config)
        self.charts.clear_output(wait=True)
        with self.charts:
            show(budget_split_bars(bp.categories()))
            show(segment_cost_bars(bp.by("value_segment"), config))
            if table is not None:
                show(plan_actual_bars(table, config))
        self.tables.clear_output(wait=True)
        with self.tables:
            parts = [
                "<h3>预算拆分 Split</h3>",
                table_html(budget_split_table(bp)),
                "<h3>按客户分层 By segment</h3>",
                table_html(budget_by_table(bp, "value_segment", config)),
                "<h3>按优先级 By priority</h3>",
                table_html(budget_by_table(bp, "priority", config)),
                "<h3>按区域 By region cluster</h3>",
                table_html(budget_by_table(bp, "region_cluster", config)),
                "<h3>优化分配 Optimized allocation</h3>",
                "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in alloc.binding) + "</ul>",
            ]
            if alloc.feasible:
                parts.append(table_html(allocation_table(alloc, config)))
            if table is not None:
                parts += [
                    "<h3>月度计划与实际 Plan against actual</h3>",
                    table_html(variance_table(table, config)),
                ]
            display(w.HTML("".join(parts)))
        elapsed = time.perf_counter() - started
        self._shown = (
            f"{self.describe()} — 预算 Budget {cny(bp.total)} · 成本 Cost {cny(bp.cost)} · "
            f"ROI {bp.roi:.0%}"
        )
        self.status.value = status_html(f"情景 Scenario: {self._shown}", elapsed)
