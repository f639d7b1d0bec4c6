"""Team groups (part of the one schema in ``storage.models``): a platform group chat linked to
a team, or asked to be."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class TeamGroupRow(Base):
    """One group chat and its team; ``linked_at`` is empty until the leader confirms."""

    __tablename__ = "team_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    requested_by: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime]
    linked_at: Mapped[datetime | None]

    # SQLite would otherwise reuse a deleted request's id, and an old Link button would
    # confirm another group's request.
    __table_args__ = (
        UniqueConstraint("platform", "chat_id"),
        {"sqlite_autoincrement": True},
    )
