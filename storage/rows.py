"""Turning result rows into the core's domain objects."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.domain import Language, Member, Role
from storage.sql import Row

# A member with one of their roles (or NULL): members m LEFT JOIN member_roles r.
MEMBER_COLUMNS = "m.id, m.name, m.language, m.timezone, m.primary_identity, r.role"
MEMBER_FROM = "members m LEFT JOIN member_roles r ON r.member_id = m.id"


LANGUAGES = {language.value: language for language in Language}
ROLES = {role.value: role for role in Role}


def members_from(rows: Iterable[Row]) -> list[Member]:
    """Group (member…, role) rows into members, keeping their first-seen order."""
    found: dict[int, tuple[Row, set[Role]]] = {}
    for row in rows:
        entry = found.setdefault(row[0], (row, set()))
        if row[5] is not None:
            entry[1].add(ROLES[row[5]])
    return [
        Member(id=row[0], name=row[1], language=LANGUAGES[row[2]], timezone=row[3],
               identity=row[4], roles=frozenset(roles))
        for row, roles in found.values()
    ]
