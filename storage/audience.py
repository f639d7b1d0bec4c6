"""The ``Audiences`` port in SQL: who an audience reaches, in one query over members.

An audience becomes one ``WHERE`` on ``members``: membership of the matching teams (region,
topic and team conditions ANDed, each an ``IN`` list) and, for roles, membership of the
leaders' or the role holders' sets (ORed). Ten thousand recipients come back in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.audience import Audience, AudienceRole, Recipient, TeamRef, Topic, fold
from handlers.domain import Language
from storage.members import name_key
from storage.rows import LANGUAGES
from storage.sql import Sql, placeholders

_LIVE = "status <> 'rejected'"
_LEADERS = ("m.id IN (SELECT leader_id FROM teams WHERE leader_id IS NOT NULL AND "
            f"{_LIVE} UNION SELECT co_leader_id FROM teams WHERE co_leader_id IS NOT NULL "
            f"AND {_LIVE})")
# Programme-wide roles behind the audience roles other than leaders.
_HELD = {AudienceRole.REVIEWERS: "reviewer", AudienceRole.OBSERVERS: "observer",
         AudienceRole.COORDINATORS: "coordinator"}


class SqlAudiences:
    """The ``Audiences`` port on one unit of work's connection."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def teams_named(self, names: Sequence[str]) -> dict[str, TeamRef]:
        """The teams (not rejected) with these names, by case-folded name."""
        keys = list(dict.fromkeys(name_key(n) for n in names))
        if not keys:
            return {}
        listed, params = placeholders("k", keys)
        rows = self.sql.rows(f"SELECT name_key, id, name FROM teams WHERE name_key IN ({listed}) "
                             f"AND {_LIVE}", params)
        return {row[0]: TeamRef(row[1], row[2]) for row in rows}

    def topics(self) -> list[Topic]:
        """Every topic of a team that is not rejected, as first written, alphabetically."""
        rows = self.sql.rows(f"SELECT topic, MIN(id), COUNT(*) FROM teams WHERE {_LIVE} "
                             "GROUP BY topic ORDER BY MIN(id)")
        merged: dict[str, Topic] = {}
        for text, team_id, count in rows:  # "Budget" and "budget" are one topic
            key = fold(text)
            seen = merged.get(key)
            merged[key] = Topic(text, team_id, count) if seen is None else \
                seen._replace(teams=seen.teams + count)
        return sorted(merged.values(), key=lambda t: fold(t.text))

    def recipients(self, audience: Audience) -> list[Recipient]:
        """Everyone the audience reaches now, by member id."""
        where, params = self._where(audience)
        rows = self.sql.rows("SELECT m.id, m.primary_identity, m.language, m.auto_translate, "
                             f"m.timezone FROM members m WHERE {where} ORDER BY m.id", params)
        languages = LANGUAGES
        return [Recipient(row[0], row[1], languages[row[2]], bool(row[3]), row[4])
                for row in rows]

    def languages(self, audience: Audience) -> dict[Language, int]:
        """How many people the audience reaches, by language."""
        where, params = self._where(audience)
        rows = self.sql.rows(f"SELECT m.language, COUNT(*) FROM members m WHERE {where} "
                             "GROUP BY m.language", params)
        return {LANGUAGES[row[0]]: int(row[1]) for row in rows}

    def zones(self, audience: Audience) -> dict[str, int]:
        """How many people the audience reaches, by time zone."""
        where, params = self._where(audience)
        rows = self.sql.rows(f"SELECT m.timezone, COUNT(*) FROM members m WHERE {where} "
                             "GROUP BY m.timezone", params)
        return {row[0]: int(row[1]) for row in rows}

    def _where(self, audience: Audience) -> tuple[str, dict[str, Any]]:
        """The condition on ``members m`` that selects an audience, with its parameters."""
        params: dict[str, Any] = {}
        conditions: list[str] = []
        in_team: list[str] = []
        if audience.regions:
            listed, values = placeholders("r", [r.value for r in audience.regions])
            in_team.append(f"t.region IN ({listed})")
            params |= values
        if audience.topics:
            listed, values = placeholders("p", self._topics_as_written(audience.topic_keys))
            in_team.append(f"t.topic IN ({listed})")
            params |= values
        if audience.teams:
            listed, values = placeholders("t", [t.id for t in audience.teams])
            in_team.append(f"t.id IN ({listed})")
            params |= values
        if in_team:
            conditions.append("m.id IN (SELECT tm.member_id FROM team_members tm "
                              f"JOIN teams t ON t.id = tm.team_id WHERE t.{_LIVE} AND "
                              + " AND ".join(in_team) + ")")
        holders: list[str] = []
        if AudienceRole.LEADERS in audience.roles:
            holders.append(_LEADERS)
        held = [_HELD[r] for r in audience.roles if r in _HELD]
        if held:
            listed, values = placeholders("h", held)
            holders.append(f"m.id IN (SELECT member_id FROM member_roles WHERE role IN ({listed}))")
            params |= values
        if holders:
            conditions.append("(" + " OR ".join(holders) + ")")
        return " AND ".join(conditions) or "1 = 1", params

    def _topics_as_written(self, keys: frozenset[str]) -> list[str]:
        """Every spelling of these topics on teams (topics compare without case or accents)."""
        rows = self.sql.rows(f"SELECT DISTINCT topic FROM teams WHERE {_LIVE}")
        return [row[0] for row in rows if fold(row[0]) in keys]
