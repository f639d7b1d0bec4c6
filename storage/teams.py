"""Teams and team membership, in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from handlers.domain import Region, Team, TeamStatus
from handlers.ports import TeamMember
from storage.members import name_key
from storage.models import MemberRow, TeamMemberRow, TeamRow, table
from storage.rows import member_select, members_from

teams = table(TeamRow)
team_members = table(TeamMemberRow)
members = table(MemberRow)


def _team(row: Any) -> Team:
    return Team(id=row.id, name=row.name, topic=row.topic, region=Region(row.region),
                join_code=row.join_code, status=TeamStatus(row.status), leader_id=row.leader_id,
                co_leader_id=row.co_leader_id, created_at=row.created_at)


_TEAM_COLUMNS = (teams.c.id, teams.c.name, teams.c.topic, teams.c.region, teams.c.join_code,
                 teams.c.status, teams.c.leader_id, teams.c.co_leader_id, teams.c.created_at)


_OF_MEMBER = select(*_TEAM_COLUMNS).join(team_members, team_members.c.team_id == teams.c.id) \
    .where(team_members.c.member_id == bindparam("member_id"))
_MEMBERS = member_select().add_columns(team_members.c.joined_at).join(
    team_members, team_members.c.member_id == members.c.id).where(
    team_members.c.team_id == bindparam("team_id")).order_by(team_members.c.joined_at,
                                                             members.c.id)


class SqlTeams:
    """The ``Teams`` port on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _one(self, *conditions: Any) -> Team | None:
        row = self.conn.execute(select(*_TEAM_COLUMNS).where(*conditions)).first()
        return _team(row) if row is not None else None

    def add(self, name: str, topic: str, region: Region, join_code: str, leader_id: int,
            approved: bool, now: datetime) -> Team:
        """Create a team with its leader as first member."""
        status = TeamStatus.APPROVED if approved else TeamStatus.PENDING
        team_id: int = self.conn.execute(insert(teams).values(
            name=name, name_key=name_key(name), topic=topic, region=region.value,
            join_code=join_code, status=status.value, leader_id=leader_id, created_by=leader_id,
            created_at=now).returning(teams.c.id)).scalar_one()
        self.add_member(team_id, leader_id, now)
        return Team(team_id, name, topic, region, join_code, status, leader_id, None, now)

    def get(self, team_id: int) -> Team | None:
        """One team by id."""
        return self._one(teams.c.id == team_id)

    def by_name(self, name: str) -> Team | None:
        """A team (not a rejected proposal) by name, case-insensitive."""
        return self._one(teams.c.name_key == name_key(name),
                         teams.c.status != TeamStatus.REJECTED.value)

    def by_code(self, code: str) -> Team | None:
        """A team by join code."""
        return self._one(teams.c.join_code == code.strip().upper())

    def code_taken(self, code: str) -> bool:
        """Whether a join code is in use."""
        return self.conn.execute(select(teams.c.id).where(teams.c.join_code == code)).first() \
            is not None

    def of_member(self, member_id: int) -> Team | None:
        """The team a member belongs to."""
        row = self.conn.execute(_OF_MEMBER, {"member_id": member_id}).first()
        return _team(row) if row is not None else None

    def members(self, team_id: int) -> list[TeamMember]:
        """A team's members in the order they joined."""
        rows = list(self.conn.execute(_MEMBERS, {"team_id": team_id}))
        joined = {row.id: row.joined_at for row in rows}
        return [TeamMember(member, joined[member.id]) for member in members_from(rows)]

    def add_member(self, team_id: int, member_id: int, now: datetime) -> None:
        """Put a member into a team."""
        self.conn.execute(insert(team_members).values(team_id=team_id, member_id=member_id,
                                                      joined_at=now))

    def remove_member(self, team_id: int, member_id: int) -> None:
        """Take a member out of a team and out of its leader/co-leader slots."""
        self.conn.execute(delete(team_members).where(team_members.c.team_id == team_id,
                                                     team_members.c.member_id == member_id))
        self.conn.execute(update(teams).where(teams.c.id == team_id,
                                              teams.c.leader_id == member_id)
                          .values(leader_id=None))
        self.conn.execute(update(teams).where(teams.c.id == team_id,
                                              teams.c.co_leader_id == member_id)
                          .values(co_leader_id=None))

    def set_leaders(self, team_id: int, leader_id: int | None, co_leader_id: int | None) -> None:
        """Set who leads and co-leads a team."""
        self.conn.execute(update(teams).where(teams.c.id == team_id)
                          .values(leader_id=leader_id, co_leader_id=co_leader_id))

    def decide(self, team_id: int, approved: bool, by: int, now: datetime) -> None:
        """Record a coordinator's approval or rejection."""
        status = TeamStatus.APPROVED if approved else TeamStatus.REJECTED
        self.conn.execute(update(teams).where(teams.c.id == team_id)
                          .values(status=status.value, decided_by=by, decided_at=now))

    def all(self) -> list[Team]:
        """Every team, by name."""
        rows = self.conn.execute(select(*_TEAM_COLUMNS).order_by(teams.c.name_key, teams.c.id))
        return [_team(row) for row in rows]

    def member_counts(self) -> dict[int, int]:
        """How many members each team has."""
        rows = self.conn.execute(select(team_members.c.team_id, func.count())
                                 .group_by(team_members.c.team_id))
        return {team_id: count for team_id, count in rows}
