"""The capacity gap (issue 19, item 4): proportionate, never larger with the reserve pool, and
tasks no extra person-day can do reported with the reason instead of a pile of person-days.

Hand-worked figures: a director's day is 7 h (420 min); travel from the customer's cluster
is 180 min, from another cluster 270 min (the config's defaults are not used: these are set
here); an on-site visit is 105 min.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from revisitkit.calendar import build_calendar
from revisitkit.staffing.scheduler import SchedulerSettings, capacity_gap

ROOT = Path(__file__).resolve().parents[1]
CAL = build_calendar([2027], fixed_holidays={}, spring_festival_offsets=[])
MON, TUE, FRI = date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 8)
TRAVEL = {"same_region": 90.0, "same_cluster": 180.0, "other_cluster": 270.0, "overseas": 300.0}
SETTINGS = SchedulerSettings(travel_minutes=TRAVEL)


def _visits(n: int, due: date, region: str = "江苏", cluster: str = "yangtze_delta"):
    ids = [f"V{i:02d}" for i in range(n)]
    return pd.DataFrame(
        {
            "task_id": ids,
            "customer_id": ids,
            "channel": "onsite_visit",
            "roles": [("sales_director",)] * n,
            "minutes": 105.0,
            "travel": True,
            "customer_region": region,
            "customer_cluster": cluster,
            "release": pd.Timestamp(MON),
            "deadline": pd.Timestamp(due),
        }
    )


def _directors(hours: float = 7.0, n: int = 1, region="上海", cluster="yangtze_delta"):
    return pd.DataFrame(
        {
            "staff_id": [f"D{i + 1}" for i in range(n)],
            "role": "sales_director",
            "region": region,
            "region_cluster": cluster,
            "hours_per_day": hours,
        }
    )


def test_a_long_visit_takes_a_whole_day_in_the_bound():
    """Four visits in 江苏 due Tuesday, one director in 上海 (same cluster: 105 + 180 = 285 min,
    more than half of 420): one visit a day, two on Monday and Tuesday, so two are missing —
    2 extra person-days. Counting minutes only, 4 × 285 = 1,140 against 840 is 300 min short,
    1 person-day: the bound was 1 where 2 are needed."""
    gap = capacity_gap(_visits(4, TUE), _directors(), CAL, MON, FRI, SETTINGS)
    row = gap.to_frame().iloc[0]
    assert (row["role"], row["region_cluster"]) == ("sales_director", "yangtze_delta")
    assert int(row["extra_person_days_bound"]) == 2
    assert int(row["extra_person_days_verified"]) == 2
    assert gap.feasible_with_extra
    assert gap.schedule_with_extra.on_time == 4


def test_a_visit_no_extra_person_day_can_do_is_reported_not_piled_up():
    """Directors of 4 h (240 min): a visit by someone of the customer's cluster takes 105 +
    180 = 285 min, by the 北京 director 105 + 270 = 375 min. No one, and no extra person-day of
    4 h, can do it: the gap names the reason instead of adding person-days that cannot help."""
    gap = capacity_gap(
        _visits(3, FRI),
        _directors(hours=4.0, region="北京", cluster="jingjinji"),
        CAL,
        MON,
        FRI,
        SETTINGS,
    )
    assert gap.schedule.on_time == 0
    assert gap.to_frame()["extra_person_days_verified"].sum() == 0
    assert gap.feasible_with_extra
    note = next(n for n in gap.notes if "no extra person-day" in n)
    assert note.startswith("3 task(s) take longer")
    assert "sales_director" in note and "105 min plus travel" in note


def test_a_small_shortfall_gets_a_small_gap():
    """The review's row "1.0 missing person-day → 75 extra": one visit too many for one
    director over a week (five visits from the cluster, one a day, and a sixth) is one extra
    person-day, not dozens."""
    gap = capacity_gap(_visits(6, FRI), _directors(), CAL, MON, FRI, SETTINGS)
    table = gap.to_frame()
    assert table["extra_person_days_verified"].tolist() == [1]
    assert table["extra_person_days_bound"].tolist() == [1]


@pytest.fixture(scope="module")
def thinned_sample_gap():
    from revisitkit.io import load_roster
    from revisitkit.staffing import adjust_roster, headcount_of, plan_staffing
    from revisitkit.workspace import load_workspace

    ws = load_workspace(ROOT / "data/sample/customers.csv", None)
    roster = load_roster(ROOT / "data/sample/roster.csv", ws.config)
    heads = headcount_of(roster, ws.config)
    thin = adjust_roster(
        roster, headcount={r: max(1, math.ceil(0.6 * n)) for r, n in heads.items() if n}
    )
    return plan_staffing(ws.plan, thin, ws.config, ws.calendar, gap=True)


def test_the_reserve_pool_never_makes_a_gap_larger(thinned_sample_gap):
    """The sample on 60% of its roster, with the reserve pool: every row's gap after the
    reserve is at most its gap without it (before: 7 of 38 rows were larger, e.g. 15 → 18)."""
    gap = thinned_sample_gap.gap
    table = gap.to_frame()
    assert gap.feasible_with_extra
    assert len(table) > 10
    after = table["extra_person_days_after_reserve"].astype(int)
    assert (after <= table["extra_person_days_verified"]).all()
    assert after.sum() < table["extra_person_days_verified"].sum()
    assert table.loc[after == 0, "closed_by_reserve"].all()


def test_the_verified_gap_is_a_schedule_with_every_task_on_time(thinned_sample_gap):
    """The verified figure is the extra people's booked person-days in a schedule that puts
    every task on time; per role it is at least the bound."""
    gap = thinned_sample_gap.gap
    with_extra = gap.schedule_with_extra
    assert with_extra.on_time == len(with_extra.tasks)
    a = with_extra.assignments
    extra = a[a["staff_id"].str.startswith("extra:")]
    table = gap.to_frame()
    assert extra.groupby(["staff_id", "date"]).ngroups == table["extra_person_days_verified"].sum()
    per_role = table.groupby("role")[["extra_person_days_bound", "extra_person_days_verified"]]
    sums = per_role.sum()
    assert (sums["extra_person_days_bound"] <= sums["extra_person_days_verified"]).all()
