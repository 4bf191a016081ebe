"""A long question's dense ranking embeds its asking clauses only (issue 14: a 480-character question
cost ~300 ms, nearly all of it the query embedding)."""

from __future__ import annotations

from bot.services import Services
from handlers import answer_question
from knowledge.focus import dense_focus

STORY = (
    "我们村子头有个养猪场，开了好几年了，以前还好，去年换了老板以后就不得行了，"
    "天气一热那个味道隔到几百米都闻得到，晚上窗子都不敢开，屋头老人娃娃都遭不住，"
    "村干部来看过两回，说是跟他们讲了，结果还是老样子，沟头的水也黑黢黢的，"
    "下雨天更凶，直接冲到下面的小河沟头去了，河边洗衣服的都不去了，"
)


def test_a_short_question_is_embedded_whole() -> None:
    assert dense_focus("初报要写啥子") == "初报要写啥子"


def test_a_long_message_keeps_its_asking_clauses_within_the_limit() -> None:
    message = STORY * 2 + "想问一下这种情况该找哪个部门，多久之内要给个答复嘛"
    focus = dense_focus(message, 160)
    assert len(message) > 300 and len(focus) <= 160
    assert "找哪个部门" in focus and "多久之内要给个答复嘛" in focus
    assert "养猪场" not in focus


def test_a_long_message_without_an_ask_keeps_its_end() -> None:
    message = STORY * 3
    assert dense_focus(message, 160) == message[-160:]


def test_a_long_question_still_finds_its_article(corpus_services: Services) -> None:
    """The whole message still feeds the lexical rankings; the ask at its end picks the article."""
    question = STORY * 3 + "我就想问下 信访事项受理了以后好久之内要办结"
    assert len(question) > 400
    answer = answer_question(question, corpus_services.knowledge, max_chars=500, duty_phone="023-00000000")
    assert answer.citations, answer.text
    top = answer.citations[0]
    assert top.source == "petition-work-regulation-2022.md" and top.section.endswith("第三十四条"), top
