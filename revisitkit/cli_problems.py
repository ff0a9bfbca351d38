"""``revisitkit problems``: the problem hand-off (问题转办) from the command line.

``import FILE`` validates a problems file and stores it (twice adds nothing; a later file sets
what happened since); ``list`` prints the problems with their SLA clock (``--overdue``,
``--grade``, ``--as-of``); ``export FILE`` writes the XLSX (or CSV) the service team works from.
Owners show by name when ``--plan`` names a plan folder with its roster; descriptions never
show a phone number or an email unmasked.
"""

from __future__ import annotations

import argparse
import functools
import unicodedata
from pathlib import Path

import pandas as pd

from revisitkit.calendar import campaign_calendar
from revisitkit.config import Config, display_path, load_config
from revisitkit.errors import UserError
from revisitkit.io import read_plan_dir, read_table
from revisitkit.problems import sla
from revisitkit.store import ProblemLog, Store
from revisitkit.views.problems import PROBLEM_HEADERS, problems_table, write_problems

__all__ = ["add_problems_parser", "run_problems"]


def _moment(text: str) -> pd.Timestamp:
    from revisitkit.schema.problems import EXPECTED_DATETIME, parse_datetimes

    value = parse_datetimes(pd.Series([text]))[0]
    if pd.isna(value):
        from revisitkit.schema import parse_date_text

        day = parse_date_text(text)
        if day is None:
            raise argparse.ArgumentTypeError(
                f"{EXPECTED_DATETIME} (or a date: its end), got {text!r}"
            )
        return pd.Timestamp(day) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    return pd.Timestamp(value)


def add_problems_parser(sub, path_arg, store_arg, config_arg) -> None:
    pr = sub.add_parser(
        "problems",
        help="the problem hand-off (问题转办): import, list overdue, export for the service team",
        description="Problems raised in revisits, graded A/B/C, with their SLA clock "
        "(problems: in the config). They live in the SQLite store beside the outcomes and risks.",
    )
    psub = pr.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = psub.add_parser("import", help="validate a problems file and store it")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--who", default=None, help="your name, for the audit trail")
    lst = psub.add_parser("list", help="print the problems and their SLA clock")
    lst.add_argument("--overdue", action="store_true", help="only problems with a step overdue")
    lst.add_argument("--grade", choices=("A", "B", "C"), help="only this grade")
    exp = psub.add_parser("export", help="write the problems to .xlsx (Chinese headers) or .csv")
    exp.add_argument("file", type=Path, metavar="FILE")
    for p in (imp, lst, exp):
        path_arg(
            p,
            "--plan",
            "a plan folder: its customers (checked) and roster (names)",
            metavar="PLAN_DIR",
        )
        store_arg(p)
        config_arg(p)
    for p in (lst, exp):
        p.add_argument(
            "--as-of",
            type=_moment,
            metavar="DATETIME",
            help="the moment the clock is read (default: now), like 2027-01-10 18:00",
        )


def _names(plan_dir: Path | None) -> dict[str, str]:
    if plan_dir is None or not (plan_dir / "roster.csv").is_file():
        return {}
    roster = read_table(plan_dir / "roster.csv", "the roster a plan run kept").frame
    if "staff_id" not in roster or "name" not in roster:
        return {}
    return dict(zip(roster["staff_id"].astype(str), roster["name"].astype(str), strict=True))


def run_problems(args: argparse.Namespace, who: str, store_path) -> int:
    config: Config = load_config(args.config)
    path = args.store or store_path(config)
    if args.action == "import":
        from revisitkit.workspace import writable_store

        path = writable_store(path)
    plan = read_plan_dir(args.plan)[0] if args.plan is not None else None
    customers = None if plan is None else plan["customer_id"].astype(str)
    with Store(path) as store:
        log = ProblemLog(store, config)
        if args.action == "import":
            result = log.import_file(args.file, who, customers=customers)
            print(f"{result}; {log.count():,} problems in {display_path(path)}")
            return 0
        as_of = args.as_of or pd.Timestamp.now().floor("min")
        # only a problem not yet confirmed can be overdue: the list need not read the others
        stored = log.frame(open_at=as_of if getattr(args, "overdue", False) else None)
    table = sla(stored, config, as_of=as_of, calendar=campaign_calendar(config))
    if getattr(args, "grade", None):
        table = table[table["grade"] == args.grade]
    if getattr(args, "overdue", False):
        table = table[table["overdue_step"] != ""]
    names = {} if plan is None else _names(args.plan)
    people = problems_table(table, config, names=names, describe=args.action == "export")
    if args.action == "export":
        if args.file.exists() and args.file.is_dir():
            raise UserError(
                f"{display_path(args.file)}: is a folder; give a file name ending .xlsx"
            )
        write_problems(args.file, people, table, config)
        print(
            f"Written: {display_path(args.file)} ({len(people):,} problems as of {as_of:%Y-%m-%d %H:%M})"
        )
        return 0
    what = "overdue problems" if args.overdue else "problems"
    print(f"{len(people):,} {what} as of {as_of:%Y-%m-%d %H:%M} in {display_path(path)}")
    shown = [
        PROBLEM_HEADERS[k]
        for k in (
            "problem_id",
            "customer_id",
            "grade",
            "owner",
            "status",
            "overdue",
            "overdue_hours",
        )
    ]
    if len(people):
        print(text_table(people[shown]))
    return 0


@functools.cache
def _width(text: str) -> int:
    """Columns a text takes in a terminal: a Chinese character takes two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(frame: pd.DataFrame) -> str:
    """*frame* as aligned plain text, every row (pandas' to_string takes seconds at 10⁴ rows).

    >>> print(text_table(pd.DataFrame({"等级": ["A", "C"], "n": [1.5, 12.0]})))
    等级     n
    A      1.5
    C     12.0
    """
    columns = []
    for name in frame.columns:
        values = frame[name]
        numeric = pd.api.types.is_numeric_dtype(values)
        cells = [str(name)] + (
            values.map(lambda v: "" if pd.isna(v) else f"{v:.1f}").tolist()
            if numeric
            else values.fillna("").astype(str).tolist()
        )
        widths = [_width(c) for c in cells]
        full = max(widths)
        pad = [" " * (full - w) for w in widths]
        columns.append([p + c if numeric else c + p for c, p in zip(cells, pad, strict=True)])
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))
