"""Reading what planners have: every table as text, and a clear message for a file that is
not what its name says.

Inputs are read-only: CSV in UTF-8 (with or without BOM) or GBK/GB18030 — detected from the
bytes, not asked of the user — XLSX and Parquet. What a file really is is looked at first
(:mod:`revisitkit.io.sniff`); rows with no value are left out, but every record keeps the row a
spreadsheet shows for it, for messages.

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

import csv
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.utils.exceptions import InvalidFileException

from revisitkit.config import display_path
from revisitkit.errors import InputError, InputWarning, Issue, UserError
from revisitkit.io.sniff import (
    ENCRYPTED_XLSX,
    SheetFacts,
    file_kind,
    not_csv_advice,
    shared_text_fixes,
    sheet_facts,
    workbook_sheets,
)
from revisitkit.io.write import strip_inert_marks
from revisitkit.schema import Source

__all__ = ["RawTable", "detect_encoding", "file_sha256", "read_table"]

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
    #: what was read but should be checked (merged cells filled, a doubtful encoding)
    warnings: tuple[str, ...] = ()


def detect_encoding(data: bytes, name: str, sep: str = ",") -> str:
    """Tell UTF-8 (with or without BOM) from GBK/GB18030 by decoding strictly.

    UTF-8 is self-checking: Chinese text in GBK practically never decodes as UTF-8, so a strict
    UTF-8 decode that succeeds is UTF-8. GB18030 is a superset of GBK and GB2312. A file that
    is neither is refused with the row and column of the first bad byte, never the line itself
    (it may hold a phone number or an email).

    >>> detect_encoding("客户".encode("gbk"), "x.csv")
    'gb18030'
    >>> detect_encoding("\\ufeff客户".encode("utf-8"), "x.csv")
    'utf-8-sig'
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8-sig" if bom else "utf-8")
        return "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    body = data[3:] if bom else data
    try:
        body.decode("gb18030")
        gbk_error = None
    except UnicodeDecodeError as e:
        gbk_error = e
    if gbk_error is None and not bom:
        return "gb18030"
    if gbk_error is None:  # a UTF-8 mark in front of GBK text: a tool re-saved it half-way
        at = utf8_error.start + (3 if utf8_error.start < len(body) else 0)
        problem = (
            "the file starts with the UTF-8 mark (BOM) but its text is GBK; save it again "
            "from Excel/WPS as 'CSV UTF-8', or as .xlsx"
        )
    else:
        # the encoding that got further is the one the file was meant to be in
        at = max(utf8_error.start, gbk_error.start + (3 if bom else 0))
        problem = (
            f"byte 0x{data[at]:02X} at file offset {at} is neither UTF-8 nor GBK/GB18030 "
            "text; save the file from Excel/WPS as 'CSV UTF-8' or as .xlsx"
        )
    row, column = _position(data, at, sep)
    raise InputError([Issue(name, row, column, None, problem)]) from None


def _position(data: bytes, at: int, sep: str) -> tuple[int, str | None]:
    """The spreadsheet row of byte *at*, and the header of its column (a header is no one's
    personal data; the value is not shown)."""
    row = data.count(b"\n", 0, at) + 1
    header_end = data.find(b"\n")
    header = data[: header_end if header_end >= 0 else len(data)].removeprefix(b"\xef\xbb\xbf")
    headers = next(csv.reader([header.decode("utf-8", "replace").rstrip("\r")], delimiter=sep), [])
    line_start = data.rfind(b"\n", 0, at) + 1
    before = data[line_start:at].decode("utf-8", "replace")
    index = next(csv.reader([before + "x"], delimiter=sep), [""]).__len__() - 1
    column = headers[index] if row > 1 and 0 <= index < len(headers) else None
    return row, column


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
    warned: list[str] = []
    if suffix in _CSV_SUFFIXES:
        fmt, first_row, encoding = "csv", 2, None
        try:
            data = path.read_bytes()
        except OSError as e:
            raise _unreadable(name, "CSV", e.strerror or e) from None
        if not data.removeprefix(b"\xef\xbb\xbf").strip():
            raise UserError(f"{name}: " + _EMPTY.format(expected))
        advice = not_csv_advice(file_kind(data[:4096]))
        if advice:
            raise UserError(f"{name}: {advice}")
        sep = "\t" if suffix == ".tsv" else ","
        encoding = detect_encoding(data, name, sep)
        frame = _read_csv_fast(data, encoding, sep)
        if frame is None:
            frame = _read_csv_careful(data, encoding, sep, name)
            # pandas fills a short row with "" and drops a value past the header's last
            # column: both lose data, so the careful way counts every row's values
            _check_row_widths(data.decode(encoding), sep, name)
        _check_separator(frame, name, sep)
        if encoding == "gb18030":
            warned += _latin1_warnings(frame, name)
    elif suffix in _XLSX_SUFFIXES:
        fmt, first_row, encoding = "xlsx", 2, None
        try:
            with path.open("rb") as f:
                kind = file_kind(f.read(8))
        except OSError as e:
            raise _unreadable(name, "XLSX", e.strerror or e) from None
        if kind == "ole2":
            raise UserError(f"{name}: {ENCRYPTED_XLSX}")
        sheet, member, more = _choose_sheet(path, name)
        warned += more
        try:
            frame = pd.read_excel(
                path, sheet_name=sheet, dtype=str, keep_default_na=False, engine="openpyxl"
            )
        except (zipfile.BadZipFile, InvalidFileException, KeyError) as e:
            raise _unreadable(name, "XLSX", f"not an Excel workbook ({e})") from None
        except (ValueError, OSError) as e:
            raise _unreadable(name, "XLSX", e) from None
        facts = sheet_facts(path, member)
        _check_uncalculated(facts, name)
        frame, more = _fill_merged(_unescape_xlsx(frame, shared_text_fixes(path)), facts, name)
        warned += more
    elif suffix in _PARQUET_SUFFIXES:
        fmt, first_row, encoding = "parquet", 1, None
        _check_parquet_columns(path, name)
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
    if fmt == "csv":  # the kit's own CSVs mark text that would be a formula ('=…); unmark it
        frame = strip_inert_marks(frame)
    for text in warned:
        warnings.warn(InputWarning(text), stacklevel=2)
    return RawTable(frame, Source(name, first_row, rows), fmt, encoding, tuple(warned))


def _choose_sheet(path: Path, name: str) -> tuple[int, str | None, list[str]]:
    """The sheet to read: the first visible one (a hidden sheet is no one's data), with a
    warning when the workbook opens on another sheet than the one read."""
    sheets, active = workbook_sheets(path)
    if not sheets:
        return 0, None, []
    visible = [i for i, sh in enumerate(sheets) if sh.visible]
    if not visible:
        raise UserError(f"{name}: every sheet of the workbook is hidden; unhide the data sheet")
    chosen = visible[0]
    said = []
    if chosen != 0:
        hidden = ", ".join(repr(sh.name) for sh in sheets[:chosen])
        said.append(f"{name}: hidden sheet(s) {hidden} skipped; sheet {sheets[chosen].name!r} read")
    if active != chosen and 0 <= active < len(sheets) and sheets[active].visible:
        said.append(
            f"{name}: sheet {sheets[chosen].name!r} was read (the first visible one), but the "
            f"workbook opens on sheet {sheets[active].name!r}; if that one holds the data, move "
            "it to the front"
        )
    return chosen, sheets[chosen].member, said


def _unescape_xlsx(frame: pd.DataFrame, fixes: dict[str, str]) -> pd.DataFrame:
    """Undo the workbook's escapes of control characters (``_x000D_`` is a CR, as Excel and
    xlsxwriter write it), which openpyxl leaves in the text (see ``shared_text_fixes``)."""
    if not fixes:
        return frame
    out = None
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        hit = values.isin(list(fixes)).to_numpy(dtype=bool, na_value=False)
        if not hit.any():
            continue
        if out is None:
            out = frame.copy()
        fixed = values.astype(object).copy()
        fixed[hit] = values[hit].map(fixes)
        out.isetitem(i, fixed.astype(values.dtype))
    return frame if out is None else out


def _read_csv_fast(data: bytes, encoding: str, sep: str) -> pd.DataFrame | None:
    """pyarrow's multithreaded CSV reader, for the common case: UTF-8, no blank lines, every
    row as wide as the header. Anything else returns None and goes the careful way, which keeps
    blank lines for the row numbers and names the rows that do not fit."""
    blank_lines = (b"\n\n", b"\n\r\n", b"\r\r")  # pyarrow drops them, and the row numbers
    if encoding not in ("utf-8", "utf-8-sig") or any(b in data for b in blank_lines):
        return None
    try:
        return pd.read_csv(
            io.BytesIO(data),
            engine="pyarrow",
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            sep=sep,
        )
    except Exception:  # noqa: BLE001 - any doubt: read it the careful way, which explains
        return None


def _read_csv_careful(data: bytes, encoding: str, sep: str, name: str):
    try:
        with warnings.catch_warnings():
            # a value past the last column: _check_row_widths names the row
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                sep=sep,
                skipinitialspace=True,
                # a trailing comma on a line must not turn the ids into the index
                index_col=False,
                # a blank line is a row in Excel: keep it for the row numbers, drop it below
                skip_blank_lines=False,
            )
    except pd.errors.ParserError as e:
        _check_row_widths(data.decode(encoding), sep, name)
        raise _unreadable(name, "CSV", e) from None
    except (pd.errors.EmptyDataError, ValueError) as e:
        raise _unreadable(name, "CSV", e) from None
    return frame


def _check_separator(frame: pd.DataFrame, name: str, sep: str) -> None:
    """A one-column table whose header holds another separator was split on the wrong one."""
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    for other, word in ((";", "semicolons (;)"), ("\t", "tabs"), ("|", "bars (|)")):
        if other != sep and other in header:
            raise UserError(
                f"{name}: the values are separated by {word}, not commas; save the file from "
                "Excel/WPS as 'CSV UTF-8 (comma delimited)', or as .xlsx"
            )


#: CJK characters outside GB2312's 6,763 common ones, next to a Latin letter: what a Latin-1
#: file (ü, é, ö) looks like when read as GBK (Müller → M黮ler)
_MIXED = re.compile(r"[A-Za-z][\u3400-\u9fff]|[\u3400-\u9fff][A-Za-z]")


def _rare(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return False
    except UnicodeEncodeError:
        return True


def _latin1_warnings(frame: pd.DataFrame, name: str) -> list[str]:
    rows: list[int] = []
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i].astype("string")
        hits = values.str.contains(_MIXED, regex=True).to_numpy(dtype=bool, na_value=False)
        for j in np.flatnonzero(hits):
            text = str(values.iloc[j])
            if any(
                _rare(m.group()[0] if ord(m.group()[0]) > 127 else m.group()[1])
                for m in _MIXED.finditer(text)
            ):
                rows.append(int(j) + 2)
    if not rows:
        return []
    shown = ", ".join(map(str, sorted(set(rows))[:10])) + (" …" if len(set(rows)) > 10 else "")
    return [
        f"{name}: read as GBK, but row(s) {shown} mix Latin letters with rare Chinese "
        "characters, as a Latin-1/Windows-1252 file (ü, é) read as GBK looks; if names look "
        "garbled, save the file from Excel/WPS as 'CSV UTF-8'"
    ]


def _check_uncalculated(facts: SheetFacts, name: str) -> None:
    if facts.uncalculated:
        cells = ", ".join(facts.uncalculated[:10]) + (" …" if len(facts.uncalculated) > 10 else "")
        raise UserError(
            f"{name}: cell(s) {cells} hold a formula that was never calculated (the file has no "
            "value for it); open the file in Excel/WPS, let it calculate, save it, and load it "
            "again (or paste the values as values)"
        )


def _fill_merged(
    frame: pd.DataFrame, facts: SheetFacts, name: str
) -> tuple[pd.DataFrame, list[str]]:
    """A merged range holds its value in its top-left cell only: give it to every row of the
    range, and say so (rows 1 = the header)."""
    said: list[str] = []
    out = None
    for r1, c1, r2, c2 in facts.merged:
        if r2 <= 1 or r1 < 2 or c1 > frame.shape[1]:
            continue  # a merged header cell, or beyond the table
        first, last = r1 - 2, min(r2 - 2, len(frame) - 1)
        if first > last or first >= len(frame):
            continue
        if out is None:
            out = frame.copy()
        for c in range(c1 - 1, min(c2, frame.shape[1])):
            value = out.iat[first, c]
            for r in range(first, last + 1):
                out.iat[r, c] = value
        said.append(f"{_cell_name(c1, r1)}:{_cell_name(c2, r2)} (rows {r1}–{r2})")
    if not said:
        return frame, []
    shown = ", ".join(said[:10]) + (" …" if len(said) > 10 else "")
    return out, [
        f"{name}: merged cells {shown}: the value of each range's first cell was used for every "
        "row of the range; check that it is meant for all of them"
    ]


def _cell_name(column: int, row: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _check_parquet_columns(path: Path, name: str) -> None:
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError, ValueError) as e:
        raise _unreadable(name, "Parquet", e) from None
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UserError(
            f"{name}: column(s) {', '.join(map(repr, twice))} appear more than once; keep one "
            "column of each name"
        )


def _extra_values_issue(name: str, row: int, saw: int, expected: int) -> Issue:
    return Issue(
        name,
        row,
        None,
        None,
        f"has {saw} values but the header row has {expected} columns; a value that "
        "contains a comma must be in double quotes",
    )


def _check_row_widths(text: str, sep: str, name: str) -> None:
    """Refuse rows with a value beyond the header's last column, and rows with fewer values
    than the header (a row that ends early: a customer whose last columns are missing would
    silently change priority). A blank line, and trailing empty values, are fine."""
    # newline="": the reader itself ends records at CR, LF or CRLF (CR-only files too)
    records = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sep), start=1)
    _, header = next(records, (1, []))
    n_columns = len(header)
    issues = []
    for row, fields in records:
        if len(fields) > n_columns and any(f.strip() for f in fields[n_columns:]):
            issues.append(_extra_values_issue(name, row, len(fields), n_columns))
        elif len(fields) < n_columns and n_columns > 1 and any(f.strip() for f in fields):
            issues.append(
                Issue(
                    name,
                    row,
                    None,
                    None,
                    f"has {len(fields)} values but the header row has {n_columns} columns; "
                    "the row ends early (a line break inside a value must be in double "
                    "quotes); complete the row or delete it",
                )
            )
        if len(issues) > InputError.SHOWN:
            break
    if issues:
        raise InputError(issues)


_EMPTY = "the file is empty; expected {}"


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


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hex (what an import log records of the file it read).

    Raises
    ------
    OSError
        The file cannot be read.
    """
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
