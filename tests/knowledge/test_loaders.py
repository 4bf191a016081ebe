"""Loaders for every supported format, and their errors on bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import IngestError, UnsupportedFormat
from knowledge import load_document

LAW = "# 测试办法\n\n（2020年1月1日公布）\n\n第一条　为了测试，制定本办法。\n\n第二条　本办法适用于测试。\n"


def test_markdown_title_edition_and_hash(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text(LAW, encoding="utf-8")
    doc = load_document(f)
    assert doc.title == "测试办法"
    assert doc.edition == "2020年公布"
    assert "第一条" in doc.text and not doc.text.startswith("#")
    assert len(doc.content_hash) == 64
    assert load_document(f).content_hash == doc.content_hash


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    f = tmp_path / "gbk.txt"
    f.write_bytes(
        ("环境应急工作要点\n" + "一、加强值守。各单位应当严格执行二十四小时值班制度，确保信息畅通。\n" * 3).encode(
            "gb18030"
        )
    )
    doc = load_document(f)
    assert doc.title == "环境应急工作要点"
    assert "二十四小时值班制度" in doc.text


def test_broken_encoding_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "broken.txt"
    f.write_bytes(bytes(range(128, 256)) * 8)
    with pytest.raises(IngestError) as err:
        load_document(f)
    assert err.value.path == f.resolve()
    assert "encoding" in err.value.reason


def test_empty_and_unsupported_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(IngestError, match="empty"):
        load_document(empty)
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(UnsupportedFormat):
        load_document(other)


def test_docx(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("值班管理办法", level=0)
    d.add_heading("第一章 总则", level=1)
    d.add_paragraph("第一条　为了规范值班工作，制定本办法。")
    d.add_paragraph("第二条　值班人员应当二十四小时在岗。")
    d.add_paragraph("第三条　本办法自印发之日起施行。")
    f = tmp_path / "duty.docx"
    d.save(str(f))
    doc = load_document(f)
    assert doc.title == "值班管理办法"
    assert "## 第一章 总则" in doc.text
    assert "第二条　值班人员应当二十四小时在岗。" in doc.text


def test_corrupt_docx_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.docx"
    f.write_bytes(b"this is not a zip file")
    with pytest.raises(IngestError, match="docx"):
        load_document(f)


def test_html(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>站点</title><script>var x=1;</script></head><body>"
        "<h1>环境应急值守制度</h1><h2>第一章 总则</h2><p>第一条　为了做好值守，制定本制度。</p>"
        "<div><p>第二条　值守人员不得脱岗。</p></div></body></html>",
        encoding="utf-8",
    )
    doc = load_document(f)
    assert doc.title == "环境应急值守制度"
    assert "var x" not in doc.text
    assert "## 第一章 总则" in doc.text
    assert "第二条　值守人员不得脱岗。" in doc.text


def test_pdf(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    f = tmp_path / "notice.pdf"
    c = canvas.Canvas(str(f), pagesize=A4)
    c.setTitle("应急物资管理规定")
    c.setFont("STSong-Light", 12)
    y = 800
    for line in ["第一条　为了加强应急物资管理，", "制定本规定。", "第二条　应急物资应当定期检查。"]:
        c.drawString(50, y, line)
        y -= 20
    c.save()
    doc = load_document(f)
    assert doc.title == "应急物资管理规定"
    flat = "".join(doc.text.split())
    assert "第一条为了加强应急物资管理，制定本规定。" in flat
    assert "第二条应急物资应当定期检查。" in flat


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    f = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(f))
    c.rect(10, 10, 100, 100)
    c.save()
    with pytest.raises(IngestError, match="no text layer"):
        load_document(f)
