"""Ranking rules of the hybrid retriever over small hand-made passages (lexical only)."""

from __future__ import annotations

from dataclasses import replace

from knowledge.questions import QuestionRecord
from knowledge.retriever import DEFAULT_RETRIEVAL, HybridRetriever, IndexedChunk
from knowledge.tokenize import ChineseTokenizer


def _chunk(id: str, source: str, title: str, label: str, text: str, article: str = "") -> IndexedChunk:
    return IndexedChunk(
        id=id,
        source_name=source,
        title=title,
        edition="",
        chapter="",
        section="",
        article=article,
        label=label,
        text=text,
    )


PLAN = _chunk(
    "plan-7",
    "plan.md",
    "工作要点",
    "7.督促企业全面自查",
    "督促企业严格执行班组日排查、车间周排查、厂长月排查的环境安全隐患排查工作机制。",
)
ORDER = _chunk(
    "order-10",
    "order.md",
    "应急管理办法",
    "第十条",
    "第十条　企业事业单位应当建立健全环境安全隐患排查治理制度，及时消除隐患。",
    article="第十条",
)
OTHER = _chunk(
    "order-11",
    "order.md",
    "应急管理办法",
    "第十一条",
    "第十一条　环境保护主管部门开展本行政区域突发环境事件风险评估工作。",
    article="第十一条",
)
ASKED = [
    QuestionRecord("order.md", "第十条", q)
    for q in ("企业隐患排查是啥子机制", "企业环境安全隐患排查要搞啥子工作", "厂里隐患排查咋个搞", "企业排查隐患的机制")
]
QUESTION = "企业环境安全隐患排查的工作机制是什么？"


def _retriever(text_match_at: float) -> HybridRetriever:
    config = replace(DEFAULT_RETRIEVAL, text_match_at=text_match_at)
    return HybridRetriever([PLAN, ORDER, OTHER], ChineseTokenizer(), None, config, questions=ASKED)


def test_a_passage_whose_text_has_every_word_of_the_question_beats_one_won_by_its_questions() -> None:
    without = _retriever(2.0).search(QUESTION, k=3)
    # the order's associated questions carry it first when the rule is off...
    assert without[0].chunk.id == "order-10"
    plan = next(h for h in without if h.chunk.id == "plan-7")
    assert plan.text_coverage > 0.99 > without[0].text_coverage
    # ...and the plan item, whose own words cover the whole question, wins with it
    hits = _retriever(DEFAULT_RETRIEVAL.text_match_at).search(QUESTION, k=3)
    assert hits[0].chunk.id == "plan-7"


def test_everyday_questions_are_not_reweighted_by_text_coverage() -> None:
    # no passage's text covers "厂里" etc.: the rule stays off and the associated questions rank as before
    q = "厂里隐患排查咋个搞哦"
    on = [h.chunk.id for h in _retriever(DEFAULT_RETRIEVAL.text_match_at).search(q, k=3)]
    off = [h.chunk.id for h in _retriever(2.0).search(q, k=3)]
    assert max(h.text_coverage for h in _retriever(2.0).search(q, k=3)) < DEFAULT_RETRIEVAL.text_match_at
    assert on == off
    assert on[0] == "order-10"


NEW_LAW = replace(
    _chunk(
        "law-2024-106",
        "law-2024.md",
        "应对法",
        "第一百零六条",
        "第一百零六条　本法自2024年11月1日起施行。",
        article="第一百零六条",
    ),
    edition="2024年修订",
)
OLD_LAW = replace(
    NEW_LAW,
    id="law-2007-70",
    source_name="law-2007.md",
    edition="2007年",
    article="第七十条",
    label="第七十条",
    text="第七十条　本法自2007年11月1日起施行。",
    superseded=True,
)


def test_a_question_about_the_old_edition_ranks_the_replaced_document_first() -> None:
    r = HybridRetriever([NEW_LAW, OLD_LAW], ChineseTokenizer(), None)
    assert r.search("应对法是哪天施行的", k=2)[0].chunk.id == "law-2024-106"
    assert r.search("旧版应对法是哪天施行的", k=2)[0].chunk.id == "law-2007-70"
    assert r.search("修订前的应对法哪天施行", k=2)[0].chunk.id == "law-2007-70"
    # the words are data: without them the current edition stays first
    plain = HybridRetriever([NEW_LAW, OLD_LAW], ChineseTokenizer(), None, old_edition_words=())
    assert plain.search("旧版应对法是哪天施行的", k=2)[0].chunk.id == "law-2024-106"


def test_a_question_naming_the_year_of_the_replaced_edition_ranks_it_first() -> None:
    r = HybridRetriever([NEW_LAW, OLD_LAW], ChineseTokenizer(), None)
    assert r.search("2007年的应对法哪天施行", k=2)[0].chunk.id == "law-2007-70"
    # another year (or the current edition's) keeps the current edition first
    assert r.search("2024年的应对法哪天施行", k=2)[0].chunk.id == "law-2024-106"
    assert r.search("2019年应对法哪天施行", k=2)[0].chunk.id == "law-2024-106"
