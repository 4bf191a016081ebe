"""The declared forms: each module's Mermaid diagram matches its form; the dialogue runs exactly these forms."""

from __future__ import annotations

import re
import sys

import pytest

from bot.dialogue import FORMS, FORMS_BY_NAME
from handlers import clarify, complaints, hazards, incidents, lists, staff_commands
from handlers.forms import CONFIRM, RESERVED_STEPS, RESUME, Form, Timeout

DECLARED = (*complaints.FORMS, *incidents.FORMS, *hazards.FORMS, clarify.FORM, staff_commands.FORM, lists.FORM)
MERMAID_RE = re.compile(r"```mermaid\n(.*?)```", re.S)
TITLE_RE = re.compile(r"\A---\ntitle: (\S+)\n---\n")


def diagrams(doc: str) -> dict[str, str]:
    """The Mermaid diagrams of a docstring by their front-matter title."""
    found: dict[str, str] = {}
    for block in MERMAID_RE.findall(doc):
        m = TITLE_RE.match(block)
        assert m, f"a diagram without a title: {block[:60]!r}"
        assert m.group(1) not in found, f"two diagrams titled {m.group(1)}"
        found[m.group(1)] = block[m.end() :]
    return found


def states(diagram: str) -> set[str]:
    """The states a ``stateDiagram-v2`` names ([*] left out)."""
    assert diagram.startswith("stateDiagram-v2\n")
    named = set(re.findall(r"^\s*(\S+) -->", diagram, re.M)) | set(re.findall(r"--> ([^\s:]+)", diagram))
    return named - {"[*]"}


def module_of(form: Form) -> str:
    """The module that declares ``form``'s ``Step`` enum."""
    return type(next(iter(form.steps))).__module__


def check_diagram(form: Form, doc: str) -> None:
    """Assert that ``doc`` has a diagram titled with the form's name whose states are the form's."""
    diagram = diagrams(doc).get(form.name)
    assert diagram is not None, f"{module_of(form)} has no diagram titled {form.name}"
    named = states(diagram)
    steps = {step.value for step in form.steps}
    assert named - RESERVED_STEPS == steps  # every step drawn, nothing drawn that is not a step
    assert (CONFIRM in named) == (form.confirm is not None)
    assert (RESUME in named) == (form.timeout is Timeout.PAUSE)


@pytest.mark.parametrize("form", DECLARED, ids=lambda f: f.name)
def test_each_forms_diagram_names_its_steps(form: Form) -> None:
    check_diagram(form, sys.modules[module_of(form)].__doc__ or "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("occurred --> description", "occurred --> descr"),  # a state that is no step
        ("    location --> resume: idle > timeout\n    resume --> location: 继续\n", ""),  # the pause not drawn
        ("title: complaint", "title: complaints"),  # no diagram for the form
    ],
)
def test_the_diagram_check_catches_drift(old: str, new: str) -> None:
    doc = sys.modules[module_of(complaints.FORM)].__doc__ or ""
    assert old in doc
    with pytest.raises(AssertionError):
        check_diagram(complaints.FORM, doc.replace(old, new))


def test_the_dialogue_runs_the_declared_forms_and_nothing_else() -> None:
    assert FORMS == DECLARED
    assert set(FORMS_BY_NAME) == {
        "complaint",
        "incident",
        "incident_pick",
        "hazard_page",
        "clarify",
        "staff_command",
        "list_followup",
    }


def test_cancel_texts_are_declared_by_the_forms() -> None:
    stop = "好的，已停止补充。已登记的事件仍在计时，之后可用“补充 要素：内容”继续补充。"
    assert incidents.FORM.cancel_text == stop and incidents.PICK_FORM.cancel_text == stop
    assert complaints.FORM.cancel_text == "好的，已取消当前事项，草稿已删除。如需帮助请回复“帮助”。"
    assert hazards.PAGE_FORM.cancel_text == complaints.FORM.cancel_text
