"""The App Home tab through slack_sdk against the local Slack: the page of a member (found from
a linked identity too) published as a home view, escaped and within Slack's limits, a
stranger's welcome with buttons that come back as button presses, long pages cut, and Slack's
refusals (429, 5xx, errors) logged, never raised."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App, build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.slack.channel import SlackChannel
from bot.slack.home import BLOCKS_LIMIT, HEADER_LIMIT, home_view, publish_home
from bot.slack.inbound import BotIdentity, incoming
from handlers.catalogue import Catalogue
from handlers.domain import Language
from handlers.home import HomePage, HomeSection
from handlers.messages import Button, Phrase
from tests.scenarios.harness import Unchanged, query
from tests.scenarios.test_identity_links import START, Desk, desk
from tests.slack.blocks import check_blocks
from tests.slack.people import ANA, BRUNO
from tests.slack.web_api_server import SlackServer

SLACK_ANA = f"slack:T0PEERDSK/{ANA}"
SLACK_BRUNO = f"slack:T0PEERDSK/{BRUNO}"


def check_view(view: dict[str, Any]) -> list[dict[str, Any]]:
    """A home view as Slack would accept it: its blocks."""
    assert view["type"] == "home"
    blocks: list[dict[str, Any]] = view["blocks"]
    assert 0 < len(blocks) <= BLOCKS_LIMIT
    for start in range(0, len(blocks), 50):  # messages' checks, 50 blocks at a time
        check_blocks(blocks[start:start + 50])
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids))
    for block in blocks:
        if block["type"] == "header":
            text = block["text"]
            assert text["type"] == "plain_text" and 0 < len(text["text"]) <= HEADER_LIMIT
    assert blocks[-1]["type"] == "context"
    return blocks


def texts(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == kind]


async def test_a_members_home_published_from_a_linked_identity(
        tmp_path: Path, database_url: str, slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    async with desk(tmp_path, database_url) as d:
        await d.say("console:ana", "/start", "Ana")
        await d.say("console:ana", "/lang pt", "Ana")
        d.team("Rios & <Mares>", "RIOS01", 1)
        await d.say("console:ana", "/newtask Diagnóstico <!here>", "Ana")
        for answer in ("Relatório", "2026-03-31", "Ana", "-"):
            await d.say("console:ana", answer, "Ana")
        code = await d.code("console:ana")
        await d.say(SLACK_ANA, f"/link {code}", "ana", "pt-BR")
        await publish_home(slack_client, d.app, SLACK_ANA, ANA)
    (view,) = slack_server.workspace.views
    assert view["_recipient"] == ANA
    blocks = check_view(view)
    assert [b["type"] for b in blocks] == ["header", "section", "divider", "header", "section",
                                           "context"]
    assert texts(blocks, "header") == ["Olá, Ana", "Sua equipe “Rios & <Mares>”: tarefas"]
    intro, tasks = texts(blocks, "section")
    assert "/peerdesk help" in intro
    assert tasks.startswith("• T1 Diagnóstico &lt;!here&gt; — prazo 2026-03-31 (")
    assert "<" not in tasks and "Ana" in tasks
    assert "aba" in blocks[-1]["elements"][0]["text"]


async def test_a_stranger_gets_the_welcome_with_language_buttons(
        tmp_path: Path, database_url: str, slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    async with desk(tmp_path, database_url) as d:
        await publish_home(slack_client, d.app, SLACK_BRUNO, BRUNO, command="/pd",
                           locale="es-MX")
        assert query_members(d) == 0  # opening the tab registers nobody
    (view,) = slack_server.workspace.views
    blocks = check_view(view)
    assert texts(blocks, "header") == ["Te damos la bienvenida a peerdesk"]
    assert "/pd start" in texts(blocks, "section")[0]
    (row,) = [b for b in blocks if b["type"] == "actions"]
    assert [(e["value"], e["action_id"], e["text"]["text"]) for e in row["elements"]] == [
        ("lang:en", "peerdesk:0:0", "English"), ("lang:pt", "peerdesk:0:1", "Português"),
        ("lang:es", "peerdesk:0:2", "Español"), ("lang:fr", "peerdesk:0:3", "Français")]


def query_members(d: Desk) -> int:
    ((count,),) = query(d.url, "SELECT COUNT(*) FROM members")
    assert isinstance(count, int)
    return count


@pytest.mark.parametrize("failure", [{"status": 429, "retry_after": 3}, {"status": 500},
                                     {"error": "invalid_arguments"}])
async def test_slacks_refusals_are_logged_not_raised(
        tmp_path: Path, database_url: str, slack_server: SlackServer,
        slack_client: AsyncWebClient, caplog: pytest.LogCaptureFixture,
        failure: dict[str, Any]) -> None:
    async with desk(tmp_path, database_url) as d:
        slack_server.fail_next("views.publish", **failure)
        with caplog.at_level(logging.WARNING, logger="bot.slack.home"):
            await publish_home(slack_client, d.app, SLACK_BRUNO, BRUNO)
        assert slack_server.workspace.views == []
        (logged,) = [r for r in caplog.records if r.name == "bot.slack.home"]
        assert SLACK_BRUNO in logged.getMessage()
        assert ("ratelimited" if failure.get("status") == 429 else
                "internal_error" if failure.get("status") else "invalid_arguments") \
            in logged.getMessage()
        await publish_home(slack_client, d.app, SLACK_BRUNO, BRUNO)  # the next opening works
    assert len(slack_server.workspace.views) == 1


def test_a_long_page_is_cut_within_slacks_limits() -> None:
    catalogue = Catalogue.load()
    huge = Phrase("home.hello", {"name": "x & y " * 900})  # 5,407 characters, 9,007 escaped
    section = HomeSection(Phrase("home.team_title", {"team": "T" * 400}), (huge,),
                          ((Button("lang:en", label="English"),),))
    page = HomePage(Language.EN, (section,) * 40)
    blocks = check_view(home_view(page, catalogue))
    assert BLOCKS_LIMIT - 2 <= len(blocks) <= BLOCKS_LIMIT
    assert blocks[-2] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "…", "verbatim": True}]}
    assert all(len(t) <= HEADER_LIMIT and t.endswith("…") for t in texts(blocks, "header"))
    first = blocks[:6]  # Slack's section limit is 3,000 characters: four sections
    assert [b["type"] for b in first] == ["header"] + ["section"] * 4 + ["actions"]
    assert "".join(b["text"]["text"] for b in first[1:5]).replace(" ", "") \
        == "Hello," + "x&amp;y" * 900


@asynccontextmanager
async def slack_app(tmp_path: Path, url: str, client: AsyncWebClient) -> AsyncIterator[App]:
    """peerdesk on a fresh database, sending to the local Slack."""
    config = tmp_path / "config.toml"
    config.write_text("[helpdesk]\ndefault_language = \"en\"\n")
    app = await build_app(load_settings(config, environ={}), url, VirtualClock(START),
                          RandomJoinCodes(random.Random(7)),
                          {"slack": SlackChannel(client, part_pause=0)}, [Unchanged()])
    try:
        yield app
    finally:
        await app.close()


def pressed(view: dict[str, Any], value: str, user: str, trigger: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when ``user`` presses a button of a home view."""
    (button,) = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["value"] == value]
    return {"type": "block_actions", "trigger_id": trigger, "team": {"id": view["team_id"]},
            "user": {"id": user, "username": "bruno", "name": "bruno", "team_id": "T0PEERDSK"},
            "container": {"type": "view", "view_id": view["id"]},
            "view": {"id": view["id"], "type": "home", "blocks": view["blocks"]},
            "actions": [{**button, "block_id": "b1", "action_ts": "1800000000.000200"}]}


async def test_a_welcome_button_pressed_on_the_home_tab_starts_the_conversation(
        tmp_path: Path, database_url: str, slack_server: SlackServer,
        slack_client: AsyncWebClient) -> None:
    async with slack_app(tmp_path, database_url, slack_client) as app:
        await publish_home(slack_client, app, SLACK_BRUNO, BRUNO)
        payload = pressed(slack_server.workspace.views[-1], "lang:es", BRUNO, "13.42.abc")
        press = incoming(payload, BotIdentity("U0PEERBOT"))
        assert press is not None and press.key == "trigger:13.42.abc"
        assert press.inbound.sender.identity == SLACK_BRUNO
        assert press.inbound.button == "lang:es" and press.inbound.chat.is_private
        await app.receive(press.inbound)
        await app.deliver()
        dm = slack_server.calls_to("conversations.open")[0].body["channel"]["id"]
        greeting = slack_server.texts_in(dm)[0]
        assert greeting.startswith("¡Hola, bruno!")
        await publish_home(slack_client, app, SLACK_BRUNO, BRUNO)
    member_view = slack_server.workspace.views[-1]
    assert texts(check_view(member_view), "header")[:2] == ["Hola, bruno", "Tu equipo"]
    assert incoming({**payload, "container": {"type": "message"}},
                    BotIdentity("U0PEERBOT")) is None
    assert incoming({**payload, "actions": []}, BotIdentity("U0PEERBOT")) is None
