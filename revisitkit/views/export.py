"""The plan as files: ``customers_plan.csv`` (the contract) and ``plan.xlsx`` (for people).

The CSV keeps codes (domain.md §8); the workbook shows Chinese headers and labels, a frozen
header row, priority colours and sensible column widths, plus a sheet that explains every
rule with the numbers of this plan's config. Both are written atomically (see ``io``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from icalendar import Calendar, Event
from openpyxl.utils.exceptions import InvalidFileException

from revisitkit.config import Config, display_path
from revisitkit.errors import UserError
from revisitkit.io import (
    EXCEL_MAX_ROWS,
    atomic_path,
    excel_text,
    excel_writer,
    safe_file_names,
    write_csv,
    write_risk_sheet,
)
from revisitkit.segmentation import SegmentationResult
from revisitkit.views.labels import (
    PLAN_HEADERS_ZH,
    YES_NO,
    channel_words,
    labelled_plan,
    rule_text,
    touch_reason_words,
)
from revisitkit.views.tables import (
    attainment_table,
    budget_tables,
    gap_note,
    gap_table,
    staff_load_table,
    workload_table,
)

PLAN_CSV = "customers_plan.csv"
PLAN_XLSX = "plan.xlsx"
CUSTOMERS_SHEET = "客户计划 Customers"

#: fill colours of the priority column (Excel RGB): red, amber, green — a traffic light
PRIORITY_FILL = {"high": "#F8CBAD", "medium": "#FFE699", "low": "#C6EFCE"}
_WIDTHS = {"name": 28, "channels": 30, "reasons": 36, "value_segment": 16, "region_cluster": 10}


def plan_csv_frame(result: SegmentationResult) -> pd.DataFrame:
    plan = result.plan.copy()
    for col in ("deadline", "channels_deadline"):
        if col in plan:
            plan[col] = plan[col].dt.strftime("%Y-%m-%d")
    return plan


TOUCHES_CSV = "touches.csv"
TOUCHES_SHEET = "触达 Touches"
#: Chinese headers of the touches sheet (touches.csv keeps the codes).
TOUCH_HEADERS_ZH = {
    "customer_id": "客户编号 Customer",
    "name": "客户名称 Name",
    "channel": "触达方式 Touch",
    "date": "计划日期 Date",
    "staff_id": "员工编号 Staff",
    "staff_name": "姓名 Staff name",
    "deadline": "截止日期 Deadline",
    "reason": "依据 Reason",
}


def touches_csv_frame(touches: pd.DataFrame) -> pd.DataFrame:
    """touches.csv as written: codes, ISO dates, empty where there is no date or person."""
    out = touches.copy()
    for col in ("date", "deadline"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d").fillna("")
    out["staff_id"] = out["staff_id"].fillna("")
    return out


def write_touches_csv(touches: pd.DataFrame, out_dir: Path) -> Path:
    """``touches.csv`` (domain.md §8): one row per planned touch of every customer."""
    return write_csv(touches_csv_frame(touches), out_dir / TOUCHES_CSV)


def _write_touches_sheet(
    writer: Any, touches: pd.DataFrame, plan: pd.DataFrame, config: Config, staff_names: dict
) -> None:
    names = dict(zip(plan["customer_id"].astype(str), plan["name"], strict=False))
    frame = touches.copy()
    frame.insert(1, "name", frame["customer_id"].map(names))
    frame["channel"] = frame["channel"].map(channel_words(config)).fillna(frame["channel"])
    # names and reasons in words: each distinct value once (many rows, few distinct values)
    people = pd.Series(frame["staff_id"].fillna("").unique())
    names_of = dict(
        zip(
            people,
            ["、".join(staff_names.get(x, x) for x in str(ids).split(";") if x) for ids in people],
            strict=True,
        )
    )
    frame.insert(5, "staff_name", frame["staff_id"].fillna("").map(names_of))
    reasons = pd.Series(frame["reason"].fillna("").unique())
    words = dict(zip(reasons, [touch_reason_words(r, config) for r in reasons], strict=True))
    frame["reason"] = frame["reason"].fillna("").map(words)
    excel_text(frame.rename(columns=TOUCH_HEADERS_ZH)).to_excel(
        writer, sheet_name=TOUCHES_SHEET, index=False
    )
    sheet = writer.sheets[TOUCHES_SHEET]
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, len(frame.columns) - 1, 16)


def write_plan_csv(result: SegmentationResult, out_dir: Path) -> Path:
    return write_csv(plan_csv_frame(result), out_dir / PLAN_CSV)


def write_plan_xlsx(
    result: SegmentationResult,
    config: Config,
    out_dir: Path,
    risks: pd.DataFrame | None = None,
    staffing: Any = None,
    budget: Any = None,
    touches: pd.DataFrame | None = None,
    needs: Any = None,
) -> Path:
    """Write ``plan.xlsx``: the customers sheet, a rules sheet, given the register
    (``revisitkit.risk.register_frame``) the sheet ``风险 Risks``, given a staffing plan
    (:class:`revisitkit.staffing.StaffingPlan`) the sheets ``排期 Schedule`` and
    ``人员 Staffing``, given the people a plan without a roster needs
    (:func:`revisitkit.staffing.needs.staffing_needs`) the sheet ``人员需求 Needs``, given the touches (:func:`revisitkit.staffing.journey`) the sheet
    ``触达 Touches``.

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
        with excel_writer(tmp) as writer:
            excel_text(shown).to_excel(writer, sheet_name=CUSTOMERS_SHEET, index=False)
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
                    1,
                    col,
                    len(shown),
                    col,
                    {
                        "type": "cell",
                        "criteria": "==",
                        "value": f'"{labels[tier]}"',
                        "format": book.add_format({"bg_color": colour}),
                    },
                )
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
            if staffing is not None:
                _write_staffing_sheets(writer, staffing, plan, config)
            if needs is not None:
                write_needs_sheet(writer, needs, config)
            if budget is not None:
                write_budget_sheet(writer, budget)
            if touches is not None:
                names = (
                    {}
                    if staffing is None
                    else dict(
                        zip(staffing.roster["staff_id"], staffing.roster["name"], strict=False)
                    )
                )
                _write_touches_sheet(writer, touches, plan, config, names)
    return target


BUDGET_CSV = "budget.csv"
BUDGET_MONTHLY_CSV = "budget_monthly.csv"
BUDGET_SHEET = "预算 Budget"


def write_budget_csvs(bp: Any, out_dir: Path) -> list[Path]:
    """``budget.csv`` (category, segment, amount_cny; sums to the top-down total) and
    ``budget_monthly.csv`` (month, category, planned_cny: what ``revisitkit budget``
    compares the actual spend with)."""
    return [
        write_csv(bp.budget_frame(), out_dir / BUDGET_CSV),
        write_csv(bp.monthly(), out_dir / BUDGET_MONTHLY_CSV),
    ]


def write_budget_sheet(writer: Any, bp: Any) -> None:
    """Sheet ``预算 Budget``: the summary lines, then the tables of :func:`budget_tables`."""
    _lines_and_tables(writer, BUDGET_SHEET, bp.summary_lines(), budget_tables(bp), text=False)
    writer.sheets[BUDGET_SHEET].set_column(0, 0, 28)
    writer.sheets[BUDGET_SHEET].set_column(1, 6, 16)


def _lines_and_tables(
    writer: Any, sheet: str, lines: list[str], tables: list, *, text: bool = True
) -> None:
    """A sheet of summary lines, then titled tables (data as text when *text*)."""
    bold = writer.book.add_format({"bold": True, "font_size": 12})
    pd.DataFrame({"": lines}).to_excel(writer, sheet_name=sheet, index=False, header=False)
    row = len(lines) + 1
    for title, table in tables:
        shown = excel_text(table) if text else table
        shown.to_excel(writer, sheet_name=sheet, index=False, startrow=row + 1)
        writer.sheets[sheet].write(row, 0, title, bold)
        row += len(table) + 4


SCHEDULE_CSV = "schedule.csv"
SCHEDULE_SHEET = "排期 Schedule"
STAFFING_SHEET = "人员 Staffing"
#: Chinese headers of the schedule sheet (schedule.csv keeps the codes).
SCHEDULE_HEADERS_ZH = {
    "task_id": "任务编号 Task",
    "customer_id": "客户编号 Customer",
    "name": "客户名称 Name",
    "channel": "回访方式 Channel",
    "staff_id": "员工编号 Staff",
    "staff_name": "姓名 Staff name",
    "role": "岗位 Role",
    "date": "日期 Date",
    "start": "开始 Start",
    "end": "结束 End",
    "minutes": "分钟(含路程) Minutes",
    "travel_minutes": "路程分钟 Travel",
    "deadline": "截止日期 Deadline",
    "on_time": "按期 On time",
    "late_days": "逾期天数 Days late",
}


def write_schedule_csv(staffing: Any, out_dir: Path) -> Path:
    """``schedule.csv``: one row per person per task (codes, ISO dates), plus a row per task
    left unscheduled (no staff, no date)."""
    return write_csv(staffing.schedule_frame(), out_dir / SCHEDULE_CSV)


def _write_staffing_sheets(writer: Any, staffing: Any, plan: pd.DataFrame, config: Config) -> None:
    roles = dict(config.staffing.roles)
    channels = channel_words(config)
    names = dict(zip(plan["customer_id"], plan["name"], strict=False))
    staff_names = dict(zip(staffing.roster["staff_id"], staffing.roster["name"], strict=False))

    frame = staffing.schedule_frame()
    frame.insert(2, "name", frame["customer_id"].map(names))
    frame.insert(5, "staff_name", frame["staff_id"].map(staff_names).fillna(""))
    frame["channel"] = frame["channel"].map(channels).fillna(frame["channel"])
    frame["role"] = frame["role"].map(roles).fillna(frame["role"])
    frame["on_time"] = frame["on_time"].map(YES_NO)
    for col in ("date", "deadline"):  # real dates, so that Excel sorts and filters them
        frame[col] = pd.to_datetime(frame[col], errors="coerce")
    excel_text(frame.rename(columns=SCHEDULE_HEADERS_ZH)).to_excel(
        writer, sheet_name=SCHEDULE_SHEET, index=False
    )
    sheet = writer.sheets[SCHEDULE_SHEET]
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    sheet.set_column(0, 0, 26)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, len(frame.columns) - 1, 14)

    book = writer.book
    bold = book.add_format({"bold": True, "font_size": 12})
    row = 0
    note = gap_note(staffing)
    gap = pd.DataFrame({"说明 Note": [note]}) if note else gap_table(staffing, config)
    sections = [
        (
            "按期完成率（按优先级） Deadline attainment by priority",
            attainment_table(staffing, config),
        ),
        ("缺口（补充人天，按岗位和区域） Capacity gap: extra person-days by role and cluster", gap),
        (
            "工作量与产能（按周、岗位，小时） Workload against capacity by week and role (hours)",
            workload_table(staffing, config),
        ),
        ("人员负荷 Load per person", staff_load_table(staffing, config)),
    ]
    for title, table in sections:
        excel_text(table).to_excel(writer, sheet_name=STAFFING_SHEET, index=False, startrow=row + 1)
        writer.sheets[STAFFING_SHEET].write(row, 0, title, bold)
        row += len(table) + 4
    writer.sheets[STAFFING_SHEET].set_column(0, 9, 16)


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
    """One ``.ics`` file per staff member under ``out_dir/calendars/``.

    With ``start`` and ``end`` columns (:attr:`revisitkit.staffing.StaffingPlan.timed`) the
    events are timed, in ``staffing.workday.timezone`` (its VTIMEZONE included, so a phone
    calendar shows the hour wherever it is); without them, all-day events. An on-site team
    has one event per person, each listing the others and the hour the team meets the
    customer. Every event has a stable UID (task and person), so importing an updated
    calendar replaces the old events instead of doubling them. Written atomically, one file
    at a time.
    """
    from zoneinfo import ZoneInfo

    folder = out_dir / CALENDARS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = dict(zip(plan["customer_id"], plan["name"], strict=False))
    regions = dict(
        zip(plan["customer_id"], plan.get("region", pd.Series(dtype=object)), strict=False)
    )
    channel_labels = channel_words(config)
    role_labels = dict(config.staffing.roles)
    staff_names = dict(zip(roster["staff_id"], roster["name"], strict=False))
    zone = ZoneInfo(config.staffing.workday.timezone)
    stamp = pd.Timestamp(config.as_of()).to_pydatetime()
    timed = "start" in assignments.columns and "end" in assignments.columns
    team = assignments.groupby("task_id", sort=False)
    rank = {r: k for k, r in enumerate(role_labels)}  # the config's order of roles
    members = {
        t: sorted(
            zip(g["staff_id"], g["role"], strict=False), key=lambda m: (rank.get(m[1], 99), m[0])
        )
        for t, g in team
        if len(g) > 1
    }
    order = ["date", "start", "task_id"] if timed else ["date", "task_id"]
    groups = assignments.sort_values(order).groupby("staff_id", sort=True)
    written = []
    # a staff id is data, never a path: `../x`, `/abs`, `BJ/003`, `R:1` become safe names
    file_names = safe_file_names([str(k) for k, _ in groups], ".ics")
    for staff_id, rows in groups:
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
            lines = [f"客户 {row.customer_id} {customer}", f"回访方式 {row.channel}"]
            if timed and not pd.isna(row.start):
                start = pd.Timestamp(row.start).to_pydatetime().replace(tzinfo=zone)
                end = pd.Timestamp(row.end).to_pydatetime().replace(tzinfo=zone)
                event.add("dtstart", start)
                event.add("dtend", end)
                travel = float(row.travel_minutes or 0)
                if travel > 0 and "meeting" in assignments.columns:
                    lines.append(
                        f"与客户会面 meeting {pd.Timestamp(row.meeting):%H:%M}"
                        f"（路程 travel {int(travel)} 分钟 min 往返）"
                    )
            else:
                event.add("dtstart", day)
                event.add("dtend", day + pd.Timedelta(days=1).to_pytimedelta())
            others = [
                f"{staff_names.get(s, s)}（{role_labels.get(r, r)}）"
                for s, r in members.get(row.task_id, [])
                if s != staff_id
            ]
            if others:
                lines.append("同行 with: " + "、".join(others))
            lines += [
                f"预计 {int(row.minutes)} 分钟 minutes",
                f"截止 due {pd.Timestamp(row.deadline):%Y-%m-%d}",
            ]
            region = regions.get(row.customer_id)
            if isinstance(region, str) and region and float(row.travel_minutes or 0) > 0:
                event.add("location", region)
            event.add("summary", f"{channel_labels.get(row.channel, row.channel)} · {customer}")
            event.add("description", "\n".join(lines))
            cal.add_component(event)
        if timed:
            cal.add_missing_timezones()
        target = folder / file_names[str(staff_id)]
        with atomic_path(target) as tmp:
            tmp.write_bytes(cal.to_ical())
        written.append(target)
    return written


NEEDS_CSV = "staffing_needs.csv"
NEEDS_SHEET = "人员需求 Needs"
ROSTER_DRAFT_CSV = "roster_draft.csv"
#: Chinese headers of the needs tables (staffing_needs.csv keeps the codes).
NEEDS_HEADERS_ZH = {
    "role": "岗位 Role",
    "region_cluster": "区域 Cluster",
    "period": "周 Week",
    "working_days": "工作日 Working days",
    "people": "人数 People",
    "person_days": "工作量(人天) Person-days",
    "capacity_person_days": "可用(人天) Available",
    "utilisation": "负荷率 Utilisation",
}


def write_needs_csvs(needs: Any, out_dir: Path) -> list[Path]:
    """``staffing_needs.csv`` (people per role and cluster, overall and per week; codes) and
    ``roster_draft.csv`` (the sized team as a roster with Chinese headers and names to fill
    in, which ``--staff`` accepts as it is)."""
    from revisitkit.sample import to_roster_export

    frame = needs.to_frame()
    frame["utilisation"] = frame["utilisation"].round(4)
    for col in ("person_days", "capacity_person_days"):
        frame[col] = frame[col].round(2)
    return [
        write_csv(frame, out_dir / NEEDS_CSV),
        write_csv(to_roster_export(needs.roster, needs.config), out_dir / ROSTER_DRAFT_CSV),
    ]


def needs_tables(needs: Any, config: Config) -> list[tuple[str, pd.DataFrame]]:
    """The needs as people read them: roles and clusters in words, Chinese headers."""
    roles = dict(config.staffing.roles)
    clusters = {c: v.label for c, v in config.region_clusters.items()}
    out = []
    for title, frame in (
        ("人员需求（全程） People needed over the campaign", needs.overall),
        ("人员需求（按周） People needed by week (the verifying schedule)", needs.weekly),
    ):
        shown = frame.copy()
        shown["role"] = shown["role"].map(roles).fillna(shown["role"])
        shown["region_cluster"] = shown["region_cluster"].map(clusters).fillna("其他 Other")
        shown["utilisation"] = shown["utilisation"].map(lambda u: "" if pd.isna(u) else f"{u:.0%}")
        for col in ("person_days", "capacity_person_days"):
            shown[col] = shown[col].round(1)
        if title.endswith("campaign"):
            shown = shown.drop(columns=["period"])
        out.append((title, shown.rename(columns=NEEDS_HEADERS_ZH)))
    return out


def write_needs_sheet(writer: Any, needs: Any, config: Config) -> None:
    """Sheet ``人员需求 Needs``: the summary lines, then the overall and weekly tables."""
    _lines_and_tables(writer, NEEDS_SHEET, needs.summary_lines(), needs_tables(needs, config))
    writer.sheets[NEEDS_SHEET].set_column(0, 1, 22)
    writer.sheets[NEEDS_SHEET].set_column(2, 8, 14)


ROSTER_DRAFT_SHEET = "人员名单 Roster"
ROSTER_DRAFT_HELP_SHEET = "说明 How to fill in"


def write_roster_draft_xlsx(staff: pd.DataFrame, config: Config, target: Path) -> Path:
    """The sized team as a roster to fill in: one row per person (员工编号, 姓名 待填 …, 岗位,
    区域, 每日可用小时 where not the default), Chinese headers, first sheet; a second sheet says
    what to fill in. ``.csv`` writes the first sheet alone. Written atomically."""
    from revisitkit.sample import to_roster_export

    frame = to_roster_export(staff, config)
    if target.suffix.lower() == ".csv":
        return write_csv(frame, target)
    default = config.staffing.default_hours_per_day
    help_lines = [
        "这是按计划测算的人员名单草稿 A roster of the size the plan needs.",
        "姓名 Name: 把“待填 …”改为真实姓名 write each person's name over 待填.",
        "员工编号 Staff id: 已有编号的是客户的客户经理（CRM 负责人），请保留 ids already "
        "set are the customers' own account managers (owner): keep them.",
        f"每日可用小时 Hours a day: 空白为默认 {default:g} 小时 empty = the default "
        f"{default:g} h (staffing.default_hours_per_day).",
        "请假日期 Days off: 如 2026-12-24~2026-12-25 e.g. 2026-12-24~2026-12-25.",
        "区域 Region: 省份、国家或区域名称（如 长三角） a province, a country or a cluster.",
        "然后运行 Then run: revisitkit plan --staff <this file>",
    ]
    with atomic_path(target) as tmp:
        with excel_writer(tmp) as writer:
            excel_text(frame).to_excel(writer, sheet_name=ROSTER_DRAFT_SHEET, index=False)
            sheet = writer.sheets[ROSTER_DRAFT_SHEET]
            sheet.freeze_panes(1, 0)
            sheet.set_column(0, len(frame.columns) - 1, 16)
            pd.DataFrame({"说明": help_lines}).to_excel(
                writer, sheet_name=ROSTER_DRAFT_HELP_SHEET, index=False
            )
            writer.sheets[ROSTER_DRAFT_HELP_SHEET].set_column(0, 0, 100)
    return target


ROSTER_CSV = "roster.csv"
#: what a plan folder keeps of the roster: who may record an outcome (no contact details)
ROSTER_KEPT = ("staff_id", "name", "role", "region")
#: the files of a plan folder written before plan folders had a manifest (roster.csv came with
#: the manifest; a calendar counts only when the kit's own PRODID says it wrote it)
PLAN_FILES = (
    "customers_plan.csv",
    "plan.xlsx",
    "schedule.csv",
    "budget.csv",
    "budget_monthly.csv",
    "calendars/*.ics",
)


def write_roster_csv(roster: pd.DataFrame, out_dir: Path) -> Path:
    """``roster.csv``: the people the plan was made with (``revisitkit outcomes import``
    accepts an outcome by anyone on it, scheduled or not)."""
    kept = [c for c in ROSTER_KEPT if c in roster.columns]
    return write_csv(roster[kept], out_dir / ROSTER_CSV)


KPIS_CSV = "kpis.csv"
KPI_SHEET = "指标 KPIs"


def load_plan_workbook(workbook: Path) -> Any:
    """Open a plan.xlsx for :func:`add_kpi_sheet`; a damaged one is a UserError (no traceback,
    and nothing written yet)."""
    try:
        return openpyxl.load_workbook(workbook)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as e:
        raise UserError(
            f"{display_path(workbook)}: damaged, not a workbook ({e}); write the plan again with "
            "`revisitkit plan`, or move the file away; nothing was written"
        ) from None


def add_kpi_sheet(workbook: Path, frame: pd.DataFrame, book: Any = None) -> Path:
    """Put the sheet ``指标 KPIs`` into an existing plan.xlsx (replacing an older one); the
    other sheets are kept. The workbook is rewritten atomically: a failure leaves it as it was.
    *book* is the workbook already opened with :func:`load_plan_workbook`."""
    book = load_plan_workbook(workbook) if book is None else book
    if KPI_SHEET in book.sheetnames:
        del book[KPI_SHEET]
    sheet = book.create_sheet(KPI_SHEET)
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if (isinstance(v, float) and v != v) else v for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # openpyxl reads '=…' text as a formula: keep it text
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (30, 24, 12, 12, 14, 12, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    with atomic_path(workbook) as tmp:
        book.save(tmp)
    return workbook
