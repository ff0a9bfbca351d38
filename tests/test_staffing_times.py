"""Times in the day (revisitkit.staffing.times): golden cases worked by hand.

Work minutes count from the day's start (09:00) with the lunch hour (12:00–13:00 by
default) left out; a booking's clock times are worked out in the comments beside each case.
"""

from __future__ import annotations

import pandas as pd

from revisitkit.staffing.times import WorkdayClock, time_bookings

DAY = pd.Timestamp("2026-12-16")


def bookings(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """(task_id, staff_id, minutes incl. travel, travel) on Wed 16 Dec 2026."""
    return pd.DataFrame(
        {
            "task_id": [r[0] for r in rows],
            "staff_id": [r[1] for r in rows],
            "date": DAY,
            "minutes": [r[2] for r in rows],
            "travel_minutes": [r[3] for r in rows],
        }
    )


def capacity(hours: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": list(hours),
            "date": DAY,
            "capacity_minutes": [h * 60 for h in hours.values()],
        }
    )


def hhmm(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (r.task_id, r.staff_id): (f"{r.start:%H:%M}", f"{r.end:%H:%M}") for r in frame.itertuples()
    }


def test_a_day_of_calls_takes_lunch_at_the_nearest_edge():
    # five 40-min calls from 09:00: 09:00, 09:40, 10:20, 11:00, 11:40 — the fifth would run to
    # 12:20, 20 min before 12:00 and 20 after: not more than half after, so it is finished
    # first (work minute 200 = 12:20) and lunch taken 12:20–13:20; the sixth from 13:20.
    rows = [(f"C{k}", "A1", 40.0, 0.0) for k in range(1, 7)]
    got = hhmm(time_bookings(bookings(rows), capacity({"A1": 7}), WorkdayClock()).bookings)
    assert got[("C4", "A1")] == ("11:00", "11:40")
    assert got[("C5", "A1")] == ("11:40", "12:20")
    assert got[("C6", "A1")] == ("13:20", "14:00")


def test_a_call_mostly_after_noon_waits_for_lunch():
    # a 150-min and an 80-min call: 09:00–11:30, then the 80-min one would be 30 min before
    # 12:00 and 50 after — less than half before: lunch first (11:30–12:30), the call
    # 12:30–13:50
    rows = [("A", "A1", 150.0, 0.0), ("B", "A1", 80.0, 0.0)]
    got = hhmm(time_bookings(bookings(rows), capacity({"A1": 7}), WorkdayClock()).bookings)
    assert got == {("A", "A1"): ("09:00", "11:30"), ("B", "A1"): ("12:30", "13:50")}


def test_two_directors_and_two_pairs_take_turns():
    # D1 and D2 each visit twice, as do the consultant–manager pairs P1 (T1, M1) and P2
    # (T2, M2): V1 = D1+P1, V2 = D1+P2, V3 = D2+P1, V4 = D2+P2, each 105 min + 90 travel.
    # In turns: V1 and V4 first (09:00, meeting 09:45, back at work minute 195 = 13:15 with
    # lunch inside), V2 and V3 second (from minute 195: 13:15 to minute 390 = 16:30). Booked
    # in any other order, one of the four would wait for a colleague until 16:30.
    teams = {"V1": "D1 T1 M1", "V2": "D1 T2 M2", "V3": "D2 T1 M1", "V4": "D2 T2 M2"}
    rows = [(v, p, 195.0, 90.0) for v, ps in teams.items() for p in ps.split()]
    hours = dict.fromkeys(["D1", "D2", "T1", "T2", "M1", "M2"], 7.0)
    timed = time_bookings(bookings(rows), capacity(hours), WorkdayClock())
    got = hhmm(timed.bookings)
    for v in ("V1", "V4"):
        assert {got[(v, p)] for p in teams[v].split()} == {("09:00", "13:15")}
    for v in ("V2", "V3"):
        assert {got[(v, p)] for p in teams[v].split()} == {("13:15", "16:30")}
    assert timed.overruns.empty


def test_a_team_waiting_for_a_far_colleague_is_an_overrun_reported():
    # A (local: 90 min round trip) and B (another cluster: 270) visit together, 105 min with
    # the customer. B leaves at 09:00 and arrives after 135 min: the meeting is at work minute
    # 135 = 11:15 for both; A leaves 45 min before, at minute 90 = 10:30, and is back at 285
    # (lunch inside: 14:45). A's two 100-min calls do not fit the 90 minutes before 10:30, so
    # they run 285–385 and 385–485: 14:45–16:25 and 16:25–18:05, 65 min past A's 7 hours —
    # reported, not hidden.
    rows = [("V", "A", 195.0, 90.0), ("V", "B", 375.0, 270.0)]
    rows += [("C1", "A", 100.0, 0.0), ("C2", "A", 100.0, 0.0)]
    timed = time_bookings(bookings(rows), capacity({"A": 7, "B": 7}), WorkdayClock())
    got = hhmm(timed.bookings)
    assert got[("V", "A")] == ("10:30", "14:45")
    assert got[("V", "B")] == ("09:00", "16:15")
    assert {
        f"{m:%H:%M}" for m in timed.bookings.loc[timed.bookings["task_id"] == "V", "meeting"]
    } == {"11:15"}
    assert got[("C1", "A")] == ("14:45", "16:25") and got[("C2", "A")] == ("16:25", "18:05")
    assert timed.overruns.to_dict("records") == [
        {"staff_id": "A", "date": DAY, "minutes_over": 65.0}
    ]


def test_the_config_sets_the_day():
    # staffing.workday start 08:30 and lunch 11:30–12:30 (three hours of morning): a 240-min
    # call from 08:30 is three quarters before 11:30, so it is finished first (12:30), lunch
    # 12:30–13:30, and the 60-min call 13:30–14:30
    from revisitkit.config import load_config

    config = load_config()
    w = config.staffing.workday.model_copy(update={"start": "08:30", "lunch": ("11:30", "12:30")})
    staffing = config.staffing.model_copy(update={"workday": w})
    clock = WorkdayClock.from_config(config.model_copy(update={"staffing": staffing}))
    rows = [("A", "A1", 240.0, 0.0), ("B", "A1", 60.0, 0.0)]
    got = hhmm(time_bookings(bookings(rows), capacity({"A1": 7}), clock).bookings)
    assert got == {("A", "A1"): ("08:30", "12:30"), ("B", "A1"): ("13:30", "14:30")}


def test_the_plan_summary_names_days_past_hours(config):
    # the far-colleague day of above as a staffing plan's summary line: a person-day that
    # cannot be timed is said, with the worst one, never hidden
    import dataclasses

    from revisitkit.calendar import campaign_calendar
    from revisitkit.staffing.plan import plan_staffing
    from tests.test_staffing_plan import one_core_customer, staff

    sp = plan_staffing(one_core_customer(), staff(config), config, campaign_calendar(config))
    assert not any("cannot be timed" in line for line in sp.summary_lines())
    over = pd.DataFrame({"staff_id": ["D1"], "date": [DAY], "minutes_over": [65.0]})
    timed = dataclasses.replace(sp.timed, overruns=over)
    forced = dataclasses.replace(sp)
    forced.__dict__["timed"] = timed  # the cached timing of a day that runs over
    (line,) = [x for x in forced.summary_lines() if "cannot be timed" in x]
    assert "1 person-day(s)" in line and "D1 on 2026-12-16, 65 min over" in line


def test_a_cycle_of_teams_that_only_fits_in_turns(monkeypatch):
    # Three directors D1–D3 and three consultant–manager pairs P1–P3 (T1+M1, …), six visits
    # in a cycle, each 105 min + 90 travel = 195, everyone with 7 hours (420). Booked soonest
    # first in task order, V1 and V3 take the mornings, then V5 (D3, P3) must wait for P3,
    # and V4 for D2 and P2 both busy until 16:30: someone's day runs over. In turns (no one
    # twice in a turn, the colouring worked by hand: V1 0, V2 1, V3 0 → 1 on backtracking,
    # V4 0, V5 0, V6 1): V1, V4, V5 first, 09:00–13:15, then V2, V3, V6 from work minute 195
    # to 390, 13:15–16:30 — every day within its hours.
    teams = {
        "V1": ("D1", "1"),
        "V2": ("D1", "2"),
        "V4": ("D2", "2"),
        "V3": ("D2", "3"),
        "V5": ("D3", "3"),
        "V6": ("D3", "1"),
    }
    members = {v: [d, f"T{p}", f"M{p}"] for v, (d, p) in teams.items()}
    rows = [(v, s, 195.0, 90.0) for v, ss in members.items() for s in ss]
    people = sorted({s for ss in members.values() for s in ss})
    timed = time_bookings(bookings(rows), capacity(dict.fromkeys(people, 7.0)), WorkdayClock())
    got = hhmm(timed.bookings)
    for v in ("V1", "V4", "V5"):
        assert {got[(v, s)] for s in members[v]} == {("09:00", "13:15")}, v
    for v in ("V2", "V3", "V6"):
        assert {got[(v, s)] for s in members[v]} == {("13:15", "16:30")}, v
    assert timed.overruns.empty
    # soonest first alone (the first of the attempts) runs a day over
    import revisitkit.staffing.times as times

    monkeypatch.setattr(times, "_ATTEMPTS", 1)
    alone = time_bookings(bookings(rows), capacity(dict.fromkeys(people, 7.0)), WorkdayClock())
    assert not alone.overruns.empty


def test_odd_bookings_keep_their_order_and_their_hours():
    # a booking of no minutes right at the lunch edge ends where it starts (never before);
    # lunch never moves more than an hour (a 400-min call runs through it, 09:00–16:40);
    # a person-day capacity does not list (a webinar outside the window) counts the person's
    # usual hours, so 8 hours of calls run 1 hour over a 7-hour day
    rows = [("A", "A1", 180.0, 0.0), ("B", "A1", float("nan"), 0.0)]
    got = hhmm(time_bookings(bookings(rows), capacity({"A1": 7}), WorkdayClock()).bookings)
    start, end = got[("B", "A1")]
    assert start <= end
    got = hhmm(
        time_bookings(
            bookings([("L", "A1", 400.0, 0.0)]), capacity({"A1": 7}), WorkdayClock()
        ).bookings
    )
    assert got == {("L", "A1"): ("09:00", "16:40")}
    later = bookings([(f"W{k}", "A1", 60.0, 0.0) for k in range(8)]).assign(
        date=pd.Timestamp("2027-02-09")
    )
    timed = time_bookings(later, capacity({"A1": 7}), WorkdayClock())
    assert timed.overruns["minutes_over"].tolist() == [60.0]
