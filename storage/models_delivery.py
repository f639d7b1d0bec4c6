"""The dispatcher's tables (part of the one schema in ``storage.models``): identities the bot can
no longer reach, and messages set aside for good (the dead letters)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class UnreachableIdentityRow(Base):
    """A platform identity that refused the bot (blocked it, or its account is gone); nothing
    is sent to it until it writes to the bot again."""

    __tablename__ = "unreachable_identities"

    identity: Mapped[str] = mapped_column(String(200), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    platform: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]


class DeadLetterRow(Base):
    """An outbox message the platform kept refusing: kept with the last error for a person to
    look at (its outbox row is ``failed``)."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"),
                                           unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    identity: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
