"""What a notebook or a dashboard opens: config, calendar, customers and the plan, in one call.

Dashboards are started by ``revisitkit serve`` (or ``voila``) with no arguments, so where the
data comes from is resolved by :func:`revisitkit.workspace_dir.resolve`: an argument, else a
``REVISITKIT_*`` variable, else the campaign workspace's file (``revisitkit.toml``), else the
bundled, regenerable sample:

* ``REVISITKIT_CUSTOMERS`` — a customers file (.csv in UTF-8 or GBK, .xlsx, .parquet);
* ``REVISITKIT_CONFIG`` — a campaign config laid over the kit's ``campaign.yaml``;
* ``REVISITKIT_STAFF`` — a staff roster (:func:`load_staff`);
* ``REVISITKIT_ACTUALS`` — the actual spend so far (:attr:`Campaign.actuals`);
* ``REVISITKIT_OUTCOMES`` — the revisit outcomes so far (else the store's, else the sample's);
* ``REVISITKIT_PROBLEMS`` — the problems handed on (else the store's, else the sample's);
* ``REVISITKIT_STORE`` — the SQLite store (risk register, outcomes, problems);
* ``REVISITKIT_WORKSPACE`` — the workspace (else the one holding the current folder).

:func:`load_campaign` builds the whole
chain — workspace → schedule → budget → spend against plan → register → outcomes → signals —
once, for the overview, the risks dashboard, notebook 04 and the static report.

Example
-------
>>> ws = load_workspace()
>>> ws.source, len(ws.customers) == len(ws.result.plan)
('data/sample/customers.csv', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from revisitkit.budget import BudgetPlan, overspend_total, plan_budget, variance
from revisitkit.calendar import CampaignCalendar, campaign_calendar
from revisitkit.config import Config, display_path, load_config
from revisitkit.errors import UserError
from revisitkit.io import (
    load_actuals,
    load_customers,
    load_outcomes,
    load_problems,
    load_roster,
    load_seed,
)
from revisitkit.kit import KIT_DATA, KIT_ROOT, SOURCE_CHECKOUT, inside_kit
from revisitkit.kpi import as_of_default
from revisitkit.problems import sla
from revisitkit.risk import register_frame, signals
from revisitkit.schema import OUTCOME_FIELDS, PROBLEM_FIELDS, parse_actuals
from revisitkit.segmentation import SegmentationResult, segment
from revisitkit.staffing import StaffingPlan, plan_staffing
from revisitkit.store import OutcomeLog, ProblemLog, RiskRegister, Store
from revisitkit.workspace_dir import active_workspace, check_present, from_variable, resolve

#: The bundled sample customers (regenerate with ``revisitkit sample --out data/sample``).
SAMPLE_CUSTOMERS = KIT_DATA / "sample" / "customers.csv"


@dataclass(frozen=True)
class Workspace:
    """Everything a view of the plan needs, loaded and checked once."""

    config: Config
    calendar: CampaignCalendar
    customers: pd.DataFrame
    result: SegmentationResult
    source: str  # the customers file, as people should see it

    @property
    def plan(self) -> pd.DataFrame:
        return self.result.plan

    @property
    def source_label(self) -> str:
        """The data source as a manager should read it (no folders)."""
        return file_label(self.source, SAMPLE_CUSTOMERS)


def file_label(path: str | Path, sample: Path) -> str:
    """A data file as a manager should read it: its name, marked when it is the bundled
    *sample*."""
    path = Path(path)
    is_sample = path.resolve() == sample.resolve()
    return f"{path.name} (示例数据 sample data)" if is_sample else path.name


def load_workspace(
    customers: str | Path | None = None, config: str | Path | None = None
) -> Workspace:
    """Load config, calendar and customers and build the segmented plan.

    Parameters
    ----------
    customers, config
        Paths; ``None`` reads ``REVISITKIT_CUSTOMERS`` / ``REVISITKIT_CONFIG``, else the
        workspace's files, else the bundled sample and the default config.
    """
    customers = check_present("customers", resolve("customers", customers) or SAMPLE_CUSTOMERS)
    config = resolve("config", config)
    cfg = load_config(config)
    cal = campaign_calendar(cfg)
    frame = load_customers(customers, cfg)
    return Workspace(cfg, cal, frame, segment(frame, cfg), display_path(customers))


#: The bundled sample roster (regenerate with ``revisitkit sample --out data/sample``).
SAMPLE_ROSTER = KIT_DATA / "sample" / "roster.csv"


def load_staff(config: Config, path: str | Path | None = None) -> pd.DataFrame:
    """The staff roster: *path*, else ``REVISITKIT_STAFF``, else the workspace's, else the
    bundled sample."""
    return load_roster(resolve("staff", path) or SAMPLE_ROSTER, config)


#: The bundled sample spend and revisit outcomes (regenerate with ``revisitkit sample``).
SAMPLE_ACTUALS = KIT_DATA / "sample" / "actuals.csv"
SAMPLE_OUTCOMES = KIT_DATA / "sample" / "outcomes.csv"
SAMPLE_PROBLEMS = KIT_DATA / "sample" / "problems.csv"


#: The seed register: every risk the plan names (loaded into the store on first use).
SEED_RISKS = KIT_DATA / "risks_seed.yaml"


def store_path(config: Config) -> Path:
    """The SQLite store: ``REVISITKIT_STORE`` if set, else the workspace's, else ``risk.store``
    of the config."""
    return resolve("store") or config.risk.store_path()


def writable_store(path: Path) -> Path:
    """*path*, checked before the store is created or changed there: an installed kit's own
    folder is never written to (outside a workspace the default store would lie there).

    Raises
    ------
    UserError
        *path* lies inside the installed kit.
    """
    if inside_kit(path):
        raise UserError(
            "outside a campaign workspace there is no store to write: create one with "
            "`revisitkit init DIR` and run the command inside DIR, or give --store FILE"
        )
    return path


@dataclass(frozen=True)
class RiskView:
    """The risk register as managers read it: stored if the store exists, else the seed."""

    frame: pd.DataFrame
    stored: bool
    source: str

    def note(self) -> str:
        if self.stored:
            return f"风险登记册 Register: {self.source}"
        return (
            f"尚未保存 Not saved yet: the store {self.source} does not exist, so this is the seed "
            "register from the plan (data/risks_seed.yaml). Planners create the store in "
            "notebooks/04-risk-register.ipynb or with `revisitkit risks init`."
        )


def load_risks(config: Config, store: str | Path | None = None) -> RiskView:
    """Read the register without writing anything: the store if it exists, else the seed."""
    path = Path(store) if store else store_path(config)
    register = RiskRegister(Store(path), config)
    if register.exists():
        frame = register.list()
        if len(frame):
            return RiskView(frame, True, display_path(path))
    seed = register_frame(load_seed(SEED_RISKS, config), config)
    return RiskView(seed, False, display_path(path))


def open_register(config: Config, store: str | Path | None = None, *, who: str = "revisitkit"):
    """The register for editing: creates the store and loads the seed the first time."""
    path = writable_store(Path(store) if store else store_path(config))
    register = RiskRegister(Store(path), config)
    register.seed_if_empty(load_seed(SEED_RISKS, config), who)
    return register


def empty_actuals(config: Config) -> pd.DataFrame:
    """An actual-spend table with no rows (the columns and types of ``load_actuals``)."""
    frame = parse_actuals(
        pd.DataFrame({h: pd.Series(dtype=object) for h in ("日期", "类别", "金额", "备注")}),
        source="(no actuals yet)",
        config=config,
    )
    return frame.astype({"amount_cny": float, "category": str, "note": str})


def empty_outcomes() -> pd.DataFrame:
    """An outcomes table with no rows (the columns and types of ``load_outcomes``)."""
    frame = pd.DataFrame({f: pd.Series(dtype=object) for f in OUTCOME_FIELDS})
    frame["date"] = pd.to_datetime(frame["date"])
    frame["reached"] = frame["reached"].astype(bool)
    return frame


class Campaign:
    """The campaign as the overview, the risks dashboard, notebook 04 and the report see it.

    Built by :func:`load_campaign`; each part is computed the first time it is asked for and
    kept, so a page that needs only the schedule never costs the outcomes, and no page computes
    a part twice.
    """

    def __init__(
        self,
        ws: Workspace,
        *,
        roster_path: Path,
        actuals_path: Path,
        outcomes_path: Path | None,
        store: Path,
        gap: bool,
        problems_path: Path | None = None,
        outcomes_fallback: Path | None = None,
        problems_fallback: Path | None = None,
    ):
        self.ws = ws
        self.config = ws.config
        self._roster_path, self._actuals_path = roster_path, actuals_path
        self._outcomes_path, self.store = outcomes_path, store
        self._problems_path = problems_path
        self._fallback = {"outcomes": outcomes_fallback, "problems": problems_fallback}
        self._gap = gap

    @cached_property
    def roster(self) -> pd.DataFrame:
        return load_roster(self._roster_path, self.config)

    @cached_property
    def staff_names(self) -> dict[str, str]:
        """Each staff id's name as the roster gives it (managers read names, not ids)."""
        r = self.roster
        return dict(zip(r["staff_id"].astype(str), r["name"].astype(str), strict=True))

    @property
    def roster_label(self) -> str:
        return file_label(self._roster_path, SAMPLE_ROSTER)

    @cached_property
    def staffing(self) -> StaffingPlan:
        """The schedule (with the verified capacity gap when loaded with ``gap=True``)."""
        ws = self.ws
        return plan_staffing(ws.plan, self.roster, ws.config, ws.calendar, gap=self._gap)

    @cached_property
    def budget(self) -> BudgetPlan:
        ws = self.ws
        return plan_budget(ws.plan, ws.config, staffing=self.staffing, calendar=ws.calendar)

    @cached_property
    def actuals(self) -> pd.DataFrame:
        """The spend so far, as recorded (none yet: a workspace without its actuals file)."""
        if self._actuals_path is None:
            return empty_actuals(self.config)
        return load_actuals(self._actuals_path, self.config)

    @cached_property
    def spend(self) -> pd.DataFrame:
        """The spend against the monthly plan (``revisitkit.budget.variance``)."""
        return variance(self.budget.monthly(), self.actuals, self.config)

    @cached_property
    def risks(self) -> RiskView:
        return load_risks(self.config, self.store)

    @cached_property
    def _outcomes(self) -> tuple[pd.DataFrame, str]:
        ws = self.ws
        if self._outcomes_path is None:
            store = Store(self.store)
            try:
                stored = OutcomeLog(store).frame()
            finally:
                store.close()
            if len(stored):
                return stored, f"存储 store {display_path(self.store)}"
            if (fallback := self._fallback["outcomes"]) is not None:
                frame = load_outcomes(
                    fallback,
                    ws.config,
                    customers=ws.plan["customer_id"],
                    staff=self.roster["staff_id"],
                )
                return frame, Path(fallback).name
            if Path(ws.source).resolve() != SAMPLE_CUSTOMERS.resolve():
                # your customers, no outcomes yet: the sample's would not match them
                note = (
                    "尚无回访结果 no outcomes yet (import them with `revisitkit outcomes import`)"
                )
                return empty_outcomes(), note
        file = self._outcomes_path or SAMPLE_OUTCOMES
        frame = load_outcomes(
            file, ws.config, customers=ws.plan["customer_id"], staff=self.roster["staff_id"]
        )
        return frame, file_label(file, SAMPLE_OUTCOMES)

    @property
    def outcomes(self) -> pd.DataFrame:
        """The revisit outcomes: ``REVISITKIT_OUTCOMES``, else the store's when it holds any,
        else the sample's when the customers are the sample's, else none yet."""
        return self._outcomes[0]

    @property
    def outcomes_source(self) -> str:
        return self._outcomes[1]

    @property
    def as_of(self) -> date:
        """The evaluation date: the latest outcome's."""
        return as_of_default(self.outcomes)

    @cached_property
    def _problems(self) -> tuple[pd.DataFrame, str]:
        ws = self.ws
        if self._problems_path is None:
            store = Store(self.store)
            try:
                stored = ProblemLog(store, ws.config).frame()
            finally:
                store.close()
            if len(stored):
                return stored[list(PROBLEM_FIELDS)], f"存储 store {display_path(self.store)}"
            if (fallback := self._fallback["problems"]) is not None:
                frame = load_problems(fallback, ws.config, customers=ws.plan["customer_id"])
                return frame, Path(fallback).name
            if Path(ws.source).resolve() != SAMPLE_CUSTOMERS.resolve():
                empty = pd.DataFrame({f: pd.Series(dtype=object) for f in PROBLEM_FIELDS})
                return (
                    empty,
                    "尚无问题记录 no problems yet (import them with `revisitkit problems import`)",
                )
        file = self._problems_path or SAMPLE_PROBLEMS
        frame = load_problems(file, ws.config, customers=ws.plan["customer_id"])
        return frame, file_label(file, SAMPLE_PROBLEMS)

    @property
    def problems(self) -> pd.DataFrame:
        """The problems handed on: ``REVISITKIT_PROBLEMS``, else the store's when it holds
        any, else the sample's when the customers are the sample's, else none yet."""
        return self._problems[0]

    @property
    def problems_source(self) -> str:
        return self._problems[1]

    @property
    def problems_as_of(self) -> pd.Timestamp:
        """The moment the SLA clock is read: the end of the progress date (:attr:`as_of`)."""
        return pd.Timestamp(self.as_of) + pd.Timedelta(hours=23, minutes=59, seconds=59)

    @cached_property
    def problem_sla(self) -> pd.DataFrame:
        """The SLA clock of every problem at :attr:`problems_as_of` (revisitkit.problems.sla)."""
        ws = self.ws
        return sla(self.problems, ws.config, as_of=self.problems_as_of, calendar=ws.calendar)

    def signals(self, risks: pd.DataFrame | None = None) -> pd.DataFrame:
        """The live risk signals (``revisitkit.risk.signals``) against *risks*, by default the
        register as stored."""
        ws = self.ws
        return signals(
            ws.plan,
            ws.calendar,
            ws.config,
            staffing_gap=self.staffing.gap_person_days,
            budget_overspend=overspend_total(self.spend),
            risks=self.risks.frame if risks is None else risks,
        )


def load_campaign(
    customers: str | Path | None = None,
    config: str | Path | None = None,
    *,
    gap: bool = False,
) -> Campaign:
    """The campaign's inputs, resolved once: the arguments, else the ``REVISITKIT_*``
    variables, else the bundled sample (see the module docstring).

    Parameters
    ----------
    customers, config
        As for :func:`load_workspace`.
    gap
        Measure the verified capacity gap with the schedule (seconds on the sample; the
        risk signals and the staffing page show it, the overview does not).

    Example
    -------
    >>> campaign = load_campaign()
    >>> campaign.roster_label, len(campaign.roster) > 0
    ('roster.csv (示例数据 sample data)', True)
    """
    ws = load_workspace(customers, config)
    folder = active_workspace()

    def own(key: str) -> Path | None:
        return folder.existing(key) if folder is not None else None

    actuals = from_variable("actuals") or (own("actuals") if folder else SAMPLE_ACTUALS)
    return Campaign(
        ws,
        roster_path=check_present("staff", resolve("staff") or SAMPLE_ROSTER),
        actuals_path=actuals,
        outcomes_path=from_variable("outcomes"),
        store=store_path(ws.config),
        gap=gap,
        problems_path=from_variable("problems"),
        outcomes_fallback=own("outcomes"),
        problems_fallback=own("problems"),
    )


def demo_dir() -> Path:
    """Where notebooks keep throwaway demo stores: the workspace's ``build/``, else the
    repository's (never committed), else ``build/`` in the current folder."""
    folder = active_workspace()
    if folder is not None:
        return folder.root / "build"
    return (KIT_ROOT if SOURCE_CHECKOUT else Path.cwd()) / "build"


def demo_register(config: Config, name: str, *, who: str = "revisitkit") -> RiskRegister:
    """A throwaway register ``build/<name>``, started afresh from the plan's risks each time
    (notebook 04's demo and walkthrough). Only a store this kit made is ever removed.

    Raises
    ------
    UserError
        *name* is not a plain file name, or ``build/<name>`` is not one of the kit's stores.
    """
    if Path(name).name != name or name in ("", ".", ".."):
        raise UserError(f"{name!r}: a demo store is a plain file name, like 'risk-demo.db'")
    folder = demo_dir()
    path = folder / name
    folder.mkdir(exist_ok=True)
    if path.exists():
        with Store(path) as store:
            store.schema_version()  # refuses (UserError) a file that is not one of the kit's
        for leftover in (path, *(path.with_name(name + s) for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
    return open_register(config, path, who=who)
