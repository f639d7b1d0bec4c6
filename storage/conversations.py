"""Half-finished guided commands, one per member, in SQL (so a restart loses none)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from handlers.domain import PendingStep
from storage.models import ConversationRow, table

conversations = table(ConversationRow)


_GET = select(conversations.c.flow, conversations.c.step, conversations.c.data).where(
    conversations.c.member_id == bindparam("member_id"))
_CLEAR = delete(conversations).where(conversations.c.member_id == bindparam("member_id"))


class SqlConversations:
    """The ``Conversations`` port on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, member_id: int) -> PendingStep | None:
        """The step a member is in, if any."""
        row = self.conn.execute(_GET, {"member_id": member_id}).first()
        if row is None:
            return None
        return PendingStep(row.flow, row.step, {str(k): str(v) for k, v in row.data.items()})

    def set(self, member_id: int, step: PendingStep, now: datetime) -> None:
        """Remember the step a member is in (replacing any earlier one)."""
        values = {"flow": step.flow, "step": step.step, "data": dict(step.data),
                  "updated_at": now}
        changed = self.conn.execute(update(conversations)
                                    .where(conversations.c.member_id == member_id)
                                    .values(**values)).rowcount
        if not changed:
            self.conn.execute(insert(conversations).values(member_id=member_id, **values))

    def clear(self, member_id: int) -> None:
        """Forget any pending step."""
        self.conn.execute(_CLEAR, {"member_id": member_id})
