"""The read-only Open311 GeoReport v2 API (bot/open311.py): shapes, filters, errors, no personal data."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.console.auth import create_user
from bot.open311 import GRID_DEGREES, public_position, redact
from bot.services import Services, build_services
from core.clock import FrozenClock
from handlers.base import Channel, Inbound, Kind, Role
from handlers.rulebook import Rules
from store import AuditEntry, TicketRepo, UserRepo
from tests.conftest import make_settings

PHONE = "13812345678"
LANDLINE = "023-77712345"
ID_NO = "500232199001011234"
EMAIL = "zhang.san@example.com"
CITIZEN = "oCitizenOpenId0001"
OFFICER = "officer007"
SECRETS = (PHONE, "138 1234 5678", LANDLINE, "77712345", ID_NO, EMAIL, CITIZEN, OFFICER, "wechat")

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as c:
        yield c


def add_ticket(svc: Services, **fields: Any) -> str:
    """File a ticket now (the services' clock) as a WeChat citizen; returns its number."""
    values: dict[str, Any] = {
        "channel": "wechat",
        "user_id": CITIZEN,
        "pollution_type": "water",
        "location": "乌江边的养猪场",
        "town": "江口镇",
        "latitude": 29.327341,
        "longitude": 107.756128,
        "description": f"往河里排粪水，我叫张三，电话{PHONE}，身份证{ID_NO}，邮箱{EMAIL}，座机{LANDLINE}",
        "phone": PHONE,
        "photos": ["media-id-1"],
    }
    values.update(fields)
    now = svc.clock.now()
    with svc.session_factory.begin() as session:
        ticket = TicketRepo(session).create(
            now=now, actor="wechat:citizen", accept_due=now + timedelta(days=15), **values
        )
        return ticket.number


def move(svc: Services, number: str, status: str, note: str = "") -> None:
    """An officer's status change, the way handlers.complaints.service records it."""
    now = svc.clock.now()
    with svc.session_factory.begin() as session:
        repo = TicketRepo(session)
        ticket = repo.by_number(number)
        assert ticket is not None
        repo.change_status(ticket, status=status, note=note, actor=f"wecom:{OFFICER}", now=now)
        ticket.handler_id = OFFICER
        if status == "accepted":
            ticket.conclude_due = now + timedelta(days=60)


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


# --- redaction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "手机 138 1234 5678 找我",
        "+86 138-1234-5678",
        "座机023-77712345",
        "（023）77712345转801",
        "打 77712345",
        "身份证500232199001011234",
        "身份证 50023219900101123X",
        "身份证 500232 19900101 1234",
        "老身份证 500232900101123",
        "邮箱 zhang.san@example.com",
        "QQ邮箱 13812345678@qq.com",
        "全角 １３８１２３４５６７８",
        "全角邮箱 zhang＠example.com",
    ],
)
def test_redact_removes_phones_ids_and_emails(text: str) -> None:
    out = redact(text)
    assert "[" in out
    digits = "".join(ch for ch in out if ch.isdigit())
    assert len(digits) < 5, out
    assert "@" not in out and "＠" not in out


@pytest.mark.parametrize(
    "text",
    [
        "请拨打12369或110",
        "举报编号 T20261129001 已办结",
        "2026-11-29 上午，距河500米，罚款2万元",
        "坐标 107.756, 29.325",
    ],
)
def test_redact_keeps_other_numbers(text: str) -> None:
    assert redact(text) == text


# --- services ----------------------------------------------------------------------------


def test_services_are_the_complaint_categories(client: TestClient) -> None:
    r = client.get("/open311/v2/services.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    services = r.json()
    assert [s["service_code"] for s in services] == list(Rules.bundled().complaints.categories)
    water = services[0]
    assert water["service_name"] == "水污染"
    assert water["metadata"] is False and water["type"] == "realtime"
    assert "污水" in water["keywords"].split(",")
    assert all(s["group"] and s["description"] for s in services)
    assert next(s for s in services if s["service_code"] == "other")["keywords"] == ""


def test_services_xml_has_the_spec_elements(client: TestClient) -> None:
    r = client.get("/open311/v2/services.xml")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/xml")
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(r.content)
    assert root.tag == "services"
    first = root.findall("service")[0]
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("service_name") == "水污染"
    assert first.findtext("metadata") == "false"


# --- one request, open -> closed ---------------------------------------------------------


def test_a_ticket_as_a_service_request_and_its_closing(client: TestClient, services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FrozenClock)
    number = add_ticket(services)
    r = client.get(f"/open311/v2/requests/{number}.json")
    assert r.status_code == 200
    [req] = r.json()
    assert list(req) == REQUEST_FIELDS
    assert req["service_request_id"] == number
    assert req["status"] == "open"
    assert req["status_notes"] == "已收到举报，将在15日内告知是否受理。"
    assert (req["service_code"], req["service_name"]) == ("water", "水污染")
    assert req["agency_responsible"] == "武隆区生态环境局"
    assert req["requested_datetime"] == "2026-11-29T16:00:00+08:00"  # the clock: 08:00 UTC
    assert req["updated_datetime"] == "2026-11-29T16:00:00+08:00"
    assert req["expected_datetime"] == "2026-12-14T16:00:00+08:00"  # accept_due, 15 days
    assert req["address"] == "武隆区江口镇"  # the place as typed only after an officer approves it
    assert (req["lat"], req["long"]) == (29.325, 107.755)  # a 0.005° grid: about 500 m
    assert req["description"] is None and req["media_url"] is None

    clock.advance(timedelta(days=2))
    move(services, number, "accepted")
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["status"] == "open"
    assert req["status_notes"] == "已受理，正在办理。"
    assert req["updated_datetime"] == "2026-12-01T16:00:00+08:00"
    assert req["expected_datetime"] == "2027-01-30T16:00:00+08:00"  # conclude_due, 60 days after acceptance

    clock.advance(timedelta(days=10))
    move(services, number, "concluded", f"经查养猪场已停止排放，联系人王科长{PHONE}")
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["status"] == "closed"
    assert req["status_notes"] == "已办结，办理结果已告知举报人。"  # a set phrase, never the officer's note
    assert req["updated_datetime"] == "2026-12-11T16:00:00+08:00"

    move(services, number, "replied")
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["status"] == "closed"
    assert req["status_notes"] == "已答复举报人。"


def test_a_rejected_ticket_is_closed(client: TestClient, services: Services) -> None:
    number = add_ticket(services)
    move(services, number, "rejected", "不属于生态环境部门职责，请拨打12345")
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["status"] == "closed"
    assert req["status_notes"] == "不予受理，理由已告知举报人。"


# --- no personal data --------------------------------------------------------------------


def test_no_personal_data_in_any_response(client: TestClient, services: Services) -> None:
    number = add_ticket(services, location=f"江口镇养猪场（老板电话{LANDLINE}）")
    move(services, number, "accepted", f"已联系举报人{PHONE}，证件{ID_NO}，{EMAIL}")
    urls = [
        f"/open311/v2/requests/{number}.json",
        f"/open311/v2/requests/{number}.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests.json?service_request_id={number}",
        f"/open311/v2/requests.xml?service_request_id={number}",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        assert number in r.text, url
        for secret in SECRETS:
            assert secret not in r.text, (url, secret)
        assert "张三" not in r.text and "排粪水" not in r.text  # the citizen's free text stays inside
        assert "media-id-1" not in r.text


# --- filters -------------------------------------------------------------------------------


def test_filters_by_date_status_code_and_id(client: TestClient, services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FrozenClock)
    old = add_ticket(services)  # 2026-11-29
    clock.advance(timedelta(days=100))
    air = add_ticket(services, pollution_type="air")  # 2027-03-09
    clock.advance(timedelta(days=1))
    noise = add_ticket(services, pollution_type="noise")  # 2027-03-10
    move(services, noise, "concluded", "已整改")

    get = client.get
    assert ids(get("/open311/v2/requests.json")) == [noise, air]  # last 90 days, newest first
    assert ids(get("/open311/v2/requests.json", params={"status": "closed"})) == [noise]
    assert ids(get("/open311/v2/requests.json", params={"status": "open"})) == [air]
    assert ids(get("/open311/v2/requests.json", params={"status": "open,closed"})) == [noise, air]
    assert ids(get("/open311/v2/requests.json", params={"service_code": "air"})) == [air]
    assert ids(get("/open311/v2/requests.json", params={"service_code": "water,noise"})) == [noise]
    window = {"start_date": "2026-11-01T00:00:00+08:00", "end_date": "2026-12-01T00:00:00Z"}
    assert ids(get("/open311/v2/requests.json", params=window)) == [old]
    assert ids(get("/open311/v2/requests.json", params={"start_date": "2026-11-29"})) == [old]
    assert ids(get("/open311/v2/requests.json", params={"end_date": "2026-11-29"})) == [old]  # the whole day
    assert ids(get("/open311/v2/requests.json", params={"end_date": "2026-11-28"})) == []
    ninety_days = {"start_date": "2026-09-01T00:00:00+08:00", "end_date": "2026-11-30T00:00:00+08:00"}
    assert ids(get("/open311/v2/requests.json", params=ninety_days)) == [old]
    ninety_dates = {"start_date": "2026-09-01", "end_date": "2026-11-29"}  # the end date's whole day counts
    assert ids(get("/open311/v2/requests.json", params=ninety_dates)) == [old]
    just_after = {"start_date": "2026-11-29T16:00:01+08:00", "end_date": "2027-01-01T00:00:00+08:00"}
    assert ids(get("/open311/v2/requests.json", params=just_after)) == []
    # an unencoded '+' arrives as a space: still read as +08:00
    assert ids(get("/open311/v2/requests.json?start_date=2027-03-10T00:00:00+08:00")) == [noise]
    # service_request_id overrides every other filter (spec)
    both = {"service_request_id": f"{old},{noise.lower()}", "status": "open", "service_code": "air"}
    assert ids(get("/open311/v2/requests.json", params=both)) == [noise, old]

    root = ET.fromstring(get("/open311/v2/requests.xml", params={"status": "closed"}).content)
    assert root.tag == "service_requests"
    [req] = root.findall("request")
    assert [c.tag for c in req] == REQUEST_FIELDS
    assert req.findtext("service_request_id") == noise
    assert req.findtext("status") == "closed"
    assert req.findtext("description") == ""


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-11-29T08:00:00"},  # no time zone
        {"end_date": "2026-13-01"},
        {"start_date": "2026-02-30T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # over 90 days
        {"start_date": "2026-09-01", "end_date": "2026-11-30"},  # 91 days
        {"start_date": "2026-11-29T00:00:00Z", "end_date": "2026-11-28T00:00:00Z"},  # end before start
    ],
)
def test_bad_dates_are_400_in_the_spec_format(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/open311/v2/requests.json", params=params)
    assert r.status_code == 400
    [error] = r.json()
    assert error["code"] == 400 and error["description"]


def test_bad_status_and_service_code_are_400(client: TestClient) -> None:
    for params in ({"status": "pending"}, {"service_code": "litter"}):
        r = client.get("/open311/v2/requests.json", params=params)
        assert r.status_code == 400
        assert r.json()[0]["code"] == 400


def test_errors_in_xml(client: TestClient) -> None:
    r = client.get("/open311/v2/requests.xml", params={"start_date": "soon"})
    assert r.status_code == 400
    root = ET.fromstring(r.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "400"
    assert "start_date" in (root.findtext("error/description") or "")


def test_unknown_request_is_404_in_the_spec_format(client: TestClient) -> None:
    r = client.get("/open311/v2/requests/T20991231999.json")
    assert r.status_code == 404
    assert r.json() == [{"code": 404, "description": "service_request_id T20991231999 not found"}]
    root = ET.fromstring(client.get("/open311/v2/requests/T20991231999.xml").content)
    assert root.findtext("error/code") == "404"


def test_unknown_format_is_404(client: TestClient) -> None:
    for url in ("/open311/v2/services.csv", "/open311/v2/requests.html", "/open311/v2/discovery.yaml"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.json()[0]["code"] == 404


def test_writes_are_refused(client: TestClient, services: Services) -> None:
    number = add_ticket(services)
    for url in ("/open311/v2/requests.json", "/open311/v2/requests.xml", f"/open311/v2/requests/{number}.json"):
        r = client.post(url, data={"service_code": "water", "description": "x"})
        assert r.status_code == 405, url
        assert r.headers["allow"] == "GET"
    assert client.post("/open311/v2/requests.json").json()[0]["code"] == 405
    with services.session_factory() as session:
        assert TicketRepo(session).by_number(number) is not None


def test_discovery(client: TestClient) -> None:
    doc = client.get("/open311/v2/discovery.json").json()
    [endpoint] = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert "12369" in doc["contact"]
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_switched_off(tmp_path: Path, embeddings: Any, clock: FrozenClock) -> None:
    svc = build_services(make_settings(tmp_path / "off", open311=False), clock=clock, embeddings=embeddings)
    try:
        with TestClient(create_app(services=svc)) as c:
            assert c.get("/open311/v2/services.json").status_code == 404
            assert c.get("/open311/v2/requests.json").status_code == 404
            assert c.get("/healthz").status_code == 200
    finally:
        svc.close()


# --- a complaint with a named place and a precise location (issue 15, item 5) ------------------

NAMED_PLACE = "重庆市武隆区江口镇乌江村李四家"  # the label the citizen's phone sent with the location
PRECISE = (29.327341, 107.756128)
PRIVATE = ("李四", "乌江村", "29.327", "107.756", "327341", "756128", "王五", PHONE, CITIZEN, OFFICER)
PASSWORD = "correct-horse-42"


def file_by_chat(svc: Services) -> str:
    """A citizen files a complaint on the Official Account with a WeChat location; returns its number."""
    counter = itertools.count()

    def send(text: str = "", kind: Kind = Kind.TEXT, **extra: Any) -> list[Any]:
        msg = Inbound(Channel.WECHAT, CITIZEN, Role.CITIZEN, kind, text, f"m{next(counter)}", svc.clock.now(), **extra)
        return svc.dialogue.handle(msg)

    send("我要举报乌江边有个养猪场往河里排粪水")
    send(kind=Kind.LOCATION, latitude=PRECISE[0], longitude=PRECISE[1], label=NAMED_PLACE)
    send("今天早上")
    send(PHONE)
    [reply] = send("确认")
    found = re.search(r"T\d{11}", reply.text)
    assert found, reply.text
    with svc.session_factory() as session:
        ticket = TicketRepo(session).by_number(found.group(0))
        assert ticket is not None and ticket.location == NAMED_PLACE
        assert (ticket.latitude, ticket.longitude) == PRECISE  # kept exactly inside
    return found.group(0)


def every_response(client: TestClient, number: str) -> dict[str, str]:
    """The text of every Open311 response that can carry the ticket: lists, one, discovery, services."""
    out = {}
    for fmt in ("json", "xml"):
        for url in (
            f"/open311/v2/requests.{fmt}",
            f"/open311/v2/requests.{fmt}?service_request_id={number}",
            f"/open311/v2/requests.{fmt}?status=open&service_code=water",
            f"/open311/v2/requests/{number}.{fmt}",
            f"/open311/v2/discovery.{fmt}",
            f"/open311/v2/services.{fmt}",
        ):
            r = client.get(url)
            assert r.status_code == 200, (url, r.text)
            out[url] = r.text
    return out


def set_place(client: TestClient, services: Services, username: str, number: str, publish: str) -> Any:
    """Sign in to the console as ``username`` and press the place-publication button of the ticket."""
    with services.session_factory.begin() as session:
        if UserRepo(session).by_username(username) is None:
            role = "officer" if username.startswith("officer") else "duty"
            create_user(
                session, username=username, name=username, role=role, password=PASSWORD, now=services.clock.now()
            )
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    login = {"username": username, "password": PASSWORD, "csrf": csrf.group(1), "next": "/console/"}
    assert client.post("/console/login", data=login, follow_redirects=False).status_code == 303
    page = client.get(f"/console/complaints/{number}")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    data = {"publish": publish, "csrf": csrf.group(1)}
    return client.post(f"/console/complaints/{number}/place", data=data, follow_redirects=False)


def test_a_named_place_and_a_precise_location_are_not_published(client: TestClient, services: Services) -> None:
    number = file_by_chat(services)
    move(services, number, "accepted", "王五已去李四家核实，养猪场老板电话13900001111")
    responses = every_response(client, number)
    assert sum(number in text for text in responses.values()) == 8  # every request list and the single one
    for url, text in responses.items():
        for secret in PRIVATE:
            assert secret not in text, (url, secret)
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["address"] == "武隆区江口镇"
    assert (req["lat"], req["long"]) == (29.325, 107.755)
    assert req["status_notes"] == "已受理，正在办理。"


def test_an_officer_approves_the_place_for_publication(client: TestClient, services: Services) -> None:
    number = file_by_chat(services)
    move(services, number, "accepted", "王五已去李四家核实")
    assert set_place(client, services, "duty1", number, "1").status_code == 403  # officers and admins only
    r = set_place(client, services, "officer1", number, "1")
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["address"] == NAMED_PLACE  # the officer's decision: the place as the phone sent it
    assert (req["lat"], req["long"]) == (29.325, 107.755)  # the position stays rounded
    for url, text in every_response(client, number).items():
        assert "王五" not in text and "327341" not in text, url  # notes and exact position never
    with services.session_factory() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.subject == number)).all()
        assert any(e.actor == "console:officer1" and "place_public" in (e.after or "") for e in entries)
    set_place(client, services, "officer1", number, "0")  # withdrawn
    [req] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert req["address"] == "武隆区江口镇"


def test_coordinates_can_be_omitted(tmp_path: Path, embeddings: Any, clock: FrozenClock) -> None:
    settings = make_settings(tmp_path / "omit", open311_coordinates="omitted")
    svc = build_services(settings, clock=clock, embeddings=embeddings)
    try:
        number = add_ticket(svc)
        with TestClient(create_app(services=svc)) as c:
            [req] = c.get(f"/open311/v2/requests/{number}.json").json()
            assert (req["lat"], req["long"]) == (None, None)
            assert "29.3" not in c.get("/open311/v2/requests.xml").text
    finally:
        svc.close()


@pytest.mark.parametrize(
    ("lat", "long", "published"),
    [
        (29.327341, 107.756128, (29.325, 107.755)),
        (29.3276, 107.7576, (29.33, 107.76)),
        (29.0, 107.0, (29.0, 107.0)),
        (None, 107.7, (None, None)),
    ],
)
def test_positions_snap_to_a_500_m_grid(lat: float | None, long: float, published: tuple[Any, Any]) -> None:
    assert public_position(lat, long, "rounded") == published
    assert public_position(lat, long, "omitted") == (None, None)
    if lat is not None:  # never more than half a cell (0.0025°, under 300 m) from the truth
        assert abs(published[0] - lat) <= GRID_DEGREES / 2 and abs(published[1] - long) <= GRID_DEGREES / 2
