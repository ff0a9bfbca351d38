"""Where the kit's own files are: the default config, holidays, seed risks, sample data, and the
notebook and dashboard templates.

The repository's top-level ``data/``, ``notebooks/`` and ``dashboards/`` are their source.
Building the wheel copies them into the package as ``revisitkit/_kit/`` (see
:mod:`revisitkit._build`), where an installed kit reads them with :mod:`importlib.resources`.
A source checkout (``pip install -e .``, as ``make`` does) has no ``_kit/`` and reads the
top-level folders themselves, so an edit there is live.

>>> (KIT_DATA / "campaign.yaml").is_file(), (KIT_DASHBOARDS / "overview.ipynb").is_file()
(True, True)
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["KIT_DASHBOARDS", "KIT_DATA", "KIT_NOTEBOOKS", "KIT_ROOT", "SOURCE_CHECKOUT"]

#: The folders the wheel carries, by their name in the repository.
SHARED = ("data", "notebooks", "dashboards")


def _kit_root() -> tuple[Path, bool]:
    """The folder holding ``data/``, ``notebooks/`` and ``dashboards/``, and whether it is a
    source checkout (the repository) rather than an installed wheel."""
    # a wheel is installed unpacked (pip never runs a package from a zip), so the resource
    # folder is a real folder the config loader and Voila can open by path
    packaged = Path(str(files("revisitkit") / "_kit"))
    if (packaged / "data" / "campaign.yaml").is_file():
        return packaged, False
    return Path(__file__).resolve().parent.parent, True


KIT_ROOT, SOURCE_CHECKOUT = _kit_root()
#: The default config, the holiday files, the seed register and the sample data.
KIT_DATA = KIT_ROOT / "data"
#: The planners' notebooks (``revisitkit init`` copies them into a workspace).
KIT_NOTEBOOKS = KIT_ROOT / "notebooks"
#: The managers' dashboards (what ``revisitkit serve`` serves outside a workspace).
KIT_DASHBOARDS = KIT_ROOT / "dashboards"


def inside_kit(path: str | Path) -> bool:
    """Whether *path* lies in an installed kit's own files (which are never written to).

    >>> inside_kit(KIT_DATA / "revisitkit.db") == (not SOURCE_CHECKOUT)
    True
    """
    return not SOURCE_CHECKOUT and Path(path).resolve().is_relative_to(KIT_ROOT.resolve())
