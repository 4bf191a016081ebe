"""问答 / question answering: an officer's procedural question, answered from the regulations.

Intent ``question``; no slots. Checks the question (empty, too long), asks the
knowledge base, and turns failures into a polite reply; never raises.
"""

from __future__ import annotations

import logging
import re

from core.errors import EnvbotError
from core.text import clean_text, urgent_contact
from handlers.base import HandlerContext, Inbound, Reply
from knowledge import Answer, KnowledgeBase

log = logging.getLogger(__name__)

_SPACE_RE = re.compile(r"\s+")


_WORD_RE = re.compile(r"[^\W_]", re.U)


def normalise_question(text: str) -> str:
    """The question cleaned (no lone surrogates or control characters), white space collapsed and
    stripped; "" when nothing readable is left (only symbols, punctuation, U+FFFD)."""
    q = _SPACE_RE.sub(" ", clean_text(text)).strip()
    return q if _WORD_RE.search(q.replace("\ufffd", "")) else ""


def answer_question(question: str, knowledge: KnowledgeBase, *, max_chars: int, duty_phone: str) -> Answer:
    """Answer one question with citations, or a polite reply.

    Args:
        question: the user's text, as typed.
        knowledge: the knowledge base.
        max_chars: longest accepted question, in characters.
        duty_phone: given when something goes wrong.

    Returns:
        An :class:`~knowledge.Answer`; ``abstained`` is True for refused or
        unanswerable questions.
    """
    q = normalise_question(question)
    if not q:
        return Answer(
            answer="您好，请输入您想咨询的问题，例如：“较大突发环境事件应当在多长时间内报告？”",
            abstained=True,
        )
    if len(q) > max_chars:
        return Answer(
            answer=f"您的问题较长（{len(q)}字），请精简到{max_chars}字以内、一次只问一个问题，以便准确查找条文。",
            abstained=True,
        )
    try:
        return knowledge.ask(q)
    except EnvbotError:
        log.exception("question answering failed")
        return Answer(
            answer=f"抱歉，系统暂时无法查询，请稍后再试。{urgent_contact(duty_phone)}。",
            abstained=True,
        )


def question_reply(inbound: Inbound, ctx: HandlerContext) -> list[Reply]:
    """The question intent: answer ``inbound.text`` from the regulations, with citations."""
    answer = answer_question(inbound.text, ctx.knowledge, max_chars=ctx.max_question_chars, duty_phone=ctx.duty_phone)
    return [Reply(answer.answer, citations=list(answer.citations))]
