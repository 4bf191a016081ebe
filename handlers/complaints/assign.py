"""转办: which unit a complaint is passed to, and whom in it to tell on WeCom.

The units are data: every town and sub-district of ``handlers/data/district.toml`` and the units of
``data/process.toml`` [assign] (enforcement team, other district departments), each with the WeCom user
ids told when a ticket is passed to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.complaints.terms import Process
from handlers.nlu import District, town_of


@dataclass(frozen=True)
class Assignee:
    """A unit a ticket goes to: ``name`` as listed, ``staff`` the WeCom user ids to tell (maybe none)."""

    name: str
    staff: tuple[str, ...] = ()


def units(process: Process, district: District) -> list[str]:
    """Every unit a ticket can be passed to, towns and sub-districts first (for the console's list)."""
    towns = list(district.towns) if process.assign.towns else []
    return towns + [u.name for u in process.assign.units]


def assignee_of(text: str, process: Process, district: District) -> Assignee | None:
    """The unit ``text`` names ("江口镇", "江口镇政府", "交给执法支队去办"), or None when it names none listed.

    Full names first, then the towns (also written without 镇/乡/街道 or by a former name), then the
    other units' shorter names, longest first.
    """
    assign = process.assign
    for unit in assign.units:
        if unit.name in text:
            return Assignee(unit.name, tuple(unit.staff))
    if assign.towns:
        town = town_of(text, district)
        if town is not None:
            return Assignee(town, tuple(assign.town_staff.get(town, ())))
    pairs = sorted(((alias, u) for u in assign.units for alias in u.aliases), key=lambda p: len(p[0]), reverse=True)
    for alias, unit in pairs:
        if alias in text:
            return Assignee(unit.name, tuple(unit.staff))
    return None
