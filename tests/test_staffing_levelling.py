"""Levelling (issue 19, item 6): each person's week at or under staffing.target_utilisation
where deadlines allow, up to 100% only where a deadline needs it, and never a task less on time.

Every expected day count below is worked out by hand from the rule: one person, 7 h a day
(420 min), a Monday-to-Friday week of 2,100 min, a target of 85% = 1,785 min a week.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from revisitkit.calendar import build_calendar
from revisitkit.config import load_config
from revisitkit.staffing.scheduler import Scheduler, SchedulerSettings
from tests.schedule_checker import check_levelling, check_schedule, travel_minutes_by_class

ROOT = Path(__file__).resolve().parents[1]
NO_TRAVEL = dict.fromkeys(["same_region", "same_cluster", "other_cluster", "overseas"], 0)
CAL = build_calendar([2027], fixed_holidays={}, spring_festival_offsets=[])
MON1, FRI1, FRI2 = date(2027, 1, 4), date(2027, 1, 8), date(2027, 1, 15)


def _calls(due: list[date], minutes: float = 60.0, roles=("sales",)) -> pd.DataFrame:
    ids = [f"T{i:02d}" for i in range(len(due))]
    return pd.DataFrame(
        {
            "task_id": ids,
            "customer_id": ids,
            "channel": "phone",
            "roles": [tuple(roles)] * len(due),
            "minutes": minutes,
            "release": pd.Timestamp(MON1),
            "deadline": [pd.Timestamp(d) for d in due],
        }
    )


def _roster(roles=("sales",)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": [f"S{i + 1}" for i in range(len(roles))],
            "role": list(roles),
            "hours_per_day": 7.0,
        }
    )


def _solve(tasks, roster, target, method="auto"):
    settings = SchedulerSettings(travel_minutes=NO_TRAVEL, target_utilisation=target)
    return Scheduler(tasks, roster, CAL, MON1, FRI2, settings).solve(method=method)


def _per_day(schedule) -> dict[int, int]:
    days = pd.to_datetime(schedule.tasks["date"]).dt.day
    return {int(k): int(v) for k, v in days.value_counts().sort_index().items()}


def test_forty_calls_with_slack_stay_at_the_target():
    # 40 one-hour calls due at the end of week 2. Front-loaded: 7 a day, 35 in week 1 (100%).
    # Levelled: week 1 takes 29 (1,740 min ≤ 1,785; a 30th would be 1,800), Monday to
    # Thursday 7 each and 1 on Friday (the buffer is kept at the end of the week), week 2 the
    # other 11 (7 on Monday, 4 on Tuesday).
    tasks = _calls([FRI2] * 40)
    front = _solve(tasks, _roster(), None)
    assert _per_day(front) == {4: 7, 5: 7, 6: 7, 7: 7, 8: 7, 11: 5}
    level = _solve(tasks, _roster(), 0.85)
    assert _per_day(level) == {4: 7, 5: 7, 6: 7, 7: 7, 8: 1, 11: 7, 12: 4}
    assert level.score == front.score == (0, 0, 40, 40)
    assert level.weeks_above_target().empty
    util = level.workload(("week",)).set_index("week")["utilisation"]
    assert util.round(4).to_dict() == {"2027-W01": round(1740 / 2100, 4), "2027-W02": 0.3143}


def test_a_deadline_that_needs_the_buffer_goes_to_100_percent_and_is_flagged():
    # 34 calls due Friday of week 1 (2,040 min: 97.1% of 2,100) and 6 due in week 2: week 1
    # must hold all 34 above the target, week 2 takes the 6.
    tasks = _calls([FRI1] * 34 + [FRI2] * 6)
    s = _solve(tasks, _roster(), 0.85)
    assert s.score == (0, 0, 40, 40)
    assert _per_day(s) == {4: 7, 5: 7, 6: 7, 7: 7, 8: 6, 11: 6}
    above = s.weeks_above_target()
    assert above[["week", "staff_id"]].values.tolist() == [["2027-W01", "S1"]]
    assert above["booked_minutes"].tolist() == [2040.0]
    assert above["utilisation"].round(4).tolist() == [round(2040 / 2100, 4)]


def test_a_team_moves_as_one_and_each_member_stays_at_the_target():
    # 12 visits of 200 min each by a sales director and a technical consultant together, due
    # at the end of week 2. Two fit a day (400 ≤ 420). Front-loaded: 10 in week 1 (2,000 min,
    # 95%), 2 in week 2. Levelled: 8 in week 1 (1,600 ≤ 1,785; 9 would be 1,800), 4 in week 2.
    roles = ("sales_director", "tech_consultant")
    tasks = _calls([FRI2] * 12, minutes=200.0, roles=roles)
    front = _solve(tasks, _roster(roles), None)
    level = _solve(tasks, _roster(roles), 0.85)
    weeks = lambda s: (  # noqa: E731
        pd.to_datetime(s.tasks["date"]).dt.isocalendar().week.value_counts().sort_index().tolist()
    )
    assert weeks(front) == [10, 2]
    assert weeks(level) == [8, 4]
    per_person = level.workload(("week", "staff_id"))
    assert per_person["booked_minutes"].tolist() == [1600.0, 1600.0, 800.0, 800.0]
    assert level.weeks_above_target().empty


def test_the_checker_catches_a_front_loaded_schedule():
    tasks = _calls([FRI2] * 40)
    front = _solve(tasks, _roster(), None)
    problems = check_levelling(front.assignments, tasks, _roster(), CAL, MON1, FRI2, 0.85)
    assert problems and "above 85% in 2027-W01" in problems[0]
    level = _solve(tasks, _roster(), 0.85)
    assert check_levelling(level.assignments, tasks, _roster(), CAL, MON1, FRI2, 0.85) == []


@pytest.mark.parametrize("n_tasks, n_staff", [(1_500, 30), (3_000, 40)])
def test_levelling_never_costs_a_task_its_place(n_tasks, n_staff):
    """The benchmark's synthetic campaign (teams with travel, follow-ups, churn warnings, leave,
    people short): the levelled schedule has exactly the front-loaded one's ranking, keeps every
    hard rule, and leaves fewer person-weeks above the target."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_schedule import END, START, TRAVEL, synthetic

    cal = build_calendar(
        [2026, 2027],
        holiday_files=[ROOT / "data/holidays/2027.yaml"],
        fixed_holidays={"01-01": "元旦"},
        spring_festival_offsets=[-1, 0, 1, 2],
    )
    tasks, roster = synthetic(n_tasks, n_staff)
    results = {}
    for target in (None, 0.85):
        settings = SchedulerSettings(travel_minutes=TRAVEL, target_utilisation=target)
        results[target] = Scheduler(tasks, roster, cal, START, END, settings).solve("heuristic")
    front, level = results[None], results[0.85]
    assert level.score == front.score
    fn = travel_minutes_by_class(TRAVEL, frozenset({"southeast_asia", "europe"}))
    assert check_schedule(level.assignments, level.tasks, tasks, roster, cal, START, END, fn) == []
    assert check_levelling(level.assignments, tasks, roster, cal, START, END, 0.85) == []

    def above(s):
        w = s.workload(("week", "staff_id"))
        return int((w["utilisation"] > 0.85 + 1e-9).sum())

    assert above(level) < above(front)


def test_config_front_load_switches_levelling_off():
    config = load_config()
    assert config.staffing.front_load is False
    assert SchedulerSettings.from_config(config).target_utilisation == 0.85
    front = config.model_copy(
        update={"staffing": config.staffing.model_copy(update={"front_load": True})}
    )
    assert SchedulerSettings.from_config(front).target_utilisation is None


@pytest.mark.parametrize("bad", [0, 1.5, -0.1, "85%", True])
def test_a_bad_target_is_refused(bad):
    with pytest.raises(ValueError, match="target_utilisation"):
        SchedulerSettings(travel_minutes=NO_TRAVEL, target_utilisation=bad)


def test_above_target_counts_what_it_takes_to_stay_at_the_target():
    """The 34 calls due in week 1: (2,040 − 0.85 × 2,100) / 0.85 = 300 min beyond the target,
    0.71 of a 7-h person-day: 1 extra person-day keeps S1 at 85%. The summary says so, and the
    heat map carries the target on its colour bar and outlines the role-week."""
    from revisitkit.views.plots import workload_heatmap

    sp = _tiny_plan()
    extra = sp.above_target()
    assert extra[["role", "person_weeks", "extra_person_days_at_target"]].values.tolist() == [
        ["sales", 1, 1]
    ]
    text = "\n".join(sp.summary_lines())
    assert "levelled at 85% of each person's week: 1 person-week(s) above it" in text
    assert "about 1 extra person-days" in text
    wl = sp.workload()
    assert wl.attrs["target"] == 0.85
    assert wl.loc[wl["people_above_target"] > 0, "week"].tolist() == ["2027-W01"]
    fig = workload_heatmap(wl, sp.config)
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "目标 85%" in labels
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert any("1人>85%" in c for c in cells)


def _tiny_plan():
    """A one-person StaffingPlan: 34 calls due 2027-01-08 and 6 due 01-15."""
    from revisitkit.staffing.plan import StaffingPlan

    config = load_config()
    tasks = _calls([FRI1] * 34 + [FRI2] * 6)
    roster = _roster()
    settings = SchedulerSettings.from_config(config, travel_minutes=NO_TRAVEL)
    schedule = Scheduler(tasks, roster, CAL, MON1, FRI2, settings).solve()
    return StaffingPlan(
        tasks=tasks.assign(customer_cluster=None),
        roster=roster,
        schedule=schedule,
        gap=None,
        start=MON1,
        end=FRI2,
        reserve=False,
        config=config,
    )


def test_the_sample_plan_is_levelled_and_keeps_every_task_on_time():
    """The bundled sample: every task on time either way; levelled, fewer person-weeks run
    above 85% (deadline weeks only), and the checker finds none that could move."""
    from revisitkit.io import load_roster
    from revisitkit.staffing import plan_staffing
    from revisitkit.workspace import load_workspace

    ws = load_workspace(ROOT / "data/sample/customers.csv", None)
    roster = load_roster(ROOT / "data/sample/roster.csv", ws.config)
    front_cfg = ws.config.model_copy(
        update={"staffing": ws.config.staffing.model_copy(update={"front_load": True})}
    )
    level = plan_staffing(ws.plan, roster, ws.config, ws.calendar, gap=False)
    front = plan_staffing(ws.plan, roster, front_cfg, ws.calendar, gap=False)
    assert level.schedule.score == front.schedule.score
    assert level.feasible
    n_level = len(level.schedule.weeks_above_target())
    w = front.schedule.workload(("week", "staff_id"))
    n_front = int((w["utilisation"] > 0.85 + 1e-9).sum())
    assert n_level < n_front
    assert "front-loaded (staffing.front_load)" in "\n".join(front.summary_lines())
    cal = ws.calendar.calendar
    assert (
        check_levelling(
            level.schedule.assignments, level.tasks, level.roster, cal, level.start, level.end, 0.85
        )
        == []
    )
    assert np.isfinite(level.schedule.workload(("week",))["utilisation"]).all()


def test_the_gap_table_shows_what_staying_at_the_target_takes_beside_the_gap_at_100():
    """45 one-hour calls due Friday of week 1 on one 7-h person: 35 fit (2,100 min, 100%), 10
    do not. The verified gap at 100% is 2 person-days (600 min of calls, whole 7-h days). At
    85%: 2 / 0.85 = 2.35 for the extra people, plus S1's own week, (2,100 − 1,785) / 0.85 =
    370.6 min = 0.88 of a day: 3.24, so 4 person-days."""
    from revisitkit.staffing.plan import StaffingPlan
    from revisitkit.staffing.scheduler import capacity_gap
    from revisitkit.views.tables import gap_table

    config = load_config()
    tasks = _calls([FRI1] * 45).assign(customer_cluster="yangtze_delta")
    roster = _roster().assign(region_cluster="yangtze_delta")
    settings = SchedulerSettings.from_config(config, travel_minutes=NO_TRAVEL)
    gap = capacity_gap(tasks, roster, CAL, MON1, FRI2, settings)
    sp = StaffingPlan(
        tasks=tasks,
        roster=roster,
        schedule=gap.schedule,
        gap=gap,
        start=MON1,
        end=FRI2,
        reserve=False,
        config=config,
    )
    assert sp.schedule.on_time == 35
    table = gap_table(sp, config)
    assert table["需补充人天 Extra person-days"].tolist() == [2]
    assert table["保持85%需补人天 At 85%"].tolist() == [4]
