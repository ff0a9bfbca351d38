"""The risk dashboard (managers, read-only) and the risk editor (planners, notebook 04)."""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd
from IPython.display import display

from revisitkit.config import Config
from revisitkit.errors import UserError
from revisitkit.schema import CATEGORIES, RESPONSE_LEVELS, STATUSES, STRATEGIES
from revisitkit.views.dashboards.common import filter_dropdown, page
from revisitkit.views.html import ALL, NO_MATCH, status_html, table_html, tiles_html
from revisitkit.views.labels import ALL_LABEL
from revisitkit.views.plots import risk_heatmaps, show
from revisitkit.views.tables import overdue_reviews, owners_table, top_risks_table


class RiskDashboard:
    """Managers' read-only view of the register: heat maps, top risks, owners, overdue reviews."""

    def __init__(self, frame: pd.DataFrame, config: Config, today):
        self.frame, self.config, self.today = frame, config, today
        width = {"width": "300px", "label_width": "100px"}
        self.category = filter_dropdown(
            "类别 Category", [(v, k) for k, v in CATEGORIES.items()], self.redraw, **width
        )
        self.status = filter_dropdown(
            "状态 Status", [(v, k) for k, v in STATUSES.items()], self.redraw, **width
        )
        self.status_line = w.HTML()
        self.tiles = w.HTML()
        self.maps = w.Output()
        self.tables = w.Output()
        self.widget = page(
            w.HBox([self.category, self.status]),
            self.status_line,
            self.tiles,
            self.maps,
            self.tables,
        )
        self.redraw()

    def filtered(self) -> pd.DataFrame:
        f = self.frame
        if self.category.value != ALL:
            f = f[f["category"] == self.category.value]
        if self.status.value != ALL:
            f = f[f["status"] == self.status.value]
        return f

    def redraw(self) -> None:
        f = self.filtered()
        late = overdue_reviews(f, self.today)
        levels = f["level"].value_counts()
        self.tiles.value = tiles_html(
            [("风险数 Risks", f"{len(f):,}", "")]
            + [
                (
                    spec.label,
                    f"{int(levels.get(code, 0))}",
                    "high" if code in ("high", "critical") else "",
                )
                for code, spec in reversed(list(self.config.risk.levels.items()))
            ]
            + [("逾期复核 Overdue reviews", f"{len(late)}", "high" if len(late) else "")]
        )
        self.maps.clear_output(wait=True)
        with self.maps:
            show(risk_heatmaps(f, self.config))
        self.tables.clear_output(wait=True)
        with self.tables:
            display(
                w.HTML(
                    "<h3>最高风险 Top risks</h3>"
                    + table_html(top_risks_table(f), empty=NO_MATCH)
                    + "<h3>负责人 Owners</h3>"
                    + table_html(owners_table(f), index=True, empty=NO_MATCH)
                    + f"<h3>逾期复核 Overdue reviews (进度截至 progress as of {self.today})</h3>"
                    + (table_html(late) if len(late) else "<p>无 None.</p>")
                )
            )
        labels = []
        if self.category.value != ALL:
            labels.append(self.category.label)
        if self.status.value != ALL:
            labels.append(self.status.label)
        self.status_line.value = status_html(
            f"当前筛选 Filter: {' · '.join(labels) or ALL_LABEL} — {len(f)} 项风险 risks"
        )


class RiskEditor:
    """Planners' form over the store: pick a risk (or a new one), edit, save, close, comment.

    Every write goes through :class:`revisitkit.store.RiskRegister`, so it is validated,
    audited and refused when somebody else changed the risk since it was loaded.
    """

    TEXT_FIELDS = (
        "title",
        "title_en",
        "description",
        "cause",
        "trigger",
        "mitigation",
        "contingency",
    )
    NUMBER_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact")

    def __init__(self, register, config: Config, who: str):
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
        self.fields["category"] = w.Dropdown(
            options=[(v, k) for k, v in CATEGORIES.items()], description="category"
        )
        self.fields["owner_role"] = w.Combobox(
            options=list(config.risk.owner_roles), description="owner_role", ensure_option=False
        )
        self.fields["strategy"] = w.Dropdown(
            options=[(v, k) for k, v in STRATEGIES.items()], description="strategy"
        )
        self.fields["response_level"] = w.Dropdown(
            options=[(v, k) for k, v in RESPONSE_LEVELS.items()], description="response_level"
        )
        self.fields["status"] = w.Dropdown(
            options=[(v, k) for k, v in STATUSES.items()], description="status"
        )
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
        self.widget = page(
            w.HBox([self.filter_category, self.filter_status]),
            self.picker,
            *self.fields.values(),
            w.HBox([self.save_button, self.close_button, self.reload_button]),
            w.HBox([self.comment_text, self.comment_button]),
            self.message,
        )
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

    def _on_picked(self, action, done: str) -> None:
        """Run *action* on the picked risk and say *done* (``{id}`` filled in), or why not."""
        if self.picker.value == self.NEW:
            self._say(False, "先选择一项风险 Pick a risk first")
            return
        try:
            action(self.picker.value)
            self._say(True, done.format(id=self.picker.value))
        except (UserError, ValueError) as e:
            self._say(False, str(e))

    def close(self) -> None:
        def close(rid: str) -> None:
            self.version = self.register.close(rid, self.version, self.who)
            self.load(rid)

        self._on_picked(close, "已关闭 Closed {id}")

    def comment(self) -> None:
        def comment(rid: str) -> None:
            self.register.comment(rid, self.comment_text.value, self.who)
            self.comment_text.value = ""

        self._on_picked(comment, "已添加评论 Comment added to {id}")
