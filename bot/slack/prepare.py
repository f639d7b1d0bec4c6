"""What a Slack payload needs before the help desk takes it: who wrote (name and locale from
their profile), their file (downloaded), and where a slash command's answer goes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.files import SlackFiles
from bot.slack.inbound import Incoming
from bot.slack.users import SlackProfiles, user_ref
from handlers.messages import ChatRef, Inbound, UserRef

log = logging.getLogger(__name__)

# Commands that act on the channel they are typed in; the others are answered in the person's
# direct messages with the bot, wherever they were typed.
CHANNEL_COMMANDS = frozenset({"linkgroup", "unlinkgroup"})


class Preparation:
    """Readies payloads with the workspace's client, profiles and file fetcher."""

    def __init__(self, client: AsyncWebClient, profiles: SlackProfiles,
                 files: SlackFiles) -> None:
        self.client = client
        self.profiles = profiles
        self.files = files

    def ready_now(self, found: Incoming) -> Inbound | None:
        """The inbound message ready for the help desk when that needs no call to Slack (news
        about a channel; a message without a file from someone whose profile is remembered,
        not a command that may act on its channel), else None: then :meth:`ready`."""
        inbound = found.inbound
        if inbound.event is not None:
            return inbound  # news about a channel: nobody to look up
        team, user = _team_and_user(inbound)
        profile = self.profiles.remembered(user)
        if profile is None or found.file is not None or (
                found.response_url is not None and _may_act_on_channel(inbound)):
            return None
        return _ready(inbound, user_ref(team, user, profile), found)

    async def ready_all(self, batch: Sequence[Incoming],
                        unreadable: Callable[[Incoming, Exception], None],
                        ) -> list[tuple[Incoming, Inbound]]:
        """A group readied, in order: without a call to Slack where none is needed, the others
        looked up together. One that cannot be readied is left out and given to ``unreadable``."""
        prepared: list[Inbound | BaseException | None] = [self.ready_now(f) for f in batch]
        slow = [number for number, inbound in enumerate(prepared) if inbound is None]
        if slow:  # a profile to look up, a file to fetch, a channel to ask about
            looked_up = await asyncio.gather(*(self.ready(batch[number]) for number in slow),
                                             return_exceptions=True)
            for number, result in zip(slow, looked_up, strict=True):
                prepared[number] = result
        ready: list[tuple[Incoming, Inbound]] = []
        for found, inbound in zip(batch, prepared, strict=True):
            if isinstance(inbound, Inbound):
                ready.append((found, inbound))
            elif isinstance(inbound, Exception):
                unreadable(found, inbound)
            elif isinstance(inbound, BaseException):
                raise inbound
        return ready

    async def ready(self, found: Incoming) -> Inbound:
        """The inbound message ready for the help desk: the sender's name and locale from
        their profile, the file downloaded, a command's answer sent to the right place."""
        now = self.ready_now(found)
        if now is not None:
            return now
        inbound = found.inbound
        if inbound.event is not None:
            return inbound
        team, user = _team_and_user(inbound)
        inbound = _signed(inbound, await self.profiles.user_ref(team, user))
        if found.file is not None:
            inbound = await self.files.fetch(found.file, inbound)
        if found.response_url is not None and await self._acts_on_channel(inbound):
            return inbound
        return _addressed(inbound, found)

    async def _acts_on_channel(self, inbound: Inbound) -> bool:
        """Whether a slash command acts on the channel it was typed in (``linkgroup``, in a
        channel the bot is in); a command typed where the bot cannot write is answered in the
        direct messages (``linkgroup`` then says to add the bot to the channel first)."""
        if not _may_act_on_channel(inbound):
            return False
        try:
            answer = await self.client.conversations_info(channel=inbound.chat.chat_id)
        except SlackApiError as exc:  # channel_not_found: a private channel without the bot
            log.info("slack: %s typed in %s, which the bot cannot see (%s)",
                     inbound.text.split()[0], inbound.chat.chat_id, exc.response.get("error"))
            return False
        channel = answer.get("channel")
        return isinstance(channel, Mapping) and bool(channel.get("is_member"))


def _team_and_user(inbound: Inbound) -> tuple[str, str]:
    team, _slash, user = inbound.sender.identity.partition(":")[2].partition("/")
    return team, user


def _named(inbound: Inbound, sender: UserRef) -> UserRef:
    """The sender's profile, with the name Slack sent with the message if the profile has
    none."""
    if sender.display_name == sender.identity.rpartition("/")[2] \
            and inbound.sender.display_name != sender.display_name:
        return replace(sender, display_name=inbound.sender.display_name)
    return sender


def _signed(inbound: Inbound, sender: UserRef) -> Inbound:
    """The message with its sender's profile."""
    return replace(inbound, sender=_named(inbound, sender))


def _ready(inbound: Inbound, sender: UserRef, found: Incoming) -> Inbound:
    """:func:`_signed` then :func:`_addressed`, in one copy of the message (the common case)."""
    sender = _named(inbound, sender)
    if found.response_url is None:
        return replace(inbound, sender=sender)
    return replace(inbound, sender=sender, chat=ChatRef(inbound.chat.platform, "", True))


def _addressed(inbound: Inbound, found: Incoming) -> Inbound:
    """A slash command may be typed in any conversation, the bot's or not: unless it acts on
    its channel, it is answered in the person's direct messages (opened when sending)."""
    if found.response_url is None:
        return inbound
    return replace(inbound, chat=ChatRef(inbound.chat.platform, "", True))


def _may_act_on_channel(inbound: Inbound) -> bool:
    return _command_name(inbound.text) in CHANNEL_COMMANDS and not inbound.chat.is_private


def _command_name(text: str) -> str:
    words = text.split()
    return words[0].lstrip("/").partition("@")[0].lower() if words else ""
