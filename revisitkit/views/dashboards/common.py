"""What every dashboard uses: the filter of the plan."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import ipywidgets as w
import pandas as pd

from revisitkit.config import Config
from revisitkit.io.write import excel_text, excel_writer
from revisitkit.views.html import ALL, NO_MATCH, STYLE, table_html
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

    def describe(self, config: Config, names: dict[str, str] | None = None) -> str:
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
            parts.append(f"客户经理 {(names or {}).get(self.owner, self.owner)}")
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


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """*frame* as an XLSX workbook in memory (texts stay text: never a formula or a link)."""
    buffer = io.BytesIO()
    with excel_writer(buffer) as writer:
        excel_text(frame).to_excel(writer, sheet_name=sheet, index=False)
        writer.sheets[sheet].freeze_panes(1, 0)
    return buffer.getvalue()


class PagedTable:
    """A list a manager pages through to its last row, with the rows shown (all pages, the
    filter applied) to download as XLSX. *filename* and *sheet* are the kit's own words, never
    taken from the data; the frame given is what is shown (personal data already masked)."""

    def __init__(
        self,
        filename: str,
        sheet: str,
        *,
        page_size: int = 50,
        testid: str = "list",
        empty: str = NO_MATCH,
    ):
        self.filename, self.sheet, self.page_size, self.testid = filename, sheet, page_size, testid
        self.empty = empty
        self.frame = pd.DataFrame()
        self.page = 0
        self.first = w.Button(description="« 首页 First", layout=w.Layout(width="110px"))
        self.prev = w.Button(description="‹ 上一页 Prev", layout=w.Layout(width="120px"))
        self.next = w.Button(description="下一页 Next ›", layout=w.Layout(width="120px"))
        self.last = w.Button(description="末页 Last »", layout=w.Layout(width="110px"))
        for button, step in (
            (self.first, "first"),
            (self.prev, -1),
            (self.next, 1),
            (self.last, "last"),
        ):
            button.add_class(
                f"rk-page-{step if isinstance(step, str) else ('prev' if step < 0 else 'next')}"
            )
            button.on_click(lambda _b, step=step: self.go(step))
        self.info = w.HTML()
        self.download = w.HTML()
        self.table = w.HTML()
        bar = w.HBox([self.first, self.prev, self.info, self.next, self.last, self.download])
        bar.layout.flex_flow = "row wrap"
        bar.layout.align_items = "center"
        bar.add_class("rk-noprint")
        self.widget = w.VBox([bar, self.table])

    def show(self, frame: pd.DataFrame) -> None:
        """Show *frame* from its first page, with its download."""
        self.frame = frame.reset_index(drop=True)
        self.page = 0
        if len(frame):
            data = base64.b64encode(xlsx_bytes(self.frame, self.sheet)).decode("ascii")
            self.download.value = (
                f'<a class="rk-tab" data-testid="{self.testid}-download" download="{self.filename}" '
                'href="data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;'
                f'base64,{data}">⬇ 下载全部 {len(frame):,} 行 Download all (XLSX)</a>'
            )
        else:
            self.download.value = ""
        self._draw()

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.frame) // self.page_size))

    def go(self, step) -> None:
        if step == "first":
            self.page = 0
        elif step == "last":
            self.page = self.pages - 1
        else:
            self.page = min(self.pages - 1, max(0, self.page + step))
        self._draw()

    def _draw(self) -> None:
        n = len(self.frame)
        start = self.page * self.page_size
        end = min(n, start + self.page_size)
        for button in (self.first, self.prev):
            button.disabled = self.page == 0
        for button in (self.next, self.last):
            button.disabled = self.page >= self.pages - 1
        self.info.value = (
            f'<span data-testid="{self.testid}-page">第 {self.page + 1} / {self.pages} 页 · '
            f"{start + 1 if n else 0}–{end} / 共 {n:,} 行 (page {self.page + 1} of "
            f"{self.pages}, rows {start + 1 if n else 0}–{end} of {n:,})</span>"
        )
        self.table.value = table_html(
            self.frame.iloc[start:end],
            empty="没有符合条件的客户 No customer matches these filters.",
        )
