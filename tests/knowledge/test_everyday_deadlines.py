"""Duty staff's deadline questions in Chongqing usage are answered from the right article (issue 14).

The scope model once read everyday words (好久, 要交, 咋个, 没得 …) as signs of an out-of-scope
question, because the out-of-scope set used them more often per line than the associated
questions did; these questions then got "没有找到" although the right article ranked first.
The questions here are our own, written for this test: none is an associated question or a
line of the evaluation sets.
"""

from __future__ import annotations

import pytest

from bot.services import Services
from handlers import answer_question
from knowledge import load_bundled
from tests.evalsets import EVAL, evaluation_lines, norm

ORDER_17 = "mee-order-17-incident-info-reporting.md"
ORDER_32 = "mee-order-32-incident-investigation.md"
PETITION = "petition-work-regulation-2022.md"
WULONG = "wulong-2024-emergency-work-points.md"

# (question as a duty officer types it, document, section the first citation must end with)
DEADLINES: list[tuple[str, str, str]] = [
    ("续报一般是好久交嘛", ORDER_17, "第十二条"),
    ("处理结果报告要得好久交哦", ORDER_17, "第十二条"),
    ("出了个较大的污染 区局好久之内要报给区政府哦", ORDER_17, "第三条"),
    ("初报里头到底要写些啥子东西嘛", ORDER_17, "第十三条"),
    ("半夜情况急 初报先打个电话报要得不", ORDER_17, "第十四条"),
    ("较大的事件调查要搞好多天才得完", ORDER_32, "第十六条"),
    ("信访件受理了好久之内要办结嘛", PETITION, "第三十四条"),
    ("我们武隆出了事 电话报和书面报分别好久要报上去", WULONG, "2.做好信息报告"),
]


def _ask(svc: Services, q: str):
    return answer_question(q, svc.knowledge, max_chars=500, duty_phone="023-00000000")


def test_the_deadline_questions_are_our_own() -> None:
    ours = {norm(q) for b in load_bundled().values() for _, q in b.rows}
    assert [q for q, _, _ in DEADLINES if norm(q) in ours] == []
    if EVAL.is_dir():
        evaluated = evaluation_lines()
        assert [q for q, _, _ in DEADLINES if norm(q) in evaluated] == []


@pytest.mark.parametrize(("question", "doc", "section"), DEADLINES, ids=[q for q, _, _ in DEADLINES])
def test_a_deadline_question_in_chongqing_usage_is_answered_from_its_article(
    corpus_services: Services, question: str, doc: str, section: str
) -> None:
    answer = _ask(corpus_services, question)
    assert not answer.abstained, (question, answer.answer)
    first = answer.citations[0]
    assert first.source == doc, (question, first.citation)
    assert first.section.endswith(section), (question, first.citation)


def test_dialect_alone_does_not_push_a_question_out_of_scope(corpus_services: Services) -> None:
    """The same question in dialect and in plain Mandarin gets a like scope probability."""
    scope = corpus_services.knowledge.service.scope
    assert scope is not None
    pairs = [
        ("续报一般是好久交嘛", "续报一般什么时候交"),
        ("初报里头要写些啥子东西嘛", "初报里面要写什么内容"),
        ("没得应急预案的企业罚好多钱", "没有应急预案的企业罚多少钱"),
    ]
    for dialect, mandarin in pairs:
        p_dialect, p_mandarin = scope.probability(dialect), scope.probability(mandarin)
        assert p_dialect >= 0.5, (dialect, p_dialect)
        assert abs(p_dialect - p_mandarin) <= 0.3, (dialect, p_dialect, mandarin, p_mandarin)
