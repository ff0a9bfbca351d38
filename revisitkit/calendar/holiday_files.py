"""Planner-edited holiday files: one YAML file per year, read and checked strictly.

A planner keeps the year's arrangement in ``data/holidays/<year>.yaml`` (keys ``year``,
``provisional``, ``note``, ``holidays``, ``workdays``) while the State Council has not
published it, or to correct it. :func:`_read_holiday_file` refuses anything it cannot be sure
of (an unknown key, a duplicate date, a date outside the year, a 调休 working day on a
weekday) with a message that names the file, the key and the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

import yaml

from revisitkit.calendar.working import _WEEKDAYS, _parse_iso_day

_FILE_KEYS = ("year", "provisional", "note", "holidays", "workdays")


@dataclass(frozen=True)
class _HolidayFile:
    shown: str
    year: int
    provisional: bool
    note: str
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (to check them ourselves) and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = []
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.append(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _read_holiday_file(path: Path | str) -> _HolidayFile:
    """Read and strictly validate one holiday file; ValueError names file, key and value."""
    shown = str(path)
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{shown}: not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{shown}: not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise ValueError(
            f"{shown}: holiday file cannot be read ({exc.strerror or exc}); fix the path under "
            "calendar.holiday_files in the campaign config"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(
            f"{shown}: expected a mapping with keys {', '.join(_FILE_KEYS)}, "
            f"got {type(data).__name__} {data!r}"
        )
    for key in data:
        if key not in _FILE_KEYS:
            raise ValueError(
                f"{shown}: unknown top-level key {key!r} (allowed: {', '.join(_FILE_KEYS)})"
            )
    if "year" not in data:
        raise ValueError(f"{shown}: missing required key 'year'")
    year = data["year"]
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValueError(f"{shown}: key 'year' must be a whole number like 2027, got {year!r}")
    provisional = data.get("provisional", False)
    if not isinstance(provisional, bool):
        raise ValueError(f"{shown}: key 'provisional' must be true or false, got {provisional!r}")
    note = data.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise ValueError(f"{shown}: key 'note' must be text, got {note!r}")

    days: dict[str, dict[date, str]] = {}
    for key in ("holidays", "workdays"):
        entries = data.get(key) or {}
        if not isinstance(entries, dict):
            raise ValueError(
                f"{shown}: key {key!r} must be a mapping of date: name, got {entries!r}"
            )
        days[key] = {}
        for raw, name in entries.items():
            where = f"{shown}: {key} key {raw!r}"
            d = _parse_iso_day(raw, where)
            if d.year != year:
                raise ValueError(f"{where} is outside the file's year {year}")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{where} needs a name (text), got {name!r}")
            if key == "workdays" and d.weekday() < 5:
                raise ValueError(
                    f"{where} is a {_WEEKDAYS[d.weekday()]}; 调休 working days must fall on "
                    "a Saturday or Sunday"
                )
            days[key][d] = name.strip()
    for d in sorted(set(days["holidays"]) & set(days["workdays"])):
        raise ValueError(f"{shown}: {d} is under both holidays and workdays; keep one")
    return _HolidayFile(
        shown=shown,
        year=year,
        provisional=provisional,
        note=note.strip(),
        holidays=MappingProxyType(days["holidays"]),
        workdays=MappingProxyType(days["workdays"]),
    )


def _provisional_warning(source: _HolidayFile) -> str:
    why = source.note or f"official {source.year} arrangement not yet published"
    if source.workdays:
        lieu = f"{len(source.workdays)} 调休 working day(s) listed, may be incomplete"
    else:
        lieu = "调休 working days unknown"
    return (
        f"{source.year}: holidays from {source.shown} are PROVISIONAL ({why}); {lieu} — edit "
        "that file when the State Council publishes the official arrangement, then set "
        "provisional: false."
    )


def _file_hint(holiday_files: Sequence[Path | str], year: int) -> str:
    """Where a planner would put the file for ``year``, judging by the files already given."""
    if not holiday_files:
        return f"for {year} (YAML with keys year, provisional, note, holidays, workdays)"
    first = Path(holiday_files[0])
    return f"{first.with_name(f'{year}.yaml')} in the same format as {first}"
