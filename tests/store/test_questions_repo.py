"""Associated questions on a real database (a SQLite file, or PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.errors import NotFound
from store import (
    AssociatedQuestion,
    AssociatedQuestionRepo,
    AuditEntry,
    Chunk,
    DocumentRepo,
    QuestionError,
    acting_as,
    make_engine,
    make_session_factory,
    upgrade,
)
from tests.conftest import database_url

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def session_factory(tmp_path: Path, clock: FrozenClock):
    url = database_url(tmp_path / "q.db")
    upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine, clock.now)
    engine.dispose()


def _doc(session, name: str, digest: str):
    return DocumentRepo(session).save(
        source_path=f"/docs/{name}",
        source_name=name,
        title="河道巡查办法",
        edition="",
        content_hash=digest,
        chunks=[Chunk(id=f"{name}-{digest}", ordinal=0, article="第一条", text="第一条 每周巡查两次。")],
        ingested_at=T0,
    )


def test_add_cleans_the_text_and_stamps_the_session_clock(session_factory, clock: FrozenClock) -> None:
    with session_factory.begin() as s:
        row = AssociatedQuestionRepo(s).add("a.md", "第一条", "  河道\n多久 巡查\x07一次\ud800 ", "console", "h1")
        row_id = row.id
    with session_factory() as s:
        (stored,) = AssociatedQuestionRepo(s).for_document("a.md")
    assert stored.id == row_id
    assert stored.question == "河道 多久 巡查一次\ufffd"
    assert (stored.article, stored.origin, stored.doc_hash) == ("第一条", "console", "h1")
    assert stored.created_at == stored.updated_at == T0
    clock.advance(timedelta(hours=1))
    with session_factory.begin() as s:
        AssociatedQuestionRepo(s).update(row_id, question="河道好久巡查一次")
    with session_factory() as s:
        stored = AssociatedQuestionRepo(s).get(row_id)
    assert stored.question == "河道好久巡查一次" and stored.created_at == T0
    assert stored.updated_at == T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    ("question", "origin", "message"),
    [
        ("   \x00\x01 ", "console", "问题为空"),
        ("问" * 201, "console", "不能超过 200 字"),
        ("河道多久巡查一次", "wiki", "未知的问题来源"),
    ],
)
def test_a_bad_question_is_refused(session_factory, question: str, origin: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message), session_factory.begin() as s:
        AssociatedQuestionRepo(s).add("a.md", "第一条", question, origin)
    with session_factory() as s:
        assert AssociatedQuestionRepo(s).all() == []


def test_two_hundred_characters_are_kept_and_a_duplicate_is_refused(session_factory) -> None:
    with session_factory.begin() as s:
        AssociatedQuestionRepo(s).add("a.md", "第一条", "问" * 200, "import")
        AssociatedQuestionRepo(s).add("a.md", "第二条", "河道多久巡查一次", "import")
        AssociatedQuestionRepo(s).add("b.md", "第一条", "河道多久巡查一次", "import")
    with pytest.raises(QuestionError, match="已有这个问题"), session_factory.begin() as s:
        AssociatedQuestionRepo(s).add("a.md", "第二条", " 河道多久巡查一次 ", "console")
    with session_factory.begin() as s:
        repo = AssociatedQuestionRepo(s)
        first = repo.for_document("a.md")[0]
        with pytest.raises(QuestionError, match="已有这个问题"):
            repo.update(first.id, article="第二条", question="河道多久巡查一次")
    with session_factory() as s:
        assert [(q.source_name, q.article) for q in AssociatedQuestionRepo(s).all()] == [
            ("a.md", "第一条"),
            ("a.md", "第二条"),
            ("b.md", "第一条"),
        ]


def test_update_and_delete_of_a_missing_row_say_not_found(session_factory) -> None:
    with session_factory.begin() as s:
        repo = AssociatedQuestionRepo(s)
        with pytest.raises(NotFound):
            repo.update(404, question="有人吗")
        with pytest.raises(NotFound):
            repo.delete(404)


def test_replace_origin_syncs_one_origin_of_one_document(session_factory, clock: FrozenClock) -> None:
    with session_factory.begin() as s:
        repo = AssociatedQuestionRepo(s)
        typed = repo.add("a.md", "第一条", "巡查员好久去一趟河边", "console")
        repo.add("b.md", "第一条", "别的文件的问题", "bundled", "hb")
        rows = [("第一条", "河道多久巡查一次"), ("第一条", "巡查员好久去一趟河边"), ("第二条", "发现排污口咋个办")]
        assert repo.replace_origin("a.md", "bundled", [*rows, rows[0]], "h1") == 2  # the typed one stays typed
        kept_id = repo.find("a.md", "第一条", "河道多久巡查一次").id
    clock.advance(timedelta(minutes=5))
    with session_factory.begin() as s:
        repo = AssociatedQuestionRepo(s)
        assert repo.replace_origin("a.md", "bundled", rows, "h1") == 0  # nothing to do
        one = [("第一条", "河道多久巡查一次")]
        assert repo.replace_origin("a.md", "bundled", one, "h2") == 2  # one deleted, one re-stamped
    with session_factory() as s:
        got = {(q.article, q.question, q.origin, q.doc_hash) for q in AssociatedQuestionRepo(s).for_document("a.md")}
        kept = AssociatedQuestionRepo(s).get(kept_id)
        others = AssociatedQuestionRepo(s).for_document("b.md")
    assert got == {("第一条", "河道多久巡查一次", "bundled", "h2"), ("第一条", "巡查员好久去一趟河边", "console", "")}
    assert kept.created_at == T0 and kept.updated_at == T0 + timedelta(minutes=5)
    assert [q.question for q in others] == ["别的文件的问题"]
    assert typed.id != kept_id
    with pytest.raises(QuestionError, match="问题为空"), session_factory.begin() as s:
        AssociatedQuestionRepo(s).replace_origin("a.md", "bundled", [("第一条", " ")], "h3")
    with session_factory() as s:
        assert len(AssociatedQuestionRepo(s).for_document("a.md")) == 2  # the refused sync changed nothing


def test_a_withdrawn_bundled_question_stays_out_after_the_next_sync(session_factory) -> None:
    """An officer removes a bundled question: the next sync of the bundled files must not bring it back;
    a console question is deleted outright; adding the withdrawn text again takes it back."""
    rows = [("第一条", "河道多久巡查一次"), ("第一条", "巡查员好久去一趟河边")]
    with session_factory.begin() as s:
        repo = AssociatedQuestionRepo(s)
        repo.replace_origin("a.md", "bundled", rows, "h1")
        typed = repo.add("a.md", "第一条", "河长多久巡河", "console")
        gone = repo.withdraw(repo.find("a.md", *rows[0]).id)
        repo.withdraw(typed.id)
    with session_factory.begin() as s:
        repo = AssociatedQuestionRepo(s)
        assert repo.replace_origin("a.md", "bundled", rows, "h1") == 0  # the withdrawn one is not added again
        assert [q.question for q in repo.for_document("a.md")] == ["巡查员好久去一趟河边"]
        assert [q.question for q in repo.all()] == ["巡查员好久去一趟河边"] and repo.counts() == {"a.md": (1, 0)}
        with pytest.raises(NotFound):
            repo.get(gone.id)
        assert s.scalar(select(func.count()).select_from(AssociatedQuestion)) == 2  # console row deleted
        back = repo.add("a.md", "第一条", "河道多久巡查一次", "console")
        assert back.id == gone.id and back.origin == "console"


def test_stale_questions_are_those_written_for_another_version(session_factory) -> None:
    with session_factory.begin() as s:
        _doc(s, "a.md", "new-a")
        _doc(s, "b.md", "hash-b")
        repo = AssociatedQuestionRepo(s)
        repo.add("a.md", "第一条", "写给旧版的问题", "bundled", "old-a")
        repo.add("a.md", "第一条", "写给新版的问题", "bundled", "new-a")
        repo.add("a.md", "第一条", "不知道写给哪版的问题", "console", "")
        repo.add("b.md", "第一条", "乙文件的问题", "llm", "hash-b")
        repo.add("gone.md", "第一条", "文件已删除的问题", "import", "whatever")
    with session_factory() as s:
        docs = DocumentRepo(s).list()
        assert [q.question for q in AssociatedQuestionRepo(s).stale(docs)] == ["写给旧版的问题"]
        assert AssociatedQuestionRepo(s).stale([]) == []
    with session_factory.begin() as s:  # the document changes: its questions of the old hash become stale
        _doc(s, "b.md", "hash-b2")
    with session_factory() as s:
        stale = AssociatedQuestionRepo(s).stale(DocumentRepo(s).list())
    assert [q.question for q in stale] == ["写给旧版的问题", "乙文件的问题"]
    with session_factory() as s:
        assert AssociatedQuestionRepo(s).counts() == {"a.md": (3, 1), "b.md": (1, 1), "gone.md": (1, 0)}


def test_changes_through_the_orm_are_audited_with_the_actor(session_factory) -> None:
    with acting_as("console:officer"), session_factory.begin() as s:
        row = AssociatedQuestionRepo(s).add("a.md", "第一条", "河道多久巡查一次", "console")
        row_id = row.id
    with acting_as("console:admin"), session_factory.begin() as s:
        AssociatedQuestionRepo(s).update(row_id, question="河道好久巡查一回")
    with acting_as("console:admin"), session_factory.begin() as s:
        AssociatedQuestionRepo(s).delete(row_id)
    with session_factory() as s:
        log = s.scalars(select(AuditEntry).where(AuditEntry.entity == "question").order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor, e.subject) for e in log] == [
        ("create", "console:officer", "a.md 第一条"),
        ("update", "console:admin", "a.md 第一条"),
        ("delete", "console:admin", "a.md 第一条"),
    ]
    assert json.loads(log[1].before) == {"question": "河道多久巡查一次"}
    assert json.loads(log[1].after) == {"question": "河道好久巡查一回"}


def test_add_many_skips_what_the_passage_has_and_refuses_a_bad_row_whole(session_factory) -> None:
    with session_factory.begin() as s:
        AssociatedQuestionRepo(s).add("a.md", "第一条", "河道多久巡查一次", "console")
    rows = [
        ("a.md", "第一条", "河道多久巡查一次", "h"),  # already stored
        ("a.md", "第一条", "巡查员  一周去几回", "h"),
        ("a.md", "第一条", "巡查员 一周去几回", "h"),  # the same once cleaned
        ("b.md", "第一条", "河道多久巡查一次", "hb"),  # another document: a question of its own
    ]
    with pytest.raises(QuestionError, match="问题为空"), session_factory.begin() as s:
        AssociatedQuestionRepo(s).add_many("import", [*rows, ("a.md", "第二条", "\x00", "h")])
    with session_factory.begin() as s:
        added = AssociatedQuestionRepo(s).add_many("import", rows)
        assert [(q.source_name, q.question, q.doc_hash) for q in added] == [
            ("a.md", "巡查员 一周去几回", "h"),
            ("b.md", "河道多久巡查一次", "hb"),
        ]
    with session_factory() as s:
        assert len(AssociatedQuestionRepo(s).all()) == 3
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "question")) == 3
