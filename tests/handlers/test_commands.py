"""The declared entries (handlers/data/commands.toml and each domain's data/<domain>_commands.toml) and the
command verbs of the domains' term files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from core.errors import ConfigError
from handlers.commands import DOMAIN_FILES, SHARED_FILE, DomainFile, SharedFile, build_catalogue, load_catalogue
from handlers.hazards.service import MOVES
from handlers.hazards.terms import UPDATE_ACTIONS
from handlers.incidents.chat import DRAFTS
from handlers.incidents.words import COMMAND_ACTIONS
from handlers.rulebook import Rules, load_rules_bundle
from handlers.ruledata import parse_rule_text


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath("data").joinpath(name).read_text("utf-8")


SHARED = parse_rule_text(_text(*SHARED_FILE), SharedFile, SHARED_FILE[1])
DOMAINS = [(name, parse_rule_text(_text(package, name), DomainFile, name)) for package, name in DOMAIN_FILES]

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
    names = [e.name for e in load_catalogue().entries]
    assert len(names) == len(set(names))
    assert {"complaint", "incident_report", "hazard_query", "roster_query"} <= set(names)


def test_every_action_of_the_code_has_verbs() -> None:
    rules = Rules.bundled()
    assert set(rules.incident_words.verbs) == set(COMMAND_ACTIONS) and set(DRAFTS) <= set(COMMAND_ACTIONS)
    assert set(rules.hazards.verbs) == set(UPDATE_ACTIONS) == {*MOVES, "follow_up"}
    assert rules.hazards.action_of("销号") == "close" and rules.hazards.action_of("删除") is None


def test_an_entry_declared_twice_is_refused() -> None:
    twice = parse_rule_text(ENTRY.format(name="complaint", roles='"citizen"'), DomainFile, "x.toml")
    with pytest.raises(ConfigError, match="complaint declared more than once"):
        build_catalogue(SHARED, [*DOMAINS, ("x.toml", twice)])


def test_a_bad_role_names_the_file_and_line() -> None:
    with pytest.raises(ConfigError, match=r"roster_commands.toml line 5: entry\.0\.roles"):
        parse_rule_text("# c\n" + ENTRY.format(name="x", roles='"mayor"'), DomainFile, "roster_commands.toml")


def test_a_menu_key_must_name_an_entry() -> None:
    text = _text(*SHARED_FILE).replace('MY_TICKETS = "complaint_status"', 'MY_TICKETS = "my_tickets"')
    with pytest.raises(ConfigError, match="menu.MY_TICKETS: no entry named 'my_tickets'"):
        build_catalogue(parse_rule_text(text, SharedFile, "commands.toml"), DOMAINS)


def test_verbs_must_cover_the_actions_once(tmp_path: Path) -> None:
    hazards = _text("handlers.hazards", "hazards.toml")
    (tmp_path / "hazards.toml").write_text(hazards.replace('close = ["销号"]', 'close = ["已整改"]'), "utf-8")
    with pytest.raises(ConfigError, match="hazards.toml line .*verbs.*'已整改' names two actions"):
        load_rules_bundle(tmp_path)
    (tmp_path / "hazards.toml").write_text(hazards.replace('close = ["销号"]\n', ""), "utf-8")
    with pytest.raises(ConfigError, match="action 'close' has no verbs"):
        load_rules_bundle(tmp_path)


def test_an_office_overrides_help_words_and_entries_in_its_rules_dir(tmp_path: Path) -> None:
    shared = _text(*SHARED_FILE).replace('words = ["帮助",', 'words = ["咋个用", "帮助",')
    (tmp_path / "commands.toml").write_text(shared, "utf-8")
    roster = _text("handlers.roster", "roster_commands.toml").replace("查询值班安排", "问值班")
    (tmp_path / "roster_commands.toml").write_text(roster, "utf-8")
    commands = load_rules_bundle(tmp_path).commands
    assert "咋个用" in commands.help_words
    assert [e.title for e in commands.entries if e.name == "roster_query"] == ["问值班"]
    assert "咋个用" not in Rules.bundled().commands.help_words
