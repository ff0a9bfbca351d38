"""`revisitkit risks …` and the plan workbook's risk sheet, on real files."""

from __future__ import annotations

import sqlite3

import openpyxl
import yaml

from revisitkit.cli import main
from tests.conftest import ROOT


def dump(path) -> list[str]:
    """The store's whole content as SQL (the file's bytes move with WAL checkpoints)."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


SEED = yaml.safe_load((ROOT / "data" / "risks_seed.yaml").read_text(encoding="utf-8"))["risks"]


def test_list_reads_without_creating_the_store(tmp_path, capsys):
    store = tmp_path / "r.db"
    assert main(["risks", "list", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert not store.exists()
    assert "尚未保存 Not saved yet" in out
    assert all(r["id"] in out for r in SEED)


def test_init_export_edit_import_round_trip(tmp_path, capsys):
    store, review = tmp_path / "r.db", tmp_path / "review.csv"
    assert main(["risks", "init", "--store", str(store)]) == 0
    assert f"{len(SEED)} risks in the register" in capsys.readouterr().out
    assert main(["risks", "export", str(review), "--store", str(store)]) == 0
    text = review.read_text(encoding="utf-8-sig")
    # a reviewer raises R06's likelihood from 3 to 4 in the exported sheet (可能性 column)
    lines = text.splitlines()
    header = lines[0].split(",")
    col = header.index("可能性")
    row = next(i for i, line in enumerate(lines) if line.startswith("R06,"))
    fields = lines[row].split(",")
    assert fields[col] == "3"
    fields[col] = "4"
    lines[row] = ",".join(fields)
    review.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert main(["risks", "import", str(review), "--store", str(store), "--who", "王芳"]) == 0
    assert "0 added, 1 updated" in capsys.readouterr().out
    assert main(["risks", "list", "--store", str(store), "--category", "execution"]) == 0
    out = capsys.readouterr().out
    assert "R06" in out and "4×4" in out and "R01" not in out


def test_bad_import_exits_2_and_changes_nothing(tmp_path, capsys):
    store, bad = tmp_path / "r.db", tmp_path / "bad.csv"
    assert main(["risks", "init", "--store", str(store)]) == 0
    before = dump(store)
    bad.write_text("风险编号,可能性\nR06,9\n", encoding="utf-8")
    assert main(["risks", "import", str(bad), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, row 2, column '可能性': value '9'" in err
    assert "Traceback" not in err
    assert dump(store) == before


def test_export_without_a_store_says_how_to_create_it(tmp_path, capsys):
    assert (
        main(["risks", "export", str(tmp_path / "x.csv"), "--store", str(tmp_path / "r.db")]) == 2
    )
    assert "revisitkit risks init" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_plan_workbook_has_the_risk_sheet(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "absent.db"))
    out = tmp_path / "plan"
    code = main(["plan", "--customers", str(ROOT / "data/sample/customers.csv"), "--out", str(out)])
    assert code == 0
    book = openpyxl.load_workbook(out / "plan.xlsx", read_only=True)
    assert "风险 Risks" in book.sheetnames
    rows = list(book["风险 Risks"].iter_rows(values_only=True))
    assert rows[0][0] == "风险编号"
    assert [r[0] for r in rows[1:]] == [r["id"] for r in SEED]
