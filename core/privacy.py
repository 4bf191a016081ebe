"""Masking personal data in logs: phone numbers, ids, names are never logged in clear."""

from __future__ import annotations

import re

_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask(value: str) -> str:
    """Mask an identifier: keep the first 3 and last 2 characters (``oTe***01``)."""
    if len(value) <= 5:
        return "*" * len(value)
    return f"{value[:3]}***{value[-2:]}"


def mask_phones(text: str) -> str:
    """Mask mobile numbers inside free text (``138****5678``)."""
    return _PHONE_RE.sub(r"\1****\2", text)
