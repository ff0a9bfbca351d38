"""Reading a campaign config file, and saying what is wrong with it in a planner's words.

:func:`revisitkit.config.load_config` reads the kit's defaults and a planner's own file with
:func:`read_yaml`, lays one over the other (:func:`deep_merge`), and turns pydantic's errors into
one line per bad key (:func:`problems`): the key's full path, the value written, the rule.
Nothing here knows the config's keys beyond the two paths :func:`rebase_paths` resolves.
"""

from __future__ import annotations

import copy
import os
import re
import reprlib
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from revisitkit.errors import ConfigError


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, *, missing: str = "config file not found") -> dict[str, Any]:
    """The mapping a config file holds (``{}`` for an empty file); *missing* is what a
    :class:`ConfigError` says when the file does not exist."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: {missing}") from None
    except IsADirectoryError:
        raise ConfigError(f"{shown}: is a folder; give the config file (.yaml)") from None
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"{shown}: config files must be UTF-8 text (byte 0x{e.object[e.start]:02X} at "
            f"offset {e.start} is not UTF-8; save the file as UTF-8)"
        ) from None
    except OSError as e:
        raise ConfigError(f"{shown}: cannot be read: {e.strerror or e}") from None
    try:
        try:
            # libyaml when present: 10× faster (every command reads the config); the same
            # safe constructor, so the same values
            data = yaml.load(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            data = yaml.safe_load(text)  # the pure-Python parser words its errors better
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(e, "problem", None) or str(e)
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start:
            what += f" ({context} at line {start.line + 1}, column {start.column + 1})"
        raise ConfigError(f"{shown}: not valid YAML{where}: {what}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{shown}: the top level must be a mapping of keys like 'campaign:', got "
            f"{_kind(data)} {_short(data)}"
        )
    return data


def rebase_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Holiday files and the store are written relative to the file that names them."""
    cal = data.get("calendar")
    if isinstance(cal, dict) and isinstance(cal.get("holiday_files"), list):
        cal = dict(cal)
        cal["holiday_files"] = [
            display_path(base / f) if isinstance(f, str) else f for f in cal["holiday_files"]
        ]
        data = {**data, "calendar": cal}
    risk = data.get("risk")
    if isinstance(risk, dict) and isinstance(risk.get("store"), str):
        data = {**data, "risk": {**risk, "store": display_path(base / risk["store"])}}
    return data


def _kind(value: Any) -> str:
    """What a YAML value is, in a planner's words."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return "a date"
    return type(value).__name__


_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple = 2, 6, 6, 6
_REPR.maxstring = _REPR.maxother = 80


def _short(value: Any) -> str:
    """A value as a message shows it: bounded, however large (a YAML alias bomb expands to
    millions of items; its repr alone would be a 28 MB message).

    >>> _short(list(range(100)))
    '[0, 1, 2, 3, 4, 5, ...]'
    """
    return _REPR.repr(value)


#: pydantic names a date key of a mapping by its repr
_DATE_REPR = re.compile(r"^datetime\.date\((\d+), (\d+), (\d+)\)$")


def _format_error(err: dict[str, Any]) -> str:
    loc = [
        _DATE_REPR.sub(lambda m: date(*map(int, m.groups())).isoformat(), str(p))
        for p in err["loc"]
    ]
    key = ".".join(loc) if loc else "(top level)"
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        return f"unknown key {key!r} (value {_short(value)}); check its spelling"
    if err["type"] == "missing":
        return f"key {key!r} is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"].endswith("_type"):
        msg += f", got {_kind(value)}"
    if not loc:
        return msg
    if isinstance(value, dict):  # a rule across keys: the message names them and their values
        return f"{key}: {msg}"
    return f"{key} = {_short(value)}: {msg}"


_DATE_OR_TEXT = "must be a date like 2026-12-01 or text like 'Y-12-01' or 'Y+1-01-20'"


def _merge_unions(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A config date is a date or a relative-date text; pydantic reports one error per type
    it tried (loc ending in 'date' and 'str'). Say it once, for the key the planner wrote."""
    merged: list[dict[str, Any]] = []
    for err in errors:
        loc = tuple(err["loc"])
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and loc[-1:] == ("str",)
            and tuple(prev["loc"]) == loc[:-1]
            and prev.get("_union")
        ):
            continue
        if loc[-1:] == ("date",) and err["type"] == "date_type":
            err = {**err, "loc": loc[:-1], "type": "date_or_text", "_union": True}
            err["msg"] = _DATE_OR_TEXT + f", got {_kind(err.get('input'))}"
        merged.append(err)
    return merged


def problems(error: ValidationError) -> list[str]:
    """One line per problem pydantic found, in the planner's words (the key, the value, the
    rule); a date's two tries (date, then text) said once."""
    return [_format_error(err) for err in _merge_unions(error.errors(include_url=False))]


def display_path(path: str | Path) -> str:
    """A path as people should see it: relative to the working folder where it lies below or
    beside it (so notebooks and messages carry no machine-specific paths), else absolute."""
    resolved, here = Path(path).resolve(), Path.cwd()
    if resolved.is_relative_to(here) or resolved.is_relative_to(here.parent):
        return os.path.relpath(resolved, here)
    return str(resolved)
