"""The problem hand-off in words: the table a service team and a manager read (§3.3, §7.2).

:func:`problems_table` turns an SLA table (:func:`revisitkit.problems.sla`) into Chinese
headers, grade / category / status / step labels, owners by name, and descriptions with every
phone number and email masked (:func:`revisitkit.redact.mask_in_text`); :func:`write_problems`
writes it (with the times by grade) as the XLSX the service team works from, or a CSV. No cell
becomes a formula or a link (:func:`revisitkit.io.excel_writer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from revisitkit.config import Config
from revisitkit.errors import UserError
from revisitkit.io import atomic_path, excel_text, excel_writer, write_csv
from revisitkit.problems import STATUS_LABELS, STEP_LABELS, problem_times
from revisitkit.redact import mask_in_text

__all__ = ["PROBLEM_HEADERS", "problems_table", "write_problems"]

#: The columns of the table, in order, with their headers.
PROBLEM_HEADERS = {
    "problem_id": "问题编号 Problem",
    "customer_id": "客户编号 Customer",
    "customer": "客户 Customer name",
    "grade": "等级 Grade",
    "category": "类别 Category",
    "description": "问题描述 Description",
    "owner": "负责人 Owner",
    "status": "状态 Status",
    "raised_at": "提出时间 Raised",
    "response_due": "响应时限 Response due",
    "responded_at": "响应时间 Responded",
    "solution_due": "解决时限 Solution due",
    "solved_at": "解决时间 Solved",
    "follow_up_due": "回访确认时限 Follow-up due",
    "verified_at": "回访确认时间 Verified",
    "overdue": "逾期 Overdue",
    "overdue_hours": "逾期小时 Hours overdue",
}


def problems_table(
    table: pd.DataFrame,
    config: Config,
    *,
    names: Mapping[str, str] | None = None,
    customers: Mapping[str, str] | None = None,
    describe: bool = True,
) -> pd.DataFrame:
    """The SLA table for people: labels, owners by name (*names*: staff id → name; a
    department or a name is shown as written), customer names (*customers*: id → name);
    ``describe=False`` leaves the descriptions out (a list that does not show them)."""
    pc = config.problems
    names = dict(names or {})
    out = pd.DataFrame(
        {
            "problem_id": table["problem_id"].astype(str),
            "customer_id": table["customer_id"].astype(str),
            "customer": table["customer_id"]
            .astype(str)
            .map(lambda c: (customers or {}).get(c, "")),
            "grade": table["grade"].map({c: g.label for c, g in pc.grades.items()}),
            "category": table["category"].map(dict(pc.categories)).fillna(""),
            "description": table["description"].map(mask_in_text) if describe else "",
            "owner": table["owner"].fillna("").astype(str).map(lambda o: names.get(o, o)),
            "status": table["status"].map(STATUS_LABELS),
            "raised_at": table["raised_at"],
            "response_due": table["response_due"],
            "responded_at": table["responded_at"],
            "solution_due": table["solution_due"],
            "solved_at": table["solved_at"],
            "follow_up_due": table["follow_up_due"],
            "verified_at": table["verified_at"],
            "overdue": table["overdue_step"].map(STEP_LABELS).fillna(""),
            "overdue_hours": table["overdue_hours"].round(1),
        }
    )
    return out.rename(columns=PROBLEM_HEADERS)


def write_problems(
    path: str | Path, people: pd.DataFrame, table: pd.DataFrame, config: Config
) -> Path:
    """Write the people's table (:func:`problems_table`) to *path*: .xlsx (sheets 问题 Problems
    and 时效 Times by grade) or .csv (UTF-8 with BOM), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(people, path)
    if suffix != ".xlsx":
        raise UserError(
            f"{path.name}: the export is written as .xlsx or .csv, not {suffix or 'no suffix'}"
        )
    times = problem_times(table, config).round(2)
    with atomic_path(path) as tmp, excel_writer(tmp, datetime_format="yyyy-mm-dd hh:mm") as w:
        excel_text(people).to_excel(w, sheet_name="问题 Problems", index=False)
        sheet = w.sheets["问题 Problems"]
        sheet.freeze_panes(1, 2)
        sheet.autofilter(0, 0, len(people), len(people.columns) - 1)
        sheet.set_column(0, len(people.columns) - 1, 16)
        times.to_excel(w, sheet_name="时效 Times", index=False)
    return path
