"""Segmentation, priority, deadlines and reasons: golden cases worked out by hand from domain.md.

Campaign year 2026 with the default config: as-of 2026-12-01, execution 2026-12-16 … 2027-01-20.
So: high by 2026-12-23 (7 days), churn warnings by 2026-12-18 (2 days), medium by 2026-12-31
(15 days), low by 2027-01-15 (30 days). "Within the last 12 months" = on or after 2025-12-01;
6 months = on or after 2026-06-01; 90 days = on or after 2026-09-02.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revisitkit.config import SEGMENT_CODES
from revisitkit.segmentation import PLAN_COLUMNS, TIERS, segment
from tests.conftest import BASE, customers

# deadlines of the 2026 campaign as of 2026-12-01: high +7 from execution (12-16), churn
# warnings 48 h from the as-of date (domain.md §3.1), medium +15, low +30
HIGH, WARN, MEDIUM, LOW = "2026-12-23", "2026-12-03", "2026-12-31", "2027-01-15"


def one(row: dict, config) -> pd.Series:
    return segment(customers(row), config).plan.iloc[0]


def check(row, config, segment_code, priority, deadline, reasons):
    got = one(row, config)
    assert got["value_segment"] == segment_code
    assert got["priority"] == priority
    assert got["deadline"] == pd.Timestamp(deadline)
    assert got["reasons"].split(";") == reasons


# --------------------------------------------------------------------------- value segments
def test_plain_customer_is_low_frequency_and_default_low(no_top_share):
    # 500k revenue, active, steady: below regular (1M), above marginal (100k)
    check({}, no_top_share, "low_frequency", "low", LOW, ["low_frequency"])


@pytest.mark.parametrize(
    "terminated, worthy, expected",
    [
        ("2026-03-01", True, "churned"),
        ("2025-12-01", True, "churned"),  # exactly 12 months before as-of: within
        ("2025-11-30", True, "inactive"),  # one day more than 12 months: long gone
        ("2026-03-01", False, "low_frequency"),  # not worth winning back, 500k
    ],
)
def test_churned_window_and_winback_worthiness(no_top_share, terminated, worthy, expected):
    row = {"status": "terminated", "terminated_date": terminated, "winback_worthy": worthy}
    assert one(row, no_top_share)["value_segment"] == expected


def test_churned_gets_winback_channels_and_medium(no_top_share):
    row = {"status": "terminated", "terminated_date": "2026-03-01"}
    got = one(row, no_top_share)
    assert got["channels"] == "wechat+winback_incentive+second_touch"
    assert (got["priority"], got["deadline"]) == ("medium", pd.Timestamp(MEDIUM))
    assert got["reasons"] == "churned_winback"
    assert got["abc_class"] == "B"


@pytest.mark.parametrize(
    "first_order, segment_code, reasons, priority",
    [
        ("2026-06-01", "new", ["default_low"], "low"),  # 6 months: new, but not within 90 days
        ("2026-05-31", "low_frequency", ["low_frequency"], "low"),
        ("2026-09-02", "new", ["new_customer"], "medium"),  # exactly 90 days
        ("2026-09-01", "new", ["default_low"], "low"),  # 91 days
    ],
)
def test_new_customer_boundaries(no_top_share, first_order, segment_code, reasons, priority):
    got = one({"first_order_date": first_order, "cooperation_years": 0}, no_top_share)
    assert got["value_segment"] == segment_code
    assert got["reasons"].split(";") == reasons
    assert got["priority"] == priority


def test_core_top_20_percent_with_ties(config):
    # 10 active customers; 20% of 10 = 2: ranks 1 and 2 are core, and a tie at rank 2 stays in
    revenues = [
        900_000,
        800_000,
        800_000,
        700_000,
        600_000,
        500_000,
        400_000,
        300_000,
        200_000,
        150_000,
    ]
    plan = segment(customers(*[{"revenue_12m": r} for r in revenues]), config).plan
    assert plan["value_segment"].tolist()[:4] == ["core", "core", "core", "low_frequency"]
    assert (plan["value_segment"] == "core").sum() == 3
    assert set(plan.loc[plan["value_segment"] == "core", "channels"]) == {
        "onsite_visit+dedicated_service"
    }
    assert set(plan.loc[plan["value_segment"] == "core", "abc_class"]) == {"A"}


def test_core_top_share_counts_active_customers_only(config):
    # 5 active + 5 terminated long ago: 20% of 5 active = 1 → only the richest active is core
    active = [{"revenue_12m": r} for r in (900_000, 800_000, 700_000, 600_000, 500_000)]
    gone = [{"revenue_12m": 2_000_000, "status": "terminated", "terminated_date": "2024-01-01"}] * 5
    plan = segment(customers(*active, *gone), config).plan
    assert plan["value_segment"].tolist() == ["core"] + ["low_frequency"] * 4 + ["inactive"] * 5


@pytest.mark.parametrize(
    "revenue, segment_code, reasons",
    [
        (10_000_000.00, "regular", ["regular_active"]),  # exactly 10M: not "> 10M"
        (10_000_000.01, "core", ["strategic"]),
        (1_000_000.00, "regular", ["regular_active"]),  # exactly 1M: regular and regular_active
        (999_999.99, "low_frequency", ["low_frequency"]),
        (100_000.00, "low_frequency", ["low_frequency"]),  # marginal is strictly below 100k
        (99_999.99, "marginal", ["marginal"]),
    ],
)
def test_revenue_boundaries(no_top_share, revenue, segment_code, reasons):
    got = one({"revenue_12m": revenue}, no_top_share)
    assert got["value_segment"] == segment_code
    assert got["reasons"].split(";") == reasons


def test_strategic_is_high_seven_days(no_top_share):
    check({"revenue_12m": 12_000_000}, no_top_share, "core", "high", HIGH, ["strategic"])


@pytest.mark.parametrize(
    "last6, prev6, segment_code, growth_fires",
    [
        (130.0, 100.0, "potential", True),  # exactly 1.30×: potential segment
        (129.99, 100.0, "low_frequency", True),
        (120.0, 100.0, "low_frequency", True),  # exactly 1.20×: potential_growth fires
        (119.99, 100.0, "low_frequency", False),
        (50.0, 0.0, "low_frequency", False),  # no base to grow from
    ],
)
def test_growth_boundaries(no_top_share, last6, prev6, segment_code, growth_fires):
    got = one({"revenue_last_6m": last6, "revenue_prev_6m": prev6}, no_top_share)
    assert got["value_segment"] == segment_code
    assert ("potential_growth" in got["reasons"].split(";")) is growth_fires
    assert got["priority"] == ("medium" if growth_fires else "low")


@pytest.mark.parametrize("rank, fires", [(1, True), (20, True), (21, False)])
def test_industry_benchmark(no_top_share, rank, fires):
    got = one({"industry_rank": rank}, no_top_share)
    assert (got["value_segment"] == "potential") is fires
    assert ("industry_benchmark" in got["reasons"]) is fires
    assert got["deadline"] == pd.Timestamp(MEDIUM if fires else LOW)


@pytest.mark.parametrize(
    "last_order, expected", [("2025-11-30", "inactive"), ("2025-12-01", "low_frequency")]
)
def test_inactive_after_twelve_months_without_order(no_top_share, last_order, expected):
    assert one({"last_order_date": last_order}, no_top_share)["value_segment"] == expected


# --------------------------------------------------------------------------- priority rules
@pytest.mark.parametrize(
    "last3, prev3, fires",
    [(50.0, 100.0, True), (50.01, 100.0, False), (0.0, 100.0, True), (0.0, 0.0, False)],
)
def test_churn_warning_drop_is_48_hours(no_top_share, last3, prev3, fires):
    got = one({"revenue_last_3m": last3, "revenue_prev_3m": prev3}, no_top_share)
    assert ("churn_warning_drop" in got["reasons"]) is fires
    assert got["priority"] == ("high" if fires else "low")
    assert got["deadline"] == pd.Timestamp(WARN if fires else LOW)


def test_complaint_warning_beats_strategic_deadline_and_blocks_regular_active(no_top_share):
    # strategic (7 days) and a complaint (2 days) both fire: high, the tighter deadline wins
    check(
        {"revenue_12m": 12_000_000, "open_major_complaints": 1},
        no_top_share,
        "core",
        "high",
        WARN,
        ["strategic", "churn_warning_complaint"],
    )
    got = one({"revenue_12m": 2_000_000, "open_major_complaints": 2}, no_top_share)
    assert got["reasons"] == "churn_warning_complaint"  # no regular_active with a complaint
    assert got["value_segment"] == "regular"


@pytest.mark.parametrize("value, fires", [(5_000_000, False), (5_000_000.01, True)])
def test_major_project(no_top_share, value, fires):
    got = one({"project_value": value}, no_top_share)
    assert got["priority"] == ("high" if fires else "low")
    assert got["deadline"] == pd.Timestamp(HIGH if fires else LOW)


@pytest.mark.parametrize("years, fires", [(3, True), (2, False)])
def test_loyal_core(config, years, fires):
    # two customers: the first is the top 20%... of 2 = 0.4 → nobody; make it core by share 0.5
    cfg = config.replace({"segments": {"core": {"top_share": 0.5}}})
    plan = segment(customers({"revenue_12m": 800_000, "cooperation_years": years}, {}), cfg).plan
    first = plan.iloc[0]
    assert first["value_segment"] == "core"
    assert ("loyal_core" in first["reasons"]) is fires
    assert first["priority"] == ("high" if fires else "low")
    assert first["reasons"] == ("loyal_core" if fires else "default_low")


def test_every_fired_rule_is_listed_in_config_order(no_top_share):
    row = {
        "revenue_12m": 12_000_000,
        "project_value": 6_000_000,
        "revenue_last_3m": 10.0,
        "revenue_prev_3m": 100.0,
        "revenue_last_6m": 200.0,
        "revenue_prev_6m": 100.0,
        "industry_rank": 3,
    }
    got = one(row, no_top_share)
    assert got["reasons"].split(";") == [
        "strategic",
        "major_project",
        "churn_warning_drop",
        "potential_growth",
        "industry_benchmark",
    ]
    assert (got["priority"], got["deadline"]) == ("high", pd.Timestamp(WARN))


def test_deadline_never_after_execution_end(no_top_share):
    cfg = no_top_share.replace({"priority": {"low": {"deadline_days": 60}}})
    assert one({}, cfg)["deadline"] == pd.Timestamp("2027-01-20")


def test_campaign_year_moves_deadlines(no_top_share):
    cfg = no_top_share.with_overrides(year=2027)
    got = one({"revenue_12m": 12_000_000, "last_order_date": "2027-11-01"}, cfg)
    assert got["deadline"] == pd.Timestamp("2027-12-23")


# --------------------------------------------------------------------------- shape and contract
def test_plan_columns_order_and_input_untouched(config):
    frame = customers({}, {"revenue_12m": 2_000_000}, {"revenue_12m": 20_000})
    before = frame.copy(deep=True)
    plan = segment(frame, config).plan
    pd.testing.assert_frame_equal(frame, before)
    assert tuple(plan.columns) == PLAN_COLUMNS
    assert plan["customer_id"].tolist() == ["T001", "T002", "T003"]
    assert plan["region_cluster"].tolist() == ["yangtze_delta"] * 3
    assert plan["industry_group"].tolist() == ["manufacturing"] * 3


def test_unmapped_region_and_industry_are_other(config):
    got = one({"region": "火星", "industry": "占星"}, config)
    assert (got["region_cluster"], got["industry_group"]) == ("other", "other")


def test_absent_columns_do_not_fire_and_are_reported(config):
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "name": ["甲", "乙"],
            "revenue_12m": [12_000_000.0, 2_000_000.0],
        }
    )
    result = segment(frame, config)
    skipped = {n.rule: n.missing for n in result.not_evaluated}
    assert skipped["churn_warning_complaint"] == ("open_major_complaints",)
    assert skipped["churn_warning_drop"] == ("revenue_last_3m", "revenue_prev_3m")
    assert skipped["new_customer"] == ("first_order_date",)
    assert "churned" in skipped
    assert skipped["inactive (no order)"] == ("last_order_date",)
    assert skipped["potential (growth)"] == ("revenue_last_6m", "revenue_prev_6m")
    assert result.plan["reasons"].tolist() == ["strategic", "regular_active"]
    assert "rule 'new_customer' not evaluated: column(s) first_order_date absent" in [
        str(n) for n in result.not_evaluated
    ]


def test_half_of_a_two_part_rule_is_reported_when_its_column_is_absent(no_top_share):
    frame = customers({"industry_rank": 5}).drop(columns=["revenue_prev_6m"])
    result = segment(frame, no_top_share)
    skipped = {n.rule: n.missing for n in result.not_evaluated}
    assert skipped["potential (growth)"] == ("revenue_prev_6m",)
    assert "potential (industry rank)" not in skipped
    assert result.plan["value_segment"].iloc[0] == "potential"  # by its industry rank


@pytest.mark.parametrize(
    "last6, prev6, segment_code, growth",
    [
        # exact ratios in cents that floating point gets wrong: 1.30 × 8,213,625.40 and
        # 1.20 × 18.10 (worked by hand: 10,677,713.02 and 21.72)
        (10_677_713.02, 8_213_625.40, "potential", True),
        (10_677_713.01, 8_213_625.40, "low_frequency", True),
        (21.72, 18.10, "low_frequency", True),
        (21.71, 18.10, "low_frequency", False),
    ],
)
def test_growth_is_judged_to_the_cent(no_top_share, last6, prev6, segment_code, growth):
    row = {"revenue_12m": 500_000.0, "revenue_last_6m": last6, "revenue_prev_6m": prev6}
    got = one(row, no_top_share)
    assert got["value_segment"] == segment_code
    assert ("potential_growth" in got["reasons"]) is growth


def test_missing_values_in_present_columns_do_not_fire(no_top_share):
    got = one(
        {"revenue_last_3m": float("nan"), "open_major_complaints": pd.NA, "project_value": None},
        no_top_share,
    )
    assert got["reasons"] == "low_frequency"


def test_summary_counts(config):
    result = segment(customers({"revenue_12m": 12_000_000}, {"revenue_12m": 50_000}), config)
    table = result.summary()
    assert table.loc["core", "high"] == 1
    assert table.loc["marginal", "low"] == 1
    assert table.loc["total", "total"] == 2


# --------------------------------------------------------------------------- properties
money = st.one_of(st.just(0.0), st.floats(0, 3e7, allow_nan=False))
dates = st.one_of(
    st.none(), st.dates(pd.Timestamp("2015-01-01").date(), pd.Timestamp("2026-12-01").date())
)
row_strategy = st.fixed_dictionaries(
    {
        "revenue_12m": money,
        "revenue_last_6m": money,
        "revenue_prev_6m": money,
        "revenue_last_3m": money,
        "revenue_prev_3m": money,
        "first_order_date": dates,
        "last_order_date": dates,
        "cooperation_years": st.integers(0, 20),
        "status": st.sampled_from(["active", "terminated"]),
        "terminated_date": dates,
        "winback_worthy": st.booleans(),
        "open_major_complaints": st.integers(0, 3),
        "project_value": money,
        "industry_rank": st.one_of(st.none(), st.integers(1, 60)),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=40))
def test_invariants(config, rows):
    frame = customers(*rows)
    plan = segment(frame, config).plan
    rules = config.priority.rules
    tier_of = {name: rule.tier for name, rule in rules}
    tier_of |= {s: "low" for s in config.priority.low.segments} | {"default_low": "low"}
    execution = config.phases().execution
    assert len(plan) == len(frame)
    assert plan["value_segment"].isin(SEGMENT_CODES).all()
    assert plan["priority"].isin(TIERS).all()
    # a churn warning may be due before execution (48 h from the as-of date), never after it
    first = min(pd.Timestamp(execution.start), pd.Timestamp(config.as_of()))
    assert plan["deadline"].between(first, pd.Timestamp(execution.end)).all()
    # the segment's channel plan counts from execution, and never before the first deadline
    assert (
        plan["channels_deadline"]
        .between(pd.Timestamp(execution.start), pd.Timestamp(execution.end))
        .all()
    )
    assert (plan["channels_deadline"] >= plan["deadline"]).all()
    for _, row in plan.iterrows():
        fired = row["reasons"].split(";")
        assert fired and all(code in tier_of for code in fired)
        # the priority is the highest tier of any rule that fired
        assert row["priority"] == min((tier_of[c] for c in fired), key=TIERS.index)
        assert ("churned_winback" in fired) == (row["value_segment"] == "churned")


def test_base_row_is_complete():
    # the fixture row covers every optional column of the contract, so rules are all evaluated
    from revisitkit.schema import CUSTOMER_COLUMNS

    contract = {c.name for c in CUSTOMER_COLUMNS if not c.personal} - {"customer_id"}
    assert contract <= set(BASE)


# --------------------------------------------------------------------------- an independent oracle
def oracle(frame: pd.DataFrame, config) -> list[tuple[str, str, pd.Timestamp, list[str]]]:
    """domain.md §3.1 written out row by row in plain Python, without the module's code:
    (segment, priority, deadline, reasons) per customer."""
    as_of = pd.Timestamp("2026-12-01")
    m12, m6 = pd.Timestamp("2025-12-01"), pd.Timestamp("2026-06-01")
    d90 = pd.Timestamp("2026-09-02")
    start, end = pd.Timestamp("2026-12-16"), pd.Timestamp("2027-01-20")
    rows = frame.to_dict("records")
    active_rev = sorted((r["revenue_12m"] for r in rows if r["status"] == "active"), reverse=True)

    def top20(rev):  # rank with ties sharing the best rank ≤ 20% of the active customers
        rank = 1 + sum(1 for v in active_rev if v > rev)
        return rev > 0 and rank <= 0.2 * len(active_rev)

    def known(v):
        return v is not None and not pd.isna(v)

    def grew(last, prev, ratio):
        return known(last) and known(prev) and prev > 0 and round(last, 2) >= round(ratio * prev, 2)

    out = []
    for r in rows:
        active = r["status"] == "active"
        t, f, lo = r["terminated_date"], r["first_order_date"], r["last_order_date"]
        rank = r["industry_rank"]
        if not active and known(t) and m12 <= t <= as_of and r["winback_worthy"]:
            seg = "churned"
        elif known(f) and m6 <= f <= as_of:
            seg = "new"
        elif active and (top20(r["revenue_12m"]) or r["revenue_12m"] > 10_000_000):
            seg = "core"
        elif active and (
            grew(r["revenue_last_6m"], r["revenue_prev_6m"], 1.30) or (known(rank) and rank <= 20)
        ):
            seg = "potential"
        elif active and r["revenue_12m"] >= 1_000_000:
            seg = "regular"
        elif (known(lo) and lo < m12) or (not active and known(t) and t < m12):
            seg = "inactive"
        elif r["revenue_12m"] < 100_000:
            seg = "marginal"
        else:
            seg = "low_frequency"
        fired = []  # (code, tier, days, counted from) in config order
        if r["revenue_12m"] > 10_000_000:
            fired.append(("strategic", "high", 7, start))
        if seg == "core" and active and r["cooperation_years"] >= 3:
            fired.append(("loyal_core", "high", 7, start))
        if r["project_value"] > 5_000_000:
            fired.append(("major_project", "high", 7, start))
        l3, p3 = r["revenue_last_3m"], r["revenue_prev_3m"]
        if p3 > 0 and round(l3, 2) <= round(0.5 * p3, 2):
            fired.append(("churn_warning_drop", "high", 2, as_of))
        complaint = r["open_major_complaints"] >= 1
        if complaint:
            fired.append(("churn_warning_complaint", "high", 2, as_of))
        if grew(r["revenue_last_6m"], r["revenue_prev_6m"], 1.20):
            fired.append(("potential_growth", "medium", 15, start))
        if known(rank) and rank <= 20:
            fired.append(("industry_benchmark", "medium", 15, start))
        if active and 1_000_000 <= r["revenue_12m"] <= 10_000_000 and not complaint:
            fired.append(("regular_active", "medium", 15, start))
        if known(f) and d90 <= f <= as_of:
            fired.append(("new_customer", "medium", 15, start))
        if seg == "churned":
            fired.append(("churned_winback", "medium", 15, start))
        if seg in ("low_frequency", "inactive", "marginal"):
            fired.append((seg, "low", 30, start))
        if not fired:
            fired.append(("default_low", "low", 30, start))
        best = min((TIERS.index(tier) for _, tier, _, _ in fired))
        due = min(b + pd.Timedelta(days=d) for _, tier, d, b in fired if TIERS.index(tier) == best)
        out.append((seg, TIERS[best], min(due, end), [c for c, _, _, _ in fired]))
    return out


cents = st.integers(0, 3_000_000_000).map(lambda c: c / 100)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "revenue_12m": cents,
                "revenue_last_6m": cents,
                "revenue_prev_6m": cents,
                "revenue_last_3m": cents,
                "revenue_prev_3m": cents,
                "first_order_date": dates,
                "last_order_date": dates,
                "cooperation_years": st.integers(0, 20),
                "status": st.sampled_from(["active", "terminated"]),
                "terminated_date": dates,
                "winback_worthy": st.booleans(),
                "open_major_complaints": st.integers(0, 3),
                "project_value": cents,
                "industry_rank": st.one_of(st.none(), st.integers(1, 60)),
            }
        ),
        min_size=1,
        max_size=30,
    )
)
def test_segment_agrees_with_an_independent_oracle(config, rows):
    frame = customers(*rows)
    plan = segment(frame, config).plan
    expected = oracle(frame, config)
    got = [
        (r.value_segment, r.priority, r.deadline, str(r.reasons).split(";"))
        for r in plan.itertuples()
    ]
    assert got == expected
