"""The optional LLM path against a small fake OpenAI-compatible server on loopback."""

from __future__ import annotations

from bot.services import Services
from knowledge import AnswerService
from knowledge.llm import NO_ANSWER, OpenAICompatibleLLM


def _service(corpus_services: Services, base_url: str) -> AnswerService:
    base = corpus_services.knowledge.service
    llm = OpenAICompatibleLLM(base_url=base_url, api_key="test", model="qwen-test", timeout=5)
    return AnswerService(base.retriever, base.config, llm)


Q = "对初步认定为较大突发环境事件的，县级环保部门应当在多长时间内报告？"


def test_llm_answers_only_from_the_passages_and_keeps_citations(corpus_services: Services, fake_llm) -> None:
    fake, url = fake_llm
    answer = _service(corpus_services, url).ask(Q)
    assert not answer.abstained
    assert answer.answer.startswith("依据条文【1】，应当在四小时内报告。")
    assert "【1】《突发环境事件信息报告办法》第三条" in answer.answer
    assert answer.citations[0].section == "第三条"
    (req,) = fake.requests
    assert req["model"] == "qwen-test"
    system, user = req["messages"][0]["content"], req["messages"][1]["content"]
    assert "只能依据" in system and NO_ANSWER in system
    assert "【1】《突发环境事件信息报告办法》第三条" in user and "应当在四小时内" in user and Q in user


def test_llm_no_answer_means_abstain(corpus_services: Services, fake_llm) -> None:
    fake, url = fake_llm
    fake.reply = NO_ANSWER
    answer = _service(corpus_services, url).ask(Q)
    assert answer.abstained and answer.citations == []


def test_llm_failure_falls_back_to_the_extractive_answer(corpus_services: Services, fake_llm) -> None:
    fake, url = fake_llm
    fake.reply = None
    answer = _service(corpus_services, url).ask(Q)
    assert not answer.abstained
    assert answer.answer.startswith("根据现行法规和预案")
    assert answer.citations[0].section == "第三条"
