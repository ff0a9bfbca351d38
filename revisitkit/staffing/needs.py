"""How many people the plan needs, per role and region cluster, overall and per week — the
planner's first question when there is no roster yet (§4.2 人力资源配置, §7.3 资源保障).

:func:`staffing_needs` sizes a team for a segmented plan (:func:`revisitkit.staffing.sizing.
size_roster`) so that each person's work fits into ``staffing.target_utilisation`` of their
hours (the config's ``default_hours_per_day``) by every deadline, then *verifies* the size:
the scheduler books every task onto the sized team (:func:`revisitkit.staffing.plan_staffing`).
A role whose tasks do not all land on time is sized again with more room, a few rounds at
most; what is still not on time is said, never hidden. No one's leave is counted (the team is
not known yet): the people to add for leave are the planner's to judge.

The result, :class:`StaffingNeeds`, holds

* ``overall`` — per role and cluster: people, the person-days booked, the person-days they
  have and the utilisation;
* ``weekly`` — per role, cluster and ISO week: working days, the people the verifying schedule
  books that week, their person-days booked and the utilisation of the cluster's team;
* ``roster`` — the sized team as a roster (``roster_draft.csv``; ``revisitkit roster draft``
  turns it into a workbook with Chinese headers and names to fill in), which ``--staff``
  accepts as it is.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from revisitkit.calendar import CampaignCalendar
from revisitkit.config import Config
from revisitkit.staffing.plan import StaffingPlan, plan_staffing
from revisitkit.staffing.sizing import RosterProfile, RosterSizing, size_roster
from revisitkit.staffing.specialists import specialist_role
from revisitkit.staffing.tasks import build_tasks

__all__ = [
    "NEEDS_COLUMNS",
    "OVERALL",
    "StaffingNeeds",
    "placeholder_name",
    "staffing_needs",
]

#: The ``period`` of the rows of staffing_needs.csv that cover the whole campaign (the others
#: name an ISO week's Monday).
OVERALL = "all"
#: Columns of staffing_needs.csv.
NEEDS_COLUMNS = (
    "role",
    "region_cluster",
    "period",
    "working_days",
    "people",
    "person_days",
    "capacity_person_days",
    "utilisation",
)
#: How many times a role is sized again when the scheduler cannot put all of its tasks on
#: time, and by how much more room each time (a factor on the sizing's ratios).
_ROUNDS = 6
_STEP = 1.10


def placeholder_name(staff_id: str) -> str:
    """The name a drafted position carries until the planner writes a person's: 待填 + id."""
    return f"待填 {staff_id}"


@dataclass(frozen=True)
class StaffingNeeds:
    """People needed per role and cluster (see :func:`staffing_needs`)."""

    overall: pd.DataFrame
    weekly: pd.DataFrame
    roster: pd.DataFrame  # the canonical staff frame of the sized team
    sizing: RosterSizing
    staffing: StaffingPlan  # the verifying schedule on the sized team
    target_utilisation: float
    hours_per_day: float
    rounds: int  # sizings made (1 = the first one was verified)
    config: Config

    @property
    def not_on_time(self) -> int:
        """Tasks the verifying schedule could not put on time (0 = verified)."""
        s = self.staffing.schedule
        return int(s.late + s.unscheduled)

    @property
    def verified(self) -> bool:
        return self.not_on_time == 0

    def to_frame(self) -> pd.DataFrame:
        """staffing_needs.csv: the overall rows (``period`` = ``all``), then the weekly rows
        (``period`` = the week's Monday), each per role and cluster (codes)."""
        both = pd.concat([self.overall, self.weekly], ignore_index=True)
        return both[list(NEEDS_COLUMNS)]

    def sizing_of(self, role: str):
        return next((r for r in self.sizing.roles if r.role == role), None)

    @property
    def specialists_role(self) -> str | None:
        return specialist_role(self.config)

    @property
    def specialists_needed(self) -> int:
        return self.staffing.specialists.needed if self.staffing.specialists else 0

    def people_by_role(self) -> dict[str, int]:
        return self.overall.groupby("role", sort=False)["people"].sum().astype(int).to_dict()

    def summary_lines(self) -> list[str]:
        """What the plan's summary says about the people needed, one line each."""
        roles = self.config.staffing.roles
        clusters = {c: v.label for c, v in self.config.region_clusters.items()}
        total = int(self.overall["people"].sum())
        lines = [
            f"Staffing needs (no roster given): {total:,} people at "
            f"{self.target_utilisation:.0%} of {self.hours_per_day:g} h a day "
            "(staffing.target_utilisation, default_hours_per_day), no leave counted"
        ]
        for role, rows in self.overall.groupby("role", sort=False):
            where = ", ".join(
                f"{clusters.get(r.region_cluster, '其他 other')} {r.people}"
                for r in rows.itertuples(index=False)
            )
            line = f"  {roles.get(role, role)}: {int(rows['people'].sum())} ({where})"
            sized = self.sizing_of(role)
            if sized is not None and sized.owners:
                line += (
                    f"; {sized.owners} of them the customers' own account managers (owner), "
                    f"{sized.hours_per_day:g} h a day each"
                )
            if role == self.specialists_role and self.specialists_needed:
                line += (
                    f"; at least {self.specialists_needed} dedicated specialists "
                    f"(§7.3, 1:{self.config.staffing.specialist_ratio})"
                )
            lines.append(line)
        if self.verified:
            lines.append("  verified: the scheduler puts every task on time with these people")
        else:
            lines.append(
                f"  not verified: {self.not_on_time:,} task(s) still miss their deadline with "
                f"these people after {self.rounds} sizing rounds"
            )
        over = self.weekly[self.weekly["utilisation"] > self.target_utilisation + 1e-9]
        if len(over):
            weeks = sorted(over["period"].unique())
            lines.append(
                f"  {len(over)} role-week(s) run above {self.target_utilisation:.0%} to keep the "
                f"deadlines (weeks from {weeks[0]}): the schedule books early work first"
            )
        return lines


def staffing_needs(
    plan: pd.DataFrame,
    config: Config,
    calendar: CampaignCalendar,
    *,
    tasks: pd.DataFrame | None = None,
) -> StaffingNeeds:
    """Size the team the plan needs and verify it with the scheduler.

    Parameters
    ----------
    plan : DataFrame
        ``segment(...).plan``. Its ``owner`` column (the customers' account managers) is kept:
        they are on the team with the hours their own customers need.
    config : Config
        ``staffing.target_utilisation`` and ``default_hours_per_day`` set a person's usable
        minutes a day; roles, effort, travel and clusters as for the plan.
    calendar : CampaignCalendar
        The campaign calendar (working days, 调休 Saturdays included).
    tasks : DataFrame, optional
        The plan's tasks when already built.

    Returns
    -------
    StaffingNeeds
    """
    target = float(config.staffing.target_utilisation)
    profile = RosterProfile(
        capacity_ratio=1.0 / target,
        deadline_margin=1.0 / target,
        leave_share=0.0,
        late_start_share=0.0,
        early_end_share=0.0,
    )
    if tasks is None:
        tasks = build_tasks(plan, config, calendar=calendar.calendar)
    factors: dict[str, float] = {}
    rounds = 0
    while True:
        rounds += 1
        sizing = size_roster(
            plan, config, profile=replace(profile, role_factors=tuple(sorted(factors.items())))
        )
        staff = _with_placeholder_names(sizing.staff)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a sized team has every role the tasks need
            sp = plan_staffing(plan, staff, config, calendar, gap=False)
        short = _short_roles(sp)
        if not short or rounds >= _ROUNDS:
            break
        for role in short:
            factors[role] = factors.get(role, 1.0) * _STEP
    overall, weekly = _tables(sp, staff, config, target)
    return StaffingNeeds(
        overall=overall,
        weekly=weekly,
        roster=staff,
        sizing=sizing,
        staffing=sp,
        target_utilisation=target,
        hours_per_day=float(config.staffing.default_hours_per_day),
        rounds=rounds,
        config=config,
    )


def _with_placeholder_names(staff: pd.DataFrame) -> pd.DataFrame:
    out = staff.copy()
    out["name"] = [placeholder_name(s) for s in out["staff_id"].astype(str)]
    return out


def _short_roles(sp: StaffingPlan) -> set[str]:
    """The roles of the tasks the schedule did not put on time."""
    tk = sp.schedule.tasks
    missed = set(tk.loc[~tk["on_time"].astype(bool), "task_id"])
    if not missed:
        return set()
    roles = sp.tasks.loc[sp.tasks["task_id"].isin(missed), "roles"]
    return {r for team in roles for r in team}


def _tables(
    sp: StaffingPlan, staff: pd.DataFrame, config: Config, target: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    day = float(config.staffing.default_hours_per_day) * 60.0
    cluster_of = dict(zip(staff["staff_id"], staff["region_cluster"].fillna("other"), strict=True))
    booked = sp.assignments()[["staff_id", "date", "minutes"]].copy()
    booked["region_cluster"] = booked["staff_id"].map(cluster_of)
    booked["role"] = booked["staff_id"].map(
        dict(zip(staff["staff_id"], staff["role"], strict=True))
    )
    cap = sp.schedule.capacity[["staff_id", "date", "capacity_minutes"]].copy()
    cap = cap[cap["staff_id"].isin(cluster_of)]  # the sized people (no reserve pool)
    cap["region_cluster"] = cap["staff_id"].map(cluster_of)
    cap["role"] = cap["staff_id"].map(dict(zip(staff["staff_id"], staff["role"], strict=True)))
    for frame in (booked, cap):
        d = pd.to_datetime(frame["date"])
        frame["period"] = (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")

    role_order = {r: i for i, r in enumerate(config.staffing.roles)}
    cluster_order = {c: i for i, c in enumerate(config.region_clusters)}
    keys = ["role", "region_cluster"]
    people = staff.assign(region_cluster=staff["region_cluster"].fillna("other"))
    people = people.groupby(keys).size().rename("people")
    minutes = booked.groupby(keys)["minutes"].sum()
    capacity = cap.groupby(keys)["capacity_minutes"].sum()
    days = cap[cap["capacity_minutes"] > 0].groupby(keys)["date"].nunique()
    overall = pd.concat([people, minutes, capacity, days], axis=1).fillna(0).reset_index()
    overall["period"] = OVERALL
    overall = overall.rename(columns={"date": "working_days"})

    wk_min = booked.groupby([*keys, "period"])["minutes"].sum()
    wk_cap = cap.groupby([*keys, "period"])["capacity_minutes"].sum()
    wk_days = cap[cap["capacity_minutes"] > 0].groupby([*keys, "period"])["date"].nunique()
    weekly = pd.concat([wk_min, wk_cap, wk_days], axis=1).fillna(0).reset_index()
    weekly = weekly.rename(columns={"date": "working_days"})
    weekly = weekly[weekly["working_days"] > 0]
    # the people a week needs: those of the sized team the schedule books that week
    busy = booked[booked["minutes"] > 0].groupby([*keys, "period"])["staff_id"].nunique()
    weekly = weekly.merge(busy.rename("people").reset_index(), on=[*keys, "period"], how="left")
    weekly["people"] = weekly["people"].fillna(0)

    out = []
    for frame in (overall, weekly):
        frame = frame.copy()
        frame["person_days"] = frame["minutes"] / day
        frame["capacity_person_days"] = frame["capacity_minutes"] / day
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["utilisation"] = frame["minutes"] / frame["capacity_minutes"].where(
                frame["capacity_minutes"] > 0
            )
        frame["working_days"] = frame["working_days"].astype(int)
        frame["people"] = frame["people"].astype(int)
        frame = frame.sort_values(
            ["role", "region_cluster", "period"],
            key=lambda s: (
                s.map(role_order)
                if s.name == "role"
                else s.map(cluster_order).fillna(len(cluster_order))
                if s.name == "region_cluster"
                else s
            ),
            kind="stable",
        )
        out.append(frame[list(NEEDS_COLUMNS)].reset_index(drop=True))
    return out[0], out[1]
