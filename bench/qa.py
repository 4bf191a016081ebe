"""Retrieval and abstention quality on a question file.

For the public set, the development set, our own banks and any file given: hit@1, hit@5
and MRR@10 over the answerable questions for envbot, envbot without associated questions,
without the thesaurus, without either, BM25 only, dense only and a naive LangChain baseline
(fixed-size RecursiveCharacterTextSplitter chunks + the same embeddings + Chroma); the rates
of the three outcomes (answer / hedge / abstain) on answerable and unanswerable questions;
the answer latency p50/p99, and for 100 of the bank's questions padded to 480 characters (the chat takes 500).

    python bench/qa.py [--file F.jsonl ...] [--corpus DIR] [--data-dir DIR] [--no-naive]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from common import DEFAULT_CORPUS, DEFAULT_DEV_QUESTIONS, DEFAULT_QUESTIONS, ROOT, Case, build_index, is_hit, load_cases

from knowledge import AnswerService, HybridRetriever, Mode, Outcome, QuestionVectors, RetrievalConfig, load_document

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


def variants(service: AnswerService, question_vectors: QuestionVectors) -> list[tuple[str, Ranker]]:
    """envbot and its ablations over the same passages and questions."""
    base = service.retriever
    cfg = base.config

    def ranker(config: RetrievalConfig, mode: Mode = Mode.HYBRID) -> Ranker:
        r = HybridRetriever(
            base.chunks,
            base.tokenizer,
            base.vectors,
            config,
            questions=base.questions,
            question_vectors=question_vectors,  # kept in memory: not embedded again
            thesaurus=base.thesaurus,
            query_cache=base.query_cache,
        )
        return lambda q: [(h.chunk.source_name, h.chunk.text) for h in r.search(q, k=10, mode=mode)]

    no_q = replace(cfg, question_lexical_weight=0.0, question_dense_weight=0.0)
    return [
        ("envbot (hybrid)", ranker(cfg)),
        ("  no questions", ranker(no_q)),
        ("  no thesaurus", ranker(replace(cfg, use_thesaurus=False))),
        ("  neither", ranker(replace(no_q, use_thesaurus=False))),
        ("BM25 only", ranker(cfg, Mode.LEXICAL)),
        ("dense only", ranker(cfg, Mode.DENSE)),
    ]


def outcomes(service: AnswerService, questions: list[str]) -> tuple[dict[str, float], list[float]]:
    """Share of each outcome over ``questions`` and the time of each answer (ms)."""
    counts = {o.value: 0 for o in Outcome}
    times = []
    for q in questions:
        t0 = time.perf_counter()
        counts[service.ask(q).outcome] += 1
        times.append((time.perf_counter() - t0) * 1000)
    n = max(1, len(questions))
    return {k: v / n for k, v in counts.items()}, times


# Circumstance people write before their question (ours, not from any question set): padded in front of
# the bank's questions to measure questions of ~480 characters, the length the chat accepts (500).
NARRATIVE = (
    "我们这边情况是这样的，前几天镇上开了个会，说起最近河边那几个厂的事情，大家意见都比较大，"
    "有的说晚上闻到怪味道，有的说水的颜色不对，村里的人也在群里面转来转去的，搞得人心惶惶，"
    "领导让我们先把规定弄清楚，免得到时候报错了挨批评，我翻了半天文件也没找到具体的说法，"
    "同事也说法不一，有的说要先报区里，有的说直接报市里，所以来问一下，"
)


def long_latency(service: AnswerService, questions: list[str], chars: int = 480) -> None:
    """Answer ``questions`` padded in front with :data:`NARRATIVE` to ``chars`` characters (each text new,
    so no cache helps): latency p50/p99 and how often the first passage is the short question's."""
    if not questions:
        return
    times, same = [], 0
    for q in questions:
        pad = (NARRATIVE * (chars // len(NARRATIVE) + 1))[: max(0, chars - len(q))]
        short = service.ask(q).citations
        t0 = time.perf_counter()
        long = service.ask(pad + q).citations
        times.append((time.perf_counter() - t0) * 1000)
        same += bool(short and long and (short[0].source, short[0].section) == (long[0].source, long[0].section))
    t = np.asarray(times)
    print(
        f"long questions ({chars} characters, {len(t)}): p50 {np.percentile(t, 50):.1f} ms, "
        f"p99 {np.percentile(t, 99):.1f} ms; first passage as for the short question {same / len(t):.3f}"
    )


def report(name: str, cases: list[Case], rows: list[tuple[str, Ranker]], service: AnswerService) -> list[float]:
    answerable = [c for c in cases if c.expect == "answer"]
    unanswerable = [c for c in cases if c.expect == "abstain"]
    print(f"\n## {name}: {len(answerable)} answerable, {len(unanswerable)} unanswerable")
    times: list[float] = []
    if answerable:
        print(f"{'retriever':<18} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
        for label, ranker in rows:
            h1, h5, mrr = score(cases, ranker)
            print(f"{label:<18} {h1:6.3f} {h5:6.3f} {mrr:7.3f}")
        rates, t = outcomes(service, [c.question for c in answerable])
        times += t
        wrong = [c.id for c in answerable if service.ask(c.question).abstained]
        print(
            f"answerable:   answer {rates['answer']:.3f}  hedge {rates['hedge']:.3f}  abstain {rates['abstain']:.3f}"
            + (f"  {wrong}" if wrong and len(wrong) <= 12 else "")
        )
    if unanswerable:
        rates, t = outcomes(service, [c.question for c in unanswerable])
        times += t
        print(f"unanswerable: answer {rates['answer']:.3f}  hedge {rates['hedge']:.3f}  abstain {rates['abstain']:.3f}")
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, action="append", default=[], help="more question files (JSONL)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse an index here (built if empty)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive LangChain baseline")
    args = ap.parse_args()

    sets: list[tuple[str, Path]] = [
        ("public", DEFAULT_QUESTIONS),
        ("development", DEFAULT_DEV_QUESTIONS),
        ("own answerable bank", ROOT / "bench" / "data" / "own-answerable.jsonl"),
        ("abstain probe", ROOT / "bench" / "data" / "abstain-probe.jsonl"),
    ] + [(str(f), f) for f in args.file]
    svc, _, _ = build_index(args.corpus, args.data_dir)
    service = svc.knowledge.service
    print(
        f"index: {len(service.retriever)} passages, {len(service.retriever.questions)} associated questions, "
        f"{len(service.retriever.thesaurus)} thesaurus phrases; decision model: "
        f"{'yes' if service.decision is not None else 'no (floors)'}"
    )
    rows = variants(service, svc.knowledge.question_vectors)
    if not args.no_naive:
        rows.append(("naive LangChain", naive_langchain(args.corpus, svc.knowledge.vectors.embeddings)))
    times: list[float] = []
    for name, path in sets:
        if path.exists():
            times += report(name, load_cases(path), rows, service)
    if times:
        t = np.asarray(times)
        p50, p99 = np.percentile(t, 50), np.percentile(t, 99)
        print(f"\nanswer latency (warm, {len(t)} questions): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    bank = ROOT / "bench" / "data" / "own-answerable.jsonl"
    if bank.exists():
        long_latency(service, [c.question for c in load_cases(bank) if c.expect == "answer"][:100])
    svc.close()


if __name__ == "__main__":
    main()
