"""The risk register in the store: real SQLite files in tmp_path, no mocks.

What a planner relies on: an edit is never lost (two editors, the stale one refused with what
changed meanwhile), a failure in the middle of an edit leaves the store as it was, and export →
import gives the same register back.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from revisitkit.config import DEFAULT_CONFIG_PATH
from revisitkit.errors import InputError, UserError
from revisitkit.io import load_seed
from revisitkit.schema import FIELDS, RISK_HEADERS_ZH, Risk, RiskValidationError
from revisitkit.store import (
    ImportSummary,
    RiskRegister,
    StaleEditError,
    Store,
    UnknownRiskError,
)

SEED = DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml"


def new_risk(**changes) -> Risk:
    fields = {
        "category": "execution",
        "title": "高峰期资源不足",
        "title_en": "Resource shortage at peak",
        "description": "回访团队缩减30%，深度沟通覆盖率不足50%。",
        "cause": "人员被临时抽调",
        "trigger": "人力缺口大于0",
        "likelihood": 3,
        "impact": 4,
        "owner_role": "campaign_lead",
        "strategy": "mitigate",
        "mitigation": "临时人员储备池可扩充30%人力",
        "contingency": "启用储备池",
        "response_level": "B",
        "status": "open",
        "residual_likelihood": 2,
        "residual_impact": 3,
        "next_review": date(2026, 12, 15),
        "signal": "resource_gap",
    }
    return Risk(**{**fields, **changes})


def snapshot(store: Store) -> list[str]:
    """The whole database as SQL: equal snapshots are equal stores, row for row."""
    with sqlite3.connect(store.path) as conn:
        return list(conn.iterdump())


# ------------------------------------------------------------------------------ risk ids
def new_risks_csv(path: Path, ids: list[str]) -> Path:
    row = {k: v for k, v in new_risk().to_dict().items() if k not in ("id", "signal")}
    row["next_review"] = "2026-12-15"
    pd.DataFrame([{"id": i, **row} for i in ids]).to_csv(path, index=False, encoding="utf-8")
    return path


def test_import_numbers_new_risks_after_the_highest_id_including_those_the_file_names(
    seeded, tmp_path
):
    path = new_risks_csv(tmp_path / "new.csv", ["", "R20", "", "R15", "", "R104"])
    summary = seeded.import_file(path, "审阅人")
    assert summary.added == ("R105", "R20", "R106", "R15", "R107", "R104")
    ids = seeded.list()["id"].tolist()
    assert len(ids) == len(set(ids)) == 19
    # and in a fresh store the numbering starts at R01
    with Store(tmp_path / "fresh.db") as fresh:
        added = (
            RiskRegister(fresh, seeded.config)
            .import_file(new_risks_csv(tmp_path / "three.csv", ["", "", ""]), "审阅人")
            .added
        )
    assert added == ("R01", "R02", "R03")
    assert seeded.add(new_risk(), "审阅人") == "R108"


def test_the_work_of_an_import_grows_linearly_with_its_new_rows(tmp_path, config):
    """SQLite's virtual-machine steps (counted by a progress handler: deterministic, not a
    timing) for 4× the new rows stay near 4×; numbering each row by re-reading every id was
    quadratic (8 min 20 s for 19,500 rows)."""

    def steps(n: int) -> int:
        path = new_risks_csv(tmp_path / f"new-{n}.csv", [""] * n)
        with Store(tmp_path / f"s-{n}.db") as store:
            register = RiskRegister(store, config)
            register.add(new_risk(), "王经理")  # opens the connection
            count = [0]

            def tick() -> int:
                count[0] += 1
                return 0

            store._conn.set_progress_handler(tick, 100)
            assert len(register.import_file(path, "王经理").added) == n
            return count[0]

    small, large = steps(150), steps(600)
    assert large < 5 * small, (small, large)


# ------------------------------------------------------------------------------ round trip
def test_add_then_get_gives_the_same_risk(register):
    risk = new_risk()
    rid = register.add(risk, "王经理")
    got, version = register.get(rid)
    assert got == Risk(**{**risk.to_dict(), "id": "R01"})
    assert version == 1
    assert register.add(new_risk(title="技术工具故障"), "王经理") == "R02"


def test_add_accepts_form_text_and_refuses_a_taken_id(register):
    rid = register.add(
        {**new_risk().to_dict(), "likelihood": "4", "next_review": "2026/12/20"}, "李"
    )
    assert register.get(rid)[0].likelihood == 4
    with pytest.raises(RiskValidationError) as caught:
        register.add(new_risk(id="R01"), "李")
    assert caught.value.problems == [
        "id R01 is already in the register; leave id empty for the next free id (R02)"
    ]


def test_add_refuses_invalid_values_and_writes_nothing(register):
    with pytest.raises(RiskValidationError) as caught:
        register.add({**new_risk().to_dict(), "likelihood": 6, "owner_role": "ceo"}, "李")
    # in the order of the fields, as the form shows them
    assert caught.value.problems[0] == "likelihood must be a whole number from 1 to 5, got 6"
    assert caught.value.problems[1].startswith("owner_role must be one of the known roles")
    assert not register.exists()


def test_list_is_the_scored_register_in_id_order(seeded):
    frame = seeded.list()
    assert frame["id"].tolist() == [f"R{n:02d}" for n in range(1, 14)]
    r01 = frame.iloc[0]
    assert (r01["score"], r01["level"], r01["sla_hours"], r01["version"]) == (15, "critical", 2, 1)
    assert r01["updated_by"] == "种子 seed"
    assert seeded.list(category="external")["id"].tolist() == ["R10", "R11", "R12", "R13"]
    assert seeded.list(status="closed").empty
    with pytest.raises(
        ValueError,
        match=r"^category must be one of customer, execution, "
        r"external \(or None\), got 'inside'$",
    ):
        seeded.list(category="inside")


def test_seed_if_empty_seeds_once(seeded, config):
    assert seeded.seed_if_empty(load_seed(SEED, config), "again") == 0
    assert len(seeded.list()) == 13


def test_update_writes_one_audit_row_per_changed_field(seeded):
    version = seeded.update(
        "R06",
        {"likelihood": 4, "mitigation": "储备池扩充至40%", "impact": 4},
        expected_version=1,
        who="张三",
    )
    assert version == 2
    risk, stored = seeded.get("R06")
    assert (risk.likelihood, risk.mitigation, stored) == (4, "储备池扩充至40%", 2)
    history = seeded.history("R06")
    edits = history[history["action"] == "edit"]
    assert edits[["who", "field", "old", "new", "version"]].values.tolist() == [
        ["张三", "likelihood", "3", "4", 2],
        [
            "张三",
            "mitigation",
            "组建专职回访团队，按1:5配置回访专员与客户；建立临时人员储备池，"
            "高峰期可快速扩充30%人力；客户集中区域（如长三角）增加本地团队。",
            "储备池扩充至40%",
            2,
        ],
    ]
    assert edits["at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    # the same values again change nothing
    assert seeded.update("R06", {"likelihood": 4}, expected_version=2, who="张三") == 2
    assert len(seeded.history("R06")) == len(history)


def test_close_and_comment_are_in_the_history(seeded):
    seeded.comment("R11", "已与物流商确认春节前最后发货日 1月25日", "赵六")
    _, version = seeded.get("R11")
    assert version == 1  # a comment does not make other editors stale
    assert seeded.close("R11", expected_version=1, who="赵六") == 2
    risk, _ = seeded.get("R11")
    assert risk.status == "closed"
    history = seeded.history("R11")
    assert history["action"].tolist() == ["import", "comment", "close"]
    assert history.iloc[2][["field", "old", "new"]].tolist() == ["status", "open", "closed"]
    assert seeded.comments("R11")["text"].tolist() == ["已与物流商确认春节前最后发货日 1月25日"]
    with pytest.raises(UserError, match=r"^a comment must not be empty, got ' '$"):
        seeded.comment("R11", " ", "赵六")


def test_who_must_be_named(seeded):
    with pytest.raises(UserError, match=r"^who must name the person making the change, got ''$"):
        seeded.update("R01", {"likelihood": 4}, expected_version=1, who="")


def test_an_invalid_edit_is_refused_with_every_problem_and_nothing_written(seeded, store):
    before = snapshot(store)
    with pytest.raises(RiskValidationError) as caught:
        seeded.update("R01", {"likelihood": 6, "title": "", "colour": "red"}, 1, "张三")
    assert caught.value.problems == [
        "unknown field 'colour'; the fields of a risk are " + ", ".join(FIELDS),
        "title must not be empty: give the risk a short name, got ''",
        "likelihood must be a whole number from 1 to 5, got 6",
    ]
    assert str(caught.value).startswith("risk R01 was not saved: 3 problem(s):")
    assert snapshot(store) == before


def test_the_id_cannot_be_edited(seeded):
    with pytest.raises(RiskValidationError, match="id cannot be changed"):
        seeded.update("R01", {"id": "R99"}, 1, "张三")


def test_editing_an_unknown_risk_names_the_known_ids(seeded):
    with pytest.raises(
        UnknownRiskError, match=r"^risk 'R99' is not in the register \(ids are R01, R02"
    ):
        seeded.update("R99", {"likelihood": 2}, 1, "张三")


# ----------------------------------------------------------------------- two editors
def test_a_stale_edit_from_a_second_connection_is_refused_and_nothing_is_lost(seeded, config):
    with Store(seeded.store.path) as other_store:
        first, second = seeded, RiskRegister(other_store, config)
        _, v_first = first.get("R01")
        _, v_second = second.get("R01")
        assert v_first == v_second == 1

        first.update("R01", {"likelihood": 4}, expected_version=v_first, who="张三")
        with pytest.raises(StaleEditError) as caught:
            second.update(
                "R01", {"owner_role": "cs_manager"}, expected_version=v_second, who="李四"
            )

        message = str(caught.value)
        assert message.startswith(
            "risk R01 was changed by 张三 since you loaded it (you edited version 1, the "
            "register has version 2); nothing was saved. Changed meanwhile:\n"
            "  - likelihood: 3 → 4 (张三, "
        )
        assert message.endswith("edit)\nReload risk R01, re-apply your change and save again.")
        assert isinstance(caught.value, UserError)
        assert (caught.value.expected_version, caught.value.current_version) == (1, 2)
        assert caught.value.changes["field"].tolist() == ["likelihood"]

        # the first edit is kept, the stale one left no trace, from either connection
        for register in (first, second):
            risk, version = register.get("R01")
            assert (risk.likelihood, risk.owner_role, version) == (4, "sales_director", 2)
        assert second.history("R01")["who"].tolist() == ["种子 seed", "张三"]

        # reloaded, the second editor's change goes through
        _, fresh = second.get("R01")
        assert second.update("R01", {"owner_role": "cs_manager"}, fresh, who="李四") == 3
        assert first.get("R01")[0].owner_role == "cs_manager"


def test_a_writer_that_cannot_get_the_lock_is_told_the_store_is_busy(seeded, config):
    with Store(seeded.store.path, timeout=0) as impatient:
        other = RiskRegister(impatient, config)
        with seeded.store.transaction():  # the first editor is saving
            with pytest.raises(UserError, match="the store is busy .*another editor is saving"):
                other.update("R01", {"likelihood": 4}, 1, "李四")
            # reading is never blocked (WAL): the register is there as last committed
            assert other.get("R01")[1] == 1
    assert other.update("R01", {"likelihood": 4}, 1, "李四") == 2


def test_a_stale_close_is_refused_too(seeded):
    seeded.update("R02", {"status": "monitoring"}, 1, "张三")
    with pytest.raises(StaleEditError, match=r"status: open → monitoring \(张三"):
        seeded.close("R02", expected_version=1, who="李四")


# ------------------------------------------------------------------- crash mid-edit
def test_a_failure_in_the_middle_of_an_edit_leaves_the_store_as_it_was(seeded, store):
    """A real database failure after the row and the first audit row were written: a trigger
    in the file aborts the audit row of the second field."""
    before_list, before_history, before_dump = seeded.list(), seeded.history(), snapshot(store)
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_second BEFORE INSERT ON risk_audit WHEN NEW.field = 'mitigation' "
            "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        seeded.update(
            "R01", {"likelihood": 4, "mitigation": "高管每周回访"}, expected_version=1, who="张三"
        )
    with sqlite3.connect(store.path) as conn:
        conn.execute("DROP TRIGGER fail_second")
    pd.testing.assert_frame_equal(seeded.list(), before_list)
    pd.testing.assert_frame_equal(seeded.history(), before_history)
    assert snapshot(store) == before_dump
    # and the store still works
    assert seeded.update("R01", {"likelihood": 4}, expected_version=1, who="张三") == 2


def test_an_exception_inside_a_transaction_rolls_back_every_write_in_it(seeded, store):
    before_list, before_dump = seeded.list(), snapshot(store)
    with pytest.raises(RuntimeError, match="power cut"):
        with store.transaction():
            seeded.update("R01", {"likelihood": 4}, expected_version=1, who="张三")
            seeded.comment("R01", "改为4", "张三")
            seeded.add(new_risk(), "张三")
            assert seeded.get("R01")[1] == 2  # written, inside the transaction
            raise RuntimeError("power cut")
    pd.testing.assert_frame_equal(seeded.list(), before_list)
    assert snapshot(store) == before_dump


def test_the_schema_refuses_what_validation_would(seeded, store):
    """The CHECK constraints are the last line: even SQL written by hand cannot store a
    likelihood of 11 or a residual above the inherent score."""
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        with store.transaction() as conn:
            conn.execute("UPDATE risks SET residual_likelihood = 5 WHERE id = 'R01'")


# ------------------------------------------------------------------------ export / import
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_into_a_fresh_store_is_the_same_register(
    seeded, tmp_path, config, suffix
):
    seeded.close("R13", 1, "张三")  # closed, keeps its review date
    seeded.update("R12", {"next_review": None, "status": "closed"}, 1, "张三")  # closed, none
    path = seeded.export(tmp_path / f"risks{suffix}")
    with Store(tmp_path / "fresh.db") as fresh_store:
        fresh = RiskRegister(fresh_store, config)
        summary = fresh.import_file(path, "李四")
        assert summary == ImportSummary(
            added=tuple(f"R{n:02d}" for n in range(1, 14)), updated=(), unchanged=()
        )
        for rid in seeded.list()["id"]:
            assert fresh.get(rid)[0] == seeded.get(rid)[0], rid
        columns = [
            c for c in seeded.list().columns if c not in ("version", "updated_at", "updated_by")
        ]
        pd.testing.assert_frame_equal(fresh.list()[columns], seeded.list()[columns])
        assert set(fresh.history()["action"]) == {"import"}
        # importing its own export again changes nothing
        again = fresh.export(tmp_path / f"again{suffix}")
        assert fresh.import_file(again, "李四").unchanged == summary.added


def test_the_csv_export_is_utf8_with_bom_and_chinese_headers(seeded, tmp_path):
    data = seeded.export(tmp_path / "risks.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["风险编号", "风险类别", "类别名称", "风险名称"]
    assert set(header) <= set(RISK_HEADERS_ZH.values())
    assert list(tmp_path.glob("*.part")) == []


def test_export_refuses_other_formats(seeded, tmp_path):
    with pytest.raises(UserError, match=r"export as \.csv or \.xlsx, got '\.txt'"):
        seeded.export(tmp_path / "risks.txt")


def test_import_updates_existing_risks_and_adds_new_ones(seeded, tmp_path):
    path = tmp_path / "review.csv"
    pd.DataFrame(
        {
            "id": ["R03", "R05", ""],
            "version": ["1", "1", ""],  # the version each row was exported at
            "likelihood": ["5", "3", "2"],
            "impact": ["3", "3", "2"],
            "residual_likelihood": ["2", "2", "1"],
            "residual_impact": ["3", "3", "1"],
            "title": ["回访时机不当引发客户抵触", "标准化话术被机械套用", "礼品供应商延迟交付"],
            "category": ["customer", "execution", "外部风险"],
            "owner_role": ["cs_manager", "cs_manager", "logistics"],
            "strategy": ["avoid", "mitigate", "transfer"],
            "response_level": ["B", "C", "C"],
            "next_review": ["2026-12-15", "2026-12-22", "2026-12-20"],
        }
    ).to_csv(path, index=False, encoding="utf-8")
    summary = seeded.import_file(path, "审阅人")
    assert summary == ImportSummary(added=("R14",), updated=("R03",), unchanged=("R05",))
    risk, version = seeded.get("R03")
    assert (risk.likelihood, version) == (5, 2)
    assert risk.mitigation.startswith("提前与客户沟通日程")  # columns not in the file are kept
    last = seeded.history("R03").iloc[-1]
    assert last[["who", "action", "field", "old", "new"]].tolist() == [
        "审阅人",
        "import",
        "likelihood",
        "4",
        "5",
    ]
    added, _ = seeded.get("R14")
    assert (added.category, added.strategy, added.status, added.signal) == (
        "external",
        "transfer",
        "open",
        None,
    )


def test_a_bad_import_reports_every_problem_by_row_and_column_and_writes_nothing(
    seeded, store, tmp_path
):
    before = snapshot(store)
    path = tmp_path / "bad.csv"
    path.write_text(
        "风险编号,版本,风险名称,可能性,影响程度,责任人角色,备注\n"
        "R01,1,高价值客户流失,6,5,sales_director,\n"
        "R02,1,,3,x,ceo,\n"
        "R01,1,高价值客户流失,3,5,sales_director,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        seeded.import_file(path, "审阅人")
    found = [(i.row, i.column, i.value, i.problem) for i in caught.value.issues]
    assert found == [
        (1, "备注", None, found[0][3]),
        (2, "可能性", "6", "likelihood must be a whole number from 1 to 5, got '6'"),
        (3, "风险名称", "", "title must not be empty: give the risk a short name, got ''"),
        (3, "影响程度", "x", "impact must be a whole number from 1 to 5, got 'x'"),
        (3, "责任人角色", "ceo", found[4][3]),
        (4, "风险编号", "R01", "duplicate risk id; first seen at row 2"),
    ]
    assert found[0][3].startswith("unknown column; the register's columns are id (风险编号)")
    assert found[4][3].startswith("owner_role must be one of the known roles campaign_lead")
    assert all(i.file == "bad.csv" or i.file.endswith("bad.csv") for i in caught.value.issues)
    assert "row 2, column '可能性': value '6'" in str(caught.value)
    assert snapshot(store) == before


def test_a_new_row_missing_required_columns_says_so(seeded, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("title,likelihood\n新风险,2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        seeded.import_file(path, "审阅人")
    problems = {i.problem for i in caught.value.issues}
    assert (
        "category must be one of customer, execution, external, got None (the file has no "
        "column category / 风险类别)"
    ) in problems
    assert all(i.row == 2 and i.column is None for i in caught.value.issues)


def test_an_import_never_overwrites_an_edit_it_has_not_seen(seeded, store, tmp_path):
    path = seeded.export(tmp_path / "old.csv")  # R01 at version 1
    seeded.update("R01", {"likelihood": 4}, expected_version=1, who="张三")
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        seeded.import_file(path, "李四")
    (issue,) = caught.value.issues
    assert (issue.row, issue.column, issue.value) == (2, "版本", "1")
    assert issue.problem.startswith(
        "risk R01 was changed in the register since this file was exported (the register has "
        "version 2: likelihood: 3 → 4 (张三, "
    )
    assert snapshot(store) == before


def test_importing_a_missing_file_is_a_user_error(seeded, tmp_path):
    with pytest.raises(UserError, match="file not found"):
        seeded.import_file(tmp_path / "none.csv", "李四")


def test_a_smaller_scale_in_the_config_shows_no_level_for_larger_scores(seeded, config):
    three = config.replace(
        {
            "risk": {
                "scale_max": 3,
                "levels": {
                    "medium": {"max": 5},
                    "high": {"min": 6, "max": 7},
                    "critical": {"min": 8, "max": 9},
                },
            }
        }
    )
    frame = RiskRegister(seeded.store, three).list()
    r01 = frame.set_index("id").loc["R01"]  # 3 × 5 = 15, beyond 9
    assert r01["score"] == 15 and pd.isna(r01["level"]) and pd.isna(r01["level_label"])
    assert frame.set_index("id").loc["R10", "level"] == "high"  # 2 × 3 = 6, in 6–7


def test_an_update_without_the_version_it_was_made_on_is_refused(seeded, store, tmp_path):
    # Alice raises R02 in the register; Bob's file has no version column and edits only R01,
    # but carries R02's old values: importing it must not undo Alice's edit
    _, version = seeded.get("R02")
    seeded.update("R02", {"likelihood": 5}, version, "Alice")
    before = snapshot(store)
    path = tmp_path / "bob.csv"
    path.write_text(
        "风险编号,风险名称,可能性\nR01,高价值客户流失,4\nR02,客户需求变化未被及时捕捉,3\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        seeded.import_file(path, "Bob")
    assert [i.row for i in caught.value.issues] == [2, 3]
    assert "risk R02 already exists, and this row has no 版本 (version)" in str(caught.value)
    assert snapshot(store) == before
    assert seeded.get("R02")[0].likelihood == 5
