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

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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

# --- vocabularies for names (not shares: drawn uniformly unless the profile says otherwise) ---

# Cities used as a company-name prefix, per province / country.
_CITIES: dict[str, tuple[str, ...]] = {
    "上海": ("上海",),
    "江苏": ("南京", "苏州", "无锡", "常州", "南通", "扬州"),
    "浙江": ("杭州", "宁波", "温州", "绍兴", "嘉兴", "台州"),
    "安徽": ("合肥", "芜湖", "马鞍山"),
    "广东": ("广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州"),
    "北京": ("北京",),
    "天津": ("天津",),
    "河北": ("石家庄", "唐山", "保定", "廊坊"),
    "四川": ("成都", "绵阳", "德阳"),
    "重庆": ("重庆",),
    "湖北": ("武汉", "宜昌", "襄阳"),
    "湖南": ("长沙", "株洲", "湘潭"),
    "江西": ("南昌", "赣州", "九江"),
    "山东": ("济南", "青岛", "烟台", "潍坊"),
    "福建": ("福州", "厦门", "泉州"),
    "河南": ("郑州", "洛阳", "新乡"),
    "陕西": ("西安", "宝鸡"),
    "辽宁": ("沈阳", "大连"),
    "新加坡": ("新加坡",),
    "马来西亚": ("马来西亚", "吉隆坡"),
    "泰国": ("泰国", "曼谷"),
    "越南": ("越南", "胡志明"),
    "印度尼西亚": ("印尼", "雅加达"),
    "德国": ("德国",),
    "法国": ("法国",),
    "英国": ("英国",),
    "意大利": ("意大利",),
}
_BRANDS = ("中天", "华夏", "东方", "国信", "长城", "金桥", "新世纪", "中联", "环宇", "汇通")

# Two-character trade names are built from a first and a second character (with pinyin, which
# also gives the corporate email domain).
_WORD_FIRST = (
    ("华", "hua"), ("恒", "heng"), ("宏", "hong"), ("瑞", "rui"), ("金", "jin"), ("鑫", "xin"),
    ("鼎", "ding"), ("永", "yong"), ("嘉", "jia"), ("博", "bo"), ("创", "chuang"), ("凯", "kai"),
    ("天", "tian"), ("联", "lian"), ("众", "zhong"), ("启", "qi"), ("海", "hai"), ("合", "he"),
    ("安", "an"), ("德", "de"), ("润", "run"), ("浩", "hao"), ("卓", "zhuo"), ("佳", "jia"),
    ("光", "guang"), ("明", "ming"), ("振", "zhen"), ("和", "he"), ("百", "bai"), ("万", "wan"),
    ("祥", "xiang"), ("锦", "jin"), ("诚", "cheng"), ("荣", "rong"), ("立", "li"), ("思", "si"),
    ("昊", "hao"), ("泓", "hong"), ("汇", "hui"), ("坤", "kun"), ("伟", "wei"), ("富", "fu"),
    ("广", "guang"), ("鸿", "hong"), ("宝", "bao"), ("骏", "jun"), ("奥", "ao"), ("东", "dong"),
)  # fmt: skip
_WORD_SECOND = (
    ("泰", "tai"), ("达", "da"), ("通", "tong"), ("源", "yuan"), ("丰", "feng"), ("盛", "sheng"),
    ("信", "xin"), ("新", "xin"), ("远", "yuan"), ("康", "kang"), ("力", "li"), ("晟", "sheng"),
    ("越", "yue"), ("美", "mei"), ("昌", "chang"), ("升", "sheng"), ("拓", "tuo"), ("顺", "shun"),
    ("辉", "hui"), ("腾", "teng"), ("茂", "mao"), ("航", "hang"), ("益", "yi"), ("捷", "jie"),
    ("宇", "yu"), ("科", "ke"), ("峰", "feng"), ("隆", "long"), ("成", "cheng"), ("方", "fang"),
    ("兴", "xing"), ("华", "hua"), ("威", "wei"), ("恒", "heng"), ("元", "yuan"), ("瀚", "han"),
    ("睿", "rui"), ("阳", "yang"), ("林", "lin"), ("川", "chuan"), ("邦", "bang"), ("业", "ye"),
)  # fmt: skip

# Industry-flavoured business-scope words (with an English slug for the email domain).
_SCOPES: dict[str, tuple[tuple[str, str], ...]] = {
    "汽车零部件": (("汽车零部件", "auto"), ("汽配", "autoparts"), ("精密部件", "precision")),
    "电子制造": (("电子科技", "tech"), ("电子", "elec"), ("微电子", "micro")),
    "机械设备": (("机械设备", "machinery"), ("重工", "heavy"), ("智能装备", "equip")),
    "化工": (("化工", "chem"), ("新材料", "material"), ("化学", "chemical")),
    "食品加工": (("食品", "food"), ("食品科技", "foodtech"), ("农业发展", "agri")),
    "纺织服装": (("纺织", "textile"), ("服饰", "fashion"), ("织造", "weaving")),
    "物流": (("物流", "logistics"), ("供应链管理", "scm"), ("国际货运代理", "freight")),
    "金融": (("融资租赁", "leasing"), ("投资管理", "invest"), ("商业保理", "factoring")),
    "零售": (("商贸", "trade"), ("连锁超市", "mart"), ("百货", "retail")),
    "信息技术": (("信息技术", "it"), ("软件", "soft"), ("网络科技", "net"), ("数据科技", "data")),
    "医疗健康": (("医疗器械", "med"), ("生物科技", "bio"), ("健康管理", "health")),
    "政府机关": (("城市建设投资", "ct"), ("国有资本运营", "gz"), ("产业园区开发", "park")),
    "公用事业": (("水务", "water"), ("燃气", "gas"), ("热力", "heat"), ("环保", "eco")),
    "教育": (("教育科技", "edu"), ("教育咨询", "education"), ("职业培训", "training")),
    "交通运输": (("交通运输", "transit"), ("公交", "bus"), ("港务", "port")),
}

# Surnames in order of frequency (weighted by the profile's Zipf exponent) and given-name
# characters, both with pinyin for email addresses.
_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
)  # fmt: skip
_GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("华", "hua"), ("建", "jian"), ("国", "guo"),
    ("文", "wen"), ("辉", "hui"), ("玲", "ling"), ("鹏", "peng"), ("宇", "yu"), ("浩", "hao"),
    ("婷", "ting"), ("雪", "xue"), ("晨", "chen"), ("欣", "xin"), ("志", "zhi"), ("红", "hong"),
    ("宁", "ning"), ("斌", "bin"), ("琳", "lin"), ("凯", "kai"),
)  # fmt: skip

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


def _company_names(
    latent: dict[str, np.ndarray], n: int, rng: np.random.Generator, p: SampleProfile
) -> tuple[pd.Series, pa.Array, pa.Array]:
    """Unique company names: city or brand + trade name + business scope + legal form."""
    provinces = list(latent["province_names"])
    city_vocab = [c for prov in provinces for c in _CITIES[prov]]
    city_count = np.array([len(_CITIES[prov]) for prov in provinces])
    city_offset = np.concatenate([[0], np.cumsum(city_count)[:-1]])
    prov = latent["province"]
    city = city_offset[prov] + (rng.random(n) * city_count[prov]).astype(np.int64)
    brand = len(city_vocab) + rng.integers(0, len(_BRANDS), n)
    prefix = np.where(rng.random(n) < p.city_prefix_share, city, brand)

    first = rng.integers(0, len(_WORD_FIRST), n)
    second = rng.integers(0, len(_WORD_SECOND), n)

    industry_names = [i[0] for i in p.industries]
    scope_vocab = [s for ind in industry_names for s in _SCOPES[ind]]
    scope_count = np.array([len(_SCOPES[ind]) for ind in industry_names])
    scope_offset = np.concatenate([[0], np.cumsum(scope_count)[:-1]])
    ind = latent["industry"]
    scope = scope_offset[ind] + (rng.random(n) * scope_count[ind]).astype(np.int64)
    legal = (rng.random(n) < p.joint_stock_share).astype(np.int64)

    base = _join(
        _take(city_vocab + list(_BRANDS), prefix),
        _take([c for c, _ in _WORD_FIRST], first),
        _take([c for c, _ in _WORD_SECOND], second),
        _take([s for s, _ in scope_vocab], scope),
        _take(("有限公司", "股份有限公司"), legal),
    )
    # a repeated name gets a deterministic number: the 2nd occurrence (2), the 3rd (3), ...
    codes = pc.dictionary_encode(base).indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    position = np.arange(n)
    occurrence = np.empty(n, dtype=np.int64)
    occurrence[order] = position - np.maximum.accumulate(np.where(starts, position, 0))
    numbered = _join(base, "（", pc.cast(pa.array(occurrence + 1), pa.large_string()), "）")
    names = pc.if_else(pa.array(occurrence > 0), numbered, base)

    word_pinyin = _join(
        _take([y for _, y in _WORD_FIRST], first), _take([y for _, y in _WORD_SECOND], second)
    )
    scope_slug = _take([y for _, y in scope_vocab], scope)
    return _str(names), word_pinyin, scope_slug


def _contacts(
    n: int, rng: np.random.Generator, p: SampleProfile, word_pinyin: pa.Array, scope: pa.Array
) -> tuple[pd.Series, pd.Series]:
    """Contact person names (联系人) and their email addresses."""
    surname_weights = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** p.surname_zipf
    surname = rng.choice(len(_SURNAMES), size=n, p=surname_weights / surname_weights.sum())
    given1 = rng.integers(0, len(_GIVEN), n)
    # index len(_GIVEN) is the empty second character of a one-character given name
    given2 = np.where(
        rng.random(n) < p.single_given_name_share, len(_GIVEN), rng.integers(0, len(_GIVEN), n)
    )
    given_han = [c for c, _ in _GIVEN] + [""]
    given_py = [y for _, y in _GIVEN] + [""]
    contact = _join(
        _take([c for c, _ in _SURNAMES], surname),
        _take(given_han, given1),
        _take(given_han, given2),
    )

    sur_py = _take([y for _, y in _SURNAMES], surname)
    full = _join(sur_py, _take(given_py, given1), _take(given_py, given2))
    initials = _join(
        pc.utf8_slice_codeunits(sur_py, 0, 1),
        pc.utf8_slice_codeunits(_take(given_py, given1), 0, 1),
        pc.utf8_slice_codeunits(_take(given_py, given2), 0, 1),
    )
    tld = rng.choice(len(p.corporate_tld_shares), size=n, p=[t[1] for t in p.corporate_tld_shares])
    domain = _join(word_pinyin, "-", scope, _take([t for t, _ in p.corporate_tld_shares], tld))
    qq_number = pc.cast(pa.array(rng.integers(10_000, 3_000_000_000, n)), pa.large_string())
    netease = _join(full, pc.cast(pa.array(rng.integers(1970, 2005, n)), pa.large_string()))
    kind = rng.choice(4, size=n, p=list(p.email_kind_shares))
    local = pc.case_when(
        pc.make_struct(*(pa.array(kind == k) for k in range(3))),
        full,
        initials,
        qq_number,
        netease,
    )
    host = pc.case_when(
        pc.make_struct(pa.array(kind <= 1), pa.array(kind == 2)),
        domain,
        pa.scalar("qq.com", pa.large_string()),
        pa.scalar("163.com", pa.large_string()),
    )
    email = _join(local, "@", host)
    return _str(contact), _str(email)


def _ids(n: int) -> pd.Series:
    """Customer ids C000001, ... zero padded to fit n (at least six digits)."""
    width = max(6, len(str(n)))
    return _str(_fixed_width(b"C", np.arange(1, n + 1), width))


def _phones(n: int, rng: np.random.Generator, p: SampleProfile) -> pd.Series:
    """Mainland mobile numbers: 1, a second digit 3-9, nine more digits."""
    second = rng.choice(
        [d for d, _ in p.phone_second_digit_shares],
        size=n,
        p=[s for _, s in p.phone_second_digit_shares],
    )
    number = (10 + second) * 1_000_000_000 + rng.integers(0, 1_000_000_000, n)
    return _str(_fixed_width(b"", number, 11))


def _wechat_ids(n: int, rng: np.random.Generator) -> pd.Series:
    """WeChat ids like wx_ab12cd34."""
    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    body = alphabet[rng.integers(0, alphabet.size, (n, 8))]
    prefix = np.broadcast_to(np.frombuffer(b"wx_", dtype=np.uint8), (n, 3))
    return _str(_from_bytes(np.hstack([prefix, body])))


def _fixed_width(prefix: bytes, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded decimal ``numbers``, built from a byte matrix (no Python loop)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (numbers[:, None] // powers % 10 + ord("0")).astype(np.uint8)
    head = np.broadcast_to(np.frombuffer(prefix, dtype=np.uint8), (numbers.size, len(prefix)))
    return _from_bytes(np.hstack([head, digits]))


def _from_bytes(matrix: np.ndarray) -> pa.Array:
    """An Arrow string array whose i-th value is the ASCII row ``matrix[i]``."""
    rows, width = matrix.shape
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int64)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and literal strings."""
    items = [pa.scalar(x, pa.large_string()) if isinstance(x, str) else x for x in parts]
    return pc.binary_join_element_wise(*items, pa.scalar("", pa.large_string()))


def _take(vocab, idx: np.ndarray) -> pa.Array:
    return pa.array(list(vocab), pa.large_string()).take(pa.array(idx))


def _str(values: pa.Array) -> pd.Series:
    return pd.Series(values.to_pandas(), dtype="str")


def _relabel(values: pd.Series, labels: dict[str, str], name: str) -> pd.Series:
    unknown = set(values.dropna().unique()) - set(labels)
    if unknown:
        raise ValueError(f"{name} must be one of {sorted(labels)}, got {sorted(unknown)!r}")
    return values.map(labels).astype("str")
