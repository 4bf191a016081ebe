"""The incident rule file: the bundled one is valid and says what RULES.md says; a bad one names its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from bot.services import build_services
from core.errors import ConfigError
from handlers.incidents.plan import Facts, plan
from handlers.incidents.rules import load_rules, parse_rules
from tests.conftest import make_settings

BUNDLED = resources.files("handlers.incidents").joinpath("data").joinpath("incident_rules.toml").read_text("utf-8")
T0 = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def test_bundled_rules_match_the_sources() -> None:
    rules = load_rules()
    steps = rules.steps
    assert steps["phone_report"].limit("general") == 30 and steps["written_report"].limit("major") == 60
    assert (steps["initial_report"].limit("general"), steps["initial_report"].limit("major")) == (240, 120)  # 第三条
    assert (steps["investigation"].limit("general"), steps["investigation"].limit("major")) == (30 * 1440, 60 * 1440)
    assert "第十六条" in steps["investigation"].source and "第三条" in steps["initial_report"].source
    assert [rules.grade_of(w) for w in ("特别重大", "重大", "较大", "一般", "Ⅲ级", "IV级", "超级大")] == [
        1,
        2,
        3,
        4,
        3,
        4,
        None,
    ]
    assert rules.route(None, []) == "general" and rules.route(None, ["heavy_metal"]) == "major"  # 第四条
    assert rules.route(3, ["heavy_metal"]) == "general"  # a determined grade decides


@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [
        ("minutes = 30\n", "minutes = -30\n", "phone_report", "positive"),
        ('route = "general"\nwords = ["较大"', 'route = "medium"\nwords = ["较大"', "grades.3", "route"),
        ("minutes = { general = 240, major = 120 }", "minutes = { general = 240 }", "initial_report", "both"),
        ('anchor = "ended"\nminutes = 4320', 'anchor = "later"\nminutes = 4320', "final_report", "anchor"),
        ("heads_up_minutes = 10 ", "heads_up_minutes = 'ten' ", "heads_up_minutes", "integer"),
    ],
)
def test_a_bad_rule_names_its_line(old: str, new: str, line: str, says: str) -> None:
    assert old in BUNDLED
    text = BUNDLED.replace(old, new, 1)
    with pytest.raises(ConfigError) as err:
        parse_rules(text)
    message = str(err.value)
    assert says in message
    number = int(message.split(" line ")[1].split(":")[0])
    target = text.splitlines()[number - 1]
    assert line.split(".")[-1] in target or new.split("\n")[0].split(" =")[0] in target


def test_malformed_toml_and_unknown_steps() -> None:
    with pytest.raises(ConfigError, match="line"):
        parse_rules(BUNDLED.replace("[steps.phone_report]", "[steps.phone_report"))
    with pytest.raises(ConfigError, match="unknown step 'fax_report'"):
        parse_rules(
            BUNDLED
            + '\n[steps.fax_report]\nlabel = "传真"\nanchor = "discovered"\n'
            + 'minutes = 5\nsource = "x"\nbasis = "office"\nack = "已传真"\n'
        )


def test_a_bad_rule_file_stops_start_up(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text(BUNDLED.replace("minutes = 30\n", "minutes = 0\n", 1), "utf-8")
    with pytest.raises(ConfigError, match=r"rules.toml line \d+"):
        build_services(make_settings(tmp_path, incident_rules=bad))


def test_plan_by_grade_end_and_follow_ups() -> None:
    rules = load_rules()
    due = {p.step: p.due_at - T0 for p in plan(rules, Facts(T0, "major"))}
    assert due == {
        "phone_report": timedelta(minutes=30),
        "written_report": timedelta(hours=1),
        "initial_report": timedelta(hours=2),
    }
    acked = T0 + timedelta(minutes=50)
    follow = plan(
        rules, Facts(T0, "general", done={"initial_report": [acked], "follow_up_report": [acked + timedelta(hours=3)]})
    )
    (f,) = [p for p in follow if p.step == "follow_up_report"]
    assert (f.seq, f.due_at) == (2, acked + timedelta(hours=7))
    end = T0 + timedelta(days=1)
    ended = {p.step: p for p in plan(rules, Facts(T0, "general", end, done={"initial_report": [acked]}))}
    assert "follow_up_report" not in ended  # no follow-ups after the emergency
    assert ended["investigation"].due_at == end + timedelta(days=30)
    assert ended["investigation"].heads_up(rules) == timedelta(days=3)
    assert plan(rules, Facts(T0, "major", end))[-1].due_at == end + timedelta(days=60)


def test_a_report_builds_only_on_other_drafts_and_names_its_heading() -> None:
    assert load_rules().drafts["final_report"].builds_on == ["initial_report", "follow_up_report"]  # 第十三条第三款
    old = 'builds_on = ["initial_report", "follow_up_report"]'
    assert old in BUNDLED
    with pytest.raises(ConfigError, match="builds_on names 'summary_report'"):
        parse_rules(BUNDLED.replace(old, 'builds_on = ["summary_report"]'))
    with pytest.raises(ConfigError, match="builds_on names 'final_report'"):
        parse_rules(BUNDLED.replace(old, 'builds_on = ["final_report"]'))
    with pytest.raises(ConfigError, match="earlier_title"):
        parse_rules(BUNDLED.replace('earlier_title = "初报、续报情况"', ""))


def test_the_report_document_layout_and_statistics_words_are_checked(tmp_path: Path) -> None:
    from handlers.rulebook import load_rules_bundle

    layout = resources.files("handlers.incidents").joinpath("data").joinpath("report_document.toml").read_text("utf-8")
    (tmp_path / "report_document.toml").write_text(layout.replace("body_size = 16", "body_size = 0"), "utf-8")
    with pytest.raises(ConfigError, match=r"report_document.toml line \d+: body_size"):
        load_rules_bundle(tmp_path)
    (tmp_path / "report_document.toml").unlink()
    words = resources.files("handlers.statistics").joinpath("data").joinpath("statistics.toml").read_text("utf-8")
    (tmp_path / "statistics.toml").write_text(words.replace('overdue = "已超期未办"\n', ""), "utf-8")
    with pytest.raises(ConfigError, match="needs 'overdue'"):
        load_rules_bundle(tmp_path)
    (tmp_path / "statistics.toml").write_text(words.replace('"隐患排查治理"', '"' + "长" * 32 + '"'), "utf-8")
    with pytest.raises(ConfigError, match="31 characters"):
        load_rules_bundle(tmp_path)
