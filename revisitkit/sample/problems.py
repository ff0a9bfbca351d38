"""Sample problems handed on (问题转办), simulated from the sample revisit outcomes.

Each problem an outcome raised (its ``problems_raised``) becomes one row of the problems file:
raised during that contact's working day, graded A 5% / B 30% / C 65%, handed to the contact's
staff member or a department; responded to, solved and confirmed with the customer at seeded
delays that mostly keep the SLA (``problems:`` of the config) and sometimes do not. The
contact's ``problems_solved`` are the ones solved; as of the sample's review moment some
problems are still open, some of them overdue. Seeded, so the file is the same on every run.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.schema import PROBLEM_COLUMNS, problem_id

__all__ = ["simulate_problems", "to_problems_export"]

_GRADES = (("A", 0.05), ("B", 0.30), ("C", 0.65))
_CATEGORIES = (
    ("product", 0.40),
    ("service", 0.25),
    ("delivery", 0.20),
    ("price", 0.10),
    ("other", 0.05),
)
_DEPARTMENTS = ("技术支持部", "售后服务部", "交付中心")
_DESCRIPTIONS = {
    "product": ("设备偶发停机，需技术排查", "软件升级后报表无法导出", "部件磨损快，希望更换方案"),
    "service": ("售后响应慢，希望指定专人", "希望增加操作培训", "工单进度不透明"),
    "delivery": ("交付周期偏长", "到货缺件", "安装排期延误"),
    "price": ("价格敏感，希望年度框架价", "发票流程繁琐"),
    "other": ("合同续签流程咨询",),
}


def simulate_problems(
    outcomes: pd.DataFrame, config: Config, *, as_of: date, seed: int = 2026
) -> pd.DataFrame:
    """The problems of the sample outcomes (canonical :data:`PROBLEM_FIELDS`), as known at the
    end of the working day *as_of*."""
    rng = np.random.default_rng(seed + 18)
    pc = config.problems
    raised = outcomes[outcomes["problems_raised"] > 0].sort_values(
        ["date", "customer_id", "channel"]
    )
    rows = []
    cutoff = pd.Timestamp(as_of) + pd.Timedelta(hours=18)
    for o in raised.itertuples(index=False):
        for k in range(int(o.problems_raised)):
            solved = k < int(o.problems_solved)
            grade = rng.choice([g for g, _ in _GRADES], p=[w for _, w in _GRADES])
            category = rng.choice([c for c, _ in _CATEGORIES], p=[w for _, w in _CATEGORIES])
            text = str(rng.choice(_DESCRIPTIONS[category]))
            at = pd.Timestamp(o.date) + pd.Timedelta(minutes=int(rng.integers(9 * 60, 17 * 60)))
            limit = pc.grades[grade].response_hours
            # most responses well inside the grade's hours; one in eight late
            late = rng.random() < 0.125
            respond_h = limit * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.1, 0.9))
            responded = at + pd.Timedelta(minutes=round(respond_h * 60))
            solve_h = pc.solution_hours * (
                rng.uniform(1.05, 2.0) if rng.random() < 0.15 else rng.uniform(0.3, 0.95)
            )
            solve_h = max(solve_h, respond_h + 0.5)
            solved_at = at + pd.Timedelta(minutes=round(solve_h * 60)) if solved else pd.NaT
            verified_at, ok = pd.NaT, pd.NA
            if solved and rng.random() < 0.85:
                verified_at = solved_at + pd.Timedelta(
                    hours=float(rng.uniform(4, pc.follow_up_days * 24 * 1.2))
                )
                ok = bool(rng.random() < 0.94)
            owner = (
                o.staff_id
                if isinstance(o.staff_id, str) and rng.random() < 0.5
                else str(rng.choice(_DEPARTMENTS))
            )
            rec = {
                "customer_id": o.customer_id,
                "raised_at": at,
                "grade": grade,
                "category": category,
                "description": text,
                "owner": owner,
                "responded_at": responded,
                "solved_at": solved_at,
                "verified_at": verified_at,
                "verified_ok": ok,
                "notes": "",
            }
            for name in ("responded_at", "solved_at", "verified_at"):  # not happened yet
                if not pd.isna(rec[name]) and rec[name] > cutoff:
                    rec[name] = pd.NaT
            if pd.isna(rec["verified_at"]):
                rec["verified_ok"] = pd.NA
            if pd.isna(rec["solved_at"]):
                rec["verified_at"], rec["verified_ok"] = pd.NaT, pd.NA
            if at > cutoff:
                continue
            rec["problem_id"] = problem_id(rec["customer_id"], at, f"{text} #{k + 1}")
            rec["description"] = f"{text} #{k + 1}" if int(o.problems_raised) > 1 else text
            rec["problem_id"] = problem_id(rec["customer_id"], at, rec["description"])
            rows.append(rec)
    from revisitkit.schema import PROBLEM_FIELDS

    frame = pd.DataFrame(rows, columns=list(PROBLEM_FIELDS))
    return frame


def to_problems_export(problems: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The problems as a service desk exports them: Chinese headers and labels."""
    zh = {c.name: c.zh for c in PROBLEM_COLUMNS}
    out = problems.copy()
    for name in ("raised_at", "responded_at", "solved_at", "verified_at"):
        out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d %H:%M").fillna("")
    out["grade"] = out["grade"]
    out["category"] = out["category"].map(
        {c: str(label).split(" ")[0] for c, label in config.problems.categories.items()}
    )
    out["verified_ok"] = out["verified_ok"].map({True: "是", False: "否"}).fillna("")
    return out.rename(columns=zh)
