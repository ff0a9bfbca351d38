"""The optimizer: how to spend a given total across segments for the most expected return.

:class:`Optimizer` allocates the total over groups (value segment, priority), every
high-priority customer covered and each category's share within ``share_tolerance`` of the
split, as a small integer program (scipy's HiGHS); its :class:`Allocation` says in words which
constraints bind, or, when the total is too small, how much more is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.budget.plan import BudgetPlan
from revisitkit.config import BUDGET_CATEGORIES, SEGMENT_CODES, TIERS


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
        An argument out of its range, named with the value given; a plan whose customers lack
        a cost or carry one that is not a number of CNY ≥ 0 (or a return that is not finite).

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
        _check_customers(plan.customers)

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
        for cat in BUDGET_CATEGORIES:
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
            bounds=(np.concatenate([y_lo, [0, 0]]), np.concatenate([customers, [np.inf] * 2])),
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
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
        options: dict[str, float] | None = None,
    ) -> Any:
        """Solve the model for *objective*: spend within the total (*within_total*), at least
        *floor* of expected return, within *bounds* (default the model's)."""
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
        # here, not at the top: scipy.optimize is ≈0.6 s of start-up that every CLI command
        # would pay (python -X importtime), and only a solve needs it
        from scipy.optimize import Bounds, LinearConstraint, milp

        return milp(
            objective,
            constraints=LinearConstraint(np.array(A), L, H),
            integrality=m.integrality,
            bounds=Bounds(*(m.bounds if bounds is None else bounds)),
            options=options,
        )

    def _search(self, m: _Model) -> tuple[np.ndarray | None, bool]:
        """The three stages: the most return; at that return (to a millionth), the most
        customers covered; at that coverage, the least spend (t and k as small as the bands
        allow). The answer (None when the total cannot fit) and whether the first stage
        stopped at the time limit."""
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
        covered = (np.concatenate([y, [0, 0]]), np.concatenate([y, [np.inf] * 2]))
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
        config = self.plan.config
        labels = config.budget.labels
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
                    f"{labels[cat]} 占比在{'下限' if low else '上限'} {s:.0%}: the share is at "
                    f"its {'floor' if low else 'ceiling'} of {s:.0%}"
                )
        rows = list(groups.itertuples())

        def group(r) -> str:  # a segment and priority as people read them: 核心客户·高
            seg = dict(config.segments).get(r.value_segment)
            seg = seg.label if seg is not None else r.value_segment
            return f"{seg.split(' ')[0]}·{config.priority.labels.get(r.priority, r.priority).split(' ')[0]}"

        forced = [group(r) for r in rows if r.priority == "high"]
        if forced:
            words.append(
                "高优先级客户全部覆盖 every high-priority customer is covered ("
                + ", ".join(forced)
                + ")"
            )
        skipped = [group(r) for r in rows if r.covered < r.customers]
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
            misfit = _band_misfit(
                m.groups, m.y_lo, m.fixed, m.rate, self.shares, tol, self.plan.config.budget.labels
            )
            words = (
                f"占比无法满足 no total can keep every category within ±{tol:.0%} of the split "
                f"for this plan, whichever customers are covered: {misfit}. 请调整各类别占比，或请"
                "计划人员放宽占比允许偏差、调整单位成本 Change the shares, or ask the planner to widen "
                "the allowed deviation of the shares or change the unit costs",
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
    bounds: tuple[np.ndarray, np.ndarray]  # lower and upper bounds of x
    integrality: np.ndarray
    ret: np.ndarray  # expected return per customer of each group
    eps: float  # the weight of the spend in the first two stages' objectives


_SHARE = "a number from 0 to 1"
_COSTS = ("personnel", "materials", "messages")  # per customer; technology's fixed part aside


def _number(name: str, value: object, wanted: str, ok: Any) -> float:
    """*value* as a float when it is a finite real number (not a bool) that *ok* accepts;
    otherwise a ValueError ``"{name} must be {wanted}, got {value!r}"``."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and ok(number):
            return number
    raise ValueError(f"{name} must be {wanted}, got {_plain(value)!r}")


def _shares(split: Any) -> dict[str, float]:
    """The split checked: a share from 0 to 1 for each category, adding up to 100%."""
    if not isinstance(split, dict) or set(split) != set(BUDGET_CATEGORIES):
        raise ValueError(
            f"the split needs a share for each of {list(BUDGET_CATEGORIES)}, got {split!r}"
        )
    shares = {
        c: _number(f"the {c} share", split[c], _SHARE, lambda v: 0 <= v <= 1)
        for c in BUDGET_CATEGORIES
    }
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise ValueError(f"the shares must add up to 100%, got {sum(shares.values()):.1%}")
    return shares


def _check_customers(customers: Any) -> None:
    """The plan's customers checked: the columns the model reads, each cost a number of CNY ≥ 0
    and each expected return a finite number (HiGHS refuses an infinite one in its own words;
    a blank one, NaN, would be averaged away)."""
    needed = ["customer_id", "value_segment", "priority", *_COSTS, "expected_return"]
    missing = [c for c in needed if c not in customers]
    if missing:
        raise ValueError(
            f"the plan's customers lack column(s) {missing}; cost them with plan_budget"
        )
    checks = [(c, "a number of CNY ≥ 0", 0.0) for c in _COSTS]
    for col, wanted, least in [*checks, ("expected_return", "a number of CNY", -np.inf)]:
        values = pd.to_numeric(customers[col], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(values) & (values >= least))
        if bad.any():
            i = int(bad.argmax())
            value, who = _plain(customers[col].iloc[i]), _plain(customers["customer_id"].iloc[i])
            raise ValueError(
                f"the plan's {col} must be {wanted} for every customer, got {value!r} for "
                f"customer {who!r}"
            )


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (a message shows nan, not np.float64(nan))."""
    return value.item() if isinstance(value, np.generic) else value


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


def _band_misfit(g, y, fixed, rate, shares, tol, labels=None) -> str:
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
            out.append(
                f"{(labels or {}).get(c, c)} {share:.0%} 低于下限 below its floor of {lo:.0%}"
            )
        elif share > hi + 1e-9:
            out.append(
                f"{(labels or {}).get(c, c)} {share:.0%} 高于上限 above its ceiling of {hi:.0%}"
            )
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
