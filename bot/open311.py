"""A read-only Open311 GeoReport v2 view of the complaint flow (投诉举报), for other civic systems.

Spec: GeoReport v2, http://wiki.open311.org/GeoReport_v2 (the "spec" below). Routes, under
``/open311/v2`` (``{format}`` is ``json`` or ``xml``):

=====================================  ===============================================================
``GET /discovery.{format}``            service discovery: contact, changeset, the one endpoint
``GET /services.{format}``             the complaint categories (``handlers/complaints/data/complaint.toml``)
``GET /requests.{format}``             tickets, newest first, filtered (below), at most 1000
``GET /requests/{id}.{format}``        one ticket by number (``T20261129001``), as a one-item list
=====================================  ===============================================================

What a ticket shows (spec "GET Service Requests" response fields):

- ``service_request_id`` = ticket number; ``service_code`` / ``service_name`` = pollution type and
  its Chinese label (``other`` for a type no longer in the data); ``agency_responsible`` = the
  district's bureau; ``service_notice`` = the time limits of ``complaint_process.toml``.
- ``status``: ``open`` (submitted, accepted, assigned, investigating) or ``closed`` (concluded,
  replied, rejected); ``status_notes`` = the set phrase of the status from ``[public_notes]`` of
  ``handlers/complaints/data/process.toml`` (``已受理，正在办理。``), never an officer's own note:
  a note is free text and can name the informant or another person.
- ``requested_datetime`` = created, ``updated_datetime`` = last change, ``expected_datetime`` =
  conclusion due, else acceptance due; W3C ISO-8601 in Asia/Shanghai (``+08:00``), seconds.
- ``address`` = the district and town (``武隆区江口镇``); the place as the citizen typed it (or the
  label their phone sent with a location: "…李四家") follows only after an officer approved it for
  publication in the console (``tickets.place_public``), redacted by :func:`redact`;
  ``lat`` / ``long`` = WGS-84 degrees rounded to a :data:`GRID_DEGREES` grid (about 500 m), or null
  with ``ENVBOT_OPEN311_COORDINATES=omitted``; ``address_id``, ``zipcode`` and ``media_url`` null.

Personal data is never exposed: not the citizen's user id or channel, not the phone, not the
officer (handler id, event actors), not the photos (``media_url`` is null: they are the citizen's
pictures). ``description`` is null, deliberately: it is the citizen's free text, and a
regex can remove numbers and e-mail addresses but not a name, a house number, a WeChat id or
"我家楼下". This API has no key, and the bureau must keep the informant's identity
confidential (环境保护法 第五十七条), so the text stays inside, and so do the officers' notes
and the exact place and position until an officer decides otherwise (the place only).

Filters of ``GET /requests`` (spec): ``service_request_id`` (comma list; overrides all the
others), ``service_code`` (comma list), ``status`` (``open``/``closed``, comma list),
``start_date`` / ``end_date`` on ``requested_datetime``: W3C datetimes with a zone
(``2026-11-29T08:00:00+08:00``, ``...Z``; a ``+`` that arrived as a space is read as ``+``) or
dates (``2026-11-29``, a whole day in Asia/Shanghai). Without dates, the last 90 days; with one
date, 90 days from or up to it; a range may not span more than 90 days (spec). ``jurisdiction_id``
is accepted and ignored (one jurisdiction).

Errors are the spec's error list, in the requested format (JSON when the format is unknown):
``[{"code": 400, "description": "..."}]`` or ``<errors><error><code>400</code>
<description>...</description></error></errors>``. 400: a bad date, range, status or
service_code; 404: an unknown ticket number, or a format other than json/xml; 405: any write
(the API is read-only: POST, PUT, PATCH, DELETE), with ``Allow: GET``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import selectinload

from bot.services import Services
from core import DISPLAY_ZONE, normalise
from core.errors import EnvbotError
from core.text import HOTLINE
from handlers.rulebook import Rules
from store import Ticket

__all__ = ["GRID_DEGREES", "MAX_RESULTS", "SPEC_URL", "open311_router", "public_position", "redact"]

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
PREFIX = "/open311/v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # change when the shape of this API changes (discovery)
MAX_RESULTS = 1000  # spec: the default query returns at most 1000 requests
MAX_SPAN = timedelta(days=90)  # spec: default window, and the widest start_date..end_date range
CLOSED = frozenset({"concluded", "replied", "rejected"})
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
GROUP = "投诉举报"
GRID_DEGREES = 0.005
"""Published coordinates snap to this grid: 0.005° is 556 m of latitude and 486 m of longitude at 29° N."""

# --- redaction ------------------------------------------------------------------------------

# ``\d`` matches full-width digits too (str patterns are Unicode); the explicit classes name them.
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Resident ID: 18 characters (17 digits + digit or X), optionally grouped 6-8-4; or the old 15 digits.
_ID_RE = re.compile(r"(?<!\d)(?:\d{6}[\s-]?\d{8}[\s-]?\d{3}[\dXx]|\d{15})(?![\dXx])")
# Mobile: 1[3-9]x xxxx xxxx, with +86 / 86 and spaces or dashes between the groups.
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?[1１][3-9３-９]\d(?:[\s-]?\d{4}){2}(?!\d)")
# Landline: optional area code 0xx / 0xxx (bracketed or not), then a 7 or 8 digit local number,
# optionally an extension. Short service numbers (12369, 110) are kept.
_LANDLINE_RE = re.compile(
    r"(?<!\d)(?:[(（]?[0０]\d{2,3}[)）]?[\s-]?)?[2-9２-９]\d{2,3}[\s-]?\d{4}"
    r"(?:\s*(?:转|-|ext\.?)\s*\d{1,5})?(?!\d)"
)

PHONE_MARK = "[电话已隐去]"
ID_MARK = "[证件号已隐去]"
EMAIL_MARK = "[邮箱已隐去]"


def redact(text: str) -> str:
    """``text`` without phone numbers (mobile and landline), resident ID numbers and e-mail addresses.

    Each is replaced by a marker (:data:`PHONE_MARK`, :data:`ID_MARK`, :data:`EMAIL_MARK`). E-mail
    first (an address may hold a phone number), then ID numbers (an 18-digit ID holds 11-digit
    runs), then mobiles, then landlines. It errs on the side of removing: any 7-8 digit run
    starting 2-9 counts as a local number. Short service numbers (12369, 12345, 110) stay.
    """
    text = _EMAIL_RE.sub(EMAIL_MARK, text)
    text = _ID_RE.sub(ID_MARK, text)
    text = _MOBILE_RE.sub(PHONE_MARK, text)
    return _LANDLINE_RE.sub(PHONE_MARK, text)


# --- errors and rendering -------------------------------------------------------------------


class Open311Error(EnvbotError):
    """A request the spec answers with an error list; ``code`` is also the HTTP status."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _xml_bytes(root: ET.Element) -> bytes:
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_list(root_tag: str, item_tag: str, items: Iterable[Mapping[str, Any]]) -> bytes:
    """``<root><item><key>value</key>…</item>…</root>``; None is an empty element."""
    root = ET.Element(root_tag)
    for item in items:
        node = ET.SubElement(root, item_tag)
        for key, value in item.items():
            ET.SubElement(node, key).text = _xml_text(value)
    return _xml_bytes(root)


def _render(fmt: str, root_tag: str, item_tag: str, items: list[dict[str, Any]], status: int = 200) -> Response:
    if fmt == "xml":
        body = _xml_list(root_tag, item_tag, items)
    else:
        body = json.dumps(items, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type=FORMATS[fmt])


def _error(fmt: str, code: int, description: str) -> Response:
    """The spec's error list with HTTP status ``code``; JSON when ``fmt`` is not a known format."""
    fmt = fmt if fmt in FORMATS else "json"
    response = _render(fmt, "errors", "error", [{"code": code, "description": description}], status=code)
    if code == 405:
        response.headers["Allow"] = "GET"
    return response


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Open311Error(404, f"unknown format {fmt!r}: use json or xml")


# --- services ---------------------------------------------------------------------------------


def _agency(rules: Rules) -> str:
    return f"{rules.district.name}生态环境局"


def services_list(rules: Rules) -> list[dict[str, Any]]:
    """The complaint categories as spec services, in the order of ``complaint.toml``."""
    words = rules.complaints.pollution_types
    out = []
    for code, spec in rules.complaints.categories.items():
        label = spec.label
        out.append(
            {
                "service_code": code,
                "service_name": label,
                "description": f"向{_agency(rules)}投诉举报{label}问题。",
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(words.get(code, [])),
                "group": GROUP,
            }
        )
    return out


# --- requests ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(DISPLAY_ZONE).isoformat(timespec="seconds") if value is not None else None


def _service_code(ticket: Ticket, rules: Rules) -> str:
    return ticket.pollution_type if ticket.pollution_type in rules.complaints.categories else "other"


def public_position(latitude: float | None, longitude: float | None, mode: str) -> tuple[float | None, float | None]:
    """``(lat, long)`` as published: snapped to the :data:`GRID_DEGREES` grid (``mode`` ``rounded``,
    about 500 m: a house cannot be told from its neighbours), or ``(None, None)`` (``omitted``, or unknown)."""
    if latitude is None or longitude is None or mode != "rounded":
        return None, None
    return round(round(latitude / GRID_DEGREES) * GRID_DEGREES, 3), round(
        round(longitude / GRID_DEGREES) * GRID_DEGREES, 3
    )


def _address(ticket: Ticket, rules: Rules) -> str:
    """District and town; the place as typed only when an officer approved it (redacted all the same)."""
    area = f"{rules.district.name}{ticket.town}"
    place = ticket.location.strip()
    if not ticket.place_public or not place:
        return area
    return redact(place) if ticket.town and ticket.town in place else f"{area} {redact(place)}"


def _service_notice(rules: Rules) -> str:
    p = rules.process
    return f"{p.accept_days}日内告知是否受理，受理后{p.conclude_days}日内办结（信访工作条例第二十三条、第三十四条）。"


def request_dict(ticket: Ticket, rules: Rules, coordinates: str = "rounded") -> dict[str, Any]:
    """One ticket as a spec service request (field order of the spec); no personal data.

    ``coordinates``: ``rounded`` or ``omitted`` (``ENVBOT_OPEN311_COORDINATES``).
    """
    lat, long = public_position(ticket.latitude, ticket.longitude, coordinates)
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in CLOSED else "open",
        "status_notes": rules.process.public_note(ticket.status),
        "service_name": rules.complaints.type_label(ticket.pollution_type),
        "service_code": _service_code(ticket, rules),
        "description": None,  # the citizen's free text stays inside: see the module docstring
        "agency_responsible": _agency(rules),
        "service_notice": _service_notice(rules),
        "requested_datetime": _iso(ticket.created_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": _iso(ticket.conclude_due or ticket.accept_due),
        "address": _address(ticket, rules),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": None,
    }


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest ``start_date``/``end_date`` taken (a window 90 days around it stays a real date in UTC)."""
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""The latest ``start_date``/``end_date`` taken."""

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})")


def parse_when(name: str, value: str, *, end: bool) -> datetime:
    """A ``start_date``/``end_date`` value as an aware datetime (an end is exclusive).

    A W3C datetime must carry its zone; a date alone is a whole day in Asia/Shanghai, so as an
    end it means the next midnight. A datetime end is made exclusive by adding 1 µs.

    Raises:
        Open311Error: 400, the value is not one of these forms, not a real date, or outside
            :data:`EARLIEST` .. :data:`LATEST` (whose 90-day windows every calendar can hold).
    """
    raw = value.strip()
    if re.fullmatch(r".*T\d{2}:\d{2}(?::[\d.]+)? \d{2}:\d{2}", raw):
        raw = raw[:-6] + "+" + raw[-5:]  # an unencoded '+' in the query string arrives as a space
    parsed: datetime | None = None
    try:
        if _DATE_RE.fullmatch(raw):
            day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
            parsed = datetime.combine(day, time(), DISPLAY_ZONE)
        elif _DATETIME_RE.fullmatch(raw):
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            parsed = parsed + timedelta(microseconds=1) if end else parsed
    except ValueError:  # not a real date
        parsed = None
    except OverflowError:  # 9999-12-31 has no next day
        parsed = LATEST + timedelta(days=1)
    if parsed is not None:
        if not EARLIEST <= parsed <= LATEST:
            raise Open311Error(400, f"{name} {value!r} is out of range (1970-01-01 to 9000-01-01)")
        return parsed
    raise Open311Error(
        400,
        f"{name} {value!r} is not a W3C date-time with a time zone "
        "(e.g. 2026-11-29T08:00:00+08:00 or 2026-11-29T00:00:00Z) or a date (2026-11-29)",
    )


def _comma_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@dataclass(frozen=True)
class RequestQuery:
    """The validated filters of ``GET /requests``; ``ids`` overrides all the others (spec)."""

    ids: tuple[str, ...]
    codes: tuple[str, ...]
    statuses: frozenset[str]
    start: datetime
    end: datetime  # exclusive
    known: tuple[str, ...]  # the service codes of ``complaint.toml``

    @classmethod
    def from_params(cls, params: Mapping[str, str], now: datetime, rules: Rules) -> RequestQuery:
        """Read and check the query parameters (service codes: the categories of ``rules``).

        Raises:
            Open311Error: 400, with the offending parameter named.
        """
        ids = tuple(normalise(v) for v in _comma_list(params.get("service_request_id")))
        codes = tuple(_comma_list(params.get("service_code")))
        known = tuple(rules.complaints.categories)
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(400, f"unknown service_code {', '.join(unknown)}: see services.json")
        statuses = frozenset(v.lower() for v in _comma_list(params.get("status")))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed, or both (comma separated)")
        start_raw, end_raw = params.get("start_date"), params.get("end_date")
        start = parse_when("start_date", start_raw, end=False) if start_raw else None
        end = parse_when("end_date", end_raw, end=True) if end_raw else None
        if start is None and end is None:
            end = now + timedelta(microseconds=1)  # exclusive: a ticket filed this instant is in
            start = now - MAX_SPAN
        elif start is None:
            assert end is not None
            start = end - MAX_SPAN
        elif end is None:
            end = start + MAX_SPAN
        if end <= start:
            raise Open311Error(400, "end_date must be after start_date")
        if end - start > MAX_SPAN + timedelta(microseconds=1):  # a datetime end is exclusive by 1 µs
            raise Open311Error(400, "start_date to end_date may not span more than 90 days")
        return cls(ids, codes, statuses, start, end, known)

    def statement(self) -> Select[Ticket]:
        """The SELECT of the matching tickets, newest first, at most :data:`MAX_RESULTS`."""
        stmt = select(Ticket).options(selectinload(Ticket.events))
        if self.ids:
            stmt = stmt.where(Ticket.number.in_(self.ids[:MAX_RESULTS]))
        else:
            stmt = stmt.where(Ticket.created_at >= self.start, Ticket.created_at < self.end)
            if self.codes:
                wanted: ColumnElement[bool] = Ticket.pollution_type.in_(self.codes)
                if "other" in self.codes:  # a type no longer in the data is shown as other
                    wanted = or_(wanted, Ticket.pollution_type.not_in(list(self.known)))
                stmt = stmt.where(wanted)
            if len(self.statuses) == 1:
                closed = Ticket.status.in_(sorted(CLOSED))
                stmt = stmt.where(closed if "closed" in self.statuses else ~closed)
        return stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS)


def _tickets(svc: Services, stmt: Select[Ticket]) -> Sequence[dict[str, Any]]:
    with svc.session_factory() as session:
        mode = svc.settings.open311_coordinates
        return [request_dict(t, svc.rules, mode) for t in session.scalars(stmt).all()]


# --- the router -------------------------------------------------------------------------------


def _discovery(base_url: str, svc: Services) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": f"{_agency(svc.rules)}，电话 {svc.settings.duty_phone or HOTLINE}",
        "key_service": "不需要密钥：本接口只读、公开，不含个人信息。",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def _discovery_xml(doc: dict[str, Any]) -> bytes:
    root = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(root, key).text = doc[key]
    endpoints = ET.SubElement(root, "endpoints")
    for ep in doc["endpoints"]:
        node = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ET.SubElement(node, key).text = ep[key]
        formats = ET.SubElement(node, "formats")
        for f in ep["formats"]:
            ET.SubElement(formats, "format").text = f
    return _xml_bytes(root)


def _filter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}


REQUEST_FILTERS = [
    _filter("service_request_id", "Ticket numbers, comma separated; overrides the other filters."),
    _filter("service_code", "Service codes (services.json), comma separated."),
    _filter("status", "open, closed, or both (comma separated)."),
    _filter("start_date", "W3C date-time with a zone (2026-11-29T08:00:00+08:00) or a date (2026-11-29)."),
    _filter("end_date", "As start_date; the range may not span more than 90 days."),
    _filter("jurisdiction_id", "Accepted and ignored (one jurisdiction)."),
]
"""The spec's filters of ``GET /requests``, declared in the OpenAPI schema (read from the query string)."""


def open311_router() -> APIRouter:
    """The ``/open311/v2`` routes (read-only, public). Services come from ``request.app.state.services``."""
    router = APIRouter(prefix=PREFIX, tags=["open311"])

    def svc_of(request: Request) -> Services:
        s: Services = request.app.state.services
        return s

    @router.get("/discovery.{format}")
    def discovery(format: str, request: Request) -> Response:
        """Service discovery (spec "Service Discovery"): contact, changeset, this endpoint and its formats."""
        try:
            _check_format(format)
        except Open311Error as exc:
            return _error(format, exc.code, exc.description)
        base = svc_of(request).settings.base_url + PREFIX + "/"  # configured, never the request's Host
        doc = _discovery(base, svc_of(request))
        if format == "xml":
            return Response(_discovery_xml(doc), media_type=FORMATS["xml"])
        return Response(json.dumps(doc, ensure_ascii=False).encode("utf-8"), media_type=FORMATS["json"])

    @router.get("/services.{format}")
    def services(format: str, request: Request) -> Response:
        """The complaint categories.

        Shape: ``[{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}]``.
        """
        try:
            _check_format(format)
        except Open311Error as exc:
            return _error(format, exc.code, exc.description)
        return _render(format, "services", "service", services_list(svc_of(request).rules))

    @router.get("/requests.{format}", openapi_extra={"parameters": REQUEST_FILTERS})
    def requests(format: str, request: Request) -> Response:
        """Tickets as service requests, newest first, at most 1000 (filters: the module docstring)."""
        svc = svc_of(request)
        try:
            _check_format(format)
            query = RequestQuery.from_params(request.query_params, svc.clock.now(), svc.rules)
        except Open311Error as exc:
            return _error(format, exc.code, exc.description)
        return _render(format, "service_requests", "request", list(_tickets(svc, query.statement())))

    @router.get("/requests/{service_request_id}.{format}")
    def request_one(service_request_id: str, format: str, request: Request) -> Response:
        """One ticket by number, as a one-item list (spec); 404 in the error format when unknown."""
        try:
            _check_format(format)
        except Open311Error as exc:
            return _error(format, exc.code, exc.description)
        number = normalise(service_request_id)
        found = _tickets(
            svc_of(request), select(Ticket).options(selectinload(Ticket.events)).where(Ticket.number == number)
        )
        if not found:
            return _error(format, 404, f"service_request_id {service_request_id} not found")
        return _render(format, "service_requests", "request", list(found))

    def read_only(format: str) -> Response:
        """Writes are not supported: this API is read-only."""
        return _error(format, 405, "this GeoReport v2 endpoint is read-only: service requests cannot be created here")

    for path in (
        "/discovery.{format}",
        "/services.{format}",
        "/requests.{format}",
        "/requests/{service_request_id}.{format}",
    ):
        router.add_api_route(path, read_only, methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)

    return router
