"""Audiences on SQLite and PostgreSQL: who each combination of filters reaches, and the
button-driven picker over a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from handlers.audience import Audience, AudienceRole, Problem, Request, TeamRef, resolve
from handlers.audience_picker import MENU, REGIONS, TEAMS, TOPICS, Chosen, Picker
from handlers.domain import Language, Member, Region, Role
from handlers.messages import ChatRef, Inbound, UserRef
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps, Turn
from storage.database import Database
from storage.uow import SqlUnitOfWork
from tests.unit.fakes import FixedClock, MemoryFiles, SequenceCodes

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PEOPLE = {  # name: (language, zone)
    "carla": (Language.EN, "Africa/Maputo"), "ana": (Language.PT, "Africa/Maputo"),
    "diego": (Language.ES, "America/Lima"), "marie": (Language.FR, "Africa/Dakar"),
    "amadou": (Language.FR, "Africa/Dakar"), "paul": (Language.EN, "Africa/Nairobi"),
    "olga": (Language.PT, "Africa/Luanda"), "lucia": (Language.ES, "America/Lima"),
    "pedro": (Language.ES, "America/Bogota"), "zoe": (Language.EN, "UTC"),
}


@pytest.fixture
def people(database: Database) -> Iterator[dict[str, int]]:
    """Three teams (one only proposed), a rejected proposal, reviewers and observers."""
    with SqlUnitOfWork(database.engine) as uow:
        ids = {name: uow.members.add(name.title(), f"console:{name}", language, zone, NOW).id
               for name, (language, zone) in PEOPLE.items()}
        uow.members.grant(ids["carla"], Role.COORDINATOR, None, NOW)
        uow.members.grant(ids["paul"], Role.REVIEWER, None, NOW)
        uow.members.grant(ids["olga"], Role.OBSERVER, None, NOW)
        rios = uow.teams.add("Rios", "Orçamento participativo", Region.SOUTHERN_AFRICA, "R1",
                             ids["ana"], True, NOW)
        uow.teams.add_member(rios.id, ids["diego"], NOW)
        kuna = uow.teams.add("Kuna", "orcamento PARTICIPATIVO", Region.WEST_AFRICA, "K1",
                             ids["marie"], True, NOW)
        uow.teams.add_member(kuna.id, ids["amadou"], NOW)
        uow.teams.set_leaders(kuna.id, ids["marie"], ids["amadou"])
        uow.teams.add("Andes", "Gender", Region.LATIN_AMERICA, "A1", ids["lucia"], True, NOW)
        uow.teams.add("Nuevo", "Water", Region.LATIN_AMERICA, "N1", ids["pedro"], False, NOW)
        gone = uow.teams.add("Gone", "Mining", Region.WEST_AFRICA, "G1", ids["zoe"], False, NOW)
        uow.teams.decide(gone.id, False, ids["carla"], NOW)
        uow.teams.remove_member(gone.id, ids["zoe"])
        ids["rios"], ids["kuna"] = rios.id, kuna.id
        uow.commit()
    yield ids


def names(database: Database, people: dict[str, int], audience: Audience) -> set[str]:
    by_id = {v: k for k, v in people.items() if k in PEOPLE}
    with SqlUnitOfWork(database.engine) as uow:
        return {by_id[r.id] for r in uow.audiences.recipients(audience)}


def test_everyone(database: Database, people: dict[str, int]) -> None:
    assert names(database, people, Audience()) == set(PEOPLE)


@pytest.mark.parametrize(("audience", "expected"), [
    (Audience(regions=(Region.SOUTHERN_AFRICA,)), {"ana", "diego"}),
    # A proposed team counts; a rejected one has nobody.
    (Audience(regions=(Region.WEST_AFRICA, Region.LATIN_AMERICA)),
     {"marie", "amadou", "lucia", "pedro"}),
    # Topics compare without case or accents.
    (Audience(topics=("Orçamento Participativo",)), {"ana", "diego", "marie", "amadou"}),
    (Audience(topics=("gender", "water")), {"lucia", "pedro"}),
    (Audience(topics=("mining",)), set()),
    # Across kinds: all must hold.
    (Audience(regions=(Region.SOUTHERN_AFRICA,), topics=("orcamento participativo",)),
     {"ana", "diego"}),
    (Audience(regions=(Region.LATIN_AMERICA,), topics=("orcamento participativo",)), set()),
    # Roles alone: every holder; leaders include co-leaders.
    (Audience(roles=(AudienceRole.LEADERS,)), {"ana", "marie", "amadou", "lucia", "pedro"}),
    (Audience(roles=(AudienceRole.REVIEWERS,)), {"paul"}),
    (Audience(roles=(AudienceRole.OBSERVERS, AudienceRole.COORDINATORS)), {"olga", "carla"}),
    # Roles with team filters: holders in the matching teams only.
    (Audience(regions=(Region.WEST_AFRICA,), roles=(AudienceRole.LEADERS,)),
     {"marie", "amadou"}),
    (Audience(regions=(Region.WEST_AFRICA,), roles=(AudienceRole.REVIEWERS,)), set()),
    (Audience(teams=(TeamRef(0, "?"),)), set()),
])
def test_combinations(database: Database, people: dict[str, int], audience: Audience,
                      expected: set[str]) -> None:
    assert names(database, people, audience) == expected


def test_teams_and_roles_together(database: Database, people: dict[str, int]) -> None:
    teams = (TeamRef(people["rios"], "Rios"), TeamRef(people["kuna"], "Kuna"))
    assert names(database, people, Audience(teams=teams)) == {"ana", "diego", "marie", "amadou"}
    assert names(database, people, Audience(teams=teams, roles=(AudienceRole.LEADERS,))) == {
        "ana", "marie", "amadou"}


def test_counts_by_language_and_zone(database: Database, people: dict[str, int]) -> None:
    audience = Audience(topics=("orcamento participativo",))
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.audiences.languages(audience) == {Language.PT: 1, Language.ES: 1,
                                                     Language.FR: 2}
        assert uow.audiences.zones(audience) == {"Africa/Maputo": 1, "America/Lima": 1,
                                                 "Africa/Dakar": 2}
        everyone = uow.audiences.recipients(Audience())
    assert [r.id for r in everyone] == sorted(r.id for r in everyone)
    carla = next(r for r in everyone if r.id == people["carla"])
    assert (carla.identity, carla.language, carla.auto_translate, carla.timezone) == (
        "console:carla", Language.EN, True, "Africa/Maputo")


def test_names_and_topics_are_looked_up(database: Database, people: dict[str, int]) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.audiences.teams_named(["rios", " KUNA ", "Gone", "Mars"]) == {
            "rios": TeamRef(people["rios"], "Rios"), "kuna": TeamRef(people["kuna"], "Kuna")}
        topics = uow.audiences.topics()
        assert [(t.text, t.teams) for t in topics] == [
            ("Gender", 1), ("Orçamento participativo", 2), ("Water", 1)]
        assert resolve(Request(teams=("rios", "Gone")), uow.audiences) == Problem(
            "audience.unknown_teams", {"names": "Gone"})


# --- The picker ------------------------------------------------------------------------------

PICKER = Picker("broadcast", "bc")


def turn_for(uow: SqlUnitOfWork, member: Member, *, button: str | None = None,
             text: str = "") -> Turn:
    deps = Deps(CoreSettings(), FixedClock(NOW), SequenceCodes(), TimeZones.load(),
                MemoryFiles())
    inbound = Inbound(UserRef(member.identity, member.name), ChatRef("console", "carla"),
                      text=text, button=button)
    turn = Turn(uow, deps, inbound, member, NOW)
    turn.pending = uow.conversations.get(member.id)
    return turn


def press(database: Database, carla_id: int, arg: str) -> tuple[Turn, Chosen | None]:
    with SqlUnitOfWork(database.engine) as uow:
        carla = uow.members.get(carla_id)
        assert carla is not None
        turn = turn_for(uow, carla, button=f"bc:a:{arg}")
        chosen = PICKER.press(turn, arg)
        uow.commit()
        return turn, chosen


def type_at(database: Database, carla_id: int, text: str) -> tuple[Turn, Chosen | None]:
    with SqlUnitOfWork(database.engine) as uow:
        carla = uow.members.get(carla_id)
        assert carla is not None
        turn = turn_for(uow, carla, text=text)
        assert turn.pending is not None
        chosen = PICKER.answer(turn, turn.pending.step, text)
        uow.commit()
        return turn, chosen


def test_the_picker_with_buttons_and_typing(database: Database,
                                            people: dict[str, int]) -> None:
    carla = people["carla"]
    with SqlUnitOfWork(database.engine) as uow:
        member = uow.members.get(carla)
        assert member is not None
        turn = turn_for(uow, member)
        PICKER.ask(turn, {"text": "kept"})
        uow.commit()
    (menu,) = turn.out
    assert [b.data for row in menu.buttons for b in row] == [
        "bc:a:all", "bc:a:reg", "bc:a:top", "bc:a:tm", "bc:a:rol", "bc:a:done", "cancel"]
    turn, chosen = press(database, carla, "reg")
    assert chosen is None and turn.pending is not None and turn.pending.step == REGIONS
    turn, _ = press(database, carla, "r:west")
    labels = [b.phrase.key if b.phrase else b.label for row in turn.out[0].buttons for b in row]
    assert labels[0] == "audience.button.chosen"  # West Africa now shows ✓
    press(database, carla, "r:latam")
    press(database, carla, "r:latam")  # pressed again: removed
    turn, _ = press(database, carla, "top")
    assert turn.pending is not None and turn.pending.step == TOPICS
    assert [b.label for b in turn.out[0].buttons[0]] == ["Gender", "Orçamento participativo"]
    turn, _ = type_at(database, carla, "water, Mars")
    assert turn.out[0].body[0].key == "audience.unknown_topics"
    turn, _ = press(database, carla, "tm")
    assert turn.pending is not None and turn.pending.step == TEAMS
    turn, _ = type_at(database, carla, "kuna")
    assert turn.pending is not None and turn.pending.step == MENU
    turn, _ = press(database, carla, "rol")
    press(database, carla, "o:leaders")
    turn, chosen = press(database, carla, "done")
    assert chosen == Chosen(Audience(regions=(Region.WEST_AFRICA,),
                                     teams=(TeamRef(people["kuna"], "Kuna"),),
                                     roles=(AudienceRole.LEADERS,)), {"text": "kept"})
    # Typed in full at the menu; a stale press after the picker is left.
    type_at(database, carla, "region:north")
    turn, chosen = type_at(database, carla, "region:southern role:leaders")
    assert chosen is not None and chosen.audience.roles == (AudienceRole.LEADERS,)
    with SqlUnitOfWork(database.engine) as uow:
        uow.conversations.clear(carla)
        uow.commit()
    turn, chosen = press(database, carla, "done")
    assert chosen is None and turn.out[0].body[0].key == "button.stale"


def test_the_picker_refuses_an_empty_audience(database: Database,
                                              people: dict[str, int]) -> None:
    carla = people["carla"]
    with SqlUnitOfWork(database.engine) as uow:
        member = uow.members.get(carla)
        assert member is not None
        turn = turn_for(uow, member)
        PICKER.ask(turn, {})
        uow.commit()
    press(database, carla, "reg")
    press(database, carla, "r:north")
    turn, chosen = press(database, carla, "done")
    assert chosen is None
    assert [p.key for p in turn.out[0].body] == ["audience.nobody", "audience.menu"]
    turn, chosen = press(database, carla, "all")
    assert chosen == Chosen(Audience(), {})
