"""Platform-neutral messages: what adapters hand to the core, and what the core asks to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from handlers.domain import Contact, Language

NO_PARAMS: Mapping[str, Param] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who wrote: one platform identity (``telegram:123``, ``slack:T1/U2``, ``console:alice``)."""

    identity: str
    display_name: str
    locale: str | None = None

    @property
    def platform(self) -> str:
        """The platform part of the identity (``telegram``, ``slack``, ``console``)."""
        return self.identity.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where it was written: a private chat with the bot or a group/channel."""

    platform: str
    chat_id: str
    is_private: bool = True
    title: str = ""  # a group's name, as the platform shows it


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message (bytes stay with the adapter until a use case asks)."""

    filename: str
    size: int
    content_type: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: sent text or a command, a file, a reply, or pressed a button."""

    sender: UserRef
    chat: ChatRef
    text: str = ""
    attachment: Attachment | None = None
    reply_to: str | None = None
    button: str | None = None
    message_id: str | None = None
    # The platform's number for the delivery this came in (Telegram's update_id): marked
    # handled in the same transaction as the handling, so a repeat is never handled twice.
    receipt: int | None = None
    # False for a message in a group that was not meant for the bot (no command, mention or
    # reply to it): only a team's linked group relays it, and the bot never answers it.
    addressed: bool = True
    # Something that happened to the chat rather than a message (see ``ChatEvent``).
    event: ChatEvent | None = None
    # For a command in a group: whether its sender administers the group (None: not known).
    sender_admin: bool | None = None
    # The conversation it was written in, on a platform whose replies form one (a Slack
    # thread: its first message's id): what the bot answers goes there too.
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """The bot was removed from a group (``removed``), the group got a new id (``moved_to``:
    Telegram turns a group into a supergroup), or a new name (``title``)."""

    removed: bool = False
    moved_to: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class UserText:
    """Text a person wrote, in their language; translated per reader on the way out.

    ``target`` asks for another language than the reader's (``/tr es …``); ``certain`` says
    the language is known for sure (no detection); ``author`` is the member who wrote it, when
    the outbox should know (so that forgetting them finds the copies others received).
    """

    text: str
    language: Language
    target: Language | None = None
    certain: bool = False
    author: int | None = None


class Phrase(NamedTuple):
    """One entry of the bot's catalogue with the values for its placeholders.

    A placeholder's value may itself be a phrase (a region's or role's name), rendered in the
    same language. (A named tuple rather than a frozen dataclass: replies are made of many
    phrases, and a tuple is built four times faster.)
    """

    key: str
    params: Mapping[str, Param] = NO_PARAMS


Param = str | int | UserText | Phrase


@dataclass(frozen=True, slots=True)
class Button:
    """A button: a catalogue phrase (or a literal label, for names) and the data it sends back."""

    data: str
    phrase: Phrase | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What a sent message is about, so that a reply to it can be traced back."""

    kind: str
    id: int


@dataclass(frozen=True, slots=True)
class Thread:
    """The conversation a message continues: a platform message in the chat it goes to
    (``message``: where the person wrote), or the message its recipient got about something
    (``about``: e.g. the review card of a round). Slack posts it in that message's thread,
    Telegram as a reply to it; when that message is not found, it is sent on its own."""

    message: str | None = None
    about: Context | None = None


class Outbound(NamedTuple):
    """An intent to tell one member something; rendered in their language on the way out."""

    to: int
    body: tuple[Phrase, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    context: Context | None = None
    chat: ChatRef | None = None
    attachments: tuple[Attachment, ...] = ()
    # Who reads it when that is not the member in their own chat: a team's group, with its
    # address and language (``to`` is then the member the group's messages are filed under).
    reader: Contact | None = None
    # The platform message (in the same chat) whose buttons this answers: they are taken off
    # it once this one is sent, so a decision cannot be pressed twice.
    closes: str | None = None
    # The conversation it continues (a thread), if any.
    thread: Thread | None = None
