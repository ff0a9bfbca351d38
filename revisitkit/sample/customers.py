"""Synthetic customer base: the kit's bundled sample data and the benchmark's input.

Planners try the kit before they trust it with a real CRM export, maintainers need a table that
exercises every segment and priority rule, and the benchmark needs the same shape at 10k, 100k
and 1M rows. :func:`generate_customers` draws such a base for a Chinese B2B supplier: heavy-tailed
revenue, regional clusters (§2.2.2), industries in three groups (§2.1.3), a life cycle (new,
active, quiet, inactive, terminated) and personal contact data (masked on dashboards).

The draw is seeded and vectorized. Every customer is first described by a few latent facts
(full-year revenue, trend, first and last order, termination); the revenue columns, dates and
cooperation years are then derived from those facts in one place, so every row is internally
consistent. After the random draw a few dozen rows are deterministically overwritten (at the
latent level, so they stay consistent too) to make sure that every value segment and every
priority rule of domain §3.1 occurs at least a few times in any base of 1,000 rows or more.

All shares and probabilities of the synthetic data live in :class:`SampleProfile`; they describe
the sample, not the campaign plan (the plan's thresholds live in the campaign configuration).
:func:`to_crm_export` turns the canonical frame into what a Chinese CRM export looks like.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from revisitkit.sample.names import (
    _company_names,
    _contacts,
    _ids,
    _phones,
    _str,
    _take,
    _wechat_ids,
)
from revisitkit.sample.profile import PROFILE, SampleProfile
from revisitkit.schema import CUSTOMER_COLUMNS

__all__ = [
    "CHINESE_HEADERS",
    "COLUMNS",
    "PROFILE",
    "SampleProfile",
    "generate_customers",
    "to_crm_export",
]

#: Canonical columns of the customers table (domain §8), in output order.
COLUMNS: tuple[str, ...] = (
    "customer_id",
    "name",
    "revenue_12m",
    "revenue_last_6m",
    "revenue_prev_6m",
    "revenue_last_3m",
    "revenue_prev_3m",
    "first_order_date",
    "last_order_date",
    "cooperation_years",
    "status",
    "terminated_date",
    "winback_worthy",
    "open_major_complaints",
    "project_value",
    "industry_rank",
    "industry",
    "region",
    "business_type",
    "owner",
    "contact",
    "phone",
    "wechat",
    "email",
)

#: Canonical column -> Chinese CRM header (domain §8), from the one customers contract.
CHINESE_HEADERS: dict[str, str] = {c.name: c.zh for c in CUSTOMER_COLUMNS}

_STATUS_LABELS = {"active": "合作中", "terminated": "已终止"}
_BUSINESS_TYPES = ("product", "service", "project")
_BUSINESS_TYPE_LABELS = {"product": "产品", "service": "服务", "project": "项目"}


# Rows overwritten after the draw, one case per segment / rule of domain §3.1. Each case starts
# from a plain established customer and changes only what it needs; (low, high) ranges are
# drawn uniformly, day counts are days before as-of.
_FORCED_BASELINE: dict[str, tuple[float, float]] = {
    "revenue": (200_000, 800_000),  # below the core threshold, above marginal
    "growth": (1.0, 1.0),  # flat trend
    "drop": (1.0, 1.0),  # no collapse of the latest quarter
    "first_days": (1_200, 3_600),  # 3-9 years of cooperation
    "last_days": (1, 30),  # ordered in the last month
    "complaints": (0, 0),
    "rank": (0, 0),  # 0 = no known industry rank
    "project_value": (0, 0),
    "terminated_days": (-1, -1),  # -1 = active
}
_FORCED_CASES: dict[str, dict[str, tuple[float, float]]] = {
    # value segments
    "churned": {"terminated_days": (30, 300)},
    "new": {"first_days": (100, 170)},
    "core": {"revenue": (3_000_000, 9_000_000)},
    "potential": {"revenue": (200_000, 800_000), "growth": (1.18, 1.30)},
    "regular": {"revenue": (1_000_000, 1_150_000)},
    "inactive": {"revenue": (100_000, 900_000), "last_days": (400, 800)},
    "marginal": {"revenue": (10_000, 90_000)},
    "low_frequency": {"revenue": (150_000, 700_000)},
    # priority rules
    "strategic": {"revenue": (12_000_000, 60_000_000)},
    "loyal_core": {"revenue": (2_500_000, 9_000_000), "first_days": (1_500, 3_600)},
    "major_project": {"project_value": (6_000_000, 30_000_000)},
    "churn_warning_drop": {"revenue": (300_000, 3_000_000), "drop": (0.1, 0.4)},
    "churn_warning_complaint": {"complaints": (1, 2)},
    "potential_growth": {"growth": (1.10, 1.16)},
    "industry_benchmark": {"rank": (1, 20)},
    "regular_active": {"revenue": (1_200_000, 9_000_000)},
    "new_customer": {"first_days": (5, 80)},
}


def generate_customers(
    n: int = 3000, *, seed: int = 2026, as_of: date = date(2026, 12, 1)
) -> pd.DataFrame:
    """Draw a realistic, deterministic customer base of a Chinese B2B supplier.

    Parameters
    ----------
    n : int, default 3000
        Number of customers (rows), at least 1.
    seed : int, default 2026
        Seed of :func:`numpy.random.default_rng`; the same seed gives an identical frame.
    as_of : datetime.date, default 2026-12-01
        The data's as-of date (the first day of preparation); no date lies after it.

    Returns
    -------
    pandas.DataFrame
        One row per customer with the canonical columns of domain §8 in :data:`COLUMNS` order.
        Money is CNY rounded to 2 decimals; dates are ``datetime64`` (NaT when absent);
        ``industry_rank`` is a nullable ``Int64``. For ``n >= 1000`` every value segment and
        priority rule of domain §3.1 occurs at least three times.

    Examples
    --------
    >>> customers = generate_customers(1000, seed=7)
    >>> customers.shape
    (1000, 24)
    >>> customers["customer_id"].iloc[0], bool(customers["name"].is_unique)
    ('C000001', True)
    >>> bool(customers.equals(generate_customers(1000, seed=7)))
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise ValueError(f"as_of must be a datetime.date, got {as_of!r}")
    n = int(n)
    profile = PROFILE
    rng = np.random.default_rng(seed)
    calendar = _Calendar(as_of)

    latent = _draw_latent(n, rng, calendar, profile)
    _force_cases(latent, n, rng, profile)
    return _assemble(latent, n, rng, calendar, profile)


def to_crm_export(customers: pd.DataFrame) -> pd.DataFrame:
    """Render a canonical customers frame the way a Chinese CRM export looks.

    Columns are renamed with :data:`CHINESE_HEADERS`; status, business type and the win-back
    flag become Chinese labels (合作中/已终止, 产品/服务/项目, 是/否); dates become ISO strings
    ``YYYY-MM-DD`` and a missing date or industry rank an empty string. Columns that are not
    canonical are kept unchanged. The input frame is not modified.

    Parameters
    ----------
    customers : pandas.DataFrame
        A frame with canonical column names, e.g. from :func:`generate_customers`.

    Returns
    -------
    pandas.DataFrame
        A new frame with Chinese headers, in the input's column order.

    Examples
    --------
    >>> crm = to_crm_export(generate_customers(1000))
    >>> list(crm.columns[:3])
    ['客户编号', '客户名称', '近12个月采购额']
    >>> sorted(crm["合作状态"].unique())
    ['合作中', '已终止']
    >>> bool(crm["首次合作日期"].str.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}").all())
    True
    >>> sorted(crm.loc[crm["合作状态"] == "合作中", "终止日期"].unique())
    ['']
    """
    out = customers.copy()
    if "status" in out:
        out["status"] = _relabel(out["status"], _STATUS_LABELS, "status")
    if "business_type" in out:
        out["business_type"] = _relabel(
            out["business_type"], _BUSINESS_TYPE_LABELS, "business_type"
        )
    if "winback_worthy" in out:
        flag = out["winback_worthy"]
        out["winback_worthy"] = pd.Series(
            np.where(flag.fillna(True).astype(bool), "是", "否"), index=out.index, dtype="str"
        )
    for column in ("first_order_date", "last_order_date", "terminated_date"):
        if column in out:
            values = pd.to_datetime(out[column]).to_numpy().astype("datetime64[D]")
            text = np.datetime_as_string(values, unit="D")
            out[column] = pd.Series(
                np.where(np.isnat(values), "", text), index=out.index, dtype="str"
            )
    if "industry_rank" in out:
        rank = out["industry_rank"].astype("Int64")
        out["industry_rank"] = rank.astype("str").where(rank.notna(), "")
    return out.rename(columns=CHINESE_HEADERS)


# --------------------------------------------------------------------------------------------
# internals


class _Calendar:
    """Day offsets (days before as-of) of the month boundaries the rules look at."""

    def __init__(self, as_of: date) -> None:
        self.as_of = np.datetime64(as_of, "D")
        stamp = pd.Timestamp(as_of)

        def back(months: int) -> int:
            return int((stamp - (stamp - pd.DateOffset(months=months))).days)

        # quarter edges, newest first: [0, d3], [d3, d6], [d6, d9], [d9, d12]
        self.d3, self.d6, self.d9, self.d12 = back(3), back(6), back(9), back(12)
        self.edges = np.array([0, self.d3, self.d6, self.d9, self.d12], dtype=float)

    def dates(self, days_before: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Dates ``days_before`` days before as-of, as datetime64[ns]; NaT where not present."""
        out = (self.as_of - days_before.astype("timedelta64[D]")).astype("datetime64[ns]")
        if present is not None:
            out[~present] = np.datetime64("NaT")
        return out


def _draw_latent(
    n: int, rng: np.random.Generator, cal: _Calendar, p: SampleProfile
) -> dict[str, np.ndarray]:
    """Draw the facts every other column is derived from."""
    # geography and revenue: the cluster scales revenue to reach its revenue share
    cluster = rng.choice(len(p.regions), size=n, p=[r[1] for r in p.regions])
    provinces = [prov for r in p.regions for prov, _ in r[3]]
    province = np.empty(n, dtype=np.int64)
    offset = 0
    for c, (_, _, _, provs) in enumerate(p.regions):
        members = np.flatnonzero(cluster == c)
        weights = [w for _, w in provs]
        province[members] = offset + rng.choice(len(provs), size=members.size, p=weights)
        offset += len(provs)
    multiplier = np.array([r[2] / r[1] for r in p.regions])[cluster]
    revenue = _draw_revenue(n, rng, p) * multiplier

    industry = rng.choice(len(p.industries), size=n, p=[i[2] for i in p.industries])
    group_names = [g for g, _ in p.business_type_shares]
    group = np.array([group_names.index(i[1]) for i in p.industries])[industry]
    business_type = np.empty(n, dtype=np.int64)
    for g, (_, shares) in enumerate(p.business_type_shares):
        members = np.flatnonzero(group == g)
        business_type[members] = rng.choice(3, size=members.size, p=shares)

    # trend: quarter-on-quarter growth, and a collapse of the latest quarter for a few
    log_g = rng.normal(0.0, p.growth_log_sigma, n)
    growing = rng.random(n) < p.growing_share
    log_g[growing] += p.growing_log_mean
    growth = np.exp(log_g)
    drop = np.where(rng.random(n) < p.drop_share, rng.uniform(*p.drop_factor_range, n), 1.0)

    # life cycle, in days before as-of
    max_days = int(np.floor((p.max_cooperation_years + 1) * 365.25)) - 1
    is_new = rng.random(n) < p.new_share
    span = max_days - cal.d6 - 1
    tenure = (
        -p.tenure_scale_years
        * 365.25
        * np.log1p(-rng.random(n) * (1 - np.exp(-span / (p.tenure_scale_years * 365.25))))
    )  # exponential truncated at the oldest allowed first order
    first_days = np.where(
        is_new, rng.integers(1, cal.d6 + 1, n), cal.d6 + 1 + tenure.astype(np.int64)
    )

    terminated = ~is_new & (rng.random(n) < p.terminated_share / (1 - p.new_share))
    recent = rng.random(n) < p.terminated_recent_share
    terminated_days = np.where(
        recent,
        rng.integers(1, cal.d12 + 1, n),
        rng.integers(cal.d12 + 1, int(p.terminated_max_years_ago * 365.25), n),
    )
    terminated_days = np.where(terminated, terminated_days, -1)

    # last order: recent for most active customers; a few quiet, dormant or inactive
    u = rng.random(n)
    state_edges = np.cumsum([p.inactive_share, p.dormant_share, p.quiet_share])
    last_days = np.minimum(
        1 + rng.exponential(p.recent_order_mean_days, n).astype(np.int64), cal.d3
    )
    last_days = np.where(u < state_edges[2], rng.integers(cal.d3 + 1, cal.d6 + 1, n), last_days)
    last_days = np.where(u < state_edges[1], rng.integers(cal.d6 + 1, cal.d12 + 1, n), last_days)
    last_days = np.where(u < state_edges[0], rng.integers(cal.d12 + 1, cal.d12 + 540, n), last_days)
    last_days = np.where(is_new, rng.integers(0, first_days + 1), last_days)
    last_days = np.where(terminated, terminated_days + rng.integers(0, 61, n), last_days)
    # a first order always precedes the last one (and a termination by a couple of months)
    first_days = np.where(terminated, np.maximum(first_days, terminated_days + 60), first_days)
    first_days = np.minimum(np.maximum(first_days, last_days), max_days)

    winback = ~terminated | (rng.random(n) < p.winback_share)

    complaints = np.where(
        rng.random(n) < p.complaint_share, 1 + rng.poisson(p.extra_complaints_mean, n), 0
    )

    # bigger customers are ranked more often; mean share stays ranked_share
    size_pct = np.empty(n)
    size_pct[np.argsort(revenue, kind="stable")] = np.arange(1, n + 1) / n
    ranked = rng.random(n) < np.minimum(1.0, 2 * p.ranked_share * size_pct)
    rank = np.ceil(p.rank_max * rng.random(n) ** p.rank_skew).clip(1, p.rank_max)
    rank = np.where(ranked, rank, 0).astype(np.int64)

    running = (business_type == 2) & (rng.random(n) < p.project_active_share)
    project_value = np.where(
        running, p.project_value_median * np.exp(rng.normal(0, p.project_value_log_sigma, n)), 0.0
    )

    owner_weights = rng.gamma(p.owner_load_shape, size=p.n_owners)
    owner = rng.choice(p.n_owners, size=n, p=owner_weights / owner_weights.sum())

    return {
        "cluster": cluster,
        "province": province,
        "province_names": np.array(provinces, dtype=object),
        "revenue": revenue,
        "industry": industry,
        "business_type": business_type,
        "growth": growth,
        "drop": drop,
        "first_days": first_days,
        "last_days": last_days,
        "terminated": terminated,
        "terminated_days": terminated_days,
        "winback": winback,
        "complaints": complaints,
        "rank": rank,
        "project_value": project_value,
        "owner": owner,
    }


def _draw_revenue(n: int, rng: np.random.Generator, p: SampleProfile) -> np.ndarray:
    """Full-year revenue: log-linear quantile body with a capped Pareto tail."""
    probs = np.array([q for q, _ in p.revenue_quantiles])
    log_values = np.log([v for _, v in p.revenue_quantiles])
    u = rng.random(n)
    body = np.exp(np.interp(u, probs, log_values))
    tail_p = probs[-1]
    tail_u = np.minimum(u, 1 - 1e-12)
    tail = np.exp(log_values[-1]) * ((1 - tail_p) / (1 - tail_u)) ** (1 / p.revenue_tail_alpha)
    return np.minimum(np.where(u > tail_p, tail, body), p.revenue_cap)


def _force_cases(
    latent: dict[str, np.ndarray], n: int, rng: np.random.Generator, p: SampleProfile
) -> None:
    """Overwrite a few rows so that every segment and rule of domain §3.1 occurs."""
    cases = list(_FORCED_CASES)
    budget = min(len(cases) * p.forced_rows_per_case, int(n * p.forced_rows_max_fraction))
    if budget == 0:
        return
    rows = rng.choice(n, size=budget, replace=False)
    # round-robin, so that a small base still gets every case once before any case twice
    assignment = [cases[i % len(cases)] for i in range(budget)]
    for case in cases:
        idx = rows[[a == case for a in assignment]]
        if idx.size == 0:
            continue
        spec = _FORCED_BASELINE | _FORCED_CASES[case]
        draw = {key: rng.uniform(lo, hi, idx.size) for key, (lo, hi) in spec.items()}
        whole = {key: np.rint(values).astype(np.int64) for key, values in draw.items()}
        latent["revenue"][idx] = draw["revenue"]
        latent["growth"][idx] = draw["growth"]
        latent["drop"][idx] = draw["drop"]
        latent["first_days"][idx] = whole["first_days"]
        latent["complaints"][idx] = whole["complaints"]
        latent["rank"][idx] = whole["rank"]
        latent["project_value"][idx] = draw["project_value"]
        running = draw["project_value"] > 0
        latent["business_type"][idx] = np.where(running, 2, latent["business_type"][idx])
        term = whole["terminated_days"]
        latent["terminated"][idx] = term >= 0
        latent["terminated_days"][idx] = term
        latent["winback"][idx] = True
        last = np.where(term >= 0, term + 5, whole["last_days"])
        latent["last_days"][idx] = np.minimum(last, whole["first_days"])


def _assemble(
    latent: dict[str, np.ndarray],
    n: int,
    rng: np.random.Generator,
    cal: _Calendar,
    p: SampleProfile,
) -> pd.DataFrame:
    """Derive revenue columns, dates and text columns from the latent facts."""
    terminated = latent["terminated"]
    first_days = latent["first_days"]
    last_days = latent["last_days"]

    # Revenue accrues from the first order to the last one (to as-of while orders are recent),
    # quarter by quarter at the customer's trend; the full-year revenue is the latent revenue.
    end = np.where(~terminated & (last_days <= cal.d3), 0, last_days).astype(float)
    start = first_days.astype(float)
    lo, hi = cal.edges[:-1], cal.edges[1:]  # newest quarter first
    overlap = np.minimum(start[:, None], hi) - np.maximum(end[:, None], lo)
    active_share = np.clip(overlap, 0.0, None) / (hi - lo)
    g = latent["growth"][:, None]
    trend = g ** np.arange(3, -1, -1)  # newest quarter has grown the most
    weights = active_share * trend
    weights[:, 0] *= latent["drop"]
    quarters = np.round(latent["revenue"][:, None] * weights / trend.sum(axis=1, keepdims=True), 2)
    last_3m, prev_3m = quarters[:, 0], quarters[:, 1]
    last_6m = np.round(last_3m + prev_3m, 2)
    prev_6m = np.round(quarters[:, 2] + quarters[:, 3], 2)
    revenue_12m = np.round(last_6m + prev_6m, 2)

    terminated_days = latent["terminated_days"]
    until = np.where(terminated, terminated_days, 0)
    cooperation_years = np.floor((first_days - until) / 365.25).astype(np.int64)

    rank = latent["rank"]
    industry_rank = pd.arrays.IntegerArray(rank, mask=rank == 0)  # 0 = no known rank

    industry_names = [i[0] for i in p.industries]
    names, word_pinyin, scope_slug = _company_names(latent, n, rng, p)
    contact, email = _contacts(n, rng, p, word_pinyin, scope_slug)

    columns = {
        "customer_id": _ids(n),
        "name": names,
        "revenue_12m": revenue_12m,
        "revenue_last_6m": last_6m,
        "revenue_prev_6m": prev_6m,
        "revenue_last_3m": last_3m,
        "revenue_prev_3m": prev_3m,
        "first_order_date": cal.dates(first_days),
        "last_order_date": cal.dates(last_days),
        "cooperation_years": cooperation_years,
        "status": _str(_take(("active", "terminated"), terminated.astype(np.int64))),
        "terminated_date": cal.dates(terminated_days, present=terminated),
        "winback_worthy": latent["winback"].astype(bool),
        "open_major_complaints": latent["complaints"].astype(np.int64),
        "project_value": np.round(latent["project_value"], 2),
        "industry_rank": industry_rank,
        "industry": _str(_take(industry_names, latent["industry"])),
        "region": _str(_take(list(latent["province_names"]), latent["province"])),
        "business_type": _str(_take(_BUSINESS_TYPES, latent["business_type"])),
        "owner": _str(_take([f"S{i + 1:03d}" for i in range(p.n_owners)], latent["owner"])),
        "contact": contact,
        "phone": _phones(n, rng, p),
        "wechat": _wechat_ids(n, rng),
        "email": email,
    }
    frame = pd.DataFrame({c: columns[c] for c in COLUMNS})
    return frame


def _relabel(values: pd.Series, labels: dict[str, str], name: str) -> pd.Series:
    unknown = set(values.dropna().unique()) - set(labels)
    if unknown:
        raise ValueError(f"{name} must be one of {sorted(labels)}, got {sorted(unknown)!r}")
    return values.map(labels).astype("str")
