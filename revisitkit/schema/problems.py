"""The problems file contract: one row per customer problem handed on (问题转办, §3.3, §7.2).

A revisit surfaces a problem; the service desk grades it (A production stopped, B functional
defect, C usage question), hands it to an owner and records when it was responded to, solved
and confirmed with the customer. :func:`parse_problems` validates such a table (CSV, XLSX or
Parquet, Chinese or English headers, read by :func:`revisitkit.io.load_problems`) into the
canonical frame (:data:`PROBLEM_FIELDS`); :class:`revisitkit.store.ProblemLog` keeps it with
its history and :mod:`revisitkit.problems` runs the SLA clock on it.

A row without a problem id gets a deterministic one (:func:`problem_id`, from the customer, the
moment raised and the description), so importing the same file twice adds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.errors import InputError, Issue
from revisitkit.schema import columns as col
from revisitkit.schema.columns import Column, Source

__all__ = ["PROBLEM_COLUMNS", "PROBLEM_FIELDS", "PROBLEM_TIMES", "parse_problems", "problem_id"]

PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("problem_id", "问题编号", "text", aliases=("问题id", "工单号")),
    Column("customer_id", "客户编号", "text", required=True, aliases=("客户id",)),
    Column("raised_at", "提出时间", "datetime", required=True, aliases=("登记时间", "发现时间")),
    Column("grade", "等级", "grade", required=True, aliases=("问题等级", "级别")),
    Column("category", "类别", "category", aliases=("问题类别", "分类")),
    Column("description", "问题描述", "text", aliases=("描述", "问题")),
    Column("owner", "负责人", "text", aliases=("处理人", "负责部门")),
    Column("responded_at", "响应时间", "datetime", aliases=("技术响应时间",)),
    Column("solved_at", "解决时间", "datetime", aliases=("解决方案时间",)),
    Column("verified_at", "回访确认时间", "datetime", aliases=("确认时间", "跟进时间")),
    Column("verified_ok", "客户确认", "flag", aliases=("是否确认", "客户是否确认")),
    Column("notes", "备注", "text", aliases=("说明",)),
)
_INDEX = col.header_index(PROBLEM_COLUMNS)
#: The moments of a problem's hand-off, in the order they happen.
PROBLEM_TIMES = ("raised_at", "responded_at", "solved_at", "verified_at")
#: The stored fields of one problem, in order.
PROBLEM_FIELDS = (
    "problem_id",
    "customer_id",
    "raised_at",
    "grade",
    "category",
    "description",
    "owner",
    "responded_at",
    "solved_at",
    "verified_at",
    "verified_ok",
    "notes",
)
_DATETIME = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[ T]\s*|\s+)(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2})(?:\.\d+)?\s*秒?)?\s*$"
)
EXPECTED_DATETIME = "a date and time like 2027-01-08 17:00, 2027/1/8 17:00 or 2027年1月8日 17:00"


def problem_id(customer_id: str, raised_at: pd.Timestamp, description: str) -> str:
    """The id of a problem the file gives none: the same customer, moment and description give
    the same id, so a file imported twice adds nothing.

    >>> a = problem_id("C001", pd.Timestamp("2027-01-08 17:00"), "停机")
    >>> a == problem_id("C001", pd.Timestamp("2027-01-08 17:00"), " 停机 "), len(a)
    (True, 12)
    >>> a == problem_id("C001", pd.Timestamp("2027-01-08 17:01"), "停机")
    False
    """
    key = f"{customer_id}\x1f{pd.Timestamp(raised_at).isoformat()}\x1f{description.strip()}"
    return "P-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10].upper()


def parse_datetimes(s: pd.Series) -> pd.Series:
    """Moments written as text (or read as timestamps from a workbook); NaT where not one."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]").reset_index(drop=True)
    text = s.reset_index(drop=True)
    if text.map(type).eq(pd.Timestamp).any():  # a workbook's cells read as timestamps
        text = text.map(lambda v: v.isoformat(sep=" ") if isinstance(v, pd.Timestamp) else v)
    text = text.astype("string").str.strip()
    # the common spellings, in C; everything else through one regex
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        todo = out.isna() & text.notna()
        if not todo.any():
            return _in_years(out)
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    todo = out.isna() & text.notna() & (text != "")
    if not todo.any():
        return _in_years(out)
    parts = text[todo].str.extract(_DATETIME)
    frame = pd.DataFrame(
        {
            "year": pd.to_numeric(parts[0]),
            "month": pd.to_numeric(parts[1]),
            "day": pd.to_numeric(parts[2]),
            "hour": pd.to_numeric(parts[3]),
            "minute": pd.to_numeric(parts[4]),
            "second": pd.to_numeric(parts[5]).fillna(0),
        }
    )
    ok = frame[["year", "month", "day", "hour", "minute"]].notna().all(axis=1)
    ok &= frame["year"].between(1900, 2199) & (frame["hour"] <= 23) & (frame["minute"] <= 59)
    if ok.any():
        found = frame[ok].astype("int64")
        out.loc[found.index] = pd.to_datetime(found, errors="coerce")
    return _in_years(out)


def _in_years(moments: pd.Series) -> pd.Series:
    """Moments from 1900 to 2199 (the kit's date range); others are not understood (NaT)."""
    inside = (moments >= pd.Timestamp("1900-01-01")) & (moments < pd.Timestamp("2200-01-01"))
    return moments.where(inside)


def _lookup(values: pd.Series, find) -> pd.Series:
    """*find* applied once per distinct value (a file repeats few distinct grades, flags…)."""
    return values.map({v: find(v) for v in values.dropna().unique()})


def _codes(config: Config) -> tuple[dict[str, str], dict[str, str]]:
    grades = {}
    for code, grade in config.problems.grades.items():
        for spelling in (code, f"{code}级", f"{code}类", grade.label, grade.label.split(" ")[0]):
            grades[col.norm_header(spelling)] = code
    categories = {}
    for code, label in config.problems.categories.items():
        for spelling in (code, label, *str(label).split(" ")):
            categories.setdefault(col.norm_header(spelling), code)
    return grades, categories


def parse_problems(
    raw: pd.DataFrame,
    *,
    source: str | Source = "<table>",
    config: Config,
    customers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Turn a raw problems table (strings, English or Chinese headers) into the canonical frame.

    Parameters
    ----------
    customers
        The plan's customer ids; an id not among them is refused (None: not checked).

    Returns
    -------
    DataFrame
        :data:`PROBLEM_FIELDS`; times as ``datetime64`` (NaT where not yet), ``verified_ok``
        True / False / NA, ``category`` ``other`` where empty (when the config has it).

    Raises
    ------
    InputError
        Every problem at once, with file, row, column, value and what is accepted: missing
        required columns, blank or unknown customers, moments that are not a date and time,
        unknown grades or categories, a step before the one it follows (solved before
        raised …), a solution without a response, a confirmation without its time, a problem
        id given twice.
    """
    src = source if isinstance(source, Source) else Source(source)
    headers = [str(h) for h in raw.columns]
    rows = src.row_numbers(len(raw))
    issues, seen = col.header_issues(headers, src, PROBLEM_COLUMNS, _INDEX)
    if any(i.row == 1 and "required column" in i.problem for i in issues):
        raise InputError(issues)
    n = len(raw)
    given = {name: raw[header].reset_index(drop=True) for name, header in seen.items()}

    def add(mask: Any, name: str, problem: str, what: str) -> None:
        bad = np.flatnonzero(np.asarray(mask, dtype=bool))
        found = [
            Issue(
                src.name,
                int(rows[i]),
                seen[name],
                None if pd.isna(given[name].iloc[i]) else str(given[name].iloc[i]),
                problem,
            )
            for i in bad[: col.MAX_ISSUES_PER_COLUMN]
        ]
        issues.extend(col.capped_issues(found, len(bad), src, seen[name], what))

    def text(name: str) -> pd.Series:
        if name not in given:
            return pd.Series("", index=range(n), dtype="string")
        return given[name].astype("string").str.strip().fillna("")

    out: dict[str, Any] = {}
    cust = text("customer_id")
    blank = (cust == "").to_numpy()
    add(blank, "customer_id", "empty, but every problem names its customer", "empty ids")
    if customers is not None:
        unknown = ~cust.isin(set(map(str, customers))).to_numpy() & ~blank
        add(unknown, "customer_id", "unknown customer: not in the plan's customers", "unknown")
    out["customer_id"] = cust

    for name in PROBLEM_TIMES:
        if name not in given:
            out[name] = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
            continue
        empty = col.blank_mask(given[name]).to_numpy()
        moments = parse_datetimes(given[name])
        if name == "raised_at":
            add(
                empty,
                name,
                f"empty; every problem has the moment it was raised: {EXPECTED_DATETIME}",
                "empty",
            )
        add(
            ~empty & moments.isna().to_numpy(),
            name,
            f"not understood; expected {EXPECTED_DATETIME}",
            "not understood",
        )
        out[name] = moments

    grades, categories = _codes(config)
    grade = _lookup(text("grade"), lambda v: grades.get(col.norm_header(v)))
    add(
        grade.isna().to_numpy(),
        "grade",
        "unknown grade; use A (生产停摆 production stopped), B (功能缺陷 functional defect) or "
        "C (使用疑问 usage question)",
        "unknown grades",
    )
    out["grade"] = grade
    fallback = "other" if "other" in config.problems.categories else None
    if "category" in given:
        raw_cat = text("category")
        cat = _lookup(raw_cat, lambda v: categories.get(col.norm_header(v)) if v else fallback)
        accepted = ", ".join(
            f"{c}/{str(label).split(' ')[0]}" for c, label in config.problems.categories.items()
        )
        add(
            cat.isna().to_numpy(),
            "category",
            f"unknown category; use one of {accepted} (problems.categories)",
            "unknown categories",
        )
        out["category"] = cat
    else:
        out["category"] = pd.Series(fallback, index=range(n), dtype=object)
    for name in ("description", "owner", "notes"):
        out[name] = text(name)

    if "verified_ok" in given:
        vblank = col.blank_mask(given["verified_ok"]).to_numpy()
        flag = _lookup(given["verified_ok"], lambda v: col.FLAG_VALUES.get(col.norm_header(v)))
        add(
            ~vblank & flag.isna().to_numpy(),
            "verified_ok",
            f"not understood; expected {col.EXPECTED['flag']}",
            "values not understood",
        )
        out["verified_ok"] = flag.where(~pd.Series(vblank)).astype("boolean")
        if "verified_at" in given:
            add(
                ~vblank
                & out["verified_at"].isna().to_numpy()
                & col.blank_mask(given["verified_at"]).to_numpy(),
                "verified_ok",
                "a confirmation needs its moment in 回访确认时间 verified_at",
                "confirmations without a time",
            )
    else:
        out["verified_ok"] = pd.Series(pd.NA, index=range(n), dtype="boolean")

    order = (
        ("responded_at", "raised_at"),
        ("solved_at", "raised_at"),
        ("solved_at", "responded_at"),
        ("verified_at", "solved_at"),
    )
    for later, earlier in order:
        if later in given:
            early = (out[later] < out[earlier]).to_numpy()
            add(
                early,
                later,
                f"before {seen.get(earlier, earlier)} of the same problem ({earlier} comes first)",
                "steps out of order",
            )
    if "solved_at" in given:
        add(
            out["solved_at"].notna().to_numpy() & out["responded_at"].isna().to_numpy(),
            "solved_at",
            "solved, but no response time: give 响应时间 responded_at (at the latest the solution's)",
            "solutions without a response",
        )
    if "verified_at" in given:
        add(
            out["verified_at"].notna().to_numpy() & out["solved_at"].isna().to_numpy(),
            "verified_at",
            "confirmed with the customer, but no solution time: give 解决时间 solved_at",
            "confirmations without a solution",
        )

    ids = text("problem_id")
    generated = [
        problem_id(c, t, d) if not pid and not pd.isna(t) else pid
        for pid, c, t, d in zip(
            ids, out["customer_id"], out["raised_at"], out["description"], strict=True
        )
    ]
    out["problem_id"] = pd.Series(generated, dtype="string")
    if "problem_id" in given:
        dup = out["problem_id"].duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
        add(
            dup,
            "problem_id",
            "the same problem id is given twice; keep one row per problem",
            "repeated ids",
        )
    generated_dup = out["problem_id"].duplicated(keep="first").to_numpy() & (ids == "").to_numpy()
    if generated_dup.any():
        add(
            generated_dup,
            "customer_id",
            "the same problem (customer, moment raised, description) is given twice; keep one row",
            "repeated problems",
        )

    if issues:
        position = {h: i for i, h in enumerate(headers)}
        issues.sort(key=lambda i: (i.row is None, i.row or 0, position.get(i.column, -1)))
        raise InputError(issues)
    return pd.DataFrame({name: out[name] for name in PROBLEM_FIELDS})
