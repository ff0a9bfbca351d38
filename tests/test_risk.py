"""The risk register's content: validation, scores and levels, the seed, heat maps, signals.

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
from revisitkit.errors import ConfigError, UserError
from revisitkit.risk import (
    CATEGORIES,
    FIELDS,
    REGISTER_COLUMNS,
    SIGNAL_COLUMNS,
    SIGNALS,
    Risk,
    RiskValidationError,
    heatmap_counts,
    level,
    load_seed,
    make_risk,
    new_year_window,
    register_frame,
    score,
    signals,
    sla_hours,
    validate_risk,
)

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


# ------------------------------------------------------------------------------ validation
def test_a_valid_risk_has_no_problems(config):
    assert validate_risk(VALID, config) == []
    made = make_risk(VALID, config)
    assert made == risk()
    assert (made.score, made.residual_score) == (15, 10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("likelihood", 0, "likelihood must be a whole number from 1 to 5, got 0"),
        ("likelihood", 6, "likelihood must be a whole number from 1 to 5, got 6"),
        ("likelihood", 2.5, "likelihood must be a whole number from 1 to 5, got 2.5"),
        ("likelihood", True, "likelihood must be a whole number from 1 to 5, got True"),
        ("impact", "x", "impact must be a whole number from 1 to 5, got 'x'"),
        ("impact", None, "impact must be a whole number from 1 to 5, got None"),
        (
            "owner_role",
            "ceo",
            "owner_role must be one of the known roles campaign_lead, general_manager, "
            "sales_director, cs_manager, tech_lead, it_admin, hr_training, logistics, pr, "
            "finance, got 'ceo'; roles are set under risk.owner_roles in the config",
        ),
        ("title", "", "title must not be empty: give the risk a short name, got ''"),
        ("title", "   ", "title must not be empty: give the risk a short name, got '   '"),
        (
            "category",
            "internal",
            "category must be one of customer, execution, external, got 'internal'",
        ),
        (
            "strategy",
            "ignore",
            "strategy must be one of avoid, transfer, mitigate, accept, got 'ignore'",
        ),
        ("status", "done", "status must be one of open, monitoring, closed, got 'done'"),
        ("response_level", "D", "response_level must be one of A, B, C, got 'D'"),
        (
            "next_review",
            "2026-13-01",
            "next_review must be a date like 2026-12-10, got '2026-13-01'",
        ),
        (
            "next_review",
            "",
            "next_review must be a date like 2026-12-10 (only a closed risk may have none), got ''",
        ),
        (
            "signal",
            "weather",
            "signal must be empty or one of resource_gap, core_complaints, holiday_crowding, "
            "spring_festival_timing, budget_overspend, got 'weather'",
        ),
        ("id", "X1", "id must be R followed by digits, like R07, got 'X1'"),
        ("mitigation", 5, "mitigation must be text, got 5"),
        (
            "residual_likelihood",
            4,
            "residual_likelihood must not be greater than likelihood (3), got 4: mitigation "
            "lowers a risk or leaves it as it is",
        ),
    ],
)
def test_every_invalid_value_is_refused_with_its_message(config, field, value, message):
    assert validate_risk({**VALID, field: value}, config) == [message]
    with pytest.raises(RiskValidationError) as caught:
        make_risk({**VALID, field: value}, config)
    assert caught.value.problems == [message]
    named = value if field == "id" else "R01"  # the message names the risk as given
    assert str(caught.value) == f"risk {named} was not saved: 1 problem(s):\n  - {message}"
    assert isinstance(caught.value, UserError) and isinstance(caught.value, ValueError)


def test_an_unknown_field_is_named(config):
    assert validate_risk({**VALID, "severity": 3}, config) == [
        "unknown field 'severity'; the fields of a risk are " + ", ".join(FIELDS)
    ]


def test_every_problem_is_reported_at_once(config):
    problems = validate_risk({**VALID, "likelihood": 6, "title": "", "status": "x"}, config)
    assert len(problems) == 3


def test_a_larger_scale_from_the_config_is_the_limit(config):
    seven = config.replace({"risk": {"scale_max": 7, "levels": {"critical": {"max": 49}}}})
    assert validate_risk({**VALID, "likelihood": 6}, seven) == []
    assert validate_risk({**VALID, "likelihood": 8}, seven) == [
        "likelihood must be a whole number from 1 to 7, got 8"
    ]


def test_text_and_chinese_labels_are_understood(config):
    made = make_risk(
        {**VALID, "category": "客户风险", "strategy": "减轻", "status": "监控中",
         "owner_role": "销售总监", "likelihood": " 3 ", "impact": "5.0", "response_level": "a",
         "next_review": "2026年12月10日", "signal": ""},
        config,
    )  # fmt: skip
    assert (made.category, made.strategy, made.status, made.owner_role) == (
        "customer", "mitigate", "monitoring", "sales_director",
    )  # fmt: skip
    assert (made.likelihood, made.impact, made.response_level) == (3, 5, "A")
    assert made.next_review == date(2026, 12, 10)
    assert made.signal is None


def test_a_closed_risk_needs_no_review_date(config):
    assert validate_risk({**VALID, "status": "closed", "next_review": None}, config) == []


def test_residual_equal_to_inherent_is_allowed_for_an_accepted_risk(config):
    assert (
        validate_risk(
            {**VALID, "strategy": "accept", "residual_likelihood": 3, "residual_impact": 5}, config
        )
        == []
    )


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
    assert dict(r.sla_hours) == {"A": 2, "B": 24, "C": 48}
    assert [(c, b.min, b.max) for c, b in r.levels.items()] == [
        ("low", 1, 4), ("medium", 5, 9), ("high", 10, 14), ("critical", 15, 25),
    ]  # fmt: skip
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


# ------------------------------------------------------------------------------------ seed
def test_seed_has_every_risk_the_plan_names(config):
    risks = load_seed(SEED, config)
    assert len(risks) >= 11
    assert [r.id for r in risks] == [f"R{n:02d}" for n in range(1, len(risks) + 1)]
    assert {r.category for r in risks} == set(CATEGORIES)
    by_category = pd.Series([r.category for r in risks]).value_counts().to_dict()
    assert by_category == {"execution": 6, "external": 4, "customer": 3}
    for r in risks:
        assert validate_risk(r.to_dict(), config) == [], r.id
        assert r.status == "open"
        assert config.phases().preparation.start <= r.next_review <= config.phases().execution.end
        assert r.description and r.cause and r.trigger and r.mitigation and r.contingency
    # every live signal has exactly one risk to sit beside
    assert sorted(r.signal for r in risks if r.signal) == sorted(SIGNALS)
    # the plan's own numbers (§5.1, §5.2)
    text = " ".join(r.description + r.cause for r in risks)
    for number in ("1200万元", "42.1%", "30%", "50%", "200份", "500万元", "3000万元", "40分"):
        assert number in text, number


def test_seed_titles_name_the_plan_risks(config):
    titles = {r.id: r.title for r in load_seed(SEED, config)}
    assert titles["R01"] == "高价值客户流失"
    assert titles["R06"] == "高峰期资源不足"
    assert titles["R07"] == "技术工具故障"
    assert titles["R13"] == "舆情事件"


def test_a_bad_seed_lists_every_problem(tmp_path, config):
    bad = tmp_path / "seed.yaml"
    bad.write_text(
        "risks:\n"
        "  - {id: R01, category: customer, title: 甲, likelihood: 6, impact: 3,"
        " owner_role: sales_director, strategy: mitigate, response_level: A,"
        " residual_likelihood: 1, residual_impact: 1, next_review: 2026-12-10}\n"
        "  - {id: R01, category: space, title: 乙, likelihood: 2, impact: 3,"
        " owner_role: sales_director, strategy: mitigate, response_level: A,"
        " residual_likelihood: 1, residual_impact: 1, next_review: 2026-12-10}\n",
        encoding="utf-8",
    )
    with pytest.raises(RiskValidationError) as caught:
        load_seed(bad, config)
    assert caught.value.problems == [
        "entry 1 (R01): likelihood must be a whole number from 1 to 5, got 6",
        "entry 2 (R01): category must be one of customer, execution, external, got 'space'",
        "entry 2: id R01 is also entry 1",
    ]


def test_a_missing_seed_file_is_named(tmp_path, config):
    with pytest.raises(UserError, match="risk seed file not found"):
        load_seed(tmp_path / "none.yaml", config)


# ------------------------------------------------------------------------------- tables
def test_register_frame_scores_levels_sla_and_labels(config):
    frame = register_frame(
        [risk(), risk(id="R02", likelihood=2, impact=2, residual_likelihood=1,
                      residual_impact=1, response_level="C", category="external",
                      owner_role="pr", status="closed", next_review=None)],
        config,
    )  # fmt: skip
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
    row = by_signal(signals(p, calendar, config, risks=[risk(id="R03", likelihood=4,
                                                              signal="holiday_crowding")]),
                    "holiday_crowding")  # fmt: skip
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
    assert row["reason"].endswith("11 working days before the Spring Festival holiday starts "
                                  "2027-02-05, fewer than the 12 required")  # fmt: skip


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
