"""Reading what planners have and writing what they open, without ever losing their files.

Inputs are read-only: CSV in UTF-8 (with or without BOM) or GBK/GB18030 — detected from the
bytes, not asked of the user — XLSX and Parquet. Outputs are written atomically: each file is
written beside its final name and moved into place only when complete, so an interrupted run
leaves the previous file, never half of a new one.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.csv").write_bytes("客户编号,客户名称,近12个月采购额\\nC1,华东精工,100\\n".encode("gbk"))
>>> table = read_table(d / "c.csv")
>>> table.encoding, list(table.frame.columns)
('gb18030', ['客户编号', '客户名称', '近12个月采购额'])
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException

from revisitkit.config import Config, display_path
from revisitkit.errors import InputError, Issue, UserError
from revisitkit.schema import Source, parse_customers

#: The row limit of an Excel worksheet (header included).
EXCEL_MAX_ROWS = 1_048_576

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file: every value as text, and how it was read."""

    frame: pd.DataFrame
    source: Source
    format: str  # csv | xlsx | parquet
    encoding: str | None  # for CSV: utf-8, utf-8-sig or gb18030


def detect_encoding(data: bytes, name: str) -> str:
    """Tell UTF-8 (with or without BOM) from GBK/GB18030 by decoding strictly.

    UTF-8 is self-checking: Chinese text in GBK practically never decodes as UTF-8, so a strict
    UTF-8 decode that succeeds is UTF-8. GB18030 is a superset of GBK and GB2312.

    >>> detect_encoding("客户".encode("gbk"), "x.csv")
    'gb18030'
    >>> detect_encoding("\\ufeff客户".encode("utf-8"), "x.csv")
    'utf-8-sig'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as e:
        # the encoding that got further is the one the file was meant to be in
        at = max(utf8_error.start, e.start)
        encoding = "utf-8" if utf8_error.start >= e.start else "gb18030"
        line_start = data.rfind(b"\n", 0, at) + 1
        line_end = data.find(b"\n", at)
        line = data[line_start : line_end if line_end >= 0 else len(data)].rstrip(b"\r")
        shown = line.decode(encoding, errors="backslashreplace")
        shown = shown if len(shown) <= 80 else shown[:77] + "…"
        raise InputError(
            [Issue(name, data.count(b"\n", 0, at) + 1, None, None,
                   f"byte 0x{data[at]:02X} at file offset {at} is neither UTF-8 nor GBK/GB18030 "
                   f"text (the line reads: {shown}); save the file from Excel/WPS as "
                   "'CSV UTF-8' or as .xlsx")]
        ) from None  # fmt: skip


def _unreadable(name: str, kind: str, detail: object) -> UserError:
    return UserError(f"{name}: cannot be read as {kind}: {detail}")


def read_table(path: str | Path, expected: str = "a header row and one row per record") -> RawTable:
    """Read a CSV, XLSX or Parquet file with every value as text. The file is not changed.

    Rows with no value at all are left out (spreadsheets keep empty rows between blocks);
    ``source.rows`` keeps the row number of every record that stays, for messages.
    """
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        raise UserError(f"{name}: file not found")
    if path.is_dir():
        raise UserError(f"{name}: is a folder; give a file (.csv, .xlsx or .parquet)")
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        fmt, first_row, encoding = "csv", 2, None
        try:
            data = path.read_bytes()
        except OSError as e:
            raise _unreadable(name, "CSV", e.strerror or e) from None
        if not data.removeprefix(b"\xef\xbb\xbf").strip():
            raise UserError(f"{name}: " + _EMPTY.format(expected))
        encoding = detect_encoding(data, name)
        sep = "\t" if suffix == ".tsv" else ","
        frame = _read_csv_fast(data, encoding, sep)
        caught = []
        if frame is None:
            frame, caught = _read_csv_careful(data, encoding, sep, name)
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            # pandas dropped the value after the last column of some rows: fine for a
            # trailing separator, a lost value otherwise
            _check_extra_values(data.decode(encoding), sep, name)
    elif suffix in _XLSX_SUFFIXES:
        fmt, first_row, encoding = "xlsx", 2, None
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except (zipfile.BadZipFile, InvalidFileException, KeyError) as e:
            raise _unreadable(name, "XLSX", f"not an Excel workbook ({e})") from None
        except (ValueError, OSError) as e:
            raise _unreadable(name, "XLSX", e) from None
    elif suffix in _PARQUET_SUFFIXES:
        fmt, first_row, encoding = "parquet", 1, None
        try:
            frame = pd.read_parquet(path).astype("string")
        except (pa.ArrowException, ValueError, OSError) as e:
            raise _unreadable(name, "Parquet", e) from None
    else:
        hint = (
            "; old .xls workbooks: open in Excel/WPS and save as .xlsx"
            if suffix in {".xls", ".et"}
            else ""
        )
        raise UserError(
            f"{name}: unknown file type {suffix or '(no extension)'!r}; "
            f"accepted: .csv (UTF-8 or GBK), .xlsx, .parquet{hint}"
        )
    if len(frame.columns) == 0:
        raise UserError(f"{name}: " + _EMPTY.format(expected))
    frame, rows = _drop_empty_rows(frame, first_row)
    return RawTable(frame, Source(name, first_row, rows), fmt, encoding)


def _read_csv_fast(data: bytes, encoding: str, sep: str) -> pd.DataFrame | None:
    """pyarrow's multithreaded CSV reader, for the common case: UTF-8, no blank lines, every
    row as wide as the header. Anything else returns None and goes the careful way, which keeps
    blank lines for the row numbers and names the rows that do not fit."""
    if encoding not in ("utf-8", "utf-8-sig") or b"\n\n" in data or b"\n\r\n" in data:
        return None
    try:
        return pd.read_csv(
            io.BytesIO(data), engine="pyarrow", dtype=str, keep_default_na=False,
            encoding=encoding, sep=sep,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - any doubt: read it the careful way, which explains
        return None


def _read_csv_careful(data: bytes, encoding: str, sep: str, name: str):
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding,
                sep=sep, skipinitialspace=True,
                # a trailing comma on a line must not turn the ids into the index
                index_col=False,
                # a blank line is a row in Excel: keep it for the row numbers, drop it below
                skip_blank_lines=False,
            )  # fmt: skip
    except pd.errors.ParserError as e:
        _check_extra_values(data.decode(encoding), sep, name)
        raise _unreadable(name, "CSV", e) from None
    except (pd.errors.EmptyDataError, ValueError) as e:
        raise _unreadable(name, "CSV", e) from None
    return frame, caught


def _extra_values_issue(name: str, row: int, saw: int, expected: int) -> Issue:
    return Issue(
        name, row, None, None,
        f"has {saw} values but the header row has {expected} columns; a value that "
        "contains a comma must be in double quotes",
    )  # fmt: skip


def _check_extra_values(text: str, sep: str, name: str) -> None:
    """Refuse rows with a value beyond the header's last column (run only when pandas saw
    such a row: a slow pass over the file, in Python, to name every such row)."""
    records = enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1)
    _, header = next(records, (1, []))
    n_columns = len(header)
    issues = [
        _extra_values_issue(name, row, len(fields), n_columns)
        for row, fields in records
        if len(fields) > n_columns and any(f.strip() for f in fields[n_columns:])
    ]
    if issues:
        raise InputError(issues)


_EMPTY = "the file is empty; expected {}"
#: what an empty customers file is missing, said in the planner's words
CUSTOMERS_EXPECTED = (
    "a header row (客户编号 customer_id, 客户名称 name, 近12个月采购额 revenue_12m, …) and one "
    "row per customer"
)


def _drop_empty_rows(frame: pd.DataFrame, first_row: int) -> tuple[pd.DataFrame, np.ndarray]:
    def blank(values: pd.Series) -> np.ndarray:
        return (values.isna() | (values.astype("string").str.strip() == "")).to_numpy(
            dtype=bool, na_value=True
        )

    # a row is empty when every value is; look further only at rows still empty so far
    # (usually none after the first column)
    candidates = np.arange(len(frame))
    for i in range(frame.shape[1]):
        if len(candidates) == 0:
            break
        candidates = candidates[blank(frame.iloc[candidates, i])]
    empty = np.zeros(len(frame), dtype=bool)
    empty[candidates] = True
    rows = np.flatnonzero(~empty) + first_row
    if empty.any():
        frame = frame.loc[~empty].reset_index(drop=True)
    return frame, rows


def load_customers(path: str | Path, config: Config) -> pd.DataFrame:
    """Read and validate a customers file (domain.md §8) into the canonical frame.

    Raises
    ------
    UserError
        The file is missing, a folder, empty, or of an unknown type.
    InputError
        Every problem in the file at once, with row, column and value.
    """
    table = read_table(path, CUSTOMERS_EXPECTED)
    customers = parse_customers(
        table.frame,
        source=table.source,
        winback_worthy_default=config.segments.churned.winback_worthy_default,
    )
    if customers.empty:
        raise InputError(
            [Issue(table.source.name, None, None, None,
                   "the file has a header row but no customers below it")]
        )  # fmt: skip
    return customers


# ------------------------------------------------------------------------------- writing
@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside *target*; move it onto *target* only on success.

    >>> import tempfile, pathlib
    >>> t = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(t) as tmp:
    ...     _ = tmp.write_text("done")
    >>> t.read_text()
    'done'
    """
    target = Path(target)
    if not target.parent.is_dir():
        raise UserError(
            f"{display_path(target.parent)}: folder does not exist; create it or write elsewhere"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # a replaced file keeps its permissions; a new one gets the usual (umask) ones
        if target.exists():
            mode = target.stat().st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_csv(frame: pd.DataFrame, target: str | Path) -> Path:
    """Write CSV as UTF-8 with BOM (Excel and WPS then open Chinese text correctly)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return Path(target)


@contextlib.contextmanager
def staged_outputs(out_dir: str | Path) -> Iterator[Path]:
    """Write a set of output files into a staging folder; move them into *out_dir* only when
    every one of them was written.

    A failure half-way (a bad store, a full disk, Ctrl-C) leaves *out_dir* exactly as it was:
    no new CSV beside an old workbook. Each file is moved with an atomic rename.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = (stage / "a.csv").write_text("a")
    ...     (stage / "sub").mkdir()
    ...     _ = (stage / "sub" / "b.ics").write_text("b")
    >>> sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    ['a.csv', 'sub/b.ics']
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".revisitkit-staging-", dir=out_dir))
    try:
        yield stage
        for path in sorted(p for p in stage.rglob("*") if p.is_file()):
            target = out_dir / path.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
