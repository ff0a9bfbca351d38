"""Revisit effort: the staffed tasks that follow from each customer's channel plan.

The segmentation says *how* each customer is revisited (a channel plan like
``onsite_visit+dedicated_service``); the plan's §2.4 and §3.1 say what each channel costs: an
on-site visit takes a sales director, a technical consultant and a CS manager together for 60–90
minutes plus travel, a phone call 20–30 minutes of a senior salesperson, a second win-back touch
must follow the first within 7 days, and an SMS costs no one's time. Those numbers live in the
``staffing:`` section of the config; this module turns a plan into one row per staffed task —
who (which roles) for how long, by when, after which other task — for the scheduler to book
on working days, and sums the effort by role and region for managers.

Everything here is vectorized: a plan of a million customers is built channel by channel with
array operations, never customer by customer.

Distance classes of a (staff member, customer) pair, for the travel of on-site visits (§4.2):

* ``same_region`` — the staff member is in the customer's province (or, abroad, country);
* ``overseas`` — the customer is in an overseas cluster (``staffing.overseas_clusters``) and the
  staff member is not in the customer's country;
* ``same_cluster`` — another province of the customer's region cluster;
* ``other_cluster`` — anything else, including a province outside every cluster (the ``other``
  bucket is not a cluster: 山东 and 福建 are not neighbours) and an unknown region.

Example
-------
>>> import pandas as pd
>>> from revisitkit.config import load_config
>>> plan = pd.DataFrame({
...     "customer_id": ["C1"], "value_segment": ["core"], "priority": ["high"],
...     "deadline": pd.to_datetime(["2026-12-23"]), "channels": ["onsite_visit+dedicated_service"],
...     "reasons": ["strategic"], "region_cluster": ["yangtze_delta"], "region": ["上海"],
...     "owner": ["S001"]})
>>> tasks = build_tasks(plan, load_config())
>>> tasks["task_id"].tolist(), tasks["minutes"].tolist()
(['C1/onsite_visit/1', 'C1/dedicated_service/1'], [105, 40])
>>> tasks.loc[0, "roles"], bool(tasks.loc[0, "travel"])
(('sales_director', 'tech_consultant', 'cs_manager'), True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revisitkit.config import TIERS, TRAVEL_CLASSES, Config, StaffingConfig
from revisitkit.errors import ConfigError

__all__ = [
    "OTHER_CLUSTER",
    "TASK_COLUMNS",
    "TRAVEL_CLASSES",
    "build_tasks",
    "effort_summary",
    "travel_class",
    "travel_minutes",
]

#: The bucket of regions no cluster lists (segmentation's ``region_cluster``): not a cluster.
OTHER_CLUSTER = "other"

#: Columns of the task frame, in order.
TASK_COLUMNS = (
    "task_id",
    "customer_id",
    "channel",
    "touch",
    "roles",
    "minutes",
    "travel",
    "customer_region",
    "customer_cluster",
    "release",
    "deadline",
    "priority",
    "urgent",
    "owner",
    "predecessor",
    "follow_up_within_days",
    "value_segment",
    "assignee",
    "reason",
)

_SLASH = pa.scalar("/", pa.large_string())
#: reason codes that make a task urgent: the churn warnings of §2.3.1 (48 h)
_URGENT_PREFIX = "churn_warning_"


# --------------------------------------------------------------------------------------------
# travel


def _as_text(values: Any) -> np.ndarray:
    """Any scalar or array of region / cluster names as an object array: stripped text, or
    None where missing (each distinct value is cleaned once)."""
    flat = pd.Series(values if np.ndim(values) else [values], dtype=object).to_numpy()
    codes, uniques = pd.factorize(flat, use_na_sentinel=True)
    clean = np.array([str(u).strip() or None for u in uniques] + [None], dtype=object)
    return clean[codes]


def _class_codes(
    staff_region: Any,
    staff_cluster: Any,
    customer_region: Any,
    customer_cluster: Any,
    staffing: StaffingConfig,
) -> tuple[np.ndarray, bool]:
    """Index into TRAVEL_CLASSES per pair, and whether every input was a scalar."""
    scalar = all(
        np.ndim(v) == 0 for v in (staff_region, staff_cluster, customer_region, customer_cluster)
    )
    sr, sc, cr, cc = np.broadcast_arrays(
        *(_as_text(v) for v in (staff_region, staff_cluster, customer_region, customer_cluster))
    )
    known = pd.notna(cr) & pd.notna(sr)
    same_region = known & (sr == cr)
    overseas = np.isin(cc, list(staffing.overseas_clusters))
    real_cluster = pd.notna(cc) & (cc != OTHER_CLUSTER)
    same_cluster = real_cluster & (sc == cc)
    codes = np.where(same_region, 0, np.where(overseas, 3, np.where(same_cluster, 1, 2)))
    return codes.astype(np.int8), scalar


def _staffing(config: Config | StaffingConfig) -> StaffingConfig:
    return config if isinstance(config, StaffingConfig) else config.staffing


def travel_class(
    staff_region: Any,
    staff_cluster: Any,
    customer_region: Any,
    customer_cluster: Any,
    config: Config | StaffingConfig,
) -> str | np.ndarray:
    """The distance class of a staff member and a customer (module docstring): one of
    :data:`TRAVEL_CLASSES`.

    Scalars give a string; arrays or Series (broadcast against each other and scalars) give an
    object array of strings. Missing regions count as unknown: never ``same_region``.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> cfg = load_config()
    >>> travel_class("上海", "yangtze_delta", "上海", "yangtze_delta", cfg)
    'same_region'
    >>> travel_class("上海", "yangtze_delta", "浙江", "yangtze_delta", cfg)
    'same_cluster'
    >>> travel_class("新加坡", "southeast_asia", "泰国", "southeast_asia", cfg)
    'overseas'
    >>> travel_class(["北京", "山东"], ["jingjinji", "other"], "福建", "other", cfg).tolist()
    ['other_cluster', 'other_cluster']
    """
    codes, scalar = _class_codes(
        staff_region, staff_cluster, customer_region, customer_cluster, _staffing(config)
    )
    names = np.array(TRAVEL_CLASSES, dtype=object)[codes]
    return str(names.reshape(-1)[0]) if scalar else names


def travel_minutes(
    staff_region: Any,
    staff_cluster: Any,
    customer_region: Any,
    customer_cluster: Any,
    config: Config | StaffingConfig,
) -> int | np.ndarray:
    """Round-trip working minutes of travel per person for an on-site task, by distance class
    (``staffing.travel_minutes``); scalars give an int, arrays an int64 array.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> cfg = load_config()
    >>> travel_minutes("上海", "yangtze_delta", "上海", "yangtze_delta", cfg)
    90
    >>> travel_minutes("北京", "jingjinji", ["上海", "天津"], ["yangtze_delta", "jingjinji"], cfg)
    array([270, 180])
    """
    staffing = _staffing(config)
    codes, scalar = _class_codes(
        staff_region, staff_cluster, customer_region, customer_cluster, staffing
    )
    table = _travel_table(staffing)[codes]
    return int(table.reshape(-1)[0]) if scalar else table


def _travel_table(staffing: StaffingConfig) -> np.ndarray:
    t = staffing.travel_minutes
    return np.array([getattr(t, c) for c in TRAVEL_CLASSES], dtype=np.int64)


# --------------------------------------------------------------------------------------------
# tasks


@dataclass(frozen=True)
class _Spec:
    """One staffed task of a channel plan for one segment: the same for all its customers."""

    position: int  # the channel's place in the customer's plan
    channel: str
    touch: int
    roles: tuple[str, ...]
    minutes: int
    travel: bool
    predecessor: tuple[str, int] | None  # (channel, touch)
    follow_up_within_days: int | None


def _specs(channels: list[str], segment: str | None, staffing: StaffingConfig) -> list[_Spec]:
    specs: list[_Spec] = []
    staffed_before: list[str] = []
    for position, code in enumerate(channels):
        effort = staffing.channels[code]
        if effort.automated:
            continue
        roles = effort.roles_for(segment) if segment is not None else tuple(effort.roles)
        # after the last staffed one of the channels it follows (which itself follows the
        # earlier ones): a second touch comes after both the talk and the incentive
        first_pred = next((c for c in reversed(staffed_before) if c in effort.follows), None)
        for touch in range(1, effort.touches + 1):
            pred = (code, touch - 1) if touch > 1 else (first_pred, 1) if first_pred else None
            specs.append(
                _Spec(
                    position=position,
                    channel=code,
                    touch=touch,
                    roles=roles,
                    minutes=effort.task_minutes,
                    travel=effort.travel,
                    predecessor=pred,
                    follow_up_within_days=effort.follow_up_within_days if pred else None,
                )
            )
        staffed_before.append(code)
    return specs


def _column(plan: pd.DataFrame, customers: pd.DataFrame | None, name: str) -> pd.Series | None:
    """A context column from the plan, else from the customers frame matched by customer_id."""
    if name in plan.columns:
        return plan[name].reset_index(drop=True)
    if customers is None or name not in customers.columns:
        return None
    where = pd.Index(customers["customer_id"]).get_indexer(plan["customer_id"])
    values = customers[name].reset_index(drop=True)
    taken = values.take(np.maximum(where, 0)).reset_index(drop=True)
    return taken.where(pd.Series(where >= 0))


def _strings(values: pd.Series | None, n: int) -> pd.Series:
    if values is None:
        return pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="string")
    return values.astype("string").str.strip().replace("", pd.NA)


def build_tasks(
    plan: pd.DataFrame,
    config: Config,
    customers: pd.DataFrame | None = None,
    *,
    roster: pd.DataFrame | None = None,
    calendar: Any = None,
) -> pd.DataFrame:
    """One row per staffed task of the plan: who (roles), how long, by when, after what.

    Parameters
    ----------
    plan
        The segmented plan (:func:`revisitkit.segmentation.segment`), one row per customer, with
        at least ``customer_id``, ``value_segment``, ``priority``, ``deadline`` and
        ``channels`` (codes joined by ``+``); ``reasons``, ``region``, ``region_cluster`` and
        ``owner`` are used where present. Not modified.
    config
        The campaign config: ``staffing.channels`` gives each channel's minutes, roles,
        touches and follow-ups; the execution phase gives the release date.
    customers
        Optional customers frame: ``region``, ``region_cluster`` and ``owner`` are taken from
        it (matched by ``customer_id``) when the plan lacks them.
    roster, calendar
        The staff frame and the :class:`revisitkit.calendar.WorkingCalendar`, when known:
        the escalations (:func:`revisitkit.staffing.escalations.escalate`) look owners and
        roles up in the roster and skip weeks without a working day.

    Returns
    -------
    DataFrame
        Columns :data:`TASK_COLUMNS`: ``task_id`` (``"C000123/onsite_visit/1"``),
        ``customer_id``, ``channel`` (categorical), ``touch`` (1, 2, …), ``roles`` (a tuple of
        role codes, one per person needed together; segment overrides applied), ``minutes``
        (per person: the contact and its preparation; travel is not included), ``travel``,
        ``customer_region``, ``customer_cluster``, ``release`` (first day of execution; for a
        follow-up the scheduler moves it after its predecessor), ``deadline``, ``priority``,
        ``urgent`` (a churn-warning reason), ``owner`` (the plan's owner or NA),
        ``predecessor`` (task_id or NA), ``follow_up_within_days`` (calendar days after the
        predecessor, or NA), ``value_segment``, ``assignee`` (the one person who must do
        it, or NA), ``reason`` (``segment:<code>`` for the segment's channel plan, else the
        rule codes of the escalation that added it). The channel plan's tasks are due by the
        plan's ``channels_deadline`` (``deadline`` when absent); the escalations' by the
        plan's ``deadline``. Ordered by deadline, priority, the customer's place in the plan,
        the channel's place in its plan and the touch. Automated channels give no row.

    Raises
    ------
    ConfigError
        The plan uses a channel code that ``staffing.channels`` has no entry for.
    """
    missing = [
        c
        for c in ("customer_id", "value_segment", "priority", "deadline", "channels")
        if c not in plan.columns
    ]
    if missing:
        raise ValueError(f"the plan lacks column(s) {missing}; build it with segment()")
    staffing = config.staffing
    n = len(plan)

    # the few distinct (segment, channel plan) pairs decide every customer's tasks
    seg_codes, seg_values = pd.factorize(plan["value_segment"], use_na_sentinel=True)
    plan_codes, plan_values = pd.factorize(plan["channels"], use_na_sentinel=True)
    seg_codes = np.where(seg_codes < 0, len(seg_values), seg_codes)
    plan_codes = np.where(plan_codes < 0, len(plan_values), plan_codes)
    pair = seg_codes.astype(np.int64) * (len(plan_values) + 1) + plan_codes
    pair_codes, pair_values = pd.factorize(pair, sort=True)
    channel_lists = [
        [c.strip() for c in str(text).split("+") if c.strip()] for text in plan_values
    ] + [[]]
    segments = [str(s) for s in seg_values] + [None]
    unknown = sorted({c for cl in channel_lists for c in cl} - set(staffing.channels))
    if unknown:
        raise ConfigError(
            f"{config.source}: staffing.channels has no entry for channel(s) {unknown} used "
            "in the plan's channels column; add them (e.g. {automated: true} or minutes and "
            "roles), or rebuild the plan with this config"
        )
    specs: list[_Spec] = []
    spec_ranges: list[tuple[int, int]] = []
    for value in pair_values:
        s, p = divmod(int(value), len(plan_values) + 1)
        found = _specs(channel_lists[p], segments[s], staffing)
        spec_ranges.append((len(specs), len(specs) + len(found)))
        specs += found

    # customers grouped by pair (stable: in plan order), then one block per spec
    order = np.argsort(pair_codes, kind="stable")
    bounds = np.searchsorted(pair_codes[order], np.arange(len(pair_values) + 1))
    cust_blocks, spec_blocks = [], []
    for j, (lo, hi) in enumerate(spec_ranges):
        members = order[bounds[j] : bounds[j + 1]]
        for k in range(lo, hi):
            cust_blocks.append(members)
            spec_blocks.append(np.full(len(members), k, dtype=np.int32))
    cust = np.concatenate(cust_blocks) if cust_blocks else np.zeros(0, dtype=np.int64)
    spec = np.concatenate(spec_blocks) if spec_blocks else np.zeros(0, dtype=np.int32)

    # deterministic order: deadline, priority, customer, channel position, touch
    due = plan["channels_deadline"] if "channels_deadline" in plan else plan["deadline"]
    deadline = pd.to_datetime(due).to_numpy(dtype="datetime64[ns]")
    deadline_key = deadline.astype(np.int64)
    deadline_key = np.where(np.isnat(deadline), np.iinfo(np.int64).max, deadline_key)
    priority_text = plan["priority"].astype("string").to_numpy(dtype=object, na_value=None)
    tier = {t: i for i, t in enumerate(TIERS)}
    prio_codes, prio_values = pd.factorize(priority_text, use_na_sentinel=True)
    prio_rank = np.array([tier.get(v, len(TIERS)) for v in prio_values] + [len(TIERS)])[prio_codes]
    spec_position = np.array([s.position for s in specs], dtype=np.int64)
    spec_touch = np.array([s.touch for s in specs], dtype=np.int64)
    sort = np.lexsort(
        (spec_touch[spec], spec_position[spec], cust, prio_rank[cust], deadline_key[cust])
    )
    cust, spec = cust[sort], spec[sort]
    m = len(cust)

    # per-spec tables, spread by fancy indexing
    channel_names = list(config.channels)
    channel_of = np.array([channel_names.index(s.channel) for s in specs], dtype=np.int64)
    roles_table = np.empty(len(specs), dtype=object)
    for k, s in enumerate(specs):
        roles_table[k] = s.roles
    has_pred = np.array([s.predecessor is not None for s in specs], dtype=bool)
    follow = np.array([s.follow_up_within_days or 0 for s in specs], dtype=np.int64)
    # a follow-up with no limit (follows, no follow_up_within_days) has NA: any time after
    no_limit = np.array([s.follow_up_within_days is None for s in specs], dtype=bool)

    ids = pa.array(plan["customer_id"].astype("string").to_numpy(dtype=object, na_value=None))
    ids = ids.cast(pa.large_string()).take(pa.array(cust))
    channel_text = _take_text([s.channel for s in specs], spec)
    touch_text = _take_text([str(s.touch) for s in specs], spec)
    task_id = pc.binary_join_element_wise(ids, channel_text, touch_text, _SLASH)
    pred_channel = _take_text([s.predecessor[0] if s.predecessor else "" for s in specs], spec)
    pred_touch = _take_text([str(s.predecessor[1]) if s.predecessor else "" for s in specs], spec)
    predecessor = pc.binary_join_element_wise(ids, pred_channel, pred_touch, _SLASH)
    predecessor = pc.if_else(
        pa.array(has_pred[spec]), predecessor, pa.scalar(None, pa.large_string())
    )

    urgent = _urgent(plan.get("reasons"), n)
    region = _strings(_column(plan, customers, "region"), n)
    owner = _strings(_column(plan, customers, "owner"), n)
    cluster = _clusters(_column(plan, customers, "region_cluster"), config, n)
    execution_start = np.datetime64(config.phases().execution.start, "ns")

    tasks = pd.DataFrame(
        {
            "task_id": _string_series(task_id),
            "customer_id": _string_series(ids),
            "channel": pd.Categorical.from_codes(channel_of[spec], channel_names),
            "touch": spec_touch[spec],
            "roles": roles_table[spec],
            "minutes": np.array([s.minutes for s in specs], dtype=np.int64)[spec],
            "travel": np.array([s.travel for s in specs], dtype=bool)[spec],
            "customer_region": region.take(cust).reset_index(drop=True),
            "customer_cluster": pd.Categorical.from_codes(cluster.codes[cust], cluster.categories),
            "release": np.full(m, execution_start, dtype="datetime64[ns]"),
            "deadline": deadline[cust],
            "priority": _categorical_take(plan["priority"], cust, TIERS),
            "urgent": urgent[cust],
            "owner": owner.take(cust).reset_index(drop=True),
            "predecessor": _string_series(predecessor),
            "follow_up_within_days": pd.arrays.IntegerArray(
                follow[spec], ~has_pred[spec] | no_limit[spec]
            ),
            "value_segment": _categorical_take(plan["value_segment"], cust, None),
            "assignee": pd.Series(pd.NA, index=pd.RangeIndex(m), dtype="string"),
            "reason": pd.Series(
                pd.Categorical.from_codes(
                    np.asarray(pd.Categorical(plan["value_segment"]).codes)[cust],
                    [f"segment:{c}" for c in pd.Categorical(plan["value_segment"]).categories],
                )
            ).astype("string"),
        },
        index=pd.RangeIndex(m),
    )
    context = {
        c: values.to_numpy()
        for c in ("region", "region_cluster", "owner")
        if c not in plan and (values := _column(plan, customers, c)) is not None
    }
    if context:
        plan = plan.reset_index(drop=True).assign(**context)
    from revisitkit.staffing.escalations import escalate  # it builds on this module's helpers

    staffed = np.bincount(cust, minlength=n) > 0 if m else np.zeros(n, dtype=bool)
    return escalate(tasks, plan, config, roster=roster, calendar=calendar, staffed=staffed)


def _take_text(values: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.large_string()).take(pa.array(index))


def _string_series(values: pa.Array) -> pd.Series:
    return pd.Series(
        pd.arrays.ArrowStringArray(values.cast(pa.large_string())), dtype=pd.StringDtype("pyarrow")
    )


def _categorical_take(values: pd.Series, index: np.ndarray, categories) -> pd.Categorical:
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.array
        return pd.Categorical.from_codes(
            cat.codes[index], dtype=pd.CategoricalDtype(cat.categories, cat.ordered)
        )
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if categories is not None:
        cats = list(categories) + [u for u in uniques if u not in categories]
        remap = np.array([cats.index(u) for u in uniques] + [-1], dtype=np.int64)
        return pd.Categorical.from_codes(remap[codes][index], cats, ordered=True)
    return pd.Categorical.from_codes(np.asarray(codes)[index], list(uniques))


def _clusters(values: pd.Series | None, config: Config, n: int) -> pd.Categorical:
    categories = [*config.region_clusters, OTHER_CLUSTER]
    if values is None:
        return pd.Categorical.from_codes(np.full(n, len(categories) - 1), categories)
    text = values.astype("string").fillna(OTHER_CLUSTER).to_numpy(dtype=object)
    codes, uniques = pd.factorize(text)
    lookup = np.array(
        [categories.index(u) if u in categories else len(categories) - 1 for u in uniques],
        dtype=np.int64,
    )
    return pd.Categorical.from_codes(lookup[codes], categories)


def _urgent(reasons: pd.Series | None, n: int) -> np.ndarray:
    """Whether each customer has a churn-warning reason (§2.3.1: contacted within 48 h)."""
    if reasons is None:
        return np.zeros(n, dtype=bool)
    codes, uniques = pd.factorize(reasons.astype("string"), use_na_sentinel=True)
    flags = np.array(
        [any(r.strip().startswith(_URGENT_PREFIX) for r in str(u).split(";")) for u in uniques]
        + [False],
        dtype=bool,
    )
    return flags[codes]


# --------------------------------------------------------------------------------------------
# effort


def effort_summary(
    tasks: pd.DataFrame, config: Config, by: Iterable[str] = ("role", "customer_cluster")
) -> pd.DataFrame:
    """Person-minutes and person-days the tasks need, by role and customer cluster.

    Each task counts once per person it needs (an on-site visit is three person-tasks). The
    travel allowance is an estimate before anyone is scheduled: every on-site task is done by
    staff of the customer's own cluster, in another province of it (``same_cluster``; an
    overseas customer is ``overseas``, a customer outside every cluster ``other_cluster``).
    Person-days are minutes over ``staffing.default_hours_per_day``.

    Parameters
    ----------
    tasks
        The frame of :func:`build_tasks`.
    config
        The campaign config (travel minutes, default hours a day, role order).
    by
        Columns to group by: ``role`` and any task column (``customer_cluster``, ``channel``,
        ``priority``, ``value_segment``, …).

    Returns
    -------
    DataFrame
        ``by`` columns, then ``person_tasks``, ``person_minutes``, ``travel_minutes``,
        ``person_minutes_with_travel``, ``person_days``, ``person_days_with_travel``; one row
        per group that has work, in config order of roles and clusters.

    Examples
    --------
    >>> import pandas as pd
    >>> from revisitkit.config import load_config
    >>> cfg = load_config()
    >>> plan = pd.DataFrame({"customer_id": ["C1"], "value_segment": ["regular"],
    ...     "priority": ["medium"], "deadline": pd.to_datetime(["2026-12-31"]),
    ...     "channels": ["phone+online_survey"], "region_cluster": ["pearl_delta"]})
    >>> effort_summary(build_tasks(plan, cfg), cfg)[["role", "person_minutes"]].to_dict("records")
    [{'role': 'sales', 'person_minutes': 35}]
    """
    by = list(by)
    staffing = config.staffing
    day_minutes = staffing.default_hours_per_day * 60
    role_names = list(staffing.roles)
    codes, uniques = pd.factorize(tasks["roles"].to_numpy(dtype=object), use_na_sentinel=True)
    task_idx, role_idx = [], []
    for u, roles in enumerate(uniques):
        members = np.flatnonzero(codes == u)
        for role in roles:
            if role not in role_names:
                role_names.append(role)
            task_idx.append(members)
            role_idx.append(np.full(len(members), role_names.index(role), dtype=np.int64))
    t = np.concatenate(task_idx) if task_idx else np.zeros(0, dtype=np.int64)
    r = np.concatenate(role_idx) if role_idx else np.zeros(0, dtype=np.int64)

    travel = tasks["travel"].to_numpy(dtype=bool)
    allowance = np.zeros(len(tasks), dtype=np.int64)
    if travel.any():
        cluster = tasks["customer_cluster"]
        allowance[travel] = travel_minutes(
            None, cluster[travel], tasks["customer_region"][travel], cluster[travel], staffing
        )
    minutes = tasks["minutes"].to_numpy(dtype=np.int64)
    parts = {"role": pd.Categorical.from_codes(r, role_names)}
    for col in by:
        if col != "role":
            parts[col] = tasks[col].take(t).reset_index(drop=True).array
    frame = pd.DataFrame(parts)
    frame["person_tasks"] = 1
    frame["person_minutes"] = minutes[t]
    frame["travel_minutes"] = allowance[t]
    out = frame.groupby(by, observed=True, sort=True).sum().reset_index()
    out["person_minutes_with_travel"] = out["person_minutes"] + out["travel_minutes"]
    out["person_days"] = out["person_minutes"] / day_minutes
    out["person_days_with_travel"] = out["person_minutes_with_travel"] / day_minutes
    if "role" in out:
        out["role"] = out["role"].astype(str)
    return out
