"""Tests for the Chinese working-day calendar.

Golden facts are worked out by hand from the published arrangements (2026: State Council
notice, as summarised in shared/toolchain.md), from the 2027 provisional file, and from
calendar arithmetic; none is copied from the code's output.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revisitkit.calendar import WorkingCalendar, build_calendar, spring_festival_date

REPO = Path(__file__).resolve().parents[1]
FILE_2027 = Path("data/holidays/2027.yaml")  # relative, as the campaign config names it

# the campaign config's fallback defaults (data/campaign.yaml), passed in explicitly
FIXED = {
    "01-01": "元旦 New Year's Day",
    "05-01": "劳动节 Labour Day",
    "05-02": "劳动节 Labour Day",
    "10-01": "国庆节 National Day",
    "10-02": "国庆节 National Day",
    "10-03": "国庆节 National Day",
}
OFFSETS = [-1, 0, 1, 2]  # 除夕 .. 初三


@pytest.fixture
def in_repo(monkeypatch):
    """Run from the repository root so that holiday files are named as the config names them."""
    monkeypatch.chdir(REPO)


def make(years, **kwargs) -> WorkingCalendar:
    kwargs.setdefault("fixed_holidays", FIXED)
    kwargs.setdefault("spring_festival_offsets", OFFSETS)
    return build_calendar(years, **kwargs)


@pytest.fixture
def campaign(in_repo) -> WorkingCalendar:
    """The 2026 campaign: 2026 from chinesecalendar, 2027 from the provisional file."""
    return make([2026, 2027], holiday_files=[FILE_2027])


# -------------------------------------------------------------------------------------------
# 2026: official arrangement (chinesecalendar)


def test_2026_new_years_day_is_a_holiday(campaign):
    assert not campaign.is_working_day(date(2026, 1, 1))
    assert campaign.holiday_name(date(2026, 1, 1)) == "元旦 New Year's Day"


def test_2026_sunday_4_january_is_an_adjusted_working_day(campaign):
    assert date(2026, 1, 4).weekday() == 6  # a Sunday
    assert campaign.is_working_day(date(2026, 1, 4))
    assert campaign.workdays[date(2026, 1, 4)] == "调休 元旦"
    assert campaign.holiday_name(date(2026, 1, 4)) is None


@pytest.mark.parametrize("saturday", [date(2026, 2, 14), date(2026, 2, 28)])
def test_2026_spring_festival_saturdays_are_working_days(campaign, saturday):
    assert saturday.weekday() == 5
    assert campaign.is_working_day(saturday)
    assert campaign.workdays[saturday] == "调休 春节"


def test_2026_spring_festival_monday_is_off(campaign):
    assert date(2026, 2, 16).weekday() == 0
    assert not campaign.is_working_day(date(2026, 2, 16))
    assert campaign.holiday_name(date(2026, 2, 16)) == "春节 Spring Festival"


def test_2026_day_off_in_lieu_is_named_so(campaign):
    # Fri 2 Jan 2026 is off in exchange for working Sun 4 Jan
    assert not campaign.is_working_day(date(2026, 1, 2))
    assert campaign.holiday_name(date(2026, 1, 2)) == "元旦 New Year's Day (调休 in lieu)"


def test_2026_spring_festival_block_is_15_to_23_february(campaign):
    assert campaign.spring_festival_holiday(2026) == (date(2026, 2, 15), date(2026, 2, 23))


def test_2026_is_official_and_raises_no_warning(campaign):
    assert campaign.sources[2026].startswith("official (chinesecalendar ")
    assert not any(w.startswith("2026") for w in campaign.warnings)


# -------------------------------------------------------------------------------------------
# 2027: the provisional planner file


def test_2027_new_years_day_is_off_from_the_file(campaign):
    assert date(2027, 1, 1).weekday() == 4  # a Friday
    assert not campaign.is_working_day(date(2027, 1, 1))
    assert campaign.holiday_name(date(2027, 1, 1)) == "元旦 New Year's Day"
    assert campaign.sources[2027] == "file data/holidays/2027.yaml (provisional)"


def test_2027_provisional_file_gives_one_warning_naming_the_file(campaign):
    assert campaign.warnings == (
        "2027: holidays from data/holidays/2027.yaml are PROVISIONAL (official 2027 "
        "arrangement not yet published; statutory days only, by the 2025 rules); 调休 working "
        "days unknown — edit that file when the State Council publishes the official "
        "arrangement, then set provisional: false.",
    )


def test_2027_file_has_the_eleven_statutory_days_of_the_2025_rules(campaign):
    days_2027 = sorted(d for d in campaign.holidays if d.year == 2027)
    assert days_2027 == [
        date(2027, 1, 1),
        *[date(2027, 2, d) for d in (5, 6, 7, 8)],
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 6, 9),
        date(2027, 9, 15),
        *[date(2027, 10, d) for d in (1, 2, 3)],
    ]
    assert not [d for d in campaign.workdays if d.year == 2027]


def test_2027_spring_festival_block_is_friday_5_to_monday_8_february(campaign):
    # 除夕 Fri 5 Feb, 初一 Sat 6, 初二 Sun 7, 初三 Mon 8; Thu 4 and Tue 9 are working days
    assert campaign.spring_festival_holiday(2027) == (date(2027, 2, 5), date(2027, 2, 8))
    assert campaign.is_working_day(date(2027, 2, 4))
    assert campaign.is_working_day(date(2027, 2, 9))


def test_execution_phase_has_25_working_days(campaign):
    # Dec 2026: Wed 16-Fri 18 (3), 21-25 (5), Mon 28-Thu 31 (4) = 12;
    # Jan 2027: Fri 1 off, 4-8 (5), 11-15 (5), Mon 18-Wed 20 (3) = 13; total 25.
    start, end = date(2026, 12, 16), date(2027, 1, 20)
    assert campaign.count_working_days(start, end) == 25

    days_off_on_weekdays = {date(2027, 1, 1)}  # no 调休 Saturday/Sunday in the span either
    by_hand = []
    d = start
    while d <= end:
        if d.weekday() < 5 and d not in days_off_on_weekdays:
            by_hand.append(d)
        d += timedelta(days=1)
    assert len(by_hand) == 25
    assert campaign.working_days(start, end) == by_hand


def test_an_end_before_the_start_counts_nothing(campaign):
    assert campaign.working_days(date(2027, 1, 20), date(2026, 12, 16)) == []
    assert campaign.count_working_days(date(2027, 1, 20), date(2026, 12, 16)) == 0


# -------------------------------------------------------------------------------------------
# Spring Festival dates


@pytest.mark.parametrize(
    ("year", "first_day"),
    [
        (2024, date(2024, 2, 10)),
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2027, date(2027, 2, 6)),
        (2040, date(2040, 2, 12)),  # Hong Kong Observatory's table
    ],
)
def test_spring_festival_date(year, first_day):
    assert spring_festival_date(year) == first_day


@pytest.mark.parametrize("year", range(2004, 2027))
def test_lunardate_spring_festival_is_an_official_holiday(year):
    # lunardate and the official tables are independent: 初一 must be off every year
    cal = make([year])
    assert cal.holiday_name(spring_festival_date(year)) == "春节 Spring Festival"


def test_spring_festival_date_out_of_lunardate_range():
    with pytest.raises(ValueError, match=r"^cannot compute 春节 初一 for year 2200: "):
        spring_festival_date(2200)


# -------------------------------------------------------------------------------------------
# the estimate for years nobody covers


@pytest.fixture
def year_2040() -> WorkingCalendar:
    return make([2040])


def test_estimated_year_says_so(year_2040):
    assert year_2040.sources[2040] == (
        "estimate: weekends + fixed-date holidays + lunar Spring Festival"
    )
    (warning,) = year_2040.warnings
    assert warning.startswith(
        "2040: no official holiday arrangement is known for 2040 (chinesecalendar "
    )
    assert (
        "its working days are an ESTIMATE: weekends + fixed-date holidays (01-01, 05-01, "
        "05-02, 10-01, 10-02, 10-03) + 春节 Spring Festival 2040-02-11..2040-02-14 "
        "(offsets [-1, 0, 1, 2] from 初一 2040-02-12); no 调休 working days"
    ) in warning
    assert "Supply the real list as a holiday file for 2040" in warning


def test_estimated_year_has_new_year_and_spring_festival_off(year_2040):
    # 1 Jan 2040 is a Sunday; 初一 is Sun 12 Feb, so 除夕 Sat 11 .. 初三 Tue 14 Feb
    assert year_2040.holiday_name(date(2040, 1, 1)) == "元旦 New Year's Day"
    assert year_2040.holiday_name(date(2040, 2, 11)) == "春节 Spring Festival (除夕)"
    assert year_2040.holiday_name(date(2040, 2, 12)) == "春节 Spring Festival (初一)"
    assert not year_2040.is_working_day(date(2040, 2, 13))  # Monday
    assert not year_2040.is_working_day(date(2040, 2, 14))  # Tuesday
    assert year_2040.is_working_day(date(2040, 2, 10))  # Friday before
    assert year_2040.is_working_day(date(2040, 2, 15))  # Wednesday after
    assert year_2040.spring_festival_holiday(2040) == (date(2040, 2, 11), date(2040, 2, 14))
    assert year_2040.workdays == {}


def test_estimate_names_where_the_real_file_goes(in_repo):
    cal = make([2040], holiday_files=[FILE_2027])
    assert (
        "Supply the real list as a holiday file data/holidays/2040.yaml in the same format "
        "as data/holidays/2027.yaml, or as extra holidays/workdays in the campaign config."
    ) in cal.warnings[0]


def test_estimate_with_a_fixed_holiday_on_a_weekday():
    # 1 Jan 2041 is a Tuesday
    cal = make([2041])
    assert date(2041, 1, 1).weekday() == 1
    assert not cal.is_working_day(date(2041, 1, 1))
    assert cal.is_working_day(date(2041, 1, 2))


def test_29_february_fixed_holiday_only_in_leap_years():
    cal = make([2040, 2041], fixed_holidays={"02-29": "Leap day"}, spring_festival_offsets=[])
    assert cal.holiday_name(date(2040, 2, 29)) == "Leap day"
    assert [d for d in cal.holidays if d.year == 2041] == []


# -------------------------------------------------------------------------------------------
# planner corrections and planner files


def test_extra_workday_makes_a_saturday_a_working_day(in_repo):
    saturday = date(2027, 1, 16)
    assert saturday.weekday() == 5
    cal = make([2026, 2027], holiday_files=[FILE_2027], extra_workdays={saturday: "调休 company"})
    assert cal.is_working_day(saturday)
    assert cal.workdays[saturday] == "调休 company"
    assert cal.sources[2027] == (
        "file data/holidays/2027.yaml (provisional) + planner extras (0 holiday(s), "
        "1 working day(s))"
    )
    # the execution phase gains that Saturday
    assert cal.count_working_days(date(2026, 12, 16), date(2027, 1, 20)) == 26


def test_extra_holiday_takes_a_weekday_off(campaign, in_repo):
    thursday = date(2026, 12, 31)
    assert campaign.is_working_day(thursday)
    cal = make([2026, 2027], holiday_files=[FILE_2027], extra_holidays={thursday: "公司年会"})
    assert not cal.is_working_day(thursday)
    assert cal.holiday_name(thursday) == "公司年会"
    assert cal.count_working_days(date(2026, 12, 16), date(2027, 1, 20)) == 24


def test_extra_holiday_cancels_an_official_adjusted_working_day():
    cal = make([2026], extra_holidays={date(2026, 1, 4): "company rest day"})
    assert not cal.is_working_day(date(2026, 1, 4))
    assert date(2026, 1, 4) not in cal.workdays


def test_extra_workday_on_a_weekday_holiday_shortens_the_spring_festival(in_repo):
    cal = make([2027], holiday_files=[FILE_2027], extra_workdays={date(2027, 2, 8): "back to work"})
    assert cal.is_working_day(date(2027, 2, 8))
    assert date(2027, 2, 8) not in cal.holidays
    assert date(2027, 2, 8) not in cal.workdays  # only weekends are 调休 working days
    assert cal.spring_festival_holiday(2027) == (date(2027, 2, 5), date(2027, 2, 7))


def test_extras_accept_iso_text_and_midnight_timestamps():
    cal = make(
        [2026],
        extra_holidays={"2026-12-31": "eve", pd.Timestamp("2026-12-30"): "pre-eve"},
    )
    assert cal.holiday_name(date(2026, 12, 31)) == "eve"
    assert cal.holiday_name(date(2026, 12, 30)) == "pre-eve"


def test_the_same_extra_day_off_and_on_is_refused():
    with pytest.raises(ValueError) as err:
        make(
            [2026],
            extra_holidays={date(2026, 12, 31): "off"},
            extra_workdays={date(2026, 12, 31): "on"},
        )
    assert str(err.value) == (
        "2026-12-31 is in both extra_holidays ('off') and extra_workdays ('on'); keep one"
    )


def test_an_extra_day_outside_the_years_is_refused():
    with pytest.raises(ValueError) as err:
        make([2026], extra_holidays={date(2062, 1, 2): "typo"})
    assert str(err.value) == (
        "extra_holidays 2062-01-02 ('typo') is outside the calendar's years [2026]"
    )


def test_an_extra_day_that_is_not_a_date_is_refused():
    with pytest.raises(ValueError) as err:
        make([2026], extra_workdays={"2026/12/05": "Saturday shift"})
    assert str(err.value) == "extra_workdays key '2026/12/05' is not a date YYYY-MM-DD"


def write(tmp_path: Path, text: str, name: str = "holidays.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_planner_file_overrides_the_library(tmp_path):
    path = write(
        tmp_path,
        "year: 2026\n"
        "note: company calendar\n"
        "holidays:\n"
        "  2026-03-02: 公司日 Company Day\n"
        "workdays:\n"
        "  2026-03-07: 调休 公司日\n",
    )
    cal = make([2026], holiday_files=[path])
    assert cal.sources[2026] == f"file {path}"
    assert cal.warnings == ()  # not provisional
    assert not cal.is_working_day(date(2026, 3, 2))
    assert cal.is_working_day(date(2026, 3, 7))
    # the library's days are gone: the file is the whole truth for its year
    assert cal.is_working_day(date(2026, 1, 1))
    assert not cal.is_working_day(date(2026, 1, 4))
    assert dict(cal.holidays) == {date(2026, 3, 2): "公司日 Company Day"}


def test_files_for_other_years_are_checked_but_not_used(tmp_path, in_repo):
    cal = make([2026], holiday_files=[FILE_2027])
    assert list(cal.sources) == [2026]
    assert cal.warnings == ()


def test_two_files_for_one_year_are_refused(tmp_path):
    a = write(tmp_path, "year: 2027\n", "a.yaml")
    b = write(tmp_path, "year: 2027\n", "b.yaml")
    with pytest.raises(ValueError) as err:
        make([2027], holiday_files=[a, b])
    assert str(err.value) == f"two holiday files for 2027: {a} and {b}; keep one"


# one case per rule the file format has; {f} stands for the file's path as given
INVALID_FILES = {
    "bad date": (
        "year: 2027\nholidays:\n  2027-02-30: 春节\n",
        "{f}: holidays key '2027-02-30' is not a date YYYY-MM-DD (day is out of range for month)",
    ),
    "not a date": (
        "year: 2027\nholidays:\n  tomorrow: 春节\n",
        "{f}: holidays key 'tomorrow' is not a date YYYY-MM-DD",
    ),
    "date with a time": (
        "year: 2027\nholidays:\n  2027-01-01 09:00: 元旦\n",
        "{f}: holidays key '2027-01-01 09:00' is not a date YYYY-MM-DD",
    ),
    "workday on a weekday": (
        "year: 2027\nworkdays:\n  2027-02-10: 调休 春节\n",
        "{f}: workdays key '2027-02-10' is a Wednesday; 调休 working days must fall on a "
        "Saturday or Sunday",
    ),
    "date outside the year": (
        "year: 2027\nholidays:\n  2026-12-31: 跨年\n",
        "{f}: holidays key '2026-12-31' is outside the file's year 2027",
    ),
    "unknown top-level key": (
        "year: 2027\nholiday:\n  2027-01-01: 元旦\n",
        "{f}: unknown top-level key 'holiday' (allowed: year, provisional, note, holidays, "
        "workdays)",
    ),
    "missing year": (
        "provisional: true\nholidays: {}\n",
        "{f}: missing required key 'year'",
    ),
    "year as text": (
        "year: '2027'\n",
        "{f}: key 'year' must be a whole number like 2027, got '2027'",
    ),
    "provisional not a boolean": (
        "year: 2027\nprovisional: maybe\n",
        "{f}: key 'provisional' must be true or false, got 'maybe'",
    ),
    "note not text": (
        "year: 2027\nnote: [a, b]\n",
        "{f}: key 'note' must be text, got ['a', 'b']",
    ),
    "holiday without a name": (
        "year: 2027\nholidays:\n  2027-01-01:\n",
        "{f}: holidays key '2027-01-01' needs a name (text), got None",
    ),
    "holidays not a mapping": (
        "year: 2027\nholidays: [2027-01-01]\n",
        "{f}: key 'holidays' must be a mapping of date: name, got ['2027-01-01']",
    ),
    "day both off and on": (
        "year: 2027\nholidays:\n  2027-02-06: 春节\nworkdays:\n  2027-02-06: 调休\n",
        "{f}: 2027-02-06 is under both holidays and workdays; keep one",
    ),
    "not a mapping": (
        "- 2027-01-01\n",
        "{f}: expected a mapping with keys year, provisional, note, holidays, workdays, "
        "got list ['2027-01-01']",
    ),
}


@pytest.mark.parametrize("case", list(INVALID_FILES))
def test_invalid_holiday_file(tmp_path, case):
    text, message = INVALID_FILES[case]
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as err:
        make([2027], holiday_files=[path])
    assert str(err.value) == message.format(f=path)


def test_holiday_file_with_a_duplicate_date(tmp_path):
    path = write(tmp_path, "year: 2027\nholidays:\n  2027-01-01: a\n  2027-01-01: b\n")
    with pytest.raises(ValueError) as err:
        make([2027], holiday_files=[path])
    assert str(err.value).startswith(f"{path}: not valid YAML: ")
    assert "duplicate key '2027-01-01'" in str(err.value)


def test_holiday_file_that_is_not_yaml(tmp_path):
    path = write(tmp_path, "year: 2027\nholidays: {2027-01-01: 元旦\n")
    with pytest.raises(ValueError, match=r"not valid YAML: "):
        make([2027], holiday_files=[path])


# -------------------------------------------------------------------------------------------
# arguments


def test_fixed_holiday_key_must_be_month_day():
    with pytest.raises(ValueError) as err:
        make([2040], fixed_holidays={"13-01": "never"})
    assert str(err.value) == "fixed_holidays key '13-01' must be a month-day like '01-01'"


def test_spring_festival_offsets_must_be_whole_days():
    with pytest.raises(ValueError) as err:
        make([2040], spring_festival_offsets=[0, 1.5])
    assert str(err.value) == (
        "spring_festival_offsets must be whole numbers of days from 初一, got 1.5"
    )


def test_years_must_not_be_empty():
    with pytest.raises(ValueError, match="^years must name at least one year$"):
        make([])


def test_a_date_outside_the_calendar_years_is_refused(campaign):
    with pytest.raises(ValueError) as err:
        campaign.is_working_day(date(2030, 1, 2))
    assert str(err.value) == (
        "2030-01-02 is outside the calendar's years [2026, 2027]; build the calendar with 2030 too"
    )
    with pytest.raises(ValueError, match=r"year\(s\) \[2025\] are outside"):
        campaign.working_day_mask(pd.date_range("2025-12-30", "2026-01-02"))


def test_missing_dates_are_refused(campaign):
    with pytest.raises(ValueError, match=r"^dates contain 1 missing value\(s\) \(NaT\)$"):
        campaign.working_day_mask(pd.DatetimeIndex(["2026-01-05", None]))
    with pytest.raises(ValueError, match=r"^the date is missing \(NaT\)$"):
        campaign.is_working_day(pd.NaT)


def test_spring_festival_holiday_needs_first_day_off():
    cal = make([2040], extra_workdays={date(2040, 2, 12): "all hands"})
    with pytest.raises(ValueError, match=r"^春节 初一 2040-02-12 is a working day"):
        cal.spring_festival_holiday(2040)


def test_a_hand_made_calendar_is_checked():
    with pytest.raises(ValueError) as err:
        WorkingCalendar(
            holidays={}, workdays={date(2030, 1, 2): "调休"}, sources={2030: "hand"}, warnings=()
        )
    assert str(err.value) == (
        "workdays 2030-01-02 ('调休') is a Wednesday; 调休 working days must fall on a "
        "Saturday or Sunday"
    )


# -------------------------------------------------------------------------------------------
# the object


def test_the_calendar_is_immutable(campaign):
    with pytest.raises(TypeError):
        campaign.holidays[date(2026, 3, 3)] = "sneaky"
    with pytest.raises(TypeError):
        campaign.workdays[date(2026, 3, 7)] = "sneaky"
    with pytest.raises(TypeError):
        campaign.sources[2030] = "sneaky"
    with pytest.raises(dataclasses.FrozenInstanceError):
        campaign.warnings = ()


def test_the_calendar_does_not_keep_the_callers_dicts():
    extra = {date(2026, 12, 31): "eve"}
    cal = make([2026], extra_holidays=extra)
    extra[date(2026, 12, 30)] = "added later"
    assert date(2026, 12, 30) not in cal.holidays


def test_building_is_deterministic(in_repo):
    a = make([2026, 2027, 2040], holiday_files=[FILE_2027])
    b = make([2040, 2027, 2026], holiday_files=[FILE_2027])
    assert a == b
    assert a.warnings == b.warnings
    assert str(REPO) not in " ".join(a.warnings) + " ".join(a.sources.values())


def test_to_frame_lists_days_off_and_adjusted_working_days(campaign):
    table = campaign.to_frame()
    assert list(table.columns) == ["date", "weekday", "day_off", "name", "source"]
    assert len(table) == len(campaign.holidays) + len(campaign.workdays)
    row = table[table["date"] == pd.Timestamp("2026-02-28")].iloc[0]
    assert (row["weekday"], bool(row["day_off"]), row["name"]) == ("Saturday", False, "调休 春节")
    assert table["date"].is_monotonic_increasing


# -------------------------------------------------------------------------------------------
# the vectorized mask


def test_mask_accepts_the_usual_date_containers(campaign):
    days = [date(2026, 1, 1), date(2026, 1, 4), date(2026, 1, 5), date(2027, 1, 1)]
    expected = [False, True, True, False]
    index = pd.DatetimeIndex(days)
    assert campaign.working_day_mask(days).tolist() == expected
    assert campaign.working_day_mask(index).tolist() == expected
    assert campaign.working_day_mask(pd.Series(index)).tolist() == expected
    assert campaign.working_day_mask(index.values).tolist() == expected
    assert campaign.working_day_mask(index + pd.Timedelta(hours=23)).tolist() == expected
    # a timezone-aware time counts by its local date, not its UTC date
    shanghai = (index + pd.Timedelta(hours=1)).tz_localize("Asia/Shanghai")
    assert campaign.working_day_mask(shanghai).tolist() == expected
    grid = np.array(index.values).reshape(2, 2)
    assert campaign.working_day_mask(grid).tolist() == [expected[:2], expected[2:]]


def test_mask_of_a_million_dates_matches_the_slow_path_on_a_sample(campaign):
    # speed is measured in benchmarks/, not here; this checks the vectorized path at scale
    rng = np.random.default_rng(0)
    start = np.datetime64("2026-01-01")
    days = start + rng.integers(0, 730, size=1_000_000).astype("timedelta64[D]")
    mask = campaign.working_day_mask(days)
    assert mask.shape == (1_000_000,) and mask.dtype == bool
    for i in rng.integers(0, 1_000_000, size=200):
        assert mask[i] == campaign.is_working_day(days[i].astype("datetime64[D]").item())


@pytest.fixture(scope="module")
def five_years() -> WorkingCalendar:
    # 2024-2026 official, 2027 from the file, 2028 estimated
    return build_calendar(
        range(2024, 2029),
        holiday_files=[REPO / FILE_2027],
        fixed_holidays=FIXED,
        spring_festival_offsets=OFFSETS,
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(date(2024, 1, 1), date(2028, 12, 31)), min_size=1, max_size=60))
def test_mask_agrees_with_is_working_day(five_years, days):
    mask = five_years.working_day_mask(pd.DatetimeIndex(days))
    assert mask.tolist() == [five_years.is_working_day(d) for d in days]
    assert five_years.working_day_mask(days).tolist() == mask.tolist()
