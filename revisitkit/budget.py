"""What the campaign costs, what the budget allows, and what the money is expected to return.

The plan (§4.4) funds the campaign from the annual customer-management budget, split personnel
60% (salaries, travel), materials 20% (gifts, brochures), technology 15% (systems, training) and
contingency 5% (problem resolution), reviewed monthly, with a return target of 300% (§6.2: every
1 CNY spent brings 3 CNY). This module puts two views side by side:

* **top-down** — the total of ``budget.total_cny`` split by ``budget.split``;
* **bottom-up** — what this plan costs, customer by customer:

  - *personnel*: each person's hours on the customer's tasks (meeting, preparation and travel
    time; from the schedule when a staffing plan exists, else from the effort estimate of
    :func:`revisitkit.staffing.effort_summary`) × ``cost_per_hour`` of their role, plus travel
    expenses per person per on-site visit by distance class (``travel_cost``; the estimate
    assumes staff from another province of the customer's cluster);
  - *materials*: the segment's gift, a visit kit per on-site visit, the win-back offer per
    churned customer, a brochure per customer contacted by staff;
  - *technology*: systems and training (fixed), plus ``message_cost`` per automated contact
    (SMS, news push, survey invitation);
  - *contingency*: ``contingency_rate`` × the other three.

  Fixed costs (systems, training) and the contingency are spread over customers in proportion
  to their direct cost, so that a cost per customer and per segment adds up to the total.

Expected return per customer (incremental gross profit, ``gross_margin`` × revenue): core
``revenue_share`` of revenue kept from churning; potential a revenue uplift plus leads
(``lead_rate`` × ``lead_conversion`` × ``lead_value``); churned ``winback_rate`` × last year's
revenue; new and regular a revenue share. ROI = expected return / cost (the plan's reading:
300% = 3 CNY back per CNY).

:func:`optimize` allocates a given total across segments (and so their channel plans) to
maximise the expected return, every high-priority customer covered and each category's share
within ``share_tolerance`` of the split (a small integer program, scipy's HiGHS), and says in
words which constraints bind; a total too small says how much more is needed.

Monthly review: :meth:`BudgetPlan.monthly` spreads each category's budget over the months of
the campaign (personnel by when the work is scheduled; materials and technology in the month
preparation starts; contingency by execution working days); :func:`load_actuals` reads an
actual-spend file and :func:`variance` compares the two, month by month.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import BUDGET_CATEGORIES, SEGMENT_CODES, TRAVEL_CLASSES, Config
from revisitkit.errors import InputError, Issue, UserError

__all__ = [
    "ACTUALS_COLUMNS",
    "CATEGORIES",
    "Allocation",
    "BudgetPlan",
    "load_actuals",
    "optimize",
    "overspend_total",
    "plan_budget",
    "read_monthly",
    "split_cents",
    "variance",
]

CATEGORIES = BUDGET_CATEGORIES
_PRIORITIES = ("high", "medium", "low")
_AUTOMATED_CONTACT = ("sms", "news_push", "online_survey", "product_guide")


# --------------------------------------------------------------------------------------------
# money in cents


def split_cents(total: float, weights: Any) -> np.ndarray:
    """Split *total* (CNY) in proportion to *weights*, to the cent, summing exactly to it.

    Largest remainder on cents; ties go to the earlier weight. All-zero weights split evenly.

    >>> split_cents(100, [1, 1, 1]).tolist()
    [33.34, 33.33, 33.33]
    >>> float(split_cents(0.05, [2, 1]).sum())
    0.05
    """
    w = np.asarray(weights, dtype=float)
    if len(w) == 0:
        return np.zeros(0)
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError(f"weights must be finite and ≥ 0, got {w.tolist()}")
    cents = int(round(float(total) * 100))
    if w.sum() <= 0:
        w = np.ones_like(w)
    exact = cents * (w / w.sum())
    base = np.floor(exact).astype(np.int64)
    rest = cents - int(base.sum())
    order = np.lexsort((np.arange(len(w)), -(exact - base)))
    base[order[:rest]] += 1
    return base / 100.0


# --------------------------------------------------------------------------------------------
# the bottom-up cost per customer


def _person_rows(plan: pd.DataFrame, config: Config, staffing: Any) -> pd.DataFrame:
    """One row per person per task: customer_id, role, minutes (incl. travel time), travel
    class (None without travel). From the schedule when given, else the effort estimate."""
    from revisitkit.staffing import build_tasks, travel_class

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
            {"customer_id": a["customer_id"].astype(str).to_numpy(), "role": a["role"].to_numpy(),
             "minutes": a["minutes"].to_numpy(dtype=float), "travel_class": cls,
             "date": a["date"].to_numpy()}
        )  # fmt: skip
        left = staffing.schedule.tasks
        left = staffing.tasks[left["unscheduled"].to_numpy(dtype=bool)]
        if len(left):
            done = pd.concat([done, _estimate(left, config)], ignore_index=True)
        return done
    return _estimate(build_tasks(plan, config), config)


def _estimate(tasks: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Person rows of tasks not (yet) scheduled: travel as from another province of the
    customer's cluster (overseas abroad; another cluster outside every cluster)."""
    from revisitkit.staffing import travel_class, travel_minutes

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
        {"customer_id": tasks["customer_id"].astype(str).to_numpy()[idx], "role": roles,
         "minutes": minutes, "travel_class": cls, "date": pd.NaT}
    )  # fmt: skip


def _has(channels: pd.Series, code: str) -> np.ndarray:
    """Whether each channel plan (``a+b+c``) includes *code* (each distinct plan split once)."""
    codes, uniques = pd.factorize(channels.astype(str).to_numpy(dtype=object))
    flags = np.array([code in str(u).split("+") for u in uniques] + [False], dtype=bool)
    return flags[codes]


def customer_costs(plan: pd.DataFrame, config: Config, staffing: Any = None) -> pd.DataFrame:
    """The bottom-up cost and the expected return of each customer (see the module docstring).

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
    """Expected incremental gross profit per customer (module docstring)."""
    b = config.budget
    seg = plan["value_segment"].astype(str).to_numpy()
    revenue = pd.to_numeric(plan["revenue_12m"], errors="coerce").fillna(0.0).to_numpy(
        dtype=float
    ) if "revenue_12m" in plan else np.zeros(len(plan))  # fmt: skip
    out = np.zeros(len(plan))
    for code, r in b.returns.items():
        mine = seg == code
        gain = revenue[mine] * (r.revenue_share + r.winback_rate)
        gain = gain + r.lead_rate * r.lead_conversion * r.lead_value
        out[mine] = b.gross_margin * gain
    return out


# --------------------------------------------------------------------------------------------
# the plan


@dataclass(frozen=True)
class BudgetPlan:
    """Top-down budget and bottom-up cost of a plan (see :func:`plan_budget`).

    Attributes
    ----------
    customers : DataFrame
        :func:`customer_costs`: the cost and expected return of each customer.
    total : float
        The top-down total (CNY).
    split : dict
        Category → share of the total.
    source : str
        ``"schedule"`` (costed from the staffing plan's schedule) or ``"effort"``.
    month_profile : DataFrame
        month (``YYYY-MM``), category, share: how each category's spend falls over months.
    config : Config
    """

    customers: pd.DataFrame
    total: float
    split: dict[str, float]
    source: str
    month_profile: pd.DataFrame
    config: Config

    @property
    def bottom_up(self) -> dict[str, float]:
        return {c: float(self.customers[c].sum()) for c in CATEGORIES}

    @property
    def cost(self) -> float:
        return float(self.customers["cost"].sum())

    @property
    def expected_return(self) -> float:
        return float(self.customers["expected_return"].sum())

    @property
    def roi(self) -> float:
        """Expected return / bottom-up cost (3.0 = the plan's 300%)."""
        return self.expected_return / self.cost if self.cost else float("nan")

    def top_down(self) -> dict[str, float]:
        """The total split by category, to the cent (summing to the total)."""
        amounts = split_cents(self.total, [self.split[c] for c in CATEGORIES])
        return dict(zip(CATEGORIES, amounts.tolist(), strict=True))

    def categories(self) -> pd.DataFrame:
        """Per category: target share, top-down amount, bottom-up cost, gap (top-down −
        bottom-up; negative = the plan costs more than its budget line), bottom-up share."""
        td, bu = self.top_down(), self.bottom_up
        labels = self.config.budget.labels
        rows = [
            {"category": c, "label": labels[c], "target_share": self.split[c],
             "top_down": td[c], "bottom_up": bu[c], "gap": td[c] - bu[c],
             "bottom_up_share": bu[c] / self.cost if self.cost else float("nan")}
            for c in CATEGORIES
        ]  # fmt: skip
        rows.append(
            {"category": "total", "label": "合计 Total", "target_share": 1.0,
             "top_down": self.total, "bottom_up": self.cost, "gap": self.total - self.cost,
             "bottom_up_share": 1.0}
        )  # fmt: skip
        return pd.DataFrame(rows)

    def by(self, column: str) -> pd.DataFrame:
        """Cost, cost per customer, expected return and ROI per ``value_segment``,
        ``priority`` or ``region_cluster`` (in config order)."""
        c = self.customers
        g = c.groupby(column, sort=False)
        out = pd.DataFrame(
            {
                "customers": g.size(),
                **{cat: g[cat].sum() for cat in CATEGORIES},
                "cost": g["cost"].sum(),
                "expected_return": g["expected_return"].sum(),
            }
        )
        out["cost_per_customer"] = out["cost"] / out["customers"]
        out["roi"] = out["expected_return"] / out["cost"].where(out["cost"] > 0)
        order = {
            "value_segment": list(SEGMENT_CODES),
            "priority": list(_PRIORITIES),
            "region_cluster": [*self.config.region_clusters, "other"],
        }.get(column)
        if order:
            out = out.reindex([k for k in order if k in out.index])
        return out.rename_axis(column).reset_index()

    def abc_effort(self) -> pd.DataFrame:
        """Staff hours by ABC class and their share (the plan: A ≈ 60%, §1.4.3)."""
        g = self.customers.groupby("abc_class")["hours"].sum()
        total = g.sum()
        out = pd.DataFrame({"abc_class": g.index, "hours": g.to_numpy()})
        out["share"] = out["hours"] / total if total else float("nan")
        return out

    def budget_frame(self) -> pd.DataFrame:
        """budget.csv: category, segment, amount_cny — the top-down total split by category,
        each category over segments in proportion to the segments' bottom-up cost of it;
        amounts to the cent, summing to the total."""
        td = self.top_down()
        seg = self.customers.groupby("value_segment")[list(CATEGORIES)].sum()
        segs = [s for s in SEGMENT_CODES if s in seg.index]
        rows = []
        for c in CATEGORIES:
            amounts = split_cents(td[c], seg.loc[segs, c].to_numpy())
            rows += [{"category": c, "segment": s, "amount_cny": a}
                     for s, a in zip(segs, amounts, strict=True)]  # fmt: skip
        return pd.DataFrame(rows, columns=["category", "segment", "amount_cny"])

    def monthly(self) -> pd.DataFrame:
        """The budget spread over months: month, category, planned_cny (each category's
        top-down amount by its month profile, to the cent)."""
        td = self.top_down()
        rows = []
        for c in CATEGORIES:
            prof = self.month_profile[self.month_profile["category"] == c]
            amounts = split_cents(td[c], prof["share"].to_numpy())
            rows += [{"month": m, "category": c, "planned_cny": a}
                     for m, a in zip(prof["month"], amounts, strict=True)]  # fmt: skip
        out = pd.DataFrame(rows)  # months in order, categories in the split's order
        out["_c"] = out["category"].map({c: i for i, c in enumerate(CATEGORIES)})
        out = out.sort_values(["month", "_c"], kind="stable").drop(columns="_c")
        return out.reset_index(drop=True)

    def summary_lines(self) -> list[str]:
        b = self.config.budget
        cats = self.categories().set_index("category")
        lines = [
            f"Budget: {self.total:,.0f} CNY top-down; this plan costs {self.cost:,.0f} CNY "
            f"bottom-up ({'from the schedule' if self.source == 'schedule' else 'from the effort estimate'})",
        ]
        for c in CATEGORIES:
            r = cats.loc[c]
            lines.append(
                f"  {c:<12} budget {r['top_down']:>12,.0f} ({r['target_share']:.0%})   "
                f"plan {r['bottom_up']:>12,.0f} ({r['bottom_up_share']:.1%})   "
                f"gap {r['gap']:>+12,.0f}"
            )
        if math.isnan(self.roi):
            lines.append("  expected return: no cost to measure it against (nothing planned)")
        else:
            status = "meets" if self.roi >= b.roi_target else "is below"
            lines.append(
                f"  expected return {self.expected_return:,.0f} CNY: ROI {self.roi:.0%} "
                f"({status} the {b.roi_target:.0%} target)"
            )
        abc = self.abc_effort().set_index("abc_class")
        if "A" in abc.index and not math.isnan(abc.loc["A", "share"]):
            lines.append(
                f"  A-class customers take {abc.loc['A', 'share']:.0%} of the staff hours "
                f"(plan: {b.abc_effort_target_a:.0%})"
            )
        return lines


def plan_budget(
    plan: pd.DataFrame,
    config: Config,
    *,
    staffing: Any = None,
    calendar: Any = None,
    total: float | None = None,
    split: dict[str, float] | None = None,
) -> BudgetPlan:
    """Cost a segmented plan bottom-up and set it beside the top-down budget.

    Parameters
    ----------
    plan
        ``segment(...).plan`` (customer_id, value_segment, priority, channels, revenue_12m,
        region_cluster, abc_class).
    config
        ``budget:`` holds the unit costs, the split and the return assumptions.
    staffing
        A :class:`revisitkit.staffing.StaffingPlan`: personnel is costed from its schedule
        (each person's real hours and travel); without it, from the effort estimate.
    calendar
        The campaign calendar (for the month profile); built from the config when missing.
    total, split
        What-if overrides of ``budget.total_cny`` and ``budget.split`` (shares adding to 1).
    """
    from revisitkit.calendar import campaign_calendar

    b = config.budget
    total = float(b.total_cny if total is None else total)
    if not math.isfinite(total) or total < 0:
        raise UserError(f"the total budget must be a number of CNY ≥ 0, got {total!r}")
    shares = dict(b.split.as_dict() if split is None else split)
    if set(shares) != set(CATEGORIES) or any(v < 0 for v in shares.values()):
        raise UserError(f"the split needs a share ≥ 0 for each of {list(CATEGORIES)}, got {shares}")
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise UserError(f"the shares must add up to 100%, got {sum(shares.values()):.1%}")
    cal = calendar if calendar is not None else campaign_calendar(config)
    costs = customer_costs(plan, config, staffing)
    profile = _month_profile(plan, config, staffing, cal)
    return BudgetPlan(costs, total, shares, "schedule" if staffing is not None else "effort",
                      profile, config)  # fmt: skip


def _months(start: date, end: date) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(start, end, freq="M")]


def _month_profile(plan: pd.DataFrame, config: Config, staffing: Any, cal: Any) -> pd.DataFrame:
    """Share of each category's spend per month of the campaign (module docstring)."""
    phases = config.phases()
    ex = phases.execution
    months = _months(phases.preparation.start, phases.summary.end)
    days = pd.DatetimeIndex(cal.calendar.working_days(ex.start, ex.end))
    by_days = days.strftime("%Y-%m").value_counts().reindex(months, fill_value=0).astype(float)
    personnel = by_days.copy()
    if staffing is not None and len(staffing.schedule.assignments):
        a = staffing.schedule.assignments
        personnel = (a.groupby(a["date"].dt.strftime("%Y-%m"))["minutes"].sum()
                     .reindex(months, fill_value=0.0).astype(float))  # fmt: skip
        if personnel.sum() <= 0:
            personnel = by_days.copy()
    first = pd.Series(0.0, index=months)
    first[phases.preparation.start.strftime("%Y-%m")] = 1.0
    rows = []
    for c, prof in (("personnel", personnel), ("materials", first), ("technology", first),
                    ("contingency", by_days)):  # fmt: skip
        share = prof / prof.sum() if prof.sum() > 0 else pd.Series(1.0 / len(months), months)
        rows += [{"month": m, "category": c, "share": float(share[m])} for m in months]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# the optimizer


@dataclass(frozen=True)
class Allocation:
    """The optimizer's answer (see :func:`optimize`).

    Attributes
    ----------
    feasible : bool
    groups : DataFrame
        Per (value_segment, priority): customers, covered, cost_per_customer by category,
        expected_return (of the covered), spend.
    spend : dict
        Category → CNY spent (technology includes any spend above its fixed part; contingency
        is what the shares require).
    total : float
        The total given.
    expected_return : float
    binding : tuple of str
        The constraints that limit the answer, in words.
    needed : float
        When infeasible: the smallest total that is feasible (CNY).
    """

    feasible: bool
    groups: pd.DataFrame
    spend: dict[str, float]
    total: float
    expected_return: float
    binding: tuple[str, ...]
    needed: float = float("nan")

    @property
    def spent(self) -> float:
        return float(sum(self.spend.values()))

    @property
    def roi(self) -> float:
        return self.expected_return / self.spent if self.spent else float("nan")


def optimize(
    bp: BudgetPlan, total: float | None = None, *, tolerance: float | None = None
) -> Allocation:
    """Allocate *total* across segments (each covered customer gets its segment's channel
    plan) to maximise the expected return.

    Integer program (scipy.optimize.milp, HiGHS) over groups g = (value segment, priority):
    ``y_g`` customers of the group covered (whole customers, 0 … n_g), ``t`` technology above
    its fixed part, ``k`` contingency. Spend S = Σ y_g (p_g + m_g + τ_g) + F + t + k ≤ total,
    where p, m, τ are the group's average personnel, materials and messaging cost per customer
    and F the fixed systems and training. Constraints: every high-priority customer covered
    (y_g = n_g); each category's spend within ``tolerance`` of its share of S; the contingency
    at least ``contingency_rate`` × the rest (the reserve of the bottom-up cost). Objective: the
    most expected return; among allocations with that return, the most customers covered, then
    the least spend.

    Returns an infeasible :class:`Allocation` with ``needed`` (the least total that works)
    when the high-priority customers and the share bands cannot fit in *total*.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    b = bp.config.budget
    total = float(bp.total if total is None else total)
    tol = float(b.share_tolerance if tolerance is None else tolerance)
    c = bp.customers
    fixed = float(b.systems_fixed + b.training_fixed)
    per = c.assign(tech_var=c["messages"])
    keys = ["value_segment", "priority"]
    g = per.groupby(keys, sort=False).agg(
        customers=("customer_id", "size"),
        personnel=("personnel", "mean"),
        materials=("materials", "mean"),
        tech_var=("tech_var", "mean"),
        ret=("expected_return", "mean"),
    )
    order = {s: i for i, s in enumerate(SEGMENT_CODES)}
    g = g.reset_index()
    g["_o"] = g["value_segment"].map(order) * 3 + g["priority"].map(
        {p: i for i, p in enumerate(_PRIORITIES)}
    )
    g = g.sort_values("_o").drop(columns="_o").reset_index(drop=True)
    n = len(g)
    shares = bp.split
    # variables: y_0..y_{n-1}, t, k
    unit = g[["personnel", "materials", "tech_var"]].sum(axis=1).to_numpy()
    spend_row = np.concatenate([unit, [1.0, 1.0]])
    cat_rows = {
        "personnel": np.concatenate([g["personnel"].to_numpy(), [0, 0]]),
        "materials": np.concatenate([g["materials"].to_numpy(), [0, 0]]),
        "technology": np.concatenate([g["tech_var"].to_numpy(), [1, 0]]),
        "contingency": np.concatenate([np.zeros(n), [0, 1]]),
    }
    cat_const = {"personnel": 0.0, "materials": 0.0, "technology": fixed, "contingency": 0.0}
    rows, lo, hi, names = [], [], [], []
    for cat in CATEGORIES:
        # (share - tol) * S <= spend_cat <= (share + tol) * S, S = spend_row·x + F
        for side, s in (
            ("low", max(shares[cat] - tol, 0.0)),
            ("high", min(shares[cat] + tol, 1.0)),
        ):
            row = cat_rows[cat] - s * spend_row
            const = cat_const[cat] - s * fixed
            rows.append(row)
            if side == "low":
                lo.append(-const)
                hi.append(np.inf)
            else:
                lo.append(-np.inf)
                hi.append(-const)
            names.append((cat, side, s))
    # the contingency reserve: at least contingency_rate × the other spend (as bottom-up)
    rate = float(b.contingency_rate)
    rows.append(cat_rows["contingency"] - rate * (spend_row - cat_rows["contingency"]))
    lo.append(rate * fixed)
    hi.append(np.inf)
    names.append(("contingency", "reserve", rate))
    high = (g["priority"] == "high").to_numpy()
    y_lo = np.where(high, g["customers"].to_numpy(), 0).astype(float)
    y_hi = g["customers"].to_numpy(dtype=float)
    bounds = Bounds(np.concatenate([y_lo, [0, 0]]), np.concatenate([y_hi, [np.inf, np.inf]]))
    integrality = np.concatenate([np.ones(n), [0, 0]])
    ret = g["ret"].to_numpy()
    scale = max(float(ret.sum()), 1.0)
    eps = 1e-9 * scale / max(total, 1.0)  # tie-break only; the third stage minimises spend

    def solve(with_total: bool, objective: np.ndarray, floor: float | None = None):
        A = list(rows)
        L, H = list(lo), list(hi)
        if with_total:
            A.append(spend_row)
            L.append(-np.inf)
            H.append(total - fixed)
        if floor is not None:  # keep the best return found, look for more coverage
            A.append(np.concatenate([ret, [0, 0]]))
            L.append(floor)
            H.append(np.inf)
        res = milp(objective, constraints=LinearConstraint(np.array(A), L, H),
                   integrality=integrality, bounds=bounds,
                   options={"time_limit": 20, "mip_rel_gap": 1e-9})  # fmt: skip
        return res

    res = solve(True, -(np.concatenate([ret, [0, 0]])) + eps * spend_row)
    stopped = res.x is not None and res.status == 1  # time limit, with a feasible answer
    if res.x is not None and res.status in (0, 1):
        # second stage: the same return (to a millionth), then the most customers covered
        best = float(ret @ np.round(res.x[:n]))
        more = solve(True, -np.concatenate([np.ones(n), [0, 0]]) + eps * spend_row,
                     floor=best - 1e-6 * max(abs(best), 1.0))  # fmt: skip
        if more.x is not None and more.status in (0, 1):
            res = more
        # third stage: that coverage at the least spend (t and k as small as the bands allow)
        y_fix = np.round(res.x[:n])
        fixed_bounds = Bounds(
            np.concatenate([y_fix, [0, 0]]), np.concatenate([y_fix, [np.inf] * 2])
        )
        least = milp(spend_row, constraints=LinearConstraint(
            np.array([*rows, spend_row]), [*lo, -np.inf], [*hi, total - fixed]),
            integrality=integrality, bounds=fixed_bounds)  # fmt: skip
        if least.x is not None and least.status in (0, 1):
            res = least
    if res.x is None or res.status not in (0, 1):
        least = solve(False, spend_row)
        groups = g.assign(covered=y_lo.astype(int))
        if least.x is None or least.status != 0:
            # no total works: the plan's costs cannot be brought within the bands at all
            words = (
                f"占比无法满足 no total can keep every category within ±{tol:.0%} of the split "
                "for this plan, whichever customers are covered: "
                + _band_misfit(g, y_lo, fixed, rate, shares, tol)
                + "; widen budget.share_tolerance, or change the split or the unit costs",
            )
            return Allocation(False, _groups_frame(groups), {}, total, 0.0, words)
        needed = float(spend_row @ least.x + fixed)
        words = _infeasible_words(needed, total, tol)
        return Allocation(False, _groups_frame(groups), {}, total, 0.0, words,
                          math.ceil(needed * 100) / 100)  # fmt: skip
    x = res.x
    y = np.round(x[:n]).astype(int)
    t, k = float(x[n]), float(x[n + 1])
    spend = {
        "personnel": float(g["personnel"].to_numpy() @ y),
        "materials": float(g["materials"].to_numpy() @ y),
        "technology": float(g["tech_var"].to_numpy() @ y) + fixed + t,
        "contingency": k,
    }
    groups = g.assign(covered=y)
    S = sum(spend.values())
    words = []
    if S >= total - max(1.0, 1e-6 * total):
        words.append(f"预算总额用尽 the total of {total:,.0f} CNY is spent in full")
    elif (y == g["customers"].to_numpy()).all():
        words.append(
            f"全部客户已覆盖 every customer is covered: {total - S:,.0f} CNY of the total is "
            "not needed"
        )
    for cat, side, s in names:
        if side == "reserve":
            other = S - spend[cat]
            if abs(spend[cat] - s * other) < 1.0:
                words.append(
                    f"应急储备为其余支出的 {s:.0%} the contingency is the reserve of {s:.0%} of "
                    "the other spend"
                )
            continue
        value = spend[cat] / S if S else 0.0
        if abs(value - s) < 1e-4:
            label = b.labels[cat]
            words.append(
                f"{label} 占比在{'下限' if side == 'low' else '上限'} {s:.0%}: the {cat} share "
                f"is at its {'floor' if side == 'low' else 'ceiling'} of {s:.0%}"
            )
    forced = [
        f"{r.value_segment}/{r.priority}" for r in groups.itertuples() if r.priority == "high"
    ]
    if forced:
        words.append(
            "高优先级客户全部覆盖 every high-priority customer is covered ("
            + ", ".join(forced)
            + ")"
        )
    skipped = [f"{r.value_segment}/{r.priority}" for r in groups.itertuples()
               if r.covered < r.customers]  # fmt: skip
    if skipped:
        words.append("未全覆盖 not fully covered: " + ", ".join(skipped))
    if stopped:
        words.append("求解到时限 the solver stopped at its time limit: the best allocation found")
    expected = float(ret @ y)
    return Allocation(True, _groups_frame(groups), spend, total, expected, tuple(words))


def _band_misfit(g, y, fixed, rate, shares, tol) -> str:
    """The categories out of their bands when only the high-priority customers are covered,
    with no extra technology and the contingency reserve."""
    p = float(g["personnel"].to_numpy() @ y)
    m = float(g["materials"].to_numpy() @ y)
    t = float(g["tech_var"].to_numpy() @ y) + fixed
    k = rate * (p + m + t)
    spend = {"personnel": p, "materials": m, "technology": t, "contingency": k}
    total = sum(spend.values())
    if total <= 0:
        return "the plan costs nothing to share out"
    out = []
    for c, v in spend.items():
        share = v / total
        lo, hi = max(shares[c] - tol, 0.0), min(shares[c] + tol, 1.0)
        if share < lo - 1e-9:
            out.append(f"{c} {share:.0%} is below its floor of {lo:.0%}")
        elif share > hi + 1e-9:
            out.append(f"{c} {share:.0%} is above its ceiling of {hi:.0%}")
    return (
        ("covering the high-priority customers alone, " + ", ".join(out))
        if out
        else ("the shares cannot hold together at any spend")
    )


def _groups_frame(g: pd.DataFrame) -> pd.DataFrame:
    out = g.rename(columns={"ret": "return_per_customer", "tech_var": "messages"}).copy()
    out["covered"] = out["covered"].astype(int)
    unit = out["personnel"] + out["materials"] + out["messages"]
    out["spend"] = unit * out["covered"]
    out["expected_return"] = out["return_per_customer"] * out["covered"]
    return out


def _infeasible_words(needed: float, total: float, tol: float) -> tuple[str, ...]:
    need = math.ceil(needed * 100) / 100
    more = need - total
    return (
        f"预算不足 the total of {total:,.2f} CNY cannot cover every high-priority customer within "
        f"the category shares (±{tol:.0%}): at least {need:,.2f} CNY is needed, "
        f"{more:,.2f} CNY more",
    )


# --------------------------------------------------------------------------------------------
# actual spend


ACTUALS_COLUMNS = {
    "date": ("日期", ("支出日期", "发生日期")),
    "category": ("类别", ("费用类别", "预算类别")),
    "amount": ("金额", ("金额(元)", "支出金额")),
    "note": ("备注", ("说明",)),
}


def load_actuals(path: str | Path, config: Config) -> pd.DataFrame:
    """Read an actual-spend file (CSV in UTF-8 or GBK, XLSX or Parquet): date (日期), category
    (类别: a code or its label — personnel/人员, materials/物料, technology/技术,
    contingency/应急), amount (金额, CNY, may carry ¥ and thousands separators), note (备注).

    Every problem is reported at once with its file, row, column and value
    (:class:`revisitkit.errors.InputError`).
    """
    from revisitkit.io import read_table
    from revisitkit.schema import norm_header, parse_date_text

    path = Path(path)
    table = read_table(path, "a header row (日期, 类别, 金额, 备注) and one row per payment")
    shown = table.source.name
    raw = table.frame
    lines = table.source.row_numbers(len(raw))
    headers = {norm_header(h): h for h in raw.columns}
    lookup = {}
    for canon, (zh, aliases) in ACTUALS_COLUMNS.items():
        for name in (canon, zh, *aliases):
            if norm_header(name) in headers:
                lookup[canon] = headers[norm_header(name)]
                break
    issues = []
    for canon in ("date", "category", "amount"):
        if canon not in lookup:
            zh = ACTUALS_COLUMNS[canon][0]
            issues.append(Issue(shown, None, None, None,
                                f"missing column {canon} ({zh}); the file has "
                                f"{', '.join(map(str, raw.columns)) or 'no columns'}"))  # fmt: skip
    if issues:
        raise InputError(issues)
    labels = {c: c for c in CATEGORIES}
    for c, label in config.budget.labels.items():
        for part in str(label).split(" "):
            labels[norm_header(part)] = c
        labels[norm_header(label)] = c
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = int(lines[i])
        d_raw, c_raw, a_raw = (rec[lookup[k]] for k in ("date", "category", "amount"))
        d = parse_date_text(str(d_raw)) if not _blank(d_raw) else None
        if d is None:
            issues.append(Issue(shown, line, lookup["date"], None if _blank(d_raw) else str(d_raw),
                                "a date is required, like 2026-12-15, 2026/12/15 or 2026年12月15日"))  # fmt: skip
        cat = labels.get(norm_header(str(c_raw))) if not _blank(c_raw) else None
        if cat is None:
            issues.append(Issue(shown, line, lookup["category"],
                                None if _blank(c_raw) else str(c_raw),
                                "unknown category; use personnel/人员, materials/物料, "
                                "technology/技术 or contingency/应急"))  # fmt: skip
        amount = _money(a_raw)
        if amount is None:
            issues.append(Issue(shown, line, lookup["amount"], None if _blank(a_raw) else str(a_raw),
                                "an amount in CNY is required (a number; ¥ and thousands "
                                "separators are fine; a refund may be negative)"))  # fmt: skip
        note = rec.get(lookup["note"]) if "note" in lookup else None
        rows.append({"date": d, "category": cat, "amount_cny": amount,
                     "note": "" if _blank(note) else str(note)})  # fmt: skip
    if issues:
        raise InputError(issues)
    out = pd.DataFrame(rows, columns=["date", "category", "amount_cny", "note"])
    out["date"] = pd.to_datetime(out["date"])
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def _money(v: Any) -> float | None:
    if _blank(v):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    text = str(v).strip().replace("¥", "").replace("￥", "").removesuffix("元").strip()
    text = text.replace("，", ",")
    if "," in text and not re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return None  # commas that are not thousands separators: 1,2,3 is not 123
    text = text.replace(",", "")
    try:
        f = float(text)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def variance(monthly: pd.DataFrame, actuals: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Plan against actual spend by month and category: month, category, planned_cny,
    actual_cny, variance_cny (actual − planned), overspend (actual above plan by more than
    ``budget.overspend_tolerance``). *monthly* is :meth:`BudgetPlan.monthly` (or the
    ``budget_monthly.csv`` a plan wrote). Months with actuals outside the plan's months are
    kept (their plan is 0)."""
    plan = monthly[["month", "category", "planned_cny"]]
    act = actuals.assign(month=actuals["date"].dt.strftime("%Y-%m"))
    act = act.groupby(["month", "category"])["amount_cny"].sum().rename("actual_cny")
    out = plan.set_index(["month", "category"]).join(act, how="outer").reset_index()
    out["planned_cny"] = out["planned_cny"].fillna(0.0)
    out["actual_cny"] = out["actual_cny"].fillna(0.0).round(2)
    out["variance_cny"] = (out["actual_cny"] - out["planned_cny"]).round(2)
    tol = config.budget.overspend_tolerance
    out["overspend"] = out["actual_cny"] > out["planned_cny"] * (1 + tol) + 0.005
    order = {c: i for i, c in enumerate(CATEGORIES)}
    out = out.sort_values(
        ["month", "category"], key=lambda s: s.map(order) if s.name == "category" else s
    )
    return out.reset_index(drop=True)


def read_monthly(plan_dir: str | Path) -> pd.DataFrame:
    """The monthly budget a plan wrote (``PLAN_DIR/budget_monthly.csv``), checked: months as
    ``YYYY-MM`` (or a date in the month, as a spreadsheet may re-save it), known categories,
    amounts in CNY. Every problem is reported with its row (:class:`InputError`)."""
    from revisitkit.config import display_path
    from revisitkit.io import read_table

    path = Path(plan_dir) / "budget_monthly.csv"
    if not path.is_file():
        raise UserError(
            f"{display_path(path)}: not found; --plan must be a folder `revisitkit plan` wrote "
            "(it writes budget_monthly.csv)"
        )
    table = read_table(path, "month, category, planned_cny: the monthly budget of a plan")
    raw, name = table.frame, table.source.name
    lines = table.source.row_numbers(len(raw))
    missing = [c for c in ("month", "category", "planned_cny") if c not in raw.columns]
    if missing:
        raise InputError([Issue(name, 1, None, None,
                                f"missing column(s) {missing}: not a monthly budget; write it "
                                "again with `revisitkit plan`")])  # fmt: skip
    issues, rows = [], []
    for i, rec in enumerate(raw[["month", "category", "planned_cny"]].itertuples(index=False)):
        month = _month(rec.month)
        if month is None:
            issues.append(Issue(name, int(lines[i]), "month", str(rec.month),
                                "a month like 2026-12 is expected"))  # fmt: skip
        cat = str(rec.category).strip()
        if cat not in CATEGORIES:
            issues.append(Issue(name, int(lines[i]), "category", cat,
                                f"one of {', '.join(CATEGORIES)} is expected"))  # fmt: skip
        amount = _money(rec.planned_cny)
        if amount is None:
            issues.append(Issue(name, int(lines[i]), "planned_cny",
                                None if _blank(rec.planned_cny) else str(rec.planned_cny),
                                "an amount in CNY is expected"))  # fmt: skip
        rows.append({"month": month, "category": cat, "planned_cny": amount})
    if issues:
        raise InputError(issues)
    return pd.DataFrame(rows, columns=["month", "category", "planned_cny"])


def _month(value: Any) -> str | None:
    """``2026-12``, ``2026/12`` or a date in the month (``2026/12/1``) → ``2026-12``."""
    from revisitkit.schema import parse_date_text

    if _blank(value):
        return None
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text)
    if m and 1 <= int(m[2]) <= 12:
        return f"{int(m[1]):04d}-{int(m[2]):02d}"
    day = parse_date_text(text)
    return f"{day:%Y-%m}" if day is not None else None


def overspend_total(table: pd.DataFrame) -> float:
    """CNY spent above plan, summed over the months and categories that overspent (the risk
    register's ``budget_overspend`` signal)."""
    over = table[table["overspend"]]
    return float((over["actual_cny"] - over["planned_cny"]).sum())
