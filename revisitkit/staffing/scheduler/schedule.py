"""The result every solver gives: :class:`Schedule`, and how it is built from the days and
teams a solver chose (:func:`_build_schedule`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from revisitkit.staffing.scheduler.problem import PRIORITIES, _Problem

__all__ = ["Schedule"]


@dataclass(frozen=True)
class Schedule:
    """A revisit schedule: who does which task on which day, and what misses its deadline.

    Attributes
    ----------
    assignments : DataFrame
        One row per person per task: task_id, customer_id, channel, staff_id, role,
        region_cluster, date, minutes (meeting + travel), travel_minutes, deadline, on_time,
        late_days. Sorted by date, staff_id, task_id.
    tasks : DataFrame
        One row per task in input order: task_id, customer_id, channel, priority, urgent,
        release, deadline, date (NaT when unscheduled), on_time, late_days (calendar days,
        ``<NA>`` when unscheduled), unscheduled, staff_ids (";"-joined).
    method : str
        ``"heuristic"`` or ``"exact"``.
    status : str
        How the solver ended: ``"heuristic"``, ``"optimal"``, or a time-limit message.
    capacity : DataFrame
        Minutes each person can work each working day of the window: staff_id, role,
        region_cluster, date, capacity_minutes (their days off and availability applied).
    notes : tuple of str
        Things the planner should know (deadlines outside the window, unknown owners, …).
    target : float or None
        The levelling target it was built with (``SchedulerSettings.target_utilisation``):
        each person-week is booked up to it where deadlines allow; None = front-loaded.
    """

    assignments: pd.DataFrame
    tasks: pd.DataFrame
    method: str
    status: str
    capacity: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    target: float | None = None

    @property
    def on_time(self) -> int:
        return int(self.tasks["on_time"].sum())

    @property
    def late(self) -> int:
        return int((~self.tasks["on_time"] & ~self.tasks["unscheduled"]).sum())

    @property
    def unscheduled(self) -> int:
        return int(self.tasks["unscheduled"].sum())

    @property
    def counts(self) -> dict[str, int]:
        """{"on_time": …, "late": …, "unscheduled": …}."""
        return {"on_time": self.on_time, "late": self.late, "unscheduled": self.unscheduled}

    @property
    def score(self) -> tuple[int, int, int, int]:
        """(urgent on time, high on time, on time, placed): how schedules are ranked."""
        tk = self.tasks
        on = tk["on_time"].to_numpy(dtype=bool)
        return (
            int((on & tk["urgent"].to_numpy(dtype=bool)).sum()),
            int((on & (tk["priority"] == "high").to_numpy()).sum()),
            int(on.sum()),
            int((~tk["unscheduled"]).sum()),
        )

    def to_frame(self) -> pd.DataFrame:
        """The schedule as one table (a copy of :attr:`assignments`), as schedule.csv holds it."""
        return self.assignments.copy()

    def workload(self, by: Sequence[str] = ("week", "role")) -> pd.DataFrame:
        """Booked minutes against capacity, grouped.

        Parameters
        ----------
        by : sequence of str
            Any of ``"week"`` (ISO week, e.g. ``2026-W51``), ``"date"``, ``"role"``,
            ``"region_cluster"`` (or ``"cluster"``), ``"staff_id"``.

        Returns
        -------
        DataFrame
            The ``by`` columns, then booked_minutes, capacity_minutes, utilisation
            (booked / capacity; NaN where there is no capacity).
        """
        if isinstance(by, str):
            by = (by,)
        keys = ["region_cluster" if k == "cluster" else k for k in by]
        allowed = ("week", "date", "role", "region_cluster", "staff_id")
        bad = [k for k in keys if k not in allowed]
        if bad or not keys:
            raise ValueError(f"workload by must name some of {allowed}, got {tuple(by)!r}")
        cap = self.capacity.copy()
        booked = self.assignments[["staff_id", "role", "region_cluster", "date", "minutes"]].copy()
        for frame in (cap, booked):
            iso = frame["date"].dt.isocalendar()
            frame["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
        left = cap.groupby(keys, dropna=False)["capacity_minutes"].sum()
        right = booked.groupby(keys, dropna=False)["minutes"].sum()
        out = pd.concat([right.rename("booked_minutes"), left], axis=1).fillna(0.0)
        out = out.sort_index().reset_index()
        with np.errstate(divide="ignore", invalid="ignore"):
            util = out["booked_minutes"] / out["capacity_minutes"].where(
                out["capacity_minutes"] > 0
            )
        out["utilisation"] = util
        return out

    def weeks_above_target(self) -> pd.DataFrame:
        """Person-weeks booked above :attr:`target` of the person's minutes that week:
        week, staff_id, role, region_cluster, booked_minutes, capacity_minutes, utilisation,
        sorted by week and staff_id. Levelling found no other week on time for their tasks,
        so these are the weeks a deadline needs the buffer in. Empty without a target.

        >>> import pandas as pd
        >>> from datetime import date
        >>> from revisitkit.calendar import build_calendar
        >>> from revisitkit.staffing.scheduler import Scheduler, SchedulerSettings
        >>> cal = build_calendar([2027], fixed_holidays={}, spring_festival_offsets=[])
        >>> ids = [f"T{i:02d}" for i in range(34)]  # 34 one-hour calls due Friday 2027-01-08
        >>> tasks = pd.DataFrame({"task_id": ids, "customer_id": ids, "channel": "phone",
        ...     "roles": [("sales",)] * 34, "minutes": 60.0, "release": pd.Timestamp("2027-01-04"),
        ...     "deadline": pd.Timestamp("2027-01-08")})
        >>> roster = pd.DataFrame({"staff_id": ["S1"], "role": ["sales"], "hours_per_day": [7.0]})
        >>> settings = SchedulerSettings(travel_minutes=dict.fromkeys(
        ...     ["same_region", "same_cluster", "other_cluster", "overseas"], 0),
        ...     target_utilisation=0.85)
        >>> s = Scheduler(tasks, roster, cal, date(2027, 1, 4), date(2027, 1, 15), settings).solve()
        >>> s.weeks_above_target()[["week", "staff_id", "utilisation"]].round(3).to_string(index=False)
        '    week staff_id  utilisation\\n2027-W01       S1        0.971'
        """
        cols = [
            "week",
            "staff_id",
            "role",
            "region_cluster",
            "booked_minutes",
            "capacity_minutes",
            "utilisation",
        ]
        if self.target is None or not len(self.assignments):
            return pd.DataFrame(columns=cols)
        weeks = self.workload(("week", "staff_id", "role", "region_cluster"))
        above = weeks[weeks["utilisation"] > self.target + 1e-9]
        return above[cols].sort_values(["week", "staff_id"]).reset_index(drop=True)

    def gaps(self) -> pd.DataFrame:
        """Tasks that miss their deadline: late ones (by how many days) and unscheduled ones.

        Sorted by urgent first, priority, then the longest lateness (unscheduled last).
        """
        tk = self.tasks
        miss = tk[~tk["on_time"]].copy()
        miss["_p"] = miss["priority"].map({p: i for i, p in enumerate(PRIORITIES)})
        miss["_late"] = miss["late_days"].astype("Float64").fillna(np.inf)
        miss = miss.sort_values(
            ["urgent", "_p", "_late", "task_id"], ascending=[False, True, False, True]
        )
        cols = [
            "task_id",
            "customer_id",
            "channel",
            "priority",
            "urgent",
            "deadline",
            "date",
            "late_days",
            "unscheduled",
        ]
        return miss[cols].reset_index(drop=True)


def _build_schedule(
    pb: _Problem,
    tasks: pd.DataFrame,
    day: np.ndarray,
    persons: list[tuple[int, ...]],
    needs: list[tuple[float, ...]],
    method: str,
    status: str,
    notes: Sequence[str],
) -> Schedule:
    T = pb.n_tasks
    tk = tasks.reset_index(drop=True)
    deadline_days = pb.day0 + pb.deadline.astype("timedelta64[D]")
    placed = day >= 0
    date_days = np.where(
        placed, pb.day0 + np.maximum(day, 0).astype("timedelta64[D]"), np.datetime64("NaT", "D")
    )
    on = placed & (day <= pb.deadline)
    late = np.where(placed, np.maximum(day - pb.deadline, 0), 0)
    late_days = pd.array(np.where(placed, late, 0), dtype="Int64")
    late_days[~placed] = pd.NA

    counts = np.array([len(p) for p in persons], dtype=np.int64)
    t_rep = np.repeat(np.arange(T), counts)
    p_all = np.array([p for ps in persons for p in ps], dtype=np.int64)
    m_all = np.array([m for ms in needs for m in ms], dtype=float)
    tr_all = np.array(
        [pb.travel_minutes_of(t, p) for t, ps in enumerate(persons) for p in ps], dtype=float
    )
    roles = np.array(pb.role_names, dtype=object)
    clusters = np.array([*pb.cluster_names, None, None], dtype=object)  # -2/-1 -> None
    assignments = pd.DataFrame(
        {
            "task_id": pb.task_ids[t_rep],
            "customer_id": tk["customer_id"].to_numpy(dtype=object)[t_rep],
            "channel": tk["channel"].to_numpy(dtype=object)[t_rep],
            "staff_id": pb.staff_ids[p_all],
            "role": roles[pb.staff_role[p_all]] if len(p_all) else np.array([], dtype=object),
            "region_cluster": clusters[pb.staff_cluster[p_all]]
            if len(p_all)
            else np.array([], dtype=object),
            "date": pd.to_datetime(date_days[t_rep]).astype("datetime64[ns]"),
            "minutes": m_all,
            "travel_minutes": tr_all,
            "deadline": pd.to_datetime(deadline_days[t_rep]).astype("datetime64[ns]"),
            "on_time": on[t_rep],
            "late_days": late[t_rep].astype(np.int64),
        }
    )
    assignments = assignments.sort_values(["date", "staff_id", "task_id"], kind="stable")
    assignments = assignments.reset_index(drop=True)

    staff_text = [";".join(pb.staff_ids[list(ps)].tolist()) if ps else "" for ps in persons]
    prio = np.array(PRIORITIES, dtype=object)[pb.priority]
    out_tasks = pd.DataFrame(
        {
            "task_id": pb.task_ids,
            "customer_id": tk["customer_id"].to_numpy(dtype=object),
            "channel": tk["channel"].to_numpy(dtype=object),
            "priority": prio,
            "urgent": pb.urgent.copy(),
            "release": pd.to_datetime(pb.day0 + pb.release.astype("timedelta64[D]")).astype(
                "datetime64[ns]"
            ),
            "deadline": pd.to_datetime(deadline_days).astype("datetime64[ns]"),
            "date": pd.to_datetime(date_days).astype("datetime64[ns]"),
            "on_time": on,
            "late_days": late_days,
            "unscheduled": ~placed,
            "staff_ids": np.array(staff_text, dtype=object),
        }
    )
    return Schedule(
        assignments=assignments,
        tasks=out_tasks,
        method=method,
        status=status,
        capacity=_capacity_frame(pb),
        notes=tuple(notes),
        target=pb.target,
    )


def _capacity_frame(pb: _Problem) -> pd.DataFrame:
    S, D = pb.cap.shape
    work = np.flatnonzero(pb.working)
    roles = np.array(pb.role_names, dtype=object)
    clusters = np.array([*pb.cluster_names, None, None], dtype=object)
    cap = np.maximum(pb.cap[:, work], 0.0)
    dates = pd.to_datetime(pb.day0 + work.astype("timedelta64[D]")).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "staff_id": np.repeat(pb.staff_ids, len(work)),
            "role": np.repeat(roles[pb.staff_role], len(work)),
            "region_cluster": np.repeat(clusters[pb.staff_cluster], len(work)),
            "date": np.tile(dates.to_numpy(), S),
            "capacity_minutes": cap.ravel(),
        }
    )
