"""Every rule file is typed: the bundled ones load, a bad entry names its file and line, ENVBOT_RULES_DIR overrides."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from bot.services import build_services
from core.errors import ConfigError
from handlers.base import Role
from handlers.nlu import location, pollution_type, understand
from handlers.rulebook import RULE_FILES, Rules, load_rules_bundle
from handlers.ruledata import RuleModel, line_of, parse_rule_text
from tests.conftest import make_settings

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
MODELS: dict[str, type[RuleModel]] = {
    field: type(getattr(Rules.bundled(), field))  # the model of each file, as the bundle holds it
    for field in RULE_FILES
}


def _bundled(field: str) -> tuple[str, str]:
    package, name = RULE_FILES[field]
    return name, resources.files(package).joinpath("data").joinpath(name).read_text("utf-8")


def test_every_bundled_file_loads_into_the_frozen_bundle() -> None:
    rules = Rules.bundled()
    for field in RULE_FILES:
        name, text = _bundled(field)
        assert parse_rule_text(text, MODELS[field], name) == getattr(rules, field), name
    assert "白马镇" in rules.district.towns and rules.district.short_towns["白马"] == "白马镇"
    assert rules.complaints.type_label("water") == "水污染" and rules.complaints.type_label("gone") == "其他"
    assert rules.process.accept_days == 15 and rules.process.commands["办结"].note_required
    assert rules.incidents.grade_of("较大") == 3
    assert rules.incident_words.ack.steps["phone_report"][0] == "电话报告"
    assert rules.hazards.label("levels", "major") == "重大隐患" and rules.hazards.defaults.page_size == 10
    assert rules.roster.shifts["夜班"].start == "17:30" and "谁值班" in rules.roster.intent.words
    # the cue words that used to be code are data now
    assert {"继续", "继续填写", "好", "好的"} == rules.complaints.form.continue_words
    assert "不留电话" in rules.complaints.intent.anonymous and "台账" in rules.hazards.intent.ledger
    assert "下一页" in rules.hazards.query.next_page and "什么" in rules.complaints.intent.question_marked
    with pytest.raises(Exception, match="frozen"):
        rules.hazards.defaults.page_size = 1  # type: ignore[misc]


# (file field, text to replace, replacement, what the message names, text on the line it names; None: no line)
BAD = [
    ("district", 'name = "武隆区"', "name = 5", "name", "name = 5"),
    ("district", 'name = "武隆区"', 'name = "武隆区"\ncapital = "x"', "capital", "capital"),
    ("district", "landmarks = [", "landmark = [", "landmarks", None),
    (
        "complaints",
        'continue_words = ["继续"',
        'continue_words = "继续"\nx = ["继续"',
        "continue_words",
        "continue_words",
    ),
    ("complaints", "[urgent]\n", '[urgent]\nsirens = ["x"]\n', "sirens", "sirens"),
    ("complaints", "[categories]", "[kategories]", "categories", None),
    ("complaints", 'patterns = ["自来水', 'patterns = ["自来水(', "patterns", "patterns"),
    ("process", "accept_days = 15", 'accept_days = "fifteen"', "accept_days", "accept_days"),
    ("process", 'note = false }\n"不予受理"', 'note = false, due = 1 }\n"不予受理"', "due", '"受理" ='),
    ("process", "[deadlines]", "[deadline]", "deadlines", None),
    ("incidents", "[settings]\n", "[settings]\nfax = 1\n", "fax", "fax"),
    ("incidents", "[settings]\n", "[setting]\n", "settings", None),
    ("incident_words", "question_words = [", 'question_words = "几"\nx = [', "question_words", "question_words"),
    ("incident_words", "[form]\n", "[form]\nmaybe_words = []\n", "maybe_words", "maybe_words"),
    ("incident_words", "[report]", "[reports]", "report", None),
    ("hazards", "page_size = 10", 'page_size = "ten"', "page_size", "page_size"),
    ("hazards", "[digest]\n", "[digest]\nminute = 5\n", "minute", "minute"),
    ("hazards", "[query]", "[queries]", "query", None),
    ("hazards", 'number = ["隐患编号"]', 'number = ["隐患编号"]\nphoto = ["照片"]', "photo", "[columns]"),
    ("roster", 'end = "17:30"', "end = 1730", "end", '"白班"'),
    ("roster", "[periods]\n", "[periods]\nextra = 1\n", "extra", "extra"),
    ("roster", "[roles]", "[role]", "roles", None),
]


@pytest.mark.parametrize(("field", "old", "new", "names", "target"), BAD)
def test_a_bad_entry_names_the_file_and_line(field: str, old: str, new: str, names: str, target: str | None) -> None:
    name, text = _bundled(field)
    assert old in text, (name, old)
    bad = text.replace(old, new, 1)
    with pytest.raises(ConfigError) as err:
        parse_rule_text(bad, MODELS[field], name)
    message = str(err.value)
    assert message.startswith(name) and names in message, message
    if target is None:
        return
    found = re.match(rf"{re.escape(name)} line (\d+):", message)
    assert found, message
    assert target in bad.splitlines()[int(found.group(1)) - 1], message


def test_malformed_toml_names_the_file_and_line() -> None:
    name, text = _bundled("hazards")
    with pytest.raises(ConfigError, match=r"^hazards.toml: .*line \d+"):
        parse_rule_text(text.replace("[digest]", "[digest"), MODELS["hazards"], name)


def test_line_of_finds_tables_keys_and_quoted_keys() -> None:
    text = '[a]\nx = 1\n\n[b.c]\n"键" = { y = 2 }\nz = [1, 2]\n'
    assert line_of(text, ("a", "x")) == 2
    assert line_of(text, ("b", "c", "键", "y")) == 5
    assert line_of(text, ("b", "c", "z", 1)) == 6
    assert line_of(text, ("b", "c")) == 4
    assert line_of(text, ("nowhere",)) is None


def _override(tmp_path: Path, field: str, old: str, new: str) -> Path:
    name, text = _bundled(field)
    assert old in text
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text.replace(old, new, 1), "utf-8")
    return folder


def test_rules_dir_overrides_file_by_file(tmp_path: Path) -> None:
    bundled = Rules.bundled()
    folder = _override(tmp_path, "district", '"大洞河乡",', '"大洞河乡", "新城镇",')
    _override(tmp_path, "complaints", 'soil = ["土壤"', 'soil = ["土壤", "菜地发黑"')
    rules = load_rules_bundle(folder)
    assert "新城镇" in rules.district.towns and "新城镇" not in bundled.district.towns
    assert location("新城镇有人往河里排污水", rules.district) == "新城镇"
    assert location("新城镇有人往河里排污水", bundled.district) is None
    assert pollution_type("菜地发黑了", rules.complaints) == "soil"
    assert pollution_type("菜地发黑了", bundled.complaints) is None
    reading = understand("新城镇菜地发黑了", Role.CITIZEN, NOW, rules)
    assert reading.intent == "complaint" and reading.slots["location"] == "新城镇"
    for field in ("process", "incidents", "incident_words", "hazards", "roster"):
        assert getattr(rules, field) == getattr(bundled, field), field  # absent from the folder: bundled


def test_incident_rules_setting_wins_over_the_folder(tmp_path: Path) -> None:
    folder = _override(tmp_path, "incidents", "minutes = 30\n", "minutes = 25\n")
    assert load_rules_bundle(folder).incidents.steps["phone_report"].limit("general") == 25
    name, text = _bundled("incidents")
    single = tmp_path / "mine.toml"
    single.write_text(text.replace("minutes = 30\n", "minutes = 20\n", 1), "utf-8")
    assert load_rules_bundle(folder, single).incidents.steps["phone_report"].limit("general") == 20


def test_a_bad_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        load_rules_bundle(tmp_path / "missing")
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "complaints.toml").write_text("", "utf-8")  # misspelt: complaint.toml
    with pytest.raises(ConfigError, match="complaints.toml: not a rule file"):
        load_rules_bundle(folder)


def test_a_bad_override_stops_start_up(tmp_path: Path) -> None:
    folder = _override(tmp_path, "hazards", "page_size = 10", "page_size = 0")
    with pytest.raises(ConfigError, match=r"hazards.toml line \d+: defaults.page_size"):
        build_services(make_settings(tmp_path, rules_dir=folder))
