"""The Chinese working-day calendar that every campaign deadline is counted on.

A year-end revisit campaign (年前回访) runs from mid-December to late January and must end
before the Spring Festival holiday (春节). Its deadlines are working days, and Chinese working
days are not "Monday to Friday": statutory holidays (元旦, 春节, …) fall on weekdays and weekends,
and some Saturdays and Sundays are adjusted working days (调休) that make up for days off.

The official arrangement for a year is published by the State Council late in the year before,
so a campaign planned in November often straddles a year nobody has published yet. This module
therefore builds the calendar year by year from the best source there is, and says which:

1. a planner-edited holiday file for the year (it wins: the planner knows best);
2. the ``chinesecalendar`` package, when it knows the year (official data);
3. an estimate: weekends + fixed-date holidays + the lunar Spring Festival, with a warning.

Planner corrections (extra holidays / extra working days) apply last, on top of any source.
Every planning default (which fixed dates are holidays, which Spring Festival days are off) is
passed in by the caller from the campaign configuration; nothing here is a hidden rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import chinese_calendar
import numpy as np
import pandas as pd
import yaml
from lunardate import LunarDate

__all__ = [
    "CampaignCalendar",
    "WorkingCalendar",
    "build_calendar",
    "campaign_calendar",
    "spring_festival_date",
]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_DAY = re.compile(r"\d{2}-\d{2}")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FILE_KEYS = ("year", "provisional", "note", "holidays", "workdays")
# Lunar day names for the days after 初一, used to label estimated Spring Festival days.
_LUNAR_DAYS = ("初一", "初二", "初三", "初四", "初五", "初六", "初七", "初八", "初九", "初十")

_EMPTY: Mapping[date, str] = MappingProxyType({})
_ESTIMATE_SOURCE = "estimate: weekends + fixed-date holidays + lunar Spring Festival"


# --------------------------------------------------------------------------------------------
# the calendar object


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days, holidays and 调休 working days for a set of years, with their sources.

    Build one with :func:`build_calendar`. A date is a working day when it is a 调休 working
    day, or a Monday-Friday that is not a holiday. Asking about a date in a year the calendar
    was not built for raises ``ValueError`` rather than guessing.

    Attributes
    ----------
    holidays : Mapping[date, str]
        Days off: statutory holidays (on any weekday) and days off in lieu -> name,
        e.g. ``"元旦 New Year's Day"``.
    workdays : Mapping[date, str]
        Adjusted working days (调休) on a Saturday or Sunday -> name, e.g. ``"调休 元旦"``.
    sources : Mapping[int, str]
        Year -> where its days come from, in words. Its keys are the years covered.
    warnings : tuple[str, ...]
        One sentence per year that is provisional or estimated: what was assumed and how to
        supply the real list. Show these to the planner.

    Examples
    --------
    >>> cal = WorkingCalendar(
    ...     holidays={date(2030, 1, 1): "元旦 New Year's Day"},
    ...     workdays={},
    ...     sources={2030: "hand-made"},
    ...     warnings=(),
    ... )
    >>> cal.is_working_day(date(2030, 1, 1)), cal.is_working_day(date(2030, 1, 2))
    (False, True)
    """

    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    sources: Mapping[int, str]
    warnings: tuple[str, ...] = ()
    # lookup table for the vectorized mask: one entry per day from 1 Jan of the first year to
    # 31 Dec of the last year, so that a million dates cost one fancy-indexing pass
    _first_day: int = field(init=False, repr=False, compare=False)
    _working: np.ndarray = field(init=False, repr=False, compare=False)
    _covered: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = _named_days(self.holidays, "holidays")
        workdays = _named_days(self.workdays, "workdays")
        sources = {}
        for year, text in self.sources.items():
            if not isinstance(year, int) or isinstance(year, bool):
                raise ValueError(f"sources keys must be years (int), got {year!r}")
            sources[year] = _name(text, "sources", year)
        for d in sorted(set(holidays) & set(workdays)):
            raise ValueError(
                f"{d} is both a holiday ({holidays[d]!r}) and a working day ({workdays[d]!r})"
            )
        for d, name in workdays.items():
            if d.weekday() < 5:
                raise ValueError(
                    f"workdays {d} ({name!r}) is a {_WEEKDAYS[d.weekday()]}; "
                    "调休 working days must fall on a Saturday or Sunday"
                )
        for d in sorted({*holidays, *workdays}):
            if d.year not in sources:
                raise ValueError(f"{d} is outside the calendar's years {sorted(sources)}")

        object.__setattr__(self, "holidays", MappingProxyType(dict(sorted(holidays.items()))))
        object.__setattr__(self, "workdays", MappingProxyType(dict(sorted(workdays.items()))))
        object.__setattr__(self, "sources", MappingProxyType(dict(sorted(sources.items()))))
        object.__setattr__(self, "warnings", tuple(str(w) for w in self.warnings))

        if sources:
            first, last = min(sources), max(sources)
            start = np.datetime64(f"{first:04d}-01-01", "D")
            days = np.arange(start, np.datetime64(f"{last + 1:04d}-01-01", "D"))
        else:
            start = np.datetime64("1970-01-01", "D")
            days = np.arange(start, start)
        number = days.astype(np.int64)
        working = _weekday(number) < 5
        covered = np.isin(days.astype("datetime64[Y]").astype(np.int64) + 1970, list(sources))
        offset = number[0] if len(number) else 0
        for d in holidays:
            working[_day_number(d) - offset] = False
        for d in workdays:
            working[_day_number(d) - offset] = True
        working.flags.writeable = False
        covered.flags.writeable = False
        object.__setattr__(self, "_first_day", int(offset))
        object.__setattr__(self, "_working", working)
        object.__setattr__(self, "_covered", covered)

    # -- single days ---------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day.

        Parameters
        ----------
        d : date
            A date (a ``datetime`` or ``pandas.Timestamp`` counts as its calendar date).

        Returns
        -------
        bool
            True for a 调休 working day or a Monday-Friday that is not a holiday.

        Raises
        ------
        ValueError
            If ``d`` is in a year the calendar was not built for.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> cal.is_working_day(date(2026, 1, 4))  # a Sunday, 调休 for 元旦
        True
        """
        d = self._check(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def holiday_name(self, d: date) -> str | None:
        """The name of the holiday on ``d``, or None when ``d`` is not a holiday.

        A 调休 working day is not a holiday (its name is in :attr:`workdays`); neither is an
        ordinary weekend.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> cal.holiday_name(date(2026, 1, 1))
        "元旦 New Year's Day"
        >>> cal.holiday_name(date(2026, 1, 10)) is None  # an ordinary Saturday
        True
        """
        return self.holidays.get(self._check(d))

    # -- many days -----------------------------------------------------------------------

    def working_day_mask(self, dates: Any) -> np.ndarray:
        """Vectorized :meth:`is_working_day`: a boolean array, one entry per date.

        Parameters
        ----------
        dates : DatetimeIndex, Series, array of datetime64, or sequence of dates
            Times of day are ignored; timezone-aware values count by their local date.

        Returns
        -------
        numpy.ndarray of bool
            Same shape as ``dates``.

        Raises
        ------
        ValueError
            If a date is missing (NaT) or in a year the calendar was not built for.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> cal.working_day_mask(pd.date_range("2026-01-01", "2026-01-05")).tolist()
        [False, False, False, True, True]
        """
        days = _to_day_numbers(dates)
        missing = np.isnat(days)
        if missing.any():
            raise ValueError(f"dates contain {int(missing.sum())} missing value(s) (NaT)")
        index = days.astype(np.int64) - self._first_day
        inside = (index >= 0) & (index < len(self._working))
        known = inside.copy()
        known[inside] = self._covered[index[inside]]
        if not known.all():
            years = np.unique(days[~known].astype("datetime64[Y]").astype(np.int64) + 1970)
            raise ValueError(
                f"dates in year(s) {years.tolist()} are outside the calendar's years "
                f"{list(self.sources)}; build the calendar with those years too"
            )
        return self._working[index]

    def working_days(self, start: date, end: date) -> list[date]:
        """The working days from ``start`` to ``end``, both included, in order.

        An ``end`` before ``start`` gives an empty list.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> cal.working_days(date(2026, 1, 1), date(2026, 1, 5))
        [datetime.date(2026, 1, 4), datetime.date(2026, 1, 5)]
        """
        days = _day_range(self._check(start), self._check(end))
        return days[self.working_day_mask(days)].astype(object).tolist()

    def count_working_days(self, start: date, end: date) -> int:
        """How many working days there are from ``start`` to ``end``, both included.

        An ``end`` before ``start`` counts 0.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> # 9-13 Feb, 调休 Sat 14 Feb, (春节 15-23 Feb off), 24-27 Feb, 调休 Sat 28 Feb
        >>> cal.count_working_days(date(2026, 2, 9), date(2026, 2, 28))
        11
        """
        days = _day_range(self._check(start), self._check(end))
        return int(self.working_day_mask(days).sum())

    def spring_festival_holiday(self, lunar_new_year_gregorian_year: int) -> tuple[date, date]:
        """First and last day of the Spring Festival holiday block of a Gregorian year.

        The block is the longest run of consecutive non-working days (weekends and holidays)
        that contains 春节 初一 of that year. The revisit campaign must end before its first day.

        Parameters
        ----------
        lunar_new_year_gregorian_year : int
            The Gregorian year in which 初一 falls (春节 2027 is 6 Feb 2027: pass 2027).

        Raises
        ------
        ValueError
            If 初一 is a working day in this calendar, or its year is not covered.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> cal.spring_festival_holiday(2026)
        (datetime.date(2026, 2, 15), datetime.date(2026, 2, 23))
        """
        first_day = spring_festival_date(lunar_new_year_gregorian_year)
        if self.is_working_day(first_day):
            raise ValueError(
                f"春节 初一 {first_day} is a working day in this calendar, so it has no "
                "Spring Festival holiday block; check the holidays for "
                f"{lunar_new_year_gregorian_year} ({self.sources[first_day.year]})"
            )
        one_day = timedelta(days=1)
        first = last = first_day
        while not self.is_working_day(first - one_day):
            first -= one_day
        while not self.is_working_day(last + one_day):
            last += one_day
        return first, last

    def to_frame(self) -> pd.DataFrame:
        """The holidays and 调休 working days as a table, in date order.

        Returns
        -------
        DataFrame
            Columns ``date`` (datetime64), ``weekday`` (Monday…), ``day_off`` (True for a
            holiday, False for a 调休 working day), ``name``, ``source``.

        Examples
        --------
        >>> cal = build_calendar([2026], fixed_holidays={}, spring_festival_offsets=[])
        >>> table = cal.to_frame()
        >>> list(table.columns)
        ['date', 'weekday', 'day_off', 'name', 'source']
        >>> table.loc[3, "weekday"], table.loc[3, "name"], bool(table.loc[3, "day_off"])
        ('Sunday', '调休 元旦', False)
        """
        rows = [(d, True, n) for d, n in self.holidays.items()]
        rows += [(d, False, n) for d, n in self.workdays.items()]
        rows.sort(key=lambda row: row[0])
        return pd.DataFrame(
            {
                "date": pd.to_datetime([r[0] for r in rows]).astype("datetime64[ns]"),
                "weekday": pd.Series([_WEEKDAYS[r[0].weekday()] for r in rows], dtype=object),
                "day_off": pd.Series([r[1] for r in rows], dtype=bool),
                "name": pd.Series([r[2] for r in rows], dtype=object),
                "source": pd.Series([self.sources[r[0].year] for r in rows], dtype=object),
            }
        )

    def _check(self, d: date) -> date:
        """``d`` as a plain date, after checking that its year is covered."""
        if d is pd.NaT or (isinstance(d, np.datetime64) and np.isnat(d)):
            raise ValueError("the date is missing (NaT)")
        if isinstance(d, np.datetime64):
            d = d.astype("datetime64[D]").item()
        if isinstance(d, datetime):
            d = d.date()
        if not isinstance(d, date):
            raise TypeError(f"expected a date, got {d!r}")
        if d.year not in self.sources:
            raise ValueError(
                f"{d} is outside the calendar's years {list(self.sources)}; "
                f"build the calendar with {d.year} too"
            )
        return d


# --------------------------------------------------------------------------------------------
# building one


def spring_festival_date(year: int) -> date:
    """春节 初一 (农历正月初一, the first day of the lunar year) that falls in Gregorian ``year``.

    Parameters
    ----------
    year : int
        A Gregorian year within lunardate's range.

    Raises
    ------
    ValueError
        If lunardate has no data for ``year``.

    Examples
    --------
    >>> spring_festival_date(2027)
    datetime.date(2027, 2, 6)
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise TypeError(f"year must be an int, got {year!r}")
    try:
        return LunarDate(year, 1, 1).to_solar_date()
    except ValueError as exc:
        raise ValueError(f"cannot compute 春节 初一 for year {year}: {exc}") from None


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


def _provisional_warning(source: _HolidayFile) -> str:
    why = source.note or f"official {source.year} arrangement not yet published"
    if source.workdays:
        lieu = f"{len(source.workdays)} 调休 working day(s) listed, may be incomplete"
    else:
        lieu = "调休 working days unknown"
    return (
        f"{source.year}: holidays from {source.shown} are PROVISIONAL ({why}); {lieu} — edit "
        "that file when the State Council publishes the official arrangement, then set "
        "provisional: false."
    )


def _file_hint(holiday_files: Sequence[Path | str], year: int) -> str:
    """Where a planner would put the file for ``year``, judging by the files already given."""
    if not holiday_files:
        return f"for {year} (YAML with keys year, provisional, note, holidays, workdays)"
    first = Path(holiday_files[0])
    return f"{first.with_name(f'{year}.yaml')} in the same format as {first}"


# --------------------------------------------------------------------------------------------
# holiday files


@dataclass(frozen=True)
class _HolidayFile:
    shown: str
    year: int
    provisional: bool
    note: str
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (to check them ourselves) and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = []
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.append(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _read_holiday_file(path: Path | str) -> _HolidayFile:
    """Read and strictly validate one holiday file; ValueError names file, key and value."""
    shown = str(path)
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{shown}: not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{shown}: not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise ValueError(
            f"{shown}: holiday file cannot be read ({exc.strerror or exc}); fix the path under "
            "calendar.holiday_files in the campaign config"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(
            f"{shown}: expected a mapping with keys {', '.join(_FILE_KEYS)}, "
            f"got {type(data).__name__} {data!r}"
        )
    for key in data:
        if key not in _FILE_KEYS:
            raise ValueError(
                f"{shown}: unknown top-level key {key!r} (allowed: {', '.join(_FILE_KEYS)})"
            )
    if "year" not in data:
        raise ValueError(f"{shown}: missing required key 'year'")
    year = data["year"]
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValueError(f"{shown}: key 'year' must be a whole number like 2027, got {year!r}")
    provisional = data.get("provisional", False)
    if not isinstance(provisional, bool):
        raise ValueError(f"{shown}: key 'provisional' must be true or false, got {provisional!r}")
    note = data.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise ValueError(f"{shown}: key 'note' must be text, got {note!r}")

    days: dict[str, dict[date, str]] = {}
    for key in ("holidays", "workdays"):
        entries = data.get(key) or {}
        if not isinstance(entries, dict):
            raise ValueError(
                f"{shown}: key {key!r} must be a mapping of date: name, got {entries!r}"
            )
        days[key] = {}
        for raw, name in entries.items():
            where = f"{shown}: {key} key {raw!r}"
            d = _parse_iso_day(raw, where)
            if d.year != year:
                raise ValueError(f"{where} is outside the file's year {year}")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{where} needs a name (text), got {name!r}")
            if key == "workdays" and d.weekday() < 5:
                raise ValueError(
                    f"{where} is a {_WEEKDAYS[d.weekday()]}; 调休 working days must fall on "
                    "a Saturday or Sunday"
                )
            days[key][d] = name.strip()
    for d in sorted(set(days["holidays"]) & set(days["workdays"])):
        raise ValueError(f"{shown}: {d} is under both holidays and workdays; keep one")
    return _HolidayFile(
        shown=shown,
        year=year,
        provisional=provisional,
        note=note.strip(),
        holidays=MappingProxyType(days["holidays"]),
        workdays=MappingProxyType(days["workdays"]),
    )


# --------------------------------------------------------------------------------------------
# small checks and conversions


def _parse_iso_day(raw: object, where: str) -> date:
    if isinstance(raw, datetime):
        raise ValueError(f"{where} is not a date YYYY-MM-DD (it has a time of day)")
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or not _ISO_DAY.fullmatch(raw.strip()):
        raise ValueError(f"{where} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{where} is not a date YYYY-MM-DD ({exc})") from None


def _plain_date(value: object, what: str) -> date:
    """A key of a date mapping as a plain date (datetime/Timestamp at midnight allowed)."""
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise ValueError(f"{what} key {value!r} must be a date, not a time of day")
        return value.date()
    return _parse_iso_day(value, f"{what} key {value!r}")


def _named_days(days: Mapping[Any, str], what: str) -> dict[date, str]:
    return {_plain_date(d, what): _name(n, what, d) for d, n in days.items()}


def _name(value: object, what: str, key: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} {key} needs a name (text), got {value!r}")
    return value.strip()


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


def _day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def _weekday(day_number: np.ndarray) -> np.ndarray:
    """Monday = 0 … Sunday = 6 for days since 1970-01-01 (a Thursday)."""
    return (day_number + 3) % 7


def _day_range(start: date, end: date) -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def _to_day_numbers(dates: Any) -> np.ndarray:
    """``dates`` as a datetime64[D] array of local calendar dates."""
    if isinstance(dates, pd.Series) and isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    elif isinstance(dates, pd.DatetimeIndex) and dates.tz is not None:
        dates = dates.tz_localize(None)
    values = np.asarray(dates)
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    if values.dtype == object:
        # a datetime counts as its own calendar date (pd.Timestamp keeps its timezone)
        flat = [v.date() if isinstance(v, datetime) else v for v in values.ravel()]
        return np.array(flat, dtype="datetime64[D]").reshape(values.shape)
    return values.astype("datetime64[D]")


# --------------------------------------------------------------------------------------------
# the campaign's calendar: the config's phases on the working calendar


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
    from revisitkit.errors import ConfigError

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
    return CampaignCalendar(
        calendar=cal,
        phases=phases,
        spring_festival=block,
        materials_order_by=execution.start - timedelta(days=config.campaign.materials_lead_days),
        warnings=warnings,
    )
