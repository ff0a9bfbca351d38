"""The bad-input corpus: every file is made here, by code, from the bundled sample.

Each case runs the kit's own command on it and checks three things: the exit code (2 for a
user's mistake), the message (what, where, what to do; no traceback, no personal data), and
that the plan folder and the store are byte for byte what they were before. Cases the kit
reads with a warning (merged cells, text that may be Latin-1) check the warning and the values.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from revisitkit.cli import main
from revisitkit.io import load_customers
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


def sample(n: int = 12) -> pd.DataFrame:
    frame = pd.read_csv(
        SAMPLE / "customers.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    return frame.head(n).copy()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An earlier plan folder and a store with the seed register, made once."""
    base = tmp_path_factory.mktemp("before")
    sample().to_csv(base / "ok.csv", index=False, encoding="utf-8-sig")
    env = {**os.environ, "REVISITKIT_STORE": str(base / "store.db")}
    for args in (["risks", "init"], ["plan", "--customers", "ok.csv", "--out", "plan"]):
        subprocess.run(
            [sys.executable, "-m", "revisitkit", *args],
            cwd=base,
            env=env,
            check=True,
            capture_output=True,
        )
    return base


@pytest.fixture()
def run(built, tmp_path, monkeypatch, capsys):
    """Run a command against a copy of the earlier plan and store; returns (code, stderr)
    and checks that the plan folder and the store are unchanged when it fails."""
    shutil.copytree(built / "plan", tmp_path / "plan")
    shutil.copy(built / "store.db", tmp_path / "store.db")
    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "store.db"))
    monkeypatch.chdir(tmp_path)

    def go(*args: str) -> tuple[int, str]:
        plan_before, store_before = (
            snapshot(tmp_path / "plan"),
            (tmp_path / "store.db").read_bytes(),
        )
        capsys.readouterr()
        code = main(list(args))
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code != 0:
            assert snapshot(tmp_path / "plan") == plan_before
            assert (tmp_path / "store.db").read_bytes() == store_before
        return code, err

    return go


def plan(run, path: Path) -> tuple[int, str]:
    return run("plan", "--customers", str(path), "--out", "plan")


# ------------------------------------------------------------------------ silent misreads
def _csv(tmp_path: Path, frame: pd.DataFrame, name: str = "in.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _set(column: str, row: int, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return change


REFUSED = [
    # (case, change, spreadsheet row, column, words the message must hold)
    (
        "european decimals",
        _set("近12个月采购额", 1, "1.000,50"),
        3,
        "近12个月采购额",
        ["1.000,50", "a comma only between groups of three digits"],
    ),
    ("commas anywhere", _set("近12个月采购额", 0, "1,2,3"), 2, "近12个月采购额", ["1,2,3"]),
    (
        "money beyond the ceiling",
        _set("近12个月采购额", 2, "1.7976931348623157e308"),
        4,
        "近12个月采购额",
        ["above 10,000,000,000,000 CNY", "input.money_ceiling"],
    ),
    (
        "last order after as-of",
        _set("最近下单日期", 3, "2030-01-05"),
        5,
        "最近下单日期",
        ["is after 2026-12-01", "--as-of"],
    ),
    (
        "first order after last",
        _set("首次合作日期", 4, "2026-11-30"),
        6,
        "首次合作日期",
        ["after the last order date"],
    ),
    (
        "150 cooperation years",
        _set("连续合作年数", 5, "150"),
        7,
        "连续合作年数",
        ["more than 100 years", "input.max_cooperation_years"],
    ),
    (
        "complaints beyond 2^53",
        _set("未解决重大投诉数", 6, "9007199254740993"),
        8,
        "未解决重大投诉数",
        ["not understood"],
    ),
    ("nan as an id", _set("客户编号", 1, "nan"), 3, "客户编号", ["word for an empty cell"]),
    ("NULL as an id", _set("客户编号", 2, "NULL"), 4, "客户编号", ["word for an empty cell"]),
    ("NA as an id", _set("客户编号", 3, "NA"), 5, "客户编号", ["word for an empty cell"]),
    ("None as an id", _set("客户编号", 4, "None"), 6, "客户编号", ["word for an empty cell"]),
]


@pytest.mark.parametrize("case,change,row,column,words", REFUSED, ids=[c[0] for c in REFUSED])
def test_values_that_cannot_be_true_are_refused(run, tmp_path, case, change, row, column, words):
    code, err = plan(run, _csv(tmp_path, change(sample())))
    assert code == 2, err
    assert f"row {row}, column '{column}'" in err
    for word in words:
        assert word in err


def test_a_row_with_fewer_values_than_the_header_is_refused(run, tmp_path):
    path = _csv(tmp_path, sample())
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[4] = ",".join(lines[4].split(",")[:3])  # spreadsheet row 5 keeps 3 of its values
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    code, err = plan(run, path)
    assert code == 2
    assert "row 5 — has 3 values but the header row has" in err and "ends early" in err


def test_merged_cells_give_their_value_to_every_row_with_a_warning(run, tmp_path):
    path = tmp_path / "merged.xlsx"
    sample().to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    owner = [c.column_letter for c in sheet[1] if c.value == "客户经理"][0]
    sheet.merge_cells(f"{owner}3:{owner}6")  # openpyxl empties B4:B6, as Excel does
    book.save(path)
    code, err = plan(run, path)
    assert code == 0, err
    assert f"merged cells {owner}3:{owner}6 (rows 3–6)" in err
    plan_out = pd.read_csv(tmp_path / "plan" / "customers_plan.csv", dtype=str)
    expected = sample().loc[1, "客户经理"]
    assert plan_out.loc[1:4, "owner"].tolist() == [expected] * 4


def test_a_latin1_file_read_as_gbk_is_read_with_a_warning(run, tmp_path):
    path = tmp_path / "latin1.csv"
    # ü and ö of Latin-1 followed by a letter happen to form GBK pairs: 黮 and 鰎
    path.write_bytes(
        b"customer_id,name,revenue_12m\nE001,M\xfcller GmbH,1000\nE002,Bj\xf6rn Handel,2000\n"
        b"E003,Plain Co,3000\n"
    )
    code, err = plan(run, path)
    assert code == 0, err
    assert "row(s) 2, 3 mix Latin letters with rare Chinese characters" in err
    assert "CSV UTF-8" in err


# ------------------------------------------------------------------ files that are not what
def _xlsx_named_csv(tmp_path: Path) -> Path:
    path = tmp_path / "really.csv"
    sample().to_excel(tmp_path / "real.xlsx", index=False)
    path.write_bytes((tmp_path / "real.xlsx").read_bytes())
    return path


def _utf16(tmp_path: Path) -> Path:
    path = tmp_path / "unicode.csv"
    path.write_bytes(sample().to_csv(index=False, sep="\t").encode("utf-16"))
    return path


def _sep(sep: str) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "sep.csv"
        path.write_text(sample().to_csv(index=False, sep=sep), encoding="utf-8")
        return path

    return make


def _bom_gbk(tmp_path: Path) -> Path:
    path = tmp_path / "bom_gbk.csv"
    path.write_bytes(b"\xef\xbb\xbf" + sample().to_csv(index=False).encode("gbk"))
    return path


def _encrypted(tmp_path: Path) -> Path:
    # an encrypted .xlsx is an OLE2 compound file, not a zip: its first 8 bytes say so
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    return path


def _formula(tmp_path: Path) -> Path:
    path = tmp_path / "formula.xlsx"
    sample().to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    book.active["C5"] = "=C2*2"  # openpyxl saves no calculated value, as a script does
    book.save(path)
    return path


def _title_rows(tmp_path: Path) -> Path:
    path = tmp_path / "title.xlsx"
    frame = sample()
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["客户清单 2026年11月"]]).to_excel(writer, index=False, header=False)
        frame.to_excel(writer, index=False, startrow=2)
    return path


def _cover_sheet(tmp_path: Path) -> Path:
    path = tmp_path / "cover.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"CRM export 2026-11": ["导出人: 王芳"]}).to_excel(
            writer, sheet_name="封面", index=False
        )
        sample().to_excel(writer, sheet_name="客户清单", index=False)
    return path


def _dup_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "dup.parquet"
    table = pa.table(
        [pa.array(["C1"]), pa.array(["甲"]), pa.array(["1"]), pa.array(["x"])],
        names=["客户编号", "客户名称", "近12个月采购额", "客户编号"],
    )
    pq.write_table(table, path)
    return path


NOT_WHAT_THEY_SAY = [
    (
        "xlsx named csv",
        _xlsx_named_csv,
        ["is an Excel workbook (.xlsx) with a .csv name", "rename it to .xlsx"],
    ),
    ("utf-16", _utf16, ["UTF-16 text", "Unicode text", "CSV UTF-8"]),
    ("semicolons", _sep(";"), ["separated by semicolons", "comma delimited"]),
    ("tabs in a .csv", _sep("\t"), ["separated by tabs"]),
    ("GBK text behind a UTF-8 BOM", _bom_gbk, ["row 1", "UTF-8 mark (BOM) but its text is GBK"]),
    ("password-protected xlsx", _encrypted, ["password-protected", "remove the password"]),
    ("uncalculated formula", _formula, ["C5", "formula that was never calculated"]),
    (
        "title rows above the header",
        _title_rows,
        ["row 3 looks like the header row", "delete the title rows"],
    ),
    (
        "a cover sheet first",
        _cover_sheet,
        ["sheet '客户清单' has the customers' columns", "move that sheet to the front"],
    ),
    ("duplicate parquet columns", _dup_parquet, ["'客户编号' appear more than once"]),
]


@pytest.mark.parametrize(
    "case,make,words", NOT_WHAT_THEY_SAY, ids=[c[0] for c in NOT_WHAT_THEY_SAY]
)
def test_files_that_are_not_what_their_name_says_get_one_clear_message(
    run, tmp_path, case, make, words
):
    code, err = plan(run, make(tmp_path))
    assert code == 2, err
    for word in words:
        assert word in err, (word, err)
    assert "\x00" not in err and "PK\x03" not in err  # nothing binary on the terminal
    assert len(err) < 2000


def test_blank_lines_with_cr_only_line_ends_keep_the_spreadsheet_row(run, tmp_path):
    frame = sample()
    frame.loc[6, "近12个月采购额"] = "abc"  # record 7; blank lines before it shift it to row 10
    lines = frame.to_csv(index=False).splitlines()
    lines[3:3] = ["", "", ""]
    path = tmp_path / "cr.csv"
    path.write_bytes("\r".join(lines).encode("utf-8") + b"\r")
    code, err = plan(run, path)
    assert code == 2
    assert "row 11, column '近12个月采购额': value 'abc'" in err


# ------------------------------------------------------------------------ personal data
def test_an_encoding_error_never_shows_the_line_with_personal_data(run, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(
        b"customer_id,name,phone,email,wechat,revenue_12m\n"
        b"C1,A,13812345678,a@b.cn,wx1,1\n"
        b"C2,B,13987654321,wangfang@corp.cn,wx_secret02,12\xff00\n"
    )
    code, err = plan(run, path)
    assert code == 2
    assert "row 3, column 'revenue_12m'" in err
    for secret in ("13987654321", "wangfang", "wx_secret02", "9876"):
        assert secret not in err


# ------------------------------------------------------------------------ faults and configs
def test_a_yaml_alias_bomb_gives_a_short_message(run, tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        textwrap.dedent(
            """\
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            """
        )
    )
    path = _csv(tmp_path, sample())
    code, err = run("plan", "--customers", str(path), "--out", "plan", "--config", str(bomb))
    assert code == 2
    assert "unknown key 'a'" in err and len(err) < 5000


def test_kpis_with_a_damaged_workbook_write_nothing(run, tmp_path):
    workbook = tmp_path / "plan" / "plan.xlsx"
    workbook.write_bytes(workbook.read_bytes()[:10_000])
    outcomes = tmp_path / "o.csv"
    customer = pd.read_csv(tmp_path / "plan" / "customers_plan.csv", dtype=str)["customer_id"][0]
    outcomes.write_text(
        f"客户编号,回访日期,回访方式,是否触达,满意度\n{customer},2026-12-20,电话回访,是,5\n",
        encoding="utf-8",
    )
    code, err = run("kpis", "--plan", "plan", "--outcomes", str(outcomes), "--out", "kout")
    assert code == 2
    assert "plan/plan.xlsx: damaged, not a workbook" in err and "nothing was written" in err
    assert not (tmp_path / "kout").exists()


DISK_FULL = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from revisitkit.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("limit", [20_000, 200_000])
def test_a_full_disk_is_a_message_naming_the_file_and_the_old_plan_stays(built, tmp_path, limit):
    # files may grow to `limit` bytes only: what a nearly full disk does to a large plan
    shutil.copytree(built / "plan", tmp_path / "plan")
    before = snapshot(tmp_path / "plan")
    sample(800).to_csv(tmp_path / "big.csv", index=False, encoding="utf-8-sig")
    # no store: the plan reads the seed register (SQLite's shared-memory file would need room)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVISITKIT_STORE": str(tmp_path / "no.db")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            DISK_FULL,
            str(limit),
            "plan",
            "--customers",
            "big.csv",
            "--out",
            "plan",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "could not be written (File too large)" in done.stderr
    assert "plan/" in done.stderr and ".revisitkit-staging" not in done.stderr
    assert snapshot(tmp_path / "plan") == before


def test_load_customers_gives_the_warning_to_a_notebook_too(tmp_path, config):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"customer_id,name,revenue_12m\nE001,M\xfcller GmbH,1000\n")
    with pytest.warns(UserWarning, match="mix Latin letters with rare Chinese characters"):
        load_customers(path, config)


@pytest.mark.parametrize(
    "phone,masked",
    [
        ("13812345678", "*******5678"),  # a mobile: 4 of 11 digits
        ("62340678", "****0678"),  # a landline: 7 of 8 digits showed before
        ("8888-1234", "****-1234"),
        ("010-62340678", "***-****0678"),
        ("+86 138 1234 5678", "+** *** **** 5678"),
        ("123456", "***456"),  # never more than half
        ("1234", "**34"),
        ("分机", "****"),  # no digit: nothing to show
        ("", ""),
    ],
)
def test_at_most_four_digits_of_any_phone_show(phone, masked):
    from revisitkit.views.privacy import mask_phone

    shown = mask_phone(phone)
    assert shown == masked
    digits = sum(ch.isdigit() for ch in shown)
    assert digits <= min(4, sum(ch.isdigit() for ch in phone) // 2)


# ------------------------------------------------------------------ found by a second review
def test_values_that_look_personal_are_masked_in_every_message(run, tmp_path):
    frame = sample()
    frame.loc[1, "客户编号"] = "13987654321"
    frame.loc[2, "客户编号"] = "13987654321"  # a phone as id, twice
    frame.loc[3, "近12个月采购额"] = "wangfang@corp.cn"  # columns shifted in an export
    frame.loc[4, "合作状态"] = "13912345678"
    frame.loc[5, "首次合作日期"] = "wx_secret02"
    code, err = plan(run, _csv(tmp_path, frame))
    assert code == 2
    for secret in ("13987654321", "987654", "wangfang", "13912345678", "wx_secret02"):
        assert secret not in err, secret
    assert "*******4321" in err and "w***@corp.cn" in err and "wx****02" in err


def _workbook(tmp_path: Path, hidden_first: bool, active: int) -> Path:
    path = tmp_path / "sheets.xlsx"
    with pd.ExcelWriter(path) as writer:
        sample(5).to_excel(writer, sheet_name="old", index=False)
        sample(12).to_excel(writer, sheet_name="current", index=False)
    book = openpyxl.load_workbook(path)
    if hidden_first:
        book["old"].sheet_state = "hidden"
    book.active = active
    book.save(path)
    return path


def test_a_hidden_first_sheet_is_skipped_and_said(run, tmp_path):
    code, err = plan(run, _workbook(tmp_path, hidden_first=True, active=1))
    assert code == 0, err
    assert "hidden sheet(s) 'old' skipped; sheet 'current' read" in err
    assert len(pd.read_csv(tmp_path / "plan" / "customers_plan.csv")) == 12


def test_a_workbook_that_opens_on_another_sheet_is_read_with_a_warning(run, tmp_path):
    code, err = plan(run, _workbook(tmp_path, hidden_first=False, active=1))
    assert code == 0, err
    assert "sheet 'old' was read (the first visible one), but the workbook opens on sheet" in err


def test_windows_reserved_names_are_never_file_names():
    from revisitkit.io import safe_file_names

    names = safe_file_names(["COM0", "lpt0", "COM¹", "nul.txt", "Con "], ".ics")
    assert names == {
        "COM0": "COM0_.ics",
        "lpt0": "lpt0_.ics",
        "COM¹": "COM¹_.ics",
        "nul.txt": "nul.txt_.ics",
        "Con ": "Con_.ics",
    }


def test_a_short_token_is_refused_beyond_loopback():
    from revisitkit.errors import UserError
    from revisitkit.serve import ServeSettings, voila_command

    with pytest.raises(UserError, match="at least 8 characters"):
        voila_command(ServeSettings(host="0.0.0.0", token="ab"))
    assert voila_command(ServeSettings(host="127.0.0.1", token="ab"))  # loopback: the user's call
