"""Handlers: one module per user intent. They never import wechatpy or FastAPI."""

from handlers.qa import answer_question, normalise_question

__all__ = ["answer_question", "normalise_question"]
