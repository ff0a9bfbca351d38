"""Synthetic revisit outcomes: a scheduled plan's contacts simulated, and a survey export."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from revisitkit.schema import OUTCOME_FIELDS

__all__ = ["SATISFACTION_MIX", "simulate_outcomes", "to_outcomes_export"]

#: Satisfaction on the survey's 1–5 scale, by segment: P(5), P(4), P(3), P(2), P(1).
SATISFACTION_MIX: dict[str, tuple[float, float, float, float, float]] = {
    "core": (0.78, 0.19, 0.03, 0.0, 0.0),
    "potential": (0.62, 0.30, 0.06, 0.02, 0.0),
    "churned": (0.30, 0.35, 0.20, 0.10, 0.05),
    "new": (0.60, 0.32, 0.06, 0.02, 0.0),
    "regular": (0.55, 0.35, 0.08, 0.02, 0.0),
}
_OTHER_MIX = (0.45, 0.40, 0.10, 0.05, 0.0)
#: Channels where the customer is met (almost always reached) rather than called.
_MET = {"onsite_visit", "needs_research", "dedicated_service", "online_training"}
#: Staffed work that is not a contact with the customer (no outcome is recorded for it).
_INTERNAL = {"winback_plan"}
#: Share of online surveys answered (the platform records the others as not reached).
SURVEY_RESPONSE = 0.45
_PROBLEM_NOTES = ("交付周期偏长", "希望增加操作培训", "售后响应慢", "发票流程繁琐", "价格敏感")


def simulate_outcomes(
    plan: pd.DataFrame, staffing, config, *, as_of: date, seed: int = 2026
) -> pd.DataFrame:
    """The revisit outcomes of a scheduled plan as of a date (seeded, reproducible).

    Every task the schedule books on or before *as_of* gets one contact (internal work such as
    the win-back plan gets none): 4% slip 1–4 days (some
    then miss their deadline; one that lands on the day of the customer's next contact by the
    same channel is that contact), contacts by phone or WeChat reach the customer 88% of the time
    and meetings 98%; satisfaction on a 1–5 scale by segment (:data:`SATISFACTION_MIX`), NPS
    from it, problems raised (more in meetings) and 93% of them solved, suggestions, rare
    cross-department improvement items, leads from needs studies (12%) and visits (3%) with a
    value around 500k CNY, 55% of them converted. The automated touches dated on or before
    *as_of* (:func:`revisitkit.staffing.touches.plan_touches`) are recorded as the platforms
    log them: pushes and SMS delivered (reached, no scores), surveys answered by
    :data:`SURVEY_RESPONSE` of the customers (with their satisfaction), the rest not reached.

    Returns
    -------
    DataFrame
        The canonical outcomes frame of :mod:`revisitkit.schema.outcomes` (satisfaction normalized to
        0–100 on ``kpis.satisfaction_scale``) plus ``satisfaction_raw`` (the 1–5 score).
    """
    rng = np.random.default_rng([seed, 11])
    tk = staffing.schedule.tasks
    tk = tk[~tk["unscheduled"] & ~tk["channel"].astype(str).isin(_INTERNAL)].reset_index(drop=True)
    seg = dict(
        zip(plan["customer_id"].astype(str), plan["value_segment"].astype(str), strict=False)
    )
    n = len(tk)
    slip = np.where(rng.random(n) < 0.04, rng.integers(1, 5, n), 0)
    dates = pd.to_datetime(tk["date"]) + pd.to_timedelta(slip, unit="D")
    keep = (dates <= pd.Timestamp(as_of)).to_numpy()
    channel = tk["channel"].astype(str).to_numpy()
    met = np.isin(channel, list(_MET))
    reached = rng.random(n) < np.where(met, 0.98, 0.88)
    segs = np.array([seg.get(str(c), "") for c in tk["customer_id"]], dtype=object)
    u = rng.random(n)
    score = np.zeros(n, dtype=int)
    for i in range(n):
        mix = np.cumsum(SATISFACTION_MIX.get(segs[i], _OTHER_MIX))
        score[i] = 5 - int(np.searchsorted(mix, u[i] * mix[-1], side="right"))
    score = np.clip(score, 1, 5)
    nps_base = np.select([score == 5, score == 4, score == 3], [9, 7, 5], 2)
    nps = np.clip(nps_base + rng.integers(0, 3, n), 0, 10)
    raised = rng.poisson(np.where(met, 0.5, 0.2))
    solved = rng.binomial(raised, 0.93)
    suggestions = rng.poisson(0.15, n)
    items = (rng.random(n) < 0.006).astype(int)
    lead_p = np.where(
        channel == "needs_research", 0.12, np.where(channel == "onsite_visit", 0.03, 0)
    )
    leads = (rng.random(n) < lead_p).astype(int)
    value = np.where(leads > 0, np.round(rng.lognormal(np.log(500_000), 0.5, n), -3), 0.0)
    converted = rng.binomial(leads, 0.55)
    lo, hi = config.kpis.satisfaction_scale
    frame = pd.DataFrame(
        {
            "customer_id": tk["customer_id"].astype(str),
            "date": dates,
            "channel": channel,
            "staff_id": tk["staff_ids"].astype(str).str.split(";").str[0],
            "reached": reached,
            "satisfaction": np.where(reached, (score - lo) / (hi - lo) * 100, np.nan),
            "nps": pd.array(np.where(reached, nps, 0), dtype="Int64"),
            "problems_raised": np.where(reached, raised, 0),
            "problems_solved": np.where(reached, solved, 0),
            "suggestions": np.where(reached, suggestions, 0),
            "improvement_items": np.where(reached, items, 0),
            "leads": np.where(reached, leads, 0),
            "lead_value": np.where(reached, value, 0.0),
            "converted": np.where(reached, converted, 0),
            "notes": np.where(
                reached & (raised > 0),
                np.array(_PROBLEM_NOTES, dtype=object)[rng.integers(0, 5, n)],
                "",
            ),
            "satisfaction_raw": pd.array(np.where(reached, score, 0), dtype="Int64"),
        }
    )
    frame.loc[~reached, ["nps", "satisfaction_raw"]] = pd.NA
    frame = pd.concat(
        [frame[keep], _automated(plan, staffing, config, as_of, rng, seg)], ignore_index=True
    )
    frame = frame.sort_values(["date", "customer_id", "channel"], kind="stable")
    # a slipped contact can land on the day of the customer's next one by the same channel
    # (weekly project tracking): on one day that is one contact, as the outcomes contract
    # wants (revisitkit.schema.outcomes refuses the same customer, date and channel twice)
    frame = frame.drop_duplicates(["customer_id", "date", "channel"], keep="first")
    return frame[[*OUTCOME_FIELDS, "satisfaction_raw"]].reset_index(drop=True)


def _automated(plan, staffing, config, as_of: date, rng, seg: dict) -> pd.DataFrame:
    """The automated touches sent by *as_of*, as the platforms record them."""
    from revisitkit.calendar import campaign_calendar
    from revisitkit.staffing.touches import plan_touches

    touches = plan_touches(plan, config, campaign_calendar(config), staffing)
    automated = {c for c, e in config.staffing.channels.items() if e.automated}
    t = touches[
        touches["channel"].isin(automated)
        & touches["date"].notna()
        & (touches["date"] <= pd.Timestamp(as_of))
    ].reset_index(drop=True)
    n = len(t)
    survey = (t["channel"] == "online_survey").to_numpy()
    answered = survey & (rng.random(n) < SURVEY_RESPONSE)
    reached = ~survey | answered
    u = rng.random(n)
    score = (
        np.array(
            [
                5
                - int(
                    np.searchsorted(
                        np.cumsum(m := SATISFACTION_MIX.get(seg.get(c, ""), _OTHER_MIX)),
                        u[i] * sum(m),
                        side="right",
                    )
                )
                for i, c in enumerate(t["customer_id"].astype(str))
            ],
            dtype=int,
        ).clip(1, 5)
        if n
        else np.zeros(0, dtype=int)
    )
    lo, hi = config.kpis.satisfaction_scale
    zeros = np.zeros(n, dtype=int)
    return pd.DataFrame(
        {
            "customer_id": t["customer_id"].astype(str),
            "date": pd.to_datetime(t["date"]),
            "channel": t["channel"].astype(str),
            "staff_id": "",
            "reached": reached,
            "satisfaction": np.where(answered, (score - lo) / (hi - lo) * 100, np.nan),
            "nps": pd.array([pd.NA] * n, dtype="Int64"),
            "problems_raised": zeros,
            "problems_solved": zeros,
            "suggestions": np.where(answered, rng.poisson(0.3, n), 0),
            "improvement_items": zeros,
            "leads": zeros,
            "lead_value": np.zeros(n),
            "converted": zeros,
            "notes": "",
            "satisfaction_raw": pd.array(
                [int(x) if a else pd.NA for x, a in zip(score, answered, strict=True)],
                dtype="Int64",
            ),
        }
    )


def to_outcomes_export(outcomes: pd.DataFrame, config) -> pd.DataFrame:
    """The outcomes as a survey tool exports them: Chinese headers and labels, 1–5 scores."""
    labels = {c: label.split(" ")[0] for c, label in config.channels.items()}
    return pd.DataFrame(
        {
            "客户编号": outcomes["customer_id"],
            "回访日期": pd.to_datetime(outcomes["date"]).dt.strftime("%Y-%m-%d"),
            "回访方式": outcomes["channel"].map(labels),
            "员工编号": outcomes["staff_id"],
            "是否触达": outcomes["reached"].map({True: "是", False: "否"}),
            "满意度": outcomes["satisfaction_raw"],
            "推荐意愿": outcomes["nps"],
            "提出问题数": outcomes["problems_raised"],
            "解决问题数": outcomes["problems_solved"],
            "建议数": outcomes["suggestions"],
            "改进事项数": outcomes["improvement_items"],
            "商机数": outcomes["leads"],
            "商机金额": outcomes["lead_value"].map(lambda v: f"{v:.0f}"),
            "转化商机数": outcomes["converted"],
            "备注": outcomes["notes"],
        }
    )
