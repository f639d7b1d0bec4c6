"""The Slack pieces ``peerdesk run`` puts together: the Web API client with the bot token, the
channel the dispatcher sends through, and the adapter with its journal, files, profiles and
Slack's own surfaces (App Home, modals)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.config import Settings
from bot.slack.adapter import SlackAdapter
from bot.slack.files import SlackFiles
from bot.slack.home import publish_home
from bot.slack.modals import finish_slow, open_modal, submit_modal, working_view
from bot.slack.surfaces import Surfaces
from bot.slack.users import SlackProfiles
from handlers.ports import Clock
from storage.platform_updates import UpdateJournal


def slack_client(settings: Settings, environ: Mapping[str, str]) -> AsyncWebClient:
    """slack_sdk's client for the configured Slack, with the bot token and one HTTP session
    kept open for all its calls (without one, slack_sdk opens a connection per call); the
    caller closes ``client.session``. Call it with the event loop running."""
    slack = settings.slack_app
    return AsyncWebClient(token=environ[slack.bot_token_env], base_url=slack.base_url,
                          session=aiohttp.ClientSession())


def slack_adapter(app: App, settings: Settings, environ: Mapping[str, str],
                  client: AsyncWebClient, clock: Clock,
                  surfaces: Surfaces | None = None) -> SlackAdapter:
    """The adapter for the configured mode, its secret read from the environment; with
    ``surfaces`` None, Slack's own: the App Home tab and the guided commands' modals."""
    slack = settings.slack_app
    profiles = SlackProfiles(client)
    if surfaces is None:
        surfaces = slack_surfaces(app, client, profiles, slack.command)
    return SlackAdapter(
        app, slack, client, journal=UpdateJournal(app.database.engine, "slack"),
        files=SlackFiles(client, settings.storage.data_dir / "incoming",
                         settings.deliverables.max_size_mb * 1024 * 1024),
        profiles=profiles, clock=clock,
        app_token=environ.get(slack.app_token_env, "") if slack.mode == "socket" else "",
        signing_secret=environ.get(slack.signing_secret_env, "") if slack.mode == "http"
        else "",
        surfaces=surfaces)


def slack_surfaces(app: App, client: AsyncWebClient, profiles: SlackProfiles,
                   command: str) -> Surfaces:
    """The App Home tab (in the person's language, their Slack locale for a newcomer) and the
    modals of the guided commands."""

    async def home(identity: str, user: str) -> None:
        profile = await profiles.profile(user)
        await publish_home(client, app, identity, user, command=command,
                           locale=profile.locale)

    async def open_form(identity: str, name: str, trigger_id: str) -> bool:
        return await open_modal(client, app, identity, name, trigger_id)

    async def submit_form(identity: str, view: Mapping[str, Any]) -> dict[str, Any] | None:
        return await submit_modal(app, identity, view)

    async def form_working(identity: str, view: Mapping[str, Any]) -> dict[str, Any]:
        return await working_view(app, identity, view)

    async def form_finished(identity: str, view: Mapping[str, Any],
                            answer: dict[str, Any] | None) -> None:
        await finish_slow(client, app, identity, view, answer)

    return Surfaces(home=home, open_form=open_form, submit_form=submit_form,
                    form_working=form_working, form_finished=form_finished)
