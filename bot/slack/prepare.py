"""What a Slack payload needs before the help desk takes it: who wrote (name and locale from
their profile), their file (downloaded), and where a slash command's answer goes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.files import SlackFiles
from bot.slack.inbound import Incoming
from bot.slack.users import SlackProfiles
from handlers.messages import ChatRef, Inbound

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

    async def ready(self, found: Incoming) -> Inbound:
        """The inbound message ready for the help desk: the sender's name and locale from
        their profile, the file downloaded, a command's answer sent to the right place."""
        inbound = found.inbound
        if inbound.event is not None:
            return inbound  # news about a channel: nobody to look up
        team, _slash, user = inbound.sender.identity.partition(":")[2].partition("/")
        sender = await self.profiles.user_ref(team, user)
        if sender.display_name == user and inbound.sender.display_name != user:
            sender = replace(sender, display_name=inbound.sender.display_name)
        inbound = replace(inbound, sender=sender)
        if found.file is not None:
            inbound = await self.files.fetch(found.file, inbound)
        if found.response_url is not None and not await self._acts_on_channel(inbound):
            # A slash command may be typed in any conversation, the bot's or not: it is
            # answered in the person's direct messages with the bot (opened when sending).
            inbound = replace(inbound, chat=ChatRef(inbound.chat.platform, "", True))
        return inbound

    async def _acts_on_channel(self, inbound: Inbound) -> bool:
        """Whether a slash command acts on the channel it was typed in (``linkgroup``, in a
        channel the bot is in); a command typed where the bot cannot write is answered in the
        direct messages (``linkgroup`` then says to add the bot to the channel first)."""
        if _command_name(inbound.text) not in CHANNEL_COMMANDS or inbound.chat.is_private:
            return False
        try:
            answer = await self.client.conversations_info(channel=inbound.chat.chat_id)
        except SlackApiError as exc:  # channel_not_found: a private channel without the bot
            log.info("slack: %s typed in %s, which the bot cannot see (%s)",
                     inbound.text.split()[0], inbound.chat.chat_id, exc.response.get("error"))
            return False
        channel = answer.get("channel")
        return isinstance(channel, Mapping) and bool(channel.get("is_member"))


def _command_name(text: str) -> str:
    words = text.split()
    return words[0].lstrip("/").partition("@")[0].lower() if words else ""
