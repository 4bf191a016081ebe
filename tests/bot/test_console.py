"""The staff console over HTTP: sign-in, sessions, CSRF, roles, the pages' changes, uploads, the audit log.

The app runs over a copy of the ingested corpus database with the fake WeChat API
behind it (``make_bot``); the clock is a FrozenClock moved by the tests.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.console.auth import create_user
from handlers import incidents as inc
from handlers.base import Channel, Inbound, Kind, Role
from handlers.complaints import file_ticket
from store import AuditEntry, Hazard, HazardRepo, IncidentRepo, StaffRepo, TicketRepo
from tests.bot.conftest import OA_PLAIN, WECOM

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hazards-sample.xlsx"
PASSWORD = "correct-horse-42"


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


class Console:
    """A browser-like client of the console (cookies kept by the TestClient)."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.client = bot.client

    def add(self, username: str, role: str) -> None:
        with self.bot.services.session_factory.begin() as s:
            create_user(
                s, username=username, name=username.upper(), role=role, password=PASSWORD, now=self.bot.clock.now()
            )

    def login(self, username: str, password: str = PASSWORD, follow: bool = False):
        page = self.client.get("/console/login")
        return self.client.post(
            "/console/login",
            data={"username": username, "password": password, "csrf": csrf_of(page.text), "next": "/console/"},
            follow_redirects=follow,
        )

    def post(self, path: str, data: dict[str, str], page: str, files=None):
        token = csrf_of(self.client.get(page).text)
        params = {"csrf": token} if files else None  # an upload's token travels in the query (checked first)
        return self.client.post(path, data={**data, "csrf": token}, files=files, params=params, follow_redirects=False)


@pytest.fixture
def bot(make_bot):
    return make_bot(**OA_PLAIN, **WECOM)


@pytest.fixture
def console(bot) -> Console:
    c = Console(bot)
    c.add("admin", "admin")
    c.add("officer", "officer")
    c.add("duty", "duty")
    return c


def _ticket(bot, user: str = "citizen-openid-1", photos: tuple[str, ...] = ()) -> str:
    svc = bot.services
    inbound = Inbound(
        channel=Channel.WECHAT,
        user_id=user,
        role=Role.CITIZEN,
        kind=Kind.TEXT,
        text="",
        msg_id="m1",
        received_at=svc.clock.now(),
    )
    ticket = file_ticket(
        svc.dialogue.ctx,
        inbound,
        pollution_type="water",
        location="江口镇芙蓉江边",
        town="江口镇",
        description="有工厂往江里排黑水，我的电话13912345678",
        phone="13912345678",
        photos=list(photos),
    )
    return ticket.number


def _incident(bot, summary: str) -> str:
    """An incident reported by duty1 now (undetermined grade); returns its number."""
    svc = bot.services
    with svc.session_factory.begin() as s:
        incident = inc.report(
            s,
            svc.rules.incidents,
            now=svc.clock.now(),
            actor="wecom:duty1",
            channel="wecom",
            user_id="duty1",
            summary=summary,
        )
        return incident.number


def test_pages_need_sign_in_and_wrong_passwords_give_no_hint(console: Console) -> None:
    r = console.client.get("/console/complaints?status=submitted", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=")
    wrong_user = console.login("nobody", PASSWORD)
    wrong_password = console.login("officer", "not-the-password")
    assert wrong_user.status_code == wrong_password.status_code == 401
    assert "用户名或密码错误" in wrong_user.text and "用户名或密码错误" in wrong_password.text
    console.bot.clock.advance(timedelta(seconds=3))  # a name waits 2 s after one wrong password
    ok = console.login("officer")
    assert ok.status_code == 303 and ok.headers["location"] == "/console/"
    assert "HttpOnly" in ok.headers["set-cookie"] and "SameSite=lax" in ok.headers["set-cookie"]
    home = console.client.get("/console/")
    assert home.status_code == 200 and "工作概览" in home.text and "OFFICER" in home.text


def test_an_expired_session_is_sent_to_sign_in(console: Console) -> None:
    console.login("officer")
    assert console.client.get("/console/", follow_redirects=False).status_code == 200
    console.bot.clock.advance(timedelta(hours=8, minutes=1))
    r = console.client.get("/console/incidents", follow_redirects=False)
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    assert "登录已过期" in console.client.get(r.headers["location"]).text


def test_a_form_without_its_csrf_token_changes_nothing(console: Console) -> None:
    number = _ticket(console.bot)
    console.login("officer")
    r = console.client.post(f"/console/complaints/{number}/status", data={"command": "受理", "note": ""})
    assert r.status_code == 403 and "安全校验未通过" in r.text
    r = console.client.post(
        f"/console/complaints/{number}/status", data={"command": "受理", "note": "", "csrf": "forged"}
    )
    assert r.status_code == 403
    with console.bot.services.session_factory() as s:
        assert TicketRepo(s).by_number(number).status == "submitted"


def test_admin_pages_are_for_admins_only(console: Console) -> None:
    console.login("officer")
    for path in ("/console/users", "/console/audit"):
        r = console.client.get(path)
        assert r.status_code == 403 and "仅限管理员" in r.text
    console.client.cookies.clear()
    console.login("admin")
    assert console.client.get("/console/users").status_code == 200


def test_changing_a_complaint_status_tells_the_citizen_and_is_audited(console: Console) -> None:
    bot = console.bot
    number = _ticket(bot)
    console.login("officer")
    listing = console.client.get("/console/complaints?status=submitted&town=江口镇")
    assert number in listing.text
    assert number not in console.client.get("/console/complaints?status=accepted").text
    detail = f"/console/complaints/{number}"
    r = console.post(f"{detail}/status", {"command": "办结", "note": ""}, detail)
    assert r.status_code == 303 and "error=" in r.headers["location"]  # not allowed from 已提交
    r = console.post(f"{detail}/status", {"command": "受理", "note": "已安排执法人员核查"}, detail)
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    page = console.client.get(r.headers["location"]).text
    assert "已更新为“已受理”" in page and "console:officer" in page
    sent = [b["text"]["content"] for b in bot.fake.sent("/cgi-bin/message/custom/send")]
    assert any(number in t and "已受理" in t and "已安排执法人员核查。我们将在" in t for t in sent)
    with bot.services.session_factory() as s:
        ticket = TicketRepo(s).by_number(number)
        assert ticket.status == "accepted" and ticket.conclude_due is not None
        updates = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "ticket", AuditEntry.action == "update")
        ).all()
    assert updates and {(e.actor, e.subject) for e in updates} == {("console:officer", number)}
    (entry,) = [e for e in updates if "status" in json.loads(e.after)]
    assert json.loads(entry.before)["status"] == "submitted" and json.loads(entry.after)["status"] == "accepted"


def test_acknowledging_a_step_and_changing_the_grade(console: Console) -> None:
    bot = console.bot
    svc = bot.services
    number = _incident(bot, "槽罐车侧翻泄漏")
    console.login("duty")
    detail = f"/console/incidents/{number}"
    page = console.client.get(detail).text
    assert 'class="countdown"' in page and "电话报告" in page
    r = console.post(f"{detail}/ack", {"step": "phone_report"}, detail)
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    r = console.post(f"{detail}/grade", {"grade": "2"}, detail)
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    r = console.post(f"{detail}/ack", {"step": "phone_report", "seq": "1"}, detail)  # the form sent twice
    assert "error=" in r.headers["location"]
    with svc.session_factory() as s:
        found = IncidentRepo(s).by_number(number)
        phone = next(r for r in found.steps if r.step == "phone_report")
        initial = next(r for r in found.steps if r.step == "initial_report" and r.status == "open")
        assert phone.status == "done" and phone.done_by == "console:duty"
        assert found.grade == 2 and initial.due_at == found.discovered_at + timedelta(hours=2)  # 重大: 2 h
        assert any(e.kind == "grade_changed" and e.actor == "console:duty" for e in found.events)


def _sheet(rows: list[list[object]]) -> bytes:
    wb = load_workbook(SAMPLE)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    out = Workbook()
    sheet = out.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buf = BytesIO()
    out.save(buf)
    return buf.getvalue(), header


def test_hazard_upload_shows_row_errors_and_imports_a_good_sheet(console: Console) -> None:
    svc = console.bot.services
    console.login("officer")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    good = SAMPLE.read_bytes()
    header = [c.value for c in load_workbook(SAMPLE).worksheets[0][1]]
    bad_row = dict.fromkeys(header, "")
    bad_row.update({header[1]: "某某化工有限公司", header[5]: "储罐区围堰破损", header[6]: "特别"})
    bad_sheet = Workbook()
    bad_sheet.active.append(header)
    bad_sheet.active.append([bad_row[h] for h in header])
    buf = BytesIO()
    bad_sheet.save(buf)
    r = console.post(
        "/console/hazards/upload", {}, "/console/hazards", files={"file": ("bad.xlsx", buf.getvalue(), xlsx)}
    )
    assert r.status_code == 400 and "第2行" in r.text and "整个文件都没有导入" in r.text
    r = console.post(
        "/console/hazards/upload", {}, "/console/hazards", files={"file": ("fake.xlsx", b"not a workbook", xlsx)}
    )
    assert r.status_code == 303 and "error=" in r.headers["location"]
    with svc.session_factory() as s:
        assert HazardRepo(s).count() == 0
    r = console.post("/console/hazards/upload", {}, "/console/hazards", files={"file": ("台账.xlsx", good, xlsx)})
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    with svc.session_factory() as s:
        stored = HazardRepo(s).count()
        first = s.scalars(select(Hazard).order_by(Hazard.number)).first()
    assert stored > 0
    assert first.number in console.client.get("/console/hazards").text
    detail = console.client.get(f"/console/hazards/{first.number}").text
    assert first.description in detail and "导入：台账.xlsx" in detail  # the uploaded name, not the temporary file
    download = console.client.get("/console/hazards/export.xlsx")
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert load_workbook(BytesIO(download.content)).worksheets[0].max_row == stored + 1


def test_a_100_mb_upload_is_refused_before_it_is_read(console: Console) -> None:
    console.login("officer")
    token = csrf_of(console.client.get("/console/hazards").text)
    r = console.client.post(
        "/console/hazards/upload",
        content=b"x" * 1024,
        headers={"content-type": "multipart/form-data; boundary=b", "content-length": str(100 * 1024 * 1024)},
        params={"csrf": token},  # (the token is not even looked at: the size is refused first)
    )
    assert r.status_code == 413 and "文件太大" in r.text


def test_knowledge_upload_hit_test_and_removal(console: Console) -> None:
    console.login("admin")
    page = "/console/knowledge"
    r = console.post(
        f"{page}/upload", {}, page, files={"file": ("假文件.pdf", b"just some text, not a PDF", "application/pdf")}
    )
    assert r.status_code == 303 and "error=" in r.headers["location"]
    assert "扩展名与内容不符" in console.client.get(r.headers["location"]).text
    doc = "# 武隆区河道巡查办法\n\n第一条 河道巡查员每周巡查芙蓉江两次，发现排污口异常立即报告区生态环境局。\n"
    r = console.post(f"{page}/upload", {}, page, files={"file": ("河道巡查办法.md", doc.encode(), "text/markdown")})
    assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
    hits = console.client.get(page, params={"q": "河道巡查员每周巡查芙蓉江几次？"}).text
    assert "《武隆区河道巡查办法》" in hits.split('id="hits"')[1].split("</tr>")[1]
    listing = console.client.get(page).text
    ids = re.findall(r'河道巡查办法\.md</td>.*?name="id" value="(\d+)"', listing, re.S)
    assert ids
    r = console.post(f"{page}/remove", {"id": ids[0]}, page)
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    assert "河道巡查办法.md" not in console.client.get(page).text


def test_chat_and_console_changes_are_in_the_audit_log(console: Console) -> None:
    bot = console.bot
    with bot.services.session_factory.begin() as s:
        StaffRepo(s).upsert(user_id="officer1", role="officer", name="王科长", now=bot.clock.now())
    number = _ticket(bot)
    console.login("admin")
    r = console.post(
        "/console/users", {"username": "newbie", "name": "新人", "role": "duty", "password": "short"}, "/console/users"
    )
    assert "error=" in r.headers["location"]
    r = console.post(
        "/console/users",
        {"username": "newbie", "name": "新人", "role": "duty", "password": "long-enough-pass"},
        "/console/users",
    )
    assert "ok=" in r.headers["location"]
    r = console.post("/console/users/admin", {"role": "officer", "active": "1"}, "/console/users")
    assert "至少要保留一个" in console.client.get(r.headers["location"]).text  # the last admin stays
    page = console.client.get("/console/audit", params={"subject": number}).text
    assert number in page and "新建" in page
    users = console.client.get("/console/audit", params={"entity": "console_user"}).text
    assert "newbie" in users and "console:admin" in users and "long-enough-pass" not in users
    with bot.services.session_factory() as s:
        created = s.scalars(select(AuditEntry).where(AuditEntry.subject == "newbie")).one()
    assert json.loads(created.after)["password_hash"] == "***"
    with bot.services.session_factory() as s:
        filed = s.scalars(select(AuditEntry).where(AuditEntry.subject == number, AuditEntry.action == "create")).one()
    after = json.loads(filed.after)
    assert after["user_id"] == after["phone"] == "***" and "citizen-openid-1" not in filed.after  # informants hidden


def test_a_photo_is_fetched_through_the_channel_and_an_expired_one_explained(console: Console) -> None:
    bot = console.bot
    bot.fake.media["MEDIA-OK"] = b"\xff\xd8\xff\xe0 fake jpeg"
    number = _ticket(bot, photos=("MEDIA-OK", "MEDIA-EXPIRED"))
    console.login("officer")
    assert f"/console/complaints/{number}/photos/1" in console.client.get(f"/console/complaints/{number}").text
    ok = console.client.get(f"/console/complaints/{number}/photos/0")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg" and ok.content.startswith(b"\xff\xd8")
    gone = console.client.get(f"/console/complaints/{number}/photos/1")
    assert gone.status_code == 404 and "只保存3天" in gone.text
    assert console.client.get(f"/console/complaints/{number}/photos/2").status_code == 404
