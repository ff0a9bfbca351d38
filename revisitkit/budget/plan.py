"""The plan's budget: the top-down total split by category, beside the bottom-up cost.

:func:`plan_budget` costs a segmented plan (:mod:`revisitkit.budget.costs`) and returns a
:class:`BudgetPlan`: the split to the cent, the gaps per category, cost and return per segment,
priority and cluster, and each category's budget spread over the campaign's months for the
monthly review (§4.4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.budget.costs import customer_costs
from revisitkit.calendar import CampaignCalendar
from revisitkit.config import BUDGET_CATEGORIES, SEGMENT_CODES, TIERS, Config
from revisitkit.errors import UserError


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
        return {c: float(self.customers[c].sum()) for c in BUDGET_CATEGORIES}

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
        amounts = split_cents(self.total, [self.split[c] for c in BUDGET_CATEGORIES])
        return dict(zip(BUDGET_CATEGORIES, amounts.tolist(), strict=True))

    def categories(self) -> pd.DataFrame:
        """Per category: target share, top-down amount, bottom-up cost, gap (top-down −
        bottom-up; negative = the plan costs more than its budget line), bottom-up share."""
        td, bu = self.top_down(), self.bottom_up
        labels = self.config.budget.labels
        rows = [
            {
                "category": c,
                "label": labels[c],
                "target_share": self.split[c],
                "top_down": td[c],
                "bottom_up": bu[c],
                "gap": td[c] - bu[c],
                "bottom_up_share": bu[c] / self.cost if self.cost else float("nan"),
            }
            for c in BUDGET_CATEGORIES
        ]
        rows.append(
            {
                "category": "total",
                "label": "合计 Total",
                "target_share": 1.0,
                "top_down": self.total,
                "bottom_up": self.cost,
                "gap": self.total - self.cost,
                "bottom_up_share": 1.0,
            }
        )
        return pd.DataFrame(rows)

    def by(self, column: str) -> pd.DataFrame:
        """Cost, cost per customer, expected return and ROI per ``value_segment``,
        ``priority`` or ``region_cluster`` (in config order)."""
        c = self.customers
        g = c.groupby(column, sort=False)
        out = pd.DataFrame(
            {
                "customers": g.size(),
                **{cat: g[cat].sum() for cat in BUDGET_CATEGORIES},
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
        seg = self.customers.groupby("value_segment")[list(BUDGET_CATEGORIES)].sum()
        segs = [s for s in SEGMENT_CODES if s in seg.index]
        rows = []
        for c in BUDGET_CATEGORIES:
            amounts = split_cents(td[c], seg.loc[segs, c].to_numpy())
            rows += [
                {"category": c, "segment": s, "amount_cny": a}
                for s, a in zip(segs, amounts, strict=True)
            ]
        return pd.DataFrame(rows, columns=["category", "segment", "amount_cny"])

    def monthly(self) -> pd.DataFrame:
        """The budget spread over months: month, category, planned_cny (each category's
        top-down amount by its month profile, to the cent)."""
        td = self.top_down()
        rows = []
        for c in BUDGET_CATEGORIES:
            prof = self.month_profile[self.month_profile["category"] == c]
            amounts = split_cents(td[c], prof["share"].to_numpy())
            rows += [
                {"month": m, "category": c, "planned_cny": a}
                for m, a in zip(prof["month"], amounts, strict=True)
            ]
        out = pd.DataFrame(rows)  # months in order, categories in the split's order
        out["_c"] = out["category"].map({c: i for i, c in enumerate(BUDGET_CATEGORIES)})
        out = out.sort_values(["month", "_c"], kind="stable").drop(columns="_c")
        return out.reset_index(drop=True)

    def summary_lines(self) -> list[str]:
        b = self.config.budget
        cats = self.categories().set_index("category")
        lines = [
            f"Budget: {self.total:,.0f} CNY top-down; this plan costs {self.cost:,.0f} CNY "
            f"bottom-up ({'from the schedule' if self.source == 'schedule' else 'from the effort estimate'})",
        ]
        for c in BUDGET_CATEGORIES:
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
    calendar: CampaignCalendar,
    staffing: Any = None,
    total: float | None = None,
    split: dict[str, float] | None = None,
) -> BudgetPlan:
    """Cost a segmented plan bottom-up and set it beside the top-down budget.

    Parameters
    ----------
    plan
        ``segment(...).plan`` (customer_id, value_segment, priority, deadline, channels,
        revenue_12m, region_cluster, abc_class).
    config
        ``budget:`` holds the unit costs, the split and the return assumptions.
    staffing
        A :class:`revisitkit.staffing.StaffingPlan`: personnel is costed from its schedule
        (each person's real hours and travel); without it, from the effort estimate.
    calendar
        The campaign calendar (for the month profile), built once by the caller
        (:func:`revisitkit.calendar.campaign_calendar`): a what-if never reads the holiday
        files again.
    total, split
        What-if overrides of ``budget.total_cny`` and ``budget.split`` (shares adding to 1).

    Returns
    -------
    BudgetPlan
        The cost and expected return of each customer, the top-down total and split, and
        each category's month profile.

    Raises
    ------
    UserError
        The total is not a number of CNY ≥ 0, or the split lacks a category, has a negative
        share or does not add up to 100%.

    Examples
    --------
    A regular customer called by a CS agent (an 8-minute batch call, and an SMS) and a new one
    reached by an SMS and the product guide alone, costed with the kit's defaults:

    >>> from revisitkit.calendar import campaign_calendar
    >>> from revisitkit.config import load_config
    >>> plan = pd.DataFrame({
    ...     "customer_id": ["C1", "C2"], "value_segment": ["regular", "new"],
    ...     "priority": ["medium", "low"], "deadline": pd.to_datetime(["2026-12-31"] * 2),
    ...     "channels": ["batch_phone+sms", "sms+product_guide"],
    ...     "revenue_12m": [1_000_000.0, 200_000.0], "region_cluster": "other",
    ...     "abc_class": ["B", "C"]})
    >>> config = load_config()
    >>> bp = plan_budget(plan, config, calendar=campaign_calendar(config))

    Top-down, the 4.5M of ``budget.total_cny`` split 60/20/15/5; bottom-up, personnel is
    8 min × 80 CNY/h = 10.67, materials the gifts 50 + 50 and C1's brochure 20, technology the
    fixed 200,000 + 150,000 and three automated contacts × 0.5, contingency 5% of those three:

    >>> for c, amount in bp.top_down().items():
    ...     print(f"{c:<12} {amount:>12,.2f} {bp.bottom_up[c]:>11,.2f}")
    personnel    2,700,000.00       10.67
    materials      900,000.00      120.00
    technology     675,000.00  350,001.50
    contingency    225,000.00   17,506.61
    >>> bp.total, round(bp.cost)
    (4500000.0, 367639)

    The return, a 25% gross margin on 1% of C1's revenue and 5% of C2's (2,500 each):

    >>> bp.expected_return, f"{bp.roi:.2%}"
    (5000.0, '1.36%')
    """
    b = config.budget
    total = float(b.total_cny if total is None else total)
    if not math.isfinite(total) or total < 0:
        raise UserError(f"the total budget must be a number of CNY ≥ 0, got {total!r}")
    shares = dict(b.split.as_dict() if split is None else split)
    if set(shares) != set(BUDGET_CATEGORIES) or any(v < 0 for v in shares.values()):
        raise UserError(
            f"the split needs a share ≥ 0 for each of {list(BUDGET_CATEGORIES)}, got {shares}"
        )
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise UserError(f"the shares must add up to 100%, got {sum(shares.values()):.1%}")
    costs = customer_costs(plan, config, staffing)
    profile = _month_profile(plan, config, staffing, calendar)
    return BudgetPlan(
        costs, total, shares, "schedule" if staffing is not None else "effort", profile, config
    )


def _months(start: date, end: date) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(start, end, freq="M")]


def _month_profile(plan: pd.DataFrame, config: Config, staffing: Any, cal: Any) -> pd.DataFrame:
    """Share of each category's spend per month of the campaign (:mod:`revisitkit.budget`)."""
    phases = config.phases()
    ex = phases.execution
    months = _months(phases.preparation.start, phases.summary.end)
    days = pd.DatetimeIndex(cal.calendar.working_days(ex.start, ex.end))
    by_days = days.strftime("%Y-%m").value_counts().reindex(months, fill_value=0).astype(float)
    personnel = by_days.copy()
    if staffing is not None and len(staffing.schedule.assignments):
        a = staffing.schedule.assignments
        personnel = (
            a.groupby(a["date"].dt.strftime("%Y-%m"))["minutes"]
            .sum()
            .reindex(months, fill_value=0.0)
            .astype(float)
        )
        if personnel.sum() <= 0:
            personnel = by_days.copy()
    first = pd.Series(0.0, index=months)
    first[phases.preparation.start.strftime("%Y-%m")] = 1.0
    rows = []
    for c, prof in (
        ("personnel", personnel),
        ("materials", first),
        ("technology", first),
        ("contingency", by_days),
    ):
        share = prof / prof.sum() if prof.sum() > 0 else pd.Series(1.0 / len(months), months)
        rows += [{"month": m, "category": c, "share": float(share[m])} for m in months]
    return pd.DataFrame(rows)
