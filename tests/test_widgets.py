"""The planners' risk form and the managers' risk view, driven as a user would drive them,
on a real SQLite store file."""

from __future__ import annotations

from datetime import date

import pytest

from revisitkit.views.dashboards import RiskDashboard, RiskEditor
from revisitkit.views.tables import overdue_reviews
from revisitkit.workspace import load_risks, open_register


@pytest.fixture
def register(config, tmp_path):
    return open_register(config, tmp_path / "revisitkit.db", who="seed")


def editor_on(register, config, risk_id, who="王芳"):
    editor = RiskEditor(register, config, who=who)
    editor.picker.value = risk_id
    return editor


def message(editor) -> str:
    return editor.message.value


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("likelihood", 6, "likelihood must be a whole number from 1 to 5, got 6"),
        ("impact", 0, "impact must be a whole number from 1 to 5, got 0"),
        ("owner_role", "intern", "owner_role must be one of the known roles"),
        ("title", "", "title must not be empty"),
    ],
)
def test_form_refuses_invalid_values_with_a_message(register, config, field, value, expected):
    editor = editor_on(register, config, "R06")
    before = register.list()
    editor.fields[field].value = value
    editor.save()
    assert expected in message(editor)
    assert "color:#c62828" in message(editor)  # shown as an error
    assert register.list().equals(before)  # nothing written


def test_form_saves_a_valid_edit_with_an_audit_row(register, config):
    editor = editor_on(register, config, "R06")
    editor.fields["likelihood"].value = 4
    editor.save()
    assert "已保存 Saved R06 (version 2)" in message(editor)
    risk, version = register.get("R06")
    assert (risk.likelihood, version) == (4, 2)
    edits = register.history("R06")
    last = edits[edits["action"] == "edit"].iloc[-1]
    assert (last["field"], str(last["old"]), str(last["new"]), last["who"]) == (
        "likelihood",
        "3",
        "4",
        "王芳",
    )


def test_second_editor_on_stale_data_is_refused(register, config):
    first = editor_on(register, config, "R06", who="王芳")
    second = editor_on(register, config, "R06", who="李强")
    first.fields["impact"].value = 5
    first.save()
    second.fields["owner_role"].value = "cs_manager"
    second.save()
    assert "was changed by 王芳" in message(second)
    assert "impact: 4 → 5" in message(second)
    risk, _ = register.get("R06")
    assert (risk.impact, risk.owner_role) == (5, "campaign_lead")  # the first edit is kept


def test_new_risk_close_and_comment(register, config):
    editor = RiskEditor(register, config, who="王芳")
    editor.picker.value = RiskEditor.NEW
    values = {
        "title": "春运返乡导致客户联系人缺席",
        "category": "external",
        "likelihood": 3,
        "impact": 2,
        "residual_likelihood": 2,
        "residual_impact": 2,
        "owner_role": "campaign_lead",
        "strategy": "accept",
        "response_level": "C",
        "next_review": "2027-01-10",
    }
    for name, value in values.items():
        editor.fields[name].value = value
    editor.save()
    assert "已添加 Added R14" in message(editor)
    assert editor.picker.value == "R14"
    editor.close()
    assert register.get("R14")[0].status == "closed"
    editor.comment_text.value = "节后复核"
    editor.comment()
    assert register.comments("R14")["text"].tolist() == ["节后复核"]


def test_overdue_reviews_counted_from_the_seed(config, tmp_path):
    view = load_risks(config, tmp_path / "absent.db")
    assert not view.stored and not (tmp_path / "absent.db").exists()
    # seed next_review dates before 2026-12-16: R01 12-10, R03 12-15, R04 12-08, R06 12-15,
    # R07 12-12 (R13 is due on 12-16 itself, not late)
    late = overdue_reviews(view.frame, date(2026, 12, 16))
    assert late["编号 ID"].tolist() == ["R01", "R03", "R04", "R06", "R07"]
    assert late.set_index("编号 ID").loc["R04", "逾期天数 Days late"] == 8


def test_risk_dashboard_filters(config, tmp_path):
    view = load_risks(config, tmp_path / "absent.db")
    dashboard = RiskDashboard(view.frame, config, today=date(2026, 12, 16))
    assert "13 项风险 risks" in dashboard.status_line.value
    dashboard.category.value = "external"
    # R10-R13 are the plan's external risks (§5.3)
    assert dashboard.filtered()["id"].tolist() == ["R10", "R11", "R12", "R13"]
    assert "外部风险 External — 4 项风险 risks" in dashboard.status_line.value


def test_form_filters_narrow_the_risks_to_pick(register, config):
    editor = RiskEditor(register, config, who="王芳")
    editor.filter_category.value = "customer"
    # R01-R03 are the plan's customer risks (§5.1), plus the entry for a new risk
    assert [v for _, v in editor.picker.options] == [RiskEditor.NEW, "R01", "R02", "R03"]
    editor.filter_category.value = "__all__"
    editor.picker.value = "R02"
    editor.close()
    editor.filter_status.value = "closed"
    assert [v for _, v in editor.picker.options] == [RiskEditor.NEW, "R02"]


def test_staffing_what_if_takes_zero_for_zero(monkeypatch, capsys):
    """Seen: typing 0 sales directors silently became 1. Now 0 is 0: the visits they lead are
    unscheduled and the page says, in words, how many directors to add."""
    import pandas as pd

    from revisitkit.views.dashboards.staffing import StaffingDashboard
    from revisitkit.workspace import SAMPLE_ROSTER, load_staff, load_workspace

    for var in ("REVISITKIT_CUSTOMERS", "REVISITKIT_STAFF", "REVISITKIT_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    ws = load_workspace()
    roster = load_staff(ws.config)
    directors = int((pd.read_csv(SAMPLE_ROSTER, encoding="utf-8-sig")["岗位"] == "销售总监").sum())
    dash = StaffingDashboard(ws, roster)
    box = dash.heads["sales_director"]
    assert box.min == 0
    box.value = 0
    assert box.value == 0
    assert f"销售总监 {directors}→0" in dash.status.value
    sp = dash.current
    visits = sp.schedule.tasks[sp.schedule.tasks["channel"] == "onsite_visit"]
    assert len(visits) and visits["unscheduled"].all()
    assert set(sp.missing["role"]) == {"sales_director"}
    shown = capsys.readouterr().out  # outside a kernel, the page's outputs go to stdout
    assert "缺少的岗位 Roles no one has" in shown and "销售总监" in shown


def _staffing_dashboard(monkeypatch):
    from revisitkit.views.dashboards.staffing import StaffingDashboard
    from revisitkit.workspace import load_staff, load_workspace

    for var in ("REVISITKIT_CUSTOMERS", "REVISITKIT_STAFF", "REVISITKIT_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    ws = load_workspace()
    return StaffingDashboard(ws, load_staff(ws.config))


def _scenarios(html_text: str) -> set[str]:
    import re

    return set(re.findall(r'data-scenario="([^"]*)"', html_text))


def test_staffing_sections_name_one_scenario_and_never_show_another_ones_gap(monkeypatch, capsys):
    """Seen: "no gap: every task is on time" under a scenario with 273 late tasks, and the
    previous scenario's 2,625-person-day gap after a change. Now every section names its
    scenario, and a scenario not verified yet says so."""
    dash = _staffing_dashboard(monkeypatch)
    assert _scenarios(dash.tiles.value) == {"基线 baseline"}
    assert "基线名册 the roster as given" in dash.gap_html.value
    box = dash.heads["senior_sales"]
    box.value = box.value // 3
    label = dash.describe()
    assert label.startswith("资深销售 ")
    assert _scenarios(dash.tiles.value) == {label}
    assert _scenarios(dash.gap_html.value) == {label}
    assert "尚未验证" in dash.gap_html.value and "无缺口" not in dash.gap_html.value
    shown = capsys.readouterr().out  # the tables and charts Outputs print outside a kernel
    assert f'data-scenario="{label}" data-section="tables"' in shown
    assert f'data-scenario="{label}" data-section="charts"' in shown
    assert f"情景 Scenario: {label}" in dash.status.value


def test_staffing_verify_runs_in_the_background_and_a_change_supersedes_it(monkeypatch):
    """Seen: Verify gap froze the page for 93 s and a Reset queued behind it. Now it runs in a
    thread with its progress shown; a change of scenario gives it up, Cancel too; a verified
    scenario keeps its gap when the manager comes back to it."""
    dash = _staffing_dashboard(monkeypatch)
    box = dash.heads["senior_sales"]
    box.value = box.value // 3
    dash.verify_gap()
    assert "正在验证 verifying" in dash.gap_progress.value
    assert dash.cancel.layout.display == ""
    first = dash._gap_thread
    box.value = box.value + 1  # the page answers at once, the running verification gives up
    assert "superseded" in dash.gap_progress.value
    first.join(timeout=120)
    assert not first.is_alive()
    assert "尚未验证" in dash.gap_html.value  # the superseded run's figures are not shown
    dash.verify_gap()
    dash.cancel_gap("已取消 cancelled")
    dash._gap_thread.join(timeout=120)
    assert "cancelled" in dash.gap_progress.value and "尚未验证" in dash.gap_html.value
    dash.verify_gap()
    dash._gap_thread.join(timeout=120)
    label = dash.describe()
    assert "已验证 verified in" in dash.gap_progress.value
    assert _scenarios(dash.gap_html.value) == {label}
    assert "extra person-days put every task on time" in dash.gap_html.value
    verified = dash.gap_html.value
    dash.reset_controls()
    assert "基线名册 the roster as given" in dash.gap_html.value
    box.value = box.value // 3 + 1  # back to the verified scenario: its gap, no new run
    assert dash.describe() == label
    assert dash.gap_html.value == verified


def test_budget_shares_off_100_keep_the_last_valid_figures(monkeypatch, capsys):
    """Seen: changing one share blanked the whole dashboard below the inputs. Now a message
    shows beside the shares and the last valid figures stay, marked as the last valid
    scenario's, until the shares add up again."""
    from revisitkit.views.dashboards import BudgetDashboard
    from revisitkit.workspace import load_campaign

    for var in ("REVISITKIT_CUSTOMERS", "REVISITKIT_STAFF", "REVISITKIT_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    campaign = load_campaign()
    dash = BudgetDashboard(campaign.ws, campaign.staffing, campaign.actuals)
    dash.total.value = 3_000_000
    tiles = dash.tiles.value
    assert "¥3,000,000" in tiles
    capsys.readouterr()
    dash.shares["personnel"].value = 70  # 70 + 20 + 15 + 5 = 110
    assert "110%" in dash.share_msg.value
    assert "上一个有效情景" in dash.stale.value and "¥3,000,000" in dash.stale.value
    assert dash.tiles.value == tiles  # kept, not blanked
    assert capsys.readouterr().out == ""  # charts and tables not redrawn either
    dash.shares["materials"].value = 10  # 70 + 10 + 15 + 5 = 100
    assert dash.share_msg.value == "" and dash.stale.value == ""
    assert "70%/10%/15%/5%" in dash.status.value


def test_overview_tiles_are_coloured_by_status_not_priority():
    """Seen: "中 Medium 485 / 0" orange with nothing due, "实际支出 Spent" red under the plan
    to date. A priority with nothing due is grey or green, never amber or red; spending at or
    under the plan to date is met; 4.7% over is at risk, 6% over is missed."""
    import pandas as pd

    from revisitkit.config import load_config
    from revisitkit.views.dashboards.overview import progress_tiles, spend_tiles

    config = load_config()
    now = pd.DataFrame(
        {
            "priority": ["high", "medium", "low", "high"],
            "done": [682, 485, 0, 0],
            "planned": [682, 0, 0, 0],
            "total": [682, 921, 1397, 0],
        }
    ).iloc[:3]
    high, medium, low = progress_tiles(now, config, pd.Timestamp("2026-12-23").date())
    assert high[2] == "st-green" and "682 / 682" == high[1]
    assert medium[2] == "st-green" and medium[1] == "485" and "尚无到期" in medium[3]
    assert low[2] == "st-na"
    behind = pd.DataFrame({"priority": ["high"], "done": [650], "planned": [682], "total": [682]})
    # 650 / 682 = 95.3%: behind by 4.7% of the target -> at risk; 640 (93.8%) -> missed
    assert progress_tiles(behind, config, pd.Timestamp("2026-12-23").date())[0][2] == "st-amber"
    behind["done"] = 640
    assert progress_tiles(behind, config, pd.Timestamp("2026-12-23").date())[0][2] == "st-red"
    spent = {t[0]: t[2] for t in spend_tiles(4_500_000, 4_368_972, 3_766_689, 61_171, config)}
    assert spent["实际支出 Spent"] == "st-green"
    assert spend_tiles(1, 100_000, 104_700, 0, config)[2][2] == "st-amber"
    assert spend_tiles(1, 100_000, 106_000, 0, config)[2][2] == "st-red"
