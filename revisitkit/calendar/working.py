"""The working calendar itself: which days are worked, and counting them.

:class:`WorkingCalendar` holds the holidays and 调休 working days of a set of years (however
they were found: :func:`revisitkit.calendar.build_calendar` builds one) and answers for one
date or a million at once. :func:`spring_festival_date` gives 春节 初一 of a year from the
lunar calendar. The small checks and conversions of dates that the calendar's builders share
live here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from lunardate import LunarDate

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
        >>> from revisitkit.calendar import build_calendar
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
        >>> from revisitkit.calendar import build_calendar
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
        >>> from revisitkit.calendar import build_calendar
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
        >>> from revisitkit.calendar import build_calendar
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
        >>> from revisitkit.calendar import build_calendar
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
        >>> from revisitkit.calendar import build_calendar
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
        >>> from revisitkit.calendar import build_calendar
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
