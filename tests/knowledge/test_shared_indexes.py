"""The lexical index and the scope model are built once per process for the same data, and again when it changes."""

from __future__ import annotations

from knowledge.lexical import LexicalIndex
from knowledge.scope import ScopeModel
from knowledge.tokenize import ChineseTokenizer

TEXTS = ["企业事业单位应当在发现突发环境事件后立即报告", "初报应当在发现后一小时内上报", "河长制的工作职责"]


def test_the_same_texts_share_one_index_and_changed_texts_get_their_own() -> None:
    tok = ChineseTokenizer()
    first = LexicalIndex.of(TEXTS, tok)
    assert LexicalIndex.of(list(TEXTS), ChineseTokenizer()) is first
    changed = LexicalIndex.of([*TEXTS[:2], "河长制的工作职责和巡河"], tok)
    assert changed is not first
    assert changed.postings["巡河"].tolist() == [2] and "巡河" not in first.postings
    assert LexicalIndex.of(TEXTS, ChineseTokenizer(bigrams=False)) is not first


def test_postings_list_each_text_that_holds_a_token_once() -> None:
    index = LexicalIndex.of(["初报 初报 续报", "续报", "终报"], ChineseTokenizer())
    assert index.postings["初报"].tolist() == [0]
    assert index.postings["续报"].tolist() == [0, 1]


def test_the_scope_model_is_fitted_once_for_the_same_questions() -> None:
    inside = ["初报要写啥子", "多久要报给市局", "河长是干啥的"]
    outside = ["明天天气咋样", "食堂几点开饭", "公交车几点收班"]
    model = ScopeModel.of(inside, outside)
    assert ScopeModel.of(list(inside), tuple(outside)) is model
    assert ScopeModel.of([*inside, "续报好久交"], outside) is not model
