"""The customers data contract (domain.md §8), in one place.

A CRM export arrives with English or Chinese headers, Chinese values for status and business
type, money with thousands separators and dates in ISO or Chinese forms. This module maps the
headers to canonical names, parses every column into its type and checks the contract. It
reports *every* problem at once, each with the file, the row as a spreadsheet shows it, the
column as written in the file and the value, and what would be accepted. Parsing failures are
found here; the range and uniqueness checks are a pandera schema, whose ``failure_cases`` give
the raw material for the report.

Example
-------
>>> import pandas as pd
>>> raw = pd.DataFrame({"客户编号": ["C1"], "客户名称": ["华东精工"], "近12个月采购额": ["1,200,000"]})
>>> customers = parse_customers(raw, source="crm.csv")
>>> customers.loc[0, "revenue_12m"]
np.float64(1200000.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pda

from revisitkit.errors import InputError, Issue
from revisitkit.schema import columns as col
from revisitkit.schema.columns import Column, Source

__all__ = [
    "BUSINESS_TYPE_VALUES",
    "COLUMNS_BY_NAME",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_HEADER_INDEX",
    "NULL_WORDS",
    "PERSONAL_COLUMNS",
    "STATUS_VALUES",
    "map_headers",
    "parse_customers",
]

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "客户编号", "text", required=True, aliases=("客户id", "客户代码")),
    Column("name", "客户名称", "text", required=True, aliases=("客户名", "公司名称")),
    Column("revenue_12m", "近12个月采购额", "money", required=True),
    Column("revenue_last_6m", "近6个月采购额", "money"),
    Column("revenue_prev_6m", "前6个月采购额", "money"),
    Column("revenue_last_3m", "近3个月采购额", "money"),
    Column("revenue_prev_3m", "前3个月采购额", "money"),
    Column("first_order_date", "首次合作日期", "date"),
    Column("last_order_date", "最近下单日期", "date"),
    Column("cooperation_years", "连续合作年数", "count"),
    Column("status", "合作状态", "status"),
    Column("terminated_date", "终止日期", "date"),
    Column("winback_worthy", "具备挽回价值", "flag"),
    Column("open_major_complaints", "未解决重大投诉数", "count"),
    Column("project_value", "在建项目金额", "money"),
    Column("industry_rank", "行业排名", "rank"),
    Column("industry", "行业", "text"),
    Column("region", "区域", "text", aliases=("省份", "地区")),
    Column("business_type", "业务类型", "business_type"),
    Column("owner", "客户经理", "text"),
    Column("contact", "联系人", "text", personal=True),
    Column("phone", "电话", "text", personal=True, aliases=("手机", "联系电话")),
    Column("wechat", "微信", "text", personal=True, aliases=("微信号",)),
    Column("email", "邮箱", "text", personal=True, aliases=("电子邮箱", "email地址")),
)
COLUMNS_BY_NAME = {c.name: c for c in CUSTOMER_COLUMNS}
PERSONAL_COLUMNS = tuple(c.name for c in CUSTOMER_COLUMNS if c.personal)

# Accepted spellings of coded values (lower-cased, spaces removed) → canonical code.
STATUS_VALUES = {
    **dict.fromkeys(("active", "合作中", "正常", "活跃"), "active"),
    **dict.fromkeys(("terminated", "已终止", "终止", "已流失", "inactive"), "terminated"),
}
BUSINESS_TYPE_VALUES = {
    **dict.fromkeys(("product", "产品", "产品购买"), "product"),
    **dict.fromkeys(("service", "服务", "服务使用"), "service"),
    **dict.fromkeys(("project", "项目", "合作项目"), "project"),
}


def map_headers(headers: list[str]) -> dict[str, str]:
    """Map the file's headers to canonical names (unknown headers are left out).

    >>> map_headers(["客户编号", "Revenue_12M", "备注"])
    {'客户编号': 'customer_id', 'Revenue_12M': 'revenue_12m'}
    """
    return {
        h: _HEADER_INDEX[col.norm_header(h)] for h in headers if col.norm_header(h) in _HEADER_INDEX
    }


def _parse_coded(s: pd.Series, table: dict[str, object]) -> pd.Series:
    # a coded column has a handful of distinct spellings: normalise each once
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = [table.get(str(u).strip().lower().replace(" ", ""), np.nan) for u in uniques]
    # as plain objects: a column with no known value would map to an Arrow null column,
    # which takes no default (active, the win-back default) afterwards
    lookup = np.array([*values, np.nan], dtype=object)
    return pd.Series(lookup[codes], index=s.index, dtype=object)


def parse_customers(
    raw: pd.DataFrame,
    *,
    source: str | Source = "<table>",
    winback_worthy_default: bool = True,
    as_of: date | None = None,
    money_ceiling: float = 1e13,
    max_cooperation_years: int = 100,
) -> pd.DataFrame:
    """Turn a raw customers table (strings, any known headers) into the canonical frame.

    Parameters
    ----------
    raw
        The table as read: one row per customer, English or Chinese headers, values as text.
        Not modified.
    source
        The file name (and first record row) used in messages.
    winback_worthy_default
        The value of ``winback_worthy`` where the column or the cell is empty (config).
    as_of
        The date the data describes: a date after it is refused (None: not checked).
    money_ceiling, max_cooperation_years
        The largest plausible amount and cooperation years (config ``input``).

    Returns
    -------
    DataFrame
        Canonical snake_case columns in contract order; optional columns that the file does
        not have are absent (the rules that need them do not fire).

    Raises
    ------
    InputError
        With every problem found: missing required columns, duplicated headers or ids,
        unparseable or out-of-range values.
    """
    src = source if isinstance(source, Source) else Source(source)
    headers = [str(h) for h in raw.columns]
    rows = src.row_numbers(len(raw))
    # the first column of each canonical name is the one read (a second one is reported here)
    issues, header_of = col.header_issues(headers, src, CUSTOMER_COLUMNS, _HEADER_INDEX)
    position_of = {name: headers.index(header) for name, header in header_of.items()}

    out: dict[str, pd.Series] = {}
    not_understood: dict[str, np.ndarray] = {}
    for column in CUSTOMER_COLUMNS:
        if column.name not in position_of:
            continue
        kind = column.kind
        header = header_of[column.name]
        values = raw.iloc[:, position_of[column.name]].reset_index(drop=True)
        blank = col.blank_mask(values)
        if kind == "text":
            parsed = values.astype("string").str.strip().where(~blank)
        elif kind == "money":
            parsed = col.parse_money(values)
        elif kind in ("count", "rank"):
            parsed = col.parse_count(values)
        elif kind == "date":
            parsed = col.parse_dates(values)
        elif kind == "status":
            parsed = _parse_coded(values, STATUS_VALUES).where(~blank, "active")
        elif kind == "flag":
            parsed = _parse_coded(values, col.FLAG_VALUES).where(~blank, winback_worthy_default)
        elif kind == "business_type":
            parsed = _parse_coded(values, BUSINESS_TYPE_VALUES)
        else:  # pragma: no cover - a contract typo, caught by the tests
            raise AssertionError(kind)
        if kind != "text":
            bad = np.flatnonzero((~blank & parsed.isna()).to_numpy())
            not_understood[column.name] = bad
            issues += col.capped_issues(
                [
                    Issue(
                        src.name,
                        int(rows[i]),
                        header,
                        str(values.iloc[i]),
                        f"not understood; expected {col.EXPECTED[kind]}",
                    )
                    for i in bad[: col.MAX_ISSUES_PER_COLUMN]
                ],
                len(bad),
                src,
                header,
                "values not understood",
            )
        if kind == "status":
            parsed = parsed.astype("string")
        elif kind == "flag":
            parsed = parsed.astype("boolean")
        elif kind == "business_type":
            parsed = parsed.astype("string")
        out[column.name] = parsed

    customers = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
    issues += _contract_issues(customers, header_of, src, rows, raw, position_of, not_understood)
    cell = _Cells(raw, position_of, header_of, src, rows)
    issues += _plausibility_issues(customers, cell, as_of, money_ceiling, max_cooperation_years)
    if issues:
        order = {h: i for i, h in enumerate(headers)}
        issues.sort(key=lambda i: (i.row or 0, order.get(i.column, -1)))
        raise InputError(issues)
    if "winback_worthy" in customers:
        customers["winback_worthy"] = customers["winback_worthy"].astype(bool)
    return customers


#: what spreadsheets and databases write for an empty cell: never a customer's id
NULL_WORDS = ("nan", "null", "na", "n/a", "#n/a", "none", "nil", "<na>")


@dataclass(frozen=True)
class _Cells:
    """Where a parsed value came from: the raw cell, its header and its spreadsheet row."""

    raw: pd.DataFrame
    position_of: dict[str, int]
    header_of: dict[str, str]
    src: Source
    rows: np.ndarray

    def issues(self, name: str, bad: np.ndarray, problem: str, what: str) -> list[Issue]:
        """An issue per flagged row of column *name* (capped), each with its raw value."""
        at = np.flatnonzero(bad)
        header = self.header_of[name]
        values = self.raw.iloc[:, self.position_of[name]]
        listed = [
            Issue(self.src.name, int(self.rows[i]), header, str(values.iloc[i]), problem)
            for i in at[: col.MAX_ISSUES_PER_COLUMN]
        ]
        return col.capped_issues(listed, len(at), self.src, header, what)


def _plausibility_issues(
    customers: pd.DataFrame,
    cell: _Cells,
    as_of: date | None,
    money_ceiling: float,
    max_years: int,
) -> list[Issue]:
    """Values that parse but cannot be true: a null word as an id, money beyond the
    ceiling, cooperation beyond a lifetime, dates after the data's date or out of order."""
    issues: list[Issue] = []
    if "customer_id" in customers:
        ids = customers["customer_id"].astype("string").str.lower()
        null_like = ids.isin(NULL_WORDS).to_numpy(dtype=bool, na_value=False)
        issues += cell.issues(
            "customer_id",
            null_like,
            "is a spreadsheet's word for an empty cell, not an id; give the customer's id",
            "empty-cell words as ids",
        )
    for column in CUSTOMER_COLUMNS:
        if column.kind == "money" and column.name in customers:
            high = (customers[column.name] > money_ceiling).to_numpy(dtype=bool, na_value=False)
            issues += cell.issues(
                column.name,
                high,
                f"is above {money_ceiling:,.0f} CNY, the most a money cell may hold "
                "(config input.money_ceiling); check the value",
                "amounts above the ceiling",
            )
    if "cooperation_years" in customers:
        years = customers["cooperation_years"].astype("Float64")
        long = (years > max_years).to_numpy(dtype=bool, na_value=False)
        issues += cell.issues(
            "cooperation_years",
            long,
            f"is more than {max_years} years of cooperation (config "
            "input.max_cooperation_years); check the value",
            "cooperation years out of range",
        )
    if as_of is not None:
        limit = pd.Timestamp(as_of)
        for name in ("first_order_date", "last_order_date", "terminated_date"):
            if name in customers:
                late = (customers[name] > limit).to_numpy(dtype=bool, na_value=False)
                issues += cell.issues(
                    name,
                    late,
                    f"is after {as_of:%Y-%m-%d}, the date the data describes; a typo, or give "
                    "the export's date with --as-of",
                    "dates after the data's date",
                )
    if "first_order_date" in customers and "last_order_date" in customers:
        reversed_ = (customers["first_order_date"] > customers["last_order_date"]).to_numpy(
            dtype=bool, na_value=False
        )
        issues += cell.issues(
            "first_order_date",
            reversed_,
            "is after the last order date (最近下单日期) of the same customer; check both",
            "first orders after last orders",
        )
    return issues


_HEADER_INDEX = col.header_index(CUSTOMER_COLUMNS)
#: every accepted spelling of the customers file's headers (normalised) → canonical name
CUSTOMER_HEADER_INDEX = _HEADER_INDEX


#: what each range check accepts, as the message says it
_RANGE = {
    "money": "must be ≥ 0 (an amount in CNY, like 1200000 or 1,200,000.00)",
    "count": "must be a whole number ≥ 0",
    "rank": "must be a whole number ≥ 1 (1 = first in the industry)",
}


def _schema(names: list[str]) -> pda.DataFrameSchema:
    checks: dict[str, pda.Column] = {}
    for name in names:
        column = COLUMNS_BY_NAME[name]
        if name == "customer_id":
            checks[name] = pda.Column(nullable=False, unique=True)
        elif name == "name":
            checks[name] = pda.Column(nullable=False)
        elif column.kind in ("money", "count"):
            checks[name] = pda.Column(
                nullable=not column.required, checks=pda.Check.ge(0, error=_RANGE[column.kind])
            )
        elif column.kind == "rank":
            checks[name] = pda.Column(nullable=True, checks=pda.Check.ge(1, error=_RANGE["rank"]))
    return pda.DataFrameSchema(checks, strict=False)


def _contract_issues(
    customers: pd.DataFrame,
    header_of: dict[str, str],
    src: Source,
    rows: np.ndarray,
    raw: pd.DataFrame,
    position_of: dict[str, int],
    not_understood: dict[str, np.ndarray],
) -> list[Issue]:
    try:
        _schema(list(customers.columns)).validate(customers, lazy=True)
        return []
    except pda.errors.SchemaErrors as e:
        cases = e.failure_cases
    issues: list[Issue] = []
    cell = cases["index"].notna() & cases["column"].isin(list(position_of))
    for case in cases[~cell].itertuples(index=False):  # pragma: no cover - defensive
        header = header_of.get(case.column, case.column)
        issues.append(Issue(src.name, None, header, str(case.failure_case), str(case.check)))
    cases = cases[cell].assign(index=lambda c: c["index"].astype("int64"))
    keep = np.ones(len(cases), dtype=bool)
    first = np.full(len(cases), -1, dtype=np.int64)
    for name in cases["column"].unique():
        of_column = (cases["column"] == name).to_numpy()
        idx = cases["index"].to_numpy()
        # a cell that was not understood is empty now: it has its message already
        already = of_column & (cases["check"] == "not_nullable").to_numpy()
        already &= np.isin(idx, not_understood.get(name, []))
        keep &= ~already
        unique = of_column & (cases["check"] == "field_uniqueness").to_numpy()
        if unique.any():
            positions = pd.Series(np.arange(len(customers)))
            first_of = positions.groupby(customers[name].to_numpy()).transform("min").to_numpy()
            first[unique] = first_of[idx[unique]]
            # report each duplicate at its later rows, pointing at the first
            keep &= ~(unique & (first == idx))
    cases = cases.assign(first=first)[keep]
    shown = cases.groupby(["column", "check"], sort=False).head(col.MAX_ISSUES_PER_COLUMN)
    for case in shown.itertuples(index=False):
        name, check, idx = case.column, str(case.check), int(case.index)
        if check == "field_uniqueness":
            problem = (
                f"duplicate customer id; first seen at row {int(rows[case.first])}; "
                "ids must be unique"
            )
        elif check == "not_nullable":
            problem = "empty, but every customer needs one"
        else:
            problem = check
        value = raw.iloc[idx, position_of[name]]
        text = "" if pd.isna(value) else str(value)
        issues.append(Issue(src.name, int(rows[idx]), header_of[name], text, problem))
    kinds = {"not_nullable": "empty values", "field_uniqueness": "duplicate ids"}
    for (name, check), n in cases.groupby(["column", "check"], sort=False).size().items():
        issues = col.capped_issues(
            issues, int(n), src, header_of[name], kinds.get(str(check), "values out of range")
        )
    return issues
