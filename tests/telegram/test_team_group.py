"""A team's Telegram group, end to end through python-telegram-bot and the local Bot API
server: the leader links it (confirmed in private; a forged button does nothing), the team's
news is posted there, what is said there reaches the teammate on another platform and back, a
group that becomes a supergroup keeps its link, and removing the bot ends it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.app import App
from handlers.domain import Language, Region
from handlers.messages import ChatRef, Inbound, UserRef
from storage.models_groups import TeamGroupRow
from storage.uow import SqlUnitOfWork
from tests.scenarios.harness import query
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.test_adapter import running
from tests.telegram.updates import group_chat, user

ANA = user(11, "Ana", language_code="pt-br")  # leads "Rios"
DIEGO = user(12, "Diego", language_code="es")
GROUP = group_chat(-100500, "Rios 💧")
CODE = "RIOS42"


def seed(app: App) -> None:
    """Ana (Telegram, pt) leads Rios; Diego (Telegram, es) and Awa (console, fr) are in it."""
    now = datetime.now(UTC)
    uow = app.desk.unit_of_work()
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        ana = uow.members.add("Ana", "telegram:11", Language.PT, "America/Sao_Paulo", now)
        team = uow.teams.add("Rios", "water", Region.LATIN_AMERICA, CODE, ana.id, True, now)
        for name, identity, language in (("Diego", "telegram:12", Language.ES),
                                         ("Awa", "console:awa", Language.FR)):
            member = uow.members.add(name, identity, language, "UTC", now)
            uow.teams.add_member(team.id, member.id, now)
        uow.commit()


def age_requests(app: App) -> None:
    """Make every link request two days old."""
    with app.database.engine.begin() as conn:
        conn.execute(update(TeamGroupRow).values(
            requested_at=datetime.now(UTC) - timedelta(days=2)))


def outbox_to(database_url: str, identity: str) -> list[str]:
    """What the help desk queued for one address (the console has no channel here)."""
    return [str(r[0]) for r in query(database_url, "SELECT text FROM outbox WHERE identity = "
                                     f"'{identity}' ORDER BY id")]


async def until(done: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for something only the database shows (no call reaches the server for it)."""
    async with asyncio.timeout(within):
        while not done():  # noqa: ASYNC110 - the database has no event to wait on
            await asyncio.sleep(0.05)


def count(texts: Callable[[], list[str]], fragment: str) -> Callable[[], bool]:
    return lambda: any(fragment in t for t in texts())


async def link(server: BotApiServer, group: dict[str, Any] = GROUP,
               command: str = "/linkgroup") -> tuple[int, str]:
    """Ana types /linkgroup in a group; the confirmation she gets in private (its message id
    and the data of its Link button)."""
    chat = int(group["id"])
    server.make_admin(chat, int(ANA["id"]))
    asked = len(server.texts_to(chat))
    server.push_message(ANA, command, group)

    def confirmation() -> list[str]:
        return [t for t in server.texts_to(11) if "Vincular o grupo" in t]

    before = len(confirmation())
    await server.wait_for(lambda: len(confirmation()) > before
                          and len(server.texts_to(chat)) > asked, within=10)
    assert "enviei uma mensagem privada" in server.texts_to(chat)[-1]
    confirm = next(c for c in reversed(server.sent_to(11))
                   if "Vincular o grupo" in c.params["text"])
    markup = confirm.params["reply_markup"]
    keyboard = json.loads(markup) if isinstance(markup, str) else markup
    return int(confirm.result["message_id"]), str(
        keyboard["inline_keyboard"][0][0]["callback_data"])


async def test_linking_posting_and_relaying(bot_api_server: BotApiServer, tmp_path: Path,
                                            database_url: str) -> None:
    server = bot_api_server
    async with running(server, tmp_path, database_url) as (app, _adapter):
        await app.database.run(lambda: seed(app))
        message_id, data = await link(server)
        # Diego presses the same button (forwarded, or forged): it does nothing for him.
        server.push_callback(DIEGO, message_id, data)
        await server.wait_for(count(lambda: server.texts_to(12), "Solo quien escribió"),
                              within=10)
        assert query(database_url, "SELECT linked_at FROM team_groups") == [(None,)]
        server.push_callback(ANA, message_id, data)
        await server.wait_for(count(lambda: server.texts_to(-100500), "🔗 Este grupo"),
                              within=10)
        assert "Pronto: “Rios 💧” agora é o grupo de Rios." in server.texts_to(11)[-1]
        # The confirmation's buttons are taken off once answered.
        assert [c.params["message_id"] for c in server.calls
                if c.method == "editMessageReplyMarkup"] == [message_id]

        # Group talk not meant for the bot: relayed to Awa (console), answered by nobody.
        before = {chat: len(server.texts_to(chat)) for chat in (11, 12, -100500)}
        server.push_message(DIEGO, "¿Quién revisa el informe?", GROUP)
        await until(count(lambda: outbox_to(database_url, "console:awa"),
                          "¿Quién revisa el informe?"))
        assert "Diego · Rios" in outbox_to(database_url, "console:awa")[-1]
        # Someone in the group who never talked to the bot: relayed under their Telegram name,
        # and not registered.
        server.push_message(user(99, "Zé", language_code="pt"), "Eu também ajudo", GROUP)
        await until(count(lambda: outbox_to(database_url, "console:awa"), "Zé · Rios"))
        assert query(database_url, "SELECT count(*) FROM members") == [(3,)]
        await asyncio.sleep(0.2)
        assert {chat: len(server.texts_to(chat)) for chat in before} == before

        # A reply in the group to a bot post that is about nothing in particular: talk too —
        # never the answer to a question the bot asked Diego in private.
        server.push_message(DIEGO, "/ask")
        await server.wait_for(lambda: len(server.texts_to(12)) > before[12], within=10)
        before[12] += 1
        server.push_message(DIEGO, "¡Bienvenida!", GROUP,
                            reply_to=server.sent_to(-100500)[-1].result["message_id"])
        server.push_message(user(98, "Lia", language_code="pt"), "Oi!", GROUP,
                            reply_to=server.sent_to(-100500)[-1].result["message_id"])
        await until(count(lambda: outbox_to(database_url, "console:awa"), "Lia · Rios"))
        assert any("¡Bienvenida!" in t for t in outbox_to(database_url, "console:awa"))
        assert query(database_url, "SELECT count(*) FROM help_requests") == [(0,)]
        assert query(database_url, "SELECT count(*) FROM members") == [(3,)]
        await asyncio.sleep(0.2)
        assert {chat: len(server.texts_to(chat)) for chat in before} == before

        # Awa's team talk from the console: to each teammate privately, in their language,
        # and in the group; Awa is told where it went.
        await app.receive(Inbound(UserRef("console:awa", "Awa"), ChatRef("console", "awa"),
                                  "/t Je m'en occupe"))
        for chat in (-100500, 11, 12):
            await server.wait_for(count(lambda c=chat: server.texts_to(c), "Je m'en occupe"),
                                  within=10)
        assert "et au groupe de l'équipe" in outbox_to(database_url, "console:awa")[-1]

        # A reply to the bot's post in the group goes back to the team (Awa).
        relayed = server.sent_to(-100500)[-1].result["message_id"]
        server.push_message(ANA, "Obrigada, Awa!", GROUP, reply_to=relayed)
        await until(count(lambda: outbox_to(database_url, "console:awa"), "Obrigada, Awa!"))

        # Team news is posted in the group too: someone joins.
        await app.receive(Inbound(UserRef("telegram:13", "Rita", "pt"),
                                  ChatRef("telegram", "13"), f"/join {CODE}"))
        await server.wait_for(count(lambda: server.texts_to(-100500), "Rita"), within=10)


async def test_who_may_link_and_what_goes_wrong(bot_api_server: BotApiServer, tmp_path: Path,
                                                database_url: str) -> None:
    server = bot_api_server
    other = group_chat(-100600, "Café")
    async with running(server, tmp_path, database_url) as (app, _adapter):
        await app.database.run(lambda: seed(app))
        server.push_message(ANA, "/linkgroup")  # in private: where to type it
        server.push_message(DIEGO, "/linkgroup", GROUP)  # not the leader
        server.push_message(ANA, "/linkgroup klingon", GROUP)  # not a language
        server.push_message(ANA, "@peerdesk_test_bot hola", other)  # a group not linked
        await server.wait_for(lambda: len(server.texts_to(-100600)) >= 1
                              and len(server.texts_to(-100500)) >= 2
                              and len(server.texts_to(11)) >= 1, within=10)
        assert "Digite /linkgroup dentro do grupo" in server.texts_to(11)[0]
        assert "Solo quien lidera Rios puede hacerlo (el liderazgo es de Ana)" in \
            server.texts_to(-100500)[0]
        assert "Não escrevo em “klingon”" in server.texts_to(-100500)[1]
        assert "Em grupos eu respondo a comandos" in server.texts_to(-100600)[0]
        assert query(database_url, "SELECT count(*) FROM team_groups") == [(0,)]
        # Leading the team is not enough: the group's administrators decide what it is for.
        server.push_message(ANA, "/linkgroup", other)
        await server.wait_for(count(lambda: server.texts_to(-100600),
                                    "Só quem administra este grupo"), within=10)

        # Linked with the group's language given.
        server.push_callback(ANA, *await link(server, command="/linkgroup es"))
        await server.wait_for(count(lambda: server.texts_to(-100500), "🔗 Este grupo ahora"),
                              within=10)

        # The group becomes a supergroup: Telegram says so in the old chat; the link follows.
        moved = server.factory.message_from(ANA, "", GROUP)
        message = moved["message"]
        message.pop("text", None)
        message.pop("entities", None)
        message["migrate_to_chat_id"] = -100700
        server.push_update(moved)
        await until(lambda: query(database_url, "SELECT chat_id FROM team_groups")
                    == [("-100700",)])

        # Another language for the group: the bot says so there, in it.
        server.make_admin(-100700, 11)
        server.push_message(ANA, "/linkgroup fr", group_chat(-100700, "Rios 💧"))
        await server.wait_for(count(lambda: server.texts_to(-100700),
                                    "Désormais, j'écris ici en français."), within=10)
        # Renamed: later notices use the new name.
        renamed = server.factory.message_from(ANA, "", group_chat(-100700, "Rios 2027"))
        renamed["message"].pop("text", None)
        renamed["message"].pop("entities", None)
        renamed["message"]["new_chat_title"] = "Rios 2027"
        server.push_update(renamed)
        await until(lambda: query(database_url, "SELECT title, language FROM team_groups")
                    == [("Rios 2027", "fr")])

        # Removed from the group: the link ends and Ana is told in private.
        server.push_update(server.factory.bot_status_change(
            DIEGO, group_chat(-100700, "Rios 2027"), "kicked"))
        await server.wait_for(count(lambda: server.texts_to(11),
                                    "Fui removido do grupo “Rios 2027”"), within=10)
        assert query(database_url, "SELECT count(*) FROM team_groups") == [(0,)]


async def test_moving_unlinking_and_stale_requests(bot_api_server: BotApiServer,
                                                   tmp_path: Path, database_url: str) -> None:
    server = bot_api_server
    second = group_chat(-100800, "Rios (nova)")
    carla = user(1, "Carla", language_code="en")  # a coordinator (see the config)
    async with running(server, tmp_path, database_url) as (app, _adapter):
        await app.database.run(lambda: seed(app))
        server.push_callback(ANA, *await link(server))
        await server.wait_for(count(lambda: server.texts_to(-100500), "🔗"), within=10)

        # Another group for the same team: the first one is told it is no longer linked.
        server.push_callback(ANA, *await link(server, second))
        await server.wait_for(count(lambda: server.texts_to(-100500),
                                    "Ana vinculou outro grupo"), within=10)
        assert query(database_url, "SELECT chat_id FROM team_groups WHERE linked_at IS NOT "
                     "NULL") == [("-100800",)]

        # Only a leader (or a coordinator) unlinks; Ana may do it from her private chat.
        server.push_message(DIEGO, "/unlinkgroup", second)
        await server.wait_for(count(lambda: server.texts_to(-100800), "Solo quien lidera"),
                              within=10)
        server.push_message(ANA, "/unlinkgroup")
        await server.wait_for(count(lambda: server.texts_to(-100800),
                                    "não está mais vinculado à equipe Rios"), within=10)
        await server.wait_for(count(lambda: server.texts_to(11), "Desvinculado: Rios não "
                                    "publica mais em “Rios (nova)”."), within=10)

        # A request left unanswered past the question timeout is refused when confirmed late.
        late = await link(server)
        await app.database.run(lambda: age_requests(app))
        server.push_callback(ANA, *late)
        await server.wait_for(count(lambda: server.texts_to(11), "Este pedido não vale mais"),
                              within=10)
        assert query(database_url, "SELECT count(*) FROM team_groups") == [(0,)]

        # A coordinator may unlink any team's group.
        server.push_callback(ANA, *await link(server))
        await server.wait_for(lambda: len([t for t in server.texts_to(-100500) if "🔗" in t])
                              >= 2, within=10)
        server.push_message(carla, "/unlinkgroup", GROUP)
        await server.wait_for(lambda: len([t for t in server.texts_to(-100500)
                                           if "não está mais vinculado à equipe Rios" in t])
                              >= 1, within=10)
        assert query(database_url, "SELECT count(*) FROM team_groups") == [(0,)]
        # …also from her private chat, naming the team.
        server.push_callback(ANA, *await link(server))
        await server.wait_for(lambda: len([t for t in server.texts_to(-100500) if "🔗" in t])
                              >= 3, within=10)
        server.push_message(carla, "/unlinkgroup Rios")
        await server.wait_for(count(lambda: server.texts_to(1), "Unlinked: Rios no longer"),
                              within=10)
        assert query(database_url, "SELECT count(*) FROM team_groups") == [(0,)]
