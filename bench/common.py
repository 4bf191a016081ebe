"""Helpers shared by the benchmarks: question files, hit checks, a fresh index of a corpus."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.services import Services, build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "qa-public.jsonl"
DEFAULT_DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "qa-dev.jsonl"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Case:
    """One line of a question file (the format of shared/eval/qa-public.jsonl)."""

    id: str
    question: str
    expect: str
    doc: str
    evidence: str


def load_cases(path: Path) -> list[Case]:
    """Read a JSONL question file; ``doc``/``evidence`` may be absent for abstain cases."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(
                Case(
                    raw["id"], raw["question"], raw.get("expect", "answer"), raw.get("doc", ""), raw.get("evidence", "")
                )
            )
    return cases


def squeeze(text: str) -> str:
    """Text without white space, for evidence matching."""
    return "".join(text.split())


def is_hit(case: Case, source: str, text: str) -> bool:
    """A passage answers ``case`` when it comes from its doc and contains its evidence."""
    return source == case.doc and squeeze(case.evidence) in squeeze(text)


def build_index(corpus: Path, data_dir: Path | None = None) -> tuple[Services, float, Path]:
    """Ingest ``corpus`` into ``data_dir`` (a new temp dir by default); returns services, seconds, dir."""
    import time

    data = data_dir or Path(tempfile.mkdtemp(prefix="envbot-bench-"))
    settings = Settings(data_dir=data, corpus_dir=corpus)  # type: ignore[call-arg]
    svc = build_services(settings)
    t0 = time.perf_counter()
    report = svc.knowledge.ingest([corpus], exclude=settings.ingest_exclude)
    elapsed = time.perf_counter() - t0
    for path, reason in report.failed:
        print(f"  ingest failed: {path}: {reason}", file=sys.stderr)
    return svc, elapsed, data
