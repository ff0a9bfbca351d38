"""The risk register in the store: list, add, edit, close, comment, history, import, export.

Every write is one transaction of the :class:`~revisitkit.store.db.Store` and names ``who``
makes it; every changed field lands in the audit trail (``risk_audit``), comments in
``risk_comments``. Edits name the version they were based on and are refused, with what changed
meanwhile, when someone else saved first (:class:`StaleEditError`). A register file is imported
all or nothing, checked row by row against the register (:meth:`RiskRegister.import_file`). The
tables are created by :data:`revisitkit.store.db.MIGRATIONS`; every query of them is here.
"""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from revisitkit.config import Config, display_path
from revisitkit.errors import InputError, Issue, UserError
from revisitkit.io import atomic_path, excel_writer, read_risk_file, write_csv, write_risk_sheet
from revisitkit.risk import register_frame
from revisitkit.schema import (
    CATEGORIES,
    FIELDS,
    LIST_COLUMNS,
    RISK_HEADERS_ZH,
    STATUSES,
    Risk,
    RiskValidationError,
    parse_dates,
    parse_fields,
    register_header_issues,
)
from revisitkit.store.db import Store, now_utc

__all__ = ["ImportSummary", "RiskRegister", "StaleEditError", "UnknownRiskError"]

_HISTORY_COLUMNS = ("seq", "risk_id", "at", "who", "action", "field", "old", "new", "version")


class StaleEditError(UserError):
    """An edit was based on an old version of a risk: someone else saved first.

    Attributes
    ----------
    risk_id : str
    expected_version, current_version : int
    changes : DataFrame
        The audit rows since ``expected_version`` (who, at, action, field, old, new).
    """

    def __init__(
        self, risk_id: str, expected_version: int, current_version: int, changes: pd.DataFrame
    ):
        self.risk_id = risk_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changes = changes
        lines = [_describe(row) for row in changes.itertuples(index=False)]
        editors = ", ".join(dict.fromkeys(changes["who"])) or "another editor"
        super().__init__(
            f"risk {risk_id} was changed by {editors} since you loaded it (you edited version "
            f"{expected_version}, the register has version {current_version}); nothing was "
            "saved. Changed meanwhile:\n  - "
            + "\n  - ".join(lines or ["(no audit rows)"])
            + f"\nReload risk {risk_id}, re-apply your change and save again."
        )


def _describe(row: Any) -> str:
    if row.action == "comment":
        return f"{row.at} {row.who} commented: {row.new}"
    if row.field is None:
        return f"{row.at} {row.who} {row.action}"
    return f"{row.field}: {_shown(row.old)} → {_shown(row.new)} ({row.who}, {row.at}, {row.action})"


def _shown(value: Any) -> str:
    return "(empty)" if value is None or value == "" else str(value)


class UnknownRiskError(UserError, LookupError):
    """No risk with that id in the register."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: ids added, ids updated, ids whose rows matched the store already."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def _to_db(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text(value: Any) -> str | None:
    """A value as the audit trail stores it."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _risk_from_row(row: sqlite3.Row) -> Risk:
    values = {name: row[name] for name in FIELDS}
    if values["next_review"] is not None:
        values["next_review"] = date.fromisoformat(values["next_review"])
    return Risk(**values)


def _check_who(who: Any) -> str:
    if not isinstance(who, str) or not who.strip():
        raise UserError(f"who must name the person making the change, got {who!r}")
    return who.strip()


def _id_number(rid: str) -> int:
    return int(rid[1:])


_COLUMNS_SQL = ", ".join(f'"{name}"' for name in FIELDS)


class RiskRegister:
    """The risk register in a store: list, add, edit, close, comment, history, import, export.

    Parameters
    ----------
    store
        The :class:`Store` (several registers, or processes, may share one file).
    config
        Validates values (scale, owner roles) and scores the table.

    Every write names ``who`` makes it and lands in the audit trail. Edits name the
    ``expected_version`` they were based on (from :meth:`get` or :meth:`list`); a stale one is
    refused with :class:`StaleEditError` and nothing is written.
    """

    def __init__(self, store: Store, config: Config):
        self.store = store
        self.config = config

    # ------------------------------------------------------------------ reading
    def exists(self) -> bool:
        """Whether the store file exists (a missing one reads as an empty register)."""
        return self.store.exists()

    def list(self, category: str | None = None, status: str | None = None) -> pd.DataFrame:
        """The register as a table (:func:`revisitkit.risk.register_frame` plus ``version``,
        ``updated_at``, ``updated_by``), in id order, optionally filtered."""
        for name, value, codes in (
            ("category", category, CATEGORIES),
            ("status", status, STATUSES),
        ):
            if value is not None and value not in codes:
                raise ValueError(
                    f"{name} must be one of {', '.join(codes)} (or None), got {value!r}"
                )
        rows = self.store.query(
            "SELECT * FROM risks WHERE (:category IS NULL OR category = :category) "
            "AND (:status IS NULL OR status = :status)",
            {"category": category, "status": status},
        )
        rows.sort(key=lambda r: _id_number(r["id"]))
        frame = register_frame([_risk_from_row(r) for r in rows], self.config)
        frame["version"] = pd.Series([r["version"] for r in rows], dtype="int64")
        frame["updated_at"] = pd.Series([r["updated_at"] for r in rows], dtype=object)
        frame["updated_by"] = pd.Series([r["updated_by"] for r in rows], dtype=object)
        return frame[list(LIST_COLUMNS)]

    def get(self, risk_id: str) -> tuple[Risk, int]:
        """A risk and its version (pass the version back to :meth:`update`).

        Raises
        ------
        UnknownRiskError
            No risk with that id.
        """
        rows = self.store.query("SELECT * FROM risks WHERE id = ?", (risk_id,))
        if not rows:
            raise self._unknown(risk_id)
        return _risk_from_row(rows[0]), rows[0]["version"]

    def history(self, risk_id: str | None = None) -> pd.DataFrame:
        """The audit trail of one risk (or of all, for None), oldest first.

        Columns: ``seq, risk_id, at, who, action, field, old, new, version`` (the version the
        change produced). Comments are in it as ``action == "comment"`` with the text in ``new``.
        """
        if risk_id is not None:
            self.get(risk_id)  # refuses an unknown id
        rows = self.store.query(
            "SELECT * FROM risk_audit WHERE (? IS NULL OR risk_id = ?) ORDER BY seq",
            (risk_id, risk_id),
        )
        return pd.DataFrame([tuple(r) for r in rows], columns=list(_HISTORY_COLUMNS))

    def comments(self, risk_id: str) -> pd.DataFrame:
        """The comments on a risk, oldest first: ``at, who, text``."""
        self.get(risk_id)
        rows = self.store.query(
            "SELECT at, who, text FROM risk_comments WHERE risk_id = ? ORDER BY seq", (risk_id,)
        )
        return pd.DataFrame([tuple(r) for r in rows], columns=["at", "who", "text"])

    def _unknown(self, risk_id: str) -> UnknownRiskError:
        ids = [r["id"] for r in self.store.query("SELECT id FROM risks")]
        ids.sort(key=_id_number)
        known = f"ids are {', '.join(ids)}" if ids else "the register is empty"
        return UnknownRiskError(f"risk {risk_id!r} is not in the register ({known})")

    # ------------------------------------------------------------------ writing
    def _validated(self, fields: Mapping[str, Any], what: str) -> Risk:
        values, problems = parse_fields(fields, self.config)
        if problems:
            raise RiskValidationError([m for _, m in problems], what)
        return Risk(**values)

    @staticmethod
    def _next_ids(conn: sqlite3.Connection, taken: Iterable[str] = ()) -> Iterator[str]:
        """The free ids after the highest in the register and in *taken*: ``R{n+1:02d}``, …

        The highest id is read once and the numbers counted up from it, so numbering N new
        risks reads the ids once, not N times (that made importing 19,500 risks take 8 min
        20 s). *taken*: ids about to be written that are not in the register yet (those a
        file names), so that no new number collides with them.
        """
        stored = conn.execute("SELECT max(CAST(substr(id, 2) AS INTEGER)) FROM risks")
        top = max([stored.fetchone()[0] or 0, *(_id_number(i) for i in taken)])
        return (f"R{n:02d}" for n in itertools.count(top + 1))

    @classmethod
    def _next_id(cls, conn: sqlite3.Connection, taken: Iterable[str] = ()) -> str:
        """The next free id (see :meth:`_next_ids`)."""
        return next(cls._next_ids(conn, taken))

    @staticmethod
    def _insert(conn: sqlite3.Connection, risk: Risk, who: str, at: str, action: str) -> None:
        values = [_to_db(getattr(risk, name)) for name in FIELDS]
        conn.execute(
            f"INSERT INTO risks ({_COLUMNS_SQL}, version, updated_at, updated_by) "
            f"VALUES ({', '.join('?' * len(FIELDS))}, 1, ?, ?)",
            (*values, at, who),
        )
        conn.execute(
            "INSERT INTO risk_audit (risk_id, at, who, action, field, old, new, version) "
            "VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)",
            (risk.id, at, who, action, risk.title),
        )

    def add(self, risk: Risk | Mapping[str, Any], who: str) -> str:
        """Add a risk; its id is the next free ``R{n:02d}`` when empty. Returns the id.

        Raises
        ------
        RiskValidationError
            Invalid values, or an id already in the register.
        """
        who = _check_who(who)
        fields = risk.to_dict() if isinstance(risk, Risk) else dict(risk)
        new = self._validated(fields, "the new risk")
        at = now_utc()
        with self.store.transaction() as conn:
            if new.id:
                if conn.execute("SELECT 1 FROM risks WHERE id = ?", (new.id,)).fetchone():
                    raise RiskValidationError(
                        [
                            f"id {new.id} is already in the register; leave id empty for the next "
                            f"free id ({self._next_id(conn)})"
                        ],
                        "the new risk",
                    )
            else:
                new = dataclasses.replace(new, id=self._next_id(conn))
            self._insert(conn, new, who, at, "add")
        return new.id

    def seed_if_empty(self, risks: Sequence[Risk], who: str) -> int:
        """Add *risks* (e.g. :func:`revisitkit.io.load_seed`) when the register is empty.

        Returns how many were added: 0 when the register already has risks.
        """
        who = _check_who(who)
        checked = [self._validated(r.to_dict(), f"seed risk {r.id or '(no id)'}") for r in risks]
        at = now_utc()
        with self.store.transaction() as conn:
            if conn.execute("SELECT 1 FROM risks LIMIT 1").fetchone():
                return 0
            # numbered after every id the seed names, wherever in the list it names it
            free = self._next_ids(conn, [r.id for r in checked if r.id])
            for risk in checked:
                if not risk.id:
                    risk = dataclasses.replace(risk, id=next(free))
                self._insert(conn, risk, who, at, "import")
        return len(checked)

    def update(
        self, risk_id: str, changes: Mapping[str, Any], expected_version: int, who: str
    ) -> int:
        """Change fields of a risk, if nobody else changed it since *expected_version*.

        Parameters
        ----------
        risk_id
            The risk to change.
        changes
            Field → new value (text from a form is fine: ``{"likelihood": "4"}``).
        expected_version
            The version the editor loaded (:meth:`get` / :meth:`list`).
        who
            Who makes the change (audit trail).

        Returns
        -------
        int
            The new version (unchanged when the values were already those).

        Raises
        ------
        StaleEditError
            The risk was changed since *expected_version*; the message lists who changed
            which field, old → new, and when. Nothing is written.
        RiskValidationError
            The risk with the changes applied would be invalid (every problem listed).
        UnknownRiskError
            No risk with that id.
        """
        return self._edit(risk_id, dict(changes), expected_version, who, "edit")

    def close(self, risk_id: str, expected_version: int, who: str) -> int:
        """Set a risk's status to closed (audited as ``close``). Returns the new version."""
        return self._edit(risk_id, {"status": "closed"}, expected_version, who, "close")

    def comment(self, risk_id: str, text: str, who: str) -> None:
        """Add a comment to a risk (its version does not change: a comment never makes
        another editor's change stale)."""
        who = _check_who(who)
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"a comment must not be empty, got {text!r}")
        if not self.store.exists():
            raise self._unknown(risk_id)
        at = now_utc()
        with self.store.transaction() as conn:
            row = conn.execute("SELECT version FROM risks WHERE id = ?", (risk_id,)).fetchone()
            if row is None:
                raise self._unknown(risk_id)
            conn.execute(
                "INSERT INTO risk_comments (risk_id, at, who, text) VALUES (?, ?, ?, ?)",
                (risk_id, at, who, text.strip()),
            )
            conn.execute(
                "INSERT INTO risk_audit (risk_id, at, who, action, field, old, new, version) "
                "VALUES (?, ?, ?, 'comment', NULL, NULL, ?, ?)",
                (risk_id, at, who, text.strip(), row["version"]),
            )

    def _edit(
        self, risk_id: str, changes: dict[str, Any], expected_version: int, who: str, action: str
    ) -> int:
        who = _check_who(who)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError(f"expected_version must be a whole number, got {expected_version!r}")
        if "id" in changes and changes["id"] != risk_id:
            raise RiskValidationError(
                [
                    f"id cannot be changed (it names the risk in the audit trail), got "
                    f"{changes['id']!r}; add a new risk instead"
                ],
                f"risk {risk_id}",
            )
        if not self.store.exists():
            raise self._unknown(risk_id)  # and no store file created for nothing
        at = now_utc()
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM risks WHERE id = ?", (risk_id,)).fetchone()
            if row is None:
                raise self._unknown(risk_id)
            if row["version"] != expected_version:
                raise StaleEditError(
                    risk_id,
                    expected_version,
                    row["version"],
                    self._since(conn, risk_id, expected_version),
                )
            old = _risk_from_row(row)
            new = self._validated({**old.to_dict(), **changes}, f"risk {risk_id}")
            return self._write_changes(conn, old, new, row["version"], who, at, action)

    @staticmethod
    def _write_changes(
        conn: sqlite3.Connection,
        old: Risk,
        new: Risk,
        version: int,
        who: str,
        at: str,
        action: str,
    ) -> int:
        changed = [n for n in FIELDS if getattr(old, n) != getattr(new, n)]
        if not changed:
            return version
        version += 1
        sets = ", ".join(f'"{n}" = ?' for n in changed)
        conn.execute(
            f"UPDATE risks SET {sets}, version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            (*[_to_db(getattr(new, n)) for n in changed], version, at, who, old.id),
        )
        for name in changed:
            conn.execute(
                "INSERT INTO risk_audit (risk_id, at, who, action, field, old, new, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    old.id,
                    at,
                    who,
                    action,
                    name,
                    _text(getattr(old, name)),
                    _text(getattr(new, name)),
                    version,
                ),
            )
        return version

    @staticmethod
    def _since(conn: sqlite3.Connection, risk_id: str, version: int) -> pd.DataFrame:
        rows = conn.execute(
            "SELECT * FROM risk_audit WHERE risk_id = ? AND version > ? AND action != 'comment' "
            "ORDER BY seq",
            (risk_id, version),
        ).fetchall()
        return pd.DataFrame([tuple(r) for r in rows], columns=list(_HISTORY_COLUMNS))

    # ------------------------------------------------------------------ files
    def export(self, path: str | Path) -> Path:
        """Write the register for review: ``.csv`` (UTF-8 with BOM) or ``.xlsx`` (sheet
        ``风险 Risks``), Chinese headers, written atomically. Returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise UserError(
                f"{display_path(path)}: export as .csv or .xlsx, got {suffix or '(no extension)'!r}"
            )
        register = self.list()
        if suffix == ".csv":
            return write_csv(register.rename(columns=RISK_HEADERS_ZH), path)
        with atomic_path(path) as tmp:
            with excel_writer(tmp) as writer:
                write_risk_sheet(writer, register)
        return path

    def import_file(self, path: str | Path, who: str) -> ImportSummary:
        """Import a register file (CSV or XLSX, English or Chinese headers), all or nothing.

        Rows with an id in the register update it (audited as ``import``); rows with a new id,
        or none, are added. A column the file does not have keeps the stored values (for a new
        risk: the defaults). Score, level and label columns are read past: they follow from
        the others. A ``version`` column is checked: a row exported before someone else's
        change is refused, so an import never overwrites an edit it has not seen.

        Raises
        ------
        InputError
            Every problem in the file at once, each with its row, column and value; nothing
            is written.
        UserError
            The file cannot be read.
        """
        who = _check_who(who)
        table = read_risk_file(path)
        checked = None
        if not self.store.exists():
            # check before the first write creates the store: a refused file creates nothing
            checked = self._check_import(table, None, {})
        at = now_utc()
        with self.store.transaction() as conn:
            stored = {r["id"]: r for r in conn.execute("SELECT * FROM risks")}
            # checked against an empty register already, unless someone added risks meanwhile
            planned = (
                checked
                if checked is not None and not stored
                else self._check_import(table, conn, stored)
            )
            added, updated, unchanged = [], [], []
            free = self._next_ids(conn, [values["id"] for _, values in planned if values["id"]])
            for old, values in planned:
                new = Risk(**values)
                if old is None:
                    if not new.id:
                        new = dataclasses.replace(new, id=next(free))
                    self._insert(conn, new, who, at, "import")
                    added.append(new.id)
                else:
                    version = stored[old.id]["version"]
                    if self._write_changes(conn, old, new, version, who, at, "import") > version:
                        updated.append(old.id)
                    else:
                        unchanged.append(old.id)
        return ImportSummary(tuple(added), tuple(updated), tuple(unchanged))

    def _check_import(
        self,
        table: Any,
        conn: sqlite3.Connection | None,
        stored: Mapping[str, sqlite3.Row],
    ) -> list[tuple[Risk | None, dict[str, Any]]]:
        """Every row of an import file checked against the register: (stored risk or None,
        parsed values) per row, or InputError with every problem."""
        src, raw = table.source, table.frame
        headers = [str(h) for h in raw.columns]
        row_numbers = src.row_numbers(len(raw))
        issues, position = register_header_issues(headers, src)
        given = [n for n in FIELDS if n in position]
        # Each column read out once, as Python values: a cell at a time through pandas costs
        # ~20 µs a cell; and the review dates parsed as one column: a cell at a time, the
        # date parser runs its pandas pipeline once per row (~10 ms each: minutes for 20,000).
        columns = {n: raw.iloc[:, position[n]].tolist() for n in given}
        versions = raw.iloc[:, position["version"]].tolist() if "version" in position else None
        reviews = None
        if "next_review" in position:
            parsed = parse_dates(raw.iloc[:, position["next_review"]])
            reviews = [None if pd.isna(t) else t.date() for t in parsed]
        first_row: dict[str, int] = {}
        planned: list[tuple[Risk | None, dict[str, Any]]] = []
        for i in range(len(raw)):
            row = int(row_numbers[i])
            cells = {n: columns[n][i] for n in given}
            rid = str(cells.get("id") or "").strip()
            base: dict[str, Any] = {}
            if rid in stored:
                base = _risk_from_row(stored[rid]).to_dict()
                in_file = str(versions[i]).strip() if versions is not None else ""
                if not in_file:
                    # without the version it was exported at, an update could silently undo a
                    # colleague's edit made since: refuse it
                    issues.append(
                        Issue(
                            src.name,
                            row,
                            headers[position["version"]] if "version" in position else None,
                            None,
                            f"risk {rid} already exists, and this row has no 版本 (version) "
                            "to show which edit it was made on; export the register again "
                            "(the file then carries the version) and re-apply your changes",
                        )
                    )
                elif in_file != str(stored[rid]["version"]):
                    assert conn is not None  # a stored risk means an open store
                    meanwhile = self._since(conn, rid, _int_or(in_file, 0))
                    said = "; ".join(_describe(r) for r in meanwhile.itertuples(index=False))
                    issues.append(
                        Issue(
                            src.name,
                            row,
                            headers[position["version"]],
                            in_file,
                            f"risk {rid} was changed in the register since this file was "
                            f"exported (the register has version {stored[rid]['version']}"
                            f"{': ' + said if said else ''}); export again and re-apply "
                            "your changes",
                        )
                    )
            if rid and rid in first_row:
                issues.append(
                    Issue(
                        src.name,
                        row,
                        headers[position["id"]],
                        rid,
                        f"duplicate risk id; first seen at row {first_row[rid]}",
                    )
                )
            elif rid:
                first_row[rid] = row
            fields = {**base, **cells}
            if reviews is not None and reviews[i] is not None:
                fields["next_review"] = reviews[i]  # the date parse_fields would make of the text
            values, problems = parse_fields(fields, self.config)
            for field, message in problems:
                column = headers[position[field]] if field in position else None
                value = cells.get(field) if field in position else None
                if column is None and not base:
                    message += f" (the file has no column {field} / {RISK_HEADERS_ZH[field]})"
                issues.append(Issue(src.name, row, column, _cell(value), message))
            if not problems:
                planned.append((_risk_from_row(stored[rid]) if rid in stored else None, values))
        if issues:
            order = {h: k for k, h in enumerate(headers)}
            issues.sort(key=lambda x: (x.row or 0, order.get(x.column, -1)))
            raise InputError(issues)
        return planned


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _int_or(text: str, default: int) -> int:
    try:
        return int(float(text))
    except ValueError:
        return default
