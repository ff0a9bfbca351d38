"""Dedicated specialists (§7.3 回访专员与客户配比 1:5): one named person per dedicated customer.

Customers whose channel plan has the dedicated service (``dedicated_service``: the core
customers by default) each get one specialist of that channel's role (``cs_agent``) for the
whole campaign, who opens their service group and gives their weekly briefings. No specialist
has more than ``staffing.specialist_ratio`` customers. A specialist of the customer's own
province is preferred, then of its cluster, then anyone with room, the one with the fewest
customers so far first, so the load stays even. A specialist who joins after a customer's
deadline is the last choice for it. When the roster is too small the customers
left over have no specialist and :attr:`Specialists.missing` says how many more specialists
the ratio needs.

>>> import pandas as pd
>>> from revisitkit.config import load_config
>>> plan = pd.DataFrame({"customer_id": [f"C{i}" for i in range(12)],
...     "channels": "onsite_visit+dedicated_service", "region": "上海",
...     "region_cluster": "yangtze_delta"})
>>> roster = pd.DataFrame({"staff_id": ["A1", "A2"], "role": "cs_agent", "region": ["上海", "浙江"],
...     "region_cluster": "yangtze_delta"})
>>> sp = assign_specialists(plan, roster, load_config())
>>> sp.counts(), sp.missing, sp.needed
({'A1': 5, 'A2': 5}, 1, 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from revisitkit.config import Config

__all__ = ["DEDICATED_CHANNEL", "Specialists", "assign_specialists", "specialist_role"]

#: the channel whose customers get a dedicated specialist (§2.4.1 专属客服, §7.3)
DEDICATED_CHANNEL = "dedicated_service"


def specialist_role(config: Config) -> str | None:
    """The role of the dedicated specialists: the dedicated service's (first) role."""
    effort = config.staffing.channels.get(DEDICATED_CHANNEL)
    if effort is None or effort.automated or not effort.roles:
        return None
    return effort.roles[0]


@dataclass(frozen=True)
class Specialists:
    """Who is whose dedicated specialist."""

    #: customer_id → staff_id (empty when the customer has none: the roster is too small)
    assignment: pd.Series
    #: customers per specialist at most (staffing.specialist_ratio)
    ratio: int
    #: the specialists' role
    role: str | None
    #: specialists on the roster
    on_roster: int

    @property
    def customers(self) -> int:
        return len(self.assignment)

    @property
    def needed(self) -> int:
        """Specialists the ratio needs for these customers."""
        return math.ceil(self.customers / self.ratio) if self.customers else 0

    @property
    def unassigned(self) -> int:
        return int(self.assignment.isna().sum())

    @property
    def missing(self) -> int:
        """How many more specialists the ratio needs (0 when every customer has one)."""
        return max(0, self.needed - self.on_roster) if self.unassigned else 0

    def counts(self) -> dict[str, int]:
        """Customers per specialist (only those with any)."""
        return {str(k): int(v) for k, v in self.assignment.value_counts(sort=False).items()}

    def frame(self) -> pd.DataFrame:
        """customer_id, staff_id: one row per dedicated customer."""
        return pd.DataFrame(
            {"customer_id": self.assignment.index.astype(str), "staff_id": self.assignment.array}
        )


def assign_specialists(plan: pd.DataFrame, roster: pd.DataFrame, config: Config) -> Specialists:
    """Give each dedicated customer of ``plan`` one specialist of ``roster`` (module docstring).

    Customers are served by deadline (``channels_deadline``, else ``deadline``, when the plan
    has one), then plan order; a specialist who joins after a customer's deadline is not
    given that customer while someone else has room.
    """
    ratio = config.staffing.specialist_ratio
    role = specialist_role(config)
    channels = plan["channels"].astype("string").fillna("")
    dedicated = channels.str.split("+").map(lambda cs: DEDICATED_CHANNEL in cs).to_numpy(bool)
    rows = np.flatnonzero(dedicated)
    ids = plan["customer_id"].astype(str).to_numpy()[rows]
    staff = (
        roster[roster["role"].astype(str) == role].reset_index(drop=True)
        if role
        else roster.iloc[:0]
    )
    result = np.full(len(ids), None, dtype=object)
    if len(staff) and len(ids):
        due_col = next((c for c in ("channels_deadline", "deadline") if c in plan), None)
        due = (
            pd.to_datetime(plan[due_col]).to_numpy(dtype="datetime64[D]")[rows]
            if due_col
            else np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[D]")
        )
        c_region, c_cluster = _text(plan, "region")[rows], _text(plan, "region_cluster")[rows]
        s_region, s_cluster = _text(staff, "region"), _text(staff, "region_cluster")
        joins = (
            pd.to_datetime(staff["available_from"]).to_numpy(dtype="datetime64[D]")
            if "available_from" in staff
            else np.full(len(staff), np.datetime64("NaT"), dtype="datetime64[D]")
        )
        room = np.full(len(staff), ratio, dtype=np.int64)
        staff_ids = staff["staff_id"].astype(str).to_numpy()
        rank = np.arange(len(staff))
        for i in np.lexsort(
            (np.arange(len(ids)), np.where(np.isnat(due), np.datetime64("9999-12-31"), due))
        ):
            open_ = room > 0
            if not open_.any():
                break
            score = (s_region == c_region[i]) * 4 + (s_cluster == c_cluster[i]) * 2
            if not np.isnat(due[i]):
                score = score + (np.isnat(joins) | (joins <= due[i])) * 8
            # best place first, then the fewest customers so far, then roster order
            key = np.lexsort((rank, ratio - room, -score))
            p = int(next(k for k in key if open_[k]))
            result[i] = staff_ids[p]
            room[p] -= 1
    assignment = pd.Series(result, index=pd.Index(ids, name="customer_id"), dtype="string")
    return Specialists(assignment, ratio, role, len(staff))


def _text(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), None, dtype=object)
    return frame[col].astype("string").to_numpy(dtype=object, na_value=None)
