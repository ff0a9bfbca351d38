"""The customers data contract (domain.md §8): headers, values, and every problem at once.

Raw tables here are what a reader hands over: every value as text, headers as written in the
CRM export. Expected frames and messages are written out by hand.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from revisitkit.errors import InputError, Issue
from revisitkit.schema import (
    CUSTOMER_COLUMNS,
    PERSONAL_COLUMNS,
    Source,
    map_headers,
    parse_customers,
    parse_date_text,
)

D = pd.Timestamp


def raw(columns: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype=object)


def problems(table: pd.DataFrame, source: str | Source = "crm.csv") -> str:
    with pytest.raises(InputError) as caught:
        parse_customers(table, source=source)
    return str(caught.value)


MINIMAL = {"customer_id": ["C1"], "name": ["华东精工"], "revenue_12m": ["100"]}


# ------------------------------------------------------------------------------- the contract
def test_contract_columns_match_domain_section_8():
    required = [c.name for c in CUSTOMER_COLUMNS if c.required]
    assert required == ["customer_id", "name", "revenue_12m"]
    zh = {c.name: c.zh for c in CUSTOMER_COLUMNS}
    assert zh["customer_id"] == "客户编号"
    assert zh["revenue_12m"] == "近12个月采购额"
    assert zh["winback_worthy"] == "具备挽回价值"
    assert zh["open_major_complaints"] == "未解决重大投诉数"
    assert set(PERSONAL_COLUMNS) == {"contact", "phone", "wechat", "email"}


# ------------------------------------------------------------------------------- headers
def test_english_headers():
    out = parse_customers(raw(MINIMAL), source="crm.csv")
    assert list(out.columns) == ["customer_id", "name", "revenue_12m"]
    assert out.loc[0, "revenue_12m"] == 100.0


def test_chinese_headers():
    table = raw({"客户编号": ["C1"], "客户名称": ["华东精工"], "近12个月采购额": ["100"]})
    out = parse_customers(table, source="crm.csv")
    assert list(out.columns) == ["customer_id", "name", "revenue_12m"]
    assert (out.loc[0, "customer_id"], out.loc[0, "name"]) == ("C1", "华东精工")


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Customer ID", "customer_id"),
        ("CUSTOMER_ID", "customer_id"),
        (" customer id ", "customer_id"),
        ("\ufeff客户编号", "customer_id"),
        ("客户 编号", "customer_id"),
        ("Revenue 12M", "revenue_12m"),
        ("revenue-12m", "revenue_12m"),
        ("Revenue_Last_6M", "revenue_last_6m"),
        ("First Order Date", "first_order_date"),
        ("（区域）", "region"),
        ("省份", "region"),
        ("手机", "phone"),
        ("Industry Rank", "industry_rank"),
    ],
)
def test_header_variants(header, canonical):
    assert map_headers([header]) == {header: canonical}


def test_unknown_headers_are_left_out():
    assert map_headers(["客户编号", "备注", "remarks"]) == {"客户编号": "customer_id"}
    table = raw({**MINIMAL, "备注": ["老客户"]})
    assert "备注" not in parse_customers(table, source="crm.csv").columns


# ------------------------------------------------------------------------------- values
def test_every_column_parsed_into_its_type():
    table = raw(
        {
            "客户编号": [" C001 ", "C002", "C003"],
            "客户名称": ["华东精工", "南方物流", "京北科技"],
            "近12个月采购额": ["¥1,200,000.00", "80,000元", "￥ 2,000,000"],
            "首次合作日期": ["2018-03-01", "2019/6/1", "2026年10月10日"],
            "连续合作年数": ["5", "3.0", "0"],
            "合作状态": ["合作中", "已终止", ""],
            "终止日期": ["", "2026.6.30", ""],
            "具备挽回价值": ["是", "否", ""],
            "行业排名": ["3", "", "20"],
            "业务类型": ["产品", "服务使用", "项目"],
        }
    )
    out = parse_customers(table, source="crm.csv")
    expected = pd.DataFrame(
        {
            "customer_id": pd.array(["C001", "C002", "C003"], dtype="string"),
            "name": pd.array(["华东精工", "南方物流", "京北科技"], dtype="string"),
            "revenue_12m": [1_200_000.0, 80_000.0, 2_000_000.0],
            "first_order_date": [D("2018-03-01"), D("2019-06-01"), D("2026-10-10")],
            "cooperation_years": pd.array([5, 3, 0], dtype="Int64"),
            "status": pd.array(["active", "terminated", "active"], dtype="string"),
            "terminated_date": [pd.NaT, D("2026-06-30"), pd.NaT],
            "winback_worthy": [True, False, True],  # empty: the config default, yes
            "industry_rank": pd.array([3, pd.NA, 20], dtype="Int64"),
            "business_type": pd.array(["product", "service", "project"], dtype="string"),
        }
    )
    for col in ("first_order_date", "terminated_date"):
        expected[col] = expected[col].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(out, expected)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("合作中", "active"),
        ("已终止", "terminated"),
        ("终止", "terminated"),
        (" Active ", "active"),
        ("TERMINATED", "terminated"),
        ("", "active"),
    ],
)
def test_status_values(text, status):
    out = parse_customers(raw({**MINIMAL, "合作状态": [text]}), source="crm.csv")
    assert out.loc[0, "status"] == status


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("产品", "product"),
        ("产品购买", "product"),
        ("服务", "service"),
        ("服务使用", "service"),
        ("项目", "project"),
        ("合作项目", "project"),
        ("Project", "project"),
    ],
)
def test_business_type_values(text, code):
    out = parse_customers(raw({**MINIMAL, "业务类型": [text]}), source="crm.csv")
    assert out.loc[0, "business_type"] == code


def test_empty_business_type_stays_missing():
    out = parse_customers(raw({**MINIMAL, "业务类型": [""]}), source="crm.csv")
    assert pd.isna(out.loc[0, "business_type"])


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01",
        "2026/12/01",
        "2026/12/1",
        "2026.12.1",
        "2026年12月1日",
        "2026 年 12 月 1 日",
        "2026-12-1",
        "20261201",
        "2026-12-01 00:00:00",
        "2026/12/1 0:00",
        "2026-12-01T09:30:00+08:00",
    ],
)
def test_date_forms(text):
    assert parse_date_text(text) == date(2026, 12, 1)
    out = parse_customers(raw({**MINIMAL, "最近下单日期": [text]}), source="crm.csv")
    assert out.loc[0, "last_order_date"] == D("2026-12-01")


@pytest.mark.parametrize(
    "text", ["2026", "2026-12", "2026-02-30", "2026/13/01", "12/01/2026", "昨天"]
)
def test_not_a_date(text):
    assert parse_date_text(text) is None


def test_dates_with_and_without_offsets_mix_in_one_column():
    out = parse_customers(
        raw(
            {
                "customer_id": ["C1", "C2"],
                "name": ["甲", "乙"],
                "revenue_12m": ["1", "2"],
                "first_order_date": ["2026-12-01T00:00:00+08:00", "2026-12-02"],
            }
        ),
        source="crm.csv",
    )
    assert list(out["first_order_date"]) == [D("2026-12-01"), D("2026-12-02")]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1200000", 1_200_000.0),
        ("1,200,000", 1_200_000.0),
        ("1,200,000.50", 1_200_000.5),
        ("¥1,200,000", 1_200_000.0),
        ("￥1,200,000", 1_200_000.0),
        ("1 200 000", 1_200_000.0),
        ("1200000元", 1_200_000.0),
        ("１,000", None),  # a full-width digit is no number
        ("0", 0.0),
    ],
)
def test_money_forms(text, amount):
    table = raw({**MINIMAL, "revenue_12m": [text]})
    if amount is None:
        with pytest.raises(InputError):
            parse_customers(table, source="crm.csv")
    else:
        assert parse_customers(table, source="crm.csv").loc[0, "revenue_12m"] == amount


@pytest.mark.parametrize(
    ("text", "flag"),
    [("是", True), ("否", False), ("yes", True), ("No", False), ("1", True), ("0", False)],
)
def test_winback_flag_values(text, flag):
    out = parse_customers(raw({**MINIMAL, "具备挽回价值": [text]}), source="crm.csv")
    assert bool(out.loc[0, "winback_worthy"]) is flag
    assert out["winback_worthy"].dtype == bool


def test_empty_winback_flag_takes_the_given_default():
    table = raw({**MINIMAL, "具备挽回价值": [""]})
    out = parse_customers(table, source="crm.csv", winback_worthy_default=False)
    assert not out.loc[0, "winback_worthy"]


@pytest.mark.parametrize("default", [True, False])
def test_a_flag_column_left_entirely_empty_takes_the_default(default):
    table = raw({**MINIMAL, "具备挽回价值": [""]})
    table = pd.concat(
        [
            table,
            raw(
                {
                    "customer_id": ["C2"],
                    "name": ["乙"],
                    "revenue_12m": ["1"],
                    "具备挽回价值": [None],
                }
            ),
        ]
    )
    out = parse_customers(table, source="crm.csv", winback_worthy_default=default)
    assert list(out["winback_worthy"]) == [default, default]


def test_a_status_column_left_entirely_empty_means_active():
    out = parse_customers(raw({**MINIMAL, "合作状态": [" "]}), source="crm.csv")
    assert list(out["status"]) == ["active"]


def test_the_raw_table_is_not_modified():
    table = raw({"客户编号": [" C1 "], "客户名称": ["甲"], "近12个月采购额": ["1,000"]})
    before = table.copy()
    parse_customers(table, source="crm.csv")
    pd.testing.assert_frame_equal(table, before)


# ------------------------------------------------------------------------------- one problem each
def only(message: str) -> str:
    head, line = message.split("\n")
    assert head == "1 problem(s) found in the input:"
    return line


def test_missing_required_column():
    table = raw({"客户编号": ["C1"], "客户名称": ["甲"]})
    assert only(problems(table)) == (
        "  - crm.csv, row 1 — required column 'revenue_12m' (中文表头 '近12个月采购额') is "
        "missing; the file has: 客户编号, 客户名称"
    )


def test_no_columns_at_all():
    message = problems(pd.DataFrame())
    assert "required column 'customer_id' (中文表头 '客户编号') is missing; the file has: no " in (
        message
    )
    assert message.startswith("3 problem(s) found in the input:")


def test_same_column_under_two_spellings():
    table = raw({"客户编号": ["C1"], "customer_id": ["C1"], "name": ["甲"], "revenue_12m": ["1"]})
    assert only(problems(table)) == (
        "  - crm.csv, row 1, column 'customer_id' — same column as header '客户编号' "
        "(customer_id); keep only one of them"
    )


def test_same_header_twice_as_pandas_reads_it():
    table = raw(
        {"客户编号": ["C1"], "客户名称": ["甲"], "近12个月采购额": ["1"], "客户编号.1": ["C9"]}
    )
    assert only(problems(table)) == (
        "  - crm.csv, row 1, column '客户编号' — the header appears more than once (read as "
        "'客户编号.1'); keep only one column of that name"
    )


def test_duplicate_customer_id_names_both_rows():
    table = raw(
        {
            "客户编号": ["C1", "C2", "C1"],
            "客户名称": ["甲", "乙", "丙"],
            "近12个月采购额": ["1"] * 3,
        }
    )
    assert only(problems(table)) == (
        "  - crm.csv, row 4, column '客户编号': value 'C1' — duplicate customer id; first seen "
        "at row 2; ids must be unique"
    )


def test_ids_equal_after_trimming_are_duplicates():
    table = raw({**MINIMAL, "customer_id": ["C1"]})
    table = pd.concat([table, raw({"customer_id": [" C1"], "name": ["乙"], "revenue_12m": ["1"]})])
    assert only(problems(table)) == (
        "  - crm.csv, row 3, column 'customer_id': value ' C1' — duplicate customer id; first "
        "seen at row 2; ids must be unique"
    )


def test_negative_money():
    assert only(problems(raw({**MINIMAL, "近6个月采购额": ["-500"]}))) == (
        "  - crm.csv, row 2, column '近6个月采购额': value '-500' — must be ≥ 0 (an amount in "
        "CNY, like 1200000 or 1,200,000.00)"
    )


def test_money_that_is_not_a_number():
    assert only(problems(raw({**MINIMAL, "revenue_12m": ["一百万"]}))) == (
        "  - crm.csv, row 2, column 'revenue_12m': value '一百万' — not understood; expected a "
        "number ≥ 0 in CNY, like 1200000, 1,200,000.50, ¥1,200 or 1200元 (a comma only "
        "between groups of three digits)"
    )


@pytest.mark.parametrize("text", ["inf", "nan", "-inf"])
def test_money_that_is_no_amount(text):
    assert only(problems(raw({**MINIMAL, "revenue_12m": [text]}))) == (
        f"  - crm.csv, row 2, column 'revenue_12m': value '{text}' — not understood; expected "
        "a number ≥ 0 in CNY, like 1200000, 1,200,000.50, ¥1,200 or 1200元 (a comma only "
        "between groups of three digits)"
    )


def test_empty_required_money():
    assert only(problems(raw({**MINIMAL, "revenue_12m": [" "]}))) == (
        "  - crm.csv, row 2, column 'revenue_12m': value ' ' — empty, but every customer needs one"
    )


def test_unparseable_date():
    assert only(problems(raw({**MINIMAL, "首次合作日期": ["2026-02-30"]}))) == (
        "  - crm.csv, row 2, column '首次合作日期': value '2026-02-30' — not understood; "
        "expected a date between 1900 and 2199 like 2026-12-01, 2026/12/01 or 2026年12月1日"
    )


def test_unknown_status():
    assert only(problems(raw({**MINIMAL, "合作状态": ["暂停"]}))) == (
        "  - crm.csv, row 2, column '合作状态': value '暂停' — not understood; expected "
        "active/合作中 or terminated/已终止 (empty means active)"
    )


def test_unknown_business_type():
    assert only(problems(raw({**MINIMAL, "业务类型": ["咨询"]}))) == (
        "  - crm.csv, row 2, column '业务类型': value '咨询' — not understood; expected "
        "product/产品, service/服务 or project/项目"
    )


def test_unknown_flag():
    assert only(problems(raw({**MINIMAL, "具备挽回价值": ["也许"]}))) == (
        "  - crm.csv, row 2, column '具备挽回价值': value '也许' — not understood; expected "
        "是/否, yes/no, true/false or 1/0"
    )


def test_rank_zero():
    assert only(problems(raw({**MINIMAL, "行业排名": ["0"]}))) == (
        "  - crm.csv, row 2, column '行业排名': value '0' — must be a whole number ≥ 1 "
        "(1 = first in the industry)"
    )


def test_fractional_count():
    assert only(problems(raw({**MINIMAL, "未解决重大投诉数": ["1.5"]}))) == (
        "  - crm.csv, row 2, column '未解决重大投诉数': value '1.5' — not understood; expected "
        "a whole number ≥ 0"
    )


def test_negative_count():
    assert only(problems(raw({**MINIMAL, "连续合作年数": ["-1"]}))) == (
        "  - crm.csv, row 2, column '连续合作年数': value '-1' — must be a whole number ≥ 0"
    )


def test_empty_name():
    assert only(problems(raw({**MINIMAL, "name": [""]}))) == (
        "  - crm.csv, row 2, column 'name': value '' — empty, but every customer needs one"
    )


def test_empty_customer_id():
    assert only(problems(raw({**MINIMAL, "customer_id": [None]}))) == (
        "  - crm.csv, row 2, column 'customer_id': value '' — empty, but every customer needs one"
    )


# ------------------------------------------------------------------------------- all at once
def test_all_problems_of_a_file_are_reported_at_once():
    table = raw(
        {
            "客户编号": ["C1", "C2", "C1"],
            "客户名称": ["华东精工", "", "南方物流"],
            "近6个月采购额": ["1,000", "-500", "100"],
            "首次合作日期": ["2026-01-05", "2026/13/01", "2026年2月30日"],
            "合作状态": ["合作中", "暂停", "已终止"],
            "行业排名": ["3", "0", "1"],
            "连续合作年数": ["2", "2.5", "1"],
        }
    )
    assert problems(table) == (
        "9 problem(s) found in the input:\n"
        "  - crm.csv, row 1 — required column 'revenue_12m' (中文表头 '近12个月采购额') is "
        "missing; the file has: 客户编号, 客户名称, 近6个月采购额, 首次合作日期, 合作状态, 行业排名, "
        "连续合作年数\n"
        "  - crm.csv, row 3, column '客户名称': value '' — empty, but every customer needs one\n"
        "  - crm.csv, row 3, column '近6个月采购额': value '-500' — must be ≥ 0 (an amount in CNY, "
        "like 1200000 or 1,200,000.00)\n"
        "  - crm.csv, row 3, column '首次合作日期': value '2026/13/01' — not understood; expected "
        "a date between 1900 and 2199 like 2026-12-01, 2026/12/01 or 2026年12月1日\n"
        "  - crm.csv, row 3, column '合作状态': value '暂停' — not understood; expected "
        "active/合作中 or terminated/已终止 (empty means active)\n"
        "  - crm.csv, row 3, column '行业排名': value '0' — must be a whole number ≥ 1 "
        "(1 = first in the industry)\n"
        "  - crm.csv, row 3, column '连续合作年数': value '2.5' — not understood; expected a "
        "whole number ≥ 0\n"
        "  - crm.csv, row 4, column '客户编号': value 'C1' — duplicate customer id; first seen at "
        "row 2; ids must be unique\n"
        "  - crm.csv, row 4, column '首次合作日期': value '2026年2月30日' — not understood; "
        "expected a date between 1900 and 2199 like 2026-12-01, 2026/12/01 or 2026年12月1日"
    )


def test_a_required_value_not_understood_is_reported_once():
    message = problems(raw({**MINIMAL, "revenue_12m": ["abc"]}))
    assert message.startswith("1 problem(s)")
    assert "empty" not in message


def test_issues_carry_file_row_column_and_value():
    with pytest.raises(InputError) as caught:
        parse_customers(raw({**MINIMAL, "合作状态": ["暂停"]}), source="crm.csv")
    (issue,) = caught.value.issues
    assert issue == Issue(
        "crm.csv",
        2,
        "合作状态",
        "暂停",
        "not understood; expected active/合作中 or terminated/已终止 (empty means active)",
    )


def test_parquet_rows_count_from_one():
    table = raw({**MINIMAL, "revenue_12m": ["-1"]})
    assert only(problems(table, Source("crm.parquet", first_row=1))) == (
        "  - crm.parquet, row 1, column 'revenue_12m': value '-1' — must be ≥ 0 (an amount in "
        "CNY, like 1200000 or 1,200,000.00)"
    )


def test_rows_of_the_source_are_used_when_given():
    table = raw({"customer_id": ["C1", "C2"], "name": ["甲", "乙"], "revenue_12m": ["1", "x"]})
    source = Source("crm.csv", rows=np.array([2, 5]))  # rows 3 and 4 of the sheet were blank
    assert only(problems(table, source)) == (
        "  - crm.csv, row 5, column 'revenue_12m': value 'x' — not understood; expected a "
        "number ≥ 0 in CNY, like 1200000, 1,200,000.50, ¥1,200 or 1200元 (a comma only "
        "between groups of three digits)"
    )


def test_many_bad_cells_are_counted_not_all_listed():
    n = 1_005
    table = raw(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "name": ["甲"] * n,
            "revenue_12m": ["-1"] * n,
            "首次合作日期": ["bad"] * n,
        }
    )
    with pytest.raises(InputError) as caught:
        parse_customers(table, source="crm.csv")
    issues = caught.value.issues
    # 1,000 listed and one count line for each of the two columns
    assert len(issues) == 2 * 1_000 + 2
    summaries = sorted(str(i) for i in issues if i.row is None)
    assert summaries == [
        "crm.csv, column 'revenue_12m' — 5 more values out of range in this column (not listed)",
        "crm.csv, column '首次合作日期' — 5 more values not understood in this column (not listed)",
    ]
    message = str(caught.value)
    assert message.splitlines()[0] == "2002 problem(s) found in the input:"
    assert message.splitlines()[-1] == (
        "  … and 1972 more of the same kinds (fix these and re-run)"
    )


@pytest.mark.parametrize(
    "header, value, expected",
    [
        ("首次合作日期", "9999-12-31", "expected a date between 1900 and 2199"),  # CRM "never"
        ("首次合作日期", "0001-01-01", "expected a date between 1900 and 2199"),
        ("最近下单日期", "1600/1/1", "expected a date between 1900 and 2199"),
        ("连续合作年数", "3.000000001", "expected a whole number ≥ 0"),
        ("未解决重大投诉数", "1e30", "expected a whole number ≥ 0"),
        ("行业排名", "-1e300", "expected a whole number ≥ 1"),
    ],
)
def test_sentinels_and_huge_numbers_are_refused_not_crashed(header, value, expected):
    raw = pd.DataFrame(
        {"客户编号": ["C1"], "客户名称": ["甲"], "近12个月采购额": ["1"], header: [value]}
    )
    with pytest.raises(InputError) as info:
        parse_customers(raw, source="crm.csv")
    assert (
        f"crm.csv, row 2, column '{header}': value '{value}' — not understood; {expected}"
        in str(info.value)
    )
