"""The plan keeps the plan's promises (issue 14): priority decides who gets a person, and every
promise becomes dated, assigned work.

Every expected date here is worked out by hand from domain.md and the 2026/2027 calendar:
as-of Tue 2026-12-01, execution Wed 2026-12-16 … Wed 2027-01-20, 元旦 Fri 2027-01-01, the
Spring Festival holiday Fri 2027-02-05 … Mon 2027-02-08 (data/holidays/2027.yaml).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from revisitkit.calendar import campaign_calendar
from revisitkit.segmentation import segment
from revisitkit.staffing import build_tasks, plan_staffing
from revisitkit.staffing.escalations import execution_weeks
from revisitkit.staffing.specialists import assign_specialists
from revisitkit.staffing.touches import TOUCH_COLUMNS, plan_touches, service_dates
from revisitkit.workspace import load_staff, load_workspace
from tests.conftest import customers


def roster(*rows: tuple[str, str], region: str = "上海", hours: float = 7.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": [r[0] for r in rows],
            "name": [f"员工{r[0]}" for r in rows],
            "role": [r[1] for r in rows],
            "region": region,
            "region_cluster": "yangtze_delta",
            "hours_per_day": hours,
            "available_from": pd.NaT,
            "available_to": pd.NaT,
            "days_off": [()] * len(rows),
        }
    )


TEAM = (
    ("D1", "sales_director"),
    ("T1", "tech_consultant"),
    ("M1", "cs_manager"),
    ("A1", "cs_agent"),
    ("K1", "account_manager"),
    ("P1", "senior_sales"),
    ("S001", "sales"),
)


# --------------------------------------------------------------------------- deadlines (§3.1)


def test_churn_warning_deadline_counts_48_hours_from_the_as_of_date(config):
    # a complaint (churn warning) and a strategic customer; as of 2026-12-01
    frame = customers(
        {"customer_id": "W1", "open_major_complaints": 1},
        {"customer_id": "S1", "revenue_12m": 20_000_000.0},
    )
    plan = segment(frame, config).plan.set_index("customer_id")
    assert plan.loc["W1", "deadline"] == pd.Timestamp("2026-12-03")  # 12-01 + 2 days
    # its segment's channel plan still counts from execution: 12-16 + 2
    assert plan.loc["W1", "channels_deadline"] == pd.Timestamp("2026-12-18")
    assert plan.loc["S1", "deadline"] == pd.Timestamp("2026-12-23")  # 12-16 + 7
    later = config.with_overrides(as_of=date(2026, 12, 10))
    assert segment(frame, later).plan.set_index("customer_id").loc["W1", "deadline"] == (
        pd.Timestamp("2026-12-12")
    )
    # `from: execution_start` gives the old reading back
    old = config.replace(
        {"priority": {"rules": {"churn_warning_complaint": {"from": "execution_start"}}}}
    )
    assert segment(frame, old).plan.set_index("customer_id").loc["W1", "deadline"] == (
        pd.Timestamp("2026-12-18")
    )


# ------------------------------------------------------------------ escalations (§2.3, §2.3.1)


def marginal_churn_warning() -> pd.DataFrame:
    """A marginal customer (revenue < 100k: batch phone and news push only) with a complaint."""
    return customers(
        {
            "customer_id": "C1",
            "revenue_12m": 50_000.0,
            "revenue_last_6m": 25_000.0,
            "revenue_prev_6m": 25_000.0,
            "revenue_last_3m": 12_500.0,
            "revenue_prev_3m": 12_500.0,
            "open_major_complaints": 1,
            "owner": "S001",
        }
    )


def test_a_churn_warning_gets_its_owner_within_48_hours_whatever_its_segment(config):
    plan = segment(marginal_churn_warning(), config).plan
    assert plan["value_segment"].tolist() == ["marginal"]
    tasks = build_tasks(plan, config, roster=roster(*TEAM)).set_index("task_id")
    contact = tasks.loc["C1/phone/churn_warning"]
    assert contact["roles"] == ("sales",)  # the owner S001 is a salesperson
    assert contact["assignee"] == "S001"
    assert contact["release"] == pd.Timestamp("2026-12-01")
    assert contact["deadline"] == pd.Timestamp("2026-12-03")
    assert contact["reason"] == "churn_warning_complaint"
    win = tasks.loc["C1/winback_plan/churn_warning"]
    assert win["roles"] == ("account_manager",) and win["deadline"] == pd.Timestamp("2026-12-03")
    # no owner on the roster: a senior salesperson, else an account manager
    no_owner = build_tasks(plan, config, roster=roster(*TEAM[:-1])).set_index("task_id")
    assert no_owner.loc["C1/phone/churn_warning", "roles"] == ("senior_sales",)
    assert pd.isna(no_owner.loc["C1/phone/churn_warning", "assignee"])
    fewer = roster(*[r for r in TEAM[:-1] if r[1] != "senior_sales"])
    assert build_tasks(plan, config, roster=fewer).set_index("task_id").loc[
        "C1/phone/churn_warning", "roles"
    ] == ("account_manager",)


def test_the_churn_warning_call_is_made_in_the_preparation_phase_by_its_owner(config):
    plan = segment(marginal_churn_warning(), config).plan
    sp = plan_staffing(plan, roster(*TEAM), config, campaign_calendar(config), gap=False)
    done = sp.schedule.tasks.set_index("task_id").loc["C1/phone/churn_warning"]
    assert done["staff_ids"] == "S001"
    assert pd.Timestamp("2026-12-01") <= done["date"] <= pd.Timestamp("2026-12-03")
    assert sp.start == date(2026, 12, 1)  # the schedule opens on the as-of date


def test_a_major_project_is_tracked_every_week_of_execution(config):
    plan = segment(customers({"customer_id": "P9", "project_value": 8_000_000.0}), config).plan
    cal = campaign_calendar(config)
    tasks = build_tasks(plan, config, roster=roster(*TEAM), calendar=cal.calendar)
    tracking = tasks[tasks["channel"] == "project_tracking"]
    # ISO weeks: 12-16…12-20, 12-21…12-27, 12-28…01-03, 01-04…01-10, 01-11…01-17, 01-18…01-20
    assert tracking["deadline"].dt.strftime("%m-%d").tolist() == [
        "12-20",
        "12-27",
        "01-03",
        "01-10",
        "01-17",
        "01-20",
    ]
    assert tracking["release"].dt.strftime("%m-%d").tolist() == [
        "12-16",
        "12-21",
        "12-28",
        "01-04",
        "01-11",
        "01-18",
    ]
    assert set(tracking["assignee"]) == {"S001"}  # the owner
    sp = plan_staffing(plan, roster(*TEAM), config, cal, gap=False)
    st = sp.schedule.tasks[sp.schedule.tasks["channel"] == "project_tracking"]
    assert st["on_time"].all() and len(st) == 6


def test_a_strategic_visit_is_led_by_the_general_manager_when_there_is_one(config):
    plan = segment(customers({"customer_id": "S1", "revenue_12m": 20_000_000.0}), config).plan
    with_gm = roster(*TEAM, ("G1", "general_manager"))
    visit = build_tasks(plan, config, roster=with_gm).set_index("task_id").loc["S1/onsite_visit/1"]
    assert visit["roles"] == ("general_manager", "tech_consultant", "cs_manager")
    without = build_tasks(plan, config, roster=roster(*TEAM)).set_index("task_id")
    assert without.loc["S1/onsite_visit/1", "roles"][0] == "sales_director"


def test_every_high_priority_customer_gets_a_person_even_without_a_rule_for_it(config):
    # a low-frequency customer (online survey and news push: no person) with a major project,
    # in a config whose major-project escalation only sets a visit's lead: no rule gives it a
    # person, so the tier does
    only_lead = {"weekly": None, "by": [], "lead": "general_manager", "replaces": "sales_director"}
    cfg = config.replace({"escalations": {"major_project": only_lead}})
    frame = customers({"customer_id": "L1", "project_value": 6_000_000.0})
    plan = segment(frame, cfg).plan
    assert plan["priority"].tolist() == ["high"]
    assert plan["value_segment"].tolist() == ["low_frequency"]
    tasks = build_tasks(plan, cfg, roster=roster(*TEAM))
    assert tasks["task_id"].tolist() == ["L1/phone/high_priority"]
    assert tasks["reason"].tolist() == ["major_project"]
    assert tasks["roles"].iloc[0] == ("sales",) and tasks["assignee"].iloc[0] == "S001"


def test_on_the_sample_every_high_priority_customer_has_a_staffed_touch_on_time():
    ws = load_workspace()
    plan = ws.plan
    sp = plan_staffing(plan, load_staff(ws.config), ws.config, ws.calendar, gap=False)
    high = set(plan.loc[plan["priority"] == "high", "customer_id"].astype(str))
    assert len(high) == 682
    st = sp.schedule.tasks
    on_time = set(st.loc[st["on_time"], "customer_id"].astype(str))
    assert high <= on_time
    # every churn warning is called within 48 h of the as-of date (2026-12-01 → 12-03)
    calls = st[st["task_id"].str.endswith("/phone/churn_warning")]
    assert len(calls) == 364
    assert (calls["date"] <= pd.Timestamp("2026-12-03")).all()


# ------------------------------------------------------------------------ win-back (§2.4.3)


def test_the_second_touch_follows_the_talk_and_then_the_incentive(config):
    frame = customers(
        *[
            {
                "customer_id": f"X{i}",
                "status": "terminated",
                "terminated_date": pd.Timestamp("2026-06-01"),
            }
            for i in range(6)
        ]
    )
    plan = segment(frame, config).plan
    assert set(plan["value_segment"]) == {"churned"}
    sp = plan_staffing(plan, roster(*TEAM, hours=2.0), config, campaign_calendar(config), gap=False)
    st = sp.schedule.tasks.set_index("task_id")
    for i in range(6):
        talk = st.loc[f"X{i}/wechat/1", "date"]
        offer = st.loc[f"X{i}/winback_incentive/1", "date"]
        second = st.loc[f"X{i}/second_touch/1", "date"]
        assert talk < offer < second <= max(talk, offer) + pd.Timedelta(days=7)


# ------------------------------------------------------------------- specialists (§7.3, 1:5)


def test_each_core_customer_has_one_named_specialist_with_at_most_five(config):
    plan = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(12)],
            "channels": "onsite_visit+dedicated_service",
            "region": "上海",
            "region_cluster": "yangtze_delta",
        }
    )
    three = assign_specialists(
        plan, roster(("A1", "cs_agent"), ("A2", "cs_agent"), ("A3", "cs_agent")), config
    )
    assert three.counts() == {"A1": 4, "A2": 4, "A3": 4} and three.missing == 0
    two = assign_specialists(plan, roster(("A1", "cs_agent"), ("A2", "cs_agent")), config)
    assert two.counts() == {"A1": 5, "A2": 5}
    assert (two.unassigned, two.needed, two.missing) == (2, 3, 1)  # ⌈12 / 5⌉ = 3
    ratio_4 = config.replace({"staffing": {"specialist_ratio": 4}})
    assert (
        assign_specialists(
            plan, roster(("A1", "cs_agent"), ("A2", "cs_agent"), ("A3", "cs_agent")), ratio_4
        ).missing
        == 0
    )
    assert assign_specialists(plan, roster(("A1", "cs_agent")), ratio_4).missing == 2


def test_too_few_specialists_are_named_in_the_staffing_summary(config):
    frame = customers(*[{"customer_id": f"K{i}", "revenue_12m": 20_000_000.0} for i in range(6)])
    plan = segment(frame, config).plan
    sp = plan_staffing(plan, roster(*TEAM), config, campaign_calendar(config), gap=False)
    assert sp.specialists_missing == 1  # 6 core customers need ⌈6 / 5⌉ = 2, the roster has 1
    text = "\n".join(sp.summary_lines())
    assert "1 specialist(s) missing" in text and "1 customers have no dedicated specialist" in text
    done = sp.schedule.tasks[sp.schedule.tasks["channel"] == "dedicated_service"]
    assert set(done["staff_ids"]) == {"A1"}


def test_the_sample_roster_keeps_the_ratio():
    ws = load_workspace()
    staff = load_staff(ws.config)
    core = int((ws.plan["value_segment"] == "core").sum())
    assert core == 556
    assert int((staff["role"] == "cs_agent").sum()) >= 112  # ⌈556 / 5⌉
    sp = assign_specialists(ws.plan, staff, ws.config)
    assert sp.missing == 0 and max(sp.counts().values()) <= 5


# --------------------------------------------------------------- dated touches (§2.4, §4.1)


def test_sms_and_webinar_dates_fall_in_the_plans_windows(config):
    d = service_dates(config, campaign_calendar(config))
    assert d.holiday == (date(2027, 2, 5), date(2027, 2, 8))
    assert d.sms == date(2027, 2, 4)  # Thu: the last working day of the week before 02-05
    assert d.webinar == date(2027, 2, 9)  # Tue: the first working day after 02-08
    assert d.webinar_due == date(2027, 2, 15)  # 02-08 + 7
    # the second working day before the holiday: Wed 02-03; the sixth (Thu 01-28) is more than
    # a week before it, and no SMS day is set
    two = config.replace({"service": {"sms_working_days_before_holiday": 2}})
    assert service_dates(two, campaign_calendar(two)).sms == date(2027, 2, 3)
    six = config.replace({"service": {"sms_working_days_before_holiday": 6}})
    assert service_dates(six, campaign_calendar(six)).sms is None


def core_customer_plan(config, as_of: date | None = None):
    cfg = config if as_of is None else config.with_overrides(as_of=as_of)
    frame = customers({"customer_id": "V1", "revenue_12m": 20_000_000.0})
    return segment(frame, cfg).plan, cfg


def test_each_visit_has_its_letter_three_working_days_before(config):
    plan, cfg = core_customer_plan(config)
    cal = campaign_calendar(cfg)
    sp = plan_staffing(plan, roster(*TEAM), cfg, cal, gap=False)
    visit = sp.schedule.tasks.set_index("task_id").loc["V1/onsite_visit/1"]
    assert visit["date"] == pd.Timestamp("2026-12-16")  # the first day of execution
    b = sp.dated.bookings.set_index("task_id")
    letter = b.loc["V1/onsite_visit/1/letter"]
    # three working days before Wed 12-16: Tue 15, Mon 14, Fri 11 → Fri 2026-12-11
    assert letter["date"] == pd.Timestamp("2026-12-11")
    assert letter["staff_id"] == "M1"  # the visit's CS manager
    # as of Mon 12-14 the letter can go on 12-14 at the earliest: the visit waits for Thu 12-17
    late_plan, late_cfg = core_customer_plan(config, date(2026, 12, 14))
    sp2 = plan_staffing(late_plan, roster(*TEAM), late_cfg, campaign_calendar(late_cfg), gap=False)
    v2 = sp2.schedule.tasks.set_index("task_id").loc["V1/onsite_visit/1"]
    assert v2["date"] == pd.Timestamp("2026-12-17")
    assert sp2.dated.bookings.set_index("task_id").loc["V1/onsite_visit/1/letter", "date"] == (
        pd.Timestamp("2026-12-14")
    )


def test_weekly_briefings_follow_the_visits_week_by_the_dedicated_specialist(config):
    plan, cfg = core_customer_plan(config)
    sp = plan_staffing(plan, roster(*TEAM), cfg, campaign_calendar(cfg), gap=False)
    b = sp.dated.bookings
    brief = b[b["channel"] == "weekly_briefing"].reset_index(drop=True)
    # the visit is in week 1 (12-16…12-20): weeks 2–6 each get one, on the week's first
    # working day: Mon 12-21, Mon 12-28, Mon 01-04, Mon 01-11, Mon 01-18
    assert brief["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-12-21",
        "2026-12-28",
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
    ]
    assert brief["deadline"].dt.strftime("%m-%d").tolist() == [
        "12-27",
        "01-03",
        "01-10",
        "01-17",
        "01-20",
    ]
    assert set(brief["staff_id"]) == {"A1"}  # the customer's dedicated specialist
    assert len(execution_weeks(cfg, campaign_calendar(cfg).calendar)) == 6


def test_survey_goes_the_working_day_after_the_call(config):
    # a regular customer: a sales call, then the online survey
    frame = customers(
        {
            "customer_id": "R1",
            "revenue_12m": 2_000_000.0,
            "revenue_last_6m": 1_000_000.0,
            "revenue_prev_6m": 1_000_000.0,
        }
    )
    plan = segment(frame, config).plan
    assert plan["value_segment"].tolist() == ["regular"]
    cal = campaign_calendar(config)
    sp = plan_staffing(plan, roster(*TEAM), config, cal, gap=False)
    t = plan_touches(plan, config, cal, sp).set_index("channel")
    assert t.loc["phone", "date"] == pd.Timestamp("2026-12-16")  # Wed
    assert t.loc["online_survey", "date"] == pd.Timestamp("2026-12-17")  # Thu
    assert t.loc["online_survey", "staff_id"] == ""


def test_new_customers_get_the_sms_and_the_webinar_with_its_host(config):
    frame = customers({"customer_id": "N1", "first_order_date": pd.Timestamp("2026-10-01")})
    plan = segment(frame, config).plan
    assert plan["value_segment"].tolist() == ["new"]
    cal = campaign_calendar(config)
    sp = plan_staffing(plan, roster(*TEAM), config, cal, gap=False)
    t = plan_touches(plan, config, cal, sp)
    sms = t[t["channel"] == "sms"].iloc[0]
    assert sms["date"] == pd.Timestamp("2027-02-04") and sms["deadline"] == pd.Timestamp(
        "2027-02-04"
    )
    webinar = t[(t["channel"] == "online_training") & (t["reason"] == "webinar")].iloc[0]
    assert webinar["date"] == pd.Timestamp("2027-02-09")
    assert webinar["deadline"] == pd.Timestamp("2027-02-15")
    assert webinar["staff_id"] == "M1"  # the CS manager hosts it
    host = sp.dated.bookings.set_index("task_id").loc["webinar"]
    assert host["minutes"] == 120  # 90 + 30 of preparation, once


# ------------------------------------------------------------------------ the journey file


def test_touches_list_every_touch_with_or_without_a_roster(config):
    plan = segment(marginal_churn_warning(), config).plan
    cal = campaign_calendar(config)
    bare = plan_touches(plan, config, cal)
    assert tuple(bare.columns) == TOUCH_COLUMNS
    assert sorted(bare["channel"]) == ["batch_phone", "news_push", "phone", "winback_plan"]
    staffed = bare[bare["channel"].isin(["phone", "batch_phone", "winback_plan"])]
    assert staffed["date"].isna().all() and staffed["deadline"].notna().all()
    push = bare.set_index("channel").loc["news_push"]
    assert push["date"] == pd.Timestamp("2026-12-16") and push["staff_id"] == ""
    sp = plan_staffing(plan, roster(*TEAM), config, cal, gap=False)
    full = plan_touches(plan, config, cal, sp).set_index("channel")
    assert full.loc["phone", "staff_id"] == "S001"
    assert full.loc["phone", "date"] <= pd.Timestamp("2026-12-03")


def test_the_sample_touches_date_every_promise(tmp_path):
    ws = load_workspace()
    sp = plan_staffing(ws.plan, load_staff(ws.config), ws.config, ws.calendar, gap=False)
    t = plan_touches(ws.plan, ws.config, ws.calendar, sp)
    assert set(t["customer_id"]) == set(ws.plan["customer_id"].astype(str))
    letters = t[t["channel"] == "appointment_letter"].set_index("customer_id")["date"]
    visits = t[t["channel"] == "onsite_visit"].set_index("customer_id")["date"]
    assert len(letters) == len(visits) == 556 and letters.notna().all()
    cal = ws.calendar.calendar
    gaps = [cal.count_working_days(letters[c].date(), visits[c].date()) - 1 for c in visits.index]
    assert min(gaps) >= 3  # working days after the letter, up to and including the visit
    assert not np.any(t.loc[t["channel"] == "sms", "date"] != pd.Timestamp("2027-02-04"))
