"""The kit as people install it: a wheel built from the repository, installed (not editable)
into a fresh venv outside it, then ``revisitkit init ws --sample`` and, inside ``ws``, every
command a planner runs and ``revisitkit serve`` opened in a real Chromium.

Seen before: a plain, non-editable ``pip install .`` could not find ``data/``; ``serve`` had no
way to serve anything but the sample or the environment's files.

To stay within CI's time the venv gets the wheel with ``--no-deps`` and reaches the
dependencies through a ``.pth`` file naming the project's ``.venv`` site-packages: the kit
itself comes only from the wheel (checked), everything it imports from the same versions the
rest of the suite uses; ``JUPYTER_PATH`` names their data files (Voila's templates) likewise.
"""

from __future__ import annotations

import hashlib
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from revisitkit import __version__
from revisitkit.workspace_dir import VARIABLES
from tests.conftest import served

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


def sh(*args, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert done.returncode == 0, (
        f"{args}: {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin folder, a scratch folder, the environment commands run with)."""
    tmp = tmp_path_factory.mktemp("install")
    # the repository's files as a clone has them (tracked and new, never ignored build output)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    src = tmp / "src"
    for rel in filter(None, listed.split("\0")):
        path = ROOT / rel
        if path.is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(path.read_bytes())
    base = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    (tmp / "home").mkdir()
    base["HOME"] = str(tmp / "home")  # Jupyter's and matplotlib's own files go there
    base["MPLCONFIGDIR"] = str(tmp / "home" / "mpl")
    sh(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", tmp / "dist", src,
        cwd=tmp,
        env=base,
    )  # fmt: skip
    (wheel,) = (tmp / "dist").glob("revisitkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "revisitkit/_kit/data/campaign.yaml" in names
    assert "revisitkit/_kit/dashboards/overview.ipynb" in names
    # the kit's Voila template (the landing page, no CDN): not a Python package, named in
    # pyproject's package-data
    for part in ("conf.json", "index.html.j2", "tree-lab.html"):
        assert f"revisitkit/jupyter/voila/templates/revisitkit/{part}" in names
    assert wheel.name.startswith(f"revisitkit-{__version__}-")  # the one version
    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", venv, cwd=tmp, env=base)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bin_dir / "python"
    sh(py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp, env=base)
    venv_site = Path(
        sh(
            py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp, env=base
        ).stdout.strip()
    )
    (venv_site / "_revisitkit_deps.pth").write_text(site.getsitepackages()[0] + "\n", "utf-8")
    where = sh(
        py, "-c", "import revisitkit.kit as k; print(k.__file__); print(k.SOURCE_CHECKOUT)",
        cwd=tmp, env=base,
    ).stdout.split()  # fmt: skip
    assert Path(where[0]).is_relative_to(venv_site), where  # the wheel's, not the repository's
    assert where[1] == "False"
    env = {**base, "PATH": os.pathsep.join([str(bin_dir), base.get("PATH", "")])}
    # the dependencies' data files (Voila's and nbconvert's templates) are where their code is:
    # the project's venv (a full install puts them in this venv's share/jupyter)
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return bin_dir, tmp, env, venv_site / "revisitkit"


def test_the_installed_kit_plans_and_serves_a_workspace(installed, browser):
    bin_dir, tmp, env, package = installed
    kit_before = tree_digest(package)
    work = tmp / "work"
    work.mkdir()
    rk = bin_dir / "revisitkit"
    sh(rk, "init", "ws", "--sample", cwd=work, env=env)
    ws = work / "ws"
    assert "Written: plan/customers_plan.csv" in sh(rk, "plan", cwd=ws, env=env).stdout
    sh(rk, "risks", "init", cwd=ws, env=env)
    sh(rk, "outcomes", "import", "data/outcomes.csv", cwd=ws, env=env)
    sh(rk, "problems", "import", "data/problems.csv", cwd=ws, env=env)
    kpis = sh(rk, "kpis", cwd=ws, env=env).stdout
    assert "6,325 outcomes in the store revisitkit.db" in kpis
    sh(rk, "report", "--out", "report.html", cwd=ws, env=env)
    assert "4,500,000" in (ws / "report.html").read_text(encoding="utf-8")
    for written in ("plan/schedule.csv", "plan/kpis.csv", "revisitkit.db", "report.html"):
        assert (ws / written).is_file(), written

    # a second workspace, another config: the same server code shows other numbers
    sh(rk, "init", "ws2", "--sample", cwd=work, env=env)
    overlay = work / "ws2" / "campaign.yaml"
    overlay.write_text(
        overlay.read_text(encoding="utf-8") + "\nbudget:\n  total_cny: 3210000\n", "utf-8"
    )

    def overview(cwd: Path, *extra: str) -> str:
        def command(port: int) -> list[str]:
            return [
                str(rk),
                "serve",
                f"--port={port}",
                "--pool-size=0",
                "--overview-pool=0",
                *extra,
            ]

        with served(command, f"install-{cwd.name}-{len(extra)}.log", cwd=cwd, env=env) as url:
            page = browser.new_page(locale="zh-CN")
            try:
                page.goto(f"{url}/voila/render/overview.ipynb", timeout=180_000)
                page.wait_for_selector("[data-testid=filter-status]", timeout=180_000)
                page.wait_for_function("() => !document.querySelector('#loading')")
                return page.inner_text("body")
            finally:
                page.close()

    first = overview(ws)
    assert "4,500,000" in first and "3,210,000" not in first
    second = overview(work, "--workspace", "ws2")
    assert "3,210,000" in second and "4,500,000" not in second

    # nothing written outside the workspaces (HOME takes Jupyter's own runtime files), and the
    # installed kit is read, never written
    assert sorted(p.name for p in work.iterdir()) == ["ws", "ws2"]
    assert sorted(p.name for p in tmp.iterdir()) == ["dist", "home", "src", "venv", "work"]
    assert tree_digest(package) == kit_before
    # outside a workspace the installed kit has no store of its own to write
    bare = sh(rk, "init", "--help", cwd=work, env=env)
    assert "revisitkit.toml" in bare.stdout
    refused = subprocess.run(
        [str(rk), "risks", "init"], cwd=work, env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "revisitkit init DIR" in refused.stderr
    assert tree_digest(package) == kit_before
