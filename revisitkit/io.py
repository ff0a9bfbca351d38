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
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as e:
        raise InputError(
            [Issue(name, None, None, None,
                   f"the file is neither UTF-8 nor GBK/GB18030 text (undecodable bytes at "
                   f"offset {e.start}); save it from Excel/WPS as 'CSV UTF-8' or as .xlsx")]
        ) from None  # fmt: skip


def read_table(path: str | Path) -> RawTable:
    """Read a CSV, XLSX or Parquet file with every value as text. The file is not changed."""
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        raise UserError(f"{name}: file not found")
    if path.is_dir():
        raise UserError(f"{name}: is a folder; give the customers file (.csv, .xlsx or .parquet)")
    suffix = path.suffix.lower()
    try:
        if suffix in _CSV_SUFFIXES:
            data = path.read_bytes()
            encoding = detect_encoding(data, name)
            sep = "\t" if suffix == ".tsv" else ","
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding=encoding, sep=sep,
                skipinitialspace=True,
            )  # fmt: skip
            return RawTable(frame, Source(name, 2), "csv", encoding)
        if suffix in _XLSX_SUFFIXES:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
            return RawTable(frame, Source(name, 2), "xlsx", None)
        if suffix in _PARQUET_SUFFIXES:
            frame = pd.read_parquet(path).astype("string")
            return RawTable(frame, Source(name, 1), "parquet", None)
    except InputError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as e:
        raise UserError(f"{name}: cannot be read as {suffix.lstrip('.').upper()}: {e}") from None
    raise UserError(
        f"{name}: unknown file type {suffix or '(no extension)'!r}; "
        "accepted: .csv (UTF-8 or GBK), .xlsx, .parquet"
    )


def load_customers(path: str | Path, config: Config) -> pd.DataFrame:
    """Read and validate a customers file (domain.md §8) into the canonical frame.

    Raises
    ------
    InputError
        Every problem in the file at once, with row, column and value.
    """
    table = read_table(path)
    return parse_customers(
        table.frame,
        source=table.source,
        winback_worthy_default=config.segments.churned.winback_worthy_default,
    )


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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_csv(frame: pd.DataFrame, target: str | Path) -> Path:
    """Write CSV as UTF-8 with BOM (Excel and WPS then open Chinese text correctly)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return Path(target)
