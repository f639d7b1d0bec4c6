"""The programme the soak benchmark plays: who is in it, on which platform, in which language,
and the state it starts from — seeded straight into the database (bulk inserts, not measured).

By default 200 teams (of 7 and 8: 1,500 members) in five regions; each member on one platform
(Telegram 45 %, Slack 35 %, the console 20 %) and speaking one of en/pt/es/fr as their region
suggests, so most teams need translation; a leader and a co-leader per team; 6 coordinators and
30 reviewers (with languages and topics) spread over the three platforms. Four tasks per team,
mostly due in weeks. So that the scheduler nags all through the run, not only at its first
sweep, some follow-ups come due *during* the run (real time, like everything else): tasks
passing their due moment, review rounds passing their 5-day limit, help requests passing their
48 hours; and some tasks are already overdue at the start (the first sweep's burst).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bot.slack.inbound import identity as slack_identity
from storage import models
from storage.database import Database
from storage.models import table

SLACK_TEAM = "T0PEERDSK"  # the local Slack's workspace (tests/slack/)
LANGUAGES = ("en", "pt", "es", "fr")
PLATFORMS = ("telegram", "slack", "console")
SHARES = (0.45, 0.35, 0.20)
REGIONS = {"west": {"fr": 5, "en": 2, "pt": 2}, "east": {"en": 7, "fr": 3},
           "southern": {"pt": 4, "en": 6}, "central": {"fr": 8, "en": 2},
           "latam": {"es": 6, "pt": 4}}
ZONES = {"en": ("Africa/Nairobi", "Africa/Kampala", "Africa/Harare", "Africa/Gaborone",
                "America/New_York"),
         "pt": ("Africa/Maputo", "Africa/Luanda", "Africa/Bissau", "America/Sao_Paulo"),
         "es": ("America/Lima", "America/Montevideo", "America/Guayaquil", "America/Bogota"),
         "fr": ("Africa/Dakar", "Africa/Kigali", "Africa/Douala", "Indian/Antananarivo")}
NAMES = {"en": ("Grace", "John", "Mary", "Peter"), "pt": ("Ana", "João", "Rita", "Paulo"),
         "es": ("Diego", "Lucía", "Carlos", "Sofía"), "fr": ("Awa", "Moussa", "Marie", "Jean")}
TOPICS = ("participatory budgeting", "expenditure tracking", "gender budgeting",
          "citizen monitoring", "local revenue", "climate finance")
TASKS_PER_TEAM = 4
COORDINATORS = (("telegram", "en"), ("slack", "pt"), ("telegram", "es"), ("slack", "fr"),
                ("console", "en"), ("console", "fr"))
REVIEWERS = 30
# Follow-ups coming due, per 1,500 members: already overdue at the start; then during the run.
OVERDUE_AT_START, OVERDUE_DURING, REVIEWS_DURING, REQUESTS_DURING = 40, 100, 40, 40
REVIEW_SLA, HELP_SLA = timedelta(days=5), timedelta(hours=48)  # config.toml's defaults


@dataclass(frozen=True)
class Person:
    """Someone in the programme, as their platform knows them."""

    member_id: int
    name: str
    language: str
    platform: str
    handle: str  # Telegram user id, Slack user id, console name
    team: int | None = None

    @property
    def identity(self) -> str:
        """Their peerdesk identity."""
        if self.platform == "slack":
            return slack_identity(SLACK_TEAM, self.handle)
        return f"{self.platform}:{self.handle}"

    def as_json(self) -> dict[str, Any]:
        """As the servers' process takes a person (``soak_servers.py``)."""
        return {"platform": self.platform, "user": self.handle, "name": self.name,
                "language": self.language}


@dataclass
class Programme:
    """Everyone, by role, and the teams' members and tasks."""

    members: list[Person]
    coordinators: list[Person]
    reviewers: list[Person]
    teams: dict[int, list[Person]] = field(default_factory=dict)
    tasks: dict[int, list[int]] = field(default_factory=dict)  # team → task ids

    @property
    def everyone(self) -> list[Person]:
        """Members, coordinators and reviewers."""
        return self.members + self.coordinators + self.reviewers


def _handle(platform: str, member_id: int) -> str:
    return {"telegram": str(30_000_000 + member_id), "slack": f"U{30_000_000 + member_id}",
            "console": f"m{member_id}"}[platform]


def _person(rng: random.Random, member_id: int, language: str, platform: str,
            team: int | None, title: str = "") -> Person:
    name = f"{title}{rng.choice(NAMES[language])} {member_id}"
    return Person(member_id, name, language, platform, _handle(platform, member_id), team)


def programme(teams: int, members: int, seed: int) -> Programme:
    """The people: ``members`` in ``teams`` teams (sizes as even as can be), then the staff."""
    rng = random.Random(seed)
    regions = list(REGIONS)
    people: list[Person] = []
    team_of: dict[int, list[Person]] = {}
    for team in range(1, teams + 1):
        size = members // teams + (1 if team <= members % teams else 0)
        weights = REGIONS[regions[team % len(regions)]]
        team_of[team] = []
        for _ in range(size):
            language = rng.choices(list(weights), list(weights.values()))[0]
            platform = rng.choices(PLATFORMS, SHARES)[0]
            person = _person(rng, len(people) + 1, language, platform, team)
            people.append(person)
            team_of[team].append(person)
    staff = len(people)
    coordinators = [_person(rng, staff + n + 1, language, platform, None, "Coord. ")
                    for n, (platform, language) in enumerate(COORDINATORS)]
    reviewers = [_person(rng, staff + len(COORDINATORS) + n + 1, LANGUAGES[n % 4],
                         PLATFORMS[n % 3], None, "Rev. ") for n in range(REVIEWERS)]
    tasks = {team: [(team - 1) * TASKS_PER_TEAM + n + 1 for n in range(TASKS_PER_TEAM)]
             for team in team_of}
    return Programme(people, coordinators, reviewers, team_of, tasks)


def _scaled(count: int, world: Programme) -> int:
    return max(1, round(count * len(world.members) / 1500))


def seed(database: Database, world: Programme, start: datetime, seconds: float,
         seed: int) -> dict[str, int]:
    """Insert the programme as it stands at ``start``; items come due within ``seconds``.
    Returns how many of each kind of follow-up were seeded."""
    rng = random.Random(seed + 1)
    region_names = list(REGIONS)

    def during() -> datetime:
        return start + timedelta(seconds=rng.uniform(0.05, 0.95) * seconds)

    rows: dict[type[models.Base], list[dict[str, Any]]] = {
        model: [] for model in (models.MemberRow, models.IdentityRow, models.TeamRow,
                                models.TeamMemberRow, models.MemberRoleRow,
                                models.ReviewerProfileRow, models.TaskRow,
                                models.TaskResponsibleRow, models.DeliverableRow,
                                models.VersionRow, models.AssignmentRow, models.RoundRow,
                                models.HelpRequestRow)}
    for person in world.everyone:
        rows[models.MemberRow].append({
            "id": person.member_id, "name": person.name, "name_key": person.name.casefold(),
            "language": person.language,
            "timezone": ZONES[person.language][person.member_id % len(ZONES[person.language])],
            "primary_identity": person.identity, "created_at": start})
        rows[models.IdentityRow].append({"identity": person.identity,
                                         "member_id": person.member_id,
                                         "platform": person.platform, "created_at": start})
    for role, people in (("coordinator", world.coordinators), ("reviewer", world.reviewers)):
        rows[models.MemberRoleRow] += [{"member_id": p.member_id, "role": role,
                                        "granted_at": start, "granted_by": None} for p in people]
    for number, reviewer in enumerate(world.reviewers):
        rows[models.ReviewerProfileRow].append({
            "member_id": reviewer.member_id,
            "languages": f"{LANGUAGES[number % 4]},{LANGUAGES[(number + 1) % 4]}",
            "topics": f"{TOPICS[number % 6]},{TOPICS[(number + 2) % 6]}"})
    for team, people in world.teams.items():
        leader, co_leader = people[0].member_id, people[1].member_id
        rows[models.TeamRow].append({
            "id": team, "name": f"Team {team:03d}", "name_key": f"team {team:03d}",
            "topic": TOPICS[team % 6], "region": region_names[team % len(region_names)],
            "join_code": f"S{team:05d}", "status": "approved", "leader_id": leader,
            "co_leader_id": co_leader, "created_by": leader, "created_at": start,
            "last_activity_at": start})
        rows[models.TeamMemberRow] += [{"member_id": p.member_id, "team_id": team,
                                        "joined_at": start} for p in people]
        for n, task in enumerate(world.tasks[team]):
            due = start + timedelta(days=20 + task % 60)
            rows[models.TaskRow].append({
                "id": task, "team_id": team, "title": f"Part {n + 1}", "output": "a report",
                "due_date": due.date().isoformat(), "due_at": due, "funds_share": None,
                "done": 0, "created_by": leader, "created_at": start})
            rows[models.TaskResponsibleRow].append(
                {"task_id": task, "member_id": people[n % len(people)].member_id})
    tasks = rows[models.TaskRow]
    chosen = rng.sample(range(len(tasks)), min(len(tasks), _scaled(OVERDUE_AT_START, world)
                                               + _scaled(OVERDUE_DURING, world)
                                               + _scaled(REVIEWS_DURING, world)))
    late_now = chosen[:_scaled(OVERDUE_AT_START, world)]
    late_soon = chosen[len(late_now):len(late_now) + _scaled(OVERDUE_DURING, world)]
    in_review = chosen[len(late_now) + len(late_soon):]
    for index in late_now:
        _due(tasks[index], start - timedelta(days=rng.randint(1, 9), hours=1))
    for index in late_soon:
        _due(tasks[index], during())
    for number, index in enumerate(in_review, start=1):
        reviewed = tasks[index]
        reviewer_id = world.reviewers[number % len(world.reviewers)].member_id
        author = world.teams[reviewed["team_id"]][0].member_id
        opened = during() - REVIEW_SLA
        rows[models.DeliverableRow].append({
            "id": number, "team_id": reviewed["team_id"], "task_id": reviewed["id"],
            "status": "in_review", "latest_version": 1, "latest_round": 1, "created_at": opened,
            "status_since": opened})
        rows[models.VersionRow].append({
            "id": number, "deliverable_id": number, "number": 1, "sha256": f"{number:064x}",
            "filename": "v1.pdf", "size": 10, "kind": "pdf", "submitted_by": author,
            "submitted_at": opened})
        rows[models.AssignmentRow].append({"deliverable_id": number, "reviewer_id": reviewer_id,
                                           "active": 1, "open_review": 1,
                                           "assigned_at": opened})
        rows[models.RoundRow].append({"version_id": number, "reviewer_id": reviewer_id,
                                      "number": 1, "decision": None, "opened_at": opened,
                                      "decided_at": None})
    for _ in range(_scaled(REQUESTS_DURING, world)):
        asker = rng.choice(world.members)
        rows[models.HelpRequestRow].append({
            "asker_id": asker.member_id, "team_id": asker.team,
            "text": "Can someone check our budget table before Friday?", "language": "en",
            "status": "open", "created_at": during() - HELP_SLA, "urgent": 0})
    with database.engine.begin() as conn:
        for model, values in rows.items():
            if values:
                conn.execute(insert(table(model)), values)
        if conn.dialect.name == "postgresql":  # rows were given ids: move the sequences on
            for model, values in rows.items():
                name = table(model).name
                if values and "id" in values[0]:
                    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                         f"(SELECT max(id) FROM {name}))")
    return {"overdue at start": len(late_now), "overdue during": len(late_soon),
            "reviews due during": len(in_review),
            "help requests due during": len(rows[models.HelpRequestRow])}


def _due(task: dict[str, Any], moment: datetime) -> None:
    task["due_at"], task["due_date"] = moment, moment.date().isoformat()
