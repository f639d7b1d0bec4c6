"""Merging two members in SQL: every record of the member who goes moves to the one who stays
(reviews and their load, roles, tasks, help requests), duplicates collapse, and nothing of a
merge is stored unless its transaction commits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from handlers.domain import Language, Region, Role
from storage.database import Database
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_merge_moves_everything_and_collapses_duplicates(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        twin = uow.members.add("Ana T", "telegram:11", Language.ES, "UTC", NOW)
        lead = uow.members.add("Lea", "console:lea", Language.EN, "UTC", NOW)
        for member in (ana, twin):
            uow.members.grant(member.id, Role.REVIEWER, None, NOW)
        uow.members.grant(twin.id, Role.OBSERVER, None, NOW)
        team = uow.teams.add("Rios", "water", Region.OTHER, "CODE01", lead.id, True, NOW)
        tasks = [uow.tasks.add(team.id, f"Task {n}", "x", date(2026, 4, 1), NOW, None,
                               [ana.id, twin.id], lead.id, NOW) for n in range(2)]
        made = [uow.deliverables.create(team.id, t.id, NOW) for t in tasks]
        uow.reviews.assign(made[0].id, ana.id, NOW)
        uow.reviews.assign(made[1].id, twin.id, NOW)
        uow.help_requests.open(twin.id, None, "¿Dónde?", Language.ES, NOW)
        uow.links.set_code(twin.id, "ABCDEF", NOW)
        uow.links.merge(ana.id, twin.id)
        assert uow.members.get(twin.id) is None
        assert uow.members.identities(ana.id) == ["console:ana", "telegram:11"]
        kept = uow.members.get(ana.id)
        assert kept is not None and kept.language == Language.PT and kept.name == "Ana"
        assert kept.roles == frozenset({Role.REVIEWER, Role.OBSERVER})
        assert {c.member.name: c.open_reviews for c in uow.reviews.candidates()} == {"Ana": 2}
        assert [t.responsible for t in uow.tasks.of_team(team.id)] == [(ana.id,), (ana.id,)]
        assert [r.asker_id for r in uow.help_requests.asked_by(ana.id)] == [ana.id]
        assert uow.links.find("ABCDEF") is not None  # the asker's own code is dropped apart
        uow.commit()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT member_id, open_reviews FROM reviewer_loads")).all() \
            == [(ana.id, 2)]


def test_a_merge_is_stored_only_with_its_transaction(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        uow.commit()
        with pytest.raises(ValueError, match="itself"):
            uow.links.merge(ana.id, ana.id)
    with SqlUnitOfWork(database.engine) as uow:
        twin = uow.members.add("Ana T", "telegram:11", Language.ES, "UTC", NOW)
        uow.links.merge(ana.id, twin.id)
        # Never committed: the unit of work ends without a commit.
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.members.identities(ana.id) == ["console:ana"]
        assert uow.members.by_identity("telegram:11") is None
