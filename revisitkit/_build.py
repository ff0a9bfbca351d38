"""Build step (setuptools ``build_py``): copy the kit's shared folders into the wheel.

``pyproject.toml`` names :class:`BuildPy` under ``[tool.setuptools.cmdclass]``. setuptools loads
this file on its own, without importing the package (whose dependencies a build environment
does not have), so it imports nothing but setuptools and the standard library.

The repository's ``data/``, ``notebooks/`` and ``dashboards/`` stay the one source; the wheel
gets a copy as ``revisitkit/_kit/`` (read by :mod:`revisitkit.kit`). An editable install copies
nothing: it reads the repository's folders directly.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from setuptools.command.build_py import build_py

#: What the kit needs from each folder (glob patterns, relative to the folder).
KIT_FILES = {
    "data": (
        "campaign.yaml",
        "risks_seed.yaml",
        "holidays/*.yaml",
        "sample/*.csv",
    ),
    "notebooks": ("*.ipynb",),
    "dashboards": ("*.ipynb",),
}


def kit_files(root: Path) -> list[tuple[Path, str]]:
    """Every (source file, path inside ``_kit/``) the wheel carries, in a stable order."""
    found = []
    for folder, patterns in KIT_FILES.items():
        base = root / folder
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base).as_posix()
            if path.is_file() and any(fnmatch.fnmatchcase(rel, p) for p in patterns):
                found.append((path, f"{folder}/{rel}"))
    return found


class BuildPy(build_py):
    """``build_py`` that also copies the kit's files into ``revisitkit/_kit/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's folders
        root = Path(__file__).resolve().parent.parent
        target = Path(self.build_lib, "revisitkit", "_kit")
        for source, rel in kit_files(root):
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(source), str(dest))
