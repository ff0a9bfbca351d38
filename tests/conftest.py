"""Shared fixtures: the default config, small customer frames built row by row, a real web
server on a free loopback port, the outcomes file of the small campaign, and a risk register
in a store file."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from revisitkit.config import DEFAULT_CONFIG_PATH, Config, load_config
from revisitkit.io import load_seed
from revisitkit.store import RiskRegister, Store
from revisitkit.workspace_dir import VARIABLES
from tests.small_campaign import HEADER, ROWS

ROOT = Path(__file__).resolve().parent.parent
TEST_OUTPUT = Path(os.environ.get("REVISITKIT_TEST_OUTPUT", ROOT / "test-output"))


def _session_environment() -> None:
    """What ``make test`` used to set around pytest, set by the session itself, so that plain
    ``pytest`` runs the same suite: the notebooks and servers run on the bundled sample and the
    seed register, never on a developer's own data or workspace."""
    for var in VARIABLES:
        os.environ.pop(var, None)
    shutil.rmtree(TEST_OUTPUT, ignore_errors=True)
    TEST_OUTPUT.mkdir(parents=True)
    os.environ["REVISITKIT_STORE"] = str(TEST_OUTPUT / "no-store" / "revisitkit.db")
    # the notebooks' kernels: set ordering is by hash, and nbval compares outputs exactly
    os.environ["PYTHONHASHSEED"] = "0"
    # a fresh matplotlib cache (matplotlib is imported later, by the tests that draw): a stale
    # font list never hides the CJK font; inside the session's output folder, so that a
    # pytest started by a test (with its own REVISITKIT_TEST_OUTPUT) never touches this one's
    os.environ["MPLCONFIGDIR"] = str(TEST_OUTPUT / "mplcache")


def pytest_configure():
    _session_environment()


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


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(*options: str) -> list[str]:
    """``revisitkit serve`` with *options*, as a subprocess runs it."""
    return [sys.executable, "-m", "revisitkit", "serve", *options]


@contextlib.contextmanager
def served(
    command: Callable[[int], list[str]],
    log_name: str,
    *,
    cwd: Path = ROOT,
    probe: str = "/",
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run a web server (``command(port)``) on a free loopback port until it answers *probe*;
    yield its base URL; stop it afterwards. The REVISITKIT_* environment is cleared and the
    store points at a file that does not exist, so the servers show the bundled sample and the
    seed register, whatever a developer keeps in data/ (*env*, when given, is the server's
    whole environment instead)."""
    port = free_port()
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REVISITKIT_")}
        env["REVISITKIT_STORE"] = str(TEST_OUTPUT / "no-store" / "revisitkit.db")
    url = f"http://127.0.0.1:{port}"
    with (TEST_OUTPUT / log_name).open("w") as log:
        proc = subprocess.Popen(
            command(port), cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the server exited with {proc.returncode}; see {log.name}")
                try:
                    urllib.request.urlopen(url + probe, timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"the server did not answer within 60 s; see {log.name}")
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian Chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def outcomes_file(tmp_path: Path) -> Path:
    """The small campaign's outcomes as a GBK CSV (tests/small_campaign.py)."""
    path = tmp_path / "回访结果.csv"
    path.write_bytes((HEADER + "\n".join(ROWS) + "\n").encode("gbk"))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store file in tmp_path, not created yet (the first write creates it)."""
    with Store(tmp_path / "revisitkit.db") as s:
        yield s


@pytest.fixture
def register(store: Store, config: Config) -> RiskRegister:
    """The (empty) risk register of :func:`store`."""
    return RiskRegister(store, config)


@pytest.fixture
def seeded(register: RiskRegister, config: Config) -> RiskRegister:
    """:func:`register` with the plan's risks (data/risks_seed.yaml)."""
    register.seed_if_empty(
        load_seed(DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml", config), "种子 seed"
    )
    return register
