"""Retrieval and abstention quality on a question file.

Prints hit@1, hit@5, MRR@10 over the answerable cases, abstain accuracy over the
abstain cases and the false-abstain rate over the answerable ones, for envbot's
retriever and, side by side, BM25 only, dense only, and a naive LangChain
baseline (fixed-size RecursiveCharacterTextSplitter chunks + the same embeddings
+ Chroma).

    python bench/qa.py [--file F.jsonl] [--extra-abstain F.jsonl] [--corpus DIR] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import DEFAULT_CORPUS, DEFAULT_QUESTIONS, ROOT, Case, build_index, is_hit, load_cases

from knowledge import Mode, load_document

Ranker = Callable[[str], list[tuple[str, str]]]  # question -> [(source file, passage text)] best first


def rank_of(case: Case, ranked: list[tuple[str, str]]) -> int | None:
    for i, (source, text) in enumerate(ranked[:10], start=1):
        if is_hit(case, source, text):
            return i
    return None


def score(cases: list[Case], ranker: Ranker) -> tuple[float, float, float]:
    answerable = [c for c in cases if c.expect == "answer"]
    h1 = h5 = mrr = 0.0
    for case in answerable:
        r = rank_of(case, ranker(case.question))
        h1 += r == 1
        h5 += r is not None and r <= 5
        mrr += 1 / r if r else 0
    n = len(answerable) or 1
    return h1 / n, h5 / n, mrr / n


def naive_langchain(corpus: Path, embeddings: object) -> Ranker:
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=500, chunk_overlap=50, separators=["\n\n", "\n", "。", "，", ""]
    )
    texts, metas = [], []
    for path in sorted(corpus.glob("*")):
        if path.name in {"SOURCES.md", "README.md"} or path.suffix not in {".md", ".txt"}:
            continue
        doc = load_document(path)
        for chunk in splitter.split_text(doc.text):
            texts.append(chunk)
            metas.append({"source": path.name})
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=tempfile.mkdtemp(prefix="naive-chroma-"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = Chroma(client=client, collection_name="naive", embedding_function=embeddings)  # type: ignore[arg-type]
    store.add_texts(texts, metadatas=metas)

    def rank(q: str) -> list[tuple[str, str]]:
        return [(d.metadata["source"], d.page_content) for d in store.similarity_search(q, k=10)]

    print(f"  naive baseline: {len(texts)} fixed-size chunks")
    return rank


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=DEFAULT_QUESTIONS, help="question file (JSONL)")
    ap.add_argument(
        "--extra-abstain",
        type=Path,
        default=ROOT / "bench" / "data" / "abstain-probe.jsonl",
        help="more abstain cases (our own); pass '' to skip",
    )
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse an index here (built if empty)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive LangChain baseline")
    args = ap.parse_args()

    cases = load_cases(args.file)
    abstain_cases = [c for c in cases if c.expect == "abstain"]
    extra = load_cases(args.extra_abstain) if args.extra_abstain and str(args.extra_abstain) else []
    print(f"questions: {args.file} ({len(cases) - len(abstain_cases)} answer, {len(abstain_cases)} abstain)")
    if extra:
        print(f"extra abstain probe: {args.extra_abstain} ({len(extra)})")
    svc, _, _ = build_index(args.corpus, args.data_dir)
    service = svc.knowledge.service

    def product_ranker(mode: Mode) -> Ranker:
        return lambda q: [(h.chunk.source_name, h.chunk.text) for h in service.retrieve(q, k=10, mode=mode)]

    rows = [
        ("envbot (hybrid)", product_ranker(Mode.HYBRID)),
        ("BM25 only", product_ranker(Mode.LEXICAL)),
        ("dense only", product_ranker(Mode.DENSE)),
    ]
    if not args.no_naive:
        rows.append(("naive LangChain", naive_langchain(args.corpus, svc.knowledge.vectors.embeddings)))
    print(f"\n{'retriever':<18} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
    for name, ranker in rows:
        h1, h5, mrr = score(cases, ranker)
        print(f"{name:<18} {h1:6.3f} {h5:6.3f} {mrr:7.3f}")

    answerable = [c for c in cases if c.expect == "answer"]
    false_abstain = [c.id for c in answerable if svc.knowledge.ask(c.question).abstained]
    print("\nabstention (envbot):")
    print(
        f"  false-abstain rate on answerable: {len(false_abstain) / max(1, len(answerable)):.3f} {false_abstain or ''}"
    )
    for label, group in (("file", abstain_cases), ("extra probe", extra)):
        if group:
            missed = [c.id for c in group if not svc.knowledge.ask(c.question).abstained]
            acc = 1 - len(missed) / len(group)
            print(f"  abstain accuracy ({label}, {len(group)}): {acc:.3f} {missed or ''}")
        else:
            print(f"  abstain accuracy ({label}): n/a (no abstain cases)")
    svc.close()


if __name__ == "__main__":
    main()
