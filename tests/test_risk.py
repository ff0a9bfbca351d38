"""The risk register's content: scores and levels, the config section, heat maps, signals
(the validation and the seed: tests/test_schema_risks.py).

Golden scores and levels come from the default bands in data/campaign.yaml (low 1–4,
medium 5–9, high 10–14, critical 15–25) and SLAs from §7.2 (A 2 h, B 24 h, C 48 h). Signal
goldens are counted by hand on small plans; the New Year week of campaign 2026 is
Mon 2026-12-28 … Sun 2027-01-03 (元旦 2027 is a Friday, 1–3 Jan off).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from revisitkit.calendar import campaign_calendar
from revisitkit.config import DEFAULT_CONFIG_PATH
from revisitkit.errors import ConfigError
from revisitkit.io import load_seed
from revisitkit.risk import (
    SIGNAL_COLUMNS,
    heatmap_counts,
    level,
    new_year_window,
    register_frame,
    score,
    signals,
    sla_hours,
)
from revisitkit.schema import REGISTER_COLUMNS, SIGNALS, Risk

SEED = DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml"

#: A valid risk as a form or a file gives it.
VALID = {
    "id": "R01",
    "category": "customer",
    "title": "高价值客户流失",
    "title_en": "Churn of high-value customers",
    "likelihood": 3,
    "impact": 5,
    "owner_role": "sales_director",
    "strategy": "mitigate",
    "response_level": "A",
    "status": "open",
    "residual_likelihood": 2,
    "residual_impact": 5,
    "next_review": "2026-12-10",
    "signal": "core_complaints",
}


def risk(**changes) -> Risk:
    return Risk(**{**VALID, "next_review": date(2026, 12, 10), **changes})


@pytest.fixture(scope="module")
def calendar(config):
    return campaign_calendar(config)


# ------------------------------------------------------------------------------- scoring
@pytest.mark.parametrize(
    ("likelihood", "impact", "expected_score", "expected_level"),
    [
        (1, 1, 1, "low"),
        (2, 2, 4, "low"),
        (1, 5, 5, "medium"),
        (3, 3, 9, "medium"),
        (2, 5, 10, "high"),
        (3, 4, 12, "high"),
        (3, 5, 15, "critical"),
        (4, 4, 16, "critical"),
        (5, 5, 25, "critical"),
    ],
)
def test_golden_scores_and_levels(config, likelihood, impact, expected_score, expected_level):
    assert score(likelihood, impact) == expected_score
    assert level(expected_score, config) == expected_level


def test_scores_outside_the_scale_are_refused(config):
    with pytest.raises(ValueError, match=r"^score must be a whole number from 1 to 25, got 26$"):
        level(26, config)
    with pytest.raises(ValueError, match=r"^score must be a whole number from 1 to 25, got 0$"):
        level(0, config)
    with pytest.raises(ValueError, match=r"^likelihood must be a whole number ≥ 1, got 0$"):
        score(0, 3)


def test_sla_hours_are_the_plan_numbers(config):
    assert [sla_hours(x, config) for x in "ABC"] == [2, 24, 48]
    with pytest.raises(ValueError, match=r"^response level must be one of A, B, C, got 'D'$"):
        sla_hours("D", config)


# -------------------------------------------------------------------------- config section
def test_default_risk_config_is_the_plan(config):
    r = config.risk
    assert r.scale_max == 5
    assert config.problems.response_hours() == {"A": 2, "B": 24, "C": 48}
    assert [(c, b.min, b.max) for c, b in r.levels.items()] == [
        ("low", 1, 4),
        ("medium", 5, 9),
        ("high", 10, 14),
        ("critical", 15, 25),
    ]
    assert r.owner_roles["sales_director"].startswith("销售总监")
    assert r.store_path().resolve() == DEFAULT_CONFIG_PATH.parent / "revisitkit.db"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"levels": {"medium": {"min": 6}}},
            "risk: levels.medium.min = 6: the bands must follow each other with no gap or "
            "overlap from 1 to 25 (scale_max 5 squared), and 'low' ends at 4, so 'medium' "
            "must start at 5",
        ),
        (
            {"levels": {"critical": {"max": 24}}},
            "risk: levels.critical.max = 24: the last band must end at 25 (scale_max 5 "
            "squared, the highest score)",
        ),
        (
            {"scale_max": 4},
            "risk: levels.critical.max = 25: the last band must end at 16 (scale_max 4 "
            "squared, the highest score)",
        ),
        (
            {"signals": {"core_complaint_share_max": 1.5}},
            "risk.signals.core_complaint_share_max = 1.5: Input should be less than or equal to 1",
        ),
        (
            {"owner_roles": {"Bad Role": "x"}},
            "risk.owner_roles: role codes must be snake_case like campaign_lead, got ['Bad Role']",
        ),
    ],
)
def test_bad_risk_config_is_refused_naming_the_key(config, changes, message):
    with pytest.raises(ConfigError) as caught:
        config.replace({"risk": changes})
    assert message in str(caught.value)


def test_store_path_is_relative_to_the_file_naming_it(tmp_path, monkeypatch):
    from revisitkit.config import load_config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "planner.yaml").write_text("risk:\n  store: shared.db\n", "utf-8")
    assert load_config("team/planner.yaml").risk.store_path() == tmp_path.joinpath(
        "team", "shared.db"
    ).relative_to(tmp_path)


# ------------------------------------------------------------------------------- tables
def test_register_frame_scores_levels_sla_and_labels(config):
    frame = register_frame(
        [
            risk(),
            risk(
                id="R02",
                likelihood=2,
                impact=2,
                residual_likelihood=1,
                residual_impact=1,
                response_level="C",
                category="external",
                owner_role="pr",
                status="closed",
                next_review=None,
            ),
        ],
        config,
    )
    assert list(frame.columns) == list(REGISTER_COLUMNS)
    assert frame["score"].tolist() == [15, 4]
    assert frame["level"].tolist() == ["critical", "low"]
    assert frame["level_label"].tolist() == ["极高 Critical", "低 Low"]
    assert frame["residual_score"].tolist() == [10, 1]
    assert frame["residual_level"].tolist() == ["high", "low"]
    assert frame["sla_hours"].tolist() == [2, 48]
    assert frame["category_label"].tolist() == ["客户风险 Customer", "外部风险 External"]
    assert frame["owner_label"].tolist() == ["销售总监 Sales director", "公关负责人 PR lead"]
    assert frame["status_label"].tolist() == ["开启 Open", "已关闭 Closed"]
    assert frame["next_review"].iloc[0] == pd.Timestamp("2026-12-10")
    assert pd.isna(frame["next_review"].iloc[1])


def test_register_frame_of_no_risks_has_the_columns(config):
    frame = register_frame([], config)
    assert frame.empty and list(frame.columns) == list(REGISTER_COLUMNS)


def test_heatmap_counts_by_hand(config):
    frame = register_frame(
        [
            risk(id="R01", likelihood=3, impact=5, residual_likelihood=2, residual_impact=5),
            risk(id="R02", likelihood=3, impact=5, residual_likelihood=1, residual_impact=4),
            risk(id="R03", likelihood=5, impact=1, residual_likelihood=2, residual_impact=1),
        ],
        config,
    )
    grid = heatmap_counts(frame)
    assert list(grid.index) == [5, 4, 3, 2, 1]
    assert list(grid.columns) == [1, 2, 3, 4, 5]
    expected = np.zeros((5, 5), dtype=int)
    expected[2, 4] = 2  # likelihood 3 (third row from the top), impact 5
    expected[0, 0] = 1  # likelihood 5, impact 1
    assert (grid.to_numpy() == expected).all()
    residual = heatmap_counts(frame, residual=True)
    assert residual.loc[2, 5] == 1 and residual.loc[1, 4] == 1 and residual.loc[2, 1] == 1
    assert residual.to_numpy().sum() == 3


# ------------------------------------------------------------------------------- signals
def plan(core: int = 0, complaints: int = 0, other: int = 0, deadlines=None) -> pd.DataFrame:
    """A plan with *core* core customers (the first *complaints* with a complaint warning)
    and *other* regular customers, one of them also with a complaint."""
    segments = ["core"] * core + ["regular"] * other
    reasons = (
        ["strategic;churn_warning_complaint"] * complaints
        + ["strategic"] * (core - complaints)
        + ["regular_active;churn_warning_complaint"] * min(other, 1)
        + ["regular_active"] * max(other - 1, 0)
    )
    n = len(segments)
    deadlines = deadlines if deadlines is not None else ["2026-12-18"] * n
    return pd.DataFrame(
        {
            "value_segment": pd.Categorical(segments),
            "priority": "high",
            "deadline": pd.to_datetime(deadlines),
            "reasons": pd.Categorical(reasons),
        }
    )


def by_signal(table: pd.DataFrame, code: str) -> pd.Series:
    rows = table[table["signal"] == code]
    assert len(rows) == 1
    return rows.iloc[0]


def test_core_complaints_signal_fires_above_the_threshold(config, calendar):
    risks = [risk(likelihood=3)]
    table = signals(plan(core=10, complaints=2, other=5), calendar, config, risks=risks)
    assert list(table.columns) == list(SIGNAL_COLUMNS)
    row = by_signal(table, "core_complaints")
    assert row["value"] == pytest.approx(0.2)  # 2 of 10 core; the regular one does not count
    assert row["threshold"] == 0.05
    assert bool(row["fired"]) is True
    assert row["risk_id"] == "R01"
    assert (row["likelihood"], row["suggested_likelihood"]) == (3, 4)
    assert row["reason"] == (
        "10 家核心客户中 2 家 (20.0%) 有未解决的重大投诉，高于阈值 5.0% — 2 of 10 core customers "
        "(20.0%) have an unresolved major complaint, above the threshold of 5.0%"
    )


def test_a_fired_signal_suggests_at_most_the_scale_max(config, calendar):
    table = signals(plan(core=10, complaints=2), calendar, config, risks=[risk(likelihood=5)])
    assert by_signal(table, "core_complaints")["suggested_likelihood"] == 5


def test_core_complaints_at_the_threshold_does_not_fire(config, calendar):
    table = signals(plan(core=20, complaints=1), calendar, config, risks=[risk(likelihood=3)])
    row = by_signal(table, "core_complaints")
    assert row["value"] == pytest.approx(0.05)
    assert bool(row["fired"]) is False
    assert row["suggested_likelihood"] == 3  # the stored likelihood, unchanged


def test_no_core_customers_is_said(config, calendar):
    row = by_signal(signals(plan(other=3), calendar, config), "core_complaints")
    assert np.isnan(row["value"]) and not row["fired"]
    assert row["reason"] == "计划中没有核心客户 — the plan has no core customers"


def test_reasons_as_plain_text_work_too(config, calendar):
    p = plan(core=4, complaints=1)
    p["reasons"] = p["reasons"].astype(str)
    p.loc[3, "reasons"] = "strategic;churn_warning_complaint_x"  # not the same code
    row = by_signal(signals(p, calendar, config), "core_complaints")
    assert row["value"] == pytest.approx(0.25)


def test_new_year_window_of_campaign_2026(calendar):
    assert new_year_window(calendar) == (date(2026, 12, 28), date(2027, 1, 3))


def test_new_year_window_takes_in_the_days_off_and_the_working_days_of_the_week(config):
    # 元旦 2026 is a Thursday: 1–3 Jan off, Sunday 4 Jan a 调休 working day (official table)
    cal = campaign_calendar(config.with_overrides(year=2025))
    assert new_year_window(cal) == (date(2025, 12, 29), date(2026, 1, 4))


def test_holiday_crowding_counts_deadlines_in_the_new_year_week(config, calendar):
    deadlines = ["2026-12-27", "2026-12-28", "2027-01-03", "2027-01-04"]
    p = plan(core=4, deadlines=deadlines)
    row = by_signal(
        signals(
            p, calendar, config, risks=[risk(id="R03", likelihood=4, signal="holiday_crowding")]
        ),
        "holiday_crowding",
    )
    assert row["value"] == pytest.approx(0.5)  # 12-28 and 01-03 of 4
    assert row["threshold"] == 0.25
    assert bool(row["fired"]) is True
    assert (row["risk_id"], row["likelihood"], row["suggested_likelihood"]) == ("R03", 4, 5)
    assert (
        "2 of 4 deadlines (50.0%) fall in the New Year week 2026-12-28 … 2027-01-03"
        in (row["reason"])
    )


def test_spring_festival_timing(config, calendar):
    # execution ends Wed 2027-01-20; the holiday starts Fri 2027-02-05: 21–22 Jan,
    # 25–29 Jan, 1–4 Feb = 2 + 5 + 4 = 11 working days
    row = by_signal(signals(plan(core=1), calendar, config), "spring_festival_timing")
    assert (row["value"], row["threshold"], bool(row["fired"])) == (11, 5, False)
    tight = config.replace({"risk": {"signals": {"spring_festival_buffer_days": 12}}})
    row = by_signal(signals(plan(core=1), calendar, tight), "spring_festival_timing")
    assert bool(row["fired"]) is True
    assert row["reason"].endswith(
        "11 working days before the Spring Festival holiday starts "
        "2027-02-05, fewer than the 12 required"
    )


def test_staffing_and_budget_not_available_yet(config, calendar):
    risks = [risk(id="R06", signal="resource_gap"), risk(id="R09", signal="budget_overspend")]
    table = signals(plan(core=1), calendar, config, risks=risks)
    for code in ("resource_gap", "budget_overspend"):
        row = by_signal(table, code)
        assert np.isnan(row["value"]) and bool(row["fired"]) is False
        assert "not available" in row["reason"]
        assert row["suggested_likelihood"] == row["likelihood"] == 3


def test_staffing_gap_and_budget_overspend_fire_above_zero(config, calendar):
    risks = [risk(id="R06", signal="resource_gap"), risk(id="R09", signal="budget_overspend")]
    table = signals(plan(core=1), calendar, config, 3.5, 12000.0, risks=risks)
    gap, over = by_signal(table, "resource_gap"), by_signal(table, "budget_overspend")
    assert (gap["value"], bool(gap["fired"]), gap["suggested_likelihood"]) == (3.5, True, 4)
    assert (over["value"], bool(over["fired"]), over["suggested_likelihood"]) == (12000, True, 4)
    assert over["reason"] == (
        "预算超支 12,000 元，超过阈值 0 元 — spending is 12,000 CNY over budget, above the "
        "threshold of 0 CNY"
    )
    table = signals(plan(core=1), calendar, config, 0, 0, risks=risks)
    assert not table["fired"].any()


def test_signals_without_a_register_have_no_risk_and_no_suggestion(config, calendar):
    table = signals(plan(core=10, complaints=2), calendar, config)
    assert table["signal"].tolist() == list(SIGNALS)
    assert table["risk_id"].isna().all()
    assert table["suggested_likelihood"].isna().all()


def test_signals_on_the_seed_never_change_the_risks(config, calendar):
    risks = load_seed(SEED, config)
    before = register_frame(risks, config)
    p = plan(core=10, complaints=2)
    p_before = p.copy()
    table = signals(p, calendar, config, risks=before)
    assert table["risk_id"].tolist() == ["R06", "R01", "R03", "R08", "R09"]
    pd.testing.assert_frame_equal(register_frame(risks, config), before)
    pd.testing.assert_frame_equal(p, p_before)
