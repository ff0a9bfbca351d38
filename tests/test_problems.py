"""The problem hand-off (问题转办, issue 18): the SLA clock, its KPIs, the problems file, the
store and the ``revisitkit problems`` commands. Every expected value is worked out by hand
from domain.md / the plan (§1.2, §1.4.2, §3.3, §7.2) and the 2027 calendar; no value is
copied from the code's output."""

from __future__ import annotations

import math
from datetime import date

import openpyxl
import pandas as pd
import pytest

from revisitkit.calendar import WorkingCalendar, campaign_calendar
from revisitkit.cli import main
from revisitkit.errors import InputError
from revisitkit.kpi import compute_kpis
from revisitkit.problems import problem_kpis, sla
from revisitkit.schema import parse_problems
from revisitkit.store import ProblemLog, StaleProblemError, Store
from revisitkit.workspace import empty_outcomes

T = pd.Timestamp


def problems(*rows: dict) -> pd.DataFrame:
    base = {
        "problem_id": None,
        "customer_id": "C1",
        "raised_at": pd.NaT,
        "grade": "C",
        "category": "other",
        "description": "",
        "owner": "",
        "responded_at": pd.NaT,
        "solved_at": pd.NaT,
        "verified_at": pd.NaT,
        "verified_ok": pd.NA,
        "notes": "",
    }
    frame = pd.DataFrame([{**base, "problem_id": f"P{i + 1}", **r} for i, r in enumerate(rows)])
    for c in ("raised_at", "responded_at", "solved_at", "verified_at"):
        frame[c] = pd.to_datetime(frame[c])
    frame["verified_ok"] = frame["verified_ok"].astype("boolean")
    return frame


# An A problem raised on Friday 2027-01-08 at 17:00 (a working Friday in the 2027 calendar)
# and responded to on Saturday 2027-01-09 at 10:00.
FRIDAY_A = {"grade": "A", "raised_at": T("2027-01-08 17:00"), "responded_at": T("2027-01-09 10:00")}


def plain_calendar(workdays=None) -> WorkingCalendar:
    """2027 with no holidays in January (and the given 调休 working days)."""
    return WorkingCalendar(
        holidays={date(2027, 1, 1): "元旦 New Year's Day"},
        workdays=workdays or {},
        sources={2027: "test"},
    )


@pytest.fixture(scope="module")
def working(config):
    return config.replace({"problems": {"clock": "working_hours"}})


# --------------------------------------------------------------------------- the SLA clock
def test_calendar_hours_an_a_problem_answered_next_morning_missed_by_15_hours(config):
    # 17:00 Friday → 10:00 Saturday = 17 h; A's SLA is 2 h: 15 h late
    row = sla(problems(FRIDAY_A), config, as_of=T("2027-01-09 12:00")).iloc[0]
    assert row["response_hours"] == 17.0
    assert row["response_due"] == T("2027-01-08 19:00")
    assert row["response_late_hours"] == 15.0
    assert row["response_met"] is False or not row["response_met"]


def test_working_hours_the_same_response_took_one_hour_and_is_on_time(working):
    # 17:00–18:00 Friday is the only working hour: Saturday is not a working day
    row = sla(
        problems(FRIDAY_A), working, as_of=T("2027-01-09 12:00"), calendar=plain_calendar()
    ).iloc[0]
    assert row["response_hours"] == 1.0
    assert bool(row["response_met"]) is True
    # the 2 working hours run out on Monday 2027-01-11 at 10:00 (1 h Friday + 1 h Monday)
    assert row["response_due"] == T("2027-01-11 10:00")


def test_working_hours_a_tiaoxiu_saturday_counts_two_hours_still_on_time(working):
    cal = plain_calendar({date(2027, 1, 9): "调休 test"})
    row = sla(problems(FRIDAY_A), working, as_of=T("2027-01-09 12:00"), calendar=cal).iloc[0]
    # Friday 17:00–18:00 and Saturday 09:00–10:00
    assert row["response_hours"] == 2.0
    assert row["response_due"] == T("2027-01-09 10:00")
    assert bool(row["response_met"]) is True


def test_working_hours_on_the_real_2027_calendar(working, config):
    # 2027-01-08 is a Friday and 2027-01-09 a Saturday with no 调休 in the bundled calendar
    cal = campaign_calendar(config)
    assert cal.calendar.is_working_day(date(2027, 1, 8))
    assert not cal.calendar.is_working_day(date(2027, 1, 9))
    row = sla(problems(FRIDAY_A), working, as_of=T("2027-01-12 12:00"), calendar=cal).iloc[0]
    assert row["response_hours"] == 1.0


def test_a_c_problem_answered_in_47_hours_is_on_time(config):
    row = sla(
        problems(
            {
                "grade": "C",
                "raised_at": T("2027-01-04 09:00"),
                "responded_at": T("2027-01-06 08:00"),
            }
        ),
        config,
        as_of=T("2027-01-07"),
    ).iloc[0]
    assert row["response_hours"] == 47.0
    assert row["response_late_hours"] == 0.0
    assert bool(row["response_met"]) is True


def test_overdue_steps_statuses_and_the_follow_up_due(config):
    as_of = T("2027-01-05 10:00")
    f = problems(
        # B raised 01-04 09:00, no response: due 01-05 09:00, 1 h overdue
        {"grade": "B", "raised_at": T("2027-01-04 09:00")},
        # responded, not solved: solution due 48 h after 01-02 08:00 = 01-04 08:00, 26 h overdue
        {"grade": "C", "raised_at": T("2027-01-02 08:00"), "responded_at": T("2027-01-02 09:00")},
        # solved 01-01 12:00: follow-up due 3 days later, 01-04 12:00; 22 h overdue
        {
            "grade": "C",
            "raised_at": T("2026-12-31 12:00"),
            "responded_at": T("2026-12-31 13:00"),
            "solved_at": T("2027-01-01 12:00"),
        },
        # confirmed not fixed: reopened
        {
            "grade": "C",
            "raised_at": T("2026-12-31 12:00"),
            "responded_at": T("2026-12-31 13:00"),
            "solved_at": T("2027-01-01 12:00"),
            "verified_at": T("2027-01-02 12:00"),
            "verified_ok": False,
        },
        # raised after the as-of moment: not counted
        {"grade": "A", "raised_at": T("2027-01-05 11:00")},
        # responded after the as-of moment: still open at it, not yet due (C: 48 h)
        {"grade": "C", "raised_at": T("2027-01-05 08:00"), "responded_at": T("2027-01-05 12:00")},
    )
    t = sla(f, config, as_of=as_of).set_index("problem_id")
    assert list(t.index) == ["P1", "P2", "P3", "P4", "P6"]
    assert t["status"].tolist() == ["open", "responded", "solved", "reopened", "open"]
    assert t["overdue_step"].tolist() == ["response", "solution", "follow_up", "", ""]
    assert t.loc["P1", "overdue_hours"] == 1.0
    assert t.loc["P2", "overdue_hours"] == 26.0
    assert t.loc["P3", "follow_up_due"] == T("2027-01-04 12:00")
    assert t.loc["P3", "overdue_hours"] == 22.0
    assert pd.isna(t.loc["P6", "response_met"])


def test_grade_hours_come_from_the_config_and_the_risk_levels_use_them(config):
    from revisitkit.risk import sla_hours

    faster = config.replace({"problems": {"grades": {"C": {"response_hours": 24}}}})
    row = sla(
        problems(
            {
                "grade": "C",
                "raised_at": T("2027-01-04 09:00"),
                "responded_at": T("2027-01-06 08:00"),
            }
        ),
        faster,
        as_of=T("2027-01-07"),
    ).iloc[0]
    assert not bool(row["response_met"])  # 47 h > 24 h
    assert sla_hours("C", faster) == 24


# ------------------------------------------------------------------------------------- KPIs
def kpi_case() -> pd.DataFrame:
    # responses 10 h, 20 h, 30 h (mean 20 h); solutions 40 h and 60 h (mean 50 h)
    return problems(
        {
            "grade": "A",
            "raised_at": T("2027-01-04 00:00"),
            "responded_at": T("2027-01-04 10:00"),
            "solved_at": T("2027-01-05 16:00"),
            "verified_at": T("2027-01-06 09:00"),
            "verified_ok": True,
        },
        {
            "grade": "C",
            "raised_at": T("2027-01-04 00:00"),
            "responded_at": T("2027-01-04 20:00"),
            "solved_at": T("2027-01-06 12:00"),
        },
        {"grade": "C", "raised_at": T("2027-01-04 00:00"), "responded_at": T("2027-01-05 06:00")},
    )


def test_problem_kpis_worked_by_hand(config):
    t = sla(kpi_case(), config, as_of=T("2027-01-20"))
    k = {(r["kpi"], r["scope"]): r for r in problem_kpis(t, config)}
    # response speed: baseline 30 h ÷ mean 20 h − 1 = +50%
    assert k[("response_speed", "overall")]["value"] == pytest.approx(0.5)
    # handling time: 1 − 50 ÷ 72 = 0.30556
    assert k[("handling_time", "overall")]["value"] == pytest.approx(1 - 50 / 72)
    # within SLA: P1 (A: 10 h > 2 h) no; P2 (20 h ≤ 48, 60 h > 48) no; P3 (30 h ok, unsolved
    # and past its 48 h) no → 0 / 3
    assert k[("problem_sla", "overall")]["value"] == 0.0
    assert k[("problem_sla", "overall")]["n"] == 3
    # verified: P1 confirmed; P2's follow-up (due 01-09 12:00) passed unconfirmed → 1 / 2
    assert k[("verified_fix", "overall")]["value"] == 0.5
    assert k[("verified_fix", "grade:A")]["value"] == 1.0


ONE_CUSTOMER = pd.DataFrame(
    {
        "customer_id": ["C1"],
        "value_segment": ["core"],
        "priority": ["high"],
        "channels": ["phone"],
        "deadline": pd.to_datetime(["2027-01-10"]),
    }
)


def test_the_plan_targets_plus_20_and_minus_30_percent_with_status(config):
    t = sla(kpi_case(), config, as_of=T("2027-01-20"))
    table = compute_kpis(
        empty_outcomes(),
        ONE_CUSTOMER,
        config,
        as_of=date(2027, 1, 20),
        scopes=(),
        problems=t,
    ).set_index("kpi")
    assert table.loc["response_speed", "status"] == "green"  # +50% ≥ +20%
    assert table.loc["handling_time", "status"] == "green"  # 30.6% ≥ 30%
    # with last year's mean solution time 70 h: 1 − 50/70 = 28.6%, within 5% of 30% → amber
    slower = config.replace({"problems": {"baseline": {"solution_hours": 70}}})
    rows = {r["kpi"]: r for r in problem_kpis(t, slower)}
    assert rows["handling_time"]["value"] == pytest.approx(1 - 50 / 70)
    from revisitkit.kpi import kpi_status as _status

    assert _status("handling_time", rows["handling_time"]["value"], slower, "overall")[1] == "amber"
    # responses 10 h and 20 h (mean 15 h) against last year's 18 h: 18/15 − 1 = +20% exactly: met
    t2 = sla(kpi_case().iloc[:2], config, as_of=T("2027-01-20"))
    base18 = config.replace({"problems": {"baseline": {"response_hours": 18}}})
    speed = {r["kpi"]: r for r in problem_kpis(t2, base18)}
    assert speed["response_speed"]["value"] == pytest.approx(0.2)
    assert (
        _status("response_speed", speed["response_speed"]["value"], base18, "overall")[1] == "green"
    )


def test_without_problems_the_hand_off_kpis_are_na(config):
    table = compute_kpis(
        empty_outcomes(),
        ONE_CUSTOMER,
        config,
        as_of=date(2027, 1, 20),
        scopes=(),
    ).set_index("kpi")
    for kpi in ("response_speed", "handling_time", "problem_sla", "verified_fix"):
        assert table.loc[kpi, "status"] == "n/a"
        assert math.isnan(table.loc[kpi, "value"])


# ----------------------------------------------------------------------------- the file
GOOD = (
    "问题编号,客户编号,提出时间,等级,类别,问题描述,负责人,响应时间,解决时间,回访确认时间,客户确认\n"
    "P-1,C1,2027-01-08 17:00,A,产品,设备停机 联系人13812345678,技术支持部,2027-01-09 10:00,,,\n"
    ",C2,2027/1/4 9:00,C级,,怎么导出报表,S001,2027年1月6日 8:00,2027-01-06 12:00,2027-01-07 09:00,是\n"
)


def test_a_gbk_file_with_chinese_headers_loads(config, tmp_path):
    from revisitkit.io import load_problems

    path = tmp_path / "problems.csv"
    path.write_bytes(GOOD.encode("gbk"))
    frame = load_problems(path, config)
    assert frame["problem_id"].iloc[0] == "P-1"
    assert frame["problem_id"].iloc[1].startswith("P-")  # generated
    assert frame["grade"].tolist() == ["A", "C"]
    assert frame["category"].tolist() == ["product", "other"]
    assert frame["raised_at"].iloc[1] == T("2027-01-04 09:00")
    assert frame["responded_at"].iloc[1] == T("2027-01-06 08:00")
    assert frame["verified_ok"].iloc[1] == True  # noqa: E712


def test_bad_rows_are_refused_with_file_row_column_value(config):
    raw = pd.DataFrame(
        {
            "客户编号": ["C1", "", "C3", "C4"],
            "提出时间": ["2027-01-08 17:00", "2027-01-08 17:00", "2027-01-08", "2027-01-08 17:00"],
            "等级": ["D", "A", "B", "B"],
            "解决时间": ["2027-01-08 16:00", "", "", ""],
            "响应时间": ["2027-01-08 15:00", "", "", ""],
            "类别": ["", "", "", "天气"],
        }
    )
    with pytest.raises(InputError) as e:
        parse_problems(raw, source="problems.csv", config=config)
    text = str(e.value)
    assert "problems.csv, row 2, column '等级': value 'D'" in text
    assert "row 2, column '响应时间': value '2027-01-08 15:00' — before 提出时间" in text
    assert "row 3, column '客户编号'" in text
    assert "row 4, column '提出时间': value '2027-01-08' — not understood" in text
    assert "row 5, column '类别': value '天气' — unknown category" in text


def test_cli_refuses_a_bad_file_with_exit_2_and_stores_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("客户编号,提出时间,等级\nC1,2027-01-08 17:00,Z\n", encoding="utf-8")
    store = tmp_path / "s.db"
    assert main(["problems", "import", str(path), "--store", str(store), "--who", "王"]) == 2
    err = capsys.readouterr().err
    assert "row 2, column '等级': value 'Z'" in err
    assert "Traceback" not in err
    assert not store.exists()


# ------------------------------------------------------------------------------ the store
def test_import_twice_adds_nothing_and_a_later_file_updates_with_history(config, tmp_path):
    first = tmp_path / "p1.csv"
    first.write_text(GOOD, encoding="utf-8")
    later = tmp_path / "p2.csv"
    # P-1 solved since; the responded cell left blank in the later file erases nothing
    later.write_text(
        "问题编号,客户编号,提出时间,等级,解决时间,响应时间\n"
        "P-1,C1,2027-01-08 17:00,A,2027-01-09 15:00,2027-01-09 10:00\n",
        encoding="utf-8",
    )
    with Store(tmp_path / "s.db") as store:
        log = ProblemLog(store, config)
        r = log.import_file(first, "王芳")
        assert (r.added, r.updated, r.unchanged) == (2, 0, 0)
        r = log.import_file(first, "王芳")
        assert (r.added, r.updated, r.unchanged) == (0, 0, 2)
        r = log.import_file(later, "李明")
        assert (r.added, r.updated, r.unchanged) == (0, 1, 0)
        stored = log.frame().set_index("problem_id")
        assert stored.loc["P-1", "solved_at"] == T("2027-01-09 15:00")
        assert stored.loc["P-1", "responded_at"] == T("2027-01-09 10:00")
        assert stored.loc["P-1", "description"] == "设备停机 联系人13812345678"  # kept
        assert stored.loc["P-1", "version"] == 2
        h = log.history("P-1")
        last = h.iloc[-1]
        assert (last["who"], last["action"], last["field"], last["new"]) == (
            "李明",
            "import",
            "solved_at",
            "2027-01-09 15:00:00",
        )
        assert pd.isna(last["old"])  # was not solved
        assert len(log.imports()) == 3


def test_a_stale_edit_is_refused_and_nothing_is_saved(config, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(GOOD, encoding="utf-8")
    with Store(tmp_path / "s.db") as store:
        log = ProblemLog(store, config)
        log.import_file(path, "王芳")
        _, version = log.get("P-1")
        assert log.update("P-1", {"solved_at": "2027-01-09 16:00"}, version, "李明") == version + 1
        with pytest.raises(StaleProblemError) as e:
            log.update("P-1", {"owner": "交付中心"}, version, "王芳")
        assert "李明" in str(e.value) and "solved_at" in str(e.value)
        fields, now = log.get("P-1")
        assert fields["owner"] == "技术支持部" and now == version + 1
        # an edit that breaks the order of the steps is refused like a file row
        with pytest.raises(InputError):
            log.update("P-1", {"solved_at": "2027-01-01 10:00"}, now, "李明")
        assert log.get("P-1")[1] == now


# ------------------------------------------------------------------------------ commands
def test_cli_list_overdue_and_export_mask_and_stay_text(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text(
        GOOD
        + 'P-3,C3,2027-01-08 09:00,B,服务,=HYPERLINK("http://x") 邮箱a.b@corp.cn,交付中心,,,,\n',
        encoding="utf-8",
    )
    store = str(tmp_path / "s.db")
    assert main(["problems", "import", str(path), "--store", store, "--who", "王"]) == 0
    capsys.readouterr()
    # as of 2027-01-09 12:00: P-1 (A) was responded to (late, but done): its solution is due
    # 2027-01-10 17:00, not yet; P-3 (B, no response) was due 2027-01-09 09:00: overdue 3 h;
    # the C problem is verified
    assert (
        main(["problems", "list", "--overdue", "--as-of", "2027-01-09 12:00", "--store", store])
        == 0
    )
    out = capsys.readouterr().out
    assert "1 overdue problems as of 2027-01-09 12:00" in out
    assert "P-3" in out and "P-1" not in out and "3.0" in out
    target = tmp_path / "problems.xlsx"
    assert (
        main(["problems", "export", str(target), "--as-of", "2027-01-09 12:00", "--store", store])
        == 0
    )
    book = openpyxl.load_workbook(target)
    sheet = book["问题 Problems"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = " ".join(str(c.value) for c in cells)
    assert "13812345678" not in texts and "*******5678" in texts
    assert "a.b@corp.cn" not in texts
    assert all(c.data_type != "f" and c.hyperlink is None for c in cells)
    assert "A 生产停摆 Production stopped" in texts


def test_cli_kpis_include_the_hand_off(tmp_path, capsys):
    from tests.small_campaign import plan_dir

    folder = plan_dir(tmp_path)
    customer = pd.read_csv(folder / "customers_plan.csv", encoding="utf-8-sig")["customer_id"].iloc[
        0
    ]
    path = tmp_path / "p.csv"
    # responded in 10 h (B: ≤ 24 h), solved in 20 h (≤ 48 h), confirmed: within SLA, fixed
    path.write_text(
        "客户编号,提出时间,等级,响应时间,解决时间,回访确认时间,客户确认\n"
        f"{customer},2026-12-20 08:00,B,2026-12-20 18:00,2026-12-21 04:00,2026-12-22 10:00,是\n",
        encoding="utf-8",
    )
    outcomes = tmp_path / "o.csv"
    outcomes.write_text(
        f"客户编号,回访日期,回访方式\n{customer},2026-12-22,电话回访\n", encoding="utf-8"
    )
    out = tmp_path / "k"
    args = [
        "kpis",
        "--plan",
        str(folder),
        "--outcomes",
        str(outcomes),
        "--problems",
        str(path),
        "--as-of",
        "2026-12-23",
        "--store",
        str(tmp_path / "none.db"),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    table = pd.read_csv(out / "kpis.csv", encoding="utf-8-sig")
    overall = table[table["scope"] == "overall"].set_index("kpi")
    assert overall.loc["response_speed", "value"] == pytest.approx(30 / 10 - 1)
    assert overall.loc["handling_time", "value"] == pytest.approx(1 - 20 / 72)
    assert overall.loc["problem_sla", "value"] == 1.0
    assert overall.loc["verified_fix", "value"] == 1.0
    assert "问题转办按时率 Problems within SLA" in capsys.readouterr().out


# ------------------------------------------------------------------------------- sample
def test_the_sample_problems_follow_the_sample_outcomes(config):
    from revisitkit.io import load_outcomes, load_problems
    from revisitkit.workspace import SAMPLE_OUTCOMES, SAMPLE_PROBLEMS

    outcomes = load_outcomes(SAMPLE_OUTCOMES, config)
    found = load_problems(SAMPLE_PROBLEMS, config)
    assert len(found) == outcomes["problems_raised"].sum()
    assert found["solved_at"].notna().sum() <= outcomes["problems_solved"].sum()
    t = sla(found, config, as_of=T("2026-12-23 23:59:59"))
    late = t[t["overdue_step"] != ""]
    assert 0 < len(late) < len(t) / 2  # some, not most, overdue as of the sample date
    assert set(t["grade"]) == {"A", "B", "C"}


def test_open_problems_by_age_bands(config):
    from revisitkit.views.dashboards.problems import open_by_age

    as_of = T("2027-01-20 12:00")
    f = problems(
        {"grade": "C", "raised_at": as_of - pd.Timedelta(hours=12)},  # half a day
        {"grade": "C", "raised_at": as_of - pd.Timedelta(days=2)},  # 1–3 days
        {"grade": "C", "raised_at": as_of - pd.Timedelta(days=10)},  # over a week
        {
            "grade": "A",
            "raised_at": T("2027-01-02 08:00"),
            "responded_at": T("2027-01-02 09:00"),
            "solved_at": T("2027-01-03 09:00"),
            "verified_at": T("2027-01-04 09:00"),
            "verified_ok": True,
        },  # closed: not counted
    )
    grid = open_by_age(sla(f, config, as_of=as_of), config).set_index("等级 Grade")
    c = grid.loc["C 使用疑问 Usage question"]
    assert c.tolist() == [1, 1, 0, 1, 3]
    assert grid.loc["A 生产停摆 Production stopped", "合计 Total"] == 0


def test_cli_list_names_owners_from_the_plan_roster_and_checks_customers(tmp_path, capsys):
    from tests.small_campaign import plan_dir

    folder = plan_dir(tmp_path)
    pd.DataFrame({"staff_id": ["S001"], "name": ["王芳"], "role": ["cs_agent"]}).to_csv(
        folder / "roster.csv", index=False, encoding="utf-8-sig"
    )
    customer = pd.read_csv(folder / "customers_plan.csv", encoding="utf-8-sig")["customer_id"]
    path = tmp_path / "p.csv"
    path.write_text(
        f"客户编号,提出时间,等级,负责人\n{customer.iloc[0]},2027-01-04 09:00,B,S001\n",
        encoding="utf-8",
    )
    store = str(tmp_path / "s.db")
    base = ["--store", store, "--plan", str(folder)]
    assert main(["problems", "import", str(path), *base, "--who", "王"]) == 0
    capsys.readouterr()
    assert main(["problems", "list", "--as-of", "2027-01-06 09:00", *base]) == 0
    out = capsys.readouterr().out
    assert "王芳" in out and "S001" not in out
    # a customer not in the plan is refused when --plan is given
    bad = tmp_path / "bad.csv"
    bad.write_text("客户编号,提出时间,等级\nNOPE,2027-01-04 09:00,B\n", encoding="utf-8")
    assert main(["problems", "import", str(bad), *base, "--who", "王"]) == 2
    assert "unknown customer" in capsys.readouterr().err
