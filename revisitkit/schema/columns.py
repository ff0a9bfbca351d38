"""What every input table shares: its columns, its headers, its cells, and where a problem is.

The contracts of :mod:`revisitkit.schema` are built from the pieces here: the columns of a
table (:class:`Column`: the customers, roster and outcomes files), header normalisation and the
check for missing and repeated columns (:func:`norm_header`, :func:`header_index`,
:func:`header_issues`), vectorised cell parsing (:func:`blank_mask`, :func:`to_float`,
:func:`parse_money`, :func:`parse_count`, :func:`parse_dates`), the place of a problem in the
file (:class:`Source`) and the cap on how many problems a column lists (:func:`capped_issues`).
:func:`map_groups` gives a region its cluster and an industry its group, as the config says
(for the customers and the roster alike).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revisitkit.config import Config
from revisitkit.errors import Issue

__all__ = [
    "DATE_RANGE",
    "EXPECTED",
    "FLAG_VALUES",
    "MAX_COUNT",
    "MAX_ISSUES_PER_COLUMN",
    "Column",
    "Source",
    "blank_mask",
    "capped_issues",
    "header_index",
    "header_issues",
    "map_groups",
    "norm_header",
    "parse_count",
    "parse_date_text",
    "parse_dates",
    "parse_money",
    "to_float",
]


@dataclass(frozen=True)
class Column:
    """One column of an input table: canonical name, Chinese header, kind, whether required."""

    name: str
    zh: str
    # customers: text | money | count | rank | date | status | flag | business_type;
    # roster: role | hours | date_range | date_list; outcomes: channel | score | nps
    kind: str
    required: bool = False
    personal: bool = False
    aliases: tuple[str, ...] = ()


#: Accepted spellings of a yes/no cell (lower-cased, spaces removed) → the flag.
FLAG_VALUES = {
    **dict.fromkeys(("true", "yes", "y", "1", "是", "有", "√"), True),
    **dict.fromkeys(("false", "no", "n", "0", "否", "无", "×"), False),
}

EXPECTED = {
    "money": "a number ≥ 0 in CNY, like 1200000, 1,200,000.50, ¥1,200 or 1200元 (a comma only "
    "between groups of three digits)",
    "count": "a whole number ≥ 0",
    "rank": "a whole number ≥ 1",
    "date": "a date between 1900 and 2199 like 2026-12-01, 2026/12/01 or 2026年12月1日",
    "status": "active/合作中 or terminated/已终止 (empty means active)",
    "flag": "是/否, yes/no, true/false or 1/0",
    "business_type": "product/产品, service/服务 or project/项目",
}


def norm_header(h: object) -> str:
    return re.sub(r"[\s_\-（）()]+", "", str(h)).lstrip("\ufeff").lower()


# ------------------------------------------------------------------------------- parsing
def _arrow_text(s: pd.Series) -> pa.Array:
    """The column as trimmed Arrow strings, blanks as nulls (vectorized in Arrow's C++)."""
    arr = pc.utf8_trim_whitespace(pa.array(s.astype("string"), from_pandas=True))
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)


def blank_mask(s: pd.Series) -> pd.Series:
    return pd.Series(pc.is_null(_arrow_text(s)).to_numpy(zero_copy_only=False), index=s.index)


def to_float(s: pd.Series) -> pd.Series:
    try:
        # the whole column at once in Arrow; a single odd value sends it the slow way
        cast = pc.cast(_arrow_text(s), pa.float64())
        return pd.Series(cast.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        num = pd.to_numeric(s, errors="coerce")
        return pd.Series(num.to_numpy(dtype="float64", na_value=np.nan), index=s.index)


_GROUPED = r"[+\-]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?"


def parse_money(s: pd.Series) -> pd.Series:
    text = s.astype("string")
    num = to_float(text)
    # only what is not a plain number goes through the (slower) clean-up of separators
    retry = (num.isna() & text.notna()).to_numpy(dtype=bool)
    if retry.any():
        cleaned = text[retry].str.replace(r"[\s¥￥元]", "", regex=True)
        # a comma only between groups of three digits: 1,200,000.50; never 1,2,3 or the
        # European 1.000,50 (which would read as 1.0005)
        grouped = cleaned.str.fullmatch(_GROUPED).fillna(False).to_numpy(dtype=bool)
        cleaned = cleaned.where(grouped | ~cleaned.str.contains("[,，]", regex=True).fillna(False))
        num[retry] = to_float(cleaned.str.replace("[,，]", "", regex=True)).to_numpy()
    # "inf" and "nan" are numbers to to_numeric, but no amount of money; -0 is 0
    return num.where(np.isfinite(num)) + 0.0


#: Counts above this are not counts of anything a CRM holds (and lose precision as floats).
MAX_COUNT = 2**53


def parse_count(s: pd.Series) -> pd.Series:
    num = parse_money(s)
    # 2^53 and beyond: a float can no longer tell 9007199254740993 from ...992
    whole = num.where((num.fillna(0) % 1 == 0) & (num.abs() < MAX_COUNT))
    return whole.astype("Int64")


#: Any accepted date form: ISO, 2026/12/01, 2026.12.1, 2026年12月1日, 20261201; a time of day
#: and a UTC offset after it (as Excel and databases export) are allowed and ignored.
_ANY_DATE = re.compile(
    r"^(\d{4})\s*(?:[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+\-]\d{2}:?\d{2})?$"
)


#: Dates a CRM export can sensibly hold; sentinels like 9999-12-31 or 0001-01-01 are refused
#: (they would also overflow pandas' nanosecond dates).
DATE_RANGE = ("1900-01-01", "2199-12-31")


def _in_range(iso: pd.Series) -> pd.Series:
    """Keep ISO date strings inside DATE_RANGE (string order is date order for YYYY-MM-DD)."""
    return iso.where((iso >= DATE_RANGE[0]) & (iso <= DATE_RANGE[1]))


def parse_dates(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.strip()
    # the common case, exactly 2026-12-01, in C; everything else through one regex
    plain = _in_range(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)))
    out = pd.to_datetime(plain, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    retry = out.isna() & text.notna() & (text != "")
    if retry.any():
        parts = text[retry].str.extract(_ANY_DATE)
        month = parts[1].fillna(parts[3])
        day = parts[2].fillna(parts[4])
        iso = _in_range(parts[0] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2))
        out.loc[retry] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").astype(
            "datetime64[ns]"
        )
    return out


#: a file with many bad cells lists this many per column and counts the rest
MAX_ISSUES_PER_COLUMN = 1000


def parse_date_text(text: str) -> date | None:
    """One date in any accepted form, or None.

    >>> parse_date_text("2026年12月1日")
    datetime.date(2026, 12, 1)
    """
    parsed = parse_dates(pd.Series([text], dtype="string")).iloc[0]
    return None if pd.isna(parsed) else parsed.date()


@dataclass(frozen=True)
class Source:
    """Where a raw table came from, to point a user at the right cell."""

    name: str  # the file as the user named it
    first_row: int = 2  # spreadsheet row of the first record (header = row 1); Parquet: 1
    #: the row of each record where they are not consecutive (blank rows were left out)
    rows: np.ndarray | None = field(default=None, compare=False, repr=False)

    def row_numbers(self, n: int) -> np.ndarray:
        if self.rows is None:
            return np.arange(n) + self.first_row
        if len(self.rows) != n:
            raise ValueError(f"Source.rows has {len(self.rows)} row numbers for {n} records")
        return np.asarray(self.rows)


# ------------------------------------------------------------------------------- headers
_PANDAS_DUPLICATE = re.compile(r"^(?P<base>.+)\.(?P<n>\d+)$")


def header_index(columns: tuple[Column, ...]) -> dict[str, str]:
    """Every accepted spelling of a table's headers (normalised) → canonical name."""
    return {
        norm_header(spelling): c.name for c in columns for spelling in (c.name, c.zh, *c.aliases)
    }


def header_issues(
    headers: list[str],
    src: Source,
    columns: tuple[Column, ...],
    index: dict[str, str] | None = None,
) -> tuple[list[Issue], dict[str, str]]:
    """Missing required columns and columns given twice (under any of their spellings).

    Returns the problems and the canonical name → header mapping of the columns found.
    """
    index = header_index(columns) if index is None else index
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    for header in headers:
        name = index.get(norm_header(header))
        if name is None:
            # pandas renames a repeated header 客户编号 to 客户编号.1 when it reads a file
            m = _PANDAS_DUPLICATE.match(header)
            base = m["base"] if m else None
            if base in headers and norm_header(base) in index:
                issues.append(
                    Issue(
                        src.name,
                        1,
                        base,
                        None,
                        f"the header appears more than once (read as {header!r}); keep only "
                        "one column of that name",
                    )
                )
            continue
        if name in seen:
            issues.append(
                Issue(
                    src.name,
                    1,
                    header,
                    None,
                    f"same column as header {seen[name]!r} ({name}); keep only one of them",
                )
            )
        else:
            seen[name] = header
    for col in columns:
        if col.required and col.name not in seen:
            issues.append(
                Issue(
                    src.name,
                    1,
                    None,
                    None,
                    f"required column {col.name!r} (中文表头 {col.zh!r}) is missing; "
                    f"the file has: {', '.join(headers) or 'no columns'}",
                )
            )
    return issues, seen


def capped_issues(
    issues: list[Issue], total: int, src: Source, header: str, what: str
) -> list[Issue]:
    """The first MAX_ISSUES_PER_COLUMN problems of a kind in a column, and a count of the rest."""
    if total > MAX_ISSUES_PER_COLUMN:
        issues.append(
            Issue(
                src.name,
                None,
                header,
                None,
                f"{total - MAX_ISSUES_PER_COLUMN:,} more {what} in this column (not listed)",
            )
        )
    return issues


# ------------------------------------------------------------------------------- groups
def map_groups(
    customers: pd.DataFrame, column: str, config: Config, mapping: str
) -> pd.Categorical:
    """Map industry → industry group or region → region cluster; unlisted → ``other``."""
    groups = getattr(config, mapping)
    categories = [*groups, "other"]
    if column not in customers:
        return pd.Categorical.from_codes(np.full(len(customers), len(groups)), categories)
    table = {}
    for i, item in enumerate(groups.values()):
        members = item.industries if mapping == "industry_groups" else item.regions
        table.update({m: i for m in members})
    # map each distinct value once, then spread the codes
    codes, uniques = pd.factorize(customers[column], use_na_sentinel=True)
    lookup = np.array(
        [table.get(str(u).strip(), len(groups)) for u in uniques] + [len(groups)], dtype=np.int64
    )
    return pd.Categorical.from_codes(lookup[codes], categories)
