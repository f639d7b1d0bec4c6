"""First contact, ``/lang`` and ``/tz``."""

from __future__ import annotations

import pytest

from handlers.domain import Language, PendingStep
from tests.unit.fakes import Desk, data, labels, render, user

LANG_DATA = ["lang:en", "lang:pt", "lang:es", "lang:fr"]


def test_first_contact_creates_member_in_the_locale_language() -> None:
    desk = Desk()
    rows = desk.say(user("joao", locale="pt-BR"), "/start")
    member = desk.member("joao")
    assert (member.name, member.language, member.timezone) == ("Joao", Language.PT, "UTC")
    assert member.roles == frozenset()
    (welcome,) = rows
    assert welcome.member_id == member.id and welcome.language == Language.PT
    assert welcome.chat_id == "joao"
    assert welcome.text == render("start.welcome", Language.PT, name="Joao")
    assert labels(welcome) == ["English", "✓ Português", "Español", "Français"]
    assert data(welcome) == LANG_DATA
    assert desk.pending("joao") == PendingStep("onboarding", "language", {})


@pytest.mark.parametrize("locale", [None, "de-DE", "", "zz"])
def test_unknown_locale_falls_back_to_the_default_language(locale: str | None) -> None:
    desk = Desk(default_language=Language.FR)
    (welcome,) = desk.say(user("hans", locale=locale), "/start")
    assert desk.member("hans").language == Language.FR
    assert welcome.text.startswith("Bienvenue sur peerdesk, Hans")
    assert labels(welcome)[3] == "✓ Français"


def test_pressing_a_language_then_a_city_completes_onboarding() -> None:
    desk = Desk()
    desk.say("diego", "/start")
    (asked,) = desk.press("diego", "lang:es")
    assert desk.member("diego").language == Language.ES
    assert asked.language == Language.ES
    assert asked.text == render("lang.set", Language.ES) + "\n" + render("tz.ask", Language.ES)
    assert data(asked)[:4] == ["tz:Lima", "tz:Montevideo", "tz:Quito", "tz:Bogotá"]
    assert desk.pending("diego") == PendingStep("onboarding", "timezone", {})

    (done,) = desk.say("diego", "lima")  # typed, not pressed; 12:00 UTC is 07:00 in Lima
    assert desk.member("diego").timezone == "America/Lima"
    assert done.text == "\n".join([render("tz.set", Language.ES, zone="Lima", time="07:00"),
                                   render("start.ready", Language.ES)])
    assert desk.pending("diego") is None


def test_a_wrong_language_during_onboarding_asks_again() -> None:
    desk = Desk()
    desk.say("amadou", "/start")
    (refused,) = desk.say("amadou", "wolof")
    assert refused.text == render("lang.unknown", value="wolof")
    assert data(refused) == LANG_DATA
    assert desk.pending("amadou") == PendingStep("onboarding", "language", {})
    desk.say("amadou", "Français")
    assert desk.member("amadou").language == Language.FR


def test_first_message_being_a_command_greets_and_runs_it() -> None:
    desk = Desk()
    welcome, asked = desk.say("amadou", "/lang fr")
    # Everything the sender gets in this turn is written in the language just chosen.
    assert welcome.text == render("start.welcome", Language.FR, name="Amadou")
    assert asked.language == Language.FR and asked.text.startswith(render("lang.set", Language.FR))
    assert desk.member("amadou").language == Language.FR
    assert desk.pending("amadou") == PendingStep("onboarding", "timezone", {})


def test_first_contact_with_plain_text_only_greets() -> None:
    desk = Desk()
    rows = desk.say("bob", "English")  # would be a valid answer, but it was not asked yet
    assert [r.text for r in rows] == [render("start.welcome", name="Bob")]
    assert desk.pending("bob") == PendingStep("onboarding", "language", {})


def test_start_with_a_join_deep_link_joins_and_greets() -> None:
    desk = Desk()
    desk.onboard("ana")
    team = desk.make_team("ana", "Rivers")
    rows = desk.say("bob", f"/start join_{team.join_code.lower()}")
    joined, welcome = desk.to(rows, "bob")
    assert joined.text == render("join.done", team="Rivers", leader="Ana")
    assert welcome.text == render("start.welcome", name="Bob")
    assert desk.roster(team) == ["Ana", "Bob"]
    assert desk.pending("bob") == PendingStep("onboarding", "language", {})
    assert desk.one(rows, "ana").text.startswith("Bob joined team “Rivers”")


def test_lang_with_a_code_changes_the_language() -> None:
    desk = Desk()
    desk.onboard("ana")
    (row,) = desk.say("ana", "/lang es")
    assert desk.member("ana").language == Language.ES
    assert (row.language, row.text) == (Language.ES, render("lang.set", Language.ES))
    assert desk.pending("ana") is None


def test_lang_aliases_and_names_in_other_languages() -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", "/idioma Português")
    assert desk.member("ana").language == Language.PT
    desk.say("ana", "/langue anglais")
    assert desk.member("ana").language == Language.EN


def test_unknown_language_is_refused_with_the_buttons_again() -> None:
    desk = Desk()
    desk.onboard("ana", Language.PT)
    (row,) = desk.say("ana", "/lang klingon")
    assert desk.member("ana").language == Language.PT
    assert row.text == render("lang.unknown", Language.PT, value="klingon")
    assert labels(row) == ["English", "✓ Português", "Español", "Français"]
    assert data(row) == LANG_DATA


def test_bare_lang_asks_and_the_typed_answer_sets_it() -> None:
    desk = Desk()
    desk.onboard("ana")
    (asked,) = desk.say("ana", "/lang")
    assert asked.text == render("lang.choose") and data(asked) == LANG_DATA
    assert desk.pending("ana") == PendingStep("lang", "language", {})
    (done,) = desk.say("ana", "français")
    assert done.text == render("lang.set", Language.FR)
    assert desk.pending("ana") is None


def test_tz_with_a_city_stores_its_zone_and_tells_local_time() -> None:
    desk = Desk()
    desk.onboard("ana")
    (row,) = desk.say("ana", "/tz Maputo")
    assert desk.member("ana").timezone == "Africa/Maputo"
    assert row.text == "Your time zone is now Maputo; your local time is 14:00."


def test_tz_with_an_offset_is_stored_as_an_offset() -> None:
    desk = Desk()
    desk.onboard("ana")
    (row,) = desk.say("ana", "/tz -05:00")
    assert desk.member("ana").timezone == "-05:00"
    assert row.text == render("tz.set", zone="UTC-05:00", time="07:00")


@pytest.mark.parametrize(("typed", "stored"), [
    ("sao paulo", "America/Sao_Paulo"),
    ("SÃO PAULO", "America/Sao_Paulo"),
    ("america/sao_paulo", "America/Sao_Paulo"),
    ("Yaounde", "Africa/Douala"),
    ("bogota", "America/Bogota"),
    ("Europe/Lisbon", "Europe/Lisbon"),
    ("utc+3", "+03:00"),
    ("GMT-3", "-03:00"),
    ("+0530", "+05:30"),
    ("+14:00", "+14:00"),
    ("UTC", "UTC"),
])
def test_tz_understands_cities_zones_and_offsets(typed: str, stored: str) -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", f"/tz {typed}")
    assert desk.member("ana").timezone == stored


@pytest.mark.parametrize("typed", ["+14:30", "-15:00", "+05:60", "Atlantis", "5"])
def test_tz_refuses_what_names_no_zone(typed: str) -> None:
    desk = Desk()
    desk.onboard("ana", city="Lima")
    (row,) = desk.say("ana", f"/tz {typed}")
    assert desk.member("ana").timezone == "America/Lima"
    assert row.text == render("tz.unknown", value=typed)
    assert "tz:Nairobi" in data(row)  # the city buttons come again, English speakers' first


def test_bare_tz_asks_and_a_pressed_city_answers() -> None:
    desk = Desk()
    desk.onboard("ana", Language.FR)
    (asked,) = desk.say("ana", "/tz")
    assert data(asked)[0] == "tz:Dakar"  # French-speaking cities first
    assert desk.pending("ana") == PendingStep("tz", "timezone", {})
    (done,) = desk.press("ana", "tz:Kigali")
    assert desk.member("ana").timezone == "Africa/Kigali"
    assert done.text == render("tz.set", Language.FR, zone="Kigali", time="14:00")
    assert desk.pending("ana") is None


@pytest.mark.parametrize("button", ["tz:Lima", "lang:es"])
def test_an_old_city_or_language_button_does_not_drop_another_flow(button: str) -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", "/newteam Rivers")
    desk.press("ana", button)
    member = desk.member("ana")
    assert (member.timezone, member.language) != ("Africa/Nairobi", Language.EN)  # it applied
    assert desk.pending("ana") == PendingStep("newteam", "topic", {"name": "Rivers"})
