"""Audiences as typed (in the four languages), combined, stored and described."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from handlers.audience import (
    Audience,
    AudienceRole,
    Problem,
    Request,
    TeamRef,
    Topic,
    describe,
    fold,
    language_counts,
    looks_like_audience,
    parse_audience,
    resolve,
)
from handlers.domain import Language, Region
from tests.unit.fakes import catalogue


def test_everyone_in_any_language() -> None:
    for word in ("everyone", "Todos", "tout le monde", "  all "):
        assert parse_audience(word) == Request()


def test_filters_of_every_kind() -> None:
    parsed = parse_audience("region:west, LATAM topic:Orçamento participativo, gender "
                            "team:Rios Vivos,Kuna role:leaders,reviewers")
    assert parsed == Request(
        regions=(Region.WEST_AFRICA, Region.LATIN_AMERICA),
        topics=("Orçamento participativo", "gender"), teams=("Rios Vivos", "Kuna"),
        roles=(AudienceRole.LEADERS, AudienceRole.REVIEWERS))


@pytest.mark.parametrize(("typed", "expected"), [
    ("região:África Austral papel:líderes", Request(regions=(Region.SOUTHERN_AFRICA,),
                                                    roles=(AudienceRole.LEADERS,))),
    ("región:latam rol:revisores", Request(regions=(Region.LATIN_AMERICA,),
                                           roles=(AudienceRole.REVIEWERS,))),
    ("équipe:Kuna rôle:observateurs", Request(teams=("Kuna",),
                                              roles=(AudienceRole.OBSERVERS,))),
    ("thème : budget", Request(topics=("budget",))),
    ("roles:coordinators", Request(roles=(AudienceRole.COORDINATORS,))),
    ("team:Rios: phase 2", Request(teams=("Rios: phase 2",))),
])
def test_filter_words_in_the_four_languages(typed: str, expected: Request) -> None:
    assert parse_audience(typed) == expected


@pytest.mark.parametrize(("typed", "key", "value"), [
    ("the west", "audience.unknown_filter", "the west"),
    ("hello region:west", "audience.unknown_filter", "hello"),
    ("regon:west", "audience.unknown_filter", "regon:west"),
    ("region:", "audience.empty_filter", "region"),
    ("region: , topic:x", "audience.empty_filter", "region"),
    ("region:mars", "audience.unknown_region", "mars"),
    ("role:bosses", "audience.unknown_role", "bosses"),
])
def test_what_is_wrong_is_said(typed: str, key: str, value: str) -> None:
    problem = parse_audience(typed)
    assert isinstance(problem, Problem) and problem.key == key
    assert value in problem.params.values()


def test_what_looks_like_an_audience() -> None:
    assert looks_like_audience("region:west")
    assert looks_like_audience("Todos")
    assert not looks_like_audience("Hello everyone: the news")
    assert not looks_like_audience("2026-12-01 09:00 local")


class Known:
    """An ``Audiences`` port with two teams and two topics."""

    def teams_named(self, names: Sequence[str]) -> dict[str, TeamRef]:
        every = {"rios vivos": TeamRef(1, "Rios Vivos"), "kuna": TeamRef(2, "Kuna")}
        return {k: v for k, v in every.items() if k in {fold(n) for n in names}}

    def topics(self) -> list[Topic]:
        return [Topic("Orçamento participativo", 1, 1), Topic("Gender", 2, 3)]


def test_resolving_names_and_topics() -> None:
    request = parse_audience("topic:orcamento PARTICIPATIVO team:kuna")
    assert isinstance(request, Request)
    found = resolve(request, Known())  # type: ignore[arg-type]
    assert found == Audience(topics=("Orçamento participativo",), teams=(TeamRef(2, "Kuna"),))


def test_unknown_names_are_listed() -> None:
    request = parse_audience("team:Kuna, Mars, Venus")
    assert isinstance(request, Request)
    problem = resolve(request, Known())  # type: ignore[arg-type]
    assert problem == Problem("audience.unknown_teams", {"names": "Mars, Venus"})
    request = parse_audience("topic:gender, water")
    assert isinstance(request, Request)
    assert resolve(request, Known()) == Problem(  # type: ignore[arg-type]
        "audience.unknown_topics", {"names": "water"})


def test_toggling_merging_and_storing() -> None:
    audience = Audience().toggled(region=Region.LATIN_AMERICA).toggled(region=Region.WEST_AFRICA)
    assert audience.regions == (Region.WEST_AFRICA, Region.LATIN_AMERICA)
    assert audience.toggled(region=Region.WEST_AFRICA).regions == (Region.LATIN_AMERICA,)
    audience = audience.toggled(topic="Gender").toggled(team=TeamRef(7, "Kuna"))
    assert audience.toggled(topic="GENDER").topics == ()
    assert audience.toggled(team=TeamRef(7, "Kuna")).teams == ()
    audience = audience.merged(Audience(roles=(AudienceRole.OBSERVERS, AudienceRole.LEADERS),
                                        topics=("gender",)))
    assert audience.topics == ("Gender",)
    assert audience.roles == (AudienceRole.LEADERS, AudienceRole.OBSERVERS)
    assert Audience.from_json(audience.to_json()) == audience
    assert Audience.from_json("") == Audience() and Audience().everyone
    assert not audience.everyone and audience.team_filtered


def test_an_audience_in_words() -> None:
    audience = Audience(regions=(Region.WEST_AFRICA, Region.LATIN_AMERICA),
                        topics=("budgeting",), teams=(TeamRef(1, "Rios"), TeamRef(2, "Kuna")),
                        roles=(AudienceRole.LEADERS,))
    cat = catalogue()
    assert cat.render(describe(audience), Language.EN) == (
        "region: West Africa or Latin America · topic: “budgeting” · "
        "team: “Rios” or “Kuna” · role: team leaders")
    assert cat.render(describe(audience), Language.FR) == (
        "région : Afrique de l'Ouest ou Amérique latine · thème : « budgeting » · "
        "équipe : « Rios » ou « Kuna » · rôle : responsables d'équipe")
    assert cat.render(describe(Audience()), Language.PT) == "todos"


def test_counts_by_language_most_first() -> None:
    counts = {Language.PT: 2, Language.EN: 3, Language.FR: 2, Language.ES: 0}
    assert catalogue().render(language_counts(counts), Language.EN) == (
        "English 3 · Português 2 · Français 2")
    assert catalogue().render(language_counts({}), Language.ES) == "nadie"
