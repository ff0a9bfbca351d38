"""Synthetic staff roster: the bundled roster and an HR export of it.

:func:`generate_roster` sizes a roster from a plan's effort
(:func:`revisitkit.staffing.sizing.size_roster`) or, without a plan, spreads a default headcount
like the sample customers; :func:`to_roster_export` writes it the way an HR sheet does.
The sizing (:func:`revisitkit.staffing.sizing.size_roster`) gives the people ids; the sample gives
them Chinese names (:func:`_namer`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from revisitkit.sample.names import _GIVEN, _SURNAMES
from revisitkit.sample.profile import PROFILE
from revisitkit.staffing.sizing import (
    ROSTER_PROFILE,
    RosterProfile,
    _availability,
    _places,
    _spread,
    roster_frame,
    size_roster,
)

__all__ = ["ROSTER_CHINESE_HEADERS", "generate_roster", "to_roster_export"]

#: Canonical roster column → Chinese header of an HR export (revisitkit.schema.roster).
ROSTER_CHINESE_HEADERS: dict[str, str] = {
    "staff_id": "员工编号",
    "name": "姓名",
    "role": "岗位",
    "region": "区域",
    "hours_per_day": "每日可用小时",
    "available_from": "可用开始日期",
    "available_to": "可用截止日期",
    "days_off": "请假日期",
}


def generate_roster(
    plan: pd.DataFrame | None = None,
    *,
    config,
    seed: int = 2026,
    profile: RosterProfile = ROSTER_PROFILE,
) -> pd.DataFrame:
    """Draw a staff roster for a plan: sized from its effort, spread like its customers.

    Parameters
    ----------
    plan : pandas.DataFrame or None
        A segmented plan (:func:`revisitkit.segmentation.segment`). The roster is sized from
        its staffed tasks (:func:`~revisitkit.staffing.sizing.size_roster`) and includes every
        ``owner`` it names (as an account manager or a salesperson, whichever their book of
        customers needs more).
        ``None`` gives the headcount of ``profile.default_headcount`` spread like the sample
        customers (:data:`PROFILE`), and ``profile.default_owners`` owners S001….
    config, seed, profile
        As for :func:`~revisitkit.staffing.sizing.size_roster`.

    Returns
    -------
    pandas.DataFrame
        The canonical staff frame of :func:`revisitkit.schema.parse_roster` (``staff_id``,
        ``name``, ``role``, ``region``, ``region_cluster``, ``hours_per_day``,
        ``available_from``, ``available_to``, ``days_off``), ordered by ``staff_id``.

    Examples
    --------
    >>> from revisitkit.config import load_config
    >>> staff = generate_roster(config=load_config())
    >>> len(staff), staff["staff_id"].iloc[0], bool(staff["staff_id"].is_unique)
    (200, 'S001', True)
    """
    if plan is None:
        return _default_roster(config, seed, profile)
    names = _namer(seed)
    return size_roster(plan, config, seed=seed, profile=profile, name_people=names).staff


def to_roster_export(staff: pd.DataFrame, config) -> pd.DataFrame:
    """A canonical staff frame as an HR export: Chinese headers, roles as Chinese labels,
    ISO dates, days off as ranges and lists in one cell, default hours left empty.

    >>> from revisitkit.config import load_config
    >>> cfg = load_config()
    >>> export = to_roster_export(generate_roster(config=cfg), cfg)
    >>> list(export.columns[:4]), export["岗位"].iloc[0]
    (['员工编号', '姓名', '岗位', '区域'], '客户经理')
    """
    default = float(config.staffing.default_hours_per_day)
    labels = {code: label.partition(" ")[0] for code, label in config.staffing.roles.items()}
    out = pd.DataFrame(
        {
            "staff_id": staff["staff_id"].astype(str),
            "name": staff["name"].astype(str),
            "role": staff["role"].map(labels).astype(str),
            "region": staff["region"].fillna("").astype(str),
            "hours_per_day": [
                "" if h == default else f"{h:g}" for h in staff["hours_per_day"].astype(float)
            ],
            "available_from": _iso(staff["available_from"]),
            "available_to": _iso(staff["available_to"]),
            "days_off": [_days_off_text(d, i) for i, d in enumerate(staff["days_off"])],
        }
    )
    return out.rename(columns=ROSTER_CHINESE_HEADERS)


# --- internals of the roster -----------------------------------------------------------------


def _namer(seed: int):
    """Chinese names for *n* people, drawn with *seed* (the same seed, the same names)."""
    return lambda n: _staff_names(n, np.random.default_rng([seed, 9999]))


def _default_roster(config, seed: int, profile: RosterProfile) -> pd.DataFrame:
    """A roster without a plan: the profile's headcount spread like the sample customers."""
    weights = pd.Series(
        {prov: share * w for _, share, _, provs in PROFILE.regions for prov, w in provs}
    )
    places = _places(config)
    roles = list(config.staffing.roles)
    seeds = {role: [seed, i] for i, role in enumerate(roles)}
    default_hours = float(config.staffing.default_hours_per_day)
    people: list[dict] = []
    spots = {role: _spread(weights, n, places) for role, n in profile.default_headcount}
    # roles that visit together (a channel needing several roles) are placed as teams
    team = next((e.roles for e in config.staffing.channels.values() if len(e.roles) > 1), ())
    for role in team[1:]:
        if role in spots and team[0] in spots:
            spots[role] = spots[team[0]]
    for role, n in profile.default_headcount:
        avail = _availability(n, seeds[role], config, profile)
        where = spots[role]
        people += [
            {
                "role": role,
                "staff_id": None,
                "hours_per_day": default_hours,
                "region": where[i],
                **avail[i],
            }
            for i in range(n)
        ]
    n_first = round(profile.default_owners * profile.default_owner_split)
    owner_spots = _spread(weights, profile.default_owners, places)
    owner_spots = [
        owner_spots[k] for k in np.random.default_rng([seed, 8888]).permutation(len(owner_spots))
    ]
    first, second = profile.owner_roles
    for i in range(profile.default_owners):
        role = first if i < n_first else second
        avail = _availability(profile.default_owners, seeds[role], config, profile)[i]
        people.append(
            {
                "role": role,
                "staff_id": f"S{i + 1:03d}",
                "hours_per_day": profile.default_owner_hours,
                "region": owner_spots[i],
                **avail,
            }
        )
    return roster_frame(people, config, _namer(seed))


def _staff_names(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct Chinese names: a surname (by frequency) and one or two given characters."""
    weights = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** PROFILE.surname_zipf
    weights /= weights.sum()
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        surname = _SURNAMES[rng.choice(len(_SURNAMES), p=weights)][0]
        given = _GIVEN[rng.integers(len(_GIVEN))][0]
        if rng.random() >= PROFILE.single_given_name_share:
            given += _GIVEN[rng.integers(len(_GIVEN))][0]
        if surname + given not in seen:
            seen.add(surname + given)
            names.append(surname + given)
    return names


def _iso(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in values]


def _days_off_text(days: tuple[date, ...], i: int) -> str:
    """Days off as an HR sheet writes them: runs as ranges, in the forms planners use."""
    if not days:
        return ""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    if i % 2:  # every other sheet in the Chinese list form: 2026/12/24、2026/12/25
        return "、".join(
            f"{a:%Y/%m/%d}" if a == b else f"{a:%Y/%m/%d}~{b:%Y/%m/%d}" for a, b in runs
        )
    return ";".join(
        a.isoformat() if a == b else f"{a.isoformat()}~{b.isoformat()}" for a, b in runs
    )
