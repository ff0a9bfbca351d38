"""The campaign config: the defaults of the plan, a planner's overlay, and every refusal.

Golden dates come from domain.md §2 (campaign year Y = 2026: preparation 2026-12-01 … 12-15,
execution 2026-12-16 … 2027-01-20, summary 2027-01-21 … 01-31) and the provisional 2027
holiday file (春节 holiday from 除夕, Fri 2027-02-05). Each refusal asserts the whole message a
planner reads, with the config file named as they wrote it (tests run inside ``tmp_path``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from revisitkit.calendar import campaign_calendar
from revisitkit.config import DEFAULT_CONFIG_PATH, load_config, resolve_date
from revisitkit.errors import ConfigError, UserError

HEADER = "planner.yaml: 1 problem(s) in the campaign config:\n  - "


@pytest.fixture
def planner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a planner's config file into the working folder; return its name."""
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "planner.yaml") -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return write


def refusal(path: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


# ------------------------------------------------------------------------------- defaults
def test_defaults_are_the_plan_of_campaign_year_2026(config):
    assert config.campaign.year == 2026
    phases = config.phases()
    assert (phases.preparation.start, phases.preparation.end) == (
        date(2026, 12, 1),
        date(2026, 12, 15),
    )
    assert (phases.execution.start, phases.execution.end) == (
        date(2026, 12, 16),
        date(2027, 1, 20),
    )
    assert (phases.summary.start, phases.summary.end) == (date(2027, 1, 21), date(2027, 1, 31))
    # 15, 36 (16 days of December + 20 of January) and 11 calendar days
    assert [p.days for p in phases] == [15, 36, 11]
    assert config.as_of() == date(2026, 12, 1)


def test_default_thresholds_are_the_plan_numbers(config):
    rules = config.priority.rules
    assert rules.strategic.deadline_days == 7
    assert rules.churn_warning_drop.deadline_days == 2  # §2.3.1: 48 h
    assert rules.potential_growth.deadline_days == 15
    assert config.priority.low.deadline_days == 30
    assert config.segments.core.top_share == 0.20
    assert config.segments.core.revenue_12m_over == 10_000_000
    assert config.campaign.materials_lead_days == 30


def test_default_holiday_file_is_found_beside_the_default_config(config):
    assert [p.resolve() for p in config.holiday_paths()] == [
        DEFAULT_CONFIG_PATH.parent / "holidays" / "2027.yaml"
    ]


def test_config_is_frozen(config):
    with pytest.raises(ValueError, match="frozen"):
        config.campaign.year = 2030


# ------------------------------------------------------------------------------- overlays
def test_overlay_with_one_key_changes_only_that_key(planner, config):
    cfg = load_config(planner("segments:\n  core:\n    top_share: 0.1\n"))
    assert cfg.segments.core.top_share == 0.1
    assert cfg.source == "planner.yaml"
    # everything else is the defaults, untouched
    assert cfg.segments.core.revenue_12m_over == 10_000_000
    assert cfg.segments.core.channels == ("onsite_visit", "dedicated_service")
    assert cfg.phases() == config.phases()
    back = cfg.replace({"segments": {"core": {"top_share": 0.2}}})
    # holiday files and the store are resolved against the working folder, which this test changed
    paths = {"calendar": True, "risk": {"store"}}
    assert back.model_dump(exclude=paths) == config.model_dump(exclude=paths)


def test_an_empty_overlay_is_the_defaults(planner, config):
    assert load_config(planner("# nothing changed yet\n")).segments == config.segments


def test_utf8_overlay_with_bom_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bom.yaml").write_bytes("campaign:\n  year: 2025  # 年份\n".encode("utf-8-sig"))
    assert load_config("bom.yaml").campaign.year == 2025


def test_overlay_campaign_year_moves_relative_phases(planner):
    cfg = load_config(planner("campaign:\n  year: 2025\n"))
    assert cfg.phases().execution.start == date(2025, 12, 16)
    assert cfg.phases().execution.end == date(2026, 1, 20)
    assert cfg.as_of() == date(2025, 12, 1)


def test_with_overrides_year_moves_relative_phases_and_as_of(config):
    cfg = config.with_overrides(year=2030)
    phases = cfg.phases()
    assert (phases.preparation.start, phases.summary.end) == (date(2030, 12, 1), date(2031, 1, 31))
    assert phases.execution.end == date(2031, 1, 20)
    assert cfg.as_of() == date(2030, 12, 1)
    assert config.campaign.year == 2026  # the original is unchanged


def test_with_overrides_as_of(config):
    assert config.with_overrides(as_of=date(2026, 11, 30)).as_of() == date(2026, 11, 30)


def test_iso_phase_dates_do_not_move_with_the_year(planner):
    cfg = load_config(
        planner("campaign:\n  phases:\n    summary: {start: 2027-01-21, end: 2027-01-25}\n")
    )
    assert cfg.phases().summary.end == date(2027, 1, 25)
    with pytest.raises(ConfigError, match="summary: starts 2027-01-21, but execution ends"):
        cfg.with_overrides(year=2027)  # execution moves to 2028-01-20, summary does not


def test_resolve_date_forms():
    assert resolve_date("Y-12-01", 2026) == date(2026, 12, 1)
    assert resolve_date("Y+1-01-20", 2026) == date(2027, 1, 20)
    assert resolve_date(" Y+1-2-5 ", 2030) == date(2031, 2, 5)
    assert resolve_date(date(2026, 12, 1), 2030) == date(2026, 12, 1)


# ------------------------------------------------------------------------------- unknown keys
def test_unknown_key_typo_shows_the_dotted_path(planner):
    assert refusal(planner("campaign:\n  yaer: 2027\n")) == (
        HEADER + "unknown key 'campaign.yaer' (value 2027); check its spelling"
    )


def test_unknown_nested_key_shows_the_full_dotted_path(planner):
    text = "priority:\n  rules:\n    strategic:\n      deadline_day: 5\n"
    assert refusal(planner(text)) == (
        HEADER + "unknown key 'priority.rules.strategic.deadline_day' (value 5); check its spelling"
    )


def test_unknown_top_level_key(planner):
    assert refusal(planner("campaig:\n  year: 2027\n")) == (
        HEADER + "unknown key 'campaig' (value {'year': 2027}); check its spelling"
    )


# ------------------------------------------------------------------------------- wrong types
def test_string_for_an_int(planner):
    assert refusal(planner("campaign:\n  year: '2027'\n")) == (
        HEADER + "campaign.year = '2027': Input should be a valid integer, got text"
    )


def test_list_for_a_number(planner):
    assert refusal(planner("segments:\n  core:\n    top_share: [0.2]\n")) == (
        HEADER + "segments.core.top_share = [0.2]: Input should be a valid number, got a list"
    )


def test_true_false_for_an_int(planner):
    assert refusal(planner("campaign:\n  materials_lead_days: yes\n")) == (
        HEADER
        + "campaign.materials_lead_days = True: Input should be a valid integer, got true/false"
    )


def test_number_for_a_date(planner):
    assert refusal(planner("campaign:\n  as_of: 5\n")) == (
        HEADER + "campaign.as_of = 5: must be a date like 2026-12-01 or text like 'Y-12-01' or "
        "'Y+1-01-20', got a whole number"
    )


def test_every_problem_of_a_file_is_listed(planner):
    text = "campaign:\n  yaer: 2027\nsegments:\n  core:\n    top_share: 1.5\n"
    assert refusal(planner(text)) == (
        "planner.yaml: 2 problem(s) in the campaign config:\n"
        "  - unknown key 'campaign.yaer' (value 2027); check its spelling\n"
        "  - segments.core.top_share = 1.5: Input should be less than or equal to 1"
    )


# ------------------------------------------------------------------------------- impossible values
def test_negative_deadline_days(planner):
    text = "priority:\n  rules:\n    strategic: {deadline_days: -1}\n"
    assert refusal(planner(text)) == (
        HEADER
        + "priority.rules.strategic.deadline_days = -1: Input should be greater than or equal to 0"
    )


def test_top_share_above_one(planner):
    assert refusal(planner("segments:\n  core: {top_share: 1.5}\n")) == (
        HEADER + "segments.core.top_share = 1.5: Input should be less than or equal to 1"
    )


def test_unknown_tier(planner):
    assert refusal(planner("priority:\n  rules:\n    strategic: {tier: urgent}\n")) == (
        HEADER
        + "priority.rules.strategic.tier = 'urgent': Input should be 'high', 'medium' or 'low'"
    )


def test_phases_out_of_order(planner):
    text = "campaign:\n  phases:\n    execution: {start: Y-12-10, end: Y+1-01-20}\n"
    assert refusal(planner(text)) == (
        HEADER + "campaign.phases.execution: starts 2026-12-10, but preparation ends 2026-12-15; "
        "phases must follow each other in order: preparation, execution, summary"
    )


def test_phase_ending_before_it_starts(planner):
    text = "campaign:\n  phases:\n    summary: {start: Y+1-01-31, end: Y+1-01-21}\n"
    assert refusal(planner(text)) == (
        HEADER + "campaign.phases.summary: end 2027-01-21 is before start 2027-01-31"
    )


def test_unknown_channel_code_in_a_segment(planner):
    text = "segments:\n  core:\n    channels: [onsite_visit, fax]\n"
    assert refusal(planner(text)) == (
        HEADER + "segments.core.channels: unknown channel code(s) ['fax']; known codes are "
        "['appointment_letter', 'batch_phone', 'dedicated_service', 'needs_research', "
        "'news_push', 'online_survey', 'online_training', 'onsite_visit', 'phone', "
        "'product_guide', 'project_tracking', 'second_touch', 'sms', 'wechat', "
        "'weekly_briefing', 'winback_incentive', 'winback_plan']"
    )


def test_a_region_in_two_clusters(planner):
    text = "region_clusters:\n  chengyu: {label: 成渝, regions: [四川, 重庆, 上海]}\n"
    assert refusal(planner(text)) == (
        HEADER + "region_clusters: region '上海' is listed in both 'yangtze_delta' and "
        "'chengyu'; a region belongs to one cluster"
    )


def test_regular_active_min_above_max(planner):
    text = "priority:\n  rules:\n    regular_active: {revenue_12m_min: 20000000}\n"
    assert refusal(planner(text)) == (
        HEADER + "priority.rules.regular_active: revenue_12m_min (20,000,000) must not exceed "
        "revenue_12m_max (10,000,000)"
    )


def test_relative_date_with_month_13(planner):
    text = "campaign:\n  phases:\n    preparation: {start: Y-13-01, end: Y-12-15}\n"
    assert refusal(planner(text)) == (
        HEADER + "campaign.phases.preparation.start = 'Y-13-01': 'Y-13-01' is not a day of the "
        "year (month must be in 1..12); write it like Y-12-01 or Y+1-01-20"
    )


def test_date_that_is_no_date_form(planner):
    assert refusal(planner("campaign:\n  as_of: yesterday\n")) == (
        HEADER + "campaign.as_of = 'yesterday': must be an ISO date like 2026-12-01 or relative "
        "to the campaign year like Y-12-01 or Y+1-01-20, got 'yesterday'"
    )


def test_replace_refuses_like_a_file(config):
    with pytest.raises(ConfigError) as caught:
        config.replace({"segments": {"core": {"top_share": 1.5}}})
    assert str(caught.value).endswith(
        "problem(s) in the campaign config:\n"
        "  - segments.core.top_share = 1.5: Input should be less than or equal to 1"
    )


def test_with_overrides_out_of_range_year(config):
    with pytest.raises(ConfigError, match=r"campaign.year = 1999: Input should be greater"):
        config.with_overrides(year=1999)


# ------------------------------------------------------------------------------- unreadable files
def test_missing_file(planner):
    assert refusal("nowhere.yaml") == "nowhere.yaml: config file not found"


def test_folder_instead_of_a_file(planner, tmp_path):
    (tmp_path / "configs").mkdir()
    assert refusal("configs") == "configs: is a folder; give the config file (.yaml)"


def test_not_yaml(planner):
    assert refusal(planner("campaign: [year: 2027\n")) == (
        "planner.yaml: not valid YAML at line 2, column 1: expected ',' or ']', but got "
        "'<stream end>' (while parsing a flow sequence at line 1, column 11)"
    )


def test_top_level_list(planner):
    assert refusal(planner("- campaign\n- segments\n")) == (
        "planner.yaml: the top level must be a mapping of keys like 'campaign:', got a list "
        "['campaign', 'segments']"
    )


def test_top_level_text(planner):
    assert refusal(planner("year 2027\n")) == (
        "planner.yaml: the top level must be a mapping of keys like 'campaign:', got text "
        "'year 2027'"
    )


def test_gbk_config_is_refused_with_the_byte(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # "campaign:\n  year: 2025 # " is 25 bytes; 年 in GBK is C4 EA
    (tmp_path / "gbk.yaml").write_bytes("campaign:\n  year: 2025 # 年\n".encode("gbk"))
    assert refusal("gbk.yaml") == (
        "gbk.yaml: config files must be UTF-8 text (byte 0xC4 at offset 25 is not UTF-8; "
        "save the file as UTF-8)"
    )


def test_config_errors_are_user_errors():
    assert issubclass(ConfigError, UserError)


# ------------------------------------------------------------------------------- Spring Festival
def test_execution_ending_on_spring_festival_eve_is_refused(planner):
    cfg = load_config(
        planner(
            "campaign:\n  phases:\n"
            "    execution: {start: Y-12-16, end: Y+1-02-05}\n"
            "    summary: {start: Y+1-02-10, end: Y+1-02-20}\n"
        )
    )
    with pytest.raises(ConfigError) as caught:
        campaign_calendar(cfg)
    assert str(caught.value) == (
        "planner.yaml: campaign.phases.execution ends 2027-02-05, but the Spring Festival "
        "holiday starts 2027-02-05; a year-end revisit (年前回访) must end before it: end "
        "execution on 2027-02-04 at the latest"
    )


def test_execution_ending_after_the_holiday_start_is_refused(planner):
    cfg = load_config(
        planner(
            "campaign:\n  phases:\n"
            "    execution: {start: Y-12-16, end: Y+1-02-06}\n"
            "    summary: {start: Y+1-02-10, end: Y+1-02-20}\n"
        )
    )
    with pytest.raises(ConfigError, match="ends 2027-02-06, but the Spring Festival holiday"):
        campaign_calendar(cfg)


def test_execution_ending_the_day_before_the_holiday_is_accepted(planner):
    cfg = load_config(
        planner(
            "campaign:\n  phases:\n"
            "    execution: {start: Y-12-16, end: Y+1-02-04}\n"
            "    summary: {start: Y+1-02-10, end: Y+1-02-20}\n"
        )
    )
    cal = campaign_calendar(cfg)
    assert cal.spring_festival == (date(2027, 2, 5), date(2027, 2, 8))


# ---------------------------------------------------------------- materials lead time (§7.3)
def test_materials_ordered_late_warns_order_now_with_the_days_late(config):
    # execution starts 2026-12-16; 30 days before is 2026-11-16; the data is as of 2026-12-01,
    # 15 days after it
    cal = campaign_calendar(config)
    assert cal.materials_order_by == date(2026, 11, 16)
    late = [w for w in cal.warnings if "order them now" in w]
    assert len(late) == 1 and "15 days late" in late[0] and "物料订购已晚 15 天" in late[0]


def test_materials_in_time_give_no_warning(config):
    # 10 days before 2026-12-16 is 2026-12-06, after the as-of date 2026-12-01: in time
    cal = campaign_calendar(config.replace({"campaign": {"materials_lead_days": 10}}))
    assert cal.materials_order_by == date(2026, 12, 6)
    assert not [w for w in cal.warnings if "order them now" in w]
    # on the order-by day itself, still in time (0 days late)
    on_the_day = config.with_overrides(as_of=date(2026, 11, 16))
    assert not [w for w in campaign_calendar(on_the_day).warnings if "order them now" in w]
