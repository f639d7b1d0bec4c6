"""The broadcasts' tables (part of the one schema in ``storage.models``), and the outbox index
that finds a broadcast's messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, OutboxRowModel, table


class BroadcastRow(Base):
    """A coordinator's broadcast: what, to whom, when, and how far its delivery is."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    sender_name: Mapped[str] = mapped_column(String(80))
    # "<sender id>:<preview token>": a confirmed draft is stored once, however often pressed.
    draft: Mapped[str] = mapped_column(String(40), unique=True)
    audience: Mapped[str] = mapped_column(Text)  # Audience.to_json()
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    # Files sent with it: [{"name", "size", "type", "location"}, …] (as in the outbox).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, server_default="[]")
    schedule: Mapped[str] = mapped_column(String(8))  # now | at | local
    send_at: Mapped[datetime | None]  # at: the instant; local: the first zone's moment
    local_time: Mapped[str | None] = mapped_column(String(16))  # local: "2026-12-01 09:00"
    # scheduled → sending → done, or cancelled before anyone got it.
    status: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[int] = mapped_column(Integer)
    # The share of delivery last reported to the sender (a multiple of progress_percent).
    reported_percent: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        # The sweep's progress reports look only at broadcasts still being delivered.
        Index("ix_broadcasts_sending", "id", sqlite_where=sql_text("status = 'sending'"),
              postgresql_where=sql_text("status = 'sending'")),
    )


class BroadcastWaitRow(Base):
    """One reader of a scheduled broadcast, until the sweep releases their message at
    ``due_at`` (taken off this table in the same transaction)."""

    __tablename__ = "broadcast_waits"

    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"),
                                              primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    due_at: Mapped[datetime] = mapped_column(index=True)


# A broadcast's messages in the outbox, counted by status for its delivery report (the index
# covers the count).
_outbox = table(OutboxRowModel)
OUTBOX_CONTEXT = Index("ix_outbox_context", _outbox.c.context, _outbox.c.context_id,
                       _outbox.c.status)
