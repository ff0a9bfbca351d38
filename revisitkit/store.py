"""The kit's embedded store: one SQLite file that never loses a planner's edit.

Planners edit the risk register (and, later, log revisit outcomes) from notebooks, often two
at once. A register in a spreadsheet loses the slower editor's change; this store does not:

* every change is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, ``ROLLBACK`` on any
  exception), so a crash in the middle of an edit leaves the file as it was;
* every change writes an audit row per field (who, when, field, old → new);
* every risk carries a version; an edit names the version it was based on and is refused,
  with what changed meanwhile, when someone else saved first (optimistic concurrency);
* the file is created, and its schema migrated (``PRAGMA user_version``), on the first
  write only: reading a store that does not exist shows an empty register and creates nothing.

What the file is, and what the kit does to it:

* **Only the kit's own files.** A store is marked with ``PRAGMA application_id`` =
  :data:`APPLICATION_ID` (b"RVKT") when it is created, and a store this kit made before the
  mark existed (its tables, ``user_version`` > 0, no mark) gets it on its next write. Any
  other SQLite file — another application's id, or no id with tables of its own — is refused
  with a :class:`~revisitkit.errors.UserError` before anything is written, and left byte for
  byte as it was. An empty (0-byte) file is a new store.
* **Reading never writes.** A read never changes the journal mode, and opens the file
  read-only (``mode=ro``), with two exceptions SQLite needs. A WAL store in a writable folder
  is read through a connection that SQLite keeps from writing (``query_only``): a read-only
  one would leave behind the ``-wal``/``-shm`` files it needs, which this one removes when it
  is the last to close (checkpointing, as any SQLite connection does, what other editors
  committed meanwhile). On read-only media, where a WAL store's ``-shm`` cannot be created,
  it is read ``immutable``: nobody can write there either.
* **No write to a damaged file.** The first write of a connection runs ``PRAGMA
  quick_check`` and refuses a damaged store, saying how to recover it; SQLite's
  "malformed" and "not a database" errors while reading are user errors too, not tracebacks.

The journal is WAL (readers never block the writer; set on the first write, never by a
read), with a busy timeout so that two editors saving at the same moment wait for each other
instead of failing, and foreign keys on.

Example
-------
>>> import tempfile, pathlib
>>> from revisitkit.config import DEFAULT_CONFIG_PATH, load_config
>>> from revisitkit.risk import load_seed
>>> config = load_config()
>>> path = pathlib.Path(tempfile.mkdtemp()) / "revisitkit.db"
>>> with Store(path) as store:
...     register = RiskRegister(store, config)
...     register.exists()
...     register.seed_if_empty(load_seed(DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml", config), "王经理")
...     risk, version = register.get("R01")
...     register.update("R01", {"likelihood": 4}, expected_version=version, who="王经理")
...     register.history("R01")[["who", "action", "field", "old", "new"]].iloc[-1].tolist()
False
13
2
['王经理', 'edit', 'likelihood', '3', '4']
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from revisitkit.config import Config, display_path
from revisitkit.errors import InputError, Issue, UserError
from revisitkit.io import atomic_path, excel_text, excel_writer, read_table, write_csv
from revisitkit.risk import (
    CATEGORIES,
    FIELDS,
    REGISTER_COLUMNS,
    STATUSES,
    Risk,
    RiskValidationError,
    parse_fields,
    register_frame,
)
from revisitkit.schema import norm_header, parse_dates

__all__ = [
    "APPLICATION_ID",
    "LIST_COLUMNS",
    "MIGRATIONS",
    "RISK_HEADERS_ZH",
    "RISK_SHEET",
    "write_risk_sheet",
    "ImportSummary",
    "RiskRegister",
    "StaleEditError",
    "Store",
    "UnknownRiskError",
]

#: The schema, one script per version; ``PRAGMA user_version`` says how many have run.
#: Never edit a released script: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE risks (
        id TEXT PRIMARY KEY CHECK (id GLOB 'R[0-9]*'),
        category TEXT NOT NULL CHECK (category IN ('customer', 'execution', 'external')),
        title TEXT NOT NULL CHECK (length(trim(title)) > 0),
        title_en TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        cause TEXT NOT NULL DEFAULT '',
        "trigger" TEXT NOT NULL DEFAULT '',
        likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 10),
        impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 10),
        owner_role TEXT NOT NULL CHECK (length(owner_role) > 0),
        strategy TEXT NOT NULL CHECK (strategy IN ('avoid', 'transfer', 'mitigate', 'accept')),
        mitigation TEXT NOT NULL DEFAULT '',
        contingency TEXT NOT NULL DEFAULT '',
        response_level TEXT NOT NULL CHECK (response_level IN ('A', 'B', 'C')),
        status TEXT NOT NULL CHECK (status IN ('open', 'monitoring', 'closed')),
        residual_likelihood INTEGER NOT NULL
            CHECK (residual_likelihood BETWEEN 1 AND likelihood),
        residual_impact INTEGER NOT NULL CHECK (residual_impact BETWEEN 1 AND impact),
        next_review TEXT CHECK (next_review IS NULL OR date(next_review) IS next_review),
        signal TEXT,
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL CHECK (length(trim(updated_by)) > 0)
    ) STRICT;
    CREATE TABLE risk_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        risk_id TEXT NOT NULL REFERENCES risks (id),
        at TEXT NOT NULL,
        who TEXT NOT NULL CHECK (length(trim(who)) > 0),
        action TEXT NOT NULL
            CHECK (action IN ('add', 'edit', 'close', 'comment', 'import')),
        field TEXT,
        old TEXT,
        new TEXT,
        version INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX risk_audit_by_risk ON risk_audit (risk_id, seq);
    CREATE TABLE risk_comments (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        risk_id TEXT NOT NULL REFERENCES risks (id),
        at TEXT NOT NULL,
        who TEXT NOT NULL CHECK (length(trim(who)) > 0),
        text TEXT NOT NULL CHECK (length(trim(text)) > 0)
    ) STRICT;
    CREATE INDEX risk_comments_by_risk ON risk_comments (risk_id, seq);
    """,
    # version 2: the revisit outcomes log (revisitkit.outcomes)
    """
    CREATE TABLE outcome_imports (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        who TEXT NOT NULL CHECK (length(trim(who)) > 0),
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        added INTEGER NOT NULL,
        replaced INTEGER NOT NULL,
        unchanged INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE outcomes (
        customer_id TEXT NOT NULL CHECK (length(customer_id) > 0),
        date TEXT NOT NULL CHECK (date(date) IS date),
        channel TEXT NOT NULL,
        staff_id TEXT,
        reached INTEGER NOT NULL CHECK (reached IN (0, 1)),
        satisfaction REAL CHECK (satisfaction IS NULL OR satisfaction BETWEEN 0 AND 100),
        nps INTEGER CHECK (nps IS NULL OR nps BETWEEN 0 AND 10),
        problems_raised INTEGER NOT NULL CHECK (problems_raised >= 0),
        problems_solved INTEGER NOT NULL CHECK (problems_solved BETWEEN 0 AND problems_raised),
        suggestions INTEGER NOT NULL CHECK (suggestions >= 0),
        improvement_items INTEGER NOT NULL CHECK (improvement_items >= 0),
        leads INTEGER NOT NULL CHECK (leads >= 0),
        converted INTEGER NOT NULL CHECK (converted BETWEEN 0 AND leads),
        lead_value REAL NOT NULL CHECK (lead_value >= 0),
        notes TEXT NOT NULL DEFAULT '',
        import_seq INTEGER NOT NULL REFERENCES outcome_imports (seq),
        PRIMARY KEY (customer_id, date, channel)
    ) STRICT;
    """,
)


#: ``PRAGMA application_id`` of the kit's stores: the bytes b"RVKT" (ReVisit KiT) read as a
#: big-endian 32-bit integer, 0x52564B54 = 1381387092. SQLite keeps it at offset 68 of the
#: file header, so the kit (and ``file``) can tell its stores from other SQLite files.
APPLICATION_ID = int.from_bytes(b"RVKT", "big")


def _now() -> str:
    """The current time as an ISO UTC timestamp, like 2026-12-10T08:30:00Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One SQLite store file, opened lazily: read-only to read, read-write on the first write.

    Parameters
    ----------
    path
        The store file (``config.risk.store_path()``). Its folder must exist; the file is
        created on the first write. An existing file must be one of the kit's stores (or
        empty): another application's SQLite file is refused, and never changed.
    timeout
        Seconds a write waits for another editor's transaction to finish (busy timeout).

    Use it as a context manager (or call :meth:`close`) to close the connection.

    Raises
    ------
    UserError
        From any method that opens the file: it belongs to another application, is damaged,
        was written by a newer revisitkit, or (to write) is read-only.
    """

    def __init__(self, path: str | Path, *, timeout: float = 10.0):
        self.path = Path(path)
        self.name = display_path(self.path)
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = None
        self._writable = False  # whether _conn may write (else it is a reading connection)
        self._checked = False  # whether _conn passed quick_check and is in WAL mode

    def __repr__(self) -> str:
        return f"Store({self.name!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._writable = self._checked = False

    # ------------------------------------------------------------------ connection
    def _reader(self) -> sqlite3.Connection | None:
        """The open connection, or a new one that cannot write; None when there is no file."""
        if self._conn is not None:
            return self._conn
        if self.path.is_dir():
            raise UserError(f"{self.name}: is a folder; give the store file (.db)")
        if not self.path.exists():
            return None
        conn = None
        try:
            conn = self._open_for_reading()
            self._identify(conn)
        except BaseException as e:
            if conn is not None:
                conn.close()
            if isinstance(e, sqlite3.Error):
                raise self._user_error(e, opening=True) from None
            raise
        self._conn = conn
        return conn

    def _open_for_reading(self) -> sqlite3.Connection:
        writable = os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
        wal = self.path.with_name(self.path.name + "-wal")
        if writable and _header(self.path)[18:20] == b"\x02\x02":
            # A WAL file is read through its -wal and -shm files. A read-only connection
            # creates them and cannot remove them again; a read-write one that SQLite keeps
            # from writing (query_only) removes them when it is the last to close.
            if wal.exists():
                # Someone has it open (or crashed): closing last, a read-write connection
                # would also copy the -wal into the file (a checkpoint), which must not happen
                # to another application's file: identify it read-only first.
                with contextlib.closing(self._sqlite("mode=ro")) as probe:
                    self._identify(probe)
            conn = self._sqlite("mode=rw")
            conn.execute("PRAGMA query_only = ON")
            return conn
        conn = self._sqlite("mode=ro")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as e:
            conn.close()
            if writable or _code(e) != sqlite3.SQLITE_CANTOPEN:
                raise
        # On read-only media a WAL store cannot be read through a -shm file that cannot be
        # created; immutable reads the main file alone, which is safe because nobody can
        # write there either. Changes still in a -wal file would be missed: refuse then.
        if wal.exists() and wal.stat().st_size > 0:
            raise UserError(
                f"{self.name}: cannot read the store here: it is on read-only media with "
                f"changes still in {wal.name}, which SQLite cannot read without writing; copy "
                "the store and its -wal file to a writable folder"
            )
        return self._sqlite("mode=ro&immutable=1")

    def _writer(self) -> sqlite3.Connection:
        """A connection that may write; the file is created when missing."""
        if self._conn is not None and self._writable:
            return self._conn
        # identified through a reading connection first: a file that is refused is never
        # opened for writing at all
        exists = self._reader() is not None
        self.close()
        folder = self.path.parent
        if not exists and not folder.is_dir():
            raise UserError(
                f"{self.name}: cannot create the store: folder {display_path(folder)} does not "
                "exist"
            )
        if not exists and not os.access(folder, os.W_OK):
            raise UserError(
                f"{self.name}: cannot create the store: folder {display_path(folder)} cannot be "
                "written"
            )
        if exists and not (os.access(self.path, os.W_OK) and os.access(folder, os.W_OK)):
            # SQLite would open it read-only without a word and fail on the first write; the
            # folder must be writable too, for the -wal and -shm files of a write
            raise UserError(self._read_only_message())
        try:
            conn = self._sqlite("mode=rwc")
            conn.execute("PRAGMA foreign_keys = ON")
            self._identify(conn)  # the file may have been created or replaced meanwhile
        except sqlite3.Error as e:
            raise self._user_error(e, opening=True) from None
        self._conn, self._writable = conn, True
        return conn

    def _sqlite(self, mode: str) -> sqlite3.Connection:
        """A connection to the file as a URI with *mode* (``mode=ro``, ``mode=rwc``, …)."""
        uri = f"{self.path.absolute().as_uri()}?{mode}"  # as_uri quotes ? # % and spaces
        # isolation_level=None: this class issues BEGIN/COMMIT itself
        conn = sqlite3.connect(uri, timeout=self.timeout, isolation_level=None, uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        return conn

    def _identify(self, conn: sqlite3.Connection) -> None:
        """Refuse a file that is not one of the kit's stores (or empty), or is too new."""
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
        tables = {name for kind, name in objects if kind == "table"}
        why = None
        if app_id not in (0, APPLICATION_ID):
            why = f"its application_id is {app_id} ({_id_text(app_id)}), not {APPLICATION_ID}"
        elif app_id == 0 and version == 0 and objects:
            why = f"it has tables of its own ({_listed(tables)}) and no revisitkit mark"
        elif app_id == 0 and version > 0:
            # a store the kit made before it marked its files has the tables of its version
            missing = set().union(*_TABLES[:version]) - tables
            if missing:
                why = (f"its user_version is {version} but it lacks the kit's tables "
                       f"{_listed(missing)}")  # fmt: skip
        if why is not None:
            raise UserError(
                f"{self.name}: belongs to another application: it is not a revisitkit store "
                f"({why}). It was left unchanged; choose another --store (or risk.store in "
                "the config) for the kit's store"
            )
        if version > len(MIGRATIONS):
            raise UserError(
                f"{self.name}: written by a newer revisitkit (store schema version {version}; "
                f"this one knows up to {len(MIGRATIONS)}); upgrade revisitkit to open it"
            )

    def _check_for_writing(self, conn: sqlite3.Connection) -> None:
        """Before the first write of a connection: refuse a damaged file; then switch to WAL.

        The check comes first so that not even the journal mode is written to a damaged file.
        """
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        if rows != ["ok"]:
            found = "; ".join(
                line for r in rows[:3] for line in str(r).splitlines() if not line.startswith("***")
            )
            raise UserError(self._damaged_message(f"PRAGMA quick_check: {found}"))
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        self._checked = True

    def _damaged_message(self, found: str) -> str:
        return (
            f"{self.name}: the store is damaged ({found}); nothing was written to it. Restore "
            f"it from a backup or an earlier copy, or rescue what is still readable with "
            f'`sqlite3 {self.name} ".recover" | sqlite3 rescued.db`, or start a new store with '
            "`revisitkit risks init --store NEW.db` and re-import an export of the register "
            "(`revisitkit risks import FILE --store NEW.db`)"
        )

    def _read_only_message(self) -> str:
        return (
            f"{self.name}: cannot write to the store: it is read-only (the file or its folder "
            "cannot be written, e.g. read-only media); reading still works. To edit, copy it "
            "to a writable folder and give that --store"
        )

    def _user_error(self, e: sqlite3.Error, *, opening: bool = False) -> Exception:
        """What a user is told for an SQLite error they can act on; other errors unchanged.

        A constraint, a misuse or SQL the kit got wrong stays as it is: that is a bug.
        """
        code = _code(e)
        if code == sqlite3.SQLITE_CORRUPT:
            return UserError(self._damaged_message(f"SQLite says: {e}"))
        if code == sqlite3.SQLITE_NOTADB:
            return UserError(
                f"{self.name}: not a revisitkit store (SQLite says: {e}): not an SQLite file, or "
                "its first page is damaged; choose another --store"
            )
        if opening and code == sqlite3.SQLITE_CANTOPEN:
            return UserError(f"{self.name}: cannot open the store (SQLite says: {e}); check that "
                             "the file and its folder can be read")  # fmt: skip
        if code == sqlite3.SQLITE_READONLY:
            return UserError(self._read_only_message())
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return UserError(
                f"{self.name}: the store is busy ({e}): another editor is saving; try again"
            )
        if code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL):
            return UserError(f"{self.name}: cannot read or write the store (SQLite says: {e}); "
                             "check the disk")  # fmt: skip
        return e

    def schema_version(self) -> int:
        """How many migrations the file has had (0: no file yet, or an empty one)."""
        conn = self._reader()
        if conn is None:
            return 0
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as e:
            raise self._user_error(e) from None

    def exists(self) -> bool:
        """Whether the store file exists with the kit's schema."""
        return self.schema_version() > 0

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query; no rows (and no file created) when the store is missing.

        Raises
        ------
        UserError
            The store is damaged (SQLite finds a malformed page while reading).
        """
        if not self.exists():
            return []
        assert self._conn is not None
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as e:
            error = self._user_error(e)
            if error is e or _code(e) == sqlite3.SQLITE_READONLY:
                raise  # SQL the kit got wrong, or a write through a reading connection: a bug
            raise error from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``; ``ROLLBACK`` on any exception.

        Opens the file for writing (created when missing), checks it is not damaged (``PRAGMA
        quick_check``, on the first write of the connection), marks it as the kit's
        (``application_id``) and brings its schema up to date first. ``IMMEDIATE`` takes the
        write lock at the start, so what the transaction reads stays true until it commits
        (another editor's write waits, up to the busy timeout). Inside an open transaction of
        the same store, a nested ``transaction()`` joins it: all or nothing together.

        Raises
        ------
        UserError
            The store stayed locked by another editor for longer than the busy timeout; or it
            is damaged, read-only, another application's file, or from a newer revisitkit.
            Nothing is written then.
        """
        conn = self._writer()
        if conn.in_transaction:
            yield conn
            return
        try:
            if not self._checked:
                self._check_for_writing(conn)
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise self._user_error(e) from None
        try:
            self._identify(conn)  # under the write lock: nobody changes it until COMMIT
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._migrate(conn)
            yield conn
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error) and (error := self._user_error(e)) is not e:
                raise error from None
            raise

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            # executescript() would COMMIT first; run the statements inside our transaction
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


#: The tables each migration creates: a store the kit made before it marked its files is
#: recognised by the tables of its ``user_version``.
_TABLES: tuple[frozenset[str], ...] = tuple(
    frozenset(re.findall(r"CREATE TABLE (\w+)", script)) for script in MIGRATIONS
)


def _code(e: sqlite3.Error) -> int:
    """SQLite's primary result code of an error (``SQLITE_CORRUPT``, …; 0 when it has none)."""
    return (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF


def _header(path: Path) -> bytes:
    """The first 100 bytes of a file: the SQLite header (bytes 18–19 are 2 in WAL mode)."""
    with open(path, "rb") as f:
        return f.read(100)


def _id_text(app_id: int) -> str:
    raw = (app_id & 0xFFFFFFFF).to_bytes(4, "big")
    return repr(raw) if all(32 <= b < 127 for b in raw) else f"{app_id & 0xFFFFFFFF:#010x}"


def _listed(names: Iterable[str]) -> str:
    names = sorted(names)
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


# ----------------------------------------------------------------------- the risk register
#: The sheet name of the register in workbooks (export, and the plan workbook).
RISK_SHEET = "风险 Risks"

#: Chinese headers of the register's columns (export writes them; import accepts them or the
#: English names).
RISK_HEADERS_ZH = {
    "id": "风险编号",
    "category": "风险类别",
    "category_label": "类别名称",
    "title": "风险名称",
    "title_en": "英文名称",
    "description": "风险描述",
    "cause": "风险成因",
    "trigger": "预警信号",
    "likelihood": "可能性",
    "impact": "影响程度",
    "score": "风险值",
    "level": "风险等级代码",
    "level_label": "风险等级",
    "owner_role": "责任人角色",
    "owner_label": "责任人",
    "strategy": "应对策略",
    "strategy_label": "策略名称",
    "mitigation": "缓解措施",
    "contingency": "应急预案",
    "response_level": "响应级别",
    "sla_hours": "响应时限(小时)",
    "status": "状态",
    "status_label": "状态名称",
    "residual_likelihood": "剩余可能性",
    "residual_impact": "剩余影响程度",
    "residual_score": "剩余风险值",
    "residual_level": "剩余风险等级代码",
    "residual_level_label": "剩余风险等级",
    "next_review": "下次复核日期",
    "signal": "关联信号",
    "version": "版本",
    "updated_at": "更新时间",
    "updated_by": "更新人",
}
LIST_COLUMNS = (*REGISTER_COLUMNS, "version", "updated_at", "updated_by")
_HISTORY_COLUMNS = ("seq", "risk_id", "at", "who", "action", "field", "old", "new", "version")


_HEADER_INDEX = {
    norm_header(spelling): name for name, zh in RISK_HEADERS_ZH.items() for spelling in (name, zh)
}


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
        at = _now()
        with self.store.transaction() as conn:
            if new.id:
                if conn.execute("SELECT 1 FROM risks WHERE id = ?", (new.id,)).fetchone():
                    raise RiskValidationError(
                        [f"id {new.id} is already in the register; leave id empty for the next "
                         f"free id ({self._next_id(conn)})"],
                        "the new risk",
                    )  # fmt: skip
            else:
                new = dataclasses.replace(new, id=self._next_id(conn))
            self._insert(conn, new, who, at, "add")
        return new.id

    def seed_if_empty(self, risks: Sequence[Risk], who: str) -> int:
        """Add *risks* (e.g. :func:`revisitkit.risk.load_seed`) when the register is empty.

        Returns how many were added: 0 when the register already has risks.
        """
        who = _check_who(who)
        checked = [self._validated(r.to_dict(), f"seed risk {r.id or '(no id)'}") for r in risks]
        at = _now()
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
        at = _now()
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
                [f"id cannot be changed (it names the risk in the audit trail), got "
                 f"{changes['id']!r}; add a new risk instead"],
                f"risk {risk_id}",
            )  # fmt: skip
        if not self.store.exists():
            raise self._unknown(risk_id)  # and no store file created for nothing
        at = _now()
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM risks WHERE id = ?", (risk_id,)).fetchone()
            if row is None:
                raise self._unknown(risk_id)
            if row["version"] != expected_version:
                raise StaleEditError(
                    risk_id, expected_version, row["version"],
                    self._since(conn, risk_id, expected_version),
                )  # fmt: skip
            old = _risk_from_row(row)
            new = self._validated({**old.to_dict(), **changes}, f"risk {risk_id}")
            return self._write_changes(conn, old, new, row["version"], who, at, action)

    @staticmethod
    def _write_changes(
        conn: sqlite3.Connection, old: Risk, new: Risk, version: int, who: str, at: str,
        action: str,
    ) -> int:  # fmt: skip
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
                (old.id, at, who, action, name, _text(getattr(old, name)),
                 _text(getattr(new, name)), version),
            )  # fmt: skip
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
        table = read_table(path)
        checked = None
        if not self.store.exists():
            # check before the first write creates the store: a refused file creates nothing
            checked = self._check_import(table, None, {})
        at = _now()
        with self.store.transaction() as conn:
            stored = {r["id"]: r for r in conn.execute("SELECT * FROM risks")}
            # checked against an empty register already, unless someone added risks meanwhile
            planned = (
                checked if checked is not None and not stored
                else self._check_import(table, conn, stored)
            )  # fmt: skip
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
        issues: list[Issue] = []
        position: dict[str, int] = {}
        for i, header in enumerate(headers):
            name = _HEADER_INDEX.get(norm_header(header))
            if name is None:
                issues.append(
                    Issue(src.name, 1, header, None,
                          "unknown column; the register's columns are "
                          + ", ".join(f"{n} ({RISK_HEADERS_ZH[n]})" for n in LIST_COLUMNS))
                )  # fmt: skip
            elif name in position:
                issues.append(
                    Issue(src.name, 1, header, None,
                          f"same column as {headers[position[name]]!r} ({name}); keep one")
                )  # fmt: skip
            else:
                position[name] = i
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
                        Issue(src.name, row, headers[position["version"]] if "version" in position
                              else None, None,
                              f"risk {rid} already exists, and this row has no 版本 (version) "
                              "to show which edit it was made on; export the register again "
                              "(the file then carries the version) and re-apply your changes")
                    )  # fmt: skip
                elif in_file != str(stored[rid]["version"]):
                    assert conn is not None  # a stored risk means an open store
                    meanwhile = self._since(conn, rid, _int_or(in_file, 0))
                    said = "; ".join(_describe(r) for r in meanwhile.itertuples(index=False))
                    issues.append(
                        Issue(src.name, row, headers[position["version"]], in_file,
                              f"risk {rid} was changed in the register since this file was "
                              f"exported (the register has version {stored[rid]['version']}"
                              f"{': ' + said if said else ''}); export again and re-apply "
                              "your changes")
                    )  # fmt: skip
            if rid and rid in first_row:
                issues.append(
                    Issue(src.name, row, headers[position["id"]], rid,
                          f"duplicate risk id; first seen at row {first_row[rid]}")
                )  # fmt: skip
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


def write_risk_sheet(writer: pd.ExcelWriter, register: pd.DataFrame) -> None:
    """The register as sheet ``风险 Risks`` of an open xlsxwriter workbook, Chinese headers."""
    frame = excel_text(register.rename(columns=RISK_HEADERS_ZH))
    frame.to_excel(writer, sheet_name=RISK_SHEET, index=False)
    sheet = writer.sheets[RISK_SHEET]
    sheet.freeze_panes(1, 4)
    sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    sheet.set_column(0, len(frame.columns) - 1, 14)


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _int_or(text: str, default: int) -> int:
    try:
        return int(float(text))
    except ValueError:
        return default
