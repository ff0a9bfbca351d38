"""The bottom-up view: what each customer of a plan costs, and what it is expected to return.

Personnel from each person's hours on the customer's tasks (the schedule's, else the effort
estimate's) and their trips; materials, technology and contingency from the unit costs of
``budget:`` (see :mod:`revisitkit.budget` for the rules, §4.4 and §6.2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import TRAVEL_CLASSES, Config
from revisitkit.staffing import build_tasks, travel_class, travel_minutes

_AUTOMATED_CONTACT = ("sms", "news_push", "online_survey", "product_guide")


def _person_rows(plan: pd.DataFrame, config: Config, staffing: Any) -> pd.DataFrame:
    """One row per person per task: customer_id, role, minutes (incl. travel time), travel
    class (None without travel). From the schedule when given, else the effort estimate."""
    if staffing is not None:
        # every booked person counts, reserve people included (they are paid for the work);
        # a reserve person has no home province: their trip is classed by their cluster
        a = staffing.schedule.assignments
        tk = staffing.tasks.set_index("task_id")
        roster = staffing.roster.set_index(staffing.roster["staff_id"].astype(str))
        travel = tk["travel"].reindex(a["task_id"]).to_numpy(dtype=bool)
        cls = np.full(len(a), None, dtype=object)
        if travel.any():
            sid = a["staff_id"].astype(str).to_numpy()[travel]
            cls[travel] = travel_class(
                roster["region"].reindex(sid).to_numpy(dtype=object),
                a["region_cluster"].astype(object).to_numpy()[travel],
                tk["customer_region"].reindex(a["task_id"][travel]).to_numpy(dtype=object),
                tk["customer_cluster"].reindex(a["task_id"][travel]).to_numpy(dtype=object),
                config,
            )
        done = pd.DataFrame(
            {
                "customer_id": a["customer_id"].astype(str).to_numpy(),
                "role": a["role"].to_numpy(),
                "minutes": a["minutes"].to_numpy(dtype=float),
                "travel_class": cls,
                "date": a["date"].to_numpy(),
            }
        )
        left = staffing.schedule.tasks
        left = staffing.tasks[left["unscheduled"].to_numpy(dtype=bool)]
        if len(left):
            done = pd.concat([done, _estimate(left, config)], ignore_index=True)
        return done
    return _estimate(build_tasks(plan, config), config)


def _estimate(tasks: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Person rows of tasks not (yet) scheduled: travel as from another province of the
    customer's cluster (overseas abroad; another cluster outside every cluster)."""
    reps = tasks["roles"].map(len).to_numpy(dtype=np.int64)
    idx = np.repeat(np.arange(len(tasks)), reps)
    roles = [r for t in tasks["roles"] for r in t]
    travel = tasks["travel"].to_numpy(dtype=bool)[idx]
    cluster = tasks["customer_cluster"].astype(object).to_numpy()[idx]
    region = tasks["customer_region"].astype(object).to_numpy()[idx]
    minutes = tasks["minutes"].to_numpy(dtype=float)[idx]
    cls = np.full(len(idx), None, dtype=object)
    if travel.any():
        cls[travel] = travel_class(None, cluster[travel], region[travel], cluster[travel], config)
        minutes[travel] += travel_minutes(
            None, cluster[travel], region[travel], cluster[travel], config
        )
    return pd.DataFrame(
        {
            "customer_id": tasks["customer_id"].astype(str).to_numpy()[idx],
            "role": roles,
            "minutes": minutes,
            "travel_class": cls,
            "date": pd.NaT,
        }
    )


def _has(channels: pd.Series, code: str) -> np.ndarray:
    """Whether each channel plan (``a+b+c``) includes *code* (each distinct plan split once)."""
    codes, uniques = pd.factorize(channels.astype(str).to_numpy(dtype=object))
    flags = np.array([code in str(u).split("+") for u in uniques] + [False], dtype=bool)
    return flags[codes]


def customer_costs(plan: pd.DataFrame, config: Config, staffing: Any = None) -> pd.DataFrame:
    """The bottom-up cost and expected return of each customer (see :mod:`revisitkit.budget`).

    Returns
    -------
    DataFrame
        One row per customer of the plan, in plan order: customer_id, value_segment, priority,
        region_cluster, abc_class, hours, personnel, materials, technology, contingency, cost,
        messages (the per-contact part of technology), expected_return.
    """
    b = config.budget
    seg = plan["value_segment"].astype(str).to_numpy()
    ids = plan["customer_id"].astype(str)
    rows = _person_rows(plan, config, staffing)
    rate = rows["role"].map(b.cost_per_hour).fillna(0.0).to_numpy(dtype=float)
    trip = (
        rows["travel_class"]
        .map({c: float(getattr(b.travel_cost, c)) for c in TRAVEL_CLASSES})
        .fillna(0.0)
    )
    rows = rows.assign(
        hours=rows["minutes"] / 60.0,
        personnel=rows["minutes"].to_numpy() / 60.0 * rate + trip.to_numpy(),
    )
    per = rows.groupby("customer_id")[["hours", "personnel"]].sum()
    hours = ids.map(per["hours"]).fillna(0.0).to_numpy()
    personnel = ids.map(per["personnel"]).fillna(0.0).to_numpy()

    channels = plan["channels"].astype(str)
    staffed = hours > 0
    materials = (
        pd.Series(seg).map(b.gift_per_customer).fillna(0.0).to_numpy(dtype=float)
        + b.visit_kit * _has(channels, "onsite_visit")
        + b.winback_incentive * _has(channels, "winback_incentive")
        + b.brochure_per_contact * staffed
    )
    automated = sum(_has(channels, c).astype(int) for c in _AUTOMATED_CONTACT)
    messages = b.message_cost * np.asarray(automated, dtype=float)
    direct = personnel + materials + messages
    fixed = b.systems_fixed + b.training_fixed
    weights = direct if direct.sum() > 0 else np.ones(len(direct))
    technology = messages + fixed * weights / weights.sum() if len(direct) else messages
    rate_c = b.contingency_rate
    contingency = rate_c * (personnel + materials + technology)
    cost = personnel + materials + technology + contingency

    out = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "value_segment": seg,
            "priority": plan["priority"].astype(str).to_numpy(),
            "region_cluster": plan["region_cluster"].astype(str).to_numpy()
            if "region_cluster" in plan
            else "other",
            "abc_class": plan["abc_class"].astype(str).to_numpy() if "abc_class" in plan else "",
            "hours": hours,
            "personnel": personnel,
            "materials": materials,
            "technology": technology,
            "contingency": contingency,
            "cost": cost,
            "messages": messages,
            "expected_return": expected_returns(plan, config),
        }
    )
    return out


def expected_returns(plan: pd.DataFrame, config: Config) -> np.ndarray:
    """Expected incremental gross profit per customer (see :mod:`revisitkit.budget`)."""
    b = config.budget
    seg = plan["value_segment"].astype(str).to_numpy()
    if "revenue_12m" in plan:
        revenue = pd.to_numeric(plan["revenue_12m"], errors="coerce").fillna(0.0)
        revenue = revenue.to_numpy(dtype=float)
    else:
        revenue = np.zeros(len(plan))
    out = np.zeros(len(plan))
    for code, r in b.returns.items():
        mine = seg == code
        gain = revenue[mine] * (r.revenue_share + r.winback_rate)
        gain = gain + r.lead_rate * r.lead_conversion * r.lead_value
        out[mine] = b.gross_margin * gain
    return out
