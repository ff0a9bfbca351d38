"""How much extra capacity puts every task on time, and what the reserve pool closes.

:func:`capacity_gap` gives, per role and region cluster, a lower bound (a transportation
linear programme, HiGHS) and a verified figure (extra people added to the roster and the
heuristic re-run until every task that can be on time is, then trimmed); see
:class:`GapReport`. :func:`_with_reserve` adds the reserve pool, for
``Scheduler.solve(reserve=True)`` too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.staffing.scheduler.heuristic import _heuristic
from revisitkit.staffing.scheduler.problem import (
    _EPS,
    _UNAVAILABLE,
    _compile,
    _depth,
    _Problem,
)
from revisitkit.staffing.scheduler.schedule import Schedule, _build_schedule
from revisitkit.staffing.scheduler.settings import SchedulerSettings, _non_negative
from revisitkit.staffing.scheduler.state import _State

__all__ = ["GapReport", "capacity_gap"]


@dataclass(frozen=True)
class GapReport:
    """How much extra capacity makes every task on time, per role and region cluster.

    Two figures per (role, cluster), in person-days of that role's usual hours
    (:attr:`person_day_hours`), rounded up to whole person-days:

    * ``extra_person_days_bound`` — a lower bound: with fewer extra person-days of the role in
      total, no schedule whatever can be on time, because for some span of days the demand
      due in it (each task at the least travel any person of the role could have) exceeds the
      role's capacity in it. It comes from an exact integer model on those sums per role; its
      split over clusters follows each cluster's own shortfall (its customers' demand against
      its own staff), which is where extra people need the least travel.
    * ``extra_person_days_verified`` — what the scheduler was shown to need: extra people of
      that role and cluster on the days chosen, added to the roster, and the schedule re-run
      until every task that can be on time is (``feasible_with_extra``), then trimmed one
      person-day at a time while it stays so. Bound ≤ true minimum ≤ verified (when
      verified); equal figures mean the answer is exact.

    With the reserve pool on, the same analysis is repeated with the reserve added
    (:attr:`SchedulerSettings.reserve_share` of each role's capacity per cluster and day):
    ``extra_person_days_after_reserve`` and ``closed_by_reserve`` (no extra left for that row).

    Attributes
    ----------
    table : DataFrame
        One row per (role, region_cluster) with a gap; see :meth:`to_frame`.
    feasible_without_extra : bool
        The current staff already put every task that can be on time on time.
    feasible_with_extra : bool
        The verified extra did (False when the run limit stopped the search first).
    reserve : bool
        Whether the reserve pool was analysed.
    person_day_hours : mapping of role to hours
        Hours of one extra person-day per role (the role's median hours_per_day).
    not_on_time : int
        Tasks not on time with the current staff, among those that can be.
    impossible : tuple of str
        task_ids that no capacity can put on time (no working day between release and
        deadline inside the window, or a follow-up with none after its predecessor's first).
    schedule : Schedule
        The schedule with the current staff.
    schedule_with_extra : Schedule
        The schedule with the verified extra (virtual staff ids start with ``extra:``).
    runs : int
        Scheduler runs used to verify and trim.
    notes : tuple of str
    """

    table: pd.DataFrame
    feasible_without_extra: bool
    feasible_with_extra: bool
    reserve: bool
    person_day_hours: Mapping[str, float]
    not_on_time: int
    impossible: tuple[str, ...]
    schedule: Schedule = field(repr=False)
    schedule_with_extra: Schedule = field(repr=False)
    runs: int = 0
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """role, region_cluster, extra_person_days_bound, extra_person_days_verified,
        closed_by_reserve (``<NA>`` without the reserve analysis),
        extra_person_days_after_reserve, reserve_person_days."""
        return self.table.copy()


def capacity_gap(
    tasks: pd.DataFrame,
    roster: pd.DataFrame,
    calendar: Any,
    start: date,
    end: date,
    settings: SchedulerSettings,
    *,
    reserve: bool = False,
    person_day_hours: float | Mapping[str, float] | None = None,
    max_runs: int = 16,
) -> GapReport:
    """The smallest extra capacity (person-days per role and region cluster) that puts every
    task on time, with a lower bound and a verified figure; optionally what the reserve pool
    closes.

    Parameters
    ----------
    tasks, roster, calendar, start, end, settings
        As for :class:`Scheduler`. A role no one on the roster has is allowed here: its whole
        demand is a gap.
    reserve : bool
        Also analyse the plan with the reserve pool (``settings.reserve_share`` of each role's
        capacity, per cluster and day) and say which gaps it closes.
    person_day_hours : float or mapping of role to hours, optional
        Hours of one extra person-day; default each role's median ``hours_per_day`` (the
        median of the whole roster for a role no one has).
    max_runs : int
        Most scheduler runs for verifying and trimming, per analysis.

    Examples
    --------
    One CS agent, 7 h a day, three working days; 30 one-hour calls due on the third day:
    capacity 21 h, demand 30 h, 9 h short = 9/7 person-days, rounded up to 2.

    >>> from revisitkit.calendar import build_calendar
    >>> from revisitkit.staffing.scheduler import TRAVEL_CLASSES, SchedulerSettings
    >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
    >>> tasks = pd.DataFrame({"task_id": [f"T{i:02d}" for i in range(30)], "customer_id": "C",
    ...     "channel": "phone", "roles": [("cs_agent",)] * 30, "minutes": 60.0,
    ...     "customer_cluster": "yangtze_delta", "release": pd.Timestamp("2026-01-05"),
    ...     "deadline": pd.Timestamp("2026-01-07"), "priority": "medium"})
    >>> roster = pd.DataFrame({"staff_id": ["A1"], "role": ["cs_agent"], "region": ["上海"],
    ...     "region_cluster": ["yangtze_delta"], "hours_per_day": [7.0]})
    >>> s = SchedulerSettings(travel_minutes=dict.fromkeys(TRAVEL_CLASSES, 0.0))
    >>> gap = capacity_gap(tasks, roster, cal, date(2026, 1, 5), date(2026, 1, 7), s)
    >>> row = gap.to_frame().iloc[0]
    >>> row["role"], row["region_cluster"], int(row["extra_person_days_bound"])
    ('cs_agent', 'yangtze_delta', 2)
    >>> int(row["extra_person_days_verified"]), gap.feasible_without_extra
    (2, False)
    """
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise ValueError(f"max_runs must be a whole number ≥ 1, got {max_runs!r}")
    pb, notes = _compile(tasks, roster, calendar, start, end, settings, allow_missing_roles=True)
    tasks = tasks.reset_index(drop=True)
    hours = _person_day_hours(pb, person_day_hours)
    possible = _can_be_on_time(pb)
    budget = settings.repair_budget

    base_state = _heuristic(pb, budget)
    base = _build_schedule(
        pb,
        tasks,
        base_state.day,
        base_state.persons,
        base_state.needs,
        "heuristic",
        "heuristic",
        notes,
    )
    on = (base_state.day >= 0) & (base_state.day <= pb.deadline)
    not_on_time = int((possible & ~on).sum())
    gaps = _Gap(pb, hours, possible, budget, max_runs).analyse()

    rows = {key: [b, v, pd.NA, pd.NA, pd.NA] for key, (b, v) in gaps.figures.items()}
    if reserve and settings.reserve_share > 0:
        pb_res, reserve_days = _with_reserve(pb, settings.reserve_share, hours)
        after = _Gap(pb_res, hours, possible, budget, max_runs).analyse()
        for key in rows:
            extra_after = after.figures.get(key, (0, 0))[1]
            rows[key][2] = extra_after == 0
            rows[key][3] = extra_after
        for key, value in reserve_days.items():
            if key in rows:
                rows[key][4] = value
        for key, (_, v) in after.figures.items():
            if key not in rows and v > 0:  # cannot happen by construction; kept honest
                rows[key] = [0, 0, False, v, reserve_days.get(key, pd.NA)]
    keys = sorted(k for k, (b, v, *_) in rows.items() if b > 0 or v > 0)
    clusters = [*pb.cluster_names, "unknown", "unknown"]
    table = pd.DataFrame(
        {
            "role": pd.Series([pb.role_names[r] for r, _ in keys], dtype=object),
            "region_cluster": pd.Series([clusters[c] for _, c in keys], dtype=object),
            "extra_person_days_bound": pd.Series([rows[k][0] for k in keys], dtype="int64"),
            "extra_person_days_verified": pd.Series([rows[k][1] for k in keys], dtype="int64"),
            "closed_by_reserve": pd.array([rows[k][2] for k in keys], dtype="boolean"),
            "extra_person_days_after_reserve": pd.array([rows[k][3] for k in keys], dtype="Int64"),
            "reserve_person_days": pd.array([rows[k][4] for k in keys], dtype="Float64"),
        }
    )
    if not gaps.verified:
        notes.append(
            f"the verified extra did not put every task on time within {max_runs} scheduler "
            "runs; extra_person_days_verified is what was added so far"
        )
    impossible = tuple(pb.task_ids[~possible].tolist())
    if impossible:
        notes.append(
            f"{len(impossible)} task(s) cannot be on time whatever the capacity (no working "
            "day between release and deadline in the window); they are left out of the gap"
        )
    return GapReport(
        table=table,
        feasible_without_extra=not_on_time == 0,
        feasible_with_extra=gaps.verified,
        reserve=bool(reserve),
        person_day_hours=MappingProxyType({pb.role_names[r]: h for r, h in enumerate(hours)}),
        not_on_time=not_on_time,
        impossible=impossible,
        schedule=base,
        schedule_with_extra=_build_schedule(
            gaps.final_pb,
            tasks,
            gaps.state.day,
            gaps.state.persons,
            gaps.state.needs,
            "heuristic",
            "heuristic",
            notes,
        ),
        runs=gaps.runs,
        notes=tuple(notes),
    )


def _person_day_hours(pb: _Problem, given: float | Mapping[str, float] | None) -> list[float]:
    real = ~pb.staff_virtual
    default = float(np.median(pb.staff_hours[real])) if real.any() else 8.0
    out = []
    for r, name in enumerate(pb.role_names):
        if isinstance(given, Mapping) and name in given:
            h = _non_negative(given[name], f"person_day_hours[{name!r}]")
        elif given is not None and not isinstance(given, Mapping):
            h = _non_negative(given, "person_day_hours")
        else:
            a, b = pb.role_slice[r]
            mine = pb.staff_hours[a:b][real[a:b]]
            h = float(np.median(mine)) if len(mine) else default
        if not h > 0:
            raise ValueError(f"person_day_hours for {name} must be positive, got {h!r}")
        out.append(h)
    return out


def _can_be_on_time(pb: _Problem) -> np.ndarray:
    """Whether each task has a working day for itself, after its predecessor's first possible
    day, by its deadline, inside the window (capacity aside)."""
    earliest = _earliest_days(pb)
    return (earliest >= 0) & (earliest <= pb.deadline)


def _earliest_days(pb: _Problem) -> np.ndarray:
    """Each task's first possible working day: on or after its release, after its
    predecessor's first possible day (-1: none in the window)."""
    working = np.flatnonzero(pb.working)
    earliest = np.full(pb.n_tasks, -1, dtype=np.int64)
    for t in sorted(range(pb.n_tasks), key=lambda t: _depth(pb, t)):
        lo = max(int(pb.release[t]), 0)
        g = int(pb.pred[t])
        if g >= 0:
            if earliest[g] < 0:
                continue
            lo = max(lo, int(earliest[g]) + 1)
        i = np.searchsorted(working, lo)
        if i < len(working):
            earliest[t] = working[i]
    return earliest


def _min_travel(pb: _Problem, t: int, a: int, b: int) -> float:
    """The least travel any of staff a..b, or an extra person of the customer's cluster,
    would have for task t."""
    if not pb.travel[t]:
        return 0.0
    virtual = pb.travel_table[3 if pb.overseas[t] else 1]
    if b <= a:
        return float(virtual)
    return float(min(virtual, np.min(pb.need(t, a, b)) - pb.minutes[t]))


def _shortfall_days(
    pb: _Problem,
    demand: np.ndarray,
    release: np.ndarray,
    deadline: np.ndarray,
    capacity: np.ndarray,
    minutes_per_day: float,
) -> np.ndarray:
    """Fewest extra person-days (per day) so that, for every span of days [a, b], the demand
    of the tasks released on or after a and due by b fits in the capacity of [a, b].

    An exact integer model (HiGHS); among the fewest it takes the latest days, close to the
    deadlines they serve. Returns whole person-days per day of the window.
    """
    # here, not at the top: importing scipy.optimize takes ≈0.5 s (measured), paid only when
    # a model is solved (the heuristic alone never needs it)
    from scipy.optimize import Bounds, LinearConstraint, milp

    D = pb.n_days
    out = np.zeros(D, dtype=np.int64)
    if not len(demand) or demand.sum() <= 0:
        return out
    cum = np.concatenate([[0.0], np.cumsum(capacity)])
    rows = []
    need = []
    for a in np.unique(release).tolist():
        for b in np.unique(deadline).tolist():
            if b < a:
                continue
            inside = (release >= a) & (deadline <= b)
            short = float(demand[inside].sum() - (cum[b + 1] - cum[a]))
            if short > _EPS:
                rows.append((a, b))
                need.append(math.ceil(short / minutes_per_day - 1e-9))
    if not rows:
        return out
    days = np.flatnonzero(pb.working)
    A = np.zeros((len(rows), len(days)))
    for i, (a, b) in enumerate(rows):
        A[i] = (days >= a) & (days <= b)
    top = int(sum(need)) + 1
    weight = float(D + 1) * top + 1  # one person-day less beats any choice of days
    c = weight - days.astype(float)  # then the latest days
    res = milp(
        c,
        integrality=np.ones(len(days)),
        bounds=Bounds(0, top),
        constraints=[LinearConstraint(A, np.array(need, dtype=float), np.inf)],
        options={"mip_rel_gap": 0.0},
    )
    if res.x is None:  # cannot happen: every span with a shortfall has a working day
        raise RuntimeError(f"capacity bound model failed: {res.message}")
    out[days] = np.round(res.x).astype(np.int64)
    return out


class _Gap:
    """One gap analysis: bound per role, split over clusters, verified by re-scheduling."""

    def __init__(
        self,
        pb: _Problem,
        hours: list[float],
        possible: np.ndarray,
        budget: int | None,
        max_runs: int,
    ) -> None:
        self.pb = pb
        self.hours = hours
        self.possible = possible
        self.budget = budget
        self.max_runs = max_runs
        self.runs = 0
        self.figures: dict[tuple[int, int], tuple[int, int]] = {}
        self.verified = False
        self.state: _State | None = None  # the last schedule that kept every task on time,
        self.final_pb = pb  # or the last one tried; and the problem (with extras) it is for

    def analyse(self) -> _Gap:
        pb = self.pb
        bound: dict[tuple[int, int], int] = {}
        start_days: dict[tuple[int, int], np.ndarray] = {}
        tasks = np.flatnonzero(self.possible)
        # a follow-up cannot be before its predecessor's first possible day + 1
        rel = np.maximum(np.maximum(pb.release, 0), _earliest_days(pb))
        dl = np.minimum(pb.deadline, pb.n_days - 1)
        for r in range(len(pb.role_names)):
            mine = [t for t in tasks.tolist() if any(rr == r for rr, *_ in pb.team[t])]
            if not mine:
                continue
            mine = np.array(mine)
            k = np.array([next(kk for rr, *_, kk in pb.team[t] if rr == r) for t in mine])
            extra_days = _transport_bound(pb, r, mine, k, rel, dl, self.hours[r] * 60.0)
            total = math.ceil(sum(v.sum() for v in extra_days.values()) - 1e-6)
            per_cluster = {c: float(v.sum()) for c, v in extra_days.items()}
            share = _split_real(total, per_cluster)
            for c, n in share.items():
                bound[(r, c)] = n
                start_days[(r, c)] = _spread(extra_days[c], n)
        extra = {key: days.copy() for key, days in start_days.items()}
        self._verify(extra)
        if self.verified:
            self._trim(extra, bound)
        self.figures = {
            key: (bound.get(key, 0), int(extra.get(key, np.zeros(1)).sum()))
            for key in sorted(set(bound) | set(extra))
        }
        return self

    # -- verification

    def _run(self, extra: dict[tuple[int, int], np.ndarray]) -> tuple[_State, _Problem]:
        self.runs += 1
        pb = _add_person_days(self.pb, extra, self.hours, "extra")
        return _heuristic(pb, self.budget, level=False), pb

    def _ok(self, st: _State) -> bool:
        on = (st.day >= 0) & (st.day <= st.pb.deadline)
        return bool(on[self.possible].all())

    def _verify(self, extra: dict[tuple[int, int], np.ndarray]) -> None:
        """Run the scheduler with the extra people; while tasks that could be on time are
        not, add what their demand lacks against what is left of their role's capacity in
        their cluster (the same exact model on the remainder), and run again."""
        while True:
            st, pb = self._run(extra)
            self.state, self.final_pb = st, pb
            if self._ok(st):
                self.verified = True
                return
            if self.runs >= self.max_runs:
                return
            adds = _residual_shortfall(st, self.possible, self.hours)
            # where the sums fit but the days do not (a team never free together), the
            # person-days each late team task lacks on its best day, for all of it at once
            for key, day, minutes in _shortfalls(st, self.possible, teams_only=bool(adds)):
                n = max(1, math.ceil(minutes / (self.hours[key[0]] * 60.0) - 1e-9))
                days = adds.setdefault(key, np.zeros(self.pb.n_days, dtype=np.int64))
                days[day] = max(days[day], n)
            for key, days in adds.items():
                extra.setdefault(key, np.zeros(self.pb.n_days, dtype=np.int64))
                extra[key] = extra[key] + days

    def _trim(self, extra: dict[tuple[int, int], np.ndarray], bound: dict) -> None:
        """Take person-days off again while every task stays on time: per (role, cluster),
        half of what exceeds the bound, then a quarter, … down to one, the latest first."""
        for key in sorted(extra):
            step = max(1, int(extra[key].sum() - bound.get(key, 0)) // 2)
            while extra[key].sum() > bound.get(key, 0) and self.runs < self.max_runs:
                step = min(step, int(extra[key].sum() - bound.get(key, 0)))
                before = extra[key]
                extra[key] = before - _latest(before, step)
                st, pb = self._run(extra)
                if self._ok(st):
                    self.state, self.final_pb = st, pb
                else:
                    extra[key] = before
                    if step == 1:
                        break
                    step //= 2


def _residual_shortfall(
    st: _State, possible: np.ndarray, hours: list[float]
) -> dict[tuple[int, int], np.ndarray]:
    """Per (role, customer cluster): the fewest person-days that the late tasks' demand
    needs on top of what is left (unbooked) of that role's capacity in that cluster."""
    pb = st.pb
    late = np.flatnonzero(possible & ~((st.day >= 0) & (st.day <= pb.deadline)))
    out: dict[tuple[int, int], np.ndarray] = {}
    rel = np.maximum(pb.release, 0).copy()
    for t in late.tolist():
        g = int(pb.pred[t])
        if g >= 0 and st.day[g] >= 0:
            rel[t] = max(rel[t], int(st.day[g]) + 1)
    dl = np.minimum(pb.deadline, pb.n_days - 1)
    for r in range(len(pb.role_names)):
        a, b = pb.role_slice[r]
        mine = [(t, k) for t in late.tolist() for rr, _, _, k in pb.team[t] if rr == r]
        for c in sorted({int(pb.cluster[t]) for t, _ in mine}):
            ts = np.array([t for t, _ in mine if pb.cluster[t] == c])
            ks = np.array([k for t, k in mine if pb.cluster[t] == c])
            staff = np.flatnonzero(pb.staff_cluster[a:b] == c) + a
            demand = np.array(
                [
                    k * (pb.minutes[t] + _min_travel_of(pb, t, staff))
                    for t, k in zip(ts, ks, strict=True)
                ]
            )
            left = np.maximum(st.rem[staff], 0).sum(axis=0)
            days = _shortfall_days(pb, demand, rel[ts], dl[ts], left, hours[r] * 60.0)
            if days.any():
                out[(r, c)] = days
    return out


def _transport_bound(
    pb: _Problem,
    r: int,
    tasks: np.ndarray,
    k: np.ndarray,
    release: np.ndarray,
    deadline: np.ndarray,
    per_day: float,
) -> dict[int, np.ndarray]:
    """The fewest extra person-days of role r (fractional, per customer cluster and day)
    that let the role's work fit, as a transportation linear programme (HiGHS).

    The role's people are grouped by (region, cluster) with their capacity per day; tasks by
    (region, cluster, release, deadline) with their minutes; serving a task group from a
    people group costs its meeting minutes plus that pair's travel per person-visit. Extra
    people of a cluster (travel: same cluster, or overseas) serve that cluster's tasks. Each
    task group is served in full, on working days between its release and deadline, within
    each group's capacity that day. Tasks may be split between groups and days and people's
    minutes pooled, so the optimum is a lower bound on any real schedule's extra.
    """
    # here, not at the top: importing scipy.optimize takes ≈0.5 s (measured), paid only when
    # a model is solved (the heuristic alone never needs it)
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    a, b = pb.role_slice[r]
    D = pb.n_days
    working = pb.working
    # people groups
    staff = np.arange(a, b)
    keys = list(zip(pb.staff_region[staff].tolist(), pb.staff_cluster[staff].tolist(), strict=True))
    groups = sorted(set(keys))
    gcap = np.zeros((len(groups), D))
    gindex = {g: i for i, g in enumerate(groups)}
    for p, key in zip(staff.tolist(), keys, strict=True):
        gcap[gindex[key]] += np.maximum(pb.cap[p], 0)
    # task groups: minutes and person-visits
    tgroups: dict[tuple, list[float]] = {}
    for t, kk in zip(tasks.tolist(), k.tolist(), strict=True):
        travel = bool(pb.travel[t])
        key = (
            int(pb.cluster[t]),
            int(pb.region[t]) if travel else -9,
            travel,
            bool(pb.overseas[t]),
            int(release[t]),
            int(deadline[t]),
        )
        acc = tgroups.setdefault(key, [0.0, 0.0, t])
        acc[0] += kk * float(pb.minutes[t])
        acc[1] += kk
    clusters = sorted({key[0] for key in tgroups})
    cindex = {c: i for i, c in enumerate(clusters)}
    days = np.flatnonzero(working)

    cols = 0
    rows_eq: list[tuple[int, int, float]] = []  # (row, col, value)
    rows_cap: list[tuple[int, int, float]] = []
    cost: list[float] = []
    n_cap_real = len(groups) * D
    e_col: dict[tuple[int, int], int] = {}
    for c in clusters:
        for d in days.tolist():
            e_col[(c, d)] = cols
            cost.append(1.0)
            # virtual capacity row: Σ work - per_day × e ≤ 0
            rows_cap.append((n_cap_real + cindex[c] * D + d, cols, -per_day))
            cols += 1
    for j, (key, (minutes, visits, t)) in enumerate(sorted(tgroups.items())):
        c, _, travel, overseas, rel, dl = key
        window = days[(days >= rel) & (days <= dl)].tolist()
        for gi, (reg, clu) in enumerate(groups):
            if travel:
                near = clu == c and pb.neighbours[t]
                cls = 0 if reg == pb.region[t] else 3 if overseas else 1 if near else 2
                work = minutes + visits * float(pb.travel_table[cls])
            else:
                work = minutes
            for d in window:
                if gcap[gi, d] <= 0:
                    continue
                rows_eq.append((j, cols, 1.0))
                rows_cap.append((gi * D + d, cols, work))
                cost.append(0.0)
                cols += 1
        vwork = minutes + (visits * float(pb.travel_table[3 if overseas else 1]) if travel else 0)
        for d in window:
            rows_eq.append((j, cols, 1.0))
            rows_cap.append((n_cap_real + cindex[c] * D + d, cols, vwork))
            cost.append(0.0)
            cols += 1
    n_eq = len(tgroups)
    n_cap = n_cap_real + len(clusters) * D
    A_eq = coo_matrix(
        ([v for _, _, v in rows_eq], ([r_ for r_, _, _ in rows_eq], [c_ for _, c_, _ in rows_eq])),
        shape=(n_eq, cols),
    ).tocsr()
    A_ub = coo_matrix(
        ([v for *_, v in rows_cap], ([r_ for r_, _, _ in rows_cap], [c_ for _, c_, _ in rows_cap])),
        shape=(n_cap, cols),
    ).tocsr()
    b_ub = np.concatenate([gcap.ravel(), np.zeros(len(clusters) * D)])
    res = linprog(
        np.array(cost),
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=A_eq,
        b_eq=np.ones(n_eq),
        bounds=(0, None),
        method="highs",
    )
    if res.x is None:  # cannot happen: extra people make every group servable
        raise RuntimeError(f"capacity bound model failed: {res.message}")
    out = {c: np.zeros(D) for c in clusters}
    for (c, d), col in e_col.items():
        out[c][d] = max(0.0, float(res.x[col]))
    return out


def _split_real(total: int, weights: dict[int, float]) -> dict[int, int]:
    """``total`` whole units over keys by largest remainder of their (real) weights."""
    out = dict.fromkeys(weights, 0)
    pool = sum(weights.values())
    if total <= 0 or pool <= 0:
        return out
    exact = {c: total * w / pool for c, w in weights.items()}
    for c in out:
        out[c] = math.floor(exact[c] + 1e-9)
    left = total - sum(out.values())
    for c in sorted(weights, key=lambda c: (-(exact[c] - math.floor(exact[c] + 1e-9)), c)):
        if left <= 0:
            break
        out[c] += 1
        left -= 1
    return out


def _spread(weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` whole person-days over days by largest remainder of ``weights``."""
    split = _split_real(n, {d: float(w) for d, w in enumerate(weights) if w > 0})
    out = np.zeros(len(weights), dtype=np.int64)
    for d, v in split.items():
        out[d] = v
    return out


def _min_travel_of(pb: _Problem, t: int, staff: np.ndarray) -> float:
    if not pb.travel[t]:
        return 0.0
    virtual = float(pb.travel_table[3 if pb.overseas[t] else 1])
    if not len(staff):
        return virtual
    return min(virtual, min(pb.travel_minutes_of(t, int(p)) for p in staff))


def _latest(days: np.ndarray, n: int) -> np.ndarray:
    """The last ``n`` person-days of a per-day count."""
    out = np.zeros_like(days)
    for d in range(len(days) - 1, -1, -1):
        if n <= 0:
            break
        take = min(int(days[d]), n)
        out[d] = take
        n -= take
    return out


def _add_person_days(
    pb: _Problem, extra: dict[tuple[int, int], np.ndarray], hours: list[float], label: str
) -> _Problem:
    """``pb`` with virtual people: per (role, cluster), as many as the busiest day needs,
    the i-th of them working on the days that need at least i person-days."""
    clusters = [*pb.cluster_names, "unknown", "unknown"]
    for (r, c), days in sorted(extra.items()):
        most = int(days.max()) if len(days) else 0
        if most <= 0:
            continue
        caps = np.full((most, pb.n_days), _UNAVAILABLE)
        for i in range(most):
            on = (days > i) & pb.working
            caps[i, on] = hours[r] * 60.0
        pb = pb.with_extra_staff(r, c, caps, f"{label}:{pb.role_names[r]}:{clusters[c]}")
    return pb


def _with_reserve(
    pb: _Problem, share: float, hours: list[float]
) -> tuple[_Problem, dict[tuple[int, int], float]]:
    """``pb`` with the reserve pool: per (role, cluster) of the roster, ``share`` of that
    team's capacity on each working day, held by ⌈share × headcount⌉ reserve people."""
    out = pb
    person_days: dict[tuple[int, int], float] = {}
    clusters = [*pb.cluster_names, "unknown", "unknown"]
    for r in range(len(pb.role_names)):
        a, b = pb.role_slice[r]
        for c in np.unique(pb.staff_cluster[a:b]).tolist():
            staff = np.flatnonzero(pb.staff_cluster[a:b] == c) + a
            per_day = share * np.maximum(pb.cap[staff], 0).sum(axis=0)
            if per_day.sum() <= 0:
                continue
            n = max(1, math.ceil(share * len(staff) - 1e-9))
            caps = np.where(per_day > 0, per_day / n, _UNAVAILABLE)
            out = out.with_extra_staff(
                r,
                c,
                np.repeat(caps[None, :], n, axis=0),
                f"reserve:{pb.role_names[r]}:{clusters[c]}",
            )
            person_days[(r, c)] = float(per_day.sum() / (hours[r] * 60.0))
    return out, person_days


def _shortfalls(
    st: _State, possible: np.ndarray, teams_only: bool = False
) -> list[tuple[tuple[int, int], int, float]]:
    """For each task that could be on time but is not (with ``teams_only``, each such task
    of more than one person): the roles short on its best on-time day (the day with the
    fewest short roles, the latest of those) with the minutes they lack, summed per (role,
    customer cluster, day). A task short of nothing on any day (its chain is in the way)
    counts every role of its team on its latest on-time day."""
    pb = st.pb
    acc: dict[tuple[int, int, int], float] = {}
    for t in np.flatnonzero(possible & ~((st.day >= 0) & (st.day <= pb.deadline))).tolist():
        if teams_only and pb.team_size[t] < 2:
            continue
        lo, hi = pb.window(t, st.day, (t,))
        hi = min(hi, int(pb.deadline[t]))
        days = [d for d in range(lo, hi + 1) if pb.working[d]]
        if not days:
            # hemmed in by a follow-up: t needs room on an on-time day, the follow-up in the
            # days after it
            lo, hi = max(int(pb.release[t]), 0), min(int(pb.deadline[t]), pb.n_days - 1)
            own = [d for d in range(lo, hi + 1) if pb.working[d]]
            if not own:
                continue
            fitting = [d for d in own if st.feasible_days(t, d, d)[0]]
            d_t = fitting[-1] if fitting else own[-1]
            if not fitting:
                _add_short(st, t, [d_t], acc)
            for f in pb.followers[t]:
                if st.day[f] >= 0:
                    last = int(pb.deadline[f])
                    if pb.within[f] >= 0:
                        last = min(last, d_t + int(pb.within[f]))
                    span = [
                        d for d in range(d_t + 1, min(last, pb.n_days - 1) + 1) if pb.working[d]
                    ]
                    _add_short(st, f, span, acc)
            continue
        _add_short(st, t, days, acc)
    return [((r, c), d, m) for (r, c, d), m in sorted(acc.items())]


def _add_short(
    st: _State, t: int, days: Sequence[int], acc: dict[tuple[int, int, int], float]
) -> None:
    """Add to ``acc`` the minutes t's short roles lack on its best day among ``days``."""
    pb = st.pb
    best: tuple[int, int, list] | None = None
    for d in days:
        short = []
        for r, a, b, k in pb.team[t]:
            need = pb.need(t, a, b)
            free = int(np.count_nonzero(st.rem[a:b, d] >= need - _EPS)) if b > a else 0
            if free < k:
                short.append((r, (k - free) * (pb.minutes[t] + _min_travel(pb, t, a, b))))
        if best is None or len(short) <= best[0]:
            best = (len(short), d, short)
    if best is None:
        return
    _, d, short = best
    if not short:
        short = [(r, k * (pb.minutes[t] + _min_travel(pb, t, a, b))) for r, a, b, k in pb.team[t]]
    for r, minutes in short:
        key = (r, int(pb.cluster[t]), d)
        acc[key] = acc.get(key, 0.0) + float(minutes)
