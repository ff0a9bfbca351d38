"""People needed without a roster (issue 19, item 3): revisitkit.staffing.needs, the plan's
staffing_needs.csv and roster_draft.csv, and `revisitkit roster draft`.

The golden figures are worked by hand from domain.md §4 and the default config: a regular
customer's phone call is by ``sales``, 25 minutes and 10 of preparation (35 min), the online
survey is automated; a person-day is 7 h = 420 min; ``staffing.target_utilisation`` 0.85.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from revisitkit.calendar import campaign_calendar
from revisitkit.cli import main
from revisitkit.config import load_config
from revisitkit.io import read_table
from revisitkit.kit import KIT_DATA
from revisitkit.staffing.needs import staffing_needs

SAMPLE = KIT_DATA / "sample" / "customers.csv"


def calls(n: int, deadline: str = "2026-12-18") -> pd.DataFrame:
    """n regular customers in 广东, each one phone call due on *deadline*."""
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "value_segment": "regular",
            "priority": "medium",
            "deadline": pd.Timestamp(deadline),
            "channels": "phone+online_survey",
            "region": "广东",
            "region_cluster": "pearl_delta",
        }
    )


def plan_with(staff, out) -> int:
    """`revisitkit plan` of the sample with the roster *staff*, no workbook."""
    args = ["plan", "--customers", str(SAMPLE), "--staff", str(staff), "--out", str(out)]
    return main([*args, "--no-xlsx"])


def overlay(tmp_path, text: str):
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(("n", "people"), [(30, 1), (31, 2)])
def test_people_needed_at_the_target_utilisation(config, n, people):
    # Calls may be made from the first day of execution, Wed 16 Dec; due Fri 18 Dec: three
    # working days, 3 × 420 = 1,260 min a person. At 85%: 30 calls = 1,050 min need
    # 1,050 / 0.85 = 1,235.3 ≤ 1,260 → one salesperson; 31 calls = 1,085 / 0.85 = 1,276.5 >
    # 1,260 → two.
    needs = staffing_needs(calls(n), config, campaign_calendar(config))
    row = needs.overall.set_index(["role", "region_cluster"]).loc[("sales", "pearl_delta")]
    assert int(row["people"]) == people
    assert needs.people_by_role() == {"sales": people}
    assert row["person_days"] == pytest.approx(n * 35 / 420)
    # the window is the as-of date (Tue 1 Dec) to the end of execution (Wed 20 Jan): 23
    # working days in December, 1 Jan a holiday, 13 in January
    assert int(row["working_days"]) == 36
    assert needs.verified and needs.not_on_time == 0
    # the week of Mon 14 Dec: five working days (14–15 Dec of preparation count as capacity),
    # all the calls in it
    week = needs.weekly.set_index("period").loc["2026-12-14"]
    assert int(week["working_days"]) == 5
    assert week["person_days"] == pytest.approx(n * 35 / 420)
    assert week["utilisation"] == pytest.approx(n * 35 / (5 * 420 * people))
    assert int(week["people"]) == people
    assert len(needs.roster) == people
    assert set(needs.roster["role"]) == {"sales"}
    assert set(needs.roster["region"]) == {"广东"}


def test_the_target_utilisation_is_a_setting(tmp_path):
    # at 100%: 36 calls = 1,260 min fit one person's three days exactly; 37 need two
    config = overlay(tmp_path, "staffing:\n  target_utilisation: 1.0\n")
    cal = campaign_calendar(config)
    assert staffing_needs(calls(36), config, cal).people_by_role() == {"sales": 1}
    assert staffing_needs(calls(37), config, cal).people_by_role() == {"sales": 2}
    # and at 85% the 36 calls need two (1,260 / 0.85 = 1,482.4 > 1,260)
    default = load_config()
    assert staffing_needs(calls(36), default, campaign_calendar(default)).people_by_role() == {
        "sales": 2
    }


@pytest.mark.parametrize("value", ["0", "1.2", "-0.5", "high"])
def test_a_target_utilisation_out_of_range_is_refused(tmp_path, capsys, value):
    (tmp_path / "campaign.yaml").write_text(
        f"staffing:\n  target_utilisation: {value}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    code = main(
        [
            "plan",
            "--customers",
            str(SAMPLE),
            "--config",
            str(tmp_path / "campaign.yaml"),
            "--out",
            str(out),
            "--no-xlsx",
        ]  # fmt: skip
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "target_utilisation" in err and "Traceback" not in err
    assert not out.exists()


def test_plan_without_a_roster_sizes_and_the_draft_round_trips(tmp_path, capsys):
    plan_dir = tmp_path / "plan"
    assert main(["plan", "--customers", str(SAMPLE), "--out", str(plan_dir)]) == 0
    printed = capsys.readouterr().out
    assert "Staffing needs (no roster given)" in printed
    assert "verified: the scheduler puts every task on time with these people" in printed
    assert "revisitkit roster draft" in printed

    needs = read_table(plan_dir / "staffing_needs.csv").frame
    assert list(needs.columns) == [
        "role", "region_cluster", "period", "working_days", "people", "person_days",
        "capacity_person_days", "utilisation",
    ]  # fmt: skip
    overall = needs[needs["period"] == "all"]
    weekly = needs[needs["period"] != "all"]
    assert len(overall) and len(weekly)
    # a week's people are some of the cluster's people, never more
    people = overall.set_index(["role", "region_cluster"])["people"].astype(int)
    for row in weekly.itertuples(index=False):
        assert int(row.people) <= people.loc[(row.role, row.region_cluster)]
    # the workbook has the sheet 人员需求 Needs
    import openpyxl

    book = openpyxl.load_workbook(plan_dir / "plan.xlsx", read_only=True)
    assert "人员需求 Needs" in book.sheetnames

    # the draft: Chinese headers, one row per person, names to fill in
    roster_xlsx = tmp_path / "roster.xlsx"
    assert main(["roster", "draft", "--plan", str(plan_dir), "--out", str(roster_xlsx)]) == 0
    draft = pd.read_excel(roster_xlsx, dtype=str)
    assert list(draft.columns[:4]) == ["员工编号", "姓名", "岗位", "区域"]
    assert len(draft) == int(people.sum())
    assert draft["姓名"].str.startswith("待填 ").all()
    assert "销售总监" in set(draft["岗位"])

    # --staff accepts it as it is, and every task is on time with it
    scheduled = tmp_path / "scheduled"
    capsys.readouterr()
    assert plan_with(roster_xlsx, scheduled) == 0
    printed = capsys.readouterr().out
    assert " 0 late, 0 unscheduled" in printed
    schedule = read_table(scheduled / "schedule.csv").frame
    assert (schedule["on_time"] == "True").all()


def test_roster_draft_refuses_what_it_cannot_do(tmp_path, capsys):
    plan_dir = tmp_path / "plan"
    # a plan made with a roster has no draft
    assert plan_with(KIT_DATA / "sample" / "roster.csv", plan_dir) == 0
    capsys.readouterr()
    target = tmp_path / "roster.xlsx"
    assert main(["roster", "draft", "--plan", str(plan_dir), "--out", str(target)]) == 2
    assert "roster_draft.csv: not found" in capsys.readouterr().err
    assert not target.exists()
    # a file that exists is never overwritten; a suffix it cannot write is refused
    target.write_text("mine", encoding="utf-8")
    assert main(["roster", "draft", "--plan", str(plan_dir), "--out", str(target)]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "mine"
    assert main(["roster", "draft", "--plan", str(plan_dir), "--out", str(tmp_path / "r.txt")]) == 2
    assert ".xlsx or .csv" in capsys.readouterr().err


def test_a_draft_edited_into_nonsense_is_refused_with_row_column_and_value(tmp_path, capsys):
    plan_dir = tmp_path / "plan"
    assert main(["plan", "--customers", str(SAMPLE), "--out", str(plan_dir), "--no-xlsx"]) == 0
    capsys.readouterr()
    draft = plan_dir / "roster_draft.csv"
    frame = pd.read_csv(draft, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[2, "岗位"] = "厨师"
    frame.loc[4, "每日可用小时"] = "30"
    frame.loc[5, "区域"] = "火星"
    frame.to_csv(draft, index=False, encoding="gbk")  # re-saved by a spreadsheet, in GBK
    target = tmp_path / "roster.xlsx"
    assert main(["roster", "draft", "--plan", str(plan_dir), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # spreadsheet rows: the header is row 1, so frame row i is row i + 2
    assert "row 4" in err and "岗位" in err and "厨师" in err
    assert "row 6" in err and "每日可用小时" in err and "30" in err
    assert "row 7" in err and "区域" in err and "火星" in err
    assert not target.exists()
    assert sorted(os.listdir(tmp_path)) == ["plan"]


@pytest.mark.parametrize("start", [0, 3, 7, 12, 40])
@pytest.mark.parametrize("answer", [0, 1, 7, 25, 50])
def test_the_headcount_search_finds_the_smallest_that_fits(start, answer):
    from revisitkit.staffing.sizing import _first_fit

    tried = []

    def fits(n):
        tried.append(n)
        return n >= answer

    assert _first_fit(fits, start, 0, 50) == answer
    assert len(tried) <= 16  # one person at a time took up to 50 checks here
    # nothing fits up to the bound: the bound
    assert _first_fit(lambda n: False, start, 0, 50) == 50
