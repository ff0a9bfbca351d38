"""The bundled sample: regenerable from its seeded generator, and a full workout of the rules."""

from __future__ import annotations

import pandas as pd

from revisitkit.cli import main
from revisitkit.config import SEGMENT_CODES
from revisitkit.io import load_customers, load_outcomes, load_problems, load_roster
from revisitkit.segmentation import segment
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "customers.csv"


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    assert main(["sample", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "customers.csv").read_bytes() == SAMPLE.read_bytes()
    assert (tmp_path / "roster.csv").read_bytes() == (SAMPLE.parent / "roster.csv").read_bytes()
    assert (tmp_path / "actuals.csv").read_bytes() == (SAMPLE.parent / "actuals.csv").read_bytes()
    assert (tmp_path / "outcomes.csv").read_bytes() == (SAMPLE.parent / "outcomes.csv").read_bytes()
    assert (tmp_path / "problems.csv").read_bytes() == (SAMPLE.parent / "problems.csv").read_bytes()


def test_sample_has_chinese_headers_and_a_bom():
    head = SAMPLE.read_bytes()[:200]
    assert head.startswith(b"\xef\xbb\xbf")
    assert "客户编号,客户名称,近12个月采购额".encode() in head


def test_every_segment_and_every_rule_occurs_in_the_sample(config):
    plan = segment(load_customers(SAMPLE, config), config).plan
    assert len(plan) == 3000
    assert set(plan["value_segment"]) == set(SEGMENT_CODES)
    fired = set(plan["reasons"].astype(str).str.split(";").explode())
    rules = {name for name, _ in config.priority.rules} | set(config.priority.low.segments)
    assert rules <= fired, f"rules that never fire on the sample: {sorted(rules - fired)}"
    assert set(plan["priority"]) == {"high", "medium", "low"}
    # the regional shape of §2.2.2: the big three clusters hold about 65% of customers
    big3 = plan["region_cluster"].isin(["yangtze_delta", "pearl_delta", "jingjinji"]).mean()
    assert 0.60 <= big3 <= 0.70
    assert pd.Series(plan["owner"]).nunique() >= 30


def test_a_large_sample_is_one_the_kit_reads(tmp_path, config):
    """At 10,000 customers a slipped weekly tracking call of C009788 landed on the day of the
    next one, and the kit refused its own sample's outcomes.csv ("the same contact (customer,
    date, channel) is given twice") on every dashboard."""
    assert main(["sample", "--out", str(tmp_path), "--customers", "10000"]) == 0
    plan = segment(load_customers(tmp_path / "customers.csv", config), config).plan
    roster = load_roster(tmp_path / "roster.csv", config)
    outcomes = load_outcomes(
        tmp_path / "outcomes.csv", config, customers=plan["customer_id"], staff=roster["staff_id"]
    )
    assert not outcomes.duplicated(["customer_id", "date", "channel"]).any()
    problems = load_problems(tmp_path / "problems.csv", config, customers=plan["customer_id"])
    assert len(outcomes) > 20_000 and len(problems) > 0
