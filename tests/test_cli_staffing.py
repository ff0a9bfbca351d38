"""``revisitkit plan --staff``: the schedule, the workbook sheets and the calendars, on real
files.

The nine customers of ``tests/test_cli.py`` and a seven-person roster (one of each role, all in
上海, 7 h a day, a GBK file with Chinese headers) give this schedule, worked out by hand from
domain.md §2–§4 and ``staffing.channels``, ``escalations`` and ``service`` of
``data/campaign.yaml`` (minutes = contact + preparation; on-site travel: same province 90 min,
another cluster 270). The data is as of Tuesday 2026-12-01 and execution starts Wednesday
2026-12-16. The churn warnings K2 and K3 are called within 48 h of the as-of date, by a senior
salesperson (their owners are not on the roster), and get a win-back plan by the account
manager; K3's major project is tracked once a week; K1's visit has its letter three working
days before and a weekly briefing by its specialist each later week; the win-back goes talk →
incentive → second touch on consecutive working days:

=====  ============================  ===========================  =======  ======  ==========
cust.  task                          who                          minutes  travel  day
=====  ============================  ===========================  =======  ======  ==========
K2     phone (churn warning)         SS1                          35       0       12-01
K2     winback_plan                  AM1                          45       0       12-01
K3     phone (churn warning)         SS1                          35       0       12-01
K3     winback_plan                  AM1                          45       0       12-01
K1     appointment_letter            M1 (the visit's CS manager)  15       0       12-11
K1     onsite_visit                  D1 + T1 + M1 together        105+90   90      12-16
K1     dedicated_service             A1 (its specialist)          40       0       12-16
K1     weekly_briefing w2…w6         A1                           30       0       Mondays
                                                                                   12-21 …
                                                                                   01-18
K5     wechat                        AM1                          45       0       12-16
K5     winback_incentive             AM1 (after the talk)         35       0       12-17
K5     second_touch                  AM1 (after the incentive)    20       0       12-18
K9     phone                         SA1 (regular: sales)         35       0       12-16
K2     phone                         SA1                          35       0       12-16
K7     batch_phone                   A1                           8        0       12-16
K3     phone                         SS1 (potential)              35       0       12-16
K3     needs_research                SS1 (within 3 days)          80+270   270     12-17
K3     project_tracking w1…w6        SS1                          25       0       12-16, 12-21,
                                                                                   12-28, 01-04,
                                                                                   01-11, 01-18
K4     online_training (invitation)  A1                           20       0       12-16
(all)  training webinar              M1 hosts                     90+30    0       2027-02-09
=====  ============================  ===========================  =======  ======  ==========

K6 and K8 (survey and news push) and K4's SMS and product guide are automated: no one's time.
21 scheduled tasks (23 person-rows), 7 dated touches (letter, 5 briefings, webinar), all on
time.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar

from revisitkit.cli import main
from revisitkit.config import load_config
from revisitkit.segmentation import segment
from revisitkit.staffing import build_tasks
from tests.schedule_checker import check_schedule, travel_minutes_by_class
from tests.test_cli import CUSTOMERS_CSV

ROOT = Path(__file__).resolve().parent.parent

ROSTER_CSV = (
    "员工编号,姓名,岗位,区域,每日可用小时\n"
    "D1,王总,销售总监,上海,7\n"
    "T1,李工,技术顾问,上海,7\n"
    "M1,赵经理,客服经理,上海,7\n"
    "A1,钱专员,客服专员,上海,7\n"
    "AM1,孙经理,客户经理,上海,7\n"
    "SA1,周销售,销售,上海,7\n"
    "SS1,吴骨干,资深销售,上海,7\n"
)

#: (task_id, staff_id, date, minutes incl. travel, travel minutes) — the table above
EXPECTED = {
    ("K2/phone/churn_warning", "SS1", "2026-12-01", 35.0, 0.0),
    ("K2/winback_plan/churn_warning", "AM1", "2026-12-01", 45.0, 0.0),
    ("K3/phone/churn_warning", "SS1", "2026-12-01", 35.0, 0.0),
    ("K3/winback_plan/churn_warning", "AM1", "2026-12-01", 45.0, 0.0),
    ("K1/onsite_visit/1/letter", "M1", "2026-12-11", 15.0, 0.0),
    ("K1/onsite_visit/1", "D1", "2026-12-16", 195.0, 90.0),
    ("K1/onsite_visit/1", "T1", "2026-12-16", 195.0, 90.0),
    ("K1/onsite_visit/1", "M1", "2026-12-16", 195.0, 90.0),
    ("K1/dedicated_service/1", "A1", "2026-12-16", 40.0, 0.0),
    *(
        (f"K1/weekly_briefing/w{k}", "A1", day, 30.0, 0.0)
        for k, day in [
            (2, "2026-12-21"),
            (3, "2026-12-28"),
            (4, "2027-01-04"),
            (5, "2027-01-11"),
            (6, "2027-01-18"),
        ]
    ),
    ("K5/wechat/1", "AM1", "2026-12-16", 45.0, 0.0),
    ("K5/winback_incentive/1", "AM1", "2026-12-17", 35.0, 0.0),
    ("K5/second_touch/1", "AM1", "2026-12-18", 20.0, 0.0),
    ("K9/phone/1", "SA1", "2026-12-16", 35.0, 0.0),
    ("K2/phone/1", "SA1", "2026-12-16", 35.0, 0.0),
    ("K7/batch_phone/1", "A1", "2026-12-16", 8.0, 0.0),
    ("K3/phone/1", "SS1", "2026-12-16", 35.0, 0.0),
    ("K3/needs_research/1", "SS1", "2026-12-17", 350.0, 270.0),
    *(
        (f"K3/project_tracking/w{k}", "SS1", day, 25.0, 0.0)
        for k, day in [
            (1, "2026-12-16"),
            (2, "2026-12-21"),
            (3, "2026-12-28"),
            (4, "2027-01-04"),
            (5, "2027-01-11"),
            (6, "2027-01-18"),
        ]
    ),
    ("K4/online_training/1", "A1", "2026-12-16", 20.0, 0.0),
    ("webinar", "M1", "2027-02-09", 120.0, 0.0),
}


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    crm = tmp_path / "crm.csv"
    crm.write_text(CUSTOMERS_CSV, encoding="utf-8")
    roster = tmp_path / "花名册.csv"
    roster.write_bytes(ROSTER_CSV.encode("gbk"))
    return crm, roster


def plan(crm: Path, roster: Path, out: Path, *extra: str) -> int:
    return main(
        ["plan", "--customers", str(crm), "--staff", str(roster), "--out", str(out), *extra]
    )


def schedule_rows(out: Path) -> list[dict[str, str]]:
    with (out / "schedule.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_schedule_csv_is_the_hand_worked_schedule(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    assert plan(*inputs, out) == 0
    rows = schedule_rows(out)
    assert list(rows[0]) == [
        "task_id",
        "customer_id",
        "channel",
        "staff_id",
        "role",
        "date",
        "start",
        "end",
        "minutes",
        "travel_minutes",
        "deadline",
        "on_time",
        "late_days",
    ]
    got = {
        (r["task_id"], r["staff_id"], r["date"], float(r["minutes"]), float(r["travel_minutes"]))
        for r in rows
    }
    assert got == EXPECTED
    assert len(rows) == 30  # 23 person-rows of the schedule, 7 dated touches
    assert {r["on_time"] for r in rows} == {"True"}
    deadline = {r["task_id"]: r["deadline"] for r in rows}
    # churn warnings: 48 h from the as-of date; their channel plan: +2 days from 12-16
    assert (
        deadline["K2/phone/churn_warning"]
        == deadline["K3/winback_plan/churn_warning"]
        == ("2026-12-03")
    )
    assert deadline["K2/phone/1"] == deadline["K3/needs_research/1"] == "2026-12-18"
    assert deadline["K1/onsite_visit/1"] == "2026-12-23"  # strategic: +7
    assert deadline["K1/onsite_visit/1/letter"] == "2026-12-11"  # 3 working days before 12-16
    assert deadline["K3/project_tracking/w1"] == "2026-12-20"  # the end of its ISO week
    assert deadline["webinar"] == "2027-02-15"  # 02-08, the holiday's last day, + 7
    assert deadline["K5/second_touch/1"] == deadline["K9/phone/1"] == "2026-12-31"
    assert deadline["K7/batch_phone/1"] == "2027-01-15"
    summary = capsys.readouterr().out
    assert "Staffing: 21 staffed tasks on 7 people" in summary
    assert "21 on time, 0 late, 0 unscheduled" in summary
    assert "capacity gap: none" in summary
    assert (
        "dated touches booked: 5 weekly_briefing, 1 appointment_letter, 1 online_training"
        in summary
    )


def test_one_phone_calendar_per_person(inputs, tmp_path):
    out = tmp_path / "out"
    assert plan(*inputs, out) == 0
    files = sorted(p.name for p in (out / "calendars").iterdir())
    assert files == ["A1.ics", "AM1.ics", "D1.ics", "M1.ics", "SA1.ics", "SS1.ics", "T1.ics"]
    per_person = Counter(staff for _, staff, *_ in EXPECTED)
    for name in files:
        cal = Calendar.from_ical((out / "calendars" / name).read_bytes())
        events = list(cal.walk("VEVENT"))
        assert len(events) == per_person[name[:-4]]
        assert len({str(e["uid"]) for e in events}) == len(events)
    cal = Calendar.from_ical((out / "calendars" / "SS1.ics").read_bytes())
    days = sorted((e.decoded("dtstart"), str(e["summary"])) for e in cal.walk("VEVENT"))
    # two churn-warning calls on 12-01, then K3's call and its first tracking, the study, and
    # the weekly tracking on each later Monday
    assert [d.date().isoformat() for d, _ in days] == [
        "2026-12-01",
        "2026-12-01",
        "2026-12-16",
        "2026-12-16",
        "2026-12-17",
        "2026-12-21",
        "2026-12-28",
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
    ]
    # 12-01 in task order: K2 (南方物流) at 09:00, then K3 (京北科技) at 09:35
    assert [title for _, title in days[:2]] == ["电话回访 · 南方物流", "电话回访 · 京北科技"]
    host = Calendar.from_ical((out / "calendars" / "M1.ics").read_bytes())
    webinar = [
        e for e in host.walk("VEVENT") if e.decoded("dtstart").date().isoformat() == "2027-02-09"
    ]
    assert len(webinar) == 1 and str(webinar[0]["summary"]).startswith("线上培训")


#: (task_id, staff_id) -> (start, end), worked by hand from the day's start 09:00 and lunch
#: 12:00–13:00 (staffing.workday). A day of one's own calls runs in task order from 09:00.
#: The on-site team (D1, T1, M1, all 上海: 90 min round trip each) leaves at 09:00, meets
#: the customer 09:45–11:30 (75 + 30 min), is back 45 min later at work minute 195, past
#: lunch at 180: 09:00 + 195 + 60 = 13:15. K3's needs research alone (80 min + 270 travel =
#: 350) runs 09:00 + 350 + 60 = 15:50.
EXPECTED_TIMES = {
    ("K2/phone/churn_warning", "SS1"): ("09:00", "09:35"),
    ("K3/phone/churn_warning", "SS1"): ("09:35", "10:10"),
    ("K2/winback_plan/churn_warning", "AM1"): ("09:00", "09:45"),
    ("K3/winback_plan/churn_warning", "AM1"): ("09:45", "10:30"),
    ("K1/onsite_visit/1", "D1"): ("09:00", "13:15"),
    ("K1/onsite_visit/1", "T1"): ("09:00", "13:15"),
    ("K1/onsite_visit/1", "M1"): ("09:00", "13:15"),
    ("K3/phone/1", "SS1"): ("09:00", "09:35"),
    ("K3/project_tracking/w1", "SS1"): ("09:35", "10:00"),
    ("K3/needs_research/1", "SS1"): ("09:00", "15:50"),
    ("K1/dedicated_service/1", "A1"): ("09:00", "09:40"),
    ("K4/online_training/1", "A1"): ("09:40", "10:00"),
    ("K7/batch_phone/1", "A1"): ("10:00", "10:08"),
    ("webinar", "M1"): ("09:00", "11:00"),
}


def test_schedule_csv_has_the_hand_worked_times(inputs, tmp_path):
    out = tmp_path / "out"
    assert plan(*inputs, out) == 0
    times = {(r["task_id"], r["staff_id"]): (r["start"], r["end"]) for r in schedule_rows(out)}
    for key, want in EXPECTED_TIMES.items():
        assert times[key] == want, key
    assert all(start and end and start < end for start, end in times.values())


def test_timed_calendars_round_trip(inputs, tmp_path):
    # what a phone calendar reads back: timed events in Asia/Shanghai (with its VTIMEZONE),
    # the team visit one event per person that names the other two and the meeting's hour
    from zoneinfo import ZoneInfo

    out = tmp_path / "out"
    assert plan(*inputs, out) == 0
    raw = (out / "calendars" / "D1.ics").read_bytes()
    cal = Calendar.from_ical(raw)
    assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    (visit,) = [e for e in cal.walk("VEVENT") if str(e["uid"]) == "K1/onsite_visit/1/D1@revisitkit"]
    start, end = visit.decoded("dtstart"), visit.decoded("dtend")
    shanghai = ZoneInfo("Asia/Shanghai")
    assert start == datetime(2026, 12, 16, 9, 0, tzinfo=shanghai)
    assert end == datetime(2026, 12, 16, 13, 15, tzinfo=shanghai)
    text = str(visit["description"])
    assert "同行 with: 李工（技术顾问 Technical consultant）、赵经理（客服经理 CS manager）" in text
    assert "与客户会面 meeting 09:45" in text
    for name, other in (("T1", "王总"), ("M1", "王总")):
        cal = Calendar.from_ical((out / "calendars" / f"{name}.ics").read_bytes())
        uid = f"K1/onsite_visit/1/{name}@revisitkit"
        (ev,) = [e for e in cal.walk("VEVENT") if str(e["uid"]) == uid]
        assert ev.decoded("dtstart") == start and other in str(ev["description"])
    # a round trip: what is read back writes the same calendar
    assert Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical()


def test_workbook_has_schedule_and_staffing_sheets(inputs, tmp_path):
    out = tmp_path / "out"
    assert plan(*inputs, out) == 0
    book = openpyxl.load_workbook(out / "plan.xlsx", read_only=True)
    assert book.sheetnames[3:5] == ["排期 Schedule", "人员 Staffing"]
    sched = list(book["排期 Schedule"].iter_rows(values_only=True))
    assert sched[0][:4] == (
        "任务编号 Task",
        "客户编号 Customer",
        "客户名称 Name",
        "回访方式 Channel",
    )
    assert len(sched) == 1 + 30
    staffing = [r for r in book["人员 Staffing"].iter_rows(values_only=True)]
    titles = [r[0] for r in staffing if r[0] and " " in str(r[0]) and r[1] is None]
    assert titles[0].startswith("按期完成率")
    att = {r[0]: r[1:6] for r in staffing if r[0] in ("高 High", "中 Medium", "低 Low", "全部 All")}
    # high: K1 visit + dedicated (2); K2 churn call, win-back plan, phone (3); K3 churn call,
    # win-back plan, phone, study, 6 weekly trackings (10) = 15; medium: K5 ×3, K9, K4 = 5;
    # low: K7 batch call = 1. The dated touches (letter, briefings, webinar) are not in it.
    assert att["高 High"] == (15, 15, 0, 0, 1)
    assert att["中 Medium"] == (5, 5, 0, 0, 1)
    assert att["低 Low"] == (1, 1, 0, 0, 1)
    assert att["全部 All"] == (21, 21, 0, 0, 1)


def test_bad_roster_exits_2_and_writes_nothing(inputs, tmp_path, capsys):
    crm, roster = inputs
    roster.write_bytes((ROSTER_CSV + "X1,某人,保安,上海,7\n").encode("gbk"))
    out = tmp_path / "out"
    assert plan(crm, roster, out) == 2
    err = capsys.readouterr().err
    assert "花名册.csv" in err and "row 9" in err and "岗位" in err and "保安" in err
    assert not out.exists() or not any(out.iterdir())


def test_failed_staffing_run_leaves_the_previous_outputs_alone(inputs, tmp_path):
    crm, roster = inputs
    out = tmp_path / "out"
    assert plan(crm, roster, out) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    roster.write_bytes((ROSTER_CSV + "D1,重复,销售,上海,7\n").encode("gbk"))
    assert plan(crm, roster, out) == 2
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_roster_without_directors_yields_a_plan_and_a_gap_naming_them(inputs, tmp_path, capsys):
    """Seen: a roster missing a role was refused, so a first draft of the team got no plan.

    Worked by hand: without a sales director, K1's on-site visit (75 + 30 min for each of the
    three) has no one: it stays unscheduled, 105 / 420 = 0.25 person-days of a director in
    长三角, at least one person to add; everything else is scheduled as in the table above."""
    crm, roster = inputs
    roster.write_bytes(
        "\n".join(line for line in ROSTER_CSV.splitlines() if "销售总监" not in line).encode("gbk")
        + b"\n"
    )
    out = tmp_path / "out"
    assert plan(crm, roster, out) == 0
    captured = capsys.readouterr()
    assert "花名册.csv: no one on the roster is 销售总监 Sales director" in captured.err
    assert "Traceback" not in captured.err
    assert (
        "sales_director in yangtze_delta: 1 task(s), 0.25 person-days — add at least 1 person"
        in captured.out
    )
    assert "sales_director in yangtze_delta: +1 person-days" in captured.out
    rows = schedule_rows(out)
    visit = [r for r in rows if r["task_id"] == "K1/onsite_visit/1"]
    assert visit and all(not r["staff_id"] and not r["date"] for r in visit)
    placed = {(r["task_id"], r["staff_id"]) for r in rows if r["staff_id"]}
    assert ("K9/phone/1", "SA1") in placed and ("K5/wechat/1", "AM1") in placed
    assert (out / "plan.xlsx").is_file() and (out / "calendars").is_dir()


def test_sample_schedule_passes_the_checker_with_every_deadline_met(tmp_path):
    """The issue's bar: the bundled sample plan's schedule, read back from schedule.csv, is
    checked by the independent checker, and every task is on time."""
    out = tmp_path / "out"
    customers = ROOT / "data/sample/customers.csv"
    roster_file = ROOT / "data/sample/roster.csv"
    assert (
        main(
            [
                "plan",
                "--customers",
                str(customers),
                "--staff",
                str(roster_file),
                "--out",
                str(out),
                "--no-xlsx",
            ]
        )
        == 0
    )
    config = load_config()
    from revisitkit.calendar import campaign_calendar
    from revisitkit.io import load_customers, load_roster

    cal = campaign_calendar(config)
    roster = load_roster(roster_file, config)
    plan_frame = segment(load_customers(customers, config), config).plan
    tasks = build_tasks(plan_frame, config, roster=roster, calendar=cal.calendar)
    # the specialists' dedicated service is theirs (revisitkit.staffing.specialists)
    from revisitkit.staffing.specialists import assign_specialists

    who = (
        tasks["customer_id"]
        .astype(str)
        .map(assign_specialists(plan_frame, roster, config).assignment)
    )
    dedicated = tasks["channel"].astype(str) == "dedicated_service"
    tasks["assignee"] = tasks["assignee"].where(~dedicated, who)
    every = pd.read_csv(out / "schedule.csv", encoding="utf-8-sig", dtype={"staff_id": str})
    every["date"] = pd.to_datetime(every["date"])
    every["deadline"] = pd.to_datetime(every["deadline"])
    scheduled = every["task_id"].isin(tasks["task_id"])
    a, dated = every[scheduled].copy(), every[~scheduled].copy()
    # the rest are the letters, briefings and the webinar's host, booked into free time
    assert set(dated["task_id"].str.extract(r"(letter|weekly_briefing|webinar)")[0]) == {
        "letter",
        "weekly_briefing",
        "webinar",
    }
    assert len(a["task_id"].unique()) == len(tasks)
    first = a.groupby("task_id", sort=False).agg(
        date=("date", "first"), staff=("staff_id", ";".join)
    )
    st = pd.DataFrame({"task_id": tasks["task_id"]})
    st["date"] = st["task_id"].map(first["date"])
    st["unscheduled"] = st["date"].isna()
    st["on_time"] = ~st["unscheduled"] & (st["date"] <= tasks["deadline"].to_numpy())
    st["late_days"] = (st["date"] - tasks["deadline"].to_numpy()).dt.days.clip(lower=0)
    st["staff_ids"] = st["task_id"].map(first["staff"])
    travel = {
        c: float(getattr(config.staffing.travel_minutes, c))
        for c in ("same_region", "same_cluster", "other_cluster", "overseas")
    }
    ex = cal.phases.execution
    problems = check_schedule(
        a,
        st,
        tasks,
        roster,
        cal.calendar,
        config.as_of(),  # the window opens on the as-of date (churn-warning calls, letters)
        ex.end,
        travel_minutes_by_class(travel, frozenset(config.staffing.overseas_clusters)),
        dated,
    )
    assert problems == []
    assert bool(st["on_time"].all()) and bool(a["on_time"].all())
    assert bool(dated["on_time"].all())  # every letter, briefing and the webinar in its window
    # holidays: nothing on 元旦 (2027-01-01) or a weekend that is not a 调休 working day
    days = set(a["date"].dt.date)
    assert pd.Timestamp("2027-01-01").date() not in days
    assert all(cal.calendar.is_working_day(d) for d in days)
