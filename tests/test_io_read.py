"""Reading real files in the encodings and formats CRM exports come in (writing them:
tests/test_io_write.py).

Every file is written to ``tmp_path`` as the bytes a real export holds: UTF-8, UTF-8 with BOM,
GBK and GB18030 CSV, an .xlsx with real Excel date and number cells, a typed Parquet file. The
canonical frame they must all give is written out by hand once (``EXPECTED``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from revisitkit.config import display_path
from revisitkit.errors import InputError, UserError
from revisitkit.io import load_customers, read_table

D = pd.Timestamp

HEADER = (
    "客户编号,客户名称,近12个月采购额,近6个月采购额,首次合作日期,最近下单日期,连续合作年数,"
    "合作状态,终止日期,具备挽回价值,未解决重大投诉数,在建项目金额,行业排名,行业,区域,业务类型,客户经理"
)
#: three customers as a Chinese CRM export writes them: separators, ￥ (the full-width yen sign
#: of GBK; the half-width ¥ has no GBK code), 元, every date form
ROWS = (
    'C001,华东精工股份,"￥1,200,000.00",600000,2018-03-01,2026/11/20,5,合作中,,是,0,0,3,'
    "汽车零部件,上海,产品,S01",
    'C002,南方物流,"80,000元","1,000",2019.6.1,2026年5月10日,3,已终止,2026年6月30日,否,1,,,'
    "物流,广东,服务使用,S02",
    'C003,京北科技,"2,000,000",1200000,2026-10-10,2026-11-28,0,,,,,"6,000,000",,信息技术,北京,'
    "项目,S01",
)
CSV_TEXT = HEADER + "\n" + "\n".join(ROWS) + "\n"


def expected_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(["C001", "C002", "C003"], dtype="string"),
            "name": pd.array(["华东精工股份", "南方物流", "京北科技"], dtype="string"),
            "revenue_12m": [1_200_000.0, 80_000.0, 2_000_000.0],
            "revenue_last_6m": [600_000.0, 1_000.0, 1_200_000.0],
            "first_order_date": [D("2018-03-01"), D("2019-06-01"), D("2026-10-10")],
            "last_order_date": [D("2026-11-20"), D("2026-05-10"), D("2026-11-28")],
            "cooperation_years": pd.array([5, 3, 0], dtype="Int64"),
            "status": pd.array(["active", "terminated", "active"], dtype="string"),
            "terminated_date": [pd.NaT, D("2026-06-30"), pd.NaT],
            "winback_worthy": [True, False, True],
            "open_major_complaints": pd.array([0, 1, pd.NA], dtype="Int64"),
            "project_value": [0.0, np.nan, 6_000_000.0],
            "industry_rank": pd.array([3, pd.NA, pd.NA], dtype="Int64"),
            "industry": pd.array(["汽车零部件", "物流", "信息技术"], dtype="string"),
            "region": pd.array(["上海", "广东", "北京"], dtype="string"),
            "business_type": pd.array(["product", "service", "project"], dtype="string"),
            "owner": pd.array(["S01", "S02", "S01"], dtype="string"),
        }
    )
    for col in ("first_order_date", "last_order_date", "terminated_date"):
        frame[col] = frame[col].astype("datetime64[ns]")
    return frame


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def refusal(path: Path, config) -> str:
    with pytest.raises(UserError) as caught:
        load_customers(path, config)
    return str(caught.value)


# ------------------------------------------------------------------------------- CSV encodings
@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_csv_encodings_give_the_canonical_frame(tmp_path, config, encoding, detected):
    path = tmp_path / "crm.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    before = fingerprint(path)
    assert read_table(path).encoding == detected
    pd.testing.assert_frame_equal(load_customers(path, config), expected_frame())
    assert fingerprint(path) == before  # the input is never touched


def test_the_four_encodings_are_really_different_bytes():
    encoded = {e: CSV_TEXT.encode(e) for e in ("utf-8", "utf-8-sig", "gbk")}
    assert encoded["utf-8-sig"][:3] == b"\xef\xbb\xbf"
    assert encoded["utf-8"][:3] == "客".encode()
    assert encoded["gbk"][:2] == b"\xbf\xcd"  # 客 in GBK


def test_gb18030_character_outside_gbk(tmp_path, config):
    name = "𠮷野家餐饮"  # 𠮷 (U+20BB7) has no GBK code; GB18030 gives it four bytes
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    path = tmp_path / "crm.csv"
    path.write_bytes(f"客户编号,客户名称,近12个月采购额\nC1,{name},100\n".encode("gb18030"))
    assert load_customers(path, config).loc[0, "name"] == name


def test_tab_separated_file(tmp_path, config):
    path = tmp_path / "crm.tsv"
    path.write_text("customer_id\tname\trevenue_12m\nC1\t华东精工\t1,200\n", encoding="utf-8")
    assert load_customers(path, config).loc[0, "revenue_12m"] == 1_200.0


def test_crlf_line_endings(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_bytes(CSV_TEXT.replace("\n", "\r\n").encode("utf-8-sig"))
    pd.testing.assert_frame_equal(load_customers(path, config), expected_frame())


# ------------------------------------------------------------------------------- XLSX and Parquet
def write_xlsx(path: Path) -> None:
    """The same three customers as an Excel user keeps them: numbers and dates as cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(HEADER.split(","))
    ws.append(
        [
            "C001",
            "华东精工股份",
            1_200_000,
            600_000,
            dt.date(2018, 3, 1),
            dt.datetime(2026, 11, 20),
            5,
            "合作中",
            None,
            "是",
            0,
            0,
            3,
            "汽车零部件",
            "上海",
            "产品",
            "S01",
        ]
    )
    ws.append(
        [
            "C002",
            "南方物流",
            80_000.0,
            1_000,
            dt.date(2019, 6, 1),
            dt.datetime(2026, 5, 10, 15, 30),
            3,
            "已终止",
            dt.date(2026, 6, 30),
            "否",
            1,
            None,
            None,
            "物流",
            "广东",
            "服务使用",
            "S02",
        ]
    )
    ws.append(
        [
            "C003",
            "京北科技",
            2_000_000,
            1_200_000,
            dt.date(2026, 10, 10),
            dt.date(2026, 11, 28),
            0,
            None,
            None,
            None,
            None,
            6_000_000,
            None,
            "信息技术",
            "北京",
            "项目",
            "S01",
        ]
    )
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "yyyy/m/d"
    wb.save(path)


def test_xlsx_with_real_date_cells_gives_the_canonical_frame(tmp_path, config):
    path = tmp_path / "crm.xlsx"
    write_xlsx(path)
    cell = openpyxl.load_workbook(path)["客户"]["E2"]
    assert cell.is_date and cell.value == dt.datetime(2018, 3, 1)  # a date cell, not text
    before = fingerprint(path)
    table = read_table(path)
    assert (table.format, table.source.first_row) == ("xlsx", 2)
    pd.testing.assert_frame_equal(load_customers(path, config), expected_frame())
    assert fingerprint(path) == before


def write_parquet(path: Path) -> None:
    pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": ["华东精工股份", "南方物流", "京北科技"],
            "revenue_12m": [1_200_000.0, 80_000.0, 2_000_000.0],
            "revenue_last_6m": [600_000.0, 1_000.0, 1_200_000.0],
            "first_order_date": pd.to_datetime(["2018-03-01", "2019-06-01", "2026-10-10"]),
            "last_order_date": pd.to_datetime(["2026-11-20", "2026-05-10", "2026-11-28"]),
            "cooperation_years": pd.array([5, 3, 0], dtype="Int64"),
            "status": ["active", "terminated", None],
            "terminated_date": pd.to_datetime([None, "2026-06-30", None]),
            "winback_worthy": pd.array([True, False, pd.NA], dtype="boolean"),
            "open_major_complaints": pd.array([0, 1, pd.NA], dtype="Int64"),
            "project_value": [0.0, np.nan, 6_000_000.0],
            "industry_rank": pd.array([3, pd.NA, pd.NA], dtype="Int64"),
            "industry": ["汽车零部件", "物流", "信息技术"],
            "region": ["上海", "广东", "北京"],
            "business_type": ["product", "service", "project"],
            "owner": ["S01", "S02", "S01"],
        }
    ).to_parquet(path, index=False)


def test_parquet_gives_the_canonical_frame(tmp_path, config):
    path = tmp_path / "crm.parquet"
    write_parquet(path)
    before = fingerprint(path)
    table = read_table(path)
    assert (table.format, table.source.first_row) == ("parquet", 1)
    pd.testing.assert_frame_equal(load_customers(path, config), expected_frame())
    assert fingerprint(path) == before


def test_parquet_problem_rows_count_from_one(tmp_path, config):
    path = tmp_path / "crm.parquet"
    pd.DataFrame(
        {"customer_id": ["C1", "C2"], "name": ["甲", "乙"], "revenue_12m": [1.0, -2.0]}
    ).to_parquet(path)
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 2, column 'revenue_12m': value '-2.0' — must be ≥ 0 (an "
        "amount in CNY, like 1200000 or 1,200,000.00)"
    )


def test_xlsx_problem_rows_are_spreadsheet_rows(tmp_path, config):
    path = tmp_path / "crm.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户编号", "客户名称", "近12个月采购额", "连续合作年数"])
    ws.append(["C1", "甲", 1_000, 2])
    ws.append([None, None, None, None])  # an empty row between blocks: skipped, still counted
    ws.append(["C2", "乙", 2_000, 2.5])
    wb.save(path)
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 4, column '连续合作年数': value '2.5' — not understood; "
        "expected a whole number ≥ 0"
    )
    assert list(load_customers_ok(tmp_path, config)) == ["C1", "C2"]


def load_customers_ok(tmp_path: Path, config) -> pd.Series:
    path = tmp_path / "ok.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户编号", "客户名称", "近12个月采购额"])
    ws.append(["C1", "甲", 1_000])
    ws.append([None, None, None])
    ws.append(["C2", "乙", 2_000])
    wb.save(path)
    return load_customers(path, config)["customer_id"]


# ------------------------------------------------------------------------------- CSV shapes
def test_blank_line_keeps_the_row_numbers_of_the_sheet(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text("customer_id,name,revenue_12m\nC1,甲,1\n\nC2,乙,x\n", encoding="utf-8")
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 4, column 'revenue_12m': value 'x' — not understood; "
        "expected a number ≥ 0 in CNY, like 1200000, 1,200,000.50, ¥1,200 or 1200元 (a comma only "
        "between groups of three digits)"
    )


def test_row_of_empty_cells_is_skipped(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text("customer_id,name,revenue_12m\nC1,甲,1\n,,\nC2,乙,2\n", encoding="utf-8")
    assert list(load_customers(path, config)["customer_id"]) == ["C1", "C2"]


def test_trailing_comma_on_every_line_does_not_shift_columns(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text("customer_id,name,revenue_12m\nC1,甲,100,\nC2,乙,200,\n", encoding="utf-8")
    out = load_customers(path, config)
    assert list(out["customer_id"]) == ["C1", "C2"]
    assert list(out["revenue_12m"]) == [100.0, 200.0]


def test_value_beyond_the_last_column_is_refused(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text(
        "customer_id,name,revenue_12m\nC1,甲,100\nC2,华东,精工,200\nC3,乙,1,2,3\n",
        encoding="utf-8",
    )
    name = display_path(path)
    assert refusal(path, config) == (
        "2 problem(s) found in the input:\n"
        f"  - {name}, row 3 — has 4 values but the header row has 3 columns; a value that "
        "contains a comma must be in double quotes\n"
        f"  - {name}, row 4 — has 5 values but the header row has 3 columns; a value that "
        "contains a comma must be in double quotes"
    )


def test_quoted_comma_and_newline_inside_a_value(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text(
        'customer_id,name,revenue_12m\nC1,"华东精工, 上海分公司",100\nC2,"两行\n名称",x\n',
        encoding="utf-8",
    )
    message = refusal(path, config)
    assert f"{display_path(path)}, row 3, column 'revenue_12m': value 'x'" in message


def test_same_header_twice_in_a_file(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text("客户编号,客户名称,近12个月采购额,客户编号\nC1,甲,1,X\n", encoding="utf-8")
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 1, column '客户编号' — the header appears more than once "
        "(read as '客户编号.1'); keep only one column of that name"
    )


def test_duplicate_ids_in_a_gbk_file(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_bytes("客户编号,客户名称,近12个月采购额\nC1,甲,1\nC2,乙,2\nC1,丙,3\n".encode("gbk"))
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 4, column '客户编号': value 'C1' — duplicate customer id; "
        "first seen at row 2; ids must be unique"
    )


# ------------------------------------------------------------------------------- unreadable input
def test_latin1_bytes_are_refused(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_bytes("customer_id,name,revenue_12m\nC1,Café,1\n".encode("latin-1"))
    # "customer_id,name,revenue_12m\n" is 29 bytes, "C1,Caf" 6 more: é (E9) at offset 35
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 2, column 'name' — byte 0xE9 at file offset 35 is neither "
        "UTF-8 nor GBK/GB18030 text; save the file from Excel/WPS as 'CSV UTF-8' or as .xlsx"
    )


def test_random_bytes_are_refused(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_bytes(b"customer_id,name,revenue_12m\nC1,ok,1\nC2,\x80\xff\xfe,2\n")
    # 0x80 is no UTF-8 start byte and no GB18030 lead byte; offset 29 + len("C1,ok,1\n") 8
    # + len("C2,") 3 = 40
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)}, row 3, column 'name' — byte 0x80 at file offset 40 is neither "
        "UTF-8 nor GBK/GB18030 text; save the file from Excel/WPS as 'CSV UTF-8' or as .xlsx"
    )


def test_unknown_extension(tmp_path, config):
    path = tmp_path / "crm.json"
    path.write_text("[]", encoding="utf-8")
    assert refusal(path, config) == (
        f"{display_path(path)}: unknown file type '.json'; accepted: .csv (UTF-8 or GBK), "
        ".xlsx, .parquet"
    )


def test_old_xls_workbook_gets_a_hint(tmp_path, config):
    path = tmp_path / "crm.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert refusal(path, config) == (
        f"{display_path(path)}: unknown file type '.xls'; accepted: .csv (UTF-8 or GBK), "
        ".xlsx, .parquet; old .xls workbooks: open in Excel/WPS and save as .xlsx"
    )


def test_no_extension(tmp_path, config):
    path = tmp_path / "crm"
    path.write_text("customer_id\n", encoding="utf-8")
    assert refusal(path, config).endswith(
        "unknown file type '(no extension)'; accepted: .csv (UTF-8 or GBK), .xlsx, .parquet"
    )


def test_folder_instead_of_a_file(tmp_path, config):
    folder = tmp_path / "crm.csv"
    folder.mkdir()
    assert refusal(folder, config) == (
        f"{display_path(folder)}: is a folder; give a file (.csv, .xlsx or .parquet)"
    )


def test_missing_file(tmp_path, config):
    assert refusal(tmp_path / "nowhere.csv", config) == (
        f"{display_path(tmp_path / 'nowhere.csv')}: file not found"
    )


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", b"  \r\n"])
def test_empty_file(tmp_path, config, content):
    path = tmp_path / "crm.csv"
    path.write_bytes(content)
    assert refusal(path, config) == (
        f"{display_path(path)}: the file is empty; expected a header row (客户编号 customer_id, "
        "客户名称 name, 近12个月采购额 revenue_12m, …) and one row per customer"
    )


def test_header_without_customers(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text("客户编号,客户名称,近12个月采购额\n", encoding="utf-8-sig")
    assert refusal(path, config) == (
        "1 problem(s) found in the input:\n"
        f"  - {display_path(path)} — the file has a header row but no customers below it"
    )


def test_csv_renamed_to_xlsx(tmp_path, config):
    path = tmp_path / "crm.xlsx"
    path.write_text(CSV_TEXT, encoding="utf-8")
    assert refusal(path, config) == (
        f"{display_path(path)}: cannot be read as XLSX: not an Excel workbook (File is not a "
        "zip file)"
    )


def test_garbage_parquet(tmp_path, config):
    path = tmp_path / "crm.parquet"
    path.write_bytes(b"PAR1 not really")
    assert refusal(path, config).startswith(f"{display_path(path)}: cannot be read as Parquet: ")


def test_file_errors_are_user_errors_and_input_errors_list_issues(tmp_path, config):
    path = tmp_path / "crm.csv"
    path.write_text("customer_id,name,revenue_12m\nC1,甲,-1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_customers(path, config)
    assert [(i.row, i.column, i.value) for i in caught.value.issues] == [(2, "revenue_12m", "-1")]
