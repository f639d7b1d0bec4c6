"""Half-finished guided commands, one per member, in SQL (so a restart loses none)."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import PendingStep
from storage.sql import Sql


class SqlConversations:
    """The ``Conversations`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def get(self, member_id: int) -> PendingStep | None:
        """The step a member is in, if any."""
        row = self.sql.row("SELECT flow, step, data FROM conversations WHERE member_id = :member",
                           {"member": member_id})
        if row is None:
            return None
        data = self.sql.read_json(row[2])
        return PendingStep(row[0], row[1], {str(k): str(v) for k, v in data.items()})

    def set(self, member_id: int, step: PendingStep, now: datetime) -> None:
        """Remember the step a member is in (replacing any earlier one)."""
        params = {"member": member_id, "flow": step.flow, "step": step.step,
                  "data": self.sql.json(dict(step.data)), "now": self.sql.time(now)}
        self.sql.run("INSERT INTO conversations (member_id, flow, step, data, updated_at) "
                     "VALUES (:member, :flow, :step, :data, :now) ON CONFLICT (member_id) "
                     "DO UPDATE SET flow = excluded.flow, step = excluded.step, "
                     "data = excluded.data, updated_at = excluded.updated_at", params)

    def clear(self, member_id: int) -> None:
        """Forget any pending step."""
        self.sql.run("DELETE FROM conversations WHERE member_id = :member",
                     {"member": member_id})
