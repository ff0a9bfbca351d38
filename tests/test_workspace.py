"""Campaign workspaces (``revisitkit init``, ``revisitkit.toml``), the order inputs are resolved
in, ``serve``/``report`` data options, portable output names and the one way to run the tests.

The commands run in-process here (``revisitkit.cli.main``) from inside a real workspace on
disk; tests/test_install.py runs them again from a wheel installed outside the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from revisitkit.cli import main
from revisitkit.workspace import load_campaign, load_workspace, store_path
from revisitkit.workspace_dir import MARKER, VARIABLES, find_workspace, resolve

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def clean_env(monkeypatch):
    """No REVISITKIT_* variable (the session points REVISITKIT_STORE at a file that does not
    exist, which would win over the workspace's store)."""
    for var in VARIABLES:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.fixture
def ws(tmp_path: Path, clean_env) -> Path:
    """A workspace with the sample, the current folder inside it."""
    assert main(["init", str(tmp_path / "ws"), "--sample"]) == 0
    clean_env.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


# ------------------------------------------------------------------------------------ init
def test_init_creates_a_workspace_a_planner_owns(tmp_path, clean_env, capsys):
    assert main(["init", str(tmp_path / "camp"), "--year", "2027"]) == 0
    out = capsys.readouterr().out
    assert "revisitkit plan" in out and "revisitkit serve" in out
    ws = tmp_path / "camp"
    for name in (MARKER, "campaign.yaml", "README.md", "data", "notebooks", "dashboards"):
        assert (ws / name).exists(), name
    assert not any((ws / "data").iterdir())  # no --sample: your own files go there
    marker = tomllib.loads((ws / MARKER).read_text(encoding="utf-8"))["workspace"]
    assert marker["customers"] == "data/customers.csv" and marker["store"] == "revisitkit.db"
    # the overlay sets the year given, and is a valid config (read through the kit's loader)
    clean_env.chdir(ws)
    from revisitkit.config import load_config

    assert load_config(resolve("config")).campaign.year == 2027
    readme = (ws / "README.md").read_text(encoding="utf-8")
    assert "工作区" in readme and "workspace" in readme
    # the notebook copies read the workspace's files, never the kit's sample
    for nb in (ws / "notebooks").glob("*.ipynb"):
        text = nb.read_text(encoding="utf-8")
        assert "data/sample" not in text, nb.name
    assert '\\"../data/customers.csv\\"' in (ws / "notebooks/01-segmentation.ipynb").read_text(
        encoding="utf-8"
    )
    assert sorted(p.name for p in (ws / "dashboards").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "dashboards").glob("*.ipynb")
    )


def test_init_never_overwrites(tmp_path, clean_env, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(mine)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert files_under(mine) == {"notes.txt"}
    assert main(["init", str(tmp_path / "ws")]) == 0
    before = {p: p.read_bytes() for p in (tmp_path / "ws").rglob("*") if p.is_file()}
    assert main(["init", str(tmp_path / "ws"), "--sample"]) == 2
    assert "already a workspace" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (tmp_path / "ws").rglob("*") if p.is_file()} == before
    # a file in the way: refused, and no half-made folder left beside it
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert main(["init", str(tmp_path / "afile")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "mine", "ws"]


def test_a_bad_marker_is_refused_with_its_key(ws, capsys):
    marker = ws / MARKER
    text = marker.read_text(encoding="utf-8")
    marker.write_text(text + 'custmers = "x.csv"\n', encoding="utf-8")
    assert main(["plan"]) == 2
    err = capsys.readouterr().err
    assert "revisitkit.toml" in err and "'custmers'" in err and "accepted: name, config" in err
    assert "Traceback" not in err
    marker.write_text(text.replace('store = "revisitkit.db"', 'store = "../x.db"'), "utf-8")
    assert main(["risks", "init"]) == 2
    assert "outside the workspace" in capsys.readouterr().err
    assert not (ws.parent / "x.db").exists()


# ---------------------------------------------------------------------- finding and resolving
def test_a_workspace_is_found_like_a_git_repository(ws, clean_env, tmp_path):
    clean_env.chdir(ws / "notebooks")
    found = find_workspace()
    assert found is not None and found.root == ws.resolve()
    assert resolve("customers") == ws.resolve() / "data/customers.csv"
    clean_env.chdir(tmp_path)
    assert find_workspace() is None
    # --workspace from anywhere
    clean_env.setenv("REVISITKIT_WORKSPACE", str(ws))
    assert resolve("staff") == ws.resolve() / "data/roster.csv"


def test_precedence_option_then_variable_then_workspace_then_kit(ws, clean_env, tmp_path):
    other = tmp_path / "other.csv"
    other.write_bytes((SAMPLE / "customers.csv").read_bytes())
    assert resolve("customers") == ws.resolve() / "data/customers.csv"
    clean_env.setenv("REVISITKIT_CUSTOMERS", str(other))
    assert resolve("customers") == other
    assert resolve("customers", "given.csv") == Path("given.csv")
    clean_env.delenv("REVISITKIT_CUSTOMERS")
    # the dashboards' loaders read the workspace's files and store
    assert load_workspace().source == "data/customers.csv"
    campaign = load_campaign()
    assert campaign.store == ws.resolve() / "revisitkit.db"
    assert store_path(campaign.config) == ws.resolve() / "revisitkit.db"
    assert campaign.outcomes_source == "outcomes.csv"  # the workspace's file (store empty)
    clean_env.chdir(tmp_path)
    assert load_workspace().source_label == "customers.csv (示例数据 sample data)"


# --------------------------------------------------------------------- commands in a workspace
def test_every_command_works_inside_the_workspace_and_writes_only_there(ws, capsys, tmp_path):
    outside = files_under(tmp_path) - {
        p for p in files_under(tmp_path) if p == "ws" or p.startswith("ws/")
    }
    kit_before = {p: p.stat().st_mtime_ns for p in (ROOT / "data").rglob("*") if p.is_file()}
    (ws / "notebooks").mkdir(exist_ok=True)
    os.chdir(ws / "notebooks")  # a folder below the workspace finds it too
    assert main(["plan", "--no-xlsx"]) == 0
    assert (ws / "plan/customers_plan.csv").is_file() and (ws / "plan/schedule.csv").is_file()
    assert main(["risks", "init"]) == 0
    assert (ws / "revisitkit.db").is_file()
    assert main(["outcomes", "import", "../data/outcomes.csv"]) == 0
    assert main(["problems", "import", "../data/problems.csv"]) == 0
    assert main(["kpis"]) == 0
    assert (ws / "plan/kpis.csv").is_file()
    assert main(["budget"]) == 0
    out = capsys.readouterr().out
    assert "6,325 outcomes in ../revisitkit.db" in out
    # nothing outside the workspace, nothing in the kit's own data folder
    assert (
        files_under(tmp_path)
        - {p for p in files_under(tmp_path) if p == "ws" or p.startswith("ws/")}
        == outside
    )
    assert {p: p.stat().st_mtime_ns for p in (ROOT / "data").rglob("*") if p.is_file()} == (
        kit_before
    )


def test_outside_a_workspace_the_needed_options_are_named(tmp_path, clean_env, capsys):
    clean_env.chdir(tmp_path)
    assert main(["plan"]) == 2
    err = capsys.readouterr().err
    assert "give --customers FILE" in err and "revisitkit init DIR" in err
    assert main(["kpis"]) == 2
    assert "give --plan PLAN_DIR" in capsys.readouterr().err


def test_report_takes_its_data_as_options(tmp_path, clean_env, capsys):
    """Seen: `serve` and `report` had no data options; the report showed whatever the
    environment said."""
    clean_env.chdir(tmp_path)
    customers = pd.read_csv(SAMPLE / "customers.csv", dtype=str, encoding="utf-8-sig")
    customers.head(300).to_csv(tmp_path / "mine.csv", index=False, encoding="utf-8-sig")
    overlay = tmp_path / "mine.yaml"
    overlay.write_text("budget:\n  total_cny: 3210000\n", encoding="utf-8")
    code = main(
        [
            "report",
            "--out",
            "r.html",
            "--customers",
            "mine.csv",
            "--config",
            "mine.yaml",
            "--staff",
            str(SAMPLE / "roster.csv"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "mine.csv" in html and "3,210,000" in html
    assert "4,500,000" not in html
    # the options were this command's only: nothing stays set in the environment
    assert not any(os.environ.get(v) for v in VARIABLES)


# -------------------------------------------------------------------------- portable names
#: What Windows refuses in a file name, and the names it reserves.
WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


def test_every_output_name_is_portable(ws, capsys):
    """Seen: reserve calendar file names held `:`, which Windows refuses."""
    assert main(["plan", "--reserve"]) == 0
    assert main(["risks", "init"]) == 0
    assert main(["risks", "export", "plan/风险 risks.xlsx"]) == 0
    assert main(["report", "--out", "plan/report.html"]) == 0
    capsys.readouterr()
    names = [p for p in ws.rglob("*")]
    assert any(p.name.startswith("reserve") for p in (ws / "plan/calendars").iterdir())
    seen: dict[tuple[Path, str], Path] = {}
    for path in names:
        name = path.name
        assert not WINDOWS_BAD.search(name), name
        assert name.split(".")[0].strip().upper() not in WINDOWS_RESERVED, name
        assert not name.endswith((" ", ".")), name
        key = (path.parent, name.lower())
        assert key not in seen, f"{name} and {seen[key].name} differ only by case"
        seen[key] = path


# ------------------------------------------------------------------ one way to run the tests
def test_plain_pytest_collects_what_make_test_runs(tmp_path):
    """Seen: the conda recipe's plain `pytest` ran only tests/ (the notebook and doctest flags
    lived in the Makefile)."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env["REVISITKIT_TEST_OUTPUT"] = str(tmp_path / "out")  # never the outer session's
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    items = done.stdout.splitlines()
    assert any(i.startswith("notebooks/01-segmentation.ipynb::") for i in items)
    assert any(i.startswith("dashboards/overview.ipynb::") for i in items)
    assert any(i.startswith("revisitkit/kit.py::revisitkit.kit") for i in items)  # doctests
    assert any(i.startswith("tests/test_dashboards.py::") for i in items)


def test_the_version_has_one_home():
    """Seen: the version was written in revisitkit/__init__.py and in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "revisitkit.__version__"
    assert isinstance(project["project"]["license"], str)  # SPDX, not the deprecated table


def test_the_workspace_notebooks_run_on_its_files(ws):
    import nbformat
    from nbclient import NotebookClient

    mine = pd.read_csv(ws / "data/customers.csv", dtype=str, encoding="utf-8-sig").head(300)
    mine.to_csv(ws / "data/customers.csv", index=False, encoding="utf-8-sig")
    path = ws / "notebooks" / "01-segmentation.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    written = ws / "build" / "notebook-plan" / "customers_plan.csv"
    assert len(pd.read_csv(written, dtype=str, encoding="utf-8-sig")) == 300


def test_an_empty_workspace_says_what_belongs_where(tmp_path, clean_env, capsys):
    assert main(["init", str(tmp_path / "ws")]) == 0
    clean_env.chdir(tmp_path / "ws")
    capsys.readouterr()
    assert main(["plan"]) == 2
    err = capsys.readouterr().err
    assert "data/customers.csv: the workspace's 客户导出 CRM export is not there yet" in err
    assert not (tmp_path / "ws" / "plan").exists()


def test_outside_a_workspace_the_variables_still_apply(tmp_path, clean_env, capsys):
    clean_env.chdir(tmp_path)
    clean_env.setenv("REVISITKIT_CUSTOMERS", str(SAMPLE / "customers.csv"))
    assert main(["plan", "--out", "out", "--no-xlsx"]) == 0
    assert "Written: out/customers_plan.csv" in capsys.readouterr().out
    assert not (tmp_path / "out" / "schedule.csv").exists()  # no roster named: no schedule


def test_a_folder_name_with_quotes_still_makes_a_readable_marker(tmp_path, clean_env):
    odd = tmp_path / 'Q"4 回访\\x'
    assert main(["init", str(odd)]) == 0
    clean_env.chdir(odd)
    found = find_workspace()
    assert found is not None and found.name.endswith('Q"4 回访\\x')
