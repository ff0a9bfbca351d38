"""The shares and shape parameters the sample customer base is drawn with.

They describe the synthetic data only (:func:`revisitkit.sample.generate_customers` and the
sample roster's names); the campaign's own rules and thresholds live in the campaign
configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILE", "SampleProfile"]


@dataclass(frozen=True)
class SampleProfile:
    """Shares and shape parameters of the synthetic customer base.

    They describe the sample data only; the campaign's rules and thresholds live in the campaign
    configuration. Shares inside one group sum to 1 (checked on construction).
    """

    # --- revenue_12m: a customer's purchases over a full year at its own trend, CNY ---
    # Quantile knots (probability, CNY) of a log-linear body. After partial years (new,
    # quiet, terminated customers) the observed median is ~300k, the top 20% of active
    # customers start around 1.8M (so customers of 1-1.8M are "regular", not "core"), and a
    # handful (~0.35%) exceed 10M.
    revenue_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 4_000.0),
        (0.05, 28_000.0),
        (0.25, 140_000.0),
        (0.50, 460_000.0),
        (0.80, 2_200_000.0),
        (0.95, 4_500_000.0),
        (0.99, 6_000_000.0),
        (0.999, 11_000_000.0),
    )
    # Above the last knot a Pareto tail (the "strategic" accounts); capped at the largest
    # plausible single customer.
    revenue_tail_alpha: float = 1.6
    revenue_cap: float = 800_000_000.0

    # --- trend: quarter-on-quarter growth factor g (last_6m / prev_6m = g**2 over a full year) ---
    growth_log_sigma: float = 0.05  # most customers: flat with noise
    growing_share: float = 0.06  # customers on a clear growth path
    growing_log_mean: float = 0.17  # their g ~ 1.19, i.e. last_6m ~ 1.4 x prev_6m
    drop_share: float = 0.025  # customers whose latest quarter collapses (churn warning)
    drop_factor_range: tuple[float, float] = (0.1, 0.6)  # latest quarter x this factor

    # --- life cycle ---
    new_share: float = 0.08  # first order within the last 6 months (half of them within 90 days)
    tenure_scale_years: float = 4.0  # exponential tenure of established customers
    max_cooperation_years: int = 15
    terminated_share: float = 0.06
    terminated_recent_share: float = 0.78  # of the terminated: within the last 12 months
    terminated_max_years_ago: float = 3.0
    winback_share: float = 0.80  # of the terminated: worth winning back
    inactive_share: float = 0.035  # active but no order for more than 12 months
    dormant_share: float = 0.04  # last order 6-12 months ago
    quiet_share: float = 0.04  # last order 3-6 months ago
    recent_order_mean_days: float = 18.0  # everyone else ordered within the last quarter

    # --- risk and importance ---
    complaint_share: float = 0.04  # at least one open major complaint
    extra_complaints_mean: float = 0.35  # Poisson mean of complaints beyond the first
    ranked_share: float = 0.08  # customers with a known industry rank (bigger ones more often)
    rank_max: int = 500
    rank_skew: float = 1.6  # rank = ceil(rank_max * U**skew): ~13% of ranked are top 20
    project_active_share: float = 0.45  # project-type customers with a project under way
    project_value_median: float = 1_200_000.0
    project_value_log_sigma: float = 1.1  # ~10% of running projects exceed 5M

    # --- geography (§2.2.2): cluster, customer share, revenue share, provinces with weights ---
    # Revenue shares are reached by scaling each cluster's revenue by revenue/customer share.
    regions: tuple[tuple[str, float, float, tuple[tuple[str, float], ...]], ...] = (
        ("长三角", 0.33, 0.37, (("上海", 0.30), ("江苏", 0.32), ("浙江", 0.28), ("安徽", 0.10))),
        ("珠三角", 0.17, 0.19, (("广东", 1.0),)),
        ("京津冀", 0.15, 0.16, (("北京", 0.55), ("天津", 0.25), ("河北", 0.20))),
        ("成渝", 0.08, 0.07, (("四川", 0.55), ("重庆", 0.45))),
        ("长江中游", 0.12, 0.11, (("湖北", 0.45), ("湖南", 0.35), ("江西", 0.20))),
        (
            "其他省份",
            0.07,
            0.05,
            (("山东", 0.30), ("福建", 0.25), ("河南", 0.20), ("陕西", 0.13), ("辽宁", 0.12)),
        ),
        (
            "东南亚",
            0.05,
            0.03,
            (
                ("新加坡", 0.30),
                ("马来西亚", 0.20),
                ("泰国", 0.20),
                ("越南", 0.20),
                ("印度尼西亚", 0.10),
            ),
        ),
        ("欧洲", 0.03, 0.02, (("德国", 0.40), ("法国", 0.20), ("英国", 0.25), ("意大利", 0.15))),
    )

    # --- industries (§2.1.3): industry, group, share of customers ---
    industries: tuple[tuple[str, str, float], ...] = (
        ("汽车零部件", "manufacturing", 0.09),
        ("电子制造", "manufacturing", 0.10),
        ("机械设备", "manufacturing", 0.09),
        ("化工", "manufacturing", 0.06),
        ("食品加工", "manufacturing", 0.06),
        ("纺织服装", "manufacturing", 0.05),
        ("物流", "services", 0.08),
        ("金融", "services", 0.05),
        ("零售", "services", 0.08),
        ("信息技术", "services", 0.09),
        ("医疗健康", "services", 0.05),
        ("政府机关", "public", 0.05),
        ("公用事业", "public", 0.05),
        ("教育", "public", 0.05),
        ("交通运输", "public", 0.05),
    )
    # Business type (§2.1.2) shares (product, service, project) per industry group.
    business_type_shares: tuple[tuple[str, tuple[float, float, float]], ...] = (
        ("manufacturing", (0.70, 0.15, 0.15)),
        ("services", (0.20, 0.65, 0.15)),
        ("public", (0.15, 0.35, 0.50)),
    )

    # --- account managers: uneven load, gamma-distributed weights ---
    n_owners: int = 60
    owner_load_shape: float = 6.0  # smaller = more uneven

    # --- names and contacts ---
    city_prefix_share: float = 0.70  # company names starting with a city, the rest with a brand
    joint_stock_share: float = 0.20  # 股份有限公司 rather than 有限公司
    single_given_name_share: float = 0.35  # contact names with a one-character given name
    surname_zipf: float = 0.9  # surname weight ~ 1 / rank**zipf
    # email kinds: corporate full pinyin, corporate initials, QQ mail, NetEase 163 mail
    email_kind_shares: tuple[float, float, float, float] = (0.55, 0.15, 0.15, 0.15)
    corporate_tld_shares: tuple[tuple[str, float], ...] = (
        (".com", 0.60),
        (".com.cn", 0.25),
        (".cn", 0.15),
    )
    # second digit of a mainland mobile number (13x, 15x, 18x, ...)
    phone_second_digit_shares: tuple[tuple[int, float], ...] = (
        (3, 0.30),
        (5, 0.20),
        (8, 0.25),
        (7, 0.08),
        (9, 0.10),
        (6, 0.04),
        (4, 0.03),
    )

    # --- guarantees: rows overwritten so that every segment and rule occurs ---
    forced_rows_per_case: int = 4
    forced_rows_max_fraction: float = 0.10  # never more than this share of the base

    def __post_init__(self) -> None:
        groups = {
            "regions customer shares": [r[1] for r in self.regions],
            "regions revenue shares": [r[2] for r in self.regions],
            "industries shares": [i[2] for i in self.industries],
            "email_kind_shares": list(self.email_kind_shares),
            "corporate_tld_shares": [t[1] for t in self.corporate_tld_shares],
            "phone_second_digit_shares": [d[1] for d in self.phone_second_digit_shares],
        }
        groups |= {f"regions {r[0]} provinces": [p[1] for p in r[3]] for r in self.regions}
        groups |= {f"business_type_shares {g}": list(s) for g, s in self.business_type_shares}
        for name, shares in groups.items():
            if abs(sum(shares) - 1.0) > 1e-9:
                raise ValueError(f"{name} must sum to 1, got {sum(shares)!r}")


#: The profile the bundled sample and the benchmark are drawn from.
PROFILE = SampleProfile()
