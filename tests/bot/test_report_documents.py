"""Report documents (issue 16 item 3): each report's draft as a Word file, opened again with python-docx.

Over a real SQLite file: an incident is reported, facts are supplied as staff supply them by chat, the
emergency ends; the 初报, 续报 and 处理结果报告 are written by the handler, the command line and the
console, and every element of Order 17 第十三条 is looked for in the document, with what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli import app as cli
from bot.services import build_services
from core.clock import FrozenClock
from handlers import incidents as inc
from handlers.rulebook import Rules
from store import Incident, IncidentRepo
from tests.bot.test_console import Console
from tests.conftest import make_settings

runner = CliRunner()
SUPPLIED = {
    "info_source": "群众拨打12369举报",
    "monitoring": "下游1公里pH 6.5",
    "measures": "已关闭下游闸门",
    "signer": "王局",
    "process": "围堵、中和、清运",
}


def _report(svc, now) -> str:
    """An incident (较大, place, pollutant) with some elements supplied; returns its number."""
    with svc.session_factory.begin() as s:
        incident = inc.report(
            s,
            svc.rules.incidents,
            now=now,
            actor="wecom:duty1",
            channel="wecom",
            user_id="duty1",
            summary="运输盐酸的槽罐车侧翻，约5吨泄漏",
            location="江口镇芙蓉江大桥",
            pollutant="盐酸约5吨",
            casualties="无",
            grade=3,
        )
        incident.details = json.dumps(SUPPLIED, ensure_ascii=False)  # as "补充 要素：内容" stores them
        return incident.number


def _paragraphs(content: bytes) -> list[str]:
    return [p.text for p in Document(BytesIO(content)).paragraphs]


def _labels(rules: Rules, kind: str) -> list[str]:
    return [e.label for e in rules.incidents.drafts[kind].elements]


@pytest.fixture
def svc(tmp_path: Path, embeddings, clock: FrozenClock) -> Iterator:
    services = build_services(make_settings(tmp_path), clock=clock, embeddings=embeddings)
    yield services
    services.close()


def _document(svc, number: str, report: str) -> tuple[inc.Draft, bytes]:
    with svc.session_factory() as s:
        found = IncidentRepo(s).by_number(number)
        assert isinstance(found, Incident)
        return inc.report_document(svc.rules.incidents, svc.rules.report_document, found, report, svc.clock.now())


def test_each_report_has_its_elements_header_signature_and_what_is_missing(svc) -> None:
    number = _report(svc, svc.clock.now() - timedelta(hours=6))
    rules = svc.rules
    for report, kind in inc.REPORTS.items():
        draft, content = _document(svc, number, report)
        text = _paragraphs(content)
        body = "\n".join(text)
        assert text[0] == rules.incidents.drafts[kind].title + "（草稿）"
        assert "报告单位：重庆市武隆区生态环境局" in text[1] and "签发人：王局" in text[1]
        assert f"事件编号：{number}" in body and "较大（III级）" in body
        assert "报告时间：2026年11月29日 16时00分" in body  # the clock's 08:00 UTC in Asia/Shanghai
        assert f"报送：{rules.incidents.steps[kind].to}" in body
        sign = text.index("2026年11月29日")  # the 落款: unit and date, then the contact
        assert text[sign - 1] == "重庆市武隆区生态环境局" and text[sign + 1].startswith("联系人及电话：")
        for label in _labels(rules, kind):  # every Order 17 第十三条 element, in the body or the signature block
            assert f"{label}：" in body or label == "报告单位", (report, label)
        missing = [e.label for e in draft.elements + draft.earlier if not e.value]
        assert draft.missing == missing and missing
        assert any(line.startswith("以下要素尚待补充") and "、".join(missing) in line for line in text)
        for label in missing:
            assert f"{label}：【待补充】" in body
    initial = "\n".join(_paragraphs(_document(svc, number, "initial")[1]))
    assert "一、发生时间：2026年11月29日 10:00发现" in initial and "监测数据：下游1公里pH 6.5" in initial
    assert "主要污染物和数量：盐酸约5吨" in initial and "信息来源：群众拨打12369举报" in initial
    assert "联系人及电话：【待补充】" in initial  # in the signature block, and listed as missing
    assert "签发人：" not in initial.split("\n", 2)[2].split("重庆市武隆区生态环境局\n")[0]  # not in the body again


def test_the_final_report_carries_the_facts_of_the_earlier_ones(svc) -> None:
    number = _report(svc, svc.clock.now() - timedelta(hours=6))
    draft, content = _document(svc, number, "final")
    text = _paragraphs(content)
    assert "一、初报、续报情况" in text and "二、突发环境事件处理结果报告" in text
    carried = text[text.index("一、初报、续报情况") + 1 : text.index("二、突发环境事件处理结果报告")]
    assert carried[0] == "（一）发生时间：2026年11月29日 10:00发现"
    assert "（七）监测数据：下游1公里pH 6.5" in carried and any(
        c.endswith("处置进展情况：已关闭下游闸门") for c in carried
    )
    assert "（二）处理过程：围堵、中和、清运" in text
    assert "信息来源" not in draft.missing and "事件起因和性质" in draft.missing  # carried ones are checked too
    assert [e.label for e in draft.earlier][:2] == ["发生时间", "地点"]
    assert "二、突发环境事件处理结果报告" in draft.text  # the chat draft is the same draft


def test_an_unknown_report_name_is_refused_politely(svc) -> None:
    number = _report(svc, svc.clock.now() - timedelta(hours=6))
    with pytest.raises(inc.IncidentError, match="initial"):
        _document(svc, number, "summary")


def test_the_command_writes_the_document_and_lists_what_is_missing(
    svc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _report(svc, svc.clock.now() - timedelta(hours=6))
    monkeypatch.setenv("ENVBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ENVBOT_DATABASE_URL", svc.settings.sqlalchemy_url)
    out = tmp_path / "初报.docx"
    r = runner.invoke(cli, ["incidents", "document", number, "--report", "initial", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.stdout and "仍缺：事件起因和性质" in r.stdout
    assert _paragraphs(out.read_bytes())[0] == "突发环境事件初报（草稿）"
    bad = runner.invoke(cli, ["incidents", "document", number, "--report", "summary", "-o", str(out)])
    assert bad.exit_code == 2 and "initial, follow_up or final" in bad.stderr
    none = runner.invoke(cli, ["incidents", "document", "E20000101001", "-o", str(out)])
    assert none.exit_code == 1 and "no incident" in none.stderr


def test_the_incident_page_links_the_documents_and_they_download(svc) -> None:
    number = _report(svc, svc.clock.now() - timedelta(hours=6))
    with TestClient(create_app(services=svc)) as client:
        console = Console(type("B", (), {"client": client, "services": svc, "clock": svc.clock})())
        assert client.get(f"/console/incidents/{number}/report/initial.docx", follow_redirects=False).status_code == 303
        console.add("duty", "duty")
        console.login("duty")
        page = client.get(f"/console/incidents/{number}").text
        for report in inc.REPORTS:
            link = f"/console/incidents/{number}/report/{report}.docx"
            assert f'href="{link}"' in page
            r = client.get(link)
            assert r.status_code == 200 and r.headers["content-type"] == inc.DOCX_TYPE
            assert f'filename="{number}-{report}.docx"' in r.headers["content-disposition"]
            assert _paragraphs(r.content)[0].endswith("（草稿）")
        assert client.get(f"/console/incidents/{number}/report/summary.docx").status_code == 404
        assert client.get("/console/incidents/E20000101001/report/initial.docx").status_code == 404
