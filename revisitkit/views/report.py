"""``revisitkit report``: the dashboards as one static, self-contained HTML file.

For managers without access to the server: open it from an email, in any browser, offline. It
holds the overview (phase, KPI lights, progress), segments and priorities, staffing, budget,
risks and KPIs on the current data (the same sources as the dashboards: ``REVISITKIT_*`` or the
bundled sample). Charts are embedded PNG images drawn with a CJK font; tables are plain HTML;
there is no script, no widget and no link outside the file. Personal data is never included:
the high-priority list shows contacts and phones masked.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path

import pandas as pd

from revisitkit.budget import overspend_total
from revisitkit.config import display_path
from revisitkit.errors import UserError
from revisitkit.io import atomic_path
from revisitkit.kpi import burn_up, compute_kpis
from revisitkit.views.html import STYLE, kpi_lights_html, phase_text, summary_html
from revisitkit.views.plots import (
    attainment_bars,
    budget_split_bars,
    burn_up_chart,
    deadline_timeline,
    holiday_weekdays,
    plan_actual_bars,
    png,
    risk_heatmaps,
    segment_cost_bars,
    segment_priority_bars,
    workload_heatmap,
)
from revisitkit.views.tables import (
    budget_by_table,
    budget_split_table,
    high_priority_list,
    role_load_table,
    top_risks_table,
    variance_table,
)
from revisitkit.workspace import Campaign, load_campaign

__all__ = ["build_report", "write_report"]

_CSS = """
body {font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Hiragino Sans GB",
      "WenQuanYi Micro Hei", sans-serif; margin: 24px auto; max-width: 1100px; color: #222}
h1 {font-size: 24px} h2 {font-size: 19px; border-bottom: 2px solid #ddd; padding-bottom: 4px;
margin-top: 36px} h3 {font-size: 15px}
table {border-collapse: collapse; font-size: 12px; margin: 6px 0 14px}
th, td {border-bottom: 1px solid #e5e5e5; padding: 3px 8px; text-align: left}
th {background: #f3f3f3}
img {max-width: 100%}
.warn {background: #fff3cd; border: 1px solid #ffe08a; padding: 6px 10px; border-radius: 4px}
nav a {margin-right: 12px}
"""


def _img(fig) -> str:
    data = base64.b64encode(png(fig)).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, border=0, escape=True)


def build_report(generated: datetime | None = None, campaign: Campaign | None = None) -> str:
    """The report as one HTML string (see the module docstring); *campaign* defaults to
    :func:`revisitkit.workspace.load_campaign`."""
    ov = load_campaign() if campaign is None else campaign
    ws, config = ov.ws, ov.ws.config
    phases = config.phases()
    holidays = holiday_weekdays(ws.calendar.calendar, phases.preparation.start, phases.summary.end)
    stamp = (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{config.campaign.year} 年前回访报告 Revisit campaign report</title>",
        f"<style>{_CSS}</style>{STYLE}</head><body>",
        f"<h1>{config.campaign.year} 年前回访报告 Year-end revisit campaign report</h1>",
        f"<p>数据 data: {html.escape(ws.source_label)} · 回访结果 outcomes: "
        f"{html.escape(ov.outcomes_source)} · 生成于 generated {stamp}</p>",
        f"<p><b>{html.escape(phase_text(ov))}</b></p>",
        f"<p>数据截至 Data as of {ws.result.as_of} · 进度截至 Progress as of {ov.as_of}</p>",
        "".join(f'<p class="warn">⚠ {html.escape(w)}</p>' for w in ws.calendar.warnings),
        "<nav><a href='#kpis'>指标 KPIs</a><a href='#segments'>客户分层 Segments</a>"
        "<a href='#staffing'>人员 Staffing</a><a href='#budget'>预算 Budget</a>"
        "<a href='#risks'>风险 Risks</a></nav>",
    ]

    kpis = compute_kpis(
        ov.outcomes, ws.plan, config, as_of=ov.as_of, scopes=(), problems=ov.problem_sla
    )
    burn = burn_up(ov.outcomes, ws.plan, config, as_of=ov.as_of)
    parts += [
        "<h2 id='kpis'>指标与进度 KPIs and progress</h2>",
        kpi_lights_html(kpis),
        _img(burn_up_chart(burn, config, ov.as_of, holidays)),
    ]

    parts += [
        "<h2 id='segments'>客户分层与优先级 Segments and priorities</h2>",
        summary_html(ws.result, config),
        _img(segment_priority_bars(ws.plan, config)),
        _img(deadline_timeline(ws.plan, config, holidays=holidays)),
        "<h3>高优先级客户（前 20） High-priority customers (first 20; contacts masked)</h3>",
        _table(high_priority_list(ws.plan, ws.customers, config, limit=20)),
    ]

    sp = ov.staffing
    parts += [
        "<h2 id='staffing'>人员配置与排期 Staffing</h2>",
        "<pre>" + html.escape("\n".join(sp.summary_lines())) + "</pre>",
        _img(attainment_bars(sp.attainment(), config)),
        _img(workload_heatmap(sp.workload(), config)),
        _table(role_load_table(sp, config)),
    ]

    bp = ov.budget
    over = overspend_total(ov.spend)
    parts += [
        "<h2 id='budget'>预算与回报 Budget and return</h2>",
        "<pre>" + html.escape("\n".join(bp.summary_lines())) + "</pre>",
        _table(budget_split_table(bp)),
        _img(budget_split_bars(bp.categories())),
        _img(segment_cost_bars(bp.by("value_segment"), config)),
        _table(budget_by_table(bp, "value_segment", config)),
        f"<h3>月度计划与实际 Plan against actual (超支 overspend ¥{over:,.0f})</h3>",
        _img(plan_actual_bars(ov.spend, config)),
        _table(variance_table(ov.spend, config)),
    ]

    parts += [
        "<h2 id='risks'>风险 Risks</h2>",
        f"<p>{html.escape(ov.risks.note())}</p>",
        _img(risk_heatmaps(ov.risks.frame, config)),
        _table(top_risks_table(ov.risks.frame, 10)),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(out: str | Path) -> Path:
    """Write the report atomically to *out* (``.html``)."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(
            f"{display_path(out)}: the report is an .html file; give a name ending in .html"
        )
    if out.is_dir():
        raise UserError(f"{display_path(out)}: is a folder; give the report's file name")
    if not out.parent.exists():
        out.parent.mkdir(parents=True)
    text = build_report()
    with atomic_path(out) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return out
