"""The revisit outcomes log in the store: idempotent imports, corrections, all or nothing.

:class:`OutcomeLog` keeps validated outcomes (:func:`revisitkit.io.load_outcomes`) in the kit's
SQLite store: importing the same file twice adds nothing; a correction file replaces the rows it
names (a correction replaces each contact it names as a whole: give the full row); a failed
import changes nothing. Each import is logged (who, when, the file and its SHA-256, what it
added, replaced and left unchanged). The tables are created by
:data:`revisitkit.store.db.MIGRATIONS`; every query of them is here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from revisitkit.config import Config, display_path
from revisitkit.errors import UserError
from revisitkit.io import file_sha256, load_outcomes
from revisitkit.schema import OUTCOME_COUNTS, OUTCOME_FIELDS
from revisitkit.store.db import now_utc

__all__ = ["ImportResult", "OutcomeLog"]


@dataclass(frozen=True)
class ImportResult:
    added: int
    replaced: int
    unchanged: int
    file: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.added:,} added, {self.replaced:,} replaced (corrections), "
            f"{self.unchanged:,} unchanged"
        )


def _db_value(name: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if name == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if name == "reached":
        return int(bool(value))
    if name in ("nps", *OUTCOME_COUNTS):
        return int(value)
    if name in ("satisfaction", "lead_value"):
        return round(float(value), 6)
    return str(value)


class OutcomeLog:
    """The outcomes in the kit's SQLite store (:class:`revisitkit.store.Store`)."""

    def __init__(self, store: Any):
        self.store = store

    def import_frame(
        self, frame: pd.DataFrame, *, file: str, who: str, digest: str = ""
    ) -> ImportResult:
        """Store validated outcomes in one transaction: a new contact is added, a contact
        already stored with other values is replaced (a correction), an identical one is left
        alone. Nothing is written when anything fails."""
        if not str(who).strip():
            raise UserError("who imports the outcomes must be named (for the audit trail)")
        records = [
            tuple(_db_value(f, r[f]) for f in OUTCOME_FIELDS)
            for r in frame[list(OUTCOME_FIELDS)].to_dict("records")
        ]
        added = replaced = unchanged = 0
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO outcome_imports (at, who, file, sha256, added, replaced, unchanged)"
                " VALUES (?, ?, ?, ?, 0, 0, 0)",
                (now_utc(), who, file, digest),
            )
            seq = cur.lastrowid
            cols = ", ".join(OUTCOME_FIELDS)
            marks = ", ".join("?" for _ in OUTCOME_FIELDS)
            for rec in records:
                row = conn.execute(
                    f"SELECT {cols} FROM outcomes WHERE customer_id = ? AND date = ? AND channel = ?",
                    rec[:3],
                ).fetchone()
                if row is None:
                    conn.execute(
                        f"INSERT INTO outcomes ({cols}, import_seq) VALUES ({marks}, ?)",
                        (*rec, seq),
                    )
                    added += 1
                elif tuple(row) != rec:
                    conn.execute(
                        "DELETE FROM outcomes WHERE customer_id = ? AND date = ? AND channel = ?",
                        rec[:3],
                    )
                    conn.execute(
                        f"INSERT INTO outcomes ({cols}, import_seq) VALUES ({marks}, ?)",
                        (*rec, seq),
                    )
                    replaced += 1
                else:
                    unchanged += 1
            conn.execute(
                "UPDATE outcome_imports SET added = ?, replaced = ?, unchanged = ? WHERE seq = ?",
                (added, replaced, unchanged, seq),
            )
        return ImportResult(added, replaced, unchanged, file)

    def import_file(
        self,
        path: str | Path,
        config: Config,
        who: str,
        *,
        customers: Iterable[str] | None = None,
        staff: Iterable[str] | None = None,
    ) -> ImportResult:
        """Validate a file completely, then store it (see :meth:`import_frame`)."""
        path = Path(path)
        frame = load_outcomes(path, config, customers=customers, staff=staff)
        digest = file_sha256(path)
        return self.import_frame(frame, file=display_path(path), who=who, digest=digest)

    def frame(self) -> pd.DataFrame:
        """Every stored outcome (:data:`OUTCOME_FIELDS`), by date and customer."""
        rows = (
            self.store.query(
                f"SELECT {', '.join(OUTCOME_FIELDS)} FROM outcomes ORDER BY date, customer_id, channel"
            )
            if self.store.schema_version() >= 2
            else []
        )
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(OUTCOME_FIELDS))
        frame["date"] = pd.to_datetime(frame["date"])
        frame["reached"] = frame["reached"].astype(bool)
        frame["nps"] = frame["nps"].astype("Int64")
        frame["satisfaction"] = frame["satisfaction"].astype(float)
        return frame

    def imports(self) -> pd.DataFrame:
        rows = (
            self.store.query("SELECT * FROM outcome_imports ORDER BY seq")
            if (self.store.schema_version() >= 2)
            else []
        )
        return pd.DataFrame([dict(r) for r in rows])
