"""The audit log's table (part of the one schema in ``storage.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class AuditRow(Base):
    """One entry of the audit log: who did what to whom, when.

    People are named only in the three person columns, each with their name at the time, so
    that forgetting someone replaces their name everywhere it is kept; ``details`` holds the
    rest (a role, a team's name, a deliverable's code, a broadcast's number and audience).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    # NULL: done by the configuration (config.toml), not by a person.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(80))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"))
    subject_name: Mapped[str | None] = mapped_column(String(80))
    # A second person the entry names (the reviewer someone replaced).
    other_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    other_name: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
