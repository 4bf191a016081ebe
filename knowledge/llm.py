"""Optional LLM wording of answers through any OpenAI-compatible endpoint (langchain-openai).

The model sees only the retrieved passages, numbered, and must answer from them
with their numbers as citations; when they do not answer the question it must
say the agreed marker, and envbot then abstains. The same client writes associated
questions for passages at ingest (:mod:`knowledge.generate`).
"""

from __future__ import annotations

from typing import Any

from knowledge.answer import Citation

NO_ANSWER = "NO_ANSWER"

SYSTEM_PROMPT = (
    "你是区生态环境局环境应急工作的助手。只能依据用户消息中编号的条文回答，不得使用条文以外的知识。"
    "回答用简体中文，简明准确，在每句话后用【1】【2】这样的编号注明依据的条文。"
    f"如果这些条文不能回答问题，只回复 {NO_ANSWER}。"
)

QUESTIONS_PROMPT = (
    "你在为区生态环境局的问答助手整理“关联问题”：用户给出一段法规或工作方案的条文，"
    "请写出这段条文能够直接回答的问题，像群众、值班人员或执法人员在手机上实际提问那样："
    "用日常口语和大白话，少用条文原话，有短有长，各不相同。"
    "每行写一个问题，不要编号，不要回答，不要写其他内容。"
)


class OpenAICompatibleLLM:
    """Answers from passages with a chat model at an OpenAI-compatible endpoint.

    Args:
        base_url: e.g. ``http://127.0.0.1:8001/v1`` (Qwen, DeepSeek, GLM, vLLM, Ollama).
        api_key: the endpoint's key.
        model: model name.
        timeout: seconds per request; no retries (the extractive answer is the fallback).
    """

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout: float = 20.0) -> None:
        from langchain_openai import ChatOpenAI

        self._chat: Any = ChatOpenAI(
            base_url=base_url,
            api_key=api_key,  # type: ignore[arg-type]
            model=model,
            timeout=timeout,
            max_retries=0,
            temperature=0,
        )

    def answer(self, question: str, passages: list[Citation]) -> str | None:
        """The worded answer, or None when the model says the passages do not answer."""
        numbered = "\n\n".join(f"【{i}】{p.citation}\n{p.text}" for i, p in enumerate(passages, start=1))
        messages = [
            ("system", SYSTEM_PROMPT),
            ("human", f"条文：\n{numbered}\n\n问题：{question}"),
        ]
        reply = self._chat.invoke(messages)
        text = str(reply.content).strip()
        if not text or NO_ANSWER in text:
            return None
        refs = "\n".join(f"【{i}】{p.citation}" for i, p in enumerate(passages, start=1))
        return f"{text}\n\n依据：\n{refs}"

    def write_questions(self, citation: str, text: str, count: int) -> str:
        """The model's reply: ``count`` everyday-language questions that the passage answers, one a line
        (see :func:`knowledge.generate.parse_questions`). Errors of the endpoint propagate."""
        messages = [
            ("system", QUESTIONS_PROMPT),
            ("human", f"条文：{citation}\n{text}\n\n请写 {count} 个问题。"),
        ]
        return str(self._chat.invoke(messages).content)
