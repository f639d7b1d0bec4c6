"""Review cards in Slack threads, end to end through the local Slack: a team member hands in a
deliverable by sharing it in their DM with the bot, the reviewer comments by replying in the
card's thread (a file shared there reaches the team too), the team's answers (replies in the
thread of the comment they got) arrive in that same thread, and a new version shared in the
thread of a message about the deliverable is handed in for it — two rounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from handlers.domain import Language, Region, Role
from storage.uow import SqlUnitOfWork
from tests.slack.people import ANA, BRUNO
from tests.slack.running import (
    TEAM,
    button_press,
    buttons_of,
    dm_event,
    event_callback,
    eventually,
    running_slack,
)
from tests.slack.web_api_server import SlackServer
from tests.slack.workspace import JSON

DIEGO = "U0DIEGO01"
ANA_DM, BRUNO_DM, DIEGO_DM = "D" + ANA[1:], "D" + BRUNO[1:], "D" + DIEGO[1:]
FILES = Path(__file__).resolve().parents[2] / "demo" / "files"


def seed(app: App) -> None:
    """Ana (pt) leads "Rios" with Diego (es), both on Slack, with two open tasks (so a file
    must say which one it is for); Bruno (en), on Slack, reviews."""
    now = datetime.now(UTC)
    uow = app.desk.unit_of_work()
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        ana = uow.members.add("Ana", f"slack:{TEAM}/{ANA}", Language.PT, "UTC", now)
        team = uow.teams.add("Rios", "water", Region.LATIN_AMERICA, "RIOS42", ana.id, True, now)
        diego = uow.members.add("Diego", f"slack:{TEAM}/{DIEGO}", Language.ES, "UTC", now)
        uow.teams.add_member(team.id, diego.id, now)
        bruno = uow.members.add("Bruno", f"slack:{TEAM}/{BRUNO}", Language.EN, "UTC", now)
        uow.members.grant(bruno.id, Role.REVIEWER, None, now)
        due = date.today() + timedelta(days=30)
        due_at = datetime(due.year, due.month, due.day, 23, 59, tzinfo=UTC)
        for title in ("Diagnóstico", "Plano"):
            uow.tasks.add(team.id, title, "10 páginas", due, due_at, None, [ana.id, diego.id],
                          ana.id, now)
        uow.commit()


def top(server: SlackServer, channel: str) -> list[JSON]:
    """The messages of a conversation that are not thread replies."""
    return [m for m in server.workspace.posted(channel) if m.get("thread_ts") in (None, m["ts"])]


def thread(server: SlackServer, channel: str, ts: str) -> list[JSON]:
    """The replies in the thread under message ``ts``."""
    return [m for m in server.workspace.posted(channel)
            if m.get("thread_ts") == ts and m["ts"] != ts]


def with_text(messages: list[JSON], fragment: str) -> list[JSON]:
    return [m for m in messages if fragment in m.get("text", "")]


def files_in(server: SlackServer, channel: str) -> list[JSON]:
    """The messages of a conversation that carry files."""
    return [m for m in server.workspace.posted(channel) if m.get("files")]


def shared(server: SlackServer, name: str) -> JSON:
    """A file someone uploaded to Slack, as the file_share event describes it."""
    stored = server.workspace.add_file(name, (FILES / name).read_bytes(), "application/pdf")
    return server.workspace.file_json(stored, server.base_url)


async def test_a_review_in_the_cards_thread(slack_server: SlackServer,
                                           slack_client: AsyncWebClient, tmp_path: Path,
                                           database_url: str) -> None:
    server = slack_server
    hub = server.socket_mode
    server.workspace.add_user(DIEGO, "diego", locale="es-ES")

    async with running_slack(server, slack_client, tmp_path, database_url) as (app, _adapter):

        def settled() -> bool:
            with app.database.engine.connect() as conn:
                return conn.exec_driver_sql("SELECT count(*) FROM outbox "
                                            "WHERE status <> 'sent'").scalar() == 0

        async def say(event: JSON) -> None:
            """Push an event once what was sent is recorded (a reply to a message the bot
            has not yet recorded as sent is traced to nothing; people are slower)."""
            await eventually(settled)
            await hub.wait_ack(await hub.push("events_api", event_callback(event)))

        await app.database.run(lambda: seed(app))
        # Ana shares the first version in her DM with the bot, naming its task.
        await say(dm_event(ANA, "T1 primeira versão",
                           files=[shared(server, "diagnostico-v1.pdf")]))
        await eventually(lambda: bool(with_text(top(server, BRUNO_DM), "D1 v1")))
        card = with_text(top(server, BRUNO_DM), "D1 v1")[0]
        assert any(value.startswith("review:approve:") for value in buttons_of(card))
        # Bruno comments by replying in the card's thread; the team gets the comment.
        await say(dm_event(BRUNO, "Section 2 needs 2025 data.", thread_ts=card["ts"]))
        for member in (ANA_DM, DIEGO_DM):
            await eventually(lambda m=member: bool(with_text(top(server, m), "Section 2 needs")))
        # His receipt is in the thread he wrote in.
        await eventually(lambda: bool(with_text(thread(server, BRUNO_DM, card["ts"]),
                                                "went to the team")))
        # Diego answers in the thread of the comment he got; Bruno reads it in the card's thread.
        comment = with_text(top(server, DIEGO_DM), "Section 2 needs")[0]
        await say(dm_event(DIEGO, "Los datos de 2025 aún no se publicaron.",
                           thread_ts=comment["ts"]))
        await eventually(lambda: bool(with_text(thread(server, BRUNO_DM, card["ts"]),
                                                "aún no se publicaron")))
        assert not with_text(top(server, BRUNO_DM), "aún no se publicaron")
        await eventually(lambda: bool(with_text(thread(server, DIEGO_DM, comment["ts"]),
                                                "Tu respuesta se envió")))
        # Bruno answers in the card's thread again: one more comment for the team.
        await say(dm_event(BRUNO, "Then 2024 with a note.", thread_ts=card["ts"]))
        await eventually(lambda: bool(with_text(top(server, ANA_DM), "2024 with a note")))
        # His annotated copy, shared in the card's thread: a comment with the file.
        files_before = len(files_in(server, DIEGO_DM))
        await say(dm_event(BRUNO, "My notes are inside.", thread_ts=card["ts"],
                           files=[shared(server, "diagnostico-v1.pdf")]))
        await eventually(lambda: len(files_in(server, DIEGO_DM)) > files_before)
        assert with_text(top(server, DIEGO_DM), "My notes are inside.")
        assert files_in(server, DIEGO_DM)[-1]["files"][0]["name"] == "diagnostico-v1.pdf"
        await eventually(settled)
        await hub.wait_ack(await hub.push_interactive(button_press(
            BRUNO, BRUNO_DM, card["ts"], next(v for v in buttons_of(card)
                                               if v.startswith("review:changes:")))))
        await eventually(lambda: bool(with_text(top(server, ANA_DM), "• Then 2024")))
        changes = with_text(top(server, ANA_DM), "• Then 2024")[0]
        # The card's buttons come off, its text as it was: rebuilt from the outbox's copy of
        # the card, without reading the conversation back.
        pressed = server.workspace.conversations[BRUNO_DM]
        await eventually(lambda: not buttons_of(pressed.message(card["ts"]) or card))
        after = pressed.message(card["ts"])
        assert after is not None and after["text"] == card["text"]
        assert after["blocks"] == [b for b in card["blocks"] if b["type"] != "actions"]
        assert not server.calls_to("conversations.history")

        # Round 2: Ana shares the new version in the thread of the changes she was asked for,
        # without naming the task (the team has two open ones): it is a version of D1.
        await say(dm_event(ANA, "dados de 2024 com nota", thread_ts=changes["ts"],
                           files=[shared(server, "diagnostico-v2.pdf")]))
        await eventually(lambda: bool(with_text(top(server, BRUNO_DM), "D1 v2")))
        second = with_text(top(server, BRUNO_DM), "D1 v2")[0]
        assert "dados de 2024 com nota" in second["text"]
        received = with_text(server.workspace.posted(ANA_DM), "D1 v2")
        assert received and received[0].get("thread_ts") == changes["ts"]
        await say(dm_event(BRUNO, "Much better.", thread_ts=second["ts"]))
        await eventually(lambda: bool(with_text(top(server, DIEGO_DM), "Much better")))
        comment = with_text(top(server, DIEGO_DM), "Much better")[0]
        await say(dm_event(DIEGO, "¡Gracias!", thread_ts=comment["ts"]))
        await eventually(lambda: bool(with_text(thread(server, BRUNO_DM, second["ts"]),
                                                "¡Gracias!")))
        assert not with_text(thread(server, BRUNO_DM, card["ts"]), "¡Gracias!")
        await eventually(settled)
        await hub.wait_ack(await hub.push_interactive(button_press(
            BRUNO, BRUNO_DM, second["ts"], next(v for v in buttons_of(second)
                                                 if v.startswith("review:approve:")))))
        await eventually(lambda: bool(with_text(top(server, DIEGO_DM), "aprobado")))
