"""The revisit outcomes file contract: one row per revisit contact, checked against the plan.

A survey tool or the CRM exports one row per revisit contact (customer, date, channel, who,
reached or not, satisfaction, NPS, problems raised and solved, suggestions, improvement items,
leads, their value and how many converted, notes). :func:`parse_outcomes` validates such a table
against the plan (unknown customers or staff, dates outside the campaign, scores out of range)
into the canonical frame (:data:`OUTCOME_FIELDS`). The file is read by
:func:`revisitkit.io.load_outcomes`, kept by :class:`revisitkit.store.OutcomeLog` and measured
by :mod:`revisitkit.kpi`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.errors import InputError, Issue
from revisitkit.schema import columns as col
from revisitkit.schema.columns import Column, Source

__all__ = ["OUTCOME_COLUMNS", "OUTCOME_COUNTS", "OUTCOME_FIELDS", "parse_outcomes"]

OUTCOME_COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "客户编号", "text", required=True, aliases=("客户id",)),
    Column("date", "回访日期", "date", required=True, aliases=("日期", "回访时间")),
    Column("channel", "回访方式", "channel", required=True, aliases=("渠道",)),
    Column("staff_id", "员工编号", "text", aliases=("回访人员编号", "工号")),
    Column("reached", "是否触达", "flag", aliases=("是否接通", "已触达", "触达")),
    Column("satisfaction", "满意度", "score", aliases=("满意度评分",)),
    Column("nps", "推荐意愿", "nps", aliases=("nps评分", "净推荐值评分", "推荐意愿0-10")),
    Column("problems_raised", "提出问题数", "count", aliases=("问题数",)),
    Column("problems_solved", "解决问题数", "count", aliases=("已解决问题数",)),
    Column("suggestions", "建议数", "count", aliases=("改进建议数",)),
    Column("improvement_items", "改进事项数", "count", aliases=("跨部门改进事项数",)),
    Column("leads", "商机数", "count", aliases=("商机线索数",)),
    Column("lead_value", "商机金额", "money", aliases=("商机价值",)),
    Column("converted", "转化商机数", "count", aliases=("已转化商机数",)),
    Column("notes", "备注", "text", aliases=("说明",)),
)
_INDEX = col.header_index(OUTCOME_COLUMNS)
#: The counts of one outcome (0 where empty).
OUTCOME_COUNTS = (
    "problems_raised",
    "problems_solved",
    "suggestions",
    "improvement_items",
    "leads",
    "converted",
)
#: The stored fields of one outcome, in order.
OUTCOME_FIELDS = (
    "customer_id",
    "date",
    "channel",
    "staff_id",
    "reached",
    "satisfaction",
    "nps",
    *OUTCOME_COUNTS,
    "lead_value",
    "notes",
)

#: A count of one contact that may not exceed another: count → (its bound, the problem, what
#: the rows past the listed ones are called).
_AT_MOST = {
    "problems_solved": (
        "problems_raised",
        "more problems solved than raised in this contact",
        "rows with more solved than raised",
    ),
    "converted": (
        "leads",
        "more leads converted than found in this contact",
        "rows with more converted than leads",
    ),
}


def parse_outcomes(
    raw: pd.DataFrame,
    *,
    source: str | Source = "<table>",
    config: Config,
    customers: Iterable[str] | None = None,
    staff: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Turn a raw outcomes table (strings, English or Chinese headers) into the canonical frame.

    Parameters
    ----------
    customers, staff
        The plan's customer ids and the roster's staff ids; an id not among them is refused
        (None: not checked).

    Returns
    -------
    DataFrame
        :data:`OUTCOME_FIELDS`; ``satisfaction`` normalized to 0–100, ``reached`` True where
        empty, counts 0 where empty.

    Raises
    ------
    InputError
        Every problem at once, with file, row, column, value and what is accepted: missing
        required columns, blank ids, unknown customers / staff / channels, dates outside the
        campaign (preparation start … summary end), scores out of their scale, solved >
        raised, converted > leads, a contact (customer, date, channel) given twice.
    """
    src = source if isinstance(source, Source) else Source(source)
    headers = [str(h) for h in raw.columns]
    rows = src.row_numbers(len(raw))
    issues, seen = col.header_issues(headers, src, OUTCOME_COLUMNS, _INDEX)
    if any(i.row == 1 and "required column" in i.problem for i in issues):
        raise InputError(issues)
    n = len(raw)
    given = {name: raw[header].reset_index(drop=True) for name, header in seen.items()}

    def add(mask: np.ndarray, name: str, problem: str, what: str) -> None:
        bad = np.flatnonzero(mask)
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

    def ids_of(
        name: str, blank: np.ndarray, known: Iterable[str] | None, problem: str, what: str
    ) -> pd.Series:
        """Column *name* as trimmed ids; one not among *known* (None: not checked) is reported."""
        ids = given[name].astype("string").str.strip()
        if known is not None:
            unknown = ~ids.isin(set(map(str, known))).to_numpy(dtype=bool, na_value=False)
            add(~blank & unknown, name, problem, what)
        return ids

    out: dict[str, Any] = {}
    blank = col.blank_mask(given["customer_id"]).to_numpy()
    add(blank, "customer_id", "empty, but every outcome names its customer", "empty ids")
    out["customer_id"] = ids_of(
        "customer_id",
        blank,
        customers,
        "unknown customer: not in the plan's customers",
        "unknown customers",
    )

    dates = col.parse_dates(given["date"]).reset_index(drop=True)
    phases = config.phases()
    first, last = phases.preparation.start, phases.summary.end
    bad_date = dates.isna().to_numpy()
    add(
        bad_date, "date", f"not understood; expected {col.EXPECTED['date']}", "dates not understood"
    )
    outside = ~bad_date & ((dates < pd.Timestamp(first)) | (dates > pd.Timestamp(last))).to_numpy()
    add(outside, "date", f"outside the campaign ({first} … {last})", "dates outside the campaign")
    out["date"] = dates.dt.date

    lookup = {col.norm_header(c): c for c in config.channels}
    for code, label in config.channels.items():
        for part in str(label).split(" ")[:1] + [label]:
            lookup.setdefault(col.norm_header(part), code)
    channel = given["channel"].map(
        lambda v: lookup.get(col.norm_header(v)) if not pd.isna(v) else None
    )
    add(
        channel.isna().to_numpy(),
        "channel",
        "unknown channel; use a code or label of the config's channels, like phone/电话回访 or "
        "onsite_visit/上门拜访",
        "unknown channels",
    )
    out["channel"] = channel

    if "staff_id" in given:
        sblank = col.blank_mask(given["staff_id"]).to_numpy()
        sid = ids_of(
            "staff_id", sblank, staff, "unknown staff member: not on the roster", "unknown staff"
        )
        out["staff_id"] = sid.where(~pd.Series(sblank))
    else:
        out["staff_id"] = pd.Series(pd.NA, index=range(n), dtype="string")

    if "reached" in given:
        rblank = col.blank_mask(given["reached"]).to_numpy()
        flag = given["reached"].map(
            lambda v: col.FLAG_VALUES.get(col.norm_header(v)) if not pd.isna(v) else None
        )
        add(
            ~rblank & flag.isna().to_numpy(),
            "reached",
            f"not understood; expected {col.EXPECTED['flag']}",
            "values not understood",
        )
        out["reached"] = flag.where(~pd.Series(rblank), True).fillna(True).astype(bool)
    else:
        out["reached"] = pd.Series(True, index=range(n))

    lo, hi = config.kpis.satisfaction_scale
    if "satisfaction" in given:
        value = col.to_float(given["satisfaction"]).reset_index(drop=True)
        sblank = col.blank_mask(given["satisfaction"]).to_numpy()
        bad = ~sblank & (
            ~np.isfinite(value.to_numpy()) | (value < lo).to_numpy() | (value > hi).to_numpy()
        )
        add(
            bad,
            "satisfaction",
            f"a score from {lo:g} to {hi:g} is expected (kpis.satisfaction_scale)",
            "scores out of range",
        )
        out["satisfaction"] = ((value - lo) / (hi - lo) * 100).where(
            ~pd.Series(sblank) & ~pd.Series(bad)
        )
    else:
        out["satisfaction"] = pd.Series(np.nan, index=range(n))

    if "nps" in given:
        value = col.to_float(given["nps"]).reset_index(drop=True)
        nblank = col.blank_mask(given["nps"]).to_numpy()
        v = value.to_numpy()
        bad = ~nblank & ~(np.isfinite(v) & (v >= 0) & (v <= 10) & (np.floor(v) == v))
        add(
            bad,
            "nps",
            "a whole number from 0 to 10 is expected (how likely to recommend us)",
            "scores out of range",
        )
        out["nps"] = value.where(~pd.Series(nblank) & ~pd.Series(bad)).astype("Int64")
    else:
        out["nps"] = pd.Series(pd.NA, index=range(n), dtype="Int64")

    for name in OUTCOME_COUNTS:
        if name in given:
            value = col.to_float(given[name]).reset_index(drop=True)
            cblank = col.blank_mask(given[name]).to_numpy()
            v = value.to_numpy()
            with np.errstate(invalid="ignore"):
                bad = ~cblank & ~(
                    np.isfinite(v) & (v >= 0) & (v <= col.MAX_COUNT) & (np.floor(v) == v)
                )
            add(bad, name, col.EXPECTED["count"], "values not understood")
            out[name] = pd.Series(np.where(cblank | bad, 0, np.nan_to_num(v)), dtype="int64")
        else:
            out[name] = pd.Series(0, index=range(n), dtype="int64")
    if "lead_value" in given:
        value = col.parse_money(given["lead_value"]).reset_index(drop=True)
        lblank = col.blank_mask(given["lead_value"]).to_numpy()
        bad = ~lblank & ~(np.isfinite(value.to_numpy()) & (value.to_numpy() >= 0))
        add(bad, "lead_value", col.EXPECTED["money"], "values not understood")
        out["lead_value"] = value.where(~pd.Series(lblank) & ~pd.Series(bad), 0.0).astype(float)
    else:
        out["lead_value"] = pd.Series(0.0, index=range(n))
    for name, (bound, problem, what) in _AT_MOST.items():
        if name in given:
            add((out[name] > out[bound]).to_numpy(), name, problem, what)
    out["notes"] = (
        given["notes"].astype("string").fillna("")
        if "notes" in given
        else pd.Series("", index=range(n), dtype="string")
    )

    key = pd.DataFrame({"c": out["customer_id"], "d": out["date"], "ch": out["channel"]})
    dup = key.duplicated(keep="first").to_numpy() & ~blank & ~bad_date & channel.notna().to_numpy()
    if dup.any():
        add(
            dup,
            "customer_id",
            "the same contact (customer, date, channel) is given twice; keep one row per contact",
            "repeated contacts",
        )

    if issues:
        order = {h: i for i, h in enumerate(headers)}
        issues.sort(key=lambda i: (i.row is None, i.row or 0, order.get(i.column, -1)))
        raise InputError(issues)
    frame = pd.DataFrame({name: out[name] for name in OUTCOME_FIELDS})
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
