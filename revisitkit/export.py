"""The plan as files: ``customers_plan.csv`` (the contract) and ``plan.xlsx`` (for people).

The CSV keeps codes (domain.md §8); the workbook shows Chinese headers and labels, a frozen
header row, priority colours and sensible column widths, plus a sheet that explains every
rule with the numbers of this plan's config. Both are written atomically (see ``io``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from revisitkit.config import Config
from revisitkit.io import EXCEL_MAX_ROWS, atomic_path, write_csv
from revisitkit.labels import PLAN_HEADERS_ZH, labelled_plan, rule_text
from revisitkit.segmentation import SegmentationResult
from revisitkit.store import write_risk_sheet

PLAN_CSV = "customers_plan.csv"
PLAN_XLSX = "plan.xlsx"
CUSTOMERS_SHEET = "客户计划 Customers"

#: fill colours of the priority column (Excel RGB): red, amber, green — a traffic light
PRIORITY_FILL = {"high": "#F8CBAD", "medium": "#FFE699", "low": "#C6EFCE"}
_WIDTHS = {"name": 28, "channels": 30, "reasons": 36, "value_segment": 16, "region_cluster": 10}


def plan_csv_frame(result: SegmentationResult) -> pd.DataFrame:
    plan = result.plan.copy()
    plan["deadline"] = plan["deadline"].dt.strftime("%Y-%m-%d")
    return plan


def write_plan_csv(result: SegmentationResult, out_dir: Path) -> Path:
    return write_csv(plan_csv_frame(result), out_dir / PLAN_CSV)


def write_plan_xlsx(
    result: SegmentationResult,
    config: Config,
    out_dir: Path,
    risks: pd.DataFrame | None = None,
) -> Path:
    """Write ``plan.xlsx``: the customers sheet, a rules sheet and, given the register
    (``revisitkit.risk.register_frame``), the sheet ``风险 Risks``.

    Raises
    ------
    ValueError
        The plan has more rows than an Excel sheet holds.
    """
    plan = result.plan
    if len(plan) + 1 > EXCEL_MAX_ROWS:
        raise ValueError(
            f"{len(plan):,} customers do not fit in one Excel sheet "
            f"({EXCEL_MAX_ROWS - 1:,} rows at most); use --no-xlsx and open {PLAN_CSV}"
        )
    shown = labelled_plan(plan, config)
    target = out_dir / PLAN_XLSX
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(
            tmp,
            engine="xlsxwriter",
            datetime_format="yyyy-mm-dd",
            date_format="yyyy-mm-dd",
            engine_kwargs={"options": {"constant_memory": False}},
        ) as writer:
            shown.to_excel(writer, sheet_name=CUSTOMERS_SHEET, index=False)
            book, sheet = writer.book, writer.sheets[CUSTOMERS_SHEET]
            sheet.freeze_panes(1, 2)
            sheet.autofilter(0, 0, len(shown), len(shown.columns) - 1)
            money = book.add_format({"num_format": "#,##0"})
            for i, column in enumerate(plan.columns):
                width = _WIDTHS.get(column, max(10, len(PLAN_HEADERS_ZH.get(column, column)) * 2))
                sheet.set_column(i, i, width, money if column == "revenue_12m" else None)
            col = list(plan.columns).index("priority")
            labels = config.priority.labels
            for tier, colour in PRIORITY_FILL.items():
                sheet.conditional_format(
                    1, col, len(shown), col,
                    {"type": "cell", "criteria": "==", "value": f'"{labels[tier]}"',
                     "format": book.add_format({"bg_color": colour})},
                )  # fmt: skip
            rules = pd.DataFrame(
                {
                    "规则代码 Rule": list(_rule_codes(config)),
                    "说明 Meaning": [rule_text(c, config) for c in _rule_codes(config)],
                    "优先级 Tier": [_tier(c, config) for c in _rule_codes(config)],
                    "期限(天) Days": [_days(c, config) for c in _rule_codes(config)],
                }
            )
            rules.to_excel(writer, sheet_name="规则 Rules", index=False)
            writer.sheets["规则 Rules"].set_column(0, 0, 26)
            writer.sheets["规则 Rules"].set_column(1, 1, 70)
            if risks is not None:
                write_risk_sheet(writer, risks)
    return target


def _rule_codes(config: Config) -> list[str]:
    return (
        [name for name, _ in config.priority.rules]
        + list(config.priority.low.segments)
        + ["default_low"]
    )


def _tier(code: str, config: Config) -> str:
    rule = getattr(config.priority.rules, code, None)
    return config.priority.labels[rule.tier if rule else "low"]


def _days(code: str, config: Config) -> int:
    rule = getattr(config.priority.rules, code, None)
    return rule.deadline_days if rule else config.priority.low.deadline_days


# ------------------------------------------------------------------------------ staff calendars
CALENDARS_DIR = "calendars"


def write_staff_calendars(
    assignments: pd.DataFrame,
    plan: pd.DataFrame,
    roster: pd.DataFrame,
    config: Config,
    out_dir: Path,
) -> list[Path]:
    """One ``.ics`` file per staff member under ``out_dir/calendars/`` (all-day events: the
    schedule fixes the day, the person and the customer agree the hour).

    Every event has a stable UID (task and person), so importing an updated calendar replaces
    the old events instead of doubling them. Written atomically, one file at a time.
    """
    from icalendar import Calendar, Event

    folder = out_dir / CALENDARS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = dict(zip(plan["customer_id"], plan["name"], strict=False))
    channel_labels = {code: label.split(" ")[0] for code, label in config.channels.items()}
    staff_names = dict(zip(roster["staff_id"], roster["name"], strict=False))
    stamp = pd.Timestamp(config.as_of()).to_pydatetime()
    written = []
    for staff_id, rows in assignments.sort_values(["date", "task_id"]).groupby(
        "staff_id", sort=True
    ):
        cal = Calendar()
        cal.add("prodid", "-//revisitkit//年前回访//ZH")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"年前回访 {staff_names.get(staff_id, staff_id)}")
        for row in rows.itertuples(index=False):
            event = Event()
            day = pd.Timestamp(row.date).date()
            customer = names.get(row.customer_id, row.customer_id)
            event.add("uid", f"{row.task_id}/{staff_id}@revisitkit")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + pd.Timedelta(days=1).to_pytimedelta())
            event.add("summary", f"{channel_labels.get(row.channel, row.channel)} · {customer}")
            event.add(
                "description",
                f"客户 {row.customer_id} {customer}\n回访方式 {row.channel}\n"
                f"预计 {int(row.minutes)} 分钟 minutes\n截止 due {pd.Timestamp(row.deadline):%Y-%m-%d}",
            )
            cal.add_component(event)
        target = folder / f"{staff_id}.ics"
        with atomic_path(target) as tmp:
            tmp.write_bytes(cal.to_ical())
        written.append(target)
    return written
