"""The SLA clock of the problem hand-off (问题转办, §1.4.2, §3.3, §7.2), and its KPIs.

A problem a revisit surfaces (:data:`revisitkit.schema.PROBLEM_FIELDS`) is graded A, B or C;
from the moment it was raised it must be responded to within its grade's hours
(``problems.grades``: A 2 h, B 24 h, C 48 h), solved within ``problems.solution_hours`` (48 h)
and checked with the customer within ``problems.follow_up_days`` (3 days) of the solution.
:func:`sla` runs that clock for every problem at an as-of moment: the three due moments, the
hours each step took, the status (open → responded → solved → verified; reopened when the
customer says the fix did not work) and which step, if any, is overdue.

Hours count by ``problems.clock``: ``calendar`` counts every hour (the default: an A problem is a
stopped production line); ``working_hours`` counts only ``day_start``–``day_end`` on working days
of the Chinese working calendar (调休 Saturdays count, holidays do not). A follow-up due
"within 3 days" is 3 × 24 calendar hours, or 3 working days' hours.

:func:`problem_kpis` measures the plan's targets (§1.2): response speed +20% and handling time
−30% against last year's mean times (``problems.baseline``), the share handled within SLA and
the verified-fix rate; :func:`problem_times` gives mean and 90th-percentile times by grade.

Examples
--------
An A problem raised on Friday 2027-01-08 at 17:00 and responded to on Saturday at 10:00 took
17 hours: 15 more than its 2 hours.

>>> from revisitkit.config import load_config
>>> config = load_config()
>>> p = pd.DataFrame({"problem_id": ["P1"], "customer_id": ["C1"],
...     "raised_at": [pd.Timestamp("2027-01-08 17:00")], "grade": ["A"],
...     "responded_at": [pd.Timestamp("2027-01-09 10:00")]})
>>> row = sla(p, config, as_of=pd.Timestamp("2027-01-09 12:00")).iloc[0]
>>> float(row["response_hours"]), float(row["response_late_hours"]), bool(row["response_met"]), row["status"]
(17.0, 15.0, False, 'responded')
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.errors import UserError
from revisitkit.schema import PROBLEM_FIELDS

__all__ = [
    "PROBLEM_KPIS",
    "SLA_COLUMNS",
    "STATUS_LABELS",
    "STEP_LABELS",
    "WorkingClock",
    "problem_kpis",
    "problem_times",
    "sla",
]

#: The statuses of a problem, in the order a problem goes through them, and their words.
STATUS_LABELS = {
    "open": "待响应 Open",
    "responded": "处理中 Responded",
    "solved": "待回访确认 Solved",
    "verified": "已确认 Verified",
    "reopened": "重新打开 Reopened",
}
#: The steps whose time is measured, and their words.
STEP_LABELS = {
    "response": "响应 Response",
    "solution": "解决 Solution",
    "follow_up": "回访确认 Follow-up",
}
#: Columns :func:`sla` adds to the problems.
SLA_COLUMNS = (
    *PROBLEM_FIELDS,
    "response_due",
    "solution_due",
    "follow_up_due",
    "response_hours",
    "solution_hours",
    "response_late_hours",
    "response_met",
    "solution_met",
    "follow_up_met",
    "status",
    "overdue_step",
    "overdue_hours",
    "age_hours",
)
#: The KPIs of the hand-off (kpis.targets has each one's target).
PROBLEM_KPIS = ("response_speed", "handling_time", "problem_sla", "verified_fix")
_HOUR = pd.Timedelta(hours=1)
#: days of calendar after the last moment a due date may fall in (holidays included)
_DUE_MARGIN_DAYS = 60


class WorkingClock:
    """Working minutes on the working calendar, between ``day_start`` and ``day_end``.

    ``minutes(t)`` is the working time from a fixed origin to each moment, so the working
    time between two moments is a difference; ``moment(m)`` is the inverse (the first moment
    the clock reads *m*), so a due moment is ``moment(minutes(raised) + hours × 60)``.
    Vectorized: a day grid from the first to the last day needed, one cumulative sum.
    """

    def __init__(self, calendar: Any, first: date, last: date, day_start: int, day_end: int):
        self.first = np.datetime64(first, "D")
        days = np.arange(self.first, np.datetime64(last, "D") + 1)
        try:
            working = calendar.working_day_mask(days)
        except ValueError as e:
            raise UserError(
                f"problems.clock is working_hours, but {e} (data/holidays/<year>.yaml)"
            ) from None
        self.start, self.length = day_start, day_end - day_start
        self.per_day = np.where(working, self.length, 0).astype(np.int64)
        self.before = np.concatenate([[0], np.cumsum(self.per_day)[:-1]])
        self.end = self.before + self.per_day

    def minutes(self, moments: pd.Series) -> np.ndarray:
        t = pd.to_datetime(moments).to_numpy(dtype="datetime64[m]")
        missing = np.isnat(t)
        day = t.astype("datetime64[D]")
        index = (day - self.first).astype(np.int64)
        index = np.where(missing, 0, index)
        of_day = (t - day).astype(np.int64)
        inside = np.clip(of_day - self.start, 0, self.length)
        out = (self.before[index] + np.where(self.per_day[index] > 0, inside, 0)).astype(float)
        out[missing] = np.nan
        return out

    def moment(self, minutes: np.ndarray) -> np.ndarray:
        target = np.asarray(minutes, dtype=float)
        missing = np.isnan(target)
        day = np.searchsorted(self.end, np.where(missing, 0, target), side="left")
        day = np.minimum(day, len(self.end) - 1)
        offset = np.where(missing, 0, target) - self.before[day] + self.start
        out = (
            self.first
            + day.astype("timedelta64[D]")
            + offset.astype(np.int64).astype("timedelta64[m]")
        )
        out = out.astype("datetime64[ns]")
        out[missing] = np.datetime64("NaT")
        return out


def _clock(frame: pd.DataFrame, config: Config, calendar: Any, as_of: pd.Timestamp):
    """(elapsed hours between two moment columns, due moment after hours) under the clock."""
    pc = config.problems
    if pc.clock == "calendar":

        def elapsed(a: pd.Series, b: pd.Series) -> pd.Series:
            return (b - a) / _HOUR

        def due(a: pd.Series, hours: Any) -> pd.Series:
            return a + pd.to_timedelta(hours, unit="h")

        return elapsed, due
    if calendar is None:
        raise UserError("problems.clock is working_hours: the working calendar is needed")
    moments = pd.concat(
        [frame[c] for c in ("raised_at", "responded_at", "solved_at", "verified_at")]
    )
    moments = moments.dropna()
    first = min([moments.min().date()] if len(moments) else [as_of.date()]) - timedelta(days=1)
    last = max([moments.max().date(), as_of.date()] if len(moments) else [as_of.date()])
    clock = WorkingClock(
        getattr(calendar, "calendar", calendar),
        first,
        last + timedelta(days=_DUE_MARGIN_DAYS),
        pc.minutes(pc.day_start),
        pc.minutes(pc.day_end),
    )

    def elapsed(a: pd.Series, b: pd.Series) -> pd.Series:
        return pd.Series((clock.minutes(b) - clock.minutes(a)) / 60, index=a.index)

    def due(a: pd.Series, hours: Any) -> pd.Series:
        return pd.Series(
            clock.moment(clock.minutes(a) + np.asarray(hours, dtype=float) * 60), index=a.index
        )

    return elapsed, due


def sla(
    problems: pd.DataFrame, config: Config, *, as_of: pd.Timestamp, calendar: Any = None
) -> pd.DataFrame:
    """The SLA clock of every problem raised by *as_of* (module docstring).

    Parameters
    ----------
    problems
        :data:`revisitkit.schema.PROBLEM_FIELDS` (missing optional columns are empty).
    as_of
        The moment of the evaluation: later problems are left out, steps done after it count
        as not done yet.
    calendar
        The working calendar (or the campaign's), needed when ``problems.clock`` is
        ``working_hours``.

    Returns
    -------
    DataFrame
        :data:`SLA_COLUMNS`: the due moments; the hours the response and the solution took
        (NaN while not done); ``response_late_hours`` past the due moment (0 when on time);
        ``*_met`` True / False, NA while not done and not yet due; ``status``;
        ``overdue_step`` (response, solution, follow_up or "") and by how many hours;
        ``age_hours`` since raised.
    """
    as_of = pd.Timestamp(as_of)
    f = problems.copy()
    for name in PROBLEM_FIELDS:
        if name not in f:
            f[name] = pd.NaT if name.endswith("_at") else (pd.NA if name == "verified_ok" else "")
    for name in ("raised_at", "responded_at", "solved_at", "verified_at"):
        f[name] = pd.to_datetime(f[name]).astype("datetime64[ns]")
        if name != "raised_at":
            f[name] = f[name].where(f[name] <= as_of)  # not known yet at the as-of moment
    f["verified_ok"] = f["verified_ok"].astype("boolean").where(f["verified_at"].notna())
    f = f[f["raised_at"] <= as_of].reset_index(drop=True)[list(PROBLEM_FIELDS)]
    pc = config.problems
    elapsed, due = _clock(f, config, calendar, as_of)
    hours = f["grade"].map(pc.response_hours()).astype(float)
    f["response_due"] = due(f["raised_at"], hours.to_numpy())
    f["solution_due"] = due(f["raised_at"], np.full(len(f), float(pc.solution_hours)))
    day_hours = (
        24 if pc.clock == "calendar" else (pc.minutes(pc.day_end) - pc.minutes(pc.day_start)) / 60
    )
    f["follow_up_due"] = due(
        f["solved_at"].fillna(f["raised_at"]), np.full(len(f), pc.follow_up_days * day_hours)
    )
    f.loc[f["solved_at"].isna(), "follow_up_due"] = pd.NaT
    now = pd.Series(as_of, index=f.index)
    f["response_hours"] = elapsed(f["raised_at"], f["responded_at"])
    f["solution_hours"] = elapsed(f["raised_at"], f["solved_at"])
    f["response_late_hours"] = elapsed(f["response_due"], f["responded_at"]).clip(lower=0)

    def met(done: pd.Series, due_at: pd.Series) -> pd.Series:
        out = pd.Series(pd.NA, index=f.index, dtype="boolean")
        out[done.notna()] = (done <= due_at)[done.notna()]
        out[done.isna() & due_at.notna() & (due_at < as_of)] = False
        return out

    f["response_met"] = met(f["responded_at"], f["response_due"])
    f["solution_met"] = met(f["solved_at"], f["solution_due"])
    f["follow_up_met"] = met(f["verified_at"], f["follow_up_due"])
    status = np.select(
        [
            f["verified_ok"].fillna(True).eq(False).to_numpy(dtype=bool),
            f["verified_at"].notna().to_numpy(),
            f["solved_at"].notna().to_numpy(),
            f["responded_at"].notna().to_numpy(),
        ],
        ["reopened", "verified", "solved", "responded"],
        "open",
    )
    f["status"] = status
    late = {
        "response": f["responded_at"].isna() & (f["response_due"] < as_of),
        "solution": f["solved_at"].isna() & (f["solution_due"] < as_of),
        "follow_up": f["solved_at"].notna()
        & f["verified_at"].isna()
        & (f["follow_up_due"] < as_of),
    }
    step = np.select([late[k].to_numpy(dtype=bool) for k in late], list(late), "")
    f["overdue_step"] = step
    due_of = np.select(
        [step == k for k in late],
        [f[f"{k}_due"].to_numpy(dtype="datetime64[ns]") for k in late],
        np.datetime64("NaT"),
    )
    f["overdue_hours"] = elapsed(pd.Series(due_of, index=f.index).astype("datetime64[ns]"), now)
    f["age_hours"] = elapsed(f["raised_at"], now)
    return f[list(SLA_COLUMNS)]


def _mean(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.mean()) if len(values) else math.nan


def _p90(values: pd.Series) -> float:
    values = values.dropna()
    return float(np.percentile(values, 90)) if len(values) else math.nan


def _decided_sla(f: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(problems whose SLA is decided: solved, or past their solution's due moment; whether
    each was responded to and solved within its SLA)."""
    decided = f["solution_met"].notna()
    ok = f["response_met"].fillna(False) & f["solution_met"].fillna(False)
    return decided, ok


def problem_kpis(table: pd.DataFrame, config: Config) -> list[dict[str, Any]]:
    """The hand-off KPIs (``kpi, scope, value, n``) of an :func:`sla` table: overall, and
    ``grade:A`` … for the shares (the baseline of the speed targets is one for all grades).

    - ``response_speed`` = baseline response hours ÷ mean response hours − 1 (+20% is met
      when the mean is at most baseline ÷ 1.2), over problems responded to;
    - ``handling_time`` = 1 − mean solution hours ÷ baseline (−30% is met when the mean is at
      most 0.7 × baseline), over problems solved;
    - ``problem_sla`` = responded to and solved within SLA ÷ problems solved or past their
      solution's due moment;
    - ``verified_fix`` = confirmed fixed by the customer ÷ problems solved whose follow-up is
      done or past due.
    """
    base = config.problems.baseline
    rows = []

    def shares(scope: str, f: pd.DataFrame) -> None:
        decided, ok = _decided_sla(f)
        rows.append(
            {
                "kpi": "problem_sla",
                "scope": scope,
                "value": float(ok[decided].mean()) if decided.any() else math.nan,
                "n": int(decided.sum()),
            }
        )
        followed = f["follow_up_met"].notna()
        fixed = f["verified_ok"].fillna(False).astype(bool) & f["verified_at"].notna()
        rows.append(
            {
                "kpi": "verified_fix",
                "scope": scope,
                "value": float(fixed[followed].mean()) if followed.any() else math.nan,
                "n": int(followed.sum()),
            }
        )

    response = _mean(table["response_hours"])
    solution = _mean(table["solution_hours"])
    rows.append(
        {
            "kpi": "response_speed",
            "scope": "overall",
            "value": base.response_hours / response - 1 if response > 0 else math.nan,
            "n": int(table["response_hours"].notna().sum()),
        }
    )
    rows.append(
        {
            "kpi": "handling_time",
            "scope": "overall",
            "value": 1 - solution / base.solution_hours if not math.isnan(solution) else math.nan,
            "n": int(table["solution_hours"].notna().sum()),
        }
    )
    shares("overall", table)
    for grade in config.problems.grades:
        shares(f"grade:{grade}", table[table["grade"] == grade])
    return rows


def problem_times(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per grade and for all problems: how many, open, overdue, mean and 90th-percentile
    response and solution hours, and the share within SLA (module docstring)."""
    rows = []
    groups = [
        (g.label, table[table["grade"] == code]) for code, g in config.problems.grades.items()
    ]
    for label, f in [*groups, ("全部 All", table)]:
        decided, ok = _decided_sla(f)
        rows.append(
            {
                "等级 Grade": label,
                "问题数 Problems": len(f),
                "未关闭 Not closed": int((~f["status"].isin(["verified"])).sum()),
                "已逾期 Overdue": int((f["overdue_step"] != "").sum()),
                "平均响应 Mean response h": _mean(f["response_hours"]),
                "P90 响应 P90 response h": _p90(f["response_hours"]),
                "平均解决 Mean solution h": _mean(f["solution_hours"]),
                "P90 解决 P90 solution h": _p90(f["solution_hours"]),
                "SLA 达成 Within SLA": float(ok[decided].mean()) if decided.any() else math.nan,
            }
        )
    return pd.DataFrame(rows)
