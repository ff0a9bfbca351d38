"""Times in the day: a start and an end for every staffed booking (issue 19, item 7).

The scheduler fixes the day and the people; :func:`time_bookings` then sets the hours, the
way a team lead would fill in a day planner (``staffing.workday`` of the config: the day's
start, the lunch break):

* work is counted in *work minutes* from the day's start, the lunch hour left out, so a
  person with 7 hours from 09:00 works 7 hours and takes an hour for lunch;
* a day of one's own bookings alone runs in task order from the start, lunch taken at the
  edge of the booking nearest 12:00, at most an hour away (so no minute of the person's hours
  is lost to it; with no edge that near, a long call runs through lunch);
* on a team day, bookings with travel or more than one person go first: the team that can
  meet soonest next; should that run someone's day over, the day's teams take turns instead
  (an edge colouring: no one twice in a turn). A team meets the customer at the latest time
  every member can make, each leaving half their round-trip travel ahead and coming back in
  the other half; the other bookings fill the gaps, longest first; lunch is at its time (a
  visit may run through it) or at the nearest edge that does not move a meeting;
* a day can run past the person's hours only where a team waits for a colleague who
  travels further and nothing else fills the wait: such days are counted
  (:attr:`TimedBookings.overruns`), never hidden.

Deterministic: the same bookings give the same times.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TimedBookings", "WorkdayClock", "time_bookings"]


@dataclass(frozen=True)
class WorkdayClock:
    """The day's start and lunch break, in minutes after midnight."""

    start: int = 9 * 60
    lunch_start: int = 12 * 60
    lunch_end: int = 13 * 60
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_config(cls, config) -> WorkdayClock:
        w = config.staffing.workday
        lo, hi = w.lunch_minutes
        return cls(w.start_minutes, lo, hi, w.timezone)

    @property
    def morning(self) -> int:
        """Work minutes before lunch."""
        return self.lunch_start - self.start

    @property
    def lunch(self) -> int:
        """Minutes of the lunch break."""
        return self.lunch_end - self.lunch_start

    def clock(self, work: float, *, end: bool = False, lunch_at: float | None = None) -> int:
        """Minutes after midnight of a point *work* minutes into the day, the lunch break
        taken *lunch_at* work minutes in (default: at its time). A point exactly at lunch is
        the lunch's start as an end and its end as a start."""
        w = int(round(work))
        at = self.morning if lunch_at is None else int(round(lunch_at))
        if w < at or (end and w == at):
            return self.start + w
        return self.start + w + self.lunch


@dataclass(frozen=True)
class TimedBookings:
    """Bookings with times (see :func:`time_bookings`).

    Attributes
    ----------
    bookings : DataFrame
        The bookings as given, plus ``start``, ``end`` and ``meeting`` (Timestamps, local time
        of the config's ``staffing.workday.timezone``; NaT where the booking has no day or
        person): ``meeting`` is when the contact itself begins, after half the person's
        travel (rounded down) — the same for every member of a team.
    overruns : DataFrame
        Person-days whose last booking ends past their hours: staff_id, date, minutes_over.
    """

    bookings: pd.DataFrame
    overruns: pd.DataFrame


def time_bookings(
    bookings: pd.DataFrame,
    capacity: pd.DataFrame,
    clock: WorkdayClock,
    default_minutes: float = 420.0,
) -> TimedBookings:
    """Set a start and an end time on each booking.

    Parameters
    ----------
    bookings : DataFrame
        One row per person per task: task_id, staff_id, date, minutes (their whole time,
        travel included) and travel_minutes (round trip), as
        :meth:`revisitkit.staffing.StaffingPlan.assignments` gives them.
    capacity : DataFrame
        staff_id, date, capacity_minutes: each person's hours that day
        (:attr:`revisitkit.staffing.scheduler.Schedule.capacity`).
    clock : WorkdayClock
    default_minutes : float
        A person's minutes on a day *capacity* has no row for (a booking outside the
        scheduling window, such as the webinar): their most on any day of *capacity*, else
        this (``staffing.default_hours_per_day`` × 60).

    Examples
    --------
    One person with 7 hours (420 work minutes), on Wed 16 Dec 2026: a 105-minute visit with
    90 minutes of travel, and two calls of 35 and 150 minutes. The visit goes first: out at
    09:00 (45 min), with the customer 09:45–11:30, back by 12:15 — through lunch, so 13:15.
    The calls fill what is left, longest first: 150 min from 13:15 to 15:45, 35 min to 16:20.

    >>> b = pd.DataFrame({"task_id": ["V", "A", "B"], "staff_id": "S1",
    ...     "date": pd.Timestamp("2026-12-16"), "minutes": [195.0, 35.0, 150.0],
    ...     "travel_minutes": [90.0, 0.0, 0.0]})
    >>> cap = pd.DataFrame({"staff_id": ["S1"], "date": [pd.Timestamp("2026-12-16")],
    ...     "capacity_minutes": [420.0]})
    >>> t = time_bookings(b, cap, WorkdayClock()).bookings
    >>> [f"{r.task_id} {r.start:%H:%M}–{r.end:%H:%M}" for r in t.itertuples()]
    ['V 09:00–13:15', 'A 15:45–16:20', 'B 13:15–15:45']
    """
    out = bookings.copy()
    n = len(out)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    lunch = np.full(n, float(clock.morning))
    over_rows: list[tuple[str, pd.Timestamp, float]] = []
    if n:
        hours = {
            (str(s), pd.Timestamp(d).normalize()): float(m)
            for s, d, m in zip(
                capacity["staff_id"], capacity["date"], capacity["capacity_minutes"], strict=False
            )
        }
        most: dict[str, float] = {}
        for (s, _), m in hours.items():
            most[s] = max(most.get(s, 0.0), m)
        staff = out["staff_id"].astype(str).to_numpy()
        dates = pd.to_datetime(out["date"]).dt.normalize().to_numpy()
        valid = ~pd.isna(dates) & (staff != "") & out["staff_id"].notna().to_numpy()
        minutes = np.ceil(out["minutes"].astype(float).fillna(0).to_numpy() - 1e-9)
        travel = np.ceil(out["travel_minutes"].astype(float).fillna(0).to_numpy() - 1e-9)
        task_ids = out["task_id"].astype(str).to_numpy()
        frame = pd.DataFrame({"i": np.flatnonzero(valid), "d": dates[valid]})
        for day, part in frame.groupby("d", sort=True):
            when = pd.Timestamp(day)
            ix = part["i"].to_numpy()
            day_hours = {
                s: hours.get((s, when), most.get(s, float(default_minutes)))
                for s in set(staff[ix].tolist())
            }
            best = None
            for attempt in range(_ATTEMPTS):  # a team day that runs over: other orders
                work, lunch_at = _time_day(
                    ix, staff, task_ids, minutes, travel, clock.morning, attempt
                )
                over = _overruns(work, staff, day_hours)
                if best is None or sum(over.values()) < sum(best[2].values()):
                    best = (work, lunch_at, over)
                if not best[2] or not (travel[ix] > 0).any():
                    break
            work, lunch_at, over = best
            for i, (a, b) in work.items():
                start[i], end[i] = a, b
                lunch[i] = lunch_at.get(staff[i], clock.morning)
            over_rows += [(s, when, m) for s, m in sorted(over.items())]
        day0 = pd.to_datetime(out["date"]).dt.normalize()
        start_clock = [
            np.nan if math.isnan(v) else clock.clock(v, lunch_at=at)
            for v, at in zip(start, lunch, strict=True)
        ]
        # a booking of no minutes at the lunch edge ends where it starts, never before
        end_clock = [
            np.nan if math.isnan(v) else max(clock.clock(v, end=True, lunch_at=at), begin)
            for v, at, begin in zip(end, lunch, start_clock, strict=True)
        ]
        meet_clock = [
            np.nan if math.isnan(v) else clock.clock(v + tr // 2, lunch_at=at)
            for v, tr, at in zip(start, travel, lunch, strict=True)
        ]
        out["start"] = day0 + pd.to_timedelta(start_clock, unit="min")
        out["end"] = day0 + pd.to_timedelta(end_clock, unit="min")
        out["meeting"] = day0 + pd.to_timedelta(meet_clock, unit="min")
    else:
        for col in ("start", "end", "meeting"):
            out[col] = pd.Series([], dtype="datetime64[ns]")
    overruns = pd.DataFrame(over_rows, columns=["staff_id", "date", "minutes_over"])
    return TimedBookings(out, overruns)


#: Timings tried for a team day that runs past someone's hours: soonest team first, then
#: turns in the teams' own order, then turns in a seeded shuffle of it.
_ATTEMPTS = 3


def _overruns(
    work: dict[int, tuple[float, float]], staff: np.ndarray, hours: dict[str, float]
) -> dict[str, float]:
    """Minutes past their hours of each person whose day runs over."""
    last: dict[str, float] = {}
    for i, (_, b) in work.items():
        last[staff[i]] = max(last.get(staff[i], 0.0), b)
    return {s: v - hours[s] for s, v in last.items() if v > hours.get(s, math.inf) + 1e-6}


#: Most minutes the lunch break moves from its time to meet a booking's edge.
_LUNCH_MOVE = 60

#: Most backtracking steps of one day's turn colouring before a turn is added.
_COLOUR_STEPS = 5_000


def _turns(order: list[str], members: dict[str, list[str]]) -> dict[str, int]:
    """A turn per team booking, no person twice in a turn: each group of bookings linked by
    shared people coloured on its own, with as few turns as the search finds (from the most
    bookings any one of its people has)."""
    parent: dict[str, str] = {}

    def root(p: str) -> str:
        while parent.setdefault(p, p) != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for t in order:
        first, *rest = members[t]
        for p in rest:
            parent[root(p)] = root(first)
    groups: dict[str, list[str]] = {}
    for t in order:
        groups.setdefault(root(members[t][0]), []).append(t)
    turn: dict[str, int] = {}
    for group in groups.values():
        turn.update(_colour(group, members))
    return turn


def _colour(order: list[str], members: dict[str, list[str]]) -> dict[str, int]:
    count: dict[str, int] = {}
    for t in order:
        for p in members[t]:
            count[p] = count.get(p, 0) + 1
    k = max(count.values())
    while True:
        used: dict[str, set[int]] = {}
        turn: dict[str, int] = {}
        steps, j, tried = 0, 0, [0] * len(order)  # tried[j]: next turn to try at j
        while 0 <= j < len(order) and steps <= _COLOUR_STEPS:
            steps += 1
            t = order[j]
            if t in turn:  # backtracked into: undo and try the next turn
                undone = turn.pop(t)
                for p in members[t]:
                    used[p].discard(undone)
            taken = set().union(*(used.get(p, set()) for p in members[t]))
            c = next((c for c in range(tried[j], k) if c not in taken), None)
            if c is None:
                tried[j] = 0
                j -= 1
                continue
            turn[t], tried[j] = c, c + 1
            for p in members[t]:
                used.setdefault(p, set()).add(c)
            j += 1
        if j == len(order):
            return turn
        k += 1


def _time_day(
    rows: np.ndarray,
    staff: np.ndarray,
    task_ids: np.ndarray,
    minutes: np.ndarray,
    travel: np.ndarray,
    morning: int,
    attempt: int = 0,
) -> tuple[dict[int, tuple[float, float]], dict[str, float]]:
    """Work-minute (start, end) of each booking row of one day, and the work minute each
    person's lunch starts (on a day of calls alone it moves to the nearest booking's edge)."""
    by_task: dict[str, list[int]] = {}
    for i in rows.tolist():
        by_task.setdefault(task_ids[i], []).append(i)
    by_task_size = {t: len(ix) for t, ix in by_task.items()}
    free: dict[str, list[list[float]]] = {}  # person -> free intervals [a, b), sorted
    out: dict[int, tuple[float, float]] = {}

    def take(person: str, a: float, b: float) -> None:
        spans = free.setdefault(person, [[0.0, math.inf]])
        for k, (lo, hi) in enumerate(spans):
            if lo <= a and b <= hi:
                pieces = [p for p in ([lo, a], [b, hi]) if p[1] > p[0]]
                spans[k : k + 1] = pieces
                return
        raise AssertionError("booked over a busy interval")  # pragma: no cover

    # together first, in one of two ways. Attempt 0: the team that can meet soonest goes
    # next (list scheduling in time). Later attempts: each team gets a turn (1st, 2nd, …
    # booking of its members' day) so that no one has two in one turn, an edge colouring of
    # the teams found by backtracking (directors with two visits and the consultant–manager
    # pairs they share always colour in two), the teams in another seeded order each time.
    # Either way a team meets at the latest time every member can make.
    together = [t for t, ix in by_task.items() if len(ix) > 1 or any(travel[i] > 0 for i in ix)]
    order = sorted(together, key=lambda t: (-len(by_task[t]), t))
    rank = {t: k for k, t in enumerate(order)}

    def meet_of(t: str) -> float:
        return max(
            free.setdefault(staff[i], [[0.0, math.inf]])[-1][0] + travel[i] // 2 for i in by_task[t]
        )

    def book(t: str, meet: float) -> None:
        for i in by_task[t]:
            out_, back = travel[i] // 2, travel[i] - travel[i] // 2
            lo, hi = meet - out_, meet + (minutes[i] - travel[i]) + back
            take(staff[i], lo, hi)
            out[i] = (lo, hi)

    if attempt == 0:
        heap = [(meet_of(t), rank[t], t) for t in order]
        heapq.heapify(heap)
        while heap:
            meet, k, t = heapq.heappop(heap)
            now = meet_of(t)
            if now > meet:  # a member got busier since: back in line at the new time
                heapq.heappush(heap, (now, k, t))
                continue
            book(t, now)
    else:
        if attempt > 1:
            shuffle = np.random.default_rng(attempt - 1).permutation(len(order)).tolist()
            order = [order[k] for k in shuffle]
            rank = {t: k for k, t in enumerate(order)}
        turn = _turns(order, {t: [staff[i] for i in by_task[t]] for t in order})
        for t in sorted(order, key=lambda t: (turn[t], rank[t])):
            book(t, meet_of(t))
    # the rest: on a day of one's own bookings alone, one after the other in task order;
    # on a team day, longest first into the earliest gap that holds them
    done = set(together)
    alone = [i for t, ix in by_task.items() if t not in done for i in ix]
    own: dict[str, list[int]] = {}
    for i in alone:
        own.setdefault(staff[i], []).append(i)
    for person in sorted(own):
        if person not in free:
            cursor = 0.0
            for i in sorted(own[person], key=lambda i: task_ids[i]):
                out[i] = (cursor, cursor + minutes[i])
                cursor += minutes[i]
            continue
        spans = free[person]
        for i in sorted(own[person], key=lambda i: (-minutes[i], task_ids[i])):
            at = next(lo for lo, hi in spans if lo + minutes[i] <= hi)
            take(person, at, at + minutes[i])
            out[i] = (at, at + minutes[i])
    # lunch: at the booking edge nearest its time (the later of two as near), so no minute is
    # lost to the break; never
    # inside a call; and never moved across a team's meeting, which every member must see
    # at the same hour (a visit may run through lunch at its time)
    lunch_at: dict[str, float] = {}
    mine: dict[str, list[int]] = {}
    for i in out:
        mine.setdefault(staff[i], []).append(i)
    for person, ix in mine.items():
        meets = [out[i][0] + travel[i] // 2 for i in ix if by_task_size[task_ids[i]] > 1]
        edges = {float(morning)} | {v for i in ix for v in out[i]}

        def fits(w: float, ix: list[int] = ix, meets: list[float] = meets) -> bool:
            lo, hi = min(w, morning), max(w, morning)
            if any(lo <= m < hi for m in meets):
                return False
            for i in ix:
                a, b = out[i]
                if a < w < b and not (
                    w == morning and (travel[i] > 0 or by_task_size[task_ids[i]] > 1)
                ):
                    return False
            return True

        # lunch moves at most an hour from its time (_LUNCH_MOVE); else it stays there
        ok = [w for w in edges if abs(w - morning) <= _LUNCH_MOVE and fits(w)]
        lunch_at[person] = min(ok, key=lambda w: (abs(w - morning), -w)) if ok else float(morning)
    return out, lunch_at
