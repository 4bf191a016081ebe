"""The complaint form's declaration: the diagram in the docs matches the steps; eager checks."""

from __future__ import annotations

import re

import pytest

from handlers.base import Reply
from handlers.complaints import chat as complaint
from handlers.forms import Form, StepSpec


def test_mermaid_diagram_matches_the_steps() -> None:
    doc = complaint.__doc__ or ""
    diagram = doc.split("```mermaid", 1)[1].split("```", 1)[0]
    states = set(re.findall(r"(\w+) -->", diagram)) | set(re.findall(r"--> (\w+)", diagram))
    states -= {"[*]"}
    declared = {spec.slot for spec in complaint.FORM.steps.values()}
    assert declared <= states
    assert states - declared <= {"confirm", "resume"}


def test_every_step_has_a_prompt_and_a_parser() -> None:
    for step, spec in complaint.FORM.steps.items():
        assert spec.prompt and callable(spec.parse), step


def test_bad_declarations_fail_at_import_time() -> None:
    def parse(*_args: object) -> str:
        return "x"

    with pytest.raises(ValueError, match="no steps"):
        Form("empty", {}, lambda d: Reply(""))
    with pytest.raises(ValueError, match="same slot"):
        Form(
            "dup",
            {complaint.Step.TYPE: StepSpec("a", "?", parse), complaint.Step.LOCATION: StepSpec("a", "?", parse)},
            lambda d: Reply(""),
        )


def test_next_step_skips_filled_slots() -> None:
    data = {"pollution_type": "water", "location": "江口镇"}
    assert complaint.FORM.next_step(data) is complaint.Step.OCCURRED
