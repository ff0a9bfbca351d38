"""The campaign configuration: every number the kit plans with, validated once.

Planners change the plan in ``data/campaign.yaml`` (or in a file of their own laid over it),
never in code. This module turns that YAML into one frozen, validated object and refuses an
unknown key, a wrong type or an impossible value with a message that names the key and the
value. pydantic does the structural checks (types, unknown keys, ranges) and reports the full
path of every bad key; the cross-field rules of the plan (phases in order, known channel codes,
a region in one cluster only) are checked here.

This module is the home of the plan's vocabulary (the tiers, segments, travel classes, budget
categories and KPI codes), of the sections built on it and of :class:`Config`. The field types
and the sections that stand alone are in :mod:`revisitkit.config_sections`; reading the files
and wording pydantic's errors in :mod:`revisitkit.config_loading`. Import them all from here.

Example
-------
>>> cfg = load_config()
>>> cfg.campaign.year
2026
>>> cfg.phases().execution.end.isoformat()
'2027-01-20'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from revisitkit.config_loading import deep_merge, display_path, problems, read_yaml, rebase_paths
from revisitkit.config_sections import (
    CalendarConfig,
    Campaign,
    CampaignPhases,
    Cluster,
    CodeList,
    IndustryGroup,
    InputChecks,
    Money,
    NonNegInt,
    Phase,
    PositiveFloat,
    ProblemsConfig,
    RiskConfig,
    Segments,
    ServiceLevels,
    StrictModel,
    check_role_codes,
    resolve_date,
)
from revisitkit.errors import ConfigError
from revisitkit.kit import KIT_DATA

#: The kit's default configuration, kept beside the sample data (:mod:`revisitkit.kit`).
DEFAULT_CONFIG_PATH = KIT_DATA / "campaign.yaml"
_DEFAULTS_MISSING = (
    "the kit's default config is missing: the installation is incomplete; reinstall "
    "revisitkit (pip install --force-reinstall revisitkit, or pip install -e . in a clone)"
)

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
    "response_speed",
    "handling_time",
    "problem_sla",
    "verified_fix",
)


def _one_each(codes: tuple[str, ...], what: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A field validator: the mapping is keyed by exactly the *codes* of a vocabulary list, a
    *what* for each and no other key."""

    def check(v: dict[str, Any]) -> dict[str, Any]:
        missing = [c for c in codes if c not in v]
        unknown = [c for c in v if c not in codes]
        if missing or unknown:
            raise ValueError(
                f"needs a {what} for each of {list(codes)}; missing {missing}, unknown {unknown}"
            )
        return v

    return check


class Rule(StrictModel):
    # ``from`` in the YAML (a Python keyword): the day the deadline_days count from
    model_config = ConfigDict(**StrictModel.model_config, populate_by_name=True)

    tier: Tier
    deadline_days: NonNegInt
    from_: Literal["as_of", "execution_start"] = Field("execution_start", alias="from")


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


class Rules(StrictModel):
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


class LowTier(StrictModel):
    deadline_days: NonNegInt
    segments: Annotated[tuple[Literal[SEGMENT_CODES], ...], Field(strict=False)]  # type: ignore[valid-type]


class Priority(StrictModel):
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


class Escalation(StrictModel):
    """Work a customer's priority adds to its segment's channel plan (§2.3: the tier decides
    who gets a person, the segment how).

    It applies to the customers for whom one of ``rules`` fired, or (``tier``) to every customer
    of that tier that no other escalation and no staffed channel of its plan reaches. It may
    add a personal ``contact`` (a channel, due by the rule's deadline; if the plan already has
    that channel, that task becomes the contact), ``also`` tasks due with the contact,
    ``weekly`` touches (one per ISO week of execution), and a ``lead`` role that takes the
    place of ``replaces`` on the customer's on-site visit when the roster has one. ``by``
    says who: ``owner`` (the customer's account owner on the roster, in that person's role)
    and role codes, the first that applies.
    """

    rules: CodeList = ()
    tier: Tier | None = None
    contact: str | None = None
    also: CodeList = ()
    weekly: str | None = None
    by: CodeList = ()
    lead: str | None = None
    replaces: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Escalation:
        if bool(self.rules) == (self.tier is not None):
            raise ValueError("names either rules (reason codes) or a tier, not both or neither")
        if not (self.contact or self.also or self.weekly or self.lead):
            raise ValueError("adds nothing: set contact, also, weekly or lead")
        if bool(self.lead) != bool(self.replaces):
            raise ValueError("lead and replaces go together (the role that leads, and whom)")
        return self


# ------------------------------------------------------------------------- staffing (§4.2)


class ChannelEffort(StrictModel):
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
        if self.touches > 1 and self.follow_up_within_days is None:
            raise ValueError(
                f"touches {self.touches}: a repeated touch needs follow_up_within_days "
                "(calendar days after the touch before it)"
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


class TravelMinutes(StrictModel):
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


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock_minutes(value: str, what: str) -> int:
    m = _CLOCK.match(str(value))
    if not m:
        raise ValueError(f"{what} must be a time of day like 09:00 (HH:MM, 24-hour), got {value!r}")
    return int(m.group(1)) * 60 + int(m.group(2))


class Workday(StrictModel):
    """When the revisit day starts and the lunch break (§4.2): each staffed task's time."""

    start: str
    lunch: Annotated[tuple[str, str], Field(strict=False)]
    timezone: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _times(self) -> Workday:
        start = _clock_minutes(self.start, "start")
        lo, hi = (_clock_minutes(v, "lunch") for v in self.lunch)
        if not start <= lo <= hi:
            raise ValueError(
                f"lunch must start at or after the day's start and end at or after it starts "
                f"(start {self.start}, lunch {self.lunch[0]}–{self.lunch[1]})"
            )
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(self.timezone)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError for odd keys
            raise ValueError(
                f"timezone must be an IANA time zone like Asia/Shanghai, got {self.timezone!r}"
            ) from exc
        return self

    @property
    def start_minutes(self) -> int:
        """The day's start, in minutes after midnight."""
        return _clock_minutes(self.start, "start")

    @property
    def lunch_minutes(self) -> tuple[int, int]:
        """The lunch break, in minutes after midnight."""
        return _clock_minutes(self.lunch[0], "lunch"), _clock_minutes(self.lunch[1], "lunch")


class StaffingConfig(StrictModel):
    """Who does the revisits and what each channel costs them (§2.4, §3.1, §4.2, §7.3)."""

    roles: dict[str, Annotated[str, Field(min_length=1)]]
    default_hours_per_day: Annotated[float, Field(gt=0, le=12)]
    channels: dict[str, ChannelEffort]
    travel_minutes: TravelMinutes
    overseas_clusters: CodeList = ()
    specialist_ratio: Annotated[int, Field(ge=1)]
    reserve_share: Annotated[float, Field(ge=0, le=1)]
    target_utilisation: Annotated[float, Field(gt=0, le=1)]
    front_load: bool = False
    exact_solver_max_variables: NonNegInt
    workday: Workday

    @field_validator("roles")
    @classmethod
    def _role_codes(cls, v: dict[str, str]) -> dict[str, str]:
        return check_role_codes(v, "role", "sales_director: 销售总监 Sales director")


class BudgetSplit(StrictModel):
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


class SegmentReturn(StrictModel):
    """Expected return assumptions of one value segment (shares of its customers' revenue)."""

    revenue_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    winback_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    lead_rate: Annotated[float, Field(ge=0)] = 0.0
    lead_conversion: Annotated[float, Field(ge=0, le=1)] = 0.0
    lead_value: Money = 0.0


class TravelCost(StrictModel):
    same_region: Money
    same_cluster: Money
    other_cluster: Money
    overseas: Money


class BudgetConfig(StrictModel):
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

    _all_labels = field_validator("labels")(_one_each(BUDGET_CATEGORIES, "label"))


class KpiTarget(StrictModel):
    """A KPI's target: *value*, reached from above (``max``) or below (``min``), and where the
    plan sets another for a value segment, that segment's (§1.1.3: core repurchase ≥ 85%)."""

    value: float
    direction: Literal["min", "max"]
    by_segment: dict[str, float] = Field(default_factory=dict)

    @field_validator("by_segment")
    @classmethod
    def _known_segments(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(SEGMENT_CODES))
        if unknown:
            raise ValueError(
                f"unknown value segment(s) {unknown}; the segments are {', '.join(SEGMENT_CODES)}"
            )
        return v

    def for_segment(self, segment: str | None) -> float:
        """The target of *segment* (the overall one where it has none of its own)."""
        return float(self.by_segment.get(segment, self.value)) if segment else float(self.value)


class KpiConfig(StrictModel):
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

    _known = field_validator("targets")(_one_each(KPI_CODES, "target"))


def _all_known(
    where: str, given: Iterable[str], known: Sequence[str], what: str, known_as: str = "codes"
) -> None:
    """Every code *given* at *where* is one of the *known* ones (listed in the message, in
    their order, as *known_as*)."""
    unknown = [c for c in given if c not in known]
    if unknown:
        raise ValueError(
            f"{where}: unknown {what}(s) {unknown}; known {known_as} are {list(known)}"
        )


def _listed_once(where: str, noun: str, groups: dict[str, tuple[str, ...]], rule: str = "") -> None:
    """Each *noun* (a region, an industry) listed under one of the *groups* only."""
    seen: dict[str, str] = {}
    for code, members in groups.items():
        for member in members:
            if member in seen:
                raise ValueError(
                    f"{where}: {noun} {member!r} is listed in both {seen[member]!r} and "
                    f"{code!r}{rule}"
                )
            seen[member] = code


class Config(StrictModel):
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
    escalations: dict[str, Escalation] = {}
    staffing: StaffingConfig
    service: ServiceLevels
    problems: ProblemsConfig
    budget: BudgetConfig
    kpis: KpiConfig
    #: where the file came from, for messages; not a key of the YAML
    source: str = Field(default="<defaults>", exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        channels = sorted(self.channels)
        for code, seg in self.segments:
            _all_known(f"segments.{code}.channels", seg.channels, channels, "channel code")
        regions = {code: cluster.regions for code, cluster in self.region_clusters.items()}
        _listed_once("region_clusters", "region", regions, "; a region belongs to one cluster")
        industries = {code: group.industries for code, group in self.industry_groups.items()}
        _listed_once("industry_groups", "industry", industries)
        missing = [r for r in self.staffing.roles if r not in self.budget.cost_per_hour]
        if missing:
            raise ValueError(
                f"budget.cost_per_hour: no cost per hour for role(s) {missing}; every role of "
                "staffing.roles needs one (CNY per working hour)"
            )
        for key in ("gift_per_customer", "returns"):
            _all_known(f"budget.{key}", getattr(self.budget, key), SEGMENT_CODES, "segment code")
        self.phases()  # phases in order for the configured year
        return self

    @model_validator(mode="after")
    def _staffing_checks(self) -> Config:
        staffing = self.staffing
        channels = sorted(self.channels)
        _all_known("staffing.channels", staffing.channels, channels, "channel code")
        for code, seg in self.segments:
            missing = [c for c in seg.channels if c not in staffing.channels]
            if missing:
                raise ValueError(
                    f"staffing.channels: no effort entry for channel(s) {missing} used by "
                    f"segments.{code}.channels; add one, e.g. {missing[0]}: "
                    "{automated: true} or {minutes: 25, roles: [sales]}"
                )
        roles = sorted(staffing.roles)
        for code, effort in staffing.channels.items():
            where = f"staffing.channels.{code}"
            for key, codes in [
                ("roles", effort.roles),
                *((f"roles_by_segment.{seg}", r) for seg, r in effort.roles_by_segment.items()),
            ]:
                _all_known(f"{where}.{key} = {list(codes)}", codes, roles, "role code", "roles")
            _all_known(f"{where}.follows", effort.follows, channels, "channel code")
            if code in effort.follows:
                raise ValueError(
                    f"{where}.follows: a channel cannot follow itself; use touches for "
                    "repeated touches of one channel"
                )
        rule_codes = [*Rules.model_fields, *self.priority.low.segments]
        for name, esc in self.escalations.items():
            where = f"escalations.{name}"
            _all_known(f"{where}.rules", esc.rules, rule_codes, "rule code")
            used = [c for c in (esc.contact, esc.weekly, *esc.also) if c]
            _all_known(f"{where} channels", used, sorted(staffing.channels), "staffing channel")
            for code in used:
                if staffing.channels[code].automated:
                    raise ValueError(
                        f"{where}: channel {code} is automated; an escalation needs a person"
                    )
            who = [r for r in esc.by if r != "owner"]
            who += [r for r in (esc.lead, esc.replaces) if r]
            _all_known(f"{where} roles", who, roles, "role code (or owner)", "roles")
        _all_known("service.webinar_roles", self.service.webinar_roles, roles, "role code")
        _all_known(
            "staffing.overseas_clusters",
            staffing.overseas_clusters,
            sorted(self.region_clusters),
            "region cluster",
            "clusters",
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
        return _validate(deep_merge(self.model_dump(by_alias=True), changes), self.source)

    def with_overrides(self, *, year: int | None = None, as_of: date | None = None) -> Config:
        """A new validated config with the campaign year and/or as-of date replaced."""
        data = self.model_dump(by_alias=True)
        if year is not None:
            data["campaign"]["year"] = year
        if as_of is not None:
            data["campaign"]["as_of"] = as_of
        return _validate(data, self.source)


def _validate(data: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate({**data, "source": source})
    except ValidationError as e:
        found = problems(e)
        raise ConfigError(
            f"{source}: {len(found)} problem(s) in the campaign config:\n  - "
            + "\n  - ".join(found)
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
    defaults = read_yaml(DEFAULT_CONFIG_PATH, missing=_DEFAULTS_MISSING)
    defaults = rebase_paths(defaults, DEFAULT_CONFIG_PATH.parent)
    if path is None:
        return _validate(defaults, display_path(DEFAULT_CONFIG_PATH))
    path = Path(path)
    own = rebase_paths(read_yaml(path), path.parent)
    return _validate(deep_merge(defaults, own), display_path(path))
