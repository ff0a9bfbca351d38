"""The KPIs of revisit outcomes against the plan, worked out by hand on the small campaign
(tests/small_campaign.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from revisitkit.io import load_outcomes
from revisitkit.kpi import burn_up, compute_kpis
from tests.small_campaign import AS_OF, HEADER, PLAN, ROWS, STAFF


def kpi(table: pd.DataFrame, name: str, scope: str = "overall") -> tuple[float, str]:
    row = table[(table["kpi"] == name) & (table["scope"] == scope)].iloc[0]
    return row["value"], row["status"]


def test_kpis_worked_out_by_hand(outcomes_file, config):
    o = load_outcomes(outcomes_file, config, customers=PLAN["customer_id"], staff=STAFF)
    assert len(o) == 5
    t = compute_kpis(o, PLAN, config, as_of=AS_OF)
    # satisfaction: reached scores 5, 4, 3, 5 -> 100, 75, 50, 100 on 0-100: mean 81.25 < 92
    # and below 92 × 0.95 = 87.4 -> red
    assert kpi(t, "satisfaction") == (81.25, "red")
    # NPS: 10, 8, 6, 9 -> promoters 2/4, detractors 1/4 -> 25.0 (target 30; amber from 28.5)
    assert kpi(t, "nps") == (25.0, "red")
    # problem resolution counts revisits a week old (on or before 12-16): A's visit 2/2
    assert kpi(t, "problem_resolution") == (1.0, "green")
    assert kpi(t, "leads") == (3.0, "red")
    assert kpi(t, "lead_conversion")[0] == pytest.approx(1 / 3)
    assert kpi(t, "suggestions") == (3.0, "red")
    assert kpi(t, "improvement_items") == (1.0, "red")
    # due by 12-23: A and B (12-18); A reached 12-16 (on time), B first reached 12-19 (late)
    assert kpi(t, "on_time") == (0.5, "red")
    # A, B, C are reached; D's touches (survey and news push) are automated and the outcomes
    # file records none of them: planned, not done (never assumed) -> 3 of 4 (issue 14)
    assert kpi(t, "coverage") == (0.75, "red")
    assert kpi(t, "core_churn")[1] == "n/a" and kpi(t, "repurchase")[1] == "n/a"
    # by segment: core satisfaction (100 + 75) / 2 = 87.5 ≥ 87.4 -> amber
    assert kpi(t, "satisfaction", "value_segment:core") == (87.5, "amber")
    # campaign totals are not judged per segment
    assert kpi(t, "leads", "value_segment:potential") == (2.0, "—")
    # by owner S1 (A and C): due A only, on time
    assert kpi(t, "on_time", "owner:S1") == (1.0, "green")


def test_mid_term_churn_and_repurchase(outcomes_file, config):
    o = load_outcomes(outcomes_file, config)
    later = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "status": ["terminated", "active", "active", "active"],
            "last_order_date": pd.to_datetime(["2027-01-10", "2026-12-01", "2027-04-30", None]),
        }
    )
    t = compute_kpis(o, PLAN, config, as_of=AS_OF, later_customers=later)
    # the one core customer terminated: 100% > 5%
    assert kpi(t, "core_churn") == (1.0, "red")
    # reached A (12-16), B (12-19), C (12-20): A ordered 01-10 (within 90 days), B before its
    # revisit, C on 04-30 (beyond 12-20 + 90 days = 03-20) -> 1/3
    assert kpi(t, "repurchase")[0] == pytest.approx(1 / 3)


def test_outcomes_after_the_evaluation_date_are_left_out(outcomes_file, config):
    o = load_outcomes(outcomes_file, config)
    t = compute_kpis(o, PLAN, config, as_of=date(2026, 12, 17))
    # only A's two contacts and B's unanswered call: scores 100, 75
    assert kpi(t, "satisfaction")[0] == 87.5
    assert kpi(t, "coverage")[0] == pytest.approx(1 / 4)  # A of A, B, C and D


def test_no_contact_reached_yet_gives_n_a_not_a_crash(tmp_path, config):
    path = tmp_path / "none.csv"
    path.write_text(HEADER + "B,2026-12-16,电话回访,S2,否,,,0,0,0,0,0,0,0,\n", encoding="utf-8")
    o = load_outcomes(path, config)
    t = compute_kpis(o, PLAN, config, as_of=AS_OF)
    assert kpi(t, "satisfaction")[1] == "n/a"
    # A and B are due (12-18) and neither was reached: 0 of 2 on time; coverage 0 of 4
    assert kpi(t, "on_time") == (0.0, "red") and kpi(t, "coverage") == (0.0, "red")
    burn = burn_up(o, PLAN, config, as_of=AS_OF)
    assert burn.loc[burn["date"] == pd.Timestamp(AS_OF), "done"].tolist() == [0, 0, 0]
    empty = load_outcomes(tmp_path / "none.csv", config).iloc[0:0]
    assert kpi(compute_kpis(empty, PLAN, config, as_of=AS_OF), "coverage")[0] == 0.0


def test_an_automated_touch_counts_once_the_outcomes_file_records_it(tmp_path, config):
    # D (inactive: online survey and news push, no person) gets its news push on 12-16 and the
    # platform's log says it was delivered: D is reached; coverage 4 of 4
    path = tmp_path / "with_push.csv"
    rows = [*ROWS, "D,2026-12-16,新品推送,,是,,,0,0,0,0,0,0,0,"]
    path.write_bytes((HEADER + "\n".join(rows) + "\n").encode("gbk"))
    o = load_outcomes(path, config, customers=PLAN["customer_id"], staff=STAFF)
    t = compute_kpis(o, PLAN, config, as_of=AS_OF)
    assert kpi(t, "coverage") == (1.0, "green")
    assert kpi(t, "coverage", "value_segment:inactive") == (1.0, "green")
    # its due date (01-15) is after the evaluation: on time still counts A and B only
    assert kpi(t, "on_time") == (0.5, "red")


def test_every_high_priority_customer_counts_in_coverage(config):
    # a high-priority customer whose segment is reached only by automated touches (a churn
    # warning among the light-touch segments) still counts: the escalation gives it a person
    from revisitkit.kpi import planned_customers, staffed_customers

    plan = pd.DataFrame(
        {
            "customer_id": ["H", "L"],
            "value_segment": ["inactive", "inactive"],
            "priority": ["high", "low"],
            "channels": ["online_survey+news_push"] * 2,
            "reasons": ["churn_warning_complaint;inactive", "inactive"],
        }
    )
    assert staffed_customers(plan, config).tolist() == [True, False]
    assert planned_customers(plan, config).tolist() == [True, True]


def test_a_segment_is_judged_against_its_own_target(outcomes_file, config):
    # §1.1.3: core repurchase ≥ 85% (kpis.targets.repurchase.by_segment.core), others 30%.
    # Every customer of the small campaign taken as core: reached A (12-16) ordered 01-10
    # (within 90 days), B (12-19) before its revisit, C (12-20) beyond 03-20 -> 1/3.
    o = load_outcomes(outcomes_file, config)
    later = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "status": ["active"] * 4,
            "last_order_date": pd.to_datetime(["2027-01-10", "2026-12-01", "2027-04-30", None]),
        }
    )
    core = PLAN.assign(value_segment="core")
    t = compute_kpis(o, core, config, as_of=AS_OF, later_customers=later)
    row = t[(t["kpi"] == "repurchase") & (t["scope"] == "value_segment:core")].iloc[0]
    # 33% against 85% (amber from 85% × 0.95 = 80.75%) -> red, not green against 30%
    assert (row["target"], row["status"]) == (0.85, "red")
    assert row["value"] == pytest.approx(1 / 3)
    # the campaign as a whole keeps the overall 30%: 1/3 -> green
    overall = t[(t["kpi"] == "repurchase") & (t["scope"] == "overall")].iloc[0]
    assert (overall["target"], overall["status"]) == (0.30, "green")
    # a view of the core customers only (the overview filtered to them) judges overall as core
    only = compute_kpis(
        o, core, config, as_of=AS_OF, later_customers=later, scopes=(), segment="core"
    )
    assert only[only["kpi"] == "repurchase"].iloc[0]["status"] == "red"


def test_a_target_for_an_unknown_segment_is_refused(config):
    from revisitkit.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown value segment.*'vip'"):
        config.replace({"kpis": {"targets": {"repurchase": {"by_segment": {"vip": 0.9}}}}})


def test_paced_kpis_judge_what_is_due_by_the_progress_date(outcomes_file, config):
    """Seen: coverage 52.7% red on day 8 of 36 against the end-of-campaign target of 100%.
    Paced, coverage counts the customers due by then and the count targets grow linearly
    over the execution phase (2026-12-16 … 2027-01-20, 36 days; 12-23 is day 8)."""
    o = load_outcomes(outcomes_file, config, customers=PLAN["customer_id"], staff=STAFF)
    t = compute_kpis(o, PLAN, config, as_of=AS_OF, scopes=(), paced=True)
    # due by 12-23: A and B (12-18), both reached (B late) -> 2 / 2, met
    assert kpi(t, "coverage") == (1.0, "green")
    # on time is already over what is due: unchanged, A on time, B late -> 1 / 2
    assert kpi(t, "on_time") == (0.5, "red")
    targets = t[t["scope"] == "overall"].set_index("kpi")["target"]
    # leads 30 × 8/36 = 6.67: 3 leads is below 6.67 × 0.95 = 6.33 -> red
    assert targets["leads"] == pytest.approx(30 * 8 / 36)
    assert kpi(t, "leads") == (3.0, "red")
    # improvement items 10 × 8/36 = 2.22: 1 item -> red; suggestions 200 × 8/36 = 44.4: 3 -> red
    assert targets["improvement_items"] == pytest.approx(10 * 8 / 36)
    assert targets["suggestions"] == pytest.approx(200 * 8 / 36)
    # the unpaced table is the campaign-end reading: coverage 3 of 4 planned, red
    assert kpi(compute_kpis(o, PLAN, config, as_of=AS_OF, scopes=()), "coverage") == (0.75, "red")


def test_paced_counts_within_the_margin_are_amber(config):
    """3 leads: on the first day of the 36-day execution the paced target is 30 × 1/36 = 0.83
    (met); on day 4 it is 3.33, and 3 is 0.33 short — more than 5% of it (0.17): red; within
    10% of it (0.33): amber."""
    from revisitkit.kpi import pace_fraction, traffic_light

    assert pace_fraction(config, date(2026, 12, 16)) == pytest.approx(1 / 36)
    assert traffic_light(3, 30 * 1 / 36, 0.05) == "green"
    assert traffic_light(3, 30 * 4 / 36, 0.05) == "red"
    assert traffic_light(3, 30 * 4 / 36, 0.10) == "amber"
    # before execution nothing is due; after its end, everything
    assert pace_fraction(config, date(2026, 12, 15)) == 0.0
    assert pace_fraction(config, date(2027, 2, 1)) == 1.0
