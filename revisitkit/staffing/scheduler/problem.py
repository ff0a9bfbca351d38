"""The compiled problem: tasks, staff and days as integer-coded numpy arrays.

:func:`_compile` checks the task and roster frames (every bad value named with its task or
staff member) and builds a :class:`_Problem` once; the heuristic, the exact model and the
capacity gap all work on it. The follow-up chains (:func:`_chain`, :func:`_depth`, …) and the
ranking of schedules (:func:`_score`) are questions about the problem, asked by several of
them, and live here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import TIERS
from revisitkit.staffing.scheduler.settings import TRAVEL_CLASSES, SchedulerSettings

PRIORITIES = TIERS  # the codes 0–2 used inside are positions in this tuple

_TASK_REQUIRED = ("task_id", "customer_id", "channel", "roles", "minutes", "release", "deadline")
_TASK_OPTIONAL = {
    "priority": "medium",
    "urgent": False,
    "travel": False,
    "customer_region": None,
    "customer_cluster": None,
    "owner": None,
    "assignee": None,
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
    target: float | None = None  # levelling: share of a person's week booked first (None: off)
    # int[S]: 0 on the roster, 1 reserve pool, 2 extra people of the gap (None: 2 if virtual);
    # inside a role's slice the roster comes first, then the reserve, then the extra people
    staff_tier: np.ndarray | None = None
    travel_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_tasks(self) -> int:
        return len(self.task_ids)

    @cached_property
    def week(self) -> np.ndarray:
        """int[D]: the ISO week of each day, 0 for the window's first (Monday to Sunday)."""
        weekday = (int(self.day0.astype(np.int64)) + 3) % 7  # 1970-01-01 was a Thursday
        return (np.arange(self.n_days) + weekday) // 7

    @cached_property
    def week_cap(self) -> np.ndarray:
        """float[S, W]: each person's minutes per week (working days they are available)."""
        out = np.zeros((self.n_staff, int(self.week[-1]) + 1 if self.n_days else 0))
        np.add.at(out.T, self.week, np.maximum(self.cap, 0.0).T)
        return out

    @cached_property
    def has_virtual(self) -> bool:
        return bool(self.staff_virtual.any())

    @cached_property
    def tiers(self) -> np.ndarray:
        """int[S]: 0 on the roster, 1 the reserve pool, 2 extra people (gap analysis)."""
        if self.staff_tier is not None:
            return self.staff_tier
        return np.where(self.staff_virtual, 2, 0).astype(np.int64)

    @cached_property
    def tier_levels(self) -> list[int]:
        """The tiers present, lowest first: a task is booked on the lowest that fits."""
        return sorted({int(x) for x in np.unique(self.tiers)})

    @cached_property
    def tier_end(self) -> list[dict[int, int]]:
        """Per role: for each tier, where the people of that tier or a lower one end in the
        role's slice (the roster first, then the reserve, then extra people)."""
        out = []
        for a, b in self.role_slice:
            ends = {}
            for tier in (0, 1, 2):
                above = np.flatnonzero(self.tiers[a:b] > tier)
                ends[tier] = a + int(above[0]) if len(above) else b
            out.append(ends)
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

    def with_extra_staff(
        self, role: int, cluster: int, caps: np.ndarray, label: str, tier: int = 2
    ) -> _Problem:
        """A copy with extra (virtual) people of ``role`` in ``cluster``: one row of ``caps``
        (minutes per day, _UNAVAILABLE for none) per person; their region matches no one.
        ``tier`` 1 is the reserve pool, 2 extra people (booked only when no one else fits)."""
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
            staff_tier=ins(self.tiers, np.full(n, tier, dtype=np.int64)),
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


def _unique_ids(values: pd.Series, what: str) -> np.ndarray:
    """The ids as text; every one given and none twice, or a ValueError naming them."""
    ids = _text(values)
    if any(i is None for i in ids):
        raise ValueError(
            f"{what} is missing at row position(s) {[k for k, i in enumerate(ids) if i is None][:5]}"
        )
    dup = pd.Series(ids).duplicated(keep=False)
    if dup.any():
        raise ValueError(f"{what} must be unique; repeated: {sorted(set(ids[dup]))[:10]}")
    return ids


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
    sid = _unique_ids(staff["staff_id"], "roster staff_id")
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
    tid = _unique_ids(tk["task_id"], "tasks task_id")
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
    # a task with an assignee (a dedicated specialist, the account owner's own call) is done
    # by that person: their role's part of the team narrows to them
    assignees = _text(col["assignee"])
    unknown_assignee = 0
    for i, a in enumerate(assignees):
        if not a:
            continue
        p = index_of_staff.get(a, -1)
        if p < 0:
            unknown_assignee += 1
            continue
        r = int(s_role[order][p])
        team[i] = tuple(
            (rr, p, p + 1, 1) if rr == r and k == 1 else (rr, x, y, k) for rr, x, y, k in team[i]
        )
    if unknown_assignee:
        notes.append(f"{unknown_assignee} task(s) name an assignee who is not on the roster")
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
        target=settings.target_utilisation,
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
# follow-up chains and the ranking


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


def _score(pb: _Problem, on: np.ndarray, placed: np.ndarray) -> tuple[int, int, int, int]:
    """(urgent on time, high on time, on time, placed): the order schedules are ranked in."""
    return (
        int((on & pb.urgent).sum()),
        int((on & (pb.priority == 0)).sum()),
        int(on.sum()),
        int(placed.sum()),
    )
