"""The actual-spend contract, and the monthly budget a plan wrote, read back.

A finance export of what was spent has one row per payment: date (日期), category (类别),
amount (金额), note (备注). :func:`parse_actuals` checks it, every problem at once; the
monthly budget a plan wrote (``budget_monthly.csv``, which a spreadsheet may have re-saved) is
checked by :func:`parse_monthly`. Both files are read by :mod:`revisitkit.io`
(:func:`~revisitkit.io.load_actuals`, :func:`~revisitkit.io.read_monthly`) and compared month
by month by :func:`revisitkit.budget.variance`.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import BUDGET_CATEGORIES, Config
from revisitkit.errors import InputError, Issue
from revisitkit.schema.columns import Source, norm_header, parse_date_text

__all__ = ["ACTUALS_COLUMNS", "parse_actuals", "parse_monthly"]

ACTUALS_COLUMNS = {
    "date": ("日期", ("支出日期", "发生日期")),
    "category": ("类别", ("费用类别", "预算类别")),
    "amount": ("金额", ("金额(元)", "支出金额")),
    "note": ("备注", ("说明",)),
}


def parse_actuals(
    raw: pd.DataFrame, *, source: str | Source = "<table>", config: Config
) -> pd.DataFrame:
    """Turn a raw actual-spend table (text, English or Chinese headers) into the canonical frame.

    Parameters
    ----------
    raw
        One row per payment: date (日期), category (类别: a code or its label —
        personnel/人员, materials/物料, technology/技术, contingency/应急), amount (金额, CNY, may
        carry ¥ and thousands separators; a refund may be negative), note (备注). Not modified.
    source
        The file name (and first record row) used in messages.
    config
        The campaign config: the labels of the budget categories.

    Returns
    -------
    DataFrame
        ``date`` (datetime64), ``category`` (a code), ``amount_cny``, ``note``.

    Raises
    ------
    InputError
        Every problem at once, with its file, row, column and value.
    """
    src = source if isinstance(source, Source) else Source(source)
    shown = src.name
    lines = src.row_numbers(len(raw))
    headers = {norm_header(h): h for h in raw.columns}
    lookup = {}
    for canon, (zh, aliases) in ACTUALS_COLUMNS.items():
        for name in (canon, zh, *aliases):
            if norm_header(name) in headers:
                lookup[canon] = headers[norm_header(name)]
                break
    issues = []
    for canon in ("date", "category", "amount"):
        if canon not in lookup:
            zh = ACTUALS_COLUMNS[canon][0]
            issues.append(
                Issue(
                    shown,
                    None,
                    None,
                    None,
                    f"missing column {canon} ({zh}); the file has "
                    f"{', '.join(map(str, raw.columns)) or 'no columns'}",
                )
            )
    if issues:
        raise InputError(issues)
    labels = {c: c for c in BUDGET_CATEGORIES}
    for c, label in config.budget.labels.items():
        for part in str(label).split(" "):
            labels[norm_header(part)] = c
        labels[norm_header(label)] = c
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = int(lines[i])
        d_raw, c_raw, a_raw = (rec[lookup[k]] for k in ("date", "category", "amount"))
        d = parse_date_text(str(d_raw)) if not _blank(d_raw) else None
        if d is None:
            issues.append(
                Issue(
                    shown,
                    line,
                    lookup["date"],
                    None if _blank(d_raw) else str(d_raw),
                    "a date is required, like 2026-12-15, 2026/12/15 or 2026年12月15日",
                )
            )
        cat = labels.get(norm_header(str(c_raw))) if not _blank(c_raw) else None
        if cat is None:
            issues.append(
                Issue(
                    shown,
                    line,
                    lookup["category"],
                    None if _blank(c_raw) else str(c_raw),
                    "unknown category; use personnel/人员, materials/物料, "
                    "technology/技术 or contingency/应急",
                )
            )
        amount = _money(a_raw)
        if amount is None:
            issues.append(
                Issue(
                    shown,
                    line,
                    lookup["amount"],
                    None if _blank(a_raw) else str(a_raw),
                    "an amount in CNY is required (a number; ¥ and thousands "
                    "separators are fine; a refund may be negative)",
                )
            )
        note = rec.get(lookup["note"]) if "note" in lookup else None
        rows.append(
            {
                "date": d,
                "category": cat,
                "amount_cny": amount,
                "note": "" if _blank(note) else str(note),
            }
        )
    if issues:
        raise InputError(issues)
    out = pd.DataFrame(rows, columns=["date", "category", "amount_cny", "note"])
    out["date"] = pd.to_datetime(out["date"])
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def _money(v: Any) -> float | None:
    if _blank(v):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    text = str(v).strip().replace("¥", "").replace("￥", "").removesuffix("元").strip()
    text = text.replace("，", ",")
    if "," in text and not re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return None  # commas that are not thousands separators: 1,2,3 is not 123
    text = text.replace(",", "")
    try:
        f = float(text)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def parse_monthly(raw: pd.DataFrame, *, source: str | Source = "<table>") -> pd.DataFrame:
    """Check a monthly budget as a plan wrote it (``budget_monthly.csv``): months as
    ``YYYY-MM`` (or a date in the month, as a spreadsheet may re-save it), known categories,
    amounts in CNY. Every problem is reported with its row (:class:`InputError`).

    Returns
    -------
    DataFrame
        ``month`` (``YYYY-MM``), ``category``, ``planned_cny``.
    """
    src = source if isinstance(source, Source) else Source(source)
    name = src.name
    lines = src.row_numbers(len(raw))
    missing = [c for c in ("month", "category", "planned_cny") if c not in raw.columns]
    if missing:
        raise InputError(
            [
                Issue(
                    name,
                    1,
                    None,
                    None,
                    f"missing column(s) {missing}: not a monthly budget; write it "
                    "again with `revisitkit plan`",
                )
            ]
        )
    issues, rows = [], []
    for i, rec in enumerate(raw[["month", "category", "planned_cny"]].itertuples(index=False)):
        month = _month(rec.month)
        if month is None:
            issues.append(
                Issue(
                    name, int(lines[i]), "month", str(rec.month), "a month like 2026-12 is expected"
                )
            )
        cat = str(rec.category).strip()
        if cat not in BUDGET_CATEGORIES:
            issues.append(
                Issue(
                    name,
                    int(lines[i]),
                    "category",
                    cat,
                    f"one of {', '.join(BUDGET_CATEGORIES)} is expected",
                )
            )
        amount = _money(rec.planned_cny)
        if amount is None:
            issues.append(
                Issue(
                    name,
                    int(lines[i]),
                    "planned_cny",
                    None if _blank(rec.planned_cny) else str(rec.planned_cny),
                    "an amount in CNY is expected",
                )
            )
        rows.append({"month": month, "category": cat, "planned_cny": amount})
    if issues:
        raise InputError(issues)
    return pd.DataFrame(rows, columns=["month", "category", "planned_cny"])


def _month(value: Any) -> str | None:
    """``2026-12``, ``2026/12`` or a date in the month (``2026/12/1``) → ``2026-12``."""
    if _blank(value):
        return None
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text)
    if m and 1 <= int(m[2]) <= 12:
        return f"{int(m[1]):04d}-{int(m[2]):02d}"
    day = parse_date_text(text)
    return f"{day:%Y-%m}" if day is not None else None
