"""What every dashboard uses: the filter of the plan."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as w
import pandas as pd

from revisitkit.config import Config
from revisitkit.views.html import ALL, STYLE
from revisitkit.views.labels import ALL_LABEL, label_maps


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


def present_choices(labels: dict[str, str], column: pd.Series) -> list[tuple[str, str]]:
    """``(label, code)`` for each code of *labels* that occurs in *column*, in the labels' order."""
    present = set(column.dropna())
    return [(label, code) for code, label in labels.items() if code in present]


def filter_dropdown(
    description: str,
    choices: list[tuple[str, str]],
    on_change,
    *,
    width: str = "260px",
    label_width: str = "90px",
) -> w.Dropdown:
    """A filter a manager picks from: "全部 All" first, then *choices*; *on_change* redraws."""
    dd = w.Dropdown(options=[(ALL_LABEL, ALL)] + list(choices), value=ALL, description=description)
    dd.style.description_width = label_width
    dd.layout.width = width
    dd.observe(lambda _change: on_change(), names="value")
    return dd


def number_box(
    value: int, description: str, *, width: str, label_width: str, **limits: int
) -> w.BoundedIntText:
    """A whole-number what-if control (*limits*: ``min``, ``max``, ``step``)."""
    box = w.BoundedIntText(value=value, description=description, **limits)
    box.style.description_width = label_width
    box.layout.width = width
    return box


def page(*parts: w.Widget) -> w.VBox:
    """A dashboard's widget: the house style, then *parts* top to bottom."""
    return w.VBox([w.HTML(STYLE), *parts])
