"""HTML pieces the dashboards and the static report share: the style, tables, tiles, warnings
and the heading every dashboard opens with. Values are always escaped."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pandas as pd

from revisitkit.config import TIERS, Config
from revisitkit.kpi import traffic_light
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
.rk-tile small {display:block; color:#555}
.rk-tile.high b {color:#c9302c} .rk-tile.medium b {color:#d58512} .rk-tile.low b {color:#449d44}
.rk-tile.st-green {border-left:5px solid #2e7d32} .rk-tile.st-green b {color:#2e7d32}
.rk-tile.st-amber {border-left:5px solid #ef8f00} .rk-tile.st-amber b {color:#b26a00}
.rk-tile.st-red {border-left:5px solid #c62828} .rk-tile.st-red b {color:#c62828}
.rk-tile.st-na {border-left:5px solid #9e9e9e}
.rk-scroll {overflow-x:auto; max-width:100%}
.rk-table {border-collapse:collapse; font-size:12px}
.rk-table th, .rk-table td {border-bottom:1px solid #e5e5e5; padding:3px 8px; text-align:left}
.rk-table th {background:#f3f3f3}
.rk-warn {background:#fff3cd; border:1px solid #ffe08a; padding:6px 10px; border-radius:4px; margin:4px 0}
.rk-status {color:#555; font-size:12px; margin:4px 0}
.rk-nav {display:flex; flex-wrap:wrap; gap:6px; margin:0 0 8px}
.rk-tab {padding:5px 12px; border:1px solid #c9d4e3; border-radius:16px; color:#1f5fbf;
  text-decoration:none; background:#f4f8fd; font-size:14px}
a.rk-tab:hover {background:#e3edfa; text-decoration:underline}
.rk-tab.rk-current {background:#1f5fbf; color:#fff; border-color:#1f5fbf}
.rk-dates {margin:2px 0} .rk-phase {margin:2px 0}
.rk-notice {background:#fff8e1; border-left:4px solid #ef8f00; padding:4px 10px; margin:6px 0; font-size:13px}
.rk-scope {color:#555; font-size:12px; font-weight:normal}
.rk-empty {color:#555; background:#f5f5f5; padding:6px 10px; border-radius:4px}
.rk-foot {color:#666; font-size:12px}
details.rk-sources {margin-top:24px; color:#555; font-size:12px}
details.rk-sources summary {cursor:pointer}
.jp-OutputArea-output img {max-width:100%; height:auto}
@media (max-width: 600px) {
  .rk-tile {min-width:0; flex:1 1 40%; padding:6px 10px}
  .rk-tile b {font-size:18px}
  .rk-table th, .rk-table td {white-space:nowrap}
  .widget-hbox {flex-wrap:wrap}
  .widget-dropdown, .widget-text, .widget-inline-hbox {max-width:100%}
  h2 {font-size:20px}
}
</style>
"""


def table_html(frame: pd.DataFrame, *, index: bool = False, empty: str | None = None) -> str:
    """A compact HTML table (values escaped) that scrolls sideways inside itself on a narrow
    screen; *empty*: the words shown instead of a header-only table when there are no rows."""
    if empty is not None and frame.empty:
        return f'<p class="rk-empty" data-testid="empty">{html.escape(empty)}</p>'
    table = frame.to_html(index=index, classes="rk-table", border=0, escape=True)
    return f'<div class="rk-scroll">{table}</div>'


#: Words for a filter with no matching rows.
NO_MATCH = "没有符合条件的记录 Nothing matches these filters."


def tiles_html(items: list[tuple]) -> str:
    """Tiles: (label, value, css class[, a note under the value]); a status class
    (``st-green`` …, :func:`status_tile`) is also given as ``data-status``."""
    cells = []
    for label, value, cls, *note in items:
        status = f' data-status="{cls[3:]}"' if cls.startswith("st-") else ""
        small = f"<small>{html.escape(note[0])}</small>" if note and note[0] else ""
        cells.append(
            f'<div class="rk-tile {cls}"{status}>{html.escape(label)}'
            f"<b>{html.escape(value)}</b>{small}</div>"
        )
    return f'<div class="rk-tiles">{"".join(cells)}</div>'


def status_tile(label: str, value: str, status: str, note: str = "") -> tuple[str, str, str, str]:
    """A tile (for :func:`tiles_html`) coloured by *status* (green met, amber at risk, red
    missed, ``n/a`` nothing to judge yet), its status in words under the value."""
    words = STATUS_LABELS.get(status, status)
    cls = "st-na" if status in ("n/a", "—") else f"st-{status}"
    return (label, value, cls, f"{note} · {words}" if note else words)


def status_footnote(config: Config) -> str:
    """The colour rule, in words, under every set of status tiles."""
    margin = config.kpis.amber_margin
    return (
        '<p class="rk-foot" data-testid="status-rule">颜色 Colours: 绿 green 达标 met · 黄 amber '
        f"落后不超过目标的 {margin:.0%} at risk (behind by at most {margin:.0%} of the target) · "
        f"红 red 落后超过 {margin:.0%} missed · 灰 grey 暂无 nothing due yet. 累计目标按进度日"
        "折算：覆盖率与按期率只计已到期客户，数量目标按执行期天数线性折算。 Cumulative targets are "
        "pro-rated to the progress date: coverage and on-time count the customers due by then, "
        "count targets grow linearly over the execution phase.</p>"
    )


def status_html(text: str, seconds: float | None = None) -> str:
    """The line a redraw ends with: what is shown (and how long it took). Browser tests wait
    for it (``data-testid="filter-status"``), so it is written last."""
    # the compute time is for benchmarks and planners, not read by managers: kept out of sight
    took = (
        f' <span data-testid="recompute-seconds" hidden>({seconds:.2f} s)</span>' if seconds else ""
    )
    return f'<div class="rk-status" data-testid="filter-status">{html.escape(text)}{took}</div>'


def warnings_html(warnings: tuple[str, ...] | list[str]) -> str:
    """Each warning in a visible yellow box."""
    return "".join(f'<div class="rk-warn">⚠ {html.escape(x)}</div>' for x in warnings)


#: Every dashboard as the navigation bar names it: (notebook, label), the overview first.
DASHBOARD_NAV = (
    ("overview.ipynb", "总览 Overview"),
    ("segmentation.ipynb", "客户分层 Segments"),
    ("staffing.ipynb", "人员排期 Staffing"),
    ("budget.ipynb", "预算 Budget"),
    ("risks.ipynb", "风险 Risks"),
)


def nav_html(current: str) -> str:
    """Tabs to every dashboard (links relative to the page, so a token in the address bar
    survives as the server's cookie); *current* (``"budget.ipynb"``) is marked, not linked."""
    items = []
    for href, label in DASHBOARD_NAV:
        stem = href.split(".")[0]
        if href == current:
            items.append(f'<span class="rk-tab rk-current" aria-current="page">{label}</span>')
        else:
            items.append(f'<a class="rk-tab" href="{href}" data-testid="link-{stem}">{label}</a>')
    return f'<nav class="rk-nav" data-testid="nav">{"".join(items)}</nav>'


def campaign_years(ws) -> range:
    """The calendar years a campaign's phases and its Spring Festival fall in."""
    phases = ws.config.phases()
    return range(phases.preparation.start.year, ws.calendar.spring_festival[0].year + 1)


def manager_notices(ws) -> list[str]:
    """What a manager should know about the figures, in a manager's words: holidays that are
    provisional or estimated, gifts and materials ordered late, columns the data lacks. The
    planner's version (files, what to edit) is in :func:`sources_html`."""
    out = []
    sources = ws.calendar.calendar.sources
    for year in campaign_years(ws):
        source = sources.get(year, "")
        if "(provisional)" in source:
            out.append(f"{year} 节假日为暂定 {year} holidays are provisional")
        elif source.startswith("estimate"):
            out.append(f"{year} 节假日为估算 {year} holidays are estimated")
    cal = ws.calendar
    late = (ws.config.as_of() - cal.materials_order_by).days
    if late > 0:
        out.append(
            f"物料订购已晚 {late} 天 gifts and materials {late} days late "
            f"(应于 due {cal.materials_order_by})"
        )
    if ws.result.not_evaluated:
        out.append(
            f"数据缺 {len(ws.result.not_evaluated)} 列，部分规则未评估 "
            f"{len(ws.result.not_evaluated)} column(s) missing: some rules not evaluated"
        )
    return out


def progress_date(campaign) -> date:
    """The progress date of a campaign (:class:`revisitkit.workspace.Campaign`): the latest
    outcome's date — every dashboard counts progress, overdue reviews and spending to it."""
    return campaign.as_of


def header_html(title: str, campaign, current: str) -> str:
    """A dashboard's manager header: the tabs, the title, the phase and countdown, the two
    dates every dashboard of the campaign shares — 数据截至 (the CRM export's date, which the
    segmentation is computed on) and 进度截至 (the latest outcome's date) — and a one-line
    notice in a manager's words. File paths and planner instructions are in
    :func:`sources_html`, at the bottom."""
    ws = campaign.ws
    notices = manager_notices(ws)
    notice = (
        '<p class="rk-notice" data-testid="notices">⚠ '
        + " · ".join(html.escape(n) for n in notices)
        + "</p>"
        if notices
        else ""
    )
    return (
        STYLE
        + nav_html(current)
        + f"<h2>{html.escape(title)}</h2>"
        + f'<p class="rk-phase"><b>{html.escape(phase_text(campaign))}</b></p>'
        + '<p class="rk-dates" data-testid="dates">'
        + f"数据截至 Data as of <b>{ws.result.as_of}</b> · "
        + f"进度截至 Progress as of <b>{progress_date(campaign)}</b> · "
        + f"{len(ws.plan):,} 位客户 customers</p>"
        + notice
    )


def sources_html(campaign, *extra: str) -> str:
    """The collapsed "数据来源 Data sources" section every dashboard ends with: the files the
    figures come from, the calendar's sources and the planners' full warnings (what to edit),
    and *extra* lines of the page's own."""
    ws = campaign.ws
    cal = ws.calendar
    ex = cal.phases.execution
    lines = [
        f"客户 Customers: {ws.source_label} ({len(ws.plan):,})",
        f"执行期 Execution {ex.start} → {ex.end} ({cal.execution_working_days} 个工作日 "
        f"working days)",
        *(f"{y} 节假日 holidays: {s}" for y, s in sorted(cal.calendar.sources.items())),
        *extra,
        *cal.warnings,
        *(f"数据缺列 Missing column: {n}" for n in ws.result.not_evaluated),
    ]
    items = "".join(f"<li>{html.escape(str(x))}</li>" for x in lines)
    return (
        '<details class="rk-sources" data-testid="sources"><summary>数据来源 Data sources '
        f"(供计划人员 for planners)</summary><ul>{items}</ul></details>"
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
        f"{where} · 距春节 {days_left} 天 "
        f"({working_left} 个工作日) — {days_left} days ({working_left} working days) to the "
        f"Spring Festival ({first})"
    )


def staffing_tiles(sp, config: Config) -> list[tuple]:
    """The on-time tiles of a staffing plan (:class:`revisitkit.staffing.StaffingPlan`) by
    status: each priority's share of tasks on time against 100% (green met, amber within the
    margin, red beyond), late and unscheduled tasks green at 0 and red otherwise, and the
    busiest role-week in words."""
    margin = config.kpis.amber_margin
    att = sp.attainment().set_index("priority")
    labels = {**config.priority.labels, "all": "全部 All"}
    tiles = []
    for p in ("all", *TIERS):
        if p not in att.index or not att.loc[p, "tasks"]:
            continue
        share = float(att.loc[p, "on_time_share"])
        done, total = int(att.loc[p, "on_time"]), int(att.loc[p, "tasks"])
        tiles.append(
            status_tile(
                f"{labels[p]} 按期 on time",
                f"{share:.1%}",
                traffic_light(share, 1.0, margin),
                f"{done:,} / {total:,} 项 tasks",
            )
        )
    counts = sp.schedule.counts
    for key, label in (("late", "逾期 Late"), ("unscheduled", "未排 Unscheduled")):
        n = int(counts[key])
        tiles.append(status_tile(label, f"{n:,}", "green" if n == 0 else "red"))
    wl = sp.workload()
    if len(wl) and wl["utilisation"].notna().any():
        peak = wl.loc[wl["utilisation"].fillna(0).idxmax()]
        role = config.staffing.roles.get(peak["role"], peak["role"])
        tiles.append(
            ("最忙一周 Busiest week", f"{peak['utilisation']:.0%}", "", f"{peak['week']} · {role}")
        )
    return tiles


def staffing_tiles_html(sp, config: Config) -> str:
    """:func:`staffing_tiles` with the colour rule under them."""
    return tiles_html(staffing_tiles(sp, config)) + status_footnote(config)
