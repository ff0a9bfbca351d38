"""Personal data (phone, WeChat, email, contact name) masked before anyone but a planner sees it.

Dashboards are read by managers, screenshots travel, and pages get forwarded: whatever a
dashboard shows of a person passes through :func:`mask_personal` first. Masking keeps enough
to recognise a record (a few last digits, the first and last characters) and nothing to
reach the person: of a phone number, whatever its length, at most 4 digits show (the last
ones, and never more than half of them).

Example
-------
>>> mask_phone("13812345678"), mask_email("lihua@huadong.com"), mask_wechat("wx_ab12cd34")
('*******5678', 'l***@huadong.com', 'wx****34')
>>> mask_phone("62340678"), mask_phone("8888-1234"), mask_phone("+86 138 1234 5678")
('****0678', '****-1234', '+** *** **** 5678')
"""

from __future__ import annotations

import pandas as pd

from revisitkit.redact import mask_phone_text
from revisitkit.schema import PERSONAL_COLUMNS


def _vector(values: pd.Series, keep_head: int, keep_tail: int, stars: int = 4) -> pd.Series:
    text = values.astype("string").str.strip()
    head = text.str.slice(0, keep_head)
    tail = text.str.slice(-keep_tail) if keep_tail else ""
    short = text.str.len() <= keep_head + keep_tail
    masked = head + "*" * stars + tail
    # too short to show any part safely: hide it all
    return masked.where(~short, "*" * stars).where(text.notna() & (text != ""), "")


def _mask_phones(values: pd.Series) -> pd.Series:
    return values.astype(object).map(mask_phone_text).astype("string")


def mask_phone(value: str) -> str:
    return _mask_phones(pd.Series([value])).iloc[0]


def mask_wechat(value: str) -> str:
    return _vector(pd.Series([value]), 2, 2).iloc[0]


def mask_email(value: str) -> str:
    return _mask_emails(pd.Series([value])).iloc[0]


def _mask_emails(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    parts = text.str.extract(r"^(?P<user>[^@]*)@(?P<domain>.+)$")
    user = parts["user"].str.slice(0, 1) + "***"
    masked = (user + "@" + parts["domain"]).where(parts["domain"].notna(), "****")
    return masked.where(text.notna() & (text != ""), "")


def mask_contact(value: str) -> str:
    return _vector(pd.Series([value]), 1, 0, stars=2).iloc[0]


def mask_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* with every personal-data column masked (the input is not changed)."""
    out = frame.copy()
    for column in PERSONAL_COLUMNS:
        if column not in out:
            continue
        if column == "phone":
            out[column] = _mask_phones(out[column])
        elif column == "wechat":
            out[column] = _vector(out[column], 2, 2)
        elif column == "email":
            out[column] = _mask_emails(out[column])
        else:
            out[column] = _vector(out[column], 1, 0, stars=2)
    return out
