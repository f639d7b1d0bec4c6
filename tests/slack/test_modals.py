"""Slack modals (bot/slack/modals.py) through the local Slack: ``views.open`` with the form in
the person's language and Block Kit's limits, and ``view_submission`` views answered with the
fields' errors or nothing (done)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.inbound import identity
from bot.slack.modals import clip, open_modal, submit_modal
from handlers.domain import Language
from tests.form_app import Talk, talk
from tests.slack.people import ANA, BRUNO
from tests.slack.running import submitted
from tests.slack.web_api_server import SlackServer
from tests.unit.fakes import render

TRIGGER = "1234.5678.abcd"


@pytest.fixture
async def desk(tmp_path: Path, slack_server: SlackServer) -> AsyncIterator[tuple[Talk, str, str]]:
    """An app where Bruno (English) coordinates and Ana (Portuguese) is a member."""
    team = slack_server.workspace.team_id
    bruno, ana = identity(team, BRUNO), identity(team, ANA)
    async with talk(tmp_path, bruno) as app:
        for who, language in ((bruno, "en"), (ana, "pt")):
            await app.say(who, "/start")
            await app.press(who, f"lang:{language}")
            await app.press(who, "tz:Maputo")
        yield app, bruno, ana


def opened(server: SlackServer) -> dict[str, Any]:
    (view,) = server.workspace.views
    assert view["type"] == "modal" and view["_trigger_id"] == TRIGGER
    return view


def check_limits(view: dict[str, Any]) -> None:
    """What Slack checks on a modal, as far as peerdesk's forms go."""
    for part in ("title", "submit", "close"):
        assert view[part]["type"] == "plain_text" and 0 < len(view[part]["text"]) <= 24
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert len(ids) == len(set(ids)) and len(view["blocks"]) <= 100
    for block in view["blocks"]:
        if block["type"] != "input":
            assert block["type"] == "context"
            continue
        assert block["label"]["type"] == "plain_text" and len(block["label"]["text"]) <= 2000
        assert isinstance(block["optional"], bool)
        element = block["element"]
        assert element["action_id"] == "value"
        if element["type"] == "plain_text_input":
            assert 0 < element["max_length"] <= 3000
        else:
            assert element["type"] in ("static_select", "multi_static_select")
            assert 0 < len(element["options"]) <= 100
            for option in element["options"]:
                assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150


async def test_a_new_team_modal_in_the_persons_language(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, _bruno, ana = desk
    assert await open_modal(slack_client, app.app, ana, "newteam", TRIGGER)
    view = opened(slack_server)
    check_limits(view)
    assert view["callback_id"] == "peerdesk:form:newteam"
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Nova equipe", "Enviar", "Cancelar")
    name, topic, region = view["blocks"]
    assert (name["block_id"], name["label"]["text"]) == ("name", "Nome da equipe")
    assert name["element"] == {"type": "plain_text_input", "action_id": "value",
                               "multiline": False, "max_length": 60}
    assert topic["hint"]["text"] == render("form.hint.topic", Language.PT)
    assert region["element"]["type"] == "static_select"
    assert region["element"]["options"][1] == {
        "text": {"type": "plain_text", "text": "África Oriental", "emoji": True},
        "value": "region:east"}


async def test_the_event_modal_has_a_note_optional_fields_and_several_lines(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, bruno, _ana = desk
    assert await open_modal(slack_client, app.app, bruno, "/event", TRIGGER)
    view = opened(slack_server)
    check_limits(view)
    note, *inputs = view["blocks"]
    assert note["type"] == "context" and "Confirm" in note["elements"][0]["text"]
    optional = {b["block_id"]: b["optional"] for b in inputs}
    assert optional == {"title": False, "start": False, "duration": False, "link": False,
                        "agenda": True, "teams": True, "audience": True}
    agenda = next(b for b in inputs if b["block_id"] == "agenda")
    assert agenda["element"]["multiline"] is True and agenda["element"]["max_length"] == 2000


async def test_no_modal_without_a_form_for_this_person(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, bruno, ana = desk
    assert not await open_modal(slack_client, app.app, ana, "event", TRIGGER)  # not allowed
    assert not await open_modal(slack_client, app.app, bruno, "newtask Plan", TRIGGER)
    assert not await open_modal(slack_client, app.app, bruno, "tasks", TRIGGER)
    assert slack_server.workspace.views == []


async def test_an_expired_trigger_leaves_the_command_to_the_chat(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, bruno, _ana = desk
    slack_server.fail_next("views.open", "expired_trigger_id")
    assert not await open_modal(slack_client, app.app, bruno, "broadcast", TRIGGER)


async def test_a_refused_value_is_shown_under_its_field_and_a_good_one_closes(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, _bruno, ana = desk
    assert await open_modal(slack_client, app.app, ana, "newteam", TRIGGER)
    view = opened(slack_server)
    answer = await submit_modal(app.app, ana, submitted(view, {
        "name": "R", "topic": "Saneamento", "region": "region:southern"}))
    assert answer == {"response_action": "errors",
                      "errors": {"name": render("newteam.bad_name", Language.PT)}}
    assert await app.rows("SELECT COUNT(*) FROM teams") == [(0,)]

    answer = await submit_modal(app.app, ana, submitted(view, {
        "name": "Rios", "topic": "Saneamento", "region": "region:southern"}))
    assert answer is None
    assert await app.rows("SELECT name, topic, region FROM teams") == [
        ("Rios", "Saneamento", "southern")]
    (row,) = await app.rows(f"SELECT chat_id, text FROM outbox WHERE identity = '{ana}' "
                            "ORDER BY id DESC LIMIT 1")
    assert row[0] is None and "Rios" in str(row[1])  # to Ana's direct messages


async def test_a_refusal_of_the_whole_form_shows_under_the_first_field(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, bruno, ana = desk
    assert await open_modal(slack_client, app.app, bruno, "broadcast", TRIGGER)
    view = opened(slack_server)
    answer = await submit_modal(app.app, ana, submitted(view, {"text": "Hi"}))
    assert answer == {"response_action": "errors",
                      "errors": {"audience": render("perm.coordinator", Language.PT)
                                 .replace("/ask", "/peerdesk ask")}}  # as typed on Slack
    assert await submit_modal(app.app, bruno, submitted(view, {"text": "Hi"})) is None
    assert await submit_modal(app.app, bruno, {"callback_id": "something else"}) is None


async def test_a_reviewers_languages_are_several_options(
        desk: tuple[Talk, str, str], slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    app, bruno, ana = desk
    await app.say(bruno, "/grant reviewer U0ANA0001")  # her name here: her Slack id
    await app.say(ana, "/reviewer langs pt topics water")
    assert await open_modal(slack_client, app.app, ana, "reviewer", TRIGGER)
    view = opened(slack_server)
    check_limits(view)
    langs = view["blocks"][0]["element"]
    assert langs["type"] == "multi_static_select"
    assert [o["value"] for o in langs["initial_options"]] == ["pt"]
    assert view["blocks"][1]["element"]["initial_value"] == "water"
    answer = await submit_modal(app.app, ana, submitted(view, {"langs": ["pt", "es"],
                                                               "topics": "water,gender"}))
    assert answer is None
    assert await app.rows("SELECT topics FROM reviewer_profiles") == [("water,gender",)]


def test_texts_are_clipped_to_slacks_limits() -> None:
    assert clip("Nouvelle   diffusion", 24) == "Nouvelle diffusion"
    assert clip("x" * 30, 24) == "x" * 23 + "…"
