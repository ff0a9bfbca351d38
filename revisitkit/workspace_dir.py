"""The campaign workspace: a folder a planner owns, found the way git finds a repository.

``revisitkit init DIR`` creates one (:func:`init_workspace`). Its marker is ``revisitkit.toml``,
which names the workspace's files relative to itself: the campaign config (an overlay on the
kit's defaults), the CRM export, the roster, the actual spend, the outcomes and problems files,
the SQLite store and the plan folder. A command finds its workspace in ``--workspace DIR``
(which sets ``REVISITKIT_WORKSPACE`` for what it starts, dashboards included), else
``REVISITKIT_WORKSPACE``, else the current folder or the nearest parent holding the marker.

Every input is resolved in one order (:func:`resolve`): the command-line option, else the
``REVISITKIT_*`` variable, else the workspace's file, else the kit's default (the bundled
sample, for the dashboards):

=============  ========================  ============================
input          variable                  workspace key (default file)
=============  ========================  ============================
config         ``REVISITKIT_CONFIG``     ``config`` (campaign.yaml)
customers      ``REVISITKIT_CUSTOMERS``  ``customers`` (data/customers.csv)
staff          ``REVISITKIT_STAFF``      ``staff`` (data/roster.csv)
actuals        ``REVISITKIT_ACTUALS``    ``actuals`` (data/actuals.csv)
outcomes       ``REVISITKIT_OUTCOMES``   ``outcomes`` (data/outcomes.csv)
problems       ``REVISITKIT_PROBLEMS``   ``problems`` (data/problems.csv)
store          ``REVISITKIT_STORE``      ``store`` (revisitkit.db)
plan folder    —                         ``plan`` (plan/)
=============  ========================  ============================

This module is the only reader of those variables.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from revisitkit.errors import UserError
from revisitkit.kit import KIT_DASHBOARDS, KIT_DATA, KIT_NOTEBOOKS

__all__ = [
    "MARKER",
    "Workspace",
    "active_workspace",
    "find_workspace",
    "init_workspace",
    "resolve",
]

#: The file that makes a folder a workspace.
MARKER = "revisitkit.toml"
#: The variable that names the workspace (``--workspace`` sets it for what a command starts).
WORKSPACE_VAR = "REVISITKIT_WORKSPACE"

#: Each file a workspace names: its default, and the variable that overrides it.
FILES = {
    "config": ("campaign.yaml", "REVISITKIT_CONFIG"),
    "customers": ("data/customers.csv", "REVISITKIT_CUSTOMERS"),
    "staff": ("data/roster.csv", "REVISITKIT_STAFF"),
    "actuals": ("data/actuals.csv", "REVISITKIT_ACTUALS"),
    "outcomes": ("data/outcomes.csv", "REVISITKIT_OUTCOMES"),
    "problems": ("data/problems.csv", "REVISITKIT_PROBLEMS"),
    "store": ("revisitkit.db", "REVISITKIT_STORE"),
    "plan": ("plan", None),
}
#: The files a command writes: they stay inside the workspace.
WRITTEN = ("store", "plan")
#: Every variable the kit reads (``make test`` and the test session clear them all).
VARIABLES = (WORKSPACE_VAR, *(var for _, var in FILES.values() if var))


@dataclass(frozen=True)
class Workspace:
    """A campaign workspace: its folder and the files its marker names (absolute paths)."""

    root: Path
    files: dict[str, Path]
    name: str = ""

    def path(self, key: str) -> Path:
        return self.files[key]

    def existing(self, key: str) -> Path | None:
        """The workspace's file for *key* when it is there (a file not there yet: None)."""
        path = self.files[key]
        return path if path.exists() else None

    @property
    def dashboards(self) -> Path:
        """The dashboards served for this workspace: its own copies, else the kit's."""
        own = self.root / "dashboards"
        return own if own.is_dir() else KIT_DASHBOARDS


def read_marker(root: Path) -> Workspace:
    """The workspace whose marker is ``root/revisitkit.toml``.

    Raises
    ------
    UserError
        The marker is not TOML, names an unknown key, gives a value that is not a path, or
        puts the store or the plan folder outside the workspace.
    """
    root = Path(root).resolve()
    marker = root / MARKER
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"{marker}: not a revisitkit workspace (no {MARKER}); create one with "
            f"`revisitkit init {root}`"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{marker}: not valid TOML ({e})") from None
    section = data.get("workspace")
    if not isinstance(section, dict):
        raise UserError(f"{marker}: needs a [workspace] section (revisitkit init writes one)")
    accepted = ("name", *FILES)
    files: dict[str, Path] = {}
    for key, value in section.items():
        if key not in accepted:
            raise UserError(
                f"{marker}: [workspace] key {key!r} is unknown; accepted: {', '.join(accepted)}"
            )
        if not isinstance(value, str) or (key != "name" and not value.strip()):
            raise UserError(
                f"{marker}: [workspace] {key} = {value!r}: give a "
                + ("name in quotes" if key == "name" else 'path in quotes, like "data/x.csv"')
            )
    for key, (default, _) in FILES.items():
        given = section.get(key, default)
        path = Path(given) if Path(given).is_absolute() else root / given
        if key in WRITTEN and not path.resolve().is_relative_to(root):
            raise UserError(
                f"{marker}: [workspace] {key} = {given!r} lies outside the workspace; the kit "
                f"writes it, so it must be a path inside {root.name}/ (default {default!r})"
            )
        files[key] = path
    return Workspace(root, files, str(section.get("name", root.name)))


def find_workspace(start: Path | None = None) -> Workspace | None:
    """The workspace holding *start* (default: the current folder): *start* or its nearest
    parent with a ``revisitkit.toml``; None outside every workspace."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return read_marker(folder)
    return None


def active_workspace() -> Workspace | None:
    """The workspace commands and dashboards use: ``REVISITKIT_WORKSPACE``, else the one
    holding the current folder, else None."""
    named = os.environ.get(WORKSPACE_VAR)
    if named:
        return read_marker(Path(named))
    return find_workspace()


def resolve(key: str, given: str | Path | None = None, *, existing: bool = False) -> Path | None:
    """Where input *key* comes from: *given* (a command-line option), else its
    ``REVISITKIT_*`` variable, else the active workspace's file (with ``existing``, only
    when that file exists), else None (the caller's default).

    >>> resolve("customers", "my.csv")
    PosixPath('my.csv')
    """
    if given is not None and str(given) != "":
        return Path(given)
    if (named := from_variable(key)) is not None:
        return named
    ws = active_workspace()
    if ws is None:
        return None
    return ws.existing(key) if existing else ws.path(key)


#: What each input is, in a planner's words (for "not there yet").
_WHAT = {
    "customers": "客户导出 CRM export",
    "staff": "人员名单 staff roster",
    "actuals": "实际支出 actual spend",
    "outcomes": "回访结果 outcomes",
    "problems": "问题记录 problems",
    "config": "活动配置 campaign config",
}


def check_present(key: str, path: Path) -> Path:
    """*path*, checked when it is the active workspace's file for *key*: a file not there yet
    is named with what belongs there (other paths are the reader's to check).

    Raises
    ------
    UserError
        The workspace's file for *key* does not exist.
    """
    ws = active_workspace()
    if ws is not None and Path(path) == ws.path(key) and not Path(path).exists():
        from revisitkit.config_loading import display_path

        raise UserError(
            f"{display_path(path)}: the workspace's {_WHAT[key]} is not there yet; put the "
            f"file there ({MARKER} names it), or give it with --{key} FILE"
        )
    return Path(path)


def from_variable(key: str) -> Path | None:
    """The file input *key*'s ``REVISITKIT_*`` variable names, or None when it is unset."""
    var = FILES[key][1]
    return Path(os.environ[var]) if var and os.environ.get(var) else None


def use_workspace(folder: str | Path | None) -> Workspace | None:
    """``--workspace DIR``: check *folder* and make it the active workspace of this process
    and of what it starts (Voila's kernels); None leaves the current one."""
    if folder is None:
        return active_workspace()
    ws = read_marker(Path(folder))
    os.environ[WORKSPACE_VAR] = str(ws.root)
    return ws


# ------------------------------------------------------------------------------ revisitkit init
#: The sample files ``init --sample`` copies, by workspace key.
SAMPLE_FILES = {
    "customers": "customers.csv",
    "staff": "roster.csv",
    "actuals": "actuals.csv",
    "outcomes": "outcomes.csv",
    "problems": "problems.csv",
}

_MARKER_TEXT = """\
# revisitkit 工作区 workspace
# 在本文件夹（或其下任一文件夹）中运行的每个 revisitkit 命令都使用这里列出的文件，不会写到文件夹外。
# Every revisitkit command run in this folder, or in one below it, uses the files named here
# (paths relative to this file) and writes nothing outside it. Command-line options
# (--customers, --config, …) and REVISITKIT_* variables still win over these.
[workspace]
name = {name}
# 活动配置 your campaign config: an overlay on the kit's defaults
config = "campaign.yaml"
# 客户导出 your CRM export: .csv (UTF-8 or GBK), .xlsx or .parquet
customers = "data/customers.csv"
# 人员名单 your staff roster: plan and the dashboards schedule with it
staff = "data/roster.csv"
# 实际支出 the actual spend so far (日期, 类别, 金额, 备注)
actuals = "data/actuals.csv"
# 回访结果、问题 outcomes and problems: read from the store once imported, from these until then
outcomes = "data/outcomes.csv"
problems = "data/problems.csv"
# 数据库 the SQLite store: risk register, outcomes, problems (inside this folder)
store = "revisitkit.db"
# 计划 where `revisitkit plan` writes the plan and the other commands read it
plan = "plan"
"""

_OVERLAY_TEXT = """\
# {year} 年前回访 活动配置 campaign config — laid over the kit's defaults.
# 只写要改的键；其余沿用默认值。Only the keys you change go here; every other key keeps the
# kit's default (every key, with its plan §, is in the campaign.yaml shipped with the kit).
# A bad key or value is refused with its path and what would be accepted.

campaign:
  # 活动年份 the campaign year Y (§4.1: preparation from 1 Dec Y, execution into Y+1)
  year: {year}

# The keys planners change most often (uncomment to change):
#
# campaign:
#   as_of: {year}-12-01          # the date the CRM export describes (default: preparation start)
#   phases:                    # §4.1 the four phases, Y = the campaign year
#     execution: {{start: "Y-12-16", end: "Y+1-01-20"}}
#
# budget:
#   total_cny: 4500000         # §4.4 the campaign's budget, CNY
#
# staffing:
#   default_hours_per_day: 7   # §4.2 hours a person has for revisits on a working day
#   reserve_share: 0.30        # §4.2 the share of capacity kept in reserve
#   target_utilisation: 0.85   # §4.2 the share of hours a team is sized and levelled at
#   front_load: false          # §4.2 true: book everything as early as possible (up to 100%)
#   workday: {{start: "09:00", lunch: ["12:00", "13:00"]}}   # §4.2 the hours bookings are timed in
#
# calendar:
#   extra_holidays: {{"{next}-02-01": 公司年会}}   # company days off besides the official ones
"""

_README_TEXT = """\
# {name}

**中文** — 这是 revisitkit 年前回访工作区。

1. 把客户导出放到 `data/customers.csv`，人员名单放到 `data/roster.csv`（CSV 可用 UTF-8 或 GBK，
   也可用 .xlsx；列名中英文皆可）。
2. 在 `campaign.yaml` 中只写要修改的配置（如活动年份、预算）。
3. 运行 `revisitkit plan` 生成计划（写入 `plan/`），`revisitkit serve` 打开看板，
   `revisitkit report --out 报告.html` 生成静态报告。
4. `notebooks/` 中的笔记本供计划人员调整方案；`dashboards/` 是给管理者看的看板。

所有命令都只读写本文件夹中的文件。

**English** — a revisitkit campaign workspace.

1. Put your CRM export in `data/customers.csv` and your staff roster in `data/roster.csv`
   (CSV in UTF-8 or GBK, or .xlsx; Chinese or English headers).
2. Put only the config keys you change in `campaign.yaml` (the year, the budget…).
3. `revisitkit plan` writes the plan into `plan/`; `revisitkit serve` serves the dashboards;
   `revisitkit report --out report.html` writes a static report.
4. `notebooks/` are the planners' notebooks; `dashboards/` the managers' pages.

Every command reads and writes only files in this folder (`revisitkit.toml` names them).
"""


def workspace_notebook(text: str) -> str:
    r"""A kit notebook (its JSON text) as a workspace's copy: it reads the workspace's files
    (``data/customers.csv``…, the same names as the sample's) and its config overlay.

    >>> workspace_notebook(r'"CUSTOMERS = \"../data/sample/customers.csv\"\n"')
    '"CUSTOMERS = \\"../data/customers.csv\\"\\n"'
    >>> workspace_notebook('"CONFIG = None\\n"')
    '"CONFIG = \\"../campaign.yaml\\"  # this workspace\'s overlay\\n"'
    """
    text = text.replace("data/sample/", "data/")
    return re.sub(
        r'"CONFIG = None[^"\\]*(?:\\"[^"\\]*\\"[^"\\]*)*(\\n)?"',
        lambda m: (
            r'"CONFIG = \"../campaign.yaml\"  # this workspace' + "'s overlay" + (m[1] or "") + '"'
        ),
        text,
    )


def init_workspace(folder: str | Path, *, year: int, sample: bool) -> Workspace:
    """Create a workspace in *folder* (new, or empty): the marker, the config overlay, ``data/``
    (the sample's files with *sample*), copies of the notebooks and dashboards reading the
    workspace, and a README in Chinese and English. Built beside the folder and moved into
    place in one step: nothing is half-made, and nothing that exists is overwritten.

    Raises
    ------
    UserError
        *folder* is a file, already a workspace, or a folder that is not empty.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is a file; give a new folder's name")
    if (folder / MARKER).exists():
        raise UserError(f"{folder}: is already a workspace ({MARKER}); nothing was changed")
    if folder.is_dir() and any(folder.iterdir()):
        raise UserError(
            f"{folder}: is not empty; a workspace starts in a new or empty folder, so that "
            "nothing of yours is overwritten"
        )
    parent = folder.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=parent))
    try:
        name = f"{year} 年前回访 {folder.resolve().name}"
        # a folder's name may hold quotes or backslashes: a JSON string is a valid TOML one
        marker = _MARKER_TEXT.format(name=json.dumps(name, ensure_ascii=False))
        (stage / MARKER).write_text(marker, encoding="utf-8")
        (stage / "campaign.yaml").write_text(
            _OVERLAY_TEXT.format(year=year, next=year + 1), encoding="utf-8"
        )
        (stage / "README.md").write_text(_README_TEXT.format(name=name), encoding="utf-8")
        data = stage / "data"
        data.mkdir()
        if sample:
            for key, file in SAMPLE_FILES.items():
                shutil.copyfile(KIT_DATA / "sample" / file, stage / FILES[key][0])
        for kind, source in (("notebooks", KIT_NOTEBOOKS), ("dashboards", KIT_DASHBOARDS)):
            (stage / kind).mkdir()
            for nb in sorted(source.glob("*.ipynb")):
                text = nb.read_text(encoding="utf-8")
                (stage / kind / nb.name).write_text(workspace_notebook(text), encoding="utf-8")
        if folder.is_dir():
            folder.rmdir()  # empty (checked above): the finished workspace takes its place
        os.replace(stage, folder)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return read_marker(folder)
