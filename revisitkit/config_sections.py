"""The config's building blocks, and the sections of ``campaign.yaml`` that stand alone.

The field types and date forms every section uses (:class:`StrictModel`, ``Money``,
``CodeList``, :func:`resolve_date`), the campaign's phases, the calendar, the segments'
thresholds, the region clusters and industry groups, the risk register, the service levels and
the input checks. The sections built on the plan's vocabulary (priority tiers, channels' roles
by segment, budget categories, KPI codes) and the :class:`~revisitkit.config.Config` that
checks across sections live in :mod:`revisitkit.config`, which imports this module: nothing
here imports it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NonNegInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Money = Annotated[float, Field(ge=0)]

_RELATIVE_DATE = re.compile(r"^Y(?:\+(?P<plus>\d+))?-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")


def resolve_date(spec: date | str, year: int) -> date:
    """Turn a config date (ISO date or ``"Y+1-01-20"``) into a date for campaign year *year*.

    >>> resolve_date("Y+1-01-20", 2026)
    datetime.date(2027, 1, 20)
    >>> resolve_date(date(2026, 12, 1), 2030)
    datetime.date(2026, 12, 1)
    """
    if isinstance(spec, date):
        return spec
    m = _RELATIVE_DATE.match(spec.strip())
    if not m:
        raise ValueError(
            f"must be an ISO date like 2026-12-01 or relative to the campaign year like "
            f"Y-12-01 or Y+1-01-20, got {spec!r}"
        )
    try:
        return date(year + int(m["plus"] or 0), int(m["month"]), int(m["day"]))
    except ValueError as e:
        raise ValueError(
            f"{spec!r} is not a day of the year ({e}); write it like Y-12-01 or Y+1-01-20"
        ) from None


class StrictModel(BaseModel):
    """Every section: frozen, no unknown key, no silent conversion of a value's type."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


DateSpec = date | str
#: YAML gives lists; the frozen config keeps tuples (and so is hashable and immutable).
CodeList = Annotated[tuple[str, ...], Field(strict=False)]


def _check_date_spec(value: DateSpec) -> DateSpec:
    resolve_date(value, 2000)  # the form is checked here; the year comes later
    return value


class PhaseWindow(StrictModel):
    start: DateSpec
    end: DateSpec

    _check = field_validator("start", "end")(_check_date_spec)


class Phases(StrictModel):
    preparation: PhaseWindow
    execution: PhaseWindow
    summary: PhaseWindow


class Campaign(StrictModel):
    year: Annotated[int, Field(ge=2000, le=2099)]
    as_of: DateSpec | None = None
    phases: Phases
    materials_lead_days: NonNegInt

    @field_validator("as_of")
    @classmethod
    def _as_of_form(cls, v: DateSpec | None) -> DateSpec | None:
        return None if v is None else _check_date_spec(v)


@dataclass(frozen=True)
class Phase:
    """One phase's dates, resolved for the campaign year (:meth:`revisitkit.config.Config.phases`)."""

    name: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class CampaignPhases:
    """The three phases in order: preparation, execution, summary."""

    preparation: Phase
    execution: Phase
    summary: Phase

    def __iter__(self):
        return iter((self.preparation, self.execution, self.summary))


class CalendarConfig(StrictModel):
    holiday_files: CodeList = ()
    fixed_holidays: dict[str, str]
    spring_festival_offsets: Annotated[
        tuple[Annotated[int, Field(ge=-7, le=14)], ...], Field(strict=False)
    ]
    extra_holidays: dict[date, str] = {}
    extra_workdays: dict[date, str] = {}

    @field_validator("fixed_holidays")
    @classmethod
    def _month_day(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            try:
                date(2000, *map(int, key.split("-")))  # 2000 is a leap year: 02-29 passes
            except (TypeError, ValueError):
                raise ValueError(f"keys must be month-day like '01-01', got {key!r}") from None
        return v


class Segment(StrictModel):
    label: Annotated[str, Field(min_length=1)]
    abc_class: Literal["A", "B", "C"]
    channels: Annotated[CodeList, Field(min_length=1)]


class ChurnedSegment(Segment):
    terminated_within_months: NonNegInt
    winback_worthy_default: bool


class NewSegment(Segment):
    first_order_within_months: NonNegInt


class CoreSegment(Segment):
    top_share: Annotated[float, Field(ge=0, le=1)]
    revenue_12m_over: Money


class PotentialSegment(Segment):
    growth_ratio_min: PositiveFloat
    industry_rank_max: NonNegInt


class RegularSegment(Segment):
    revenue_12m_min: Money


class InactiveSegment(Segment):
    no_order_months: NonNegInt


class MarginalSegment(Segment):
    revenue_12m_below: Money


class Segments(StrictModel):
    churned: ChurnedSegment
    new: NewSegment
    core: CoreSegment
    potential: PotentialSegment
    regular: RegularSegment
    inactive: InactiveSegment
    marginal: MarginalSegment
    low_frequency: Segment


class Cluster(StrictModel):
    label: Annotated[str, Field(min_length=1)]
    regions: CodeList = ()


class IndustryGroup(StrictModel):
    label: Annotated[str, Field(min_length=1)]
    industries: CodeList = ()


class LevelBand(StrictModel):
    """One risk level: the scores (likelihood × impact) it covers, its label and colour."""

    label: Annotated[str, Field(min_length=1)]
    #: where the band starts; the first band starts at 1 and may leave it out
    min: Annotated[int, Field(ge=1)] | None = None
    max: Annotated[int, Field(ge=1)]
    color: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


class RiskSignals(StrictModel):
    """Thresholds of the live signals that suggest raising a risk's likelihood."""

    core_complaint_share_max: Annotated[float, Field(ge=0, le=1)]
    holiday_week_share_max: Annotated[float, Field(ge=0, le=1)]
    spring_festival_buffer_days: NonNegInt
    staffing_gap_max_days: Annotated[float, Field(ge=0)]
    budget_overspend_max: Money
    likelihood_step: Annotated[int, Field(ge=1)]


_ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def check_role_codes(roles: dict[str, str], what: str, example: str) -> dict[str, str]:
    """*roles* (code → label) checked: at least one, every code snake_case. *what* names them
    and *example* (``code: label``) shows one in the message."""
    if not roles:
        raise ValueError(f"needs at least one {what}, like {example}")
    bad = [code for code in roles if not _ROLE_CODE.match(code)]
    if bad:
        like = example.partition(":")[0]
        raise ValueError(f"role codes must be snake_case like {like}, got {bad}")
    return roles


class RiskConfig(StrictModel):
    """The risk register (§5): where it is stored, how it is scored, who owns what."""

    store: Annotated[str, Field(min_length=1)]
    scale_max: Annotated[int, Field(ge=2, le=10)]
    levels: dict[str, LevelBand]
    owner_roles: dict[str, Annotated[str, Field(min_length=1)]]
    signals: RiskSignals

    @field_validator("owner_roles")
    @classmethod
    def _role_codes(cls, v: dict[str, str]) -> dict[str, str]:
        return check_role_codes(v, "owner role", "campaign_lead: 回访项目负责人")

    @model_validator(mode="after")
    def _bands(self) -> RiskConfig:
        top = self.scale_max**2
        if not self.levels:
            raise ValueError("levels: needs at least one band, like low: {min: 1, max: 4, ...}")
        expected, previous = 1, None
        for code, band in self.levels.items():
            if band.min is None and previous is None:
                object.__setattr__(band, "min", 1)  # the first band starts at the first score
            if band.min != expected:
                after = f"{previous!r} ends at {expected - 1}" if previous else "scores start at 1"
                raise ValueError(
                    f"levels.{code}.min = {band.min}: the bands must follow each other with no "
                    f"gap or overlap from 1 to {top} (scale_max {self.scale_max} squared), and "
                    f"{after}, so {code!r} must start at {expected}"
                )
            if band.max < band.min:
                raise ValueError(f"levels.{code}: max {band.max} is below min {band.min}")
            expected, previous = band.max + 1, code
        if expected - 1 != top:
            raise ValueError(
                f"levels.{previous}.max = {expected - 1}: the last band must end at {top} "
                f"(scale_max {self.scale_max} squared, the highest score)"
            )
        return self

    def store_path(self) -> Path:
        """The store file (resolved at load time against the folder of the file naming it)."""
        return Path(self.store)


class ProblemGrade(StrictModel):
    """One grade of the problem hand-off (§7.2 问题分级响应机制)."""

    label: Annotated[str, Field(min_length=1)]
    response_hours: Annotated[int, Field(ge=1)]


_CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class ProblemBaseline(StrictModel):
    """Last year's mean times, the baseline of the plan's improvement targets (§1.2)."""

    response_hours: Annotated[float, Field(gt=0)]
    solution_hours: Annotated[float, Field(gt=0)]


class ProblemsConfig(StrictModel):
    """The problem hand-off (问题转办, §1.4.2, §3.3, §7.2): grades, SLA clock, categories."""

    grades: dict[Literal["A", "B", "C"], ProblemGrade]
    solution_hours: Annotated[int, Field(ge=1)]
    follow_up_days: Annotated[int, Field(ge=1)]
    categories: dict[str, Annotated[str, Field(min_length=1)]]
    clock: Literal["calendar", "working_hours"]
    day_start: str
    day_end: str
    baseline: ProblemBaseline

    @field_validator("grades")
    @classmethod
    def _every_grade(cls, v: dict[str, ProblemGrade]) -> dict[str, ProblemGrade]:
        missing = [c for c in ("A", "B", "C") if c not in v]
        if missing:
            raise ValueError(f"needs every grade A, B, C, missing {missing}")
        return {c: v[c] for c in ("A", "B", "C")}

    @field_validator("categories")
    @classmethod
    def _category_codes(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            raise ValueError("needs at least one category, like other: 其他 Other")
        bad = [c for c in v if not _ROLE_CODE.match(c)]
        if bad:
            raise ValueError(f"category codes must be snake_case like product, got {bad}")
        return v

    @model_validator(mode="after")
    def _day(self) -> ProblemsConfig:
        for key in ("day_start", "day_end"):
            if not _CLOCK_TIME.match(getattr(self, key)):
                raise ValueError(f"{key}: a time of day like 09:00 is expected")
        if self.minutes(self.day_end) <= self.minutes(self.day_start):
            raise ValueError(f"day_end ({self.day_end}) must be after day_start ({self.day_start})")
        return self

    @staticmethod
    def minutes(clock: str) -> int:
        """Minutes after midnight of an ``HH:MM`` time."""
        hours, _, mins = clock.partition(":")
        return int(hours) * 60 + int(mins)

    def response_hours(self) -> dict[str, int]:
        """Hours to respond, by grade (the risk register's response levels use them too)."""
        return {code: grade.response_hours for code, grade in self.grades.items()}


class ServiceLevels(StrictModel):
    """Service promises of the plan that revisits must keep (§1.4.2, §2.4)."""

    appointment_notice_working_days: Annotated[int, Field(ge=1)]
    survey_after_working_days: Annotated[int, Field(ge=1)]
    sms_working_days_before_holiday: Annotated[int, Field(ge=1)]
    training_within_days_after_holiday: Annotated[int, Field(ge=1)]
    webinar_minutes: Annotated[int, Field(ge=1)]
    webinar_prep_minutes: NonNegInt
    webinar_roles: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]


class InputChecks(StrictModel):
    """What a customers file may hold before a value is taken for a typo (domain.md §8)."""

    #: the largest amount of money a cell may hold, in CNY (a larger one is a typo or junk)
    money_ceiling: PositiveFloat = 1e13
    #: the most years of cooperation a customer can have
    max_cooperation_years: NonNegInt = 100
