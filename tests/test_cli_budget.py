"""``revisitkit plan`` budget outputs and ``revisitkit budget`` on real files."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from revisitkit.cli import main
from tests.test_cli import CUSTOMERS_CSV


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def planned(tmp_path: Path) -> Path:
    crm = tmp_path / "crm.csv"
    crm.write_text(CUSTOMERS_CSV, encoding="utf-8")
    out = tmp_path / "plan"
    assert main(["plan", "--customers", str(crm), "--out", str(out)]) == 0
    return out


def test_plan_writes_the_budget_files_and_sheet(tmp_path, capsys):
    out = planned(tmp_path)
    budget = rows(out / "budget.csv")
    assert list(budget[0]) == ["category", "segment", "amount_cny"]
    # the top-down total of data/campaign.yaml, to the cent
    assert round(sum(float(r["amount_cny"]) for r in budget) * 100) == 4_500_000 * 100
    by_cat = {}
    for r in budget:
        by_cat[r["category"]] = by_cat.get(r["category"], 0) + float(r["amount_cny"])
    assert {k: round(v, 2) for k, v in by_cat.items()} == {
        "personnel": 2_700_000,
        "materials": 900_000,
        "technology": 675_000,
        "contingency": 225_000,
    }
    monthly = rows(out / "budget_monthly.csv")
    assert {r["month"] for r in monthly} == {"2026-12", "2027-01"}
    summary = capsys.readouterr().out
    assert "Budget: 4,500,000 CNY top-down" in summary and "ROI" in summary
    book = openpyxl.load_workbook(out / "plan.xlsx", read_only=True)
    assert "预算 Budget" in book.sheetnames
    text = " ".join(str(c) for r in book["预算 Budget"].iter_rows(values_only=True) for c in r if c)
    assert "自上而下" in text and "按客户分层 By segment" in text


def test_budget_variance_report(tmp_path, capsys):
    out = planned(tmp_path)
    # a hand-made monthly plan: December personnel 1,000; January personnel 500
    (out / "budget_monthly.csv").write_text(
        "month,category,planned_cny\n2026-12,personnel,1000\n2027-01,personnel,500\n",
        encoding="utf-8",
    )
    spend = tmp_path / "实际支出.csv"
    spend.write_bytes(
        "日期,类别,金额,备注\n2026-12-10,人员,800,差旅\n2026-12-28,人员,350,补贴\n"
        "2027-01-04,人员,100,差旅\n".encode("gbk")
    )
    report = tmp_path / "report"
    code = main(["budget", "--plan", str(out), "--actuals", str(spend), "--out", str(report)])
    assert code == 0
    text = capsys.readouterr().out
    # December: 800 + 350 = 1,150 against 1,000 -> +150 overspend; January 100 against 500
    dec = next(line for line in text.splitlines() if line.startswith("2026-12"))
    assert "1,150.00" in dec and "+150.00" in dec and "overspend" in dec
    jan = next(line for line in text.splitlines() if line.startswith("2027-01"))
    assert "-400.00" in jan and "overspend" not in jan
    assert "overspend 150.00 CNY" in text
    table = rows(report / "budget_variance.csv")
    assert [(r["month"], r["category"], r["overspend"]) for r in table] == [
        ("2026-12", "personnel", "True"),
        ("2027-01", "personnel", "False"),
    ]


def test_bad_actuals_exit_2_and_write_nothing(tmp_path, capsys):
    out = planned(tmp_path)
    spend = tmp_path / "spend.csv"
    spend.write_text("日期,类别,金额\n2026-12-10,人员,八百\n", encoding="utf-8")
    report = tmp_path / "report"
    assert main(["budget", "--plan", str(out), "--actuals", str(spend), "--out", str(report)]) == 2
    err = capsys.readouterr().err
    assert "spend.csv, row 2, column '金额': value '八百'" in err
    assert not report.exists()


def test_budget_needs_a_plan_folder(tmp_path, capsys):
    spend = tmp_path / "spend.csv"
    spend.write_text("日期,类别,金额\n2026-12-10,人员,800\n", encoding="utf-8")
    assert main(["budget", "--plan", str(tmp_path), "--actuals", str(spend)]) == 2
    assert "budget_monthly.csv: not found" in capsys.readouterr().err


def test_sample_actuals_flag_the_overspend(tmp_path, capsys):
    out = planned(tmp_path)
    root = Path(__file__).resolve().parents[1]
    assert (
        main(["budget", "--plan", str(out), "--actuals", str(root / "data/sample/actuals.csv")])
        == 0
    )
    text = capsys.readouterr().out
    # the sample spends more on materials than their whole 20% line (all of it planned for
    # December, when preparation buys the gifts): counted from the files
    spend = pd.read_csv(root / "data/sample/actuals.csv", encoding="utf-8-sig", dtype=str)
    materials = spend.loc[spend["类别"] == "物料", "金额"].str.replace(",", "").astype(float).sum()
    budget = yaml.safe_load((root / "data/campaign.yaml").read_text(encoding="utf-8"))["budget"]
    assert materials > budget["total_cny"] * budget["split"]["materials"]
    line = next(x for x in text.splitlines() if x.startswith("2026-12") and "物料" in x)
    assert "⚠ overspend" in line
