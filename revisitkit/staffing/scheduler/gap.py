"""How much extra capacity puts every task on time, and what the reserve pool closes.

:func:`capacity_gap` gives, per role and region cluster, a lower bound (a transportation
linear programme, HiGHS) and a verified figure (the heuristic re-run with a pool of extra
people per role and customer cluster, booked only where no one on the roster fits; the
person-days it books are the extra, and its schedule proves they suffice); see
:class:`GapReport`. :func:`_with_reserve` adds the reserve pool, for
``Scheduler.solve(reserve=True)`` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.staffing.scheduler.heuristic import _heuristic, _order, _place_chain_aware
from revisitkit.staffing.scheduler.problem import (
    _EPS,
    _UNAVAILABLE,
    _compile,
    _depth,
    _descendants,
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
      total, no schedule whatever can be on time. It comes from a transportation linear
      programme per role: every task due in a span of days must be served in it, by the
      role's people (grouped by province and cluster, with their travel) or by extra people
      of the customer's cluster, within each group's minutes per day, and a visit longer than
      half a person's day takes that person's whole day (one such visit per person and day).
      Its split over clusters follows the programme's own extra person-days per cluster; the
      bound is valid for the role's total, not row by row.
    * ``extra_person_days_verified`` — what the scheduler was shown to need: the schedule
      re-run with a pool of extra people per (role, customer cluster), available every
      working day at the role's usual hours and booked only where no one on the roster (or in
      the reserve) fits, the first free one first; the person-days they are booked on are the
      figure, and that schedule (``schedule_with_extra``) puts every task that can be on time
      on time (``feasible_with_extra``). Bound ≤ true minimum ≤ verified, per role in total.

    With the reserve pool on, the schedule is re-run with the reserve added
    (:attr:`SchedulerSettings.reserve_share` of each role's capacity per cluster and day) and
    only the extra person-days found without it, booked after the reserve:
    ``extra_person_days_after_reserve`` (never more than without the reserve, row by row) and
    ``closed_by_reserve`` (no extra left for that row).

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
        Rounds of booking the late tasks with the pools of extra people (and the reserve
        run).
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
    progress: Callable[[str], None] | None = None,
) -> GapReport:
    """Extra capacity (person-days per role and region cluster) that puts every task on time:
    a verified figure (shown to suffice by a schedule) and a lower bound (no schedule needs
    less); optionally what the reserve pool closes.

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
        Most scheduler runs for verifying, per analysis.
    progress : callable(str), optional
        Called before each step (the schedule, the bound, each verifying run, the reserve)
        with what it is about to do; an exception it raises stops the analysis (a dashboard
        cancels a superseded one so).

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
    say = progress or (lambda _step: None)

    say("排期 scheduling with the roster as it is")
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
    gaps = _Gap(pb, hours, possible, budget, max_runs, say, base_state).analyse()

    rows = {key: [b, v, pd.NA, pd.NA, pd.NA] for key, (b, v) in gaps.figures.items()}
    if reserve and settings.reserve_share > 0:
        say("储备池 re-scheduling with the reserve pool")
        pb_res, reserve_days = _with_reserve(pb, settings.reserve_share, hours)
        after = _after_reserve(pb_res, gaps, hours, budget)
        if after is None:
            notes.append(
                "with the reserve pool the scheduler did not put every task on time using only "
                "the extra people found without it; the figures after the reserve are those "
                "without it (an upper bound: the reserve can only help)"
            )
            after = {key: v for key, (_, v) in gaps.figures.items()}
        for key in rows:
            extra_after = after.get(key, 0)
            rows[key][2] = extra_after == 0
            rows[key][3] = extra_after
        for key, value in reserve_days.items():
            if key in rows:
                rows[key][4] = value
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
    if (gaps.unfit & ~on).any():  # those the staff as they are leave late
        unfit = np.flatnonzero(gaps.unfit & ~on)
        longest = max(unfit.tolist(), key=lambda t: float(pb.minutes[t]))
        roles = sorted({pb.role_names[r] for t in unfit.tolist() for r, *_ in pb.team[t]})
        notes.append(
            f"{len(unfit)} task(s) take longer, with the travel of someone from the "
            f"customer's cluster, than a usual day of {', '.join(roles)} (e.g. "
            f"{pb.task_ids[longest]}: {pb.minutes[longest]:.0f} min plus travel): no extra "
            "person-day of those hours can do them, so they are left out of the gap; only "
            "people with longer days, or based in the customer's province, can"
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


class _Gap:
    """One gap analysis: bound per role, split over clusters, verified by re-scheduling with
    pools of extra people."""

    def __init__(
        self,
        pb: _Problem,
        hours: list[float],
        possible: np.ndarray,
        budget: int | None,
        max_runs: int,
        say: Callable[[str], None] = lambda _step: None,
        base: _State | None = None,
    ) -> None:
        self.say = say
        self.base = base  # the schedule with the current staff (None: made here)
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
        self.unfit = np.zeros(pb.n_tasks, dtype=bool)  # tasks no extra person-day can do

    def analyse(self) -> _Gap:
        pb = self.pb
        self.say("下限 the lower bound (a linear programme per role)")
        bound: dict[tuple[int, int], int] = {}
        start_days: dict[tuple[int, int], np.ndarray] = {}
        # tasks no extra person-day can do are left out of the bound, as of the verified gap
        self.unfit = self._unfit() & self.possible
        tasks = np.flatnonzero(self.possible & ~self.unfit)
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
        extra = self._pools(bound, start_days)
        self.figures = {
            key: (bound.get(key, 0), int(extra.get(key, np.zeros(1)).sum()))
            for key in sorted(set(bound) | set(extra))
        }
        return self

    # -- verification with pools of extra people

    def _pools(
        self, bound: dict[tuple[int, int], int], start_days: dict[tuple[int, int], np.ndarray]
    ) -> dict[tuple[int, int], np.ndarray]:
        """The verified extra: the schedule with the current staff, and each task it leaves
        late (with its follow-ups) booked again on time with a pool of extra people per (role,
        customer cluster) at hand, each available every working day at the role's usual
        hours and booked only where no one on the roster (or in the reserve) fits, the first
        free one first. The person-days the pools are booked on are the extra; the schedule
        proves it suffices. A pool that runs dry (tasks still late) is doubled and the tasks
        booked again."""
        pb = self.pb
        working_days = max(1, int(pb.working.sum()))
        check = self.possible & ~self.unfit
        base = self.base if self.base is not None else _heuristic(pb, self.budget, level=False)
        late = np.flatnonzero(check & ~_on(base))
        if not len(late):  # the staff as they are put every task on time: no extra
            self.state, self.final_pb, self.verified = base, pb, True
            return {}
        size: dict[tuple[int, int], int] = {}
        for key, n in bound.items():
            peak = int(start_days[key].max()) if len(start_days[key]) else 0
            size[key] = max(2, peak + 1, math.ceil(2 * n / working_days) + 1)
        for t in late.tolist():
            for r, *_ in pb.team[t]:
                size.setdefault((r, int(pb.cluster[t])), 2)
        while True:
            st, pbx = self._fill(base, late, size)
            self.state, self.final_pb = st, pbx
            missing = check & ~_on(st)
            if not missing.any():
                self.verified = True
                break
            if self.runs >= self.max_runs:
                break
            grow = {
                (r, int(pb.cluster[t])) for t in np.flatnonzero(missing) for r, *_ in pb.team[t]
            }
            for key in grow:
                size[key] = size.get(key, 1) * 2
        return _booked_person_days(self.state, pb.n_days)

    def _fill(
        self, base: _State, late: np.ndarray, size: dict[tuple[int, int], int]
    ) -> tuple[_State, _Problem]:
        """``base`` with the pools added, its late tasks (and their follow-ups) booked again."""
        self.runs += 1
        self.say(f"验证 verifying: round {self.runs} with extra people")
        pb = self.pb
        clusters = [*pb.cluster_names, "unknown", "unknown"]
        pbx = pb
        for (r, c), n in sorted(size.items()):
            caps = np.where(pb.working, self.hours[r] * 60.0, _UNAVAILABLE)
            pbx = pbx.with_extra_staff(
                r, c, np.repeat(caps[None, :], n, axis=0), f"extra:{pb.role_names[r]}:{clusters[c]}"
            )
        index = {sid: i for i, sid in enumerate(pbx.staff_ids.tolist())}
        remap = np.array([index[sid] for sid in pb.staff_ids.tolist()], dtype=np.int64)
        st = _State(pbx)
        for t in np.flatnonzero(base.day >= 0).tolist():
            st.book(t, int(base.day[t]), remap[list(base.persons[t])].tolist(), base.needs[t])
        rank = np.empty(pb.n_tasks, dtype=np.int64)
        rank[_order(pb)] = np.arange(pb.n_tasks)
        # a late follow-up may be late because of its predecessor's day: the whole chain,
        # from its first task, is booked again, each leaving its follow-ups room on time
        roots = set()
        for t in late.tolist():
            while pb.pred[t] >= 0:
                t = int(pb.pred[t])
            roots.add(t)
        for root in sorted(roots, key=lambda t: rank[t]):
            chain = [root, *_descendants(pb, root)]
            if all(st.on_time(x) for x in chain if self.possible[x]):
                continue
            st.drop(root)  # with its follow-ups
            for x in chain:
                if pbx.pred[x] >= 0 and st.day[pbx.pred[x]] < 0:
                    continue
                lo, hi = pbx.window(x, st.day)
                if not _place_chain_aware(st, x, lo, min(hi, int(pbx.deadline[x]))):
                    st.place(x, lo, hi, thrifty=False)  # late rather than not at all
        return st, pbx

    def _unfit(self) -> np.ndarray:
        """Tasks no extra person-day can do: for some role of the team, the meeting with an
        extra person's travel (same cluster, or overseas) is longer than the role's usual
        day. Only the roster's own people, with longer days, could."""
        pb = self.pb
        out = np.zeros(pb.n_tasks, dtype=bool)
        for t in range(pb.n_tasks):
            travel = float(pb.travel_table[_extra_travel_class(pb, t)]) if pb.travel[t] else 0.0
            need = float(pb.minutes[t]) + travel
            out[t] = any(need > self.hours[r] * 60.0 + _EPS for r, *_ in pb.team[t])
        return out

    # -- verification


def _after_reserve(
    pb_res: _Problem, gaps: _Gap, hours: list[float], budget: int | None
) -> dict[tuple[int, int], int] | None:
    """The extra person-days still needed with the reserve pool: the scheduler re-run with
    the reserve and, as a last resort, exactly the extra person-days found without it (which
    suffice with the reserve too: it only adds people). It books the reserve first, so it
    needs at most as many extra person-days, per role and cluster, as without the reserve.
    None when the run did not put every task on time (the heuristic is not exact)."""
    if not gaps.verified:
        return None
    extra = _booked_person_days(gaps.state, gaps.pb.n_days)
    pb = _add_person_days(pb_res, extra, hours, "extra")
    st = _heuristic(pb, budget, level=False)
    gaps.runs += 1
    if not _on(st)[gaps.possible & ~gaps.unfit].all():
        return None
    used = _booked_person_days(st, pb.n_days)
    return {key: int(v.sum()) for key, v in used.items()}


def _extra_travel_class(pb: _Problem, t: int) -> int:
    """The distance class of an extra person of task t's customer cluster (in no province):
    overseas abroad, the same cluster in a real one, another cluster in a catch-all or
    unknown one (as :meth:`_Problem.travel_class` counts it)."""
    if pb.overseas[t]:
        return 3
    return 1 if pb.neighbours[t] else 2


def _on(st: _State) -> np.ndarray:
    return (st.day >= 0) & (st.day <= st.pb.deadline)


def _booked_person_days(st: _State, n_days: int) -> dict[tuple[int, int], np.ndarray]:
    """Per (role, cluster) of the extra people (tier 2): how many of them are booked on each
    day."""
    pb = st.pb
    out: dict[tuple[int, int], np.ndarray] = {}
    D = pb.n_days
    for key, tasks in st.on_day.items():
        if not tasks:
            continue
        p, d = divmod(key, D)
        if pb.tiers[p] != 2:
            continue
        k = (int(pb.staff_role[p]), int(pb.staff_cluster[p]))
        out.setdefault(k, np.zeros(n_days, dtype=np.int64))[d] += 1
    return out


#: The cost of a person-visit outside one's own cluster in the bound's programme, against 1 for
#: an extra person-day: small enough that 100,000 visits weigh less than one person-day.
_AWAY_COST = 1e-6


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
    from scipy.sparse import coo_matrix, vstack

    a, b = pb.role_slice[r]
    D = pb.n_days
    working = pb.working
    # people groups
    staff = np.arange(a, b)
    keys = list(zip(pb.staff_region[staff].tolist(), pb.staff_cluster[staff].tolist(), strict=True))
    groups = sorted(set(keys))
    gcap = np.zeros((len(groups), D))
    gmax = np.zeros((len(groups), D))  # the longest day of a person of the group
    gcount = np.zeros((len(groups), D))  # people of the group working that day
    gindex = {g: i for i, g in enumerate(groups)}
    for p, key in zip(staff.tolist(), keys, strict=True):
        day_cap = np.maximum(pb.cap[p], 0)
        gcap[gindex[key]] += day_cap
        gmax[gindex[key]] = np.maximum(gmax[gindex[key]], day_cap)
        gcount[gindex[key]] += day_cap > 0
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
        acc = tgroups.setdefault(key, [0.0, 0.0, t, math.inf])
        acc[0] += kk * float(pb.minutes[t])
        acc[1] += kk
        acc[3] = min(acc[3], float(pb.minutes[t]))  # the shortest visit decides "long"
    clusters = sorted({key[0] for key in tgroups})
    cindex = {c: i for i, c in enumerate(clusters)}
    days = np.flatnonzero(working)

    cols = 0
    rows_eq: list[tuple[int, int, float]] = []  # (row, col, value)
    rows_cap: list[tuple[int, int, float]] = []
    # a visit longer than half of anyone's day leaves them no room for a second one: at most
    # one such visit per person and day (without this row the minutes of a half-used day
    # would count as room, and the bound would be weak for long on-site visits)
    rows_big: list[tuple[int, int, float]] = []
    cost: list[float] = []
    n_cap_real = len(groups) * D
    e_col: dict[tuple[int, int], int] = {}
    for c in clusters:
        for d in days.tolist():
            e_col[(c, d)] = cols
            cost.append(1.0)
            # virtual capacity row: Σ work - per_day × e ≤ 0
            rows_cap.append((n_cap_real + cindex[c] * D + d, cols, -per_day))
            rows_big.append((n_cap_real + cindex[c] * D + d, cols, -1.0))
            cols += 1
    for j, (key, (minutes, visits, t, shortest)) in enumerate(sorted(tgroups.items())):
        c, _, travel, overseas, rel, dl = key
        window = days[(days >= rel) & (days <= dl)].tolist()
        for gi, (reg, clu) in enumerate(groups):
            if travel:
                near = clu == c and pb.neighbours[t]
                cls = 0 if reg == pb.region[t] else 3 if overseas else 1 if near else 2
                work = minutes + visits * float(pb.travel_table[cls])
                one = shortest + float(pb.travel_table[cls])
            else:
                work, one = minutes, shortest
            for d in window:
                if gcap[gi, d] <= 0:
                    continue
                rows_eq.append((j, cols, 1.0))
                rows_cap.append((gi * D + d, cols, work))
                if one > gmax[gi, d] / 2 + _EPS:  # every visit of the group is long
                    rows_big.append((gi * D + d, cols, visits))
                # among the fewest extra person-days, people serve their own cluster's
                # customers first, so that the extra lands in the clusters short of people
                # (the weights add up to far less than one person-day)
                cost.append(0.0 if clu == c else _AWAY_COST * visits)
                cols += 1
        vtravel = float(pb.travel_table[_extra_travel_class(pb, t)]) if travel else 0.0
        vwork = minutes + visits * vtravel
        for d in window:
            rows_eq.append((j, cols, 1.0))
            rows_cap.append((n_cap_real + cindex[c] * D + d, cols, vwork))
            if shortest + vtravel > per_day / 2 + _EPS:
                rows_big.append((n_cap_real + cindex[c] * D + d, cols, visits))
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
    A_big = coo_matrix(
        ([v for *_, v in rows_big], ([r_ for r_, _, _ in rows_big], [c_ for _, c_, _ in rows_big])),
        shape=(n_cap, cols),
    ).tocsr()
    A_ub = vstack([A_ub, A_big]).tocsr()
    b_ub = np.concatenate(
        [gcap.ravel(), np.zeros(len(clusters) * D), gcount.ravel(), np.zeros(len(clusters) * D)]
    )
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
                tier=1,
            )
            person_days[(r, c)] = float(per_day.sum() / (hours[r] * 60.0))
    return out, person_days
