"""Mobile numbers in the audit log (issue 15, item 11): masked at write, and on the audit page for old rows.

Before the fix a complaint's description ("……我的电话13912345678") went into ``audit_log`` and onto
the console's audit page in clear, while the ``phone`` field beside it was masked.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from store import AuditEntry
from tests.bot.conftest import OA_PLAIN, WECOM
from tests.bot.test_console import Console, _ticket


@pytest.fixture
def console(make_bot) -> Console:
    c = Console(make_bot(**OA_PLAIN, **WECOM))
    c.add("admin", "admin")
    return c


def test_a_phone_number_in_free_text_is_masked_at_write(console: Console) -> None:
    number = _ticket(console.bot)
    with console.bot.services.session_factory() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.subject == number)).all()
    logged = " ".join(e.before + e.after for e in entries)
    assert entries and "13912345678" not in logged and "139****5678" in logged
    assert json.loads(entries[0].after)["phone"] == "***"


def test_old_rows_are_masked_on_the_audit_page(console: Console) -> None:
    app = console.bot
    with app.services.session_factory.begin() as s:  # written before masking at write: the number in clear
        s.add(
            AuditEntry(
                at=app.clock.now(),
                actor="wechat:oTe***01",
                entity="ticket",
                subject="TS-OLD-1",
                action="create",
                before="{}",
                after=json.dumps({"description": "黑水，电话13712345678"}, ensure_ascii=False),
            )
        )
    console.login("admin")
    page = console.client.get("/console/audit", params={"subject": "TS-OLD-1"}).text
    assert "13712345678" not in page and "137****5678" in page
