"""Forms of ``/event`` and ``/broadcast`` on SQLite (the fakes hold no events or broadcasts):
a good submission reaches the same preview as the steps, with only the preview said; each
refused value is its field's error and nothing is stored; others are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.domain import Language
from handlers.forms import WHOLE_FORM, Kind
from tests.form_app import Talk, talk
from tests.unit.fakes import render

CARLA, ANA = "console:carla", "console:ana"
EVENT = {"title": "Resultados do orçamento participativo",
         "start": "2026-12-03 14:00 Africa/Maputo", "duration": "ev:dur:90",
         "link": "https://meet.example.org/pb-results", "agenda": "1. Rios; 2. Perguntas",
         "teams": "Rios", "audience": ""}
BROADCAST = {"audience": "", "text": "The call for proposals is open.", "when": ""}


@pytest.fixture
async def people(tmp_path: Path) -> AsyncIterator[Talk]:
    async with talk(tmp_path, CARLA) as app:
        for who, language in ((CARLA, "en"), (ANA, "pt")):
            await app.say(who, "/start")
            await app.press(who, f"lang:{language}")
            await app.press(who, "tz:Maputo")
        for text in ("/newteam Rios", "Orçamento participativo"):
            await app.say(ANA, text)
        await app.press(ANA, "region:southern")
        yield app


async def test_the_event_form(people: Talk) -> None:
    form = await people.app.form(CARLA, "event")
    assert form is not None and form.title == "New event" and form.note
    assert [f.name for f in form.fields] == ["title", "start", "duration", "link", "agenda",
                                             "teams", "audience"]
    duration = form.fields[2]
    assert duration.kind is Kind.CHOICE
    assert [label for _value, label in duration.options] == ["30 min", "1 h", "1 h 30 min",
                                                             "2 h"]
    assert "Maputo" in form.fields[1].hint
    assert [f.name for f in form.fields if f.optional] == ["agenda", "teams", "audience"]
    assert await people.app.form(ANA, "event") is None  # /event then refuses in the chat


async def test_a_submitted_event_form_reaches_the_steps_preview(people: Talk) -> None:
    await people.say(CARLA, "/event " + EVENT["title"])
    await people.say(CARLA, EVENT["start"])
    await people.press(CARLA, "ev:dur:90")
    for text in (EVENT["link"], EVENT["agenda"], EVENT["teams"]):
        await people.say(CARLA, text)
    await people.press(CARLA, "ev:a:all")
    by_steps = await people.pending(CARLA)
    await people.say(CARLA, "/cancel")
    before = len(await people.outbox())

    counted = people.app.inbound["console"]
    assert await people.app.submit_form(CARLA, "event", EVENT) == {}
    assert people.app.inbound["console"] == counted + 1  # in the metric of inbound messages
    assert await people.pending(CARLA) == by_steps
    said = (await people.outbox())[before:]
    assert len(said) == 1 and said[0][1] is None  # the preview only, in Carla's own chat
    assert str(said[0][2]).startswith("Please check the event")
    await people.press(CARLA, "ev:ok")
    assert await people.rows("SELECT title, duration_minutes FROM events") == [
        (EVENT["title"], 90)]


@pytest.mark.parametrize(("field", "value", "key", "params"), [
    ("title", "ab", "event.bad_title", {"limit": 200}),
    ("duration", "ev:dur:7", "form.choose", {}),
    ("link", "meet", "event.bad_link", {"value": "meet"}),
    ("teams", "Lagos", "event.bad_teams", {"names": "Lagos"}),
    ("start", "2020-01-01 10:00", "event.past_start", None),
    ("audience", "team:Lagos", "audience.unknown_teams", None),
])
async def test_each_refused_event_value_is_its_fields_error(
        people: Talk, field: str, value: str, key: str, params: dict[str, str] | None) -> None:
    before = await people.outbox()
    errors = await people.app.submit_form(CARLA, "event", {**EVENT, field: value})
    assert list(errors) == [field]
    if params is not None:
        assert errors[field] == render(key, **params)
    assert await people.outbox() == before and await people.pending(CARLA) is None


async def test_someone_not_a_coordinator_is_refused(people: Talk) -> None:
    for command, values in (("event", EVENT), ("broadcast", BROADCAST)):
        errors = await people.app.submit_form(ANA, command, values)
        assert errors == {WHOLE_FORM: render("perm.coordinator", Language.PT)}
    assert await people.rows("SELECT COUNT(*) FROM events") == [(0,)]


async def test_a_submitted_broadcast_form_reaches_the_steps_preview(people: Talk) -> None:
    form = await people.app.form(CARLA, "broadcast")
    assert form is not None
    assert [(f.name, f.kind, f.optional) for f in form.fields] == [
        ("audience", Kind.LINE, True), ("text", Kind.TEXT, False), ("when", Kind.LINE, True)]
    await people.say(CARLA, "/broadcast")
    await people.press(CARLA, "bc:a:all")
    await people.say(CARLA, BROADCAST["text"])
    await people.press(CARLA, "bc:now")
    by_steps = await people.pending(CARLA)
    await people.say(CARLA, "/cancel")

    assert await people.app.submit_form(CARLA, "broadcast", BROADCAST) == {}
    pending = await people.pending(CARLA)
    assert pending == by_steps and pending is not None and pending.step == "preview"
    await people.press(CARLA, f"bc:ok:{pending.data['token']}")
    assert await people.rows("SELECT text, recipients FROM broadcasts") == [
        (BROADCAST["text"], 2)]


async def test_a_typed_audience_and_a_later_moment(people: Talk) -> None:
    values = {"audience": "team:Rios", "text": "Hello", "when": "2026-12-01 09:00 local"}
    assert await people.app.submit_form(CARLA, "broadcast", values) == {}
    pending = await people.pending(CARLA)
    assert pending is not None and pending.step == "preview"
    assert pending.data["when"] == values["when"]


@pytest.mark.parametrize(("field", "value", "key"), [
    ("text", "!!!", "broadcast.empty_text"),
    ("when", "someday", "broadcast.when_help"),
    ("audience", "team:Lagos", None),
])
async def test_each_refused_broadcast_value_is_its_fields_error(
        people: Talk, field: str, value: str, key: str | None) -> None:
    before = await people.outbox()
    errors = await people.app.submit_form(CARLA, "broadcast", {**BROADCAST, field: value})
    assert list(errors) == [field]
    if key is not None:
        assert render(key) in errors[field]
    assert "Who should receive it?" not in errors[field]  # the chat's menu is left out
    assert await people.outbox() == before and await people.pending(CARLA) is None
    assert await people.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]
