"""Members, their platform identities and programme-wide roles, in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers.domain import Contact, Language, Member, Role
from storage.conversations import SqlConversations
from storage.rows import MEMBER_COLUMNS, MEMBER_FROM, members_from
from storage.sql import Sql, placeholders

# The sender of every message: with their roles and, to save a query, their pending step.
_BY_IDENTITY = (f"SELECT {MEMBER_COLUMNS}, c.flow, c.step, c.data, c.updated_at "
                "FROM identities i "
                "JOIN members m ON m.id = i.member_id "
                "LEFT JOIN member_roles r ON r.member_id = m.id "
                "LEFT JOIN conversations c ON c.member_id = m.id "
                "WHERE i.identity = :identity")
_BY_ID = f"SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.id = :id"
_BY_NAME = f"SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.name_key = :key ORDER BY m.id"
_BY_PREFIX = (f"SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.id IN ("
              "SELECT id FROM members WHERE name_key LIKE :pattern ESCAPE '\\' "
              "ORDER BY id LIMIT 20) ORDER BY m.id")
_WITH_ROLE = (f"SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.id IN ("
              "SELECT member_id FROM member_roles WHERE role = :role) ORDER BY m.id")
_ADD_MEMBER = ("INSERT INTO members (name, name_key, language, timezone, primary_identity, "
               "created_at) VALUES (:name, :key, :language, :timezone, :identity, :now) "
               "RETURNING id")
_ADD_IDENTITY = ("INSERT INTO identities (identity, member_id, platform, created_at) "
                 "VALUES (:identity, :member, :platform, :now)")
_GRANT = ("INSERT INTO member_roles (member_id, role, granted_at, granted_by) "
          "VALUES (:member, :role, :now, :by) ON CONFLICT DO NOTHING")


def name_key(name: str) -> str:
    """How names are compared: case-folded, spaces collapsed."""
    return " ".join(name.split()).casefold()[:255]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class SqlMembers:
    """The ``Members`` port on one unit of work."""

    def __init__(self, sql: Sql, conversations: SqlConversations) -> None:
        self.sql = sql
        self.conversations = conversations

    def by_identity(self, identity: str) -> Member | None:
        """The member behind one platform identity."""
        rows = self.sql.rows(_BY_IDENTITY, {"identity": identity})
        if not rows:
            return None
        member = members_from(rows)[0]
        self.conversations.remember(member.id, *rows[0][8:12])
        return member

    def get(self, member_id: int) -> Member | None:
        """One member by id."""
        found = members_from(self.sql.rows(_BY_ID, {"id": member_id}))
        return found[0] if found else None

    def add(self, name: str, identity: str, language: Language, timezone: str,
            now: datetime) -> Member:
        """Register a new person with their first identity."""
        when = self.sql.time(now)
        member_id = self.sql.insert(_ADD_MEMBER, {
            "name": name, "key": name_key(name), "language": language.value,
            "timezone": timezone, "identity": identity, "now": when})
        self.sql.run(_ADD_IDENTITY, {"identity": identity, "member": member_id,
                                     "platform": identity.split(":", 1)[0], "now": when})
        return Member(member_id, name, language, timezone, identity)

    def identities(self, member_id: int) -> list[str]:
        """Every platform identity of a member."""
        rows = self.sql.rows("SELECT identity FROM identities WHERE member_id = :member "
                             "ORDER BY created_at, identity", {"member": member_id})
        return [row[0] for row in rows]

    def use_identity(self, member_id: int, identity: str) -> None:
        """Remember the identity the member last wrote from."""
        self.sql.run("UPDATE members SET primary_identity = :identity WHERE id = :id",
                     {"identity": identity, "id": member_id})

    def set_language(self, member_id: int, language: Language) -> None:
        """Change a member's language."""
        self.sql.run("UPDATE members SET language = :language WHERE id = :id",
                     {"language": language.value, "id": member_id})

    def set_timezone(self, member_id: int, timezone: str) -> None:
        """Change a member's time zone."""
        self.sql.run("UPDATE members SET timezone = :timezone WHERE id = :id",
                     {"timezone": timezone, "id": member_id})

    def find_by_name(self, name: str) -> list[Member]:
        """Members named exactly so (case-insensitive), else up to 20 whose name starts so."""
        key = name_key(name)
        if not key:
            return []
        exact = members_from(self.sql.rows(_BY_NAME, {"key": key}))
        if exact:
            return exact
        return members_from(self.sql.rows(_BY_PREFIX, {"pattern": _like_prefix(key)}))

    def with_role(self, role: Role) -> list[Member]:
        """Every member holding a role."""
        return members_from(self.sql.rows(_WITH_ROLE, {"role": role.value}))

    def grant(self, member_id: int, role: Role, by: int | None, now: datetime) -> bool:
        """Give a role; False when already held."""
        return self.sql.run(_GRANT, {"member": member_id, "role": role.value,
                                     "now": self.sql.time(now), "by": by}) > 0

    def revoke(self, member_id: int, role: Role) -> bool:
        """Take a role away; False when not held."""
        return self.sql.run("DELETE FROM member_roles WHERE member_id = :member AND role = :role",
                            {"member": member_id, "role": role.value}) > 0

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        """Where and in which language to reach each member."""
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}
        listed, params = placeholders("m", ids)
        # A forgotten member has no account left (primary_identity ''): nobody to reach.
        rows = self.sql.rows("SELECT id, primary_identity, language, auto_translate FROM members "
                             f"WHERE id IN ({listed}) AND primary_identity <> ''", params)
        return {row[0]: Contact(row[0], row[1], Language(row[2]), bool(row[3])) for row in rows}

    def set_auto_translate(self, member_id: int, on: bool) -> None:
        """Whether what others write reaches the member translated."""
        self.sql.run("UPDATE members SET auto_translate = :on WHERE id = :id",
                     {"on": int(on), "id": member_id})

    def set_team_chat(self, member_id: int, on: bool) -> None:
        """Whether the member's plain text goes to their team."""
        self.sql.run("UPDATE members SET team_chat = :on WHERE id = :id",
                     {"on": int(on), "id": member_id})
