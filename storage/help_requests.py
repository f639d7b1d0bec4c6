"""Help requests and their messages, in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from handlers.domain import HelpRequest, Language, RequestStatus
from storage.models import HelpMessageRow, HelpRequestRow, table

requests = table(HelpRequestRow)
messages = table(HelpMessageRow)

_COLUMNS = (requests.c.id, requests.c.asker_id, requests.c.team_id, requests.c.text,
            requests.c.language, requests.c.status, requests.c.created_at)


def _request(row: Any) -> HelpRequest:
    return HelpRequest(id=row.id, asker_id=row.asker_id, team_id=row.team_id, text=row.text,
                       language=Language(row.language), status=RequestStatus(row.status),
                       created_at=row.created_at)


_OPEN = insert(requests).returning(requests.c.id)


class SqlHelpRequests:
    """The ``HelpRequests`` port on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def open(self, asker_id: int, team_id: int | None, text: str, language: Language,
             now: datetime) -> HelpRequest:
        """Record a new question."""
        request_id: int = self.conn.execute(_OPEN, {
            "asker_id": asker_id, "team_id": team_id, "text": text, "language": language.value,
            "status": RequestStatus.OPEN.value, "created_at": now}).scalar_one()
        return HelpRequest(request_id, asker_id, team_id, text, language, RequestStatus.OPEN, now)

    def get(self, request_id: int) -> HelpRequest | None:
        """One request by number."""
        row = self.conn.execute(select(*_COLUMNS).where(requests.c.id == request_id)).first()
        return _request(row) if row is not None else None

    def add_message(self, request_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> None:
        """Record an answer or follow-up."""
        self.conn.execute(insert(messages).values(request_id=request_id, author_id=author_id,
                                                  text=text, language=language.value,
                                                  created_at=now))

    def set_status(self, request_id: int, open_: bool, by: int, now: datetime) -> None:
        """Close or reopen a request."""
        if open_:
            values: dict[str, Any] = {"status": RequestStatus.OPEN.value, "closed_at": None,
                                      "closed_by": None}
        else:
            values = {"status": RequestStatus.CLOSED.value, "closed_at": now, "closed_by": by}
        self.conn.execute(update(requests).where(requests.c.id == request_id).values(**values))

    def participants(self, request_id: int) -> set[int]:
        """Everyone who wrote on a request."""
        rows = self.conn.execute(select(messages.c.author_id).where(
            messages.c.request_id == request_id).distinct())
        return {row.author_id for row in rows}

    def open_requests(self) -> list[HelpRequest]:
        """Open requests, oldest first."""
        rows = self.conn.execute(select(*_COLUMNS).where(
            requests.c.status == RequestStatus.OPEN.value).order_by(requests.c.created_at,
                                                                    requests.c.id))
        return [_request(row) for row in rows]

    def asked_by(self, member_id: int) -> list[HelpRequest]:
        """A member's requests: open ones first, newest first."""
        rows = self.conn.execute(select(*_COLUMNS).where(requests.c.asker_id == member_id)
                                 .order_by(requests.c.status.desc(), requests.c.id.desc())
                                 .limit(50))
        return [_request(row) for row in rows]
