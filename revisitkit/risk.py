"""The campaign's risk register (§5 风险评估与应对): what a risk is, how it is scored, and
the live signals from the plan that say a risk is getting likelier.

The plan names customer, execution and external risks with their responses and SLAs. Written
in a Word file, such a register goes stale within a week; here each risk is a validated record
(:class:`Risk`) scored on the config's scale and bands, seeded from ``data/risks_seed.yaml``
and kept in the embedded store (:mod:`revisitkit.store`), where planners edit it.

Signals (:func:`signals`) are computed from the plan — core customers with unresolved
complaints, deadlines crowded into the New Year week, a thin buffer before the Spring Festival,
a staffing gap, a budget overspend — and shown *beside* the stored scores with a suggested
likelihood. They never change a stored score: the planner decides.

Decisions stated once here:

* A residual score above the inherent one is refused: ``residual_likelihood`` may not exceed
  ``likelihood`` and ``residual_impact`` may not exceed ``impact``. Mitigation lowers a risk or,
  for an accepted risk, leaves it as it is; a higher residual is a typing error.
* ``next_review`` is required unless the risk is closed.
* Coded fields accept the code (``customer``) or its Chinese label (``客户风险``), so a
  reviewer can type either in a spreadsheet; the register stores the code.

Example
-------
>>> from revisitkit.config import load_config
>>> config = load_config()
>>> score(3, 5), level(score(3, 5), config), sla_hours("A", config)
(15, 'critical', 2)
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from revisitkit.config import Config, display_path
from revisitkit.errors import UserError
from revisitkit.schema import parse_date_text

__all__ = [
    "CATEGORIES",
    "FIELDS",
    "REGISTER_COLUMNS",
    "RESPONSE_LEVELS",
    "SIGNALS",
    "STATUSES",
    "STRATEGIES",
    "Risk",
    "RiskValidationError",
    "heatmap_counts",
    "level",
    "load_seed",
    "make_risk",
    "new_year_window",
    "parse_fields",
    "register_frame",
    "score",
    "signals",
    "sla_hours",
    "validate_risk",
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
_SCALE_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact")
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
        ``A`` / ``B`` / ``C`` (§7.2; hours in ``risk.sla_hours``).
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


def _whole(value: Any) -> int | None:
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

    for name in _SCALE_FIELDS:
        value = raw[name]
        number = _whole(value)
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
                (residual,
                 f"{residual} must not be greater than {inherent} ({out[inherent]}), got "
                 f"{out[residual]}: mitigation lowers a risk or leaves it as it is")
            )  # fmt: skip

    value = raw["next_review"]
    if _blank(value):
        if out.get("status") == "closed" or raw["status"] == "closed":
            out["next_review"] = None
        else:
            problems.append(
                ("next_review",
                 f"next_review must be a date like 2026-12-10 (only a closed risk may have "
                 f"none), got {value!r}")
            )  # fmt: skip
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


# ------------------------------------------------------------------------------- scoring
def score(likelihood: int, impact: int) -> int:
    """The risk score: likelihood × impact.

    >>> score(4, 3)
    12
    """
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if _whole(value) is None or int(value) < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    return int(likelihood) * int(impact)


def level(score: int, config: Config) -> str:
    """The level code of a score, from the bands in ``risk.levels``.

    >>> from revisitkit.config import load_config
    >>> [level(s, load_config()) for s in (4, 5, 12, 15)]
    ['low', 'medium', 'high', 'critical']
    """
    top = config.risk.scale_max**2
    if _whole(score) is None or not 1 <= int(score) <= top:
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
    hours = config.risk.sla_hours
    if level_letter not in hours:
        raise ValueError(f"{_choices('response level', RESPONSE_LEVELS)}, got {level_letter!r}")
    return hours[level_letter]


# ----------------------------------------------------------------------------- the seed
def load_seed(path: str | Path, config: Config) -> list[Risk]:
    """Read and validate a seed register (``data/risks_seed.yaml``: a list under ``risks:``).

    Raises
    ------
    RiskValidationError
        With every problem in the file, each naming the entry and its id.
    UserError
        The file cannot be read or is not the expected YAML.

    Examples
    --------
    >>> from revisitkit.config import DEFAULT_CONFIG_PATH, load_config
    >>> risks = load_seed(DEFAULT_CONFIG_PATH.parent / "risks_seed.yaml", load_config())
    >>> risks[0].id, risks[0].title, risks[0].score
    ('R01', '高价值客户流失', 15)
    """
    path = Path(path)
    shown = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"{shown}: risk seed file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise UserError(f"{shown}: cannot be read as a YAML risk seed: {e}") from None
    entries = data.get("risks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UserError(f"{shown}: expected a list of risks under the key 'risks:'")
    risks: list[Risk] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"entry {n}: must be a mapping of fields, got {entry!r}")
            continue
        values, found = parse_fields(entry, config)
        rid = values.get("id") or "(no id)"
        problems += [f"entry {n} ({rid}): {m}" for _, m in found]
        if not values.get("id"):
            problems.append(f"entry {n}: a seed risk needs its id, like R{n:02d}")
        elif values["id"] in seen:
            problems.append(f"entry {n}: id {values['id']} is also entry {seen[values['id']]}")
        else:
            seen[values["id"]] = n
        if not found:
            risks.append(Risk(**values))
    if problems:
        raise RiskValidationError(problems, shown)
    return risks


# ------------------------------------------------------------------------------- tables
#: Columns of :func:`register_frame`, in order.
REGISTER_COLUMNS = (
    "id",
    "category",
    "category_label",
    "title",
    "title_en",
    "description",
    "cause",
    "trigger",
    "likelihood",
    "impact",
    "score",
    "level",
    "level_label",
    "owner_role",
    "owner_label",
    "strategy",
    "strategy_label",
    "mitigation",
    "contingency",
    "response_level",
    "sla_hours",
    "status",
    "status_label",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "residual_level_label",
    "next_review",
    "signal",
)


def register_frame(risks: Iterable[Risk], config: Config) -> pd.DataFrame:
    """The register as a table: every field, the scores and levels, the SLA and the labels.

    Parameters
    ----------
    risks
        Valid risks (from :func:`load_seed`, :func:`make_risk` or the store).
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
    ints = {name: frame[name].astype("int64") for name in _SCALE_FIELDS}
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
    frame["sla_hours"] = frame["response_level"].map(dict(risk.sla_hours)).astype("int64")
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
            {"signal": code, "value": float(value), "threshold": float(threshold),
             "unit": unit, "fired": bool(fired), "reason": reason}
        )  # fmt: skip

    # resource gap at peak (§5.2)
    threshold = sig.staffing_gap_max_days
    if staffing_gap is None:
        add("resource_gap", np.nan, threshold, "person-days", False,
            "尚无人员配置数据，暂不评估 — staffing has not been planned yet, so the gap is not available")  # fmt: skip
    else:
        gap = float(staffing_gap)
        fired = gap > threshold
        add("resource_gap", gap, threshold, "person-days", fired,
            f"高峰期人力缺口 {gap:g} 人天，{'超过' if fired else '未超过'}阈值 {threshold:g} 人天 — "
            f"staffing is {gap:g} person-days short at peak, "
            f"{'above' if fired else 'not above'} the threshold of {threshold:g}")  # fmt: skip

    # core customers with an unresolved major complaint (§5.1, §2.3.1)
    threshold = sig.core_complaint_share_max
    core = (plan["value_segment"] == "core").to_numpy(dtype=bool, na_value=False)
    n_core = int(core.sum())
    if n_core == 0:
        add("core_complaints", np.nan, threshold, "share", False,
            "计划中没有核心客户 — the plan has no core customers")  # fmt: skip
    else:
        n_hit = int((core & _has_reason(plan["reasons"], "churn_warning_complaint")).sum())
        share = n_hit / n_core
        fired = share > threshold
        add("core_complaints", share, threshold, "share", fired,
            f"{n_core} 家核心客户中 {n_hit} 家 ({_pct(share)}) 有未解决的重大投诉，"
            f"{'高于' if fired else '未高于'}阈值 {_pct(threshold)} — "
            f"{n_hit} of {n_core} core customers ({_pct(share)}) have an unresolved major "
            f"complaint, {'above' if fired else 'not above'} the threshold of {_pct(threshold)}")  # fmt: skip

    # deadlines crowded into the New Year week (§5.1 客户情绪风险)
    threshold = sig.holiday_week_share_max
    window = new_year_window(calendar)
    deadline = pd.to_datetime(plan["deadline"]).to_numpy(dtype="datetime64[D]")
    known = ~np.isnat(deadline)
    n_known = int(known.sum())
    if window is None:
        add("holiday_crowding", np.nan, threshold, "share", False,
            "执行期不含元旦 — the execution phase contains no New Year's Day")  # fmt: skip
    elif n_known == 0:
        add("holiday_crowding", np.nan, threshold, "share", False,
            "计划中没有截止日期 — the plan has no deadlines")  # fmt: skip
    else:
        first, last = (np.datetime64(d, "D") for d in window)
        n_in = int(((deadline >= first) & (deadline <= last) & known).sum())
        share = n_in / n_known
        fired = share > threshold
        span = f"{window[0].isoformat()} … {window[1].isoformat()}"
        add("holiday_crowding", share, threshold, "share", fired,
            f"{n_known} 个截止日期中 {n_in} 个 ({_pct(share)}) 落在元旦周 {span}，"
            f"{'高于' if fired else '未高于'}阈值 {_pct(threshold)} — "
            f"{n_in} of {n_known} deadlines ({_pct(share)}) fall in the New Year week {span}, "
            f"{'above' if fired else 'not above'} the threshold of {_pct(threshold)}")  # fmt: skip

    # execution ending close to the Spring Festival holiday (§4.1)
    threshold = sig.spring_festival_buffer_days
    end = calendar.phases.execution.end
    holiday = calendar.spring_festival[0]
    buffer = calendar.calendar.count_working_days(
        end + timedelta(days=1), holiday - timedelta(days=1)
    )
    fired = buffer < threshold
    add("spring_festival_timing", buffer, threshold, "working days", fired,
        f"执行期 {end.isoformat()} 结束，距春节假期 ({holiday.isoformat()} 起) 还有 {buffer} 个工作日，"
        f"{'少于' if fired else '不少于'} {threshold} 个工作日 — execution ends {end.isoformat()}, "
        f"{buffer} working days before the Spring Festival holiday starts {holiday.isoformat()}, "
        f"{'fewer than' if fired else 'not fewer than'} the {threshold} required")  # fmt: skip

    # budget overspend once actuals exist (§4.4)
    threshold = sig.budget_overspend_max
    if budget_overspend is None:
        add("budget_overspend", np.nan, threshold, "CNY", False,
            "尚无实际支出数据，暂不评估 — no budget actuals yet, so overspend is not available")  # fmt: skip
    else:
        over = float(budget_overspend)
        fired = over > threshold
        add("budget_overspend", over, threshold, "CNY", fired,
            f"预算超支 {over:,.0f} 元，{'超过' if fired else '未超过'}阈值 {threshold:,.0f} 元 — "
            f"spending is {over:,.0f} CNY over budget, "
            f"{'above' if fired else 'not above'} the threshold of {threshold:,.0f} CNY")  # fmt: skip

    related = _related(risks)
    top, step = config.risk.scale_max, sig.likelihood_step
    out: list[dict[str, Any]] = []
    for row in rows:
        base = {"signal_label": SIGNALS[row["signal"]], **row}
        for rid, title, likelihood in related.get(row["signal"]) or [(None, None, None)]:
            suggested = (
                None if likelihood is None
                else min(top, likelihood + step) if row["fired"] else likelihood
            )  # fmt: skip
            out.append(
                {**base, "risk_id": rid, "risk_title": title, "likelihood": likelihood,
                 "suggested_likelihood": suggested}
            )  # fmt: skip
    frame = pd.DataFrame.from_records(out, columns=list(SIGNAL_COLUMNS))
    for name in ("likelihood", "suggested_likelihood"):
        frame[name] = frame[name].astype("Int64")
    frame["fired"] = frame["fired"].astype(bool)
    return frame
