"""Writing safely: CSV as Excel and WPS open it, atomic replacement, Excel's row limit."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from revisitkit.io import EXCEL_MAX_ROWS, atomic_path, write_csv

D = pd.Timestamp


def test_write_csv_is_utf8_with_bom_and_iso_dates(tmp_path):
    frame = pd.DataFrame({"客户编号": ["C1"], "截止日期": [D("2026-12-23")]})
    target = write_csv(frame, tmp_path / "out.csv")
    # CRLF line ends, as Excel writes them (a CR inside a text is then quoted)
    assert target.read_bytes() == "\ufeff客户编号,截止日期\r\nC1,2026-12-23\r\n".encode()
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left beside it


def test_atomic_path_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "plan.csv"
    target.write_bytes(b"old plan")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half of a new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old plan"
    assert os.listdir(tmp_path) == ["plan.csv"]


def test_atomic_path_replaces_on_success(tmp_path):
    target = tmp_path / "plan.csv"
    target.write_bytes(b"old plan")
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new plan")
    assert target.read_bytes() == b"new plan"
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_excel_row_limit():
    assert EXCEL_MAX_ROWS == 2**20
