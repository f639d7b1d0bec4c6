"""Teams and team membership, in SQL."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import Member, Region, Team, TeamStatus
from storage.members import name_key
from storage.rows import MEMBER_COLUMNS, members_from
from storage.sql import Row, Sql

REGIONS = {region.value: region for region in Region}
STATUSES = {status.value: status for status in TeamStatus}
_TEAM = ("SELECT t.id, t.name, t.topic, t.region, t.join_code, t.status, t.leader_id, "
         "t.co_leader_id, t.created_at FROM teams t")
_ADD = ("INSERT INTO teams (name, name_key, topic, region, join_code, status, leader_id, "
        "created_by, created_at, last_activity_at) VALUES (:name, :key, :topic, :region, :code, "
        ":status, :leader, :leader, :now, :now) RETURNING id")
_MEMBERS = (f"SELECT {MEMBER_COLUMNS} FROM team_members tm "
            "JOIN members m ON m.id = tm.member_id "
            "LEFT JOIN member_roles r ON r.member_id = m.id "
            "WHERE tm.team_id = :team ORDER BY tm.joined_at, tm.member_id")


class SqlTeams:
    """The ``Teams`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _team(self, row: Row) -> Team:
        return Team(row[0], row[1], row[2], REGIONS[row[3]], row[4], STATUSES[row[5]], row[6],
                    row[7], self.sql.read_time(row[8]))

    def _one(self, where: str, params: dict[str, object]) -> Team | None:
        row = self.sql.row(f"{_TEAM} WHERE {where}", params)
        return self._team(row) if row is not None else None

    def add(self, name: str, topic: str, region: Region, join_code: str, leader_id: int,
            approved: bool, now: datetime) -> Team:
        """Create a team with its leader as first member."""
        status = TeamStatus.APPROVED if approved else TeamStatus.PENDING
        team_id = self.sql.insert(_ADD, {
            "name": name, "key": name_key(name), "topic": topic, "region": region.value,
            "code": join_code, "status": status.value, "leader": leader_id,
            "now": self.sql.time(now)})
        self.add_member(team_id, leader_id, now)
        return Team(team_id, name, topic, region, join_code, status, leader_id, None, now)

    def touch(self, team_id: int, now: datetime) -> None:
        """Record that the team uploaded or said something."""
        self.sql.run("UPDATE teams SET last_activity_at = :now WHERE id = :id",
                     {"now": self.sql.time(now), "id": team_id})

    def get(self, team_id: int) -> Team | None:
        """One team by id."""
        return self._one("t.id = :id", {"id": team_id})

    def by_name(self, name: str) -> Team | None:
        """A team (not a rejected proposal) by name, case-insensitive."""
        return self._one("t.name_key = :key AND t.status <> 'rejected'", {"key": name_key(name)})

    def by_code(self, code: str) -> Team | None:
        """A team by join code."""
        return self._one("t.join_code = :code", {"code": code.strip().upper()})

    def code_taken(self, code: str) -> bool:
        """Whether a join code is in use."""
        return self.sql.row("SELECT 1 FROM teams WHERE join_code = :code",
                            {"code": code}) is not None

    def of_member(self, member_id: int) -> Team | None:
        """The team a member belongs to."""
        row = self.sql.row(f"{_TEAM} JOIN team_members tm ON tm.team_id = t.id "
                           "WHERE tm.member_id = :member", {"member": member_id})
        return self._team(row) if row is not None else None

    def members(self, team_id: int) -> list[Member]:
        """A team's members in the order they joined."""
        return members_from(self.sql.rows(_MEMBERS, {"team": team_id}))

    def add_member(self, team_id: int, member_id: int, now: datetime) -> None:
        """Put a member into a team."""
        self.sql.run("INSERT INTO team_members (team_id, member_id, joined_at) "
                     "VALUES (:team, :member, :now)",
                     {"team": team_id, "member": member_id, "now": self.sql.time(now)})

    def remove_member(self, team_id: int, member_id: int) -> None:
        """Take a member out of a team and out of its leader/co-leader slots."""
        params = {"team": team_id, "member": member_id}
        self.sql.run("DELETE FROM team_members WHERE team_id = :team AND member_id = :member",
                     params)
        self.sql.run("UPDATE teams SET leader_id = NULL WHERE id = :team "
                     "AND leader_id = :member", params)
        self.sql.run("UPDATE teams SET co_leader_id = NULL WHERE id = :team "
                     "AND co_leader_id = :member", params)

    def delete(self, team_id: int) -> None:
        """Remove a team that no longer has members."""
        self.sql.run("DELETE FROM teams WHERE id = :team", {"team": team_id})

    def set_leaders(self, team_id: int, leader_id: int | None, co_leader_id: int | None) -> None:
        """Set who leads and co-leads a team."""
        self.sql.run("UPDATE teams SET leader_id = :leader, co_leader_id = :co WHERE id = :team",
                     {"leader": leader_id, "co": co_leader_id, "team": team_id})

    def decide(self, team_id: int, approved: bool, by: int, now: datetime) -> bool:
        """Record a coordinator's decision on a pending team; False when it was not pending."""
        status = TeamStatus.APPROVED if approved else TeamStatus.REJECTED
        return self.sql.run(
            "UPDATE teams SET status = :status, decided_by = :by, decided_at = :now "
            "WHERE id = :team AND status = 'pending'",
            {"status": status.value, "by": by, "now": self.sql.time(now), "team": team_id}) > 0

    def all(self) -> list[Team]:
        """Every team, by name."""
        return [self._team(row) for row in self.sql.rows(f"{_TEAM} ORDER BY t.name_key, t.id")]

    def member_counts(self) -> dict[int, int]:
        """How many members each team has."""
        rows = self.sql.rows("SELECT team_id, COUNT(*) FROM team_members GROUP BY team_id")
        return {row[0]: int(row[1]) for row in rows}
