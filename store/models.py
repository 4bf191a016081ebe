"""SQLAlchemy 2.0 table models. Alembic migrations (``store/migrations``) are the only schema path."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Document(Base):
    """One ingested document of the knowledge base (the document registry).

    ``source_path`` is the absolute path the file was read from and is unique;
    ``content_hash`` is the SHA-256 of the file's bytes, so re-ingesting an
    unchanged file is a no-op and a changed one replaces its chunks.
    """

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_path: Mapped[str] = mapped_column(String(1024), unique=True)
    source_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    edition: Mapped[str] = mapped_column(String(64), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())

    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="Chunk.ordinal",
    )


class Chunk(Base):
    """A passage of a document, cut along its legal structure.

    ``id`` is a hash of the indexed text, so an unchanged passage keeps its id
    (and its embedding) when the document around it changes.
    """

    __tablename__ = "chunks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    chapter: Mapped[str] = mapped_column(String(255), default="")
    section: Mapped[str] = mapped_column(String(255), default="")
    article: Mapped[str] = mapped_column(String(255), default="")
    heading_path: Mapped[str] = mapped_column(String(1024), default="")
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="chunks")

    __table_args__ = (Index("ix_chunks_document_ordinal", "document_id", "ordinal"),)


class Staff(Base):
    """A WeCom user registered as staff, with a role (officer, duty, admin).

    Anyone not listed here is a citizen.
    """

    __tablename__ = "staff"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundMessage(Base):
    """One received channel message, keyed for de-duplication.

    The key is the message's MsgId, or FromUserName + CreateTime for events; a
    retry of the same delivery hits the unique constraint and is not processed
    again. ``status`` is ``processing``, ``replied`` (passive reply given),
    ``sent`` (delivered through the send API) or ``failed``; ``reply`` keeps the
    rendered reply texts (JSON list) so a retry gets the same answer.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    msg_key: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="processing")
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("channel", "msg_key", name="uq_inbound_messages_channel_key"),)


class Conversation(Base):
    """A user's conversation state: the open form (if any) and its data (JSON)."""

    __tablename__ = "conversations"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    form: Mapped[str] = mapped_column(String(32), default="")
    step: Mapped[str] = mapped_column(String(32), default="")
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccessToken(Base):
    """A cached API access token (or any small expiring value), shared by all workers."""

    __tablename__ = "access_tokens"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Ticket(Base):
    """A citizen's pollution complaint (投诉举报).

    ``number`` is the human-friendly id (``T20261129001``); ``channel`` and
    ``user_id`` identify the citizen and are never shown to other citizens.
    ``status`` is one of submitted, accepted, assigned, investigating,
    concluded, replied, rejected. ``notice_pending`` is set when a status
    change could not be sent and must be shown at the citizen's next message.
    """

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    pollution_type: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(255))
    town: Mapped[str] = mapped_column(String(32), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    occurred_text: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[str] = mapped_column(Text, default="[]")
    phone: Mapped[str] = mapped_column(String(32), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    handler_id: Mapped[str] = mapped_column(String(128), default="")
    notice_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accept_due: Mapped[datetime] = mapped_column(UTCDateTime())
    conclude_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id"
    )


class TicketEvent(Base):
    """One entry of a ticket's status history (who, when, what)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(128), default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Reminder(Base):
    """A prompt to send at ``due_at`` (UTC), claimed and sent exactly once by the dispatcher.

    ``key`` is unique per (subject, step, kind), so planning is idempotent.
    ``recipient`` is a WeCom user id, or ``@officers`` / ``@duty`` for everyone
    of that role at send time. ``status``: pending -> sending -> sent, or
    failed after ``attempts`` tries; cancelled when the step is done.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="wecom")
    recipient: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(String(255), default="")


class Incident(Base):
    """An environmental incident (突发环境事件) reported by staff, with its reporting steps and timeline.

    ``grade`` is 1 (特别重大, I) … 4 (一般, IV), None while undetermined; ``route``
    is the reporting route the rules give ("general" or "major", Order 17
    第三条、第四条). ``sensitive`` is a JSON list of Order 17 第四条 case keys;
    ``details`` a JSON object of report elements supplied by chat. ``status``:
    open -> ended (emergency over) -> closed, or withdrawn (reported by mistake).
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    summary: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(255), default="")
    town: Mapped[str] = mapped_column(String(32), default="")
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pollutant: Mapped[str] = mapped_column(String(255), default="")
    casualties: Mapped[str] = mapped_column(String(255), default="")
    sensitive: Mapped[str] = mapped_column(Text, default="[]")
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    route: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text, default="{}")
    reporter_channel: Mapped[str] = mapped_column(String(16))
    reporter_id: Mapped[str] = mapped_column(String(128))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    steps: Mapped[list[IncidentStep]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentStep.id"
    )
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEvent.id"
    )


class IncidentStep(Base):
    """One reporting step of an incident (phone_report, …, investigation) with its deadline.

    ``seq`` numbers repeated steps (follow-up reports 1, 2, …). ``version`` grows
    each time the deadline is re-planned (a grade change), so reminder keys stay
    unique. ``status``: open -> done (acknowledged: ``done_at``/``done_by``), or
    cancelled when the rules no longer ask for it. ``rule`` is the source text.
    """

    __tablename__ = "incident_steps"
    __table_args__ = (UniqueConstraint("incident_id", "step", "seq", name="uq_incident_steps_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    rule: Mapped[str] = mapped_column(String(255))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str] = mapped_column(String(128), default="")

    incident: Mapped[Incident] = relationship(back_populates="steps")


class IncidentEvent(Base):
    """One entry of an incident's append-only timeline (the record for the after-action review).

    ``kind``: reported, updated, grade_changed, step_planned, replanned, prompted,
    overdue, escalated, acknowledged, ended, closed, withdrawn, detail_added.
    """

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(40), default="")
    actor: Mapped[str] = mapped_column(String(160), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[Incident] = relationship(back_populates="events")


class DutyShift(Base):
    """One row of the duty roster (值班表): who is on duty (or leads the shift) from ``starts_at`` to ``ends_at``.

    ``day`` is the local (Asia/Shanghai) date the shift belongs to; times are UTC.
    ``role``: duty (值班) or leader (带班领导). ``supervisor_id`` is the escalation
    target for prompts during the shift. ``period`` names a key period (春节, 国庆 …)
    whose reinforced roster may put several people on duty at once.
    """

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    shift: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16), default="duty")
    phone: Mapped[str] = mapped_column(String(32), default="")
    supervisor_id: Mapped[str] = mapped_column(String(128), default="")
    period: Mapped[str] = mapped_column(String(32), default="")
