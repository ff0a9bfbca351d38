"""What a notebook or a dashboard opens: config, calendar, customers and the plan, in one call.

Dashboards are started by ``make serve`` (or ``voila``) with no arguments, so where the data
comes from is read from the environment, with the bundled, regenerable sample as the default:

* ``REVISITKIT_CUSTOMERS`` — a customers file (.csv in UTF-8 or GBK, .xlsx, .parquet);
* ``REVISITKIT_CONFIG`` — a campaign config laid over ``data/campaign.yaml``;
* ``REVISITKIT_STAFF`` — a staff roster (:func:`load_staff`);
* ``REVISITKIT_ACTUALS`` — the actual spend so far (:func:`load_spend`).

Example
-------
>>> ws = load_workspace()
>>> ws.source, len(ws.customers) == len(ws.result.plan)
('data/sample/customers.csv', True)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from revisitkit.calendar import CampaignCalendar, campaign_calendar
from revisitkit.config import DEFAULT_CONFIG_PATH, Config, display_path, load_config
from revisitkit.io import load_actuals, load_customers, load_roster, load_seed
from revisitkit.risk import register_frame
from revisitkit.segmentation import SegmentationResult, segment
from revisitkit.store import RiskRegister, Store

#: The bundled sample customers (regenerate with ``revisitkit sample --out data/sample``).
SAMPLE_CUSTOMERS = DEFAULT_CONFIG_PATH.parent / "sample" / "customers.csv"


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
        Paths; ``None`` reads ``REVISITKIT_CUSTOMERS`` / ``REVISITKIT_CONFIG`` from the
        environment and falls back to the bundled sample and the default config.
    """
    customers = customers or os.environ.get("REVISITKIT_CUSTOMERS") or SAMPLE_CUSTOMERS
    config = config or os.environ.get("REVISITKIT_CONFIG") or None
    cfg = load_config(config)
    cal = campaign_calendar(cfg)
    frame = load_customers(customers, cfg)
    return Workspace(cfg, cal, frame, segment(frame, cfg), display_path(customers))


#: The bundled sample roster (regenerate with ``revisitkit sample --out data/sample``).
SAMPLE_ROSTER = DEFAULT_CONFIG_PATH.parent / "sample" / "roster.csv"


def load_staff(config: Config, path: str | Path | None = None) -> pd.DataFrame:
    """The staff roster: *path*, else ``REVISITKIT_STAFF``, else the bundled sample."""
    return load_roster(path or os.environ.get("REVISITKIT_STAFF") or SAMPLE_ROSTER, config)


def staff_label(path: str | Path | None = None) -> str:
    """The roster file as people should see it (no folders)."""
    return file_label(path or os.environ.get("REVISITKIT_STAFF") or SAMPLE_ROSTER, SAMPLE_ROSTER)


#: The bundled sample spend and revisit outcomes (regenerate with ``revisitkit sample``).
SAMPLE_ACTUALS = DEFAULT_CONFIG_PATH.parent / "sample" / "actuals.csv"
SAMPLE_OUTCOMES = DEFAULT_CONFIG_PATH.parent / "sample" / "outcomes.csv"


def load_spend(config: Config, path: str | Path | None = None) -> pd.DataFrame:
    """The actual spend: *path*, else ``REVISITKIT_ACTUALS``, else the bundled sample."""
    return load_actuals(path or os.environ.get("REVISITKIT_ACTUALS") or SAMPLE_ACTUALS, config)


#: The seed register: every risk the plan names (loaded into the store on first use).
SEED_RISKS = DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml"


def store_path(config: Config) -> Path:
    """The SQLite store: ``REVISITKIT_STORE`` if set, else ``risk.store`` of the config."""
    return Path(os.environ.get("REVISITKIT_STORE") or config.risk.store_path())


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
    register = RiskRegister(Store(Path(store) if store else store_path(config)), config)
    register.seed_if_empty(load_seed(SEED_RISKS, config), who)
    return register
