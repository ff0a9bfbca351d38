"""Synthetic actual spend: the sample's monthly budget review and a finance export of it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

__all__ = ["SAMPLE_REVIEW_DATE", "SPEND_NOTES", "generate_actuals", "to_actuals_export"]

#: The sample's review date: mid-execution. The sample schedule books each task on its
#: earliest day, so by 2026-12-23 the high-priority deadlines (12-18, 12-23) have passed and
#: the medium ones (12-31) are being worked on.
SAMPLE_REVIEW_DATE = date(2026, 12, 23)

#: Notes of the sample's spend rows, per category (what a finance export would say).
SPEND_NOTES: dict[str, tuple[str, ...]] = {
    "personnel": ("上门拜访差旅报销", "回访人员加班补贴", "高铁票及住宿", "海外拜访机票"),
    "materials": ("定制礼品采购", "拜访资料印刷", "问卷礼品（定制周边）", "挽回激励：返利"),
    "technology": ("问卷平台年费", "CRM 许可证", "回访培训讲师费", "短信群发费用"),
    "contingency": ("客户问题紧急处理", "物流绿色通道费用"),
}


def generate_actuals(
    monthly: pd.DataFrame,
    *,
    as_of: date,
    seed: int = 2026,
    pace: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Actual spend as of a date, drawn around a monthly budget (seeded, reproducible).

    Each month up to *as_of* spends ``pace[category]`` × its plan, with ±5% noise, in 2–5
    payments on weekdays with notes: materials and technology are bought when the month starts
    (the whole month's plan), personnel and contingency as the month goes (scaled by the share
    of it elapsed). The default pace overspends materials (gifts cost more than planned, 1.08)
    and keeps the others under: the sample's review then has something to flag.

    Parameters
    ----------
    monthly
        month (YYYY-MM), category, planned_cny (:meth:`revisitkit.budget.BudgetPlan.monthly`).

    Returns
    -------
    DataFrame
        date, category, amount_cny, note; ordered by date and category.
    """
    pace = {"personnel": 1.03, "materials": 1.08, "technology": 0.95, "contingency": 0.80} | (
        pace or {}
    )
    upfront = {"materials", "technology"}
    rng = np.random.default_rng([seed, 7])
    rows = []
    for r in monthly.itertuples(index=False):
        start = pd.Period(r.month, freq="M").start_time.date()
        end = pd.Period(r.month, freq="M").end_time.date()
        if start > as_of or r.planned_cny <= 0:
            continue
        last = min(end, as_of)
        elapsed = (
            1.0 if r.category in upfront else ((last - start).days + 1) / ((end - start).days + 1)
        )
        amount = r.planned_cny * pace.get(r.category, 1.0) * elapsed * rng.uniform(0.95, 1.05)
        n = int(rng.integers(2, 6))
        parts = rng.dirichlet(np.ones(n)) * amount
        days = pd.bdate_range(start, last)
        if len(days) == 0:
            days = pd.DatetimeIndex([pd.Timestamp(last)])
        picks = np.sort(rng.choice(len(days), size=n, replace=True))
        notes = SPEND_NOTES[r.category]
        for part, i in zip(parts, picks, strict=True):
            rows.append(
                {
                    "date": days[i].date(),
                    "category": r.category,
                    "amount_cny": round(float(part), 2),
                    "note": notes[int(rng.integers(len(notes)))],
                }
            )
    out = pd.DataFrame(rows, columns=["date", "category", "amount_cny", "note"])
    return out.sort_values(["date", "category"], kind="stable").reset_index(drop=True)


def to_actuals_export(actuals: pd.DataFrame, config) -> pd.DataFrame:
    """The spend as a finance export: Chinese headers and category labels, dates as text."""
    labels = {c: label.split(" ")[0] for c, label in config.budget.labels.items()}
    return pd.DataFrame(
        {
            "日期": pd.to_datetime(actuals["date"]).dt.strftime("%Y-%m-%d"),
            "类别": actuals["category"].map(labels),
            "金额": actuals["amount_cny"].map(lambda v: f"{v:,.2f}"),
            "备注": actuals["note"],
        }
    )
