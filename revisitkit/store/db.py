"""The kit's embedded store: one SQLite file that never loses a planner's edit.

Planners edit the risk register (:mod:`revisitkit.store.risks`) and log revisit outcomes
(:mod:`revisitkit.store.outcomes`) from notebooks, often two at once. A register in a spreadsheet
loses the slower editor's change; this store does not:

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

Every table's ``CREATE`` is here, in :data:`MIGRATIONS`; each table's queries are in the module
of what it stores (the risks, their audit trail and comments in
:mod:`~revisitkit.store.risks`; the outcomes and their imports in
:mod:`~revisitkit.store.outcomes`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from revisitkit.config import display_path
from revisitkit.errors import UserError

__all__ = ["APPLICATION_ID", "MIGRATIONS", "Store", "now_utc"]

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
    # version 2: the revisit outcomes log (revisitkit.store.outcomes)
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
    # version 3: the problem hand-off (revisitkit.store.problems)
    """
    CREATE TABLE problems (
        problem_id TEXT PRIMARY KEY CHECK (length(problem_id) > 0),
        customer_id TEXT NOT NULL CHECK (length(customer_id) > 0),
        raised_at TEXT NOT NULL,
        grade TEXT NOT NULL CHECK (grade IN ('A', 'B', 'C')),
        category TEXT,
        description TEXT NOT NULL DEFAULT '',
        owner TEXT NOT NULL DEFAULT '',
        responded_at TEXT,
        solved_at TEXT,
        verified_at TEXT,
        verified_ok INTEGER CHECK (verified_ok IS NULL OR verified_ok IN (0, 1)),
        notes TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL CHECK (length(trim(updated_by)) > 0)
    ) STRICT;
    CREATE TABLE problem_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        problem_id TEXT NOT NULL REFERENCES problems (problem_id),
        at TEXT NOT NULL,
        who TEXT NOT NULL CHECK (length(trim(who)) > 0),
        action TEXT NOT NULL CHECK (action IN ('add', 'edit', 'import')),
        field TEXT,
        old TEXT,
        new TEXT,
        version INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX problem_audit_by_problem ON problem_audit (problem_id, seq);
    CREATE TABLE problem_imports (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        who TEXT NOT NULL CHECK (length(trim(who)) > 0),
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        added INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        unchanged INTEGER NOT NULL
    ) STRICT;
    """,
)


#: ``PRAGMA application_id`` of the kit's stores: the bytes b"RVKT" (ReVisit KiT) read as a
#: big-endian 32-bit integer, 0x52564B54 = 1381387092. SQLite keeps it at offset 68 of the
#: file header, so the kit (and ``file``) can tell its stores from other SQLite files.
APPLICATION_ID = int.from_bytes(b"RVKT", "big")


def now_utc() -> str:
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
                why = (
                    f"its user_version is {version} but it lacks the kit's tables "
                    f"{_listed(missing)}"
                )
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
            return UserError(
                f"{self.name}: cannot open the store (SQLite says: {e}); check that "
                "the file and its folder can be read"
            )
        if code == sqlite3.SQLITE_READONLY:
            return UserError(self._read_only_message())
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return UserError(
                f"{self.name}: the store is busy ({e}): another editor is saving; try again"
            )
        if code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL):
            return UserError(
                f"{self.name}: cannot read or write the store (SQLite says: {e}); check the disk"
            )
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
