"""Shared fixtures: the default config, and small customer frames built row by row."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from revisitkit.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
TEST_OUTPUT = Path(os.environ.get("REVISITKIT_TEST_OUTPUT", ROOT / "test-output"))

#: A plain active customer: nothing about it fires a rule except its revenue band.
BASE = {
    "name": "测试客户",
    "revenue_12m": 500_000.0,
    "revenue_last_6m": 250_000.0,
    "revenue_prev_6m": 250_000.0,
    "revenue_last_3m": 125_000.0,
    "revenue_prev_3m": 125_000.0,
    "first_order_date": pd.Timestamp("2020-03-01"),
    "last_order_date": pd.Timestamp("2026-11-01"),
    "cooperation_years": 2,  # below loyal_core's 3 years
    "status": "active",
    "terminated_date": pd.NaT,
    "winback_worthy": True,
    "open_major_complaints": 0,
    "project_value": 0.0,
    "industry_rank": pd.NA,
    "industry": "汽车零部件",
    "region": "上海",
    "business_type": "product",
    "owner": "S001",
}


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config()


@pytest.fixture(scope="session")
def no_top_share(config: Config) -> Config:
    """Core only by revenue: isolates a rule from the top-20% ranking of a tiny frame."""
    return config.replace({"segments": {"core": {"top_share": 0.0}}})


def customers(*rows: dict, base: dict | None = None) -> pd.DataFrame:
    """A canonical customers frame: each row is BASE with the given changes."""
    base = BASE if base is None else base
    records = [{"customer_id": f"T{i + 1:03d}", **base, **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame.from_records(records)
    for col in ("first_order_date", "last_order_date", "terminated_date"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col])
    if "industry_rank" in frame:
        frame["industry_rank"] = frame["industry_rank"].astype("Int64")
    return frame
