"""The repair pass of the heuristic: late and unscheduled tasks brought on time.

:class:`_Search` takes a list schedule (:func:`~revisitkit.staffing.scheduler.heuristic._greedy`)
and, task by task in scheduling order, tries moves that bring a task not on time on time by
moving what is in its way; a move is kept only when the ranking goes up. Trials are counted,
not timed, so the result never depends on the machine's speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from revisitkit.staffing.scheduler.problem import (
    _EPS,
    _chain,
    _depth,
    _descendants,
    _Problem,
    _with_follow_ups,
)
from revisitkit.staffing.scheduler.state import _State

#: Small instances: promotion (:func:`~revisitkit.staffing.scheduler.heuristic._heuristic`
#: rebuilds the whole schedule once per task not on time) and alternative teams in a move.
_PROMOTE_MAX_TASKS = 500
#: Repair trials per task not on time and pass (small instances never need more than ~35).
_TASK_TRIALS = 64
#: Ejection chains: a task takes another's place, which takes a third's, …
_CHAIN_DEPTH = 3
#: Most tasks taken off one day and rebuilt together.
_REBUILD_MAX = 12


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
        for a, b, k, need, free in st.free_by_role(t, d):
            count = int(np.count_nonzero(free))
            if count < k:
                if k - count > 1:
                    return []  # one task off the day frees at most one person per role here
                short.append((a, need, st.rem[a:b, d]))
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
        freed: dict[int, float] = {}
        for s in ejected:
            if st.day[s] == d:
                for p, m in zip(st.persons[s], st.needs[s], strict=True):
                    freed[p] = freed.get(p, 0.0) + m
        for a, b, k, need, free in st.free_by_role(t, d):
            count = int(np.count_nonzero(free))
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
