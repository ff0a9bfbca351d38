"""``revisitkit plan --staff``: the schedule, the workbook sheets and the calendars, on real
files.

The nine customers of ``tests/test_cli.py`` and a seven-person roster (one of each role, all in
上海, 7 h a day, a GBK file with Chinese headers) give this schedule, worked out by hand from
domain.md §2 and ``staffing.channels`` of ``data/campaign.yaml`` (minutes = contact + preparation;
on-site travel: same province 90 min, another cluster 270). Execution starts Wednesday
2026-12-16; every task fits on its first working day except the follow-ups, which go on the
next working day after their predecessor (Thursday 12-17):

=====  ==================  =====================================  =======  ======  ========
cust.  channel             who                                    minutes  travel  day
=====  ==================  =====================================  =======  ======  ========
K1     onsite_visit        D1 + T1 + M1 (all three together)      105+90   90      12-16
K1     dedicated_service   A1                                     40       0       12-16
K5     wechat              AM1                                    45       0       12-16
K5     winback_incentive   AM1                                    35       0       12-16
K5     second_touch        AM1 (within 7 days after the wechat)   20       0       12-17
K9     phone               SA1 (regular: sales)                   35       0       12-16
K2     phone               SA1                                    35       0       12-16
K7     batch_phone         A1                                     8        0       12-16
K3     phone               SS1 (potential: senior sales)          35       0       12-16
K3     needs_research      SS1 (within 3 days after the call)     80+270   270     12-17
K4     online_training     A1                                     20       0       12-16
=====  ==================  =====================================  =======  ======  ========

K6 and K8 (survey and news push) and K4's SMS and product guide are automated: no one's time.
11 tasks, 13 person-rows, every one on time.
"""

from __future__ import annotations

import csv
from collections import Counter
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
    ("K1/onsite_visit/1", "D1", "2026-12-16", 195.0, 90.0),
    ("K1/onsite_visit/1", "T1", "2026-12-16", 195.0, 90.0),
    ("K1/onsite_visit/1", "M1", "2026-12-16", 195.0, 90.0),
    ("K1/dedicated_service/1", "A1", "2026-12-16", 40.0, 0.0),
    ("K5/wechat/1", "AM1", "2026-12-16", 45.0, 0.0),
    ("K5/winback_incentive/1", "AM1", "2026-12-16", 35.0, 0.0),
    ("K5/second_touch/1", "AM1", "2026-12-17", 20.0, 0.0),
    ("K9/phone/1", "SA1", "2026-12-16", 35.0, 0.0),
    ("K2/phone/1", "SA1", "2026-12-16", 35.0, 0.0),
    ("K7/batch_phone/1", "A1", "2026-12-16", 8.0, 0.0),
    ("K3/phone/1", "SS1", "2026-12-16", 35.0, 0.0),
    ("K3/needs_research/1", "SS1", "2026-12-17", 350.0, 270.0),
    ("K4/online_training/1", "A1", "2026-12-16", 20.0, 0.0),
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
    assert len(rows) == 13
    assert {r["on_time"] for r in rows} == {"True"}
    # deadlines of the plan (tests/test_cli.py): K1 12-23, K3 and K2 12-18, K5/K9/K4 12-31
    deadline = {r["customer_id"]: r["deadline"] for r in rows}
    assert deadline == {
        "K1": "2026-12-23",
        "K3": "2026-12-18",
        "K2": "2026-12-18",
        "K5": "2026-12-31",
        "K9": "2026-12-31",
        "K4": "2026-12-31",
        "K7": "2027-01-15",
    }
    summary = capsys.readouterr().out
    assert "Staffing: 11 staffed tasks on 7 people" in summary
    assert "11 on time, 0 late, 0 unscheduled" in summary
    assert "capacity gap: none" in summary


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
    assert [d.isoformat() for d, _ in days] == ["2026-12-16", "2026-12-17"]
    assert days[0][1] == "电话回访 · 京北科技"


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
    assert len(sched) == 1 + 13
    staffing = [r for r in book["人员 Staffing"].iter_rows(values_only=True)]
    titles = [r[0] for r in staffing if r[0] and " " in str(r[0]) and r[1] is None]
    assert titles[0].startswith("按期完成率")
    # attainment: 3 high tasks (K1 ×2, K2, K3 ×2 → 5), all on time
    att = {r[0]: r[1:6] for r in staffing if r[0] in ("高 High", "中 Medium", "低 Low", "全部 All")}
    # high: K1 visit + dedicated, K2 phone, K3 phone + study = 5; medium: K5 ×3, K9, K4 = 5;
    # low: K7 batch call = 1
    assert att["高 High"] == (5, 5, 0, 0, 1)
    assert att["中 Medium"] == (5, 5, 0, 0, 1)
    assert att["低 Low"] == (1, 1, 0, 0, 1)
    assert att["全部 All"] == (11, 11, 0, 0, 1)


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


def test_roster_missing_a_role_the_plan_needs(inputs, tmp_path, capsys):
    crm, roster = inputs
    roster.write_bytes(
        "\n".join(line for line in ROSTER_CSV.splitlines() if "资深销售" not in line).encode("gbk")
        + b"\n"
    )
    assert plan(crm, roster, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "senior_sales" in err
    assert "Traceback" not in err


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
    tasks = build_tasks(segment(load_customers(customers, config), config).plan, config)
    roster = load_roster(roster_file, config)
    a = pd.read_csv(out / "schedule.csv", encoding="utf-8-sig", dtype={"staff_id": str})
    a["date"] = pd.to_datetime(a["date"])
    a["deadline"] = pd.to_datetime(a["deadline"])
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
        ex.start,
        ex.end,
        travel_minutes_by_class(travel, frozenset(config.staffing.overseas_clusters)),
    )
    assert problems == []
    assert bool(st["on_time"].all()) and bool(a["on_time"].all())
    # holidays: nothing on 元旦 (2027-01-01) or a weekend that is not a 调休 working day
    days = set(a["date"].dt.date)
    assert pd.Timestamp("2027-01-01").date() not in days
    assert all(cal.calendar.is_working_day(d) for d in days)
