"""A person who blocked the bot and writes to it again is reachable again, through the intake,
before their message is handled (so the replies to it are sent, not set aside)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.intake import Intake
from handlers.catalogue import Catalogue
from handlers.messages import ChatRef, Inbound, UserRef
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from storage.database import Database
from storage.delivery import Reachability
from storage.files import DiskFileStore
from storage.uow import SqlUnitOfWork

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def said(text: str) -> Inbound:
    return Inbound(UserRef("console:ana", "Ana"), ChatRef("console", "ana"), text=text)


async def test_writing_again_makes_a_person_reachable(database: Database,
                                                      tmp_path: Path) -> None:
    deps = Deps(CoreSettings(), VirtualClock(START), RandomJoinCodes(), TimeZones.load(),
                DiskFileStore(tmp_path))
    desk = HelpDesk(lambda: SqlUnitOfWork(database.engine), Catalogue.load(), deps)
    reach = Reachability(database.engine)
    intake = Intake(database, desk, reachable=reach.mark_reachable)
    try:
        await intake.receive(said("/start"))
        with SqlUnitOfWork(database.engine) as uow:
            ana = uow.members.by_identity("console:ana")
        assert ana is not None
        assert reach.mark_unreachable("console:ana", ana.id, "blocked", START) > 0
        assert reach.unreachable_members() == 1
        await intake.receive(said("/help"))
        assert reach.unreachable() == []
        with database.engine.connect() as conn:
            last = conn.exec_driver_sql(
                "SELECT status FROM outbox ORDER BY id DESC LIMIT 1").scalar_one()
        assert last == "pending"  # the reply to /help goes out
    finally:
        await intake.close()
