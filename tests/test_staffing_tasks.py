"""Staffing: the effort config, the staffed tasks of a plan, effort sums and travel classes.

Golden numbers come from data/campaign.yaml's ``staffing:`` section, worked by hand:

* on-site visit 75 min + 30 prep = 105 min for each of sales director, technical consultant
  and CS manager; travel by class 90 / 180 / 270 / 300 min round trip;
* dedicated service 30 + 10 = 40 min (CS agent); phone 25 + 10 = 35 min (senior sales; sales
  for regular customers); needs research 60 + 20 = 80 min on site, within 3 days of the call;
* WeChat 30 + 15 = 45, win-back incentive 20 + 15 = 35, second touch 15 + 5 = 20 min
  (account manager), the second touch within 7 days of the WeChat touch;
* online training invitation 15 + 5 = 20 min (CS agent); batch phone 8 min (CS agent);
  SMS, product guide, online survey and news push are automated;
* a person-day is 7 hours = 420 minutes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revisitkit.config import load_config
from revisitkit.errors import ConfigError
from revisitkit.staffing.tasks import (
    TASK_COLUMNS,
    build_tasks,
    effort_summary,
    travel_class,
    travel_minutes,
)

START = pd.Timestamp("2026-12-16")  # first day of execution
ONSITE_TEAM = ("sales_director", "tech_consultant", "cs_manager")


def plan(*rows: dict) -> pd.DataFrame:
    """A segmented plan with one row per dict; channels default to the segment's plan."""
    cfg = load_config()
    records = []
    for i, row in enumerate(rows):
        seg = row.get("value_segment", "regular")
        records.append(
            {
                "customer_id": f"T{i + 1:03d}",
                "name": "测试客户",
                "value_segment": seg,
                "priority": "medium",
                "deadline": pd.Timestamp("2026-12-31"),
                "channels": "+".join(getattr(cfg.segments, seg).channels),
                "reasons": "regular_active",
                "region_cluster": "yangtze_delta",
                "owner": "S001",
                "region": "上海",
                **row,
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return frame


def rows(tasks: pd.DataFrame) -> list[tuple]:
    return list(zip(tasks["task_id"], tasks["roles"], tasks["minutes"], strict=True))


# ------------------------------------------------------------------------------- config
def test_default_effort_numbers_are_the_plan_numbers(config):
    st = config.staffing
    assert st.default_hours_per_day == 7
    onsite = st.channels["onsite_visit"]
    assert (onsite.minutes, onsite.roles, onsite.travel) == (75, ONSITE_TEAM, True)
    assert 60 <= onsite.minutes <= 90  # §2.4.1
    assert 20 <= st.channels["phone"].minutes <= 30  # §2.4.2
    assert st.channels["second_touch"].follow_up_within_days == 7  # §2.4.3
    assert st.specialist_ratio == 5 and st.reserve_share == 0.30  # §7.3
    assert st.exact_solver_max_variables == 20_000
    automated = {code for code, e in st.channels.items() if e.automated}
    assert automated == {"sms", "news_push", "online_survey", "product_guide"}
    assert st.roles["sales_director"].startswith("销售总监")
    assert set(st.overseas_clusters) == {"southeast_asia", "europe"}


def test_every_channel_of_every_segment_has_an_effort_entry(config):
    for _, seg in config.segments:
        assert set(seg.channels) <= set(config.staffing.channels)


def refusal(config, changes: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        config.replace(changes)
    return str(caught.value).split("\n  - ", 1)[1]


def test_a_segment_channel_without_an_effort_entry_is_named(config):
    data = config.model_dump()
    del data["staffing"]["channels"]["sms"]
    from revisitkit.config import _validate

    with pytest.raises(ConfigError) as caught:
        _validate(data, "planner.yaml")
    assert str(caught.value).endswith(
        "staffing.channels: no effort entry for channel(s) ['sms'] used by segments.new.channels;"
        " add one, e.g. sms: {automated: true} or {minutes: 25, roles: [sales]}"
    )


def test_an_unknown_role_in_a_channel_is_named(config):
    assert refusal(config, {"staffing": {"channels": {"phone": {"roles": ["boss"]}}}}) == (
        "staffing.channels.phone.roles = ['boss']: unknown role code(s) ['boss']; known roles "
        "are ['account_manager', 'cs_agent', 'cs_manager', 'general_manager', 'sales', "
        "'sales_director', 'senior_sales', 'tech_consultant']"
    )


def test_an_overlay_switches_a_channel_to_automated_with_one_key(config):
    # the defaults beneath still carry the minutes and roles of the WeChat touch
    cfg = config.replace({"staffing": {"channels": {"wechat": {"automated": True}}}})
    assert cfg.staffing.channels["wechat"].automated
    tasks = build_tasks(plan({"value_segment": "churned"}), cfg)
    assert "T001/wechat/1" not in tasks["task_id"].tolist()


def test_a_staffed_channel_needs_roles_and_time(config):
    assert refusal(config, {"staffing": {"channels": {"sms": {"automated": False}}}}) == (
        "staffing.channels.sms: a staffed channel needs roles (the role codes that do it "
        "together, like [sales_director, tech_consultant, cs_manager]); or set automated: true"
    )
    changes = {"staffing": {"channels": {"phone": {"minutes": 0, "prep_minutes": 0}}}}
    assert refusal(config, changes) == (
        "staffing.channels.phone: a staffed channel must take some time: minutes + "
        "prep_minutes is 0; set minutes, or automated: true if no one works on it"
    )


def test_a_repeated_touch_needs_its_window(config):
    changes = {"staffing": {"channels": {"phone": {"touches": 2}}}}
    assert refusal(config, changes) == (
        "staffing.channels.phone: touches 2: a repeated touch needs follow_up_within_days "
        "(calendar days after the touch before it)"
    )
    # a follow-up may come any time after what it follows: the incentive after the talk
    cfg = config.replace(
        {"staffing": {"channels": {"second_touch": {"follow_up_within_days": None}}}}
    )
    assert cfg.staffing.channels["second_touch"].follow_up_within_days is None


def test_an_unknown_channel_or_cluster_in_staffing_is_named(config):
    assert refusal(config, {"staffing": {"channels": {"fax": {"automated": True}}}}).startswith(
        "staffing.channels: unknown channel code(s) ['fax']; known codes are"
    )
    assert refusal(config, {"staffing": {"overseas_clusters": ["mars"]}}).startswith(
        "staffing.overseas_clusters: unknown region cluster(s) ['mars']"
    )


def test_hours_per_day_above_12_is_refused(config):
    assert refusal(config, {"staffing": {"default_hours_per_day": 13}}) == (
        "staffing.default_hours_per_day = 13: Input should be less than or equal to 12"
    )


# ------------------------------------------------------------------------------- tasks
def test_core_customer_gets_the_onsite_team_and_dedicated_service(config):
    tasks = build_tasks(plan({"value_segment": "core", "priority": "high"}), config)
    assert list(tasks.columns) == list(TASK_COLUMNS)
    assert rows(tasks) == [
        ("T001/onsite_visit/1", ONSITE_TEAM, 105),
        ("T001/dedicated_service/1", ("cs_agent",), 40),
    ]
    assert tasks["travel"].tolist() == [True, False]
    assert tasks["touch"].tolist() == [1, 1]
    assert (tasks["release"] == START).all()
    assert (tasks["deadline"] == pd.Timestamp("2026-12-31")).all()
    assert tasks["customer_region"].tolist() == ["上海", "上海"]
    assert tasks["customer_cluster"].astype(str).tolist() == ["yangtze_delta"] * 2
    assert tasks["owner"].tolist() == ["S001", "S001"]
    assert tasks["predecessor"].isna().all() and tasks["follow_up_within_days"].isna().all()


def test_churned_customer_gets_winback_touches_and_a_second_touch_within_7_days(config):
    tasks = build_tasks(plan({"value_segment": "churned"}), config)
    assert rows(tasks) == [
        ("T001/wechat/1", ("account_manager",), 45),
        ("T001/winback_incentive/1", ("account_manager",), 35),
        ("T001/second_touch/1", ("account_manager",), 20),
    ]
    # §2.4.3: the talk, then the incentive (any time after), then the second touch within 7
    # days of the later of them, the incentive
    assert tasks["predecessor"].tolist() == [pd.NA, "T001/wechat/1", "T001/winback_incentive/1"]
    assert tasks["follow_up_within_days"].tolist() == [pd.NA, pd.NA, 7]
    assert (tasks["release"] == START).all()  # the scheduler moves a follow-up's release


def test_second_touch_follows_the_last_staffed_winback_touch(config):
    cfg = config.replace({"staffing": {"channels": {"wechat": {"automated": True}}}})
    tasks = build_tasks(plan({"value_segment": "churned"}), cfg)
    assert tasks["task_id"].tolist() == ["T001/winback_incentive/1", "T001/second_touch/1"]
    assert tasks["predecessor"].tolist() == [pd.NA, "T001/winback_incentive/1"]


def test_new_customer_gets_only_its_staffed_channel(config):
    tasks = build_tasks(plan({"value_segment": "new"}), config)
    # sms and product_guide are automated: no rows
    assert rows(tasks) == [("T001/online_training/1", ("cs_agent",), 20)]


def test_phone_is_senior_sales_for_potential_and_sales_for_regular(config):
    tasks = build_tasks(plan({"value_segment": "potential"}, {"value_segment": "regular"}), config)
    assert rows(tasks) == [
        ("T001/phone/1", ("senior_sales",), 35),
        ("T001/needs_research/1", ("senior_sales",), 80),
        ("T002/phone/1", ("sales",), 35),
    ]
    research = tasks.iloc[1]
    assert (research["predecessor"], research["follow_up_within_days"]) == ("T001/phone/1", 3)
    assert bool(research["travel"])


def test_light_touch_segments(config):
    tasks = build_tasks(
        plan(
            {"value_segment": "marginal"},
            {"value_segment": "inactive"},
            {"value_segment": "low_frequency"},
        ),
        config,
    )
    assert rows(tasks) == [("T001/batch_phone/1", ("cs_agent",), 8)]


def test_repeated_touches_follow_each_other(config):
    cfg = config.replace(
        {"staffing": {"channels": {"phone": {"touches": 2, "follow_up_within_days": 5}}}}
    )
    tasks = build_tasks(plan({"value_segment": "regular"}), cfg)
    assert tasks["task_id"].tolist() == ["T001/phone/1", "T001/phone/2"]
    assert tasks["touch"].tolist() == [1, 2]
    assert tasks["predecessor"].tolist() == [pd.NA, "T001/phone/1"]
    assert tasks["follow_up_within_days"].tolist() == [pd.NA, 5]


def test_urgent_means_a_churn_warning(config):
    tasks = build_tasks(
        plan(
            {"reasons": "churn_warning_drop;regular_active"},
            {"reasons": "regular_active"},
            {"reasons": "loyal_core;churn_warning_complaint", "value_segment": "core"},
        ),
        config,
    )
    urgent = tasks.groupby("customer_id")["urgent"].first().to_dict()
    assert urgent == {"T001": True, "T002": False, "T003": True}


def test_order_is_deadline_then_priority_then_customer_order(config):
    p = plan(
        {"priority": "low", "deadline": "2027-01-15"},
        {"priority": "medium", "deadline": "2026-12-31"},
        {"priority": "high", "deadline": "2026-12-31"},
        {"priority": "high", "deadline": "2026-12-18", "value_segment": "churned"},
        {"priority": "medium", "deadline": "2026-12-31"},
    )
    tasks = build_tasks(p, config)
    assert tasks["task_id"].tolist() == [
        "T004/wechat/1",
        "T004/winback_incentive/1",
        "T004/second_touch/1",
        "T003/phone/1",
        "T002/phone/1",
        "T005/phone/1",
        "T001/phone/1",
    ]
    pd.testing.assert_frame_equal(tasks, build_tasks(p, config))  # the same input, the same frame


def test_the_plan_is_not_modified(config):
    p = plan({"value_segment": "core"}, {"value_segment": "churned"})
    copy = p.copy()
    build_tasks(p, config)
    pd.testing.assert_frame_equal(p, copy)


def test_context_from_the_customers_frame_when_the_plan_lacks_it(config):
    p = plan({"value_segment": "core"}, {"value_segment": "regular"}).drop(
        columns=["owner", "region", "region_cluster"]
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["T002", "T001"],
            "owner": ["S009", "S008"],
            "region": ["广东", "新加坡"],
            "region_cluster": ["pearl_delta", "southeast_asia"],
        }
    )
    tasks = build_tasks(p, config, customers)
    assert tasks["owner"].tolist() == ["S008", "S008", "S009"]
    assert tasks["customer_region"].tolist() == ["新加坡", "新加坡", "广东"]
    assert tasks["customer_cluster"].astype(str).tolist() == [
        "southeast_asia",
        "southeast_asia",
        "pearl_delta",
    ]
    bare = build_tasks(p, config)
    assert bare["owner"].isna().all() and bare["customer_region"].isna().all()
    assert (bare["customer_cluster"] == "other").all()


def test_a_plan_channel_without_an_effort_entry_is_a_config_error(config):
    with pytest.raises(ConfigError, match=r"no entry for channel\(s\) \['fax'\] used in the plan"):
        build_tasks(plan({"channels": "phone+fax"}), config)


def test_a_plan_of_automated_channels_has_no_tasks(config):
    tasks = build_tasks(plan({"channels": "sms+news_push"}), config)
    assert tasks.empty and list(tasks.columns) == list(TASK_COLUMNS)


def test_a_large_plan_is_built_with_array_operations(config):
    # 200,000 customers: 8 segments × 25,000; counts by hand from the channel plans
    segments = [
        "core",
        "potential",
        "churned",
        "new",
        "regular",
        "marginal",
        "inactive",
        "low_frequency",
    ]
    n = 200_000
    seg = np.array(segments)[np.arange(n) % 8]
    channels = np.array(["+".join(getattr(config.segments, s).channels) for s in segments])
    big = pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "value_segment": pd.Categorical(seg, categories=segments),
            "priority": pd.Categorical(
                np.where(np.arange(n) % 3 == 0, "high", "medium"),
                categories=["high", "medium", "low"],
                ordered=True,
            ),
            "deadline": pd.Timestamp("2026-12-23") + pd.to_timedelta(np.arange(n) % 9, "D"),
            "channels": pd.Categorical(channels[np.arange(n) % 8]),
            "reasons": np.where(np.arange(n) % 7 == 0, "churn_warning_drop", "regular_active"),
            "region_cluster": "yangtze_delta",
            "region": "上海",
            "owner": "S001",
        }
    )
    tasks = build_tasks(big, config)
    per_customer = {
        "core": 2,
        "potential": 2,
        "churned": 3,
        "new": 1,
        "regular": 1,
        "marginal": 1,
        "inactive": 0,
        "low_frequency": 0,
    }
    # escalations: every 7th customer is a churn warning (i % 7 == 0: 28,572), each with a
    # call and a win-back plan; every 3rd is high, and the high ones of the two segments no
    # person reaches (inactive, low frequency: i % 8 in {6, 7}) that are no churn warning get a
    # call: i % 24 in {6, 15} and i % 7 != 0, 12 in each 168 (1,190 cycles) and 6 in the last 80
    churn, high_calls = 28_572, 1_190 * 12 + 6
    assert len(tasks) == 25_000 * sum(per_customer.values()) + 2 * churn + high_calls
    assert tasks["task_id"].is_unique
    assert (tasks["deadline"].diff().dropna() >= pd.Timedelta(0)).all()
    # the incentive and the second touch, and the needs research
    assert tasks["predecessor"].notna().sum() == 25_000 * 3


# ------------------------------------------------------------------------------- effort
def test_effort_summary_of_three_customers_by_hand(config):
    p = plan(
        {"value_segment": "core", "region": "上海", "region_cluster": "yangtze_delta"},
        {"value_segment": "core", "region": "新加坡", "region_cluster": "southeast_asia"},
        {"value_segment": "regular", "region": "广东", "region_cluster": "pearl_delta"},
    )
    summary = effort_summary(build_tasks(p, config), config)
    got = summary.set_index(["role", "customer_cluster"])
    # on-site visit: 105 min per person; travel allowance by staff of the customer's own
    # cluster: same_cluster 180 in 长三角, overseas 300 for 新加坡 (staff not in that country)
    for role in ONSITE_TEAM:
        assert got.loc[
            (role, "yangtze_delta"), ["person_tasks", "person_minutes", "travel_minutes"]
        ].tolist() == [1, 105, 180]
        assert got.loc[(role, "southeast_asia"), "person_minutes_with_travel"] == 105 + 300
        assert got.loc[(role, "yangtze_delta"), "person_days"] == pytest.approx(105 / 420)
        assert got.loc[(role, "southeast_asia"), "person_days_with_travel"] == pytest.approx(
            405 / 420
        )
    assert got.loc[("cs_agent", "yangtze_delta"), "person_minutes"] == 40
    assert got.loc[("cs_agent", "southeast_asia"), "travel_minutes"] == 0
    assert got.loc[("sales", "pearl_delta"), "person_minutes"] == 35
    assert len(summary) == 3 * 2 + 2 + 1
    assert summary["person_minutes"].sum() == 3 * 105 * 2 + 40 * 2 + 35  # 745
    assert summary["travel_minutes"].sum() == 3 * (180 + 300)  # 1,440


def test_effort_summary_by_role_only(config):
    p = plan({"value_segment": "churned"}, {"value_segment": "churned"})
    summary = effort_summary(build_tasks(p, config), config, by=["role"])
    assert summary.to_dict("records") == [
        {
            "role": "account_manager",
            "person_tasks": 6,
            "person_minutes": 200,
            "travel_minutes": 0,
            "person_minutes_with_travel": 200,
            "person_days": pytest.approx(200 / 420),
            "person_days_with_travel": pytest.approx(200 / 420),
        },
    ]


# ------------------------------------------------------------------------------- travel
@pytest.mark.parametrize(
    ("staff", "customer", "expected", "minutes"),
    [
        (("上海", "yangtze_delta"), ("上海", "yangtze_delta"), "same_region", 90),
        (("上海", "yangtze_delta"), ("浙江", "yangtze_delta"), "same_cluster", 180),
        (("北京", "jingjinji"), ("广东", "pearl_delta"), "other_cluster", 270),
        (("上海", "yangtze_delta"), ("德国", "europe"), "overseas", 300),
        # overseas: the customer's country, not the cluster, decides
        (("新加坡", "southeast_asia"), ("泰国", "southeast_asia"), "overseas", 300),
        (("新加坡", "southeast_asia"), ("新加坡", "southeast_asia"), "same_region", 90),
        # the 'other' bucket is not a cluster: 山东 and 福建 are not neighbours
        (("山东", "other"), ("福建", "other"), "other_cluster", 270),
        (("山东", "other"), ("山东", "other"), "same_region", 90),
        # staff abroad visiting a customer in China
        (("德国", "europe"), ("上海", "yangtze_delta"), "other_cluster", 270),
        # unknown regions are never the same region
        ((None, "yangtze_delta"), (None, "yangtze_delta"), "same_cluster", 180),
        ((None, None), (None, "other"), "other_cluster", 270),
    ],
)
def test_travel_class_cases(config, staff, customer, expected, minutes):
    assert travel_class(*staff, *customer, config) == expected
    assert travel_minutes(*staff, *customer, config) == minutes


def test_travel_class_and_minutes_of_arrays(config):
    staff_region = pd.Series(["上海", "北京", "新加坡", pd.NA])
    staff_cluster = pd.Categorical(["yangtze_delta", "jingjinji", "southeast_asia", "other"])
    classes = travel_class(staff_region, staff_cluster, "上海", "yangtze_delta", config)
    assert classes.tolist() == ["same_region", "other_cluster", "other_cluster", "other_cluster"]
    minutes = travel_minutes(staff_region, staff_cluster, "上海", "yangtze_delta", config)
    assert minutes.dtype == np.int64 and minutes.tolist() == [90, 270, 270, 270]
    # one staff member against many customers
    many = travel_class(
        "新加坡",
        "southeast_asia",
        ["新加坡", "越南", "广东"],
        ["southeast_asia", "southeast_asia", "pearl_delta"],
        config,
    )
    assert many.tolist() == ["same_region", "overseas", "other_cluster"]
