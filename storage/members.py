"""Members, their platform identities and programme-wide roles, in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from handlers.domain import Contact, Language, Member, Role
from storage.models import IdentityRow, MemberRoleRow, MemberRow, table
from storage.rows import member_select, members_from

members = table(MemberRow)
identities = table(IdentityRow)
roles = table(MemberRoleRow)


def name_key(name: str) -> str:
    """How names are compared: case-folded, spaces collapsed."""
    return " ".join(name.split()).casefold()[:80]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


_BY_IDENTITY = member_select().join(identities, identities.c.member_id == members.c.id).where(
    identities.c.identity == bindparam("identity"))
_BY_ID = member_select().where(members.c.id == bindparam("member_id"))
_WITH_ROLE = member_select().where(members.c.id.in_(
    select(roles.c.member_id).where(roles.c.role == bindparam("role")))).order_by(members.c.id)
_CONTACTS = select(members.c.id, members.c.primary_identity, members.c.language).where(
    members.c.id.in_(bindparam("ids", expanding=True)))


class SqlMembers:
    """The ``Members`` port on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def by_identity(self, identity: str) -> Member | None:
        """The member behind one platform identity."""
        found = members_from(self.conn.execute(_BY_IDENTITY, {"identity": identity}))
        return found[0] if found else None

    def get(self, member_id: int) -> Member | None:
        """One member by id."""
        found = members_from(self.conn.execute(_BY_ID, {"member_id": member_id}))
        return found[0] if found else None

    def add(self, name: str, identity: str, language: Language, timezone: str,
            now: datetime) -> Member:
        """Register a new person with their first identity."""
        member_id: int = self.conn.execute(insert(members).values(
            name=name, name_key=name_key(name), language=language.value, timezone=timezone,
            primary_identity=identity, created_at=now).returning(members.c.id)).scalar_one()
        self.conn.execute(insert(identities).values(
            identity=identity, member_id=member_id, platform=identity.split(":", 1)[0],
            created_at=now))
        return Member(member_id, name, language, timezone, identity)

    def use_identity(self, member_id: int, identity: str) -> None:
        """Remember the identity the member last wrote from."""
        self.conn.execute(update(members).where(members.c.id == member_id)
                          .values(primary_identity=identity))

    def set_language(self, member_id: int, language: Language) -> None:
        """Change a member's language."""
        self.conn.execute(update(members).where(members.c.id == member_id)
                          .values(language=language.value))

    def set_timezone(self, member_id: int, timezone: str) -> None:
        """Change a member's time zone."""
        self.conn.execute(update(members).where(members.c.id == member_id)
                          .values(timezone=timezone))

    def find_by_name(self, name: str) -> list[Member]:
        """Members named exactly so (case-insensitive), else those whose name starts so."""
        key = name_key(name)
        if not key:
            return []
        exact = members_from(self.conn.execute(
            member_select().where(members.c.name_key == key).order_by(members.c.id)))
        if exact:
            return exact
        prefix = member_select().where(members.c.name_key.like(_like_prefix(key), escape="\\"))
        return members_from(self.conn.execute(prefix.order_by(members.c.id).limit(50)))[:20]

    def with_role(self, role: Role) -> list[Member]:
        """Every member holding a role."""
        return members_from(self.conn.execute(_WITH_ROLE, {"role": role.value}))

    def grant(self, member_id: int, role: Role, by: int | None, now: datetime) -> bool:
        """Give a role; False when already held."""
        held = self.conn.execute(select(roles.c.role).where(
            roles.c.member_id == member_id, roles.c.role == role.value)).first()
        if held is not None:
            return False
        self.conn.execute(insert(roles).values(member_id=member_id, role=role.value,
                                               granted_at=now, granted_by=by))
        return True

    def revoke(self, member_id: int, role: Role) -> bool:
        """Take a role away; False when not held."""
        result = self.conn.execute(delete(roles).where(roles.c.member_id == member_id,
                                                       roles.c.role == role.value))
        return result.rowcount > 0

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        """Where and in which language to reach each member."""
        ids = list(member_ids)
        if not ids:
            return {}
        rows = self.conn.execute(_CONTACTS, {"ids": ids})
        return {row.id: Contact(row.id, row.primary_identity, Language(row.language))
                for row in rows}
