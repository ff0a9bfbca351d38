"""Tests of the synthetic customer base (revisitkit.sample).

The segment and rule definitions of domain §3.1 are re-implemented here with plain pandas,
independently of the generator, so that the guarantee "every segment and rule occurs" is checked
against the spec rather than against the generator's own reading of it.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pytest

from revisitkit.sample import (
    CHINESE_HEADERS,
    COLUMNS,
    SampleProfile,
    generate_customers,
    to_crm_export,
)
from revisitkit.sample.customers import _ids

AS_OF = date(2026, 12, 1)
BIG_THREE = {"上海", "江苏", "浙江", "安徽", "广东", "北京", "天津", "河北"}
MIDDLE = {"四川", "重庆", "湖北", "湖南", "江西"}
SEGMENTS = (
    "churned",
    "new",
    "core",
    "potential",
    "regular",
    "inactive",
    "marginal",
    "low_frequency",
)
RULES = (
    "strategic",
    "loyal_core",
    "major_project",
    "churn_warning_drop",
    "churn_warning_complaint",
    "potential_growth",
    "industry_benchmark",
    "regular_active",
    "new_customer",
    "churned_winback",
)


@cache
def _customers(n: int, seed: int = 2026, as_of: date = AS_OF) -> pd.DataFrame:
    return generate_customers(n, seed=seed, as_of=as_of)


def customers(n: int, seed: int = 2026, as_of: date = AS_OF) -> pd.DataFrame:
    """A fresh copy of a cached draw (tests must not share mutations)."""
    return _customers(n, seed, as_of).copy()


def segments_and_rules(df: pd.DataFrame, as_of: date) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Domain §3.1 with default thresholds, written out independently of the generator."""
    stamp = pd.Timestamp(as_of)
    twelve_months_ago = stamp - pd.DateOffset(months=12)
    six_months_ago = stamp - pd.DateOffset(months=6)
    active = df["status"] == "active"
    terminated = df["status"] == "terminated"
    revenue = df["revenue_12m"]

    churned = terminated & (df["terminated_date"] >= twelve_months_ago) & df["winback_worthy"]
    new = df["first_order_date"] >= six_months_ago
    top = int(np.ceil(0.2 * active.sum()))
    threshold = revenue[active].sort_values(ascending=False).iloc[top - 1]
    core = (active & (revenue >= threshold)) | (revenue > 10_000_000)
    benchmark = (df["industry_rank"] <= 20).fillna(False).astype(bool)
    growth_13 = (df["revenue_prev_6m"] > 0) & (df["revenue_last_6m"] >= 1.3 * df["revenue_prev_6m"])
    potential = growth_13 | benchmark
    regular = revenue >= 1_000_000
    inactive = (df["last_order_date"] < twelve_months_ago) | (
        terminated & (df["terminated_date"] < twelve_months_ago)
    )
    marginal = revenue < 100_000
    segment = pd.Series(
        np.select(
            [churned, new, core, potential, regular, inactive, marginal],
            list(SEGMENTS[:-1]),
            SEGMENTS[-1],
        ),
        index=df.index,
    )
    rules = {
        "strategic": revenue > 10_000_000,
        "loyal_core": (segment == "core") & (df["cooperation_years"] >= 3) & active,
        "major_project": df["project_value"] > 5_000_000,
        "churn_warning_drop": (df["revenue_prev_3m"] > 0)
        & (df["revenue_last_3m"] <= 0.5 * df["revenue_prev_3m"]),
        "churn_warning_complaint": df["open_major_complaints"] >= 1,
        "potential_growth": (df["revenue_prev_6m"] > 0)
        & (df["revenue_last_6m"] >= 1.2 * df["revenue_prev_6m"]),
        "industry_benchmark": benchmark,
        "regular_active": revenue.between(1_000_000, 10_000_000)
        & (df["open_major_complaints"] == 0)
        & active,
        "new_customer": df["first_order_date"] >= stamp - pd.Timedelta(days=90),
        "churned_winback": segment == "churned",
    }
    return segment, rules


# --- determinism and size ---


def test_same_seed_gives_identical_frame():
    first = generate_customers(2000, seed=11)
    second = generate_customers(2000, seed=11)
    pd.testing.assert_frame_equal(first, second)


def test_other_seed_gives_different_frame():
    first = customers(2000, seed=11)
    other = customers(2000, seed=12)
    assert not first.equals(other)
    assert (first["revenue_12m"] != other["revenue_12m"]).mean() > 0.9
    assert (first["name"] != other["name"]).mean() > 0.9


@pytest.mark.parametrize("n", [1, 7, 60, 999, 1000, 2500])
def test_n_is_respected(n):
    df = customers(n)
    assert len(df) == n
    assert df["customer_id"].is_unique
    assert df["name"].is_unique
    assert df["customer_id"].iloc[-1] == f"C{n:06d}"


def test_ids_and_names_are_unique():
    df = customers(3000)
    assert df["customer_id"].is_unique
    assert df["name"].is_unique
    assert df["customer_id"].str.fullmatch(r"C\d{6}").all()
    assert df["customer_id"].iloc[0] == "C000001"


def test_ids_are_padded_to_fit_n():
    ids = _ids(1_000_000)
    assert ids.iloc[0] == "C0000001"
    assert ids.iloc[-1] == "C1000000"


@pytest.mark.parametrize("n", [0, -5, 2.5, True, "100"])
def test_invalid_n_is_rejected(n):
    with pytest.raises(ValueError, match="n must be a positive integer, got"):
        generate_customers(n)


@pytest.mark.parametrize("as_of", ["2026-12-01", pd.Timestamp("2026-12-01"), None])
def test_invalid_as_of_is_rejected(as_of):
    with pytest.raises(ValueError, match="as_of must be a datetime.date, got"):
        generate_customers(100, as_of=as_of)


# --- shape of the frame ---


def test_columns_in_contract_order_with_types():
    df = customers(1000)
    assert tuple(df.columns) == COLUMNS
    assert list(CHINESE_HEADERS) == list(COLUMNS)
    money = ["revenue_12m", "revenue_last_6m", "revenue_prev_6m"]
    money += ["revenue_last_3m", "revenue_prev_3m", "project_value"]
    for column in money:
        assert df[column].dtype == np.float64, column
        assert (df[column] == df[column].round(2)).all(), column
    for column in ("first_order_date", "last_order_date", "terminated_date"):
        assert pd.api.types.is_datetime64_any_dtype(df[column]), column
    for column in ("cooperation_years", "open_major_complaints"):
        assert pd.api.types.is_integer_dtype(df[column]), column
    assert df["industry_rank"].dtype == "Int64"
    assert df["winback_worthy"].dtype == bool
    text = ["customer_id", "name", "status", "industry", "region", "business_type", "owner"]
    text += ["contact", "phone", "wechat", "email"]
    for column in text:
        assert pd.api.types.is_string_dtype(df[column]), column
        assert df[column].notna().all(), column


def test_value_ranges():
    df = customers(3000)
    as_of = pd.Timestamp(AS_OF)
    money = df[["revenue_12m", "revenue_last_6m", "revenue_prev_6m", "revenue_last_3m"]]
    assert (money >= 0).all().all()
    assert (df[["revenue_prev_3m", "project_value"]] >= 0).all().all()
    for column in ("first_order_date", "last_order_date", "terminated_date"):
        assert (df[column].dropna() <= as_of).all(), column
    assert set(df["status"]) == {"active", "terminated"}
    assert set(df["business_type"]) == {"product", "service", "project"}
    assert (df.loc[df["project_value"] > 0, "business_type"] == "project").all()
    assert df["first_order_date"].notna().all() and df["last_order_date"].notna().all()
    assert (df["last_order_date"] >= df["first_order_date"]).all()
    terminated = df["status"] == "terminated"
    assert df["terminated_date"].notna().eq(terminated).all()
    assert (df.loc[terminated, "last_order_date"] <= df.loc[terminated, "terminated_date"]).all()
    assert df["cooperation_years"].between(0, 15).all()
    assert (df["open_major_complaints"] >= 0).all()
    rank = df["industry_rank"].dropna()
    assert rank.between(1, 500).all()
    assert set(df["owner"]) <= {f"S{i:03d}" for i in range(1, 61)}


def test_cooperation_years_follow_first_order():
    df = customers(3000)
    end = df["terminated_date"].fillna(pd.Timestamp(AS_OF))
    years = np.floor((end - df["first_order_date"]).dt.days / 365.25).astype(int)
    assert (df["cooperation_years"] == years).all()


def test_revenue_parts_add_up():
    df = customers(3000)
    assert np.allclose(df["revenue_last_6m"] + df["revenue_prev_6m"], df["revenue_12m"], atol=0.02)
    assert np.allclose(
        df["revenue_last_3m"] + df["revenue_prev_3m"], df["revenue_last_6m"], atol=0.02
    )


def test_no_revenue_after_the_orders_stopped():
    df = customers(3000)
    as_of = pd.Timestamp(AS_OF)
    quiet_6m = df["last_order_date"] < as_of - pd.DateOffset(months=6)
    assert (df.loc[quiet_6m, "revenue_last_6m"] == 0).all()
    gone_12m = df["last_order_date"] < as_of - pd.DateOffset(months=12)
    assert gone_12m.mean() > 0.01
    assert (df.loc[gone_12m, "revenue_12m"] == 0).all()


def test_personal_data_formats():
    df = customers(3000)
    assert df["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert df["wechat"].str.fullmatch(r"wx_[a-z0-9]{8}").all()
    assert df["email"].str.fullmatch(r"[a-z0-9]+@[a-z0-9.-]+\.(com|cn|com\.cn)").all()
    assert df["contact"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert df["name"].str.endswith(("有限公司", "）")).all()


# --- shares of a realistic base ---


def test_revenue_is_heavy_tailed():
    df = customers(100_000, seed=5)
    revenue = df["revenue_12m"]
    assert 250_000 <= revenue.median() <= 350_000
    assert 0.001 <= (revenue > 10_000_000).mean() <= 0.006
    assert revenue.max() > 50_000_000
    assert revenue.nlargest(len(df) // 5).sum() / revenue.sum() > 0.6


def test_life_cycle_shares():
    df = customers(100_000, seed=5)
    as_of = pd.Timestamp(AS_OF)
    terminated = df["status"] == "terminated"
    assert terminated.mean() == pytest.approx(0.06, abs=0.01)
    recent = df["terminated_date"] >= as_of - pd.DateOffset(months=12)
    assert 0.6 <= recent[terminated].mean() <= 0.9
    assert df.loc[terminated, "winback_worthy"].mean() == pytest.approx(0.8, abs=0.03)
    new = df["first_order_date"] >= as_of - pd.DateOffset(months=6)
    assert new.mean() == pytest.approx(0.08, abs=0.01)
    assert (df["first_order_date"] >= as_of - pd.Timedelta(days=90)).mean() > 0.02
    assert (df["open_major_complaints"] >= 1).mean() == pytest.approx(0.04, abs=0.01)
    assert df["industry_rank"].notna().mean() == pytest.approx(0.08, abs=0.01)
    assert (df["project_value"] > 0).mean() < 0.15


def test_regional_shares_match_the_plan():
    df = customers(3000)
    big_three = df["region"].isin(BIG_THREE)
    middle = df["region"].isin(MIDDLE)
    assert big_three.mean() == pytest.approx(0.65, abs=0.05)
    assert middle.mean() == pytest.approx(0.20, abs=0.05)
    revenue = df["revenue_12m"]
    assert revenue[big_three].sum() / revenue.sum() == pytest.approx(0.72, abs=0.08)
    overseas = {
        "新加坡",
        "马来西亚",
        "泰国",
        "越南",
        "印度尼西亚",
        "德国",
        "法国",
        "英国",
        "意大利",
    }
    assert df["region"].isin(overseas).any()


def test_industries_cover_three_groups():
    df = customers(3000)
    manufacturing = {"汽车零部件", "电子制造", "机械设备", "化工", "食品加工", "纺织服装"}
    services = {"物流", "金融", "零售", "信息技术", "医疗健康"}
    public = {"政府机关", "公用事业", "教育", "交通运输"}
    assert set(df["industry"]) == manufacturing | services | public


def test_owner_load_is_uneven_but_plausible():
    load = customers(3000)["owner"].value_counts()
    assert len(load) == 60
    assert load.max() > 1.5 * load.min()
    assert load.min() >= 10


# --- guarantees: every segment and every rule occurs ---


@pytest.mark.parametrize("n", [1000, 3000])
@pytest.mark.parametrize("segment", SEGMENTS)
def test_every_segment_occurs(n, segment):
    found, _ = segments_and_rules(customers(n), AS_OF)
    assert (found == segment).sum() >= 3


@pytest.mark.parametrize("n", [1000, 3000])
@pytest.mark.parametrize("rule", RULES)
def test_every_rule_fires(n, rule):
    _, rules = segments_and_rules(customers(n), AS_OF)
    assert rules[rule].sum() >= 3


@pytest.mark.parametrize(
    ("seed", "as_of"), [(1, date(2025, 12, 1)), (99, date(2028, 2, 29)), (7, date(2026, 12, 1))]
)
def test_guarantees_hold_for_other_seeds_and_dates(seed, as_of):
    df = customers(1000, seed=seed, as_of=as_of)
    assert (df["first_order_date"] <= pd.Timestamp(as_of)).all()
    found, rules = segments_and_rules(df, as_of)
    counts = found.value_counts()
    assert all(counts.get(segment, 0) >= 3 for segment in SEGMENTS), counts
    assert all(rules[rule].sum() >= 3 for rule in RULES)


# --- CRM export ---


def test_crm_export_uses_chinese_headers_and_labels():
    df = customers(1000)
    crm = to_crm_export(df)
    assert list(crm.columns) == [CHINESE_HEADERS[c] for c in COLUMNS]
    assert list(crm.columns[:3]) == ["客户编号", "客户名称", "近12个月采购额"]
    assert set(crm["合作状态"]) == {"合作中", "已终止"}
    assert set(crm["业务类型"]) == {"产品", "服务", "项目"}
    assert set(crm["具备挽回价值"]) == {"是", "否"}
    assert (crm["合作状态"] == "已终止").sum() == (df["status"] == "terminated").sum()
    assert (crm["具备挽回价值"] == "否").sum() == (~df["winback_worthy"]).sum()
    assert crm["近12个月采购额"].equals(df["revenue_12m"])


def test_crm_export_writes_iso_dates_and_blanks():
    df = customers(1000)
    crm = to_crm_export(df)
    for column in ("首次合作日期", "最近下单日期"):
        assert crm[column].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    terminated = df["status"] == "terminated"
    assert (crm.loc[~terminated, "终止日期"] == "").all()
    assert crm.loc[terminated, "终止日期"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    exported = pd.to_datetime(crm.loc[terminated, "终止日期"])
    assert (exported == df.loc[terminated, "terminated_date"]).all()
    ranked = df["industry_rank"].notna()
    assert (crm.loc[~ranked, "行业排名"] == "").all()
    assert (crm.loc[ranked, "行业排名"] == df.loc[ranked, "industry_rank"].astype(str)).all()


def test_crm_export_does_not_change_its_input():
    df = customers(1000)
    before = df.copy()
    to_crm_export(df)
    pd.testing.assert_frame_equal(df, before)


def test_crm_export_rejects_unknown_status():
    df = customers(100)
    df.loc[0, "status"] = "paused"
    with pytest.raises(ValueError, match=r"status must be one of \['active', 'terminated'\]"):
        to_crm_export(df)


# --- profile ---


def test_profile_shares_must_sum_to_one():
    with pytest.raises(ValueError, match="email_kind_shares must sum to 1, got"):
        SampleProfile(email_kind_shares=(0.5, 0.5, 0.5, 0.5))
