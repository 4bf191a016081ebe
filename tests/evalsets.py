"""The evaluation sets beside the repository, for tests that our own data never copies a line of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
_PUNCT = re.compile(r"[\s\W_]+", re.U)


def norm(text: str) -> str:
    """``text`` without punctuation and white space, lower-cased: how two lines are compared."""
    return _PUNCT.sub("", text).lower()


def evaluation_lines() -> set[str]:
    """Every message and question of ``../shared/eval/*.jsonl``, normalised (empty when absent)."""
    out = set()
    for path in EVAL.glob("*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                out.add(norm(case.get("text") or case.get("question") or ""))
    return out


PROBES = Path(__file__).resolve().parents[1] / "bench" / "data"


def probe_lines() -> set[str]:
    """Every message of our own measuring sets ``bench/data/intents-probe*.jsonl``, normalised: written
    by other hands to measure the reader, so training data must not copy them either."""
    out = set()
    for path in PROBES.glob("intents-probe*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                out.add(norm(json.loads(line)["text"]))
    return out
