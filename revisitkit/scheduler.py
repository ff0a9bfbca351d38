"""Who visits which customer on which working day: the deadline-aware revisit schedule.

The plan (domain.md §2, §4) fixes each customer's deadline, the team a channel needs (an on-site
visit takes a sales director, a technical consultant and a CS manager together) and how long
it takes. This module turns those tasks and a staff roster into a schedule on the Chinese
working calendar — no weekends or holidays, 调休 working days counted — within each person's
daily hours and availability, and says what cannot be done in time and how much extra capacity
would fix it.

Two solvers share one result type, :class:`Schedule`:

* a deterministic **heuristic** (list scheduling, then a repair pass) that handles 100k tasks
  and 1,000 staff in well under a minute;
* an **exact** model for small instances (``scipy.optimize.milp`` / HiGHS), used to check the
  heuristic and, in ``solve(method="auto")``, to take over when it is better.

Both rank schedules the same way, lexicographically: the most churn warnings (``urgent``) on
time, then the most high-priority tasks on time, then the most tasks on time, then the most
tasks placed at all (a late visit beats none). The exact model then prefers earlier days.

Readings the brief leaves open, stated once here:

* ``late_days`` counts calendar days after the deadline (a task due Friday and done Monday is
  3 days late); it is ``<NA>`` for an unscheduled task.
* A follow-up (``predecessor`` set) is placed on a working day strictly after its
  predecessor's day and at most ``follow_up_within_days`` calendar days after it. It is never
  placed when its predecessor is not; the window is a hard rule, the deadline is not.
* Tasks that cannot be on time are placed after every task that can (a second pass), on the
  earliest free day after their deadline: a late task never takes the capacity an on-time
  task needs.
* Travel time is added to each person's minutes by distance class — same region, same cluster,
  other cluster, overseas — and counts against their daily hours. Travel is capacity, so a
  task with travel takes, among its on-time days, the day on which its best team travels
  least (the earliest of those); other tasks take the earliest day.
* Inside a role the team is chosen by: the customer's owner, staff of the customer's region,
  of its cluster, the least loaded so far (minutes booked in the window), roster order.

Example
-------
>>> import pandas as pd
>>> from datetime import date
>>> from revisitkit.calendar import build_calendar
>>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
>>> tasks = pd.DataFrame({
...     "task_id": ["T1", "T2"], "customer_id": ["C1", "C2"], "channel": ["phone", "phone"],
...     "roles": [("sales",), ("sales",)], "minutes": [240.0, 240.0], "priority": "medium",
...     "release": pd.Timestamp("2026-01-05"), "deadline": pd.Timestamp("2026-01-06")})
>>> roster = pd.DataFrame({"staff_id": ["S1"], "role": ["sales"], "region": ["上海"],
...                        "region_cluster": ["yangtze_delta"], "hours_per_day": [7.0]})
>>> settings = SchedulerSettings(travel_minutes={"same_region": 0, "same_cluster": 60,
...                                              "other_cluster": 180, "overseas": 480})
>>> plan = Scheduler(tasks, roster, cal, date(2026, 1, 5), date(2026, 1, 9), settings)
>>> schedule = plan.solve(method="heuristic")
>>> schedule.tasks[["task_id", "date", "on_time"]].to_string(index=False)
'task_id       date  on_time\\n     T1 2026-01-05     True\\n     T2 2026-01-06     True'
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "TRAVEL_CLASSES",
    "GapReport",
    "Schedule",
    "Scheduler",
    "SchedulerSettings",
    "capacity_gap",
]

#: Distance classes of a (staff member, customer) pair, in the order used internally.
TRAVEL_CLASSES = ("same_region", "same_cluster", "other_cluster", "overseas")
PRIORITIES = ("high", "medium", "low")
METHODS = ("auto", "heuristic", "exact")

_TASK_REQUIRED = ("task_id", "customer_id", "channel", "roles", "minutes", "release", "deadline")
_TASK_OPTIONAL = {
    "priority": "medium",
    "urgent": False,
    "travel": False,
    "customer_region": None,
    "customer_cluster": None,
    "owner": None,
    "predecessor": None,
    "follow_up_within_days": None,
}
_STAFF_REQUIRED = ("staff_id", "role", "hours_per_day")
_STAFF_OPTIONAL = {
    "name": None,
    "region": None,
    "region_cluster": None,
    "available_from": None,
    "available_to": None,
    "days_off": None,
}
# minutes compared with a tolerance: travel and meeting lengths are halves of minutes at most,
# and (a - x) + x need not give back a bit-for-bit
_EPS = 1e-6
_UNAVAILABLE = -1.0  # remaining minutes of a person who cannot work that day at all


# --------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class SchedulerSettings:
    """How the scheduler counts travel, the reserve pool and when to solve exactly.

    Parameters
    ----------
    travel_minutes : mapping of distance class to minutes
        One entry per class of :data:`TRAVEL_CLASSES` (``same_region``, ``same_cluster``,
        ``other_cluster``, ``overseas``): minutes each person of an on-site task spends
        travelling, on top of the meeting (§4.2: travel time matters for on-site visits).
    reserve_share : float
        The reserve pool as a share of each role's capacity (§4.2: +30% at peak).
    exact_max_variables : int
        ``solve(method="auto")`` also runs the exact model when it has at most this many
        binary variables, and keeps its schedule when it is better than the heuristic's.
    overseas_clusters : frozenset of str
        Region clusters that are overseas: a visit there from anywhere else is ``overseas``.
    catch_all_clusters : frozenset of str
        Cluster codes that are buckets, not neighbourhoods (the config's ``other``: 山东 and
        福建 are not neighbours): two places in one of them are ``other_cluster``, as in
        :func:`revisitkit.staffing.travel_class`.
    exact_time_limit : float
        Seconds HiGHS may spend in :meth:`Scheduler.solve_exact` (all stages together).
    repair_budget : int or None
        Most repair trials (one trial: take a task off a day, put a late task there, put the
        first one back) per solve; ``None`` = ``1,000 + half the number of tasks``, about
        0.3 ms each on one laptop core. A count, not a time, so that a schedule never depends
        on the machine's speed. More trials can bring a few more tasks on time on a heavily
        overloaded plan; 0 switches the repair off.

    Examples
    --------
    >>> s = SchedulerSettings(travel_minutes={"same_region": 30, "same_cluster": 90,
    ...                                       "other_cluster": 240, "overseas": 600})
    >>> s.reserve_share, sorted(s.overseas_clusters)
    (0.3, ['europe', 'southeast_asia'])
    """

    travel_minutes: Mapping[str, float]
    reserve_share: float = 0.30
    exact_max_variables: int = 20_000
    overseas_clusters: frozenset[str] = frozenset({"southeast_asia", "europe"})
    catch_all_clusters: frozenset[str] = frozenset({"other"})
    exact_time_limit: float = 10.0
    repair_budget: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.travel_minutes, Mapping):
            raise ValueError(
                f"travel_minutes must map {', '.join(TRAVEL_CLASSES)} to minutes, "
                f"got {self.travel_minutes!r}"
            )
        missing = [c for c in TRAVEL_CLASSES if c not in self.travel_minutes]
        unknown = sorted(set(self.travel_minutes) - set(TRAVEL_CLASSES))
        if missing or unknown:
            raise ValueError(
                f"travel_minutes must have exactly the classes {', '.join(TRAVEL_CLASSES)}; "
                f"missing {missing}, unknown {unknown}"
            )
        clean = {}
        for c in TRAVEL_CLASSES:
            clean[c] = _non_negative(self.travel_minutes[c], f"travel_minutes[{c!r}]")
        object.__setattr__(self, "travel_minutes", MappingProxyType(clean))
        share = _non_negative(self.reserve_share, "reserve_share")
        object.__setattr__(self, "reserve_share", share)
        for name in ("exact_max_variables",):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")
        limit = self.exact_time_limit
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
            raise ValueError(f"exact_time_limit must be a positive number, got {limit!r}")
        budget = self.repair_budget
        if budget is not None and (
            not isinstance(budget, int | np.integer) or isinstance(budget, bool) or budget < 0
        ):
            raise ValueError(f"repair_budget must be a whole number ≥ 0 or None, got {budget!r}")
        if isinstance(self.overseas_clusters, str):
            raise ValueError(
                f"overseas_clusters must be a set of cluster codes, got {self.overseas_clusters!r}"
            )
        object.__setattr__(self, "overseas_clusters", frozenset(self.overseas_clusters))
        if isinstance(self.catch_all_clusters, str):
            raise ValueError(
                f"catch_all_clusters must be a set of cluster codes, got {self.catch_all_clusters!r}"
            )
        object.__setattr__(self, "catch_all_clusters", frozenset(self.catch_all_clusters))

    @classmethod
    def from_config(cls, config: Any, **changes: Any) -> SchedulerSettings:
        """The settings of a campaign config (``staffing:``): travel minutes by distance
        class, the reserve share, the overseas clusters and the exact model's size limit;
        *changes* override any field.

        >>> from revisitkit.config import load_config
        >>> s = SchedulerSettings.from_config(load_config(), reserve_share=0.5)
        >>> s.travel_minutes["same_region"], s.reserve_share, s.exact_max_variables
        (90.0, 0.5, 20000)
        """
        from revisitkit.staffing import OTHER_CLUSTER

        staffing = config.staffing
        values: dict[str, Any] = {
            "travel_minutes": {
                c: float(getattr(staffing.travel_minutes, c)) for c in TRAVEL_CLASSES
            },
            "reserve_share": float(staffing.reserve_share),
            "exact_max_variables": int(staffing.exact_solver_max_variables),
            "overseas_clusters": frozenset(staffing.overseas_clusters),
            "catch_all_clusters": frozenset({OTHER_CLUSTER}),
        }
        values.update(changes)
        return cls(**values)


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# the compiled problem: plain arrays, shared by the heuristic, the exact model and the gap


@dataclass
class _Problem:
    """Tasks, staff and days as integer-coded numpy arrays (built once, never changed)."""

    start: date
    n_days: int
    day0: np.datetime64
    working: np.ndarray  # bool[D]
    # staff, sorted by role (stable) so that each role's people are one contiguous slice
    staff_ids: np.ndarray  # object[S]
    staff_role: np.ndarray  # int[S]
    staff_region: np.ndarray  # int[S], codes shared with the customers' regions; -2 = none
    staff_cluster: np.ndarray  # int[S], codes shared with the customers' clusters; -2 = none
    staff_hours: np.ndarray  # float[S], hours per day
    staff_virtual: np.ndarray  # bool[S]: an extra or reserve person of the gap analysis
    cap: np.ndarray  # float[S, D]: minutes available, _UNAVAILABLE when not working
    role_names: list[str]
    role_slice: list[tuple[int, int]]
    cluster_names: list[str]
    # tasks, in input order
    task_ids: np.ndarray  # object[T]
    minutes: np.ndarray  # float[T]
    travel: np.ndarray  # bool[T]
    region: np.ndarray  # int[T], -1 = unknown
    cluster: np.ndarray  # int[T], -1 = unknown
    overseas: np.ndarray  # bool[T]
    neighbours: np.ndarray  # bool[T]: its cluster is a real one (same cluster = near)
    release: np.ndarray  # int[T], day index (may be < 0 or ≥ D)
    deadline: np.ndarray  # int[T], day index (may be < 0 or ≥ D)
    priority: np.ndarray  # int[T]: 0 high, 1 medium, 2 low
    urgent: np.ndarray  # bool[T]
    owner: np.ndarray  # int[T], staff index, -1 = none / not on the roster
    pred: np.ndarray  # int[T], task index, -1 = none
    within: np.ndarray  # int[T], calendar days, -1 = no limit
    followers: list[list[int]]
    team: list[tuple[tuple[int, int, int, int], ...]]  # per task: (role, a, b, count)
    team_size: np.ndarray  # int[T]
    travel_table: np.ndarray  # float[4], minutes per distance class
    travel_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_tasks(self) -> int:
        return len(self.task_ids)

    @cached_property
    def has_virtual(self) -> bool:
        return bool(self.staff_virtual.any())

    @cached_property
    def real_end(self) -> list[int]:
        """Per role: where its roster people end (extra people follow them in the slice)."""
        out = []
        for a, b in self.role_slice:
            virtual = np.flatnonzero(self.staff_virtual[a:b])
            out.append(a + int(virtual[0]) if len(virtual) else b)
        return out

    @property
    def n_staff(self) -> int:
        return len(self.staff_ids)

    def need(self, t: int, a: int, b: int) -> float | np.ndarray:
        """Minutes each of staff a..b would spend on task t (meeting + their travel)."""
        if not self.travel[t]:
            return float(self.minutes[t])
        # travel depends on the customer's place only: cached per place and staff slice
        key = (int(self.region[t]), int(self.cluster[t]), bool(self.overseas[t]), a, b)
        travel = self.travel_cache.get(key)
        if travel is None:
            travel = self.travel_table[self.travel_class(t, a, b)]
            self.travel_cache[key] = travel
        return self.minutes[t] + travel

    def travel_class(self, t: int, a: int, b: int) -> np.ndarray:
        same_region = self.staff_region[a:b] == self.region[t]
        if self.overseas[t]:
            return np.where(same_region, 0, 3)
        same_cluster = (self.staff_cluster[a:b] == self.cluster[t]) & self.neighbours[t]
        return np.where(same_region, 0, np.where(same_cluster, 1, 2))

    def travel_minutes_of(self, t: int, p: int) -> float:
        if not self.travel[t]:
            return 0.0
        return float(self.travel_table[self.travel_class(t, p, p + 1)[0]])

    def window(self, t: int, day: np.ndarray, ignore: Sequence[int] = ()) -> tuple[int, int]:
        """Days t may take given its predecessor's and its followers' days (lo > hi: none);
        tasks in ``ignore`` count as not placed."""
        lo = max(int(self.release[t]), 0)
        hi = self.n_days - 1
        g = self.pred[t]
        if g >= 0:
            if day[g] < 0 or g in ignore:
                return 1, 0
            lo = max(lo, int(day[g]) + 1)
            if self.within[t] >= 0:
                hi = min(hi, int(day[g]) + int(self.within[t]))
        for f in self.followers[t]:
            if day[f] >= 0 and f not in ignore:
                hi = min(hi, int(day[f]) - 1)
                if self.within[f] >= 0:
                    lo = max(lo, int(day[f]) - int(self.within[f]))
        return lo, hi

    def with_extra_staff(self, role: int, cluster: int, caps: np.ndarray, label: str) -> _Problem:
        """A copy with extra (virtual) people of ``role`` in ``cluster``: one row of ``caps``
        (minutes per day, _UNAVAILABLE for none) per person; their region matches no one."""
        caps = np.atleast_2d(np.asarray(caps, dtype=float))
        a, b = self.role_slice[role]
        n = len(caps)
        ids = np.array([f"{label}-{i + 1}" for i in range(n)], dtype=object)
        ins = lambda arr, vals: np.concatenate([arr[:b], vals, arr[b:]])  # noqa: E731
        slices = [(x + (n if x >= b else 0), y + (n if y >= b else 0)) for x, y in self.role_slice]
        slices[role] = (a, b + n)
        remap = np.arange(self.n_staff)
        remap[b:] += n
        owner = np.where(self.owner >= 0, remap[np.maximum(self.owner, 0)], -1)
        team = [
            tuple((r, slices[r][0], slices[r][1], k) for r, _, _, k in spec) for spec in self.team
        ]
        hours = np.where(caps > 0, caps, 0).max(axis=1) / 60.0
        return _replace(
            self,
            staff_ids=ins(self.staff_ids, ids),
            staff_role=ins(self.staff_role, np.full(n, role)),
            staff_region=ins(self.staff_region, np.full(n, -2)),
            staff_cluster=ins(self.staff_cluster, np.full(n, cluster)),
            staff_hours=ins(self.staff_hours, hours),
            staff_virtual=ins(self.staff_virtual, np.ones(n, dtype=bool)),
            cap=np.concatenate([self.cap[:b], caps, self.cap[b:]]),
            role_slice=slices,
            owner=owner,
            team=team,
        )


def _replace(pb: _Problem, **changes: Any) -> _Problem:
    values = {f: getattr(pb, f) for f in pb.__dataclass_fields__}
    values.update(changes)
    values["travel_cache"] = {}
    return _Problem(**values)


# --------------------------------------------------------------------------------------------
# input validation and compilation


def _day(value: Any, name: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be a date, got {value!r}") from None
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            raise ValueError(f"{name} must be a date, got {value!r}")
        return value.date()
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError(f"{name} must be a date, got {value!r}")
        return value.astype("datetime64[D]").item()
    if isinstance(value, date):
        return value
    raise ValueError(f"{name} must be a date, got {value!r}")


def _missing(frame: pd.DataFrame, required: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks required column(s): {', '.join(missing)}")


def _day_numbers(values: pd.Series, what: str, allow_missing: bool) -> np.ndarray:
    """A date column as datetime64[D] (NaT kept only where allowed)."""
    try:
        days = pd.to_datetime(values).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what} must hold dates ({exc})") from None
    if not allow_missing and np.isnat(days).any():
        rows = np.flatnonzero(np.isnat(days))[:5].tolist()
        raise ValueError(f"{what} is missing at row position(s) {rows}")
    return days


def _text(values: pd.Series) -> np.ndarray:
    """Strings, with None for missing values (NA, NaN, None, empty)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values.tolist()):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out[i] = None
        else:
            s = str(v).strip()
            out[i] = s if s else None
    return out


def _compile(
    tasks: pd.DataFrame,
    roster: pd.DataFrame,
    calendar: Any,
    start: date,
    end: date,
    settings: SchedulerSettings,
    *,
    allow_missing_roles: bool = False,
) -> tuple[_Problem, list[str]]:
    notes: list[str] = []
    if not isinstance(settings, SchedulerSettings):
        raise ValueError(f"settings must be a SchedulerSettings, got {type(settings).__name__}")
    start, end = _day(start, "start"), _day(end, "end")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    for attr in ("working_day_mask", "is_working_day"):
        if not hasattr(calendar, attr):
            raise ValueError(
                f"calendar must be a revisitkit.calendar.WorkingCalendar, got {type(calendar).__name__}"
            )
    _missing(tasks, _TASK_REQUIRED, "tasks")
    _missing(roster, _STAFF_REQUIRED, "roster")

    day0 = np.datetime64(start, "D")
    n_days = (end - start).days + 1
    days = np.arange(day0, day0 + n_days)
    working = np.asarray(calendar.working_day_mask(days), dtype=bool)

    # ---- roster
    staff = roster.reset_index(drop=True)
    sid = _text(staff["staff_id"])
    if any(s is None for s in sid):
        raise ValueError("roster staff_id is missing at row position(s) "
                         f"{[i for i, s in enumerate(sid) if s is None][:5]}")  # fmt: skip
    dup = pd.Series(sid).duplicated(keep=False)
    if dup.any():
        raise ValueError(f"roster staff_id must be unique; repeated: {sorted(set(sid[dup]))[:10]}")
    role = _text(staff["role"])
    if any(r is None for r in role):
        bad = [sid[i] for i, r in enumerate(role) if r is None][:10]
        raise ValueError(f"roster role is missing for staff {bad}")
    hours = pd.to_numeric(staff["hours_per_day"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(hours) | (hours < 0) | (hours > 24)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"roster hours_per_day must be a number of hours from 0 to 24, "
            f"got {_shown(staff['hours_per_day'], i)!r} for staff {sid[i]}"
        )
    s_region = _text(staff["region"]) if "region" in staff else np.full(len(staff), None)
    s_cluster = (
        _text(staff["region_cluster"]) if "region_cluster" in staff else np.full(len(staff), None)
    )

    # ---- tasks
    tk = tasks.reset_index(drop=True)
    tid = _text(tk["task_id"])
    if any(t is None for t in tid):
        raise ValueError("tasks task_id is missing at row position(s) "
                         f"{[i for i, t in enumerate(tid) if t is None][:5]}")  # fmt: skip
    dup = pd.Series(tid).duplicated(keep=False)
    if dup.any():
        raise ValueError(f"tasks task_id must be unique; repeated: {sorted(set(tid[dup]))[:10]}")
    n_tasks = len(tk)
    col = {c: (tk[c] if c in tk else pd.Series([d] * n_tasks)) for c, d in _TASK_OPTIONAL.items()}

    minutes = pd.to_numeric(tk["minutes"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(minutes) | (minutes < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"tasks minutes must be a number ≥ 0, got {_shown(tk['minutes'], i)!r} for task {tid[i]}"
        )
    release = _day_numbers(tk["release"], "tasks release", allow_missing=True)
    release = np.where(np.isnat(release), day0, release)
    deadline = _day_numbers(tk["deadline"], "tasks deadline", allow_missing=False)
    rel = (release - day0).astype(np.int64)
    dl = (deadline - day0).astype(np.int64)
    if (dl < 0).any() or (dl >= n_days).any():
        before, after = int((dl < 0).sum()), int((dl >= n_days).sum())
        notes.append(
            f"{before} task(s) are due before the window starts ({start}) and {after} after it "
            f"ends ({end}); the former can only be late, the latter are scheduled within the window"
        )
    prio_text = _text(col["priority"])
    prio_rank = {p: i for i, p in enumerate(PRIORITIES)}
    bad = [p for p in prio_text if p not in prio_rank]
    if bad:
        raise ValueError(f"tasks priority must be one of {PRIORITIES}, got {bad[0]!r}")
    priority = np.array([prio_rank[p] for p in prio_text], dtype=np.int64)
    urgent = _flags(col["urgent"], "tasks urgent")
    travel = _flags(col["travel"], "tasks travel")

    roles_col = tk["roles"].tolist()
    teams: dict[tuple[str, ...], tuple[tuple[str, int], ...]] = {}
    team_key = []
    for i, roles in enumerate(roles_col):
        if isinstance(roles, str) or not isinstance(roles, Sequence | np.ndarray):
            raise ValueError(
                f"tasks roles must be a tuple of role codes, got {roles!r} for task {tid[i]}"
            )
        roles = tuple(roles)
        if not roles or not all(isinstance(r, str) and r.strip() for r in roles):
            raise ValueError(
                f"tasks roles must be a non-empty tuple of role codes, got {roles!r} for task {tid[i]}"
            )
        if roles not in teams:
            counts: dict[str, int] = {}
            for r in roles:
                counts[r.strip()] = counts.get(r.strip(), 0) + 1
            teams[roles] = tuple(sorted(counts.items()))
        team_key.append(roles)

    # roles: every role a task needs must have someone (unless the gap analysis adds people)
    role_names = sorted(set(role) | {r for spec in teams.values() for r, _ in spec})
    have = set(role)
    missing_roles: dict[str, int] = {}
    for roles in team_key:
        for r, _ in teams[roles]:
            if r not in have:
                missing_roles[r] = missing_roles.get(r, 0) + 1
    if missing_roles and not allow_missing_roles:
        listed = ", ".join(f"{r} ({n} task(s))" for r, n in sorted(missing_roles.items()))
        raise ValueError(f"no staff on the roster for role(s) the tasks need: {listed}")
    role_code = {r: i for i, r in enumerate(role_names)}
    s_role = np.array([role_code[r] for r in role], dtype=np.int64)
    order = np.argsort(s_role, kind="stable")
    counts_per_role = np.bincount(s_role, minlength=len(role_names))
    bounds = np.concatenate([[0], np.cumsum(counts_per_role)])
    role_slice = [(int(bounds[r]), int(bounds[r + 1])) for r in range(len(role_names))]

    # shared codes for regions and clusters (staff and customers on the same scale)
    c_region = _text(col["customer_region"])
    c_cluster = _text(col["customer_cluster"])
    region_names = sorted({x for x in (*s_region, *c_region) if x is not None})
    cluster_names = sorted({x for x in (*s_cluster, *c_cluster) if x is not None})
    rcode = {x: i for i, x in enumerate(region_names)}
    ccode = {x: i for i, x in enumerate(cluster_names)}
    staff_region = np.array([rcode.get(x, -2) if x else -2 for x in s_region], dtype=np.int64)
    staff_cluster = np.array([ccode.get(x, -2) if x else -2 for x in s_cluster], dtype=np.int64)
    region = np.array([rcode[x] if x else -1 for x in c_region], dtype=np.int64)
    cluster = np.array([ccode[x] if x else -1 for x in c_cluster], dtype=np.int64)
    overseas = np.array([x in settings.overseas_clusters for x in c_cluster], dtype=bool)
    neighbours = np.array(
        [x is not None and x not in settings.catch_all_clusters for x in c_cluster], dtype=bool
    )

    # capacity per person and day: hours, availability window, days off, working days
    cap = np.repeat((hours * 60.0)[:, None], n_days, axis=1)
    cap[:, ~working] = _UNAVAILABLE
    for c, side in (("available_from", "from"), ("available_to", "to")):
        if c in staff:
            bound = _day_numbers(staff[c], f"roster {c}", allow_missing=True)
            idx = (bound - day0).astype("timedelta64[D]").astype(np.float64)
            idx[np.isnat(bound)] = np.nan
            grid = np.arange(n_days)[None, :]
            with np.errstate(invalid="ignore"):
                off = grid < idx[:, None] if side == "from" else grid > idx[:, None]
            cap[off & ~np.isnan(idx)[:, None]] = _UNAVAILABLE
    if "days_off" in staff:
        for i, off in enumerate(staff["days_off"].tolist()):
            for d in _days_off(off, sid[i]):
                k = (d - start).days
                if 0 <= k < n_days:
                    cap[i, k] = _UNAVAILABLE

    # owners and predecessors
    index_of_staff = {s: i for i, s in enumerate(sid[order])}
    owners = _text(col["owner"])
    owner = np.array([index_of_staff.get(o, -1) if o else -1 for o in owners], dtype=np.int64)
    unknown_owner = sum(1 for o in owners if o and o not in index_of_staff)
    if unknown_owner:
        notes.append(f"{unknown_owner} task(s) name an owner who is not on the roster")
    index_of_task = {t: i for i, t in enumerate(tid)}
    preds = _text(col["predecessor"])
    pred = np.full(n_tasks, -1, dtype=np.int64)
    for i, g in enumerate(preds):
        if g is not None:
            if g not in index_of_task:
                raise ValueError(f"tasks predecessor {g!r} of task {tid[i]} is not a task_id")
            if g == tid[i]:
                raise ValueError(f"task {tid[i]} is its own predecessor")
            pred[i] = index_of_task[g]
    within_raw = pd.to_numeric(col["follow_up_within_days"], errors="coerce")
    within_vals = within_raw.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(within_vals) & ((within_vals < 1) | (within_vals != np.round(within_vals)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"tasks follow_up_within_days must be a whole number of days ≥ 1, got "
            f"{_shown(col['follow_up_within_days'], i)!r} for task {tid[i]}"
        )
    within = np.where(np.isnan(within_vals) | (pred < 0), -1, within_vals).astype(np.int64)
    _check_acyclic(pred, tid)
    followers: list[list[int]] = [[] for _ in range(n_tasks)]
    for f in np.flatnonzero(pred >= 0).tolist():
        followers[int(pred[f])].append(f)

    team_specs = {
        roles: tuple((role_code[r], *role_slice[role_code[r]], k) for r, k in spec)
        for roles, spec in teams.items()
    }
    team = [team_specs[k] for k in team_key]
    team_size = np.array([len(k) for k in team_key], dtype=np.int64)
    travel_table = np.array([settings.travel_minutes[c] for c in TRAVEL_CLASSES], dtype=float)

    pb = _Problem(
        start=start,
        n_days=n_days,
        day0=day0,
        working=working,
        staff_ids=sid[order],
        staff_role=s_role[order],
        staff_region=staff_region[order],
        staff_cluster=staff_cluster[order],
        staff_hours=hours[order],
        staff_virtual=np.zeros(len(order), dtype=bool),
        cap=np.ascontiguousarray(cap[order]),
        role_names=role_names,
        role_slice=role_slice,
        cluster_names=cluster_names,
        task_ids=tid,
        minutes=minutes,
        travel=travel,
        region=region,
        cluster=cluster,
        overseas=overseas,
        neighbours=neighbours,
        release=rel,
        deadline=dl,
        priority=priority,
        urgent=urgent,
        owner=owner,
        pred=pred,
        within=within,
        followers=followers,
        team=team,
        team_size=team_size,
        travel_table=travel_table,
    )
    return pb, notes


def _shown(values: pd.Series, i: int) -> Any:
    """A cell as the user wrote it, for a message (plain Python, not a numpy scalar)."""
    value = values.iloc[i]
    return value.item() if isinstance(value, np.generic) else value


def _flags(values: pd.Series, what: str) -> np.ndarray:
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        if isinstance(v, bool | np.bool_) or (isinstance(v, int | np.integer) and v in (0, 1)):
            out[i] = bool(v)
        else:
            raise ValueError(f"{what} must be True or False, got {v!r} at row position {i}")
    return out


def _days_off(value: Any, staff_id: str) -> list[date]:
    if value is None or (np.isscalar(value) and pd.isna(value)):
        return []
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray | set | frozenset):
        raise ValueError(
            f"roster days_off must be a list of dates, got {value!r} for staff {staff_id}"
        )
    return [_day(v, f"roster days_off of staff {staff_id}") for v in value]


def _check_acyclic(pred: np.ndarray, tid: np.ndarray) -> None:
    depth = np.zeros(len(pred), dtype=np.int64)
    has = pred >= 0
    for _ in range(len(pred) + 1):
        new = np.where(has, depth[np.maximum(pred, 0)] + 1, 0)
        if np.array_equal(new, depth):
            return
        depth = new
    stuck = np.flatnonzero(depth > len(pred) - 1)[:5]
    raise ValueError(f"tasks predecessors form a cycle (through task(s) {tid[stuck].tolist()})")


# --------------------------------------------------------------------------------------------
# the heuristic


class _State:
    """A schedule being built: remaining minutes per person and day, and who does what.

    Changes can be grouped in a transaction (:meth:`begin`) that is kept or rolled back as a
    whole; the tasks it touched are remembered with their status before it, so that a move's
    effect on the ranking is known without rescoring the whole schedule.
    """

    def __init__(self, pb: _Problem) -> None:
        self.pb = pb
        self.rem = pb.cap.copy()
        self.load = np.zeros(pb.n_staff)
        self.day = np.full(pb.n_tasks, -1, dtype=np.int64)
        self.persons: list[tuple[int, ...]] = [()] * pb.n_tasks
        self.needs: list[tuple[float, ...]] = [()] * pb.n_tasks
        self.on_day: dict[int, list[int]] = {}  # p * D + d -> tasks of person p on day d
        self._log: list[tuple] | None = None
        self._before: dict[int, tuple[int, int, int, int]] = {}

    # -- feasibility

    def feasible_days(self, t: int, lo: int, hi: int, real_only: bool = False) -> np.ndarray:
        """Bool per day lo..hi: whether a whole team for t is free that day (with
        ``real_only``, of people on the roster, not extra or reserve people)."""
        pb, rem = self.pb, self.rem
        ok = pb.working[lo : hi + 1].copy()
        for r, a, b, k in pb.team[t]:
            if real_only:
                b = pb.real_end[r]
            if b - a < k:
                return np.zeros(hi - lo + 1, dtype=bool)
            need = pb.need(t, a, b)
            block = rem[a:b, lo : hi + 1]
            if isinstance(need, float):
                fits = block >= need - _EPS
            else:
                fits = block >= need[:, None] - _EPS
            ok &= fits.any(axis=0) if k == 1 else fits.sum(axis=0) >= k
        return ok

    def teams(self, t: int, d: int, limit: int = 1) -> list[tuple[list[int], list[float]]]:
        """Up to ``limit`` teams for t on day d, the preferred one first.

        Preference inside each role: the customer's owner, then staff of the customer's
        region, then of its cluster, then the least loaded so far, then roster order (extra
        people of the gap analysis only when no one on the roster fits). With
        ``limit`` > 1 the alternatives swap one person at a time for the next in that order.
        """
        pb = self.pb
        if not pb.working[d]:
            return []
        groups = []
        for _, a, b, k in pb.team[t]:
            need = pb.need(t, a, b)
            cand = np.flatnonzero(self.rem[a:b, d] >= need - _EPS)
            if len(cand) < k:
                return []
            if len(cand) > 1:
                glob = cand + a
                score = (glob == pb.owner[t]) * 4
                if pb.region[t] >= 0:
                    score = score + (pb.staff_region[glob] == pb.region[t]) * 2
                if pb.cluster[t] >= 0:
                    score = score + (pb.staff_cluster[glob] == pb.cluster[t])
                score = score - pb.staff_virtual[glob] * 8  # extra people: the last resort
                if k == 1 and limit == 1:
                    # the same choice as the sort below: argmin takes the first of equals
                    cand = cand[[int(np.argmin(self.load[glob] - score * 1e9))]]
                else:
                    cand = cand[np.lexsort((cand, self.load[glob], -score))]
            mins = [need] * len(cand) if isinstance(need, float) else need[cand].tolist()
            groups.append(((cand + a).tolist(), mins, k))
        best = ([], [])
        for people, needs, k in groups:
            best[0].extend(people[:k])
            best[1].extend(needs[:k])
        out = [best]
        if limit > 1:
            offset = 0
            for people, needs, k in groups:
                for i in range(k):  # replace the i-th chosen of this role by each spare one
                    for j in range(k, len(people)):
                        if len(out) >= limit:
                            return out
                        persons, mins = list(best[0]), list(best[1])
                        persons[offset + i], mins[offset + i] = people[j], needs[j]
                        out.append((persons, mins))
                offset += k
        return out

    # -- booking (logged inside a transaction)

    def book(self, t: int, d: int, persons: Sequence[int], needs: Sequence[float]) -> None:
        if self._log is not None:
            self._touch(t)
            self._log.append((0, t))
        D = self.pb.n_days
        for p, m in zip(persons, needs, strict=True):
            self.rem[p, d] -= m
            self.load[p] += m
            self.on_day.setdefault(p * D + d, []).append(t)
        self.day[t] = d
        self.persons[t] = tuple(persons)
        self.needs[t] = tuple(needs)

    def unbook(self, t: int) -> tuple[int, tuple[int, ...], tuple[float, ...]]:
        old = int(self.day[t]), self.persons[t], self.needs[t]
        if self._log is not None:
            self._touch(t)
            self._log.append((1, t, *old))
        d, persons, needs = old
        D = self.pb.n_days
        for p, m in zip(persons, needs, strict=True):
            self.rem[p, d] += m
            self.load[p] -= m
            self.on_day[p * D + d].remove(t)
        self.day[t] = -1
        self.persons[t] = ()
        self.needs[t] = ()
        return old

    def place(self, t: int, lo: int, hi: int, thrifty: bool = True) -> bool:
        """Book t on the earliest day lo..hi where its team is free; with ``thrifty``, a task
        with travel takes the day of least travel for its best team (earliest of those).
        Extra and reserve people (gap analysis) count only when no day has a roster team."""
        if lo > hi:
            return False
        if self.pb.has_virtual and self._place(t, lo, hi, thrifty, real_only=True):
            return True
        return self._place(t, lo, hi, thrifty, real_only=False)

    def _place(self, t: int, lo: int, hi: int, thrifty: bool, real_only: bool) -> bool:
        if thrifty and self.pb.travel[t]:
            cost = self.travel_cost(t, lo, hi, real_only)
            if not np.isfinite(cost).any():
                return False
            d = lo + int(np.argmin(cost))
        else:
            ok = self.feasible_days(t, lo, hi, real_only)
            if not ok.any():
                return False
            d = lo + int(np.argmax(ok))
        self.book(t, d, *self.teams(t, d)[0])
        return True

    def travel_cost(self, t: int, lo: int, hi: int, real_only: bool = False) -> np.ndarray:
        """Per day lo..hi: the least travel minutes of a whole free team for t (inf: none).

        Counting travel before the day keeps on-site visits with local people, who may be
        free a few days later, instead of sending someone from afar on the first free day:
        travel is capacity too (§4.2)."""
        pb, rem = self.pb, self.rem
        total = np.where(pb.working[lo : hi + 1], 0.0, np.inf)
        for r, a, b, k in pb.team[t]:
            if real_only:
                b = pb.real_end[r]
            if b - a < k:
                return np.full(hi - lo + 1, np.inf)
            need = np.broadcast_to(pb.need(t, a, b), (b - a,))
            fits = rem[a:b, lo : hi + 1] >= need[:, None] - _EPS
            travel = np.where(fits, (need - pb.minutes[t])[:, None], np.inf)
            if k == 1:
                total = total + travel.min(axis=0)
            else:
                total = total + np.sort(travel, axis=0)[:k].sum(axis=0)
        return total

    def place_best(self, t: int) -> bool:
        """Book t on time if it can be, else late (earliest), else leave it out."""
        lo, hi = self.pb.window(t, self.day)
        return self.place(t, lo, min(hi, int(self.pb.deadline[t]))) or self.place(
            t, lo, hi, thrifty=False
        )

    def drop(self, t: int) -> None:
        """Take t off the schedule with every follow-up that hangs on it."""
        if self.day[t] >= 0:
            self.unbook(t)
        for f in self.pb.followers[t]:
            self.drop(f)

    # -- transactions and scoring

    def vector(self, t: int) -> tuple[int, int, int, int]:
        pb = self.pb
        placed = self.day[t] >= 0
        on = placed and self.day[t] <= pb.deadline[t]
        return (int(on and pb.urgent[t]), int(on and pb.priority[t] == 0), int(on), int(placed))

    def _touch(self, t: int) -> None:
        if t not in self._before:
            self._before[t] = self.vector(t)

    def begin(self) -> None:
        self._log = []
        self._before = {}

    def gain(self) -> tuple[int, int, int, int]:
        """How much the open transaction changed the ranking (urgent, high, on time, placed)."""
        total = [0, 0, 0, 0]
        for t, old in self._before.items():
            new = self.vector(t)
            for i in range(4):
                total[i] += new[i] - old[i]
        return tuple(total)

    def commit(self) -> None:
        self._log = None
        self._before = {}

    def rollback(self) -> None:
        self.rollback_to(0)
        self._log = None
        self._before = {}

    def mark(self) -> int:
        """A savepoint inside the open transaction."""
        return len(self._log)

    def rollback_to(self, mark: int) -> None:
        """Undo what the open transaction did after ``mark``."""
        log = self._log
        self._log = None
        while len(log) > mark:
            entry = log.pop()
            if entry[0] == 0:
                self.unbook(entry[1])
            else:
                self.book(entry[1], entry[2], entry[3], entry[4])
        self._log = log

    def keep_if_better(self) -> bool:
        if self.gain() > (0, 0, 0, 0):
            self.commit()
            return True
        self.rollback()
        return False

    def on_time(self, t: int) -> bool:
        return 0 <= self.day[t] <= self.pb.deadline[t]

    def score(self) -> tuple[int, int, int, int]:
        placed = self.day >= 0
        on = placed & (self.day <= self.pb.deadline)
        return _score(self.pb, on, placed)


def _score(pb: _Problem, on: np.ndarray, placed: np.ndarray) -> tuple[int, int, int, int]:
    """(urgent on time, high on time, on time, placed): the order schedules are ranked in."""
    return (
        int((on & pb.urgent).sum()),
        int((on & (pb.priority == 0)).sum()),
        int(on.sum()),
        int(placed.sum()),
    )


def _order(pb: _Problem) -> np.ndarray:
    """Task indices in scheduling order: urgent first, then (effective) deadline, priority,
    larger team, longer meeting, task_id. A predecessor inherits its follow-ups' urgency and
    a deadline one day before theirs, so that the chain starts in time."""
    eff = pb.deadline.copy()
    chain = np.flatnonzero(pb.pred >= 0)
    urgent = pb.urgent.copy()
    for _ in range(pb.n_tasks):
        if not len(chain):
            break
        g = pb.pred[chain]
        new = eff.copy()
        np.minimum.at(new, g, eff[chain] - 1)
        new_urgent = urgent.copy()
        new_urgent[g[urgent[chain]]] = True
        if np.array_equal(new, eff) and np.array_equal(new_urgent, urgent):
            break
        eff, urgent = new, new_urgent
    id_rank = np.argsort(np.argsort(pb.task_ids.astype(str), kind="stable"), kind="stable")
    return np.lexsort((id_rank, -pb.minutes, -pb.team_size, pb.priority, eff, ~urgent))


def _heuristic(pb: _Problem, budget: int | None) -> _State:
    """List scheduling, then repair; on small instances also promotion: each task still not
    on time is put first in the order (with the tasks it follows), the whole schedule is
    rebuilt and repaired, and the rebuild is kept when it ranks higher."""
    if budget is None:
        budget = 1_000 + pb.n_tasks // 2
    search = _Search(pb, _order(pb), budget)
    best = _greedy(pb, search.order)
    search.repair(best)
    if pb.n_tasks > _PROMOTE_MAX_TASKS:
        return best
    best_score = best.score()
    tried: set[int] = set()
    while search.trials + pb.n_tasks <= budget:
        todo = [t for t in search.order.tolist() if not best.on_time(t) and t not in tried]
        if not todo:
            break
        t = todo[0]
        tried.add(t)
        head = [t]
        while pb.pred[head[0]] >= 0:
            head.insert(0, int(pb.pred[head[0]]))
        promoted = np.array(head + [x for x in search.order.tolist() if x not in head])
        search.trials += pb.n_tasks
        st = _greedy(pb, promoted, eager=head)
        search.repair(st)
        if st.score() > best_score:
            best, best_score = st, st.score()
            tried.clear()
    return best


#: Promotion rebuilds the whole schedule once per task not on time: for small instances only.
_PROMOTE_MAX_TASKS = 500
#: Repair trials per task not on time and pass (small instances never need more than ~35).
_TASK_TRIALS = 64
#: Ejection chains: a task takes another's place, which takes a third's, …
_CHAIN_DEPTH = 3
#: Most tasks taken off one day and rebuilt together.
_REBUILD_MAX = 12


def _greedy(pb: _Problem, order: np.ndarray, eager: Sequence[int] = ()) -> _State:
    """Two-pass list scheduling in ``order``; ``eager`` tasks take a late day at their turn
    in pass 1 when they cannot be on time (used to promote a task and its predecessors)."""
    st = _State(pb)
    position = np.empty(pb.n_tasks, dtype=np.int64)
    position[order] = np.arange(pb.n_tasks)
    eager = set(eager)

    # pass 1: every task that fits on time; a chain (a call, then its follow-up within N
    # days) is booked as a unit, follow-ups right after their predecessor, so that the room
    # left for them in the predecessor's choice of day is still there
    heap = position[pb.pred < 0].tolist()
    heapq.heapify(heap)
    deferred: list[int] = []
    while heap:
        chain = [int(order[heapq.heappop(heap)])]
        while chain:
            t = chain.pop()
            lo, hi = pb.window(t, st.day)
            placed = _place_chain_aware(st, t, lo, min(hi, int(pb.deadline[t])))
            if placed or (t in eager and st.place(t, lo, hi, thrifty=False)):
                chain.extend(sorted(pb.followers[t], key=lambda f: -position[f]))
            else:
                deferred.append(int(position[t]))
    # pass 2: what cannot be on time, on the earliest day left (late), in the same order
    heap = deferred
    heapq.heapify(heap)
    while heap:
        t = int(order[heapq.heappop(heap)])
        if pb.pred[t] >= 0 and st.day[pb.pred[t]] < 0:
            continue  # a follow-up of a task that could not be placed
        if st.place(t, *pb.window(t, st.day), thrifty=False):
            for f in pb.followers[t]:
                if st.day[f] < 0:
                    heapq.heappush(heap, int(position[f]))
    return st


def _place_chain_aware(st: _State, t: int, lo: int, hi: int) -> bool:
    """Like :meth:`_State.place`, but a task with follow-ups goes on the earliest day that
    leaves each follow-up a free day on time in its window (if there is such a day)."""
    pb = st.pb
    if not pb.followers[t] or lo > hi:
        return st.place(t, lo, hi)
    ok = st.feasible_days(t, lo, hi)
    days = (lo + np.flatnonzero(ok)).tolist()
    for d in days:
        st.book(t, d, *st.teams(t, d)[0])
        fits = True
        for f in pb.followers[t]:
            flo, fhi = pb.window(f, st.day)
            fhi = min(fhi, int(pb.deadline[f]))
            if flo > fhi or not st.feasible_days(f, flo, fhi).any():
                fits = False
                break
        if fits:
            return True
        st.unbook(t)
    if days:
        st.book(t, days[0], *st.teams(t, days[0])[0])
        return True
    return False


class _Search:
    """The repair pass: bring late and unscheduled tasks on time by moving what is in the way.

    For each task t not on time, in scheduling order, the moves tried are:

    1. t on time as it is (earlier moves may have freed room);
    2. an earlier task of t's chain (its predecessor, theirs, …) on another day, the rest of
       the chain after it; then the same with the tasks in the way of the predecessor on its
       new day and of t on a day its window then allows taken off and put back after them;
    3. for each day d of t's on-time window, among the tasks on d whose removal would let
       t's team fit on d: (a) one taken off, t put on d (with each of a few alternative
       teams), it and its follow-ups put back on time if possible, else late, else left out;
       (b) all of them (at most 12) taken off with t's chain and rebuilt, t's chain first;
       (c) as (a) with two;
    4. an ejection chain: t takes one task's place, which takes another's, three deep, every
       task on time throughout.

    After (a) and (c), other late tasks may take the room left on d in the same move. A move
    is kept only when the ranking (urgent on time, high on time, on time, placed) goes up, so
    an on-time task loses its day only to a task that ranks above it (a churn warning or a
    high-priority task), or to let more tasks be on time. Passes repeat until one changes
    nothing. Trials are counted — at most 64 per task and pass, and the settings' budget in
    all — so the result never depends on the machine's speed.
    """

    def __init__(self, pb: _Problem, order: np.ndarray, budget: int) -> None:
        self.pb = pb
        self.order = order
        self.position = np.empty(pb.n_tasks, dtype=np.int64)
        self.position[order] = np.arange(pb.n_tasks)
        self.budget = budget
        self.trials = 0
        self.task_limit = 0

    # -- bookkeeping

    def spend(self) -> bool:
        """Count one trial; False when the task's or the whole budget is spent."""
        if self.trials >= self.budget or self.trials >= self.task_limit:
            return False
        self.trials += 1
        return True

    def repair(self, st: _State) -> None:
        pb = self.pb
        while True:
            improved = False
            late = [t for t in self.order.tolist() if not st.on_time(t)]
            by_role: dict[int, list[int]] = {}
            for u in late:
                for r, *_ in pb.team[u]:
                    by_role.setdefault(r, []).append(u)
            self.late_by_role = by_role
            # the cheap moves for every late task first, then the searching ones
            for moves in ((self.direct, self.shift_chain), (self.make_room, self.ejection_chain)):
                for t in late:
                    if self.trials >= self.budget:
                        return
                    self.task_limit = self.trials + _TASK_TRIALS
                    if not st.on_time(t) and any(move(st, t) for move in moves):
                        improved = True
            for t in self.order.tolist():  # what is still out gets a late day if one is free
                if st.day[t] < 0:
                    st.begin()
                    st.place(t, *pb.window(t, st.day), thrifty=False)
                    improved |= st.keep_if_better()
            if not improved:
                return

    # -- the moves

    def direct(self, st: _State, t: int) -> bool:
        if not self.spend():
            return False
        st.begin()
        if st.day[t] >= 0:
            st.unbook(t)
        lo, hi = self.pb.window(t, st.day)
        st.place(t, lo, min(hi, int(self.pb.deadline[t])))
        return st.keep_if_better()

    def shift_chain(self, st: _State, t: int) -> bool:
        pb = self.pb
        # t itself (when its follow-ups hem it in) or an earlier task of its chain on another
        # day, the rest of the chain after it
        anc = t if any(st.day[f] >= 0 for f in pb.followers[t]) else int(pb.pred[t])
        while anc >= 0:
            if st.day[anc] >= 0 or anc == t:
                below = _descendants(pb, anc)
                lo, hi = pb.window(anc, st.day, below)
                if anc == t:
                    hi = min(hi, int(pb.deadline[t]))
                for da in range(lo, hi + 1):
                    if da == st.day[anc] or not pb.working[da]:
                        continue
                    if not self.spend():
                        return False
                    st.begin()
                    for x in (anc, *below):
                        if st.day[x] >= 0:
                            st.unbook(x)
                    if st.place(anc, da, da):
                        for x in below:
                            if st.day[pb.pred[x]] >= 0:
                                st.place_best(x)
                    if st.day[anc] >= 0 and st.keep_if_better():
                        return True
                    if st._log is not None:
                        st.rollback()
            anc = int(pb.pred[anc])
        g = int(pb.pred[t])
        if g < 0 or st.day[g] < 0:
            return False
        # the predecessor on day dg and t on day dt, with whatever is in their way taken off
        # and put back after them
        glo, ghi = pb.window(g, st.day, _descendants(pb, g))
        chain = _chain(pb, t)
        for dg in range(glo, ghi + 1):
            if dg == st.day[g] or not pb.working[dg]:
                continue
            last = int(pb.deadline[t]) if pb.within[t] < 0 else dg + int(pb.within[t])
            t_days = [
                d
                for d in range(max(dg + 1, int(pb.release[t])), min(last, pb.n_days - 1) + 1)
                if pb.working[d] and d <= pb.deadline[t]
            ] or [-1]
            for dt in t_days:
                blockers = self.in_way(st, g, dg, chain)
                if blockers is not None and dt >= 0:
                    more = self.in_way(st, t, dt, (*chain, *blockers))
                    blockers = None if more is None else blockers + more
                if not blockers or len(blockers) > _REBUILD_MAX:
                    continue
                if not self.spend():
                    return False
                others = [s for s in _with_follow_ups(pb, blockers) if s not in chain]
                st.begin()
                for x in (*chain, *others):
                    if st.day[x] >= 0:
                        st.unbook(x)
                if st.place(g, dg, dg):
                    if dt >= 0:
                        st.place(t, dt, dt)
                    for x in chain[1:]:
                        if st.day[x] < 0 and st.day[pb.pred[x]] >= 0:
                            st.place_best(x)
                    self.put_back(st, others)
                if st.keep_if_better():
                    return True
        return False

    def make_room(self, st: _State, t: int) -> bool:
        pb = self.pb
        day_t = int(st.day[t])
        lo = max(int(pb.release[t]), 0)
        hi = min(int(pb.deadline[t]), pb.n_days - 1)
        chain = _chain(pb, t)
        days = [d for d in range(lo, hi + 1) if pb.working[d] and d != day_t]
        for size in (1, 0, 2):  # 0: rebuild everything in the way on that day
            for d in days:
                if size == 1:
                    sets = [(s,) for s in self.candidates(st, t, d, chain)]
                else:
                    in_way = self.in_way(st, t, d, chain)
                    if in_way is None:
                        continue
                    if size == 0:
                        sets = [tuple(in_way)] if len(in_way) > 1 or pb.pred[t] >= 0 else []
                    else:
                        near = in_way[:8]
                        sets = [
                            (near[i], near[j])
                            for i in range(len(near))
                            for j in range(i + 1, len(near))
                            if self.frees(st, t, d, (near[i], near[j]))
                        ]
                for ejected in sets:
                    if not self.spend():
                        return False
                    if size == 0:
                        if self.rebuild(st, t, d, ejected, chain):
                            return True
                    elif self.eject_and_insert(st, t, d, ejected):
                        return True
        return False

    def ejection_chain(self, st: _State, t: int) -> bool:
        st.begin()
        if st.day[t] >= 0:
            st.unbook(t)
        if self.chain_insert(st, t, _CHAIN_DEPTH, {t}) and st.keep_if_better():
            return True
        if st._log is not None:
            st.rollback()
        return False

    # -- pieces of moves

    def in_way(
        self, st: _State, t: int, d: int, exclude: Sequence[int], most: int = _REBUILD_MAX
    ) -> list[int] | None:
        """Tasks on day d of people who could do t that day if they were free (None when
        there are more than ``most``: a day that full is not rebuilt)."""
        pb = self.pb
        if not pb.working[d]:
            return []
        D = pb.n_days
        out: list[int] = []
        seen = set(exclude)
        for _, a, b, _ in pb.team[t]:
            could = pb.cap[a:b, d] >= pb.need(t, a, b) - _EPS
            for p in (a + np.flatnonzero(could)).tolist():
                for s in st.on_day.get(p * D + d, ()):
                    if s not in seen:
                        seen.add(s)
                        out.append(s)
                        if len(out) > most:
                            return None
        return out

    def candidates(
        self, st: _State, t: int, d: int, exclude: Sequence[int], on_time_only: bool = False
    ) -> list[int]:
        """Up to 8 tasks on day d whose removal alone would let t's team fit on d.

        People are looked at closest to fitting first, at most 64 of their tasks are checked,
        and those kept are the ones t outranks first, then the most days of slack before
        their own deadline (the easiest to move), then scheduling order.
        """
        pb = self.pb
        if not pb.working[d]:
            return []
        short = []
        for _, a, b, k in pb.team[t]:
            need = pb.need(t, a, b)
            rem = st.rem[a:b, d]
            count = int(np.count_nonzero(rem >= need - _EPS))
            if count < k:
                if k - count > 1:
                    return []  # one task off the day frees at most one person per role here
                short.append((a, need, rem))
        if not short:
            return []
        a, need, rem = short[0]
        gap = need - rem  # how far each person of the first short role is from fitting
        could = (pb.cap[a : a + len(rem), d] >= need - _EPS) & (gap > _EPS)
        people = np.flatnonzero(could)
        people = people[np.argsort(gap[people], kind="stable")]
        D = pb.n_days
        seen = set(exclude)
        found: list[int] = []
        checked = 0
        for i in people.tolist():
            for s in st.on_day.get((a + i) * D + d, ()):
                if s in seen:
                    continue
                seen.add(s)
                checked += 1
                if (not on_time_only or st.on_time(s)) and self.frees(st, t, d, (s,)):
                    found.append(s)
                if checked >= 64:
                    break
            if checked >= 64:
                break
        rank_t = (pb.urgent[t], pb.priority[t] == 0)
        found.sort(
            key=lambda s: (
                not (rank_t > (pb.urgent[s], pb.priority[s] == 0)),
                -(int(pb.deadline[s]) - d),
                self.position[s],
            )
        )
        return found[:8]

    def frees(self, st: _State, t: int, d: int, ejected: Sequence[int]) -> bool:
        """Whether t's whole team would fit on d once ``ejected`` are off it."""
        pb = self.pb
        freed: dict[int, float] = {}
        for s in ejected:
            if st.day[s] == d:
                for p, m in zip(st.persons[s], st.needs[s], strict=True):
                    freed[p] = freed.get(p, 0.0) + m
        for _, a, b, k in pb.team[t]:
            need = pb.need(t, a, b)
            count = int(np.count_nonzero(st.rem[a:b, d] >= need - _EPS))
            for p, m in freed.items():
                if a <= p < b:
                    n = need if isinstance(need, float) else need[p - a]
                    if st.rem[p, d] < n - _EPS <= st.rem[p, d] + m:
                        count += 1
            if count < k:
                return False
        return True

    def put_back(self, st: _State, tasks: Sequence[int]) -> None:
        """Put tasks back (on time first, else late, else out) in scheduling order, a
        follow-up only after its predecessor."""
        pb = self.pb
        for x in sorted(tasks, key=lambda x: (_depth(pb, x), self.position[x])):
            if pb.pred[x] < 0 or st.day[pb.pred[x]] >= 0:
                st.place_best(x)

    def eject_and_insert(self, st: _State, t: int, d: int, ejected: tuple[int, ...]) -> bool:
        """Take ``ejected`` (and their follow-ups) off, put t on d, put them back; keep it if
        it ranks higher. Up to 10 other late tasks may take the room left on d too."""
        pb = self.pb
        moved = [s for s in _with_follow_ups(pb, ejected) if s != t]
        waiting: list[int] = []
        for r in {r for s in ejected for r, *_ in pb.team[s]}:
            for u in self.late_by_role.get(r, ()):
                if len(waiting) >= 10:
                    break
                if u != t and u not in waiting:
                    waiting.append(u)

        def clear() -> None:
            if st.day[t] >= 0:
                st.unbook(t)
            for s in moved:
                if st.day[s] >= 0:
                    st.unbook(s)

        st.begin()
        clear()
        lo, hi = pb.window(t, st.day)
        alternatives = 4 if pb.n_tasks <= _PROMOTE_MAX_TASKS else 1
        teams = st.teams(t, d, limit=alternatives) if lo <= d <= hi else []
        st.rollback()
        for persons, needs in teams:
            st.begin()
            clear()
            st.book(t, d, persons, needs)
            self.put_back(st, moved)
            for u in waiting:
                if 0 <= st.day[u] <= pb.deadline[u]:
                    continue
                lo, hi = pb.window(u, st.day, (u,))
                if lo <= d <= min(hi, int(pb.deadline[u])):
                    team = st.teams(u, d)
                    if team:
                        if st.day[u] >= 0:
                            st.unbook(u)
                        st.book(u, d, *team[0])
            if st.keep_if_better():
                return True
        return False

    def rebuild(
        self, st: _State, t: int, d: int, ejected: tuple[int, ...], chain: Sequence[int]
    ) -> bool:
        """Take t's chain and ``ejected`` (with their follow-ups) off, then put back: t's chain
        first (its predecessor on a day that lets t be on d), then the rest in order."""
        pb = self.pb
        others = [s for s in _with_follow_ups(pb, ejected) if s not in chain]
        st.begin()
        for x in (*chain, *others):
            if st.day[x] >= 0:
                st.unbook(x)
        for x in chain:
            if pb.pred[x] >= 0 and st.day[pb.pred[x]] < 0:
                continue
            if x == t:
                lo, hi = pb.window(t, st.day)
                if not (lo <= d <= hi and st.place(t, d, d)):
                    st.place_best(t)
            elif x == pb.pred[t]:
                _place_before(st, x, t, d)
            else:
                st.place_best(x)
        self.put_back(st, others)
        return st.keep_if_better()

    def chain_insert(self, st: _State, t: int, depth: int, busy: set[int]) -> bool:
        """Put t on time, taking the place of one task on some day and putting that one back
        on time the same way, at most ``depth`` deep (inside the open transaction)."""
        pb = self.pb
        lo, hi = pb.window(t, st.day)
        hi = min(hi, int(pb.deadline[t]))
        if lo > hi:
            return False
        if st.place(t, lo, hi):
            return True
        if depth == 0:
            return False
        for d in range(lo, hi + 1):
            for s in self.candidates(st, t, d, tuple(busy), on_time_only=True):
                if not self.spend():
                    return False
                mark = st.mark()
                st.unbook(s)
                if st.place(t, d, d) and self.chain_insert(st, s, depth - 1, busy | {s}):
                    return True
                st.rollback_to(mark)
        return False


def _chain(pb: _Problem, t: int) -> list[int]:
    """t's predecessor (if any), t, and the follow-ups of both, predecessors first."""
    g = int(pb.pred[t])
    head = [g] if g >= 0 else []
    out = head + [t]
    for x in (*head, t):
        for f in _descendants(pb, x):
            if f not in out:
                out.append(f)
    return out


def _descendants(pb: _Problem, t: int) -> list[int]:
    """Follow-ups of t, their follow-ups, and so on, predecessors before follow-ups."""
    out: list[int] = []
    todo = list(pb.followers[t])
    while todo:
        f = todo.pop(0)
        out.append(f)
        todo.extend(pb.followers[f])
    return out


def _with_follow_ups(pb: _Problem, tasks: Sequence[int]) -> list[int]:
    out: list[int] = []
    for s in tasks:
        for x in (s, *_descendants(pb, s)):
            if x not in out:
                out.append(x)
    return out


def _depth(pb: _Problem, t: int) -> int:
    n = 0
    while pb.pred[t] >= 0:
        t = int(pb.pred[t])
        n += 1
    return n


def _place_before(st: _State, g: int, t: int, d: int) -> None:
    """Place predecessor g on time on a day that lets its follow-up t be on day d, if any."""
    pb = st.pb
    lo, hi = pb.window(g, st.day)
    first = lo if pb.within[t] < 0 else max(lo, d - int(pb.within[t]))
    last = min(hi, d - 1, int(pb.deadline[g]))
    if first <= last:
        ok = st.feasible_days(g, first, last)
        if ok.any():
            day = first + int(np.flatnonzero(ok)[-1])  # the latest: leaves the early days free
            st.book(g, day, *st.teams(g, day)[0])
            return
    st.place_best(g)


# --------------------------------------------------------------------------------------------
# the exact model


@dataclass
class _Exact:
    day: np.ndarray
    persons: list[tuple[int, ...]]
    needs: list[tuple[float, ...]]
    status: str
    n_variables: int


def _count_variables(pb: _Problem) -> int:
    """An upper bound of the exact model's binary variables (cheap: no per-person work)."""
    days = np.maximum(0, pb.n_days - np.maximum(pb.release, 0))
    per_day = np.array([1 + sum(b - a for _, a, b, _ in spec) for spec in pb.team])
    return int((days * per_day).sum())


def _exact(pb: _Problem, time_limit: float, earliest: bool = True) -> _Exact:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    T, D = pb.n_tasks, pb.n_days
    # variables: y[t, d] then x[t, p, d]
    y_index: dict[tuple[int, int], int] = {}
    x_vars: list[tuple[int, int, int, float, int]] = []  # (t, p, d, need, variable)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lb: list[float] = []
    ub: list[float] = []
    n = 0

    def add_row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lb)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lb.append(lo)
        ub.append(hi)

    cover: list[tuple[int, list[int], int]] = []  # (y var, x vars, count)
    for t in range(T):
        needs = [
            (r, a, b, k, np.broadcast_to(pb.need(t, a, b), (b - a,))) for r, a, b, k in pb.team[t]
        ]
        for d in range(max(int(pb.release[t]), 0), D):
            if not pb.working[d]:
                continue
            groups = []
            for _, a, b, k, need in needs:
                ok = np.flatnonzero(pb.cap[a:b, d] >= need - _EPS)
                if len(ok) < k:
                    groups = None
                    break
                groups.append((a, k, ok, need))
            if groups is None:
                continue
            y = n
            n += 1
            y_index[(t, d)] = y
            for a, k, ok, need in groups:
                xs = []
                for i in ok.tolist():
                    x_vars.append((t, a + i, d, float(need[i]), n))
                    xs.append(n)
                    n += 1
                cover.append((y, xs, k))
    n_vars = n
    if n_vars == 0:
        return _Exact(np.full(T, -1), [()] * T, [()] * T, "optimal", 0)

    for y, xs, k in cover:  # Σ x of the role = count × y
        add_row([(x, 1.0) for x in xs] + [(y, -float(k))], 0.0, 0.0)
    per_task: dict[int, list[int]] = {}
    for (t, _), y in y_index.items():
        per_task.setdefault(t, []).append(y)
    for ys in per_task.values():  # at most one day
        add_row([(y, 1.0) for y in ys], 0.0, 1.0)
    capacity: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for _, p, d, need, x in x_vars:
        capacity.setdefault((p, d), []).append((x, need))
    for (p, d), entries in capacity.items():
        if sum(v for _, v in entries) > pb.cap[p, d] + _EPS:
            add_row(entries, -np.inf, float(pb.cap[p, d]))
    for f in np.flatnonzero(pb.pred >= 0).tolist():  # follow-ups
        g = int(pb.pred[f])
        g_days = {d: y for (t, d), y in y_index.items() if t == g}
        for (t, d), y in y_index.items():
            if t != f:
                continue
            first = 0 if pb.within[f] < 0 else d - int(pb.within[f])
            earlier = [(yg, -1.0) for dg, yg in g_days.items() if first <= dg < d]
            add_row([(y, 1.0)] + earlier, -np.inf, 0.0)

    A = coo_matrix((vals, (rows, cols)), shape=(len(lb), n_vars)).tocsr()
    base = [LinearConstraint(A, np.array(lb), np.array(ub))]

    on_vec = np.zeros(n_vars)
    for (t, d), y in y_index.items():
        if d <= pb.deadline[t]:
            on_vec[y] = 1.0
    urgent_vec = on_vec.copy()
    high_vec = on_vec.copy()
    for (t, _), y in y_index.items():
        if not pb.urgent[t]:
            urgent_vec[y] = 0.0
        if pb.priority[t] != 0:
            high_vec[y] = 0.0
    placed_vec = np.zeros(n_vars)
    placed_vec[list(y_index.values())] = 1.0
    day_vec = np.zeros(n_vars)
    for (_, d), y in y_index.items():
        day_vec[y] = d

    stages = [("urgent on time", -urgent_vec), ("high on time", -high_vec),
              ("on time", -on_vec), ("placed", -placed_vec)]  # fmt: skip
    if earliest:
        stages.append(("earliest days", day_vec))
    integrality = np.ones(n_vars)
    bounds = Bounds(np.zeros(n_vars), np.ones(n_vars))
    constraints = list(base)
    deadline_at = time.monotonic() + time_limit
    status = "optimal"
    solution = np.zeros(n_vars)  # nothing placed: feasible, the start of every stage
    for name, c in stages:
        if not c.any():
            continue
        left = deadline_at - time.monotonic()
        if left <= 0:
            status = f"time limit reached before stage {name!r}; best found so far"
            break
        res = milp(
            c,
            integrality=integrality,
            bounds=bounds,
            constraints=constraints,
            options={"time_limit": left, "mip_rel_gap": 0.0, "presolve": True},
        )
        if res.x is None:
            status = f"stage {name!r}: {res.message}; best found so far"
            break
        solution = res.x
        if res.status != 0:
            status = f"stage {name!r}: {res.message}; best found so far"
            break
        # fix this stage's optimum (integral) for the next ones
        value = math.floor(float(c @ res.x) + 0.5)
        constraints.append(LinearConstraint(c[None, :], -np.inf, value + 0.5))
    day = np.full(T, -1, dtype=np.int64)
    persons: list[list[int]] = [[] for _ in range(T)]
    needs: list[list[float]] = [[] for _ in range(T)]
    if n_vars:
        for (t, d), y in y_index.items():
            if solution[y] > 0.5:
                day[t] = d
        for t, p, d, need, x in x_vars:
            if solution[x] > 0.5 and day[t] == d:
                persons[t].append(p)
                needs[t].append(need)
    return _Exact(day, [tuple(p) for p in persons], [tuple(m) for m in needs], status, n_vars)


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Schedule:
    """A revisit schedule: who does which task on which day, and what misses its deadline.

    Attributes
    ----------
    assignments : DataFrame
        One row per person per task: task_id, customer_id, channel, staff_id, role,
        region_cluster, date, minutes (meeting + travel), travel_minutes, deadline, on_time,
        late_days. Sorted by date, staff_id, task_id.
    tasks : DataFrame
        One row per task in input order: task_id, customer_id, channel, priority, urgent,
        release, deadline, date (NaT when unscheduled), on_time, late_days (calendar days,
        ``<NA>`` when unscheduled), unscheduled, staff_ids (";"-joined).
    method : str
        ``"heuristic"`` or ``"exact"``.
    status : str
        How the solver ended: ``"heuristic"``, ``"optimal"``, or a time-limit message.
    capacity : DataFrame
        Minutes each person can work each working day of the window: staff_id, role,
        region_cluster, date, capacity_minutes (their days off and availability applied).
    notes : tuple of str
        Things the planner should know (deadlines outside the window, unknown owners, …).
    """

    assignments: pd.DataFrame
    tasks: pd.DataFrame
    method: str
    status: str
    capacity: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def on_time(self) -> int:
        return int(self.tasks["on_time"].sum())

    @property
    def late(self) -> int:
        return int((~self.tasks["on_time"] & ~self.tasks["unscheduled"]).sum())

    @property
    def unscheduled(self) -> int:
        return int(self.tasks["unscheduled"].sum())

    @property
    def counts(self) -> dict[str, int]:
        """{"on_time": …, "late": …, "unscheduled": …}."""
        return {"on_time": self.on_time, "late": self.late, "unscheduled": self.unscheduled}

    @property
    def score(self) -> tuple[int, int, int, int]:
        """(urgent on time, high on time, on time, placed): how schedules are ranked."""
        tk = self.tasks
        on = tk["on_time"].to_numpy(dtype=bool)
        return (
            int((on & tk["urgent"].to_numpy(dtype=bool)).sum()),
            int((on & (tk["priority"] == "high").to_numpy()).sum()),
            int(on.sum()),
            int((~tk["unscheduled"]).sum()),
        )

    def to_frame(self) -> pd.DataFrame:
        """The schedule as one table (a copy of :attr:`assignments`), as schedule.csv holds it."""
        return self.assignments.copy()

    def workload(self, by: Sequence[str] = ("week", "role")) -> pd.DataFrame:
        """Booked minutes against capacity, grouped.

        Parameters
        ----------
        by : sequence of str
            Any of ``"week"`` (ISO week, e.g. ``2026-W51``), ``"date"``, ``"role"``,
            ``"region_cluster"`` (or ``"cluster"``), ``"staff_id"``.

        Returns
        -------
        DataFrame
            The ``by`` columns, then booked_minutes, capacity_minutes, utilisation
            (booked / capacity; NaN where there is no capacity).
        """
        if isinstance(by, str):
            by = (by,)
        keys = ["region_cluster" if k == "cluster" else k for k in by]
        allowed = ("week", "date", "role", "region_cluster", "staff_id")
        bad = [k for k in keys if k not in allowed]
        if bad or not keys:
            raise ValueError(f"workload by must name some of {allowed}, got {tuple(by)!r}")
        cap = self.capacity.copy()
        booked = self.assignments[["staff_id", "role", "region_cluster", "date", "minutes"]].copy()
        for frame in (cap, booked):
            iso = frame["date"].dt.isocalendar()
            frame["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
        left = cap.groupby(keys, dropna=False)["capacity_minutes"].sum()
        right = booked.groupby(keys, dropna=False)["minutes"].sum()
        out = pd.concat([right.rename("booked_minutes"), left], axis=1).fillna(0.0)
        out = out.sort_index().reset_index()
        with np.errstate(divide="ignore", invalid="ignore"):
            util = out["booked_minutes"] / out["capacity_minutes"].where(
                out["capacity_minutes"] > 0
            )
        out["utilisation"] = util
        return out

    def gaps(self) -> pd.DataFrame:
        """Tasks that miss their deadline: late ones (by how many days) and unscheduled ones.

        Sorted by urgent first, priority, then the longest lateness (unscheduled last).
        """
        tk = self.tasks
        miss = tk[~tk["on_time"]].copy()
        miss["_p"] = miss["priority"].map({p: i for i, p in enumerate(PRIORITIES)})
        miss["_late"] = miss["late_days"].astype("Float64").fillna(np.inf)
        miss = miss.sort_values(["urgent", "_p", "_late", "task_id"],
                                ascending=[False, True, False, True])  # fmt: skip
        cols = ["task_id", "customer_id", "channel", "priority", "urgent", "deadline", "date",
                "late_days", "unscheduled"]  # fmt: skip
        return miss[cols].reset_index(drop=True)


def _build_schedule(
    pb: _Problem,
    tasks: pd.DataFrame,
    day: np.ndarray,
    persons: list[tuple[int, ...]],
    needs: list[tuple[float, ...]],
    method: str,
    status: str,
    notes: Sequence[str],
) -> Schedule:
    T = pb.n_tasks
    tk = tasks.reset_index(drop=True)
    deadline_days = pb.day0 + pb.deadline.astype("timedelta64[D]")
    placed = day >= 0
    date_days = np.where(placed, pb.day0 + np.maximum(day, 0).astype("timedelta64[D]"),
                         np.datetime64("NaT", "D"))  # fmt: skip
    on = placed & (day <= pb.deadline)
    late = np.where(placed, np.maximum(day - pb.deadline, 0), 0)
    late_days = pd.array(np.where(placed, late, 0), dtype="Int64")
    late_days[~placed] = pd.NA

    counts = np.array([len(p) for p in persons], dtype=np.int64)
    t_rep = np.repeat(np.arange(T), counts)
    p_all = np.array([p for ps in persons for p in ps], dtype=np.int64)
    m_all = np.array([m for ms in needs for m in ms], dtype=float)
    tr_all = np.array(
        [pb.travel_minutes_of(t, p) for t, ps in enumerate(persons) for p in ps], dtype=float
    )
    roles = np.array(pb.role_names, dtype=object)
    clusters = np.array([*pb.cluster_names, None, None], dtype=object)  # -2/-1 -> None
    assignments = pd.DataFrame(
        {
            "task_id": pb.task_ids[t_rep],
            "customer_id": tk["customer_id"].to_numpy(dtype=object)[t_rep],
            "channel": tk["channel"].to_numpy(dtype=object)[t_rep],
            "staff_id": pb.staff_ids[p_all],
            "role": roles[pb.staff_role[p_all]] if len(p_all) else np.array([], dtype=object),
            "region_cluster": clusters[pb.staff_cluster[p_all]]
            if len(p_all)
            else np.array([], dtype=object),
            "date": pd.to_datetime(date_days[t_rep]).astype("datetime64[ns]"),
            "minutes": m_all,
            "travel_minutes": tr_all,
            "deadline": pd.to_datetime(deadline_days[t_rep]).astype("datetime64[ns]"),
            "on_time": on[t_rep],
            "late_days": late[t_rep].astype(np.int64),
        }
    )
    assignments = assignments.sort_values(["date", "staff_id", "task_id"], kind="stable")
    assignments = assignments.reset_index(drop=True)

    staff_text = [";".join(pb.staff_ids[list(ps)].tolist()) if ps else "" for ps in persons]
    prio = np.array(PRIORITIES, dtype=object)[pb.priority]
    out_tasks = pd.DataFrame(
        {
            "task_id": pb.task_ids,
            "customer_id": tk["customer_id"].to_numpy(dtype=object),
            "channel": tk["channel"].to_numpy(dtype=object),
            "priority": prio,
            "urgent": pb.urgent.copy(),
            "release": pd.to_datetime(pb.day0 + pb.release.astype("timedelta64[D]")).astype(
                "datetime64[ns]"
            ),
            "deadline": pd.to_datetime(deadline_days).astype("datetime64[ns]"),
            "date": pd.to_datetime(date_days).astype("datetime64[ns]"),
            "on_time": on,
            "late_days": late_days,
            "unscheduled": ~placed,
            "staff_ids": np.array(staff_text, dtype=object),
        }
    )
    return Schedule(
        assignments=assignments,
        tasks=out_tasks,
        method=method,
        status=status,
        capacity=_capacity_frame(pb),
        notes=tuple(notes),
    )


def _capacity_frame(pb: _Problem) -> pd.DataFrame:
    S, D = pb.cap.shape
    work = np.flatnonzero(pb.working)
    roles = np.array(pb.role_names, dtype=object)
    clusters = np.array([*pb.cluster_names, None, None], dtype=object)
    cap = np.maximum(pb.cap[:, work], 0.0)
    dates = pd.to_datetime(pb.day0 + work.astype("timedelta64[D]")).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "staff_id": np.repeat(pb.staff_ids, len(work)),
            "role": np.repeat(roles[pb.staff_role], len(work)),
            "region_cluster": np.repeat(clusters[pb.staff_cluster], len(work)),
            "date": np.tile(dates.to_numpy(), S),
            "capacity_minutes": cap.ravel(),
        }
    )


# --------------------------------------------------------------------------------------------
# the solver object


class Scheduler:
    """Schedule revisit tasks onto named staff and working days.

    Parameters
    ----------
    tasks : DataFrame
        One row per task: task_id (unique), customer_id, channel, roles (a tuple of role codes,
        one person per entry, all on the same day), minutes (per person, without travel),
        release, deadline (dates); optional with defaults: priority ("medium"), urgent (False:
        a churn warning, scheduled first), travel (False: on site, so each person also
        travels), customer_region, customer_cluster, owner (staff_id, preferred), predecessor
        (task_id) and follow_up_within_days (calendar days).
    roster : DataFrame
        One row per person: staff_id (unique), role, hours_per_day; optional region,
        region_cluster, available_from / available_to (NaT = open), days_off (dates).
    calendar : WorkingCalendar
        The Chinese working calendar (weekends, holidays, 调休 working days).
    start, end : date
        The execution window, both included.
    settings : SchedulerSettings

    Raises
    ------
    ValueError
        A missing column (named), a bad value (named with its task or staff member), a
        predecessor cycle, or roles no one on the roster has (with the task count per role).

    Attributes
    ----------
    notes : tuple of str
        Reported, not fatal: deadlines outside the window, owners not on the roster.
    """

    def __init__(
        self,
        tasks: pd.DataFrame,
        roster: pd.DataFrame,
        calendar: Any,
        start: date,
        end: date,
        settings: SchedulerSettings,
    ) -> None:
        self._problem, notes = _compile(tasks, roster, calendar, start, end, settings)
        self._tasks = tasks.reset_index(drop=True)
        self.settings = settings
        self.start = self._problem.start
        self.end = _day(end, "end")
        self.notes = tuple(notes)

    @property
    def n_variables(self) -> int:
        """An upper bound of the exact model's binary variables."""
        return _count_variables(self._problem)

    def solve(self, method: str = "auto", *, reserve: bool = False) -> Schedule:
        """Build the schedule.

        Parameters
        ----------
        reserve : bool
            Also book the reserve pool (``settings.reserve_share`` of each role's capacity per
            region cluster and day, held by people with ids ``reserve:<role>:<cluster>-<n>``),
            as a manager would when calling it in: what the +30% buys.
        method : {"auto", "heuristic", "exact"}
            ``"heuristic"``: list scheduling and repair (deterministic, any size).
            ``"exact"``: :meth:`solve_exact`. ``"auto"``: the heuristic; when some task that
            could be on time is not and the exact model is small
            (``settings.exact_max_variables``), the exact model is solved too (within
            ``settings.exact_time_limit``) and its schedule kept if it ranks strictly higher
            (urgent, high, all on time, placed).
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        pb = self._problem
        if reserve and self.settings.reserve_share > 0:
            pb, _ = _with_reserve(pb, self.settings.reserve_share, _person_day_hours(pb, None))
        if method == "exact":
            return self._exact(pb, None, True)
        st = _heuristic(pb, self.settings.repair_budget)
        heuristic = _build_schedule(pb, self._tasks, st.day, st.persons, st.needs,
                                    "heuristic", "heuristic", self.notes)  # fmt: skip
        if method == "heuristic" or _count_variables(pb) > self.settings.exact_max_variables:
            return heuristic
        possible = _can_be_on_time(pb)
        best = _score(pb, possible, possible)[:3]
        if heuristic.score[:3] == best:
            return heuristic  # every task that can be on time is: nothing to gain
        exact = self._exact(pb, None, False)
        return exact if exact.score > heuristic.score else heuristic

    def solve_exact(self, time_limit: float | None = None, earliest: bool = True) -> Schedule:
        """The best schedule by the ranking (urgent, high, all on time, placed, earliest days),
        from an integer model solved stage by stage with HiGHS (``scipy.optimize.milp``).

        Binary y[t, d] (task t on day d) and x[t, p, d] (person p on it); each role's count of
        people equals the team's need times y; one day per task at most; each person's minutes
        (meeting + travel) within their day; x exists only where the person is available and
        the day is a working day on or after the release; a follow-up needs its predecessor in
        the N days before. Each stage maximises one term of the ranking and fixes its optimum.

        Parameters
        ----------
        time_limit : float, optional
            Seconds for all stages together; default ``settings.exact_time_limit``. When it
            runs out, the best schedule found so far is returned and :attr:`Schedule.status`
            says so.
        earliest : bool
            Whether to run the last stage (earliest days among the best schedules). It is
            by far the slowest stage; ``solve(method="auto")`` leaves it out.
        """
        return self._exact(self._problem, time_limit, earliest)

    def _exact(self, pb: _Problem, time_limit: float | None, earliest: bool) -> Schedule:
        limit = self.settings.exact_time_limit if time_limit is None else time_limit
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
            raise ValueError(f"time_limit must be a positive number of seconds, got {limit!r}")
        result = _exact(pb, float(limit), earliest)
        return _build_schedule(pb, self._tasks, result.day, result.persons,
                               result.needs, "exact", result.status, self.notes)  # fmt: skip


# --------------------------------------------------------------------------------------------
# capacity gap and reserve pool


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
    base = _build_schedule(pb, tasks, base_state.day, base_state.persons, base_state.needs,
                           "heuristic", "heuristic", notes)  # fmt: skip
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
        ),  # fmt: skip
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
        return _heuristic(pb, self.budget), pb

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
        np.array(cost), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=np.ones(n_eq),
        bounds=(0, None), method="highs",
    )  # fmt: skip
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
