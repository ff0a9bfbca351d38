"""HTML pieces the dashboards and the static report share: the style, tables, tiles, warnings
and the heading every dashboard opens with. Values are always escaped."""

from __future__ import annotations

import html
from datetime import timedelta

import pandas as pd

from revisitkit.config import Config
from revisitkit.segmentation import SegmentationResult
from revisitkit.views.labels import (
    PHASE_LABELS,
    PROMISE_LABELS,
    STATUS_COLOURS,
    STATUS_LABELS,
    kpi_label,
    kpi_text,
    label_maps,
)

#: The value of a filter's "everything" choice (its label is labels.ALL_LABEL).
ALL = "__all__"

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


def status_html(text: str, seconds: float | None = None) -> str:
    """The line a redraw ends with: what is shown (and how long it took). Browser tests wait
    for it (``data-testid="filter-status"``), so it is written last."""
    took = f' <span data-testid="recompute-seconds">({seconds:.2f} s)</span>' if seconds else ""
    return f'<div class="rk-status" data-testid="filter-status">{html.escape(text)}{took}</div>'


def warnings_html(warnings: tuple[str, ...] | list[str]) -> str:
    """Each warning in a visible yellow box."""
    return "".join(f'<div class="rk-warn">⚠ {html.escape(x)}</div>' for x in warnings)


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


def kpi_lights_html(table: pd.DataFrame) -> str:
    """The overall KPIs (``revisitkit.kpi.compute_kpis``) as traffic-light tiles: the value, the
    target and the status in words, on the dashboards and in the report alike."""
    cells = []
    for r in table[table["scope"] == "overall"].itertuples(index=False):
        value = "—" if pd.isna(r.value) else kpi_text(r.kpi, r.value)
        target = "—" if r.status == "—" else kpi_text(r.kpi, r.target)
        colour = STATUS_COLOURS.get(r.status, STATUS_COLOURS["n/a"])
        status = STATUS_LABELS.get(r.status, r.status)
        cells.append(
            f'<div class="rk-tile" data-kpi="{r.kpi}" data-status="{r.status}">'
            f'<span style="color:{colour};font-size:18px">●</span> {html.escape(kpi_label(r.kpi))}'
            f"<b>{html.escape(value)}</b>"
            f"<small>目标 target {html.escape(target)} · {html.escape(status)}</small></div>"
        )
    return f'<div class="rk-tiles">{"".join(cells)}</div>'


def promises_html(promises: list) -> str:
    """The plan's promises (``revisitkit.staffing.touches.check_promises``) as traffic-light
    tiles: how many cases keep each, in words (green all kept, red any broken)."""
    cells = []
    for p in promises:
        colour = STATUS_COLOURS[p.status]
        if p.code == "specialist_ratio":
            value = f"{p.kept:,} / {p.total:,} 位客户 customers"
        elif p.code in ("sms_before_holiday", "webinar_after_holiday"):
            value = p.detail or "—"
        else:
            value = f"{p.kept:,} / {p.total:,}"
        cells.append(
            f'<div class="rk-tile" data-promise="{p.code}" data-status="{p.status}">'
            f'<span style="color:{colour};font-size:18px">●</span> '
            f"{html.escape(PROMISE_LABELS.get(p.code, p.code))}<b>{html.escape(value)}</b>"
            f"<small>{html.escape(STATUS_LABELS[p.status])}</small></div>"
        )
    return f'<div class="rk-tiles">{"".join(cells)}</div>'


def phase_text(ov) -> str:
    """Where the campaign (:class:`revisitkit.workspace.Campaign`) is on ``as_of``: the phase, its day, the countdown to 春节."""
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
    if current is None:
        where = (
            "活动前 before the campaign"
            if today < phases.preparation.start
            else "活动已结束 after the campaign"
        )
    else:
        day = (today - current.start).days + 1
        where = f"{PHASE_LABELS[current.name]}: 第 {day} / {current.days} 天 (day {day} of {current.days})"
    return (
        f"截至 as of {today} · {where} · 距春节 {days_left} 天 "
        f"({working_left} 个工作日) — {days_left} days ({working_left} working days) to the "
        f"Spring Festival ({first})"
    )
