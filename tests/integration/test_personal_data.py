"""A member's personal data in SQL: every reference to a member in the schema is exported or
explained, the audit log keeps its entries, and forgetting deletes only the files nobody else
uses and empties only the member's own messages."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.domain import Language, Region
from handlers.messages import Attachment
from handlers.ports import OutboxRow
from handlers.privacy_ports import AuditEntry, AuditKind, ForgetMode, Forgetting, Person
from storage.database import Database
from storage.models import Base
from storage.personal_data import SECTIONS
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# References to a member that /export does not follow, and why.
NOT_EXPORTED = {
    ("members", "id"): "the member record itself",
    ("member_roles", "granted_by"): "someone else's role, granted by this member",
    ("teams", "leader_id"): "exported with the team (its team_role)",
    ("teams", "co_leader_id"): "exported with the team (its team_role)",
    ("teams", "decided_by"): "a coordinator's decision on someone else's team",
    ("help_requests", "closed_by"): "someone else's request, closed by this member",
    ("tasks", "created_by"): "the team's task, written by its leader",
    ("reviewer_loads", "member_id"): "a counter derived from the review assignments",
}


def test_every_reference_to_a_member_is_exported_or_explained() -> None:
    queries = " ".join(section.query for section in SECTIONS.values())
    missing = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            where = (table.name, fk.parent.name)
            if fk.column.table.name != "members" or where in NOT_EXPORTED:
                continue
            if table.name not in queries or fk.parent.name not in queries:
                missing.append(where)
    assert missing == []


def _pdf(sha: str) -> Attachment:
    return Attachment(f"{sha[:4]}.pdf", 10, "application/pdf", f"/data/files/{sha}")


def test_forgetting_keeps_what_others_use(database: Database) -> None:
    mine, shared, handed_in = "a" * 64, "b" * 64, "c" * 64
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "Africa/Maputo", NOW)
        bob = uow.members.add("Bob", "console:bob", Language.EN, "UTC", NOW)
        team = uow.teams.add("Rios", "PB", Region.SOUTHERN_AFRICA, "RIOS01", ana.id, True, NOW)
        task = uow.tasks.add(team.id, "ToR", "A report", date(2026, 3, 31), NOW, None,
                             [ana.id], ana.id, NOW)
        made = uow.deliverables.create(team.id, task.id, NOW)
        uow.deliverables.add_version(made.id, handed_in, "tor.pdf", 10, "pdf", ana.id, NOW)
        row = OutboxRow(ana.id, "console:ana", None, Language.PT, "Oi Ana", [], None, None, NOW)
        uow.outbox.add([row._replace(attachments=[_pdf(mine), _pdf(shared), _pdf(handed_in)]),
                        row._replace(member_id=bob.id, identity="console:bob",
                                     text="Ana (Rios): hello", author_id=ana.id,
                                     attachments=[_pdf(shared)])])
        uow.audit.add(AuditEntry(AuditKind.ROLE_GRANTED, NOW, Person(bob.id, "Bob"),
                                 Person(ana.id, "Ana"), details={"role": "reviewer"}))
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        exported = uow.privacy.collect(ana.id)
        assert exported["member"][0]["name"] == "Ana"
        assert exported["messages_to_you"][0]["files"] == ["aaaa.pdf", "bbbb.pdf", "cccc.pdf"]
        forgotten = uow.privacy.forget(Forgetting(ana.id, "Ex-membro", ForgetMode.ANONYMISE,
                                                  "en", "UTC"))
        uow.commit()
    assert list(forgotten.files) == [mine]  # Bob's message and the version still use the rest
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.members.by_identity("console:ana") is None
        assert uow.members.contacts([ana.id]) == {}  # nobody to reach any more
        assert uow.members.find_by_name("Ex-membro") == []
        (entry,) = uow.audit.latest(5)
        assert entry.subject == Person(ana.id, "Ex-membro") and entry.actor == Person(bob.id,
                                                                                      "Bob")
        left = uow.privacy.collect(ana.id)
        assert left["accounts"] == [] and left["team"] == []
        assert left["messages_to_you"] == []  # never delivered: dropped
        to_bob = uow.privacy.collect(bob.id)["messages_to_you"]
        assert [m["text"] for m in to_bob] == ["Ex-membro (Rios): hello"]
