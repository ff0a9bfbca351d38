"""The store file: real SQLite files in tmp_path, no mocks.

What a planner relies on: a missing store is not created by reading it; another application's
SQLite file, a damaged store and a newer kit's store are refused and left byte for byte as they
were; reading changes no byte and leaves no file beside the store; a store on read-only media
can be read.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import revisitkit.store
from revisitkit.cli import main
from revisitkit.errors import InputError, UserError
from revisitkit.io import load_seed
from revisitkit.schema import RiskValidationError
from revisitkit.store import MIGRATIONS, OutcomeLog, RiskRegister, Store, UnknownRiskError
from tests.test_store_risks import SEED, new_risk

ROOT = Path(__file__).resolve().parent.parent
#: ``PRAGMA application_id`` of the kit's stores: b"RVKT" read as a big-endian 32-bit integer.
RVKT = int.from_bytes(b"RVKT", "big")


# ------------------------------------------------------------------------- missing store
def test_reading_a_missing_store_creates_nothing(tmp_path, config):
    path = tmp_path / "nothing.db"
    with Store(path) as store:
        register = RiskRegister(store, config)
        assert register.exists() is False
        frame = register.list()
        assert frame.empty and "version" in frame.columns and "score" in frame.columns
        assert register.history().empty
        with pytest.raises(
            UnknownRiskError,
            match=r"^risk 'R01' is not in the register "
            r"\(the register is empty\)$",
        ):
            register.get("R01")
    assert list(tmp_path.iterdir()) == []


def test_refused_writes_on_a_missing_store_create_nothing(tmp_path, config):
    path = tmp_path / "nothing.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\nR01,\n", encoding="utf-8")
    with Store(path) as store:
        register = RiskRegister(store, config)
        with pytest.raises(UnknownRiskError):
            register.update("R01", {"likelihood": 2}, 1, "张三")
        with pytest.raises(UnknownRiskError):
            register.comment("R01", "看一下", "张三")
        with pytest.raises(InputError):
            register.import_file(bad, "张三")
        with pytest.raises(RiskValidationError):
            register.add({"title": "缺字段"}, "张三")
    assert not path.exists()


def test_the_first_write_creates_the_file_with_its_schema(store, register):
    assert register.add(new_risk(), "王经理") == "R01"
    assert register.exists()
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 3
        assert conn.execute("PRAGMA application_id").fetchone()[0] == RVKT
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "risks",
        "risk_audit",
        "risk_comments",
        "outcomes",
        "outcome_imports",
        "problems",
        "problem_audit",
        "problem_imports",
    } <= tables


def test_a_version_1_store_is_migrated_and_keeps_its_risks(tmp_path, config):
    # a store written before the outcomes log existed (schema version 1)
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[0].split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
    with Store(path) as store:
        register = RiskRegister(store, config)
        assert register.add(new_risk(), "王经理") == "R01"
        assert store.schema_version() == 3
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM risks").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM outcomes").fetchone()[0] == 0


def test_a_store_in_a_missing_folder_is_refused(tmp_path, config):
    with Store(tmp_path / "no" / "such.db") as store:
        with pytest.raises(UserError, match=r"cannot create the store: folder .* does not exist"):
            RiskRegister(store, config).add(new_risk(), "王经理")


def test_a_file_that_is_not_a_store_is_refused(tmp_path, config):
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库 " * 200, encoding="utf-8")
    with Store(path) as store, pytest.raises(UserError, match="not a revisitkit store"):
        RiskRegister(store, config).list()


@pytest.mark.parametrize("marked", [True, False], ids=["marked", "made-before-the-mark"])
def test_a_store_from_a_newer_kit_is_refused(tmp_path, config, marked):
    # a newer kit marks its stores; one of this kit's unmarked stores migrated by a newer kit
    # has the kit's tables and a higher version
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:
        if marked:
            conn.execute(f"PRAGMA application_id = {RVKT}")
        else:
            for statement in ";".join(MIGRATIONS).split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with Store(path) as store, pytest.raises(UserError, match="schema version 99; this one"):
        RiskRegister(store, config).list()
    with Store(path) as store, pytest.raises(UserError, match="schema version 99; this one"):
        RiskRegister(store, config).add(new_risk(), "王经理")
    assert path.read_bytes() == before


# ------------------------------------------------------------- other applications' files
def make_plan(tmp_path: Path) -> tuple[Path, Path]:
    """A small plan folder and an outcomes file for it (tests/small_campaign.py)."""
    from tests.small_campaign import HEADER, ROWS, plan_dir

    outcomes = tmp_path / "回访结果.csv"
    outcomes.write_bytes((HEADER + "\n".join(ROWS) + "\n").encode("gbk"))
    return plan_dir(tmp_path), outcomes


def foreign_file(path: Path, kind: str) -> None:
    """Another application's SQLite file, made the way that application would."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if kind == "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        if kind == "application_id":
            conn.execute("PRAGMA application_id = 252006673")  # Fossil's (0x0F055112)
        if kind == "user_version":
            conn.execute("PRAGMA user_version = 2")  # its own schema version, kit tables absent
        if kind == "risks_table":
            # a table named like the kit's, with its own columns (used to crash the migration)
            conn.execute("CREATE TABLE risks (name TEXT, severity INTEGER)")
            conn.execute("INSERT INTO risks VALUES ('flood', 3)")
        else:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
            conn.execute("INSERT INTO notes (text) VALUES ('买牛奶')")
        conn.commit()


@pytest.mark.parametrize("kind", ["plain", "wal", "risks_table", "application_id", "user_version"])
def test_another_applications_sqlite_file_is_refused_and_never_changed(
    tmp_path, config, capsys, kind
):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "other.db"
    foreign_file(path, kind)
    before, listing = path.read_bytes(), sorted(folder.iterdir())
    plan, outcomes = make_plan(tmp_path)
    review = tmp_path / "review.csv"
    review.write_text(
        "风险名称,风险类别,可能性,影响程度,责任人角色,应对策略,响应级别\n"
        "新风险,execution,2,2,campaign_lead,mitigate,C\n",
        encoding="utf-8",
    )

    def unchanged() -> None:
        assert path.read_bytes() == before
        assert sorted(folder.iterdir()) == listing  # no -wal, -shm or -journal left beside it

    refused = r"other\.db: belongs to another application: it is not a revisitkit store"
    for call in (
        lambda r: r.exists(),
        lambda r: r.list(),
        lambda r: r.get("R01"),
        lambda r: r.add(new_risk(), "王经理"),
        lambda r: r.seed_if_empty(load_seed(SEED, config), "王经理"),
        lambda r: r.import_file(review, "王经理"),
    ):
        with Store(path) as store, pytest.raises(UserError, match=refused):
            call(RiskRegister(store, config))
        unchanged()
    for args in (
        ["risks", "list"],
        ["risks", "init"],
        ["risks", "import", str(review)],
        ["risks", "export", str(tmp_path / "out.csv")],
        ["outcomes", "import", str(outcomes), "--plan", str(plan)],
        ["kpis", "--plan", str(plan), "--out", str(tmp_path / "kpis")],
    ):
        assert main([*args, "--store", str(path)]) == 2, args
        err = capsys.readouterr().err
        assert "belongs to another application" in err and "choose another --store" in err, args
        unchanged()


def test_an_empty_file_is_a_new_store(tmp_path, config):
    path = tmp_path / "empty.db"
    path.touch()
    with Store(path) as store:
        register = RiskRegister(store, config)
        assert not register.exists() and register.list().empty
        assert path.read_bytes() == b""
        assert register.add(new_risk(), "王经理") == "R01"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == RVKT
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def legacy_store(path: Path, *, journal: str = "wal") -> None:
    """A store of this kit made before stores were marked: the kit's schema, no
    application_id, one risk."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        if journal == "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN")
        for statement in ";".join(MIGRATIONS).split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        conn.execute("COMMIT")
        # one risk, written the way the kit writes it
        RiskRegister._insert(conn, new_risk(id="R01"), "王经理", "2026-12-01T08:00:00Z", "add")


def test_a_store_made_before_the_mark_opens_and_is_marked_on_its_next_write(
    tmp_path, config, capsys
):
    path = tmp_path / "old.db"
    legacy_store(path)
    before = path.read_bytes()
    with Store(path) as store:
        assert RiskRegister(store, config).list()["id"].tolist() == ["R01"]
    assert main(["risks", "list", "--store", str(path)]) == 0
    assert "R01" in capsys.readouterr().out
    assert path.read_bytes() == before  # reading does not mark it: only a write changes a file
    with Store(path) as store:
        assert RiskRegister(store, config).add(new_risk(), "王经理") == "R02"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == RVKT
    assert revisitkit.store.APPLICATION_ID == RVKT


# ------------------------------------------------------------------------- damaged store
def damaged_copy(seeded: RiskRegister, tmp_path: Path) -> Path:
    """A copy of a real store with bytes 8192–11191 (in page 3 of 4096 bytes: the index of
    the risks' ids) overwritten with seeded random data."""
    seeded.store.close()  # the last connection checkpoints: every page is in the main file
    path = tmp_path / "damaged" / "revisitkit.db"
    path.parent.mkdir()
    shutil.copy(seeded.store.path, path)
    data = bytearray(path.read_bytes())
    assert len(data) > 12288
    data[8192:11192] = random.Random(20261216).randbytes(3000)
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_store_refuses_every_write_and_is_left_unchanged(
    seeded, tmp_path, config, capsys
):
    path = damaged_copy(seeded, tmp_path)
    before, listing = path.read_bytes(), sorted(path.parent.iterdir())
    plan, outcomes = make_plan(tmp_path)
    damaged = r"revisitkit\.db: the store is damaged \(PRAGMA quick_check: .*\.recover"
    for call in (
        lambda r: r.add(new_risk(), "王经理"),
        lambda r: r.comment("R01", "看一下", "王经理"),
        lambda r: r.update("R01", {"likelihood": 4}, 1, "王经理"),
        lambda r: r.import_file(seeded.export(tmp_path / "export.csv"), "王经理"),
    ):
        with Store(path) as store, pytest.raises(UserError, match=damaged):
            call(RiskRegister(store, config))
        assert path.read_bytes() == before
    for args in (
        ["risks", "init"],
        ["risks", "import", str(tmp_path / "export.csv")],
        ["outcomes", "import", str(outcomes), "--plan", str(plan)],
    ):
        assert main([*args, "--store", str(path)]) == 2, args
        err = capsys.readouterr().err
        assert "the store is damaged" in err and "revisitkit risks init" in err, args
        assert path.read_bytes() == before
    assert sorted(path.parent.iterdir()) == listing


def test_reading_a_damaged_store_is_a_user_error_not_a_traceback(seeded, tmp_path, config, capsys):
    path = damaged_copy(seeded, tmp_path)
    before = path.read_bytes()
    with Store(path) as store:
        register = RiskRegister(store, config)
        # looking a risk up by its id reads the damaged index
        with pytest.raises(
            UserError,
            match=r"the store is damaged \(SQLite says: database disk "
            r"image is malformed\).*\.recover",
        ):
            register.get("R01")
    assert main(["risks", "export", str(tmp_path / "x.csv"), "--store", str(path)]) in (0, 2)
    assert "Traceback" not in capsys.readouterr().err
    assert path.read_bytes() == before


# ------------------------------------------------------------------------- reading only
@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_reading_changes_no_byte_and_leaves_no_file_beside_the_store(
    tmp_path, config, capsys, journal
):
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "revisitkit.db"
    legacy_store(path, journal=journal)
    if journal == "wal":  # a store the kit made: marked, WAL, closed (so no -wal file)
        with Store(path) as store:
            RiskRegister(store, config).add(new_risk(), "王经理")
    before, listing = path.read_bytes(), sorted(folder.iterdir())
    assert before[18:20] == (b"\x02\x02" if journal == "wal" else b"\x01\x01")
    plan, _ = make_plan(tmp_path)
    with Store(path) as store:
        register = RiskRegister(store, config)
        assert register.exists() and store.schema_version() == len(MIGRATIONS)
        register.list(), register.get("R01"), register.history(), register.comments("R01")
        with pytest.raises(UserError):
            register.get("R99")
        assert OutcomeLog(store).frame().empty
    assert main(["risks", "list", "--store", str(path)]) == 0
    assert main(["risks", "export", str(tmp_path / "x.csv"), "--store", str(path)]) == 0
    assert (
        main(["kpis", "--plan", str(plan), "--store", str(path), "--out", str(tmp_path / "k")]) == 2
    )
    assert "no outcomes in the store" in capsys.readouterr().err
    # `risks list` and `risks export` leave their Store to the garbage collector: its
    # connection (and SQLite's -wal and -shm files of a WAL store with it) goes then
    gc.collect()
    # the bytes include the journal mode (file header bytes 18–19): a read never switches it
    assert path.read_bytes() == before
    assert sorted(folder.iterdir()) == listing


READ_ONLY_PROBE = """
import json, pathlib, sys
from revisitkit.cli import main
from revisitkit.config import load_config
from revisitkit.errors import UserError
from revisitkit.store import RiskRegister, Store
folder = pathlib.Path(sys.argv[1]); path = folder / "revisitkit.db"
try:
    (folder / "probe").write_text("x")
    print(json.dumps({"medium": "writable"})); sys.exit(0)
except OSError:
    pass
result = {"medium": "read-only"}
with Store(path) as store:
    register = RiskRegister(store, load_config())
    result["ids"] = register.list()["id"].tolist()
    result["version"] = register.get("R01")[1]
    try:
        register.add(register.get("R01")[0].to_dict() | {"id": None}, "王经理")
    except UserError as e:
        result["write"] = str(e)
result["list_exit"] = main(["risks", "list", "--store", str(path)])
print(json.dumps(result))
"""


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_store_on_read_only_media_can_be_read(tmp_path, config, journal):
    """The store's folder is bind-mounted read-only in a private mount namespace (the tests
    run as root, and chmod does not stop root; a read-only mount does)."""
    if not shutil.which("unshare") or not shutil.which("mount"):
        pytest.skip("needs unshare and mount")
    folder = tmp_path / "media"
    folder.mkdir()
    path = folder / "revisitkit.db"
    legacy_store(path, journal=journal)
    if journal == "wal":
        with Store(path) as store:
            RiskRegister(store, config).add(new_risk(), "王经理")
    before = path.read_bytes()
    script = (
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 97; exec "$2" -c "$3" "$1"'
    )
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            str(folder),
            sys.executable,
            READ_ONLY_PROBE,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode == 97 or "unshare failed" in done.stderr:
        pytest.skip(f"cannot mount read-only here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["medium"] == "read-only"
    assert result["ids"] == (["R01", "R02"] if journal == "wal" else ["R01"])
    assert result["version"] == 1 and result["list_exit"] == 0
    assert "revisitkit.db: cannot write to the store: it is read-only" in result["write"]
    assert path.read_bytes() == before


def test_a_store_path_with_spaces_hash_question_mark_and_chinese_opens(tmp_path, config):
    # the store is opened through a file: URI; these characters must reach SQLite quoted
    path = tmp_path / "回访 项目 #1?%20" / "风险 登记册.db"
    path.parent.mkdir()
    with Store(path) as store:
        assert RiskRegister(store, config).add(new_risk(), "王经理") == "R01"
    with Store(path) as store:
        assert RiskRegister(store, config).list()["id"].tolist() == ["R01"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["风险 登记册.db"]
