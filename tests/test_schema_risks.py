"""The risk register's contract: every value a field takes or refuses, and the seed.

A valid risk (``VALID``) is the one of tests/test_risk.py; messages are written out by hand.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from revisitkit.errors import UserError
from revisitkit.io import load_seed
from revisitkit.schema import (
    CATEGORIES,
    FIELDS,
    SIGNALS,
    RiskValidationError,
    make_risk,
    validate_risk,
)
from tests.test_risk import SEED, VALID, risk


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
        {
            **VALID,
            "category": "客户风险",
            "strategy": "减轻",
            "status": "监控中",
            "owner_role": "销售总监",
            "likelihood": " 3 ",
            "impact": "5.0",
            "response_level": "a",
            "next_review": "2026年12月10日",
            "signal": "",
        },
        config,
    )
    assert (made.category, made.strategy, made.status, made.owner_role) == (
        "customer",
        "mitigate",
        "monitoring",
        "sales_director",
    )
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
