"""The campaign configuration: every number the kit plans with, validated once.

Planners change the plan in ``data/campaign.yaml`` (or in a file of their own laid over it),
never in code. This module turns that YAML into one frozen, validated object and refuses an
unknown key, a wrong type or an impossible value with a message that names the key and the
value. pydantic does the structural checks (types, unknown keys, ranges) and reports the full
path of every bad key; the cross-field rules of the plan (phases in order, known channel codes,
a region in one cluster only) are checked here.

Example
-------
>>> cfg = load_config()
>>> cfg.campaign.year
2026
>>> cfg.phases().execution.end.isoformat()
'2027-01-20'
"""

from __future__ import annotations

import copy
import os
import re
import reprlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from revisitkit.errors import ConfigError

#: The kit's default configuration, kept beside the sample data at the top of the repository.
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "data" / "campaign.yaml"

# ---------------------------------------------------------------- the plan's vocabulary
# The one home of every code list the plan uses; every other module imports these.
#: Priority tiers, most urgent first (§1.2).
TIERS = ("high", "medium", "low")
Tier = Literal["high", "medium", "low"]  # the same tiers, for the typed config fields
#: Value segments (§1.1), in the order the plan lists them.
SEGMENT_CODES = (
    "churned",
    "new",
    "core",
    "potential",
    "regular",
    "inactive",
    "marginal",
    "low_frequency",
)
#: How far a visit is from the visitor's home, nearest first (§4.2 travel time).
TRAVEL_CLASSES = ("same_region", "same_cluster", "other_cluster", "overseas")
#: The budget's categories (§4.4).
BUDGET_CATEGORIES = ("personnel", "materials", "technology", "contingency")
#: The KPIs the plan measures (§5).
KPI_CODES = (
    "satisfaction",
    "nps",
    "problem_resolution",
    "leads",
    "lead_conversion",
    "suggestions",
    "improvement_items",
    "on_time",
    "coverage",
    "core_churn",
    "repurchase",
)
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


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


DateSpec = date | str
#: YAML gives lists; the frozen config keeps tuples (and so is hashable and immutable).
CodeList = Annotated[tuple[str, ...], Field(strict=False)]


def _check_date_spec(value: DateSpec) -> DateSpec:
    resolve_date(value, 2000)  # the form is checked here; the year comes later
    return value


class PhaseWindow(_Strict):
    start: DateSpec
    end: DateSpec

    _check = field_validator("start", "end")(_check_date_spec)


class Phases(_Strict):
    preparation: PhaseWindow
    execution: PhaseWindow
    summary: PhaseWindow


class Campaign(_Strict):
    year: Annotated[int, Field(ge=2000, le=2099)]
    as_of: DateSpec | None = None
    phases: Phases
    materials_lead_days: NonNegInt

    @field_validator("as_of")
    @classmethod
    def _as_of_form(cls, v: DateSpec | None) -> DateSpec | None:
        return None if v is None else _check_date_spec(v)


class CalendarConfig(_Strict):
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


class Segment(_Strict):
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


class Segments(_Strict):
    churned: ChurnedSegment
    new: NewSegment
    core: CoreSegment
    potential: PotentialSegment
    regular: RegularSegment
    inactive: InactiveSegment
    marginal: MarginalSegment
    low_frequency: Segment


class Rule(_Strict):
    tier: Tier
    deadline_days: NonNegInt


class StrategicRule(Rule):
    revenue_12m_over: Money


class LoyalCoreRule(Rule):
    min_cooperation_years: NonNegInt


class MajorProjectRule(Rule):
    project_value_over: Money


class DropRule(Rule):
    drop_ratio_max: PositiveFloat


class ComplaintRule(Rule):
    min_open_major_complaints: Annotated[int, Field(ge=1)]


class GrowthRule(Rule):
    growth_ratio_min: PositiveFloat


class BenchmarkRule(Rule):
    rank_max: NonNegInt


class RegularActiveRule(Rule):
    revenue_12m_min: Money
    revenue_12m_max: Money

    @model_validator(mode="after")
    def _range(self) -> RegularActiveRule:
        if self.revenue_12m_min > self.revenue_12m_max:
            raise ValueError(
                f"revenue_12m_min ({self.revenue_12m_min:,.0f}) must not exceed "
                f"revenue_12m_max ({self.revenue_12m_max:,.0f})"
            )
        return self


class NewCustomerRule(Rule):
    first_order_within_days: NonNegInt


class Rules(_Strict):
    strategic: StrategicRule
    loyal_core: LoyalCoreRule
    major_project: MajorProjectRule
    churn_warning_drop: DropRule
    churn_warning_complaint: ComplaintRule
    potential_growth: GrowthRule
    industry_benchmark: BenchmarkRule
    regular_active: RegularActiveRule
    new_customer: NewCustomerRule
    churned_winback: Rule


class LowTier(_Strict):
    deadline_days: NonNegInt
    segments: Annotated[tuple[Literal[SEGMENT_CODES], ...], Field(strict=False)]  # type: ignore[valid-type]


class Priority(_Strict):
    labels: dict[Tier, str]
    rules: Rules
    low: LowTier

    @field_validator("labels")
    @classmethod
    def _all_tiers(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [t for t in TIERS if t not in v]
        if missing:
            raise ValueError(f"needs a label for every tier, missing {missing}")
        return v


class Cluster(_Strict):
    label: Annotated[str, Field(min_length=1)]
    regions: CodeList = ()


class IndustryGroup(_Strict):
    label: Annotated[str, Field(min_length=1)]
    industries: CodeList = ()


class LevelBand(_Strict):
    """One risk level: the scores (likelihood × impact) it covers, its label and colour."""

    label: Annotated[str, Field(min_length=1)]
    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1)]
    color: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


class RiskSignals(_Strict):
    """Thresholds of the live signals that suggest raising a risk's likelihood."""

    core_complaint_share_max: Annotated[float, Field(ge=0, le=1)]
    holiday_week_share_max: Annotated[float, Field(ge=0, le=1)]
    spring_festival_buffer_days: NonNegInt
    staffing_gap_max_days: Annotated[float, Field(ge=0)]
    budget_overspend_max: Money
    likelihood_step: Annotated[int, Field(ge=1)]


_ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class RiskConfig(_Strict):
    """The risk register (§5): where it is stored, how it is scored, who owns what."""

    store: Annotated[str, Field(min_length=1)]
    scale_max: Annotated[int, Field(ge=2, le=10)]
    levels: dict[str, LevelBand]
    sla_hours: dict[Literal["A", "B", "C"], Annotated[int, Field(ge=1)]]
    owner_roles: dict[str, Annotated[str, Field(min_length=1)]]
    review_interval_days: Annotated[int, Field(ge=1)]
    signals: RiskSignals

    @field_validator("sla_hours")
    @classmethod
    def _every_level(cls, v: dict[str, int]) -> dict[str, int]:
        missing = [c for c in ("A", "B", "C") if c not in v]
        if missing:
            raise ValueError(f"needs the hours of every response level A, B, C, missing {missing}")
        return v

    @field_validator("owner_roles")
    @classmethod
    def _role_codes(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            raise ValueError("needs at least one owner role, like campaign_lead: 回访项目负责人")
        bad = [code for code in v if not _ROLE_CODE.match(code)]
        if bad:
            raise ValueError(f"role codes must be snake_case like campaign_lead, got {bad}")
        return v

    @model_validator(mode="after")
    def _bands(self) -> RiskConfig:
        top = self.scale_max**2
        if not self.levels:
            raise ValueError("levels: needs at least one band, like low: {min: 1, max: 4, ...}")
        expected, previous = 1, None
        for code, band in self.levels.items():
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


# ------------------------------------------------------------------------- staffing (§4.2)


class ChannelEffort(_Strict):
    """What one channel costs in staff time (§2.4, §3.1): per customer, per touch.

    An ``automated`` channel (SMS, pushes, the survey platform) creates no staffed task; its
    other keys are ignored, so that a planner's overlay can switch a staffed channel to
    automated with ``automated: true`` alone. A staffed one names the roles that must be there together, the minutes each of them spends
    in the contact itself and in preparing it (travel is added by distance class), how many
    touches it takes, and, for a follow-up, which earlier channel it follows and within how
    many calendar days.
    """

    automated: bool = False
    minutes: NonNegInt = 0
    prep_minutes: NonNegInt = 0
    roles: CodeList = ()
    roles_by_segment: dict[Literal[SEGMENT_CODES], CodeList] = {}  # type: ignore[valid-type]
    travel: bool = False
    touches: Annotated[int, Field(ge=1)] = 1
    follows: CodeList = ()
    follow_up_within_days: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ChannelEffort:
        if self.automated:
            # automated wins: a planner's overlay switches a staffed channel off with this one
            # key, although the defaults beneath it still carry minutes and roles
            return self
        if not self.roles:
            raise ValueError(
                "a staffed channel needs roles (the role codes that do it together, like "
                "[sales_director, tech_consultant, cs_manager]); or set automated: true"
            )
        empty = [seg for seg, roles in self.roles_by_segment.items() if not roles]
        if empty:
            raise ValueError(f"roles_by_segment: segment(s) {empty} have an empty role list")
        if self.minutes + self.prep_minutes == 0:
            raise ValueError(
                "a staffed channel must take some time: minutes + prep_minutes is 0; "
                "set minutes, or automated: true if no one works on it"
            )
        if (self.follows or self.touches > 1) and self.follow_up_within_days is None:
            raise ValueError(
                f"follows {list(self.follows)} / touches {self.touches}: a follow-up needs "
                "follow_up_within_days (calendar days after the touch it follows)"
            )
        if self.follow_up_within_days is not None and not (self.follows or self.touches > 1):
            raise ValueError(
                f"follow_up_within_days = {self.follow_up_within_days} but the channel "
                "follows nothing: add follows: [channel, …] or touches: 2 or more"
            )
        return self

    def roles_for(self, segment: str) -> tuple[str, ...]:
        """The roles needed for a customer of *segment* (the segment override, if any)."""
        return tuple(self.roles_by_segment.get(segment, self.roles))

    @property
    def task_minutes(self) -> int:
        """Minutes per person per touch: the contact and its preparation, travel excluded."""
        return self.minutes + self.prep_minutes


class TravelMinutes(_Strict):
    """Working minutes of travel per on-site visit and person, round trip, by distance class."""

    same_region: NonNegInt
    same_cluster: NonNegInt
    other_cluster: NonNegInt
    overseas: NonNegInt

    @model_validator(mode="after")
    def _ordered(self) -> TravelMinutes:
        if not self.same_region <= self.same_cluster <= self.other_cluster:
            raise ValueError(
                "travel must not get shorter with distance (same_region ≤ same_cluster ≤ "
                f"other_cluster), got same_region {self.same_region}, same_cluster "
                f"{self.same_cluster}, other_cluster {self.other_cluster}"
            )
        return self


class StaffingConfig(_Strict):
    """Who does the revisits and what each channel costs them (§2.4, §3.1, §4.2, §7.3)."""

    roles: dict[str, Annotated[str, Field(min_length=1)]]
    default_hours_per_day: Annotated[float, Field(gt=0, le=12)]
    channels: dict[str, ChannelEffort]
    travel_minutes: TravelMinutes
    overseas_clusters: CodeList = ()
    specialist_ratio: Annotated[int, Field(ge=1)]
    reserve_share: Annotated[float, Field(ge=0, le=1)]
    exact_solver_max_variables: NonNegInt

    @field_validator("roles")
    @classmethod
    def _role_codes(cls, v: dict[str, str]) -> dict[str, str]:
        if not v:
            raise ValueError(
                "needs at least one role, like sales_director: 销售总监 Sales director"
            )
        bad = [code for code in v if not _ROLE_CODE.match(code)]
        if bad:
            raise ValueError(f"role codes must be snake_case like sales_director, got {bad}")
        return v


class QualityResponse(_Strict):
    technical_response_hours: Annotated[int, Field(ge=1)]
    solution_hours: Annotated[int, Field(ge=1)]
    follow_up_days: Annotated[int, Field(ge=1)]


class ServiceLevels(_Strict):
    """Service promises of the plan that revisits must keep (§1.4.2, §2.4)."""

    appointment_notice_working_days: NonNegInt
    survey_questions: Annotated[
        tuple[Annotated[int, Field(ge=1)], ...], Field(strict=False, min_length=2, max_length=2)
    ]
    sms_days_before_holiday: NonNegInt
    training_within_days_after_holiday: NonNegInt
    quality: QualityResponse

    @field_validator("survey_questions")
    @classmethod
    def _range(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if v[0] > v[1]:
            raise ValueError(f"is a range [fewest, most], got {list(v)}")
        return v


class BudgetSplit(_Strict):
    """Shares of the total per category (§4.4); they add up to 1."""

    personnel: Annotated[float, Field(ge=0, le=1)]
    materials: Annotated[float, Field(ge=0, le=1)]
    technology: Annotated[float, Field(ge=0, le=1)]
    contingency: Annotated[float, Field(ge=0, le=1)]

    @model_validator(mode="after")
    def _sum_to_one(self) -> BudgetSplit:
        total = sum(getattr(self, c) for c in BUDGET_CATEGORIES)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(
                f"the shares must add up to 1 (100%), got {total:g} "
                f"({', '.join(f'{c} {getattr(self, c):g}' for c in BUDGET_CATEGORIES)})"
            )
        return self

    def as_dict(self) -> dict[str, float]:
        return {c: float(getattr(self, c)) for c in BUDGET_CATEGORIES}


class SegmentReturn(_Strict):
    """Expected return assumptions of one value segment (shares of its customers' revenue)."""

    revenue_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    winback_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    lead_rate: Annotated[float, Field(ge=0)] = 0.0
    lead_conversion: Annotated[float, Field(ge=0, le=1)] = 0.0
    lead_value: Money = 0.0


class TravelCost(_Strict):
    same_region: Money
    same_cluster: Money
    other_cluster: Money
    overseas: Money


class BudgetConfig(_Strict):
    """What the campaign may cost and is expected to return (§4.4, §6.2)."""

    total_cny: Money
    split: BudgetSplit
    share_tolerance: Annotated[float, Field(ge=0, le=1)]
    labels: dict[str, Annotated[str, Field(min_length=1)]]
    roi_target: Annotated[float, Field(ge=0)]
    abc_effort_target_a: Annotated[float, Field(ge=0, le=1)]
    cost_per_hour: dict[str, Money]
    travel_cost: TravelCost
    gift_per_customer: dict[str, Money]
    visit_kit: Money
    winback_incentive: Money
    brochure_per_contact: Money
    systems_fixed: Money
    training_fixed: Money
    message_cost: Money
    contingency_rate: Annotated[float, Field(ge=0, lt=1)]
    gross_margin: Annotated[float, Field(ge=0, le=1)]
    returns: dict[str, SegmentReturn]
    overspend_tolerance: Annotated[float, Field(ge=0)]

    @field_validator("labels")
    @classmethod
    def _all_labels(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [c for c in BUDGET_CATEGORIES if c not in v]
        unknown = [c for c in v if c not in BUDGET_CATEGORIES]
        if missing or unknown:
            raise ValueError(
                f"needs a label for each of {list(BUDGET_CATEGORIES)}; missing {missing}, "
                f"unknown {unknown}"
            )
        return v


class KpiTarget(_Strict):
    value: float
    direction: Literal["min", "max"]


class KpiConfig(_Strict):
    """Targets the outcomes are measured against (§1.2, §6)."""

    satisfaction_scale: Annotated[tuple[float, float], Field(strict=False)]
    targets: dict[str, KpiTarget]
    amber_margin: Annotated[float, Field(ge=0, le=1)]
    short_term_days: Annotated[int, Field(ge=1)]
    mid_term_days: Annotated[int, Field(ge=1)]

    @field_validator("satisfaction_scale")
    @classmethod
    def _scale(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] < v[1]:
            raise ValueError(
                f"is [lowest, highest] with lowest < highest, like [1, 5]; got {list(v)}"
            )
        return v

    @field_validator("targets")
    @classmethod
    def _known(cls, v: dict[str, KpiTarget]) -> dict[str, KpiTarget]:
        unknown = [k for k in v if k not in KPI_CODES]
        missing = [k for k in KPI_CODES if k not in v]
        if unknown or missing:
            raise ValueError(
                f"needs a target for each of {list(KPI_CODES)}; missing {missing}, unknown {unknown}"
            )
        return v


class InputChecks(_Strict):
    """What a customers file may hold before a value is taken for a typo (domain.md §8)."""

    #: the largest amount of money a cell may hold, in CNY (a larger one is a typo or junk)
    money_ceiling: PositiveFloat = 1e13
    #: the most years of cooperation a customer can have
    max_cooperation_years: NonNegInt = 100


class Config(_Strict):
    """The whole campaign configuration (one frozen object, passed explicitly)."""

    campaign: Campaign
    input: InputChecks = InputChecks()
    calendar: CalendarConfig
    segments: Segments
    priority: Priority
    channels: dict[str, str]
    region_clusters: dict[str, Cluster]
    industry_groups: dict[str, IndustryGroup]
    business_types: dict[Literal["product", "service", "project"], str]
    risk: RiskConfig
    staffing: StaffingConfig
    service: ServiceLevels
    budget: BudgetConfig
    kpis: KpiConfig
    #: where the file came from, for messages; not a key of the YAML
    source: str = Field(default="<defaults>", exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        for code, seg in self.segments:
            unknown = [c for c in seg.channels if c not in self.channels]
            if unknown:
                raise ValueError(
                    f"segments.{code}.channels: unknown channel code(s) {unknown}; "
                    f"known codes are {sorted(self.channels)}"
                )
        seen: dict[str, str] = {}
        for code, cluster in self.region_clusters.items():
            for region in cluster.regions:
                if region in seen:
                    raise ValueError(
                        f"region_clusters: region {region!r} is listed in both "
                        f"{seen[region]!r} and {code!r}; a region belongs to one cluster"
                    )
                seen[region] = code
        seen = {}
        for code, group in self.industry_groups.items():
            for industry in group.industries:
                if industry in seen:
                    raise ValueError(
                        f"industry_groups: industry {industry!r} is listed in both "
                        f"{seen[industry]!r} and {code!r}"
                    )
                seen[industry] = code
        missing = [r for r in self.staffing.roles if r not in self.budget.cost_per_hour]
        if missing:
            raise ValueError(
                f"budget.cost_per_hour: no cost per hour for role(s) {missing}; every role of "
                "staffing.roles needs one (CNY per working hour)"
            )
        for key in ("gift_per_customer", "returns"):
            unknown = [c for c in getattr(self.budget, key) if c not in SEGMENT_CODES]
            if unknown:
                raise ValueError(
                    f"budget.{key}: unknown segment code(s) {unknown}; known codes are "
                    f"{list(SEGMENT_CODES)}"
                )
        self.phases()  # phases in order for the configured year
        return self

    @model_validator(mode="after")
    def _staffing_checks(self) -> Config:
        staffing = self.staffing
        unknown = [c for c in staffing.channels if c not in self.channels]
        if unknown:
            raise ValueError(
                f"staffing.channels: unknown channel code(s) {unknown}; known codes are "
                f"{sorted(self.channels)}"
            )
        for code, seg in self.segments:
            missing = [c for c in seg.channels if c not in staffing.channels]
            if missing:
                raise ValueError(
                    f"staffing.channels: no effort entry for channel(s) {missing} used by "
                    f"segments.{code}.channels; add one, e.g. {missing[0]}: "
                    "{automated: true} or {minutes: 25, roles: [sales]}"
                )
        roles = staffing.roles
        for code, effort in staffing.channels.items():
            where = f"staffing.channels.{code}"
            for key, codes in [
                ("roles", effort.roles),
                *((f"roles_by_segment.{seg}", r) for seg, r in effort.roles_by_segment.items()),
            ]:
                unknown = [c for c in codes if c not in roles]
                if unknown:
                    raise ValueError(
                        f"{where}.{key} = {list(codes)}: unknown role code(s) {unknown}; "
                        f"known roles are {sorted(roles)}"
                    )
            unknown = [c for c in effort.follows if c not in self.channels]
            if unknown:
                raise ValueError(
                    f"{where}.follows: unknown channel code(s) {unknown}; known codes are "
                    f"{sorted(self.channels)}"
                )
            if code in effort.follows:
                raise ValueError(
                    f"{where}.follows: a channel cannot follow itself; use touches for "
                    "repeated touches of one channel"
                )
        unknown = [c for c in staffing.overseas_clusters if c not in self.region_clusters]
        if unknown:
            raise ValueError(
                f"staffing.overseas_clusters: unknown region cluster(s) {unknown}; known "
                f"clusters are {sorted(self.region_clusters)}"
            )
        return self

    # ----------------------------------------------------------------- derived values
    def phases(self) -> CampaignPhases:
        """The phase dates of the configured campaign year, checked to be in order."""
        y = self.campaign.year
        p = self.campaign.phases
        spans = [
            (
                "preparation",
                resolve_date(p.preparation.start, y),
                resolve_date(p.preparation.end, y),
            ),
            ("execution", resolve_date(p.execution.start, y), resolve_date(p.execution.end, y)),
            ("summary", resolve_date(p.summary.start, y), resolve_date(p.summary.end, y)),
        ]
        previous_end: tuple[str, date] | None = None
        for name, start, end in spans:
            if end < start:
                raise ValueError(
                    f"campaign.phases.{name}: end {end.isoformat()} is before start "
                    f"{start.isoformat()}"
                )
            if previous_end and start <= previous_end[1]:
                raise ValueError(
                    f"campaign.phases.{name}: starts {start.isoformat()}, but "
                    f"{previous_end[0]} ends {previous_end[1].isoformat()}; phases must follow "
                    "each other in order: preparation, execution, summary"
                )
            previous_end = (name, end)
        return CampaignPhases(*[Phase(n, s, e) for n, s, e in spans])

    def as_of(self) -> date:
        """The date the CRM data describes (default: the first day of preparation)."""
        if self.campaign.as_of is None:
            return self.phases().preparation.start
        return resolve_date(self.campaign.as_of, self.campaign.year)

    def holiday_paths(self) -> list[Path]:
        """Holiday files (resolved at load time against the folder of the file naming them)."""
        return [Path(f) for f in self.calendar.holiday_files]

    def replace(self, changes: dict[str, Any]) -> Config:
        """A new validated config with *changes* (nested keys, as in the YAML) laid over.

        >>> load_config().replace({"segments": {"core": {"top_share": 0.1}}}).segments.core.top_share
        0.1
        """
        return _validate(_deep_merge(self.model_dump(), changes), self.source)

    def with_overrides(self, *, year: int | None = None, as_of: date | None = None) -> Config:
        """A new validated config with the campaign year and/or as-of date replaced."""
        data = self.model_dump()
        if year is not None:
            data["campaign"]["year"] = year
        if as_of is not None:
            data["campaign"]["as_of"] = as_of
        return _validate(data, self.source)


@dataclass(frozen=True)
class Phase:
    name: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class CampaignPhases:
    preparation: Phase
    execution: Phase
    summary: Phase

    def __iter__(self):
        return iter((self.preparation, self.execution, self.summary))


# --------------------------------------------------------------------------- loading
def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if path == DEFAULT_CONFIG_PATH:
            raise ConfigError(
                f"{shown}: the kit's default config is missing; revisitkit runs from its "
                "repository (install it with `pip install -e .` there, as `make` does)"
            ) from None
        raise ConfigError(f"{shown}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{shown}: is a folder; give the config file (.yaml)") from None
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"{shown}: config files must be UTF-8 text (byte 0x{e.object[e.start]:02X} at "
            f"offset {e.start} is not UTF-8; save the file as UTF-8)"
        ) from None
    except OSError as e:
        raise ConfigError(f"{shown}: cannot be read: {e.strerror or e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(e, "problem", None) or str(e)
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start:
            what += f" ({context} at line {start.line + 1}, column {start.column + 1})"
        raise ConfigError(f"{shown}: not valid YAML{where}: {what}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{shown}: the top level must be a mapping of keys like 'campaign:', got "
            f"{_kind(data)} {_short(data)}"
        )
    return data


def _rebase_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Holiday files and the store are written relative to the file that names them."""
    cal = data.get("calendar")
    if isinstance(cal, dict) and isinstance(cal.get("holiday_files"), list):
        cal = dict(cal)
        cal["holiday_files"] = [
            display_path(base / f) if isinstance(f, str) else f for f in cal["holiday_files"]
        ]
        data = {**data, "calendar": cal}
    risk = data.get("risk")
    if isinstance(risk, dict) and isinstance(risk.get("store"), str):
        data = {**data, "risk": {**risk, "store": display_path(base / risk["store"])}}
    return data


def _kind(value: Any) -> str:
    """What a YAML value is, in a planner's words."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return "a date"
    return type(value).__name__


_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple = 2, 6, 6, 6
_REPR.maxstring = _REPR.maxother = 80


def _short(value: Any) -> str:
    """A value as a message shows it: bounded, however large (a YAML alias bomb expands to
    millions of items; its repr alone would be a 28 MB message).

    >>> _short(list(range(100)))
    '[0, 1, 2, 3, 4, 5, ...]'
    """
    return _REPR.repr(value)


#: pydantic names a date key of a mapping by its repr
_DATE_REPR = re.compile(r"^datetime\.date\((\d+), (\d+), (\d+)\)$")


def _format_error(err: dict[str, Any]) -> str:
    loc = [
        _DATE_REPR.sub(lambda m: date(*map(int, m.groups())).isoformat(), str(p))
        for p in err["loc"]
    ]
    key = ".".join(loc) if loc else "(top level)"
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        return f"unknown key {key!r} (value {_short(value)}); check its spelling"
    if err["type"] == "missing":
        return f"key {key!r} is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"].endswith("_type"):
        msg += f", got {_kind(value)}"
    if not loc:
        return msg
    if isinstance(value, dict):  # a rule across keys: the message names them and their values
        return f"{key}: {msg}"
    return f"{key} = {_short(value)}: {msg}"


_DATE_OR_TEXT = "must be a date like 2026-12-01 or text like 'Y-12-01' or 'Y+1-01-20'"


def _merge_unions(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A config date is a date or a relative-date text; pydantic reports one error per type
    it tried (loc ending in 'date' and 'str'). Say it once, for the key the planner wrote."""
    merged: list[dict[str, Any]] = []
    for err in errors:
        loc = tuple(err["loc"])
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and loc[-1:] == ("str",)
            and tuple(prev["loc"]) == loc[:-1]
            and prev.get("_union")
        ):
            continue
        if loc[-1:] == ("date",) and err["type"] == "date_type":
            err = {**err, "loc": loc[:-1], "type": "date_or_text", "_union": True}
            err["msg"] = _DATE_OR_TEXT + f", got {_kind(err.get('input'))}"
        merged.append(err)
    return merged


def _validate(data: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate({**data, "source": source})
    except ValidationError as e:
        problems = [_format_error(err) for err in _merge_unions(e.errors(include_url=False))]
        raise ConfigError(
            f"{source}: {len(problems)} problem(s) in the campaign config:\n  - "
            + "\n  - ".join(problems)
        ) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load the campaign configuration.

    Parameters
    ----------
    path
        A planner's YAML file. It is laid over the kit's defaults
        (``data/campaign.yaml``), so it only needs the keys it changes. ``None`` loads the
        defaults alone.

    Raises
    ------
    ConfigError
        The file cannot be read, or a key is unknown, has the wrong type or an impossible
        value; the message names every such key and its value.
    """
    defaults = _rebase_paths(_read_yaml(DEFAULT_CONFIG_PATH), DEFAULT_CONFIG_PATH.parent)
    if path is None:
        return _validate(defaults, display_path(DEFAULT_CONFIG_PATH))
    path = Path(path)
    own = _rebase_paths(_read_yaml(path), path.parent)
    return _validate(_deep_merge(defaults, own), display_path(path))


def display_path(path: str | Path) -> str:
    """A path as people should see it: relative to the working folder where it lies below or
    beside it (so notebooks and messages carry no machine-specific paths), else absolute."""
    resolved, here = Path(path).resolve(), Path.cwd()
    if resolved.is_relative_to(here) or resolved.is_relative_to(here.parent):
        return os.path.relpath(resolved, here)
    return str(resolved)
