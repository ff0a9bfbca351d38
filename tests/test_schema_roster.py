"""The staff roster contract and the bundled sample roster.

Files are written in their real encodings and formats into ``tmp_path`` (the tests run inside
it, so messages name the file as a planner would type it). Expected frames and messages are
written out by hand from the defaults of data/campaign.yaml: 7 hours a day, the role labels,
the region clusters.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from revisitkit.errors import InputError, UserError
from revisitkit.io import load_roster, write_csv
from revisitkit.sample import generate_roster, to_roster_export
from revisitkit.schema import STAFF_FRAME_COLUMNS, parse_roster
from revisitkit.staffing import ROSTER_PROFILE, size_roster
from tests.conftest import ROOT

SAMPLE_ROSTER = ROOT / "data" / "sample" / "roster.csv"
SAMPLE_CUSTOMERS = ROOT / "data" / "sample" / "customers.csv"

ENGLISH = (
    "staff_id,name,role,region,hours_per_day,available_from,available_to,days_off\n"
    "S001,王磊,sales_director,上海,,,,\n"
    "S002,李娜,tech_consultant,浙江,6.5,2026-12-21,,2026-12-24;2026-12-25\n"
    "S003,张伟,cs_manager,新加坡,7,,2027-01-15,2026-12-28~2026-12-30\n"
)
CHINESE = (
    "员工编号,姓名,岗位,区域,每日可用小时,可用开始日期,可用截止日期,请假日期\n"
    "S001,王磊,销售总监,上海,,,,\n"
    "S002,李娜,技术顾问,浙江,6.5,2026/12/21,,2026/12/24、2026/12/25\n"
    "S003,张伟,客服经理,新加坡,7,,2027年1月15日,2026-12-28~2026-12-30\n"
)


def expected_frame() -> pd.DataFrame:
    """The three people of ENGLISH / CHINESE, as the canonical staff frame."""
    clusters = [
        "yangtze_delta",
        "pearl_delta",
        "jingjinji",
        "chengyu",
        "middle_yangtze",
        "southeast_asia",
        "europe",
        "other",
    ]
    frame = pd.DataFrame(
        {
            "staff_id": pd.array(["S001", "S002", "S003"], dtype="string"),
            "name": pd.array(["王磊", "李娜", "张伟"], dtype="string"),
            "role": pd.array(["sales_director", "tech_consultant", "cs_manager"], dtype="string"),
            "region": pd.array(["上海", "浙江", "新加坡"], dtype="string"),
            "region_cluster": pd.Categorical(
                ["yangtze_delta", "yangtze_delta", "southeast_asia"], categories=clusters
            ),
            "hours_per_day": [7.0, 6.5, 7.0],  # empty = the config default, 7
            "available_from": pd.to_datetime([None, "2026-12-21", None]),
            "available_to": pd.to_datetime([None, None, "2027-01-15"]),
            "days_off": pd.Series(
                [
                    (),
                    (date(2026, 12, 24), date(2026, 12, 25)),
                    (date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30)),
                ],
                dtype=object,
            ),
        }
    )
    for col in ("available_from", "available_to"):
        frame[col] = frame[col].astype("datetime64[ns]")
    return frame


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problems(text: str, config, name: str = "roster.csv") -> list[str]:
    """The lines of the message a planner reads for a roster file with *text*."""
    Path(name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_roster(name, config)
    return str(caught.value).splitlines()[1:]


# ------------------------------------------------------------------------------- reading
def test_english_headers_utf8(here, config):
    (here / "roster.csv").write_text(ENGLISH, encoding="utf-8")
    staff = load_roster("roster.csv", config)
    assert list(staff.columns) == list(STAFF_FRAME_COLUMNS)
    pd.testing.assert_frame_equal(staff, expected_frame())


def test_chinese_headers_gbk_with_role_labels_and_chinese_date_forms(here, config):
    path = here / "人员.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    before = path.read_bytes()
    pd.testing.assert_frame_equal(load_roster(path, config), expected_frame())
    assert path.read_bytes() == before  # the input is never touched


def test_utf8_with_bom(here, config):
    (here / "roster.csv").write_bytes(CHINESE.encode("utf-8-sig"))
    pd.testing.assert_frame_equal(load_roster("roster.csv", config), expected_frame())


def test_xlsx_with_real_date_cells(here, config):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CHINESE.splitlines()[0].split(","))
    ws.append(["S001", "王磊", "销售总监", "上海", None, None, None, None])
    ws.append(
        [
            "S002",
            "李娜",
            "技术顾问",
            "浙江",
            6.5,
            dt.datetime(2026, 12, 21),
            None,
            "2026-12-24;2026-12-25",
        ]
    )
    ws.append(
        [
            "S003",
            "张伟",
            "客服经理",
            "新加坡",
            7,
            None,
            dt.date(2027, 1, 15),
            "2026-12-28~2026-12-30",
        ]
    )
    wb.save(here / "roster.xlsx")
    pd.testing.assert_frame_equal(load_roster("roster.xlsx", config), expected_frame())


def test_parquet(here, config):
    pd.read_csv(pd.io.common.StringIO(ENGLISH), dtype=str, keep_default_na=False).to_parquet(
        here / "roster.parquet"
    )
    pd.testing.assert_frame_equal(load_roster("roster.parquet", config), expected_frame())


def test_role_as_code_label_english_label_or_any_case(config):
    raw = pd.DataFrame(
        {
            "员工编号": ["S1", "S2", "S3", "S4", "S5"],
            "姓名": ["甲", "乙", "丙", "丁", "戊"],
            "岗位": ["客户经理", "account_manager", "Account manager", "CS_AGENT", " 资深销售 "],
        }
    )
    roles = parse_roster(raw, source="hr.csv", config=config)["role"].tolist()
    assert roles == [
        "account_manager",
        "account_manager",
        "account_manager",
        "cs_agent",
        "senior_sales",
    ]


def test_days_off_lists_ranges_and_mixed_forms(config):
    raw = pd.DataFrame(
        {
            "staff_id": ["S1", "S2", "S3", "S4"],
            "name": ["甲", "乙", "丙", "丁"],
            "role": ["sales"] * 4,
            "days_off": [
                "2026-12-31；2027-01-04",  # full-width semicolon
                "2026年12月24日至2026年12月25日, 2026/12/31",  # 至 range, then a list
                "2026-12-24 ～ 2026-12-24、2026-12-24",  # a one-day range and repeats
                "",
            ],
        }
    )
    days = parse_roster(raw, config=config)["days_off"].tolist()
    assert days == [
        (date(2026, 12, 31), date(2027, 1, 4)),
        (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31)),
        (date(2026, 12, 24),),
        (),
    ]


def test_availability_as_one_range_column(config):
    raw = pd.DataFrame(
        {
            "员工编号": ["S1", "S2", "S3", "S4"],
            "姓名": ["甲", "乙", "丙", "丁"],
            "岗位": ["销售"] * 4,
            "可用起止日期": ["2026-12-21~2027-01-15", "2026-12-21~", "~2027/1/15", ""],
        }
    )
    staff = parse_roster(raw, config=config)
    assert staff["available_from"].dt.strftime("%Y-%m-%d").fillna("open").tolist() == [
        "2026-12-21",
        "2026-12-21",
        "open",
        "open",
    ]
    assert staff["available_to"].dt.strftime("%Y-%m-%d").fillna("open").tolist() == [
        "2027-01-15",
        "open",
        "2027-01-15",
        "open",
    ]


def test_optional_columns_absent_give_defaults(config):
    raw = pd.DataFrame({"staff_id": ["S1"], "name": ["甲"], "role": ["sales"]})
    staff = parse_roster(raw, config=config)
    row = staff.iloc[0]
    assert (row["hours_per_day"], row["region_cluster"], row["days_off"]) == (7.0, "other", ())
    assert pd.isna(row["region"]) and pd.isna(row["available_from"])


def test_the_input_frame_is_not_modified(config):
    raw = pd.DataFrame({"员工编号": [" S1 "], "姓名": ["甲"], "岗位": ["销售总监"]})
    copy = raw.copy()
    assert parse_roster(raw, config=config).loc[0, "staff_id"] == "S1"
    pd.testing.assert_frame_equal(raw, copy)


# ------------------------------------------------------------------------------- refusals
def test_missing_staff_id_column(here, config):
    assert problems("姓名,岗位\n王磊,销售总监\n", config) == [
        "  - roster.csv, row 1 — required column 'staff_id' (中文表头 '员工编号') is missing; "
        "the file has: 姓名, 岗位"
    ]


def test_duplicate_staff_id(here, config):
    text = "员工编号,姓名,岗位\nS001,王磊,销售总监\nS002,李娜,销售\nS001,张伟,销售\n"
    assert problems(text, config) == [
        "  - roster.csv, row 4, column '员工编号': value 'S001' — duplicate staff id; first seen "
        "at row 2; ids must be unique"
    ]


def test_unknown_role_lists_the_known_ones(here, config):
    assert problems("员工编号,姓名,岗位\nS001,王磊,董事长\n", config) == [
        "  - roster.csv, row 2, column '岗位': value '董事长' — unknown role; known roles are "
        "sales_director 销售总监, senior_sales 资深销售, sales 销售, tech_consultant 技术顾问, "
        "cs_manager 客服经理, cs_agent 客服专员, account_manager 客户经理, general_manager "
        "总经理 (write the code or the Chinese label)"
    ]


@pytest.mark.parametrize("hours", ["0", "13"])
def test_hours_per_day_outside_0_to_12(here, config, hours):
    assert problems(f"员工编号,姓名,岗位,每日可用小时\nS001,王磊,销售,{hours}\n", config) == [
        f"  - roster.csv, row 2, column '每日可用小时': value '{hours}' — hours a day for "
        "revisits must be more than 0 and at most 12"
    ]


def test_hours_per_day_that_is_not_a_number(here, config):
    assert problems("staff_id,name,role,hours_per_day\nS001,王磊,sales,全天\n", config) == [
        "  - roster.csv, row 2, column 'hours_per_day': value '全天' — not understood; expected "
        "a number of hours like 7 or 7.5 (empty means the default, 7)"
    ]


def test_available_from_after_available_to(here, config):
    text = "员工编号,姓名,岗位,可用开始日期,可用截止日期\nS001,王磊,销售,2027-01-10,2026-12-20\n"
    assert problems(text, config) == [
        "  - roster.csv, row 2, column '可用截止日期': value '2026-12-20' — available_from "
        "2027-01-10 is after available_to 2026-12-20; the first available day must not be "
        "after the last"
    ]


def test_bad_date_inside_days_off_names_the_bad_part(here, config):
    text = "员工编号,姓名,岗位,请假日期\nS001,王磊,销售,2026-12-24、2026-12-32、2026-12-26\n"
    (line,) = problems(text, config)
    assert line.startswith(
        "  - roster.csv, row 2, column '请假日期': value '2026-12-24、2026-12-32、2026-12-26' — "
        "'2026-12-32' is not a date; expected dates ("
    )
    assert line.endswith("separated by ; or 、, or ranges like 2026-12-24~2026-12-31")


def test_bad_range_inside_days_off(here, config):
    text = (
        "员工编号,姓名,岗位,请假日期\n"
        "S001,王磊,销售,2026-12-31~2026-12-24\n"
        "S002,李娜,销售,2026-12-24~下周五\n"
    )
    first, second = problems(text, config)
    assert "value '2026-12-31~2026-12-24' — range '2026-12-31~2026-12-24' ends before it " in first
    assert (
        "value '2026-12-24~下周五' — range end '下周五' in '2026-12-24~下周五' is not a " in second
    )


def test_every_problem_at_once_in_row_order(here, config):
    text = "员工编号,姓名,岗位,每日可用小时\nS001,王磊,老板,0\n,李娜,销售,\n"
    lines = problems(text, config)
    assert [line.split(" — ")[0] for line in lines] == [
        "  - roster.csv, row 2, column '岗位': value '老板'",
        "  - roster.csv, row 2, column '每日可用小时': value '0'",
        "  - roster.csv, row 3, column '员工编号': value ''",
    ]
    assert lines[2].endswith("empty, but every staff member needs a staff id")


def test_availability_given_twice(here, config):
    text = "员工编号,姓名,岗位,可用起止日期,可用截止日期\nS001,王磊,销售,2026-12-20~,\n"
    assert problems(text, config) == [
        "  - roster.csv, row 1, column '可用起止日期' — availability is given twice: as a range "
        "in this column and in ['可用截止日期']; keep either the range column or the start/end "
        "columns"
    ]


def test_header_only_file_has_no_staff(here, config):
    assert problems("员工编号,姓名,岗位\n", config) == [
        "  - roster.csv — the file has a header row but no staff below it"
    ]


def test_missing_file_is_a_user_error(here, config):
    with pytest.raises(UserError, match="nobody.csv: file not found"):
        load_roster("nobody.csv", config)


# ------------------------------------------------------------------------------- the sample
@pytest.fixture(scope="module")
def sample_plan(config):
    from revisitkit.io import load_customers
    from revisitkit.segmentation import segment

    return segment(load_customers(SAMPLE_CUSTOMERS, config), config).plan


def test_committed_sample_roster_is_what_the_generator_writes(tmp_path, config, sample_plan):
    target = tmp_path / "roster.csv"
    write_csv(to_roster_export(generate_roster(sample_plan, config=config), config), target)
    assert target.read_bytes() == SAMPLE_ROSTER.read_bytes()


def test_sample_roster_has_chinese_headers_and_a_bom():
    head = SAMPLE_ROSTER.read_bytes()[:100]
    assert head.startswith(b"\xef\xbb\xbf")
    assert "员工编号,姓名,岗位,区域,每日可用小时".encode() in head


def test_sample_roster_names_every_owner_and_every_role(config, sample_plan):
    staff = load_roster(SAMPLE_ROSTER, config)
    owners = set(pd.Series(sample_plan["owner"]).dropna())
    assert owners == {f"S{i:03d}" for i in range(1, 61)}
    by_id = staff.set_index("staff_id")
    assert owners <= set(by_id.index)
    assert set(by_id.loc[sorted(owners), "role"]) == {"account_manager", "sales"}
    # every role but the optional lead of strategic visits (escalations.strategic.lead)
    assert set(staff["role"]) == set(config.staffing.roles) - {"general_manager"}
    # §7.3: one specialist per five core customers (556 → 112)
    assert (staff["role"] == "cs_agent").sum() == 112
    assert staff["name"].is_unique
    # the big three clusters hold most of the people, as they hold most customers (§2.2.2)
    big3 = staff["region_cluster"].isin(["yangtze_delta", "pearl_delta", "jingjinji"]).mean()
    assert big3 > 0.5


def test_sample_roster_has_a_few_people_on_leave_or_partly_available(config):
    staff = load_roster(SAMPLE_ROSTER, config)
    leave = staff[staff["days_off"].map(len) > 0]
    assert 3 <= len(leave) <= 20
    holidays = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31), date(2027, 1, 4)}
    assert any(holidays & set(d) for d in leave["days_off"])
    late = staff["available_from"] > pd.Timestamp("2026-12-16")
    early = staff["available_to"] < pd.Timestamp("2027-01-20")
    assert late.sum() >= 1 and early.sum() >= 1


def test_sample_sizing_meets_its_targets(config, sample_plan):
    sizing = size_roster(sample_plan, config)
    table = sizing.to_frame().set_index("role")
    # the window opens on the as-of date (churn-warning calls): 11 working days of preparation
    # (Dec 1–15) and 25 of execution
    assert sizing.working_days == 36
    assert (table["capacity_ratio"] >= ROSTER_PROFILE.capacity_ratio).all()
    assert (table["binding_ratio"] >= ROSTER_PROFILE.deadline_margin).all()
    # the on-site team is sized as a team: the same number of each of its three roles
    team = table.loc[["sales_director", "tech_consultant", "cs_manager"], "headcount"]
    assert team.nunique() == 1
    assert table.loc["account_manager", "owners"] + table.loc["sales", "owners"] == 60
    assert len(sizing.staff) == table["headcount"].sum()


def test_roster_draw_is_deterministic_and_seeded(config):
    first = generate_roster(config=config, seed=7)
    pd.testing.assert_frame_equal(first, generate_roster(config=config, seed=7))
    assert not first["name"].equals(generate_roster(config=config, seed=8)["name"])
    assert len(first) == sum(n for _, n in ROSTER_PROFILE.default_headcount) + 60


def test_export_round_trips_through_the_loader(here, config):
    staff = generate_roster(config=config)
    write_csv(to_roster_export(staff, config), here / "roster.csv")
    pd.testing.assert_frame_equal(load_roster("roster.csv", config), staff)
    assert np.isclose(staff["hours_per_day"].max(), 7.0)


# ------------------------------------------------------------------ regions (issue 19, item 1)
def test_a_roster_region_may_be_a_province_a_country_or_a_cluster(config, tmp_path):
    """Seen: staff whose 区域 was 长三角 (the cluster's own label) were "outside every cluster"."""
    path = tmp_path / "名单.csv"
    path.write_text(
        "员工编号,姓名,岗位,区域\n"
        "D1,王磊,销售总监,长三角\n"
        "D2,李娜,销售总监,yangtze_delta\n"
        "D3,张伟,销售总监,广东省\n"
        "D4,赵敏,销售总监,上海市\n"
        "D5,刘洋,销售总监,山东\n"
        "D6,陈静,销售总监,新加坡\n"
        "D7,杨帆,销售总监,\n",
        encoding="gbk",
    )
    staff = load_roster(path, config)
    assert staff["region_cluster"].astype(object).where(
        staff["region_cluster"].notna()
    ).tolist() == [
        "yangtze_delta",
        "yangtze_delta",
        "pearl_delta",
        "yangtze_delta",
        "other",
        "southeast_asia",
        "other",
    ]
    # the province as customers' regions name it, so that same-province travel is recognised
    assert staff["region"].tolist()[:6] == [
        "长三角",
        "yangtze_delta",
        "广东",
        "上海",
        "山东",
        "新加坡",
    ]


def test_an_unknown_roster_region_is_refused_with_the_accepted_values(config, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(
        "员工编号,姓名,岗位,区域\nD1,王磊,销售总监,长三角\nD2,李娜,销售总监,华东区\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_roster(path, config)
    (issue,) = caught.value.issues
    assert (issue.row, issue.column, issue.value) == (3, "区域", "华东区")
    assert "unknown region" in issue.problem and "长三角" in issue.problem
    assert "yangtze_delta" in issue.problem
    from revisitkit.cli import main

    customers = ROOT / "data" / "sample" / "customers.csv"
    out = tmp_path / "plan"
    assert (
        main(["plan", "--customers", str(customers), "--staff", str(path), "--out", str(out)]) == 2
    )
    err = capsys.readouterr().err
    assert "华东区" in err and "Traceback" not in err
    assert not out.exists()
