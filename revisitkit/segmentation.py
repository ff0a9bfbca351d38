"""Whom to revisit, how, and by when: value segments, priority tiers, deadlines, reasons.

This is the kit's reading of the plan's customer segmentation (§2.1) and priority rules
(§2.3), as spelled out in domain.md §3.1. Every rule is a boolean column computed with
vectorized pandas/numpy; every threshold comes from the config. Each customer gets one value
segment (the first that holds, in order), the highest tier of any rule that fires, the
tightest deadline of those rules, the channel plan of its segment and the list of every rule
that fired, so a planner can see *why* a customer landed where it did.

Readings of the plan that the domain text leaves open, stated once here:

* "Active" means status active (合作中). Core, potential, regular and the ``regular_active``
  and ``loyal_core`` rules are for active customers; a terminated customer that is not worth
  winning back falls through to inactive, marginal or low frequency.
* Growth ratios need a positive base (``revenue_prev_6m > 0``); growth from nothing is not
  growth the rule can judge.
* Core's "top 20% by revenue_12m, ties included": a customer is in the top share when its
  rank among active customers (ties share the best rank) is ≤ share × their number, and its
  revenue is above zero.
* A customer no rule claims is low priority with the reason ``default_low``.
* Rule dates are judged against the as-of date: "within the last 12 months" is on or after
  as-of minus 12 months; "more than 12 months" is before it.

Example
-------
>>> import pandas as pd
>>> from revisitkit.config import load_config
>>> customers = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["甲", "乙"],
...                           "revenue_12m": [12_000_000.0, 50_000.0]})
>>> result = segment(customers, load_config())
>>> result.plan[["customer_id", "value_segment", "priority", "reasons"]].to_string(index=False)
'customer_id value_segment priority   reasons\\n         C1          core     high strategic\\n         C2      marginal      low  marginal'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from revisitkit.config import SEGMENT_CODES, TIERS, Config
from revisitkit.schema import map_groups

_TIER_RANK = {t: i for i, t in enumerate(TIERS)}

#: Columns of the plan, in order (domain.md §8: customers_plan.csv, then context columns).
PLAN_COLUMNS = (
    "customer_id",
    "name",
    "value_segment",
    "priority",
    "deadline",
    "channels",
    "reasons",
    "abc_class",
    "industry_group",
    "region_cluster",
    "channels_deadline",
    "owner",
    "region",
    "industry",
    "business_type",
    "revenue_12m",
)

#: The reason of a customer that no rule claims: low priority by default.
DEFAULT_LOW = "default_low"


@dataclass(frozen=True)
class NotEvaluated:
    """A rule that could not be judged because the file lacks a column it needs."""

    rule: str
    missing: tuple[str, ...]

    def __str__(self) -> str:
        return f"rule {self.rule!r} not evaluated: column(s) {', '.join(self.missing)} absent"


@dataclass(frozen=True)
class SegmentationResult:
    """The segmented plan and what could not be judged."""

    plan: pd.DataFrame
    not_evaluated: tuple[NotEvaluated, ...] = field(default=())
    as_of: date | None = None
    execution: tuple[date, date] | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.plan.copy()

    def summary(self) -> pd.DataFrame:
        """Customers by segment (rows, in rule order) and priority (columns), with totals."""
        table = pd.crosstab(
            pd.Categorical(self.plan["value_segment"], categories=SEGMENT_CODES),
            pd.Categorical(self.plan["priority"], categories=TIERS),
            margins=True,
            margins_name="total",
            dropna=False,
        )
        table.index.name, table.columns.name = "value_segment", "priority"
        return table

    def deadlines(self) -> pd.DataFrame:
        """How many customers are due on each deadline, by priority."""
        counts = (
            self.plan.groupby(["priority", "deadline"], observed=True)
            .size()
            .rename("customers")
            .reset_index()
        )
        counts["priority"] = pd.Categorical(counts["priority"], categories=TIERS, ordered=True)
        return counts.sort_values(["deadline", "priority"]).reset_index(drop=True)


#: Money compared to a ratio of money is judged to the cent: 10,677,713.02 is exactly 1.30 ×
#: 8,213,625.40 even though floating point says 10,677,713.020000001.
CENT = 0.005


def _at_least(value: np.ndarray, ratio: float, base: np.ndarray) -> np.ndarray:
    """value ≥ ratio × base, to the cent."""
    return value >= ratio * base - CENT


def _at_most(value: np.ndarray, ratio: float, base: np.ndarray) -> np.ndarray:
    """value ≤ ratio × base, to the cent."""
    return value <= ratio * base + CENT


#: The revenue of the last and of the previous quarter, and of the last and previous half-year.
_QUARTERS = ("revenue_last_3m", "revenue_prev_3m")
_HALF_YEARS = ("revenue_last_6m", "revenue_prev_6m")


def _ratio_rule(
    customers: pd.DataFrame,
    periods: tuple[str, str],
    compare: Callable[[np.ndarray, float, np.ndarray], np.ndarray],
    ratio: float,
) -> np.ndarray:
    """``compare(last, ratio, previous)`` (:func:`_at_least` or :func:`_at_most`) on the revenue
    of two *periods*, where the previous one is positive: growth or a drop from nothing is not
    judged."""
    last, previous = (_num(customers[name]) for name in periods)
    with np.errstate(invalid="ignore"):
        return (previous > 0) & compare(last, ratio, previous)


def _col(df: pd.DataFrame, name: str) -> pd.Series | None:
    return df[name] if name in df.columns else None


def _num(s: pd.Series | None) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _fires(mask) -> np.ndarray:
    """NaN/NA comparisons do not fire a rule."""
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def segment(customers: pd.DataFrame, config: Config) -> SegmentationResult:
    """Segment customers and set their priority, deadline, channels and reasons.

    Parameters
    ----------
    customers
        The canonical frame of :func:`revisitkit.schema.parse_customers` (or any frame with
        at least ``customer_id``, ``name`` and ``revenue_12m``). Not modified.
    config
        The campaign configuration: thresholds, deadlines, channels, mappings.

    Returns
    -------
    SegmentationResult
        ``plan``: one row per customer in input order with the columns of ``PLAN_COLUMNS``
        (context columns only where the input has them); ``not_evaluated``: rules skipped
        for lack of a column.

    Examples
    --------
    Under the default config (data as of 2026-12-01, execution from 2026-12-16): C1 sells over
    10 M CNY, so it is core and ``strategic`` (high, 7 days from 12-16); C2 is regular, and its
    last quarter at 300 k is at most half of the one before (800 k), a churn warning (high,
    2 days from the as-of date) that beats its ``regular_active`` (medium); its channel plan
    is due 2 days after execution starts; C3 is under 100 k, marginal (low, 30 days).

    >>> from revisitkit.config import load_config
    >>> customers = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["甲", "乙", "丙"],
    ...                           "revenue_12m": [12_000_000.0, 2_000_000.0, 50_000.0],
    ...                           "revenue_last_3m": [3_000_000.0, 300_000.0, 10_000.0],
    ...                           "revenue_prev_3m": [3_000_000.0, 800_000.0, 12_000.0]})
    >>> plan = segment(customers, load_config()).plan
    >>> print(plan[["customer_id", "value_segment", "priority", "deadline", "reasons"]]
    ...       .to_string(index=False))
    customer_id value_segment priority   deadline                           reasons
             C1          core     high 2026-12-23                         strategic
             C2       regular     high 2026-12-03 churn_warning_drop;regular_active
             C3      marginal      low 2027-01-15                          marginal
    >>> plan["channels_deadline"].dt.strftime("%m-%d").tolist()
    ['12-23', '12-18', '01-15']
    """
    n = len(customers)
    seg_cfg = config.segments
    rules = config.priority.rules
    as_of = pd.Timestamp(config.as_of())
    phases = config.phases()
    skipped: list[NotEvaluated] = []

    def need(rule: str, *cols: str) -> bool:
        missing = tuple(c for c in cols if c not in customers.columns)
        if missing:
            skipped.append(NotEvaluated(rule, missing))
        return not missing

    def months_before(months: int) -> pd.Timestamp:
        return as_of - pd.DateOffset(months=months)

    false = np.zeros(n, dtype=bool)
    revenue = _num(customers["revenue_12m"])
    status = _col(customers, "status")
    active = false | True if status is None else _fires(status == "active")
    terminated = ~active

    # ------------------------------------------------------------------ value segment
    is_seg: dict[str, np.ndarray] = {}
    c = seg_cfg.churned
    if need("churned", "status", "terminated_date"):
        since = months_before(c.terminated_within_months)
        t = customers["terminated_date"]
        recent = _fires((t >= since) & (t <= as_of))
        worthy = (
            _fires(customers["winback_worthy"])
            if "winback_worthy" in customers
            else np.full(n, c.winback_worthy_default)
        )
        is_seg["churned"] = terminated & recent & worthy
    else:
        is_seg["churned"] = false

    if need("new", "first_order_date"):
        f = customers["first_order_date"]
        is_seg["new"] = _fires(
            (f >= months_before(seg_cfg.new.first_order_within_months)) & (f <= as_of)
        )
    else:
        is_seg["new"] = false

    core = seg_cfg.core
    # rank (ties sharing the best rank) ≤ share × n  ⇔  revenue ≥ the m-th largest, m = ⌊share × n⌋:
    # one O(n) partition instead of a full ranking
    active_revenue = revenue[active & ~np.isnan(revenue)]
    m = int(np.floor(round(core.top_share * int(active.sum()), 9)))
    if m >= 1 and len(active_revenue) >= m:
        cut = np.partition(active_revenue, len(active_revenue) - m)[len(active_revenue) - m]
        top = active & (revenue >= cut) & (revenue > 0)
    else:
        top = false
    is_seg["core"] = active & (top | (revenue > core.revenue_12m_over))

    pot = seg_cfg.potential
    growth6 = false
    # each half of a two-part rule is reported on its own when its columns are absent
    if need("potential (growth)", *_HALF_YEARS):
        growth6 = _ratio_rule(customers, _HALF_YEARS, _at_least, pot.growth_ratio_min)
    rank_col = _col(customers, "industry_rank")
    rank_num = _num(rank_col) if rank_col is not None else np.full(n, np.nan)
    need("potential (industry rank)", "industry_rank")
    with np.errstate(invalid="ignore"):
        is_seg["potential"] = active & (growth6 | (rank_num <= pot.industry_rank_max))
    is_seg["regular"] = active & (revenue >= seg_cfg.regular.revenue_12m_min)

    inactive_since = months_before(seg_cfg.inactive.no_order_months)
    stale = false.copy()
    if need("inactive (no order)", "last_order_date"):
        stale |= _fires(customers["last_order_date"] < inactive_since)
    if need("inactive (terminated long ago)", "terminated_date"):
        stale |= terminated & _fires(customers["terminated_date"] < inactive_since)
    is_seg["inactive"] = stale
    is_seg["marginal"] = revenue < seg_cfg.marginal.revenue_12m_below
    is_seg["low_frequency"] = np.ones(n, dtype=bool)

    conditions = [is_seg[code] for code in SEGMENT_CODES]
    seg_index = np.select(conditions, np.arange(len(SEGMENT_CODES)), default=len(SEGMENT_CODES) - 1)

    def is_segment(code: str) -> np.ndarray:
        return seg_index == SEGMENT_CODES.index(code)

    # ------------------------------------------------------------------ priority rules
    fired: dict[str, np.ndarray] = {}
    fired["strategic"] = revenue > rules.strategic.revenue_12m_over
    if need("loyal_core", "cooperation_years"):
        years = _num(customers["cooperation_years"])
        with np.errstate(invalid="ignore"):
            fired["loyal_core"] = (
                is_segment("core") & active & (years >= rules.loyal_core.min_cooperation_years)
            )
    if need("major_project", "project_value"):
        with np.errstate(invalid="ignore"):
            fired["major_project"] = (
                _num(customers["project_value"]) > rules.major_project.project_value_over
            )
    if need("churn_warning_drop", *_QUARTERS):
        drop = rules.churn_warning_drop.drop_ratio_max
        fired["churn_warning_drop"] = _ratio_rule(customers, _QUARTERS, _at_most, drop)
    if need("churn_warning_complaint", "open_major_complaints"):
        complaints = _num(customers["open_major_complaints"])
        with np.errstate(invalid="ignore"):
            fired["churn_warning_complaint"] = (
                complaints >= rules.churn_warning_complaint.min_open_major_complaints
            )
    if need("potential_growth", *_HALF_YEARS):
        growth = rules.potential_growth.growth_ratio_min
        fired["potential_growth"] = _ratio_rule(customers, _HALF_YEARS, _at_least, growth)
    if need("industry_benchmark", "industry_rank"):
        with np.errstate(invalid="ignore"):
            fired["industry_benchmark"] = rank_num <= rules.industry_benchmark.rank_max
    ra = rules.regular_active
    no_complaint = ~fired.get("churn_warning_complaint", false)
    fired["regular_active"] = (
        active & (revenue >= ra.revenue_12m_min) & (revenue <= ra.revenue_12m_max) & no_complaint
    )
    if need("new_customer", "first_order_date"):
        since = as_of - pd.Timedelta(days=rules.new_customer.first_order_within_days)
        f = customers["first_order_date"]
        fired["new_customer"] = _fires((f >= since) & (f <= as_of))
    fired["churned_winback"] = is_segment("churned")

    low = config.priority.low
    rule_tier = {name: getattr(rules, name).tier for name in fired}
    rule_days = {name: getattr(rules, name).deadline_days for name in fired}
    # §2.3.1: a churn warning is known on the as-of date, and its 48 h count from then
    rule_from = {name: getattr(rules, name).from_ for name in fired}
    for code in low.segments:
        fired[code] = is_segment(code)
        rule_tier[code], rule_days[code] = "low", low.deadline_days
        rule_from[code] = "execution_start"

    tier_rank = np.full(n, _TIER_RANK["low"], dtype=np.int8)
    claimed = np.zeros(n, dtype=bool)
    for name, mask in fired.items():
        tier_rank = np.where(mask, np.minimum(tier_rank, _TIER_RANK[rule_tier[name]]), tier_rank)
        claimed |= mask
    # the deadline is the tightest of the rules that fired in the winning tier, each counted
    # from its own start (the as-of date or the first day of execution); the channel plan's
    # own deadline counts every rule from the first day of execution (a churn-warning
    # customer is first called within 48 h, then visited as its segment says)
    start = np.datetime64(phases.execution.start, "D")
    end = np.datetime64(phases.execution.end, "D")
    base = {"execution_start": start, "as_of": np.datetime64(as_of.date(), "D")}
    never = end + np.timedelta64(1, "D")
    deadline = np.full(n, never, dtype="datetime64[D]")
    channels_deadline = np.full(n, never, dtype="datetime64[D]")
    for name, mask in fired.items():
        in_tier = mask & (_TIER_RANK[rule_tier[name]] == tier_rank)
        due = base[rule_from[name]] + np.timedelta64(rule_days[name], "D")
        deadline = np.where(in_tier, np.minimum(deadline, due), deadline)
        plain = start + np.timedelta64(rule_days[name], "D")
        channels_deadline = np.where(
            in_tier, np.minimum(channels_deadline, plain), channels_deadline
        )
    unclaimed = start + np.timedelta64(low.deadline_days, "D")
    deadline = np.minimum(np.where(claimed, deadline, unclaimed), end)
    channels_deadline = np.minimum(np.where(claimed, channels_deadline, unclaimed), end)

    # ------------------------------------------------------------------ reasons
    # A bitmask per customer, turned into text once per distinct combination: a few hundred
    # string joins instead of one per customer.
    reason_codes = [*fired, DEFAULT_LOW]
    bits = np.zeros(n, dtype=np.int64)
    for i, mask in enumerate(fired.values()):
        bits |= mask.astype(np.int64) << i
    bits |= (~claimed).astype(np.int64) << (len(reason_codes) - 1)
    # distinct combinations by counting (bits < 2**rules), O(n) instead of a sort
    present = np.bincount(bits, minlength=1) > 0
    uniq = np.flatnonzero(present)
    inverse = (np.cumsum(present) - 1)[bits]
    texts = np.array(
        [";".join(c for i, c in enumerate(reason_codes) if (u >> i) & 1) for u in uniq],
        dtype=object,
    )

    # Coded columns are categoricals built from integer codes: no per-customer strings.
    def coded(codes: np.ndarray, categories, ordered: bool = False) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=list(categories), ordered=ordered)

    channel_text = ["+".join(getattr(seg_cfg, s).channels) for s in SEGMENT_CODES]
    abc = [getattr(seg_cfg, s).abc_class for s in SEGMENT_CODES]
    plan = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "name": customers["name"],
            "value_segment": coded(seg_index, SEGMENT_CODES),
            "priority": coded(tier_rank, TIERS, ordered=True),
            "deadline": deadline.astype("datetime64[ns]"),
            # segments sharing a channel plan or an ABC class stay separate categories
            "channels": pd.Categorical(np.asarray(channel_text, dtype=object)[seg_index]),
            "reasons": coded(inverse.astype(np.int32), texts),
            "abc_class": pd.Categorical(np.asarray(abc, dtype=object)[seg_index]),
            "industry_group": map_groups(customers, "industry", config, "industry_groups"),
            "region_cluster": map_groups(customers, "region", config, "region_clusters"),
            # when the segment's channel plan is due (churn warnings are called before)
            "channels_deadline": channels_deadline.astype("datetime64[ns]"),
        },
        index=customers.index,
    )
    for extra in ("owner", "region", "industry", "business_type"):
        if extra in customers:
            plan[extra] = customers[extra]
    plan["revenue_12m"] = revenue
    return SegmentationResult(
        plan=plan,
        not_evaluated=tuple(skipped),
        as_of=as_of.date(),
        execution=(phases.execution.start, phases.execution.end),
    )
