"""People needed per role: a staff roster sized to a plan's staffed tasks.

:func:`size_roster` takes the staffed tasks of a plan (:func:`revisitkit.staffing.tasks.
build_tasks`) and, role by role, finds the smallest headcount — or, for the customers' own
account managers, the fewest hours a day — whose capacity on the campaign's working calendar
covers the demand, over the whole execution phase and by every deadline (the rule and its
numbers: :class:`RosterProfile`). People who visit together are sized and placed as teams.
The result, :class:`RosterSizing`, says per role how many people, with how many hours, where,
and what they cover (:class:`RoleSizing`), with the roster itself.

The sample data use it: :func:`revisitkit.sample.generate_roster` draws the bundled roster from
it and gives the people it finds Chinese names (``name_people``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from revisitkit.calendar import campaign_calendar
from revisitkit.config import resolve_date
from revisitkit.schema import parse_roster
from revisitkit.staffing.tasks import _travel_table, build_tasks

__all__ = [
    "ROSTER_PROFILE",
    "RoleSizing",
    "RosterProfile",
    "RosterSizing",
    "roster_frame",
    "size_roster",
]


@dataclass(frozen=True)
class RosterProfile:
    """The numbers a sample roster is sized and drawn with.

    Sizing (:func:`size_roster`) takes the staffed tasks of a plan and, role by role, the
    smallest headcount (or, for the customers' own account managers, whose number is fixed by
    the customer data, the fewest hours a day) such that

    * capacity over the execution phase is at least ``capacity_ratio`` × the role's demand, and
    * for every deadline, the capacity from the first day of execution to that deadline is at
      least ``deadline_margin`` × the demand due by then.

    Capacity counts each person's working days (the campaign calendar), hours a day, leave and
    availability window. Demand is each task's minutes per person plus, for on-site tasks, the
    round-trip travel: ``same_region`` for the share of a province's visits that the people
    placed there can cover, the rest from elsewhere in the cluster (``same_cluster``; abroad
    ``overseas``; ``other_cluster`` where the cluster has no one). People who visit together (a role tuple of several roles,
    like the on-site team) are sized and placed as teams: the same number of each, in the same
    provinces, and a team's day counts only when all its members are available.
    """

    # --- sizing targets ---
    capacity_ratio: float = 1.20  # capacity / demand over the whole execution phase
    # capacity / demand by every deadline: room for packing whole visits into days, visits
    # outside the team's own province and leave (1.15 left 14 high-priority visits late with
    # the scheduler's heuristic on the bundled sample; 1.30 left 11 needs studies unscheduled,
    # their 3-day window after the call full for senior sales before the 12-31 deadline;
    # 1.35 puts every task on time with one more senior salesperson and one more on-site team)
    deadline_margin: float = 1.35
    min_headcount: int = 1  # every role the plan uses, at least this many people
    # per role, a factor on both ratios above (a role whose tasks the scheduler could not all
    # put on time at the first sizing is sized again with more room: revisitkit.staffing.needs)
    role_factors: tuple[tuple[str, float], ...] = ()
    # --- the customers' account managers (owners): fixed people, hours a day sized ---
    owner_roles: tuple[str, str] = ("account_manager", "sales")  # win-back / standard process
    owner_hours_step: float = 0.5  # hours a day for revisits in steps of half an hour
    owner_hours_max: float = 4.0  # beyond this, extra people are added instead
    # --- availability: a few people on leave or joining late / leaving early ---
    leave_share: float = 0.08  # people with days off (请假日期) in the execution phase
    # leave periods: (first, last) day relative to campaign year Y, written in varied forms
    leave_periods: tuple[tuple[str, str], ...] = (
        ("Y-12-24", "Y-12-25"),  # Christmas Eve and Day
        ("Y-12-31", "Y-12-31"),  # New Year's Eve (元旦 itself is a holiday)
        ("Y+1-01-04", "Y+1-01-08"),  # the first week of January
        ("Y-12-28", "Y-12-29"),
    )
    late_start_share: float = 0.03  # available only from late_start (e.g. after training)
    late_start: str = "Y-12-21"
    early_end_share: float = 0.03  # available only until early_end (e.g. annual leave)
    early_end: str = "Y+1-01-15"
    # --- without a plan: the headcount of the bundled sample (its sizing, see the README) ---
    default_headcount: tuple[tuple[str, int], ...] = (
        ("sales_director", 38),
        ("tech_consultant", 38),
        ("cs_manager", 38),
        ("senior_sales", 18),
        ("cs_agent", 8),
    )
    default_owners: int = 60
    default_owner_split: float = 0.65  # share of the owners who are account managers
    default_owner_hours: float = 1.0

    def factor(self, roles) -> float:
        """The factor on the ratios for a role, or for a team: its largest member's."""
        factors = dict(self.role_factors)
        return max((float(factors.get(r, 1.0)) for r in roles), default=1.0)

    def __post_init__(self) -> None:
        for role, f in self.role_factors:
            if not f > 0:
                raise ValueError(f"role_factors[{role!r}] must be a positive number, got {f!r}")
        for name in ("capacity_ratio", "deadline_margin"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number, got {getattr(self, name)!r}")
        for name in ("leave_share", "late_start_share", "early_end_share", "default_owner_split"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be a share from 0 to 1, got {value!r}")


#: The profile the bundled sample roster is sized and drawn with.
ROSTER_PROFILE = RosterProfile()


@dataclass(frozen=True)
class RoleSizing:
    """The sizing of one role: how many people, with how many hours, and what they cover."""

    role: str
    headcount: int  # people of this role (owners included)
    owners: int  # of them, customers' account managers named in the plan
    hours_per_day: float  # of the owners (others: the config default)
    demand_minutes: float  # person-minutes with the travel estimate
    capacity_minutes: float  # over the execution phase, leave and availability counted
    binding_deadline: date | None  # the deadline with the smallest capacity / demand
    binding_ratio: float  # capacity / demand at that deadline
    places: tuple[tuple[str, int], ...]  # (province or country, people)

    @property
    def capacity_ratio(self) -> float:
        return self.capacity_minutes / self.demand_minutes if self.demand_minutes else np.inf


@dataclass(frozen=True)
class RosterSizing:
    """The sizing of every role, and the roster it gives."""

    roles: tuple[RoleSizing, ...]
    staff: pd.DataFrame  # the canonical staff frame (revisitkit.schema.STAFF_FRAME_COLUMNS)
    working_days: int  # of the window: the as-of date (or execution start) … execution end
    day_minutes: float  # a person-day: the config's default hours a day, in minutes

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "role": r.role,
                "headcount": r.headcount,
                "owners": r.owners,
                "owner_hours_per_day": r.hours_per_day if r.owners else np.nan,
                "demand_person_days": r.demand_minutes / self.day_minutes,
                "capacity_person_days": r.capacity_minutes / self.day_minutes,
                "capacity_ratio": r.capacity_ratio,
                "binding_deadline": r.binding_deadline,
                "binding_ratio": r.binding_ratio,
            }
            for r in self.roles
        ]
        return pd.DataFrame(rows)


def size_roster(
    plan: pd.DataFrame,
    config,
    *,
    seed: int = 2026,
    profile: RosterProfile = ROSTER_PROFILE,
    name_people: Callable[[int], list[str]] | None = None,
) -> RosterSizing:
    """Size a roster for *plan* (see :class:`RosterProfile` for the rule) and draw it.

    Parameters
    ----------
    plan : pandas.DataFrame
        A segmented plan (:func:`revisitkit.segmentation.segment`); the roster is sized from
        its staffed tasks (:func:`revisitkit.staffing.tasks.build_tasks`) and includes every
        ``owner`` it names.
    config : revisitkit.config.Config
        The campaign config: roles, effort, travel, calendar, region clusters.
    seed : int, default 2026
        Seed of the draw (leave, names); the same seed gives an identical roster.
    profile : RosterProfile
        The sizing targets and availability shares.
    name_people : callable, optional
        ``name_people(n)`` gives the *n* people their names (the sample draws Chinese names);
        by default each is named by their id.

    Returns
    -------
    RosterSizing
        Per role the headcount, the owners' hours, demand and capacity (person-minutes), the
        binding deadline and where the people are; ``staff`` is the roster.
    """
    cal = campaign_calendar(config)
    ex = cal.phases.execution
    owners = _owners(plan, build_tasks(plan, config), profile)
    # the escalations give owners their own churn-warning calls: size with the owners in
    # their roles, and someone of every role that is not only a visit's lead
    leads = {e.lead for e in config.escalations.values() if e.lead}
    guess = pd.DataFrame(
        [{"staff_id": sid, "role": role} for role, ids in owners.items() for sid in ids]
        + [{"staff_id": f"?{r}", "role": r} for r in config.staffing.roles if r not in leads],
        columns=["staff_id", "role"],
    )
    tasks = build_tasks(plan, config, roster=guess, calendar=cal.calendar)
    first = min(ex.start, tasks["release"].min().date()) if len(tasks) else ex.start
    days = np.array(cal.calendar.working_days(first, ex.end), dtype="datetime64[D]")
    roles = list(config.staffing.roles)
    places = _places(config)
    floor = _specialist_floor(plan, config)

    # demand per task and role; teams are the role tuples of several roles
    teams = sorted({r for r in tasks["roles"].unique() if len(r) > 1}, key=lambda t: -len(t))
    in_team = {role: team for team in teams for role in team}
    used = [r for r in roles if (tasks["roles"].map(lambda t, r=r: r in t)).any()]
    used += [r for r in profile.owner_roles if r in roles and r not in used and owners.get(r)]

    seeds = {role: [seed, i] for i, role in enumerate(roles)}
    people: list[dict] = []
    sizing: dict[str, RoleSizing] = {}
    done: set[str] = set()
    for role in used:
        if role in done:
            continue
        group = in_team.get(role, (role,))
        result = _size_group(
            group, tasks, config, days, places, owners, seeds, profile, floor.get(role, 0)
        )
        for r in group:
            sizing[r] = result["sizing"][r]
            done.add(r)
        people += result["people"]

    staff = roster_frame(people, config, name_people)
    ordered = tuple(sizing[r] for r in roles if r in sizing)
    day_minutes = float(config.staffing.default_hours_per_day) * 60.0
    return RosterSizing(ordered, staff, len(days), day_minutes)


def roster_frame(
    people: list[dict], config, name_people: Callable[[int], list[str]] | None = None
) -> pd.DataFrame:
    """The people a sizing found as the canonical staff frame: ids S001… for those who have
    none (after the highest id taken), in role and region order, and a name each from
    *name_people* (by default the id: a position to fill, not yet a person)."""
    taken = {p["staff_id"] for p in people if p["staff_id"]}
    numbers = [int(s[1:]) for s in taken if s[:1] == "S" and s[1:].isdigit()]
    next_number = max(numbers, default=0) + 1
    role_order = {r: i for i, r in enumerate(config.staffing.roles)}
    fresh = sorted(
        (p for p in people if not p["staff_id"]),
        key=lambda p: (role_order.get(p["role"], len(role_order)), p["region"] or ""),
    )
    for p in fresh:
        while f"S{next_number:03d}" in taken:
            next_number += 1
        p["staff_id"] = f"S{next_number:03d}"
        taken.add(p["staff_id"])
        next_number += 1
    people = sorted(people, key=lambda p: (len(p["staff_id"]), p["staff_id"]))
    names = name_people(len(people)) if name_people else [p["staff_id"] for p in people]
    raw = pd.DataFrame(
        {
            "staff_id": [p["staff_id"] for p in people],
            "name": names,
            "role": [p["role"] for p in people],
            "region": [p["region"] or "" for p in people],
            "hours_per_day": [f"{p['hours_per_day']:g}" for p in people],
            "available_from": [_iso_date(p["available_from"]) for p in people],
            "available_to": [_iso_date(p["available_to"]) for p in people],
            "days_off": [";".join(d.isoformat() for d in p["days_off"]) for p in people],
        },
        dtype=str,
    )
    return parse_roster(raw, source="<generated roster>", config=config)


def _iso_date(d: date | None) -> str:
    return "" if d is None else d.isoformat()


# --- internals of the sizing -----------------------------------------------------------------


def _places(config) -> dict[str, str]:
    """Province / country → region cluster (the config's clusters; others map to 'other')."""
    return {r: code for code, cluster in config.region_clusters.items() for r in cluster.regions}


def _owners(plan: pd.DataFrame, tasks: pd.DataFrame, profile: RosterProfile) -> dict[str, list]:
    """The plan's owners split into the owner roles by what their books of customers need."""
    if "owner" not in plan.columns:
        return {}
    ids = sorted(pd.Series(plan["owner"]).dropna().astype(str).str.strip().unique())
    ids = [i for i in ids if i]
    if not ids:
        return {}
    first, second = profile.owner_roles
    minutes = {}
    for role in (first, second):
        mine = tasks[tasks["roles"].map(lambda t, role=role: role in t)]
        minutes[role] = mine.groupby(mine["owner"].astype(str))["minutes"].sum()
    book_first = minutes[first].reindex(ids, fill_value=0).astype(float)
    book_second = minutes[second].reindex(ids, fill_value=0).astype(float)
    total_first, total_second = book_first.sum(), book_second.sum()
    if total_first + total_second == 0:
        n_first = len(ids) // 2
    else:
        n_first = round(len(ids) * total_first / (total_first + total_second))
        if total_first and total_second:
            n_first = min(max(n_first, 1), len(ids) - 1)
    share = book_first / (book_first + book_second).replace(0, np.nan)
    order = share.fillna(0.5).sort_values(ascending=False, kind="stable").index.tolist()
    return {first: sorted(order[:n_first]), second: sorted(order[n_first:])}


def _owner_homes(tasks: pd.DataFrame, owners: list[str], places: dict[str, str]) -> dict:
    """A home province per owner: the owners are spread over provinces like their customers'
    tasks (as other staff are), and each owner, in id order, takes the open place where the
    most of their own customers are."""
    known = tasks[tasks["owner"].notna() & tasks["customer_region"].notna()]
    if known.empty:
        return {}
    weights = known.groupby(known["customer_region"].astype(str)).size().astype(float)
    slots = _spread(weights, len(owners), places)
    mine = known.groupby([known["owner"].astype(str), known["customer_region"].astype(str)]).size()
    homes: dict[str, str] = {}
    for sid in owners:
        counts = mine.get(sid, pd.Series(dtype=float)) if sid in mine.index.levels[0] else {}
        best = max(range(len(slots)), key=lambda k: (counts.get(slots[k], 0), -k))
        homes[sid] = slots.pop(best)
    return homes


def _availability(n: int, seed: list[int], config, profile: RosterProfile) -> list[dict]:
    """Leave and availability window of persons 0..n-1 of one role; person i's draw does not
    depend on n (row i of one matrix drawn row by row), so sizing up never reshuffles the
    people before."""
    year = config.campaign.year
    draws = np.random.default_rng(seed).random((max(n, 1), 4))[:n]
    out = []
    for u_leave, u_pattern, u_late, u_early in draws:
        days_off: tuple[date, ...] = ()
        if u_leave < profile.leave_share:
            first, last = profile.leave_periods[int(u_pattern * len(profile.leave_periods))]
            start, end = resolve_date(first, year), resolve_date(last, year)
            days_off = tuple(d.date() for d in pd.date_range(start, end, freq="D"))
        late = u_late < profile.late_start_share
        early = not late and u_early < profile.early_end_share
        out.append(
            {
                "days_off": days_off,
                "available_from": resolve_date(profile.late_start, year) if late else None,
                "available_to": resolve_date(profile.early_end, year) if early else None,
            }
        )
    return out


def _owners_fit(persons: list[list[dict]], pinned: dict, days: np.ndarray) -> bool:
    """Each owner has the time for the tasks pinned to them, window by window (those in a
    window the owner is not there for at all go to someone else, as the plan does)."""
    for members in persons:
        p = members[0]
        work = pinned.get(p["staff_id"])
        if work is None:
            continue
        cap = _daily_minutes(p, days)
        release, deadline, minutes = work
        for r in np.unique(release):
            after = release >= r
            for d in np.unique(deadline[after]):
                have = float(cap[(days >= r) & (days <= d)].sum())
                if have and have < float(minutes[after & (deadline <= d)].sum()):
                    return False
    return True


def _daily_minutes(person: dict, days: np.ndarray) -> np.ndarray:
    """Minutes a person has on each execution working day."""
    ok = np.ones(len(days), dtype=bool)
    if person["available_from"] is not None:
        ok &= days >= np.datetime64(person["available_from"], "D")
    if person["available_to"] is not None:
        ok &= days <= np.datetime64(person["available_to"], "D")
    if person["days_off"]:
        ok &= ~np.isin(days, np.array(person["days_off"], dtype="datetime64[D]"))
    return np.where(ok, person["hours_per_day"] * 60.0, 0.0)


def _allocate(weights: dict[str, float], n: int, at_least_one: bool = False) -> dict[str, int]:
    """n people over keys in proportion to weights (largest remainder; ties in key order)."""
    keys = [k for k, w in weights.items() if w > 0]
    if not keys or n <= 0:
        return {}
    out = dict.fromkeys(keys, 0)
    if at_least_one and n >= len(keys):
        for k in keys:
            out[k] = 1
        n -= len(keys)
    total = sum(weights[k] for k in keys)
    exact = {k: n * weights[k] / total for k in keys}
    for k in keys:
        out[k] += int(np.floor(exact[k]))
    rest = n - sum(int(np.floor(exact[k])) for k in keys)
    by_remainder = sorted(keys, key=lambda k: (-(exact[k] - np.floor(exact[k])), keys.index(k)))
    for k in by_remainder[:rest]:
        out[k] += 1
    return {k: v for k, v in out.items() if v}


def _spread(weights: pd.Series, n: int, places: dict[str, str]) -> list[str]:
    """n places (provinces / countries) for n people, clusters first (each cluster with demand
    gets one when there are enough people), then provinces within each cluster, by weight."""
    weights = weights[weights > 0]
    if weights.empty:
        return [None] * n  # no customer region known: staff without a region
    cluster_of = {p: places.get(p, "other") for p in weights.index}
    by_cluster = weights.groupby(pd.Series(cluster_of)).sum()
    clusters = _allocate(by_cluster.to_dict(), n, at_least_one=True)
    out: list[str] = []
    for cluster, count in clusters.items():
        mine = weights[[p for p in weights.index if cluster_of[p] == cluster]]
        for place, k in _allocate(mine.to_dict(), count).items():
            out += [place] * k
    return out


def _specialist_floor(plan: pd.DataFrame, config) -> dict[str, int]:
    """§7.3: the dedicated customers need ⌈customers / specialist_ratio⌉ specialists."""
    from revisitkit.staffing.specialists import DEDICATED_CHANNEL, specialist_role

    role = specialist_role(config)
    if role is None or "channels" not in plan:
        return {}
    channels = plan["channels"].astype("string").fillna("").str.split("+")
    n = int(channels.map(lambda cs: DEDICATED_CHANNEL in cs).sum())
    return {role: -(-n // config.staffing.specialist_ratio)} if n else {}


def _size_group(group, tasks, config, days, places, owners, seeds, profile, floor=0) -> dict:
    """Size one role, or one team of roles that work together, and return its people
    (at least ``floor`` of them)."""
    staffing = config.staffing
    default_hours = float(staffing.default_hours_per_day)
    travel_table = _travel_table(staffing)
    factor = profile.factor(group)
    capacity_ratio = profile.capacity_ratio * factor
    deadline_margin = profile.deadline_margin * factor
    overseas = set(staffing.overseas_clusters)
    lead = group[0]
    mine = tasks[tasks["roles"].map(lambda t: lead in t)]
    # a task with no working day between its release and its deadline cannot be on time
    # whatever the headcount: it is left out of the sizing (the schedule reports it)
    if len(mine) and len(days):
        first = np.searchsorted(days, mine["release"].to_numpy(dtype="datetime64[D]"))
        fits = (first < len(days)) & (
            days[np.minimum(first, len(days) - 1)]
            <= mine["deadline"].to_numpy(dtype="datetime64[D]")
        )
        mine = mine[fits]
    region = mine["customer_region"].fillna("").astype(str)
    deadline = mine["deadline"].to_numpy(dtype="datetime64[D]")
    release = np.maximum(
        mine["release"].to_numpy(dtype="datetime64[D]"), days[0] if len(days) else 0
    )
    minutes = mine["minutes"].to_numpy(dtype=float)
    travel = mine["travel"].to_numpy(dtype=bool)
    weights = (minutes + np.where(travel, travel_table[0], 0)).astype(float)
    weight_by_place = pd.Series(weights).groupby(region.to_numpy()).sum().drop("", errors="ignore")
    owner_ids = owners.get(lead, []) if len(group) == 1 else []
    owner_places = _owner_homes(tasks, owner_ids, places) if owner_ids else {}

    # the owners' own calls (escalations pin them to the owner): each owner must fit theirs
    pinned = {}
    if owner_ids and "assignee" in mine:
        who = mine["assignee"].astype("string").fillna("").to_numpy(dtype=object)
        for sid in owner_ids:
            rows = who == sid
            if rows.any():
                pinned[sid] = (release[rows], deadline[rows], minutes[rows])

    cust_cluster = np.array([places.get(p, "other") for p in region])
    cust_region = region.to_numpy()

    def demand_for(place_capacity: dict[str, float]) -> np.ndarray:
        """Minutes per task with travel: from the customer's own province as far as the people
        there can cover its visits (by their capacity), the rest from elsewhere in the cluster
        (or from abroad / another cluster where the cluster has no one)."""
        if not travel.any():
            return minutes
        staffed_clusters = {places.get(p, "other") for p in place_capacity} - {"other"}
        away = np.where(np.isin(cust_cluster, list(staffed_clusters)), 1, 2)
        away = np.where(np.isin(cust_cluster, list(overseas)), 3, away)
        local_need = (
            pd.Series(np.where(travel, minutes + travel_table[0], 0.0)).groupby(cust_region).sum()
        )
        cover = {
            p: min(1.0, place_capacity.get(p, 0.0) / need) if need else 1.0
            for p, need in local_need.items()
        }
        share = np.array([cover.get(p, 0.0) for p in cust_region])
        trip = share * travel_table[0] + (1 - share) * travel_table[away]
        return minutes + np.where(travel, trip, 0.0)

    def check(persons: list[list[dict]]) -> tuple[bool, float, float, date | None, float]:
        """persons: one list of members per team (a single person for a plain role)."""
        cap = np.zeros(len(days))
        place_capacity: dict[str, float] = {}  # by the role's last deadline
        until = days <= deadline.max() if len(deadline) else np.ones(len(days), dtype=bool)
        for members in persons:
            mine_cap = np.min([_daily_minutes(p, days) for p in members], axis=0)
            cap += mine_cap
            place = members[0]["region"]
            if place is not None:
                place_capacity[place] = place_capacity.get(place, 0.0) + mine_cap[until].sum()
        need = demand_for(place_capacity)
        total_need, total_cap = float(need.sum()), float(cap.sum())
        ok = total_cap >= capacity_ratio * total_need and (
            not owners_can_fit[0] or _owners_fit(persons, pinned, days)
        )
        worst, worst_day = np.inf, None
        # what is released on or after r and due by d fits the capacity of [r, d]
        for r in np.unique(release):
            after = release >= r
            for d in np.unique(deadline[after]):
                due = float(need[after & (deadline <= d)].sum())
                have = float(cap[(days >= r) & (days <= d)].sum())
                ratio = have / due if due else np.inf
                if ratio < worst:
                    worst, worst_day = ratio, d.astype(object)
                ok &= have >= deadline_margin * due
        return bool(ok), total_need, total_cap, worst_day, float(worst)

    def build(n_extra: int, owner_hours: float) -> list[list[dict]]:
        n = len(owner_ids) + n_extra
        avail = {r: _availability(n, seeds[r], config, profile) for r in group}
        persons: list[list[dict]] = []
        for i, sid in enumerate(owner_ids):
            persons.append(
                [
                    {
                        "role": lead,
                        "staff_id": sid,
                        "hours_per_day": owner_hours,
                        "region": owner_places.get(sid),
                        **avail[lead][i],
                    }
                ]
            )
        spots = _spread(weight_by_place, n_extra, places)
        for j, place in enumerate(spots):
            k = len(owner_ids) + j
            persons.append(
                [
                    {
                        "role": r,
                        "staff_id": None,
                        "hours_per_day": default_hours,
                        "region": place,
                        **avail[r][k],
                    }
                    for r in group
                ]
            )
        return persons

    # more people than person-visits never helps (a task longer than a day, or a window the
    # people are never there for): the search stops there and the schedule reports the rest
    most = max(profile.min_headcount, 2 * len(mine) + floor)
    owners_can_fit = [True]
    if owner_ids:
        fit = minutes.max() / 60.0 if len(minutes) else profile.owner_hours_step
        step = profile.owner_hours_step
        hours = max(step, float(np.ceil(fit / step) * step))
        n_extra = 0
        while not check(build(0, hours))[0] and hours < profile.owner_hours_max:
            hours += step
        # owners whose own pinned calls do not fit even at owner_hours_max: no extra person
        # can take those calls (they are the owner's), so the extra people are sized without
        # that condition and the schedule reports the owner's calls that miss
        owners_can_fit[0] = _owners_fit(build(0, hours), pinned, days)
        n_extra = _first_fit(lambda n: check(build(n, hours))[0], 0, 0, most)
    else:
        hours = default_hours
        # start a little below the estimate from minutes alone, then search from there
        everywhere = dict.fromkeys(weight_by_place.index, np.inf)
        n_extra = max(
            profile.min_headcount,
            int(
                0.9
                * factor
                * _estimate(demand_for(everywhere), deadline, days, default_hours, profile)
            ),
        )
        n_extra = _first_fit(
            lambda n: check(build(n, hours))[0], min(n_extra, most), profile.min_headcount, most
        )
    n_extra = max(n_extra, floor - len(owner_ids))
    persons = build(n_extra, hours)
    _, need, cap, worst_day, worst = check(persons)
    sizing = {}
    for r in group:
        counts = pd.Series([m[0]["region"] or "" for m in persons]).value_counts(sort=False)
        sizing[r] = RoleSizing(
            role=r,
            headcount=len(persons),
            owners=len(owner_ids),
            hours_per_day=hours if owner_ids else default_hours,
            demand_minutes=need,
            capacity_minutes=cap,
            binding_deadline=worst_day,
            binding_ratio=worst,
            places=tuple((str(k), int(v)) for k, v in counts.items()),
        )
    flat = [p for members in persons for p in members]
    return {"sizing": sizing, "people": flat}


def _first_fit(fits: Callable[[int], bool], start: int, lo: int, hi: int) -> int:
    """The smallest n in [lo, hi] that fits (more people fit at least as well), searched
    from *start*: doubling steps away from it, then halving between the last n that did not
    fit and the first that did — a few dozen checks where one person at a time took
    thousands at 10,000 customers. *hi* when nothing up to it fits."""
    if fits(start):
        good, step = start, 1
        while good > lo:
            n = max(lo, good - step)
            if not fits(n):
                bad = n
                break
            good, step = n, step * 2
        else:
            return good
    else:
        bad, step = start, 1
        while True:
            n = min(hi, bad + step)
            if fits(n):
                good = n
                break
            if n >= hi:
                return hi
            bad, step = n, step * 2
    while good - bad > 1:
        mid = (good + bad) // 2
        if fits(mid):
            good = mid
        else:
            bad = mid
    return good


def _estimate(
    need: np.ndarray, deadline: np.ndarray, days: np.ndarray, hours: float, profile
) -> int:
    """People needed if every minute of every working day could be used."""
    day_minutes = hours * 60.0
    best = profile.capacity_ratio * need.sum() / (len(days) * day_minutes) if len(days) else 0
    for d in np.unique(deadline):
        n_days = int((days <= d).sum())
        if n_days:
            due = need[deadline <= d].sum()
            best = max(best, profile.deadline_margin * due / (n_days * day_minutes))
    return int(np.ceil(best))
