"""Help and menus come from what the domains declare: every entry 帮助 lists works for that role, and every
Official Account menu key starts the entry it names (issue 12: no "即将开通" text for something that exists)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bot.dialogue import MENU_STARTS, Dialogue
from handlers.base import Channel, Event, Inbound, Kind, Reply, Role
from handlers.rulebook import Rules

ROLES = (Role.CITIZEN, Role.OFFICER, Role.DUTY, Role.ADMIN)


class Recorder:
    """A dialogue whose observer records which rule answered each message."""

    def __init__(self, services) -> None:
        self.rules: list[str] = []
        self.dialogue = Dialogue(services.dialogue.ctx, observe=self._observe)
        self.clock = services.clock
        self._n = 0

    def _observe(self, _inbound: Inbound, rule: str, _seconds: float, _replies: list[Reply]) -> None:
        self.rules.append(rule)

    def send(
        self, role: Role, text: str, *, user: str, kind: Kind = Kind.TEXT, event: Event | None = None
    ) -> list[Reply]:
        self._n += 1
        channel = Channel.WECHAT if role is Role.CITIZEN else Channel.WECOM
        inbound = Inbound(channel, user, role, kind, text, f"m{self._n}", self.clock.now(), event=event)
        return self.dialogue.handle(inbound)


@pytest.fixture
def bot(services) -> Recorder:
    return Recorder(services)


@pytest.mark.parametrize("role", ROLES)
def test_help_lists_exactly_the_entries_of_the_role(bot: Recorder, role: Role) -> None:
    text = bot.send(role, "帮助", user=f"help-{role}")[0].text
    catalogue = Rules.bundled().commands
    for entry in catalogue.entries:
        shown = f"{entry.title}：{entry.usage}，例如“{entry.example}”" in text
        assert shown is (entry.listed and role in entry.roles), (role, entry.name)
    assert "即将开通" not in text and "建设中" not in text
    assert text.startswith(catalogue.help.staff_intro if role.is_staff else catalogue.help.citizen_intro)


@pytest.mark.parametrize("entry", Rules.bundled().commands.entries, ids=lambda e: e.name)
def test_declared_example_reaches_its_rule(bot: Recorder, entry) -> None:
    for role in entry.roles:
        replies = bot.send(role, entry.example, user=f"ex-{entry.name}-{role}")
        assert bot.rules[-1] == entry.rule, (entry.name, role, [r.text for r in replies])
        assert replies and all(r.text for r in replies)


def test_help_and_unknown_staff_commands_are_not_offered_to_citizens(bot: Recorder) -> None:
    for entry in Rules.bundled().commands.entries:
        if Role.CITIZEN not in entry.roles and entry.rule == "staff_command":
            bot.send(Role.CITIZEN, entry.example, user="citizen-x")
            assert bot.rules[-1] != "staff_command", entry.name


def _menu_keys() -> list[str]:
    menu = json.loads(resources.files("bot").joinpath("data").joinpath("wechat_menu.json").read_text("utf-8"))
    keys = []
    for button in menu["button"]:
        for b in [button, *button.get("sub_button", [])]:
            if b.get("type") == "click":
                keys.append(b["key"])
    return keys


def test_every_menu_key_names_a_declared_entry_with_a_start() -> None:
    catalogue = Rules.bundled().commands
    for key in _menu_keys():
        entry = catalogue.entry(catalogue.menu[key])
        assert entry is not None and entry.name in MENU_STARTS, key
        assert Role.CITIZEN in entry.roles, key  # the menu is the Official Account's: citizens


def test_clicking_each_menu_key(bot: Recorder) -> None:
    keys = _menu_keys()
    catalogue = Rules.bundled().commands
    click = {k: catalogue.menu[k] for k in keys}
    assert set(click.values()) == {"complaint", "complaint_status", "help"}
    for key, name in click.items():
        user = f"menu-{key}"
        replies = bot.send(Role.CITIZEN, key, user=user, kind=Kind.EVENT, event=Event.CLICK)
        text = "\n".join(r.text for r in replies)
        assert "即将开通" not in text and "12369" not in text or name == "help"
        if name == "complaint":
            assert "哪一类污染" in text  # the complaint form started
            assert "位置" in bot.send(Role.CITIZEN, "1", user=user)[0].text  # and goes on: 1 = water -> where?
        elif name == "complaint_status":
            assert "您还没有通过本平台提交过举报" in text
        else:
            assert text == bot.send(Role.CITIZEN, "帮助", user=user)[0].text


def test_unknown_menu_key_gets_help(bot: Recorder) -> None:
    text = bot.send(Role.CITIZEN, "NO_SUCH_KEY", user="u", kind=Kind.EVENT, event=Event.CLICK)[0].text
    assert text == bot.send(Role.CITIZEN, "帮助", user="u2")[0].text
