"""Ingest speed and answer latency.

Prints the cold ingest time of a corpus into a new data directory, chunks/s, the
re-ingest time when nothing changed, and warm answer latency p50/p99 (no LLM)
over a question file: of the answer service, then of repeated questions served from
the knowledge base's answer cache.

    python bench/ingest.py [--corpus DIR] [--file F.jsonl] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from common import DEFAULT_CORPUS, DEFAULT_QUESTIONS, build_index, load_cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--file", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    args = ap.parse_args()

    svc, cold, data = build_index(args.corpus)
    docs = svc.knowledge.documents()
    chunks = sum(d.chunk_count for d in docs)
    print(f"corpus: {args.corpus} ({len(docs)} documents, {chunks} passages)")
    print(f"cold ingest:           {cold:7.1f} s  ({chunks / cold:.1f} chunks/s)")
    t0 = time.perf_counter()
    report = svc.knowledge.ingest([args.corpus], exclude=svc.settings.ingest_exclude)
    again = time.perf_counter() - t0
    print(
        f"re-ingest, unchanged:  {again:7.2f} s  ({len(report.unchanged)} unchanged, {report.chunks_embedded} embedded)"
    )

    t0 = time.perf_counter()
    svc.knowledge.warm_up()
    print(f"index load + warm-up:  {time.perf_counter() - t0:7.2f} s")
    questions = [c.question for c in load_cases(args.file)]
    # the knowledge base caches answers (a repeated question costs microseconds): time the
    # answer service itself for the figure, then the cache once it holds every question
    for q in questions:
        svc.knowledge.ask(q)
    for label, ask in (("warm", svc.knowledge.service.ask), ("cached", svc.knowledge.ask)):
        times = []
        for _ in range(args.rounds):
            for q in questions:
                t = time.perf_counter()
                ask(q)
                times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
        print(
            f"answer latency ({label}, {len(times)} asks): p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms"
        )
    print(f"data dir: {data}")
    svc.close()


if __name__ == "__main__":
    main()
