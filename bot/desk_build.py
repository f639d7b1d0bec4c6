"""How the help desk is built from the settings: the one way ``build_app`` builds it in the
adapters' process and bot/desk_process.py builds it in a process of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.config import Settings
from handlers.catalogue import Catalogue
from handlers.messages import Phrase
from handlers.ports import Clock, JoinCodes
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from storage.files import DiskFileStore
from storage.uow import SqlUnitOfWork


def core_settings(settings: Settings) -> CoreSettings:
    """The part of the settings the use cases need."""
    helpdesk = settings.helpdesk
    return CoreSettings(require_team_approval=helpdesk.require_team_approval,
                        coordinator_identities=frozenset(helpdesk.coordinators),
                        default_language=helpdesk.default_language,
                        default_timezone=helpdesk.default_timezone,
                        question_timeout=timedelta(hours=helpdesk.question_timeout_hours),
                        max_upload_bytes=settings.deliverables.max_size_mb * 1024 * 1024,
                        allowed_kinds=frozenset(settings.deliverables.allowed_types),
                        reviewers_per_deliverable=settings.deliverables.reviewers_per_deliverable,
                        followups=settings.schedule.followups,
                        event_reminder_hours=settings.schedule.event_reminder_hours,
                        broadcast_progress_percent=settings.schedule.broadcast_progress_percent,
                        forget_messages=settings.privacy.forget_messages)


def build_desk(settings: Settings, engine: Engine, clock: Clock, codes: JoinCodes,
               invite_links: Mapping[str, str]) -> HelpDesk:
    """The help desk on a database engine: the one way both processes build it."""
    # Slack takes every message starting with "/" as its own command: there, the bot's texts
    # name its commands as typed after the slash command ("/peerdesk tasks").
    catalogue = Catalogue.load().with_command_prefix("slack", settings.slack_app.command + " ")
    former = settings.privacy.placeholder_name or catalogue.render(
        Phrase("privacy.former_member"), settings.helpdesk.default_language)
    core = replace(core_settings(settings), invite_links=dict(invite_links),
                   former_member=former)
    return HelpDesk(unit_of_work=lambda: SqlUnitOfWork(engine),
                    catalogue=catalogue,
                    deps=Deps(settings=core, clock=clock, codes=codes, zones=TimeZones.load(),
                              files=DiskFileStore(settings.storage.data_dir)))
