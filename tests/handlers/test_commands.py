"""The declared entries and verbs (handlers/data/commands.toml and each domain's data/commands.toml)."""

from __future__ import annotations

from importlib import resources

import pytest

from core.errors import ConfigError
from handlers.commands import DOMAINS, build_catalogue, load_commands
from handlers.hazards.service import MOVES
from handlers.incidents.chat import ACTIONS, DRAFTS


def _text(package: str) -> str:
    return resources.files(package).joinpath("data").joinpath("commands.toml").read_text("utf-8")


SHARED = ("commands.toml", _text("handlers"))
DOMAIN_FILES = {p: (f"{p}.toml", _text(p)) for p in DOMAINS}

ENTRY = """
[[entry]]
name = "{name}"
roles = [{roles}]
title = "t"
usage = "u"
example = "e"
rule = "question"
"""


def test_bundled_catalogue_loads_with_unique_names() -> None:
    cat = load_commands()
    names = [e.name for e in cat.entries]
    assert len(names) == len(set(names)) and {"complaint", "incident_report", "hazard_query", "roster_query"} <= set(
        names
    )


def test_every_action_of_the_code_has_verbs_and_no_more() -> None:
    cat = load_commands()
    assert set(cat.verbs["handlers.incidents"]) == set(ACTIONS)
    assert set(DRAFTS) <= set(ACTIONS)
    assert set(cat.verbs["handlers.hazards"]) == {*MOVES, "follow_up"}
    words = [w for ws in cat.verbs["handlers.incidents"].values() for w in ws]
    assert len(words) == len(set(words))  # one verb, one action


def test_an_entry_declared_twice_is_refused() -> None:
    domains = dict(DOMAIN_FILES)
    domains["handlers.roster"] = ("roster.toml", ENTRY.format(name="complaint", roles='"citizen"'))
    with pytest.raises(ConfigError, match="complaint declared more than once"):
        build_catalogue(SHARED, domains)


def test_a_bad_role_names_the_file_and_line() -> None:
    domains = dict(DOMAIN_FILES)
    domains["handlers.roster"] = ("roster.toml", "# c\n" + ENTRY.format(name="x", roles='"mayor"'))
    with pytest.raises(ConfigError, match=r"roster.toml line 5: entry\.0\.roles"):
        build_catalogue(SHARED, domains)


def test_a_menu_key_must_name_an_entry() -> None:
    shared = (SHARED[0], SHARED[1].replace('MY_TICKETS = "complaint_status"', 'MY_TICKETS = "my_tickets"'))
    with pytest.raises(ConfigError, match="menu.MY_TICKETS: no entry named 'my_tickets'"):
        build_catalogue(shared, DOMAIN_FILES)


def test_empty_verbs_and_unknown_keys_are_refused() -> None:
    domains = dict(DOMAIN_FILES)
    domains["handlers.hazards"] = ("hazards.toml", "[verbs]\nclose = []\n")
    with pytest.raises(ConfigError, match="verbs.close needs at least one"):
        build_catalogue(SHARED, domains)
    domains["handlers.hazards"] = ("hazards.toml", 'colour = "red"\n')
    with pytest.raises(ConfigError, match="hazards.toml line 1: colour"):
        build_catalogue(SHARED, domains)
