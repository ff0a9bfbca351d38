"""Who visits which customer on which working day: the deadline-aware revisit schedule.

The plan (domain.md §2, §4) fixes each customer's deadline, the team a channel needs (an on-site
visit takes a sales director, a technical consultant and a CS manager together) and how long
it takes. This package turns those tasks and a staff roster into a schedule on the Chinese
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

What lives where:

* :mod:`~revisitkit.staffing.scheduler.settings` — :class:`SchedulerSettings`;
* :mod:`~revisitkit.staffing.scheduler.problem` — input checks and the compiled problem (arrays);
* :mod:`~revisitkit.staffing.scheduler.heuristic` — list scheduling, then the repair pass of
  :mod:`~revisitkit.staffing.scheduler.repair`, both on the schedule being built
  (:mod:`~revisitkit.staffing.scheduler.state`);
* :mod:`~revisitkit.staffing.scheduler.exact` — the integer model (HiGHS);
* :mod:`~revisitkit.staffing.scheduler.schedule` — :class:`Schedule`, the result;
* :mod:`~revisitkit.staffing.scheduler.solver` — :class:`Scheduler`, the object callers use;
* :mod:`~revisitkit.staffing.scheduler.gap` — :func:`capacity_gap`, :class:`GapReport` and the
  reserve pool.

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

from revisitkit.staffing.scheduler.gap import GapReport, capacity_gap
from revisitkit.staffing.scheduler.schedule import Schedule
from revisitkit.staffing.scheduler.settings import TRAVEL_CLASSES, SchedulerSettings
from revisitkit.staffing.scheduler.solver import Scheduler

__all__ = [
    "TRAVEL_CLASSES",
    "GapReport",
    "Schedule",
    "Scheduler",
    "SchedulerSettings",
    "capacity_gap",
]
