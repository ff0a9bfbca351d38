"""The outcomes log in the store: idempotent imports, corrections, all or nothing (the small
campaign: tests/small_campaign.py)."""

from __future__ import annotations

import sqlite3

import pytest

from revisitkit.errors import InputError
from revisitkit.store import OutcomeLog, Store
from tests.small_campaign import HEADER, PLAN, ROWS


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
    bad.write_text(
        HEADER + ROWS[0] + "\nA,2026-12-18,电话回访,S1,是,9,9,0,0,0,0,0,0,0,\n", encoding="utf-8"
    )
    with Store(path) as store:
        with pytest.raises(InputError, match="a score from 1 to 5"):
            OutcomeLog(store).import_file(bad, config, "王芳")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM outcomes").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM outcome_imports").fetchone()[0] == 1
