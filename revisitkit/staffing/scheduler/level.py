"""Levelling: each person's week kept at or under the target utilisation where deadlines allow.

Real teams keep a buffer (§4.2, §7.3): a plan that books everyone at 100% for the first two
weeks breaks at the first sick day, while the same people sit idle in January. The list
schedule books every task on the earliest day its team is free; :func:`_level` then takes the
tasks of each person-week booked above ``_Problem.target`` of that person's minutes, latest
deadline first, and moves each to another week where its whole team still fits within the
target of their own weeks, on a working day in its window and on or before its deadline.

A move never changes a task's status: an on-time task stays on time (late ones are not moved)
and no task is taken off the schedule, so the ranking (urgent, high, on time, placed) is the
same before and after. No move puts anyone's week above the target, so what is still above it
afterwards is what some deadline needs; :meth:`Schedule.weeks_above_target` names those
person-weeks. Deterministic: weeks in date order; in a week, the tasks with the latest deadline and the
lowest priority move first, from the end of the week, then by team size and task_id.
"""

from __future__ import annotations

import numpy as np

from revisitkit.staffing.scheduler.problem import _EPS
from revisitkit.staffing.scheduler.state import _State

#: A bound on the passes over the weeks (each pass that moves something lowers the minutes
#: above the target; on the sample and the benchmarks two or three passes end it).
_MAX_PASSES = 50


def _level(st: _State) -> int:
    """Move tasks out of person-weeks above the target (in place); returns how many moved."""
    pb = st.pb
    if pb.target is None or st.wrem is None or not pb.n_tasks:
        return 0
    id_rank = np.argsort(np.argsort(pb.task_ids.astype(str), kind="stable"), kind="stable")
    moved = 0
    # passes until nothing moves: a move out of a later week can leave room an earlier
    # week's task could use; every move lowers the minutes above the target, so it ends
    for _ in range(_MAX_PASSES):
        n = _pass(st, id_rank)
        moved += n
        if not n:
            break
    return moved


def _pass(st: _State, id_rank: np.ndarray) -> int:
    pb = st.pb
    D = pb.n_days
    week = pb.week
    moved = 0
    for w in range(st.wrem.shape[1]):
        over = np.flatnonzero(st.wrem[:, w] < -_EPS)
        if not len(over):
            continue
        days = np.flatnonzero(week == w)
        tasks: set[int] = set()
        for p in over.tolist():
            for d in days.tolist():
                tasks.update(st.on_day.get(p * D + d, ()))
        # the most slack first: the latest deadline, the lowest priority; then the end of
        # the week (the buffer is kept at its end), the smallest team, task_id
        ordered = sorted(
            tasks,
            key=lambda t: (
                -pb.deadline[t],
                -pb.priority[t],
                -st.day[t],
                pb.team_size[t],
                id_rank[t],
            ),
        )
        for t in ordered:
            if not any(st.wrem[p, w] < -_EPS for p in st.persons[t]):
                continue  # its people's week came under the target already
            if st.day[t] > pb.deadline[t]:
                continue  # late tasks keep their day: the earliest one after the deadline
            if _move(st, t, w):
                moved += 1
    return moved


def _move(st: _State, t: int, w: int) -> bool:
    """Book t in another week than w, within everyone's target, on time; or leave it."""
    pb = st.pb
    old = st.unbook(t)
    lo, hi = pb.window(t, st.day)
    hi = min(hi, int(pb.deadline[t]))
    d = -1
    if lo <= hi:
        st.soft = True
        elsewhere = pb.week[lo : hi + 1] != w
        upto = 0 if pb.has_virtual else None  # no reserve people for a move: roster only
        if pb.travel[t]:
            cost = np.where(elsewhere, st.travel_cost(t, lo, hi, upto=upto), np.inf)
            if np.isfinite(cost).any():
                d = lo + int(np.argmin(cost))  # the least travel, the earliest of those
        else:
            ok = st.feasible_days(t, lo, hi, upto=upto) & elsewhere
            if ok.any():
                d = lo + int(np.argmax(ok))
        if d >= 0:
            team = st.teams(t, d)
            d = d if team and team[0][0] else -1
        if d >= 0:
            st.book(t, d, *team[0])
        st.soft = False
    if d < 0:
        st.book(t, *old)
        return False
    return True
