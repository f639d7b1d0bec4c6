"""Identity links (part of the one schema in ``storage.models``): one-time link codes and the
wrong codes a member typed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class LinkCodeRow(Base):
    """A member's one-time code for linking another platform identity (one per member)."""

    __tablename__ = "link_codes"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    expires_at: Mapped[datetime]


class LinkGuessRow(Base):
    """Wrong link codes a member typed in a row (too many and they must wait)."""

    __tablename__ = "link_guesses"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime]
