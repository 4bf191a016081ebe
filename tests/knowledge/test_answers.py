"""Cited answers over the whole real corpus (ingested once per session)."""

from __future__ import annotations

import json

from bot.services import Services
from handlers import answer_question
from knowledge import Mode, Outcome
from tests.conftest import EVAL


def _ask(svc: Services, q: str):
    return answer_question(q, svc.knowledge, max_chars=500, duty_phone="023-00000000")


def test_done_when_question_cites_order_17_article_3(corpus_services: Services) -> None:
    answer = _ask(corpus_services, "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？")
    assert not answer.abstained
    first = answer.citations[0]
    assert (first.source, first.title, first.section) == (
        "mee-order-17-incident-info-reporting.md",
        "突发环境事件信息报告办法",
        "第三条",
    )
    assert first.citation == "《突发环境事件信息报告办法》第三条"
    assert "四小时内" in first.text
    assert "《突发环境事件信息报告办法》第三条" in answer.answer
    assert 1 <= len(answer.citations) <= 10
    scores = [c.score for c in answer.citations]
    assert scores == sorted(scores, reverse=True)


def test_short_duration_questions_rank_the_reporting_rule_first(corpus_services: Services) -> None:
    # "多长时间" is the form of the question: passages say 四小时内, never 多长时间
    tokens = corpus_services.knowledge.service.retriever.tokenizer.tokens("多长时间内报告")
    assert "时间" not in tokens and "长时间" not in tokens and "报告" in tokens
    answer = _ask(corpus_services, "较大突发环境事件应当在多长时间内报告？")
    assert answer.citations[0].citation == "《突发环境事件信息报告办法》第三条"
    assert not _ask(corpus_services, "发生突发环境事件后多长时间内要电话报告？").abstained


def test_list_questions_rank_the_article_that_lists_first(corpus_services: Services) -> None:
    # "包括哪些内容" is the form of a list question: the listing article says 初报应当报告……, not 内容
    tokens = corpus_services.knowledge.service.retriever.tokenizer.tokens("初报应当包括哪些内容？")
    assert "内容" not in tokens and "包括" not in tokens and "初报" in tokens
    answer = _ask(corpus_services, "初报应当包括哪些内容？")
    assert answer.citations[0].citation == "《突发环境事件信息报告办法》第十三条"
    assert all("信访" not in c.citation for c in answer.citations[:3])


def test_work_plan_is_cited_by_numbered_heading(corpus_services: Services) -> None:
    answer = _ask(corpus_services, "武隆区突发事件信息报告要通过哪些平台报送？")
    top = answer.citations[0]
    assert top.source == "wulong-2024-emergency-work-points.md"
    assert top.section.endswith("2.做好信息报告")
    assert "渝快政" in top.text


def test_same_title_editions_are_told_apart(corpus_services: Services) -> None:
    answer = _ask(corpus_services, "突发事件应对法规定突发事件分为哪几级？")
    cites = [c.citation for c in answer.citations if c.title == "中华人民共和国突发事件应对法"]
    assert cites and all("修订）" in c or "通过）" in c for c in cites)


def test_current_law_ranks_above_the_replaced_one(corpus_services: Services) -> None:
    hits = corpus_services.knowledge.service.retrieve("信访事项应当在多少日内办结？", k=5)
    assert hits[0].chunk.source_name == "petition-work-regulation-2022.md"


def test_a_quoted_passage_of_a_replaced_document_says_so(corpus_services: Services) -> None:
    service = corpus_services.knowledge.service
    question = "信访事项应当在多少日内办结？"
    old = [h for h in service.retrieve(question, k=10) if h.chunk.superseded]
    assert {h.chunk.title for h in old} >= {"信访条例"}
    quoted = service._extractive(question, old)
    assert "《信访条例》" in quoted and "（已被《信访工作条例》取代，仅供参考）" in quoted
    assert "取代" not in service._extractive(question, service.retrieve(question, k=1))  # current law: no mark


def test_unrelated_questions_abstain_with_the_duty_phone(corpus_services: Services) -> None:
    for q in ("今天天气怎么样？", "个人所得税怎么算？", "仙女山门票多少钱？"):
        answer = _ask(corpus_services, q)
        assert answer.abstained, q
        assert answer.citations == []
        assert "12369 环保举报热线" in answer.answer and "值班" in answer.answer


def test_empty_and_overlong_questions_get_polite_replies(corpus_services: Services) -> None:
    empty = _ask(corpus_services, "   ")
    assert empty.abstained and "请输入" in empty.answer
    long = _ask(corpus_services, "污染" * 2500)
    assert long.abstained and "500字以内" in long.answer
    for unreadable in ("\ud800\udfff\ud800", "\x00\x01\x7f", "？？！！", "😀😀"):
        reply = _ask(corpus_services, unreadable)
        assert reply.abstained and "请输入" in reply.answer and reply.citations == []


def test_public_eval_set_retrieval_quality(corpus_services: Services) -> None:
    """A regression floor well below the benchmark's figures (bench/qa.py prints the real ones)."""
    cases = [json.loads(line) for line in (EVAL / "qa-public.jsonl").read_text("utf-8").splitlines() if line.strip()]
    svc = corpus_services.knowledge.service
    hit5 = 0
    for case in cases:
        hits = svc.retrieve(case["question"], k=5, mode=Mode.HYBRID)
        ev = "".join(case["evidence"].split())
        hit5 += any(h.chunk.source_name == case["doc"] and ev in "".join(h.chunk.text.split()) for h in hits)
        assert svc.decide(case["question"], svc.retrieve(case["question"], k=10))[0] is not Outcome.ABSTAIN, case["id"]
    assert hit5 / len(cases) >= 0.9


def test_a_long_penalty_article_is_quoted_with_its_amount(corpus_services: Services) -> None:
    """The lead of a long article (who fines whom, how much) stays in the quote beside the clauses that match,
    even when those clauses alone would fill it."""
    items = "".join(f"（{n}）在第{n}号河段私设暗管排放含油废水、洗罐废水或者其他废水的；" for n in "一二三四五六七八")
    text = (
        "违反本条例规定，有下列行为之一的，由区生态环境主管部门责令改正，处十万元以上一百万元以下的罚款；情节严重的，责令停业："
        + items
    )
    service = corpus_services.knowledge.service
    quote = service._quote("私设暗管排放洗罐废水", text)
    assert len(text) > service.config.quote_chars
    assert quote.startswith("违反本条例规定") and "十万元以上一百万元以下的罚款" in quote
    assert "私设暗管排放含油废水" in quote and quote.endswith("……")
