"""Turning result rows into the core's domain objects."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.domain import Language, Member, Role
from storage.sql import Row

# A member with one of their roles (or NULL): members m LEFT JOIN member_roles r.
MEMBER_COLUMNS = ("m.id, m.name, m.language, m.timezone, m.primary_identity, r.role, "
                  "m.auto_translate, m.team_chat")
MEMBER_FROM = "members m LEFT JOIN member_roles r ON r.member_id = m.id"


LANGUAGES = {language.value: language for language in Language}
ROLES = {role.value: role for role in Role}
NO_ROLES: frozenset[Role] = frozenset()


def members_from(rows: Iterable[Row]) -> list[Member]:
    """Group (member…, role) rows into members, keeping their first-seen order."""
    found: dict[int, Member] = {}
    for row in rows:
        member = found.get(row[0])
        if member is None:
            roles = frozenset((ROLES[row[5]],)) if row[5] is not None else NO_ROLES
            found[row[0]] = Member(row[0], row[1], LANGUAGES[row[2]], row[3], row[4], roles,
                                   bool(row[6]), bool(row[7]))
        elif row[5] is not None:  # one more role of the same member
            found[row[0]] = member._replace(roles=member.roles | {ROLES[row[5]]})
    return list(found.values())
