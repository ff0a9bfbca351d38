"""How personal data is masked, in one place, with nothing to import: the messages of
:mod:`revisitkit.errors` and the dashboards' :mod:`revisitkit.views.privacy` both use it.

A phone number shows at most 4 digits, whatever its length, and never more than half of them
(the last ones; separators stay); an email keeps its first letter and its domain; a WeChat id
its first and last two characters. :func:`redact_value` masks a value that *looks* personal —
what a message shows of a cell whose column is not a personal one (a phone typed into the id
column, columns shifted by one in an export).

>>> mask_phone_text("13812345678"), mask_email_text("lihua@huadong.com")
('*******5678', 'l***@huadong.com')
>>> redact_value("13987654321"), redact_value("wangfang@corp.cn"), redact_value("C000123")
('*******4321', 'w***@corp.cn', 'C000123')
>>> redact_value("010-62340678"), redact_value("2026-12-01"), redact_value("12345678")
('***-****0678', '2026-12-01', '12345678')
"""

from __future__ import annotations

import re

#: the most digits of a phone number a masked number shows
PHONE_DIGITS_SHOWN = 4
_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"^(?P<user>[^@\s]+)@(?P<domain>[^@\s]+\.[^@\s]+)$")
_WECHAT = re.compile(r"^(?:wxid_|wx_)\w{2,}$", re.IGNORECASE)


def mask_phone_text(value: object) -> object:
    """A phone number with all but its last digits starred (at most 4 shown, at most half)."""
    if not isinstance(value, str):
        return "" if value is None or value != value else mask_phone_text(str(value))
    text = value.strip()
    digits = len(_DIGIT.findall(text))
    if digits == 0:
        return "****" if text else ""
    hidden = digits - min(PHONE_DIGITS_SHOWN, digits // 2)
    seen = 0

    def star(m: re.Match) -> str:
        nonlocal seen
        seen += 1
        return "*" if seen <= hidden else m.group()

    return _DIGIT.sub(star, text)


def mask_email_text(value: str) -> str:
    """``lihua@huadong.com`` → ``l***@huadong.com``; not an address → ``****``."""
    m = _EMAIL.match(value.strip())
    return f"{m['user'][:1]}***@{m['domain']}" if m else "****"


#: what a phone number looks like when it is not in a phone column: a mainland mobile
#: (13987654321, 139-8765-4321, +86 139 8765 4321), a landline with its area code
#: (010-62340678, (021) 6234 0678) or any number written with a leading +. A bare 7- or
#: 8-digit number is left alone: it is as likely an amount or an id.
_PHONE = re.compile(
    r"^(?:(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}"
    r"|\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}"
    r"|\+\d[\d\s()-]{6,})$"
)


def _looks_like_phone(text: str) -> bool:
    return bool(_PHONE.match(text))


def redact_value(value: str) -> str:
    """*value* masked when it looks like a phone number, an email or a WeChat id; else as is."""
    text = value.strip()
    if _EMAIL.match(text):
        return mask_email_text(text)
    if _looks_like_phone(text):
        return str(mask_phone_text(text))
    if _WECHAT.match(text):
        return text[:2] + "****" + text[-2:]
    return value


_PHONE_IN_TEXT = re.compile(
    r"(?<![\d])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![\d])"
    r"|(?<![\d])\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?![\d])"
)
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def mask_in_text(value: object) -> str:
    """Free text (a problem's description, a note) with every phone number and email in it
    masked, the rest as written.

    >>> mask_in_text("客户电话13812345678，邮箱lihua@huadong.com，2027-01-08 停机")
    '客户电话*******5678，邮箱l***@huadong.com，2027-01-08 停机'
    """
    text = "" if value is None else str(value)
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email_text(m.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda m: str(mask_phone_text(m.group(0))), text)
