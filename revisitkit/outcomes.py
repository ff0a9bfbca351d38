"""Close the loop: the revisit outcomes log, stored, and the KPIs measured against the plan.

A survey tool or the CRM exports one row per revisit contact (customer, date, channel, who,
reached or not, satisfaction, NPS, problems raised and solved, suggestions, improvement items,
leads, their value and how many converted, notes). :func:`load_outcomes` validates such a file
against the plan (unknown customers or staff, dates outside the campaign, scores out of range),
:class:`OutcomeLog` keeps it in the kit's SQLite store (idempotent: importing the same file twice
adds nothing; a correction file replaces the rows it names; a failed import changes nothing),
and :func:`compute_kpis` measures the campaign against the targets of the config's ``kpis:``
section (domain.md §7), overall and by segment, priority, region cluster and owner.

KPI definitions (``as_of`` = the date of the evaluation; outcomes after it are ignored):

=====================  ============================================================  =======
kpi                    value                                                          horizon
=====================  ============================================================  =======
satisfaction           mean satisfaction of reached contacts, normalized to 0–100     short
                       from ``kpis.satisfaction_scale``
nps                    % promoters (9–10) − % detractors (0–6), reached contacts       short
problem_resolution     problems solved / raised, over revisits at least               short
                       ``short_term_days`` old (their week to solve has passed)
leads                  qualified leads found                                          short
lead_conversion        leads converted / leads                                        short
suggestions            suggestions collected                                          short
improvement_items      cross-department improvement items                             short
on_time                customers due by ``as_of`` whose first reached revisit was on   short
                       or before their deadline / customers due by ``as_of``
coverage               customers reached / customers the plan staffs (revisits by    short
                       people; automated-only customers are not counted)
core_churn             core customers terminated in the later customers file / core  mid
repurchase             reached customers with an order after their revisit and       mid
                       within ``mid_term_days`` / reached customers (the later file
                       gives each customer's last order: take it at the horizon)
=====================  ============================================================  =======

A correction file replaces each contact it names as a whole (give the full row).

Status: ``green`` meets the target, ``amber`` misses it by at most ``amber_margin`` (relative),
``red`` misses it by more, ``n/a`` no data yet. Counts (leads, suggestions, improvement items)
have campaign targets: their status is judged on the ``overall`` scope only.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import KPI_CODES, Config, display_path
from revisitkit.errors import InputError, Issue, UserError
from revisitkit.schema import (
    EXPECTED,
    FLAG_VALUES,
    MAX_COUNT,
    Column,
    Source,
    _parse_money,  # the customers file's money rule
    blank_mask,
    capped_issues,
    header_index,
    header_issues,
    norm_header,
    parse_dates,
    to_float,
)

__all__ = [
    "KPI_COLUMNS",
    "OUTCOME_COLUMNS",
    "OUTCOME_FIELDS",
    "ImportResult",
    "OutcomeLog",
    "compute_kpis",
    "load_outcomes",
    "parse_outcomes",
    "staffed_customers",
]

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
_INDEX = header_index(OUTCOME_COLUMNS)
_COUNTS = ("problems_raised", "problems_solved", "suggestions", "improvement_items", "leads",
           "converted")  # fmt: skip
#: The stored fields of one outcome, in order.
OUTCOME_FIELDS = ("customer_id", "date", "channel", "staff_id", "reached", "satisfaction", "nps",
                  *_COUNTS, "lead_value", "notes")  # fmt: skip
#: Columns of the KPI table (kpis.csv).
KPI_COLUMNS = ("kpi", "scope", "value", "target", "status", "horizon", "n")
_HORIZON = {k: "short" for k in KPI_CODES} | {"core_churn": "mid", "repurchase": "mid"}
_TOTALS = ("leads", "suggestions", "improvement_items")


# --------------------------------------------------------------------------------------------
# reading and validating


def load_outcomes(
    path: str | Path,
    config: Config,
    *,
    customers: Iterable[str] | None = None,
    staff: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read and validate an outcomes file (CSV in UTF-8 or GBK, XLSX, Parquet); see
    :func:`parse_outcomes`."""
    from revisitkit.io import read_table

    table = read_table(path, "a header row and one row per revisit contact")
    return parse_outcomes(table.frame, source=table.source, config=config, customers=customers,
                          staff=staff)  # fmt: skip


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
    issues, seen = header_issues(headers, src, OUTCOME_COLUMNS, _INDEX)
    if any(i.row == 1 and "required column" in i.problem for i in issues):
        raise InputError(issues)
    n = len(raw)
    col = {name: raw[header].reset_index(drop=True) for name, header in seen.items()}

    def add(mask: np.ndarray, name: str, problem: str, what: str) -> None:
        bad = np.flatnonzero(mask)
        found = [Issue(src.name, int(rows[i]), seen[name],
                       None if pd.isna(col[name].iloc[i]) else str(col[name].iloc[i]), problem)
                 for i in bad[:1000]]  # fmt: skip
        issues.extend(capped_issues(found, len(bad), src, seen[name], what))

    out: dict[str, Any] = {}
    ids = col["customer_id"].astype("string").str.strip()
    blank = blank_mask(col["customer_id"]).to_numpy()
    add(blank, "customer_id", "empty, but every outcome names its customer", "empty ids")
    if customers is not None:
        known = set(map(str, customers))
        add(~blank & ~ids.isin(known).to_numpy(dtype=bool, na_value=False), "customer_id",
            "unknown customer: not in the plan's customers", "unknown customers")  # fmt: skip
    out["customer_id"] = ids

    dates = parse_dates(col["date"]).reset_index(drop=True)
    phases = config.phases()
    first, last = phases.preparation.start, phases.summary.end
    bad_date = dates.isna().to_numpy()
    add(bad_date, "date", f"not understood; expected {EXPECTED['date']}", "dates not understood")
    outside = ~bad_date & ((dates < pd.Timestamp(first)) | (dates > pd.Timestamp(last))).to_numpy()
    add(outside, "date", f"outside the campaign ({first} … {last})", "dates outside the campaign")
    out["date"] = dates.dt.date

    lookup = {norm_header(c): c for c in config.channels}
    for code, label in config.channels.items():
        for part in str(label).split(" ")[:1] + [label]:
            lookup.setdefault(norm_header(part), code)
    channel = col["channel"].map(lambda v: lookup.get(norm_header(v)) if not pd.isna(v) else None)
    add(channel.isna().to_numpy(), "channel",
        "unknown channel; use a code or label of the config's channels, like phone/电话回访 or "
        "onsite_visit/上门拜访", "unknown channels")  # fmt: skip
    out["channel"] = channel

    if "staff_id" in col:
        sid = col["staff_id"].astype("string").str.strip()
        sblank = blank_mask(col["staff_id"]).to_numpy()
        if staff is not None:
            known_staff = set(map(str, staff))
            add(~sblank & ~sid.isin(known_staff).to_numpy(dtype=bool, na_value=False), "staff_id",
                "unknown staff member: not on the roster", "unknown staff")  # fmt: skip
        out["staff_id"] = sid.where(~pd.Series(sblank))
    else:
        out["staff_id"] = pd.Series(pd.NA, index=range(n), dtype="string")

    if "reached" in col:
        rblank = blank_mask(col["reached"]).to_numpy()
        flag = col["reached"].map(
            lambda v: FLAG_VALUES.get(norm_header(v)) if not pd.isna(v) else None
        )
        add(~rblank & flag.isna().to_numpy(), "reached", f"not understood; expected {EXPECTED['flag']}",
            "values not understood")  # fmt: skip
        out["reached"] = flag.where(~pd.Series(rblank), True).fillna(True).astype(bool)
    else:
        out["reached"] = pd.Series(True, index=range(n))

    lo, hi = config.kpis.satisfaction_scale
    if "satisfaction" in col:
        value = to_float(col["satisfaction"]).reset_index(drop=True)
        sblank = blank_mask(col["satisfaction"]).to_numpy()
        bad = ~sblank & (
            ~np.isfinite(value.to_numpy()) | (value < lo).to_numpy() | (value > hi).to_numpy()
        )
        add(bad, "satisfaction", f"a score from {lo:g} to {hi:g} is expected (kpis.satisfaction_scale)",
            "scores out of range")  # fmt: skip
        out["satisfaction"] = ((value - lo) / (hi - lo) * 100).where(
            ~pd.Series(sblank) & ~pd.Series(bad)
        )
    else:
        out["satisfaction"] = pd.Series(np.nan, index=range(n))

    if "nps" in col:
        value = to_float(col["nps"]).reset_index(drop=True)
        nblank = blank_mask(col["nps"]).to_numpy()
        v = value.to_numpy()
        bad = ~nblank & ~(np.isfinite(v) & (v >= 0) & (v <= 10) & (np.floor(v) == v))
        add(bad, "nps", "a whole number from 0 to 10 is expected (how likely to recommend us)",
            "scores out of range")  # fmt: skip
        out["nps"] = value.where(~pd.Series(nblank) & ~pd.Series(bad)).astype("Int64")
    else:
        out["nps"] = pd.Series(pd.NA, index=range(n), dtype="Int64")

    for name in _COUNTS:
        if name in col:
            value = to_float(col[name]).reset_index(drop=True)
            cblank = blank_mask(col[name]).to_numpy()
            v = value.to_numpy()
            with np.errstate(invalid="ignore"):
                bad = ~cblank & ~(np.isfinite(v) & (v >= 0) & (v <= MAX_COUNT) & (np.floor(v) == v))
            add(bad, name, EXPECTED["count"], "values not understood")
            out[name] = pd.Series(np.where(cblank | bad, 0, np.nan_to_num(v)), dtype="int64")
        else:
            out[name] = pd.Series(0, index=range(n), dtype="int64")
    if "lead_value" in col:
        value = _parse_money(col["lead_value"]).reset_index(drop=True)
        lblank = blank_mask(col["lead_value"]).to_numpy()
        bad = ~lblank & ~(np.isfinite(value.to_numpy()) & (value.to_numpy() >= 0))
        add(bad, "lead_value", EXPECTED["money"], "values not understood")
        out["lead_value"] = value.where(~pd.Series(lblank) & ~pd.Series(bad), 0.0).astype(float)
    else:
        out["lead_value"] = pd.Series(0.0, index=range(n))
    if "problems_solved" in col:
        more = (out["problems_solved"] > out["problems_raised"]).to_numpy()
        add(more, "problems_solved", "more problems solved than raised in this contact",
            "rows with more solved than raised")  # fmt: skip
    if "converted" in col:
        more = (out["converted"] > out["leads"]).to_numpy()
        add(more, "converted", "more leads converted than found in this contact",
            "rows with more converted than leads")  # fmt: skip
    out["notes"] = (col["notes"].astype("string").fillna("") if "notes" in col
                    else pd.Series("", index=range(n), dtype="string"))  # fmt: skip

    key = pd.DataFrame({"c": out["customer_id"], "d": out["date"], "ch": out["channel"]})
    dup = key.duplicated(keep="first").to_numpy() & ~blank & ~bad_date & channel.notna().to_numpy()
    if dup.any():
        add(dup, "customer_id", "the same contact (customer, date, channel) is given twice; keep "
            "one row per contact", "repeated contacts")  # fmt: skip

    if issues:
        order = {h: i for i, h in enumerate(headers)}
        issues.sort(key=lambda i: (i.row is None, i.row or 0, order.get(i.column, -1)))
        raise InputError(issues)
    frame = pd.DataFrame({name: out[name] for name in OUTCOME_FIELDS})
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def staffed_customers(plan: pd.DataFrame, config: Config) -> pd.Series:
    """Whether each customer of the plan has a channel a person carries out (the customers a
    revisit outcome is expected for)."""
    automated = {c for c, e in config.staffing.channels.items() if e.automated}
    codes, uniques = pd.factorize(plan["channels"].astype(str).to_numpy(dtype=object))
    flags = np.array([any(c not in automated for c in str(u).split("+")) for u in uniques]
                     + [False], dtype=bool)  # fmt: skip
    return pd.Series(flags[codes], index=plan.index)


# --------------------------------------------------------------------------------------------
# the store


@dataclass(frozen=True)
class ImportResult:
    added: int
    replaced: int
    unchanged: int
    file: str

    def __str__(self) -> str:
        return (f"{self.file}: {self.added:,} added, {self.replaced:,} replaced (corrections), "
                f"{self.unchanged:,} unchanged")  # fmt: skip


def _db_value(name: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if name == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if name == "reached":
        return int(bool(value))
    if name in ("nps", *_COUNTS):
        return int(value)
    if name in ("satisfaction", "lead_value"):
        return round(float(value), 6)
    return str(value)


class OutcomeLog:
    """The outcomes in the kit's SQLite store (:class:`revisitkit.store.Store`)."""

    def __init__(self, store: Any):
        self.store = store

    def import_frame(
        self, frame: pd.DataFrame, *, file: str, who: str, digest: str = ""
    ) -> ImportResult:
        """Store validated outcomes in one transaction: a new contact is added, a contact
        already stored with other values is replaced (a correction), an identical one is left
        alone. Nothing is written when anything fails."""
        from revisitkit.store import _now

        if not str(who).strip():
            raise UserError("who imports the outcomes must be named (for the audit trail)")
        records = [tuple(_db_value(f, r[f]) for f in OUTCOME_FIELDS)
                   for r in frame[list(OUTCOME_FIELDS)].to_dict("records")]  # fmt: skip
        added = replaced = unchanged = 0
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO outcome_imports (at, who, file, sha256, added, replaced, unchanged)"
                " VALUES (?, ?, ?, ?, 0, 0, 0)", (_now(), who, file, digest))  # fmt: skip
            seq = cur.lastrowid
            cols = ", ".join(OUTCOME_FIELDS)
            marks = ", ".join("?" for _ in OUTCOME_FIELDS)
            for rec in records:
                row = conn.execute(
                    f"SELECT {cols} FROM outcomes WHERE customer_id = ? AND date = ? AND channel = ?",
                    rec[:3],
                ).fetchone()
                if row is None:
                    conn.execute(f"INSERT INTO outcomes ({cols}, import_seq) VALUES ({marks}, ?)",
                                 (*rec, seq))  # fmt: skip
                    added += 1
                elif tuple(row) != rec:
                    conn.execute("DELETE FROM outcomes WHERE customer_id = ? AND date = ? AND "
                                 "channel = ?", rec[:3])  # fmt: skip
                    conn.execute(f"INSERT INTO outcomes ({cols}, import_seq) VALUES ({marks}, ?)",
                                 (*rec, seq))  # fmt: skip
                    replaced += 1
                else:
                    unchanged += 1
            conn.execute("UPDATE outcome_imports SET added = ?, replaced = ?, unchanged = ? "
                         "WHERE seq = ?", (added, replaced, unchanged, seq))  # fmt: skip
        return ImportResult(added, replaced, unchanged, file)

    def import_file(self, path: str | Path, config: Config, who: str, *,
                    customers: Iterable[str] | None = None,
                    staff: Iterable[str] | None = None) -> ImportResult:  # fmt: skip
        """Validate a file completely, then store it (see :meth:`import_frame`)."""
        path = Path(path)
        frame = load_outcomes(path, config, customers=customers, staff=staff)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return self.import_frame(frame, file=display_path(path), who=who, digest=digest)

    def frame(self) -> pd.DataFrame:
        """Every stored outcome (:data:`OUTCOME_FIELDS`), by date and customer."""
        rows = self.store.query(
            f"SELECT {', '.join(OUTCOME_FIELDS)} FROM outcomes ORDER BY date, customer_id, channel"
        ) if self.store.schema_version() >= 2 else []  # fmt: skip
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(OUTCOME_FIELDS))
        frame["date"] = pd.to_datetime(frame["date"])
        frame["reached"] = frame["reached"].astype(bool)
        frame["nps"] = frame["nps"].astype("Int64")
        frame["satisfaction"] = frame["satisfaction"].astype(float)
        return frame

    def imports(self) -> pd.DataFrame:
        rows = self.store.query("SELECT * FROM outcome_imports ORDER BY seq") if (
            self.store.schema_version() >= 2) else []  # fmt: skip
        return pd.DataFrame([dict(r) for r in rows])


# --------------------------------------------------------------------------------------------
# KPIs


def _status(kpi: str, value: float, config: Config, scope: str) -> tuple[float, str]:
    t = config.kpis.targets[kpi]
    if kpi in _TOTALS and scope != "overall":
        return float("nan"), "—"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float(t.value), "n/a"
    margin = config.kpis.amber_margin
    if t.direction == "min":
        if value >= t.value - 1e-12:
            return float(t.value), "green"
        return float(t.value), "amber" if value >= t.value * (1 - margin) else "red"
    if value <= t.value + 1e-12:
        return float(t.value), "green"
    return float(t.value), "amber" if value <= t.value * (1 + margin) else "red"


def compute_kpis(
    outcomes: pd.DataFrame,
    plan: pd.DataFrame,
    config: Config,
    *,
    as_of: date,
    later_customers: pd.DataFrame | None = None,
    scopes: Iterable[str] = ("value_segment", "priority", "region_cluster", "owner"),
) -> pd.DataFrame:
    """The KPIs (module docstring) overall and by each of *scopes*.

    Parameters
    ----------
    outcomes
        :data:`OUTCOME_FIELDS` (from :func:`load_outcomes` or :meth:`OutcomeLog.frame`).
    plan
        The plan the outcomes are measured against: customer_id, value_segment, priority,
        deadline, channels, region_cluster, owner (``customers_plan.csv`` or
        ``segment(...).plan``).
    as_of
        The evaluation date: outcomes after it are left out.
    later_customers
        A later customers file (canonical frame: customer_id, status, last_order_date) for the
        mid-term KPIs; without it they are ``n/a``.

    Returns
    -------
    DataFrame
        :data:`KPI_COLUMNS`: kpi, scope (``overall`` or ``value_segment:core`` …), value,
        target, status, horizon (short / mid), n (the contacts or customers it rests on).
    """
    as_of_ts = pd.Timestamp(as_of)
    o = outcomes[outcomes["date"] <= as_of_ts].copy()
    p = plan.copy()
    p["customer_id"] = p["customer_id"].astype(str)
    p["deadline"] = pd.to_datetime(p["deadline"])
    p["_staffed"] = staffed_customers(p, config).to_numpy()
    info_cols = [c for c in scopes if c in p.columns]
    o["customer_id"] = o["customer_id"].astype(str)
    o = o.merge(p[["customer_id", *info_cols]], on="customer_id", how="left")
    reached = o[o["reached"]]
    first = reached.groupby("customer_id")["date"].min()
    p["_first"] = first.reindex(p["customer_id"]).to_numpy(dtype="datetime64[ns]")
    week = as_of_ts - pd.Timedelta(days=config.kpis.short_term_days)
    later = None
    if later_customers is not None:
        later = later_customers.assign(customer_id=later_customers["customer_id"].astype(str))
        later = later.drop_duplicates("customer_id").set_index("customer_id")

    def measures(oo: pd.DataFrame, pp: pd.DataFrame) -> dict[str, tuple[float, int]]:
        rr = oo[oo["reached"]]
        sat = rr["satisfaction"].dropna()
        nps = rr["nps"].dropna().astype(int)
        old = oo[oo["date"] <= week]
        raised, solved = old["problems_raised"].sum(), old["problems_solved"].sum()
        leads, conv = oo["leads"].sum(), oo["converted"].sum()
        due = pp[pp["_staffed"] & (pp["deadline"] <= as_of_ts)]
        on = (due["_first"].notna() & (due["_first"] <= due["deadline"])).sum()
        staffed = pp[pp["_staffed"]]
        out = {
            "satisfaction": (float(sat.mean()) if len(sat) else math.nan, len(sat)),
            "nps": (float(100 * ((nps >= 9).mean() - (nps <= 6).mean())) if len(nps) else math.nan,
                    len(nps)),
            "problem_resolution": (float(solved / raised) if raised else math.nan, int(raised)),
            "leads": (float(leads), int(len(oo))),
            "lead_conversion": (float(conv / leads) if leads else math.nan, int(leads)),
            "suggestions": (float(oo["suggestions"].sum()), int(len(oo))),
            "improvement_items": (float(oo["improvement_items"].sum()), int(len(oo))),
            "on_time": (float(on / len(due)) if len(due) else math.nan, int(len(due))),
            "coverage": (float(staffed["_first"].notna().mean()) if len(staffed) else math.nan,
                         int(len(staffed))),
        }  # fmt: skip
        core = pp[pp["value_segment"].astype(str) == "core"]
        if later is not None and len(core):
            status = later["status"].reindex(core["customer_id"]).astype("string")
            out["core_churn"] = (float((status == "terminated").mean()), int(len(core)))
        else:
            out["core_churn"] = (math.nan, int(len(core)))
        done = pp[pp["_first"].notna()]
        if later is not None and len(done) and "last_order_date" in later:
            last = pd.to_datetime(later["last_order_date"].reindex(done["customer_id"])).to_numpy()
            start = done["_first"].to_numpy(dtype="datetime64[ns]")
            horizon = np.timedelta64(config.kpis.mid_term_days, "D")
            bought = (last > start) & (last <= start + horizon)
            out["repurchase"] = (float(np.mean(bought)), int(len(done)))
        else:
            out["repurchase"] = (math.nan, int(len(done)))
        return out

    rows = []

    def emit(scope: str, oo: pd.DataFrame, pp: pd.DataFrame) -> None:
        for kpi, (value, n) in measures(oo, pp).items():
            target, status = _status(kpi, value, config, scope)
            rows.append({"kpi": kpi, "scope": scope, "value": value, "target": target,
                         "status": status, "horizon": _HORIZON[kpi], "n": n})  # fmt: skip

    emit("overall", o, p)
    for col in info_cols:
        for key in sorted(p[col].dropna().astype(str).unique()):
            emit(f"{col}:{key}", o[o[col].astype(str) == key], p[p[col].astype(str) == key])
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def burn_up(
    outcomes: pd.DataFrame, plan: pd.DataFrame, config: Config, *, as_of: date
) -> pd.DataFrame:
    """Per priority and day of the campaign's execution: customers due by that day (planned,
    cumulative) and customers reached by that day (done, cumulative, up to ``as_of``)."""
    p = plan.copy()
    p["customer_id"] = p["customer_id"].astype(str)
    p = p[staffed_customers(p, config).to_numpy()]
    p["deadline"] = pd.to_datetime(p["deadline"])
    o = outcomes[outcomes["reached"] & (outcomes["date"] <= pd.Timestamp(as_of))]
    first = o.assign(customer_id=o["customer_id"].astype(str)).groupby("customer_id")["date"].min()
    p["_first"] = first.reindex(p["customer_id"]).to_numpy(dtype="datetime64[ns]")
    ex = config.phases().execution
    days = pd.date_range(ex.start, ex.end, freq="D")
    rows = []
    for prio in ("high", "medium", "low"):
        mine = p[p["priority"].astype(str) == prio]
        due = mine["deadline"].to_numpy(dtype="datetime64[ns]")
        done = mine["_first"].to_numpy(dtype="datetime64[ns]")
        for d in days:
            dd = np.datetime64(d, "ns")
            rows.append({"priority": prio, "date": d, "planned": int((due <= dd).sum()),
                         "done": int((done <= dd).sum()) if d <= pd.Timestamp(as_of) else np.nan,
                         "total": len(mine)})  # fmt: skip
    return pd.DataFrame(rows)


def as_of_default(outcomes: pd.DataFrame, today: date | None = None) -> date:
    """The evaluation date when none is given: the latest outcome's date (a log is read the day
    after its last entry), else today."""
    if len(outcomes):
        return pd.Timestamp(outcomes["date"].max()).date()
    return today or date.today()


# --------------------------------------------------------------------------------------------
# a plan folder


PLAN_NEEDS = ("customer_id", "value_segment", "priority", "deadline", "channels")


def read_plan_dir(plan_dir: str | Path) -> tuple[pd.DataFrame, list[str] | None]:
    """The plan a ``revisitkit plan`` run wrote: customers_plan.csv (and the staff ids of its
    schedule.csv, when it scheduled). Raises UserError when the folder is not such a plan."""
    folder = Path(plan_dir)
    path = folder / "customers_plan.csv"
    from revisitkit.io import read_table, recover_outputs

    if folder.is_dir() and any(folder.glob(".revisitkit-staging-*")):
        recover_outputs(folder)  # a plan run killed mid-swap: back to the plan it replaced
    if not path.is_file():
        raise UserError(
            f"{display_path(path)}: not found; --plan must be a folder `revisitkit plan` wrote"
        )
    table = read_table(path, "the customers plan a `revisitkit plan` run wrote")
    plan = table.frame.copy()
    missing = [c for c in PLAN_NEEDS if c not in plan.columns]
    if missing:
        raise UserError(
            f"{display_path(path)}: not a plan written by revisitkit (missing {missing}); write "
            "it again with `revisitkit plan`"
        )
    # a spreadsheet may re-save the file in GBK and the dates as 2026/12/31: read both
    plan["deadline"] = parse_dates(plan["deadline"]).to_numpy()
    if plan["deadline"].isna().any():
        bad = int(np.flatnonzero(plan["deadline"].isna().to_numpy())[0])
        row = int(table.source.row_numbers(len(plan))[bad])
        raise UserError(f"{display_path(path)}, row {row}: the deadline is not a date")
    for col in plan.columns:
        if col != "deadline":
            plan[col] = plan[col].astype("string").str.strip()
            plan[col] = (
                plan[col].where(plan[col] != "").astype(object).where(plan[col].notna(), None)
            )
    staff = None
    # the roster the plan was made with (anyone on it may record a visit); a plan folder
    # written before it was kept names the scheduled staff only
    for name, what in (("roster.csv", "roster"), ("schedule.csv", "schedule")):
        path = folder / name
        if path.is_file():
            ids = read_table(path, f"the {what} a `revisitkit plan --staff` run wrote").frame
            if "staff_id" not in ids.columns:
                raise UserError(
                    f"{display_path(path)}: has no staff_id column; write the plan again with "
                    "`revisitkit plan --staff FILE`"
                )
            staff = sorted(set(ids["staff_id"].dropna().astype(str).str.strip()) - {""})
            break
    return plan, staff
