"""Associated questions in the staff console over HTTP: list by article, add, edit, remove, import, export.

The app runs over a copy of the ingested corpus database (``make_bot``); the questions
are invented here.
"""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from store import AssociatedQuestion, AssociatedQuestionRepo, AuditEntry, DocumentRepo
from tests.bot.test_console import Console, csrf_of

DOC = "mee-order-17-incident-info-reporting.md"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def console(make_bot) -> Console:
    c = Console(make_bot())
    with c.bot.services.session_factory.begin() as session:  # start without the bundled questions
        session.query(AssociatedQuestion).delete()
    c.bot.services.knowledge.invalidate()
    c.add("admin", "admin")
    c.add("officer", "officer")
    c.add("duty", "duty")
    return c


def _doc_id(console: Console, name: str = DOC) -> int:
    with console.bot.services.session_factory() as s:
        return DocumentRepo(s).find(name).id


def _rows(console: Console, name: str = DOC) -> list[tuple[str, str, str]]:
    with console.bot.services.session_factory() as s:
        return [(q.article, q.question, q.origin) for q in AssociatedQuestionRepo(s).for_document(name)]


def _notice(console: Console, response) -> str:
    assert response.status_code == 303, response.text[:500]
    return console.client.get(response.headers["location"]).text


def test_officer_adds_edits_and_removes_a_question_and_answers_follow(console: Console) -> None:
    svc = console.bot.services
    doc_id = _doc_id(console)
    page = f"/console/knowledge/{doc_id}/questions"
    console.login("officer")
    listing = console.client.get("/console/knowledge").text
    assert f'href="/console/knowledge/{doc_id}/questions">0 个</a>' in listing
    html = console.client.get(page).text
    assert "《突发环境事件信息报告办法》的关联问题" in html and "<strong>第三条</strong>" in html

    svc.knowledge.warm_up()
    r = console.post(
        "/console/knowledge/questions/add",
        {"document": str(doc_id), "article": "第三条", "question": "  镇上出了较大的事 多久要报上去\n"},
        page,
    )
    assert "已为“第三条”添加问题：镇上出了较大的事 多久要报上去" in _notice(console, r)
    assert svc.knowledge._service is None  # the answers' index is rebuilt with the new question
    with svc.session_factory() as s:
        (row,) = AssociatedQuestionRepo(s).for_document(DOC)
        digest = DocumentRepo(s).find(DOC).content_hash
    assert (row.article, row.origin, row.doc_hash) == ("第三条", "console", digest)
    assert re.search(r"<strong>第三条</strong>.*?镇上出了较大的事 多久要报上去", console.client.get(page).text, re.S)

    for data, message in [
        ({"article": "第九十九条", "question": "这条根本不存在吧"}, "中没有“第九十九条”这一条文"),
        ({"article": "第三条", "question": "   "}, "问题为空"),
        ({"article": "第三条", "question": "问" * 201}, "不能超过 200 字"),
        ({"article": "第三条", "question": "镇上出了较大的事  多久要报上去"}, "已有这个问题"),
    ]:
        r = console.post("/console/knowledge/questions/add", {"document": str(doc_id), **data}, page)
        assert message in _notice(console, r)
    assert len(_rows(console)) == 1

    svc.knowledge.warm_up()
    r = console.post(
        f"/console/knowledge/questions/{row.id}/edit",
        {"document": str(doc_id), "article": "第四条", "question": "初报里头要写些啥子"},
        page,
    )
    assert "已修改“第四条”的问题：初报里头要写些啥子" in _notice(console, r)
    assert _rows(console) == [("第四条", "初报里头要写些啥子", "console")] and svc.knowledge._service is None

    r = console.post(f"/console/knowledge/questions/{row.id}/remove", {"document": str(doc_id)}, page)
    assert "已删除“第四条”的问题：初报里头要写些啥子" in _notice(console, r)
    assert _rows(console) == []
    r = console.post(f"/console/knowledge/questions/{row.id}/remove", {"document": str(doc_id)}, page)
    assert "已不存在" in _notice(console, r)

    with svc.session_factory() as s:
        log = s.scalars(select(AuditEntry).where(AuditEntry.entity == "question").order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor, e.subject) for e in log] == [
        ("create", "console:officer", f"{DOC} 第三条"),
        ("update", "console:officer", f"{DOC} 第四条"),
        ("delete", "console:officer", f"{DOC} 第四条"),
    ]
    assert json.loads(log[1].before)["question"] == "镇上出了较大的事 多久要报上去"


def test_a_bundled_question_edited_or_removed_in_the_console_stays_so_after_the_next_sync(console: Console) -> None:
    svc = console.bot.services
    doc_id = _doc_id(console)
    page = f"/console/knowledge/{doc_id}/questions"
    bundled = [("第三条", "出了较大的事多久报到市里"), ("第四条", "初报要写些啥")]
    with svc.session_factory.begin() as s:
        digest = DocumentRepo(s).find(DOC).content_hash
        AssociatedQuestionRepo(s).replace_origin(DOC, "bundled", bundled, digest)
        first, second = (AssociatedQuestionRepo(s).find(DOC, *row).id for row in bundled)
    console.login("officer")
    r = console.post(
        f"/console/knowledge/questions/{first}/edit",
        {"document": str(doc_id), "article": "第三条", "question": "较大事件几个钟头内报市局"},
        page,
    )
    assert "已修改“第三条”的问题：较大事件几个钟头内报市局" in _notice(console, r)
    r = console.post(f"/console/knowledge/questions/{second}/remove", {"document": str(doc_id)}, page)
    assert "已删除“第四条”的问题：初报要写些啥" in _notice(console, r)
    with svc.session_factory.begin() as s:  # what the next `envbot ingest` does with the bundled files
        AssociatedQuestionRepo(s).replace_origin(DOC, "bundled", bundled, digest)
    assert _rows(console) == [("第三条", "较大事件几个钟头内报市局", "console")]
    html = console.client.get(page).text
    assert "较大事件几个钟头内报市局" in html and "初报要写些啥" not in html and "出了较大的事多久报到市里" not in html


def test_duty_staff_read_questions_but_cannot_change_them_and_forms_need_csrf(console: Console) -> None:
    doc_id = _doc_id(console)
    page = f"/console/knowledge/{doc_id}/questions"
    with console.bot.services.session_factory.begin() as s:
        AssociatedQuestionRepo(s).add(DOC, "第三条", "出了事多久要打电话报", "bundled", "an-older-version")
    console.login("duty")
    html = console.client.get(page).text
    assert re.search(r"出了事多久要打电话报\s*<span class=\"tag\">内置</span> <span class=\"tag stale\"", html)
    assert (
        "/console/knowledge/questions/add" not in html
        and "导入问题" not in console.client.get("/console/knowledge").text
    )
    token = csrf_of(console.client.get("/console/knowledge").text)
    r = console.client.post(
        "/console/knowledge/questions/add",
        data={"csrf": token, "document": str(doc_id), "article": "第三条", "question": "值班的也想加一个"},
    )
    assert r.status_code == 403
    console.client.post("/console/logout", data={"csrf": token})
    console.login("officer")
    r = console.client.post(
        "/console/knowledge/questions/add",
        data={"document": str(doc_id), "article": "第三条", "question": "没有令牌的请求"},
    )
    assert r.status_code == 403
    assert [q for _, q, _ in _rows(console)] == ["出了事多久要打电话报"]
    assert console.client.get("/console/knowledge/999999/questions").status_code == 404
    listing = console.client.get("/console/knowledge").text
    assert f'href="/console/knowledge/{doc_id}/questions">1 个</a> <span class="tag stale">1 个可能已过时' in listing

    with console.bot.services.session_factory() as s:
        (qid,) = [q.id for q in AssociatedQuestionRepo(s).for_document(DOC)]
    r = console.post(
        f"/console/knowledge/questions/{qid}/edit",
        {"document": str(doc_id), "article": "第三条", "question": "出了事多久要打电话报"},
        page,
    )
    assert "已修改" in _notice(console, r)  # saving it marks it as checked against this version
    assert 'class="tag stale"' not in console.client.get(page).text
    assert _rows(console) == [("第三条", "出了事多久要打电话报", "console")]


def _csv(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def test_import_refuses_a_file_with_one_bad_row_whole_and_takes_a_good_one(console: Console) -> None:
    svc = console.bot.services
    console.login("officer")
    page = "/console/knowledge"
    bad = _csv(
        [
            "document,article,question",
            f"{DOC},第三条,出了较大的事好久报到市里",
            f"{DOC},第九十九条,没有这一条",
            "nope.md,第一条,没有这个文件",
            f"{DOC},第四条,",
            f"{DOC},第四条,{'长' * 201}",
            f"{DOC},第四条,初报要写啥,多出来的一格",
            f"{DOC},第四条",
        ]
    )
    r = console.post(f"{page}/questions/import", {}, page, files={"file": ("问题.csv", bad, "text/csv")})
    assert r.status_code == 400 and "整个文件都没有导入" in r.text
    errors = re.findall(r"<li>(第\d+行：[^<]*)</li>", r.text)
    assert [e.split("：", 1)[0] for e in errors] == ["第3行", "第4行", "第5行", "第6行", "第7行", "第8行"]
    assert "没有条文“第九十九条”" in errors[0] and "没有文件“nope.md”" in errors[1]
    assert "问题为空" in errors[2] and "不能超过 200 字" in errors[3]
    assert "多于表头的 3 列" in errors[4] and "缺少 question" in errors[5]
    assert _rows(console) == []

    good = _csv(
        [
            "文件,条文,问题",
            f"{DOC},第三条,出了较大的事好久报到市里",
            f"{DOC},第三条,出了较大的事好久报到市里",
            f'{DOC},第四条,"初报里头写些啥子，要写伤亡不"',
            "mee-order-32-incident-investigation.md,第二条,事故调查归哪个管",
        ],
        "gb18030",
    )
    svc.knowledge.warm_up()
    r = console.post(f"{page}/questions/import", {}, page, files={"file": ("问题.csv", good, "text/csv")})
    assert "导入完成：新增 3 个问题，文件内重复 1 行。" in _notice(console, r)
    assert svc.knowledge._service is None
    with svc.session_factory() as s:
        digest = DocumentRepo(s).find(DOC).content_hash
        stored = {(q.source_name, q.article, q.question, q.origin, q.doc_hash) for q in AssociatedQuestionRepo(s).all()}
    assert (DOC, "第四条", "初报里头写些啥子，要写伤亡不", "import", digest) in stored and len(stored) == 3

    exported = console.client.get(f"{page}/questions.csv")
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbfdocument,article,question,origin")
    r = console.post(f"{page}/questions/import", {}, page, files={"file": ("again.csv", exported.content, "text/csv")})
    assert "导入完成：新增 0 个问题，已有 3 个未重复添加。" in _notice(console, r)

    wb = Workbook()
    wb.active.append(["document", "article", "question"])
    wb.active.append([DOC, "第五条", "续报是哪个时候报"])
    buf = BytesIO()
    wb.save(buf)
    r = console.post(f"{page}/questions/import", {}, page, files={"file": ("q.xlsx", buf.getvalue(), XLSX)})
    assert "新增 1 个问题" in _notice(console, r)
    assert ("第五条", "续报是哪个时候报", "import") in _rows(console)
    r = console.post(f"{page}/questions/import", {}, page, files={"file": ("q.xlsx", b"not a workbook", XLSX)})
    assert "不是关联问题文件" in _notice(console, r)
