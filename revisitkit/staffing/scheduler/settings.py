"""How the scheduler counts travel, the reserve pool and when to solve exactly.

:class:`SchedulerSettings` is the one value every solver of :mod:`revisitkit.staffing.scheduler`
takes; :meth:`SchedulerSettings.from_config` reads it from a campaign config's ``staffing:``
section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from revisitkit.config import TRAVEL_CLASSES  # in the order of the codes 0–3 used inside
from revisitkit.staffing.tasks import OTHER_CLUSTER

__all__ = ["TRAVEL_CLASSES", "SchedulerSettings"]


@dataclass(frozen=True)
class SchedulerSettings:
    """How the scheduler counts travel, the reserve pool and when to solve exactly.

    Parameters
    ----------
    travel_minutes : mapping of distance class to minutes
        One entry per class of :data:`TRAVEL_CLASSES` (``same_region``, ``same_cluster``,
        ``other_cluster``, ``overseas``): minutes each person of an on-site task spends
        travelling, on top of the meeting (§4.2: travel time matters for on-site visits).
    reserve_share : float
        The reserve pool as a share of each role's capacity (§4.2: +30% at peak).
    exact_max_variables : int
        ``solve(method="auto")`` also runs the exact model when it has at most this many
        binary variables, and keeps its schedule when it is better than the heuristic's.
    overseas_clusters : frozenset of str
        Region clusters that are overseas: a visit there from anywhere else is ``overseas``.
    catch_all_clusters : frozenset of str
        Cluster codes that are buckets, not neighbourhoods (the config's ``other``: 山东 and
        福建 are not neighbours): two places in one of them are ``other_cluster``, as in
        :func:`revisitkit.staffing.travel_class`.
    exact_time_limit : float
        Seconds HiGHS may spend in :meth:`Scheduler.solve_exact` (all stages together). In
        ``solve(method="auto")`` it is only a safety net: when it is reached, the heuristic's
        schedule is kept, never a half-finished exact one, so that the plan does not depend
        on how fast or busy the machine is.
    exact_node_limit : int
        Most branch-and-bound nodes per stage of the exact model in ``solve(method="auto")``:
        a count, not a time, so a stage cut short by it ends on the same schedule on every
        machine (most small plans are solved at the root node, 1 node per stage).
    repair_budget : int or None
        Most repair trials (one trial: take a task off a day, put a late task there, put the
        first one back) per solve; ``None`` = ``1,000 + half the number of tasks``, about
        0.3 ms each on one laptop core. A count, not a time, so that a schedule never depends
        on the machine's speed. More trials can bring a few more tasks on time on a heavily
        overloaded plan; 0 switches the repair off.

    Examples
    --------
    >>> s = SchedulerSettings(travel_minutes={"same_region": 30, "same_cluster": 90,
    ...                                       "other_cluster": 240, "overseas": 600})
    >>> s.reserve_share, sorted(s.overseas_clusters)
    (0.3, ['europe', 'southeast_asia'])
    """

    travel_minutes: Mapping[str, float]
    reserve_share: float = 0.30
    exact_max_variables: int = 20_000
    overseas_clusters: frozenset[str] = frozenset({"southeast_asia", "europe"})
    catch_all_clusters: frozenset[str] = frozenset({"other"})
    exact_time_limit: float = 60.0
    exact_node_limit: int = 2_000
    repair_budget: int | None = None
    target_utilisation: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.travel_minutes, Mapping):
            raise ValueError(
                f"travel_minutes must map {', '.join(TRAVEL_CLASSES)} to minutes, "
                f"got {self.travel_minutes!r}"
            )
        missing = [c for c in TRAVEL_CLASSES if c not in self.travel_minutes]
        unknown = sorted(set(self.travel_minutes) - set(TRAVEL_CLASSES))
        if missing or unknown:
            raise ValueError(
                f"travel_minutes must have exactly the classes {', '.join(TRAVEL_CLASSES)}; "
                f"missing {missing}, unknown {unknown}"
            )
        clean = {}
        for c in TRAVEL_CLASSES:
            clean[c] = _non_negative(self.travel_minutes[c], f"travel_minutes[{c!r}]")
        object.__setattr__(self, "travel_minutes", MappingProxyType(clean))
        share = _non_negative(self.reserve_share, "reserve_share")
        object.__setattr__(self, "reserve_share", share)
        for name, least in (("exact_max_variables", 0), ("exact_node_limit", 1)):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < least:
                # a node limit of 0 would stop every stage before its first node: the exact
                # model would never find anything and auto would say it found nothing better
                raise ValueError(f"{name} must be a whole number ≥ {least}, got {value!r}")
        limit = self.exact_time_limit
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
            raise ValueError(f"exact_time_limit must be a positive number, got {limit!r}")
        target = self.target_utilisation
        if target is not None:
            target = _non_negative(target, "target_utilisation")
            if not 0 < target <= 1:
                raise ValueError(
                    f"target_utilisation must be a share in (0, 1] or None, got {target!r}"
                )
            object.__setattr__(self, "target_utilisation", target)
        budget = self.repair_budget
        if budget is not None and (
            not isinstance(budget, int | np.integer) or isinstance(budget, bool) or budget < 0
        ):
            raise ValueError(f"repair_budget must be a whole number ≥ 0 or None, got {budget!r}")
        if isinstance(self.overseas_clusters, str):
            raise ValueError(
                f"overseas_clusters must be a set of cluster codes, got {self.overseas_clusters!r}"
            )
        object.__setattr__(self, "overseas_clusters", frozenset(self.overseas_clusters))
        if isinstance(self.catch_all_clusters, str):
            raise ValueError(
                f"catch_all_clusters must be a set of cluster codes, got {self.catch_all_clusters!r}"
            )
        object.__setattr__(self, "catch_all_clusters", frozenset(self.catch_all_clusters))

    @classmethod
    def from_config(cls, config: Any, **changes: Any) -> SchedulerSettings:
        """The settings of a campaign config (``staffing:``): travel minutes by distance
        class, the reserve share, the overseas clusters, the exact model's size limit and the
        levelling target (``target_utilisation``, ``None`` when ``front_load`` is true);
        *changes* override any field.

        >>> from revisitkit.config import load_config
        >>> s = SchedulerSettings.from_config(load_config(), reserve_share=0.5)
        >>> s.travel_minutes["same_region"], s.reserve_share, s.exact_max_variables
        (90.0, 0.5, 20000)
        """
        staffing = config.staffing
        values: dict[str, Any] = {
            "travel_minutes": {
                c: float(getattr(staffing.travel_minutes, c)) for c in TRAVEL_CLASSES
            },
            "reserve_share": float(staffing.reserve_share),
            "exact_max_variables": int(staffing.exact_solver_max_variables),
            "overseas_clusters": frozenset(staffing.overseas_clusters),
            "catch_all_clusters": frozenset({OTHER_CLUSTER}),
            "target_utilisation": (
                None if staffing.front_load else float(staffing.target_utilisation)
            ),
        }
        values.update(changes)
        return cls(**values)


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")
    return value
