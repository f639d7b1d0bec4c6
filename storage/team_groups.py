"""Team groups and link requests, in SQL (the ``TeamGroups`` port)."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import Language
from handlers.team_group_ports import TeamGroup
from storage.sql import Row, Sql

_GROUP = ("SELECT id, team_id, platform, chat_id, title, language, requested_by, requested_at, "
          "linked_at FROM team_groups")


class SqlTeamGroups:
    """The ``TeamGroups`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _group(self, row: Row) -> TeamGroup:
        linked = row[8]
        return TeamGroup(row[0], row[1], row[2], row[3], row[4], Language(row[5]), row[6],
                         self.sql.read_time(row[7]),
                         self.sql.read_time(linked) if linked is not None else None)

    def get(self, link_id: int) -> TeamGroup | None:
        """One link or request by id."""
        row = self.sql.row(f"{_GROUP} WHERE id = :id", {"id": link_id})
        return self._group(row) if row is not None else None

    def for_chat(self, platform: str, chat_id: str) -> TeamGroup | None:
        """The link (or pending request) of one group chat."""
        row = self.sql.row(f"{_GROUP} WHERE platform = :platform AND chat_id = :chat",
                           {"platform": platform, "chat": chat_id})
        return self._group(row) if row is not None else None

    def of_team(self, team_id: int) -> list[TeamGroup]:
        """A team's confirmed groups."""
        rows = self.sql.rows(f"{_GROUP} WHERE team_id = :team AND linked_at IS NOT NULL "
                             "ORDER BY id", {"team": team_id})
        return [self._group(row) for row in rows]

    def request(self, team_id: int, platform: str, chat_id: str, title: str,
                language: Language, by: int, now: datetime) -> TeamGroup:
        """Ask to link a group, replacing an earlier unconfirmed request for the same chat."""
        self.sql.run("DELETE FROM team_groups WHERE platform = :platform AND chat_id = :chat "
                     "AND linked_at IS NULL", {"platform": platform, "chat": chat_id})
        link_id = self.sql.insert(
            "INSERT INTO team_groups (team_id, platform, chat_id, title, language, "
            "requested_by, requested_at) VALUES (:team, :platform, :chat, :title, :language, "
            ":by, :now) RETURNING id",
            {"team": team_id, "platform": platform, "chat": chat_id, "title": title[:200],
             "language": language.value, "by": by, "now": self.sql.time(now)})
        return TeamGroup(link_id, team_id, platform, chat_id, title[:200], language, by, now,
                         None)

    def confirm(self, link_id: int, now: datetime) -> list[TeamGroup] | None:
        """Confirm a request (only once, even when pressed twice at the same moment); the
        team's other group on that platform is unlinked and returned."""
        link = self.get(link_id)
        if link is None or not self.sql.run(
                "UPDATE team_groups SET linked_at = :now WHERE id = :id AND linked_at IS NULL",
                {"now": self.sql.time(now), "id": link_id}):
            return None
        replaced = [g for g in self.of_team(link.team_id)
                    if g.platform == link.platform and g.id != link.id]
        for group in replaced:
            self.remove(group.id)
        return replaced

    def set_language(self, link_id: int, language: Language) -> None:
        """The language the bot writes in in a linked group."""
        self.sql.run("UPDATE team_groups SET language = :language WHERE id = :id",
                     {"language": language.value, "id": link_id})

    def rename(self, platform: str, chat_id: str, title: str) -> None:
        """A group's new name."""
        self.sql.run("UPDATE team_groups SET title = :title WHERE platform = :platform "
                     "AND chat_id = :chat", {"title": title[:200], "platform": platform,
                                             "chat": chat_id})

    def remove(self, link_id: int) -> None:
        """Forget a link or a request."""
        self.sql.run("DELETE FROM team_groups WHERE id = :id", {"id": link_id})

    def move(self, platform: str, old_chat_id: str, new_chat_id: str) -> TeamGroup | None:
        """The link follows a group to its new id (a record for the new id is replaced)."""
        link = self.for_chat(platform, old_chat_id)
        if link is None:
            return None
        self.sql.run("DELETE FROM team_groups WHERE platform = :platform AND chat_id = :chat",
                     {"platform": platform, "chat": new_chat_id})
        self.sql.run("UPDATE team_groups SET chat_id = :new WHERE id = :id",
                     {"new": new_chat_id, "id": link.id})
        return link._replace(chat_id=new_chat_id)
