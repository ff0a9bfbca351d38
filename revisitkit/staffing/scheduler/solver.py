"""The solver object callers use: :class:`Scheduler` compiles the tasks and the roster once,
then solves with the heuristic, the exact model or both (``method="auto"``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from revisitkit.staffing.scheduler.exact import _count_variables, _Exact, _exact
from revisitkit.staffing.scheduler.gap import _can_be_on_time, _person_day_hours, _with_reserve
from revisitkit.staffing.scheduler.heuristic import _heuristic
from revisitkit.staffing.scheduler.level import _level
from revisitkit.staffing.scheduler.problem import _compile, _day, _Problem, _score
from revisitkit.staffing.scheduler.schedule import Schedule, _build_schedule
from revisitkit.staffing.scheduler.settings import SchedulerSettings
from revisitkit.staffing.scheduler.state import _State

__all__ = ["Scheduler"]

METHODS = ("auto", "heuristic", "exact")


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
            ``"exact"``: :meth:`solve_exact`, then levelled. ``"auto"``: the heuristic; when some task that
            could be on time is not and the exact model is small
            (``settings.exact_max_variables``), the exact model is solved too (at most
            ``settings.exact_node_limit`` nodes a stage) and its schedule kept if it ranks
            strictly higher (urgent, high, all on time, placed), levelled like the
            heuristic's (``settings.target_utilisation``). Deterministic: should the
            model outrun ``settings.exact_time_limit`` (a safety net, never reached on the
            plans measured), the heuristic's schedule is kept and a note says so.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        pb = self._problem
        if reserve and self.settings.reserve_share > 0:
            pb, _ = _with_reserve(pb, self.settings.reserve_share, _person_day_hours(pb, None))
        if method == "exact":
            return self._levelled(pb, *self._run_exact(pb, None, True))
        st = _heuristic(pb, self.settings.repair_budget)
        heuristic = _build_schedule(
            pb, self._tasks, st.day, st.persons, st.needs, "heuristic", "heuristic", self.notes
        )
        if method == "heuristic":
            return heuristic
        possible = _can_be_on_time(pb)
        best = _score(pb, possible, possible)[:3]
        if heuristic.score[:3] == best:
            return heuristic  # every task that can be on time is: nothing to gain
        n, limit = _count_variables(pb), self.settings.exact_max_variables
        if n > limit:  # say why the schedule may not be the best one (the planner can raise it)
            return replace(
                heuristic,
                notes=heuristic.notes
                + (
                    f"some tasks that could be on time are late; the exact model was not tried "
                    f"({n:,} variables > staffing.exact_solver_max_variables {limit:,})",
                ),
            )
        result, exact = self._run_exact(pb, None, False, self.settings.exact_node_limit)
        if result.timed_out:
            return replace(
                heuristic,
                notes=heuristic.notes
                + (
                    f"the exact model ({n:,} variables) did not finish within "
                    f"{self.settings.exact_time_limit:g} s; the heuristic's schedule is kept, "
                    f"so that the plan does not depend on the machine's speed",
                ),
            )
        if exact.score > heuristic.score:
            return self._levelled(pb, result, exact)
        return replace(
            heuristic,
            notes=heuristic.notes
            + (f"the exact model ({n:,} variables) found no schedule with more tasks on time",),
        )

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
        # the earliest days, not levelled: no target to report weeks above
        return replace(self._run_exact(pb, time_limit, earliest)[1], target=None)

    def _levelled(self, pb: _Problem, result: _Exact, exact: Schedule) -> Schedule:
        """The exact model books the earliest days; level them as the heuristic's are."""
        st = _State.of(pb, result.day, result.persons, result.needs)
        if not _level(st):
            return exact
        return _build_schedule(
            pb, self._tasks, st.day, st.persons, st.needs, "exact", result.status, self.notes
        )

    def _run_exact(
        self, pb: _Problem, time_limit: float | None, earliest: bool, node_limit: int | None = None
    ) -> tuple[_Exact, Schedule]:
        limit = self.settings.exact_time_limit if time_limit is None else time_limit
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
            raise ValueError(f"time_limit must be a positive number of seconds, got {limit!r}")
        result = _exact(pb, float(limit), earliest, node_limit)
        return result, _build_schedule(
            pb,
            self._tasks,
            result.day,
            result.persons,
            result.needs,
            "exact",
            result.status,
            self.notes,
        )
