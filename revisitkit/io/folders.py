"""Output folders: a set of files written all at once, and names from data that are safe.

:func:`staged_outputs` writes a run's files into a staging folder and swaps them into the
output folder only when every one was written (a journal makes a swap cut off by ``kill -9``
undoable, :func:`recover_outputs`; a manifest, :func:`read_manifest`, says which files a run
wrote, so the next removes its stale ones and never a user's). :func:`safe_file_names` turns
keys from data (staff ids) into file names that are safe on Linux and Windows.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from revisitkit.config import display_path
from revisitkit.errors import UserError

try:
    import fcntl
except ImportError:  # Windows has no fcntl (see _folder_lock)
    fcntl = None

__all__ = ["read_manifest", "recover_outputs", "safe_file_names", "staged_outputs"]

_STAGING_PREFIX = ".revisitkit-staging-"
_JOURNAL = "journal.json"
_NEW, _OLD = "new", "old"
#: characters Windows does not allow in a file name (and ``/``, Linux's own)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    # Microsoft's "Naming Files" list: COM0-9 and LPT0-9, superscript digits included
    *(f"{port}{i}" for port in ("COM", "LPT") for i in ("0123456789¹²³")),
}
_NAME_LENGTH = 100


def safe_file_names(keys: Iterable[str], suffix: str = "") -> dict[str, str]:
    """A file name per key (a staff id, say) that is safe on Linux and Windows, and unique.

    Data never becomes a path: ``/``, ``\\``, ``..``, ``:`` and the other characters Windows
    refuses become ``_``; a name Windows reserves (``CON``, ``COM1``…) gets a ``_``; a leading
    dot (a hidden file) becomes ``_``; a name longer than 100 characters is cut. Two keys
    whose names would be the same, or differ only in case (one file on Windows and macOS),
    get ``~2``, ``~3``… in the order given.

    >>> safe_file_names(["S001", "../../X", "/abs/p", "BJ/003", "con", "s001"], ".ics")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'S001': 'S001.ics', '../../X': '___.._X.ics', '/abs/p': '_abs_p.ics', 'BJ/003': 'BJ_003.ics',
     'con': 'con_.ics', 's001': 's001~2.ics'}
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = _UNSAFE.sub("_", str(key)).strip(" ")
        base = re.sub(r"^\.+", lambda m: "_" * len(m.group()), base).rstrip(". ") or "_"
        base = base[:_NAME_LENGTH]
        if base.split(".")[0].strip(" ").upper() in _RESERVED:
            base += "_"
        name, n = base, 1
        while (name + suffix).lower() in taken:
            n += 1
            name = f"{base}~{n}"
        taken.add((name + suffix).lower())
        names[key] = name + suffix
    return names


def _manifest_name(kind: str) -> str:
    return f".revisitkit-{kind}.json"


def read_manifest(out_dir: Path, kind: str) -> list[str] | None:
    """The files the kit's last *kind* run wrote into *out_dir* (relative paths), or None when
    it has no manifest there. Entries that are not plain relative paths are ignored."""
    path = Path(out_dir) / _manifest_name(kind)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [f for f in files if isinstance(f, str) and _inside(f)]


def _real_inside(out_dir: Path, rel: str) -> bool:
    """Whether *rel* under *out_dir* stays there for real: no part of it is a link."""
    path = out_dir
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            return False
    return True


#: what the kit's own files of a kind begin with, to tell them from a user's of the same kind
_KIT_MARKS = {".ics": b"PRODID:-//revisitkit//"}


def _written_by_kit(path: Path) -> bool:
    mark = _KIT_MARKS.get(path.suffix.lower())
    if mark is None:
        return True
    try:
        with path.open("rb") as f:
            return mark in f.read(512)
    except OSError:
        return False


def _inside(rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and "\\" not in rel


@contextlib.contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """One kit run at a time writes into a folder (a killed run's lock goes with it)."""
    if fcntl is None:  # Windows: no advisory locks on folders; runs are not serialised
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"{display_path(out_dir)}: another revisitkit run is writing into this folder; "
                "wait for it to finish, or choose another folder"
            ) from None
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Ctrl-C, ``kill`` and a closed terminal wait until the block is done (then act)."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    wanted = [signal.SIGINT] + [
        getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)
    ]
    previous = {s: signal.signal(s, lambda signum, _f: caught.append(signum)) for s in wanted}
    try:
        yield caught
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _rollback(stage: Path, out_dir: Path, journal: dict) -> None:
    """Put *out_dir* back as it was before the swap the journal describes (any part done)."""
    for rel in journal.get("new", []):
        target, new, old = out_dir / rel, stage / _NEW / rel, stage / _OLD / rel
        if not new.exists() and target.exists():  # the new file was moved in: take it out
            new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, new)
        if old.exists() and not target.exists():  # the old file was moved aside: put it back
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
    for rel in journal.get("stale", []):
        target, old = out_dir / rel, stage / _OLD / rel
        if old.exists() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)


def recover_outputs(out_dir: str | Path) -> int:
    """Undo what a killed kit run left in *out_dir*: a swap cut off half-way is rolled back to
    the previous files, and staging folders are removed. Returns how many were cleaned up;
    0 when another kit run is writing into the folder right now (it is not disturbed)."""
    out_dir = Path(out_dir)
    try:
        with _folder_lock(out_dir):
            return _recover(out_dir)
    except UserError:  # busy: a live run, whose staging folder is its own
        return 0


def _recover(out_dir: Path) -> int:
    cleaned = 0
    for stage in sorted(out_dir.glob(_STAGING_PREFIX + "*")):
        if not stage.is_dir():
            continue
        journal_path = stage / _JOURNAL
        if journal_path.is_file():
            try:
                journal = json.loads(journal_path.read_text(encoding="utf-8"))
            except ValueError:  # the journal is written atomically: a torn one is not ours
                journal = {}
            _rollback(stage, out_dir, journal)
        shutil.rmtree(stage, ignore_errors=True)
        cleaned += 1
    return cleaned


@contextlib.contextmanager
def staged_outputs(
    out_dir: str | Path,
    *,
    manifest: str | None = None,
    previous: Iterable[str] = (),
) -> Iterator[Path]:
    """Write a set of output files into a staging folder; put them into *out_dir* only when
    every one of them was written, all at once: the folder then holds the previous set or the
    new one, never a mix.

    The swap moves each previous file aside before the new one takes its name; if any move
    fails (a file open in Excel on Windows, a folder where a file should go) every step is
    undone and the previous files stay. Ctrl-C, ``kill`` and a closed terminal wait for the
    swap to finish. A run killed with ``kill -9`` mid-swap leaves a journal; the next kit run
    into the folder (:func:`recover_outputs`) rolls it back, and removes staging folders.

    With *manifest* (``"plan"``) the folder keeps a list of the files this kind of run wrote
    (``.revisitkit-plan.json``): files of the previous run that the new one does not write
    (a calendar of someone no longer on the roster) are removed; files not on the list are the
    user's and are never touched. *previous* names the files of a folder written before
    manifests existed (glob patterns relative to *out_dir*).

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out, manifest="plan") as stage:
    ...     _ = (stage / "a.csv").write_text("a")
    ...     (stage / "sub").mkdir()
    ...     _ = (stage / "sub" / "b.ics").write_text("b")
    >>> _ = (out / "notes.txt").write_text("mine")
    >>> with staged_outputs(out, manifest="plan") as stage:
    ...     _ = (stage / "a.csv").write_text("a2")
    >>> sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    ['.revisitkit-plan.json', 'a.csv', 'notes.txt']
    """
    out_dir = Path(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    done = False
    try:
        with _folder_lock(out_dir):
            _recover(out_dir)
            stage = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))
            try:
                (stage / _NEW).mkdir()
                try:
                    yield stage / _NEW
                except UserError as e:  # say where the file would go, not the staging folder
                    raise UserError(
                        str(e).replace(display_path(stage / _NEW), display_path(out_dir))
                    ) from None
                _swap(stage, out_dir, manifest, previous)
                done = True
            finally:
                shutil.rmtree(stage, ignore_errors=True)
    finally:
        if created and not done:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # a failed first run leaves no empty folder behind


def _swap(stage: Path, out_dir: Path, manifest: str | None, previous: Iterable[str]) -> None:
    new_root = stage / _NEW
    for path in new_root.rglob("*"):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise UserError(f"{display_path(path)}: not a plain file; nothing was written")
    new = sorted(
        str(p.relative_to(new_root).as_posix()) for p in new_root.rglob("*") if p.is_file()
    )
    stale: list[str] = []
    owned: set[str] | None = None  # None: no manifest kept; same names are replaced
    if manifest is not None:
        before = read_manifest(out_dir, manifest)
        if before is None:
            before = sorted(
                str(p.relative_to(out_dir).as_posix())
                for pattern in previous
                for p in out_dir.glob(pattern)
                if _written_by_kit(p)
            )
        # only what the kit wrote, and only inside the folder itself (never through a link)
        owned = {rel for rel in before if _real_inside(out_dir, rel)}
        stale = sorted(rel for rel in owned - set(new) if (out_dir / rel).is_file())
        name = _manifest_name(manifest)
        owned.add(name)
        (new_root / name).write_text(
            json.dumps({"written_by": "revisitkit", "files": new}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        new.append(name)
    for rel in new:
        target = out_dir / rel
        if not _real_inside(out_dir, rel):
            raise UserError(
                f"{display_path(target)}: the path goes through a link to elsewhere; the kit "
                "writes only inside the folder you named (move the link away; nothing was "
                "changed)"
            )
        if owned is not None and rel not in owned and (target.exists() or target.is_symlink()):
            raise UserError(
                f"{display_path(target)}: a file that revisitkit did not write has the name of an "
                "output; move or rename it, or choose another --out (nothing was changed)"
            )
        if target.is_dir() and not target.is_symlink():
            raise UserError(
                f"{display_path(target)}: is a folder where the output file should go; move or "
                "rename it and run again (nothing was changed)"
            )
        for parent in target.parents:
            if parent == out_dir:
                break
            if parent.exists() and not parent.is_dir():
                raise UserError(
                    f"{display_path(parent)}: is a file where the output folder should go; move "
                    "or rename it and run again (nothing was changed)"
                )
    journal = {"new": new, "stale": stale}
    tmp = stage / (_JOURNAL + ".part")
    tmp.write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    with _signals_deferred() as caught:
        os.replace(tmp, stage / _JOURNAL)
        step = ""
        try:
            for rel in new:
                target, staged, old = out_dir / rel, new_root / rel, stage / _OLD / rel
                step = rel
                if target.exists() or target.is_symlink():
                    old.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, old)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
            for rel in stale:
                step = rel
                old = stage / _OLD / rel
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(out_dir / rel, old)
        except OSError as e:
            _rollback(stage, out_dir, journal)
            (stage / _JOURNAL).unlink()
            raise UserError(
                f"{display_path(out_dir / step)}: could not be replaced ({e.strerror or e}; is "
                "it open in Excel or WPS? close it and run again); the folder keeps the "
                "previous files, nothing was changed"
            ) from None
        (stage / _JOURNAL).unlink()  # the commit: from here the new set is the folder's
        for rel in stale:  # folders the removed files leave empty
            for parent in (out_dir / rel).parents:
                if parent == out_dir:
                    break
                with contextlib.suppress(OSError):
                    parent.rmdir()
    if caught:
        raise KeyboardInterrupt
