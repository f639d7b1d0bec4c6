"""Half-finished guided commands, one per member, in SQL (so a restart loses none)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers.domain import PendingStep
from storage.sql import Sql


class SqlConversations:
    """The ``Conversations`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        # What this transaction already knows, read along with the sender (see SqlMembers).
        self.known: dict[int, PendingStep | None] = {}

    def remember(self, member_id: int, flow: str | None, step: str | None, data: object,
                 asked_at: object) -> None:
        """Keep a step read by another query, so that ``get`` needs no query of its own."""
        self.known[member_id] = self._step(flow, step, data, asked_at)

    def _step(self, flow: str | None, step: str | None, data: object,
              asked_at: object) -> PendingStep | None:
        if flow is None or step is None:
            return None
        values = self.sql.read_json(data)
        return PendingStep(flow, step, {str(k): str(v) for k, v in values.items()},
                           self.sql.read_time(asked_at))

    def get(self, member_id: int) -> PendingStep | None:
        """The step a member is in, if any."""
        if member_id in self.known:
            return self.known[member_id]
        row = self.sql.row("SELECT flow, step, data, updated_at FROM conversations "
                           "WHERE member_id = :member", {"member": member_id})
        found = self._step(*row) if row is not None else None
        self.known[member_id] = found
        return found

    def set(self, member_id: int, step: PendingStep, now: datetime) -> None:
        """Remember the step a member is in (replacing any earlier one)."""
        params = {"member": member_id, "flow": step.flow, "step": step.step,
                  "data": self.sql.json(dict(step.data)), "now": self.sql.time(now)}
        self.known[member_id] = replace(step, asked_at=now)
        self.sql.run("INSERT INTO conversations (member_id, flow, step, data, updated_at) "
                     "VALUES (:member, :flow, :step, :data, :now) ON CONFLICT (member_id) "
                     "DO UPDATE SET flow = excluded.flow, step = excluded.step, "
                     "data = excluded.data, updated_at = excluded.updated_at", params)

    def clear(self, member_id: int) -> None:
        """Forget any pending step."""
        self.known[member_id] = None
        self.sql.run("DELETE FROM conversations WHERE member_id = :member",
                     {"member": member_id})
