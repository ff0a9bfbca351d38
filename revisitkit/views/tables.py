"""Labelled tables: the plan's results as people read them (Chinese and English headers, names
for codes, masked contacts), shared by the workbook, the dashboards and the static report."""

from __future__ import annotations

import pandas as pd

from revisitkit.config import Config
from revisitkit.schema import RESPONSE_LEVELS
from revisitkit.views.labels import (
    ALL_LABEL,
    PLAN_HEADERS_ZH,
    STATUS_LABELS,
    YES_NO,
    channel_words,
    channels_label,
    cny,
    kpi_label,
    label_maps,
    reason_words,
    short,
    signed_cny,
)
from revisitkit.views.privacy import mask_personal


def high_priority_list(
    plan: pd.DataFrame, customers: pd.DataFrame, config: Config, limit: int | None = 50
) -> pd.DataFrame:
    """High-priority customers, earliest deadline and largest revenue first, for people.

    Contacts are masked; reasons are spelled out in words.
    """
    high = plan[plan["priority"] == "high"].sort_values(
        ["deadline", "revenue_12m"], ascending=[True, False], kind="stable"
    )
    if limit is not None:
        high = high.head(limit)
    people = mask_personal(
        customers.loc[high.index, [c for c in ("contact", "phone") if c in customers]]
    )
    labels = label_maps(config)
    out = pd.DataFrame(
        {
            PLAN_HEADERS_ZH["customer_id"]: high["customer_id"],
            PLAN_HEADERS_ZH["name"]: high["name"],
            PLAN_HEADERS_ZH["value_segment"]: high["value_segment"].map(labels["value_segment"]),
            PLAN_HEADERS_ZH["deadline"]: high["deadline"].dt.strftime("%Y-%m-%d"),
            PLAN_HEADERS_ZH["reasons"]: reason_words(high["reasons"], config),
            PLAN_HEADERS_ZH["channels"]: channels_label(high["channels"], config),
            PLAN_HEADERS_ZH["owner"]: high.get("owner", pd.Series("", index=high.index)),
        }
    )
    if "contact" in people:
        out["联系人"] = people["contact"]
    if "phone" in people:
        out["电话"] = people["phone"]
    return out


# ------------------------------------------------------------------------------ risk register
def top_risks_table(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The highest-scoring risks as managers read them (Chinese headers, short labels)."""
    top = frame.sort_values(["score", "id"], ascending=[False, True], kind="stable").head(limit)
    return pd.DataFrame(
        {
            "编号 ID": top["id"],
            "风险 Risk": top["title"],
            "类别 Category": top["category_label"].map(short),
            "可能性×影响 L×I": top["likelihood"].astype(str) + "×" + top["impact"].astype(str),
            "分值 Score": top["score"],
            "等级 Level": top["level_label"].map(short),
            "剩余 Residual": top["residual_score"].astype(str)
            + " "
            + top["residual_level_label"].map(short),
            "负责人 Owner": top["owner_label"].map(short),
            "策略 Strategy": top["strategy_label"].map(short),
            "响应时限 SLA": top["sla_hours"].astype(str) + " h",
            "状态 Status": top["status_label"].map(short),
            "下次复核 Review": top["next_review"].astype(str),
        }
    )


def overdue_reviews(frame: pd.DataFrame, today) -> pd.DataFrame:
    """Open or monitored risks whose next review date has passed."""
    due = pd.to_datetime(frame["next_review"], errors="coerce")
    late = frame[(frame["status"] != "closed") & (due < pd.Timestamp(today))]
    return pd.DataFrame(
        {
            "编号 ID": late["id"],
            "风险 Risk": late["title"],
            "负责人 Owner": late["owner_label"].map(short),
            "应复核 Due": late["next_review"].astype(str),
            "逾期天数 Days late": (pd.Timestamp(today) - due[late.index]).dt.days,
        }
    )


def owners_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Risks per owner role: how many, the highest score, how many still open."""
    grouped = frame.groupby("owner_label", sort=False)
    table = pd.DataFrame(
        {
            "风险数 Risks": grouped.size(),
            "最高分值 Top score": grouped["score"].max(),
            "未关闭 Not closed": grouped["status"].apply(lambda s: int((s != "closed").sum())),
        }
    ).sort_values(["最高分值 Top score", "风险数 Risks"], ascending=False)
    table.index = [short(i) for i in table.index]
    return table


def sla_table(config: Config) -> pd.DataFrame:
    """Response levels and their hours (§7.2)."""
    return pd.DataFrame(
        {
            "响应级别 Level": list(RESPONSE_LEVELS.values()),
            "响应时限 Hours": [f"{config.problems.response_hours()[k]} h" for k in RESPONSE_LEVELS],
        }
    )


def signals_table(signals: pd.DataFrame) -> pd.DataFrame:
    """Live signals beside the stored likelihood they would raise."""
    return pd.DataFrame(
        {
            "信号 Signal": signals["signal_label"],
            "关联风险 Risk": signals["risk_id"].fillna("") + " " + signals["risk_title"].fillna(""),
            "触发 Fired": signals["fired"].map({True: "⚠ 是 yes", False: "否 no"}),
            "当前可能性 Stored": signals["likelihood"],
            "建议可能性 Suggested": signals["suggested_likelihood"],
            "依据 Why": signals["reason"],
        }
    )


def role_load_table(sp, config: Config) -> pd.DataFrame:
    """Per role: people, tasks, booked and available hours, utilisation, the busiest person."""
    st = sp.staff_table()
    rows = []
    for role, label in config.staffing.roles.items():
        mine = st[st["role"] == role]
        if mine.empty:
            continue
        cap = mine["capacity_hours"].sum()
        busiest = mine.sort_values(["utilisation", "staff_id"], ascending=[False, True]).iloc[0]
        rows.append(
            {
                "岗位 Role": label,
                "人数 People": len(mine),
                "人次任务 Person-tasks": f"{int(mine['tasks'].sum()):,}",
                "已排小时 Booked h": f"{mine['booked_hours'].sum():,.0f}",
                "可用小时 Capacity h": f"{cap:,.0f}",
                "负荷率 Utilisation": f"{mine['booked_hours'].sum() / cap:.0%}" if cap else "—",
                "最忙 Busiest": f"{busiest.get('name', busiest['staff_id'])} {busiest['utilisation']:.0%}"
                if pd.notna(busiest["utilisation"])
                else "—",
            }
        )
    return pd.DataFrame(rows)


def _role_and_cluster(frame: pd.DataFrame, config: Config) -> dict[str, pd.Series]:
    """The role and region-cluster columns of a staffing table, in words."""
    clusters = label_maps(config)["region_cluster"]
    roles = config.staffing.roles
    return {
        "岗位 Role": frame["role"].map(lambda r: roles.get(r, r)),
        "区域 Cluster": frame["region_cluster"].map(lambda c: clusters.get(c, c)),
    }


def gap_table(sp, config: Config) -> pd.DataFrame:
    """The verified capacity gap by role and cluster (empty when there is none): the extra
    person-days that put every task on time (at 100%), beside them those that also keep
    everyone at the levelling target (:meth:`StaffingPlan.above_target`), the lower bound
    they were searched from, and what the reserve pool closes. The same table on the dashboard and in the workbook."""
    gap = sp.gap_frame()
    columns = {
        **_role_and_cluster(gap, config),
        "需补充人天 Extra person-days": gap["extra_person_days_verified"],
    }
    target = sp.schedule.target
    if target is not None:  # what is missing to stay at the target, beside what is at 100%
        at = sp.above_target().set_index(["role", "region_cluster"])
        keys = pd.MultiIndex.from_frame(gap[["role", "region_cluster"]].astype(str))
        columns[f"保持{target:.0%}需补人天 At {target:.0%}"] = (
            at["extra_person_days_at_target"].reindex(keys).fillna(0).astype(int).to_numpy()
        )
    return pd.DataFrame(
        {
            **columns,
            "下限 Lower bound": gap["extra_person_days_bound"],
            "储备池可补足 Reserve closes it": gap["closed_by_reserve"].map(
                lambda v: "—" if pd.isna(v) else YES_NO[bool(v)]
            ),
            "储备后仍缺 Left after reserve": gap["extra_person_days_after_reserve"],
            "储备人天 Reserve person-days": gap["reserve_person_days"].astype(float).round(1),
        }
    )


def gap_note(sp) -> str | None:
    """Why there is no gap table: not measured, or no gap; ``None`` when there is one."""
    if sp.gap is None:
        return "未计算 not measured"
    if sp.gap_frame().empty:
        return "无缺口：现有人员可按期完成全部任务 none: every task is on time with these people"
    return None


def attainment_table(sp, config: Config) -> pd.DataFrame:
    """Deadline attainment per priority and overall."""
    att = sp.attainment()
    labels = dict(config.priority.labels) | {"all": ALL_LABEL}
    return pd.DataFrame(
        {
            "优先级 Priority": att["priority"].map(labels),
            "任务 Tasks": att["tasks"],
            "按期 On time": att["on_time"],
            "逾期 Late": att["late"],
            "未排 Unscheduled": att["unscheduled"],
            "按期率 On-time share": att["on_time_share"].round(4),
        }
    )


def workload_table(sp, config: Config) -> pd.DataFrame:
    """Booked hours against capacity per week and role."""
    wl = sp.workload()
    roles = dict(config.staffing.roles)
    return pd.DataFrame(
        {
            "周 Week": wl["week"],
            "岗位 Role": wl["role"].map(roles).fillna(wl["role"]),
            "已排小时 Booked h": wl["booked_hours"].round(1),
            "可用小时 Capacity h": wl["capacity_hours"].round(1),
            "负荷率 Utilisation": wl["utilisation"].astype(float).round(3),
        }
    )


def staff_load_table(sp, config: Config) -> pd.DataFrame:
    """Each person's tasks, booked and available hours, first and last day."""
    st = sp.staff_table()
    roles = dict(config.staffing.roles)
    return pd.DataFrame(
        {
            "员工编号 Staff": st["staff_id"],
            "姓名 Name": st["name"],
            "岗位 Role": st["role"].map(roles).fillna(st["role"]),
            "区域 Region": st["region"],
            "任务 Tasks": st["tasks"],
            "已排小时 Booked h": st["booked_hours"].round(1),
            "可用小时 Capacity h": st["capacity_hours"].round(1),
            "负荷率 Utilisation": st["utilisation"].astype(float).round(3),
            "首日 First day": st["first_day"].dt.strftime("%Y-%m-%d").fillna(""),
            "末日 Last day": st["last_day"].dt.strftime("%Y-%m-%d").fillna(""),
        }
    )


def shortfall_table(sp, config: Config) -> pd.DataFrame:
    """Work missing its deadline by role and cluster (live, from the current schedule)."""
    short = sp.shortfall()
    return pd.DataFrame(
        {
            **_role_and_cluster(short, config),
            "未按期任务 Tasks": short["tasks"],
            "人天 Person-days": short["person_days"].round(1),
        }
    )


def missing_roles_table(sp, config: Config) -> pd.DataFrame:
    """The roles no one on the roster has (:attr:`StaffingPlan.missing`), in words: role,
    cluster, tasks left unscheduled, person-days and the people to add at least."""
    missing = sp.missing
    return pd.DataFrame(
        {
            **_role_and_cluster(missing, config),
            "未排任务 Unscheduled tasks": missing["tasks"],
            "人天 Person-days": missing["person_days"].round(1),
            "至少需增加 People to add (at least)": missing["people"],
        }
    )


def missed_tasks_table(
    sp, plan: pd.DataFrame, config: Config, limit: int | None = 30
) -> pd.DataFrame:
    """Tasks that miss their deadline: urgent first, then priority, by how much (all of them
    with ``limit=None``)."""
    gaps = sp.schedule.gaps()
    if limit is not None:
        gaps = gaps.head(limit)
    names = dict(zip(plan["customer_id"], plan["name"], strict=False))
    channels = channel_words(config)
    labels = label_maps(config)["priority"]
    return pd.DataFrame(
        {
            "客户 Customer": gaps["customer_id"] + " " + gaps["customer_id"].map(names).fillna(""),
            "回访方式 Channel": gaps["channel"].map(channels).fillna(gaps["channel"]),
            "优先级 Priority": gaps["priority"].map(labels),
            "预警 Churn warning": gaps["urgent"].map({True: "⚠", False: ""}),
            "截止 Deadline": gaps["deadline"].dt.strftime("%m-%d"),
            "安排 Scheduled": gaps["date"].dt.strftime("%m-%d").fillna("未排 none"),
            "逾期天数 Days late": gaps["late_days"].astype("string").fillna("—"),
        }
    )


def budget_split_table(bp) -> pd.DataFrame:
    cats = bp.categories()
    return pd.DataFrame(
        {
            "类别 Category": cats["label"],
            "目标 Target": cats["target_share"].map(lambda v: f"{v:.0%}"),
            "预算 Budget": cats["top_down"].map(cny),
            "计划成本 Plan cost": cats["bottom_up"].map(cny),
            "成本占比 Cost share": cats["bottom_up_share"].map(lambda v: f"{v:.1%}"),
            "差额 Gap": cats["gap"].map(signed_cny),
        }
    )


def budget_by_table(bp, column: str, config: Config) -> pd.DataFrame:
    t = bp.by(column)
    mapping = label_maps(config).get(column, {})
    return pd.DataFrame(
        {
            "组 Group": t[column].map(lambda v: mapping.get(v, v)),
            "客户 Customers": t["customers"].map(lambda v: f"{v:,}"),
            "成本 Cost": t["cost"].map(cny),
            "每客户 Per customer": t["cost_per_customer"].map(cny),
            "预期回报 Return": t["expected_return"].map(cny),
            "ROI": t["roi"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
        }
    )


def allocation_table(alloc, config: Config) -> pd.DataFrame:
    g = alloc.groups
    seg = label_maps(config)["value_segment"]
    prio = config.priority.labels
    return pd.DataFrame(
        {
            "分层 Segment": g["value_segment"].map(lambda v: seg.get(v, v)),
            "优先级 Priority": g["priority"].map(lambda v: prio.get(v, v)),
            "客户 Customers": g["customers"],
            "覆盖 Covered": g["covered"],
            "支出 Spend": g["spend"].map(cny),
            "预期回报 Return": g["expected_return"].map(cny),
        }
    )


def variance_table(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "月份 Month": table["month"],
            "类别 Category": table["category"].map(config.budget.labels),
            "计划 Planned": table["planned_cny"].map(cny),
            "实际 Actual": table["actual_cny"].map(cny),
            "差异 Variance": table["variance_cny"].map(signed_cny),
            "超支 Overspend": table["overspend"].map({True: "⚠ 是 yes", False: ""}),
        }
    )


def kpi_table(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The KPI table for people: labels, scopes in words, statuses in Chinese and English."""
    maps = label_maps(config)
    names = {
        "value_segment": "分层",
        "priority": "优先级",
        "region_cluster": "区域",
        "owner": "客户经理",
    }

    def scope(text: str) -> str:
        if text == "overall":
            return "全部 overall"
        col, _, key = text.partition(":")
        return f"{names.get(col, col)} {maps.get(col, {}).get(key, key)}"

    return pd.DataFrame(
        {
            "指标 KPI": table["kpi"].map(kpi_label),
            "范围 Scope": table["scope"].map(scope),
            "数值 Value": table["value"].round(4),
            "目标 Target": table["target"].round(4),
            "状态 Status": table["status"].map(STATUS_LABELS).fillna(table["status"]),
            "阶段 Horizon": table["horizon"].map({"short": "短期 1周", "mid": "中期 3个月"}),
            "样本 n": table["n"],
        }
    )


def budget_tables(bp) -> list[tuple[str, pd.DataFrame]]:
    """The budget as titled tables with Chinese headers (the workbook sheet, the report)."""
    config = bp.config
    labels = label_maps(config)
    cats = bp.categories()
    split = pd.DataFrame(
        {
            "类别 Category": cats["label"],
            "目标占比 Target share": cats["target_share"].round(4),
            "预算 Top-down": cats["top_down"].round(2),
            "计划成本 Bottom-up": cats["bottom_up"].round(2),
            "差额 Gap": cats["gap"].round(2),
            "成本占比 Bottom-up share": cats["bottom_up_share"].round(4),
        }
    )
    tables = [("预算拆分：自上而下与自下而上 Split: top-down and bottom-up (CNY)", split)]
    for column, title, mapping in (
        ("value_segment", "按客户分层 By segment", labels["value_segment"]),
        ("priority", "按优先级 By priority", labels["priority"]),
        ("region_cluster", "按区域 By region cluster", labels["region_cluster"]),
    ):
        t = bp.by(column)
        tables.append(
            (
                f"{title} (CNY)",
                pd.DataFrame(
                    {
                        "组 Group": t[column].map(mapping).fillna(t[column]),
                        "客户 Customers": t["customers"],
                        "成本 Cost": t["cost"].round(2),
                        "每客户成本 Per customer": t["cost_per_customer"].round(2),
                        "预期回报 Expected return": t["expected_return"].round(2),
                        "ROI": t["roi"].round(3),
                    }
                ),
            )
        )
    monthly = bp.monthly()
    tables.append(
        (
            "月度计划 Monthly plan (CNY)",
            pd.DataFrame(
                {
                    "月份 Month": monthly["month"],
                    "类别 Category": monthly["category"].map(config.budget.labels),
                    "计划 Planned": monthly["planned_cny"],
                }
            ),
        )
    )
    abc = bp.abc_effort()
    tables.append(
        (
            "ABC 分类的人力投入 Staff hours by ABC class",
            pd.DataFrame(
                {
                    "类别 Class": abc["abc_class"],
                    "小时 Hours": abc["hours"].round(1),
                    "占比 Share": abc["share"].round(4),
                }
            ),
        )
    )
    return tables
