"""The staffing plan of a campaign: the plan's tasks scheduled onto the roster, with what it
costs the people, what misses its deadline and how much extra capacity would fix it.

This is the one call the CLI, the notebook and the dashboard share:
:func:`plan_staffing` builds the tasks of a segmented plan
(:func:`revisitkit.staffing.tasks.build_tasks`), schedules them on the execution phase of the
Chinese working calendar (:class:`revisitkit.staffing.scheduler.Scheduler`) and, when asked,
measures the capacity gap with and without the reserve pool
(:func:`revisitkit.staffing.scheduler.capacity_gap`). The result,
:class:`StaffingPlan`, gives the tables managers read: deadline attainment by priority,
workload against capacity by week and role, per-person load, the gap table.

What-if changes (a manager's "what if we had two more senior sales, or an hour less a day")
are made to the roster with :func:`adjust_roster` before planning; the plan itself never
changes the roster it was given.

Example
-------
>>> from revisitkit.workspace import load_staff, load_workspace
>>> ws = load_workspace()
>>> staff = load_staff(ws.config)
>>> sp = plan_staffing(ws.plan, staff, ws.config, ws.calendar, gap=False)
>>> sp.schedule.counts  # 2,984 of the channel plans, 364 × 2 churn-warning calls and plans, 34 × 6 weekly trackings
{'on_time': 3916, 'late': 0, 'unscheduled': 0}
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from revisitkit.calendar import CampaignCalendar
from revisitkit.config import TIERS, Config
from revisitkit.errors import InputWarning
from revisitkit.staffing.scheduler import (
    GapReport,
    Schedule,
    Scheduler,
    SchedulerSettings,
    capacity_gap,
)
from revisitkit.staffing.specialists import DEDICATED_CHANNEL, Specialists, assign_specialists
from revisitkit.staffing.tasks import build_tasks
from revisitkit.staffing.times import TimedBookings, WorkdayClock, time_bookings
from revisitkit.staffing.touches import DATED_COLUMNS, DatedTouches, book_dated

__all__ = [
    "SCHEDULE_COLUMNS",
    "StaffingPlan",
    "adjust_roster",
    "headcount_of",
    "plan_staffing",
]

#: Columns of schedule.csv: one row per person per task (an on-site visit is three rows).
SCHEDULE_COLUMNS = (*DATED_COLUMNS[:6], "start", "end", *DATED_COLUMNS[6:-1])


@dataclass(frozen=True)
class StaffingPlan:
    """A scheduled staffing plan (see :func:`plan_staffing`).

    Attributes
    ----------
    tasks : DataFrame
        The staffed tasks (:func:`revisitkit.staffing.tasks.build_tasks`).
    roster : DataFrame
        The staff the plan was made with.
    schedule : Schedule
        Who does what on which day; with ``reserve`` the reserve people are in it too.
    gap : GapReport or None
        The capacity gap with the roster as it is (and what the reserve pool closes), or None
        when it was not measured.
    start, end : date
        The execution phase the tasks are booked in.
    reserve : bool
        Whether the reserve pool was booked.
    config : Config
    specialists : Specialists or None
        Each dedicated customer's named specialist (§7.3, 1:``specialist_ratio``).
    dated : DatedTouches or None
        Appointment letters, weekly briefings and the webinar's host, booked into the time
        the schedule leaves free (:func:`revisitkit.staffing.touches.book_dated`).
    """

    tasks: pd.DataFrame
    roster: pd.DataFrame
    schedule: Schedule
    gap: GapReport | None
    start: date
    end: date
    reserve: bool
    config: Config
    specialists: Specialists | None = None
    dated: DatedTouches | None = None
    #: Roles the tasks need and no one on the roster has: role, region_cluster (the
    #: customers'), tasks, person_days, people (to add, at least); their tasks stay unscheduled.
    missing: pd.DataFrame | None = None

    @cached_property
    def timed(self) -> TimedBookings:
        """:meth:`assignments` with a start and an end time each (``staffing.workday``;
        :func:`revisitkit.staffing.times.time_bookings`), and the person-days that run past
        their hours."""
        return time_bookings(
            self.assignments(),
            self.schedule.capacity,
            WorkdayClock.from_config(self.config),
            float(self.config.staffing.default_hours_per_day) * 60.0,
        )

    def assignments(self) -> pd.DataFrame:
        """The schedule's assignments and the dated touches booked into free time."""
        a = self.schedule.assignments
        if self.dated is None:
            return a
        b = self.dated.bookings
        b = b[b["date"].notna() & (b["staff_id"] != "")]
        if not len(b):
            return a
        return pd.concat([a, b[[c for c in a.columns if c in b.columns]]], ignore_index=True)

    # -- what managers read

    def attainment(self) -> pd.DataFrame:
        """Deadline attainment by priority, then ``all``: tasks, on_time, late, unscheduled,
        on_time_share (0–1)."""
        tk = self.schedule.tasks
        rows = []
        for label, mask in [
            *((p, tk["priority"] == p) for p in TIERS),
            ("all", pd.Series(True, index=tk.index)),
        ]:
            part = tk[mask]
            n = len(part)
            if n == 0 and label != "all":
                continue
            on = int(part["on_time"].sum())
            unscheduled = int(part["unscheduled"].sum())
            rows.append(
                {
                    "priority": label,
                    "tasks": n,
                    "on_time": on,
                    "late": n - on - unscheduled,
                    "unscheduled": unscheduled,
                    "on_time_share": on / n if n else float("nan"),
                }
            )
        return pd.DataFrame(rows)

    def workload(self) -> pd.DataFrame:
        """Hours booked against hours available by ISO week and role: week, role,
        booked_hours, capacity_hours, utilisation (booked / capacity), people_above_target
        (people of the role booked above ``staffing.target_utilisation`` that week, where a
        deadline needs it; 0 when front-loaded). Reserve people count in their role's
        booked hours and capacity. The frame's ``attrs["target"]`` holds the target (None
        when front-loaded)."""
        out = self.schedule.workload(("week", "role"))
        out["booked_hours"] = out.pop("booked_minutes") / 60.0
        out["capacity_hours"] = out.pop("capacity_minutes") / 60.0
        above = self.schedule.weeks_above_target().groupby(["week", "role"]).size()
        keys = pd.MultiIndex.from_frame(out[["week", "role"]])
        out["people_above_target"] = above.reindex(keys, fill_value=0).to_numpy(dtype=int)
        out = out[
            ["week", "role", "booked_hours", "capacity_hours", "utilisation", "people_above_target"]
        ]
        out.attrs["target"] = self.schedule.target
        return out

    def above_target(self) -> pd.DataFrame:
        """What it takes to stay at the target utilisation, per role and region cluster
        (§4.2, §7.3; ``staffing.target_utilisation``): person_weeks above it, and
        extra_person_days_at_target — the person-days that would bring every person-week to
        the target, Σ (booked − target × capacity) / target over those weeks, plus the
        verified capacity gap (what is missing at 100%) divided by the target, since the extra
        people work at the target too; in person-days of the role's usual hours, rounded up.
        Empty when front-loaded or when nothing is above the target and there is no gap."""
        cols = ["role", "region_cluster", "person_weeks", "extra_person_days_at_target"]
        target = self.schedule.target
        if target is None:
            return pd.DataFrame(columns=cols)
        day_minutes = _day_minutes(self.roster, self.config)
        default = float(self.config.staffing.default_hours_per_day) * 60.0
        acc: dict[tuple[str, str], list[float]] = {}
        for row in self.schedule.weeks_above_target().itertuples(index=False):
            cluster = "unknown" if pd.isna(row.region_cluster) else str(row.region_cluster)
            entry = acc.setdefault((str(row.role), cluster), [0, 0.0])
            entry[0] += 1
            excess = (row.booked_minutes - target * row.capacity_minutes) / target
            entry[1] += excess / day_minutes.get(str(row.role), default)
        for row in self.gap_frame().itertuples(index=False):
            entry = acc.setdefault((str(row.role), str(row.region_cluster)), [0, 0.0])
            entry[1] += float(row.extra_person_days_verified) / target
        rows = [(r, c, int(n), int(math.ceil(d - 1e-9))) for (r, c), (n, d) in sorted(acc.items())]
        return pd.DataFrame(rows, columns=cols)

    def staff_table(self) -> pd.DataFrame:
        """One row per person of the roster: staff_id, name, role, region, tasks, booked and
        available hours, utilisation, first and last day booked."""
        a = self.assignments()
        per = a.groupby("staff_id").agg(
            tasks=("task_id", "size"),
            booked_minutes=("minutes", "sum"),
            first_day=("date", "min"),
            last_day=("date", "max"),
        )
        cap = self.schedule.capacity.groupby("staff_id")["capacity_minutes"].sum()
        staff = self.roster[["staff_id", "name", "role", "region"]].copy()
        staff["staff_id"] = staff["staff_id"].astype(str)
        out = staff.merge(per, left_on="staff_id", right_index=True, how="left")
        out["tasks"] = out["tasks"].fillna(0).astype(int)
        out["booked_hours"] = out.pop("booked_minutes").fillna(0.0) / 60.0
        out["capacity_hours"] = out["staff_id"].map(cap).fillna(0.0) / 60.0
        with np.errstate(divide="ignore", invalid="ignore"):
            out["utilisation"] = out["booked_hours"] / out["capacity_hours"].where(
                out["capacity_hours"] > 0
            )
        cols = [
            "staff_id",
            "name",
            "role",
            "region",
            "tasks",
            "booked_hours",
            "capacity_hours",
            "utilisation",
            "first_day",
            "last_day",
        ]
        return out[cols].reset_index(drop=True)

    def shortfall(self) -> pd.DataFrame:
        """The work that misses its deadline, by role and customer region cluster: tasks and
        person-days (each person's meeting minutes over their role's usual day; travel not
        counted). A quick, live measure of the gap — :attr:`gap` is the verified one."""
        tk = self.tasks.reset_index(drop=True)
        missed = ~self.schedule.tasks["on_time"].to_numpy(dtype=bool)
        rows: dict[tuple[str, str], list[float]] = {}
        day_minutes = _day_minutes(self.roster, self.config)
        for roles, minutes, cluster in zip(
            tk["roles"][missed],
            tk["minutes"][missed],
            tk["customer_cluster"][missed],
            strict=True,
        ):
            for role in roles:
                key = (role, "unknown" if pd.isna(cluster) else str(cluster))
                acc = rows.setdefault(key, [0, 0.0])
                acc[0] += 1
                acc[1] += float(minutes) / day_minutes.get(role, 420.0)
        out = pd.DataFrame(
            [(r, c, int(n), d) for (r, c), (n, d) in sorted(rows.items())],
            columns=["role", "region_cluster", "tasks", "person_days"],
        )
        return out

    @property
    def gap_person_days(self) -> float | None:
        """Verified extra person-days in all (0 when every task is on time); None when the
        gap was not measured. The risk register's ``resource_gap`` signal reads this."""
        if self.gap is None:
            return None
        return float(self.gap.to_frame()["extra_person_days_verified"].sum())

    @property
    def feasible(self) -> bool:
        """Every task is on time."""
        return bool(self.schedule.tasks["on_time"].all())

    def schedule_frame(self) -> pd.DataFrame:
        """The schedule as schedule.csv holds it (:data:`SCHEDULE_COLUMNS`, dates as
        YYYY-MM-DD), the letters, briefings and webinar booked into free time, plus one row per
        task left unscheduled (no staff_id, no date)."""
        a = self.timed.bookings
        out = a[list(SCHEDULE_COLUMNS)].copy()
        tk = self.schedule.tasks
        left = tk[tk["unscheduled"]]
        if len(left):
            extra = pd.DataFrame(
                {
                    "task_id": left["task_id"],
                    "customer_id": left["customer_id"],
                    "channel": left["channel"],
                    "staff_id": "",
                    "role": "",
                    "date": pd.NaT,
                    "start": pd.NaT,
                    "end": pd.NaT,
                    "minutes": np.nan,
                    "travel_minutes": np.nan,
                    "deadline": left["deadline"],
                    "on_time": False,
                    "late_days": pd.NA,
                }
            )
            out = pd.concat([out, extra], ignore_index=True)
        for col in ("date", "deadline"):
            out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d").fillna("")
        for col in ("start", "end"):
            out[col] = pd.to_datetime(out[col]).dt.strftime("%H:%M").fillna("")
        out["late_days"] = out["late_days"].astype("Int64")
        return out.reset_index(drop=True)

    def gap_frame(self) -> pd.DataFrame:
        """The gap table (:meth:`revisitkit.staffing.scheduler.GapReport.to_frame`), empty
        when every task is on time or the gap was not measured."""
        if self.gap is None:
            return pd.DataFrame(
                columns=[
                    "role",
                    "region_cluster",
                    "extra_person_days_bound",
                    "extra_person_days_verified",
                    "closed_by_reserve",
                    "extra_person_days_after_reserve",
                    "reserve_person_days",
                ]
            )
        return self.gap.to_frame()

    def summary_lines(self) -> list[str]:
        """What the plan's summary says about staffing, one line each."""
        s = self.schedule
        n = len(s.tasks)
        people = self.roster["staff_id"].nunique()
        lines = [
            f"Staffing: {n:,} staffed tasks on {people:,} people, "
            f"{self.start} … {self.end}: {s.on_time:,} on time, {s.late:,} late, "
            f"{s.unscheduled:,} unscheduled" + (" (reserve pool booked)" if self.reserve else "")
        ]
        att = self.attainment().set_index("priority")
        parts = [f"{p} {att.loc[p, 'on_time_share']:.1%}" for p in TIERS if p in att.index]
        lines.append("  on time by priority: " + ", ".join(parts))
        wl = self.workload()
        if len(wl):
            peak = wl.loc[wl["utilisation"].fillna(0).idxmax()]
            lines.append(
                f"  busiest week and role: {peak['week']} {peak['role']} at "
                f"{peak['utilisation']:.0%} of capacity"
            )
        lines += self._levelling_lines()
        over = self.timed.overruns
        if len(over):
            worst = over.loc[over["minutes_over"].idxmax()]
            lines.append(
                f"  {len(over):,} person-day(s) cannot be timed within the person's hours (a "
                f"team waits for a member busy elsewhere): the most, {worst['staff_id']} on "
                f"{worst['date']:%Y-%m-%d}, {worst['minutes_over']:.0f} min over"
            )
        if self.missing is not None and len(self.missing):
            lines.append("  " + missing_roles_text(self.missing, self.config))
            for row in self.missing.itertuples(index=False):
                lines.append(
                    f"    {row.role} in {row.region_cluster}: {row.tasks:,} task(s), "
                    f"{row.person_days:,.2f} person-days — add at least {row.people} "
                    f"{'person' if row.people == 1 else 'people'}"
                )
        if self.gap is not None:
            table = self.gap.to_frame()
            if self.gap.feasible_without_extra and not self.gap.impossible:
                lines.append("  capacity gap: none — every task is on time with these people")
            else:
                verified = int(table["extra_person_days_verified"].sum())
                lines.append(
                    f"  capacity gap: {verified} extra person-days put every task on time "
                    f"(lower bound {int(table['extra_person_days_bound'].sum())})"
                    + ("" if self.gap.feasible_with_extra else " — not yet verified")
                )
                for row in table.itertuples(index=False):
                    closed = row.closed_by_reserve
                    reserve = (
                        ""
                        if pd.isna(closed)
                        else (
                            "; the reserve pool closes it"
                            if closed
                            else f"; {row.extra_person_days_after_reserve} left after the "
                            "reserve pool"
                        )
                    )
                    lines.append(
                        f"    {row.role} in {row.region_cluster}: "
                        f"+{row.extra_person_days_verified} person-days{reserve}"
                    )
            if self.gap.impossible:
                lines.append(
                    f"  {len(self.gap.impossible)} task(s) cannot be on time whatever the "
                    "capacity (no working day before their deadline)"
                )
        sp = self.specialists
        if sp is not None and sp.customers:
            line = (
                f"  dedicated specialists ({sp.role}, 1:{sp.ratio}): {sp.customers:,} customers, "
                f"{sp.needed:,} needed, {sp.on_roster:,} on the roster"
            )
            if sp.unassigned:
                line += (
                    f" — {sp.missing:,} specialist(s) missing: {sp.unassigned:,} customers have "
                    "no dedicated specialist"
                )
            lines.append(line)
        if self.dated is not None:
            unbooked = self.dated.unbooked
            booked = self.dated.bookings
            booked = booked[booked["date"].notna()]
            counts = booked["channel"].value_counts()
            parts = [f"{int(n):,} {c}" for c, n in counts.items()]
            if parts:
                lines.append("  dated touches booked: " + ", ".join(parts))
            if unbooked:
                lines.append(
                    "  dated touches with no free time before their deadline: "
                    + ", ".join(f"{n:,} {c}" for c, n in unbooked.items())
                )
        lines += [f"  note: {note}" for note in s.notes]
        return lines

    def _levelling_lines(self) -> list[str]:
        target = self.schedule.target
        if target is None:
            return [
                "  front-loaded (staffing.front_load): every task as early as its team is "
                "free, up to 100% of everyone's hours"
            ]
        above = self.schedule.weeks_above_target()
        if not len(above):
            return [f"  levelled: every person-week at or under {target:.0%} of their hours"]
        weeks = above.groupby("week").size()
        extra = self.above_target()
        lines = [
            f"  levelled at {target:.0%} of each person's week: {len(above):,} person-week(s) "
            "above it where deadlines need it ("
            + ", ".join(f"{w}: {n:,}" for w, n in weeks.items())
            + f"); to stay at {target:.0%}, about "
            f"{int(extra['extra_person_days_at_target'].sum()):,} extra person-days"
        ]
        for row in extra.itertuples(index=False):
            lines.append(
                f"    {row.role} in {row.region_cluster}: {row.person_weeks:,} person-week(s) "
                f"above, +{row.extra_person_days_at_target:,} person-days at {target:.0%}"
            )
        return lines

    @property
    def specialists_missing(self) -> int:
        """Dedicated specialists the 1:``specialist_ratio`` rule still needs (§7.3)."""
        return 0 if self.specialists is None else self.specialists.missing


def _day_minutes(roster: pd.DataFrame, config: Config) -> dict[str, float]:
    """Minutes of one person-day per role: the role's median hours_per_day."""
    default = float(config.staffing.default_hours_per_day) * 60.0
    if roster.empty:
        return {}
    med = roster.groupby("role")["hours_per_day"].median().astype(float) * 60.0
    return {str(k): float(v) if v > 0 else default for k, v in med.items()}


def plan_staffing(
    plan: pd.DataFrame,
    roster: pd.DataFrame,
    config: Config,
    calendar: CampaignCalendar,
    *,
    reserve: bool = False,
    gap: bool = True,
    method: str = "auto",
    tasks: pd.DataFrame | None = None,
    max_runs: int = 16,
    repair_budget: int | None = None,
    source: str = "the roster",
    gap_progress: Callable[[str], None] | None = None,
    warn: bool = True,
) -> StaffingPlan:
    """Schedule a segmented plan's tasks onto a roster over the execution phase.

    Parameters
    ----------
    plan : DataFrame
        ``segment(...).plan``: one row per customer with its segment, priority, deadline,
        channels and region.
    roster : DataFrame
        The staff frame of :func:`revisitkit.schema.parse_roster` (or :func:`adjust_roster`).
    config : Config
        The campaign config: the effort model, travel, the reserve share.
    calendar : CampaignCalendar, optional
        The campaign calendar (:func:`revisitkit.calendar.campaign_calendar`), built once by the
        caller, so that a what-if never reads the holiday files again.
    reserve : bool, default False
        Book the reserve pool (``staffing.reserve_share`` of each role's capacity) in the
        schedule, as when it is called in.
    gap : bool, default True
        Also measure the capacity gap with the roster as it is, and what the reserve pool
        closes (:func:`revisitkit.staffing.scheduler.capacity_gap`; seconds on the sample,
        more when tasks miss their deadline).
    method : {"auto", "heuristic", "exact"}, default "auto"
        The scheduler's method (:meth:`revisitkit.staffing.scheduler.Scheduler.solve`).
    tasks : DataFrame, optional
        The plan's tasks when already built (what-if runs reuse them).
    max_runs : int, default 16
        Scheduler runs the gap analysis may use to verify.
    gap_progress : callable(str), optional
        Called by the gap analysis before each of its steps with what it is about to do (a
        dashboard shows it; an exception it raises stops the analysis). It is also called
        once before the schedule itself, so that a superseded run stops early.
    warn : bool, default True
        Warn (:class:`revisitkit.errors.InputWarning`) about roles no one on the roster has;
        a dashboard that says so on the page passes False (``warnings.catch_warnings`` is not
        thread-safe).
    repair_budget : int, optional
        Repair trials of the scheduler
        (:class:`revisitkit.staffing.scheduler.SchedulerSettings`); None = its default. A
        what-if view may use fewer to answer within a second when many tasks miss their
        deadlines; the plan itself uses the default.
    source : str, default "the roster"
        How to name the roster in a message (its file).

    Returns
    -------
    StaffingPlan
        The tasks, the roster, the schedule and (with ``gap``) the capacity gap.

    A role the tasks need and no one on the roster has is not an error: its tasks (and their
    follow-ups) stay unscheduled, :attr:`StaffingPlan.missing` says how many people of it to
    add, the gap includes its whole demand, and an :class:`~revisitkit.errors.InputWarning`
    says so.

    Examples
    --------
    Three regular customers, each a phone call by ``sales`` (25 minutes and 10 of preparation;
    the online survey is automated), and one salesperson with an hour a day. C1 and C2 are due
    on the first day of execution, Wednesday 16 Dec 2026, which holds only one 35-minute call:
    C1 (first by task_id) takes it, C3 (due 31 Dec) takes Thursday 17 Dec and C2 is two days
    late on Friday 18 Dec. On 16 Dec 70 minutes are due against 60: one extra person-day of
    sales closes the gap.

    >>> from revisitkit.calendar import campaign_calendar
    >>> from revisitkit.config import load_config
    >>> plan = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "value_segment": "regular",
    ...     "priority": "medium", "deadline": pd.to_datetime(["2026-12-16", "2026-12-16",
    ...     "2026-12-31"]), "channels": "phone+online_survey", "region": "广东",
    ...     "region_cluster": "pearl_delta"})
    >>> staff = pd.DataFrame({"staff_id": ["S1"], "name": ["甲"], "role": ["sales"],
    ...     "region": ["广东"], "region_cluster": ["pearl_delta"], "hours_per_day": [1.0]})
    >>> config = load_config()
    >>> sp = plan_staffing(plan, staff, config, campaign_calendar(config))
    >>> every = sp.attainment().set_index("priority").loc["all"]
    >>> int(every["tasks"]), int(every["on_time"]), f"{every['on_time_share']:.1%}"
    (3, 2, '66.7%')
    >>> columns = ["task_id", "date", "on_time", "late_days"]
    >>> print(sp.schedule_frame()[columns].to_string(index=False))
       task_id       date  on_time  late_days
    C1/phone/1 2026-12-16     True          0
    C3/phone/1 2026-12-17     True          0
    C2/phone/1 2026-12-18    False          2
    >>> sp.gap_frame()[["role", "region_cluster", "extra_person_days_verified"]].values.tolist()
    [['sales', 'pearl_delta', 1]]
    """
    ex = calendar.phases.execution
    if tasks is None:
        tasks = build_tasks(plan, config, roster=roster, calendar=calendar.calendar)
    specialists = assign_specialists(plan, roster, config)
    tasks = _pin_specialists(tasks, specialists)
    blocked, missing = _missing_roles(tasks, roster, config, calendar)
    if len(missing) and warn:
        warnings.warn(
            f"{source}: {missing_roles_text(missing, config)}", InputWarning, stacklevel=2
        )
    run = tasks[~blocked] if blocked.any() else tasks
    if gap and gap_progress is not None:
        gap_progress("排期 scheduling the scenario")
    settings = SchedulerSettings.from_config(config, repair_budget=repair_budget)
    # churn-warning contacts count from the as-of date, appointment letters may go from then
    # on: the window opens on the as-of date (or the first day of execution, if earlier)
    start = min(ex.start, config.as_of())
    if len(tasks):
        start = min(start, tasks["release"].min().date())
    scheduler = Scheduler(run, roster, calendar.calendar, start, ex.end, settings)
    schedule = scheduler.solve(method=method, reserve=reserve)
    if blocked.any():
        schedule = _with_unstaffed(schedule, tasks, blocked)
    report = None
    if gap:
        # all the tasks: a role no one has is a gap of its whole demand (verified there too)
        report = capacity_gap(
            tasks,
            roster,
            calendar.calendar,
            start,
            ex.end,
            settings,
            reserve=settings.reserve_share > 0,
            max_runs=max_runs,
            progress=gap_progress,
        )
    dated = book_dated(tasks, schedule, roster, config, calendar, start)
    return StaffingPlan(
        tasks,
        roster,
        schedule,
        report,
        start,
        ex.end,
        reserve,
        config,
        specialists,
        dated,
        missing if len(missing) else None,
    )


def _pin_specialists(tasks: pd.DataFrame, specialists: Specialists) -> pd.DataFrame:
    """The dedicated service of each customer with a specialist is theirs to do."""
    if not specialists.customers or "assignee" not in tasks:
        return tasks
    dedicated = (tasks["channel"].astype(str) == DEDICATED_CHANNEL).to_numpy()
    who = tasks["customer_id"].astype(str).map(specialists.assignment)
    tasks = tasks.copy()
    tasks["assignee"] = tasks["assignee"].where(~dedicated | who.isna(), who)
    return tasks


def _missing_roles(
    tasks: pd.DataFrame, roster: pd.DataFrame, config: Config, calendar: CampaignCalendar
) -> tuple[np.ndarray, pd.DataFrame]:
    """The tasks no one on the roster can do (a role they need is absent, or they follow such a
    task), and the missing roles as a gap: role, region_cluster, tasks, person_days (each
    task's minutes over the usual day), people (to add, at least: a lower bound from the work
    due by each deadline; the verified capacity gap, when measured, says the days)."""
    have = set(roster["role"].astype(str))
    needs = tasks["roles"].map(lambda roles: [r for r in roles if r not in have])
    blocked = needs.map(bool).to_numpy(dtype=bool)
    columns = ["role", "region_cluster", "tasks", "person_days", "people"]
    if not blocked.any():
        return blocked, pd.DataFrame(columns=columns)
    if "predecessor" in tasks:
        # a follow-up of a task no one can do cannot be done either
        ids = tasks["task_id"].astype(str).to_numpy()
        preds = tasks["predecessor"].to_numpy(dtype=object)
        changed = True
        while changed:
            out = set(ids[blocked])
            follow = np.array([pd.notna(p) and str(p) in out for p in preds]) & ~blocked
            changed = bool(follow.any())
            blocked = blocked | follow
    # people to add, at least: the work due by each deadline over the working days up to it
    # (from execution start), each task with the nearest travel (same province) and taking a
    # whole share of a day (a 285-minute visit is one a day, not 1.47)
    day = config.staffing.default_hours_per_day * 60
    near = float(config.staffing.travel_minutes.same_region)
    ex = calendar.phases.execution
    working = calendar.calendar.working_days

    def days_to(due) -> int:
        return max(1, len(working(ex.start, max(ex.start, pd.Timestamp(due).date()))))

    rows: dict[tuple[str, str], list] = {}
    for roles, minutes, travel, cluster, due in zip(
        needs[blocked],
        tasks["minutes"][blocked],
        tasks["travel"][blocked] if "travel" in tasks else [False] * int(blocked.sum()),
        tasks["customer_cluster"][blocked],
        tasks["deadline"][blocked],
        strict=True,
    ):
        length = float(minutes) + (near if travel else 0.0)
        share = day / max(1, math.floor(day / length)) if length <= day else length
        for role in roles:
            key = (role, "unknown" if pd.isna(cluster) else str(cluster))
            rows.setdefault(key, []).append((pd.Timestamp(due), float(minutes) / day, share))
    records = []
    for (role, cluster), items in sorted(rows.items()):
        items.sort(key=lambda item: item[0])
        people, booked = 1, 0.0
        for due, _, share in items:
            booked += share
            people = max(people, math.ceil(booked / (day * days_to(due)) - 1e-9))
        work = round(sum(item[1] for item in items), 2)
        records.append((role, cluster, len(items), work, people))
    frame = pd.DataFrame(records, columns=columns)
    return blocked, frame


def missing_roles_text(missing: pd.DataFrame, config: Config) -> str:
    """The missing roles in one sentence, for the summary and the warning.

    >>> from revisitkit.config import load_config
    >>> m = pd.DataFrame({"role": ["sales_director"], "region_cluster": ["yangtze_delta"],
    ...     "tasks": [3], "person_days": [0.75], "people": [1]})
    >>> missing_roles_text(m, load_config())
    'no one on the roster is 销售总监 Sales director (sales_director): 3 task(s) stay unscheduled; add at least 1 person of that role (岗位) to schedule them'
    """
    labels = config.staffing.roles
    by_role = missing.groupby("role", sort=True).agg(
        tasks=("tasks", "sum"), people=("people", "sum")
    )
    roles = ", ".join(f"{labels.get(r, r)} ({r})" for r in by_role.index)
    people = int(by_role["people"].sum())
    return (
        f"no one on the roster is {roles}: {int(by_role['tasks'].sum()):,} task(s) stay "
        f"unscheduled; add at least {people} {'person' if people == 1 else 'people'} of "
        f"{'that role' if len(by_role) == 1 else 'these roles'} (岗位) to schedule them"
    )


def _with_unstaffed(schedule: Schedule, tasks: pd.DataFrame, blocked: np.ndarray) -> Schedule:
    """*schedule* (of the tasks not blocked) with the blocked tasks added back, unscheduled,
    every task in the order of *tasks*."""
    done = schedule.tasks
    tk = tasks[blocked].reset_index(drop=True)
    deadline = pd.to_datetime(tk["deadline"]).astype("datetime64[ns]")
    release = (
        pd.to_datetime(tk["release"]).astype("datetime64[ns]") if "release" in tk else deadline
    )
    left = pd.DataFrame(
        {
            "task_id": tk["task_id"].astype(object).to_numpy(),
            "customer_id": tk["customer_id"].astype(object).to_numpy(),
            "channel": tk["channel"].astype(object).to_numpy(),
            "priority": tk["priority"].astype(object).to_numpy(),
            "urgent": tk["urgent"].to_numpy(dtype=bool) if "urgent" in tk else False,
            "release": release.to_numpy(),
            "deadline": deadline.to_numpy(),
            "date": pd.Series(pd.NaT, index=tk.index, dtype="datetime64[ns]").to_numpy(),
            "on_time": False,
            "late_days": pd.array([pd.NA] * len(tk), dtype=done["late_days"].dtype),
            "unscheduled": True,
            "staff_ids": "",
        }
    )
    merged = pd.concat([done, left], ignore_index=True)
    order = {t: i for i, t in enumerate(tasks["task_id"].astype(str))}
    merged = merged.iloc[
        np.argsort(merged["task_id"].astype(str).map(order).to_numpy(), kind="stable")
    ]
    return dataclasses.replace(schedule, tasks=merged.reset_index(drop=True))


def adjust_roster(
    roster: pd.DataFrame,
    *,
    headcount: Mapping[str, int] | None = None,
    hours_per_day: float | None = None,
) -> pd.DataFrame:
    """A what-if copy of a roster: another headcount per role, other daily hours.

    Parameters
    ----------
    roster
        The staff frame; never modified.
    headcount
        Role → people wanted. Fewer than on the roster: the last people of the role (in
        staff_id order) are left out. More: new people ``+<role>-1``, ``+<role>-2``, … are
        added, each a copy of an existing person of the role in turn (their region and
        hours; always available, no leave), so the added capacity follows where the role
        already works. A role absent from the roster cannot be added (ValueError).
    hours_per_day
        Everyone's revisit hours a day (the same for all); None keeps each person's own.

    Examples
    --------
    >>> staff = pd.DataFrame({"staff_id": ["S1", "S2"], "name": ["甲", "乙"],
    ...     "role": ["sales", "sales"], "region": ["上海", "北京"],
    ...     "region_cluster": ["yangtze_delta", "jingjinji"], "hours_per_day": [7.0, 6.0],
    ...     "available_from": pd.NaT, "available_to": pd.NaT, "days_off": [(), ()]})
    >>> adjust_roster(staff, headcount={"sales": 3})[["staff_id", "region"]].values.tolist()
    [['S1', '上海'], ['S2', '北京'], ['+sales-1', '上海']]
    >>> adjust_roster(staff, headcount={"sales": 1}, hours_per_day=5)["hours_per_day"].tolist()
    [5.0]
    """
    out = roster.copy()
    if headcount:
        keep = pd.Series(True, index=out.index)
        added = []
        for role, want in headcount.items():
            if isinstance(want, bool) or not isinstance(want, int | np.integer) or want < 0:
                raise ValueError(f"headcount of {role} must be a whole number ≥ 0, got {want!r}")
            mine = out[out["role"] == role].sort_values("staff_id", kind="stable")
            if want <= len(mine):
                keep[mine.index[int(want) :]] = False
                continue
            if mine.empty:
                raise ValueError(
                    f"cannot add {role}: no one of that role is on the roster to model them on"
                )
            extra = mine.iloc[[i % len(mine) for i in range(int(want) - len(mine))]].copy()
            extra["staff_id"] = [f"+{role}-{i + 1}" for i in range(len(extra))]
            extra["name"] = [f"新增 new {role} {i + 1}" for i in range(len(extra))]
            extra["available_from"] = pd.NaT
            extra["available_to"] = pd.NaT
            extra["days_off"] = [() for _ in range(len(extra))]
            added.append(extra)
        out = pd.concat([out[keep], *added], ignore_index=True)
    if hours_per_day is not None:
        h = float(hours_per_day)
        if not 0 < h <= 24:
            raise ValueError(f"hours_per_day must be more than 0 and at most 24, got {h!r}")
        out["hours_per_day"] = h
    return out


def headcount_of(roster: pd.DataFrame, config: Config) -> dict[str, int]:
    """People per role, in the config's role order (roles with no one give 0).

    Parameters
    ----------
    roster
        The staff frame (a ``role`` column).
    config
        The campaign config: its ``staffing.roles`` give the roles and their order.

    Returns
    -------
    dict of str to int
        Role → people.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> counts = headcount_of(pd.DataFrame({"role": ["sales", "sales", "cs_agent"]}), load_config())
    >>> counts["sales"], counts["cs_agent"], counts["sales_director"]
    (2, 1, 0)
    """
    counts = roster["role"].value_counts()
    return {r: int(counts.get(r, 0)) for r in config.staffing.roles}
