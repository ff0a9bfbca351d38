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
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException
from xlsxwriter.exceptions import XlsxWriterException

from revisitkit.config import Config, display_path
from revisitkit.errors import InputError, InputWarning, Issue, UserError
from revisitkit.schema import (
    CUSTOMER_COLUMNS,
    CUSTOMER_HEADER_INDEX,
    Source,
    norm_header,
    parse_customers,
)
from revisitkit.sniff import ENCRYPTED_XLSX, SheetFacts, file_kind, not_csv_advice, sheet_facts

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
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except (zipfile.BadZipFile, InvalidFileException, KeyError) as e:
            raise _unreadable(name, "XLSX", f"not an Excel workbook ({e})") from None
        except (ValueError, OSError) as e:
            raise _unreadable(name, "XLSX", e) from None
        facts = sheet_facts(path)
        _check_uncalculated(facts, name)
        frame, more = _fill_merged(frame, facts, name)
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
    # the kit's own CSVs mark text that would be a formula ('=…); read the text as written
    frame = _strip_inert_marks(frame)
    for text in warned:
        warnings.warn(InputWarning(text), stacklevel=2)
    return RawTable(frame, Source(name, first_row, rows), fmt, encoding, tuple(warned))


def _read_csv_fast(data: bytes, encoding: str, sep: str) -> pd.DataFrame | None:
    """pyarrow's multithreaded CSV reader, for the common case: UTF-8, no blank lines, every
    row as wide as the header. Anything else returns None and goes the careful way, which keeps
    blank lines for the row numbers and names the rows that do not fit."""
    blank_lines = (b"\n\n", b"\n\r\n", b"\r\r")  # pyarrow drops them, and the row numbers
    if encoding not in ("utf-8", "utf-8-sig") or any(b in data for b in blank_lines):
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
        with warnings.catch_warnings():
            # a value past the last column: _check_row_widths names the row
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding,
                sep=sep, skipinitialspace=True,
                # a trailing comma on a line must not turn the ids into the index
                index_col=False,
                # a blank line is a row in Excel: keep it for the row numbers, drop it below
                skip_blank_lines=False,
            )  # fmt: skip
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
            if any(_rare(m.group()[0] if ord(m.group()[0]) > 127 else m.group()[1])
                   for m in _MIXED.finditer(text)):  # fmt: skip
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
    import pyarrow.parquet as pq

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
        name, row, None, None,
        f"has {saw} values but the header row has {expected} columns; a value that "
        "contains a comma must be in double quotes",
    )  # fmt: skip


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
                Issue(name, row, None, None,
                      f"has {len(fields)} values but the header row has {n_columns} columns; "
                      "the row ends early (a line break inside a value must be in double "
                      "quotes); complete the row or delete it")
            )  # fmt: skip
        if len(issues) > InputError.SHOWN:
            break
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
    try:
        customers = parse_customers(
            table.frame,
            source=table.source,
            winback_worthy_default=config.segments.churned.winback_worthy_default,
            as_of=config.as_of(),
            money_ceiling=config.input.money_ceiling,
            max_cooperation_years=config.input.max_cooperation_years,
        )
    except InputError as e:
        if any("is missing; the file has" in i.problem for i in e.issues):
            hint = _header_hint(Path(path), table)
            if hint:
                raise InputError(
                    [*e.issues, Issue(table.source.name, None, None, None, hint)]
                ) from None
        raise

    if customers.empty:
        raise InputError(
            [Issue(table.source.name, None, None, None,
                   "the file has a header row but no customers below it")]
        )  # fmt: skip
    return customers


def _looks_like_header(values: list[object]) -> bool:
    """Whether a row holds the customers' headers (a required one and one more)."""
    names = {CUSTOMER_HEADER_INDEX.get(norm_header(v)) for v in values if isinstance(v, str)} - {
        None
    }
    required = {c.name for c in CUSTOMER_COLUMNS if c.required}
    return len(names) >= 2 and bool(names & required)


def _header_hint(path: Path, table: RawTable) -> str | None:
    """Where the header really is when row 1 is not it: a title above it, or another sheet."""
    head = table.frame.head(30)
    for i in range(len(head)):
        if _looks_like_header(list(head.iloc[i])):
            row = int(table.source.row_numbers(len(table.frame))[i])
            return (
                f"row {row} looks like the header row; delete the title rows above it so that "
                "the header is row 1"
            )
    if table.format != "xlsx":
        return None
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, nrows=30, dtype=str,
                               engine="openpyxl")  # fmt: skip
    except Exception:  # noqa: BLE001 - a hint only; the refusal stands as it is
        return None
    names = list(sheets)
    for sheet, frame in list(sheets.items())[1:]:
        for i in range(len(frame)):
            if _looks_like_header(list(frame.iloc[i])):
                return (
                    f"the first sheet ({names[0]!r}) is read, and sheet {sheet!r} has the "
                    "customers' columns; move that sheet to the front (or save it as a file of "
                    "its own)"
                )
    return None


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
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as e:
        raise _not_written(target, e) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except (OSError, XlsxWriterException) as e:  # a full disk, a read-only folder
            raise _not_written(target, e) from None
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


#: A text cell starting with one of these is run as a formula by Excel and WPS (OWASP's
#: CSV-injection list, domain.md §8): the kit writes such text with a leading ``'``.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_INERT_MARK = "'"
# text that already starts with the mark gets one more, so that reading back is exact
_MARKED_STARTS = (*FORMULA_STARTS, _INERT_MARK)


def inert_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose text values cannot become formulas when a spreadsheet opens it.

    A text value starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading ``'``
    (domain.md §8), and so does one that starts with ``'`` already; numbers, dates and other
    text stay as they are. :func:`read_table` strips the mark again, so the kit reads its own
    files back unchanged.

    >>> out = inert_text(pd.DataFrame({"t": ["=1+1", "-2", "ok", ""], "n": [-1, 2, 3, 4]}))
    >>> out["t"].tolist(), out["n"].tolist()
    (["'=1+1", "'-2", 'ok', ''], [-1, 2, 3, 4])
    """
    out = None
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        text = values.map(lambda v: isinstance(v, str) and v.startswith(_MARKED_STARTS))
        flagged = text.to_numpy(dtype=bool, na_value=False)
        if not flagged.any():
            continue
        if out is None:
            out = frame.copy()
        fixed = values.astype(object).copy()
        fixed[flagged] = _INERT_MARK + values[flagged].astype(object)
        out.isetitem(i, fixed)
    return frame if out is None else out


def _strip_inert_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`inert_text` on a table as read (every value text): ``'=x`` reads ``=x``."""
    starts = tuple(_INERT_MARK + c for c in _MARKED_STARTS)
    out = None
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        marked = values.str.startswith(starts).to_numpy(dtype=bool, na_value=False)
        if not marked.any():
            continue
        if out is None:
            out = frame.copy()
        out.isetitem(i, values.where(~marked, values.str.slice(1)))
    return frame if out is None else out


def _not_written(target: Path, e: Exception) -> UserError:
    cause = e.args[0] if isinstance(e, XlsxWriterException) and e.args else e
    why = getattr(cause, "strerror", None) or str(cause)
    return UserError(f"{display_path(target)}: could not be written ({why}); nothing was changed")


def write_csv(frame: pd.DataFrame, target: str | Path) -> Path:
    """Write CSV as UTF-8 with BOM (Excel and WPS then open Chinese text correctly), text
    made inert (:func:`inert_text`), atomically."""
    frame = inert_text(frame)
    with atomic_path(target) as tmp:
        # CRLF, as Excel writes: a CR inside a text is then quoted, never a line break
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d",
                     lineterminator="\r\n")  # fmt: skip
    return Path(target)


#: The most characters of text an Excel cell holds.
EXCEL_MAX_TEXT = 32_767


def excel_writer(path: str | Path, **kwargs) -> pd.ExcelWriter:
    """An xlsxwriter workbook that writes every text as text: never a formula, never a link.

    xlsxwriter turns a string starting with ``=`` into a formula and one that looks like a URL
    (``http://``, ``mailto:``, ``external:``) into a hyperlink; CRM text must stay inert.

    >>> import tempfile, pathlib, openpyxl
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> with excel_writer(p) as w:
    ...     pd.DataFrame({"t": ["=1+1", "http://x.example"]}).to_excel(w, index=False)
    >>> [(c.value, c.data_type, c.hyperlink) for c in openpyxl.load_workbook(p).active["A"][1:]]
    [('=1+1', 's', None), ('http://x.example', 's', None)]
    """
    options = {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": False}
    return pd.ExcelWriter(
        path,
        engine="xlsxwriter",
        datetime_format="yyyy-mm-dd",
        date_format="yyyy-mm-dd",
        engine_kwargs={"options": options},
        **kwargs,
    )


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit_cell(value: object) -> object:
    if not isinstance(value, str) or len(value) <= EXCEL_MAX_TEXT // 2:
        return value
    if _utf16_len(value) <= EXCEL_MAX_TEXT:
        return value
    cut = value[: EXCEL_MAX_TEXT - 1]
    while _utf16_len(cut) > EXCEL_MAX_TEXT - 1:  # characters beyond the BMP count twice
        cut = cut[: -max(1, (_utf16_len(cut) - EXCEL_MAX_TEXT + 1) // 2)]
    return cut + "…"


def excel_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose texts fit an Excel cell (32,767 characters): a longer one is
    cut and ends in ``…``, so the cut shows (xlsxwriter would cut it silently and warn).

    >>> cell = excel_text(pd.DataFrame({"t": ["x" * 40_000]}))["t"][0]
    >>> len(cell), cell[-1]
    (32767, '…')
    """
    out = None
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        fitted = values.astype(object).map(_fit_cell)
        if fitted.equals(values.astype(object)):
            continue
        if out is None:
            out = frame.copy()
        out.isetitem(i, fitted)
    return frame if out is None else out


# ------------------------------------------------------------------ output folders
_STAGING_PREFIX = ".revisitkit-staging-"
_JOURNAL = "journal.json"
_NEW, _OLD = "new", "old"
#: characters Windows does not allow in a file name (and ``/``, Linux's own)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}  # fmt: skip
_NAME_LENGTH = 100


def safe_file_names(keys: Iterable[str], suffix: str = "") -> dict[str, str]:
    """A file name per key (a staff id, say) that is safe on Linux and Windows, and unique.

    Data never becomes a path: ``/``, ``\\``, ``..``, ``:`` and the other characters Windows
    refuses become ``_``; a name Windows reserves (``CON``, ``COM1``…) gets a ``_``; a leading
    dot (a hidden file) becomes ``_``; a name longer than 100 characters is cut. Two keys
    whose names would be the same, or differ only in case (one file on Windows and macOS),
    get ``~2``, ``~3``… in the order given.

    >>> safe_file_names(["S001", "../../X", "/abs/p", "BJ/003", "con", "s001"], ".ics")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'S001': 'S001.ics', '../../X': '___.._X.ics', '/abs/p': '_abs_p.ics', 'BJ/003': 'BJ_003.ics',
     'con': 'con_.ics', 's001': 's001~2.ics'}
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = _UNSAFE.sub("_", str(key)).strip(" ")
        base = re.sub(r"^\.+", lambda m: "_" * len(m.group()), base).rstrip(". ") or "_"
        base = base[:_NAME_LENGTH]
        if base.split(".")[0].upper() in _RESERVED:
            base += "_"
        name, n = base, 1
        while (name + suffix).lower() in taken:
            n += 1
            name = f"{base}~{n}"
        taken.add((name + suffix).lower())
        names[key] = name + suffix
    return names


def _manifest_name(kind: str) -> str:
    return f".revisitkit-{kind}.json"


def read_manifest(out_dir: Path, kind: str) -> list[str] | None:
    """The files the kit's last *kind* run wrote into *out_dir* (relative paths), or None when
    it has no manifest there. Entries that are not plain relative paths are ignored."""
    path = Path(out_dir) / _manifest_name(kind)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [f for f in files if isinstance(f, str) and _inside(f)]


def _inside(rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and "\\" not in rel


@contextlib.contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """One kit run at a time writes into a folder (a killed run's lock goes with it)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks on folders; runs are not serialised
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"{display_path(out_dir)}: another revisitkit run is writing into this folder; "
                "wait for it to finish, or choose another folder"
            ) from None
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Ctrl-C, ``kill`` and a closed terminal wait until the block is done (then act)."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    wanted = [signal.SIGINT] + [
        getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)
    ]
    previous = {s: signal.signal(s, lambda signum, _f: caught.append(signum)) for s in wanted}
    try:
        yield caught
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _rollback(stage: Path, out_dir: Path, journal: dict) -> None:
    """Put *out_dir* back as it was before the swap the journal describes (any part done)."""
    for rel in journal.get("new", []):
        target, new, old = out_dir / rel, stage / _NEW / rel, stage / _OLD / rel
        if not new.exists() and target.exists():  # the new file was moved in: take it out
            new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, new)
        if old.exists() and not target.exists():  # the old file was moved aside: put it back
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
    for rel in journal.get("stale", []):
        target, old = out_dir / rel, stage / _OLD / rel
        if old.exists() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)


def recover_outputs(out_dir: str | Path) -> int:
    """Undo what a killed kit run left in *out_dir*: a swap cut off half-way is rolled back to
    the previous files, and staging folders are removed. Returns how many were cleaned up;
    0 when another kit run is writing into the folder right now (it is not disturbed)."""
    out_dir = Path(out_dir)
    try:
        with _folder_lock(out_dir):
            return _recover(out_dir)
    except UserError:  # busy: a live run, whose staging folder is its own
        return 0


def _recover(out_dir: Path) -> int:
    cleaned = 0
    for stage in sorted(out_dir.glob(_STAGING_PREFIX + "*")):
        if not stage.is_dir():
            continue
        journal_path = stage / _JOURNAL
        if journal_path.is_file():
            try:
                journal = json.loads(journal_path.read_text(encoding="utf-8"))
            except ValueError:  # the journal is written atomically: a torn one is not ours
                journal = {}
            _rollback(stage, out_dir, journal)
        shutil.rmtree(stage, ignore_errors=True)
        cleaned += 1
    return cleaned


@contextlib.contextmanager
def staged_outputs(
    out_dir: str | Path,
    *,
    manifest: str | None = None,
    previous: Iterable[str] = (),
) -> Iterator[Path]:
    """Write a set of output files into a staging folder; put them into *out_dir* only when
    every one of them was written, all at once: the folder then holds the previous set or the
    new one, never a mix.

    The swap moves each previous file aside before the new one takes its name; if any move
    fails (a file open in Excel on Windows, a folder where a file should go) every step is
    undone and the previous files stay. Ctrl-C, ``kill`` and a closed terminal wait for the
    swap to finish. A run killed with ``kill -9`` mid-swap leaves a journal; the next kit run
    into the folder (:func:`recover_outputs`) rolls it back, and removes staging folders.

    With *manifest* (``"plan"``) the folder keeps a list of the files this kind of run wrote
    (``.revisitkit-plan.json``): files of the previous run that the new one does not write
    (a calendar of someone no longer on the roster) are removed; files not on the list are the
    user's and are never touched. *previous* names the files of a folder written before
    manifests existed (glob patterns relative to *out_dir*).

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out, manifest="plan") as stage:
    ...     _ = (stage / "a.csv").write_text("a")
    ...     (stage / "sub").mkdir()
    ...     _ = (stage / "sub" / "b.ics").write_text("b")
    >>> _ = (out / "notes.txt").write_text("mine")
    >>> with staged_outputs(out, manifest="plan") as stage:
    ...     _ = (stage / "a.csv").write_text("a2")
    >>> sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    ['.revisitkit-plan.json', 'a.csv', 'notes.txt']
    """
    out_dir = Path(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    done = False
    try:
        with _folder_lock(out_dir):
            _recover(out_dir)
            stage = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))
            try:
                (stage / _NEW).mkdir()
                try:
                    yield stage / _NEW
                except UserError as e:  # say where the file would go, not the staging folder
                    raise UserError(
                        str(e).replace(display_path(stage / _NEW), display_path(out_dir))
                    ) from None
                _swap(stage, out_dir, manifest, previous)
                done = True
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    finally:
        if created and not done:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # a failed first run leaves no empty folder behind


def _swap(stage: Path, out_dir: Path, manifest: str | None, previous: Iterable[str]) -> None:
    new_root = stage / _NEW
    for path in new_root.rglob("*"):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise UserError(f"{display_path(path)}: not a plain file; nothing was written")
    new = sorted(
        str(p.relative_to(new_root).as_posix()) for p in new_root.rglob("*") if p.is_file()
    )
    stale: list[str] = []
    if manifest is not None:
        before = read_manifest(out_dir, manifest)
        if before is None:
            before = sorted(
                str(p.relative_to(out_dir).as_posix())
                for pattern in previous
                for p in out_dir.glob(pattern)
            )
        stale = sorted(
            rel for rel in set(before) - set(new)
            if (out_dir / rel).is_file() and not (out_dir / rel).is_symlink()
        )  # fmt: skip
        name = _manifest_name(manifest)
        (new_root / name).write_text(
            json.dumps({"written_by": "revisitkit", "files": new}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        new.append(name)
    for rel in new:
        target = out_dir / rel
        if target.is_dir() and not target.is_symlink():
            raise UserError(
                f"{display_path(target)}: is a folder where the output file should go; move or "
                "rename it and run again (nothing was changed)"
            )
        for parent in target.parents:
            if parent == out_dir:
                break
            if parent.exists() and not parent.is_dir():
                raise UserError(
                    f"{display_path(parent)}: is a file where the output folder should go; move "
                    "or rename it and run again (nothing was changed)"
                )
    journal = {"new": new, "stale": stale}
    tmp = stage / (_JOURNAL + ".part")
    tmp.write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    with _signals_deferred() as caught:
        os.replace(tmp, stage / _JOURNAL)
        step = ""
        try:
            for rel in new:
                target, staged, old = out_dir / rel, new_root / rel, stage / _OLD / rel
                step = rel
                if target.exists() or target.is_symlink():
                    old.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, old)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
            for rel in stale:
                step = rel
                old = stage / _OLD / rel
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(out_dir / rel, old)
        except OSError as e:
            _rollback(stage, out_dir, journal)
            (stage / _JOURNAL).unlink()
            raise UserError(
                f"{display_path(out_dir / step)}: could not be replaced ({e.strerror or e}; is "
                "it open in Excel or WPS? close it and run again); the folder keeps the "
                "previous files, nothing was changed"
            ) from None
        (stage / _JOURNAL).unlink()  # the commit: from here the new set is the folder's
        for rel in stale:  # folders the removed files leave empty
            for parent in (out_dir / rel).parents:
                if parent == out_dir:
                    break
                with contextlib.suppress(OSError):
                    parent.rmdir()
    if caught:
        raise KeyboardInterrupt
