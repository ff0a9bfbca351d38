"""Building the working calendar year by year, from the best source there is for each year.

:func:`build_calendar` takes, per year, a planner's holiday file
(:mod:`revisitkit.calendar.holiday_files`), else the official data of the ``chinesecalendar``
package, else an estimate (weekends, fixed-date holidays, the lunar Spring Festival) with a
warning; the planner's extra holidays and working days go on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType

import chinese_calendar
import numpy as np

from revisitkit.calendar.holiday_files import (
    _file_hint,
    _HolidayFile,
    _provisional_warning,
    _read_holiday_file,
)
from revisitkit.calendar.working import (
    WorkingCalendar,
    _name,
    _named_days,
    spring_festival_date,
)

_MONTH_DAY = re.compile(r"\d{2}-\d{2}")
# Lunar day names for the days after 初一, used to label estimated Spring Festival days.
_LUNAR_DAYS = ("初一", "初二", "初三", "初四", "初五", "初六", "初七", "初八", "初九", "初十")

_EMPTY: Mapping[date, str] = MappingProxyType({})
_ESTIMATE_SOURCE = "estimate: weekends + fixed-date holidays + lunar Spring Festival"


def build_calendar(
    years: Iterable[int],
    *,
    holiday_files: Sequence[Path | str] = (),
    extra_holidays: Mapping[date, str] = _EMPTY,
    extra_workdays: Mapping[date, str] = _EMPTY,
    fixed_holidays: Mapping[str, str],
    spring_festival_offsets: Sequence[int],
) -> WorkingCalendar:
    """Build the working calendar for ``years`` from the best source for each year.

    Per year, in order of preference: (1) a holiday file for that year from ``holiday_files``;
    (2) the ``chinesecalendar`` package when it has the year (official data); (3) an estimate
    from weekends, ``fixed_holidays`` and the Spring Festival days ``spring_festival_offsets``,
    with a warning. ``extra_holidays`` and ``extra_workdays`` apply last, on top of any source.

    Parameters
    ----------
    years : iterable of int
        The years to cover (typically the campaign year and the next one).
    holiday_files : sequence of paths
        Planner-edited YAML holiday files (keys ``year``, ``provisional``, ``note``,
        ``holidays``, ``workdays``). Every file is validated; only those for ``years`` are
        used. Paths are shown in sources and warnings as given.
    extra_holidays : mapping of date to name
        Planner-supplied days off (any weekday). Wins over every source.
    extra_workdays : mapping of date to name
        Planner-supplied working days. A Saturday or Sunday becomes a 调休 working day; a
        Monday-Friday stops being a holiday. Wins over every source.
    fixed_holidays : mapping of "MM-DD" to name
        For estimated years only: holidays on the same date every year, e.g.
        ``{"01-01": "元旦 New Year's Day"}``.
    spring_festival_offsets : sequence of int
        For estimated years only: the Spring Festival days off as offsets from 初一,
        e.g. ``[-1, 0, 1, 2]`` for 除夕 through 初三.

    Returns
    -------
    WorkingCalendar

    Raises
    ------
    ValueError
        On an invalid holiday file (naming the file, the key and the value), two files for
        the same year, an invalid ``fixed_holidays`` key, or an extra day outside ``years``
        or given both as a holiday and as a working day.

    Examples
    --------
    >>> cal = build_calendar(
    ...     [2026, 2040],
    ...     fixed_holidays={"01-01": "元旦 New Year's Day"},
    ...     spring_festival_offsets=[-1, 0, 1, 2],
    ... )
    >>> cal.sources[2026].startswith("official")
    True
    >>> cal.sources[2040]
    'estimate: weekends + fixed-date holidays + lunar Spring Festival'
    >>> cal.spring_festival_holiday(2040)  # 除夕 Sat 11 Feb .. 初三 Tue 14 Feb
    (datetime.date(2040, 2, 11), datetime.date(2040, 2, 14))
    >>> len(cal.warnings)
    1
    """
    wanted = _years(years)
    fixed = _fixed_holidays(fixed_holidays)
    offsets = _offsets(spring_festival_offsets)
    files: dict[int, _HolidayFile] = {}
    for path in holiday_files:
        loaded = _read_holiday_file(path)
        if loaded.year in files:
            raise ValueError(
                f"two holiday files for {loaded.year}: {files[loaded.year].shown} and "
                f"{loaded.shown}; keep one"
            )
        files[loaded.year] = loaded

    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    sources: dict[int, str] = {}
    warnings: list[str] = []
    for year in wanted:
        if year in files:
            source = files[year]
            holidays.update(source.holidays)
            workdays.update(source.workdays)
            sources[year] = f"file {source.shown}" + (
                " (provisional)" if source.provisional else ""
            )
            if source.provisional:
                warnings.append(_provisional_warning(source))
        elif (official := _official_year(year)) is not None:
            holidays.update(official[0])
            workdays.update(official[1])
            sources[year] = f"official (chinesecalendar {chinese_calendar.__version__})"
        else:
            estimated, spring = _estimate_year(year, fixed, offsets)
            holidays.update(estimated)
            sources[year] = _ESTIMATE_SOURCE
            warnings.append(
                _estimate_warning(year, fixed, offsets, spring, _file_hint(holiday_files, year))
            )

    extra_off = _named_days(extra_holidays, "extra_holidays")
    extra_on = _named_days(extra_workdays, "extra_workdays")
    for d in sorted(set(extra_off) & set(extra_on)):
        raise ValueError(
            f"{d} is in both extra_holidays ({extra_off[d]!r}) and extra_workdays "
            f"({extra_on[d]!r}); keep one"
        )
    for what, extra in (("extra_holidays", extra_off), ("extra_workdays", extra_on)):
        for d in sorted(extra):
            if d.year not in sources:
                raise ValueError(
                    f"{what} {d} ({extra[d]!r}) is outside the calendar's years {wanted}"
                )
    touched: dict[int, list[int]] = {}
    for d, name in extra_off.items():
        workdays.pop(d, None)
        holidays[d] = name
        touched.setdefault(d.year, [0, 0])[0] += 1
    for d, name in extra_on.items():
        holidays.pop(d, None)
        if d.weekday() >= 5:
            workdays[d] = name
        touched.setdefault(d.year, [0, 0])[1] += 1
    for year, (n_off, n_on) in touched.items():
        sources[year] += f" + planner extras ({n_off} holiday(s), {n_on} working day(s))"

    return WorkingCalendar(
        holidays=holidays, workdays=workdays, sources=sources, warnings=tuple(warnings)
    )


# --------------------------------------------------------------------------------------------
# sources


def _official_year(year: int) -> tuple[dict[date, str], dict[date, str]] | None:
    """Holidays and weekend 调休 working days of ``year`` from chinesecalendar, or None."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    try:
        # include_weekends=False lists exactly the days chinesecalendar names as holidays,
        # whatever their weekday (a plain weekend is left out, a weekend holiday is kept)
        off = chinese_calendar.get_holidays(first, last, include_weekends=False)
        on = chinese_calendar.get_workdays(first, last, include_weekends=True)
    except NotImplementedError:
        return None
    holidays = {}
    for d in off:
        english = chinese_calendar.get_holiday_detail(d)[1]
        lieu = " (调休 in lieu)" if chinese_calendar.is_in_lieu(d) else ""
        holidays[d] = f"{_chinese(english)} {english}{lieu}"
    workdays = {
        d: f"调休 {_chinese(chinese_calendar.get_holiday_detail(d)[1])}"
        for d in on
        if d.weekday() >= 5
    }
    return holidays, workdays


def _chinese(english: str) -> str:
    """The Chinese name chinesecalendar gives a holiday, or the English one if it has none."""
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def _estimate_year(
    year: int, fixed: Mapping[tuple[int, int], str], offsets: Sequence[int]
) -> tuple[dict[date, str], list[date]]:
    """Fixed-date holidays and Spring Festival days of ``year``; also the latter's dates."""
    holidays: dict[date, str] = {}
    for (month, day), name in fixed.items():
        try:
            holidays[date(year, month, day)] = name
        except ValueError:  # 02-29 in a common year
            continue
    spring = []
    # a large negative offset can reach back into December, from next year's 初一
    for lunar_year in (year, year + 1):
        first_day = spring_festival_date(lunar_year)
        for offset in offsets:
            d = first_day + timedelta(days=offset)
            if d.year == year:
                holidays[d] = f"春节 Spring Festival ({_lunar_label(offset)})"
                if lunar_year == year:
                    spring.append(d)
    return holidays, sorted(spring)


def _lunar_label(offset: int) -> str:
    if offset == -1:
        return "除夕"
    if 0 <= offset < len(_LUNAR_DAYS):
        return _LUNAR_DAYS[offset]
    return f"初一{offset:+d}"


def _estimate_warning(
    year: int,
    fixed: Mapping[tuple[int, int], str],
    offsets: Sequence[int],
    spring: Sequence[date],
    file_hint: str,
) -> str:
    known = sorted({d.year for d in chinese_calendar.holidays})
    fixed_text = ", ".join(f"{m:02d}-{d:02d}" for m, d in sorted(fixed)) or "none"
    if spring:
        spring_text = (
            f"春节 Spring Festival {spring[0]}..{spring[-1]} (offsets {list(offsets)} from "
            f"初一 {spring_festival_date(year)})"
        )
    else:
        spring_text = "no Spring Festival days (no offsets given)"
    return (
        f"{year}: no official holiday arrangement is known for {year} (chinesecalendar "
        f"{chinese_calendar.__version__} covers {known[0]}-{known[-1]}) and no holiday file "
        f"covers it, so its working days are an ESTIMATE: weekends + fixed-date holidays "
        f"({fixed_text}) + {spring_text}; no 调休 working days or days off in lieu. "
        f"Supply the real list as a holiday file {file_hint}, or as extra holidays/workdays "
        "in the campaign config."
    )


# --------------------------------------------------------------------------------------------
# checks of the arguments


def _years(years: Iterable[int]) -> list[int]:
    wanted = []
    for year in years:
        if not isinstance(year, int | np.integer) or isinstance(year, bool):
            raise ValueError(f"years must be whole numbers like 2027, got {year!r}")
        wanted.append(int(year))
    wanted = sorted(set(wanted))
    if not wanted:
        raise ValueError("years must name at least one year")
    return wanted


def _fixed_holidays(fixed: Mapping[str, str]) -> dict[tuple[int, int], str]:
    result = {}
    for key, name in fixed.items():
        month_day = None
        if isinstance(key, str) and _MONTH_DAY.fullmatch(key):
            month_day = (int(key[:2]), int(key[3:]))
            try:
                date(2000, *month_day)  # a leap year, so that 02-29 is a valid key
            except ValueError:
                month_day = None
        if month_day is None:
            raise ValueError(f"fixed_holidays key {key!r} must be a month-day like '01-01'")
        result[month_day] = _name(name, "fixed_holidays", key)
    return result


def _offsets(offsets: Sequence[int]) -> list[int]:
    for offset in offsets:
        if not isinstance(offset, int | np.integer) or isinstance(offset, bool):
            raise ValueError(
                f"spring_festival_offsets must be whole numbers of days from 初一, got {offset!r}"
            )
    return sorted({int(o) for o in offsets})
