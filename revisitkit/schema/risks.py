"""The risk register's contract: what a risk is, the values its fields take, the register's
columns and the headers of its files.

A risk (:class:`Risk`) comes from a form, from the seed (``data/risks_seed.yaml``, read by
:func:`revisitkit.io.load_seed`) or from a register file a reviewer edited (read by
:func:`revisitkit.io.read_risk_file`, imported by
:meth:`revisitkit.store.RiskRegister.import_file`). :func:`parse_fields` checks its fields, each
problem naming the field, the value and what is accepted. The register's files have the
columns :data:`LIST_COLUMNS` under their English names or Chinese headers
(:data:`RISK_HEADERS_ZH`); :func:`register_header_issues` maps a file's headers onto them.

Decisions stated once here:

* A residual score above the inherent one is refused: ``residual_likelihood`` may not exceed
  ``likelihood`` and ``residual_impact`` may not exceed ``impact``. Mitigation lowers a risk or,
  for an accepted risk, leaves it as it is; a higher residual is a typing error.
* ``next_review`` is required unless the risk is closed.
* Coded fields accept the code (``customer``) or its Chinese label (``客户风险``), so a
  reviewer can type either in a spreadsheet; the register stores the code.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.errors import Issue, UserError
from revisitkit.schema.columns import Source, norm_header, parse_date_text

__all__ = [
    "CATEGORIES",
    "FIELDS",
    "LIST_COLUMNS",
    "REGISTER_COLUMNS",
    "RESPONSE_LEVELS",
    "RISK_HEADERS_ZH",
    "SCALE_FIELDS",
    "SIGNALS",
    "STATUSES",
    "STRATEGIES",
    "Risk",
    "RiskValidationError",
    "make_risk",
    "parse_fields",
    "register_header_issues",
    "validate_risk",
    "whole_number",
]

#: The plan's three risk categories (§5.1, §5.2, §5.3) → label.
CATEGORIES = {
    "customer": "客户风险 Customer",
    "execution": "执行风险 Execution",
    "external": "外部风险 External",
}
#: Response strategies → label.
STRATEGIES = {
    "avoid": "规避 Avoid",
    "transfer": "转移 Transfer",
    "mitigate": "减轻 Mitigate",
    "accept": "接受 Accept",
}
#: Where a risk stands → label.
STATUSES = {
    "open": "开启 Open",
    "monitoring": "监控中 Monitoring",
    "closed": "已关闭 Closed",
}
#: Response levels of §7.2 (问题分级响应机制); their hours are in the config.
RESPONSE_LEVELS = {
    "A": "A级 (如生产中断) Level A",
    "B": "B级 (如功能缺陷) Level B",
    "C": "C级 (如使用咨询) Level C",
}
#: Live signals computed from the plan → label. A risk names the one it relates to.
SIGNALS = {
    "resource_gap": "高峰期人力缺口 Staffing gap at peak",
    "core_complaints": "核心客户未解决重大投诉 Core customers with open complaints",
    "holiday_crowding": "元旦周截止日期扎堆 Deadlines crowded into the New Year week",
    "spring_festival_timing": "距春节假期缓冲不足 Thin buffer before the Spring Festival",
    "budget_overspend": "预算超支 Budget overspend",
}

#: Every field of a risk, in register order.
FIELDS = (
    "id",
    "category",
    "title",
    "title_en",
    "description",
    "cause",
    "trigger",
    "likelihood",
    "impact",
    "owner_role",
    "strategy",
    "mitigation",
    "contingency",
    "response_level",
    "status",
    "residual_likelihood",
    "residual_impact",
    "next_review",
    "signal",
)
_TEXT_FIELDS = ("title_en", "description", "cause", "trigger", "mitigation", "contingency")
#: The fields on the likelihood × impact scale (1 … ``risk.scale_max``).
SCALE_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact")
_ID = re.compile(r"^R\d+$")


@dataclass(frozen=True, kw_only=True)
class Risk:
    """One entry of the risk register (domain.md §6).

    Build one with :func:`make_risk` (which validates against the config) or construct it
    directly from values already known to be valid (the store does).

    Attributes
    ----------
    id : str
        ``R01``, ``R02``, … ; empty before the store gives it the next free id.
    category : str
        ``customer`` / ``execution`` / ``external`` (§5.1 / §5.2 / §5.3).
    title, title_en : str
        Short name in Chinese, and in English.
    description, cause, trigger : str
        What could happen, why, and the early-warning signal (预警信号) that it is starting.
    likelihood, impact : int
        1 … ``risk.scale_max`` of the config.
    owner_role : str
        A role code of ``risk.owner_roles``.
    strategy : str
        ``avoid`` / ``transfer`` / ``mitigate`` / ``accept``.
    mitigation, contingency : str
        What is done beforehand, and what is done when it happens (应急预案).
    response_level : str
        ``A`` / ``B`` / ``C`` (§7.2; hours in ``problems.grades``).
    status : str
        ``open`` / ``monitoring`` / ``closed``.
    residual_likelihood, residual_impact : int
        After mitigation; never above the inherent values.
    next_review : date or None
        None only for a closed risk.
    signal : str or None
        The live signal (:data:`SIGNALS`) that relates to this risk, if any.
    """

    id: str = ""
    category: str
    title: str
    title_en: str = ""
    description: str = ""
    cause: str = ""
    trigger: str = ""
    likelihood: int
    impact: int
    owner_role: str
    strategy: str
    mitigation: str = ""
    contingency: str = ""
    response_level: str
    status: str = "open"
    residual_likelihood: int
    residual_impact: int
    next_review: date | None = None
    signal: str | None = None

    @property
    def score(self) -> int:
        """Inherent score, likelihood × impact."""
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int:
        """Score after mitigation."""
        return self.residual_likelihood * self.residual_impact

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, in :data:`FIELDS` order."""
        return {name: getattr(self, name) for name in FIELDS}


class RiskValidationError(UserError, ValueError):
    """A risk has invalid values; ``problems`` lists every one, each naming field and value."""

    def __init__(self, problems: Sequence[str], what: str = "the risk"):
        self.problems = list(problems)
        super().__init__(
            f"{what} was not saved: {len(self.problems)} problem(s):\n  - "
            + "\n  - ".join(self.problems)
        )


# ------------------------------------------------------------------------------ validation
def _lookup(codes: Mapping[str, str]) -> dict[str, str]:
    """Code, full label and the label's Chinese part, each → code (case and space blind)."""
    table: dict[str, str] = {}
    for code, label in codes.items():
        for spelling in (code, label, label.split(" ")[0]):
            table[_key(spelling)] = code
    return table


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _choices(name: str, codes: Iterable[str]) -> str:
    return f"{name} must be one of {', '.join(codes)}"


def whole_number(value: Any) -> int | None:
    """A whole number from an int, an integral float or text like '3'; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if math.isfinite(value) and float(value).is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+(\.0*)?\s*", value):
        return int(float(value))
    return None


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime | pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, str):
        return parse_date_text(value.strip())
    return None


#: the most characters a risk's text may have: what a spreadsheet cell holds, so that the
#: register survives an export to .xlsx and back unchanged
MAX_TEXT = 32_767


def parse_fields(
    fields: Mapping[str, Any], config: Config
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parse and check raw field values (Python values, or text from a form or a file).

    The building block of :func:`validate_risk` and :func:`make_risk` for callers that must
    point at the field of each problem (a form, a file import).

    Returns
    -------
    values : dict
        The parsed value of every field that is valid (missing fields take the :class:`Risk`
        defaults); when *problems* is empty, ``Risk(**values)`` is valid.
    problems : list of (field, message)
        Every problem, each message naming the field, the value and what is accepted.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> values, problems = parse_fields({"impact": "x", "status": "监控中"}, load_config())
    >>> values["status"], dict(problems)["impact"]
    ('monitoring', "impact must be a whole number from 1 to 5, got 'x'")
    """
    problems: list[tuple[str, str]] = []
    for name in fields:
        if name not in FIELDS:
            problems.append(
                (name, f"unknown field {name!r}; the fields of a risk are {', '.join(FIELDS)}")
            )
    defaults = {
        f.name: f.default for f in dataclasses.fields(Risk) if f.default is not dataclasses.MISSING
    }
    raw = {name: fields.get(name, defaults.get(name)) for name in FIELDS}
    out: dict[str, Any] = {}
    risk = config.risk
    top = risk.scale_max

    value = raw["id"]
    if _blank(value):
        out["id"] = ""
    elif isinstance(value, str) and _ID.match(value.strip()):
        out["id"] = value.strip()
    else:
        problems.append(("id", f"id must be R followed by digits, like R07, got {value!r}"))

    value = raw["title"]
    if not isinstance(value, str) or not value.strip():
        problems.append(
            ("title", f"title must not be empty: give the risk a short name, got {value!r}")
        )
    else:
        out["title"] = value.strip()

    for name in _TEXT_FIELDS:
        value = raw[name]
        if _blank(value):
            out[name] = ""
        elif isinstance(value, str):
            out[name] = value.strip()
        else:
            problems.append((name, f"{name} must be text, got {value!r}"))
    for name in ("title", *_TEXT_FIELDS):
        if len(out.get(name, "")) > MAX_TEXT:
            problems.append(
                (
                    name,
                    f"{name} has {len(out.pop(name)):,} characters; at most {MAX_TEXT:,} fit "
                    "a spreadsheet cell (the register's review file): shorten it",
                )
            )

    coded = (
        ("category", CATEGORIES, ""),
        ("strategy", STRATEGIES, ""),
        ("status", STATUSES, ""),
        ("owner_role", risk.owner_roles, "; roles are set under risk.owner_roles in the config"),
    )
    for name, codes, hint in coded:
        value = raw[name]
        code = _lookup(codes).get(_key(value)) if isinstance(value, str) else None
        if code is None:
            what = "the known roles" if name == "owner_role" else None
            listing = (
                f"{name} must be one of {what} {', '.join(codes)}"
                if what
                else _choices(name, codes)
            )
            problems.append((name, f"{listing}, got {value!r}{hint}"))
        else:
            out[name] = code

    value = raw["response_level"]
    letter = value.strip().upper() if isinstance(value, str) else None
    if letter not in RESPONSE_LEVELS:
        problems.append(
            ("response_level", f"{_choices('response_level', RESPONSE_LEVELS)}, got {value!r}")
        )
    else:
        out["response_level"] = letter

    for name in SCALE_FIELDS:
        value = raw[name]
        number = whole_number(value)
        if number is None or not 1 <= number <= top:
            problems.append((name, f"{name} must be a whole number from 1 to {top}, got {value!r}"))
        else:
            out[name] = number
    for residual, inherent in (
        ("residual_likelihood", "likelihood"),
        ("residual_impact", "impact"),
    ):
        if residual in out and inherent in out and out[residual] > out[inherent]:
            problems.append(
                (
                    residual,
                    f"{residual} must not be greater than {inherent} ({out[inherent]}), got "
                    f"{out[residual]}: mitigation lowers a risk or leaves it as it is",
                )
            )

    value = raw["next_review"]
    if _blank(value):
        if out.get("status") == "closed" or raw["status"] == "closed":
            out["next_review"] = None
        else:
            problems.append(
                (
                    "next_review",
                    f"next_review must be a date like 2026-12-10 (only a closed risk may have "
                    f"none), got {value!r}",
                )
            )
    else:
        parsed = _as_date(value)
        if parsed is None:
            problems.append(
                ("next_review", f"next_review must be a date like 2026-12-10, got {value!r}")
            )
        else:
            out["next_review"] = parsed

    value = raw["signal"]
    if _blank(value):
        out["signal"] = None
    elif isinstance(value, str) and value.strip() in SIGNALS:
        out["signal"] = value.strip()
    else:
        problems.append(
            ("signal", f"signal must be empty or one of {', '.join(SIGNALS)}, got {value!r}")
        )
    # in the order of the fields (unknown fields first), as a form shows them
    order = {name: i for i, name in enumerate(FIELDS)}
    problems.sort(key=lambda problem: order.get(problem[0], -1))
    return out, problems


def validate_risk(fields: Mapping[str, Any], config: Config) -> list[str]:
    """Every problem with a risk's fields, each naming the field, the value and what is accepted.

    Parameters
    ----------
    fields
        Field name → value, as Python values or as text from a form or a file (``"3"`` is a
        likelihood of 3, ``"客户风险"`` the category ``customer``). Missing fields take the
        defaults of :class:`Risk`; a required field that is missing is a problem.
    config
        Gives the scale, the owner roles.

    Returns
    -------
    list of str
        Empty when the risk is valid.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> fields = {"category": "customer", "title": "高价值客户流失", "likelihood": 6, "impact": 5,
    ...           "owner_role": "sales_director", "strategy": "mitigate", "response_level": "A",
    ...           "residual_likelihood": 2, "residual_impact": 5, "next_review": "2026-12-10"}
    >>> validate_risk(fields, load_config())
    ['likelihood must be a whole number from 1 to 5, got 6']
    """
    return [message for _, message in parse_fields(fields, config)[1]]


def make_risk(fields: Mapping[str, Any] | Risk, config: Config) -> Risk:
    """A validated :class:`Risk` from raw field values.

    Raises
    ------
    RiskValidationError
        With every problem found (see :func:`validate_risk`).

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> risk = make_risk({"category": "客户风险", "title": "高价值客户流失", "likelihood": "3",
    ...                   "impact": 5, "owner_role": "sales_director", "strategy": "mitigate",
    ...                   "response_level": "a", "residual_likelihood": 2, "residual_impact": 5,
    ...                   "next_review": "2026年12月10日"}, load_config())
    >>> risk.category, risk.likelihood, risk.response_level, risk.next_review, risk.score
    ('customer', 3, 'A', datetime.date(2026, 12, 10), 15)
    """
    if isinstance(fields, Risk):
        fields = fields.to_dict()
    values, problems = parse_fields(fields, config)
    if problems:
        rid = fields.get("id")
        what = f"risk {rid}" if isinstance(rid, str) and rid.strip() else "the risk"
        raise RiskValidationError([m for _, m in problems], what)
    return Risk(**values)


# ------------------------------------------------------------------------------- columns
#: What the register as a table shows beside a field: its label, the score and level its
#: likelihood and impact make, the hours its response level allows.
_DERIVED = {
    "category": ("category_label",),
    "impact": ("score", "level", "level_label"),
    "owner_role": ("owner_label",),
    "strategy": ("strategy_label",),
    "response_level": ("sla_hours",),
    "status": ("status_label",),
    "residual_impact": ("residual_score", "residual_level", "residual_level_label"),
}
#: Columns of :func:`revisitkit.risk.register_frame` (the register as a table), in order:
#: every field of :data:`FIELDS`, each followed by what is derived from it.
REGISTER_COLUMNS = tuple(column for name in FIELDS for column in (name, *_DERIVED.get(name, ())))

#: Chinese headers of the register's columns (export writes them; import accepts them or the
#: English names).
RISK_HEADERS_ZH = {
    "id": "风险编号",
    "category": "风险类别",
    "category_label": "类别名称",
    "title": "风险名称",
    "title_en": "英文名称",
    "description": "风险描述",
    "cause": "风险成因",
    "trigger": "预警信号",
    "likelihood": "可能性",
    "impact": "影响程度",
    "score": "风险值",
    "level": "风险等级代码",
    "level_label": "风险等级",
    "owner_role": "责任人角色",
    "owner_label": "责任人",
    "strategy": "应对策略",
    "strategy_label": "策略名称",
    "mitigation": "缓解措施",
    "contingency": "应急预案",
    "response_level": "响应级别",
    "sla_hours": "响应时限(小时)",
    "status": "状态",
    "status_label": "状态名称",
    "residual_likelihood": "剩余可能性",
    "residual_impact": "剩余影响程度",
    "residual_score": "剩余风险值",
    "residual_level": "剩余风险等级代码",
    "residual_level_label": "剩余风险等级",
    "next_review": "下次复核日期",
    "signal": "关联信号",
    "version": "版本",
    "updated_at": "更新时间",
    "updated_by": "更新人",
}
LIST_COLUMNS = (*REGISTER_COLUMNS, "version", "updated_at", "updated_by")

#: every accepted spelling of the register's headers (normalised) → column
_HEADER_INDEX = {
    norm_header(spelling): name for name, zh in RISK_HEADERS_ZH.items() for spelling in (name, zh)
}


def register_header_issues(headers: list[str], src: Source) -> tuple[list[Issue], dict[str, int]]:
    """The columns of a register file, from its headers (English names or Chinese headers).

    Returns
    -------
    issues : list of Issue
        One per header that is no column of the register (:data:`LIST_COLUMNS`) or that
        repeats a column under another spelling.
    position : dict
        Column → its position in the file (the first, for a repeated one).

    Examples
    --------
    >>> issues, position = register_header_issues(["风险编号", "Likelihood", "备注"], Source("r.csv"))
    >>> position, [i.column for i in issues]
    ({'id': 0, 'likelihood': 1}, ['备注'])
    """
    issues: list[Issue] = []
    position: dict[str, int] = {}
    for i, header in enumerate(headers):
        name = _HEADER_INDEX.get(norm_header(header))
        if name is None:
            issues.append(
                Issue(
                    src.name,
                    1,
                    header,
                    None,
                    "unknown column; the register's columns are "
                    + ", ".join(f"{n} ({RISK_HEADERS_ZH[n]})" for n in LIST_COLUMNS),
                )
            )
        elif name in position:
            issues.append(
                Issue(
                    src.name,
                    1,
                    header,
                    None,
                    f"same column as {headers[position[name]]!r} ({name}); keep one",
                )
            )
        else:
            position[name] = i
    return issues, position
