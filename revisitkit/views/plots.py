"""Charts of the plan, with Chinese labels that render.

matplotlib's default font has no CJK glyphs: every Chinese label would become a box and print a
"Glyph … missing" warning. :func:`use_cjk_font` registers Noto Sans CJK SC from the ``mplfonts``
wheel (no system install needed) and is called by every chart function. Charts take the plan
frame and return the Figure; they never change the data.
"""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from revisitkit.config import SEGMENT_CODES, TIERS, Config
from revisitkit.risk import level
from revisitkit.views.labels import PHASE_LABELS, label_maps

#: priority colours, the same traffic light as the workbook
TIER_COLOURS = {"high": "#d9534f", "medium": "#f0ad4e", "low": "#5cb85c"}
PHASE_COLOURS = {"preparation": "#e8eef7", "execution": "#eaf5ea", "summary": "#f7f0e6"}
CJK_FONT = "Noto Sans CJK SC"


def _counts(axis) -> None:
    """Whole numbers on an axis of counts (customers, tasks): never 0.2 of a customer."""
    axis.set_major_locator(MaxNLocator(integer=True))


def _finished(fig: Figure, ax) -> Figure:
    """The house look of a chart with axes: no top or right frame, a tight layout."""
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def use_cjk_font() -> str:
    """Register Noto Sans CJK SC with matplotlib and make it the fallback for CJK text."""
    if CJK_FONT not in {f.name for f in font_manager.fontManager.ttflist}:
        import mplfonts

        path = os.path.join(
            os.path.dirname(mplfonts.__file__), "fonts", "NotoSansCJKsc-Regular.otf"
        )
        font_manager.fontManager.addfont(path)
    plt.rcParams["font.family"] = ["DejaVu Sans", CJK_FONT]
    plt.rcParams["axes.unicode_minus"] = False
    return CJK_FONT


def segment_priority_bars(plan: pd.DataFrame, config: Config, ax=None) -> Figure:
    """Customers per value segment, stacked by priority."""
    use_cjk_font()
    fig, ax = _axes(ax, (8, 4))
    labels = label_maps(config)
    table = (
        pd.crosstab(
            pd.Categorical(plan["value_segment"], categories=SEGMENT_CODES),
            pd.Categorical(plan["priority"], categories=TIERS),
            dropna=False,
        )
        if len(plan)
        else pd.DataFrame(0, index=list(SEGMENT_CODES), columns=list(TIERS))
    )
    bottom = np.zeros(len(table))
    x = np.arange(len(table))
    for tier in TIERS:
        values = table[tier].to_numpy()
        ax.bar(x, values, bottom=bottom, color=TIER_COLOURS[tier], label=labels["priority"][tier])
        bottom += values
    for xi, total in zip(x, bottom, strict=True):
        ax.text(xi, total, f"{int(total):,}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(
        x,
        [labels["value_segment"][s].split(" ")[0] for s in table.index],
        rotation=20,
        ha="right",
    )
    ax.set_ylabel("客户数 Customers")
    _counts(ax.yaxis)
    ax.set_title("价值分层 × 优先级  Segments by priority")
    ax.legend(title="优先级 Priority", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _finished(fig, ax)


def deadline_timeline(plan: pd.DataFrame, config: Config, holidays=(), ax=None) -> Figure:
    """Customers due per deadline on the campaign timeline, phases and holidays shaded.

    Parameters
    ----------
    holidays
        Non-working weekdays to shade (e.g. from the working calendar), as dates.
    """
    use_cjk_font()
    fig, ax = _axes(ax, (9, 3.6))
    labels = label_maps(config)
    phases = config.phases()
    for phase in phases:
        ax.axvspan(
            phase.start, phase.end + timedelta(days=1), color=PHASE_COLOURS[phase.name], zorder=0
        )
        ax.text(
            phase.start + (phase.end - phase.start) / 2,
            1.0,
            PHASE_LABELS[phase.name],
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    for day in holidays:
        if phases.preparation.start <= day <= phases.summary.end:
            ax.axvspan(day, day + timedelta(days=1), color="#cccccc", alpha=0.6, zorder=0, lw=0)
    due = plan.groupby(["deadline", "priority"]).size().unstack(fill_value=0)
    bottom = np.zeros(len(due))
    for tier in TIERS:
        if tier in due:
            ax.bar(
                due.index,
                due[tier],
                bottom=bottom,
                width=0.8,
                align="edge",
                color=TIER_COLOURS[tier],
                label=labels["priority"][tier],
                zorder=2,
            )
            bottom += due[tier].to_numpy()
    for d, total in zip(due.index, bottom, strict=True):
        ax.text(
            d + timedelta(hours=10),
            total,
            f"{int(total):,}\n{d:%m-%d}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set_xlim(phases.preparation.start, phases.summary.end + timedelta(days=1))
    ax.set_ylim(0, max(1, bottom.max() if len(bottom) else 1) * 1.3)
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_ylabel("到期客户数 Due")
    _counts(ax.yaxis)
    ax.set_title("截止日期时间线 Deadlines (grey: holidays)", pad=16)
    handles = ax.get_legend_handles_labels()[0] + [Patch(color="#cccccc", label="节假日 holidays")]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8
    )
    return _finished(fig, ax)


def region_segment_heatmap(plan: pd.DataFrame, config: Config, ax=None) -> Figure:
    """Customers by region cluster (rows) and value segment (columns)."""
    use_cjk_font()
    fig, ax = _axes(ax, (8, 4))
    labels = label_maps(config)
    clusters = [*config.region_clusters, "other"]
    table = pd.crosstab(
        pd.Categorical(plan["region_cluster"], categories=clusters),
        pd.Categorical(plan["value_segment"], categories=SEGMENT_CODES),
        dropna=False,
    ).reindex(index=clusters, columns=list(SEGMENT_CODES), fill_value=0)
    values = table.to_numpy()
    ax.imshow(values, cmap="Blues", aspect="auto")
    ax.set_xticks(
        range(len(SEGMENT_CODES)),
        [labels["value_segment"][s].split(" ")[0] for s in SEGMENT_CODES],
        rotation=30,
        ha="right",
    )
    ax.set_yticks(range(len(clusters)), [labels["region_cluster"][c] for c in clusters])
    high = values.max() if values.size else 0
    for (i, j), v in np.ndenumerate(values):
        ax.text(
            j,
            i,
            f"{v:,}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if high and v > high * 0.6 else "black",
        )
    ax.set_title("区域集群 × 价值分层  Regions by segment")
    fig.tight_layout()
    return fig


def _axes(ax, size):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, dpi=100)
    return fig, fig.subplots()


def holiday_weekdays(calendar, start: date, end: date) -> list[date]:
    """Weekdays that are holidays between *start* and *end* (for shading)."""
    days = pd.date_range(start, end, freq="D")
    off = ~calendar.working_day_mask(days)
    return [d.date() for d, o in zip(days, off, strict=True) if o and d.weekday() < 5]


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def show(fig: Figure):
    """Display a figure in a notebook, dashboard or widget output, as a PNG image.

    Charts are built on bare ``Figure`` objects (no pyplot state, nothing shown twice), so
    they are displayed explicitly.
    """
    display(Image(data=png(fig), format="png"))


def risk_heatmap(frame: pd.DataFrame, config: Config, *, residual: bool = False, ax=None) -> Figure:
    """The 5×5 likelihood × impact matrix, cells coloured by level, risk ids written in.

    Parameters
    ----------
    frame
        The register (``revisitkit.risk.register_frame``): id, likelihood, impact and the
        residual_ pair.
    residual
        Draw the residual scores (after mitigation) instead of the inherent ones.
    """
    use_cjk_font()
    standalone = ax is None
    fig, ax = _axes(ax, (5.2, 4.6))
    n = config.risk.scale_max
    prefix = "residual_" if residual else ""
    palette = {code: spec.color for code, spec in config.risk.levels.items()}
    for li in range(1, n + 1):
        for im in range(1, n + 1):
            colour = palette.get(level(li * im, config), "#eeeeee")
            ax.add_patch(_cell(im - 0.5, li - 0.5, colour))
            ids = frame.loc[
                (frame[prefix + "likelihood"] == li) & (frame[prefix + "impact"] == im), "id"
            ]
            if len(ids):
                text = "\n".join(", ".join(ids.iloc[i : i + 3]) for i in range(0, len(ids), 3))
                ax.text(im, li, text, ha="center", va="center", fontsize=9)
    ax.set_xlim(0.5, n + 0.5)
    ax.set_ylim(0.5, n + 0.5)
    ax.set_xticks(range(1, n + 1))
    ax.set_yticks(range(1, n + 1))
    ax.set_xlabel("影响 Impact")
    ax.set_ylabel("可能性 Likelihood")
    ax.set_title("剩余风险 Residual risk" if residual else "固有风险 Inherent risk")
    ax.set_aspect("equal")
    if standalone:
        fig.tight_layout()
    return fig


def _cell(x: float, y: float, colour: str):
    return Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="white", linewidth=2)


def risk_heatmaps(frame: pd.DataFrame, config: Config) -> Figure:
    """Inherent and residual heat maps side by side."""
    use_cjk_font()
    fig = Figure(figsize=(10, 4.6), dpi=100)
    left, right = fig.subplots(1, 2)
    risk_heatmap(frame, config, ax=left)
    risk_heatmap(frame, config, residual=True, ax=right)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# staffing


def workload_heatmap(workload: pd.DataFrame, config: Config, ax=None) -> Figure:
    """Booked hours against capacity by ISO week (columns) and role (rows): each cell says
    ``booked / capacity h`` and is coloured by utilisation (red from 100%).

    With levelling (``workload.attrs["target"]``, ``staffing.target_utilisation``) the
    colour bar carries the target line, and a role-week where some people are booked above
    the target (a deadline needs it) is outlined and says how many.

    Parameters
    ----------
    workload
        :meth:`revisitkit.staffing.StaffingPlan.workload` (week, role, booked_hours,
        capacity_hours, utilisation, people_above_target).
    """
    use_cjk_font()
    roles = [r for r in config.staffing.roles if r in set(workload["role"])]
    weeks = sorted(workload["week"].unique())
    target = workload.attrs.get("target")
    # at most 12 in (1,200 px at 100 dpi), so the 10 pt cell text still reads at 11 px when a
    # 1,024 px page scales the picture down
    fig, ax = _axes(ax, (min(12, 2.4 + 1.2 * len(weeks)), 1.3 + 0.62 * max(len(roles), 1)))
    booked = workload.pivot_table(
        index="role", columns="week", values="booked_hours", aggfunc="sum"
    ).reindex(index=roles, columns=weeks)
    cap = workload.pivot_table(
        index="role", columns="week", values="capacity_hours", aggfunc="sum"
    ).reindex(index=roles, columns=weeks)
    if "people_above_target" in workload:
        above = (
            workload.pivot_table(
                index="role", columns="week", values="people_above_target", aggfunc="sum"
            )
            .reindex(index=roles, columns=weeks)
            .fillna(0)
            .astype(int)
        )
    else:
        above = pd.DataFrame(0, index=roles, columns=weeks)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = (booked / cap.where(cap > 0)).to_numpy(dtype=float)
    shown = np.nan_to_num(util, nan=0.0)
    image = ax.imshow(np.minimum(shown, 1.0), cmap="YlOrRd", vmin=0, vmax=1.0, aspect="auto")
    for (i, j), u in np.ndenumerate(util):
        b, c = booked.iat[i, j], cap.iat[i, j]
        text = "—" if not c or np.isnan(c) else f"{b:,.0f}/{c:,.0f}h\n{u:.0%}"
        n_above = int(above.iat[i, j])
        if n_above and target is not None:
            text += f" · {n_above}人>{target:.0%}"
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#222222", lw=1.6)
            )
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=10,
            color="white" if shown[i, j] > 0.7 else "black",
        )
    role_labels = config.staffing.roles
    ax.set_yticks(range(len(roles)), [role_labels[r].split(" ")[0] for r in roles], fontsize=9)
    ax.set_xticks(range(len(weeks)), [w.replace("-W", "\nW") for w in weeks], fontsize=9)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01, format="{x:.0%}")
    bar.ax.tick_params(labelsize=8)
    title = "每周工作量 / 产能 Workload against capacity by week and role (hours)"
    if target is not None:
        bar.ax.axhline(target, color="#1f3a93", lw=2)
        ticks = [x for x in (0.0, 0.25, 0.5) if x < target - 0.1] + [target, 1.0]
        labels = [f"{x:.0%}" for x in ticks]
        labels[-2] = f"目标 {target:.0%}"
        bar.set_ticks(ticks, labels=labels)
        title += f"\n目标负荷 target {target:.0%}: 框内为超过目标的人数（截止日期所需）"
        title += " outlined: people above it where a deadline needs it"
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


_PHASE_BARS = {"preparation": "#9db8e0", "execution": "#8fcf8f", "summary": "#e0c08f"}


def phase_gantt(
    config: Config, calendar, attainment_deadlines: dict[str, date], holidays=(), ax=None
) -> Figure:
    """The campaign's phases and milestones on one time line, holidays shaded.

    Rows: the three phases, then per priority the span from the first day of execution to its
    deadline(s); diamonds mark ordering materials, each priority's last deadline and the first
    day of the Spring Festival holiday.

    Parameters
    ----------
    calendar
        The :class:`revisitkit.calendar.CampaignCalendar`.
    attainment_deadlines
        Priority → its last deadline in the plan.
    holidays
        Non-working weekdays to shade.
    """
    use_cjk_font()
    fig, ax = _axes(ax, (10, 3.4))
    phases = config.phases()
    labels = label_maps(config)["priority"]
    rows: list[tuple[str, date, date, str]] = [
        (PHASE_LABELS[p.name], p.start, p.end, _PHASE_BARS[p.name]) for p in phases
    ]
    ex = phases.execution
    for tier in TIERS:
        if tier in attainment_deadlines:
            rows.append(
                (f"{labels[tier]} 截止", ex.start, attainment_deadlines[tier], TIER_COLOURS[tier])
            )
    sf_first, _sf_last = calendar.spring_festival
    start = min(phases.preparation.start, calendar.materials_order_by)
    end = max(phases.summary.end, _sf_last) + timedelta(days=2)
    for a, b in _runs(sorted(d for d in holidays if start <= d <= end)):
        ax.axvspan(a, b + timedelta(days=1), color="#cccccc", alpha=0.6, zorder=0, lw=0)
    marks = [
        ("订购物料 order materials", calendar.materials_order_by),
        ("春节 Spring Festival", sf_first),
    ]
    for i, (_label, a, b, colour) in enumerate(rows):
        ax.barh(
            i, (b - a).days + 1, left=a, height=0.6, color=colour, edgecolor="#888888", zorder=2
        )
        text = f"{a:%m-%d} → {b:%m-%d}"
        x = b + timedelta(days=1.3)
        # a label that would run across a marker line goes inside the bar's end instead
        if any(x <= day <= x + timedelta(days=9) for _l, day in marks):
            ax.text(b, i, text + " ", va="center", ha="right", fontsize=7, zorder=3)
        else:
            ax.text(x, i, text, va="center", fontsize=7)
    for label, day in marks:
        ax.axvline(day, color="#555555", lw=1, ls="--", zorder=1)
        ax.text(day, -0.75, label, fontsize=7, ha="center", va="bottom")
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(start - timedelta(days=1), end)
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_title("阶段与里程碑 Phases and milestones (grey: holidays)", pad=18)
    return _finished(fig, ax)


def attainment_bars(attainment: pd.DataFrame, config: Config, ax=None) -> Figure:
    """On time, late and unscheduled tasks per priority, as shares of its tasks."""
    use_cjk_font()
    fig, ax = _axes(ax, (7, 2.6))
    labels = label_maps(config)["priority"]
    att = attainment[attainment["priority"].isin(TIERS)].set_index("priority")
    tiers = [t for t in TIERS if t in att.index]
    parts = [
        ("on_time", "按期 on time", "#5cb85c"),
        ("late", "逾期 late", "#f0ad4e"),
        ("unscheduled", "未排 unscheduled", "#d9534f"),
    ]
    left = np.zeros(len(tiers))
    total = att.loc[tiers, "tasks"].to_numpy(dtype=float)
    for column, label, colour in parts:
        share = np.divide(
            att.loc[tiers, column].to_numpy(dtype=float),
            total,
            out=np.zeros(len(tiers)),
            where=total > 0,
        )
        ax.barh(range(len(tiers)), share, left=left, color=colour, label=label)
        left += share
    for i, t in enumerate(tiers):
        ax.text(
            1.01,
            i,
            f"{att.loc[t, 'on_time_share']:.1%} ({int(att.loc[t, 'on_time']):,}/"
            f"{int(att.loc[t, 'tasks']):,})",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(tiers)), [labels[t] for t in tiers])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.25)
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0%}" if x <= 1 else "")
    ax.set_title("按期完成率（按优先级） Deadline attainment by priority")
    ax.legend(loc="lower right", fontsize=7, frameon=False, ncols=3, bbox_to_anchor=(1, -0.45))
    return _finished(fig, ax)


# --------------------------------------------------------------------------------------------
# budget

CATEGORY_COLOURS = {
    "personnel": "#4e79a7",
    "materials": "#f28e2b",
    "technology": "#76b7b2",
    "contingency": "#bab0ac",
}


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive *days* (sorted) as (first, last) runs: one stripe per holiday.

    >>> _runs([date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 8)])
    [(datetime.date(2027, 2, 5), datetime.date(2027, 2, 6)), (datetime.date(2027, 2, 8), datetime.date(2027, 2, 8))]
    """
    out: list[tuple[date, date]] = []
    for d in days:
        if out and (d - out[-1][1]).days == 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def budget_split_bars(categories: pd.DataFrame, ax=None) -> Figure:
    """Top-down budget against bottom-up cost per category (CNY, ten-thousands)."""
    use_cjk_font()
    fig, ax = _axes(ax, (7.5, 3.2))
    cats = categories[categories["category"] != "total"]
    x = np.arange(len(cats))
    ax.bar(x - 0.2, cats["top_down"] / 1e4, 0.4, label="预算 top-down", color="#9db8e0")
    ax.bar(
        x + 0.2,
        cats["bottom_up"] / 1e4,
        0.4,
        label="计划成本 bottom-up",
        color=[CATEGORY_COLOURS.get(c, "#888") for c in cats["category"]],
    )
    for i, r in enumerate(cats.itertuples()):
        ax.text(
            i + 0.2,
            r.bottom_up / 1e4,
            f"{r.bottom_up_share:.0%}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
        ax.text(
            i - 0.2,
            r.top_down / 1e4,
            f"{r.target_share:.0%}",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#555",
        )
    ax.set_xticks(x, [str(label) for label in cats["label"]])
    ax.set_ylabel("万元 10k CNY")
    ax.set_title("预算拆分 Top-down budget and bottom-up cost by category")
    handles = [Patch(color="#9db8e0", label="预算 top-down (左 left)")] + [
        Patch(color=CATEGORY_COLOURS.get(c, "#888"), label=f"{short_label} 计划成本 cost")
        for c, short_label in zip(
            cats["category"], [str(x).split(" ")[0] for x in cats["label"]], strict=True
        )
    ]
    ax.legend(
        handles=handles, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1)
    )
    return _finished(fig, ax)


def segment_cost_bars(by_segment: pd.DataFrame, config: Config, ax=None) -> Figure:
    """Cost and expected return per value segment (10k CNY), ROI written beside."""
    use_cjk_font()
    fig, ax = _axes(ax, (7.5, 3.6))
    labels = label_maps(config)["value_segment"]
    t = by_segment
    y = np.arange(len(t))
    ax.barh(y - 0.2, t["cost"] / 1e4, 0.4, label="成本 cost", color="#e15759")
    ax.barh(
        y + 0.2, t["expected_return"] / 1e4, 0.4, label="预期回报 expected return", color="#59a14f"
    )
    right = float(max(t["cost"].max(), t["expected_return"].max()) / 1e4) if len(t) else 1.0
    for i, r in enumerate(t.itertuples()):
        roi = "—" if pd.isna(r.roi) else f"ROI {r.roi:.0%}"
        ax.text(right * 1.02, i, roi, va="center", fontsize=7)
    ax.set_yticks(y, [labels.get(s, s).split(" ")[0] for s in t["value_segment"]])
    ax.invert_yaxis()
    ax.set_xlim(0, right * 1.25 if right > 0 else 1)
    ax.set_xlabel("万元 10k CNY")
    ax.set_title("按客户分层的成本与回报 Cost and expected return by segment")
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2)
    return _finished(fig, ax)


def plan_actual_bars(table: pd.DataFrame, config: Config, ax=None) -> Figure:
    """Planned against actual spend per month and category (a variance table); the actual bar
    is red where it overspends."""
    use_cjk_font()
    fig, ax = _axes(ax, (8, 3.2))
    rows = table.reset_index(drop=True)
    x = np.arange(len(rows))
    ax.bar(x - 0.2, rows["planned_cny"] / 1e4, 0.4, color="#bbbbbb", label="计划 planned")
    colours = np.where(rows["overspend"], "#d62728", "#4e79a7")
    ax.bar(x + 0.2, rows["actual_cny"] / 1e4, 0.4, color=colours, label="实际 actual")
    short = {c: str(label).split(" ")[0] for c, label in config.budget.labels.items()}
    ax.set_xticks(
        x,
        [f"{m}\n{short.get(c, c)}" for m, c in zip(rows["month"], rows["category"], strict=True)],
        fontsize=7,
    )
    ax.set_ylabel("万元 10k CNY")
    ax.set_title("月度计划与实际支出 Plan against actual spend (red: overspend)")
    handles = [
        Patch(color="#bbbbbb", label="计划 planned"),
        Patch(color="#4e79a7", label="实际 actual"),
        Patch(color="#d62728", label="实际·超支 actual, overspent"),
    ]
    ax.legend(
        handles=handles, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1)
    )
    return _finished(fig, ax)


# --------------------------------------------------------------------------------------------
# the overview


def burn_up_chart(burn: pd.DataFrame, config: Config, as_of: date, holidays=(), ax=None) -> Figure:
    """Revisits done against planned, cumulative, per priority: the dashed line is what is due
    by each day (deadlines), the solid line the customers reached (up to ``as_of``)."""
    use_cjk_font()
    fig, ax = _axes(ax, (11, 3.6))
    labels = label_maps(config)["priority"]
    for day in holidays:
        ax.axvspan(day, day + timedelta(days=1), color="#dddddd", alpha=0.6, zorder=0, lw=0)
    for tier in TIERS:
        part = burn[burn["priority"] == tier]
        if part.empty or part["total"].iloc[0] == 0:
            continue
        colour = TIER_COLOURS[tier]
        ax.step(
            part["date"],
            part["planned"],
            where="post",
            ls="--",
            color=colour,
            lw=1.2,
            label=f"{labels[tier]} 应完成 due",
        )
        done = part.dropna(subset=["done"])
        ax.step(
            done["date"],
            done["done"],
            where="post",
            color=colour,
            lw=2.2,
            label=f"{labels[tier]} 已完成 done",
        )
    ax.axvline(
        pd.Timestamp(as_of), color="#333333", lw=1, label=f"进度截至 progress as of {as_of:%m-%d}"
    )
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_ylabel("客户数 Customers")
    _counts(ax.yaxis)
    ax.set_title("回访进度 Revisits done against planned (burn-up)")
    if holidays:
        ax.add_patch(Rectangle((0, 0), 0, 0, color="#dddddd", label="节假日 holidays"))
    if ax.get_legend_handles_labels()[0]:
        # beside the axes: a legend inside covered the lines and the as-of marker
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _finished(fig, ax)


def sla_attainment_chart(table: pd.DataFrame, config: Config, ax=None) -> Figure:
    """The share of problems handled within SLA, by the week they were raised, one line per
    grade and one for all (only problems whose SLA is decided: solved or past due), with the
    target (``kpis.targets.problem_sla``) as a dashed line."""
    use_cjk_font()
    fig, ax = _axes(ax, (8, 3.2))
    decided = table[table["solution_met"].notna()].copy()
    target = config.kpis.targets["problem_sla"].value
    if decided.empty:
        ax.text(0.5, 0.5, "尚无已判定的问题 no problem decided yet", ha="center", va="center")
        ax.set_axis_off()
        return fig
    decided["ok"] = (
        decided["response_met"].fillna(False) & decided["solution_met"].fillna(False)
    ).astype(float)
    decided["week"] = decided["raised_at"].dt.to_period("W-SUN").dt.start_time
    colours = {"A": "#c62828", "B": "#ef8f00", "C": "#1565c0"}
    for code, grade in config.problems.grades.items():
        part = decided[decided["grade"] == code].groupby("week")["ok"].mean()
        if len(part):
            ax.plot(
                part.index,
                part.to_numpy() * 100,
                marker="o",
                color=colours[code],
                label=grade.label,
                lw=1.2,
            )
    every = decided.groupby("week")["ok"].mean()
    ax.plot(every.index, every.to_numpy() * 100, marker="s", color="#333", lw=2.2, label="全部 All")
    ax.axhline(target * 100, ls="--", color="#2e7d32", lw=1, label=f"目标 target {target:.0%}")
    ax.set_ylim(0, 105)
    ax.set_ylabel("按时 within SLA %")
    ax.set_xlabel("提出周 week raised")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    fig.autofmt_xdate()
    return _finished(fig, ax)
