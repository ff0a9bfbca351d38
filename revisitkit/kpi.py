"""Close the loop: the KPIs of the revisit outcomes, measured against the plan.

:func:`compute_kpis` measures the outcomes (:data:`revisitkit.schema.OUTCOME_FIELDS`, from
:func:`revisitkit.io.load_outcomes` or :meth:`revisitkit.store.OutcomeLog.frame`) against the
targets of the config's ``kpis:`` section (domain.md §7), overall and by segment, priority,
region cluster and owner; :func:`burn_up` counts, per priority and day, the customers due and
the customers reached.

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
on_time                customers due by ``as_of`` whose first reached touch was on     short
                       or before their deadline / customers due by ``as_of``
coverage               customers reached / customers with a planned touch: every      short
                       high-priority customer (each has a staffed touch) and every
                       customer whose plan has any channel, staffed or automated; an
                       automated touch counts as done only when the outcomes file
                       records it (its channel and date), never by assumption
core_churn             core customers terminated in the later customers file / core  mid
repurchase             reached customers with an order after their revisit and       mid
                       within ``mid_term_days`` / reached customers (the later file
                       gives each customer's last order: take it at the horizon)
response_speed         last year's mean response hours (``problems.baseline``) ÷     short
                       the mean response hours − 1 (+20% met: mean ≤ baseline ÷ 1.2)
handling_time          1 − mean solution hours ÷ last year's (−30% met: mean ≤        short
                       0.7 × baseline)
problem_sla            problems responded to and solved within their grade's SLA /   short
                       problems solved or past their solution's due moment
verified_fix           problems the customer confirmed fixed / solved problems whose  short
                       follow-up is done or past due (:mod:`revisitkit.problems`)
=====================  ============================================================  =======

Status: ``green`` meets the target, ``amber`` misses it by at most ``amber_margin`` (relative),
``red`` misses it by more, ``n/a`` no data yet. Counts (leads, suggestions, improvement items)
have campaign targets: their status is judged on the ``overall`` scope only.

Paced (``compute_kpis(..., paced=True)``, what the dashboards show mid-campaign): the
cumulative KPIs are judged against what is due by ``as_of`` rather than the end of the
campaign — coverage counts only the customers whose deadline has passed, and the counts'
targets are pro-rated linearly from the first day of execution to its last
(:func:`pace_fraction`). A campaign-end report uses ``paced=False``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from revisitkit.config import KPI_CODES, TIERS, Config
from revisitkit.problems import PROBLEM_KPIS, problem_kpis

__all__ = [
    "KPI_COLUMNS",
    "as_of_default",
    "burn_up",
    "compute_kpis",
    "kpi_status",
    "pace_fraction",
    "traffic_light",
    "planned_customers",
    "staffed_customers",
]

#: Columns of the KPI table (kpis.csv).
KPI_COLUMNS = ("kpi", "scope", "value", "target", "status", "horizon", "n")
_HORIZON = {k: "short" for k in KPI_CODES} | {"core_churn": "mid", "repurchase": "mid"}
_TOTALS = ("leads", "suggestions", "improvement_items")


def staffed_customers(plan: pd.DataFrame, config: Config) -> pd.Series:
    """Whether a person revisits each customer of the plan: a staffed channel in its plan, or
    an escalation (``escalations:``, §2.3) that gives it one — every high-priority customer."""
    automated = {c for c, e in config.staffing.channels.items() if e.automated}
    codes, uniques = pd.factorize(plan["channels"].astype(str).to_numpy(dtype=object))
    flags = np.array(
        [any(c not in automated for c in str(u).split("+")) for u in uniques] + [False], dtype=bool
    )
    staffed = flags[codes]
    rules = {r for e in config.escalations.values() for r in e.rules}
    tiers = {e.tier for e in config.escalations.values() if e.tier}
    if "priority" in plan and tiers:
        staffed = staffed | plan["priority"].astype(str).isin(tiers).to_numpy()
    if "reasons" in plan and rules:
        rcodes, runiques = pd.factorize(plan["reasons"].astype(str).to_numpy(dtype=object))
        hit = np.array([bool(rules & set(str(u).split(";"))) for u in runiques] + [False])
        staffed = staffed | hit[rcodes]
    return pd.Series(staffed, index=plan.index)


def planned_customers(plan: pd.DataFrame, config: Config) -> pd.Series:
    """Whether each customer of the plan has any planned touch, staffed or automated (the
    customers coverage and on-time count)."""
    channels = plan["channels"].astype("string").fillna("").str.strip() != ""
    return pd.Series(channels.to_numpy(dtype=bool), index=plan.index) | staffed_customers(
        plan, config
    )


def _mean(values: pd.Series) -> float:
    """The mean, NaN where there are no values (no data yet)."""
    return float(values.mean()) if len(values) else math.nan


def _ratio(part: float, whole: float) -> float:
    """part / whole, NaN where the whole is 0 (no data yet)."""
    return float(part / whole) if whole else math.nan


def traffic_light(value: float, goal: float, margin: float, direction: str = "min") -> str:
    """The status of *value* against *goal*: ``green`` met, ``amber`` missed by at most
    *margin* of the goal, ``red`` missed by more; *direction* ``max`` for figures that should
    stay at or under the goal (spending).

    >>> [traffic_light(v, 100, 0.05) for v in (100, 96, 94)]
    ['green', 'amber', 'red']
    >>> [traffic_light(v, 100, 0.05, "max") for v in (80, 105, 106)]
    ['green', 'amber', 'red']
    """
    if direction == "min":
        if value >= goal - 1e-12:
            return "green"
        return "amber" if value >= goal * (1 - margin) - 1e-12 else "red"
    if value <= goal + 1e-12:
        return "green"
    return "amber" if value <= goal * (1 + margin) + 1e-12 else "red"


def pace_fraction(config: Config, as_of: date) -> float:
    """How much of a campaign target is due by *as_of*: linear over the execution phase, 0
    before its first day, 1 from its last (day *k* of *n* gives *k*/*n*).

    >>> from revisitkit.config import load_config
    >>> config = load_config()  # execution 2026-12-16 … 2027-01-20: 36 days
    >>> [round(pace_fraction(config, d), 4) for d in (date(2026, 12, 1), date(2026, 12, 23),
    ...                                                  date(2027, 1, 20))]
    [0.0, 0.2222, 1.0]
    """
    ex = config.phases().execution
    days = (ex.end - ex.start).days + 1
    return min(1.0, max(0.0, ((as_of - ex.start).days + 1) / days))


def _status(
    kpi: str, value: float, config: Config, scope: str, segment: str | None = None
) -> tuple[float, str]:
    """The target and the traffic light of *value*; a ``value_segment:…`` scope (or, for the
    overall scope, *segment*) is judged against that segment's target where it has one."""
    t = config.kpis.targets[kpi]
    if kpi in _TOTALS and scope != "overall":
        return float("nan"), "—"
    if scope.startswith("value_segment:"):
        segment = scope.partition(":")[2]
    goal = t.for_segment(segment)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return goal, "n/a"
    return goal, traffic_light(value, goal, config.kpis.amber_margin, t.direction)


def kpi_status(kpi: str, value: float, config: Config, scope: str = "overall") -> tuple[float, str]:
    """The target of *kpi* and the traffic light of *value* against it (as in the KPI table)."""
    return _status(kpi, value, config, scope)


def compute_kpis(
    outcomes: pd.DataFrame,
    plan: pd.DataFrame,
    config: Config,
    *,
    as_of: date,
    later_customers: pd.DataFrame | None = None,
    scopes: Iterable[str] = ("value_segment", "priority", "region_cluster", "owner"),
    segment: str | None = None,
    problems: pd.DataFrame | None = None,
    paced: bool = False,
) -> pd.DataFrame:
    """The KPIs (module docstring) overall and by each of *scopes*.

    Parameters
    ----------
    outcomes
        :data:`revisitkit.schema.OUTCOME_FIELDS` (from :func:`revisitkit.io.load_outcomes`
        or :meth:`revisitkit.store.OutcomeLog.frame`).
    plan
        The plan the outcomes are measured against: customer_id, value_segment, priority,
        deadline, channels, region_cluster, owner (``customers_plan.csv`` or
        ``segment(...).plan``).
    as_of
        The evaluation date: outcomes after it are left out.
    later_customers
        A later customers file (canonical frame: customer_id, status, last_order_date) for the
        mid-term KPIs; without it they are ``n/a``.
    scopes
        The plan columns to break the KPIs down by (``value_segment:core`` rows are judged
        against the segment's own target where ``kpis.targets.<kpi>.by_segment`` sets one).
    segment
        A view of one value segment only (the overview filtered to it): the overall scope is
        judged against that segment's targets.
    problems
        The SLA table of the problem hand-off (:func:`revisitkit.problems.sla`) for the
        problem KPIs (response_speed, handling_time, problem_sla, verified_fix: overall, and
        the shares by ``grade:A`` …); without it they are ``n/a``.
    paced
        Judge the cumulative KPIs against what is due by *as_of* (module docstring): coverage
        over the customers due by then, the counts' targets × :func:`pace_fraction`.

    Returns
    -------
    DataFrame
        :data:`KPI_COLUMNS`: kpi, scope (``overall`` or ``value_segment:core`` …), value,
        target, status, horizon (short / mid), n (the contacts or customers it rests on).

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> from revisitkit.schema import parse_outcomes
    >>> config = load_config()
    >>> raw = pd.DataFrame({"客户编号": ["C1"], "回访日期": ["2026-12-16"], "回访方式": ["电话回访"],
    ...                     "满意度": ["5"], "推荐意愿": ["10"]})
    >>> outcomes = parse_outcomes(raw, config=config)
    >>> plan = pd.DataFrame({"customer_id": ["C1", "C2"], "value_segment": ["core", "regular"],
    ...                      "priority": ["high", "medium"], "channels": ["phone", "phone"],
    ...                      "deadline": pd.to_datetime(["2026-12-18", "2026-12-31"])})
    >>> table = compute_kpis(outcomes, plan, config, as_of=date(2026, 12, 23))
    >>> overall = table[table["scope"] == "overall"].set_index("kpi")
    >>> for kpi in ("satisfaction", "on_time", "coverage"):  # C2 is due later, not reached yet
    ...     print(kpi, overall.loc[kpi, "value"], overall.loc[kpi, "status"])
    satisfaction 100.0 green
    on_time 1.0 green
    coverage 0.5 red
    """
    as_of_ts = pd.Timestamp(as_of)
    o = outcomes[outcomes["date"] <= as_of_ts].copy()
    p = plan.copy()
    p["customer_id"] = p["customer_id"].astype(str)
    p["deadline"] = pd.to_datetime(p["deadline"])
    p["_planned"] = planned_customers(p, config).to_numpy()
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
        due = pp[pp["_planned"] & (pp["deadline"] <= as_of_ts)]
        on = (due["_first"].notna() & (due["_first"] <= due["deadline"])).sum()
        planned = due if paced else pp[pp["_planned"]]
        nps_score = 100 * ((nps >= 9).mean() - (nps <= 6).mean()) if len(nps) else math.nan
        out = {
            "satisfaction": (_mean(sat), len(sat)),
            "nps": (float(nps_score), len(nps)),
            "problem_resolution": (_ratio(solved, raised), int(raised)),
            "leads": (float(leads), int(len(oo))),
            "lead_conversion": (_ratio(conv, leads), int(leads)),
            "suggestions": (float(oo["suggestions"].sum()), int(len(oo))),
            "improvement_items": (float(oo["improvement_items"].sum()), int(len(oo))),
            "on_time": (_ratio(on, len(due)), int(len(due))),
            "coverage": (_mean(planned["_first"].notna()), int(len(planned))),
        }
        core = pp[pp["value_segment"].astype(str) == "core"]
        if later is not None and len(core):
            status = later["status"].reindex(core["customer_id"]).astype("string").dropna()
            # core customers the later file does not list are not known to have left or stayed
            churned = float((status == "terminated").mean()) if len(status) else math.nan
            out["core_churn"] = (churned, int(len(status)))
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
    fraction = pace_fraction(config, as_of) if paced else 1.0

    def emit(scope: str, oo: pd.DataFrame, pp: pd.DataFrame) -> None:
        for kpi, (value, n) in measures(oo, pp).items():
            target, status = _status(kpi, value, config, scope, segment)
            if kpi in _TOTALS and fraction < 1 and status != "—":
                target = target * fraction
                if not math.isnan(value):
                    status = traffic_light(
                        value, target, config.kpis.amber_margin, config.kpis.targets[kpi].direction
                    )
            rows.append(
                {
                    "kpi": kpi,
                    "scope": scope,
                    "value": value,
                    "target": target,
                    "status": status,
                    "horizon": _HORIZON[kpi],
                    "n": n,
                }
            )

    emit("overall", o, p)
    hand_off = (
        problem_kpis(problems, config)
        if problems is not None
        else [{"kpi": k, "scope": "overall", "value": math.nan, "n": 0} for k in PROBLEM_KPIS]
    )
    for r in hand_off:
        target, status = _status(r["kpi"], r["value"], config, r["scope"], segment)
        rows.append({**r, "target": target, "status": status, "horizon": "short"})
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
    p = p[planned_customers(p, config).to_numpy()]
    p["deadline"] = pd.to_datetime(p["deadline"])
    o = outcomes[outcomes["reached"] & (outcomes["date"] <= pd.Timestamp(as_of))]
    first = o.assign(customer_id=o["customer_id"].astype(str)).groupby("customer_id")["date"].min()
    p["_first"] = first.reindex(p["customer_id"]).to_numpy(dtype="datetime64[ns]")
    ex = config.phases().execution
    # from the first deadline: churn warnings are due in the preparation phase
    first_due = min(ex.start, p["deadline"].min().date()) if len(p) else ex.start
    days = pd.date_range(first_due, ex.end, freq="D")
    rows = []
    for prio in TIERS:
        mine = p[p["priority"].astype(str) == prio]
        due = mine["deadline"].to_numpy(dtype="datetime64[ns]")
        done = mine["_first"].to_numpy(dtype="datetime64[ns]")
        for d in days:
            dd = np.datetime64(d, "ns")
            rows.append(
                {
                    "priority": prio,
                    "date": d,
                    "planned": int((due <= dd).sum()),
                    "done": int((done <= dd).sum()) if d <= pd.Timestamp(as_of) else np.nan,
                    "total": len(mine),
                }
            )
    return pd.DataFrame(rows)


def as_of_default(outcomes: pd.DataFrame, today: date | None = None) -> date:
    """The evaluation date when none is given: the latest outcome's date (a log is read the day
    after its last entry), else today."""
    if len(outcomes):
        return pd.Timestamp(outcomes["date"].max()).date()
    return today or date.today()
