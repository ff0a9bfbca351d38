"""An independent checker for revisit schedules, used by the tests only.

It re-derives every rule from the input frames and the working calendar — nothing is imported
from ``revisitkit.staffing.scheduler`` — so that a bug in the scheduler's own bookkeeping cannot hide
itself. The checker is deliberately plain: row loops and dictionaries, no vectorised tricks.

``check_schedule`` returns a list of violations, one sentence each; an empty list means the
schedule keeps every rule:

* each person's minutes on a day (meeting + travel, over all their tasks) ≤ hours_per_day × 60;
* nobody works outside available_from / available_to or on one of their days off;
* every date is a working day of the calendar (no holiday; no weekend unless it is 调休) and
  inside the window, and not before the task's release;
* a task is done by exactly its roles (one person per entry, distinct people), all on one day,
  and each row's minutes are the task's minutes plus that person's travel;
* a follow-up is strictly after its predecessor and within follow_up_within_days of it;
* on_time and late_days agree with the dates and deadlines;
* every task is either scheduled or reported unscheduled, never both, never missing.

``check_times`` checks the hours in the day (``staffing.workday``): nothing before the day's
start; a person's bookings never overlap; each lasts its minutes (plus the lunch hour when
lunch falls inside it); whoever works past the lunch break's end has an hour for lunch; a
day's work (the lunch hour aside) fits the person's hours unless it is reported as an
overrun; the members of a team meet the customer at one time, each after their travel out.

``check_levelling`` checks the soft limit (``staffing.target_utilisation``): in every
person-week booked above the target of that person's minutes, no task of theirs done alone
(no travel, no follow-up chain) could have gone, on time, to a day of another week where the
same person still has the minutes both in the day and within the target of that week.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

_TOL = 1e-6


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_date(value: Any) -> date | None:
    if _is_missing(value):
        return None
    return pd.Timestamp(value).date()


def check_schedule(
    schedule_assignments: pd.DataFrame,
    schedule_tasks: pd.DataFrame,
    tasks: pd.DataFrame,
    roster: pd.DataFrame,
    calendar: Any,
    start: date,
    end: date,
    travel_minutes_fn: Callable[[dict, dict], float],
    dated: pd.DataFrame | None = None,
) -> list[str]:
    """Every rule the schedule breaks, as sentences (empty when it keeps them all).

    Parameters
    ----------
    schedule_assignments, schedule_tasks : DataFrame
        ``Schedule.assignments`` and ``Schedule.tasks``.
    tasks, roster : DataFrame
        The inputs the schedule was made from.
    calendar : WorkingCalendar
        Used only through ``is_working_day`` and its ``workdays`` (调休) mapping.
    start, end : date
        The window.
    travel_minutes_fn : callable(staff_row, task_row) -> float
        Travel minutes of that person for that task (0 for tasks without travel).
    dated : DataFrame, optional
        Touches booked outside the scheduler into free time (letters, briefings, the webinar:
        task_id, staff_id, role, date, minutes; date empty when not booked). Each must be on a
        working day the person is there, in their role, and counts against their hours.
    """
    problems: list[str] = []
    staff = {str(r["staff_id"]): r for r in roster.to_dict("records")}
    task_rows = {str(r["task_id"]): r for r in tasks.to_dict("records")}
    a = schedule_assignments
    st = schedule_tasks

    # ---- every task exactly once in the task table
    listed = [str(x) for x in st["task_id"]]
    for tid, n in Counter(listed).items():
        if n > 1:
            problems.append(f"task {tid} appears {n} times in the task table")
    for tid in task_rows:
        if tid not in listed:
            problems.append(f"task {tid} is missing from the schedule's task table")
    for tid in listed:
        if tid not in task_rows:
            problems.append(f"task {tid} in the schedule is not an input task")

    rows_of: dict[str, list[dict]] = defaultdict(list)
    for row in a.to_dict("records"):
        rows_of[str(row["task_id"])].append(row)
    for tid in rows_of:
        if tid not in task_rows:
            problems.append(f"assignment for unknown task {tid}")

    day_of: dict[str, date | None] = {}
    minutes_on: dict[tuple[str, date], float] = defaultdict(float)
    for srow in st.to_dict("records"):
        tid = str(srow["task_id"])
        task = task_rows.get(tid)
        if task is None:
            continue
        rows = rows_of.get(tid, [])
        unscheduled = bool(srow["unscheduled"])
        sdate = _as_date(srow["date"])
        deadline = _as_date(task["deadline"])
        if unscheduled:
            day_of[tid] = None
            if rows:
                problems.append(f"task {tid} is reported unscheduled but has assignments")
            if sdate is not None:
                problems.append(f"task {tid} is reported unscheduled but has a date {sdate}")
            if bool(srow["on_time"]):
                problems.append(f"task {tid} is unscheduled but marked on time")
            if not _is_missing(srow["late_days"]):
                problems.append(f"task {tid} is unscheduled but has late_days {srow['late_days']}")
            continue
        if not rows:
            problems.append(f"task {tid} is neither scheduled nor reported unscheduled")
            day_of[tid] = None
            continue

        # one day for the whole team, matching the task table
        dates = {_as_date(r["date"]) for r in rows}
        if len(dates) != 1:
            problems.append(f"task {tid} is split over days {sorted(dates)}")
        d = min(dates)
        day_of[tid] = d
        if sdate != d:
            problems.append(f"task {tid}: task table date {sdate} but assignments on {d}")

        # the day itself
        if not (start <= d <= end):
            problems.append(f"task {tid} on {d}, outside the window {start}…{end}")
        elif not calendar.is_working_day(d):
            if d.weekday() >= 5 and d not in calendar.workdays:
                problems.append(f"task {tid} on {d}, a weekend day that is not a 调休 working day")
            else:
                problems.append(f"task {tid} on {d}, a holiday")
        release = _as_date(task["release"])
        if release is not None and d < release:
            problems.append(f"task {tid} on {d}, before its release {release}")

        # the team: exactly its roles, distinct people
        people = [str(r["staff_id"]) for r in rows]
        for sid, n in Counter(people).items():
            if n > 1:
                problems.append(f"task {tid}: staff {sid} booked {n} times on the same task")
        wanted = Counter(str(x).strip() for x in task["roles"])
        got = Counter(str(staff[s]["role"]) for s in people if s in staff)
        for s in people:
            if s not in staff:
                problems.append(f"task {tid}: staff {s} is not on the roster")
        if got != wanted and all(s in staff for s in people):
            problems.append(f"task {tid}: roles {dict(got)} but the task needs {dict(wanted)}")
        for r in rows:
            if "role" in r and str(r["staff_id"]) in staff:
                if str(r["role"]) != str(staff[str(r["staff_id"])]["role"]):
                    problems.append(f"task {tid}: staff {r['staff_id']} listed with wrong role")

        # minutes per row and per person-day
        for r in rows:
            sid = str(r["staff_id"])
            if sid not in staff:
                continue
            travel = float(travel_minutes_fn(staff[sid], task))
            expected = float(task["minutes"]) + travel
            if abs(float(r["minutes"]) - expected) > _TOL:
                problems.append(
                    f"task {tid}: staff {sid} booked {r['minutes']} min, expected "
                    f"{expected} (meeting {task['minutes']} + travel {travel})"
                )
            if abs(float(r["travel_minutes"]) - travel) > _TOL:
                problems.append(
                    f"task {tid}: staff {sid} travel_minutes {r['travel_minutes']}, expected {travel}"
                )
            minutes_on[(sid, d)] += float(r["minutes"])
            # the person's availability
            person = staff[sid]
            first = _as_date(person.get("available_from"))
            last = _as_date(person.get("available_to"))
            if first is not None and d < first:
                problems.append(f"staff {sid} on task {tid} on {d}, before available_from {first}")
            if last is not None and d > last:
                problems.append(f"staff {sid} on task {tid} on {d}, after available_to {last}")
            off = person.get("days_off")
            off_days = set() if _is_missing_seq(off) else {_as_date(x) for x in off}
            if d in off_days:
                problems.append(f"staff {sid} on task {tid} on {d}, one of their days off")

        # on time and lateness
        on_time = d <= deadline
        late = max(0, (d - deadline).days)
        if bool(srow["on_time"]) != on_time:
            problems.append(f"task {tid}: on_time {srow['on_time']} but {d} vs deadline {deadline}")
        if _is_missing(srow["late_days"]) or int(srow["late_days"]) != late:
            problems.append(f"task {tid}: late_days {srow['late_days']}, expected {late}")
        for r in rows:
            if bool(r["on_time"]) != on_time or int(r["late_days"]) != late:
                problems.append(f"task {tid}: assignment row on_time/late_days disagree")
                break

    # ---- touches booked into free time: a working day, the right person, counted in the hours
    if dated is not None:
        for r in dated.to_dict("records"):
            d = _as_date(r["date"])
            sid = str(r["staff_id"])
            if d is None or not sid:
                continue
            if sid not in staff:
                problems.append(f"dated touch {r['task_id']}: staff {sid} is not on the roster")
                continue
            if str(staff[sid]["role"]) != str(r["role"]):
                problems.append(f"dated touch {r['task_id']}: {sid} is not a {r['role']}")
            if not calendar.is_working_day(d):
                problems.append(f"dated touch {r['task_id']} on {d}, not a working day")
            person = staff[sid]
            off = person.get("days_off")
            off_days = set() if _is_missing_seq(off) else {_as_date(x) for x in off}
            first, last = (
                _as_date(person.get("available_from")),
                _as_date(person.get("available_to")),
            )
            if d in off_days or (first and d < first) or (last and d > last):
                problems.append(f"dated touch {r['task_id']} on {d}: {sid} is not there")
            if start <= d <= end:
                minutes_on[(sid, d)] += float(r["minutes"])

    # ---- a task with an assignee is theirs
    for tid, task in task_rows.items():
        who = task.get("assignee")
        if _is_missing(who) or not rows_of.get(tid):
            continue
        if str(who) not in {str(r["staff_id"]) for r in rows_of[tid]}:
            problems.append(
                f"task {tid} must be done by {who}, not {[r['staff_id'] for r in rows_of[tid]]}"
            )

    # ---- nobody over their hours
    for (sid, d), total in sorted(minutes_on.items()):
        limit = float(staff[sid]["hours_per_day"]) * 60.0
        if total > limit + _TOL:
            problems.append(f"staff {sid} booked {total:g} min on {d}, over {limit:g} min")

    # ---- follow-ups
    for tid, task in task_rows.items():
        pred = task.get("predecessor")
        if _is_missing(pred) or day_of.get(tid) is None:
            continue
        pred = str(pred)
        d, dp = day_of[tid], day_of.get(pred)
        if dp is None:
            problems.append(f"follow-up {tid} is scheduled but its predecessor {pred} is not")
            continue
        if d <= dp:
            problems.append(f"follow-up {tid} on {d}, not after its predecessor {pred} on {dp}")
        within = task.get("follow_up_within_days")
        if not _is_missing(within) and (d - dp).days > int(within):
            problems.append(
                f"follow-up {tid} on {d}, {(d - dp).days} days after {pred}, more than {int(within)}"
            )
    return problems


def _is_missing_seq(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return False
    return _is_missing(value)


def travel_minutes_by_class(
    minutes: dict[str, float],
    overseas_clusters: frozenset[str] = frozenset({"southeast_asia", "europe"}),
    catch_all_clusters: frozenset[str] = frozenset({"other"}),
) -> Callable[[dict, dict], float]:
    """The travel rule, written out again: same region, overseas, same cluster (a real
    cluster, not the catch-all ``other`` bucket), other cluster."""

    def travel(person: dict, task: dict) -> float:
        if not bool(task.get("travel", False)):
            return 0.0
        region, cluster = task.get("customer_region"), task.get("customer_cluster")
        if not _is_missing(region) and person.get("region") == region:
            return float(minutes["same_region"])
        if not _is_missing(cluster) and cluster in overseas_clusters:
            return float(minutes["overseas"])
        near = not _is_missing(cluster) and cluster not in catch_all_clusters
        if near and person.get("region_cluster") == cluster:
            return float(minutes["same_cluster"])
        return float(minutes["other_cluster"])

    return travel


def _hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def check_levelling(
    schedule_assignments: pd.DataFrame,
    tasks: pd.DataFrame,
    roster: pd.DataFrame,
    calendar: Any,
    start: date,
    end: date,
    target: float,
) -> list[str]:
    """Every person-week above ``target`` that a solo task could have left (see the module
    docstring), as sentences; empty when the levelling rule holds."""
    from datetime import timedelta

    problems: list[str] = []
    staff = {str(r["staff_id"]): r for r in roster.to_dict("records")}
    task_rows = {str(r["task_id"]): r for r in tasks.to_dict("records")}
    followed = {
        str(r["predecessor"]) for r in task_rows.values() if not _is_missing(r.get("predecessor"))
    }

    def week_of(d: date) -> tuple[int, int]:
        iso = d.isocalendar()
        return iso[0], iso[1]

    def day_cap(sid: str, d: date) -> float:
        person = staff[sid]
        if not calendar.is_working_day(d) or d < start or d > end:
            return 0.0
        first = _as_date(person.get("available_from"))
        last = _as_date(person.get("available_to"))
        if (first is not None and d < first) or (last is not None and d > last):
            return 0.0
        off = person.get("days_off")
        if not _is_missing_seq(off) and d in {_as_date(x) for x in off}:
            return 0.0
        return float(person["hours_per_day"]) * 60.0

    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    booked: dict[tuple[str, date], float] = defaultdict(float)
    tasks_on: dict[tuple[str, tuple[int, int]], list[dict]] = defaultdict(list)
    n_people: Counter = Counter()
    for r in schedule_assignments.to_dict("records"):
        d = _as_date(r["date"])
        booked[(str(r["staff_id"]), d)] += float(r["minutes"])
        tasks_on[(str(r["staff_id"]), week_of(d))].append(r)
        n_people[str(r["task_id"])] += 1
    week_cap: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    week_booked: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    for sid in staff:
        for d in days:
            week_cap[(sid, week_of(d))] += day_cap(sid, d)
            week_booked[(sid, week_of(d))] += booked.get((sid, d), 0.0)
    for (sid, w), rows in sorted(tasks_on.items()):
        if week_booked[(sid, w)] <= target * week_cap[(sid, w)] + _TOL:
            continue
        for r in rows:
            tid = str(r["task_id"])
            task = task_rows[tid]
            if (
                n_people[tid] != 1
                or bool(task.get("travel", False))
                or not _is_missing(task.get("predecessor"))
                or tid in followed
                or not bool(r["on_time"])
            ):
                continue
            first = max(_as_date(task["release"]), start)
            last = min(_as_date(task["deadline"]), end)
            need = float(r["minutes"])
            for d in days:
                if d < first or d > last or week_of(d) == w:
                    continue
                cap = day_cap(sid, d)
                room_day = cap - booked.get((sid, d), 0.0)
                room_week = target * week_cap[(sid, week_of(d))] - week_booked[(sid, week_of(d))]
                if cap > 0 and room_day >= need - _TOL and room_week >= need - _TOL:
                    problems.append(
                        f"staff {sid} is above {target:.0%} in {w[0]}-W{w[1]:02d}, yet task {tid} "
                        f"({need:.0f} min, due {last}) fits on {d} within the target"
                    )
                    break
    return problems


def check_times(
    bookings: pd.DataFrame,
    roster: pd.DataFrame,
    workday: Any,
    default_hours: float,
    overruns: pd.DataFrame | None = None,
) -> list[str]:
    """The rules of the module docstring on timed bookings (start, end, meeting columns)."""
    problems: list[str] = []
    day_start = _hhmm(workday.start)
    lunch = _hhmm(workday.lunch[1]) - _hhmm(workday.lunch[0])
    lunch_start = _hhmm(workday.lunch[0])
    hours = {}
    for r in roster.to_dict("records"):
        h = r.get("hours_per_day")
        hours[str(r["staff_id"])] = float(default_hours if _is_missing(h) else h) * 60.0
    over = {}
    if overruns is not None:
        for r in overruns.to_dict("records"):
            over[(str(r["staff_id"]), _as_date(r["date"]))] = float(r["minutes_over"])

    def clock(ts: Any) -> int:
        t = pd.Timestamp(ts)
        return t.hour * 60 + t.minute

    days: dict[tuple[str, date], list[dict]] = defaultdict(list)
    meetings: dict[str, set] = defaultdict(set)
    for r in bookings.to_dict("records"):
        if _is_missing(r.get("date")) or str(r.get("staff_id", "")) == "":
            continue
        if _is_missing(r.get("start")) or _is_missing(r.get("end")):
            problems.append(f"{r['task_id']} / {r['staff_id']}: booked without a start or end")
            continue
        a, b, m = clock(r["start"]), clock(r["end"]), float(r["minutes"])
        if pd.Timestamp(r["start"]).date() != _as_date(r["date"]):
            problems.append(f"{r['task_id']} / {r['staff_id']}: starts on another day")
        if a < day_start:
            problems.append(f"{r['task_id']} / {r['staff_id']}: starts {a // 60:02d}:{a % 60:02d}")
        if not (m - 1 <= b - a <= m + lunch + 1):
            problems.append(
                f"{r['task_id']} / {r['staff_id']}: {b - a} min on the clock for {m:g} min of work"
            )
        travel = float(r.get("travel_minutes") or 0)
        if travel > 0 and clock(r["meeting"]) < a + travel // 2 - 1:
            problems.append(f"{r['task_id']} / {r['staff_id']}: meets before the travel out ends")
        meetings[str(r["task_id"])].add(
            pd.Timestamp(r["meeting"]) if not _is_missing(r.get("meeting")) else None
        )
        days[(str(r["staff_id"]), _as_date(r["date"]))].append(
            {"task": r["task_id"], "a": a, "b": b, "m": m}
        )
    for task, seen in meetings.items():
        if len(seen) > 1:
            problems.append(f"{task}: the team meets at {len(seen)} different times")
    for (person, day), rows in days.items():
        rows.sort(key=lambda r: (r["a"], r["b"]))
        for x, y in zip(rows, rows[1:], strict=False):
            if y["a"] < x["b"]:
                problems.append(f"{person} {day}: {x['task']} and {y['task']} overlap")
        last = max(r["b"] for r in rows)
        gaps = [y["a"] - x["b"] for x, y in zip(rows, rows[1:], strict=False)]
        stretched = any(r["b"] - r["a"] >= r["m"] + lunch - 1 for r in rows)
        had_lunch = stretched or any(g >= lunch for g in gaps) or rows[0]["a"] >= lunch_start
        if last > lunch_start + lunch and not had_lunch:
            problems.append(
                f"{person} {day}: works through to {last // 60:02d}:{last % 60:02d} with no lunch"
            )
        work = last - day_start - (lunch if had_lunch and last > lunch_start else 0)
        limit = hours.get(person)
        if limit is not None and work > limit + over.get((person, day), 0.0) + 1:
            problems.append(f"{person} {day}: {work} min of day for {limit:g} min of hours")
    return problems


def check_staffing_plan(sp: Any, calendar: Any) -> list[str]:
    """:func:`check_schedule`, :func:`check_levelling` (when levelled) and :func:`check_times` on a
    :class:`revisitkit.staffing.StaffingPlan` (its tasks, roster, window, the travel rule and
    the working day of its config)."""
    staffing = sp.config.staffing
    travel = {
        c: float(getattr(staffing.travel_minutes, c))
        for c in ("same_region", "same_cluster", "other_cluster", "overseas")
    }
    fn = travel_minutes_by_class(travel, frozenset(staffing.overseas_clusters))
    problems = check_schedule(
        sp.schedule.assignments,
        sp.schedule.tasks,
        sp.tasks,
        sp.roster,
        calendar,
        sp.start,
        sp.end,
        fn,
        sp.dated.bookings if sp.dated is not None else None,
    )
    target = sp.schedule.target
    if target is not None:
        problems += check_levelling(
            sp.schedule.assignments,
            sp.tasks,
            sp.roster,
            calendar,
            sp.start,
            sp.end,
            target,
        )
    timed = sp.timed
    return problems + check_times(
        timed.bookings,
        sp.roster,
        staffing.workday,
        float(staffing.default_hours_per_day),
        timed.overruns,
    )
