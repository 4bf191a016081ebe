"""Associated questions written by the LLM at ingest, against a fake OpenAI-compatible server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services import Services, build_services
from knowledge import OpenAICompatibleLLM, generate_questions, parse_questions
from knowledge.generate import MAX_FAILURES_IN_A_ROW
from store import AssociatedQuestionRepo, DocumentRepo
from tests.conftest import make_settings

DOC = """# 武隆区河道巡查办法

第一条 河道巡查员每周巡查芙蓉江两次，发现排污口异常立即报告区生态环境局。

第二条 巡查发现死鱼、水体变色的，巡查员应当拍照留证，并在一小时内电话报告。

第三条 本办法自印发之日起施行。
"""

REPLY = (
    "好的，问题如下：\n"
    "1. 河边巡查一个礼拜去几回\n"
    "2、看到河里死鱼了咋个办？\n"
    "- “河水变颜色了要不要打电话”\n"
    "3. 河边巡查一个礼拜去几回\n"
)


@pytest.fixture
def llm_services(tmp_path: Path, embeddings, clock, fake_llm) -> Iterator[tuple[Services, object]]:
    fake, url = fake_llm
    fake.reply = REPLY
    svc = build_services(
        make_settings(tmp_path, llm_base_url=url, llm_model="qwen-test"), clock=clock, embeddings=embeddings
    )
    yield svc, fake
    svc.close()


def _questions(svc: Services, name: str) -> list[tuple[str, str, str, str]]:
    with svc.session_factory() as s:
        return [(q.article, q.question, q.origin, q.doc_hash) for q in AssociatedQuestionRepo(s).for_document(name)]


def test_parse_questions_drops_numbering_quotes_chatter_and_repeats() -> None:
    assert parse_questions(REPLY) == ["河边巡查一个礼拜去几回", "看到河里死鱼了咋个办？", "河水变颜色了要不要打电话"]
    assert parse_questions("问题1：厂子半夜偷排归哪个管\n问题2：罚好多钱", 1) == ["厂子半夜偷排归哪个管"]
    assert parse_questions("好的\n12\n\n") == []


def test_ingest_asks_the_llm_for_passages_without_questions(llm_services, tmp_path: Path) -> None:
    svc, fake = llm_services
    doc = tmp_path / "river.md"
    doc.write_text(DOC, encoding="utf-8")
    with svc.session_factory.begin() as s:  # an officer already wrote one for the first article
        AssociatedQuestionRepo(s).add("river.md", "第一条", "巡查员多久去一趟芙蓉江", "console")
    report = svc.knowledge.ingest([doc])
    assert report.added == [str(doc.resolve())]
    with svc.session_factory() as s:
        digest = DocumentRepo(s).find("river.md").content_hash
    asked = [r["messages"][1]["content"] for r in fake.requests]
    assert len(asked) == 2 and "《武隆区河道巡查办法》第二条" in asked[0] and "拍照留证" in asked[0]
    assert "第三条" in asked[1] and "请写 3 个问题" in asked[1]
    assert fake.requests[0]["model"] == "qwen-test" and "关联问题" in fake.requests[0]["messages"][0]["content"]
    generated = [q for q in _questions(svc, "river.md") if q[2] == "llm"]
    assert [(a, q) for a, q, _, _ in generated] == [
        (article, question) for article in ("第二条", "第三条") for question in parse_questions(REPLY)
    ]
    assert {h for *_, h in generated} == {digest}

    fake.requests.clear()
    assert svc.knowledge.ingest([doc]).unchanged and fake.calls == 0  # unchanged: nothing asked
    doc.write_text(DOC + "\n第四条 巡查记录保存三年。\n", encoding="utf-8")
    assert svc.knowledge.ingest([doc]).updated
    assert fake.calls == 1 and "第四条" in fake.requests[0]["messages"][1]["content"]  # only the new article


def test_a_failing_endpoint_is_logged_skipped_and_given_up_on(
    llm_services, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc, fake = llm_services
    fake.reply = None  # every call answers 500
    docs = []
    for i in range(2):
        doc = tmp_path / f"d{i}.md"
        doc.write_text(DOC.replace("武隆区", f"第{i}号"), encoding="utf-8")
        docs.append(str(doc.resolve()))
    with caplog.at_level("WARNING", logger="knowledge.generate"):
        report = svc.knowledge.ingest([tmp_path])
    assert len(report.added) == 2 and not report.failed  # the documents are in, without questions
    assert fake.calls == MAX_FAILURES_IN_A_ROW  # not six calls: the run stopped
    assert "stopped after 3 failed calls" in caplog.text
    assert _questions(svc, "d0.md") == [] and _questions(svc, "d1.md") == []

    writer = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", api_key="k", model="m")
    gen = generate_questions(svc.session_factory, writer, docs)  # nothing listens on port 9
    assert gen.stopped and gen.generated == 0 and len(gen.failed) == MAX_FAILURES_IN_A_ROW

    fake.reply = "好的\n嗯"  # answers, but no usable question: skipped without stopping
    gen = generate_questions(svc.session_factory, svc.knowledge.question_writer, docs)
    assert not gen.stopped and len(gen.failed) == 6 and gen.generated == 0
    fake.reply = REPLY
    gen = generate_questions(svc.session_factory, svc.knowledge.question_writer, docs)
    assert gen.generated == 18 and gen.passages[0] == "d0.md 第一条"
    assert {q[2] for q in _questions(svc, "d1.md")} == {"llm"}
