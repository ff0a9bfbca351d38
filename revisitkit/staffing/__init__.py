"""Staffing: the work a plan gives people, who is needed, and who does what on which day.

What lives where:

* :mod:`~revisitkit.staffing.tasks` — the staffed tasks of a plan (:func:`build_tasks`), the
  effort they take by role and region (:func:`effort_summary`) and the travel rules
  (:func:`travel_class`, :func:`travel_minutes`);
* :mod:`~revisitkit.staffing.plan` — the staffing plan the CLI, the notebooks and the
  dashboards share (:func:`plan_staffing`, :class:`StaffingPlan`) and what-if rosters
  (:func:`adjust_roster`, :func:`headcount_of`);
* :mod:`~revisitkit.staffing.sizing` — people needed per role: a roster sized to a plan
  (:func:`size_roster`);
* :mod:`~revisitkit.staffing.scheduler` — the solver: tasks onto named people and working days
  (:class:`Scheduler`, :class:`Schedule`) and the capacity gap (:func:`capacity_gap`).
"""

from revisitkit.staffing.plan import StaffingPlan, adjust_roster, headcount_of, plan_staffing
from revisitkit.staffing.scheduler import (
    GapReport,
    Schedule,
    Scheduler,
    SchedulerSettings,
    capacity_gap,
)
from revisitkit.staffing.sizing import (
    ROSTER_PROFILE,
    RoleSizing,
    RosterProfile,
    RosterSizing,
    size_roster,
)
from revisitkit.staffing.tasks import (
    TASK_COLUMNS,
    TRAVEL_CLASSES,
    build_tasks,
    effort_summary,
    travel_class,
    travel_minutes,
)

__all__ = [
    "ROSTER_PROFILE",
    "TASK_COLUMNS",
    "TRAVEL_CLASSES",
    "GapReport",
    "RoleSizing",
    "RosterProfile",
    "RosterSizing",
    "Schedule",
    "Scheduler",
    "SchedulerSettings",
    "StaffingPlan",
    "adjust_roster",
    "build_tasks",
    "capacity_gap",
    "effort_summary",
    "headcount_of",
    "plan_staffing",
    "size_roster",
    "travel_class",
    "travel_minutes",
]
