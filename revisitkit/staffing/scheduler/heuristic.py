"""The heuristic: list scheduling, then a repair pass.

:func:`_heuristic` books the tasks in scheduling order (:func:`_order`: urgent first, then
deadline, priority, team size, the longer meeting first — and, when that leaves a task late,
also the shorter first, keeping the better list) on the earliest day their team is free (a task with travel: the
on-time day its best team travels least), those that cannot be on time in a second pass, and
then repairs (:class:`~revisitkit.staffing.scheduler.repair._Search`): late and unscheduled
tasks are brought on time by moving what is in their way. Last, levelling
(:mod:`~revisitkit.staffing.scheduler.level`) moves work out of person-weeks above the target
utilisation where deadlines allow.
:class:`~revisitkit.staffing.scheduler.state._State` is the schedule being built, with
transactions that are kept only when the ranking goes up. Deterministic: repair trials are
counted, not timed. The capacity gap re-runs it with extra people.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from revisitkit.staffing.scheduler.level import _level
from revisitkit.staffing.scheduler.problem import _Problem
from revisitkit.staffing.scheduler.repair import _PROMOTE_MAX_TASKS, _Search
from revisitkit.staffing.scheduler.state import _State


def _order(pb: _Problem, shortest_first: bool = False) -> np.ndarray:
    """Task indices in scheduling order: urgent first, then (effective) deadline, priority,
    larger team, longer meeting (``shortest_first``: shorter meeting), task_id. A predecessor
    inherits its follow-ups' urgency and a deadline one day before theirs, so that the chain
    starts in time."""
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
    minutes = pb.minutes if shortest_first else -pb.minutes
    return np.lexsort((id_rank, minutes, -pb.team_size, pb.priority, eff, ~urgent))


def _heuristic(pb: _Problem, budget: int | None, level: bool = True) -> _State:
    """List scheduling, then repair; on small instances also promotion: each task still not
    on time is put first in the order (with the tasks it follows), the whole schedule is
    rebuilt and repaired, and the rebuild is kept when it ranks higher. Then, with
    ``level`` and a target (``pb.target``), levelling (:func:`_level`), which never changes
    the ranking."""
    best = _build(pb, budget)
    if level:
        _level(best)
    return best


def _build(pb: _Problem, budget: int | None) -> _State:
    if budget is None:
        budget = 1_000 + pb.n_tasks // 2
    search = _Search(pb, _order(pb), budget)
    best = _greedy(pb, search.order)
    if not all(best.on_time(t) for t in range(pb.n_tasks)):
        # Longest meeting first packs the days best when everything fits; when it does not,
        # shortest first puts more of the tasks that rank alike on time (600 churn warnings
        # on 5 agents: 165 on time longest first, 415 shortest first). Both orders are
        # tried and the better list schedule is repaired.
        other = _Search(pb, _order(pb, shortest_first=True), budget)
        st = _greedy(pb, other.order)
        if st.score() > best.score():
            best, search = st, other
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
    leaves each follow-up a free day on time in its window (if there is such a day). Days
    with a roster team come first, then with the reserve, then with extra people (the gap
    analysis), as in :meth:`_State.place`."""
    pb = st.pb
    if not pb.followers[t] or lo > hi:
        return st.place(t, lo, hi)
    levels = pb.tier_levels
    fallback = None
    tried: set[int] = set()  # days whose follow-ups had no room: no better with more people
    for upto in [*levels[:-1], None]:
        ok = st.feasible_days(t, lo, hi, upto=upto)
        days = (lo + np.flatnonzero(ok)).tolist()
        for d in days:
            if d in tried:
                continue
            tried.add(d)
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
        if days and fallback is None:
            fallback = days[0]
    if fallback is not None:
        st.book(t, fallback, *st.teams(t, fallback)[0])
        return True
    return False
