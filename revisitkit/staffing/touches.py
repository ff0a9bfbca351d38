"""Every planned touch of every customer, dated: the customer journey (touches.csv, 触达).

The scheduler books the staffed tasks that compete for people's days (visits, calls, the
churn-warning contacts, weekly project tracking). The plan's other promises are dated by
their rule (``service:``), here:

* **appointment letter** 拜访函 (§2.4.1): by the visit's CS manager, at least
  ``appointment_notice_working_days`` working days before the on-site visit, on the latest
  such working day they have time on (never before the as-of date);
* **weekly briefing** 每周简报 (§2.4.1): by the customer's dedicated specialist, one each ISO
  week of execution after the week of its on-site visit, on the first day of the week they
  have time on;
* **online survey** 线上问卷 (§2.4.2): automated, ``survey_after_working_days`` working days
  after the customer's call;
* **SMS greeting** 短信问候 (§2.4.4): automated, in the week before the Spring Festival
  holiday, ``sms_working_days_before_holiday`` working days before it (1: the last one);
* **training webinar** 线上培训 (§2.4.4): one session on the first working day after the
  holiday, due within ``training_within_days_after_holiday`` days after it, its host
  (``webinar_roles``) booked that day;
* other automated pushes (product guide, news): on the first working day of execution.

Letters and briefings are booked into the time the schedule leaves free (a person's capacity
that day less what the schedule gave them); one that finds no free time keeps its deadline and
no date, and the plan says how many. :func:`book_dated` does the booking for a staffing plan;
:func:`journey` lays every touch out, one row per touch (:data:`TOUCH_COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.staffing.escalations import VISIT_CHANNEL, execution_weeks
from revisitkit.staffing.specialists import DEDICATED_CHANNEL

__all__ = [
    "BRIEFING_CHANNEL",
    "LETTER_CHANNEL",
    "TOUCH_COLUMNS",
    "DatedTouches",
    "Promise",
    "ServiceDates",
    "book_dated",
    "check_promises",
    "journey",
    "plan_touches",
    "service_dates",
]

#: Columns of touches.csv: one row per planned touch of every customer.
TOUCH_COLUMNS = ("customer_id", "channel", "date", "staff_id", "deadline", "reason")
LETTER_CHANNEL = "appointment_letter"
BRIEFING_CHANNEL = "weekly_briefing"
TRAINING_CHANNEL = "online_training"
SURVEY_CHANNEL = "online_survey"
SMS_CHANNEL = "sms"
CALL_CHANNEL = "phone"
#: the columns of a dated booking: those of schedule.csv (its rows are schedule rows), and why
DATED_COLUMNS = (
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
    "reason",
)


@dataclass(frozen=True)
class ServiceDates:
    """The campaign-wide dates of the plan's promises (§2.4.4)."""

    sms: date | None  # the SMS greeting's day (None: no working day in the window)
    webinar: date | None  # the training webinar's day (None: none in its window)
    webinar_due: date  # the last day of the webinar's window
    first_execution_day: date | None  # when automated pushes go out
    holiday: tuple[date, date]  # the Spring Festival holiday


def service_dates(config: Config, campaign_calendar: Any) -> ServiceDates:
    """The SMS, webinar and push dates of a campaign (module docstring).

    >>> from revisitkit.calendar import campaign_calendar
    >>> from revisitkit.config import load_config
    >>> d = service_dates(load_config(), campaign_calendar(load_config()))
    >>> d.sms, d.webinar, d.webinar_due, d.first_execution_day
    (datetime.date(2027, 2, 4), datetime.date(2027, 2, 9), datetime.date(2027, 2, 15), datetime.date(2026, 12, 16))
    """
    cal = campaign_calendar.calendar
    first, last = campaign_calendar.spring_festival
    service = config.service
    sms = _working_before(cal, first, service.sms_working_days_before_holiday)
    if (first - sms).days > 7:  # not in the week before the holiday any more
        sms = None
    due = last + timedelta(days=service.training_within_days_after_holiday)
    webinar = _first_working(cal, last + timedelta(days=1), due)
    ex = campaign_calendar.phases.execution
    return ServiceDates(sms, webinar, due, _first_working(cal, ex.start, ex.end), (first, last))


def _covered(cal, d: date) -> bool:
    try:
        cal.is_working_day(d)
    except (ValueError, KeyError):
        return False
    return True


def _first_working(cal, lo: date, hi: date) -> date | None:
    d = lo
    while d <= hi:
        if _covered(cal, d) and cal.is_working_day(d):
            return d
        d += timedelta(days=1)
    return None


def _last_working(cal, lo: date, before: date) -> date | None:
    d = before - timedelta(days=1)
    while d >= lo:
        if _covered(cal, d) and cal.is_working_day(d):
            return d
        d -= timedelta(days=1)
    return None


def _working_before(cal, d: date, n: int) -> date:
    """The working day n working days before d (d itself not counted)."""
    count = 0
    while count < n:
        d -= timedelta(days=1)
        count += bool(cal.is_working_day(d))
    return d


def _working_after(cal, d: date, n: int) -> date:
    count = 0
    while count < n:
        d += timedelta(days=1)
        count += bool(cal.is_working_day(d))
    return d


@dataclass(frozen=True)
class DatedTouches:
    """The touches :func:`book_dated` booked into free time, and the ones it could not."""

    bookings: pd.DataFrame  # DATED_COLUMNS, one row per touch (date NaT: no free time found)
    dates: ServiceDates
    webinar_host: str | None

    @property
    def unbooked(self) -> dict[str, int]:
        """Touches per channel that found no free time before their deadline."""
        b = self.bookings
        missed = b[b["date"].isna()]
        return {str(k): int(v) for k, v in missed["channel"].value_counts().items() if v}


def book_dated(
    tasks: pd.DataFrame,
    schedule: Any,
    roster: pd.DataFrame,
    config: Config,
    campaign_calendar: Any,
    window_start: date,
) -> DatedTouches:
    """Book letters, weekly briefings and the webinar's host into the free time the schedule
    leaves (module docstring). ``schedule`` is a :class:`revisitkit.staffing.Schedule` of
    ``tasks`` over ``window_start`` … the end of execution."""
    cal = _Working(campaign_calendar.calendar)
    dates = service_dates(config, campaign_calendar)
    service = config.service
    channels = config.staffing.channels
    free = _free_minutes(schedule)
    role_of = dict(zip(roster["staff_id"].astype(str), roster["role"].astype(str), strict=True))
    load = schedule.assignments.groupby("staff_id")["minutes"].sum().to_dict()
    st = schedule.tasks.set_index("task_id")
    tk = tasks.set_index("task_id")
    as_of = max(config.as_of(), window_start)
    rows: list[dict] = []

    def book(person: str | None, days: list[date], minutes: float) -> date | None:
        for d in days:
            key = (person, d)
            if free.get(key, -1.0) >= minutes - 1e-6:
                free[key] -= minutes
                load[person] = load.get(person, 0.0) + minutes
                return d
        return None

    # appointment letters: the latest working day ≥ n working days before the visit
    letter = channels.get(LETTER_CHANNEL)
    if letter is not None and not letter.automated:
        letter_role = letter.roles[0]
        minutes = float(letter.task_minutes)
        visits = st[st["channel"].astype(str) == VISIT_CHANNEL]
        for task_id, v_date, v_due, v_staff, v_customer in zip(
            visits.index,
            visits["date"].tolist(),
            visits["deadline"].tolist(),
            visits["staff_ids"].tolist(),
            visits["customer_id"].tolist(),
            strict=True,
        ):
            team = [s for s in str(v_staff or "").split(";") if s]
            person = next((s for s in team if role_of.get(s) == letter_role), None)
            if pd.isna(v_date):
                base = pd.Timestamp(v_due).date()
                due = _working_before(cal, base, service.appointment_notice_working_days)
                day = None
            else:
                due = _working_before(
                    cal, pd.Timestamp(v_date).date(), service.appointment_notice_working_days
                )
                span = [due - timedelta(days=k) for k in range((due - as_of).days + 1)]
                day = book(person, [d for d in span if cal.is_working_day(d)], minutes)
            rows.append(
                _row(
                    f"{task_id}/letter",
                    v_customer,
                    LETTER_CHANNEL,
                    person,
                    letter_role,
                    day,
                    minutes,
                    due,
                    "appointment_notice",
                )
            )

    # weekly briefings by the dedicated specialist, after the visit's week
    briefing = channels.get(BRIEFING_CHANNEL)
    if briefing is not None and not briefing.automated:
        minutes = float(briefing.task_minutes)
        weeks = execution_weeks(config, cal)
        dedicated = st[st["channel"].astype(str) == DEDICATED_CHANNEL]
        visit_day = _visit_days(st)
        colleagues = [p for p, r in role_of.items() if r == briefing.roles[0]]
        assignee = tk["assignee"].to_dict()
        for task_id, cid, t_staff in zip(
            dedicated.index,
            dedicated["customer_id"].tolist(),
            dedicated["staff_ids"].tolist(),
            strict=True,
        ):
            person = assignee.get(task_id)
            if person is None or pd.isna(person):
                person = (str(t_staff or "").split(";") or [None])[0] or None
            after = visit_day.get(cid)
            for k, first, last in weeks:
                if after is not None and first <= after + timedelta(days=6 - after.weekday()):
                    continue  # not after the visit's week
                days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                days = [d for d in days if cal.is_working_day(d)]
                who, day, why = person, book(person, days, minutes), "weekly_briefing"
                if day is None:  # on leave or full that week: a colleague of the role covers
                    for other in sorted(colleagues, key=lambda c: (load.get(c, 0.0), c)):
                        if other != person and (day := book(other, days, minutes)) is not None:
                            who, why = other, "weekly_briefing (cover)"
                            break
                rows.append(
                    _row(
                        f"{cid}/{BRIEFING_CHANNEL}/w{k}",
                        cid,
                        BRIEFING_CHANNEL,
                        who,
                        briefing.roles[0],
                        day,
                        minutes,
                        last,
                        why,
                    )
                )

    # the webinar's host: one session, after the holiday (outside the schedule's window)
    host = None
    trained = tasks["channel"].astype(str) == TRAINING_CHANNEL
    if trained.any() and dates.webinar is not None:
        host = _host(roster, service.webinar_roles[0], dates.webinar, load)
        rows.append(
            _row(
                "webinar",
                "",
                TRAINING_CHANNEL,
                host,
                service.webinar_roles[0],
                dates.webinar if host else None,
                float(service.webinar_minutes + service.webinar_prep_minutes),
                dates.webinar_due,
                "webinar",
            )
        )
    bookings = pd.DataFrame(rows, columns=list(DATED_COLUMNS))
    bookings["date"] = pd.to_datetime(bookings["date"])
    bookings["deadline"] = pd.to_datetime(bookings["deadline"])
    return DatedTouches(bookings, dates, host)


def _row(task_id, customer_id, channel, person, role, day, minutes, due, reason) -> dict:
    on_time = day is not None and day <= due
    return {
        "task_id": task_id,
        "customer_id": customer_id,
        "channel": channel,
        "staff_id": person or "",
        "role": role,
        "date": day,
        "minutes": minutes,
        "travel_minutes": 0.0,
        "deadline": due,
        "on_time": on_time,
        "late_days": (day - due).days
        if day is not None and not on_time
        else (0 if on_time else pd.NA),
        "reason": reason,
    }


class _Working:
    """A working calendar's is_working_day, remembered per day (the booking asks often)."""

    def __init__(self, cal: Any) -> None:
        self._cal, self._seen = cal, {}

    def is_working_day(self, d: date) -> bool:
        hit = self._seen.get(d)
        if hit is None:
            hit = self._seen[d] = bool(self._cal.is_working_day(d))
        return hit

    def count_working_days(self, a: date, b: date) -> int:
        return self._cal.count_working_days(a, b)


def _free_minutes(schedule: Any) -> dict[tuple[str, date], float]:
    cap = schedule.capacity
    days = pd.to_datetime(cap["date"]).dt.date.tolist()
    free = dict(
        zip(
            zip(cap["staff_id"].astype(str).tolist(), days, strict=True),
            cap["capacity_minutes"].astype(float).tolist(),
            strict=True,
        )
    )
    a = schedule.assignments
    used = a.groupby([a["staff_id"].astype(str), pd.to_datetime(a["date"]).dt.date])[
        "minutes"
    ].sum()
    for (s, d), m in used.items():
        free[(s, d)] = free.get((s, d), 0.0) - float(m)
    return free


def _visit_days(st: pd.DataFrame) -> dict[str, date]:
    visits = st[(st["channel"].astype(str) == VISIT_CHANNEL) & st["date"].notna()]
    return {
        c: pd.Timestamp(d).date()
        for c, d in zip(visits["customer_id"], visits["date"], strict=True)
    }


def _host(roster: pd.DataFrame, role: str, day: date, load: dict) -> str | None:
    """The least loaded person of ``role`` who is available on ``day``."""
    best = None
    for r in roster[roster["role"].astype(str) == role].itertuples(index=False):
        lo, hi = getattr(r, "available_from", None), getattr(r, "available_to", None)
        if lo is not None and not pd.isna(lo) and pd.Timestamp(lo).date() > day:
            continue
        if hi is not None and not pd.isna(hi) and pd.Timestamp(hi).date() < day:
            continue
        off = getattr(r, "days_off", None)
        if off is not None and not (isinstance(off, float) and np.isnan(off)):
            if any(
                pd.Timestamp(x).date() == day
                for x in (off if not isinstance(off, str) else off.split(";"))
                if x
            ):
                continue
        key = (load.get(str(r.staff_id), 0.0), str(r.staff_id))
        if best is None or key < best[0]:
            best = (key, str(r.staff_id))
    return best[1] if best else None


def journey(
    plan: pd.DataFrame,
    tasks: pd.DataFrame,
    config: Config,
    campaign_calendar: Any,
    staffing: Any = None,
) -> pd.DataFrame:
    """One row per planned touch of every customer (:data:`TOUCH_COLUMNS`), staffed or
    automated, ordered by customer (plan order), then date.

    Parameters
    ----------
    plan
        The segmented plan (every customer, its channel plan and deadlines).
    tasks
        Its staffed tasks (:func:`revisitkit.staffing.tasks.build_tasks`).
    staffing
        A :class:`revisitkit.staffing.StaffingPlan` of these tasks, when there is a roster:
        staffed touches get their date and people, letters and briefings are booked. Without
        one, staffed touches have a deadline and no date, letters and briefings are listed
        with their deadlines.
    """
    cal = campaign_calendar.calendar
    dates = service_dates(config, campaign_calendar)
    service = config.service
    frames: list[pd.DataFrame] = []

    # staffed tasks: the schedule's date and people, or only the deadline
    if staffing is not None:
        st = staffing.schedule.tasks
        staffed = pd.DataFrame(
            {
                "customer_id": st["customer_id"].astype(str).to_numpy(),
                "channel": st["channel"].astype(str).to_numpy(),
                "date": pd.to_datetime(st["date"]).to_numpy(),
                "staff_id": st["staff_ids"].fillna("").astype(str).to_numpy(),
                "deadline": pd.to_datetime(st["deadline"]).to_numpy(),
            }
        )
        staffed["reason"] = (
            tasks.set_index("task_id")["reason"].reindex(st["task_id"]).fillna("").to_numpy()
        )
    else:
        staffed = pd.DataFrame(
            {
                "customer_id": tasks["customer_id"].astype(str).to_numpy(),
                "channel": tasks["channel"].astype(str).to_numpy(),
                "date": pd.NaT,
                "staff_id": "",
                "deadline": pd.to_datetime(tasks["deadline"]).to_numpy(),
                "reason": tasks["reason"].fillna("").astype(str).to_numpy(),
            }
        )
    frames.append(staffed)

    # letters, briefings, the webinar host: booked with a roster, else deadlines only
    if staffing is not None and staffing.dated is not None:
        b = staffing.dated.bookings
        mine = b[b["customer_id"] != ""]
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": mine["customer_id"].astype(str).to_numpy(),
                    "channel": mine["channel"].astype(str).to_numpy(),
                    "date": mine["date"].to_numpy(),
                    "staff_id": mine["staff_id"].astype(str).to_numpy(),
                    "deadline": mine["deadline"].to_numpy(),
                    "reason": mine["reason"].astype(str).to_numpy(),
                }
            )
        )
        host = staffing.dated.webinar_host or ""
    else:
        frames.append(_undated_letters_and_briefings(tasks, config, cal))
        host = ""

    # automated touches of each customer's channel plan, and the webinar for the trained
    frames.append(_automated(plan, config, cal, dates, frames[0], host))
    out = pd.concat(frames, ignore_index=True)
    order = pd.Index(plan["customer_id"].astype(str)).get_indexer(out["customer_id"])
    out = out.assign(_o=order, _d=pd.to_datetime(out["date"]), _dl=pd.to_datetime(out["deadline"]))
    out = out.sort_values(["_o", "_d", "_dl"], kind="stable", na_position="last")
    out = out.drop(columns=["_o", "_d", "_dl"]).reset_index(drop=True)
    out["date"] = pd.to_datetime(out["date"])
    out["deadline"] = pd.to_datetime(out["deadline"])
    del service
    return out[list(TOUCH_COLUMNS)]


def _shift_working(cal, days: pd.Series, n: int, *, back: bool) -> pd.Series:
    """Each date moved n working days back (or on): the few distinct dates are moved once."""
    values = pd.to_datetime(days)
    uniq = values.dropna().dt.date.unique()
    step = _working_before if back else _working_after
    moved = {d: pd.Timestamp(step(cal, d, n)) for d in uniq}
    return values.dt.date.map(moved).astype("datetime64[ns]")


def _undated_letters_and_briefings(tasks: pd.DataFrame, config: Config, cal) -> pd.DataFrame:
    """Letters and briefings without a schedule: their deadlines only (vectorized)."""
    n = config.service.appointment_notice_working_days
    channels = config.staffing.channels
    weeks = execution_weeks(config, cal)
    columns = ["customer_id", "channel", "deadline", "reason"]
    parts = []
    channel = tasks["channel"].astype(str)
    visits = tasks[channel == VISIT_CHANNEL]
    if LETTER_CHANNEL in channels and not channels[LETTER_CHANNEL].automated and len(visits):
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": visits["customer_id"].astype(str).to_numpy(),
                    "channel": LETTER_CHANNEL,
                    "deadline": _shift_working(cal, visits["deadline"], n, back=True).to_numpy(),
                    "reason": "appointment_notice",
                }
            )
        )
    dedicated = tasks[channel == DEDICATED_CHANNEL]
    if BRIEFING_CHANNEL in channels and not channels[BRIEFING_CHANNEL].automated and len(dedicated):
        due = pd.Series(
            pd.to_datetime(visits["deadline"]).to_numpy(),
            index=visits["customer_id"].astype(str).to_numpy(),
        )
        due = due[~due.index.duplicated()]
        cust = dedicated["customer_id"].astype(str).to_numpy()
        visit_due = due.reindex(cust).to_numpy(dtype="datetime64[ns]")
        # the end of the visit's ISO week: the briefings start the week after
        # Monday = 0: 1970-01-01 was a Thursday
        weekday = (visit_due.astype("datetime64[D]").astype(np.int64) + 3) % 7
        week_end = visit_due + (6 - weekday).astype("timedelta64[D]")
        for _, first, last in weeks:
            keep = np.isnat(visit_due) | (np.datetime64(first, "ns") > week_end)
            if keep.any():
                parts.append(
                    pd.DataFrame(
                        {
                            "customer_id": cust[keep],
                            "channel": BRIEFING_CHANNEL,
                            "deadline": np.datetime64(last, "ns"),
                            "reason": "weekly_briefing",
                        }
                    )
                )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    frame["date"] = pd.NaT
    frame["staff_id"] = ""
    return frame


def _automated(plan, config, cal, dates: ServiceDates, staffed: pd.DataFrame, host: str):
    """The automated touches of every customer's plan, dated by their rule; the webinar
    (vectorized: one block per channel of each distinct channel plan)."""
    channels = config.staffing.channels
    n = config.service.survey_after_working_days
    calls = staffed[staffed["channel"] == CALL_CHANNEL]
    # the survey follows the customer's first call (its date, or its deadline unscheduled)
    first_call = calls.sort_values("deadline", kind="stable").drop_duplicates("customer_id")
    first_call = first_call.set_index("customer_id")
    ids = plan["customer_id"].astype(str).to_numpy()
    due_col = plan["channels_deadline"] if "channels_deadline" in plan else plan["deadline"]
    due = pd.to_datetime(due_col).to_numpy(dtype="datetime64[ns]")
    codes, uniques = pd.factorize(plan["channels"].astype(str).to_numpy(dtype=object))
    columns = ["customer_id", "channel", "date", "staff_id", "deadline", "reason"]
    parts: list[pd.DataFrame] = []
    push_day = np.datetime64(dates.first_execution_day, "ns") if dates.first_execution_day else None

    def block(rows, code, day, staff, deadline, reason):
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": ids[rows],
                    "channel": code,
                    "date": day,
                    "staff_id": staff,
                    "deadline": deadline,
                    "reason": reason,
                }
            )
        )

    for k, text in enumerate(uniques):
        rows = np.flatnonzero(codes == k)
        for code in str(text).split("+"):
            effort = channels.get(code)
            if code == TRAINING_CHANNEL and dates.webinar is not None:
                day = np.datetime64(dates.webinar, "ns") if host else np.datetime64("NaT", "ns")
                block(rows, code, day, host, np.datetime64(dates.webinar_due, "ns"), "webinar")
            if effort is None or not effort.automated:
                continue
            if code == SURVEY_CHANNEL:
                called = pd.Index(first_call.index).get_indexer(ids[rows])
                has = called >= 0
                if has.any():
                    hit = first_call.iloc[called[has]]
                    when = _shift_working(cal, hit["date"], n, back=False).to_numpy()
                    by = _shift_working(cal, hit["deadline"], n, back=False).to_numpy()
                    by = np.where(np.isnat(when), by, when)
                    block(rows[has], code, when, "", by, "survey_after_call")
                rows_left = rows[~has]
            else:
                rows_left = rows
            if not len(rows_left):
                continue
            if code == SMS_CHANNEL:
                sms = np.datetime64(dates.sms, "ns") if dates.sms else np.datetime64("NaT", "ns")
                block(rows_left, code, sms, "", sms, "sms_before_holiday")
            else:
                day = push_day if push_day is not None else np.datetime64("NaT", "ns")
                block(rows_left, code, day, "", due[rows_left], "automated_push")
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return frame


def plan_touches(
    plan: pd.DataFrame, config: Config, campaign_calendar: Any, staffing: Any = None
) -> pd.DataFrame:
    """The journey of a plan (:func:`journey`): with a staffing plan its tasks and dates,
    without one the plan's tasks with deadlines only.

    >>> from revisitkit.workspace import load_workspace
    >>> ws = load_workspace()
    >>> touches = plan_touches(ws.plan, ws.config, ws.calendar)
    >>> ws.plan.iloc[0][["customer_id", "value_segment"]].tolist()
    ['C000001', 'low_frequency']
    >>> first = touches[touches["customer_id"] == "C000001"]
    >>> first[["channel", "date", "reason"]].astype(str).values.tolist()  # both pushed when execution opens
    [['online_survey', '2026-12-16', 'automated_push'], ['news_push', '2026-12-16', 'automated_push']]
    """
    if staffing is not None:
        return journey(plan, staffing.tasks, config, campaign_calendar, staffing)
    from revisitkit.staffing.tasks import build_tasks

    tasks = build_tasks(plan, config, calendar=campaign_calendar.calendar)
    return journey(plan, tasks, config, campaign_calendar)


@dataclass(frozen=True)
class Promise:
    """One of the plan's promises, checked on a staffing plan: how many of its cases keep it."""

    code: str
    kept: int
    total: int
    detail: str = ""

    @property
    def status(self) -> str:
        """``green`` all kept (or nothing to keep), ``red`` any broken."""
        return "green" if self.kept >= self.total else "red"


def check_promises(plan: pd.DataFrame, staffing: Any, campaign_calendar: Any) -> list[Promise]:
    """The plan's promises on a staffing plan (§2.3, §2.4, §7.3), each counted case by case:

    * ``high_priority_person`` — high-priority customers with a staffed touch by their deadline;
    * ``churn_call_48h`` — churn-warning calls made by their 48-hour deadline;
    * ``letter_before_visit`` — on-site visits whose letter went at least
      ``appointment_notice_working_days`` working days before;
    * ``weekly_briefing`` — weekly briefings booked in their week;
    * ``project_tracking`` — weekly tracking contacts of major projects on time;
    * ``second_touch_order`` — second touches after both the talk and the incentive, within
      their window;
    * ``specialist_ratio`` — dedicated customers with a named specialist (1:ratio);
    * ``sms_before_holiday`` / ``webinar_after_holiday`` — the dates exist in their windows.
    """
    config = staffing.config
    cal = campaign_calendar.calendar
    st = staffing.schedule.tasks
    tk = staffing.tasks
    on = st.set_index("task_id")["on_time"]
    day = st.set_index("task_id")["date"]
    out: list[Promise] = []

    high = set(plan.loc[plan["priority"].astype(str) == "high", "customer_id"].astype(str))
    kept_high = set(st.loc[st["on_time"], "customer_id"].astype(str)) & high
    out.append(Promise("high_priority_person", len(kept_high), len(high)))

    calls = [t for t in st["task_id"] if str(t).endswith("/churn_warning") and "/phone/" in str(t)]
    out.append(Promise("churn_call_48h", int(on.reindex(calls).sum()), len(calls)))

    n = config.service.appointment_notice_working_days
    b = (
        staffing.dated.bookings
        if staffing.dated is not None
        else pd.DataFrame(columns=DATED_COLUMNS)
    )
    letters = b[b["channel"] == LETTER_CHANNEL]
    kept = 0
    for row in letters.itertuples(index=False):
        visit = str(row.task_id).removesuffix("/letter")
        v = day.get(visit)
        if pd.notna(row.date) and v is not None and pd.notna(v):
            gap = cal.count_working_days(pd.Timestamp(row.date).date(), pd.Timestamp(v).date()) - 1
            kept += gap >= n
    visits = int((st["channel"].astype(str) == VISIT_CHANNEL).sum())
    out.append(Promise("letter_before_visit", kept, visits))

    briefs = b[b["channel"] == BRIEFING_CHANNEL]
    out.append(Promise("weekly_briefing", int(briefs["on_time"].sum()), len(briefs)))

    tracking = st[st["channel"].astype(str) == "project_tracking"]
    out.append(Promise("project_tracking", int(tracking["on_time"].sum()), len(tracking)))

    pred = tk.set_index("task_id")["predecessor"]
    within = tk.set_index("task_id")["follow_up_within_days"]
    second = [t for t in st["task_id"] if "/second_touch/" in str(t)]
    kept = 0
    for t in second:
        g = pred.get(t)
        d, dg = day.get(t), day.get(g) if isinstance(g, str) else None
        if d is None or pd.isna(d) or dg is None or pd.isna(dg):
            continue
        earlier = [day.get(x) for x in (g, pred.get(g)) if isinstance(x, str)]
        limit = within.get(t)
        ok = all(pd.notna(e) and e < d for e in earlier)
        ok &= pd.isna(limit) or (d - dg).days <= int(limit)
        kept += bool(ok)
    out.append(Promise("second_touch_order", kept, len(second)))

    sp = staffing.specialists
    if sp is not None:
        detail = f"{sp.needed}/{sp.on_roster}" + (f"/-{sp.missing}" if sp.missing else "")
        out.append(Promise("specialist_ratio", sp.customers - sp.unassigned, sp.customers, detail))

    dates = service_dates(config, campaign_calendar)
    has = {c for text in plan["channels"].astype(str).unique() for c in text.split("+")}
    if SMS_CHANNEL in has:
        out.append(
            Promise("sms_before_holiday", int(dates.sms is not None), 1, str(dates.sms or ""))
        )
    if TRAINING_CHANNEL in has:
        host = staffing.dated.webinar_host if staffing.dated is not None else None
        ok = dates.webinar is not None and host is not None
        out.append(Promise("webinar_after_holiday", int(ok), 1, str(dates.webinar or "")))
    return out
