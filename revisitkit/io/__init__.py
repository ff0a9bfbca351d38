"""Reading what planners have and writing what they open, without ever losing their files.

The kit's only opener of input files and writer of outputs:

* :mod:`~revisitkit.io.sniff` — what a file really is, before it is read;
* :mod:`~revisitkit.io.read` — a table as text from CSV (UTF-8 or GBK), XLSX or Parquet
  (:func:`read_table`);
* :mod:`~revisitkit.io.load` — each input file into its canonical frame, checked against its
  contract in :mod:`revisitkit.schema` (:func:`load_customers`, :func:`load_roster`,
  :func:`load_outcomes`, :func:`load_actuals`, :func:`load_seed`, :func:`read_risk_file`,
  :func:`read_plan_dir`, :func:`read_monthly`);
* :mod:`~revisitkit.io.write` — files written atomically, text made inert
  (:func:`atomic_path`, :func:`write_csv`, :func:`excel_writer`, :func:`inert_text`);
* :mod:`~revisitkit.io.folders` — a run's files swapped into their folder all at once
  (:func:`staged_outputs`, :func:`recover_outputs`) and safe file names
  (:func:`safe_file_names`).

It imports :mod:`revisitkit.schema`, :mod:`revisitkit.config` and :mod:`revisitkit.errors` only.
"""

from revisitkit.io.folders import (
    read_manifest,
    recover_outputs,
    safe_file_names,
    staged_outputs,
)
from revisitkit.io.load import (
    CUSTOMERS_EXPECTED,
    PLAN_NEEDS,
    load_actuals,
    load_customers,
    load_outcomes,
    load_problems,
    load_roster,
    load_seed,
    read_monthly,
    read_plan_dir,
    read_risk_file,
)
from revisitkit.io.read import (
    RawTable,
    detect_encoding,
    file_sha256,
    read_table,
)
from revisitkit.io.sniff import (
    ENCRYPTED_XLSX,
    SheetFacts,
    column_number,
    file_kind,
    not_csv_advice,
    sheet_facts,
)
from revisitkit.io.write import (
    EXCEL_MAX_ROWS,
    EXCEL_MAX_TEXT,
    FORMULA_STARTS,
    RISK_SHEET,
    atomic_path,
    excel_text,
    excel_writer,
    inert_text,
    strip_inert_marks,
    write_csv,
    write_risk_sheet,
)

__all__ = [
    "CUSTOMERS_EXPECTED",
    "ENCRYPTED_XLSX",
    "EXCEL_MAX_ROWS",
    "EXCEL_MAX_TEXT",
    "FORMULA_STARTS",
    "PLAN_NEEDS",
    "RISK_SHEET",
    "RawTable",
    "SheetFacts",
    "atomic_path",
    "column_number",
    "detect_encoding",
    "excel_text",
    "excel_writer",
    "file_kind",
    "file_sha256",
    "inert_text",
    "load_actuals",
    "load_customers",
    "load_outcomes",
    "load_problems",
    "load_roster",
    "load_seed",
    "not_csv_advice",
    "read_manifest",
    "read_monthly",
    "read_plan_dir",
    "read_risk_file",
    "read_table",
    "recover_outputs",
    "safe_file_names",
    "sheet_facts",
    "staged_outputs",
    "strip_inert_marks",
    "write_csv",
    "write_risk_sheet",
]
