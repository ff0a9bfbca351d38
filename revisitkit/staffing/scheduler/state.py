"""The schedule being built by the heuristic, with transactions.

:class:`_State` keeps the remaining minutes of each person and day and who does which task on
which day; it finds free days and teams, books and unbooks tasks, and groups changes in a
transaction that is kept only when the ranking goes up (:meth:`_State.keep_if_better`). The
list scheduling (:mod:`~revisitkit.staffing.scheduler.heuristic`), the repair pass
(:mod:`~revisitkit.staffing.scheduler.repair`) and the capacity gap all work on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from revisitkit.staffing.scheduler.problem import _EPS, _Problem, _score


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
        # levelling (pb.target): minutes each person may still book per week within the
        # target; while ``soft`` is on, a person fits a task only within it too
        self.wrem = None if pb.target is None else pb.target * pb.week_cap
        self.soft = False

    @classmethod
    def of(
        cls,
        pb: _Problem,
        day: np.ndarray,
        persons: Sequence[tuple[int, ...]],
        needs: Sequence[tuple[float, ...]],
    ) -> _State:
        """The state of a finished schedule (another solver's days and teams)."""
        st = cls(pb)
        for t in np.flatnonzero(np.asarray(day) >= 0).tolist():
            st.book(t, int(day[t]), persons[t], needs[t])
        return st

    # -- feasibility

    def feasible_days(self, t: int, lo: int, hi: int, upto: int | None = None) -> np.ndarray:
        """Bool per day lo..hi: whether a whole team for t is free that day (with
        ``upto``, of people of that tier or a lower one: 0 the roster, 1 the reserve, 2
        extra people)."""
        pb, rem = self.pb, self.rem
        ok = pb.working[lo : hi + 1].copy()
        for r, a, b, k in pb.team[t]:
            if upto is not None:
                b = pb.tier_end[r][upto]
            if b - a < k:
                return np.zeros(hi - lo + 1, dtype=bool)
            need = pb.need(t, a, b)
            block = rem[a:b, lo : hi + 1]
            if isinstance(need, float):
                fits = block >= need - _EPS
            else:
                fits = block >= need[:, None] - _EPS
            if self.soft:
                fits &= self._week_room(a, b, lo, hi, need)
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
        for a, _, k, need, free in self.free_by_role(t, d):
            cand = np.flatnonzero(free)
            if len(cand) < k:
                return []
            if len(cand) > 1:
                glob = cand + a
                score = (glob == pb.owner[t]) * 4
                if pb.region[t] >= 0:
                    score = score + (pb.staff_region[glob] == pb.region[t]) * 2
                if pb.cluster[t] >= 0:
                    score = score + (pb.staff_cluster[glob] == pb.cluster[t])
                # the reserve, then extra people: the last resort; among extra people the
                # first free one in roster order (their person-days are what the gap counts,
                # so they are packed, not spread)
                extra = pb.tiers[glob] == 2
                if not pb.travel[t]:  # a call: where an extra person sits does not matter
                    score = np.where(extra, 0, score)
                score = score - pb.tiers[glob] * 8
                load = np.where(extra, glob.astype(float), self.load[glob])
                if k == 1 and limit == 1:
                    # the same choice as the sort below: argmin takes the first of equals
                    cand = cand[[int(np.argmin(load - score * 1e9))]]
                else:
                    cand = cand[np.lexsort((cand, load, -score))]
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

    def free_by_role(
        self, t: int, d: int
    ) -> Iterator[tuple[int, int, int, float | np.ndarray, np.ndarray]]:
        """Per role of t's team: its staff a..b, the people it needs (k), the minutes t takes
        each of them (one number, or one per person when t has travel) and, per person a..b,
        whether they have that much left on day d."""
        for _, a, b, k in self.pb.team[t]:
            need = self.pb.need(t, a, b)
            free = self.rem[a:b, d] >= need - _EPS
            if self.soft:
                free &= self.wrem[a:b, self.pb.week[d]] >= need - _EPS
            yield a, b, k, need, free

    def _week_room(self, a: int, b: int, lo: int, hi: int, need) -> np.ndarray:
        """Bool[b-a, hi-lo+1]: whether each person's week of each day has ``need`` minutes
        left within the levelling target."""
        room = self.wrem[a:b][:, self.pb.week[lo : hi + 1]]
        if isinstance(need, float):
            return room >= need - _EPS
        return room >= need[:, None] - _EPS

    # -- booking (logged inside a transaction)

    def book(self, t: int, d: int, persons: Sequence[int], needs: Sequence[float]) -> None:
        if self._log is not None:
            self._touch(t)
            self._log.append((0, t))
        D = self.pb.n_days
        wrem, w = self.wrem, self.pb.week[d]
        for p, m in zip(persons, needs, strict=True):
            self.rem[p, d] -= m
            self.load[p] += m
            if wrem is not None:
                wrem[p, w] -= m
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
        wrem, w = self.wrem, self.pb.week[d]
        for p, m in zip(persons, needs, strict=True):
            self.rem[p, d] += m
            self.load[p] -= m
            if wrem is not None:
                wrem[p, w] += m
            self.on_day[p * D + d].remove(t)
        self.day[t] = -1
        self.persons[t] = ()
        self.needs[t] = ()
        return old

    def place(self, t: int, lo: int, hi: int, thrifty: bool = True) -> bool:
        """Book t on the earliest day lo..hi where its team is free; with ``thrifty``, a task
        with travel takes the day of least travel for its best team (earliest of those).
        Reserve people (gap analysis) count only when no day has a roster team, extra people
        only when no day has one with the reserve either."""
        if lo > hi:
            return False
        levels = self.pb.tier_levels
        for upto in levels[:-1]:  # the roster first, then the reserve, then extra people
            if self._place(t, lo, hi, thrifty, upto):
                return True
        return self._place(t, lo, hi, thrifty, None)

    def _place(self, t: int, lo: int, hi: int, thrifty: bool, upto: int | None) -> bool:
        if thrifty and self.pb.travel[t]:
            cost = self.travel_cost(t, lo, hi, upto=upto)
            if not np.isfinite(cost).any():
                return False
            d = lo + int(np.argmin(cost))
        else:
            ok = self.feasible_days(t, lo, hi, upto=upto)
            if not ok.any():
                return False
            d = lo + int(np.argmax(ok))
        self.book(t, d, *self.teams(t, d)[0])
        return True

    def travel_cost(self, t: int, lo: int, hi: int, upto: int | None = None) -> np.ndarray:
        """Per day lo..hi: the least travel minutes of a whole free team for t (inf: none).

        Counting travel before the day keeps on-site visits with local people, who may be
        free a few days later, instead of sending someone from afar on the first free day:
        travel is capacity too (§4.2)."""
        pb, rem = self.pb, self.rem
        total = np.where(pb.working[lo : hi + 1], 0.0, np.inf)
        for r, a, b, k in pb.team[t]:
            if upto is not None:
                b = pb.tier_end[r][upto]
            if b - a < k:
                return np.full(hi - lo + 1, np.inf)
            need = np.broadcast_to(pb.need(t, a, b), (b - a,))
            fits = rem[a:b, lo : hi + 1] >= need[:, None] - _EPS
            if self.soft:
                fits &= self._week_room(a, b, lo, hi, need)
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
