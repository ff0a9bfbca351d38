"""The monthly review (§4.4 每月检查支出): the plan's monthly budget against actual spend.

:func:`revisitkit.io.load_actuals` reads an actual-spend file; :func:`variance` sets it beside
:meth:`BudgetPlan.monthly <revisitkit.budget.BudgetPlan.monthly>` month by month and category by
category, and :func:`overspend_total` gives the risk register's ``budget_overspend`` signal.
"""

from __future__ import annotations

import pandas as pd

from revisitkit.config import BUDGET_CATEGORIES, Config


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
    order = {c: i for i, c in enumerate(BUDGET_CATEGORIES)}
    out = out.sort_values(
        ["month", "category"], key=lambda s: s.map(order) if s.name == "category" else s
    )
    return out.reset_index(drop=True)


def overspend_total(table: pd.DataFrame) -> float:
    """CNY spent above plan, summed over the months and categories that overspent (the risk
    register's ``budget_overspend`` signal)."""
    over = table[table["overspend"]]
    return float((over["actual_cny"] - over["planned_cny"]).sum())
