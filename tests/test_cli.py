"""``revisitkit plan`` and ``revisitkit sample`` end to end, on real files.

The nine-customer export below is built so that each value segment occurs and the rules that
fire can be followed by hand (domain.md §3.1, campaign year 2026, as of 2026-12-01, execution
from 2026-12-16; deadlines: +7 2026-12-23, +15 2026-12-31, +30 2027-01-15, and churn warnings
+2 days from the as-of date, 2026-12-03). Eight customers are active, so the top 20% by revenue is rank ≤ 1.6: only K1.

====  ==========  ===========  =================================================  ========
id    segment     priority     why (reasons, in rule order)                       deadline
====  ==========  ===========  =================================================  ========
K5    churned     medium       terminated 2026-06-30, worth winning back           12-31
K1    core        high         12M > 10M (strategic); core, 5 years (loyal_core)   12-23
K9    regular     medium       1.5M in 1M–10M (regular_active)                     12-31
K2    regular     high         3-month revenue 400k ≤ 50% of 1M (churn warning)    12-03
K7    marginal    low          60k < 100k                                          01-15
K3    potential   high         6-month growth 500k/300k; project 6M; 1 complaint   12-03
K6    inactive    low          last order 2025-08-01, over 12 months before as-of  01-15
K4    new         medium       first order 2026-10-10, within 90 days              12-31
K8    low_freq.   low          500k, nothing else                                  01-15
====  ==========  ===========  =================================================  ========
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from revisitkit.cli import main
from revisitkit.config import display_path

ROOT = Path(__file__).resolve().parent.parent

HEADER = (
    "客户编号,客户名称,近12个月采购额,近6个月采购额,前6个月采购额,近3个月采购额,前3个月采购额,"
    "首次合作日期,最近下单日期,连续合作年数,合作状态,终止日期,具备挽回价值,未解决重大投诉数,"
    "在建项目金额,行业排名,行业,区域,业务类型,客户经理"
)
ROWS = [
    "K5,旧友贸易,50000,0,50000,0,0,2016-01-01,2026-05-20,8,已终止,2026-06-30,是,0,0,,零售,湖北,服务,S03",
    'K1,华东精工,"12,000,000","6,000,000","6,000,000","3,000,000","3,000,000",2018-03-01,'
    "2026-11-20,5,合作中,,,0,0,,汽车零部件,上海,产品,S01",
    'K9,常规电子,"1,500,000",750000,750000,375000,375000,2017-04-01,2026-11-10,4,合作中,,,0,0,,'
    "电子制造,浙江,产品,S01",
    'K2,南方物流,"2,000,000","1,000,000","1,000,000",400000,"1,000,000",2015-01-01,2026/11/1,2,'
    "合作中,,,0,0,,物流,广东,服务,S02",
    "K7,小微商行,60000,30000,30000,15000,15000,2022-01-01,2026-10-01,1,合作中,,,0,0,,餐饮,云南,产品,S03",
    'K3,京北科技,800000,500000,300000,250000,250000,2021年5月1日,2026-11-15,3,合作中,,,1,"6,000,000",'
    "15,信息技术,北京,项目,S02",
    "K6,沉寂实业,0,0,0,0,0,2019-01-01,2025-08-01,1,合作中,,,0,0,,纺织服装,德国,产品,S03",
    "K4,西部新材,300000,300000,0,200000,100000,2026-10-10,2026-11-25,0,合作中,,,0,0,,化工,四川,产品,S02",
    "K8,平常制造,500000,250000,250000,125000,125000,2020-01-01,2026-09-01,2,合作中,,,0,0,,机械设备,江苏,产品,S01",
]
CUSTOMERS_CSV = HEADER + "\n" + "\n".join(ROWS) + "\n"

#: the plan worked out by hand (see the module docstring), in input order
EXPECTED_PLAN = [
    # customer_id, name, value_segment, priority, deadline, channels, reasons, abc_class,
    # industry_group, region_cluster
    (
        "K5",
        "旧友贸易",
        "churned",
        "medium",
        "2026-12-31",
        "wechat+winback_incentive+second_touch",
        "churned_winback",
        "B",
        "services",
        "middle_yangtze",
    ),
    (
        "K1",
        "华东精工",
        "core",
        "high",
        "2026-12-23",
        "onsite_visit+dedicated_service",
        "strategic;loyal_core",
        "A",
        "manufacturing",
        "yangtze_delta",
    ),
    (
        "K9",
        "常规电子",
        "regular",
        "medium",
        "2026-12-31",
        "phone+online_survey",
        "regular_active",
        "B",
        "manufacturing",
        "yangtze_delta",
    ),
    (
        "K2",
        "南方物流",
        "regular",
        "high",
        "2026-12-03",
        "phone+online_survey",
        "churn_warning_drop;regular_active",
        "B",
        "services",
        "pearl_delta",
    ),
    (
        "K7",
        "小微商行",
        "marginal",
        "low",
        "2027-01-15",
        "batch_phone+news_push",
        "marginal",
        "C",
        "other",
        "other",
    ),
    (
        "K3",
        "京北科技",
        "potential",
        "high",
        "2026-12-03",
        "phone+online_survey+needs_research",
        "major_project;churn_warning_complaint;potential_growth;industry_benchmark",
        "B",
        "services",
        "jingjinji",
    ),
    (
        "K6",
        "沉寂实业",
        "inactive",
        "low",
        "2027-01-15",
        "online_survey+news_push",
        "inactive",
        "C",
        "manufacturing",
        "europe",
    ),
    (
        "K4",
        "西部新材",
        "new",
        "medium",
        "2026-12-31",
        "sms+product_guide+online_training",
        "new_customer",
        "B",
        "manufacturing",
        "chengyu",
    ),
    (
        "K8",
        "平常制造",
        "low_frequency",
        "low",
        "2027-01-15",
        "online_survey+news_push",
        "low_frequency",
        "C",
        "manufacturing",
        "yangtze_delta",
    ),
]
PLAN_COLUMNS = [
    "customer_id",
    "name",
    "value_segment",
    "priority",
    "deadline",
    "channels",
    "reasons",
    "abc_class",
    "industry_group",
    "region_cluster",
]

#: segment × priority counts (high, medium, low, total), worked out from the table above
EXPECTED_COUNTS = {
    "流失客户 Churned": [0, 1, 0, 1],
    "新客户 New": [0, 1, 0, 1],
    "核心客户 Core": [1, 0, 0, 1],
    "潜力客户 Potential": [1, 0, 0, 1],
    "普通活跃客户 Regular": [1, 1, 0, 2],
    "长期未活跃客户 Inactive": [0, 0, 1, 1],
    "边缘客户 Marginal": [0, 0, 1, 1],
    "低频客户 Low frequency": [0, 0, 1, 1],
    "合计 Total": [3, 3, 3, 9],
}


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    path = tmp_path / "crm.csv"
    path.write_text(CUSTOMERS_CSV, encoding="utf-8")
    return path


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def counts(summary: str) -> dict[str, list[int]]:
    """The segment × priority table of the summary, by row label."""
    found = {}
    for label in EXPECTED_COUNTS:
        line = next(line for line in summary.splitlines() if line.startswith(label))
        found[label] = [int(n) for n in line[len(label) :].split()]
    return found


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m revisitkit`` with the venv's python, as a user runs it."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "revisitkit", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        check=False,
    )


def plan_rows(out: Path) -> list[dict[str, str]]:
    text = (out / "customers_plan.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------------------------- plan: success
def test_plan_writes_the_csv_contract(crm, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["plan", "--customers", str(crm), "--out", str(out)]) == 0
    raw = (out / "customers_plan.csv").read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"  # UTF-8 with BOM, for Excel and WPS
    rows = plan_rows(out)
    assert list(rows[0])[:10] == PLAN_COLUMNS
    assert [tuple(r[c] for c in PLAN_COLUMNS) for r in rows] == EXPECTED_PLAN
    assert list(rows[0])[10:] == [
        "channels_deadline",  # the segment's channel plan: every rule from execution start
        "owner",
        "region",
        "industry",
        "business_type",
        "revenue_12m",
    ]
    by_id = {r["customer_id"]: r for r in rows}
    assert by_id["K2"]["channels_deadline"] == "2026-12-18"  # 12-16 + 2
    assert by_id["K1"]["channels_deadline"] == "2026-12-23"
    assert (rows[1]["owner"], rows[1]["business_type"], rows[1]["revenue_12m"]) == (
        "S01",
        "product",
        "12000000.0",
    )


def test_plan_prints_the_summary(crm, tmp_path, capsys):
    assert main(["plan", "--customers", str(crm), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    summary = captured.out
    assert captured.err == ""
    assert summary.splitlines()[0] == "Revisit plan — campaign 2026, data as of 2026-12-01"
    assert counts(summary) == EXPECTED_COUNTS
    assert re.search(r"^  高 High +3  due 2026-12-03 … 2026-12-23$", summary, re.M)
    assert re.search(r"^  中 Medium +3  due 2026-12-31$", summary, re.M)
    assert re.search(r"^  低 Low +3  due 2027-01-15$", summary, re.M)
    # working days counted by hand on the 2026 official and 2027 provisional calendars:
    # Dec 1–15: 4 + 5 + 2; Dec 16–Jan 20: 3 + 5 + 4 + (元旦 Fri off) 5 + 5 + 3; Jan 21–31: 2 + 5
    assert "preparation  2026-12-01 … 2026-12-15  (15 days, 11 working days)" in summary
    assert "execution    2026-12-16 … 2027-01-20  (36 days, 25 working days)" in summary
    assert "summary      2027-01-21 … 2027-01-31  (11 days, 7 working days)" in summary
    assert "Spring Festival holiday 春节: 2027-02-05 … 2027-02-08" in summary
    assert "Order gifts and materials by 2026-11-16" in summary  # 30 days before 12-16
    warnings = [line for line in summary.splitlines() if line.startswith("WARNING: ")]
    # the provisional 2027 holidays, and (issue 14) the materials already 15 days late on 12-01
    assert len(warnings) == 2
    assert warnings[0].startswith("WARNING: 2027: holidays from ")
    assert "are PROVISIONAL" in warnings[0]
    assert "15 days late: order them now (due 2026-11-16" in warnings[1]
    assert "Rules not evaluated" not in summary  # the file has every column
    written = f"Written: {display_path(tmp_path / 'out' / 'customers_plan.csv')}, "
    written += f"{display_path(tmp_path / 'out' / 'touches.csv')}, "
    assert written + display_path(tmp_path / "out" / "plan.xlsx") in summary


def test_plan_writes_the_workbook(crm, tmp_path):
    out = tmp_path / "out"
    assert main(["plan", "--customers", str(crm), "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out / "plan.xlsx")
    assert wb.sheetnames[0] == "客户计划 Customers"
    ws = wb["客户计划 Customers"]
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["客户编号", "客户名称", "价值分层", "优先级", "截止日期"]
    # the header row (and the id and name columns) stay in view
    assert ws.freeze_panes in {"B2", "C2"}
    assert ws.max_row == 1 + 9
    assert [ws.cell(row=r, column=1).value for r in range(2, 11)] == [p[0] for p in EXPECTED_PLAN]
    assert ws["D2"].value == "中 Medium" and ws["D3"].value == "高 High"
    assert ws["E3"].value == dt.datetime(2026, 12, 23)  # a date cell, not text
    assert ws["C3"].value == "核心客户 Core"
    priority = "D"
    ranges = [str(r.sqref) for r in ws.conditional_formatting]
    assert f"{priority}2:{priority}10" in ranges
    rules = [rule for r in ws.conditional_formatting for rule in r.rules]
    assert sorted(f for rule in rules for f in rule.formula) == sorted(
        ['"高 High"', '"中 Medium"', '"低 Low"']
    )


def test_plan_leaves_the_input_untouched(crm, tmp_path):
    before = fingerprint(crm)
    assert main(["plan", "--customers", str(crm), "--out", str(tmp_path / "out")]) == 0
    assert fingerprint(crm) == before


def test_no_xlsx_skips_the_workbook(crm, tmp_path):
    out = tmp_path / "out"
    assert main(["plan", "--customers", str(crm), "--out", str(out), "--no-xlsx"]) == 0
    assert sorted(os.listdir(out)) == [
        ".revisitkit-plan.json",  # the manifest: which files of the folder the plan wrote
        "budget.csv",
        "budget_monthly.csv",
        "customers_plan.csv",
        "roster_draft.csv",  # without --staff: the team the plan needs, as a roster
        "staffing_needs.csv",  # and its people per role and cluster, overall and by week
        "touches.csv",  # every planned touch of every customer (domain.md §8)
    ]


def test_rerun_replaces_the_plan(crm, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "customers_plan.csv").write_text("old plan", encoding="utf-8")
    assert main(["plan", "--customers", str(crm), "--out", str(out), "--no-xlsx"]) == 0
    assert len(plan_rows(out)) == 9
    assert sorted(os.listdir(out)) == [
        ".revisitkit-plan.json",
        "budget.csv",
        "budget_monthly.csv",
        "customers_plan.csv",
        "roster_draft.csv",
        "staffing_needs.csv",
        "touches.csv",
    ]  # no temporary files left


def test_gbk_xlsx_and_csv_inputs_give_the_same_plan(crm, tmp_path):
    gbk = tmp_path / "crm_gbk.csv"
    gbk.write_bytes(CUSTOMERS_CSV.encode("gbk"))
    assert main(["plan", "--customers", str(gbk), "--out", str(tmp_path / "a"), "--no-xlsx"]) == 0
    assert main(["plan", "--customers", str(crm), "--out", str(tmp_path / "b"), "--no-xlsx"]) == 0
    assert (tmp_path / "a" / "customers_plan.csv").read_bytes() == (
        tmp_path / "b" / "customers_plan.csv"
    ).read_bytes()


def test_campaign_year_2025_with_as_of(tmp_path, capsys):
    path = tmp_path / "crm2025.csv"
    path.write_text(
        "customer_id,name,revenue_12m,last_order_date\n"
        "Y1,甲,12000000,2025-11-20\n"
        "Y2,乙,2000000,2025-11-01\n"
        "Y3,丙,50000,2025-10-01\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(
        [
            "plan",
            "--customers",
            str(path),
            "--out",
            str(out),
            "--no-xlsx",
            "--campaign-year",
            "2025",
            "--as-of",
            "2025-12-01",
        ]
    )
    assert code == 0
    summary = capsys.readouterr().out
    assert summary.splitlines()[0] == "Revisit plan — campaign 2025, data as of 2025-12-01"
    assert "execution    2025-12-16 … 2026-01-20" in summary
    # Y1: strategic, +7 days; Y2: regular_active, +15; Y3: marginal, +30
    assert [
        (r["customer_id"], r["value_segment"], r["priority"], r["deadline"]) for r in plan_rows(out)
    ] == [
        ("Y1", "core", "high", "2025-12-23"),
        ("Y2", "regular", "medium", "2025-12-31"),
        ("Y3", "marginal", "low", "2026-01-15"),
    ]
    assert "WARNING: 2027" not in summary  # 2025–26 are on the official calendar


def test_as_of_in_chinese_form(crm, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "plan",
            "--customers",
            str(crm),
            "--out",
            str(out),
            "--no-xlsx",
            "--as-of",
            "2026年12月1日",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "Revisit plan — campaign 2026, data as of 2026-12-01"
    )
    assert [tuple(r[c] for c in PLAN_COLUMNS) for r in plan_rows(out)] == EXPECTED_PLAN


def test_as_of_moves_the_rules(crm, tmp_path):
    out = tmp_path / "out"
    code = main(
        ["plan", "--customers", str(crm), "--out", str(out), "--no-xlsx", "--as-of", "2027-01-15"]
    )
    assert code == 0
    k4 = next(r for r in plan_rows(out) if r["customer_id"] == "K4")
    # as of 2027-01-15, K4's first order (2026-10-10) is within 6 months (from 2026-07-15): still
    # new; but 90 days back is 2026-10-17 (15 + 31 + 30 + 14 days), after it: the
    # new_customer rule no longer fires, and no other rule claims K4
    assert (k4["value_segment"], k4["priority"], k4["reasons"]) == ("new", "low", "default_low")


def test_planner_config_is_applied(crm, tmp_path):
    config = tmp_path / "planner.yaml"
    config.write_text("priority:\n  low:\n    deadline_days: 20\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        ["plan", "--customers", str(crm), "--config", str(config), "--out", str(out), "--no-xlsx"]
    )
    assert code == 0
    low = {r["deadline"] for r in plan_rows(out) if r["priority"] == "low"}
    assert low == {"2027-01-05"}  # 2026-12-16 + 20 days


# ------------------------------------------------------------------------------- plan: refusals
def refused(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err


def test_bad_input_exits_2_with_the_issue_lines(tmp_path, capsys):
    path = tmp_path / "crm.csv"
    path.write_text(
        "客户编号,客户名称,近12个月采购额\nC1,甲,100\nC2,,abc\nC1,丙,-5\n", encoding="utf-8"
    )
    before = fingerprint(path)
    out = tmp_path / "out"
    err = refused(["plan", "--customers", str(path), "--out", str(out)], capsys)
    name = display_path(path)
    assert err == (
        "revisitkit: error: 4 problem(s) found in the input:\n"
        f"  - {name}, row 3, column '客户名称': value '' — empty, but every customer needs one\n"
        f"  - {name}, row 3, column '近12个月采购额': value 'abc' — not understood; expected a "
        "number ≥ 0 in CNY, like 1200000, 1,200,000.50, ¥1,200 or 1200元 (a comma only "
        "between groups of three digits)\n"
        f"  - {name}, row 4, column '客户编号': value 'C1' — duplicate customer id; first seen at "
        "row 2; ids must be unique\n"
        f"  - {name}, row 4, column '近12个月采购额': value '-5' — must be ≥ 0 (an amount in CNY, "
        "like 1200000 or 1,200,000.00)\n"
    )
    assert not out.exists()
    assert fingerprint(path) == before


def test_failed_run_leaves_an_existing_plan_byte_identical(crm, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["plan", "--customers", str(crm), "--out", str(out)]) == 0
    capsys.readouterr()
    before = {p.name: fingerprint(p) for p in out.iterdir()}
    bad = tmp_path / "bad.csv"
    bad.write_text("客户编号,客户名称,近12个月采购额\nC1,甲,abc\n", encoding="utf-8")
    refused(["plan", "--customers", str(bad), "--out", str(out)], capsys)
    assert {p.name: fingerprint(p) for p in out.iterdir()} == before


def test_missing_input_file(tmp_path, capsys):
    out = tmp_path / "out"
    err = refused(["plan", "--customers", str(tmp_path / "no.csv"), "--out", str(out)], capsys)
    assert err == f"revisitkit: error: {display_path(tmp_path / 'no.csv')}: file not found\n"
    assert not out.exists()


def test_bad_config_exits_2_and_writes_nothing(crm, tmp_path, capsys):
    config = tmp_path / "planner.yaml"
    config.write_text("segments:\n  core:\n    top_share: 1.5\n", encoding="utf-8")
    out = tmp_path / "out"
    err = refused(
        ["plan", "--customers", str(crm), "--config", str(config), "--out", str(out)], capsys
    )
    assert err == (
        f"revisitkit: error: {display_path(config)}: 1 problem(s) in the campaign config:\n"
        "  - segments.core.top_share = 1.5: Input should be less than or equal to 1\n"
    )
    assert not out.exists()


def test_missing_config_file(crm, tmp_path, capsys):
    out = tmp_path / "out"
    err = refused(
        ["plan", "--customers", str(crm), "--config", str(tmp_path / "no.yaml"), "--out", str(out)],
        capsys,
    )
    assert (
        err == f"revisitkit: error: {display_path(tmp_path / 'no.yaml')}: config file not found\n"
    )
    assert not out.exists()


def test_config_ending_after_spring_festival_exits_2(crm, tmp_path, capsys):
    config = tmp_path / "planner.yaml"
    config.write_text(
        "campaign:\n  phases:\n    execution: {start: Y-12-16, end: Y+1-02-10}\n"
        "    summary: {start: Y+1-02-11, end: Y+1-02-20}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    err = refused(
        ["plan", "--customers", str(crm), "--config", str(config), "--out", str(out)], capsys
    )
    assert err == (
        f"revisitkit: error: {display_path(config)}: campaign.phases.execution ends 2027-02-10, "
        "but the Spring Festival holiday starts 2027-02-05; a year-end revisit (年前回访) must "
        "end before it: end execution on 2027-02-04 at the latest\n"
    )
    assert not out.exists()


def test_out_pointing_at_a_file(crm, tmp_path, capsys):
    target = tmp_path / "plan.txt"
    target.write_text("not a folder", encoding="utf-8")
    err = refused(["plan", "--customers", str(crm), "--out", str(target)], capsys)
    assert err == (
        f"revisitkit: error: {display_path(target)}: --out must be a folder, and this is a file\n"
    )
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_input_that_is_the_output(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    plan = out / "customers_plan.csv"
    plan.write_text(CUSTOMERS_CSV, encoding="utf-8")
    before = fingerprint(plan)
    err = refused(["plan", "--customers", str(plan), "--out", str(out)], capsys)
    assert err == (
        f"revisitkit: error: {display_path(plan)}: is where the plan would be written; choose "
        "another --out\n"
    )
    assert fingerprint(plan) == before


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "2026-02-30"])
def test_bad_as_of(crm, tmp_path, capsys, value):
    out = tmp_path / "out"
    err = refused(["plan", "--customers", str(crm), "--out", str(out), "--as-of", value], capsys)
    assert err.startswith("usage: revisitkit plan")
    assert err.endswith(
        f"revisitkit plan: error: argument --as-of: {value!r} is not a date; use 2026-12-01, "
        "2026/12/01 or 2026年12月1日\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("value", ["1999", "2099", "2100", "twenty", "2026.5"])
def test_bad_campaign_year(crm, tmp_path, capsys, value):
    out = tmp_path / "out"
    err = refused(
        ["plan", "--customers", str(crm), "--out", str(out), "--campaign-year", value], capsys
    )
    assert err.endswith(
        "revisitkit plan: error: argument --campaign-year: campaign year must be between 2000 "
        f"and 2098, got {value!r}\n"
    )
    assert not out.exists()


def test_missing_required_option(capsys):
    # outside a workspace (the tests run in the repository, which is none)
    err = refused(["plan", "--out", "somewhere"], capsys)
    assert "error: give --customers FILE, or run the command inside a campaign workspace" in err


def test_no_command(capsys):
    err = refused([], capsys)
    assert err.endswith("error: the following arguments are required: COMMAND\n")


# ------------------------------------------------------------------------------- as a program
def test_module_help():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: revisitkit")
    assert "plan" in result.stdout and "sample" in result.stdout


def test_module_plan_end_to_end(crm, tmp_path):
    out = tmp_path / "out"
    result = run("plan", "--customers", str(crm), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "合计 Total" in result.stdout and "WARNING: 2027" in result.stdout
    assert [tuple(r[c] for c in PLAN_COLUMNS) for r in plan_rows(out)] == EXPECTED_PLAN
    assert (out / "plan.xlsx").exists()


def test_module_bad_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("customer_id,name,revenue_12m\nC1,Café,1\n".encode("latin-1"))
    out = tmp_path / "out"
    result = run("plan", "--customers", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("revisitkit: error: 1 problem(s) found in the input:\n")
    assert "byte 0xE9 at file offset 35 is neither UTF-8 nor GBK/GB18030" in result.stderr
    assert not out.exists()


def test_module_bad_option_exits_2(crm, tmp_path):
    result = run("plan", "--customers", str(crm), "--out", str(tmp_path / "o"), "--as-of", "x")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --as-of: 'x' is not a date" in result.stderr


def test_console_script_when_installed(crm, tmp_path):
    script = Path(sys.executable).parent / "revisitkit"
    if not script.exists():
        pytest.skip("the console script exists only after `pip install -e .`")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("usage: revisitkit")


# ------------------------------------------------------------------------------- sample
def test_sample_then_plan(tmp_path, capsys):
    pytest.importorskip("revisitkit.sample")
    out = tmp_path / "sample"
    assert main(["sample", "--out", str(out), "--customers", "200", "--seed", "7"]) == 0
    target = out / "customers.csv"
    said = capsys.readouterr().out
    assert said.startswith(f"Written: {display_path(target)} (200 customers), ")
    assert " staff), " in said and said.endswith(" problems) as of 2026-12-23, seed 7\n")
    assert (out / "roster.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    data = target.read_bytes()
    assert data[:3] == b"\xef\xbb\xbf"
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("客户编号,客户名称,近12个月采购额")
    assert len(lines) == 1 + 200
    # the same seed writes the same bytes
    again = tmp_path / "again"
    assert main(["sample", "--out", str(again), "--customers", "200", "--seed", "7"]) == 0
    assert (again / "customers.csv").read_bytes() == data
    # and the kit plans what it samples
    plan = tmp_path / "plan"
    assert main(["plan", "--customers", str(target), "--out", str(plan), "--no-xlsx"]) == 0
    assert len(plan_rows(plan)) == 200


def test_sample_refuses_zero_customers(tmp_path, capsys):
    pytest.importorskip("revisitkit.sample")
    out = tmp_path / "sample"
    err = refused(["sample", "--out", str(out), "--customers", "0"], capsys)
    assert err == "revisitkit: error: --customers must be at least 1, got 0\n"
    assert not out.exists()


def test_sample_out_pointing_at_a_file(tmp_path, capsys):
    pytest.importorskip("revisitkit.sample")
    target = tmp_path / "file.csv"
    target.write_text("keep me", encoding="utf-8")
    err = refused(["sample", "--out", str(target)], capsys)
    assert err == (
        f"revisitkit: error: {display_path(target)}: --out must be a folder, and this is a file\n"
    )
    assert target.read_text(encoding="utf-8") == "keep me"
