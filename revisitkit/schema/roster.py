"""The staff roster contract: who can do the revisits, in which role, where, and when.

Managers must know before December whether the people they have can reach every customer by
its deadline (§4.2 人力资源配置). The roster says who those people are: one row per staff
member with a role (岗位), a region (区域, mapped to the same clusters as customers), the hours a
day they have for revisits, the dates they are available and the days they are on leave. HR
exports come with Chinese headers, roles written as Chinese labels (销售总监) and leave written
as a list in one cell, so this module accepts all of that, in the style of the customers
contract (:mod:`revisitkit.schema.customers`; the header normalisation, date parsing and problem
reporting of :mod:`revisitkit.schema.columns`): every problem at once, each with the file, the row as a spreadsheet
shows it, the column as written, the value, and what would be accepted.

Accepted forms of 请假日期 ``days_off`` (one cell): dates separated by ``;`` ``；`` ``,`` ``，`` or
``、`` — ``2026-12-24;2026-12-25``, ``2026/12/24、2026/12/25`` — and ranges with ``~`` ``～``
``至`` or ``到`` — ``2026-12-24~2026-12-31`` (both ends included), mixed freely. Availability is
either two columns, 可用开始日期 ``available_from`` and 可用截止日期 ``available_to``, or one column
可用起止日期 with a range ``2026-12-20~2027-01-10`` (either end may be left empty: open).

Example
-------
>>> import pandas as pd
>>> from revisitkit.config import load_config
>>> raw = pd.DataFrame({"员工编号": ["S001"], "姓名": ["王磊"], "岗位": ["销售总监"],
...                     "区域": ["上海"], "请假日期": ["2026-12-24~2026-12-25"]})
>>> staff = parse_roster(raw, source="hr.csv", config=load_config())
>>> staff.loc[0, "role"], staff.loc[0, "region_cluster"], float(staff.loc[0, "hours_per_day"])
('sales_director', 'yangtze_delta', 7.0)
>>> [d.isoformat() for d in staff.loc[0, "days_off"]]
['2026-12-24', '2026-12-25']
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from revisitkit.config import Config
from revisitkit.errors import InputError, Issue
from revisitkit.schema import columns as col
from revisitkit.schema.columns import Column, Source

__all__ = [
    "MAX_HOURS_PER_DAY",
    "ROSTER_COLUMNS",
    "STAFF_FRAME_COLUMNS",
    "parse_roster",
    "region_lookup",
    "role_lookup",
]

#: A day's revisit hours above this are a typo (8 h standard + overtime is the most a plan
#: should count on), not a plan.
MAX_HOURS_PER_DAY = 12.0
#: A leave range longer than this is a typo in a year (2026-12-24~2027-12-31), not leave.
MAX_LEAVE_RANGE_DAYS = 366

#: China's province-level divisions, as a roster's 区域 names them (geography, not a planning
#: number): a region outside every cluster of the config is one of these, or it is refused.
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)  # fmt: skip
#: What HR exports append to a province's name (广东省, 上海市, 广西壮族自治区…), longest first.
_PROVINCE_SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市",
)  # fmt: skip


def region_lookup(config: Config) -> dict[str, tuple[str, str]]:
    """Every region a roster may name → (the region as compared with customers' regions, its
    cluster code): a cluster's member (上海 → yangtze_delta), a cluster's code or label (长三角 →
    the cluster itself: someone based "in the cluster"), or a province outside every cluster
    (山东 → ``other``).

    >>> from revisitkit.config import load_config
    >>> lookup = region_lookup(load_config())
    >>> lookup["长三角"], lookup["yangtze_delta"], lookup["浙江"], lookup["山东"]
    (('长三角', 'yangtze_delta'), ('yangtze_delta', 'yangtze_delta'), ('浙江', 'yangtze_delta'), ('山东', 'other'))
    """
    table = {p: (p, "other") for p in PROVINCES}
    for code, cluster in config.region_clusters.items():
        table.update({member: (member, code) for member in cluster.regions})
    for code, cluster in config.region_clusters.items():
        table[code] = (code, code)
        table[cluster.label] = (cluster.label, code)
    return table


def normalise_region(text: str) -> str:
    """A region as a roster writes it, without the suffix of its administrative kind.

    >>> normalise_region("广东省"), normalise_region("上海市"), normalise_region("广西壮族自治区")
    ('广东', '上海', '广西')
    >>> normalise_region("新加坡")
    '新加坡'
    """
    text = text.strip()
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in PROVINCES:
            return text[: -len(suffix)]
    return text


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("staff_id", "员工编号", "text", required=True, aliases=("工号", "员工号", "员工id")),
    Column("name", "姓名", "text", required=True, aliases=("员工姓名",)),
    Column("role", "岗位", "role", required=True, aliases=("职位", "角色")),
    Column("region", "区域", "text", aliases=("省份", "地区", "所在区域")),
    Column("hours_per_day", "每日可用小时", "hours", aliases=("每日可用时长", "每天可用小时")),
    Column("available_from", "可用开始日期", "date", aliases=("可用起始日期", "到岗日期")),
    Column("available_to", "可用截止日期", "date", aliases=("可用结束日期", "离岗日期")),
    Column("availability", "可用起止日期", "date_range", aliases=("可用日期",)),
    Column("days_off", "请假日期", "date_list", aliases=("休假日期", "请假")),
)
_BY_NAME = {c.name: c for c in ROSTER_COLUMNS}

#: Columns of the canonical staff frame, in order.
STAFF_FRAME_COLUMNS = (
    "staff_id",
    "name",
    "role",
    "region",
    "region_cluster",
    "hours_per_day",
    "available_from",
    "available_to",
    "days_off",
)

_HEADER_INDEX = col.header_index(ROSTER_COLUMNS)

_LIST_SEP = r"[;；,，、\n]"
_RANGE = r"^(?P<start>[^~～至到]*)(?:[~～至到](?P<end>.*))?$"
_DAYS_OFF_EXPECT = (
    f"dates ({col.EXPECTED['date']}) separated by ; or 、, or ranges like 2026-12-24~2026-12-31"
)


def role_lookup(config: Config) -> dict[str, str]:
    """Every accepted spelling of a role (normalised) → its code: the code, the whole label,
    its Chinese part and its English part.

    >>> from revisitkit.config import load_config
    >>> lookup = role_lookup(load_config())
    >>> lookup["销售总监"], lookup["salesdirector"], lookup["csmanager"]
    ('sales_director', 'sales_director', 'cs_manager')
    """
    lookup: dict[str, str] = {}
    for code, label in config.staffing.roles.items():
        head, _, tail = label.strip().partition(" ")
        for spelling in (code, label, head, tail):
            # the header normaliser drops spaces, _ and - and lower-cases: 'Sales director',
            # 'sales_director' and 'SALES-DIRECTOR' are one spelling
            key = col.norm_header(spelling)
            if key:
                lookup.setdefault(key, code)
    return lookup


def _known_roles(config: Config) -> str:
    return ", ".join(
        f"{code} {label.partition(' ')[0]}" for code, label in config.staffing.roles.items()
    )


def parse_roster(
    raw: pd.DataFrame, *, source: str | Source = "<table>", config: Config
) -> pd.DataFrame:
    """Turn a raw roster table (strings, any known headers) into the canonical staff frame.

    Parameters
    ----------
    raw
        One row per staff member, English or Chinese headers, values as text. Not modified.
    source
        The file name (and first record row) used in messages.
    config
        The campaign config: roles, ``staffing.default_hours_per_day``, region clusters.

    Returns
    -------
    DataFrame
        Columns of :data:`STAFF_FRAME_COLUMNS`: ``staff_id``, ``name``, ``role`` (a role
        code), ``region`` (text or NA), ``region_cluster`` (categorical, the plan's
        categories: the config's clusters and ``other``), ``hours_per_day`` (float; the
        config default where empty), ``available_from`` / ``available_to`` (datetime64, NaT
        = open), ``days_off`` (a sorted tuple of ``datetime.date`` per row).

    Raises
    ------
    InputError
        With every problem found: missing required columns, duplicated headers or ids,
        unknown roles, hours outside 0 < h ≤ 12, unreadable dates, availability ending before
        it starts, and each unreadable part of a days-off list.
    """
    src = source if isinstance(source, Source) else Source(source)
    headers = [str(h) for h in raw.columns]
    rows = src.row_numbers(len(raw))
    # the first column of each canonical name is the one read (a second one is reported here)
    issues, header_of = col.header_issues(headers, src, ROSTER_COLUMNS, _HEADER_INDEX)
    issues += _availability_issues(header_of, src)
    position_of = {name: headers.index(header) for name, header in header_of.items()}
    n = len(raw)

    def values_of(name: str) -> pd.Series:
        return raw.iloc[:, position_of[name]].reset_index(drop=True)

    def issue(i: int, name: str, problem: str, value: object = None) -> Issue:
        shown = values_of(name).iloc[i] if value is None else value
        text = "" if pd.isna(shown) else str(shown)
        return Issue(src.name, int(rows[i]), header_of[name], text, problem)

    def report(name: str, bad: np.ndarray, problem, what: str) -> None:
        """One issue per bad row (capped), *problem* a text or a function of the row."""
        nonlocal issues
        found = [
            issue(int(i), name, problem(int(i)) if callable(problem) else problem)
            for i in bad[: col.MAX_ISSUES_PER_COLUMN]
        ]
        issues += col.capped_issues(found, len(bad), src, header_of[name], what)

    out: dict[str, object] = {}
    for name in ("staff_id", "name", "region"):
        if name in position_of:
            values = values_of(name)
            blank = col.blank_mask(values)
            out[name] = values.astype("string").str.strip().where(~blank)
            if _BY_NAME[name].required:
                who = "staff id" if name == "staff_id" else "name"
                report(
                    name,
                    np.flatnonzero(blank.to_numpy()),
                    f"empty, but every staff member needs a {who}",
                    "empty values",
                )

    clusters = [*config.region_clusters, "other"]
    region_cluster = np.full(n, len(clusters) - 1, dtype=np.int64)
    if "region" in out:
        # a province, a cluster's member country, or the cluster itself; never "far" by mistake
        lookup = region_lookup(config)
        given = out["region"]
        codes, uniques = pd.factorize(given, use_na_sentinel=True)
        known = [lookup.get(normalise_region(str(u))) for u in uniques]
        unknown = np.array([k is None for k in known] + [False])[codes]
        if unknown.any():
            examples = ", ".join([*list(config.region_clusters.values())[0].regions[:2], "山东"])
            labels = ", ".join(c.label for c in config.region_clusters.values())
            report(
                "region",
                np.flatnonzero(unknown),
                f"unknown region; expected a province ({examples}…), a country of a cluster, "
                f"or a cluster by its label or code ({labels}; {', '.join(config.region_clusters)}) "
                "— a place outside these goes into a cluster's regions in the config",
                "unknown regions",
            )
        else:
            places = np.array([k[0] for k in known] + [pd.NA], dtype=object)[codes]
            out["region"] = pd.Series(places, dtype="string")
            index = {c: i for i, c in enumerate(clusters)}
            region_cluster = np.array(
                [index[k[1]] for k in known] + [len(clusters) - 1], dtype=np.int64
            )[codes]

    if "staff_id" in out:
        ids = out["staff_id"]
        dup = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
        if dup.any():
            positions = pd.Series(np.arange(n))
            first_of = positions.groupby(ids.fillna("").to_numpy()).transform("min")
            first_row = rows[first_of.to_numpy(dtype=np.int64)]
            report(
                "staff_id",
                np.flatnonzero(dup),
                lambda i: (
                    f"duplicate staff id; first seen at row {int(first_row[i])}; ids must be unique"
                ),
                "duplicate ids",
            )

    if "role" in position_of:
        values = values_of("role")
        blank = col.blank_mask(values).to_numpy()
        lookup = role_lookup(config)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        spelled = [lookup.get(col.norm_header(u)) for u in uniques]
        mapped = np.array([*spelled, None], dtype=object)[codes]
        out["role"] = pd.Series(mapped, dtype="string")
        report(
            "role",
            np.flatnonzero(blank),
            "empty, but every staff member needs a role",
            "empty values",
        )
        unknown = np.flatnonzero(~blank & pd.isna(mapped))
        report(
            "role",
            unknown,
            f"unknown role; known roles are {_known_roles(config)} (write the code or "
            "the Chinese label)",
            "unknown roles",
        )

    default_hours = float(config.staffing.default_hours_per_day)
    hours = pd.Series(np.full(n, default_hours))
    if "hours_per_day" in position_of:
        values = values_of("hours_per_day")
        blank = col.blank_mask(values).to_numpy()
        text = values.astype("string").str.replace(
            r"(?i)\s*(?:h|hrs?|hours?|小时|个?小时|时)\s*$", "", regex=True
        )
        parsed = col.to_float(text).to_numpy()
        not_number = ~blank & ~np.isfinite(parsed)
        report(
            "hours_per_day",
            np.flatnonzero(not_number),
            f"not understood; expected a number of hours like 7 or 7.5 (empty means the "
            f"default, {default_hours:g})",
            "values not understood",
        )
        with np.errstate(invalid="ignore"):
            outside = ~blank & np.isfinite(parsed) & ((parsed <= 0) | (parsed > MAX_HOURS_PER_DAY))
        report(
            "hours_per_day",
            np.flatnonzero(outside),
            f"hours a day for revisits must be more than 0 and at most {MAX_HOURS_PER_DAY:g}",
            "values out of range",
        )
        hours = pd.Series(np.where(blank, default_hours, parsed))
    out["hours_per_day"] = hours.astype("float64")

    nat = pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    available = {"available_from": nat.copy(), "available_to": nat.copy()}
    for name in ("available_from", "available_to"):
        if name in position_of:
            values = values_of(name)
            parsed = col.parse_dates(values)
            bad = ~col.blank_mask(values).to_numpy() & parsed.isna().to_numpy()
            report(
                name,
                np.flatnonzero(bad),
                f"not understood; expected {col.EXPECTED['date']} (empty means no limit)",
                "values not understood",
            )
            available[name] = parsed.reset_index(drop=True)
    if "availability" in position_of:
        values = values_of("availability")
        start, end, problems = _parse_availability(values)
        for i, problem in problems:
            issues.append(issue(i, "availability", problem))
        available = {"available_from": start, "available_to": end}
    late = (available["available_from"] > available["available_to"]).to_numpy()
    if late.any():
        column = "availability" if "availability" in position_of else "available_to"
        start_text = available["available_from"].dt.strftime("%Y-%m-%d")
        end_text = available["available_to"].dt.strftime("%Y-%m-%d")
        report(
            column,
            np.flatnonzero(late),
            lambda i: (
                f"available_from {start_text.iloc[i]} is after available_to "
                f"{end_text.iloc[i]}; the first available day must not be after "
                "the last"
            ),
            "availability ranges that end before they start",
        )
    out.update(available)

    days_off: list[tuple[date, ...]] = [()] * n
    if "days_off" in position_of:
        days_off, problems = _parse_days_off(values_of("days_off"))
        bad_rows: dict[int, list[str]] = {}
        for i, problem in problems:
            bad_rows.setdefault(i, []).append(problem)
        for i, found in bad_rows.items():
            issues.append(issue(i, "days_off", "; ".join(found) + f"; expected {_DAYS_OFF_EXPECT}"))
    out["days_off"] = pd.Series(days_off, dtype=object)

    if issues:
        order = {h: i for i, h in enumerate(headers)}
        issues.sort(key=lambda i: (i.row or 0, order.get(i.column, -1)))
        raise InputError(issues)

    frame = pd.DataFrame(index=pd.RangeIndex(n))
    frame["staff_id"] = out["staff_id"]
    frame["name"] = out["name"]
    frame["role"] = out["role"]
    frame["region"] = out.get("region", pd.Series(pd.NA, index=frame.index, dtype="string"))
    frame["region_cluster"] = pd.Categorical.from_codes(region_cluster, clusters)
    for name in ("hours_per_day", "available_from", "available_to", "days_off"):
        frame[name] = out[name].to_numpy()
    return frame[list(STAFF_FRAME_COLUMNS)]


def _availability_issues(seen: dict[str, str], src: Source) -> list[Issue]:
    """Availability given both as a range column and as start/end columns."""
    if "availability" in seen and ({"available_from", "available_to"} & set(seen)):
        both = [seen[n] for n in ("available_from", "available_to") if n in seen]
        return [
            Issue(
                src.name,
                1,
                seen["availability"],
                None,
                f"availability is given twice: as a range in this column and in {both}; "
                "keep either the range column or the start/end columns",
            )
        ]
    return []


# ------------------------------------------------------------------------------- dates
def _split_ranges(parts: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Each part as (start text, end text or NA, start date, end date); a part without a
    range separator has no end text."""
    pieces = parts.astype("string").str.extract(_RANGE)
    start_text = pieces["start"].str.strip()
    end_text = pieces["end"].str.strip()
    start = col.parse_dates(start_text.fillna(""))
    end = col.parse_dates(end_text.fillna(""))
    return start_text, end_text, start, end


def _parse_days_off(values: pd.Series) -> tuple[list[tuple[date, ...]], list[tuple[int, str]]]:
    """Every cell's days off as a sorted tuple of dates, and (row position, problem) pairs
    naming each part that is not a date or a valid range."""
    text = values.astype("string").str.strip()
    parts = text.str.split(_LIST_SEP, regex=True).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    problems: list[tuple[int, str]] = []
    days: dict[int, set[date]] = {}
    if len(parts):
        start_text, end_text, start, end = _split_ranges(parts)
        is_range = end_text.notna().to_numpy()
        for pos, (i, part) in enumerate(parts.items()):
            s, e = start.iloc[pos], end.iloc[pos]
            if pd.isna(s):
                what = f"range start {start_text.iloc[pos]!r}" if is_range[pos] else repr(part)
                problems.append((int(i), f"{what} is not a date"))
                continue
            if not is_range[pos]:
                days.setdefault(int(i), set()).add(s.date())
                continue
            if pd.isna(e):
                problems.append(
                    (int(i), f"range end {end_text.iloc[pos]!r} in {part!r} is not a date")
                )
            elif e < s:
                problems.append((int(i), f"range {part!r} ends before it starts"))
            elif (e - s).days >= MAX_LEAVE_RANGE_DAYS:
                problems.append(
                    (
                        int(i),
                        f"range {part!r} is {(e - s).days + 1} days long; leave ranges "
                        f"are at most {MAX_LEAVE_RANGE_DAYS} days (a typo in a year?)",
                    )
                )
            else:
                span = pd.date_range(s, e, freq="D")
                days.setdefault(int(i), set()).update(d.date() for d in span)
    out = [tuple(sorted(days.get(i, ()))) for i in range(len(values))]
    return out, problems


def _parse_availability(values: pd.Series) -> tuple[pd.Series, pd.Series, list[tuple[int, str]]]:
    """The 可用起止日期 range column: 'from~to', 'from~' or '~to' (an empty end is open)."""
    text = values.astype("string").str.strip().reset_index(drop=True)
    blank = col.blank_mask(text).to_numpy()
    start_text, end_text, start, end = _split_ranges(text.fillna(""))
    problems: list[tuple[int, str]] = []
    expect = "expected a range like 2026-12-20~2027-01-10 (either end may be empty: no limit)"
    for i in np.flatnonzero(~blank):
        if pd.isna(end_text.iloc[i]):
            problems.append((int(i), f"not a range; {expect}"))
            continue
        for which, t, parsed in (("start", start_text, start), ("end", end_text, end)):
            if pd.notna(t.iloc[i]) and t.iloc[i] and pd.isna(parsed.iloc[i]):
                problems.append((int(i), f"range {which} {t.iloc[i]!r} is not a date; {expect}"))
    nat = np.datetime64("NaT")
    start = start.where(~blank & end_text.notna().to_numpy(), nat).reset_index(drop=True)
    end = end.where(~blank & end_text.notna().to_numpy(), nat).reset_index(drop=True)
    return start, end, problems
