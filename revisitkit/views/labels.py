"""Words people read: Chinese headers, coded values turned into labels, rules explained.

Codes stay English snake_case in data files (they are the contract); what people read in the
workbook, the notebooks and the dashboards is Chinese with English beside it. Rule texts are
templates filled from the config, so a changed threshold shows as changed everywhere.

Example
-------
>>> from revisitkit.config import load_config
>>> rule_text("churn_warning_drop", load_config())
'流失预警：近3个月采购额 ≤ 前3个月的 50% (churn warning: 3-month revenue halved)'
"""

from __future__ import annotations

import pandas as pd

from revisitkit.config import Config
from revisitkit.schema import CUSTOMER_COLUMNS

PLAN_HEADERS_ZH = {
    "value_segment": "价值分层",
    "priority": "优先级",
    "deadline": "截止日期",
    "channels": "回访方式",
    "reasons": "触发规则",
    "abc_class": "ABC分类",
    "industry_group": "行业分组",
    "region_cluster": "区域集群",
    # the input columns keep the headers of the customers contract
    **{c.name: c.zh for c in CUSTOMER_COLUMNS if not c.personal},
}

OTHER_LABEL = "其他 Other"

_RULE_TEXT = {
    "strategic": "战略客户：近12个月采购额 > {r.revenue_12m_over:,.0f} 元 (strategic account)",
    "loyal_core": "忠诚核心客户：核心客户且连续合作 ≥ {r.min_cooperation_years} 年 (loyal core)",
    "major_project": "重大项目：在建项目金额 > {r.project_value_over:,.0f} 元 (major project)",
    "churn_warning_drop": "流失预警：近3个月采购额 ≤ 前3个月的 {r.drop_ratio_max:.0%} "
    "(churn warning: 3-month revenue halved)",
    "churn_warning_complaint": "流失预警：未解决重大投诉 ≥ {r.min_open_major_complaints} 起 "
    "(churn warning: open major complaint)",
    "potential_growth": "增长潜力：近6个月采购额 ≥ 前6个月的 {r.growth_ratio_min:.0%} "
    "(growth potential)",
    "industry_benchmark": "行业标杆：行业排名前 {r.rank_max} (industry benchmark)",
    "regular_active": "普通活跃：近12个月采购额 {r.revenue_12m_min:,.0f}–{r.revenue_12m_max:,.0f} 元"
    "且无未解决重大投诉 (regular active)",
    "new_customer": "新客户：首次合作在 {r.first_order_within_days} 天内 (new customer)",
    "churned_winback": "流失挽回：流失客户，具备挽回价值 (win-back)",
    "default_low": "未触发任何规则，默认低优先级 (no rule fired: low by default)",
}


def rule_text(code: str, config: Config) -> str:
    """A one-line Chinese/English explanation of a reason code, with the config's numbers."""
    rules = config.priority.rules
    if code in _RULE_TEXT:
        rule = getattr(rules, code, None)
        return _RULE_TEXT[code].format(r=rule)
    if code in config.priority.low.segments:
        return f"{segment_label(code, config)}：低优先级轻触达 (light touch)"
    return code


def reason_words(reasons: pd.Series, config: Config) -> pd.Series:
    """``strategic;churn_warning_drop`` → ``战略客户、流失预警`` (the short Chinese name of each rule)."""
    short: dict[str, str] = {}

    def words(combination: str) -> str:
        for code in combination.split(";"):
            if code not in short:
                short[code] = rule_text(code, config).split("：")[0]
        return "、".join(short[c] for c in combination.split(";"))

    return reasons.astype("category").map(words).astype(str)


#: why a dated touch is planned (revisitkit.staffing.touches), in words
TOUCH_REASON_WORDS = {
    "appointment_notice": "拜访前发函 letter before the visit (§2.4.1)",
    "weekly_briefing": "专属客服每周简报 weekly briefing (§2.4.1)",
    "weekly_briefing (cover)": "专属客服每周简报（同事代） weekly briefing, covered (§2.4.1)",
    "survey_after_call": "电话后问卷 survey after the call (§2.4.2)",
    "sms_before_holiday": "节前短信 SMS before the holiday (§2.4.4)",
    "webinar": "节后线上培训 webinar after the holiday (§2.4.4)",
    "automated_push": "自动推送 automated push",
}


def touch_reason_words(reason: str, config: Config) -> str:
    """A touch's reason code in words: ``segment:core`` → the segment's channel plan, rule
    codes → their short names, a dated touch's rule → what it is (``TOUCH_REASON_WORDS``)."""
    reason = "" if reason is None or pd.isna(reason) else str(reason)
    if reason in TOUCH_REASON_WORDS:
        return TOUCH_REASON_WORDS[reason]
    if reason.startswith("segment:"):
        code = reason.split(":", 1)[1]
        if code in dict(config.segments):
            return f"{segment_label(code, config)} 回访方案 channel plan"
        return reason
    if reason in config.priority.labels:
        return f"{config.priority.labels[reason]} 优先级 priority"
    return "、".join(rule_text(c, config).split("：")[0] for c in reason.split(";") if c)


def segment_label(code: str, config: Config) -> str:
    return getattr(config.segments, code).label


def label_maps(config: Config) -> dict[str, dict[str, str]]:
    """Code → label for every coded column of the plan."""
    return {
        "value_segment": {code: seg.label for code, seg in config.segments},
        "priority": dict(config.priority.labels),
        "region_cluster": {k: v.label for k, v in config.region_clusters.items()}
        | {"other": OTHER_LABEL},
        "industry_group": {k: v.label for k, v in config.industry_groups.items()}
        | {"other": OTHER_LABEL},
        "business_type": dict(config.business_types),
    }


def channels_label(channels: pd.Series, config: Config) -> pd.Series:
    """``onsite_visit+dedicated_service`` → ``上门拜访 + 专属客服`` (Chinese part of each label)."""
    short = {code: label.split(" ")[0] for code, label in config.channels.items()}
    uniq = {
        v: " + ".join(short.get(c, c) for c in v.split("+")) for v in channels.dropna().unique()
    }
    return channels.map(uniq)


def labelled_plan(plan: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The plan with coded values shown as labels and Chinese headers (for people)."""
    out = plan.copy()
    for column, mapping in label_maps(config).items():
        if column in out:
            out[column] = out[column].map(mapping).fillna(out[column])
    if "channels" in out:
        out["channels"] = channels_label(out["channels"], config)
    return out.rename(columns=PLAN_HEADERS_ZH)


_SEGMENT_TEXT = {
    "churned": "已终止合作 {s.terminated_within_months} 个月内且具备挽回价值 "
    "(terminated within {s.terminated_within_months} months, worth winning back)",
    "new": "首次合作在近 {s.first_order_within_months} 个月内 "
    "(first order within {s.first_order_within_months} months)",
    "core": "活跃客户中近12个月采购额前 {s.top_share:.0%}（并列计入）或 > {s.revenue_12m_over:,.0f} 元 "
    "(top {s.top_share:.0%} of active customers by revenue, ties included)",
    "potential": "近6个月采购额 ≥ 前6个月的 {s.growth_ratio_min:.0%}，或行业排名前 "
    "{s.industry_rank_max} (growing, or an industry leader)",
    "regular": "活跃客户，近12个月采购额 ≥ {s.revenue_12m_min:,.0f} 元 (regular active)",
    "inactive": "超过 {s.no_order_months} 个月未下单，或终止已超过该期限 (inactive)",
    "marginal": "近12个月采购额 < {s.revenue_12m_below:,.0f} 元 (marginal)",
    "low_frequency": "不满足以上任何分层条件 (none of the above)",
}

#: the inputs shown when a planner asks why a customer landed where it did
_EVIDENCE = (
    "revenue_12m", "revenue_last_6m", "revenue_prev_6m", "revenue_last_3m", "revenue_prev_3m",
    "first_order_date", "last_order_date", "cooperation_years", "status", "terminated_date",
    "winback_worthy", "open_major_complaints", "project_value", "industry_rank",
)  # fmt: skip


def segment_text(code: str, config: Config) -> str:
    """The rule that puts a customer in a value segment, with this config's numbers."""
    return _SEGMENT_TEXT[code].format(s=getattr(config.segments, code))


def explain(
    customer_id: str, plan: pd.DataFrame, customers: pd.DataFrame, config: Config
) -> pd.DataFrame:
    """Why a customer landed where it did: segment rule, every rule that fired, the inputs.

    Personal data is never part of the explanation.
    """
    hits = plan.index[plan["customer_id"] == customer_id]
    if len(hits) == 0:
        raise KeyError(f"customer_id {customer_id!r} is not in the plan")
    row, facts = plan.loc[hits[0]], customers.loc[hits[0]]
    labels = label_maps(config)
    items = [
        ("价值分层 Segment", f"{labels['value_segment'][row['value_segment']]} — "
                           f"{segment_text(row['value_segment'], config)}"),
        ("优先级 Priority", f"{labels['priority'][row['priority']]}, "
                          f"截止 due {row['deadline']:%Y-%m-%d}"),
    ]  # fmt: skip
    items += [
        ("触发规则 Rule fired", f"{code}: {rule_text(code, config)}")
        for code in row["reasons"].split(";")
    ]
    items.append(
        ("回访方式 Channels", channels_label(pd.Series([row["channels"]]), config).iloc[0])
    )
    for column in _EVIDENCE:
        if column in facts.index:
            value = facts[column]
            if isinstance(value, float) and column.startswith(("revenue", "project")):
                value = f"{value:,.2f}"
            elif isinstance(value, pd.Timestamp):
                value = f"{value:%Y-%m-%d}"
            items.append(
                (
                    PLAN_HEADERS_ZH.get(column, column) + f" {column}",
                    "—" if pd.isna(value) else str(value),
                )
            )
    return pd.DataFrame(items, columns=["项目 Item", "内容 Value"])


#: KPI labels for people (revisitkit.kpi).
KPI_LABELS = {
    "satisfaction": "满意度 Satisfaction",
    "nps": "净推荐值 NPS",
    "problem_resolution": "问题解决率 Problem resolution",
    "leads": "商机线索 Leads",
    "lead_conversion": "商机转化率 Lead conversion",
    "suggestions": "改进建议 Suggestions",
    "improvement_items": "跨部门改进事项 Improvement items",
    "on_time": "按期回访率 On time",
    "coverage": "覆盖率 Coverage",
    "core_churn": "核心客户流失率 Core churn",
    "repurchase": "3个月复购率 Repurchase",
    "response_speed": "服务响应速度提升 Response speed vs last year",
    "handling_time": "问题处理时长缩短 Handling time cut vs last year",
    "problem_sla": "问题转办按时率 Problems within SLA",
    "verified_fix": "客户确认解决率 Fixes confirmed by customers",
}


#: The plan's promises (revisitkit.staffing.touches.check_promises), in words.
PROMISE_LABELS = {
    "high_priority_person": "高优先级客户均有专人按期回访 Every high-priority customer met by a person on time",
    "churn_call_48h": "流失预警 48 小时内联系 Churn warnings called within 48 h",
    "letter_before_visit": "上门前 3 个工作日发拜访函 Letter 3 working days before each visit",
    "weekly_briefing": "专属客服每周简报 Weekly briefings of the dedicated service",
    "project_tracking": "重大项目每周跟踪 Major projects tracked every week",
    "second_touch_order": "沟通、激励之后 7 日内二次触达 Second touch after the talk and the offer",
    "specialist_ratio": "专属回访专员 1:5 A named specialist per five core customers",
    "sms_before_holiday": "节前一周短信问候 SMS greeting in the week before the holiday",
    "webinar_after_holiday": "节后一周内线上培训 Training webinar within a week after the holiday",
}


def kpi_label(code: str) -> str:
    return KPI_LABELS.get(code, code)


def kpi_text(kpi: str, value: float) -> str:
    """A KPI value as people read it: scores with one decimal, counts whole, rates in %."""
    if kpi in ("satisfaction", "nps"):
        return f"{value:.1f}"
    if kpi in ("leads", "suggestions", "improvement_items"):
        return f"{value:,.0f}"
    if kpi in ("response_speed", "handling_time"):
        return f"{value:+.1%}"
    return f"{value:.1%}"


#: KPI statuses as people read them (revisitkit.kpi: green met, amber at risk, red missed).
STATUS_LABELS = {
    "green": "达标 met",
    "amber": "有风险 at risk",
    "red": "未达标 missed",
    "n/a": "暂无数据 no data yet",
    "—": "—",
}
#: The traffic-light colours of a status, the same on every dashboard and in the report.
STATUS_COLOURS = {
    "green": "#2e7d32",
    "amber": "#ef8f00",
    "red": "#c62828",
    "n/a": "#9e9e9e",
    "—": "#9e9e9e",
}
#: The campaign's phases (§3), the same words on charts, dashboards and the report.
PHASE_LABELS = {
    "preparation": "准备期 Preparation",
    "execution": "执行期 Execution",
    "summary": "总结期 Summary",
}
#: What a filter shows when nothing is picked, and the campaign-wide row of a table.
ALL_LABEL = "全部 All"
YES_NO = {True: "是 yes", False: "否 no"}


def short(label: str) -> str:
    """The Chinese half of a bilingual label (``"高 High"`` → ``"高"``), for narrow columns.

    >>> short("客户经理 Account manager")
    '客户经理'
    """
    return str(label).split(" ")[0]


def channel_words(config: Config) -> dict[str, str]:
    """Channel codes to their short Chinese names, for schedules and calendars."""
    return {code: short(label) for code, label in config.channels.items()}


def cny(value: float) -> str:
    """Money as people read it, whole yuan with thousands separators.

    >>> cny(1234567.4)
    '¥1,234,567'
    """
    return f"¥{value:,.0f}"


def signed_cny(value: float) -> str:
    """A difference of money with its sign and the ¥ (− for under, + for over).

    >>> signed_cny(-558058.2), signed_cny(61171), signed_cny(0)
    ('−¥558,058', '+¥61,171', '¥0')
    """
    whole = round(value)
    if whole == 0:
        return "¥0"
    return f"{'+' if whole > 0 else '−'}¥{abs(whole):,.0f}"
