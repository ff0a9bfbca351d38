"""The campaign's risk register (§5 风险评估与应对): how a risk is scored, and the live
signals from the plan that say a risk is getting likelier.

The plan names customer, execution and external risks with their responses and SLAs. Written
in a Word file, such a register goes stale within a week; here each risk is a validated record
(:class:`~revisitkit.schema.Risk`, its contract in :mod:`revisitkit.schema.risks`) scored on
the config's scale and bands, seeded from ``data/risks_seed.yaml`` and kept in the embedded
store (:mod:`revisitkit.store`), where planners edit it.

Signals (:func:`signals`) are computed from the plan — core customers with unresolved
complaints, deadlines crowded into the New Year week, a thin buffer before the Spring Festival,
a staffing gap, a budget overspend — and shown *beside* the stored scores with a suggested
likelihood. They never change a stored score: the planner decides.

Example
-------
>>> from revisitkit.config import load_config
>>> config = load_config()
>>> score(3, 5), level(score(3, 5), config), sla_hours("A", config)
(15, 'critical', 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.schema import (
    CATEGORIES,
    FIELDS,
    REGISTER_COLUMNS,
    RESPONSE_LEVELS,
    SCALE_FIELDS,
    SIGNALS,
    STATUSES,
    STRATEGIES,
    Risk,
    whole_number,
)

__all__ = [
    "heatmap_counts",
    "level",
    "new_year_window",
    "register_frame",
    "score",
    "signals",
    "sla_hours",
]


# ------------------------------------------------------------------------------- scoring
def score(likelihood: int, impact: int) -> int:
    """The risk score: likelihood × impact.

    >>> score(4, 3)
    12
    """
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if whole_number(value) is None or int(value) < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    return int(likelihood) * int(impact)


def level(score: int, config: Config) -> str:
    """The level code of a score, from the bands in ``risk.levels``.

    >>> from revisitkit.config import load_config
    >>> [level(s, load_config()) for s in (4, 5, 12, 15)]
    ['low', 'medium', 'high', 'critical']
    """
    top = config.risk.scale_max**2
    if whole_number(score) is None or not 1 <= int(score) <= top:
        raise ValueError(f"score must be a whole number from 1 to {top}, got {score!r}")
    for code, band in config.risk.levels.items():
        if band.min <= score <= band.max:
            return code
    raise AssertionError(
        "the config validates that the bands cover every score"
    )  # pragma: no cover


def _levels(scores: pd.Series, config: Config) -> pd.Series:
    """Vectorized :func:`level`. A score beyond the bands (a store scored on a larger scale
    than the config now has) gets no level (missing) rather than a wrong one."""
    bands = config.risk.levels
    edges = np.array([band.max for band in bands.values()])
    codes = np.array([*bands, None], dtype=object)
    return pd.Series(codes[np.searchsorted(edges, scores.to_numpy())], index=scores.index)


def sla_hours(level_letter: str, config: Config) -> int:
    """Hours within which an issue of response level A, B or C is answered (§7.2).

    >>> from revisitkit.config import load_config
    >>> [sla_hours(x, load_config()) for x in "ABC"]
    [2, 24, 48]
    """
    hours = config.problems.response_hours()
    if level_letter not in hours:
        raise ValueError(
            f"response level must be one of {', '.join(RESPONSE_LEVELS)}, got {level_letter!r}"
        )
    return hours[level_letter]


# ------------------------------------------------------------------------------- tables
def register_frame(risks: Iterable[Risk], config: Config) -> pd.DataFrame:
    """The register as a table: every field, the scores and levels, the SLA and the labels.

    Parameters
    ----------
    risks
        Valid risks (from :func:`revisitkit.io.load_seed`,
        :func:`revisitkit.schema.make_risk` or the store).
    config
        Gives the level bands, the SLA hours and the owner labels.

    Returns
    -------
    DataFrame
        Columns :data:`REGISTER_COLUMNS`, one row per risk in the order given;
        ``next_review`` is datetime64 (NaT for a closed risk without one).

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> r = Risk(id="R01", category="customer", title="高价值客户流失", likelihood=3, impact=5,
    ...          owner_role="sales_director", strategy="mitigate", response_level="A",
    ...          residual_likelihood=2, residual_impact=4, next_review=date(2026, 12, 10))
    >>> row = register_frame([r], load_config()).iloc[0]
    >>> row["score"], row["level_label"], row["residual_score"], row["residual_level"], row["sla_hours"]
    (np.int64(15), '极高 Critical', np.int64(8), 'medium', np.int64(2))
    """
    records = [r.to_dict() for r in risks]
    frame = pd.DataFrame.from_records(records, columns=list(FIELDS))
    ints = {name: frame[name].astype("int64") for name in SCALE_FIELDS}
    frame = frame.assign(**ints)
    frame["next_review"] = pd.to_datetime(frame["next_review"]).astype("datetime64[ns]")
    frame["signal"] = frame["signal"].astype(object).where(frame["signal"].notna(), None)
    risk = config.risk
    level_labels = {code: band.label for code, band in risk.levels.items()}
    frame["score"] = frame["likelihood"] * frame["impact"]
    frame["residual_score"] = frame["residual_likelihood"] * frame["residual_impact"]
    frame["level"] = _levels(frame["score"], config)
    frame["residual_level"] = _levels(frame["residual_score"], config)
    frame["level_label"] = frame["level"].map(level_labels)
    frame["residual_level_label"] = frame["residual_level"].map(level_labels)
    frame["category_label"] = frame["category"].map(CATEGORIES)
    frame["owner_label"] = frame["owner_role"].map(dict(risk.owner_roles))
    frame["strategy_label"] = frame["strategy"].map(STRATEGIES)
    frame["status_label"] = frame["status"].map(STATUSES)
    frame["sla_hours"] = (
        frame["response_level"].map(config.problems.response_hours()).astype("int64")
    )
    return frame[list(REGISTER_COLUMNS)]


def heatmap_counts(frame: pd.DataFrame, residual: bool = False, scale_max: int = 5) -> pd.DataFrame:
    """How many risks fall in each cell of the likelihood × impact matrix.

    Parameters
    ----------
    frame
        A register table (:func:`register_frame` or the store's ``list()``); filter it first
        (e.g. leave out closed risks) to count only some.
    residual
        Count by residual likelihood and impact instead of the inherent ones.
    scale_max
        The size of the matrix (``config.risk.scale_max``).

    Returns
    -------
    DataFrame
        ``scale_max`` × ``scale_max`` counts: rows likelihood ``scale_max`` … 1 (top to bottom,
        as a heat map is read), columns impact 1 … ``scale_max``.

    Examples
    --------
    >>> grid = heatmap_counts(pd.DataFrame({"likelihood": [3, 3], "impact": [5, 5]}))
    >>> int(grid.loc[3, 5]), int(grid.to_numpy().sum()), list(grid.index)
    (2, 2, [5, 4, 3, 2, 1])
    """
    rows, cols = (
        ("residual_likelihood", "residual_impact") if residual else ("likelihood", "impact")
    )
    scale = np.arange(1, scale_max + 1)
    likelihood = frame[rows].to_numpy(dtype=np.int64)
    impact = frame[cols].to_numpy(dtype=np.int64)
    inside = (likelihood >= 1) & (likelihood <= scale_max) & (impact >= 1) & (impact <= scale_max)
    if not inside.all():
        raise ValueError(f"{rows}/{cols} must be whole numbers from 1 to {scale_max}")
    flat = (likelihood - 1) * scale_max + (impact - 1)
    counts = np.bincount(flat, minlength=scale_max * scale_max).reshape(scale_max, scale_max)
    grid = pd.DataFrame(
        counts[::-1],
        index=pd.Index(scale[::-1], name="likelihood"),
        columns=pd.Index(scale, name="impact"),
    )
    return grid


# ------------------------------------------------------------------------------ signals
SIGNAL_COLUMNS = (
    "signal",
    "signal_label",
    "risk_id",
    "risk_title",
    "likelihood",
    "value",
    "threshold",
    "unit",
    "fired",
    "suggested_likelihood",
    "reason",
)


def new_year_window(calendar: Any) -> tuple[date, date] | None:
    """The New Year (元旦) week of the execution phase: its ISO week plus the days off around 元旦.

    The window runs from the earlier of the ISO week's Monday and the first day of the run of
    non-working days that contains 1 January, to the later of the week's Sunday and the last
    day of that run. None when the execution phase contains no 1 January.

    Examples
    --------
    >>> from revisitkit.calendar import campaign_calendar
    >>> from revisitkit.config import load_config
    >>> new_year_window(campaign_calendar(load_config()))  # 元旦 2027 is a Friday
    (datetime.date(2026, 12, 28), datetime.date(2027, 1, 3))
    """
    ex = calendar.phases.execution
    new_year = date(ex.start.year + 1, 1, 1)
    if ex.start.month == 1 and ex.start.day == 1:
        new_year = ex.start
    if not ex.start <= new_year <= ex.end:
        return None
    cal = calendar.calendar
    monday = new_year - timedelta(days=new_year.weekday())
    sunday = monday + timedelta(days=6)
    first = last = new_year
    if not cal.is_working_day(new_year):
        one = timedelta(days=1)
        while not cal.is_working_day(first - one):
            first -= one
        while not cal.is_working_day(last + one):
            last += one
    return min(monday, first), max(sunday, last)


def _related(risks: Sequence[Risk] | pd.DataFrame | None) -> dict[str, list[tuple[str, str, int]]]:
    """Signal code → [(risk id, title, stored likelihood)] of the risks that name it."""
    if risks is None:
        return {}
    if isinstance(risks, pd.DataFrame):
        rows = zip(risks["id"], risks["title"], risks["likelihood"], risks["signal"], strict=True)
    else:
        rows = ((r.id, r.title, r.likelihood, r.signal) for r in risks)
    related: dict[str, list[tuple[str, str, int]]] = {}
    for rid, title, likelihood, signal in rows:
        if isinstance(signal, str) and signal:
            related.setdefault(signal, []).append((rid, title, int(likelihood)))
    return related


def _has_reason(reasons: pd.Series, code: str) -> np.ndarray:
    """Whether each row's ``;``-joined reasons contain *code*: judged once per distinct text."""
    if isinstance(reasons.dtype, pd.CategoricalDtype):
        codes, uniques = reasons.cat.codes.to_numpy(), reasons.cat.categories
    else:
        codes, uniques = pd.factorize(reasons, use_na_sentinel=True)
    hit = np.array([code in str(u).split(";") for u in uniques] + [False], dtype=bool)
    return hit[codes]  # code -1 (missing) picks the trailing False


def _pct(x: float) -> str:
    return f"{x:.1%}"


def signals(
    plan: pd.DataFrame,
    calendar: Any,
    config: Config,
    staffing_gap: float | None = None,
    budget_overspend: float | None = None,
    *,
    risks: Sequence[Risk] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Live indicators from the plan that suggest raising a risk's likelihood, and why.

    Signals never change a stored score: the table shows them beside it.

    ============================ ========================================= =================
    signal                       value                                     fires when
    ============================ ========================================= =================
    ``resource_gap``             staffing gap, person-days (None: not yet) value > threshold
    ``core_complaints``          share of core customers whose reasons     value > threshold
                                 include ``churn_warning_complaint``
    ``holiday_crowding``         share of deadlines in :func:`new_year_window` value > threshold
    ``spring_festival_timing``   working days after execution ends and     value < threshold
                                 before the Spring Festival holiday
    ``budget_overspend``         CNY over budget (None: no actuals yet)    value > threshold
    ============================ ========================================= =================

    Parameters
    ----------
    plan
        ``segment(...).plan``: needs ``value_segment``, ``reasons`` and ``deadline``.
    calendar
        The :class:`revisitkit.calendar.CampaignCalendar` of the campaign.
    config
        Thresholds under ``risk.signals``; ``risk.scale_max`` caps the suggestion.
    staffing_gap, budget_overspend
        From staffing and budget once they exist; None shows the signal as not available.
    risks
        The register (a list of :class:`Risk` or a register table); each risk names its
        signal. Without it the table has no risk ids and no suggestions.

    Returns
    -------
    DataFrame
        One row per signal and related risk (one row per signal where no risk or one risk
        names it), columns :data:`SIGNAL_COLUMNS`. ``suggested_likelihood`` is the stored
        likelihood plus ``likelihood_step`` (capped at ``scale_max``) when the signal fired,
        else the stored likelihood.

    Examples
    --------
    >>> from revisitkit.calendar import campaign_calendar
    >>> from revisitkit.config import load_config
    >>> config = load_config()
    >>> plan = pd.DataFrame({"value_segment": ["core"] * 4,
    ...                      "reasons": ["strategic;churn_warning_complaint"] + ["strategic"] * 3,
    ...                      "deadline": pd.to_datetime(["2026-12-18"] * 4)})
    >>> table = signals(plan, campaign_calendar(config), config).set_index("signal")
    >>> row = table.loc["core_complaints"]
    >>> float(row["value"]), float(row["threshold"]), bool(row["fired"])
    (0.25, 0.05, True)
    >>> row["reason"].split(" — ")[1]
    '1 of 4 core customers (25.0%) have an unresolved major complaint, above the threshold of 5.0%'
    """
    sig = config.risk.signals
    rows: list[dict[str, Any]] = []

    def add(code: str, value: float, threshold: float, unit: str, fired: bool, reason: str):
        rows.append(
            {
                "signal": code,
                "value": float(value),
                "threshold": float(threshold),
                "unit": unit,
                "fired": bool(fired),
                "reason": reason,
            }
        )

    def above(
        code: str,
        value: float | None,
        threshold: float,
        unit: str,
        missing: str,
        reason: Callable[[float, bool], str],
    ):
        """A signal that fires when *value* is above *threshold*; a value of None (no data yet)
        is shown with the *missing* text, else with ``reason(value, fired)``."""
        if value is None:
            add(code, np.nan, threshold, unit, False, missing)
        else:
            value = float(value)
            fired = value > threshold
            add(code, value, threshold, unit, fired, reason(value, fired))

    # resource gap at peak (§5.2)
    threshold = sig.staffing_gap_max_days
    above(
        "resource_gap",
        staffing_gap,
        threshold,
        "person-days",
        "尚无人员配置数据，暂不评估 — staffing has not been planned yet, so the gap is not available",
        lambda gap, fired: (
            f"高峰期人力缺口 {gap:g} 人天，{'超过' if fired else '未超过'}阈值 {threshold:g} 人天 — "
            f"staffing is {gap:g} person-days short at peak, "
            f"{'above' if fired else 'not above'} the threshold of {threshold:g}"
        ),
    )

    # core customers with an unresolved major complaint (§5.1, §2.3.1)
    threshold = sig.core_complaint_share_max
    core = (plan["value_segment"] == "core").to_numpy(dtype=bool, na_value=False)
    n_core = int(core.sum())
    share = None
    if n_core:
        n_hit = int((core & _has_reason(plan["reasons"], "churn_warning_complaint")).sum())
        share = n_hit / n_core
    above(
        "core_complaints",
        share,
        threshold,
        "share",
        "计划中没有核心客户 — the plan has no core customers",
        lambda share, fired: (
            f"{n_core} 家核心客户中 {n_hit} 家 ({_pct(share)}) 有未解决的重大投诉，"
            f"{'高于' if fired else '未高于'}阈值 {_pct(threshold)} — "
            f"{n_hit} of {n_core} core customers ({_pct(share)}) have an unresolved major "
            f"complaint, {'above' if fired else 'not above'} the threshold of {_pct(threshold)}"
        ),
    )

    # deadlines crowded into the New Year week (§5.1 客户情绪风险)
    threshold = sig.holiday_week_share_max
    window = new_year_window(calendar)
    deadline = pd.to_datetime(plan["deadline"]).to_numpy(dtype="datetime64[D]")
    known = ~np.isnat(deadline)
    n_known = int(known.sum())
    if window is None:
        add(
            "holiday_crowding",
            np.nan,
            threshold,
            "share",
            False,
            "执行期不含元旦 — the execution phase contains no New Year's Day",
        )
    else:
        first, last = (np.datetime64(d, "D") for d in window)
        n_in = int(((deadline >= first) & (deadline <= last) & known).sum())
        share = n_in / n_known if n_known else None
        span = f"{window[0].isoformat()} … {window[1].isoformat()}"
        above(
            "holiday_crowding",
            share,
            threshold,
            "share",
            "计划中没有截止日期 — the plan has no deadlines",
            lambda share, fired: (
                f"{n_known:,} 个截止日期中 {n_in:,} 个 ({_pct(share)}) 落在元旦周 {span}，"
                f"{'高于' if fired else '未高于'}阈值 {_pct(threshold)} — "
                f"{n_in:,} of {n_known:,} deadlines ({_pct(share)}) fall in the New Year week "
                f"{span}, {'above' if fired else 'not above'} the threshold of {_pct(threshold)}"
            ),
        )

    # execution ending close to the Spring Festival holiday (§4.1)
    threshold = sig.spring_festival_buffer_days
    end = calendar.phases.execution.end
    holiday = calendar.spring_festival[0]
    buffer = calendar.calendar.count_working_days(
        end + timedelta(days=1), holiday - timedelta(days=1)
    )
    fired = buffer < threshold
    add(
        "spring_festival_timing",
        buffer,
        threshold,
        "working days",
        fired,
        f"执行期 {end.isoformat()} 结束，距春节假期 ({holiday.isoformat()} 起) 还有 {buffer} 个工作日，"
        f"{'少于' if fired else '不少于'} {threshold} 个工作日 — execution ends {end.isoformat()}, "
        f"{buffer} working days before the Spring Festival holiday starts {holiday.isoformat()}, "
        f"{'fewer than' if fired else 'not fewer than'} the {threshold} required",
    )

    # budget overspend once actuals exist (§4.4)
    threshold = sig.budget_overspend_max
    above(
        "budget_overspend",
        budget_overspend,
        threshold,
        "CNY",
        "尚无实际支出数据，暂不评估 — no budget actuals yet, so overspend is not available",
        lambda over, fired: (
            f"预算超支 {over:,.0f} 元，{'超过' if fired else '未超过'}阈值 {threshold:,.0f} 元 — "
            f"spending is {over:,.0f} CNY over budget, "
            f"{'above' if fired else 'not above'} the threshold of {threshold:,.0f} CNY"
        ),
    )

    related = _related(risks)
    top, step = config.risk.scale_max, sig.likelihood_step
    out: list[dict[str, Any]] = []
    for row in rows:
        base = {"signal_label": SIGNALS[row["signal"]], **row}
        for rid, title, likelihood in related.get(row["signal"]) or [(None, None, None)]:
            suggested = likelihood
            if likelihood is not None and row["fired"]:
                suggested = min(top, likelihood + step)
            out.append(
                {
                    **base,
                    "risk_id": rid,
                    "risk_title": title,
                    "likelihood": likelihood,
                    "suggested_likelihood": suggested,
                }
            )
    frame = pd.DataFrame.from_records(out, columns=list(SIGNAL_COLUMNS))
    for name in ("likelihood", "suggested_likelihood"):
        frame[name] = frame[name].astype("Int64")
    frame["fired"] = frame["fired"].astype(bool)
    return frame
