"""The thesaurus, the bundled associated questions and their data rules (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import ConfigError
from knowledge import bundled_thesaurus, load_bundled
from knowledge.questions import parse_question_lines
from knowledge.thesaurus import parse_thesaurus
from tests.evalsets import EVAL, evaluation_lines, norm

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
SUPERSEDED = {"emergency-response-law-2007.md", "petition-regulation-2005.md"}


def test_everyday_words_add_the_statute_words_and_keep_the_question() -> None:
    th = parse_thesaurus(
        """
        [[entry]]
        statute = ["罚款"]
        everyday = ["罚好多钱", "罚多少"]
        [[entry]]
        statute = ["多少"]
        everyday = ["好多"]
        [[entry]]
        statute = ["突发环境事件"]
        everyday = ["出事"]
        """
    )
    assert th.expand("厂里偷排要罚好多钱") == ["罚款"]  # the longer phrase wins; 好多 inside it is taken
    assert th.expand("出事了报好多人") == ["突发环境事件", "多少"]
    assert th.expand("出事了") == ["突发环境事件"]
    assert th.expand("突发环境事件出事了") == []  # already in the question: nothing to add
    assert th.expand("天气好") == []


def test_a_bad_thesaurus_is_refused_with_the_entry_named() -> None:
    with pytest.raises(ConfigError, match=r"entry\.0\.everyday"):
        parse_thesaurus('[[entry]]\nstatute = ["罚款"]\neveryday = []\n')
    with pytest.raises(ConfigError, match=r"entry\.0\.meaning"):
        parse_thesaurus('[[entry]]\nstatute = ["罚款"]\neveryday = ["罚"]\nmeaning = "x"\n')


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_the_bundled_thesaurus_maps_onto_words_the_corpus_uses() -> None:
    th = bundled_thesaurus()
    assert len(th) >= 300
    corpus = "".join(p.read_text("utf-8") for p in CORPUS.glob("*.md") if p.name != "SOURCES.md")
    statute_words = {w for _, words in th.mapping for w in words}
    missing = sorted(w for w in statute_words if w not in corpus)
    # the dialect -> standard word entries (啥子 -> 什么) are the only words the statutes need not contain
    assert len(missing) <= 25, missing


def test_a_bad_question_line_names_the_file_and_line() -> None:
    good = '{"article": "第三条", "questions": ["出了事多久要报", "报给哪个"]}'
    assert parse_question_lines(good + "\n", "q.jsonl") == [("第三条", "出了事多久要报"), ("第三条", "报给哪个")]
    with pytest.raises(ConfigError, match=r"q.jsonl:2: not JSON"):
        parse_question_lines(good + "\n{article: 1}\n", "q.jsonl")
    with pytest.raises(ConfigError, match=r"q.jsonl:1: a question must have 1..200"):
        parse_question_lines('{"article": "第三条", "questions": ["' + "长" * 201 + '"]}', "q.jsonl")
    with pytest.raises(ConfigError, match=r"q.jsonl:1: 'questions' must be a list"):
        parse_question_lines('{"article": "第三条", "questions": "出了事"}', "q.jsonl")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_every_corpus_document_has_questions_for_its_passages_and_a_hash() -> None:
    from knowledge import load_document, split_document

    bundled = load_bundled()
    docs = sorted(p for p in CORPUS.glob("*.md") if p.name != "SOURCES.md")
    assert {d.name for d in docs} == set(bundled)
    total = 0
    for path in docs:
        b = bundled[path.name]
        assert len(b.doc_hash) == 64
        labels = {p.label for p in split_document(load_document(path).text)} | {
            p.article for p in split_document(load_document(path).text)
        }
        unknown = sorted({a for a, _ in b.rows if a not in labels})
        assert unknown == [], (path.name, unknown)
        per_article: dict[str, int] = {}
        for a, _ in b.rows:
            per_article[a] = per_article.get(a, 0) + 1
        enough = 2 if path.name in SUPERSEDED else 3  # replaced editions carry fewer
        well_covered = sum(1 for n in per_article.values() if n >= enough)
        assert well_covered >= 0.8 * len(per_article), path.name
        total += len(b.rows)
    assert total >= 4000


@pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is not beside the repository")
def test_no_question_thesaurus_phrase_or_bank_line_is_a_line_of_the_evaluation_sets() -> None:
    evaluated = evaluation_lines()
    ours = [q for b in load_bundled().values() for _, q in b.rows]
    ours += [phrase for phrase, _ in bundled_thesaurus().mapping]
    for bank in [*(ROOT / "bench" / "data").glob("own-*.jsonl"), ROOT / "knowledge" / "data" / "out-of-scope.jsonl"]:
        ours += [json.loads(line)["question"] for line in bank.read_text("utf-8").splitlines() if line.strip()]
    copied = [q for q in ours if norm(q) in evaluated]
    assert copied == []
