"""The Chinese working-day calendar that every campaign deadline is counted on.

A year-end revisit campaign (年前回访) runs from mid-December to late January and must end
before the Spring Festival holiday (春节). Its deadlines are working days, and Chinese working
days are not "Monday to Friday": statutory holidays (元旦, 春节, …) fall on weekdays and weekends,
and some Saturdays and Sundays are adjusted working days (调休) that make up for days off.

The official arrangement for a year is published by the State Council late in the year before,
so a campaign planned in November often straddles a year nobody has published yet. This package
therefore builds the calendar year by year from the best source there is, and says which:

1. a planner-edited holiday file for the year (it wins: the planner knows best);
2. the ``chinesecalendar`` package, when it knows the year (official data);
3. an estimate: weekends + fixed-date holidays + the lunar Spring Festival, with a warning.

Planner corrections (extra holidays / extra working days) apply last, on top of any source.
Every planning default (which fixed dates are holidays, which Spring Festival days are off) is
passed in by the caller from the campaign configuration; nothing here is a hidden rule.

What lives where:

* :mod:`~revisitkit.calendar.working` — :class:`WorkingCalendar` (the days and the working-day
  arithmetic on them) and :func:`spring_festival_date`;
* :mod:`~revisitkit.calendar.build` — :func:`build_calendar`: each year from its best source,
  with the planner's extras on top and a warning for every provisional or estimated year;
* :mod:`~revisitkit.calendar.holiday_files` — reading and strictly checking a planner-edited
  holiday file;
* :mod:`~revisitkit.calendar.campaign` — :func:`campaign_calendar`: the calendar of one
  campaign (:class:`CampaignCalendar`), checked to end before 春节.
"""

from __future__ import annotations

from revisitkit.calendar.build import build_calendar
from revisitkit.calendar.campaign import CampaignCalendar, campaign_calendar
from revisitkit.calendar.working import WorkingCalendar, spring_festival_date

__all__ = [
    "CampaignCalendar",
    "WorkingCalendar",
    "build_calendar",
    "campaign_calendar",
    "spring_festival_date",
]
