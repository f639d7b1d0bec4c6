"""Help requests and their messages, in SQL."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import HelpRequest, Language, RequestStatus
from storage.sql import Row, Sql

_SELECT = ("SELECT id, asker_id, team_id, text, language, status, created_at, urgent "
           "FROM help_requests")
_OPEN = ("INSERT INTO help_requests (asker_id, team_id, text, language, status, created_at) "
         "VALUES (:asker, :team, :text, :language, 'open', :now) RETURNING id")


class SqlHelpRequests:
    """The ``HelpRequests`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _request(self, row: Row) -> HelpRequest:
        return HelpRequest(id=row[0], asker_id=row[1], team_id=row[2], text=row[3],
                           language=Language(row[4]), status=RequestStatus(row[5]),
                           created_at=self.sql.read_time(row[6]), urgent=bool(row[7]))

    def open(self, asker_id: int, team_id: int | None, text: str, language: Language,
             now: datetime) -> HelpRequest:
        """Record a new question."""
        request_id = self.sql.insert(_OPEN, {"asker": asker_id, "team": team_id, "text": text,
                                             "language": language.value,
                                             "now": self.sql.time(now)})
        return HelpRequest(request_id, asker_id, team_id, text, language, RequestStatus.OPEN, now)

    def get(self, request_id: int) -> HelpRequest | None:
        """One request by number."""
        row = self.sql.row(f"{_SELECT} WHERE id = :id", {"id": request_id})
        return self._request(row) if row is not None else None

    def add_message(self, request_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> None:
        """Record an answer or follow-up."""
        self.sql.run("INSERT INTO help_messages (request_id, author_id, text, language, "
                     "created_at) VALUES (:request, :author, :text, :language, :now)",
                     {"request": request_id, "author": author_id, "text": text,
                      "language": language.value, "now": self.sql.time(now)})
        self.sql.run("UPDATE help_requests SET answered_at = :now WHERE id = :request "
                     "AND answered_at IS NULL AND asker_id <> :author",
                     {"request": request_id, "author": author_id, "now": self.sql.time(now)})

    def set_status(self, request_id: int, open_: bool, by: int, now: datetime) -> None:
        """Close or reopen a request."""
        if open_:
            self.sql.run("UPDATE help_requests SET status = 'open', closed_at = NULL, "
                         "closed_by = NULL WHERE id = :id", {"id": request_id})
        else:
            self.sql.run("UPDATE help_requests SET status = 'closed', closed_at = :now, "
                         "closed_by = :by WHERE id = :id",
                         {"id": request_id, "now": self.sql.time(now), "by": by})

    def participants(self, request_id: int) -> set[int]:
        """Everyone who wrote on a request."""
        rows = self.sql.rows("SELECT DISTINCT author_id FROM help_messages "
                             "WHERE request_id = :request", {"request": request_id})
        return {row[0] for row in rows}

    def open_requests(self) -> list[HelpRequest]:
        """Open requests, urgent ones first, then oldest first."""
        rows = self.sql.rows(f"{_SELECT} WHERE status = 'open' "
                             "ORDER BY urgent DESC, created_at, id")
        return [self._request(row) for row in rows]

    def asked_by(self, member_id: int) -> list[HelpRequest]:
        """A member's requests: open ones first, newest first."""
        rows = self.sql.rows(f"{_SELECT} WHERE asker_id = :asker "
                             "ORDER BY status DESC, id DESC LIMIT 50", {"asker": member_id})
        return [self._request(row) for row in rows]
