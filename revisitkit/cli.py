"""``revisitkit`` on the command line: build the plan, write the sample data.

The CLI only calls the package and writes files. A user's mistake (a bad file, a bad option,
a bad config value) ends with a clear message on stderr and exit code 2, never a traceback,
and nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import sys
import threading
import warnings
from datetime import date
from pathlib import Path

import pandas as pd

from revisitkit import __version__
from revisitkit.budget import overspend_total, plan_budget, variance
from revisitkit.calendar import CampaignCalendar, campaign_calendar
from revisitkit.cli_problems import add_problems_parser, run_problems
from revisitkit.config import TIERS, Config, display_path, load_config
from revisitkit.errors import InputWarning, UserError
from revisitkit.io import (
    EXCEL_MAX_ROWS,
    load_actuals,
    load_customers,
    load_outcomes,
    load_problems,
    load_roster,
    read_monthly,
    read_plan_dir,
    staged_outputs,
    write_csv,
)
from revisitkit.kpi import as_of_default, compute_kpis
from revisitkit.problems import sla
from revisitkit.sample import (
    SAMPLE_REVIEW_DATE,
    generate_actuals,
    generate_customers,
    generate_roster,
    simulate_outcomes,
    simulate_problems,
    to_actuals_export,
    to_crm_export,
    to_outcomes_export,
    to_problems_export,
    to_roster_export,
)
from revisitkit.schema import parse_date_text
from revisitkit.segmentation import SegmentationResult, segment
from revisitkit.serve import ServeSettings, run
from revisitkit.staffing import plan_staffing
from revisitkit.staffing.needs import staffing_needs
from revisitkit.staffing.touches import plan_touches
from revisitkit.store import OutcomeLog, ProblemLog, RiskRegister, Store
from revisitkit.views.export import (
    BUDGET_CSV,
    BUDGET_MONTHLY_CSV,
    CALENDARS_DIR,
    KPIS_CSV,
    NEEDS_CSV,
    PLAN_CSV,
    PLAN_FILES,
    PLAN_XLSX,
    ROSTER_CSV,
    ROSTER_DRAFT_CSV,
    SCHEDULE_CSV,
    TOUCHES_CSV,
    add_kpi_sheet,
    load_plan_workbook,
    write_budget_csvs,
    write_needs_csvs,
    write_plan_csv,
    write_plan_xlsx,
    write_roster_csv,
    write_roster_draft_xlsx,
    write_schedule_csv,
    write_staff_calendars,
    write_touches_csv,
)
from revisitkit.views.labels import STATUS_LABELS, kpi_label, kpi_text
from revisitkit.views.tables import kpi_table
from revisitkit.workspace import load_risks, open_register, store_path, writable_store
from revisitkit.workspace_dir import (
    FILES,
    VARIABLES,
    WORKSPACE_VAR,
    active_workspace,
    check_present,
    init_workspace,
    resolve,
    use_workspace,
)

EXIT_USER_ERROR = 2


def _date_arg(text: str) -> date:
    parsed = parse_date_text(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; use 2026-12-01, 2026/12/01 or 2026年12月1日"
        )
    return parsed


def _year_arg(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        year = 0
    # execution runs into Y+1, and the lunar calendar is known up to 2099
    if not 2000 <= year <= 2098:
        raise argparse.ArgumentTypeError(
            f"campaign year must be between 2000 and 2098, got {text!r}"
        )
    return year


def _path_arg(
    parser: argparse.ArgumentParser,
    flag: str,
    help: str,
    *,
    required: bool = False,
    metavar: str = "FILE",
) -> None:
    """An option naming a file (or, with ``metavar="DIR"``, a folder)."""
    parser.add_argument(flag, required=required, type=Path, metavar=metavar, help=help)


def _config_arg(parser: argparse.ArgumentParser) -> None:
    _path_arg(
        parser,
        "--config",
        "your campaign config, laid over the kit's defaults (default: the workspace's)",
    )


def _store_arg(parser: argparse.ArgumentParser) -> None:
    _path_arg(
        parser,
        "--store",
        "the SQLite store (default: the workspace's, else risk.store of the config)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="revisitkit",
        description="Plan the year-end customer revisit campaign (年前回访).",
    )
    parser.add_argument("--version", action="version", version=f"revisitkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "plan",
        help="segment a CRM export into a prioritized revisit plan",
        description="Segment customers, set priorities and deadlines, write the plan files.",
    )
    _path_arg(
        p,
        "--customers",
        "customers file: .csv (UTF-8 or GBK), .xlsx or .parquet (default: the workspace's)",
    )
    _config_arg(p)
    p.add_argument(
        "--campaign-year",
        type=_year_arg,
        metavar="YEAR",
        help="campaign year Y (execution runs into Y+1)",
    )
    p.add_argument(
        "--as-of",
        type=_date_arg,
        metavar="DATE",
        help="the date the data describes (default: first day of preparation)",
    )
    _path_arg(p, "--out", "output folder (default: the workspace's plan/)", metavar="DIR")
    _path_arg(
        p,
        "--staff",
        "staff roster (.csv/.xlsx/.parquet): also schedule every revisit "
        "(schedule.csv, the 排期 and 人员 sheets, calendars/<staff>.ics); default: the "
        "workspace's roster when it has one",
    )
    p.add_argument(
        "--reserve",
        action="store_true",
        help="book the reserve pool (staffing.reserve_share) in the schedule",
    )
    p.add_argument(
        "--no-xlsx",
        action="store_true",
        help=f"skip {PLAN_XLSX} (for very large bases; Excel stops at {EXCEL_MAX_ROWS:,} rows)",
    )

    s = sub.add_parser("sample", help="write the bundled sample data (seeded, reproducible)")
    _path_arg(s, "--out", "output folder", required=True, metavar="DIR")
    s.add_argument("--customers", type=int, default=3000, metavar="N", help="how many (3000)")
    s.add_argument("--seed", type=int, default=2026, help="random seed (2026)")

    bd = sub.add_parser(
        "budget",
        help="plan against actual spend, by month and category",
        description="Compare an actual-spend file (日期, 类别, 金额, 备注) with the monthly budget "
        "a plan wrote (PLAN_DIR/budget_monthly.csv).",
    )
    _path_arg(bd, "--plan", _PLAN_HELP, metavar="PLAN_DIR")
    _path_arg(
        bd,
        "--actuals",
        "actual spend: .csv (UTF-8 or GBK), .xlsx or .parquet (default: the workspace's)",
    )
    _config_arg(bd)
    _path_arg(bd, "--out", "also write DIR/budget_variance.csv", metavar="DIR")

    oc = sub.add_parser(
        "outcomes",
        help="the revisit outcomes log: import a survey/CRM export into the store",
        description="Import revisit outcomes into the SQLite store (the same as the risk "
        "register's). Importing a file twice adds nothing; a correction file replaces the "
        "contacts it names; a file with any problem changes nothing.",
    )
    osub = oc.add_subparsers(dest="action", required=True, metavar="ACTION")
    oimp = osub.add_parser("import", help="validate a file against the plan and store it")
    oimp.add_argument("file", type=Path, metavar="FILE")
    _path_arg(oimp, "--plan", _PLAN_HELP + " (the customers and staff ids)", metavar="PLAN_DIR")
    _store_arg(oimp)
    _config_arg(oimp)
    oimp.add_argument("--who", default=None, help="your name, for the audit trail")

    kp = sub.add_parser(
        "kpis",
        help="measure the campaign against its targets (satisfaction, resolution, leads, …)",
        description="Compute the KPIs of the revisit outcomes against the plan's targets: "
        "kpis.csv, and the sheet 指标 KPIs in PLAN_DIR/plan.xlsx when it exists.",
    )
    _path_arg(kp, "--plan", _PLAN_HELP, metavar="PLAN_DIR")
    _path_arg(kp, "--outcomes", "an outcomes file (default: the outcomes in the store)")
    _path_arg(kp, "--problems", "a problems file (default: the problems in the store)")
    kp.add_argument(
        "--as-of",
        type=_date_arg,
        metavar="DATE",
        help="the evaluation date (default: the latest outcome's date)",
    )
    _path_arg(
        kp, "--later-customers", "a customers file from months later, for churn and repurchase"
    )
    _store_arg(kp)
    _config_arg(kp)
    _path_arg(kp, "--out", "output folder (default: the plan folder)", metavar="DIR")

    add_problems_parser(sub, _path_arg, _store_arg, _config_arg)

    sv = sub.add_parser(
        "serve",
        help="serve the dashboards to a team (Voila: token, preheated kernels, culling)",
        description="Serve dashboards/ with Voila: sources stripped, tracebacks hidden, a token "
        "whenever it binds beyond loopback (generated when not given), preheated kernels, idle "
        "kernels culled, a cell timeout.",
    )
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    sv.add_argument("--port", type=int, default=8866, help="port (8866)")
    sv.add_argument(
        "--token",
        default=None,
        help="access token (generated beyond loopback; an empty one is refused)",
    )
    sv.add_argument(
        "--allow-host",
        dest="allow_hosts",
        action="append",
        default=[],
        metavar="NAME",
        help="a name the server is reached by, besides localhost, 127.0.0.1 and "
        "--host (repeatable); requests for other names get 403 (DNS rebinding)",
    )
    sv.add_argument(
        "--pool-size",
        type=int,
        default=1,
        metavar="N",
        help="preheated kernels per dashboard (1; 0 with --overview-pool 0 switches "
        "preheating off)",
    )
    sv.add_argument(
        "--overview-pool",
        type=int,
        default=4,
        metavar="N",
        help="preheated kernels of the overview, the first page managers open (4)",
    )
    sv.add_argument(
        "--refill-wait",
        type=int,
        default=120,
        metavar="SECONDS",
        help="a used preheated kernel is replaced when the CPU is spare, or after "
        "this long at most (120)",
    )
    sv.add_argument(
        "--cull-idle",
        type=int,
        default=600,
        metavar="SECONDS",
        help="close a kernel idle this long with no page open (600)",
    )
    sv.add_argument(
        "--cull-interval",
        type=int,
        default=60,
        metavar="SECONDS",
        help="how often idle kernels are looked for (60)",
    )
    sv.add_argument(
        "--timeout",
        type=int,
        default=ServeSettings.timeout,
        metavar="SECONDS",
        help=f"most seconds a part of a dashboard may compute before its page says it did not "
        f"finish ({ServeSettings.timeout})",
    )
    _data_args(sv)

    rp = sub.add_parser(
        "report",
        help="write a static HTML report of the dashboards (for email)",
        description="One self-contained HTML file: overview, segments, staffing, budget, "
        "risks and KPIs on the current data (the same sources as the dashboards); charts "
        "embedded, no code, no widgets, personal data masked.",
    )
    _path_arg(rp, "--out", "the .html file", required=True)
    _data_args(rp)

    it = sub.add_parser(
        "init",
        help="create a campaign workspace: config, data, notebooks and dashboards of your own",
        description="Create a folder you own for one campaign: revisitkit.toml (the marker "
        "naming its files), campaign.yaml (your config overlay), data/ (your CRM export and "
        "roster go there), copies of the notebooks and dashboards reading it, and a README. "
        "Every command run inside it uses its files and writes nothing outside it.",
    )
    it.add_argument("folder", type=Path, metavar="DIR", help="a new (or empty) folder")
    it.add_argument(
        "--year",
        type=_year_arg,
        default=None,
        metavar="YEAR",
        help="the campaign year (default: the kit's)",
    )
    it.add_argument(
        "--sample",
        action="store_true",
        help="copy the bundled sample (customers, roster, spend, outcomes, problems) into data/",
    )

    ro = sub.add_parser(
        "roster",
        help="the staff roster: draft one of the size the plan needs",
        description="Write a roster skeleton of the team a plan without a roster sized "
        "(PLAN_DIR/roster_draft.csv): one row per person with role, region and hours, "
        "Chinese headers, and names to fill in. `revisitkit plan --staff FILE` accepts it "
        "as it is.",
    )
    rosub = ro.add_subparsers(dest="action", required=True, metavar="ACTION")
    rd = rosub.add_parser("draft", help="write the roster skeleton (.xlsx or .csv)")
    _path_arg(rd, "--plan", _PLAN_HELP + " without --staff", metavar="PLAN_DIR")
    _path_arg(rd, "--out", "the roster to write (.xlsx or .csv); never overwritten", required=True)
    _config_arg(rd)

    r = sub.add_parser(
        "risks",
        help="the risk register: list, init, export, import",
        description="Read and edit the risk register in the SQLite store (risk.store in the "
        "config, or --store). Reading never creates the store.",
    )
    rsub = r.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    _store_arg(common)
    _config_arg(common)
    lst = rsub.add_parser("list", parents=[common], help="print the register")
    lst.add_argument("--category", choices=["customer", "execution", "external"])
    lst.add_argument("--status", choices=["open", "monitoring", "closed"])
    rsub.add_parser("init", parents=[common], help="create the store with the plan's risks")
    exp = rsub.add_parser("export", parents=[common], help="write the register to .csv or .xlsx")
    exp.add_argument("file", type=Path, metavar="FILE")
    imp = rsub.add_parser(
        "import", parents=[common], help="apply a reviewed .csv/.xlsx (all rows or none)"
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--who", default=None, help="your name, for the audit trail")
    _workspace_everywhere(parser)
    return parser


_PLAN_HELP = "what `revisitkit plan` wrote (default: the workspace's plan/)"


def _data_args(parser: argparse.ArgumentParser) -> None:
    """The data a view shows (``serve``, ``report``): each defaults to the workspace's file,
    else its ``REVISITKIT_*`` variable's, else the bundled sample."""
    _path_arg(parser, "--customers", "customers file (default: the workspace's, else the sample)")
    _path_arg(parser, "--staff", "staff roster (default: the workspace's, else the sample)")
    _path_arg(parser, "--actuals", "actual spend so far (default: the workspace's)")
    _path_arg(parser, "--outcomes", "revisit outcomes (default: the store's, else the file's)")
    _path_arg(parser, "--problems", "problems handed on (default: the store's, else the file's)")
    _config_arg(parser)


def _workspace_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--workspace DIR`` on the command and on every subcommand, before or after its name."""
    help = "the campaign workspace (default: the one holding the current folder)"
    parser.add_argument("--workspace", type=Path, metavar="DIR", default=None, help=help)
    todo = [parser]
    while todo:
        for action in todo.pop()._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    if child.get_default("command") is None and "--workspace" not in (
                        child._option_string_actions
                    ):
                        # SUPPRESS: an unset one keeps what the command's level was given
                        child.add_argument(
                            "--workspace",
                            type=Path,
                            metavar="DIR",
                            default=argparse.SUPPRESS,
                            help=help,
                        )
                    todo.append(child)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 done, 2 a user's mistake, 130 Ctrl-C).

    Bad options end like bad files: a message on stderr and 2 (argparse's own usage error
    code), returned rather than raised so that callers and tests see the same code.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else EXIT_USER_ERROR
    with _stop_signals_interrupt(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        code = _run(args)
    for w in caught:  # what was read but should be checked, after the summary
        if issubclass(w.category, InputWarning):
            print(f"revisitkit: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return code


class _Stopped(KeyboardInterrupt):
    """``kill`` or a closed terminal: stop as Ctrl-C does, cleaning up on the way out."""


@contextlib.contextmanager
def _stop_signals_interrupt():
    def stop(signum, _frame):
        raise _Stopped(signum)

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, stop) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _run(args: argparse.Namespace) -> int:
    # --workspace sets REVISITKIT_WORKSPACE for this run (and what it starts): never beyond it
    saved = {var: os.environ.get(var) for var in VARIABLES}
    try:
        return _dispatch(args)
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "init":
            return _init(args)
        _use_workspace(args)
        if args.command == "plan":
            return _plan(args)
        if args.command == "sample":
            return _sample(args)
        if args.command == "risks":
            return _risks(args)
        if args.command == "roster":
            return _roster_draft(args)
        if args.command == "budget":
            return _budget(args)
        if args.command == "outcomes":
            return _outcomes(args)
        if args.command == "problems":
            return run_problems(args, _who(getattr(args, "who", None)), store_path)
        if args.command == "kpis":
            return _kpis(args)
        if args.command == "serve":
            ws = active_workspace()
            root = ws.dashboards if ws is not None else None
            env = {**os.environ, **_data_variables(args)}
            if ws is not None:
                env[WORKSPACE_VAR] = str(ws.root)
            settings = ServeSettings.from_args(args)
            return run(settings, env=env) if root is None else run(settings, root, env)
        if args.command == "report":
            # matplotlib and the whole views layer load only for the report (≈2 s of start-up
            # every other command would pay, measured with python -X importtime)
            from revisitkit.views.report import write_report

            os.environ.update(_data_variables(args))  # restored when the command ends
            written = write_report(args.out)
            print(f"Written: {display_path(written)}")
            return 0
    except UserError as e:
        print(f"revisitkit: error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as e:
        # a folder that cannot be written, a full disk, a file that vanished: the user's to fix
        where = f"{display_path(e.filename)}: " if e.filename else ""
        print(f"revisitkit: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as e:
        print("revisitkit: interrupted; nothing half-written was left behind", file=sys.stderr)
        return 128 + e.args[0] if isinstance(e, _Stopped) else 130
    return 0  # pragma: no cover - argparse requires a command


def _use_workspace(args: argparse.Namespace) -> None:
    """Activate ``--workspace`` (else the workspace holding the current folder), and fill in
    every option left out: from its ``REVISITKIT_*`` variable, else from the workspace (the
    config, the input files, the plan folder)."""
    ws = use_workspace(getattr(args, "workspace", None))
    if "config" in args:
        args.config = resolve("config", args.config)
    if args.command == "plan":
        args.customers = resolve("customers", args.customers)
        args.staff = resolve("staff", args.staff, existing=True)
    if args.command == "budget":
        args.actuals = resolve("actuals", args.actuals)
    if ws is None:
        return
    if "plan" in args and args.plan is None and args.command != "plan":
        args.plan = ws.path("plan")
    if args.command == "plan":
        args.out = args.out or ws.path("plan")
    if args.command == "kpis" and args.out is None:
        args.out = args.plan


def _needed(value, flag: str):
    """An option a command cannot do without, outside a workspace."""
    if value is None:
        raise UserError(
            f"give {flag}, or run the command inside a campaign workspace (create one with "
            "`revisitkit init DIR`, or name it with --workspace DIR)"
        )
    return value


def _data_variables(args: argparse.Namespace) -> dict[str, str]:
    """The ``REVISITKIT_*`` variables for the data options of ``serve`` and ``report`` (absolute
    paths: Voila's kernels run in the dashboards' folder)."""
    found = {}
    for key in ("customers", "staff", "actuals", "outcomes", "problems", "config"):
        given = getattr(args, key, None)
        if given is not None:
            found[FILES[key][1]] = str(Path(given).resolve())
    return found


def _init(args: argparse.Namespace) -> int:
    year = args.year or load_config().campaign.year
    ws = init_workspace(args.folder, year=year, sample=args.sample)
    shown = display_path(ws.root)
    print(f"Created the campaign workspace {shown} ({ws.name}):")
    print("  revisitkit.toml   the workspace's files (this marker makes the folder a workspace)")
    print(f"  campaign.yaml     your config: campaign.year {year}; add the keys you change")
    if args.sample:
        print(
            "  data/             the bundled sample (customers, roster, spend, outcomes, problems)"
        )
    else:
        print("  data/             put customers.csv (your CRM export) and roster.csv here")
    print("  notebooks/, dashboards/, README.md")
    print("Next:")
    print(f"  cd {shown}")
    print("  revisitkit plan      # the plan, schedule and budget into plan/")
    print("  revisitkit serve     # the dashboards on http://127.0.0.1:8866")
    return 0


def _plan(args: argparse.Namespace) -> int:
    check_present("customers", _needed(args.customers, "--customers FILE"))
    _needed(args.out, "--out DIR")
    config: Config = load_config(args.config)
    if args.campaign_year is not None or args.as_of is not None:
        config = config.with_overrides(year=args.campaign_year, as_of=args.as_of)
    calendar = campaign_calendar(config)
    out_dir: Path = args.out
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{display_path(out_dir)}: --out must be a folder, and this is a file")
    outputs = [out_dir / PLAN_CSV] + ([] if args.no_xlsx else [out_dir / PLAN_XLSX])
    if args.staff is not None:
        outputs += [out_dir / SCHEDULE_CSV, out_dir / ROSTER_CSV]
    else:
        outputs += [out_dir / NEEDS_CSV, out_dir / ROSTER_DRAFT_CSV]
    for given in (args.customers, args.staff):
        if (
            given is not None
            and given.exists()
            and any(o.exists() and o.resolve() == given.resolve() for o in outputs)
        ):
            raise UserError(
                f"{display_path(given)}: is where the plan would be written; choose another --out"
            )
    customers = load_customers(args.customers, config)
    if not args.no_xlsx and len(customers) + 1 > EXCEL_MAX_ROWS:
        raise UserError(
            f"{display_path(args.customers)}: {len(customers):,} customers do not fit in one Excel "
            f"sheet ({EXCEL_MAX_ROWS - 1:,} rows at most); run again with --no-xlsx "
            f"({PLAN_CSV} has every customer)"
        )
    roster = load_roster(args.staff, config) if args.staff is not None else None
    result = segment(customers, config)
    staffing = None
    if roster is not None:
        staffing = plan_staffing(
            result.plan,
            roster,
            config,
            calendar,
            reserve=args.reserve,
            source=display_path(args.staff),
        )
        rows = len(staffing.schedule_frame())
        if not args.no_xlsx and rows + 1 > EXCEL_MAX_ROWS:
            raise UserError(
                f"{display_path(args.staff)}: the schedule has {rows:,} rows, more than one "
                f"Excel sheet holds ({EXCEL_MAX_ROWS - 1:,}); run again with --no-xlsx "
                f"({SCHEDULE_CSV} has every row)"
            )

    # §4.2: without a roster, the people the plan needs (sized, then verified by scheduling)
    needs = None if staffing is not None else staffing_needs(result.plan, config, calendar)
    budget = plan_budget(result.plan, config, staffing=staffing, calendar=calendar)
    touches = plan_touches(result.plan, config, calendar, staffing)

    # everything that can fail is read before anything is written
    risks = None if args.no_xlsx else load_risks(config).frame
    # a folder with no manifest is an older kit's plan only when it holds its customers_plan.csv
    previous = PLAN_FILES if (out_dir / PLAN_CSV).is_file() else ()
    with staged_outputs(out_dir, manifest="plan", previous=previous) as stage:
        write_plan_csv(result, stage)
        write_touches_csv(touches, stage)
        write_budget_csvs(budget, stage)
        if not args.no_xlsx:
            write_plan_xlsx(result, config, stage, risks, staffing, budget, touches, needs)
        if needs is not None:
            write_needs_csvs(needs, stage)
        if staffing is not None:
            write_schedule_csv(staffing, stage)
            write_roster_csv(staffing.roster, stage)
            calendars = write_staff_calendars(
                staffing.timed.bookings, result.plan, staffing.roster, config, stage
            )
    written = [out_dir / PLAN_CSV, out_dir / TOUCHES_CSV]
    written += [] if args.no_xlsx else [out_dir / PLAN_XLSX]
    print(render_summary(result, calendar, config))
    print()
    print("\n".join(budget.summary_lines()))
    written += [out_dir / BUDGET_CSV, out_dir / BUDGET_MONTHLY_CSV]
    shown = [display_path(p) for p in written]
    if staffing is not None:
        print()
        print("\n".join(staffing.summary_lines()))
        shown += [display_path(out_dir / SCHEDULE_CSV), display_path(out_dir / ROSTER_CSV)]
        shown.append(f"{display_path(out_dir / CALENDARS_DIR)}/ ({len(calendars)} .ics files)")
    if needs is not None:
        print()
        print("\n".join(needs.summary_lines()))
        shown += [display_path(out_dir / NEEDS_CSV), display_path(out_dir / ROSTER_DRAFT_CSV)]
        print(
            f"  a roster of this size to fill in: revisitkit roster draft --plan "
            f"{display_path(out_dir)} --out roster.xlsx"
        )
    print("\nWritten: " + ", ".join(shown))
    return 0


def _roster_draft(args: argparse.Namespace) -> int:
    """``roster draft``: the team a plan without a roster sized, as a roster to fill in."""
    plan_dir = _needed(args.plan, "--plan PLAN_DIR")
    out: Path = args.out
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UserError(f"{display_path(out)}: --out must end in .xlsx or .csv")
    if out.exists():
        raise UserError(
            f"{display_path(out)}: already exists; a roster is never overwritten (choose "
            "another --out, or move the file away)"
        )
    draft = Path(plan_dir) / ROSTER_DRAFT_CSV
    if not draft.is_file():
        raise UserError(
            f"{display_path(draft)}: not found; it is written by `revisitkit plan` run "
            "without --staff (with a roster the plan schedules it instead of sizing one)"
        )
    config = load_config(args.config)
    staff = load_roster(draft, config)  # an edited draft is checked like any roster
    written = write_roster_draft_xlsx(staff, config, out)
    print(
        f"Written: {display_path(written)} ({len(staff):,} people; write each one's name "
        "over 待填, then run `revisitkit plan --staff` with it)"
    )
    return 0


def _sample(args: argparse.Namespace) -> int:
    """The sample customers and a staff roster sized from their plan, both seeded."""

    if args.customers < 1:
        raise UserError(f"--customers must be at least 1, got {args.customers}")
    if args.seed < 0:
        raise UserError(f"--seed must be a whole number ≥ 0, got {args.seed}")
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"{display_path(args.out)}: --out must be a folder, and this is a file")
    config = load_config()
    calendar = campaign_calendar(config)
    customers = generate_customers(args.customers, seed=args.seed)
    plan = segment(customers, config).plan
    roster = generate_roster(plan, config=config, seed=args.seed)
    # the spend so far of the plan's budget, as of the sample's review date
    staffing = plan_staffing(plan, roster, config, calendar, gap=False)
    monthly = plan_budget(plan, config, staffing=staffing, calendar=calendar).monthly()
    actuals = generate_actuals(monthly, as_of=SAMPLE_REVIEW_DATE, seed=args.seed)
    outcomes = simulate_outcomes(plan, staffing, config, as_of=SAMPLE_REVIEW_DATE, seed=args.seed)
    problems = simulate_problems(outcomes, config, as_of=SAMPLE_REVIEW_DATE, seed=args.seed)
    with staged_outputs(args.out) as stage:
        write_csv(to_crm_export(customers), stage / "customers.csv")
        write_csv(to_roster_export(roster, config), stage / "roster.csv")
        write_csv(to_actuals_export(actuals, config), stage / "actuals.csv")
        write_csv(to_outcomes_export(outcomes, config), stage / "outcomes.csv")
        write_csv(to_problems_export(problems, config), stage / "problems.csv")
    print(
        f"Written: {display_path(args.out / 'customers.csv')} ({args.customers:,} customers), "
        f"{display_path(args.out / 'roster.csv')} ({len(roster):,} staff), "
        f"{display_path(args.out / 'actuals.csv')} ({len(actuals):,} spend rows) and "
        f"{display_path(args.out / 'outcomes.csv')} ({len(outcomes):,} revisit outcomes), "
        f"{display_path(args.out / 'problems.csv')} ({len(problems):,} problems) as of "
        f"{SAMPLE_REVIEW_DATE}, seed {args.seed}"
    )
    return 0


def _budget(args: argparse.Namespace) -> int:
    _needed(args.plan, "--plan PLAN_DIR")
    _needed(args.actuals, "--actuals FILE")
    config = load_config(args.config)
    monthly = read_monthly(args.plan)
    actuals = load_actuals(args.actuals, config)
    table = variance(monthly, actuals, config)
    if args.out is not None:
        if args.out.exists() and not args.out.is_dir():
            raise UserError(f"{display_path(args.out)}: --out must be a folder, and this is a file")
        with staged_outputs(args.out) as stage:
            write_csv(table, stage / "budget_variance.csv")
    print(render_variance(table, config))
    over = overspend_total(table)
    print(
        f"\n{len(actuals):,} actual spend rows, {actuals['amount_cny'].sum():,.2f} CNY; "
        + (f"overspend {over:,.2f} CNY" if over > 0 else "no overspend")
    )
    if args.out is not None:
        print(f"Written: {display_path(args.out / 'budget_variance.csv')}")
    return 0


def render_variance(table: pd.DataFrame, config: Config) -> str:
    """The variance table as text: one line per month and category, overspend flagged."""
    lines = [f"{'month':<8} {'category':<22} {'planned':>14} {'actual':>14} {'variance':>14}"]
    for r in table.itertuples(index=False):
        label = config.budget.labels.get(r.category, r.category)
        flag = "  ⚠ overspend" if r.overspend else ""
        lines.append(
            f"{r.month:<8} {label:<22} {r.planned_cny:>14,.2f} {r.actual_cny:>14,.2f} "
            f"{r.variance_cny:>+14,.2f}{flag}"
        )
    return "\n".join(lines)


def _outcomes(args: argparse.Namespace) -> int:
    _needed(args.plan, "--plan PLAN_DIR")
    config = load_config(args.config)
    plan, staff = read_plan_dir(args.plan)
    path = writable_store(args.store or store_path(config))
    with Store(path) as store:
        result = OutcomeLog(store).import_file(
            args.file, config, _who(args.who), customers=plan["customer_id"], staff=staff
        )
        stored = len(OutcomeLog(store).frame())
    print(f"{result}; {stored:,} outcomes in {display_path(path)}")
    return 0


def _kpis(args: argparse.Namespace) -> int:
    _needed(args.plan, "--plan PLAN_DIR")
    _needed(args.out, "--out DIR")
    config = load_config(args.config)
    plan, staff = read_plan_dir(args.plan)
    if args.outcomes is not None:
        outcomes = load_outcomes(args.outcomes, config, customers=plan["customer_id"], staff=staff)
        where = display_path(args.outcomes)
    else:
        path = args.store or store_path(config)
        with Store(path) as store:
            outcomes = OutcomeLog(store).frame()
        where = f"the store {display_path(path)}"
        if outcomes.empty:
            raise UserError(
                f"no outcomes in {where}; give --outcomes FILE or import one first with "
                "`revisitkit outcomes import FILE --plan PLAN_DIR`"
            )
    later = load_customers(args.later_customers, config) if args.later_customers else None
    as_of = args.as_of or as_of_default(outcomes)
    problems = _stored_problems(args.problems, args.store or store_path(config), config, plan)
    clock = pd.Timestamp(as_of) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    table = compute_kpis(
        outcomes,
        plan,
        config,
        as_of=as_of,
        later_customers=later,
        problems=sla(problems, config, as_of=clock, calendar=campaign_calendar(config)),
    )
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"{display_path(args.out)}: --out must be a folder, and this is a file")
    workbook = args.plan / PLAN_XLSX
    # the workbook is opened before anything is written: a damaged one changes nothing
    book = load_plan_workbook(workbook) if workbook.is_file() else None
    with staged_outputs(args.out) as stage:
        write_csv(table, stage / KPIS_CSV)
    written = [display_path(args.out / KPIS_CSV)]
    if book is not None:
        add_kpi_sheet(workbook, kpi_table(table, config), book)
        written.append(f"{display_path(workbook)} (sheet 指标 KPIs)")
    print(render_kpis(table, config, as_of, where, len(outcomes)))
    print("\nWritten: " + ", ".join(written))
    return 0


def _stored_problems(file: Path | None, store: Path, config: Config, plan: pd.DataFrame):
    """The problems for the hand-off KPIs: *file*, else the store's (none: the KPIs are n/a)."""
    if file is not None:
        return load_problems(file, config, customers=plan["customer_id"].astype(str))
    with Store(store) as s:
        return ProblemLog(s, config).frame()


def render_kpis(table: pd.DataFrame, config: Config, as_of, where: str, n: int) -> str:
    """The overall KPIs as text, a traffic light each."""
    marks = {"green": "●", "amber": "◐", "red": "○", "n/a": "—"}
    lines = [f"KPIs as of {as_of} from {n:,} outcomes in {where}:"]
    for r in table[table["scope"] == "overall"].itertuples(index=False):
        value = "—" if pd.isna(r.value) else kpi_text(r.kpi, r.value)
        target = kpi_text(r.kpi, r.target)
        sign = "≥" if config.kpis.targets[r.kpi].direction == "min" else "≤"
        lines.append(
            f"  {kpi_label(r.kpi):<28} {value:>10}   target {sign} {target:<8} "
            f"{marks.get(r.status, '')}  {STATUS_LABELS.get(r.status, r.status)}"
        )
    return "\n".join(lines)


def _who(given: str | None) -> str:
    return given or os.environ.get("REVISITKIT_USER") or getpass.getuser()


def _risks(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    path = args.store or store_path(config)
    if args.action == "list":
        view = load_risks(config, path)
        frame = view.frame
        if args.category:
            frame = frame[frame["category"] == args.category]
        if args.status:
            frame = frame[frame["status"] == args.status]
        print(view.note())
        print(render_risks(frame))
        return 0
    if args.action == "init":
        register = open_register(config, path, who=_who(None))
        print(f"{display_path(path)}: {len(register.list())} risks in the register")
        return 0
    register = RiskRegister(
        Store(writable_store(path) if args.action == "import" else path), config
    )
    if args.action == "export":
        if not register.exists():
            raise UserError(
                f"{display_path(path)}: no store yet; create it with `revisitkit risks init`"
            )
        register.export(args.file)
        print(f"Written: {display_path(args.file)} ({len(register.list())} risks)")
        return 0
    summary = register.import_file(args.file, _who(args.who))
    print(
        f"{display_path(path)}: {len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged"
    )
    return 0


def render_risks(frame: pd.DataFrame) -> str:
    """The register as a compact text table, highest score first."""
    if frame.empty:
        return "(no risks)"
    shown = frame.sort_values(["score", "id"], ascending=[False, True])
    table = pd.DataFrame(
        {
            "id": shown["id"],
            "类别": shown["category_label"].str.split(" ").str[0],
            "风险 Risk": shown["title"],
            "L×I": shown["likelihood"].astype(str) + "×" + shown["impact"].astype(str),
            "分值": shown["score"],
            "等级": shown["level_label"].str.split(" ").str[0],
            "剩余": shown["residual_score"],
            "负责人": shown["owner_label"].str.split(" ").str[0],
            "状态": shown["status_label"].str.split(" ").str[0],
            "复核 Review": shown["next_review"].astype(str),
        }
    )
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 160):
        return table.to_string(index=False)


def render_summary(result: SegmentationResult, calendar: CampaignCalendar, config: Config) -> str:
    """The plan at a glance: segment × priority counts, deadlines, calendar facts, warnings."""
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 120):
        return _summary_text(result, calendar, config)


def _summary_text(result: SegmentationResult, calendar: CampaignCalendar, config: Config) -> str:
    labels = {code: seg.label for code, seg in config.segments}
    table = result.summary()
    table.index = [labels.get(i, "合计 Total") for i in table.index]
    table.columns = [config.priority.labels.get(c, "合计 Total") for c in table.columns]
    plan = result.plan
    due = plan.groupby("priority")["deadline"].agg(["min", "max", "size"]).reindex(list(TIERS))
    lines = [
        f"Revisit plan — campaign {config.campaign.year}, data as of {result.as_of}",
        "",
        "Customers by value segment and priority:",
        table.to_string(),
        "",
        "Deadlines by priority:",
    ]
    for tier, row in due.iterrows():
        if pd.isna(row["min"]):
            continue
        span = f"{row['min']:%Y-%m-%d}" + (
            f" … {row['max']:%Y-%m-%d}" if row["max"] != row["min"] else ""
        )
        lines.append(f"  {config.priority.labels[tier]:<10} {int(row['size']):>9,}  due {span}")
    lines += ["", *calendar.describe()]
    notes = [str(n) for n in result.not_evaluated]
    if notes:
        lines += [
            "",
            "Rules not evaluated (the file lacks their columns):",
            *[f"  - {n}" for n in notes],
        ]
    if calendar.warnings:
        lines += ["", *[f"WARNING: {w}" for w in calendar.warnings]]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
