"""The journal of platform updates (part of the one schema in ``storage.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class PlatformUpdateRow(Base):
    """An update a platform delivered: recorded before it is handled, so that a repeated one
    is ignored and one the process died on is handled after a restart."""

    __tablename__ = "platform_updates"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    # When its handling was committed; None while it is still to be handled.
    done_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_platform_updates_unfinished", "platform", "update_id",
              sqlite_where=text("done_at IS NULL"), postgresql_where=text("done_at IS NULL")),
    )
