"""``revisitkit outcomes import`` and ``revisitkit kpis`` on the small campaign
(tests/small_campaign.py): the store, the plan workbook's KPI sheet, refusals, a re-saved plan
folder."""

from __future__ import annotations

import pandas as pd

from revisitkit.cli import main
from tests.small_campaign import HEADER, plan_dir


def test_cli_import_then_kpis_from_the_store(outcomes_file, tmp_path, capsys):
    folder = plan_dir(tmp_path)
    store = tmp_path / "store.db"
    args = [
        "outcomes",
        "import",
        str(outcomes_file),
        "--plan",
        str(folder),
        "--store",
        str(store),
        "--who",
        "王芳",
    ]
    assert main(args) == 0
    assert "5 added, 0 replaced (corrections), 0 unchanged" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 added, 0 replaced (corrections), 5 unchanged; 5 outcomes" in capsys.readouterr().out
    out = tmp_path / "kpis"
    assert (
        main(
            [
                "kpis",
                "--plan",
                str(folder),
                "--store",
                str(store),
                "--as-of",
                "2026-12-23",
                "--out",
                str(out),
            ]
        )
        == 0
    )
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
    assert (
        main(
            [
                "kpis",
                "--plan",
                str(folder),
                "--outcomes",
                str(outcomes_file),
                "--out",
                str(tmp_path / "k"),
            ]
        )
        == 0
    )
    # without --as-of: the latest outcome's date (12-20)
    assert "KPIs as of 2026-12-20" in capsys.readouterr().out
    sheets = openpyxl.load_workbook(folder / "plan.xlsx").sheetnames
    assert sheets == ["客户计划 Customers", "指标 KPIs"]
    # a second run replaces the sheet instead of adding another
    assert (
        main(
            [
                "kpis",
                "--plan",
                str(folder),
                "--outcomes",
                str(outcomes_file),
                "--out",
                str(tmp_path / "k"),
            ]
        )
        == 0
    )
    assert openpyxl.load_workbook(folder / "plan.xlsx").sheetnames == sheets


def test_cli_bad_outcomes_exit_2_and_write_nothing(tmp_path, capsys):
    folder = plan_dir(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Z,2026-12-16,电话回访,S1,是,5,9,0,0,0,0,0,0,0,\n", encoding="utf-8")
    store = tmp_path / "store.db"
    assert main(["outcomes", "import", str(bad), "--plan", str(folder), "--store", str(store)]) == 2
    assert "unknown customer" in capsys.readouterr().err
    assert not store.exists()
    assert (
        main(["kpis", "--plan", str(folder), "--outcomes", str(bad), "--out", str(tmp_path / "k")])
        == 2
    )
    assert not (tmp_path / "k").exists()


def test_cli_kpis_need_outcomes(tmp_path, capsys):
    folder = plan_dir(tmp_path)
    assert (
        main(
            [
                "kpis",
                "--plan",
                str(folder),
                "--store",
                str(tmp_path / "none.db"),
                "--out",
                str(tmp_path / "k"),
            ]
        )
        == 2
    )
    assert "no outcomes in the store" in capsys.readouterr().err


def test_a_plan_folder_resaved_by_a_spreadsheet_still_reads(outcomes_file, tmp_path, capsys):
    folder = plan_dir(tmp_path)
    # GBK, and the deadlines in two forms (Excel re-saved some of them)
    frame = pd.read_csv(folder / "customers_plan.csv", encoding="utf-8-sig", dtype=str)
    frame.loc[1, "deadline"] = "2026/12/18"
    frame.to_csv(folder / "customers_plan.csv", index=False, encoding="gbk")
    assert (
        main(
            [
                "kpis",
                "--plan",
                str(folder),
                "--outcomes",
                str(outcomes_file),
                "--as-of",
                "2026-12-23",
                "--out",
                str(tmp_path / "k"),
            ]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "k" / "kpis.csv", encoding="utf-8-sig")
    overall = table[table["scope"] == "overall"].set_index("kpi")
    assert overall.loc["on_time", "value"] == 0.5
    (folder / "schedule.csv").write_text("task_id\nt\n", encoding="utf-8")
    assert (
        main(
            [
                "kpis",
                "--plan",
                str(folder),
                "--outcomes",
                str(outcomes_file),
                "--out",
                str(tmp_path / "k"),
            ]
        )
        == 2
    )
    assert "has no staff_id column" in capsys.readouterr().err
