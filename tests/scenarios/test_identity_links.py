"""One person on several platforms: ``/link`` codes typed on another identity, wrong, expired
and reused codes, guess limiting, merging two members who both used the bot (allowed and
refused), ``/unlink``, and a team whose members are reached where they last wrote.

The help desk is driven through the real app (SQLite, and PostgreSQL when configured) with
inbound messages from console and Telegram identities, as an adapter would hand them over;
what it says is read from the outbox, addressed to each identity.
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from handlers.domain import Language, Region
from handlers.messages import ChatRef, Inbound, UserRef
from storage.delivery import Reachability
from storage.uow import SqlUnitOfWork
from tests.scenarios.harness import Recorder, Unchanged, query

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
CODE = re.compile(r"/link ([A-Z2-9]{6})")


class Desk:
    """The help desk as several identities see it."""

    def __init__(self, app: App, clock: VirtualClock, url: str) -> None:
        self.app = app
        self.clock = clock
        self.url = url

    async def say(self, identity: str, text: str, name: str = "Someone",
                  locale: str | None = None) -> None:
        """A person writes to the bot in private from one identity."""
        platform, _, chat = identity.partition(":")
        await self.app.receive(Inbound(UserRef(identity, name, locale),
                                       ChatRef(platform, chat), text))

    def to(self, identity: str) -> list[str]:
        """Everything queued for one identity, oldest first."""
        return [str(row[0]) for row in query(
            self.url, f"SELECT text FROM outbox WHERE identity = '{identity}' ORDER BY id")]

    def last(self, identity: str) -> str:
        """The newest message for one identity."""
        received = self.to(identity)
        assert received, f"nothing for {identity}"
        return received[-1]

    async def code(self, identity: str) -> str:
        """Ask for a link code from one identity and read it from the answer."""
        await self.say(identity, "/link")
        found = CODE.search(self.last(identity))
        assert found, self.last(identity)
        return found.group(1)

    def members(self) -> list[tuple[object, ...]]:
        """(member, identity) for every identity, by identity."""
        return query(self.url, "SELECT member_id, identity FROM identities ORDER BY identity")

    def seed(self, *people: tuple[str, str, Language]) -> list[int]:
        """Members who already used the bot: (name, identity, language); their ids."""
        uow = self.app.desk.unit_of_work()
        assert isinstance(uow, SqlUnitOfWork)
        with uow:
            ids = [uow.members.add(name, identity, language, "UTC", START).id
                   for name, identity, language in people]
            uow.commit()
        return ids

    def team(self, name: str, code: str, leader: int, *members: int,
             co_leader: int | None = None) -> None:
        """A team with its leader, members and perhaps a co-leader."""
        uow = self.app.desk.unit_of_work()
        assert isinstance(uow, SqlUnitOfWork)
        with uow:
            team = uow.teams.add(name, "water", Region.LATIN_AMERICA, code, leader, True, START)
            for member in (*members, *([co_leader] if co_leader else [])):
                uow.teams.add_member(team.id, member, START)
            uow.teams.set_leaders(team.id, leader, co_leader)
            uow.commit()


@asynccontextmanager
async def desk(tmp_path: Path, url: str, coordinators: tuple[str, ...] = ("console:carla",)
               ) -> AsyncIterator[Desk]:
    """A running help desk on a fresh database."""
    config = tmp_path / "config.toml"
    listed = ", ".join(f'"{c}"' for c in coordinators)
    config.write_text(f"[helpdesk]\ncoordinators = [{listed}]\n")
    clock = VirtualClock(START)
    app = await build_app(load_settings(config, environ={}), url, clock,
                          RandomJoinCodes(random.Random(7)), {"console": Recorder(print)},
                          [Unchanged()])
    try:
        yield Desk(app, clock, url)
    finally:
        await app.close()


async def test_link_console_to_a_new_telegram_identity(tmp_path: Path,
                                                       database_url: str) -> None:
    async with desk(tmp_path, database_url) as d:
        await d.say("console:ana", "/start", "Ana")
        await d.say("console:ana", "/lang pt", "Ana")
        code = await d.code("console:ana")
        assert "Seu código" in d.last("console:ana") and "15 minutos" in d.last("console:ana")
        # A brand-new Telegram identity types it: no greeting, one member, Ana's language.
        await d.say("telegram:11", f"/link {code.lower()}", "Ana M.", "en")
        (answer,) = d.to("telegram:11")
        assert "Contas vinculadas, Ana!" in answer and "telegram:11" in answer
        assert "Sua conta telegram:11 agora está vinculada" in d.last("console:ana")
        assert d.members() == [(1, "console:ana"), (1, "telegram:11")]
        assert query(database_url, "SELECT COUNT(*) FROM members") == [(1,)]
        assert query(database_url, "SELECT COUNT(*) FROM link_codes") == [(0,)]
        # One member, one language, whichever platform she writes from.
        await d.say("telegram:11", "/help", "Ana M.", "en")
        assert "/link [CÓDIGO]" in d.last("telegram:11")
        # /link again lists her accounts (and gives a code for a third one).
        await d.say("telegram:11", "/link", "Ana M.", "en")
        assert "Você usa o bot por: console:ana, telegram:11." in d.last("telegram:11")
        assert "/unlink PLATAFORMA" in d.last("telegram:11")
        # The used code is gone: someone else typing it is refused (and greeted as a newcomer).
        await d.say("telegram:12", f"/link {code}", "Bruno", "es")
        assert "No existe el código" in d.last("telegram:12")
        assert any("Bruno" in text for text in d.to("telegram:12"))
        assert d.members()[-1][1] == "telegram:12" and d.members()[-1][0] != 1


async def test_wrong_expired_and_own_codes_and_guess_limit(tmp_path: Path,
                                                           database_url: str) -> None:
    async with desk(tmp_path, database_url) as d:
        await d.say("console:ana", "/lang en", "Ana")
        await d.say("telegram:11", "/lang en", "Ana")
        old = await d.code("console:ana")
        await d.say("console:ana", f"/link {old}", "Ana")
        assert "is the code you asked for from this account" in d.last("console:ana")
        d.clock.move("+16m")
        await d.say("telegram:11", f"/link {old}", "Ana")
        assert f"The code {old} has expired" in d.last("telegram:11")  # wrong guess 1
        # Only one live code per member: asking again replaces it.
        code = await d.code("console:ana")
        assert query(database_url, "SELECT code FROM link_codes") == [(code,)]
        for _ in range(4):  # wrong guesses 2 to 5
            await d.say("telegram:11", "/link ZZZZZZ", "Ana")
            assert "There is no code ZZZZZZ" in d.last("telegram:11")
        await d.say("telegram:11", f"/link {code}", "Ana")
        assert "Too many wrong codes. Try again in 60 min" in d.last("telegram:11")
        assert len({member for member, _ in d.members()}) == 2
        # An hour later (and a fresh code), it works.
        d.clock.move("+61m")
        code = await d.code("console:ana")
        await d.say("telegram:11", f"/link {code}", "Ana")
        assert "Linked, Ana!" in d.last("telegram:11")
        assert {member for member, _ in d.members()} == {1}
        assert query(database_url, "SELECT COUNT(*) FROM link_guesses") == [(0,)]


async def test_a_group_is_no_place_for_codes(tmp_path: Path, database_url: str) -> None:
    async with desk(tmp_path, database_url) as d:
        await d.say("telegram:11", "/lang en", "Ana")
        await d.app.receive(Inbound(UserRef("telegram:11", "Ana"),
                                    ChatRef("telegram", "-100", is_private=False), "/link"))
        assert "send /link in a private chat" in d.last("telegram:11")
        assert query(database_url, "SELECT COUNT(*) FROM link_codes") == [(0,)]


async def test_merging_two_members_who_both_used_the_bot(tmp_path: Path,
                                                         database_url: str) -> None:
    async with desk(tmp_path, database_url, ("console:carla", "telegram:11")) as d:
        carla, ana, ana_tg, diego = d.seed(("Carla", "console:carla", Language.EN),
                                           ("Ana", "console:ana", Language.PT),
                                           ("Ana Telegram", "telegram:11", Language.ES),
                                           ("Diego", "telegram:12", Language.ES))
        d.team("Rios", "RIOS42", diego, ana_tg)  # only the Telegram Ana is in a team
        await d.say("telegram:11", "/ask ¿Dónde está la plantilla?", "Ana")  # a coordinator
        await d.say("telegram:11", "/start", "Ana")  # half-way through the greeting
        code = await d.code("console:ana")
        await d.say("telegram:11", f"/link {code}", "Ana")
        assert "Contas vinculadas, Ana!" in d.last("telegram:11")
        assert d.members() == [(ana, "console:ana"), (carla, "console:carla"),
                               (ana, "telegram:11"), (diego, "telegram:12")]
        # Her team, her request, her role and nothing of the pending greeting went with her.
        assert query(database_url, "SELECT member_id FROM team_members ORDER BY member_id") \
            == [(ana,), (diego,)]
        assert query(database_url, "SELECT asker_id FROM help_requests") == [(ana,)]
        assert query(database_url, "SELECT role FROM member_roles WHERE member_id = "
                     f"{ana}") == [("coordinator",)]
        assert query(database_url, f"SELECT COUNT(*) FROM members WHERE id = {ana_tg}") \
            == [(0,)]
        assert query(database_url, "SELECT COUNT(*) FROM conversations") == [(0,)]
        # From the console (not a coordinator identity) she is still a coordinator, in pt.
        await d.say("console:ana", "/tickets", "Ana")
        assert "¿Dónde está la plantilla?" in d.last("console:ana")
        await d.say("console:ana", "/team", "Ana")
        assert "Rios" in d.last("console:ana")


async def test_merging_is_refused_across_teams_and_leaders(tmp_path: Path,
                                                           database_url: str) -> None:
    async with desk(tmp_path, database_url) as d:
        ana, ana_tg, bea, bea_tg = d.seed(("Ana", "console:ana", Language.EN),
                                          ("Ana", "telegram:11", Language.EN),
                                          ("Bea", "console:bea", Language.FR),
                                          ("Bea", "telegram:21", Language.FR))
        d.team("Rios", "RIOS42", ana)
        d.team("Mar", "MAR042", ana_tg)
        d.team("Sol", "SOL042", bea, co_leader=bea_tg)
        before = d.members()
        code = await d.code("console:ana")
        await d.say("telegram:11", f"/link {code}", "Ana")
        assert "one is in the team Rios, the other in Mar" in d.last("telegram:11")
        code = await d.code("console:bea")
        await d.say("telegram:21", f"/link {code}", "Bea")
        assert "l'un dirige Sol et l'autre en est le co-responsable" in d.last("telegram:21")
        assert d.members() == before  # nothing half-stored
        assert query(database_url, "SELECT COUNT(*) FROM members") == [(4,)]
        # The refusal is no wrong guess, and the code is still good once the teams are sorted.
        assert query(database_url, "SELECT COUNT(*) FROM link_guesses") == [(0,)]


async def test_unlink(tmp_path: Path, database_url: str) -> None:
    async with desk(tmp_path, database_url) as d:
        await d.say("console:ana", "/lang es", "Ana")
        await d.say("console:ana", "/unlink telegram", "Ana")
        assert "desde una sola cuenta" in d.last("console:ana")
        code = await d.code("console:ana")
        await d.say("telegram:11", f"/link {code}", "Ana")
        await d.say("console:ana", "/unlink", "Ana")
        assert "¿Qué cuenta?" in d.last("console:ana")
        await d.say("console:ana", "/unlink slack", "Ana")
        assert "No tienes la cuenta «slack»" in d.last("console:ana")
        await d.say("console:ana", "/unlink telegram", "Ana")
        assert "Listo: telegram:11 ya no está vinculada" in d.last("console:ana")
        assert "ya no está vinculada a Ana" in d.last("telegram:11")
        assert d.members() == [(1, "console:ana")]
        await d.say("console:ana", "/unlink console", "Ana")  # never the last one
        assert "desde una sola cuenta" in d.last("console:ana")
        # Writing from the unlinked account again starts afresh, as a newcomer.
        await d.say("telegram:11", "hola", "Ana")
        assert d.members()[0] == (1, "console:ana") and d.members()[1][0] != 1


async def test_a_team_reaches_each_member_where_they_last_wrote(tmp_path: Path,
                                                                database_url: str) -> None:
    async with desk(tmp_path, database_url) as d:
        carla, ana, diego, awa = d.seed(("Carla", "console:carla", Language.EN),
                                        ("Ana", "telegram:11", Language.PT),
                                        ("Diego", "telegram:12", Language.ES),
                                        ("Awa", "console:awa", Language.FR))
        d.team("Rios", "RIOS42", ana, diego, awa)
        await d.say("console:carla", "/lang en", "Carla")  # a coordinator from the config
        code = await d.code("telegram:12")
        await d.say("console:diego", f"/link {code}", "Diego")  # he wrote last on the console
        await d.say("telegram:11", "/t Reunião amanhã às 9h", "Ana")
        assert "Reunião amanhã às 9h" in d.last("console:diego")
        assert "Reunião amanhã às 9h" in d.last("console:awa")
        assert not any("Reunião" in text for text in d.to("telegram:12"))
        # He writes from Telegram: the answer to that goes there, and so does what follows.
        await d.say("telegram:12", "/ask ¿Quién revisa el informe?", "Diego")
        assert "#1" in d.last("telegram:12") and "¿Quién revisa" in d.last("console:carla")
        assert query(database_url, "SELECT chat_id FROM outbox WHERE identity = 'telegram:12' "
                     "ORDER BY id DESC LIMIT 1") == [("12",)]
        await d.say("console:carla", "/answer 1 Carla revisa, el viernes.", "Carla")
        assert "Carla revisa, el viernes." in d.last("telegram:12")
        await d.say("console:awa", "/t Merci !", "Awa")
        assert "Merci !" in d.last("telegram:12") and "Merci !" in d.last("telegram:11")
        assert not any("Merci" in text for text in d.to("console:diego"))
        # Back on the console: the team's talk follows him there.
        await d.say("console:diego", "/help", "Diego")
        await d.say("telegram:11", "/t Obrigada!", "Ana")
        assert "Obrigada!" in d.last("console:diego")
        # The console account is blocked: he is reached on Telegram until he writes again —
        # what was waiting for the console too (nothing is delivered in this test).
        assert Reachability(d.app.database.engine).mark_unreachable(
            "console:diego", diego, "blocked", START) == 0
        assert "Obrigada!" in d.last("telegram:12")
        assert query(database_url, "SELECT COUNT(*) FROM outbox WHERE identity = "
                     "'console:diego' AND status != 'sent'") == [(0,)]
        assert query(database_url, "SELECT platform, chat_id, status FROM outbox WHERE "
                     "identity = 'telegram:12' ORDER BY id DESC LIMIT 1") \
            == [("telegram", None, "translating")]  # pt→es, still to translate
        await d.say("telegram:11", "/t Até sexta", "Ana")
        assert "Até sexta" in d.last("telegram:12")
        assert query(database_url, f"SELECT COUNT(*) FROM members WHERE id IN ({carla}, "
                     f"{ana}, {diego}, {awa})") == [(4,)]
