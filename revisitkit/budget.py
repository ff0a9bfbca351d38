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

:class:`Optimizer` allocates a given total across segments (and so their channel plans) to
maximise the expected return, every high-priority customer covered and each category's share
within ``share_tolerance`` of the split (a small integer program, scipy's HiGHS), and says in
words which constraints bind; a total too small says how much more is needed.

Monthly review: :meth:`BudgetPlan.monthly` spreads each category's budget over the months of
the campaign (personnel by when the work is scheduled; materials and technology in the month
preparation starts; contingency by execution working days); :func:`revisitkit.io.load_actuals`
reads an actual-spend file and :func:`variance` compares the two, month by month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import BUDGET_CATEGORIES, SEGMENT_CODES, TIERS, TRAVEL_CLASSES, Config
from revisitkit.errors import UserError

__all__ = [
    "CATEGORIES",
    "Allocation",
    "BudgetPlan",
    "Optimizer",
    "overspend_total",
    "plan_budget",
    "split_cents",
    "variance",
]

CATEGORIES = BUDGET_CATEGORIES
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
            "priority": list(TIERS),
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
    """The optimizer's answer (see :meth:`Optimizer.solve`).

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


class Optimizer:
    """Allocate a total across segments (each covered customer gets its segment's channel
    plan) for the most expected return.

    An integer program (scipy.optimize.milp, HiGHS) over groups g = (value segment, priority):
    ``y_g`` customers of the group covered (whole customers, 0 … n_g), ``t`` technology above
    its fixed part, ``k`` contingency. Spend S = Σ y_g (p_g + m_g + τ_g) + F + t + k ≤ total,
    where p, m, τ are the group's average personnel, materials and messaging cost per customer
    and F the fixed systems and training. Constraints: every high-priority customer covered
    (y_g = n_g); each category's spend within ``tolerance`` of its share of S; the contingency
    at least ``contingency_rate`` × the rest (the reserve of the bottom-up cost). Objective: the
    most expected return; among allocations with that return, the most customers covered, then
    the least spend.

    Parameters
    ----------
    plan : BudgetPlan
        From :func:`plan_budget`: the cost and expected return of each customer, and the split
        (each share from 0 to 1, adding up to 100%).
    total : float, optional
        The total to allocate (CNY, ≥ 0); default ``plan.total``.
    tolerance : float, optional
        How far each category's share may stray from the split (0 to 1; 0.05 = ±5 points);
        default ``budget.share_tolerance``.
    time_limit : float
        Seconds for each solve of the model (> 0); when it runs out, the best allocation found
        is kept and :attr:`Allocation.binding` says so.

    Raises
    ------
    ValueError
        An argument out of its range, named with the value given.

    Examples
    --------
    Two high-priority customers and a low-priority one, costed as :func:`plan_budget` would:

    >>> from revisitkit.config import load_config
    >>> config = load_config().replace({"budget": {"systems_fixed": 200, "training_fixed": 100}})
    >>> customers = pd.DataFrame({
    ...     "customer_id": ["C1", "C2", "C3"], "value_segment": ["core", "core", "new"],
    ...     "priority": ["high", "high", "low"], "personnel": [600.0, 600.0, 300.0],
    ...     "materials": [200.0, 200.0, 100.0], "messages": 0.0,
    ...     "expected_return": [5000.0, 5000.0, 900.0]})
    >>> bp = BudgetPlan(customers, 2_000.0, config.budget.split.as_dict(), "effort",
    ...                 pd.DataFrame(), config)
    >>> alloc = Optimizer(bp).solve()
    >>> alloc.feasible, round(alloc.expected_return)
    (True, 10000)
    >>> dict(zip(alloc.groups["value_segment"], alloc.groups["covered"].tolist()))
    {'new': 0, 'core': 2}
    >>> print(Optimizer(bp, 1_500).solve().binding[0])
    预算不足 the total of 1,500.00 CNY cannot cover every high-priority customer within the category shares (±5%): at least 1,995.00 CNY is needed, 495.00 CNY more
    >>> Optimizer(bp, -1_000)
    Traceback (most recent call last):
    ...
    ValueError: total must be a number of CNY ≥ 0, got -1000
    """

    def __init__(
        self,
        plan: BudgetPlan,
        total: float | None = None,
        *,
        tolerance: float | None = None,
        time_limit: float = 20.0,
    ) -> None:
        if not isinstance(plan, BudgetPlan):
            raise ValueError(
                f"plan must be a BudgetPlan (from plan_budget), got {type(plan).__name__}"
            )
        b = plan.config.budget
        total = plan.total if total is None else total
        tolerance = b.share_tolerance if tolerance is None else tolerance
        self.plan = plan
        self.total = _number("total", total, "a number of CNY ≥ 0", lambda v: v >= 0)
        self.tolerance = _number("tolerance", tolerance, _SHARE, lambda v: 0 <= v <= 1)
        self.time_limit = _number(
            "time_limit", time_limit, "a positive number of seconds", lambda v: v > 0
        )
        self.shares = _shares(plan.split)

    def solve(self) -> Allocation:
        """Find the allocation, or say why there is none.

        Returns
        -------
        Allocation
            Feasible: the customers covered per group, the spend per category and, in words,
            what binds (the total spent in full, a share at its floor or ceiling, the
            contingency reserve, the high-priority customers). Infeasible: ``needed``, the
            least total that works, when the high-priority customers and the share bands
            cannot fit in the total; ``nan`` and the categories out of their bands when no
            total can keep the shares.
        """
        model = self._model()
        x, stopped = self._search(model)
        if x is None:
            return self._explain(model)
        return self._read(model, x, stopped)

    # the model

    def _model(self) -> _Model:
        """The groups, the spend and category rows, the share bands and the reserve."""
        from scipy.optimize import Bounds

        b = self.plan.config.budget
        g = _groups(self.plan.customers)
        n = len(g)
        fixed = float(b.systems_fixed + b.training_fixed)
        rate = float(b.contingency_rate)
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
                ("low", max(self.shares[cat] - self.tolerance, 0.0)),
                ("high", min(self.shares[cat] + self.tolerance, 1.0)),
            ):
                rows.append(cat_rows[cat] - s * spend_row)
                const = cat_const[cat] - s * fixed
                lo.append(-const if side == "low" else -np.inf)
                hi.append(np.inf if side == "low" else -const)
                names.append((cat, side, s))
        # the contingency reserve: at least contingency_rate × the other spend (as bottom-up)
        rows.append(cat_rows["contingency"] - rate * (spend_row - cat_rows["contingency"]))
        lo.append(rate * fixed)
        hi.append(np.inf)
        names.append(("contingency", "reserve", rate))
        customers = g["customers"].to_numpy(dtype=float)
        y_lo = np.where((g["priority"] == "high").to_numpy(), customers, 0.0)
        ret = g["ret"].to_numpy()
        scale = max(float(ret.sum()), 1.0)
        return _Model(
            groups=g,
            fixed=fixed,
            rate=rate,
            spend_row=spend_row,
            rows=rows,
            lo=lo,
            hi=hi,
            names=names,
            y_lo=y_lo,
            bounds=Bounds(
                np.concatenate([y_lo, [0, 0]]), np.concatenate([customers, [np.inf] * 2])
            ),
            integrality=np.concatenate([np.ones(n), [0, 0]]),
            ret=ret,
            # tie-break only; the third stage minimises spend
            eps=1e-9 * scale / max(self.total, 1.0),
        )

    # solving

    def _milp(
        self,
        m: _Model,
        objective: np.ndarray,
        *,
        within_total: bool = True,
        floor: float | None = None,
        bounds: Any = None,
        options: dict[str, float] | None = None,
    ) -> Any:
        """Solve the model for *objective*: spend within the total (*within_total*), at least
        *floor* of expected return, within *bounds* (default the model's)."""
        from scipy.optimize import LinearConstraint, milp

        A, L, H = list(m.rows), list(m.lo), list(m.hi)
        if within_total:
            A.append(m.spend_row)
            L.append(-np.inf)
            H.append(self.total - m.fixed)
        if floor is not None:  # keep the best return found, look for more coverage
            A.append(np.concatenate([m.ret, [0, 0]]))
            L.append(floor)
            H.append(np.inf)
        if options is None:
            options = {"time_limit": self.time_limit, "mip_rel_gap": 1e-9}
        return milp(
            objective,
            constraints=LinearConstraint(np.array(A), L, H),
            integrality=m.integrality,
            bounds=m.bounds if bounds is None else bounds,
            options=options,
        )

    def _search(self, m: _Model) -> tuple[np.ndarray | None, bool]:
        """The three stages: the most return; at that return (to a millionth), the most
        customers covered; at that coverage, the least spend (t and k as small as the bands
        allow). The answer (None when the total cannot fit) and whether the first stage
        stopped at the time limit."""
        from scipy.optimize import Bounds

        n = len(m.groups)
        res = self._milp(m, -np.concatenate([m.ret, [0, 0]]) + m.eps * m.spend_row)
        if not _found(res):
            return None, False
        stopped = res.status == 1  # the time limit, with a feasible answer
        best = float(m.ret @ np.round(res.x[:n]))
        more = self._milp(
            m,
            -np.concatenate([np.ones(n), [0, 0]]) + m.eps * m.spend_row,
            floor=best - 1e-6 * max(abs(best), 1.0),
        )
        if _found(more):
            res = more
        y = np.round(res.x[:n])
        covered = Bounds(np.concatenate([y, [0, 0]]), np.concatenate([y, [np.inf] * 2]))
        least = self._milp(m, m.spend_row, bounds=covered, options={"time_limit": self.time_limit})
        if _found(least):
            res = least
        return res.x, stopped

    # the answer

    def _read(self, m: _Model, x: np.ndarray, stopped: bool) -> Allocation:
        """The allocation of solution *x*, with what binds in words."""
        g = m.groups
        n = len(g)
        y = np.round(x[:n]).astype(int)
        spend = {
            "personnel": float(g["personnel"].to_numpy() @ y),
            "materials": float(g["materials"].to_numpy() @ y),
            "technology": float(g["tech_var"].to_numpy() @ y) + m.fixed + float(x[n]),
            "contingency": float(x[n + 1]),
        }
        groups = g.assign(covered=y)
        words = self._binding(m, groups, spend, stopped)
        expected = float(m.ret @ y)
        return Allocation(True, _groups_frame(groups), spend, self.total, expected, words)

    def _binding(
        self, m: _Model, groups: pd.DataFrame, spend: dict[str, float], stopped: bool
    ) -> tuple[str, ...]:
        """What limits the allocation, in words (Chinese, then English)."""
        total = self.total
        labels = self.plan.config.budget.labels
        S = sum(spend.values())
        words = []
        if S >= total - max(1.0, 1e-6 * total):
            words.append(f"预算总额用尽 the total of {total:,.0f} CNY is spent in full")
        elif (groups["covered"] == groups["customers"]).all():
            words.append(
                f"全部客户已覆盖 every customer is covered: {total - S:,.0f} CNY of the total is "
                "not needed"
            )
        for cat, side, s in m.names:
            if side == "reserve":
                if abs(spend[cat] - s * (S - spend[cat])) < 1.0:
                    words.append(
                        f"应急储备为其余支出的 {s:.0%} the contingency is the reserve of {s:.0%} "
                        "of the other spend"
                    )
                continue
            value = spend[cat] / S if S else 0.0
            if abs(value - s) < 1e-4:
                low = side == "low"
                words.append(
                    f"{labels[cat]} 占比在{'下限' if low else '上限'} {s:.0%}: the {cat} share "
                    f"is at its {'floor' if low else 'ceiling'} of {s:.0%}"
                )
        rows = list(groups.itertuples())
        forced = [f"{r.value_segment}/{r.priority}" for r in rows if r.priority == "high"]
        if forced:
            words.append(
                "高优先级客户全部覆盖 every high-priority customer is covered ("
                + ", ".join(forced)
                + ")"
            )
        skipped = [f"{r.value_segment}/{r.priority}" for r in rows if r.covered < r.customers]
        if skipped:
            words.append("未全覆盖 not fully covered: " + ", ".join(skipped))
        if stopped:
            words.append(
                "求解到时限 the solver stopped at its time limit: the best allocation found"
            )
        return tuple(words)

    def _explain(self, m: _Model) -> Allocation:
        """The infeasible answer: the least total that works (the least spend covering the
        high-priority customers within the bands), or why no total can."""
        least = self._milp(m, m.spend_row, within_total=False)
        groups = _groups_frame(m.groups.assign(covered=m.y_lo.astype(int)))
        tol = self.tolerance
        if least.x is None or least.status != 0:
            # no total works: the plan's costs cannot be brought within the bands at all
            misfit = _band_misfit(m.groups, m.y_lo, m.fixed, m.rate, self.shares, tol)
            words = (
                f"占比无法满足 no total can keep every category within ±{tol:.0%} of the split "
                f"for this plan, whichever customers are covered: {misfit}; widen "
                "budget.share_tolerance, or change the split or the unit costs",
            )
            return Allocation(False, groups, {}, self.total, 0.0, words)
        needed = float(m.spend_row @ least.x + m.fixed)
        words = _infeasible_words(needed, self.total, tol)
        return Allocation(False, groups, {}, self.total, 0.0, words, math.ceil(needed * 100) / 100)


@dataclass(frozen=True)
class _Model:
    """The integer program of an :class:`Optimizer`. Variables x = (y_0 … y_{n-1}, t, k):
    customers covered per group, technology above its fixed part, contingency."""

    groups: pd.DataFrame  # per group: customers, personnel, materials, tech_var, ret
    fixed: float  # F, the fixed systems and training
    rate: float  # the contingency reserve's rate
    spend_row: np.ndarray  # S − F = spend_row · x
    rows: list[np.ndarray]  # lo ≤ row · x ≤ hi: the share bands, then the reserve
    lo: list[float]
    hi: list[float]
    names: list[tuple[str, str, float]]  # per row: category, "low"/"high"/"reserve", s
    y_lo: np.ndarray  # the customers that must be covered (the high-priority ones)
    bounds: Any  # scipy.optimize.Bounds of x
    integrality: np.ndarray
    ret: np.ndarray  # expected return per customer of each group
    eps: float  # the weight of the spend in the first two stages' objectives


_SHARE = "a number from 0 to 1"


def _number(name: str, value: object, wanted: str, ok: Any) -> float:
    """*value* as a float when it is a finite real number (not a bool) that *ok* accepts;
    otherwise a ValueError ``"{name} must be {wanted}, got {value!r}"``."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and ok(number):
            return number
    raise ValueError(f"{name} must be {wanted}, got {value!r}")


def _shares(split: Any) -> dict[str, float]:
    """The split checked: a share from 0 to 1 for each category, adding up to 100%."""
    if not isinstance(split, dict) or set(split) != set(CATEGORIES):
        raise ValueError(f"the split needs a share for each of {list(CATEGORIES)}, got {split!r}")
    shares = {
        c: _number(f"the {c} share", split[c], _SHARE, lambda v: 0 <= v <= 1) for c in CATEGORIES
    }
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise ValueError(f"the shares must add up to 100%, got {sum(shares.values()):.1%}")
    return shares


def _found(res: Any) -> bool:
    """Whether a milp result holds an answer (optimal, or the best at the time limit)."""
    return res.x is not None and res.status in (0, 1)


def _groups(customers: pd.DataFrame) -> pd.DataFrame:
    """Per (value_segment, priority), in the segments' and priorities' order: customers and
    the average personnel, materials, messaging cost (tech_var) and expected return (ret)."""
    per = customers.assign(tech_var=customers["messages"])
    g = per.groupby(["value_segment", "priority"], sort=False).agg(
        customers=("customer_id", "size"),
        personnel=("personnel", "mean"),
        materials=("materials", "mean"),
        tech_var=("tech_var", "mean"),
        ret=("expected_return", "mean"),
    )
    order = {s: i for i, s in enumerate(SEGMENT_CODES)}
    g = g.reset_index()
    g["_o"] = g["value_segment"].map(order) * 3 + g["priority"].map(
        {p: i for i, p in enumerate(TIERS)}
    )
    return g.sort_values("_o").drop(columns="_o").reset_index(drop=True)


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


def overspend_total(table: pd.DataFrame) -> float:
    """CNY spent above plan, summed over the months and categories that overspent (the risk
    register's ``budget_overspend`` signal)."""
    over = table[table["overspend"]]
    return float((over["actual_cny"] - over["planned_cny"]).sum())
