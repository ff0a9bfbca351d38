"""The calendar of one campaign: the config's phases on the working calendar.

:func:`campaign_calendar` builds the working calendar for the years a campaign touches (from
the config's holiday files and defaults) and checks that execution ends before the Spring
Festival holiday; :class:`CampaignCalendar` keeps the facts a plan is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from revisitkit.calendar.build import build_calendar
from revisitkit.calendar.working import WorkingCalendar, spring_festival_date
from revisitkit.errors import ConfigError


@dataclass(frozen=True)
class CampaignCalendar:
    """The working calendar of one campaign, with the facts a plan is checked against."""

    calendar: WorkingCalendar
    phases: Any  # revisitkit.config.CampaignPhases
    spring_festival: tuple[date, date]  # first and last day of the Spring Festival holiday
    materials_order_by: date
    warnings: tuple[str, ...]

    @property
    def execution_working_days(self) -> int:
        ex = self.phases.execution
        return self.calendar.count_working_days(ex.start, ex.end)

    def describe(self) -> list[str]:
        """Calendar facts of the plan, one line each, for summaries."""
        lines = []
        for phase in self.phases:
            working = self.calendar.count_working_days(phase.start, phase.end)
            lines.append(
                f"{phase.name:<12} {phase.start} … {phase.end}  "
                f"({phase.days} days, {working} working days)"
            )
        first, last = self.spring_festival
        lines.append(f"Spring Festival holiday 春节: {first} … {last}")
        lines.append(f"Order gifts and materials by {self.materials_order_by}")
        years = [
            y for y in sorted(self.calendar.sources) if y >= self.phases.preparation.start.year
        ]
        lines += [f"calendar {y}: {self.calendar.sources[y]}" for y in years]
        return lines


def campaign_calendar(config: Any) -> CampaignCalendar:
    """Build the working calendar for a campaign and check the plan ends before 春节.

    Parameters
    ----------
    config
        A :class:`revisitkit.config.Config`.

    Raises
    ------
    revisitkit.errors.ConfigError
        A holiday file or a calendar key is wrong, or the execution phase does not end
        before the Spring Festival holiday starts.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> cal = campaign_calendar(load_config())
    >>> cal.spring_festival, cal.execution_working_days
    ((datetime.date(2027, 2, 5), datetime.date(2027, 2, 8)), 25)
    """
    phases = config.phases()
    execution = phases.execution
    new_year = spring_festival_date(execution.start.year)
    if new_year < execution.start:
        new_year = spring_festival_date(execution.start.year + 1)
    last_year = max(phases.summary.end.year, new_year.year)
    cal_cfg = config.calendar
    try:
        cal = build_calendar(
            range(phases.preparation.start.year - 1, last_year + 1),
            holiday_files=config.holiday_paths(),
            extra_holidays=cal_cfg.extra_holidays,
            extra_workdays=cal_cfg.extra_workdays,
            fixed_holidays=cal_cfg.fixed_holidays,
            spring_festival_offsets=cal_cfg.spring_festival_offsets,
        )
    except ValueError as e:
        raise ConfigError(f"{config.source}: calendar: {e}") from None
    block = cal.spring_festival_holiday(new_year.year)
    if execution.end >= block[0]:
        raise ConfigError(
            f"{config.source}: campaign.phases.execution ends {execution.end}, but the Spring "
            f"Festival holiday starts {block[0]}; a year-end revisit (年前回访) must end before "
            f"it: end execution on {block[0] - timedelta(days=1)} at the latest"
        )
    # the year before preparation is only there for lookbacks: keep its warnings out
    relevant = {str(y) for y in range(phases.preparation.start.year, last_year + 1)}
    warnings = tuple(w for w in cal.warnings if w[:4] in relevant or not w[:4].isdigit())
    lead = config.campaign.materials_lead_days
    order_by = execution.start - timedelta(days=lead)
    late = (config.as_of() - order_by).days
    if late > 0:  # the plan is made after the order-by date: say so, and what to do
        warnings += (
            f"物料订购已晚 {late} 天，请立即订购 Gifts and materials are {late} days late: order "
            f"them now (due {order_by}, {lead} days before execution starts on "
            f"{execution.start}; the data is as of {config.as_of()})",
        )
    return CampaignCalendar(
        calendar=cal,
        phases=phases,
        spring_festival=block,
        materials_order_by=order_by,
        warnings=warnings,
    )
