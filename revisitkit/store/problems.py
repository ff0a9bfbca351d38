"""The problem hand-off in the store: idempotent imports, updates with history, no lost edit.

:class:`ProblemLog` keeps validated problems (:func:`revisitkit.io.load_problems`) in the kit's
SQLite store, keyed by problem id:

* importing the same file twice adds nothing; a later file with the same ids sets what has
  happened since (responded, solved, verified times), field by field;
* a blank cell in a later file never erases what is stored (an export from another tool may
  lack a column); to correct a stored value, give the new one;
* every change writes an audit row per field (who, when, field, old → new, version);
* :meth:`ProblemLog.update` names the version it was based on and is refused, with what
  changed meanwhile, when someone else saved first (optimistic concurrency, as for risks);
* a failed import changes nothing. Each import is logged (who, when, the file and its
  SHA-256, what it added, updated and left unchanged).

The tables are created by :data:`revisitkit.store.db.MIGRATIONS` (version 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from revisitkit.config import Config, display_path
from revisitkit.errors import UserError
from revisitkit.io import file_sha256, load_problems
from revisitkit.schema import PROBLEM_FIELDS, PROBLEM_TIMES, parse_problems
from revisitkit.store.db import now_utc

__all__ = ["ProblemImport", "ProblemLog", "StaleProblemError"]

_HISTORY = ("seq", "problem_id", "at", "who", "action", "field", "old", "new", "version")
_EDITABLE = tuple(f for f in PROBLEM_FIELDS if f not in ("problem_id",))
_VERSION = 3


@dataclass(frozen=True)
class ProblemImport:
    added: int
    updated: int
    unchanged: int
    file: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.added:,} added, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged"
        )


class StaleProblemError(UserError):
    """An edit was based on an old version of a problem: someone else saved first."""

    def __init__(self, problem_id: str, expected: int, current: int, changes: pd.DataFrame):
        self.problem_id, self.expected_version, self.current_version = problem_id, expected, current
        self.changes = changes
        lines = [
            f"{r.at} {r.who}: {r.field} {r.old or '—'} → {r.new or '—'}"
            for r in changes.itertuples(index=False)
        ]
        super().__init__(
            f"problem {problem_id} was changed since you loaded it (you edited version "
            f"{expected}, the store has version {current}); nothing was saved. Changed "
            "meanwhile:\n  - "
            + "\n  - ".join(lines or ["(no audit rows)"])
            + f"\nReload problem {problem_id}, re-apply your change and save again."
        )


def _db(name: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if name in PROBLEM_TIMES:
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if name == "verified_ok":
        return int(bool(value))
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a problems frame as the store keeps them (:func:`_db`, column by column)."""
    columns = {}
    for name in PROBLEM_FIELDS:
        values = frame[name]
        if name in PROBLEM_TIMES:
            text = pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M:%S")
            columns[name] = text.astype(object).where(text.notna(), None).tolist()
        elif name == "verified_ok":
            flags = values.astype("boolean")
            columns[name] = [None if pd.isna(v) else int(bool(v)) for v in flags.tolist()]
        else:
            columns[name] = [
                None if v is None or v is pd.NA or v != v else str(v) for v in values.tolist()
            ]
    return [
        dict(zip(PROBLEM_FIELDS, row, strict=True)) for row in zip(*columns.values(), strict=True)
    ]


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _check_who(who: Any) -> str:
    if not str(who or "").strip():
        raise UserError("who changes the problems must be named (for the audit trail)")
    return str(who).strip()


class ProblemLog:
    """The problems in the kit's SQLite store (:class:`revisitkit.store.Store`)."""

    def __init__(self, store: Any, config: Config):
        self.store = store
        self.config = config

    def _ready(self) -> bool:
        return self.store.exists() and self.store.schema_version() >= _VERSION

    # ------------------------------------------------------------------------------- imports
    def import_frame(
        self, frame: pd.DataFrame, *, file: str, who: str, digest: str = ""
    ) -> ProblemImport:
        """Store validated problems in one transaction (module docstring)."""
        who = _check_who(who)
        records = _records(frame)
        at = now_utc()
        added = updated = unchanged = 0
        cols = ", ".join(PROBLEM_FIELDS)
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO problem_imports (at, who, file, sha256, added, updated, unchanged)"
                " VALUES (?, ?, ?, ?, 0, 0, 0)",
                (at, who, file, digest),
            )
            seq = cur.lastrowid
            stored = {
                row["problem_id"]: dict(row)
                for row in conn.execute(f"SELECT {cols}, version FROM problems")
            }
            new_rows: list[tuple] = []
            for rec in records:
                pid = rec["problem_id"]
                old = stored.get(pid)
                if old is None:
                    new_rows.append((*[rec[f] for f in PROBLEM_FIELDS], at, who))
                    stored[pid] = {**rec, "version": 1}
                    added += 1
                    continue
                changed = {f: rec[f] for f in _EDITABLE if not _blank(rec[f]) and rec[f] != old[f]}
                if not changed:
                    unchanged += 1
                    continue
                version = _write(conn, pid, old, changed, old["version"], (at, who, "import"))

                stored[pid] = {**old, **changed, "version": version}
                updated += 1
            conn.executemany(
                f"INSERT INTO problems ({cols}, version, updated_at, updated_by) "
                f"VALUES ({', '.join('?' for _ in PROBLEM_FIELDS)}, 1, ?, ?)",
                new_rows,
            )
            conn.executemany(
                "INSERT INTO problem_audit (problem_id, at, who, action, field, old, new, "
                "version) VALUES (?, ?, ?, 'add', NULL, NULL, ?, 1)",
                [(row[0], at, who, file) for row in new_rows],
            )
            conn.execute(
                "UPDATE problem_imports SET added = ?, updated = ?, unchanged = ? WHERE seq = ?",
                (added, updated, unchanged, seq),
            )
        return ProblemImport(added, updated, unchanged, file)

    def import_file(
        self, path: str | Path, who: str, *, customers: Iterable[str] | None = None
    ) -> ProblemImport:
        """Validate a file completely, then store it (see :meth:`import_frame`)."""
        path = Path(path)
        frame = load_problems(path, self.config, customers=customers)
        return self.import_frame(frame, file=display_path(path), who=who, digest=file_sha256(path))

    # -------------------------------------------------------------------------------- edits
    def get(self, problem_id: str) -> tuple[dict[str, Any], int]:
        """A problem's stored fields and its version (pass it back to :meth:`update`)."""
        rows = (
            self.store.query("SELECT * FROM problems WHERE problem_id = ?", (problem_id,))
            if self._ready()
            else []
        )
        if not rows:
            raise UserError(f"problem {problem_id!r} is not in the store")
        row = dict(rows[0])
        return {f: row[f] for f in PROBLEM_FIELDS}, row["version"]

    def update(
        self, problem_id: str, changes: Mapping[str, Any], expected_version: int, who: str
    ) -> int:
        """Change fields of a problem (e.g. ``{"solved_at": "2027-01-10 15:00"}``) if nobody
        changed it since *expected_version*; validated as a file row would be. Returns the new
        version; raises :class:`StaleProblemError` when someone saved first."""
        who = _check_who(who)
        unknown = [k for k in changes if k not in _EDITABLE]
        if unknown:
            raise UserError(
                f"cannot change {unknown}; the fields of a problem are {list(_EDITABLE)}"
            )
        at = now_utc()
        self.get(problem_id)  # a clear error for an unknown id, and no store created for it
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM problems WHERE problem_id = ?", (problem_id,)
            ).fetchone()
            if row["version"] != expected_version:
                since = conn.execute(
                    "SELECT at, who, field, old, new FROM problem_audit WHERE problem_id = ? "
                    "AND version > ? ORDER BY seq",
                    (problem_id, expected_version),
                ).fetchall()
                raise StaleProblemError(
                    problem_id,
                    expected_version,
                    row["version"],
                    pd.DataFrame(
                        [tuple(r) for r in since], columns=["at", "who", "field", "old", "new"]
                    ),
                )
            old = {f: row[f] for f in PROBLEM_FIELDS}
            merged = {**old, **{k: ("" if v is None else v) for k, v in changes.items()}}
            raw = pd.DataFrame([{k: ("" if v is None else str(v)) for k, v in merged.items()}])
            raw["verified_ok"] = {
                None: "",
                "": "",
                "0": "否",
                "1": "是",
                "False": "否",
                "True": "是",
            }.get(raw.loc[0, "verified_ok"], raw.loc[0, "verified_ok"])
            new = parse_problems(raw, source=f"problem {problem_id}", config=self.config).iloc[0]
            new_db = {f: _db(f, new[f]) for f in PROBLEM_FIELDS}
            new_db["problem_id"] = problem_id
            changed = {f: new_db[f] for f in _EDITABLE if new_db[f] != old[f] and f in changes}
            if not changed:
                return row["version"]
            return _write(conn, problem_id, old, changed, row["version"], (at, who, "edit"))

    # ------------------------------------------------------------------------------ reading
    def frame(self, *, open_at: pd.Timestamp | None = None) -> pd.DataFrame:
        """Every stored problem (:data:`PROBLEM_FIELDS` plus ``version``), by moment raised;
        with *open_at*, only those raised by then and not yet confirmed with the customer at
        that moment (the only ones that can be overdue then)."""
        where, params = "", ()
        if open_at is not None:
            moment = pd.Timestamp(open_at).strftime("%Y-%m-%d %H:%M:%S")
            where = "WHERE raised_at <= ? AND (verified_at IS NULL OR verified_at > ?) "
            params = (moment, moment)
        rows = (
            self.store.query(
                f"SELECT {', '.join(PROBLEM_FIELDS)}, version FROM problems {where}"
                "ORDER BY raised_at, problem_id",
                params,
            )
            if self._ready()
            else []
        )
        frame = pd.DataFrame([tuple(r) for r in rows], columns=[*PROBLEM_FIELDS, "version"])
        for name in PROBLEM_TIMES:
            frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d %H:%M:%S").astype(
                "datetime64[ns]"
            )
        frame["verified_ok"] = frame["verified_ok"].astype("Int64").astype("boolean")
        frame["version"] = frame["version"].astype("int64")
        return frame

    def count(self) -> int:
        """How many problems are stored."""
        return self.store.query("SELECT count(*) FROM problems")[0][0] if self._ready() else 0

    def history(self, problem_id: str | None = None) -> pd.DataFrame:
        """The audit trail (``seq, problem_id, at, who, action, field, old, new, version``)."""
        if not self._ready():
            return pd.DataFrame(columns=list(_HISTORY))
        where, params = ("WHERE problem_id = ?", (problem_id,)) if problem_id else ("", ())
        rows = self.store.query(
            f"SELECT {', '.join(_HISTORY)} FROM problem_audit {where} ORDER BY seq", params
        )
        return pd.DataFrame([tuple(r) for r in rows], columns=list(_HISTORY))

    def imports(self) -> pd.DataFrame:
        rows = (
            self.store.query("SELECT * FROM problem_imports ORDER BY seq") if self._ready() else []
        )
        return pd.DataFrame([dict(r) for r in rows])


def _write(
    conn: Any,
    problem_id: str,
    old: Mapping[str, Any],
    changed: Mapping[str, Any],
    version: int,
    by: tuple[str, str, str],
) -> int:
    """Write *changed* fields of a stored problem, one audit row each; the new version."""
    at, who, action = by
    version += 1
    sets = ", ".join(f"{f} = ?" for f in changed)
    conn.execute(
        f"UPDATE problems SET {sets}, version = ?, updated_at = ?, updated_by = ? "
        "WHERE problem_id = ?",
        (*changed.values(), version, at, who, problem_id),
    )
    conn.executemany(
        "INSERT INTO problem_audit (problem_id, at, who, action, field, old, new, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (problem_id, at, who, action, f, _shown(old[f]), _shown(v), version)
            for f, v in changed.items()
        ],
    )
    return version


def _shown(value: Any) -> str | None:
    return None if value is None else str(value)
