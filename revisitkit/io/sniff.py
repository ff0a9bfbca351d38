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
from xml.sax.saxutils import unescape

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


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook, in the workbook's order."""

    name: str
    visible: bool
    member: str | None  # its XML inside the zip


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ACTIVE = re.compile(rb"<(?:\w+:)?workbookView\b[^>]*\bactiveTab=\"(\d+)\"")


def _attribute(tag: bytes, name: bytes) -> str | None:
    m = re.search(rb"\b" + name + rb'="([^"]*)"', tag)
    return m.group(1).decode("utf-8", "replace") if m else None


def workbook_sheets(path: Path) -> tuple[list[Sheet], int]:
    """The sheets of a workbook (name, visible, XML member) and the index of the one it opens
    on; ``([], 0)`` when the workbook cannot be read this way (pandas then says why)."""
    try:
        with zipfile.ZipFile(path) as book:
            workbook = book.read("xl/workbook.xml")
            rels = book.read("xl/_rels/workbook.xml.rels")
    except (zipfile.BadZipFile, KeyError, OSError):
        return [], 0
    targets = {}
    for rel in _REL.findall(rels):
        rid, target = _attribute(rel, b"Id"), _attribute(rel, b"Target")
        if rid and target:
            targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    sheets = []
    for tag in _SHEET_TAG.findall(workbook):
        rid = _attribute(tag, b"r:id")
        sheets.append(
            Sheet(
                unescape(_attribute(tag, b"name") or "", {"&quot;": '"', "&apos;": "'"}),
                (_attribute(tag, b"state") or "visible") == "visible",
                targets.get(rid) if rid else None,
            )
        )
    active = _ACTIVE.search(workbook)
    return sheets, int(active.group(1)) if active else 0


def sheet_facts(path: Path, member: str | None = None) -> SheetFacts:
    """Merged ranges and uncalculated formula cells of a workbook's sheet (*member*, by
    default the first). Reads the sheet's XML in pieces: a large sheet costs no extra memory."""
    merged: list[tuple[int, int, int, int]] = []
    uncalculated: list[str] = []
    if member is None:
        sheets, _ = workbook_sheets(path)
        member = sheets[0].member if sheets else None
    try:
        with zipfile.ZipFile(path) as book:
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


_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si>", re.DOTALL)
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.DOTALL)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def shared_text_fixes(path: Path) -> dict[str, str]:
    """What openpyxl reads of a workbook's escaped texts → what the cells really say.

    A workbook writes a CR as ``_x000D_`` and a literal ``_x000D_`` as ``_x005F_x000D_``.
    openpyxl drops every ``x005F_`` and unescapes nothing else, so both read as ``_x000D_``;
    this reads the shared strings' XML to tell them apart (a text openpyxl reads the same for
    two different cells is left out: it cannot be told apart).
    """
    try:
        with zipfile.ZipFile(path) as book:
            data = book.read("xl/sharedStrings.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    if b"_x" not in data:
        return {}
    fixes: dict[str, str] = {}
    ambiguous: set[str] = set()
    for si in _SI.findall(data):
        if b"_x" not in si:
            continue
        raw = unescape(b"".join(_T.findall(si)).decode("utf-8", "replace"))
        seen = raw.replace("x005F_", "")  # what openpyxl makes of it
        true = _OOXML_ESCAPE.sub(
            lambda m: "_" if m.group(1).upper() == "005F" else chr(int(m.group(1), 16)), raw
        )
        if seen in fixes and fixes[seen] != true:
            ambiguous.add(seen)
        fixes[seen] = true
    return {k: v for k, v in fixes.items() if k not in ambiguous and k != v}
