"""Errors a user can cause, and can fix, with what they need to fix them.

The CLI turns these into a message and exit code 2, never a traceback. Everything else is
a bug and is allowed to show its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from revisitkit.redact import redact_value


class UserError(Exception):
    """A problem with what the user gave the kit (a file, an option, a config value)."""


class InputWarning(UserWarning):
    """Something in an input file was read, but a person should check it (merged cells that
    were filled, text that may be in another encoding). The CLI prints it; notebooks show it."""


class ConfigError(UserError, ValueError):
    """The campaign configuration has an unknown key, a wrong type or an impossible value."""


@dataclass(frozen=True)
class Issue:
    """One problem in an input file: where it is, what was found, what would be accepted."""

    file: str
    row: int | None  # the row as a spreadsheet shows it (the header is row 1); None = whole file
    column: str | None  # the header as written in the file
    value: str | None
    problem: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        # a value that looks like a phone, an email or a WeChat id is masked: messages and
        # logs are read by more people than the file is
        value = "" if self.value is None else f": value {redact_value(self.value)!r}"
        return f"{', '.join(where)}{value} — {self.problem}"


class InputError(UserError):
    """An input file does not meet its data contract. Carries every problem found at once."""

    #: how many problems the message lists before it summarises the rest
    SHOWN = 30

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.issues)
        lines = [f"{n} problem(s) found in the input:"]
        lines += [f"  - {i}" for i in self.issues[: self.SHOWN]]
        if n > self.SHOWN:
            lines.append(f"  … and {n - self.SHOWN} more of the same kinds (fix these and re-run)")
        return "\n".join(lines)
