"""The legal-structure splitter on the real corpus and on hand-made texts."""

from __future__ import annotations

import re

from knowledge import ChunkingConfig, load_document, split_document
from knowledge.splitter import split_sentences
from tests.conftest import CORPUS


def _passages(name: str, **cfg: int):
    doc = load_document(CORPUS / name)
    return split_document(doc.text, ChunkingConfig(**cfg) if cfg else ChunkingConfig())


def test_articles_become_passages_with_their_labels() -> None:
    passages = _passages("mee-order-17-incident-info-reporting.md")
    by_article = {p.article: p for p in passages}
    third = by_article["第三条"]
    assert third.label == "第三条"
    assert third.text.startswith("第三条")
    assert "应当在四小时内向本级人民政府" in third.text
    assert "第四条" not in third.text
    # the items of 第四条 stay inside 第四条
    assert "（一）对饮用水水源保护区" in by_article["第四条"].text


def test_chapters_and_sections_are_carried() -> None:
    passages = _passages("air-pollution-law-2018.md")
    p = next(p for p in passages if p.text.startswith("第四十三条"))
    assert p.chapter == "第四章 大气污染防治措施"
    assert p.section == "第二节 工业污染防治"
    assert p.heading_path == ("第四章 大气污染防治措施", "第二节 工业污染防治", "第四十三条")


def test_work_plan_is_cut_by_numbered_headings() -> None:
    passages = _passages("wulong-2024-emergency-work-points.md")
    p = next(p for p in passages if "半小时电话报" in p.text)
    assert p.article == "2.做好信息报告"
    assert p.chapter == "三、重点工作"
    assert p.label.startswith("三、重点工作 > （二）谋深谋细8项重点任务")
    assert p.label.endswith("2.做好信息报告")
    # a bare heading is not a passage of its own
    assert not any(p.text.strip() == "一是在处置突发环境事件上突显新担当。" for p in passages)


def test_long_articles_split_between_sentences_and_lose_nothing() -> None:
    doc = load_document(CORPUS / "emergency-response-law-2024.md")
    passages = split_document(doc.text, ChunkingConfig(max_chars=150))
    split_articles = [a for a in {p.article for p in passages} if sum(q.article == a for q in passages) > 1]
    assert split_articles, "expected some article longer than 150 characters"
    for p in passages:
        if p.article in split_articles:
            assert re.search(r"[。！？；：]”?$", p.text.rstrip()), p.text[-20:]
    joined = "".join("".join(p.text.split()) for p in passages)
    body = "".join(line.strip() for line in doc.text.split("\n") if line.strip() and not line.startswith("#"))
    for line in body.split("。")[:50]:
        assert "".join(line.split()) in joined


def test_plain_text_chapters_without_markdown() -> None:
    text = (
        "第一章 总则\n第一条 为了测试，制定本办法。\n第二条 本办法适用于测试。\n"
        "第二章 附则\n第三条 本办法自公布之日起施行。\n"
    )
    passages = split_document(text)
    assert [(p.chapter, p.article) for p in passages] == [
        ("第一章 总则", "第一条"),
        ("第一章 总则", "第二条"),
        ("第二章 附则", "第三条"),
    ]


def test_sentences_keep_closing_quotes() -> None:
    assert split_sentences("他说：“好。”然后走了。没有") == ["他说：“好。”", "然后走了。", "没有"]
