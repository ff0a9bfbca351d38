"""The budget: top-down split, bottom-up cost, ROI, the optimizer, actual spend.

Golden values are worked out by hand from data/campaign.yaml's ``budget:`` section (see the
comments); the optimizer is checked against a brute-force search on tiny instances.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revisitkit.budget import (
    CATEGORIES,
    BudgetPlan,
    Optimizer,
    overspend_total,
    plan_budget,
    split_cents,
    variance,
)
from revisitkit.calendar import campaign_calendar
from revisitkit.errors import InputError
from revisitkit.io import load_actuals, read_monthly
from revisitkit.staffing import plan_staffing
from revisitkit.workspace import load_staff, load_workspace


def two_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "name": ["华东精工", "京北新材"],
            "value_segment": ["core", "new"],
            "priority": ["high", "medium"],
            "deadline": pd.to_datetime(["2026-12-23", "2026-12-31"]),
            "channels": ["onsite_visit+dedicated_service", "sms+product_guide+online_training"],
            "reasons": ["strategic", "new_customer"],
            "region": ["上海", "北京"],
            "region_cluster": ["yangtze_delta", "jingjinji"],
            "owner": [None, None],
            "revenue_12m": [10_000_000.0, 200_000.0],
            "abc_class": ["A", "B"],
        }
    )


# --- the golden case --------------------------------------------------------------------------
# Effort estimate (no schedule): on-site travel as from another province of the cluster,
# same_cluster: 180 min and 600 CNY per person.
# C1 (core): on-site visit, 3 people × (75 + 30 + 180 travel) = 285 min each:
#   director 285/60 × 400 = 1,900; consultant 285/60 × 250 = 1,187.5; CS manager 285/60 × 180
#   = 855; travel 3 × 600 = 1,800; dedicated service, CS agent 40 min × 80/60 = 53.33…
#   personnel 5,795.833…; materials: gift 800 + visit kit 300 + brochure 20 = 1,120
# C2 (new): online training, CS agent 20 min × 80/60 = 26.66…; materials: gift 50 + brochure 20
#   = 70; SMS and product guide: 2 automated contacts × 0.5 = 1 (technology)
C1_PERSONNEL = 1900 + 1187.5 + 855 + 1800 + 40 / 60 * 80
C2_PERSONNEL = 20 / 60 * 80
C1_MATERIALS, C2_MATERIALS, C2_MESSAGES = 1120.0, 70.0, 1.0
FIXED = 200_000 + 150_000  # systems + training
DIRECT = C1_PERSONNEL + C1_MATERIALS + C2_PERSONNEL + C2_MATERIALS + C2_MESSAGES


def test_bottom_up_golden_case(config):
    bp = plan_budget(two_customers(), config, calendar=campaign_calendar(config))
    c = bp.customers.set_index("customer_id")
    assert c.loc["C1", "personnel"] == pytest.approx(C1_PERSONNEL)
    assert c.loc["C2", "personnel"] == pytest.approx(C2_PERSONNEL)
    assert c.loc["C1", "materials"] == C1_MATERIALS and c.loc["C2", "materials"] == C2_MATERIALS
    # fixed technology spread by direct cost; C2 also pays its messages
    c1_direct = C1_PERSONNEL + C1_MATERIALS
    assert c.loc["C1", "technology"] == pytest.approx(FIXED * c1_direct / DIRECT)
    assert c.loc["C2", "technology"] == pytest.approx(
        C2_MESSAGES + FIXED * (DIRECT - c1_direct) / DIRECT
    )
    # contingency 5% of the rest: total 1.05 × (direct + fixed)
    assert bp.cost == pytest.approx(1.05 * (DIRECT + FIXED))
    assert bp.bottom_up["contingency"] == pytest.approx(0.05 * (DIRECT + FIXED))
    # return: core 25% margin × 2% of 10M = 50,000; new 25% × 5% of 200k = 2,500
    assert bp.expected_return == pytest.approx(52_500)
    assert bp.roi == pytest.approx(52_500 / (1.05 * (DIRECT + FIXED)))
    # top-down 4.5M: 2.7M / 0.9M / 0.675M / 0.225M
    assert bp.top_down() == {
        "personnel": 2_700_000,
        "materials": 900_000,
        "technology": 675_000,
        "contingency": 225_000,
    }
    cats = bp.categories().set_index("category")
    assert cats.loc["materials", "gap"] == pytest.approx(900_000 - 1190)
    # staff hours: C1 3 × 285 + 40 min, C2 20 min -> A share (855 + 40) / 915
    abc = bp.abc_effort().set_index("abc_class")
    assert abc.loc["A", "share"] == pytest.approx((3 * 285 + 40) / (3 * 285 + 40 + 20))


def test_what_if_total_and_split(config):
    bp = plan_budget(
        two_customers(),
        config,
        calendar=campaign_calendar(config),
        total=1_000_000,
        split={"personnel": 0.5, "materials": 0.3, "technology": 0.15, "contingency": 0.05},
    )
    assert bp.top_down() == {
        "personnel": 500_000,
        "materials": 300_000,
        "technology": 150_000,
        "contingency": 50_000,
    }


def test_gift_cost_changes_materials(config):
    cheaper = config.replace({"budget": {"gift_per_customer": {"core": 500}}})
    a = plan_budget(two_customers(), config, calendar=campaign_calendar(config)).bottom_up[
        "materials"
    ]
    b = plan_budget(two_customers(), cheaper, calendar=campaign_calendar(cheaper)).bottom_up[
        "materials"
    ]
    assert a - b == pytest.approx(300)


# --- money to the cent --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2).map(float),
    weights=st.lists(
        st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=12
    ),
)
def test_split_cents_sums_exactly_and_is_fair(total, weights):
    parts = split_cents(total, weights)
    assert round(parts.sum() * 100) == round(total * 100)
    assert (parts >= 0).all()
    w = np.array(weights)
    if w.sum() > 0:
        exact = total * (w / w.sum())
        assert np.all(np.abs(parts - exact) <= 0.01 + 1e-6)


@settings(max_examples=40, deadline=None)
@given(
    total=st.decimals(min_value=0, max_value=10**8, places=2).map(float),
    shares=st.lists(st.integers(min_value=0, max_value=100), min_size=4, max_size=4).filter(
        lambda s: sum(s) > 0
    ),
)
def test_budget_csv_sums_to_the_total_to_the_cent(config, total, shares):
    split = dict(zip(CATEGORIES, np.array(shares) / sum(shares), strict=True))
    bp = plan_budget(
        two_customers(), config, calendar=campaign_calendar(config), total=total, split=split
    )
    frame = bp.budget_frame()
    assert round(frame["amount_cny"].sum() * 100) == round(total * 100)
    assert (frame["amount_cny"] >= 0).all()
    monthly = bp.monthly()
    assert round(monthly["planned_cny"].sum() * 100) == round(total * 100)
    for c in CATEGORIES:
        assert round(frame.loc[frame["category"] == c, "amount_cny"].sum() * 100) == round(
            bp.top_down()[c] * 100
        )


# --- the optimizer ---------------------------------------------------------------------------


def tiny(config, seed: int, fixed: float = 40.0) -> BudgetPlan:
    """Three groups of 1–3 customers with whole-CNY costs and returns."""
    rng = np.random.default_rng(seed)
    rows = []
    for seg, prio in (("core", "high"), ("potential", "medium"), ("regular", "low")):
        for i in range(int(rng.integers(1, 4))):
            personnel, materials = float(rng.integers(20, 120)), float(rng.integers(5, 60))
            rows.append(
                {
                    "customer_id": f"{seg}{i}",
                    "value_segment": seg,
                    "priority": prio,
                    "region_cluster": "other",
                    "abc_class": "A",
                    "hours": 1.0,
                    "personnel": personnel,
                    "materials": materials,
                    "messages": 0.0,
                    "technology": 0.0,
                    "contingency": 0.0,
                    "cost": personnel + materials,
                    "expected_return": float(rng.integers(0, 400)),
                }
            )
    frame = pd.DataFrame(rows)
    # within a group the optimizer uses the average cost: give each group one cost
    for col in ("personnel", "materials", "expected_return"):
        frame[col] = frame.groupby("value_segment")[col].transform("first")
    cfg = config.replace(
        {
            "budget": {
                "systems_fixed": fixed / 2,
                "training_fixed": fixed / 2,
                "share_tolerance": 0.10,
            }
        }
    )
    return BudgetPlan(frame, 1000.0, cfg.budget.split.as_dict(), "effort", pd.DataFrame(), cfg)


def brute_force(bp: BudgetPlan, total: float) -> float | None:
    """The best return over every whole number of covered customers per group, with the
    technology extra t and the contingency k searched on a 0.5-CNY grid."""
    b = bp.config.budget
    fixed, tol, rate = b.systems_fixed + b.training_fixed, b.share_tolerance, b.contingency_rate
    split = bp.split
    g = bp.customers.groupby("value_segment", sort=False).agg(
        n=("customer_id", "size"),
        p=("personnel", "first"),
        m=("materials", "first"),
        r=("expected_return", "first"),
        prio=("priority", "first"),
    )
    grid = np.arange(0, total + 0.5, 0.5)
    t, k = np.meshgrid(grid, grid, indexing="ij")
    best = None
    for ys in itertools.product(*[range(n + 1) for n in g["n"]]):
        y = np.array(ys)
        if any(yy < n for yy, n, pr in zip(y, g["n"], g["prio"], strict=True) if pr == "high"):
            continue
        P, M = float(y @ g["p"]), float(y @ g["m"])
        tech = fixed + t
        S = P + M + tech + k
        ok = (S <= total + 1e-9) & (k >= rate * (P + M + tech) - 1e-9)
        for amount, c in (
            (P, "personnel"),
            (M, "materials"),
            (tech, "technology"),
            (k, "contingency"),
        ):
            lo, hi = max(split[c] - tol, 0), min(split[c] + tol, 1)
            ok &= (amount >= lo * S - 1e-9) & (amount <= hi * S + 1e-9)
        if ok.any():
            value = float(y @ g["r"])
            best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_optimizer_matches_brute_force_on_tiny_instances(config, seed):
    bp = tiny(config, seed)
    for total in (300.0, 600.0, 1000.0):
        alloc = Optimizer(bp, total).solve()
        expected = brute_force(bp, total)
        if expected is None:
            assert not alloc.feasible
            assert alloc.needed > total
        else:
            assert alloc.feasible
            assert alloc.expected_return == pytest.approx(expected)


def test_optimizer_invariants_on_the_sample_scale(config):
    ws = load_workspace()
    bp = plan_budget(ws.plan, ws.config, calendar=ws.calendar)
    tol = ws.config.budget.share_tolerance
    for total in (2_500_000, 4_000_000, 6_000_000, 9_000_000):
        alloc = Optimizer(bp, total).solve()
        if not alloc.feasible:
            assert alloc.needed > total and "more" in alloc.binding[0]
            assert Optimizer(bp, alloc.needed + 1).solve().feasible
            continue
        assert alloc.spent <= total + 0.01
        assert all(v >= -1e-6 for v in alloc.spend.values())
        for c in CATEGORIES:
            assert abs(alloc.spend[c] / alloc.spent - bp.split[c]) <= tol + 1e-6
        high = alloc.groups[alloc.groups["priority"] == "high"]
        assert (high["covered"] == high["customers"]).all()
        assert alloc.binding  # it always says what limits it


def test_too_small_a_total_says_how_much_more(config):
    bp = tiny(config, 0)
    alloc = Optimizer(bp, 10.0).solve()  # less than the fixed technology alone
    assert not alloc.feasible
    assert alloc.needed > 10
    assert f"{alloc.needed - 10:,.2f} CNY more" in alloc.binding[0]


# --- actual spend ----------------------------------------------------------------------------

ACTUALS = (
    "日期,类别,金额,备注\n"
    '2026-12-05,人员,"1,200.50",差旅\n'
    "2026/12/20,物料,￥300,礼品\n"
    "2027年1月3日,personnel,99.5,补贴\n"
)


def test_actuals_load_from_gbk_with_chinese_headers(tmp_path, config):
    path = tmp_path / "支出.csv"
    path.write_bytes(ACTUALS.encode("gbk"))
    frame = load_actuals(path, config)
    assert frame["category"].tolist() == ["personnel", "materials", "personnel"]
    assert frame["amount_cny"].tolist() == [1200.5, 300.0, 99.5]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-12-05",
        "2026-12-20",
        "2027-01-03",
    ]


def test_bad_actuals_list_every_problem(tmp_path, config):
    path = tmp_path / "spend.csv"
    path.write_text(
        "日期,类别,金额\n2026-13-01,人员,100\n2026-12-02,差旅,100\n2026-12-03,物料,abc\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        load_actuals(path, config)
    text = str(e.value)
    assert "3 problem(s)" in text
    assert "spend.csv, row 2, column '日期': value '2026-13-01'" in text
    assert "row 3, column '类别': value '差旅' — unknown category" in text
    assert "row 4, column '金额': value 'abc'" in text


def test_actuals_without_an_amount_column(tmp_path, config):
    path = tmp_path / "spend.csv"
    path.write_text("日期,类别\n2026-12-01,人员\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column amount \\(金额\\)"):
        load_actuals(path, config)


def test_variance_by_month_and_category(config):
    # plan: December personnel 1,000, materials 500; January personnel 300
    monthly = pd.DataFrame(
        {
            "month": ["2026-12", "2026-12", "2027-01"],
            "category": ["personnel", "materials", "personnel"],
            "planned_cny": [1000.0, 500.0, 300.0],
        }
    )
    actuals = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-12-05", "2026-12-20", "2027-01-03", "2027-02-01"]),
            "category": ["personnel", "personnel", "materials", "technology"],
            "amount_cny": [700.0, 400.0, 50.0, 20.0],
            "note": "",
        }
    )
    table = variance(monthly, actuals, config)
    rows = {
        (r.month, r.category): (r.planned_cny, r.actual_cny, r.variance_cny, r.overspend)
        for r in table.itertuples()
    }
    assert rows[("2026-12", "personnel")] == (1000.0, 1100.0, 100.0, True)
    assert rows[("2026-12", "materials")] == (500.0, 0.0, -500.0, False)
    assert rows[("2027-01", "personnel")] == (300.0, 0.0, -300.0, False)
    assert rows[("2027-01", "materials")] == (0.0, 50.0, 50.0, True)  # unplanned spend
    assert rows[("2027-02", "technology")] == (0.0, 20.0, 20.0, True)
    assert overspend_total(table) == pytest.approx(170.0)
    assert not math.isnan(table["variance_cny"].sum())


def test_shares_no_total_can_meet_are_explained(config):
    # gifts so dear that materials stay above 25% of any spend that keeps personnel ≥ 55%
    bp = tiny(config.replace({"budget": {"share_tolerance": 0.05}}), 1)
    frame = bp.customers.assign(materials=bp.customers["personnel"] * 3)
    bp = BudgetPlan(frame, 1000.0, bp.split, "effort", pd.DataFrame(), bp.config)
    alloc = Optimizer(bp, 10**6).solve()
    assert not alloc.feasible and math.isnan(alloc.needed)
    assert "no total can keep every category within" in alloc.binding[0]


# --- costed from the schedule ----------------------------------------------------------------


def one_of_each(config) -> pd.DataFrame:
    roles = ["sales_director", "tech_consultant", "cs_manager", "cs_agent"]
    return pd.DataFrame(
        {
            "staff_id": [f"P{i}" for i in range(4)],
            "name": roles,
            "role": roles,
            "region": "上海",
            "region_cluster": "yangtze_delta",
            "hours_per_day": 7.0,
            "available_from": pd.NaT,
            "available_to": pd.NaT,
            "days_off": [()] * 4,
        }
    )


def test_personnel_from_the_schedule_golden_case(config):
    # everyone in 上海: C1's visit is same-province travel, 90 min and 100 CNY per person
    # director (105 + 90) / 60 × 400 = 1,300; consultant 195 / 60 × 250 = 812.5;
    # CS manager 195 / 60 × 180 = 585; travel 3 × 100; CS agent 40 / 60 × 80 (dedicated) and,
    # for C2, 20 / 60 × 80 (online training)
    sp = plan_staffing(
        two_customers(), one_of_each(config), config, campaign_calendar(config), gap=False
    )
    bp = plan_budget(two_customers(), config, calendar=campaign_calendar(config), staffing=sp)
    c = bp.customers.set_index("customer_id")
    assert bp.source == "schedule"
    assert c.loc["C1", "personnel"] == pytest.approx(1300 + 812.5 + 585 + 300 + 40 / 60 * 80)
    assert c.loc["C2", "personnel"] == pytest.approx(20 / 60 * 80)
    assert c.loc["C1", "hours"] == pytest.approx((3 * 195 + 40) / 60)


def test_reserve_people_are_paid_for_their_work(config):
    ws = load_workspace()
    roster = load_staff(ws.config).iloc[::3]  # a third of the people: the reserve is booked
    sp = plan_staffing(ws.plan, roster, ws.config, ws.calendar, gap=False, reserve=True)
    booked = sp.schedule.assignments
    assert booked["staff_id"].str.startswith("reserve:").any()
    bp = plan_budget(ws.plan, ws.config, staffing=sp, calendar=ws.calendar)
    # every booked minute is costed (unscheduled tasks add their estimate on top)
    assert bp.customers["hours"].sum() >= booked["minutes"].sum() / 60 - 1e-6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("month,category,planned_cny\n2026-12,personnel,abc\n", "row 2, column 'planned_cny'"),
        ("month,category,planned_cny\nDec-26,personnel,100\n", "row 2, column 'month'"),
        ("month,category,planned_cny\n2026-12,salary,100\n", "row 2, column 'category'"),
        ("month,category\n2026-12,personnel\n", "missing column(s) ['planned_cny']"),
    ],
)
def test_a_damaged_monthly_budget_is_refused_with_its_row(tmp_path, text, message):
    (tmp_path / "budget_monthly.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_monthly(tmp_path)
    assert message in str(e.value)


def test_a_resaved_monthly_budget_keeps_its_months(tmp_path):
    # Excel re-saves 2026-12 as a date in the month, and may write thousands separators
    (tmp_path / "budget_monthly.csv").write_bytes(
        'month,category,planned_cny\n2026/12/1,personnel,"1,000"\n2027年1月,materials,5\n'.encode(
            "gbk"
        )
    )
    frame = read_monthly(tmp_path)
    assert frame.values.tolist() == [
        ["2026-12", "personnel", 1000.0],
        ["2027-01", "materials", 5.0],
    ]


def test_commas_that_are_not_thousands_separators_are_refused(tmp_path, config):
    path = tmp_path / "spend.csv"
    path.write_text('日期,类别,金额\n2026-12-01,人员,"1,2,3"\n', encoding="utf-8")
    with pytest.raises(InputError, match="value '1,2,3'"):
        load_actuals(path, config)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=50),
    total=st.floats(min_value=0, max_value=3000, allow_nan=False),
)
def test_optimizer_invariants_hold_for_any_total(config, seed, total):
    bp = tiny(config, seed)
    alloc = Optimizer(bp, total).solve()
    tol = bp.config.budget.share_tolerance
    if not alloc.feasible:
        assert alloc.needed > total - 0.01 or math.isnan(alloc.needed)
        return
    assert alloc.spent <= total + 0.01
    assert all(v >= -1e-6 for v in alloc.spend.values())
    for c in CATEGORIES:
        assert abs(alloc.spend[c] / alloc.spent - bp.split[c]) <= tol + 1e-6
    g = alloc.groups
    assert ((g["covered"] >= 0) & (g["covered"] <= g["customers"])).all()
    high = g[g["priority"] == "high"]
    assert (high["covered"] == high["customers"]).all()


# --- the optimizer's arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "message"),
    [
        (-1000, "total must be a number of CNY ≥ 0, got -1000"),
        (float("nan"), "total must be a number of CNY ≥ 0, got nan"),
        (float("inf"), "total must be a number of CNY ≥ 0, got inf"),
        (True, "total must be a number of CNY ≥ 0, got True"),
        ("1000", "total must be a number of CNY ≥ 0, got '1000'"),
    ],
)
def test_optimizer_refuses_a_total_that_is_not_an_amount(config, total, message):
    bp = tiny(config, 0)
    with pytest.raises(ValueError) as e:
        Optimizer(bp, total)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("tolerance", "message"),
    [
        (-0.5, "tolerance must be a number from 0 to 1, got -0.5"),
        (1.5, "tolerance must be a number from 0 to 1, got 1.5"),
        (float("nan"), "tolerance must be a number from 0 to 1, got nan"),
    ],
)
def test_optimizer_refuses_a_tolerance_out_of_range(config, tolerance, message):
    bp = tiny(config, 0)
    with pytest.raises(ValueError) as e:
        Optimizer(bp, 1000.0, tolerance=tolerance)
    assert str(e.value) == message


def test_optimizer_refuses_a_share_out_of_range(config):
    bp = tiny(config, 0)
    split = {"personnel": 1.2, "materials": -0.2, "technology": 0.0, "contingency": 0.0}
    bad = BudgetPlan(bp.customers, bp.total, split, "effort", pd.DataFrame(), bp.config)
    with pytest.raises(ValueError) as e:
        Optimizer(bad, 1000.0)
    assert str(e.value) == "the personnel share must be a number from 0 to 1, got 1.2"


def test_optimizer_refuses_shares_that_do_not_add_up(config):
    bp = tiny(config, 0)
    split = {"personnel": 0.6, "materials": 0.2, "technology": 0.15, "contingency": 0.1}
    bad = BudgetPlan(bp.customers, bp.total, split, "effort", pd.DataFrame(), bp.config)
    with pytest.raises(ValueError) as e:
        Optimizer(bad, 1000.0)
    assert str(e.value) == "the shares must add up to 100%, got 105.0%"


def test_optimizer_refuses_a_time_limit_that_is_not_positive(config):
    with pytest.raises(ValueError) as e:
        Optimizer(tiny(config, 0), 1000.0, time_limit=0)
    assert str(e.value) == "time_limit must be a positive number of seconds, got 0"


@pytest.mark.parametrize(
    ("time_limit", "message"),
    [
        (-5, "time_limit must be a positive number of seconds, got -5"),
        (float("nan"), "time_limit must be a positive number of seconds, got nan"),
        (None, "time_limit must be a positive number of seconds, got None"),
    ],
)
def test_optimizer_refuses_a_time_limit_that_is_not_a_duration(config, time_limit, message):
    with pytest.raises(ValueError) as e:
        Optimizer(tiny(config, 0), 1000.0, time_limit=time_limit)
    assert str(e.value) == message


def test_optimizer_refuses_what_is_not_a_budget_plan(config):
    with pytest.raises(ValueError) as e:
        Optimizer(tiny(config, 0).customers, 1000.0)
    assert str(e.value) == "plan must be a BudgetPlan (from plan_budget), got DataFrame"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.float64("nan"), "total must be a number of CNY ≥ 0, got nan"),
        (np.float64(-1000), "total must be a number of CNY ≥ 0, got -1000.0"),
        (np.int64(-3), "total must be a number of CNY ≥ 0, got -3"),
    ],
)
def test_a_numpy_total_is_named_as_a_number(config, value, message):
    # a total read off a frame is a NumPy scalar: the message shows its value, not its type
    with pytest.raises(ValueError) as e:
        Optimizer(tiny(config, 0), value)
    assert str(e.value) == message


def test_a_numpy_total_is_taken(config):
    assert Optimizer(tiny(config, 0), np.float64(1000)).total == 1000.0


def test_optimizer_refuses_a_split_without_every_category(config):
    bp = tiny(config, 0)
    split = {"personnel": 0.6, "materials": 0.2, "technology": 0.2}
    bad = BudgetPlan(bp.customers, bp.total, split, "effort", pd.DataFrame(), bp.config)
    with pytest.raises(ValueError) as e:
        Optimizer(bad, 1000.0)
    assert str(e.value) == (
        "the split needs a share for each of ['personnel', 'materials', 'technology', "
        "'contingency'], got {'personnel': 0.6, 'materials': 0.2, 'technology': 0.2}"
    )


def test_optimizer_refuses_a_share_that_is_not_a_number(config):
    bp = tiny(config, 0)
    split = {**bp.split, "materials": float("nan")}
    bad = BudgetPlan(bp.customers, bp.total, split, "effort", pd.DataFrame(), bp.config)
    with pytest.raises(ValueError) as e:
        Optimizer(bad, 1000.0)
    assert str(e.value) == "the materials share must be a number from 0 to 1, got nan"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        # HiGHS would answer "`c` must be a one-dimensional array of finite numbers …"
        (
            "personnel",
            math.inf,
            "the plan's personnel must be a number of CNY ≥ 0 for every "
            "customer, got inf for customer 'core0'",
        ),
        (
            "expected_return",
            -math.inf,
            "the plan's expected_return must be a number of CNY for "
            "every customer, got -inf for customer 'core0'",
        ),
        # a blank cost would be averaged away, and a negative one pay for the others
        (
            "materials",
            math.nan,
            "the plan's materials must be a number of CNY ≥ 0 for every "
            "customer, got nan for customer 'core0'",
        ),
        (
            "messages",
            -1.0,
            "the plan's messages must be a number of CNY ≥ 0 for every "
            "customer, got -1.0 for customer 'core0'",
        ),
    ],
)
def test_optimizer_refuses_a_plan_whose_costs_are_not_amounts(config, column, value, message):
    bp = tiny(config, 0)
    customers = bp.customers.copy()
    customers.loc[0, column] = value
    bad = BudgetPlan(customers, bp.total, bp.split, "effort", pd.DataFrame(), bp.config)
    with pytest.raises(ValueError) as e:
        Optimizer(bad, 1000.0)
    assert str(e.value) == message


def test_a_negative_expected_return_is_allowed(config):
    # a group that loses money is simply not covered, unless it is high priority
    bp = tiny(config, 0)
    customers = bp.customers.assign(
        expected_return=np.where(bp.customers["priority"] == "low", -50.0, 100.0)
    )
    alloc = Optimizer(
        BudgetPlan(customers, 1000.0, bp.split, "effort", pd.DataFrame(), bp.config)
    ).solve()
    low = alloc.groups[alloc.groups["priority"] == "low"]
    assert alloc.feasible and (low["covered"] == 0).all()


def test_optimizer_refuses_a_plan_without_its_cost_columns(config):
    bp = tiny(config, 0)
    customers = bp.customers.drop(columns=["messages"])
    bad = BudgetPlan(customers, bp.total, bp.split, "effort", pd.DataFrame(), bp.config)
    with pytest.raises(ValueError) as e:
        Optimizer(bad, 1000.0)
    assert str(e.value) == (
        "the plan's customers lack column(s) ['messages']; cost them with plan_budget"
    )


def test_an_infeasible_total_is_explained_by_solve(config):
    bp = tiny(config, 0)  # fixed technology 40 CNY, share tolerance ±10%
    alloc = Optimizer(bp, 10.0).solve()
    assert not alloc.feasible and alloc.spend == {} and alloc.expected_return == 0.0
    (words,) = alloc.binding
    assert words.startswith(
        "预算不足 the total of 10.00 CNY cannot cover every high-priority customer within the "
        "category shares (±10%): at least "
    )
    assert words.endswith(f"{alloc.needed:,.2f} CNY is needed, {alloc.needed - 10:,.2f} CNY more")
    assert Optimizer(bp, alloc.needed).solve().feasible
