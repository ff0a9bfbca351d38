"""The revisit outcomes file contract: every problem of a file at once, with row, column and
value (the small campaign: tests/small_campaign.py)."""

from __future__ import annotations

import pytest

from revisitkit.errors import InputError
from revisitkit.io import load_outcomes
from tests.small_campaign import HEADER, PLAN, STAFF


def test_bad_outcomes_list_every_problem(tmp_path, config):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "Z,2026-12-16,电话回访,S1,是,5,9,0,0,0,0,0,0,0,\n"
        + "A,2027-03-01,电话回访,S1,是,5,9,0,0,0,0,0,0,0,\n"
        + "A,2026-12-16,电话回访,S9,是,6,11,1,2,0,0,1,0,2,\n"
        + "A,2026-12-17,传真,S1,是,5,9,0,0,0,0,0,0,0,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        load_outcomes(path, config, customers=PLAN["customer_id"], staff=STAFF)
    text = str(e.value)
    for expected in (
        "bad.csv, row 2, column '客户编号': value 'Z' — unknown customer",
        "row 3, column '回访日期': value '2027-03-01' — outside the campaign (2026-12-01 … 2027-01-31)",
        "row 4, column '员工编号': value 'S9' — unknown staff member",
        "row 4, column '满意度': value '6' — a score from 1 to 5 is expected",
        "row 4, column '推荐意愿': value '11'",
        "row 4, column '解决问题数': value '2' — more problems solved than raised",
        "row 4, column '转化商机数': value '2' — more leads converted than found",
        "row 5, column '回访方式': value '传真' — unknown channel",
    ):
        assert expected in text, expected


def test_a_count_too_large_is_refused(tmp_path, config):
    path = tmp_path / "big.csv"
    path.write_text(
        HEADER + "A,2026-12-16,上门拜访,S1,是,5,9,0,0,1e19,0,0,0,0,\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="column '建议数': value '1e19'"):
        load_outcomes(path, config)
