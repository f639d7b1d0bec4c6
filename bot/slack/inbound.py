"""Slack payloads (the plain dicts slack-bolt hands to listeners) as the core's inbound messages.

A person is ``slack:TEAM/USER``; a chat is a Slack conversation id (``D…`` a direct message with
the bot, private; ``C…``/``G…`` a channel). A Slack message's id is its ``ts``, the id the Slack
channel returns for what it sends, so a thread reply's ``reply_to`` is its ``thread_ts``: the
``ts`` of the thread's first message (Slack threads have one level, so that is the message the
reply answers, e.g. a review card). It is also the message's ``thread``, so the bot answers in
that thread (so does a press on a button in a thread).

In a direct message everything is for the bot. In a channel the bot takes ``app_mention`` events
(its mention removed) and thread replies under its own messages; a channel message that mentions
the bot is left to its ``app_mention`` event (both arrive, with different event ids), and other
channel talk is handed over as not addressed to the bot (only a team's linked channel relays
it). Edits, deletions, joins, bots' messages (the bot's own among them) are ignored.

``/peerdesk tasks`` is the command ``/tasks`` (``/peerdesk`` alone is ``/help``); a button's
value is the core's button data. A file is described (:class:`SlackFile`); the adapter downloads
it with the bot token after checking its size.

Each payload has a key to journal it by before handling (:func:`delivery_key`): Events API
payloads carry an ``event_id`` that Slack keeps when it retries (``X-Slack-Retry-Num``) or
re-sends over a new Socket Mode connection. Slash commands and interactions have no event id and
are not retried by Slack; their ``trigger_id`` is unique to one invocation or press and part of
the payload itself, so a payload delivered twice (a Socket Mode envelope re-sent after a
reconnect, a replayed request) has the same key, while two presses of one button have two.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers.messages import Attachment, ChatEvent, ChatRef, Inbound, UserRef

PLATFORM = "slack"
Payload = Mapping[str, Any]
# Message subtypes that are a person writing; every other one (message_changed,
# message_deleted, channel_join, bot_message, …) is ignored.
_WRITTEN = (None, "file_share", "thread_broadcast")
# Files that cannot be fetched: deleted, hidden by the free plan's limit, stored elsewhere.
_GONE = ("tombstone", "hidden_by_limit", "external")
_MARKUP = re.compile(r"<([^<>]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
# What happens to a channel the bot is in: it is removed or the channel archived, or renamed.
_CHANNEL_EVENTS = ("channel_left", "group_left", "channel_archive", "group_archive",
                   "channel_rename", "group_rename")


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is (from ``auth.test``): to see its mentions and skip its own messages.
    ``team_id`` is the workspace it is installed in: every person's identity is written with
    it, whatever team a payload names for them (Slack's payloads name the user's home team in
    some fields and the workspace in others — on Enterprise Grid and in Slack Connect channels
    they differ — and one person must stay one identity; Slack's user ids are unique)."""

    user_id: str
    bot_id: str = ""
    team_id: str = ""


@dataclass(frozen=True, slots=True)
class SlackFile:
    """A file someone shared: what the adapter needs to fetch it. ``url`` is the private
    download URL (fetched with the bot token); None when Slack sent only the id (a Slack
    Connect channel), to be completed with ``files.info``."""

    id: str
    name: str
    size: int | None
    mime: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One payload the core should handle, the file to fetch first, if any, and for a slash
    command the URL its answer may go to (a command typed in a conversation the bot is not in
    can only be answered there, privately)."""

    inbound: Inbound
    key: str
    file: SlackFile | None = None
    response_url: str | None = None


def delivery_key(body: Payload) -> str | None:
    """The key a payload is journaled by, the same for every delivery of it (see above)."""
    event_id = _text(body, "event_id")
    if event_id:
        return f"event:{event_id}"
    trigger = _text(body, "trigger_id")
    return f"trigger:{trigger}" if trigger else None


def receipt_number(key: str) -> int:
    """The journal's number for a key: a stable 63-bit hash (the journal keeps Telegram's
    integer update ids; a collision among a billion keys has odds below one in ten million)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") >> 1


def readable(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack's markup as plain text: ``<@U1|ana>`` and ``<@U1>`` as ``@ana`` (the name from
    ``names``, else the id), ``<#C1|general>`` as ``#general``, ``<!here>`` as ``@here``,
    ``<https://x|label>`` as ``label (https://x)``, and ``&lt; &gt; &amp;`` unescaped."""
    known = names or {}

    def one(match: re.Match[str]) -> str:
        target, _bar, label = match.group(1).partition("|")
        if target[:1] in "@#":
            return target[0] + (label.lstrip("@#") or known.get(target[1:], target[1:]))
        if target.startswith("!"):
            word = target[1:].split("^", 1)[0]
            return label or _SPECIAL.get(word, f"@{word}")
        shown = target.removeprefix("mailto:")
        return f"{label} ({shown})" if label and label != shown else shown

    plain = _MARKUP.sub(one, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def incoming(body: Payload, bot: BotIdentity, command: str = "/peerdesk") -> Incoming | None:
    """The inbound message a payload carries (an Events API event, a slash command or a button
    press), or None for one the bot ignores."""
    key = delivery_key(body)
    if key is None:
        return None
    if "command" in body:
        return _command(body, key, command, bot)
    if body.get("type") == "block_actions":
        return _action(body, key, bot)
    event = body.get("event")
    if body.get("type") != "event_callback" or not isinstance(event, Mapping):
        return None
    team = bot.team_id or _text(event, "user_team") or _text(event, "team") \
        or _text(body, "team_id")
    if event.get("type") == "app_mention":
        return _mention(event, team, key, bot)
    if event.get("type") == "message":
        return _message(event, team, key, bot)
    if event.get("type") in _CHANNEL_EVENTS:
        return _channel_event(event, team, key)
    return None  # file_shared (its message carries the file), app_home_opened, …


def identity(team: str, user: str) -> str:
    """A Slack user's identity in peerdesk (``slack:T123/U456``)."""
    return f"{PLATFORM}:{team}/{user}"


def _text(payload: Payload, key: str) -> str:
    value = payload.get(key)
    return value if isinstance(value, str) else ""


def _chat(channel: str, kind: str = "", title: str = "") -> ChatRef:
    private = kind == "im" if kind else channel.startswith("D")
    return ChatRef(PLATFORM, channel, private, title)


def _sender(event: Payload, team: str) -> UserRef:
    user = _text(event, "user")
    profile = event.get("user_profile")
    name = ""
    if isinstance(profile, Mapping):
        name = (_text(profile, "display_name") or _text(profile, "real_name")
                or _text(profile, "name"))
    return UserRef(identity(team, user), name or user)


def _by_a_person(event: Payload, bot: BotIdentity) -> bool:
    return (event.get("subtype") in _WRITTEN and not event.get("bot_id")
            and not event.get("hidden") and bool(_text(event, "user"))
            and _text(event, "user") != bot.user_id and bool(_text(event, "channel"))
            and bool(_text(event, "ts")))


def _mentions(text: str, bot: BotIdentity) -> re.Pattern[str] | None:
    pattern = re.compile(rf"<@{re.escape(bot.user_id)}(?:\|[^<>]*)?>")
    return pattern if pattern.search(text) else None


def _message(event: Payload, team: str, key: str, bot: BotIdentity) -> Incoming | None:
    if not _by_a_person(event, bot):
        return None
    chat = _chat(_text(event, "channel"), _text(event, "channel_type"))
    raw = _text(event, "text")
    if not chat.is_private:
        if _mentions(raw, bot) is not None:
            return None  # its app_mention event hands it over
        if _text(event, "parent_user_id") != bot.user_id or not _text(event, "thread_ts"):
            return _overheard(event, team, chat, key, raw)
    return _written(event, team, chat, key, readable(raw).strip())


def _mention(event: Payload, team: str, key: str, bot: BotIdentity) -> Incoming | None:
    chat = _chat(_text(event, "channel"), _text(event, "channel_type"))
    raw = _text(event, "text")
    pattern = _mentions(raw, bot)
    if chat.is_private or pattern is None or not _by_a_person(event, bot):
        return None  # a direct message arrives as message.im
    text = re.sub(r"\s{2,}", " ", readable(pattern.sub("", raw, count=1))).strip()
    return _written(event, team, chat, key, text)


def _written(event: Payload, team: str, chat: ChatRef, key: str, text: str) -> Incoming | None:
    file = _file(event)
    if not text and file is None:
        return None
    ts = _text(event, "ts")
    thread = _text(event, "thread_ts")
    root = thread if thread and thread != ts else None
    attachment = None if file is None else Attachment(file.name, file.size or 0, file.mime)
    return Incoming(Inbound(_sender(event, team), chat, text, attachment=attachment,
                            reply_to=root, message_id=ts, receipt=receipt_number(key),
                            thread=root), key, file)


def _overheard(event: Payload, team: str, chat: ChatRef, key: str,
               raw: str) -> Incoming | None:
    """Channel talk not meant for the bot: its text only (a linked channel relays it)."""
    text = readable(raw).strip()
    if not text:
        return None
    return Incoming(Inbound(_sender(event, team), chat, text, message_id=_text(event, "ts"),
                            receipt=receipt_number(key), addressed=False), key)


def _channel_event(event: Payload, team: str, key: str) -> Incoming | None:
    """The bot was removed from a channel (or it was archived): a linked team channel's link
    ends; a channel renamed: a linked one is shown by its new name."""
    kind = _text(event, "type")
    channel = event.get("channel")
    if kind.endswith("_rename"):
        if not isinstance(channel, Mapping) or not _text(channel, "id") \
                or not _text(channel, "name"):
            return None
        chat, change = _chat(_text(channel, "id")), ChatEvent(title=_text(channel, "name"))
    else:
        if not isinstance(channel, str) or not channel:
            return None
        chat, change = _chat(channel), ChatEvent(removed=True)
    actor = _text(event, "actor_id") or _text(event, "user")
    return Incoming(Inbound(UserRef(identity(team, actor or "USLACKBOT"), actor or "Slack"),
                            chat, receipt=receipt_number(key), event=change), key)


def _file(event: Payload) -> SlackFile | None:
    """The message's first file that can be fetched (the help desk takes one per message)."""
    files = event.get("files")
    for found in files if isinstance(files, list) else ():
        if not isinstance(found, Mapping) or not _text(found, "id") \
                or found.get("mode") in _GONE:
            continue
        size = found.get("size")
        url = _text(found, "url_private_download") or _text(found, "url_private")
        return SlackFile(_text(found, "id"), _text(found, "name") or _text(found, "title")
                         or "file", size if isinstance(size, int) else None,
                         _text(found, "mimetype") or None, url or None)
    return None


def _command(body: Payload, key: str, command: str, bot: BotIdentity) -> Incoming | None:
    """``/peerdesk tasks`` as ``/tasks``; ``/peerdesk`` alone as ``/help``."""
    if _text(body, "command") != command or not _text(body, "user_id"):
        return None
    words = readable(_text(body, "text")).strip()
    text = "/help" if not words else words if words.startswith("/") else f"/{words}"
    name = _text(body, "channel_name")
    channel = _text(body, "channel_id")
    title = "" if name in ("directmessage", "privategroup", "mpdm") else name
    sender = UserRef(identity(bot.team_id or _text(body, "team_id"), _text(body, "user_id")),
                     _text(body, "user_name") or _text(body, "user_id"))
    return Incoming(Inbound(sender, _chat(channel, title=title), text,
                            receipt=receipt_number(key)),
                    key, response_url=_text(body, "response_url") or None)


def _action_data(body: Payload) -> str | None:
    """The data of the first action: a button's value or a menu's chosen option's."""
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    if not isinstance(first, Mapping):
        return None
    option = first.get("selected_option")
    if isinstance(option, Mapping):
        return _text(option, "value") or None
    return _text(first, "value") or None


def _action(body: Payload, key: str, bot: BotIdentity) -> Incoming | None:
    """A press on a message's button, or on the App Home tab's (answered in the direct
    messages; presses inside a modal are the modal's business)."""
    container = body.get("container")
    user = body.get("user")
    data = _action_data(body)
    if not isinstance(container, Mapping) or not isinstance(user, Mapping) or data is None \
            or not _text(user, "id"):
        return None
    if container.get("type") == "view":
        view = body.get("view")
        if not isinstance(view, Mapping) or view.get("type") != "home":
            return None
        channel, message_ts = "", None
    elif container.get("type") == "message":
        channel = _text(container, "channel_id")
        message_ts = _text(container, "message_ts") or None
        if not channel or not message_ts:
            return None
    else:
        return None
    team_of_body = body.get("team")
    team = bot.team_id or _text(user, "team_id") or (
        _text(team_of_body, "id") if isinstance(team_of_body, Mapping) else "")
    channel_of_body = body.get("channel")
    title = _text(channel_of_body, "name") if isinstance(channel_of_body, Mapping) else ""
    sender = UserRef(identity(team, _text(user, "id")),
                     _text(user, "name") or _text(user, "username") or _text(user, "id"))
    chat = _chat(channel, title="" if title in ("directmessage", "privategroup") else title) \
        if channel else ChatRef(PLATFORM, "", True)  # the Home tab's: the DM, opened to send
    return Incoming(Inbound(sender, chat, button=data, message_id=message_ts,
                            receipt=receipt_number(key),
                            thread=_text(container, "thread_ts") or None), key)
