"""What a notebook or a dashboard opens: config, calendar, customers and the plan, in one call.

Dashboards are started by ``make serve`` (or ``voila``) with no arguments, so where the data
comes from is read from the environment, with the bundled, regenerable sample as the default:

* ``REVISITKIT_CUSTOMERS`` — a customers file (.csv in UTF-8 or GBK, .xlsx, .parquet);
* ``REVISITKIT_CONFIG`` — a campaign config laid over ``data/campaign.yaml``.

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
from revisitkit.io import load_customers
from revisitkit.segmentation import SegmentationResult, segment

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
        name = Path(self.source).name
        is_sample = Path(self.source).resolve() == SAMPLE_CUSTOMERS.resolve()
        return f"{name} (示例数据 sample data)" if is_sample else name


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
