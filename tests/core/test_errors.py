"""The error tree: every domain's refusal is a DomainError, and keeps its context."""

from __future__ import annotations

import pytest

import core
from bot.console.web import ConsoleError
from core import DomainError, EnvbotError
from handlers.hazards import HazardError, SheetError
from handlers.incidents import IncidentError
from handlers.questions import QuestionSheetError
from handlers.roster import RosterError
from store import QuestionError

DOMAIN_ERRORS = [IncidentError, HazardError, SheetError, RosterError, QuestionError, QuestionSheetError, ConsoleError]


@pytest.mark.parametrize("error", DOMAIN_ERRORS, ids=lambda e: e.__name__)
def test_every_domain_error_is_a_domain_error(error: type[Exception]) -> None:
    assert issubclass(error, DomainError)
    assert issubclass(error, EnvbotError)


@pytest.mark.parametrize("error", DOMAIN_ERRORS, ids=lambda e: e.__name__)
def test_the_tree_in_the_docstring_names_every_domain_error(error: type[Exception]) -> None:
    assert f"│   ├── {error.__name__} " in (core.errors.__doc__ or "") or f"│   └── {error.__name__} " in (
        core.errors.__doc__ or ""
    )


def test_domain_errors_keep_their_context() -> None:
    rows = ["第3行：日期为空", "第5行：班次无法识别"]
    for error in (RosterError(rows), SheetError(rows), QuestionSheetError(rows)):
        assert error.errors == rows
        assert str(error) == "第3行：日期为空；第5行：班次无法识别"
    refused = ConsoleError(404, "没有编号为 E20261129001 的事件。")
    assert (refused.status, refused.message, str(refused)) == (404, "没有编号为 E20261129001 的事件。", refused.message)
    assert str(IncidentError("事件级别只能是一般、较大、重大或特别重大。")).startswith("事件级别")


def test_a_domain_error_is_caught_as_one() -> None:
    with pytest.raises(DomainError, match="尚未整改完成"):
        raise HazardError("H20260001 尚未整改完成（已登记），回头看请在整改后进行。")
