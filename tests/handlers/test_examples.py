"""The reader's example files: valid, big enough, overridable, and never copied from the evaluation sets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from core.errors import ConfigError
from handlers.examples import (
    COMMAND_FILES,
    EXAMPLE_FILES,
    INTENTS,
    NO_COMMAND,
    load_command_examples,
    load_examples,
    parse_examples,
)
from handlers.rulebook import Rules
from tests.evalsets import EVAL, evaluation_lines, norm, probe_lines


def test_every_file_loads_and_every_intent_has_enough_examples() -> None:
    examples = load_examples()
    counts = Counter(e.intent for e in examples.items)
    assert set(counts) == set(INTENTS)
    for intent in INTENTS:
        assert counts[intent] >= 60, intent
    for intent in ("complaint", "incident_report", "incident_ack", "question"):
        assert counts[intent] >= 200, intent
    roles = {e.intent: {e2.role for e2 in examples.items if e2.intent == e.intent} for e in examples.items}
    assert {r.value for r in roles["question"]} == {"citizen", "officer", "duty"}


@pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is not beside the repository")
def test_no_example_is_a_line_of_the_evaluation_sets() -> None:
    evaluated = evaluation_lines()
    copied = [e.text for e in load_examples().items if norm(e.text) in evaluated]
    copied += [c.example.text for c in load_command_examples().items if norm(c.example.text) in evaluated]
    assert copied == []


def test_no_example_is_a_line_of_our_measuring_sets() -> None:
    measured = probe_lines()
    assert len(measured) > 150
    copied = [e.text for e in load_examples().items if norm(e.text) in measured]
    copied += [c.example.text for c in load_command_examples().items if norm(c.example.text) in measured]
    assert copied == []


def test_a_bad_line_names_the_file_and_line() -> None:
    good = '{"role": "citizen", "text": "河里有死鱼", "intent": "complaint", "slots": {"urgent": true}}'
    assert parse_examples(good + "\n\n", "x.jsonl")[0].slots.urgent is True
    with pytest.raises(ConfigError, match=r"x.jsonl line 2: intent"):
        parse_examples(good + '\n{"role": "citizen", "text": "t", "intent": "praise"}\n', "x.jsonl")
    with pytest.raises(ConfigError, match=r"x.jsonl line 1: not JSON"):
        parse_examples("{role: citizen}", "x.jsonl")
    with pytest.raises(ConfigError, match=r"x.jsonl line 1: slots.pollution_type"):
        parse_examples(
            '{"role": "duty", "text": "t", "intent": "incident_report", "slots": {"pollution_type": "smell"}}',
            "x.jsonl",
        )


def test_an_office_replaces_one_example_file(tmp_path: Path) -> None:
    name = EXAMPLE_FILES[-1][1]
    (tmp_path / name).write_text('{"role": "duty", "text": "今天哪个守夜", "intent": "roster_query"}\n', "utf-8")
    bundled, replaced = load_examples(), load_examples(tmp_path)
    assert replaced.digest != bundled.digest
    rosters = [e.text for e in replaced.items if e.intent == "roster_query"]
    assert rosters == ["今天哪个守夜"]  # roster questions live in the replaced file only
    assert len(replaced.items) < len(bundled.items)


def test_every_command_said_in_everyday_words_has_examples() -> None:
    rules = Rules.bundled()
    counts = Counter(c.label for c in rules.command_examples.items)
    for domain, said in rules.said.items():
        for action in said:
            assert counts[f"{domain}.{action}"] >= 10, (domain, action)
    assert counts[NO_COMMAND] >= 50  # hard negatives of their own, besides every staff message of the intent files
    facts = {c.example.element for c in rules.command_examples.items if c.example.element}
    assert {"monitoring", "measures", "cause", "trend"} <= facts


def test_a_command_example_naming_an_unknown_action_or_element_names_the_line(tmp_path: Path) -> None:
    name = COMMAND_FILES[0][2]
    good = '{"role": "duty", "text": "初报出个稿", "command": "draft_initial"}'
    (tmp_path / name).write_text(good + '\n{"role": "duty", "text": "发个传真", "command": "fax"}\n', "utf-8")
    with pytest.raises(ConfigError, match=rf"{name} line 2: command: 'fax' is no action of incident"):
        load_command_examples(tmp_path, {"incident": ["draft_initial"]})
    (tmp_path / name).write_text('{"role": "duty", "text": "天晴", "command": "add_detail", "element": "weather"}\n')
    with pytest.raises(ConfigError, match=rf"{name} line 1: element: 'weather' is no report element"):
        load_command_examples(tmp_path, None, {"monitoring"})
    (tmp_path / name).write_text('{"role": "citizen", "text": "初报出个稿", "command": "draft_initial"}\n')
    with pytest.raises(ConfigError, match=rf"{name} line 1: role"):
        load_command_examples(tmp_path)
