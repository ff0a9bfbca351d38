"""Loading each input file into its canonical frame: read (:mod:`revisitkit.io.read`), then
checked against its contract (:mod:`revisitkit.schema`).

One loader per file a planner hands over: the customers (:func:`load_customers`), the staff
roster (:func:`load_roster`), revisit outcomes (:func:`load_outcomes`), actual spend
(:func:`load_actuals`), the risk seed (:func:`load_seed`) and a register file for import
(:func:`read_risk_file`); and the files a ``revisitkit plan`` run wrote, read back
(:func:`read_plan_dir`, :func:`read_monthly`). Each raises :class:`~revisitkit.errors.UserError`
for a file that cannot be read and :class:`~revisitkit.errors.InputError` with every problem of
one that can.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from revisitkit.config import Config, display_path
from revisitkit.errors import InputError, Issue, UserError
from revisitkit.io.folders import recover_outputs
from revisitkit.io.read import RawTable, read_table
from revisitkit.schema import (
    CUSTOMER_COLUMNS,
    CUSTOMER_HEADER_INDEX,
    Risk,
    RiskValidationError,
    norm_header,
    parse_actuals,
    parse_customers,
    parse_dates,
    parse_fields,
    parse_monthly,
    parse_outcomes,
    parse_problems,
    parse_roster,
)

__all__ = [
    "CUSTOMERS_EXPECTED",
    "PLAN_NEEDS",
    "load_actuals",
    "load_customers",
    "load_outcomes",
    "load_roster",
    "load_seed",
    "read_monthly",
    "read_plan_dir",
    "read_risk_file",
]


def _not_empty(frame: pd.DataFrame, table: RawTable, what: str) -> pd.DataFrame:
    """*frame*, parsed from *table*; refused when the file has headers and no *what* below."""
    if frame.empty:
        message = f"the file has a header row but no {what} below it"
        raise InputError([Issue(table.source.name, None, None, None, message)])
    return frame


# ------------------------------------------------------------------------------- customers
#: what an empty customers file is missing, said in the planner's words
CUSTOMERS_EXPECTED = (
    "a header row (客户编号 customer_id, 客户名称 name, 近12个月采购额 revenue_12m, …) and one "
    "row per customer"
)


def load_customers(path: str | Path, config: Config) -> pd.DataFrame:
    """Read and validate a customers file (domain.md §8) into the canonical frame.

    Raises
    ------
    UserError
        The file is missing, a folder, empty, or of an unknown type.
    InputError
        Every problem in the file at once, with row, column and value (where the header row
        is not row 1, a hint says where it is); or a header row with no customers below it.
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
    return _not_empty(customers, table, "customers")


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
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, nrows=30, dtype=str, engine="openpyxl"
        )
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


# ------------------------------------------------------------------------------- roster
def load_roster(path: str | Path, config: Config) -> pd.DataFrame:
    """Read and validate a staff roster file (CSV in UTF-8 or GBK, XLSX, Parquet).

    Parameters
    ----------
    path
        The roster file; English or Chinese headers. Not modified.
    config
        The campaign config: the roles, the default hours a day, the region clusters.

    Returns
    -------
    DataFrame
        The canonical staff frame (see :func:`revisitkit.schema.parse_roster`).

    Raises
    ------
    UserError
        The file is missing, a folder, empty, or of an unknown type.
    InputError
        Every problem in the file at once (unknown roles, hours out of range, unreadable
        dates or days off, …), with row, column and value; or a header row with no staff
        below it.
    """
    table = read_table(path)
    staff = parse_roster(table.frame, source=table.source, config=config)
    return _not_empty(staff, table, "staff")


# ------------------------------------------------------------------------------- outcomes
def load_outcomes(
    path: str | Path,
    config: Config,
    *,
    customers: Iterable[str] | None = None,
    staff: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read and validate an outcomes file (CSV in UTF-8 or GBK, XLSX, Parquet); see
    :func:`revisitkit.schema.parse_outcomes`."""
    table = read_table(path, "a header row and one row per revisit contact")
    return parse_outcomes(
        table.frame, source=table.source, config=config, customers=customers, staff=staff
    )


def load_problems(
    path: str | Path, config: Config, *, customers: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read and validate a problems file (CSV in UTF-8 or GBK, XLSX, Parquet); see
    :func:`revisitkit.schema.parse_problems`."""
    table = read_table(path, "a header row and one row per customer problem")
    return parse_problems(table.frame, source=table.source, config=config, customers=customers)


# ------------------------------------------------------------------------------- a plan folder
PLAN_NEEDS = ("customer_id", "value_segment", "priority", "deadline", "channels")


def _plan_folder(plan_dir: str | Path) -> Path:
    """A plan folder, as a whole: a plan run killed mid-swap is rolled back to the plan it
    replaced before anything is read from it."""
    folder = Path(plan_dir)
    if folder.is_dir() and any(folder.glob(".revisitkit-staging-*")):
        recover_outputs(folder)
    return folder


def read_plan_dir(plan_dir: str | Path) -> tuple[pd.DataFrame, list[str] | None]:
    """The plan a ``revisitkit plan`` run wrote: customers_plan.csv (and the staff ids of its
    schedule.csv, when it scheduled). Raises UserError when the folder is not such a plan."""
    folder = _plan_folder(plan_dir)
    path = folder / "customers_plan.csv"
    if not path.is_file():
        raise UserError(
            f"{display_path(path)}: not found; --plan must be a folder `revisitkit plan` wrote"
        )
    table = read_table(path, "the customers plan a `revisitkit plan` run wrote")
    plan = table.frame.copy()
    missing = [c for c in PLAN_NEEDS if c not in plan.columns]
    if missing:
        raise UserError(
            f"{display_path(path)}: not a plan written by revisitkit (missing {missing}); write "
            "it again with `revisitkit plan`"
        )
    # a spreadsheet may re-save the file in GBK and the dates as 2026/12/31: read both
    plan["deadline"] = parse_dates(plan["deadline"]).to_numpy()
    if plan["deadline"].isna().any():
        bad = int(np.flatnonzero(plan["deadline"].isna().to_numpy())[0])
        row = int(table.source.row_numbers(len(plan))[bad])
        raise UserError(f"{display_path(path)}, row {row}: the deadline is not a date")
    for col in plan.columns:
        if col != "deadline":
            plan[col] = plan[col].astype("string").str.strip()
            plan[col] = (
                plan[col].where(plan[col] != "").astype(object).where(plan[col].notna(), None)
            )
    staff = None
    # the roster the plan was made with (anyone on it may record a visit); a plan folder
    # written before it was kept names the scheduled staff only
    for name, what in (("roster.csv", "roster"), ("schedule.csv", "schedule")):
        path = folder / name
        if path.is_file():
            ids = read_table(path, f"the {what} a `revisitkit plan --staff` run wrote").frame
            if "staff_id" not in ids.columns:
                raise UserError(
                    f"{display_path(path)}: has no staff_id column; write the plan again with "
                    "`revisitkit plan --staff FILE`"
                )
            staff = sorted(set(ids["staff_id"].dropna().astype(str).str.strip()) - {""})
            break
    return plan, staff


def read_monthly(plan_dir: str | Path) -> pd.DataFrame:
    """The monthly budget a plan wrote (``PLAN_DIR/budget_monthly.csv``), checked: months as
    ``YYYY-MM`` (or a date in the month, as a spreadsheet may re-save it), known categories,
    amounts in CNY. Every problem is reported with its row (:class:`InputError`)."""
    path = _plan_folder(plan_dir) / "budget_monthly.csv"
    if not path.is_file():
        raise UserError(
            f"{display_path(path)}: not found; --plan must be a folder `revisitkit plan` wrote "
            "(it writes budget_monthly.csv)"
        )
    table = read_table(path, "month, category, planned_cny: the monthly budget of a plan")
    return parse_monthly(table.frame, source=table.source)


# ------------------------------------------------------------------------------- actual spend
def load_actuals(path: str | Path, config: Config) -> pd.DataFrame:
    """Read an actual-spend file (CSV in UTF-8 or GBK, XLSX or Parquet): date (日期), category
    (类别: a code or its label — personnel/人员, materials/物料, technology/技术,
    contingency/应急), amount (金额, CNY, may carry ¥ and thousands separators), note (备注).

    Every problem is reported at once with its file, row, column and value
    (:class:`revisitkit.errors.InputError`).
    """
    table = read_table(path, "a header row (日期, 类别, 金额, 备注) and one row per payment")
    return parse_actuals(table.frame, source=table.source, config=config)


# ------------------------------------------------------------------------------- the risk register
def load_seed(path: str | Path, config: Config) -> list[Risk]:
    """Read and validate a seed register (``data/risks_seed.yaml``: a list under ``risks:``).

    Raises
    ------
    RiskValidationError
        With every problem in the file, each naming the entry and its id.
    UserError
        The file cannot be read or is not the expected YAML.

    Examples
    --------
    >>> from revisitkit.config import DEFAULT_CONFIG_PATH, load_config
    >>> risks = load_seed(DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml", load_config())
    >>> risks[0].id, risks[0].title, risks[0].score
    ('R01', '高价值客户流失', 15)
    """
    path = Path(path)
    shown = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"{shown}: risk seed file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise UserError(f"{shown}: cannot be read as a YAML risk seed: {e}") from None
    entries = data.get("risks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UserError(f"{shown}: expected a list of risks under the key 'risks:'")
    risks: list[Risk] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"entry {n}: must be a mapping of fields, got {entry!r}")
            continue
        values, found = parse_fields(entry, config)
        rid = values.get("id") or "(no id)"
        problems += [f"entry {n} ({rid}): {m}" for _, m in found]
        if not values.get("id"):
            problems.append(f"entry {n}: a seed risk needs its id, like R{n:02d}")
        elif values["id"] in seen:
            problems.append(f"entry {n}: id {values['id']} is also entry {seen[values['id']]}")
        else:
            seen[values["id"]] = n
        if not found:
            risks.append(Risk(**values))
    if problems:
        raise RiskValidationError(problems, shown)
    return risks


def read_risk_file(path: str | Path) -> RawTable:
    """A register file a reviewer edited (CSV or XLSX, English or Chinese headers; Parquet too),
    every value as text, for :meth:`revisitkit.store.RiskRegister.import_file` to check
    against the register (:func:`revisitkit.schema.register_header_issues`,
    :func:`revisitkit.schema.parse_fields`).

    Raises
    ------
    UserError
        The file is missing, a folder, empty, or of an unknown type.
    """
    return read_table(path)
