"""The problem hand-off on the risks dashboard (managers, read-only; §3.3, §7.2): what is open
by grade and age, which problems are overdue and with whom, and how the share handled within
SLA develops week by week. Filters by grade, category and region cluster.

Owners show by name (the roster's; a department as written), customers by name; descriptions
have phone numbers and emails masked (:func:`revisitkit.views.problems.problems_table`).
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from revisitkit.config import Config
from revisitkit.kpi import kpi_status
from revisitkit.problems import problem_kpis
from revisitkit.views.dashboards.common import filter_dropdown, present_choices
from revisitkit.views.html import ALL, table_html
from revisitkit.views.labels import STATUS_COLOURS, STATUS_LABELS, kpi_label, kpi_text
from revisitkit.views.plots import show, sla_attainment_chart
from revisitkit.views.problems import PROBLEM_HEADERS, problems_table

#: Ages of an open problem, in days since raised: (upper bound, label).
AGE_BANDS = (
    (1, "1 天内 < 1 day"),
    (3, "1–3 天 days"),
    (7, "3–7 天 days"),
    (None, "7 天以上 > 7 days"),
)
_OVERDUE_COLUMNS = (
    "problem_id",
    "customer",
    "grade",
    "category",
    "owner",
    "overdue",
    "overdue_hours",
    "description",
)


def open_by_age(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Problems not yet confirmed fixed, by grade (rows) and age band (columns)."""
    open_ = table[table["status"] != "verified"]
    days = open_["age_hours"] / 24
    labels = []
    for d in days:
        for bound, label in AGE_BANDS:
            if bound is None or d < bound:
                labels.append(label)
                break
    frame = pd.DataFrame({"grade": open_["grade"].to_numpy(), "age": labels})
    grid = pd.crosstab(frame["grade"], frame["age"]).reindex(
        index=list(config.problems.grades), columns=[b[1] for b in AGE_BANDS], fill_value=0
    )
    grid.columns.name = None
    grid["合计 Total"] = grid.sum(axis=1)
    grid.insert(0, "等级 Grade", [g.label for g in config.problems.grades.values()])
    return grid.reset_index(drop=True)


class ProblemDashboard:
    """The hand-off section: tiles, open problems by age, the overdue list, SLA over time."""

    def __init__(
        self,
        table: pd.DataFrame,
        config: Config,
        *,
        plan: pd.DataFrame,
        names: dict[str, str],
        as_of: pd.Timestamp,
    ):
        self.config, self.as_of = config, as_of
        cluster = plan.set_index(plan["customer_id"].astype(str))["region_cluster"]
        self.table = table.assign(
            region_cluster=table["customer_id"].astype(str).map(cluster).to_numpy()
        )
        customers = dict(
            zip(plan["customer_id"].astype(str), plan["name"].astype(str), strict=False)
        )
        self.people = problems_table(self.table, config, names=names, customers=customers)
        width = {"width": "300px", "label_width": "100px"}
        pc = config.problems
        self.grade = filter_dropdown(
            "等级 Grade", [(g.label, c) for c, g in pc.grades.items()], self.redraw, **width
        )
        self.category = filter_dropdown(
            "问题类型 Type",
            present_choices(dict(pc.categories), self.table["category"]),
            self.redraw,
            **width,
        )
        clusters = {c: k.label for c, k in config.region_clusters.items()}
        self.cluster = filter_dropdown(
            "区域 Region",
            present_choices(clusters, self.table["region_cluster"]),
            self.redraw,
            **width,
        )
        self.tiles = w.HTML()
        self.ages = w.HTML()
        self.chart = w.Output()
        self.overdue = w.HTML()
        self.status = w.HTML()
        self.widget = w.VBox(
            [
                w.HBox([self.grade, self.category, self.cluster]),
                self.tiles,
                self.ages,
                self.chart,
                self.overdue,
                self.status,
            ]
        )
        self.redraw()

    def mask(self) -> pd.Series:
        t = self.table
        keep = pd.Series(True, index=t.index)
        for dd, column in (
            (self.grade, "grade"),
            (self.category, "category"),
            (self.cluster, "region_cluster"),
        ):
            if dd.value != ALL:
                keep &= t[column] == dd.value
        return keep

    def redraw(self) -> None:
        keep = self.mask()
        t, people = self.table[keep], self.people[keep.to_numpy()]
        late = t["overdue_step"] != ""
        tiles = [
            ("问题 Problems", f"{len(t):,}", ""),
            ("未关闭 Not closed", f"{int((t['status'] != 'verified').sum()):,}", ""),
            ("已逾期 Overdue", f"{int(late.sum()):,}", "high" if late.any() else "low"),
        ]
        cells = "".join(
            f'<div class="rk-tile {cls}">{html.escape(label)}<b>{html.escape(value)}</b></div>'
            for label, value, cls in tiles
        )
        for r in problem_kpis(t, self.config):
            if r["scope"] != "overall":
                continue
            target, status = kpi_status(r["kpi"], r["value"], self.config, "overall")
            value = "—" if pd.isna(r["value"]) else kpi_text(r["kpi"], r["value"])
            if self.grade.value != ALL and r["kpi"] in ("response_speed", "handling_time"):
                # last year's baseline is one for all grades: one grade against it misleads
                status, value = "—", "—"
            cells += (
                f'<div class="rk-tile" data-kpi="{r["kpi"]}" data-status="{status}">'
                f'<span style="color:{STATUS_COLOURS[status]};font-size:18px">●</span> '
                f"{html.escape(kpi_label(r['kpi']))}<b>{html.escape(value)}</b>"
                f"<small>目标 target {html.escape(kpi_text(r['kpi'], target))} · "
                + (
                    "按全部等级计 over all grades"
                    if status == "—"
                    else html.escape(STATUS_LABELS[status])
                )
                + "</small></div>"
            )
        self.tiles.value = f'<div class="rk-tiles">{cells}</div>'
        self.ages.value = "<h4>未关闭问题的时长 Open problems by age</h4>" + table_html(
            open_by_age(t, self.config)
        )
        self.chart.clear_output(wait=True)
        with self.chart:
            show(sla_attainment_chart(t, self.config))
        listed = people[late.to_numpy()].sort_values(
            PROBLEM_HEADERS["overdue_hours"], ascending=False
        )
        shown = listed[[PROBLEM_HEADERS[c] for c in _OVERDUE_COLUMNS]]
        body = table_html(shown) if len(shown) else "<p>没有逾期的问题 No problem is overdue.</p>"
        self.overdue.value = (
            f"<h4>逾期问题 Overdue problems ({len(shown):,})</h4>"
            f'<div style="max-height:420px;overflow:auto" data-testid="overdue-problems">{body}</div>'
        )
        self.status.value = (
            '<div class="rk-status" data-testid="problems-status">'
            f"问题转办 截至 {self.as_of:%Y-%m-%d} · {len(t):,} 个问题 problems</div>"
        )
