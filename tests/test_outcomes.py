"""Revisit outcomes and KPIs: validation, the store (idempotent, corrections, all-or-nothing),
the KPI values worked out by hand, and the CLI.

The small campaign (as of 2026-12-23, satisfaction on the default 1–5 scale):

====  ==========  ========  ========  ==============================================
id    segment     priority  deadline  channels
====  ==========  ========  ========  ==============================================
A     core        high      12-18     on-site visit + dedicated service (staffed)
B     potential   high      12-18     phone + survey + needs study (staffed)
C     regular     medium    12-31     phone + survey (staffed)
D     inactive    low       01-15     survey + news push (automated: not staffed)
====  ==========  ========  ========  ==============================================

Outcomes: A 12-16 visit (5, NPS 10, 2 problems both solved, 1 suggestion, 1 improvement item,
1 lead worth 500k converted); A 12-17 dedicated service (4, NPS 8); B 12-16 phone not reached;
B 12-19 phone (3, NPS 6, 1 problem unsolved, 2 suggestions, 2 leads, none converted); C 12-20
phone (5, NPS 9, 1 problem solved).
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pandas as pd
import pytest

from revisitkit.cli import main
from revisitkit.errors import InputError
from revisitkit.outcomes import OutcomeLog, compute_kpis, load_outcomes
from revisitkit.store import Store

AS_OF = date(2026, 12, 23)
PLAN = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        "name": ["华东精工", "南方新能", "常规电子", "沉寂实业"],
        "value_segment": ["core", "potential", "regular", "inactive"],
        "priority": ["high", "high", "medium", "low"],
        "deadline": pd.to_datetime(["2026-12-18", "2026-12-18", "2026-12-31", "2027-01-15"]),
        "channels": ["onsite_visit+dedicated_service", "phone+online_survey+needs_research",
                     "phone+online_survey", "online_survey+news_push"],
        "region_cluster": ["yangtze_delta", "pearl_delta", "yangtze_delta", "other"],
        "owner": ["S1", "S2", "S1", "S2"],
    }
)  # fmt: skip
HEADER = ("客户编号,回访日期,回访方式,员工编号,是否触达,满意度,推荐意愿,提出问题数,解决问题数,建议数,"
          "改进事项数,商机数,商机金额,转化商机数,备注\n")  # fmt: skip
ROWS = [
    "A,2026-12-16,上门拜访,S1,是,5,10,2,2,1,1,1,500000,1,交付周期偏长",
    "A,2026-12-17,专属客服,S3,是,4,8,0,0,0,0,0,0,0,",
    "B,2026-12-16,电话回访,S2,否,,,0,0,0,0,0,0,0,未接通",
    'B,2026/12/19,phone,S2,是,3,6,1,0,2,0,2,"300,000",0,',
    "C,2026年12月20日,电话回访,S1,yes,5,9,1,1,0,0,0,0,0,",
]
STAFF = ["S1", "S2", "S3"]


@pytest.fixture
def outcomes_file(tmp_path):
    path = tmp_path / "回访结果.csv"
    path.write_bytes((HEADER + "\n".join(ROWS) + "\n").encode("gbk"))
    return path


def kpi(table: pd.DataFrame, name: str, scope: str = "overall") -> tuple[float, str]:
    row = table[(table["kpi"] == name) & (table["scope"] == scope)].iloc[0]
    return row["value"], row["status"]


def test_kpis_worked_out_by_hand(outcomes_file, config):
    o = load_outcomes(outcomes_file, config, customers=PLAN["customer_id"], staff=STAFF)
    assert len(o) == 5
    t = compute_kpis(o, PLAN, config, as_of=AS_OF)
    # satisfaction: reached scores 5, 4, 3, 5 -> 100, 75, 50, 100 on 0-100: mean 81.25 < 92
    # and below 92 × 0.95 = 87.4 -> red
    assert kpi(t, "satisfaction") == (81.25, "red")
    # NPS: 10, 8, 6, 9 -> promoters 2/4, detractors 1/4 -> 25.0 (target 30; amber from 28.5)
    assert kpi(t, "nps") == (25.0, "red")
    # problem resolution counts revisits a week old (on or before 12-16): A's visit 2/2
    assert kpi(t, "problem_resolution") == (1.0, "green")
    assert kpi(t, "leads") == (3.0, "red")
    assert kpi(t, "lead_conversion")[0] == pytest.approx(1 / 3)
    assert kpi(t, "suggestions") == (3.0, "red")
    assert kpi(t, "improvement_items") == (1.0, "red")
    # due by 12-23: A and B (12-18); A reached 12-16 (on time), B first reached 12-19 (late)
    assert kpi(t, "on_time") == (0.5, "red")
    # staffed customers A, B, C are all reached; D is automated only
    assert kpi(t, "coverage") == (1.0, "green")
    assert kpi(t, "core_churn")[1] == "n/a" and kpi(t, "repurchase")[1] == "n/a"
    # by segment: core satisfaction (100 + 75) / 2 = 87.5 ≥ 87.4 -> amber
    assert kpi(t, "satisfaction", "value_segment:core") == (87.5, "amber")
    # campaign totals are not judged per segment
    assert kpi(t, "leads", "value_segment:potential") == (2.0, "—")
    # by owner S1 (A and C): due A only, on time
    assert kpi(t, "on_time", "owner:S1") == (1.0, "green")


def test_mid_term_churn_and_repurchase(outcomes_file, config):
    o = load_outcomes(outcomes_file, config)
    later = pd.DataFrame(
        {"customer_id": ["A", "B", "C", "D"],
         "status": ["terminated", "active", "active", "active"],
         "last_order_date": pd.to_datetime(["2027-01-10", "2026-12-01", "2027-04-30", None])}
    )  # fmt: skip
    t = compute_kpis(o, PLAN, config, as_of=AS_OF, later_customers=later)
    # the one core customer terminated: 100% > 5%
    assert kpi(t, "core_churn") == (1.0, "red")
    # reached A (12-16), B (12-19), C (12-20): A ordered 01-10 (within 90 days), B before its
    # revisit, C on 04-30 (beyond 12-20 + 90 days = 03-20) -> 1/3
    assert kpi(t, "repurchase")[0] == pytest.approx(1 / 3)


def test_outcomes_after_the_evaluation_date_are_left_out(outcomes_file, config):
    o = load_outcomes(outcomes_file, config)
    t = compute_kpis(o, PLAN, config, as_of=date(2026, 12, 17))
    # only A's two contacts and B's unanswered call: scores 100, 75
    assert kpi(t, "satisfaction")[0] == 87.5
    assert kpi(t, "coverage")[0] == pytest.approx(1 / 3)


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


def test_the_store_imports_idempotently_and_takes_corrections(outcomes_file, tmp_path, config):
    path = tmp_path / "revisitkit.db"
    with Store(path) as store:
        log = OutcomeLog(store)
        first = log.import_file(outcomes_file, config, "王芳", customers=PLAN["customer_id"])
        assert (first.added, first.replaced, first.unchanged) == (5, 0, 0)
        again = log.import_file(outcomes_file, config, "王芳", customers=PLAN["customer_id"])
        assert (again.added, again.replaced, again.unchanged) == (0, 0, 5)
        assert len(log.frame()) == 5
        fix = tmp_path / "更正.csv"
        fix.write_text(HEADER + ROWS[3].replace(",3,6,", ",4,8,") + "\n", encoding="utf-8")
        corrected = log.import_file(fix, config, "王芳")
        assert (corrected.added, corrected.replaced, corrected.unchanged) == (0, 1, 0)
        stored = log.frame()
        b = stored[(stored["customer_id"] == "B") & stored["reached"]]
        # the corrected score: 4 on 1-5 = 75 (was 3 = 50)
        assert b["satisfaction"].tolist() == [75.0]
        assert len(log.frame()) == 5
        assert log.imports()["file"].str.endswith(("回访结果.csv", "更正.csv")).all()


def test_a_failed_import_leaves_the_store_as_it_was(outcomes_file, tmp_path, config):
    path = tmp_path / "revisitkit.db"
    with Store(path) as store:
        OutcomeLog(store).import_file(outcomes_file, config, "王芳")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ROWS[0] + "\nA,2026-12-18,电话回访,S1,是,9,9,0,0,0,0,0,0,0,\n",
                   encoding="utf-8")  # fmt: skip
    with Store(path) as store:
        with pytest.raises(InputError, match="a score from 1 to 5"):
            OutcomeLog(store).import_file(bad, config, "王芳")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM outcomes").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM outcome_imports").fetchone()[0] == 1


def plan_dir(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    frame = PLAN.assign(deadline=PLAN["deadline"].dt.strftime("%Y-%m-%d"))
    frame.to_csv(folder / "customers_plan.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame({"task_id": ["t"] * 3, "staff_id": STAFF}).to_csv(
        folder / "schedule.csv", index=False, encoding="utf-8-sig"
    )
    return folder


def test_cli_import_then_kpis_from_the_store(outcomes_file, tmp_path, capsys):
    folder = plan_dir(tmp_path)
    store = tmp_path / "store.db"
    args = ["outcomes", "import", str(outcomes_file), "--plan", str(folder), "--store", str(store),
            "--who", "王芳"]  # fmt: skip
    assert main(args) == 0
    assert "5 added, 0 replaced (corrections), 0 unchanged" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 added, 0 replaced (corrections), 5 unchanged; 5 outcomes" in capsys.readouterr().out
    out = tmp_path / "kpis"
    assert main(["kpis", "--plan", str(folder), "--store", str(store), "--as-of", "2026-12-23",
                 "--out", str(out)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "KPIs as of 2026-12-23 from 5 outcomes" in text
    table = pd.read_csv(out / "kpis.csv", encoding="utf-8-sig")
    assert list(table.columns) == ["kpi", "scope", "value", "target", "status", "horizon", "n"]
    overall = table[table["scope"] == "overall"].set_index("kpi")
    assert overall.loc["satisfaction", "value"] == 81.25
    assert overall.loc["on_time", "value"] == 0.5


def test_cli_kpis_add_a_sheet_to_the_plan_workbook(outcomes_file, tmp_path, capsys):
    import openpyxl

    folder = plan_dir(tmp_path)
    book = openpyxl.Workbook()
    book.active.title = "客户计划 Customers"
    book.save(folder / "plan.xlsx")
    assert main(["kpis", "--plan", str(folder), "--outcomes", str(outcomes_file),
                 "--out", str(tmp_path / "k")]) == 0  # fmt: skip
    # without --as-of: the latest outcome's date (12-20)
    assert "KPIs as of 2026-12-20" in capsys.readouterr().out
    sheets = openpyxl.load_workbook(folder / "plan.xlsx").sheetnames
    assert sheets == ["客户计划 Customers", "指标 KPIs"]
    # a second run replaces the sheet instead of adding another
    assert main(["kpis", "--plan", str(folder), "--outcomes", str(outcomes_file),
                 "--out", str(tmp_path / "k")]) == 0  # fmt: skip
    assert openpyxl.load_workbook(folder / "plan.xlsx").sheetnames == sheets


def test_cli_bad_outcomes_exit_2_and_write_nothing(tmp_path, capsys):
    folder = plan_dir(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Z,2026-12-16,电话回访,S1,是,5,9,0,0,0,0,0,0,0,\n", encoding="utf-8")
    store = tmp_path / "store.db"
    assert main(["outcomes", "import", str(bad), "--plan", str(folder), "--store", str(store)]) == 2
    assert "unknown customer" in capsys.readouterr().err
    assert not store.exists()
    assert main(["kpis", "--plan", str(folder), "--outcomes", str(bad), "--out",
                 str(tmp_path / "k")]) == 2  # fmt: skip
    assert not (tmp_path / "k").exists()


def test_cli_kpis_need_outcomes(tmp_path, capsys):
    folder = plan_dir(tmp_path)
    assert main(["kpis", "--plan", str(folder), "--store", str(tmp_path / "none.db"), "--out",
                 str(tmp_path / "k")]) == 2  # fmt: skip
    assert "no outcomes in the store" in capsys.readouterr().err


def test_no_contact_reached_yet_gives_n_a_not_a_crash(tmp_path, config):
    from revisitkit.outcomes import burn_up

    path = tmp_path / "none.csv"
    path.write_text(HEADER + "B,2026-12-16,电话回访,S2,否,,,0,0,0,0,0,0,0,\n", encoding="utf-8")
    o = load_outcomes(path, config)
    t = compute_kpis(o, PLAN, config, as_of=AS_OF)
    assert kpi(t, "satisfaction")[1] == "n/a"
    # A and B are due (12-18) and neither was reached: 0 of 2 on time; coverage 0 of 3
    assert kpi(t, "on_time") == (0.0, "red") and kpi(t, "coverage") == (0.0, "red")
    burn = burn_up(o, PLAN, config, as_of=AS_OF)
    assert burn.loc[burn["date"] == pd.Timestamp(AS_OF), "done"].tolist() == [0, 0, 0]
    empty = load_outcomes(tmp_path / "none.csv", config).iloc[0:0]
    assert kpi(compute_kpis(empty, PLAN, config, as_of=AS_OF), "coverage")[0] == 0.0


def test_a_count_too_large_is_refused(tmp_path, config):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "A,2026-12-16,上门拜访,S1,是,5,9,0,0,1e19,0,0,0,0,\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError, match="column '建议数': value '1e19'"):
        load_outcomes(path, config)


def test_a_plan_folder_resaved_by_a_spreadsheet_still_reads(outcomes_file, tmp_path, capsys):
    folder = plan_dir(tmp_path)
    # GBK, and the deadlines in two forms (Excel re-saved some of them)
    frame = pd.read_csv(folder / "customers_plan.csv", encoding="utf-8-sig", dtype=str)
    frame.loc[1, "deadline"] = "2026/12/18"
    frame.to_csv(folder / "customers_plan.csv", index=False, encoding="gbk")
    assert main(["kpis", "--plan", str(folder), "--outcomes", str(outcomes_file), "--as-of",
                 "2026-12-23", "--out", str(tmp_path / "k")]) == 0  # fmt: skip
    table = pd.read_csv(tmp_path / "k" / "kpis.csv", encoding="utf-8-sig")
    overall = table[table["scope"] == "overall"].set_index("kpi")
    assert overall.loc["on_time", "value"] == 0.5
    (folder / "schedule.csv").write_text("task_id\nt\n", encoding="utf-8")
    assert main(["kpis", "--plan", str(folder), "--outcomes", str(outcomes_file),
                 "--out", str(tmp_path / "k")]) == 2  # fmt: skip
    assert "has no staff_id column" in capsys.readouterr().err


def test_overview_of_your_own_customers_before_any_outcome(tmp_path, monkeypatch, capsys):
    from revisitkit.overview import OverviewDashboard, load_overview
    from tests.conftest import ROOT

    sample = (ROOT / "data/sample/customers.csv").read_text(encoding="utf-8-sig").splitlines()
    mine = tmp_path / "我的客户.csv"
    mine.write_text("\n".join(sample[:301]) + "\n", encoding="utf-8")
    monkeypatch.setenv("REVISITKIT_CUSTOMERS", str(mine))
    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "none.db"))
    monkeypatch.delenv("REVISITKIT_OUTCOMES", raising=False)
    ov = load_overview()
    assert ov.outcomes.empty and "no outcomes yet" in ov.outcomes_source
    dash = OverviewDashboard(ov)
    assert "300 位客户 customers, 0 已回访" in dash.status.value
    assert not (tmp_path / "none.db").exists()


def test_overview_filter_on_a_segment_without_outcomes(monkeypatch, tmp_path):
    from revisitkit.overview import OverviewDashboard, load_overview

    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "none.db"))
    for name in ("REVISITKIT_CUSTOMERS", "REVISITKIT_OUTCOMES", "REVISITKIT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    dash = OverviewDashboard(load_overview())
    dash.segment.value = "low_frequency"  # no revisit of them yet on 2026-12-23
    assert "低频客户" in dash.status.value and "0 已回访" in dash.status.value
