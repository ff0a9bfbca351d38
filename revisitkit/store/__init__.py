"""The kit's embedded store: one SQLite file that never loses a planner's edit.

* :mod:`~revisitkit.store.db` — the file: :class:`Store` (opened lazily, read-only to read,
  identified as the kit's, checked before the first write, migrated) and every table's
  ``CREATE`` (:data:`MIGRATIONS`);
* :mod:`~revisitkit.store.risks` — the risk register: :class:`RiskRegister`;
* :mod:`~revisitkit.store.outcomes` — the revisit outcomes log: :class:`OutcomeLog`;
* :mod:`~revisitkit.store.problems` — the problem hand-off: :class:`ProblemLog`.

Example
-------
>>> import tempfile, pathlib
>>> from revisitkit.config import DEFAULT_CONFIG_PATH, load_config
>>> from revisitkit.io import load_seed
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

from revisitkit.store.db import APPLICATION_ID, MIGRATIONS, Store, now_utc
from revisitkit.store.outcomes import ImportResult, OutcomeLog
from revisitkit.store.problems import ProblemImport, ProblemLog, StaleProblemError
from revisitkit.store.risks import ImportSummary, RiskRegister, StaleEditError, UnknownRiskError

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "ImportResult",
    "ImportSummary",
    "OutcomeLog",
    "ProblemImport",
    "ProblemLog",
    "RiskRegister",
    "StaleEditError",
    "StaleProblemError",
    "Store",
    "UnknownRiskError",
    "now_utc",
]
