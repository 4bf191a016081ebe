"""Record numbers: what a ticket, incident or hazard number looks like, how to write one, how to find one.

- ticket: ``T`` + local day YYYYMMDD + 3 or 4 digits, e.g. ``T20261129001``;
- incident: ``E`` + local day YYYYMMDD + 3 digits, e.g. ``E20261129001``;
- hazard: ``H`` + year found YYYY + 4 digits, e.g. ``H20260001``.

The store hands the numbers out (``store.repos.numbering``: the highest stored number of
the series + 1); a series goes on past ``…999`` with a longer number, which the patterns
below find only where a 4-digit ticket sequence allows it. People write numbers in lower
case and with a hyphen after the date (``e20261129-001``); :func:`normalise` gives the stored
form. In text, a number counts only when no letter or digit touches its front and no digit
its end, so it is found inside Chinese text (``查询T20261129001的进度``) but never inside a
longer run of digits or a longer code.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Final


class RecordKind(StrEnum):
    """The three numbered records; the value is the number's leading letter."""

    TICKET = "T"
    INCIDENT = "E"
    HAZARD = "H"


TICKET_PATTERN: Final = r"T\d{8}-?\d{3,4}"
"""A ticket number as written (hyphen optional), for building larger patterns; compile with re.IGNORECASE."""
INCIDENT_PATTERN: Final = r"E\d{8}-?\d{3}"
"""An incident number as written (hyphen optional), for building larger patterns; compile with re.IGNORECASE."""
HAZARD_PATTERN: Final = r"H\d{8}"
"""A hazard number as written, for building larger patterns; compile with re.IGNORECASE."""

_BEFORE: Final = r"(?<![A-Za-z0-9])"
_AFTER: Final = r"(?!\d)"

TICKET_RE: Final = re.compile(_BEFORE + TICKET_PATTERN + _AFTER, re.IGNORECASE)
"""A ticket number in text (see the module docstring for what may touch it)."""
INCIDENT_RE: Final = re.compile(_BEFORE + INCIDENT_PATTERN + _AFTER, re.IGNORECASE)
"""An incident number in text."""
HAZARD_RE: Final = re.compile(_BEFORE + HAZARD_PATTERN + _AFTER, re.IGNORECASE)
"""A hazard number in text."""

PATTERNS: Final[dict[RecordKind, re.Pattern[str]]] = {
    RecordKind.TICKET: TICKET_RE,
    RecordKind.INCIDENT: INCIDENT_RE,
    RecordKind.HAZARD: HAZARD_RE,
}
"""The compiled pattern of each kind."""

SEQUENCE_DIGITS: Final[dict[RecordKind, int]] = {RecordKind.TICKET: 3, RecordKind.INCIDENT: 3, RecordKind.HAZARD: 4}
"""How many digits a sequence number is padded to (a larger sequence just has more)."""

_SEPARATORS = re.compile(r"[\s\-]+")


def series(kind: RecordKind, day: date) -> str:
    """The prefix shared by one series: ``T20261129`` / ``E20261129`` for a local day, ``H2026`` for a year."""
    if kind is RecordKind.HAZARD:
        return f"{kind.value}{day.year:04d}"
    return f"{kind.value}{day:%Y%m%d}"


def format_number(kind: RecordKind, day: date, seq: int) -> str:
    """The number ``seq`` (from 1) of the series of ``day``: ``format_number(TICKET, 2026-11-29, 1)`` is
    ``T20261129001``; a sequence past the padding (1000 for a ticket) is written in full.

    Raises:
        ValueError: ``seq`` is below 1.
    """
    if seq < 1:
        raise ValueError(f"a sequence number starts at 1, not {seq}")
    return f"{series(kind, day)}{seq:0{SEQUENCE_DIGITS[kind]}d}"


def normalise(text: str, kind: RecordKind | None = None) -> str:
    """A number as stored: upper case, spaces and hyphens removed (``"e20261129-001"`` -> ``"E20261129001"``).

    With ``kind``, a number written without its letter (``"20261129-001"``) gets it. The text is
    not checked against the pattern: a lookup with a malformed key simply finds nothing.
    """
    key = _SEPARATORS.sub("", text).upper()
    if kind is not None and key[:1].isdigit():
        key = kind.value + key
    return key


def find(kind: RecordKind, text: str) -> str | None:
    """The first number of ``kind`` written in ``text``, normalised, or None."""
    m = PATTERNS[kind].search(text)
    return normalise(m.group(0)) if m else None


def find_all(kind: RecordKind, text: str) -> list[str]:
    """Every number of ``kind`` written in ``text``, normalised, in order, each once."""
    found = (normalise(m.group(0)) for m in PATTERNS[kind].finditer(text))
    return list(dict.fromkeys(found))
