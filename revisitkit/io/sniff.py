"""What an input file really is, before it is read: its signature, and what a workbook hides.

A planner's file can be other than its name says: an .xlsx renamed .csv, Excel's "Unicode
text" (UTF-16) saved as .csv, a password-protected workbook, a European ``;``-separated export.
Reading such a file as what it claims gives nonsense ("required column missing") or a binary
dump. These checks look at the bytes first and say what the file is and what to do.

A workbook also keeps things pandas does not show: merged cells (only the top-left cell holds
the value) and formulas whose value was never calculated (an empty string to a reader). Those
are read from the sheet's XML here.

Example
-------
>>> file_kind(b"PK\\x03\\x04...")
'zip'
>>> file_kind("客户编号,客户名称".encode("utf-16"))
'utf-16'
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

#: what the first bytes say a file is
_SIGNATURES = (
    (b"PK\x03\x04", "zip"),  # .xlsx, .docx, any zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),  # .xls, or an encrypted .xlsx
    (b"PAR1", "parquet"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def file_kind(head: bytes) -> str:
    """``zip``, ``ole2``, ``parquet``, ``utf-16``, ``utf-32`` or ``text``, from the first bytes.

    UTF-16 without a byte-order mark is told by its NUL bytes: text in any 8-bit encoding has
    none, UTF-16 has one in every other byte of Latin text.
    """
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    sample = head[:4096]
    if sample and sample.count(b"\x00") * 4 >= len(sample):
        return "utf-16"
    return "text"


def not_csv_advice(kind: str) -> str | None:
    """What to tell a planner whose .csv is really a *kind* file (None: it is text)."""
    return {
        "zip": "is an Excel workbook (.xlsx) with a .csv name; rename it to .xlsx, or save it "
        "from Excel/WPS as 'CSV UTF-8 (comma delimited)'",
        "ole2": "is an Excel .xls workbook (or a password-protected one) with a .csv name; "
        "open it in Excel/WPS and save it as 'CSV UTF-8 (comma delimited)' or .xlsx",
        "parquet": "is a Parquet file with a .csv name; rename it to .parquet",
        "utf-16": "is UTF-16 text (what Excel saves as 'Unicode text'); save it from Excel/WPS "
        "as 'CSV UTF-8 (comma delimited)' or as .xlsx",
        "utf-32": "is UTF-32 text; save it as 'CSV UTF-8 (comma delimited)' or as .xlsx",
    }.get(kind)


ENCRYPTED_XLSX = (
    "is password-protected (encrypted), or an old .xls renamed .xlsx; open it in Excel/WPS, "
    "remove the password (File → Info → Protect Workbook; 文件 → 文档加密), and save it as .xlsx"
)


# ------------------------------------------------------------------------------ workbooks
@dataclass(frozen=True)
class SheetFacts:
    """What the first sheet of a workbook hides from pandas."""

    #: merged ranges as (first row, first column, last row, last column), 1-based
    merged: tuple[tuple[int, int, int, int], ...]
    #: cells (like ``"B5"``) that hold a formula and no calculated value
    uncalculated: tuple[str, ...]


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_REL = re.compile(rb"<Relationship\b[^>]*>")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
# a cell with a formula and no <v> before its end
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b[^>]*\br=\"([A-Z]+\d+)\"[^>]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)"
    rb"\s*(?:<(?:\w+:)?v\b[^>]*(?:/>|>\s*</(?:\w+:)?v>))?\s*</(?:\w+:)?c>"
)


def column_number(letters: bytes | str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27.

    >>> column_number("A"), column_number("AB")
    (1, 28)
    """
    text = letters.decode() if isinstance(letters, bytes) else letters
    n = 0
    for ch in text:
        n = n * 26 + ord(ch) - 64
    return n


def _first_sheet_member(book: zipfile.ZipFile) -> str | None:
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    first = _SHEET.search(workbook)
    if first is None:
        return None
    for rel in _REL.findall(rels):
        if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', rel):
            target = re.search(rb'\bTarget="([^"]+)"', rel)
            if target:
                path = target.group(1).decode()
                return path.lstrip("/") if path.startswith("/") else "xl/" + path
    return None


def sheet_facts(path: Path) -> SheetFacts:
    """Merged ranges and uncalculated formula cells of the workbook's first sheet (the one
    read). Reads the sheet's XML in pieces, so a large sheet costs no extra memory."""
    merged: list[tuple[int, int, int, int]] = []
    uncalculated: list[str] = []
    try:
        with zipfile.ZipFile(path) as book:
            member = _first_sheet_member(book)
            if member is None:
                return SheetFacts((), ())
            with book.open(member) as sheet:
                tail = b""
                while chunk := sheet.read(1 << 20):
                    text = tail + chunk
                    # a tag cut by the piece's end is read with the next piece
                    cut = text.rfind(b"<c ")
                    cut = max(cut, text.rfind(b"<mergeCell"), len(text) - 4096, 0)
                    body, tail = text[:cut], text[cut:]
                    uncalculated += [m.decode() for m in _FORMULA_CELL.findall(body)]
                    merged += [
                        (int(r1), column_number(c1), int(r2), column_number(c2))
                        for c1, r1, c2, r2 in _MERGE.findall(body)
                    ]
                uncalculated += [m.decode() for m in _FORMULA_CELL.findall(tail)]
                merged += [
                    (int(r1), column_number(c1), int(r2), column_number(c2))
                    for c1, r1, c2, r2 in _MERGE.findall(tail)
                ]
    except (zipfile.BadZipFile, KeyError, OSError):
        return SheetFacts((), ())
    return SheetFacts(tuple(merged), tuple(dict.fromkeys(uncalculated)))
