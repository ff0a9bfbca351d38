"""The managers' overview before any outcome: your own customers, a segment with no revisit."""

from __future__ import annotations

from revisitkit.views.dashboards import OverviewDashboard
from revisitkit.workspace import load_campaign
from tests.conftest import ROOT


def test_overview_of_your_own_customers_before_any_outcome(tmp_path, monkeypatch, capsys):
    sample = (ROOT / "data/sample/customers.csv").read_text(encoding="utf-8-sig").splitlines()
    mine = tmp_path / "我的客户.csv"
    mine.write_text("\n".join(sample[:301]) + "\n", encoding="utf-8")
    monkeypatch.setenv("REVISITKIT_CUSTOMERS", str(mine))
    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "none.db"))
    monkeypatch.delenv("REVISITKIT_OUTCOMES", raising=False)
    ov = load_campaign()
    assert ov.outcomes.empty and "no outcomes yet" in ov.outcomes_source
    dash = OverviewDashboard(ov)
    assert "300 位客户 customers, 0 已回访" in dash.status.value
    assert not (tmp_path / "none.db").exists()


def test_overview_filter_on_a_segment_without_outcomes(monkeypatch, tmp_path):
    # the sample's outcomes of on-site visits only (core customers): none of low frequency
    lines = (ROOT / "data/sample/outcomes.csv").read_text(encoding="utf-8-sig").splitlines()
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if ",上门拜访," in line)]) + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("REVISITKIT_STORE", str(tmp_path / "none.db"))
    monkeypatch.setenv("REVISITKIT_OUTCOMES", str(visits))
    for name in ("REVISITKIT_CUSTOMERS", "REVISITKIT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    dash = OverviewDashboard(load_campaign())
    dash.segment.value = "low_frequency"  # no revisit of them in this file
    assert "低频客户" in dash.status.value and "0 已回访" in dash.status.value
