"""The staffing plan glue (revisitkit.staffing.plan): what-if rosters and the tables managers read."""

from __future__ import annotations

import pandas as pd
import pytest

from revisitkit.calendar import campaign_calendar
from revisitkit.errors import InputWarning
from revisitkit.staffing.plan import adjust_roster, headcount_of, plan_staffing
from tests.schedule_checker import check_staffing_plan


def staff(config) -> pd.DataFrame:
    rows = [
        ("D1", "sales_director"),
        ("T1", "tech_consultant"),
        ("M1", "cs_manager"),
        ("A1", "cs_agent"),
        ("A2", "cs_agent"),
        ("S1", "sales"),
    ]
    return pd.DataFrame(
        {
            "staff_id": [r[0] for r in rows],
            "name": [f"员工{r[0]}" for r in rows],
            "role": [r[1] for r in rows],
            "region": ["上海", "上海", "上海", "北京", "广东", "上海"],
            "region_cluster": ["yangtze_delta"] * 3 + ["jingjinji", "pearl_delta", "yangtze_delta"],
            "hours_per_day": [7.0, 7.0, 7.0, 6.0, 5.0, 7.0],
            "available_from": pd.NaT,
            "available_to": pd.NaT,
            "days_off": [(), (), (), (pd.Timestamp("2026-12-24").date(),), (), ()],
        }
    )


def test_adjust_roster_removes_the_last_and_copies_in_turn(config):
    roster = staff(config)
    before = roster.copy()
    out = adjust_roster(roster, headcount={"cs_agent": 5, "sales": 0})
    pd.testing.assert_frame_equal(roster, before)  # the input is never modified
    assert "S1" not in set(out["staff_id"])
    added = out[out["staff_id"].str.startswith("+")]
    # three more CS agents, copied from A1, A2, A1 in turn: their region and hours, no leave
    assert added["staff_id"].tolist() == ["+cs_agent-1", "+cs_agent-2", "+cs_agent-3"]
    assert added["region"].tolist() == ["北京", "广东", "北京"]
    assert added["hours_per_day"].tolist() == [6.0, 5.0, 6.0]
    assert added["days_off"].tolist() == [(), (), ()]
    assert headcount_of(out, config)["cs_agent"] == 5
    assert headcount_of(out, config)["sales"] == 0


def test_adjust_roster_hours_for_everyone(config):
    out = adjust_roster(staff(config), hours_per_day=4)
    assert set(out["hours_per_day"]) == {4.0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"headcount": {"cs_agent": -1}}, "headcount of cs_agent must be a whole number ≥ 0"),
        ({"headcount": {"cs_agent": 1.5}}, "headcount of cs_agent must be a whole number ≥ 0"),
        ({"headcount": {"senior_sales": 2}}, "cannot add senior_sales: no one of that role"),
        ({"hours_per_day": 0}, "hours_per_day must be more than 0 and at most 24"),
    ],
)
def test_adjust_roster_refuses_impossible_changes(config, kwargs, message):
    with pytest.raises(ValueError, match=message):
        adjust_roster(staff(config), **kwargs)


def one_core_customer() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1"],
            "name": ["华东精工"],
            "value_segment": ["core"],
            "priority": ["high"],
            "deadline": pd.to_datetime(["2026-12-18"]),
            "channels": ["onsite_visit+dedicated_service"],
            "reasons": ["strategic"],
            "region": ["上海"],
            "region_cluster": ["yangtze_delta"],
            "owner": [None],
        }
    )


def test_tables_of_a_small_plan(config):
    # execution starts Wed 2026-12-16: the visit (105 min + 90 travel for each of the three)
    # and the dedicated-service kick-off (40 min, a CS agent) both on 12-16, on time
    sp = plan_staffing(one_core_customer(), staff(config), config, campaign_calendar(config))
    assert check_staffing_plan(sp, campaign_calendar(config).calendar) == []
    att = sp.attainment().set_index("priority")
    assert att.loc["high", ["tasks", "on_time", "late", "unscheduled"]].tolist() == [2, 2, 0, 0]
    assert att.loc["all", "on_time_share"] == 1.0
    assert sp.feasible and sp.gap_person_days == 0.0
    table = sp.staff_table().set_index("staff_id")
    assert table.loc["D1", "tasks"] == 1 and table.loc["D1", "booked_hours"] == 195 / 60
    assert table.loc["S1", "tasks"] == 0
    wl = sp.workload().set_index(["week", "role"])
    # the window opens on the as-of date (Tue 2026-12-01): week 2026-W51 runs Mon 14 – Fri
    # 18 Dec, 5 working days × 7 h
    assert wl.loc[("2026-W51", "sales_director"), "capacity_hours"] == 35.0
    assert wl.loc[("2026-W51", "sales_director"), "booked_hours"] == 195 / 60
    assert sp.shortfall().empty
    assert "capacity gap: none" in "\n".join(sp.summary_lines())


def test_missed_work_is_measured_by_role_and_cluster(config):
    # the director is away the whole execution phase: the visit cannot be done at all; the
    # shortfall is the visit's 105 minutes for each of the three roles, in person-days of
    # their role's usual 7 h (105 / 420 = 0.25), in the customer's cluster
    roster = staff(config)
    roster.loc[roster["staff_id"] == "D1", "available_from"] = pd.Timestamp("2027-02-01")
    sp = plan_staffing(one_core_customer(), roster, config, campaign_calendar(config), gap=False)
    assert check_staffing_plan(sp, campaign_calendar(config).calendar) == []
    assert sp.schedule.counts == {"on_time": 1, "late": 0, "unscheduled": 1}
    short = sp.shortfall()
    assert short["role"].tolist() == ["cs_manager", "sales_director", "tech_consultant"]
    assert set(short["region_cluster"]) == {"yangtze_delta"}
    assert short["person_days"].tolist() == [0.25, 0.25, 0.25]
    assert sp.gap_person_days is None


def test_a_role_no_one_has_is_a_gap_not_an_error(config):
    """Seen: a roster without a role was refused ("no one on the roster has the role(s) …"), so
    a first draft of the team got no plan and no sizing at all.

    Worked by hand: without CS agents, the dedicated-service kick-off (30 + 10 min) and its
    six weekly briefings have no one; the on-site visit still goes ahead on 12-16. The missing
    work is the kick-off's 40 minutes over a 7-hour day, 0.1 person-days in 长三角: add one CS
    agent; the verified gap adds one person-day of cs_agent there.
    """
    roster = staff(config)
    roster = roster[roster["role"] != "cs_agent"]
    with pytest.warns(InputWarning, match=r"roster.csv: no one on the roster is 客服专员"):
        sp = plan_staffing(
            one_core_customer(), roster, config, campaign_calendar(config), source="roster.csv"
        )
    assert sp.schedule.counts == {"on_time": 1, "late": 0, "unscheduled": 1}
    tasks = sp.schedule.tasks.set_index("task_id")
    assert bool(tasks.loc["C1/onsite_visit/1", "on_time"])
    assert bool(tasks.loc["C1/dedicated_service/1", "unscheduled"])
    missing = sp.missing.to_dict("records")
    assert missing == [
        {
            "role": "cs_agent",
            "region_cluster": "yangtze_delta",
            "tasks": 1,
            "person_days": round(40 / 420, 2),
            "people": 1,
        }
    ]
    gap = sp.gap_frame()
    assert gap[["role", "region_cluster", "extra_person_days_verified"]].values.tolist() == [
        ["cs_agent", "yangtze_delta", 1]
    ]
    text = "\n".join(sp.summary_lines())
    assert "cs_agent in yangtze_delta: 1 task(s), 0.10 person-days — add at least 1 person" in text


def test_staff_based_in_a_cluster_travel_as_same_cluster(config, tmp_path):
    """Seen: a roster naming the cluster (区域 长三角) put every on-site visit out of reach.

    Worked by hand: the customer is in 浙江 (长三角), the three visitors are "in 长三角", so the
    visit is same-cluster: 75 + 30 min preparation + 180 min travel = 285 min each, within the
    5 hours (300 min) they have a day. As "another cluster" it would have been 75 + 30 + 270 =
    375 min: more than a day, never scheduled.
    """
    from revisitkit.io import load_roster

    path = tmp_path / "roster.csv"
    path.write_text(
        "员工编号,姓名,岗位,区域,每日可用小时\n"
        "D1,王磊,销售总监,长三角,5\n"
        "T1,李娜,技术顾问,长三角,5\n"
        "M1,张伟,客服经理,yangtze_delta,5\n"
        "A1,赵敏,客服专员,长三角,5\n",
        encoding="utf-8",
    )
    roster = load_roster(path, config)
    customer = one_core_customer().assign(region=["浙江"])
    sp = plan_staffing(customer, roster, config, campaign_calendar(config))
    assert check_staffing_plan(sp, campaign_calendar(config).calendar) == []
    assert sp.schedule.counts == {"on_time": 2, "late": 0, "unscheduled": 0}
    visit = sp.assignments()
    visit = visit[visit["channel"] == "onsite_visit"]
    assert sorted(visit["staff_id"]) == ["D1", "M1", "T1"]
    assert visit["travel_minutes"].tolist() == [180, 180, 180]


# ------------------------------------------------------------------------------ times in the day
def test_sample_plan_has_times_that_keep_every_rule(config):
    # the bundled sample (287 people, ~8,000 bookings): every booking gets a start and an
    # end that the independent checker accepts, and no one's day runs past their hours
    from revisitkit.workspace import load_campaign

    sp = load_campaign(gap=False).staffing
    assert check_staffing_plan(sp, campaign_calendar(sp.config).calendar) == []
    assert sp.timed.overruns.empty
    frame = sp.schedule_frame()
    booked = frame[frame["staff_id"] != ""]
    assert (booked["start"] >= "09:00").all() and (booked["start"] != "").all()
    # the on-site teams: three people, one meeting time each
    visits = sp.timed.bookings[sp.timed.bookings["channel"] == "onsite_visit"]
    assert visits.groupby("task_id")["meeting"].nunique().eq(1).all()
    assert visits.groupby("task_id").size().eq(3).all()


def test_the_checker_sees_an_overlap_and_a_split_team(config):
    # the checker can fail: two calls of one person moved onto each other, and one member of
    # a team sent to the customer an hour late
    from tests.schedule_checker import check_times

    sp = plan_staffing(one_core_customer(), staff(config), config, campaign_calendar(config))
    timed = sp.timed.bookings.copy()
    workday, hours = config.staffing.workday, float(config.staffing.default_hours_per_day)
    assert check_times(timed, sp.roster, workday, hours) == []
    visit = timed.index[timed["channel"] == "onsite_visit"]
    late = timed.copy()
    late.loc[visit[0], ["start", "end", "meeting"]] += pd.Timedelta(hours=1)
    assert any(
        "meets at 2 different times" in p for p in check_times(late, sp.roster, workday, hours)
    )
    twice = timed.iloc[[0]].assign(task_id="another call at the same hour")
    moved = pd.concat([timed, twice], ignore_index=True)
    assert any("overlap" in p for p in check_times(moved, sp.roster, workday, hours))
