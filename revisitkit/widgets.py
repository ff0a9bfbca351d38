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
from revisitkit.config import TIERS, Config
from revisitkit.labels import PLAN_HEADERS_ZH, channels_label, label_maps, reason_words
from revisitkit.plots import (
    deadline_timeline,
    holiday_weekdays,
    region_segment_heatmap,
    segment_priority_bars,
    show,
)
from revisitkit.privacy import mask_personal
from revisitkit.segmentation import SegmentationResult

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


# ------------------------------------------------------------------------------ risk register
def _short(label: str) -> str:
    return str(label).split(" ")[0]


def top_risks_table(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The highest-scoring risks as managers read them (Chinese headers, short labels)."""
    top = frame.sort_values(["score", "id"], ascending=[False, True], kind="stable").head(limit)
    return pd.DataFrame(
        {
            "编号 ID": top["id"],
            "风险 Risk": top["title"],
            "类别 Category": top["category_label"].map(_short),
            "可能性×影响 L×I": top["likelihood"].astype(str) + "×" + top["impact"].astype(str),
            "分值 Score": top["score"],
            "等级 Level": top["level_label"].map(_short),
            "剩余 Residual": top["residual_score"].astype(str)
            + " "
            + top["residual_level_label"].map(_short),
            "负责人 Owner": top["owner_label"].map(_short),
            "策略 Strategy": top["strategy_label"].map(_short),
            "响应时限 SLA": top["sla_hours"].astype(str) + " h",
            "状态 Status": top["status_label"].map(_short),
            "下次复核 Review": top["next_review"].astype(str),
        }
    )


def overdue_reviews(frame: pd.DataFrame, today) -> pd.DataFrame:
    """Open or monitored risks whose next review date has passed."""
    due = pd.to_datetime(frame["next_review"], errors="coerce")
    late = frame[(frame["status"] != "closed") & (due < pd.Timestamp(today))]
    return pd.DataFrame(
        {
            "编号 ID": late["id"],
            "风险 Risk": late["title"],
            "负责人 Owner": late["owner_label"].map(_short),
            "应复核 Due": late["next_review"].astype(str),
            "逾期天数 Days late": (pd.Timestamp(today) - due[late.index]).dt.days,
        }
    )


def owners_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Risks per owner role: how many, the highest score, how many still open."""
    grouped = frame.groupby("owner_label", sort=False)
    table = pd.DataFrame(
        {
            "风险数 Risks": grouped.size(),
            "最高分值 Top score": grouped["score"].max(),
            "未关闭 Not closed": grouped["status"].apply(lambda s: int((s != "closed").sum())),
        }
    ).sort_values(["最高分值 Top score", "风险数 Risks"], ascending=False)
    table.index = [_short(i) for i in table.index]
    return table


def sla_table(config: Config) -> pd.DataFrame:
    """Response levels and their hours (§7.2)."""
    from revisitkit.schema import RESPONSE_LEVELS

    return pd.DataFrame(
        {
            "响应级别 Level": list(RESPONSE_LEVELS.values()),
            "响应时限 Hours": [f"{config.risk.sla_hours[k]} h" for k in RESPONSE_LEVELS],
        }
    )


def signals_table(signals: pd.DataFrame) -> pd.DataFrame:
    """Live signals beside the stored likelihood they would raise."""
    return pd.DataFrame(
        {
            "信号 Signal": signals["signal_label"],
            "关联风险 Risk": signals["risk_id"].fillna("") + " " + signals["risk_title"].fillna(""),
            "触发 Fired": signals["fired"].map({True: "⚠ 是 yes", False: "否 no"}),
            "当前可能性 Stored": signals["likelihood"],
            "建议可能性 Suggested": signals["suggested_likelihood"],
            "依据 Why": signals["reason"],
        }
    )


class RiskDashboard:
    """Managers' read-only view of the register: heat maps, top risks, owners, overdue reviews."""

    def __init__(self, frame: pd.DataFrame, config: Config, today):
        from revisitkit.schema import CATEGORIES, STATUSES

        self.frame, self.config, self.today = frame, config, today
        self.category = w.Dropdown(
            options=[(ALL_LABEL, ALL)] + [(v, k) for k, v in CATEGORIES.items()],
            value=ALL,
            description="类别 Category",
        )
        self.status = w.Dropdown(
            options=[(ALL_LABEL, ALL)] + [(v, k) for k, v in STATUSES.items()],
            value=ALL,
            description="状态 Status",
        )
        for dd in (self.category, self.status):
            dd.style.description_width = "100px"
            dd.layout.width = "300px"
            dd.observe(lambda _change: self.redraw(), names="value")
        self.status_line = w.HTML()
        self.tiles = w.HTML()
        self.maps = w.Output()
        self.tables = w.Output()
        self.widget = w.VBox(
            [w.HTML(STYLE), w.HBox([self.category, self.status]), self.status_line, self.tiles,
             self.maps, self.tables]
        )  # fmt: skip
        self.redraw()

    def filtered(self) -> pd.DataFrame:
        f = self.frame
        if self.category.value != ALL:
            f = f[f["category"] == self.category.value]
        if self.status.value != ALL:
            f = f[f["status"] == self.status.value]
        return f

    def redraw(self) -> None:
        from revisitkit.plots import risk_heatmaps

        f = self.filtered()
        late = overdue_reviews(f, self.today)
        levels = f["level"].value_counts()
        self.tiles.value = tiles_html(
            [("风险数 Risks", f"{len(f)}", "")]
            + [(spec.label, f"{int(levels.get(code, 0))}", "high" if code in ("high", "critical") else "")
               for code, spec in reversed(list(self.config.risk.levels.items()))]
            + [("逾期复核 Overdue reviews", f"{len(late)}", "high" if len(late) else "")]
        )  # fmt: skip
        self.maps.clear_output(wait=True)
        with self.maps:
            show(risk_heatmaps(f, self.config))
        self.tables.clear_output(wait=True)
        with self.tables:
            display(w.HTML(
                "<h3>最高风险 Top risks</h3>" + table_html(top_risks_table(f))
                + "<h3>负责人 Owners</h3>" + table_html(owners_table(f), index=True)
                + f"<h3>逾期复核 Overdue reviews (as of {self.today})</h3>"
                + (table_html(late) if len(late) else "<p>无 None.</p>")
            ))  # fmt: skip
        labels = []
        if self.category.value != ALL:
            labels.append(self.category.label)
        if self.status.value != ALL:
            labels.append(self.status.label)
        self.status_line.value = (
            f'<div class="rk-status" data-testid="filter-status">当前筛选 Filter: '
            f"{html.escape(' · '.join(labels) or ALL_LABEL)} — {len(f)} 项风险 risks</div>"
        )


class RiskEditor:
    """Planners' form over the store: pick a risk (or a new one), edit, save, close, comment.

    Every write goes through :class:`revisitkit.store.RiskRegister`, so it is validated,
    audited and refused when somebody else changed the risk since it was loaded.
    """

    TEXT_FIELDS = ("title", "title_en", "description", "cause", "trigger", "mitigation",
                   "contingency")  # fmt: skip
    NUMBER_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact")

    def __init__(self, register, config: Config, who: str):
        from revisitkit.schema import CATEGORIES, RESPONSE_LEVELS, STATUSES, STRATEGIES

        self.register, self.config, self.who = register, config, who
        self.version: int | None = None
        self.picker = w.Dropdown(description="风险 Risk")
        # filters narrow the list of risks to pick from
        self.filter_category = w.Dropdown(
            options=[(ALL_LABEL, ALL)] + [(v, k) for k, v in CATEGORIES.items()],
            value=ALL,
            description="类别 Category",
        )
        self.filter_status = w.Dropdown(
            options=[(ALL_LABEL, ALL)] + [(v, k) for k, v in STATUSES.items()],
            value=ALL,
            description="状态 Status",
        )
        for dd in (self.filter_category, self.filter_status):
            dd.style.description_width = "100px"
            dd.observe(lambda _change: self.refresh_picker(), names="value")
        self.fields: dict[str, w.Widget] = {}
        long = {"description", "cause", "trigger", "mitigation", "contingency"}
        for name in self.TEXT_FIELDS:
            cls = w.Textarea if name in long else w.Text
            self.fields[name] = cls(description=name)
        for name in self.NUMBER_FIELDS:
            # free integers: a 6 typed here is refused with the register's message, not clipped
            self.fields[name] = w.IntText(description=name)
        self.fields["category"] = w.Dropdown(options=[(v, k) for k, v in CATEGORIES.items()],
                                             description="category")  # fmt: skip
        self.fields["owner_role"] = w.Combobox(
            options=list(config.risk.owner_roles), description="owner_role", ensure_option=False
        )
        self.fields["strategy"] = w.Dropdown(options=[(v, k) for k, v in STRATEGIES.items()],
                                             description="strategy")  # fmt: skip
        self.fields["response_level"] = w.Dropdown(
            options=[(v, k) for k, v in RESPONSE_LEVELS.items()], description="response_level"
        )
        self.fields["status"] = w.Dropdown(options=[(v, k) for k, v in STATUSES.items()],
                                           description="status")  # fmt: skip
        self.fields["next_review"] = w.Text(description="next_review", placeholder="2026-12-15")
        for widget in self.fields.values():
            widget.style.description_width = "140px"
            widget.layout.width = "620px"
        self.comment_text = w.Text(description="comment", placeholder="评论 Comment")
        self.comment_text.style.description_width = "140px"
        self.save_button = w.Button(description="保存 Save", button_style="primary")
        self.close_button = w.Button(description="关闭风险 Close risk")
        self.comment_button = w.Button(description="添加评论 Comment")
        self.reload_button = w.Button(description="重新载入 Reload")
        self.message = w.HTML()
        self.save_button.on_click(lambda _b: self.save())
        self.close_button.on_click(lambda _b: self.close())
        self.comment_button.on_click(lambda _b: self.comment())
        self.reload_button.on_click(lambda _b: self.load(self.picker.value))
        self.picker.observe(lambda change: self.load(change["new"]), names="value")
        self.widget = w.VBox(
            [w.HTML(STYLE), w.HBox([self.filter_category, self.filter_status]), self.picker,
             *self.fields.values(),
             w.HBox([self.save_button, self.close_button, self.reload_button]),
             w.HBox([self.comment_text, self.comment_button]), self.message]
        )  # fmt: skip
        self.refresh_picker()

    NEW = "__new__"

    def refresh_picker(self, select: str | None = None) -> None:
        frame = self.register.list(
            category=None if self.filter_category.value == ALL else self.filter_category.value,
            status=None if self.filter_status.value == ALL else self.filter_status.value,
        )
        options = [("➕ 新建风险 New risk", self.NEW)] + [
            (f"{r.id} {r.title}", r.id) for r in frame.itertuples()
        ]
        current = select or self.picker.value or self.NEW
        self.picker.options = options
        self.picker.value = current if current in dict(options).values() else self.NEW
        self.load(self.picker.value)

    def load(self, risk_id: str | None) -> None:
        if risk_id in (None, self.NEW):
            self.version = None
            for widget in self.fields.values():
                if isinstance(widget, w.IntText):
                    widget.value = 1
                elif isinstance(widget, w.Dropdown):
                    widget.index = 0
                else:
                    widget.value = ""
            return
        risk, self.version = self.register.get(risk_id)
        for name, widget in self.fields.items():
            value = getattr(risk, name)
            widget.value = (
                ""
                if value is None
                else (str(value) if isinstance(widget, w.Text | w.Textarea | w.Combobox) else value)
            )

    def values(self) -> dict:
        return {name: widget.value for name, widget in self.fields.items()}

    def _say(self, ok: bool, text: str) -> None:
        colour = "#2e7d32" if ok else "#c62828"
        body = "<br>".join(html.escape(line) for line in str(text).splitlines())
        self.message.value = f'<div data-testid="form-message" style="color:{colour}">{body}</div>'

    def save(self) -> None:
        from revisitkit.errors import UserError

        try:
            if self.picker.value == self.NEW:
                new_id = self.register.add(self.values(), self.who)
                self.refresh_picker(select=new_id)
                self._say(True, f"已添加 Added {new_id}")
            else:
                rid = self.picker.value
                self.version = self.register.update(rid, self.values(), self.version, self.who)
                self._say(True, f"已保存 Saved {rid} (version {self.version})")
        except (UserError, ValueError) as e:
            self._say(False, str(e))

    def close(self) -> None:
        from revisitkit.errors import UserError

        if self.picker.value == self.NEW:
            self._say(False, "先选择一项风险 Pick a risk first")
            return
        try:
            self.version = self.register.close(self.picker.value, self.version, self.who)
            self.load(self.picker.value)
            self._say(True, f"已关闭 Closed {self.picker.value}")
        except (UserError, ValueError) as e:
            self._say(False, str(e))

    def comment(self) -> None:
        from revisitkit.errors import UserError

        if self.picker.value == self.NEW:
            self._say(False, "先选择一项风险 Pick a risk first")
            return
        try:
            self.register.comment(self.picker.value, self.comment_text.value, self.who)
            self.comment_text.value = ""
            self._say(True, f"已添加评论 Comment added to {self.picker.value}")
        except (UserError, ValueError) as e:
            self._say(False, str(e))


# ------------------------------------------------------------------------------ staffing
#: Repair trials of a what-if run: answers within a second on the sample (the full default
#: may take 1.5 s when many tasks miss); on the sample scenarios of the benchmark it puts at
#: most 3 tasks fewer on time than the default (benchmarks/bench_whatif.py).
WHAT_IF_REPAIR_BUDGET = 300
#: The hours-a-day choices of the what-if (0: each person's own).
HOURS_CHOICES = (0.0, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0)


def role_load_table(sp, config: Config) -> pd.DataFrame:
    """Per role: people, tasks, booked and available hours, utilisation, the busiest person."""
    st = sp.staff_table()
    rows = []
    for role, label in config.staffing.roles.items():
        mine = st[st["role"] == role]
        if mine.empty:
            continue
        cap = mine["capacity_hours"].sum()
        busiest = mine.sort_values(["utilisation", "staff_id"], ascending=[False, True]).iloc[0]
        rows.append(
            {
                "岗位 Role": label,
                "人数 People": len(mine),
                "人次任务 Person-tasks": int(mine["tasks"].sum()),
                "已排小时 Booked h": f"{mine['booked_hours'].sum():,.0f}",
                "可用小时 Capacity h": f"{cap:,.0f}",
                "负荷率 Utilisation": f"{mine['booked_hours'].sum() / cap:.0%}" if cap else "—",
                "最忙 Busiest": f"{busiest['staff_id']} {busiest['utilisation']:.0%}"
                if pd.notna(busiest["utilisation"])
                else "—",
            }
        )
    return pd.DataFrame(rows)


def gap_table(sp, config: Config) -> pd.DataFrame:
    """The verified capacity gap with labels (empty when there is none)."""
    gap = sp.gap_frame()
    clusters = label_maps(config)["region_cluster"]
    roles = config.staffing.roles
    closed = gap["closed_by_reserve"].map(
        lambda v: "—" if pd.isna(v) else ("是 yes" if v else "否 no")
    )
    return pd.DataFrame(
        {
            "岗位 Role": gap["role"].map(lambda r: roles.get(r, r)),
            "区域 Cluster": gap["region_cluster"].map(lambda c: clusters.get(c, c)),
            "需补充人天 Extra person-days": gap["extra_person_days_verified"],
            "下限 Lower bound": gap["extra_person_days_bound"],
            "储备池可补足 Reserve closes it": closed,
            "储备后仍缺 Left after reserve": gap["extra_person_days_after_reserve"].astype(str),
        }
    )


def shortfall_table(sp, config: Config) -> pd.DataFrame:
    """Work missing its deadline by role and cluster (live, from the current schedule)."""
    short = sp.shortfall()
    clusters = label_maps(config)["region_cluster"]
    roles = config.staffing.roles
    return pd.DataFrame(
        {
            "岗位 Role": short["role"].map(lambda r: roles.get(r, r)),
            "区域 Cluster": short["region_cluster"].map(lambda c: clusters.get(c, c)),
            "未按期任务 Tasks": short["tasks"],
            "人天 Person-days": short["person_days"].round(1),
        }
    )


def missed_tasks_table(sp, plan: pd.DataFrame, config: Config, limit: int = 30) -> pd.DataFrame:
    """Tasks that miss their deadline: urgent first, then priority, by how much."""
    gaps = sp.schedule.gaps().head(limit)
    names = dict(zip(plan["customer_id"], plan["name"], strict=False))
    channels = {code: label.split(" ")[0] for code, label in config.channels.items()}
    labels = label_maps(config)["priority"]
    return pd.DataFrame(
        {
            "客户 Customer": gaps["customer_id"] + " " + gaps["customer_id"].map(names).fillna(""),
            "回访方式 Channel": gaps["channel"].map(channels).fillna(gaps["channel"]),
            "优先级 Priority": gaps["priority"].map(labels),
            "预警 Churn warning": gaps["urgent"].map({True: "⚠", False: ""}),
            "截止 Deadline": gaps["deadline"].dt.strftime("%m-%d"),
            "安排 Scheduled": gaps["date"].dt.strftime("%m-%d").fillna("未排 none"),
            "逾期天数 Days late": gaps["late_days"].astype("string").fillna("—"),
        }
    )


class StaffingDashboard:
    """What-if staffing: headcount per role, hours a day, the reserve pool — recomputed live.

    The baseline (the roster as given) is planned once with its verified capacity gap; every
    change re-runs the scheduler on an adjusted copy of the roster (never the file) and
    redraws attainment, the weekly load and the work that misses its deadline. The verified
    gap of a what-if takes seconds, so it runs on the button only.
    """

    def __init__(self, ws, roster: pd.DataFrame, baseline=None):
        from revisitkit.staffing import headcount_of, plan_staffing

        self.ws, self.config, self.roster = ws, ws.config, roster
        self.baseline = baseline or plan_staffing(ws.plan, roster, ws.config, ws.calendar)
        self.tasks = self.baseline.tasks
        self.current = self.baseline
        self.base_heads = headcount_of(roster, self.config)
        roles = self.config.staffing.roles
        self.heads: dict[str, w.BoundedIntText] = {}
        for role, n in self.base_heads.items():
            if n == 0:
                continue
            box = w.BoundedIntText(value=n, min=1, max=max(4 * n, n + 20), step=1,
                                   description=roles[role].split(" ")[0])  # fmt: skip
            box.style.description_width = "70px"
            box.layout.width = "150px"
            box.observe(lambda _c: self.recompute(), names="value")
            self.heads[role] = box
        self.hours = w.Dropdown(
            options=[("各自 own", 0.0)] + [(f"{h:g} h", h) for h in HOURS_CHOICES if h],
            value=0.0,
            description="每日小时 Hours/day",
        )
        self.hours.style.description_width = "120px"
        self.hours.layout.width = "240px"
        self.hours.observe(lambda _c: self.recompute(), names="value")
        share = self.config.staffing.reserve_share
        self.reserve = w.Checkbox(value=False, description=f"储备池 Reserve pool +{share:.0%}")
        self.reserve.observe(lambda _c: self.recompute(), names="value")
        self.reset = w.Button(description="重置 Reset", icon="undo")
        self.reset.on_click(lambda _b: self.reset_controls())
        self.verify = w.Button(description="验证缺口 Verify gap", icon="check")
        self.verify.on_click(lambda _b: self.verify_gap())
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.tables = w.Output()
        self.gap_out = w.Output()
        self._quiet = False
        self.widget = w.VBox(
            [
                w.HTML(STYLE),
                w.HBox(list(self.heads.values()), layout=w.Layout(flex_flow="row wrap")),
                w.HBox([self.hours, self.reserve, self.reset]),
                self.status,
                self.tiles,
                self.charts,
                self.tables,
                w.HTML("<h3>补充产能 Capacity gap</h3>"),
                w.HBox([self.verify]),
                self.gap_out,
            ]
        )
        self.recompute()
        self._show_gap(self.baseline, "基线名册 the roster as given")

    def scenario(self) -> tuple[dict[str, int], float | None, bool]:
        heads = {r: int(b.value) for r, b in self.heads.items() if b.value != self.base_heads[r]}
        return heads, (float(self.hours.value) or None), bool(self.reserve.value)

    def describe(self) -> str:
        heads, hours, reserve = self.scenario()
        roles = self.config.staffing.roles
        parts = [f"{roles[r].split(' ')[0]} {self.base_heads[r]}→{n}" for r, n in heads.items()]
        if hours is not None:
            parts.append(f"每日 {hours:g} h")
        if reserve:
            parts.append("储备池 reserve on")
        return " · ".join(parts) or "基线 baseline"

    def reset_controls(self) -> None:
        self._quiet = True
        try:
            for role, box in self.heads.items():
                box.value = self.base_heads[role]
            self.hours.value = 0.0
            self.reserve.value = False
        finally:
            self._quiet = False
        self.recompute()

    def plan_for_controls(self, *, gap: bool = False):
        from revisitkit.staffing import adjust_roster, plan_staffing

        heads, hours, reserve = self.scenario()
        if not heads and hours is None and not reserve and not gap:
            return self.baseline
        roster = adjust_roster(self.roster, headcount=heads or None, hours_per_day=hours)
        return plan_staffing(self.ws.plan, roster, self.config, self.ws.calendar,
                             reserve=reserve, gap=gap, tasks=self.tasks,
                             repair_budget=None if gap else WHAT_IF_REPAIR_BUDGET)  # fmt: skip

    def recompute(self) -> None:
        import time

        from revisitkit.plots import attainment_bars, workload_heatmap

        if self._quiet:
            return
        started = time.perf_counter()
        sp = self.current = self.plan_for_controls()
        att = sp.attainment().set_index("priority")
        counts = sp.schedule.counts
        people = len(sp.roster)
        self.tiles.value = tiles_html(
            [("人员 People", f"{people:,}", ""),
             ("任务 Tasks", f"{len(sp.schedule.tasks):,}", ""),
             ("按期 On time", f"{att.loc['all', 'on_time_share']:.1%}",
              "low" if counts["on_time"] == len(sp.schedule.tasks) else "high")]
            + [(f"{self.config.priority.labels[t]} 按期", f"{att.loc[t, 'on_time_share']:.1%}",
                t) for t in TIERS if t in att.index]
            + [("逾期 Late", f"{counts['late']:,}", "medium" if counts["late"] else ""),
               ("未排 Unscheduled", f"{counts['unscheduled']:,}",
                "high" if counts["unscheduled"] else "")]
        )  # fmt: skip
        self.charts.clear_output(wait=True)
        with self.charts:
            show(attainment_bars(sp.attainment(), self.config))
            show(workload_heatmap(sp.workload(), self.config))
        self.tables.clear_output(wait=True)
        with self.tables:
            parts = [
                "<h3>各岗位负荷 Load by role</h3>",
                table_html(role_load_table(sp, self.config)),
            ]
            if counts["on_time"] < len(sp.schedule.tasks):
                parts += [
                    "<h3>未按期的工作量 Work missing its deadline (live)</h3>",
                    table_html(shortfall_table(sp, self.config)),
                    "<h3>未按期的任务 Tasks missing their deadline (first 30)</h3>",
                    table_html(missed_tasks_table(sp, self.ws.plan, self.config)),
                ]
            else:
                parts.append("<p>✓ 全部任务按期 Every task is on time.</p>")
            display(w.HTML("".join(parts)))
        elapsed = time.perf_counter() - started
        # last: the marker a browser test waits for
        self.status.value = (
            f'<div class="rk-status" data-testid="filter-status">情景 Scenario: '
            f"{html.escape(self.describe())} — {counts['on_time']:,} / "
            f"{len(sp.schedule.tasks):,} 按期 on time "
            f'<span data-testid="recompute-seconds">({elapsed:.2f} s)</span></div>'
        )

    def verify_gap(self) -> None:
        self.gap_out.clear_output(wait=True)
        with self.gap_out:
            display(w.HTML("<p>计算中… computing the verified gap (seconds)</p>"))
        sp = (
            self.plan_for_controls(gap=True)
            if self.scenario() != ({}, None, False)
            else (self.baseline)
        )
        self._show_gap(sp, self.describe())

    def _show_gap(self, sp, label: str) -> None:
        self.gap_out.clear_output(wait=True)
        with self.gap_out:
            if sp.gap is None:
                display(w.HTML("<p>未计算 not measured</p>"))
                return
            table = gap_table(sp, self.config)
            head = f"<p>{html.escape(label)}: "
            if table.empty:
                head += "无缺口，现有人员可按期完成全部任务 — no gap: every task is on time.</p>"
                display(w.HTML(head))
                return
            total = int(sp.gap_frame()["extra_person_days_verified"].sum())
            head += (
                f"共需补充 {total} 人天 — {total} extra person-days put every task on time "
                "(verified by re-scheduling).</p>"
            )
            display(w.HTML(head + table_html(table)))


# ------------------------------------------------------------------------------ budget
#: Segments whose gift a manager can change on the dashboard (those with a gift in the plan).
GIFT_SEGMENTS = ("core", "potential", "new", "regular")


def _cny(v: float) -> str:
    return f"¥{v:,.0f}"


def budget_split_table(bp) -> pd.DataFrame:
    cats = bp.categories()
    return pd.DataFrame(
        {
            "类别 Category": cats["label"],
            "目标 Target": cats["target_share"].map(lambda v: f"{v:.0%}"),
            "预算 Budget": cats["top_down"].map(_cny),
            "计划成本 Plan cost": cats["bottom_up"].map(_cny),
            "成本占比 Cost share": cats["bottom_up_share"].map(lambda v: f"{v:.1%}"),
            "差额 Gap": cats["gap"].map(lambda v: f"{v:+,.0f}"),
        }
    )


def budget_by_table(bp, column: str, config: Config) -> pd.DataFrame:
    t = bp.by(column)
    mapping = label_maps(config).get(column, {})
    return pd.DataFrame(
        {
            "组 Group": t[column].map(lambda v: mapping.get(v, v)),
            "客户 Customers": t["customers"].map(lambda v: f"{v:,}"),
            "成本 Cost": t["cost"].map(_cny),
            "每客户 Per customer": t["cost_per_customer"].map(_cny),
            "预期回报 Return": t["expected_return"].map(_cny),
            "ROI": t["roi"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
        }
    )


def allocation_table(alloc, config: Config) -> pd.DataFrame:
    g = alloc.groups
    seg = label_maps(config)["value_segment"]
    prio = config.priority.labels
    return pd.DataFrame(
        {
            "分层 Segment": g["value_segment"].map(lambda v: seg.get(v, v)),
            "优先级 Priority": g["priority"].map(lambda v: prio.get(v, v)),
            "客户 Customers": g["customers"],
            "覆盖 Covered": g["covered"],
            "支出 Spend": g["spend"].map(_cny),
            "预期回报 Return": g["expected_return"].map(_cny),
        }
    )


def variance_table(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "月份 Month": table["month"],
            "类别 Category": table["category"].map(config.budget.labels),
            "计划 Planned": table["planned_cny"].map(_cny),
            "实际 Actual": table["actual_cny"].map(_cny),
            "差异 Variance": table["variance_cny"].map(lambda v: f"{v:+,.0f}"),
            "超支 Overspend": table["overspend"].map({True: "⚠ 是 yes", False: ""}),
        }
    )


class BudgetDashboard:
    """What-if budget: the total, the category shares and the gifts per segment, recomputed
    live — the split against the plan's cost, cost and return by segment, the optimizer's
    allocation with its binding constraints, and the spend so far against the monthly plan."""

    def __init__(self, ws, staffing=None, actuals: pd.DataFrame | None = None):
        from revisitkit.budget import CATEGORIES

        self.ws, self.config, self.staffing, self.actuals = ws, ws.config, staffing, actuals
        b = self.config.budget
        self.total = w.BoundedIntText(value=int(round(b.total_cny)), min=0, max=10**10,
                                      step=100_000, description="总预算 Total ¥")  # fmt: skip
        self.total.style.description_width = "100px"
        self.total.layout.width = "260px"
        self.shares = {}
        for c in CATEGORIES:
            box = w.BoundedIntText(value=int(round(b.split.as_dict()[c] * 100)), min=0, max=100,
                                   description=f"{b.labels[c].split(' ')[0]} %")  # fmt: skip
            box.style.description_width = "60px"
            box.layout.width = "140px"
            self.shares[c] = box
        seg = label_maps(self.config)["value_segment"]
        self.gifts = {}
        for s in GIFT_SEGMENTS:
            box = w.BoundedIntText(value=int(round(b.gift_per_customer.get(s, 0))), min=0,
                                   max=100_000, step=50,
                                   description=f"{seg[s].split(' ')[0]} 礼品 ¥")  # fmt: skip
            box.style.description_width = "110px"
            box.layout.width = "200px"
            self.gifts[s] = box
        for box in [self.total, *self.shares.values(), *self.gifts.values()]:
            box.observe(lambda _c: self.recompute(), names="value")
        self.reset = w.Button(description="重置 Reset", icon="undo")
        self.reset.on_click(lambda _b: self.reset_controls())
        self._quiet = False
        self.status = w.HTML()
        self.tiles = w.HTML()
        self.charts = w.Output()
        self.tables = w.Output()
        self.widget = w.VBox(
            [
                w.HTML(STYLE),
                w.HBox([self.total, self.reset]),
                w.HBox(list(self.shares.values())),
                w.HBox(list(self.gifts.values())),
                self.status,
                self.tiles,
                self.charts,
                self.tables,
            ]
        )
        self.recompute()

    def scenario(self) -> tuple[float, dict[str, float], dict[str, float]]:
        b = self.config.budget
        split = {c: box.value / 100 for c, box in self.shares.items()}
        gifts = {s: float(box.value) for s, box in self.gifts.items()
                 if box.value != b.gift_per_customer.get(s, 0)}  # fmt: skip
        return float(self.total.value), split, gifts

    def describe(self) -> str:
        b = self.config.budget
        total, split, gifts = self.scenario()
        parts = []
        if total != b.total_cny:
            parts.append(f"总预算 {total:,.0f}")
        if any(abs(split[c] - v) > 1e-9 for c, v in b.split.as_dict().items()):
            parts.append("占比 " + "/".join(f"{split[c]:.0%}" for c in split))
        parts += [f"{s} 礼品 {v:,.0f}" for s, v in gifts.items()]
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
        import time

        from revisitkit.budget import Optimizer, plan_budget, variance
        from revisitkit.plots import budget_split_bars, plan_actual_bars, segment_cost_bars

        if self._quiet:
            return
        started = time.perf_counter()
        total, split, gifts = self.scenario()
        if abs(sum(split.values()) - 1.0) > 1e-9:
            # nothing stale stays on screen: the last scenario's figures are withdrawn
            self.tiles.value = ""
            self.charts.clear_output()
            self.tables.clear_output()
            self.status.value = (
                '<div class="rk-warn" data-testid="filter-status">⚠ 各类别占比之和须为 100%，'
                f"当前 {sum(split.values()):.0%} — the shares must add up to 100%</div>"
            )
            return
        config = self.config
        if gifts:
            config = config.replace({"budget": {"gift_per_customer": gifts}})
        bp = self.current = plan_budget(self.ws.plan, config, staffing=self.staffing,
                                        calendar=self.ws.calendar, total=total, split=split)  # fmt: skip
        alloc = self.allocation = Optimizer(bp).solve()
        target = config.budget.roi_target
        self.tiles.value = tiles_html(
            [("总预算 Budget", _cny(bp.total), ""),
             ("计划成本 Plan cost", _cny(bp.cost), "high" if bp.cost > bp.total else "low"),
             ("差额 Budget − cost", f"{bp.total - bp.cost:+,.0f}",
              "high" if bp.cost > bp.total else ""),
             ("预期回报 Expected return", _cny(bp.expected_return), ""),
             (f"ROI (目标 target {target:.0%})", f"{bp.roi:.0%}",
              "low" if bp.roi >= target else "high"),
             ("优化后 ROI Optimized", f"{alloc.roi:.0%}" if alloc.feasible else "不可行 no fit",
              "" if alloc.feasible else "high")]
        )  # fmt: skip
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
            parts = ["<h3>预算拆分 Split</h3>", table_html(budget_split_table(bp)),
                     "<h3>按客户分层 By segment</h3>",
                     table_html(budget_by_table(bp, "value_segment", config)),
                     "<h3>按优先级 By priority</h3>",
                     table_html(budget_by_table(bp, "priority", config)),
                     "<h3>按区域 By region cluster</h3>",
                     table_html(budget_by_table(bp, "region_cluster", config)),
                     "<h3>优化分配 Optimized allocation</h3>",
                     "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in alloc.binding)
                     + "</ul>"]  # fmt: skip
            if alloc.feasible:
                parts.append(table_html(allocation_table(alloc, config)))
            if table is not None:
                parts += ["<h3>月度计划与实际 Plan against actual</h3>",
                          table_html(variance_table(table, config))]  # fmt: skip
            display(w.HTML("".join(parts)))
        elapsed = time.perf_counter() - started
        self.status.value = (
            f'<div class="rk-status" data-testid="filter-status">情景 Scenario: '
            f"{html.escape(self.describe())} — 预算 {bp.total:,.0f} · 成本 {bp.cost:,.0f} · "
            f"ROI {bp.roi:.0%} "
            f'<span data-testid="recompute-seconds">({elapsed:.2f} s)</span></div>'
        )
