"""The heuristic: list scheduling, then a repair pass.

:func:`_heuristic` books the tasks in scheduling order (:func:`_order`: urgent first, then
deadline, priority, team size) on the earliest day their team is free (a task with travel: the
on-time day its best team travels least), those that cannot be on time in a second pass, and
then repairs (:class:`_Search`): late and unscheduled tasks are brought on time by moving what
is in their way. :class:`_State` is the schedule being built, with transactions that are kept
only when the ranking goes up. Deterministic: repair trials are counted, not timed. The
capacity gap re-runs it with extra people.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from revisitkit.staffing.scheduler.problem import (
    _EPS,
    _chain,
    _depth,
    _descendants,
    _Problem,
    _score,
    _with_follow_ups,
)


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
