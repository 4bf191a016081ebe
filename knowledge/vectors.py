"""The dense index: a Chroma collection through LangChain's ``Chroma`` vector store.

Embedded by default (a persistent directory); an HTTP client to a Chroma server
when a URL is given. The collection is named after the embedding model, so
switching models never mixes vectors of two models. Chroma's own default
embedding function (which downloads a model) is never used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from core.errors import ConfigError, KnowledgeError
from knowledge.embeddings import embeddings_identity

SEARCH_EF = 200  # HNSW breadth at query time; must exceed the candidates asked for (50)


def _collection_name(prefix: str, embeddings: Embeddings) -> str:
    ident = embeddings_identity(embeddings)
    safe = re.sub(r"[^a-zA-Z0-9_-]", "-", ident)[:40].strip("-_") or "model"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:6]
    return f"{prefix}-{safe}-{digest}"


class VectorIndex:
    """Passage vectors in Chroma, keyed by chunk id.

    Args:
        embeddings: the LangChain embeddings used for passages and queries.
        persist_dir: directory of the embedded Chroma (used when ``url`` is empty).
        url: ``http://host:port`` of a Chroma server; overrides ``persist_dir``.
        prefix: collection name prefix.

    Raises:
        ConfigError: neither a directory nor a valid URL was given.
    """

    def __init__(
        self,
        embeddings: Embeddings,
        *,
        persist_dir: str | Path | None = None,
        url: str = "",
        prefix: str = "envbot",
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        client: Any
        if url:
            parsed = urlparse(url)
            if parsed.scheme not in {"http", "https"} or not parsed.hostname:
                raise ConfigError(f"invalid Chroma URL: {url!r}")
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        elif persist_dir is not None:
            Path(persist_dir).mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(persist_dir), settings=chroma_settings)
        else:
            raise ConfigError("VectorIndex needs persist_dir or url")
        self.embeddings = embeddings
        self.client = client
        self.prefix = prefix
        self.collection_name = _collection_name(prefix, embeddings)
        self.store = Chroma(
            client=client,
            collection_name=self.collection_name,
            embedding_function=embeddings,
            collection_metadata={"hnsw:space": "cosine", "hnsw:search_ef": SEARCH_EF, "hnsw:construction_ef": 200},
        )
        self._ensure_search_ef()

    def _ensure_search_ef(self) -> None:
        """Raise HNSW ``ef_search`` on collections made before it was set (Chroma's default, 10, is
        below the number of candidates we ask for and makes dense results vary between runs)."""
        collection = self.store._collection
        try:
            current = (collection.configuration or {}).get("hnsw") or {}
            if int(current.get("ef_search") or 0) < SEARCH_EF:
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
        except Exception:  # an older server without collection configuration: keep what it has
            return

    def question_collection(self) -> Any:
        """The Chroma collection that keeps the associated questions' vectors (same model, own name).

        Raises:
            KnowledgeError: the collection cannot be opened.
        """
        try:
            return self.client.get_or_create_collection(
                name=_collection_name(f"{self.prefix}-q", self.embeddings), metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:  # chromadb raises many unrelated types
            raise KnowledgeError(f"question vector collection cannot be opened: {exc}") from exc

    def vectors_of(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of ``ids`` (ids without a vector are left out).

        Raises:
            KnowledgeError: the index cannot be read.
        """
        out: dict[str, list[float]] = {}
        try:
            for i in range(0, len(ids), 5000):
                got = self.store._collection.get(ids=list(ids[i : i + 5000]), include=["embeddings"])
                vectors: Any = got["embeddings"] if got["embeddings"] is not None else []
                for cid, vec in zip(got["ids"], vectors, strict=True):
                    out[cid] = [float(x) for x in vec]
        except Exception as exc:  # chromadb raises many unrelated types
            raise KnowledgeError(f"vector index cannot be read: {exc}") from exc
        return out

    def present(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` already have a vector."""
        if not ids:
            return set()
        found = self.store.get(ids=list(ids), include=[])
        return set(found["ids"])

    def add(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Embed ``texts`` as passages and store them under ``ids``."""
        if ids:
            self.store.add_texts(list(texts), metadatas=list(metadatas), ids=list(ids))

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the vectors of ``ids`` (unknown ids are ignored)."""
        if ids:
            self.store.delete(ids=list(ids))

    def count(self) -> int:
        """Number of vectors in the collection."""
        return int(self.store._collection.count())

    def search_vector(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest passages to a query vector as ``(chunk id, cosine similarity)``.

        Raises:
            KnowledgeError: the index cannot be queried.
        """
        n = self.count()
        if n == 0:
            return []
        try:
            query: list[Sequence[float]] = [list(vector)]
            res = self.store._collection.query(query_embeddings=query, n_results=min(k, n), include=["distances"])
        except Exception as exc:  # chromadb raises many unrelated types
            raise KnowledgeError(f"vector index query failed: {exc}") from exc
        ids = res["ids"][0]
        dists = (res.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]
