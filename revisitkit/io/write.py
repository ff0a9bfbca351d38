"""Writing what planners open, without ever losing their files.

Outputs are written atomically (:func:`atomic_path`): each file is written beside its final
name and moved into place only when complete, so an interrupted run leaves the previous file,
never half of a new one. CSV is UTF-8 with BOM, so Excel and WPS open Chinese text correctly;
text that a spreadsheet would run as a formula is made inert (:func:`inert_text`); workbooks
write every text as text (:func:`excel_writer`) and cut what does not fit a cell
(:func:`excel_text`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.exceptions import XlsxWriterException

from revisitkit.config import display_path
from revisitkit.errors import UserError
from revisitkit.schema import RISK_HEADERS_ZH

__all__ = [
    "EXCEL_MAX_ROWS",
    "EXCEL_MAX_TEXT",
    "FORMULA_STARTS",
    "RISK_SHEET",
    "atomic_path",
    "excel_text",
    "excel_writer",
    "inert_text",
    "strip_inert_marks",
    "write_csv",
    "write_risk_sheet",
]

#: The row limit of an Excel worksheet (header included).
EXCEL_MAX_ROWS = 1_048_576


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
    text stay as they are. :func:`~revisitkit.io.read_table` strips the mark again, so the kit reads its own
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
        # each distinct text checked once (hashed): many rows, far fewer values
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        marked = [isinstance(v, str) and v.startswith(_MARKED_STARTS) for v in uniques]
        flagged = np.array([*marked, False], dtype=bool)[codes]
        if not flagged.any():
            continue
        if out is None:
            out = frame.copy()
        fixed = values.astype(object).copy()
        fixed[flagged] = _INERT_MARK + values[flagged].astype(object)
        out.isetitem(i, fixed)
    return frame if out is None else out


def strip_inert_marks(frame: pd.DataFrame) -> pd.DataFrame:
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
        frame.to_csv(
            tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", lineterminator="\r\n"
        )
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
    formats = {"datetime_format": "yyyy-mm-dd", "date_format": "yyyy-mm-dd"}
    return pd.ExcelWriter(
        path, engine="xlsxwriter", engine_kwargs={"options": options}, **{**formats, **kwargs}
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


#: The sheet name of the register in workbooks (the register's export, and plan.xlsx).
RISK_SHEET = "风险 Risks"


def write_risk_sheet(writer: pd.ExcelWriter, register: pd.DataFrame) -> None:
    """The register as sheet ``风险 Risks`` of an open xlsxwriter workbook, Chinese headers."""
    frame = excel_text(register.rename(columns=RISK_HEADERS_ZH))
    frame.to_excel(writer, sheet_name=RISK_SHEET, index=False)
    sheet = writer.sheets[RISK_SHEET]
    sheet.freeze_panes(1, 4)
    sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    sheet.set_column(0, len(frame.columns) - 1, 14)
