"""What a customer's priority adds to its segment's channel plan (§2.3, ``escalations:``).

The segment says *how* a customer is revisited; the tier says *who gets a person*. A churn
warning gets a personal contact by its account owner within 48 hours of the data's as-of date
and a win-back plan (§2.3.1), a major project a tracking contact every week of execution, a
strategic customer's on-site visit is led by the general manager when the roster has one
(§7.1), and every other high-priority customer that its segment reaches only by automated
touches gets a call (§2.3). Each escalation of the config names its rules (or a tier), the
channel of the contact, the tasks that go with it, a weekly channel, and who does it.

:func:`escalate` adds these tasks to the frame of
:func:`revisitkit.staffing.tasks.build_tasks`; the task ids say where a task came from
(``C000123/phone/churn_warning``, ``C000123/project_tracking/w2``) and the ``reason`` column
which rules put it there. It also moves each on-site visit's release to the first day its
appointment letter can be announced (``service.appointment_notice_working_days`` working days
after the as-of date).

Example
-------
A marginal customer (batch phone and news push) with an open major complaint, as of
2026-12-01: its owner S9 is not on any roster here, so a senior salesperson calls within 48 h
and an account manager draws up the win-back plan, both due 12-03 and possible from 12-01;
the batch call of its segment comes in execution.

>>> import pandas as pd
>>> from revisitkit.config import load_config
>>> from revisitkit.staffing.tasks import build_tasks
>>> plan = pd.DataFrame({
...     "customer_id": ["C1"], "value_segment": ["marginal"], "priority": ["high"],
...     "deadline": pd.to_datetime(["2026-12-03"]), "channels_deadline": pd.to_datetime(
...     ["2026-12-18"]), "channels": ["batch_phone+news_push"],
...     "reasons": ["churn_warning_complaint;marginal"], "owner": ["S9"]})
>>> tasks = build_tasks(plan, load_config())
>>> print(tasks[["task_id", "roles", "release", "deadline"]].to_string(index=False))
                      task_id              roles    release   deadline
       C1/phone/churn_warning    (senior_sales,) 2026-12-01 2026-12-03
C1/winback_plan/churn_warning (account_manager,) 2026-12-01 2026-12-03
             C1/batch_phone/1        (cs_agent,) 2026-12-16 2026-12-18
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from revisitkit.config import Config, Escalation

__all__ = ["OWNER", "escalate", "execution_weeks", "resolve_who"]

#: ``by:`` entry meaning the customer's account owner, in the role the roster gives them
OWNER = "owner"
#: the channel whose visits need an appointment letter first (§2.4.1)
VISIT_CHANNEL = "onsite_visit"


def execution_weeks(config: Config, calendar: Any = None) -> list[tuple[int, date, date]]:
    """The ISO weeks of execution as (number from 1, first day, last day), clipped to the
    phase; weeks without a working day are left out when a calendar is given.

    >>> from revisitkit.config import load_config
    >>> weeks = execution_weeks(load_config())
    >>> weeks[0], weeks[-1], len(weeks)
    ((1, datetime.date(2026, 12, 16), datetime.date(2026, 12, 20)), (6, datetime.date(2027, 1, 18), datetime.date(2027, 1, 20)), 6)
    """
    ex = config.phases().execution
    monday = ex.start - timedelta(days=ex.start.weekday())
    weeks = []
    while monday <= ex.end:
        first, last = max(monday, ex.start), min(monday + timedelta(days=6), ex.end)
        working = calendar is None or calendar.count_working_days(first, last) > 0
        if working:
            weeks.append((len(weeks) + 1, first, last))
        monday += timedelta(days=7)
    return weeks


def resolve_who(
    by: tuple[str, ...],
    owners: pd.Series,
    roster: pd.DataFrame | None,
    window: tuple[Any, np.ndarray] | None = None,
    fallback: tuple[str, ...] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: the role that does the work and the person it is pinned to (or None).

    ``by`` is read in order: ``owner`` applies where the customer's owner is on the roster
    (their role, and them) and, given a ``window`` (release, deadlines), is available in it
    (an owner who starts after the deadline cannot make a 48-hour call); a role code applies
    when the roster has someone of it; then the ``fallback`` roles (the channel's own) the same
    way (without a roster, the first role listed applies).

    >>> roster = pd.DataFrame({"staff_id": ["S1"], "role": ["sales"]})
    >>> roles, who = resolve_who(("owner", "senior_sales"), pd.Series(["S1", "S7", None]), roster)
    >>> roles.tolist(), who.tolist()
    (['sales', 'senior_sales', 'senior_sales'], ['S1', None, None])
    """
    n = len(owners)
    role = np.full(n, None, dtype=object)
    person = np.full(n, None, dtype=object)
    have = None if roster is None else set(roster["role"].astype(str))
    role_of = (
        {}
        if roster is None
        else dict(zip(roster["staff_id"].astype(str), roster["role"].astype(str), strict=True))
    )
    owner_text = owners.astype("string").str.strip().to_numpy(dtype=object, na_value=None)
    for entry in (*by, *fallback):
        open_ = pd.isna(role)
        if not open_.any():
            break
        if entry == OWNER:
            found = np.array([role_of.get(o) if o else None for o in owner_text], dtype=object)
            hit = open_ & pd.notna(found)
            if window is not None and roster is not None:
                hit &= _available(roster, owner_text, *window)
            role[hit], person[hit] = found[hit], owner_text[hit]
        elif have is None or entry in have:
            role[open_] = entry
    first = next((r for r in (*by, *fallback) if r != OWNER), None)
    role[pd.isna(role)] = first
    return role, person


def _available(roster: pd.DataFrame, people: np.ndarray, release: Any, deadline: np.ndarray):
    """Whether each person's availability (available_from / available_to) meets the window."""
    ids = roster["staff_id"].astype(str)
    never = pd.Series(pd.NaT, index=ids.index)
    lo = pd.Series(pd.to_datetime(roster.get("available_from", never)).to_numpy(), index=ids)
    hi = pd.Series(pd.to_datetime(roster.get("available_to", never)).to_numpy(), index=ids)
    key = pd.Series(people, dtype=object).fillna("")
    start = lo.reindex(key).to_numpy(dtype="datetime64[ns]")
    end = hi.reindex(key).to_numpy(dtype="datetime64[ns]")
    due = np.asarray(deadline, dtype="datetime64[ns]")
    first = np.datetime64(release, "ns")
    return (np.isnat(start) | (start <= due)) & (np.isnat(end) | (end >= first))


def _reason_masks(reasons: pd.Series | None, n: int, wanted: tuple[str, ...]) -> np.ndarray:
    """Per customer: which of ``wanted`` rule codes fired, joined by ';' ('' = none)."""
    if reasons is None or not wanted:
        return np.full(n, "", dtype=object)
    codes, uniques = pd.factorize(reasons.astype("string"), use_na_sentinel=True)
    hit = [";".join(r for r in str(u).split(";") if r.strip() in wanted) for u in uniques]
    return np.array([*hit, ""], dtype=object)[codes]


def escalate(
    tasks: pd.DataFrame,
    plan: pd.DataFrame,
    config: Config,
    *,
    roster: pd.DataFrame | None = None,
    calendar: Any = None,
    staffed: np.ndarray | None = None,
) -> pd.DataFrame:
    """The tasks with each escalation of ``config.escalations`` applied (module docstring).

    Parameters
    ----------
    tasks
        :func:`revisitkit.staffing.tasks.build_tasks`' frame of the segments' channel plans,
        with its ``assignee`` and ``reason`` columns.
    plan
        The segmented plan the tasks came from (``reasons``, ``priority``, ``deadline``,
        ``owner``).
    roster
        The staff frame, when known: owners are looked up in it, a role applies only when
        someone has it, a ``lead`` role only replaces when the roster has it.
    calendar
        A :class:`revisitkit.calendar.WorkingCalendar`: weeks without a working day get no
        weekly touch, and visits are released only once their letter can be sent in time.
    staffed
        Per plan row, whether ``tasks`` already give the customer a staffed task (computed
        from the tasks when not given).
    """
    n = len(plan)
    phases = config.phases()
    ex = phases.execution
    as_of = config.as_of()
    owners = (
        plan["owner"].reset_index(drop=True)
        if "owner" in plan
        else pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="string")
    )
    reasons = plan["reasons"].reset_index(drop=True) if "reasons" in plan else None
    priority = plan["priority"].astype("string").to_numpy(dtype=object, na_value=None)
    ids = plan["customer_id"].astype("string").to_numpy(dtype=object, na_value=None)
    deadline = pd.to_datetime(plan["deadline"]).to_numpy(dtype="datetime64[ns]")
    rules = config.priority.rules
    starts = {name: getattr(rules, name).from_ for name in type(rules).model_fields}

    if staffed is None:  # hashed, not np.isin: that is quadratic on object arrays
        staffed = np.asarray(pd.Index(ids).isin(tasks["customer_id"].astype(object)), dtype=bool)
    staffed = np.array(staffed, dtype=bool)
    tasks = tasks.copy()
    added: list[pd.DataFrame] = []
    template = tasks.iloc[:0]
    for name, esc in config.escalations.items():
        if esc.rules:
            fired = _reason_masks(reasons, n, esc.rules)
            members = np.flatnonzero(fired != "")
            why = fired[members]
            from_as_of = any(starts.get(r) == "as_of" for r in esc.rules)
        else:
            members = np.flatnonzero((priority == esc.tier) & ~staffed)
            why = np.array(_reason_masks(reasons, n, _tier_rules(config, esc.tier))[members])
            why = np.where(why == "", esc.tier, why)
            from_as_of = False
        if not len(members):
            continue
        release = np.datetime64(min(as_of, ex.start) if from_as_of else ex.start, "ns")
        own = tuple(config.staffing.channels[esc.contact].roles) if esc.contact else ()
        role, person = resolve_who(
            esc.by,
            owners.take(members).reset_index(drop=True),
            roster,
            (release, deadline[members]),
            own,
        )
        frame = _task_frame(template, tasks, plan, members, ids)
        if esc.contact:
            added.append(
                _rows(
                    frame,
                    config,
                    esc.contact,
                    f"/{esc.contact}/{name}",
                    role,
                    person,
                    why,
                    release,
                    deadline[members],
                )
            )
        for code in esc.also:
            effort_roles = np.empty(len(members), dtype=object)
            effort_roles[:] = [tuple(config.staffing.channels[code].roles)] * len(members)
            added.append(
                _rows(
                    frame,
                    config,
                    code,
                    f"/{code}/{name}",
                    effort_roles,
                    person,
                    why,
                    release,
                    deadline[members],
                    roles_are_tuples=True,
                    pin=False,
                )
            )
        if esc.weekly:
            for k, first, last in execution_weeks(config, calendar):
                due = np.full(len(members), np.datetime64(last, "ns"))
                week_role, week_person = resolve_who(
                    esc.by,
                    owners.take(members).reset_index(drop=True),
                    roster,
                    (first, due),
                    tuple(config.staffing.channels[esc.weekly].roles),
                )
                added.append(
                    _rows(
                        frame,
                        config,
                        esc.weekly,
                        f"/{esc.weekly}/w{k}",
                        week_role,
                        week_person,
                        why,
                        np.datetime64(first, "ns"),
                        due,
                        touch=k,
                    )
                )
        if esc.lead:
            _lead(tasks, ids[members], esc, roster)
        if esc.contact or esc.also or esc.weekly:
            staffed[members] = True
    if added:
        dtypes = tasks.dtypes
        merged = pd.concat([tasks, *added], ignore_index=True)
        for c in ("channel", "priority", "customer_cluster", "value_segment"):
            merged[c] = pd.Categorical(merged[c].astype(object), dtype=dtypes[c])
        for c in ("task_id", "customer_id", "predecessor", "owner", "customer_region"):
            merged[c] = merged[c].astype(dtypes[c])
        # the same order as build_tasks: deadline, priority, then as built
        order = np.lexsort(
            (
                np.arange(len(merged)),
                merged["priority"].cat.codes.to_numpy(),
                merged["deadline"].to_numpy(dtype="datetime64[ns]").astype(np.int64),
            )
        )
        tasks = merged.take(order).reset_index(drop=True)
    _notice(tasks, config, calendar)
    return tasks


def _tier_rules(config: Config, tier: str) -> tuple[str, ...]:
    rules = config.priority.rules
    names = tuple(n for n in type(rules).model_fields if getattr(rules, n).tier == tier)
    return names + (tuple(config.priority.low.segments) if tier == "low" else ())


def _task_frame(template, tasks, plan, members, ids) -> dict[str, Any]:
    """The per-customer context of new tasks, taken from the plan."""

    def col(name: str, default: Any = pd.NA) -> pd.Series:
        if name in plan:
            return plan[name].reset_index(drop=True).take(members).reset_index(drop=True)
        return pd.Series([default] * len(members))

    return {
        "customer_id": pd.Series(ids[members], dtype=tasks["customer_id"].dtype),
        "customer_region": col("region").astype("string"),
        "customer_cluster": col("region_cluster", "other"),
        "priority": col("priority"),
        "owner": col("owner").astype("string"),
        "value_segment": col("value_segment"),
        "urgent": _urgent_of(plan, members),
    }


def _urgent_of(plan: pd.DataFrame, members: np.ndarray) -> np.ndarray:
    from revisitkit.staffing.tasks import _urgent

    reasons = plan["reasons"].reset_index(drop=True) if "reasons" in plan else None
    return _urgent(reasons, len(plan))[members]


def _rows(
    ctx: dict[str, Any],
    config: Config,
    channel: str,
    suffix: str,
    role: np.ndarray,
    person: np.ndarray,
    why: np.ndarray,
    release: Any,
    deadline: np.ndarray,
    *,
    touch: int = 1,
    roles_are_tuples: bool = False,
    pin: bool = True,
) -> pd.DataFrame:
    effort = config.staffing.channels[channel]
    m = len(ctx["customer_id"])
    roles = np.empty(m, dtype=object)
    for i in range(m):
        roles[i] = role[i] if roles_are_tuples else (role[i],)
    ids = ctx["customer_id"].astype(str)
    return pd.DataFrame(
        {
            "task_id": (ids + suffix).astype(ctx["customer_id"].dtype),
            "customer_id": ctx["customer_id"],
            "channel": channel,
            "touch": np.full(m, touch, dtype=np.int64),
            "roles": roles,
            "minutes": np.full(m, effort.task_minutes, dtype=np.int64),
            "travel": np.full(m, effort.travel, dtype=bool),
            "customer_region": ctx["customer_region"],
            "customer_cluster": ctx["customer_cluster"],
            "release": np.full(m, release, dtype="datetime64[ns]"),
            "deadline": np.asarray(deadline, dtype="datetime64[ns]"),
            "priority": ctx["priority"],
            "urgent": ctx["urgent"],
            "owner": ctx["owner"],
            "predecessor": pd.Series([pd.NA] * m, dtype=ctx["customer_id"].dtype),
            "follow_up_within_days": pd.array([pd.NA] * m, dtype="Int64"),
            "value_segment": ctx["value_segment"],
            "assignee": pd.Series(person if pin else [None] * m, dtype="string"),
            "reason": pd.Series(why, dtype="string"),
        }
    )


def _lead(tasks: pd.DataFrame, customers: np.ndarray, esc: Escalation, roster) -> None:
    """The lead role takes the place of ``replaces`` on these customers' visits (in place)."""
    if roster is None or esc.lead not in set(roster["role"].astype(str)):
        return
    rows = np.flatnonzero(tasks["customer_id"].isin(customers).to_numpy())
    for i in rows:
        roles = tasks.at[i, "roles"]
        if esc.replaces in roles:
            tasks.at[i, "roles"] = tuple(esc.lead if r == esc.replaces else r for r in roles)


def _notice(tasks: pd.DataFrame, config: Config, calendar: Any) -> None:
    """On-site visits wait for their appointment letter: released no sooner than
    ``appointment_notice_working_days`` working days after the as-of date (in place)."""
    if calendar is None or tasks.empty:
        return
    n = config.service.appointment_notice_working_days
    as_of = config.as_of()
    day, count = as_of, 0
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    while count < n:  # the letter goes on `day`; the visit on the n-th working day after it
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
    visits = (tasks["channel"].astype(str) == VISIT_CHANNEL).to_numpy()
    earliest = np.datetime64(day, "ns")
    release = tasks["release"].to_numpy(dtype="datetime64[ns]")
    tasks["release"] = np.where(visits & (release < earliest), earliest, release)
