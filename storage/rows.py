"""Turning result rows into the core's domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select

from handlers.domain import Language, Member, Role
from storage.models import MemberRoleRow, MemberRow, table

M = table(MemberRow).c
R = table(MemberRoleRow).c


def member_select() -> Select[Any]:
    """Members with their roles (one row per role, or one with role NULL)."""
    members = table(MemberRow)
    roles = table(MemberRoleRow)
    return select(M.id, M.name, M.language, M.timezone, M.primary_identity, R.role).select_from(
        members.outerjoin(roles, R.member_id == M.id))


def members_from(rows: Iterable[Any]) -> list[Member]:
    """Group (member…, role) rows into members, keeping their first-seen order."""
    found: dict[int, tuple[Any, set[Role]]] = {}
    for row in rows:
        entry = found.setdefault(row.id, (row, set()))
        if row.role is not None:
            entry[1].add(Role(row.role))
    return [
        Member(id=row.id, name=row.name, language=Language(row.language),
               timezone=row.timezone, identity=row.primary_identity, roles=frozenset(roles))
        for row, roles in found.values()
    ]
