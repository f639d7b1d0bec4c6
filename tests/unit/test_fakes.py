"""The in-memory fakes behave like the ports say (so the use-case tests can trust them)."""

from __future__ import annotations

import pytest

from handlers.domain import Language, PendingStep, Region, Role, TeamStatus
from handlers.ports import OutboxRow
from tests.unit.fake_store import START, FakeStore
from tests.unit.fakes import SequenceCodes


def _add(store: FakeStore, *names: str) -> list[int]:
    with store.unit_of_work() as uow:
        ids = [uow.members.add(n, f"console:{n.lower().replace(' ', '')}", Language.EN, "UTC",
                               START).id for n in names]
        uow.commit()
    return ids


def test_commit_keeps_and_leaving_without_commit_discards() -> None:
    store = FakeStore()
    with store.unit_of_work() as uow:
        uow.members.add("Ana", "console:ana", Language.PT, "UTC", START)
    assert store.state.members == {}
    _add(store, "Ana")
    with store.unit_of_work() as uow:
        member = uow.members.by_identity("console:ana")
        assert member is not None and member.name == "Ana"
        uow.members.set_language(member.id, Language.FR)
        uow.rollback()
        assert uow.members.by_identity("console:ana") == member
        uow.members.set_language(member.id, Language.ES)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.members.by_identity("console:ana") == member._replace(language=Language.ES)


def test_find_by_name_prefers_exact_case_insensitive_then_prefix() -> None:
    store = FakeStore()
    maria, maria_silva, mario = _add(store, "Maria", "Maria  Silva", "Mario")
    with store.unit_of_work() as uow:
        assert [m.id for m in uow.members.find_by_name("MARIA")] == [maria]
        assert [m.id for m in uow.members.find_by_name("maria silva")] == [maria_silva]
        assert [m.id for m in uow.members.find_by_name("mar")] == [maria, maria_silva, mario]
        assert uow.members.find_by_name("   ") == []
        assert uow.members.find_by_name("Zoe") == []


def test_roles_grant_once_and_revoke() -> None:
    store = FakeStore()
    (ana,) = _add(store, "Ana")
    with store.unit_of_work() as uow:
        assert uow.members.grant(ana, Role.REVIEWER, None, START) is True
        assert uow.members.grant(ana, Role.REVIEWER, None, START) is False
        assert [m.id for m in uow.members.with_role(Role.REVIEWER)] == [ana]
        held = uow.members.get(ana)
        assert held is not None and held.roles == {Role.REVIEWER}
        assert uow.members.revoke(ana, Role.REVIEWER) is True
        assert uow.members.revoke(ana, Role.REVIEWER) is False


def test_one_team_per_member_and_remove_clears_leader_slots() -> None:
    store = FakeStore()
    ana, bob = _add(store, "Ana", "Bob")
    with store.unit_of_work() as uow:
        team = uow.teams.add("Rivers", "Water", Region.WEST_AFRICA, "AAA111", ana, True, START)
        uow.teams.add_member(team.id, bob, START)
        with pytest.raises(ValueError, match="already in a team"):
            uow.teams.add("Hills", "Roads", Region.OTHER, "BBB222", bob, True, START)
        uow.teams.set_leaders(team.id, ana, bob)
        uow.teams.remove_member(team.id, bob)
        uow.teams.remove_member(team.id, ana)
        left = uow.teams.get(team.id)
        assert left is not None and (left.leader_id, left.co_leader_id) == (None, None)
        assert uow.teams.members(team.id) == []
        assert uow.teams.of_member(bob) is None


def test_team_lookups_by_name_and_code() -> None:
    store = FakeStore()
    ana, bob = _add(store, "Ana", "Bob")
    with store.unit_of_work() as uow:
        team = uow.teams.add("Open  Budget", "PB", Region.OTHER, "K7QX2M", ana, False, START)
        assert team.status == TeamStatus.PENDING
        assert uow.teams.by_name("open budget") == team
        assert uow.teams.by_code(" k7qx2m ") == team
        assert uow.teams.code_taken("K7QX2M")
        with pytest.raises(ValueError, match="taken"):
            uow.teams.add("OPEN BUDGET", "PB", Region.OTHER, "ZZZ999", bob, False, START)
        uow.teams.decide(team.id, False, bob, START)
        assert uow.teams.by_name("Open Budget") is None  # a rejected proposal frees its name
        assert uow.teams.by_code("K7QX2M") is not None  # ... but keeps its code
        assert uow.teams.member_counts() == {team.id: 1}


def test_help_requests_order_and_participants() -> None:
    store = FakeStore()
    ana, bob = _add(store, "Ana", "Bob")
    with store.unit_of_work() as uow:
        first = uow.help_requests.open(ana, None, "q1", Language.EN, START)
        second = uow.help_requests.open(ana, None, "q2", Language.EN, START)
        third = uow.help_requests.open(ana, None, "q3", Language.EN, START)
        uow.help_requests.set_status(second.id, False, bob, START)
        uow.help_requests.add_message(first.id, bob, "a", Language.EN, START)
        assert [r.id for r in uow.help_requests.open_requests()] == [first.id, third.id]
        assert [r.id for r in uow.help_requests.asked_by(ana)] == [third.id, first.id, second.id]
        assert uow.help_requests.participants(first.id) == {bob}


def test_conversation_data_is_copied_in_and_out() -> None:
    store = FakeStore()
    (ana,) = _add(store, "Ana")
    with store.unit_of_work() as uow:
        step = PendingStep("newteam", "topic", {"name": "Rivers"})
        uow.conversations.set(ana, step, START)
        step.data["name"] = "changed"
        got = uow.conversations.get(ana)
        assert got == PendingStep("newteam", "topic", {"name": "Rivers"})
        uow.conversations.clear(ana)
        assert uow.conversations.get(ana) is None


def test_find_sent_only_after_the_dispatcher_marked_it() -> None:
    store = FakeStore()
    (ana,) = _add(store, "Ana")
    row = OutboxRow(ana, "console:ana", None, Language.EN, "hi", [], "help_request", 7, START)
    with store.unit_of_work() as uow:
        uow.outbox.add([row])
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.outbox.find_sent("console", "ana", "1") is None
    store.mark_sent(store.state.outbox[0].id, "ana", "1")
    with store.unit_of_work() as uow:
        sent = uow.outbox.find_sent("console", "ana", "1")
        assert sent is not None and (sent.member_id, sent.context_id) == (ana, 7)
        assert uow.outbox.find_sent("console", "bob", "1") is None
        assert uow.outbox.find_sent("telegram", "ana", "1") is None


def test_sequence_codes_given_first_then_numbered() -> None:
    codes = SequenceCodes(["AAA111"])
    assert [codes.new_code(), codes.new_code(), codes.new_code()] == [
        "AAA111", "CODE01", "CODE02"]
