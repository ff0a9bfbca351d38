"""The small campaign of the outcomes and KPI tests: four customers, five contacts.

As of 2026-12-23 (satisfaction on the default 1–5 scale):

====  ==========  ========  ========  ==============================================
id    segment     priority  deadline  channels
====  ==========  ========  ========  ==============================================
A     core        high      12-18     on-site visit + dedicated service (staffed)
B     potential   high      12-18     phone + survey + needs study (staffed)
C     regular     medium    12-31     phone + survey (staffed)
D     inactive    low       01-15     survey + news push (automated: not staffed)
====  ==========  ========  ========  ==============================================

Outcomes: A 12-16 visit (5, NPS 10, 2 problems both solved, 1 suggestion, 1 improvement item,
1 lead worth 500k converted); A 12-17 dedicated service (4, NPS 8); B 12-16 phone not reached;
B 12-19 phone (3, NPS 6, 1 problem unsolved, 2 suggestions, 2 leads, none converted); C 12-20
phone (5, NPS 9, 1 problem solved).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

AS_OF = date(2026, 12, 23)
PLAN = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        "name": ["华东精工", "南方新能", "常规电子", "沉寂实业"],
        "value_segment": ["core", "potential", "regular", "inactive"],
        "priority": ["high", "high", "medium", "low"],
        "deadline": pd.to_datetime(["2026-12-18", "2026-12-18", "2026-12-31", "2027-01-15"]),
        "channels": [
            "onsite_visit+dedicated_service",
            "phone+online_survey+needs_research",
            "phone+online_survey",
            "online_survey+news_push",
        ],
        "region_cluster": ["yangtze_delta", "pearl_delta", "yangtze_delta", "other"],
        "owner": ["S1", "S2", "S1", "S2"],
    }
)
HEADER = (
    "客户编号,回访日期,回访方式,员工编号,是否触达,满意度,推荐意愿,提出问题数,解决问题数,建议数,"
    "改进事项数,商机数,商机金额,转化商机数,备注\n"
)
ROWS = [
    "A,2026-12-16,上门拜访,S1,是,5,10,2,2,1,1,1,500000,1,交付周期偏长",
    "A,2026-12-17,专属客服,S3,是,4,8,0,0,0,0,0,0,0,",
    "B,2026-12-16,电话回访,S2,否,,,0,0,0,0,0,0,0,未接通",
    'B,2026/12/19,phone,S2,是,3,6,1,0,2,0,2,"300,000",0,',
    "C,2026年12月20日,电话回访,S1,yes,5,9,1,1,0,0,0,0,0,",
]
STAFF = ["S1", "S2", "S3"]


def plan_dir(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    frame = PLAN.assign(deadline=PLAN["deadline"].dt.strftime("%Y-%m-%d"))
    frame.to_csv(folder / "customers_plan.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame({"task_id": ["t"] * 3, "staff_id": STAFF}).to_csv(
        folder / "schedule.csv", index=False, encoding="utf-8-sig"
    )
    return folder
