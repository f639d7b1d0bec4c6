"""One turn of conversation: the person who wrote, what they wrote, and what the bot will say."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.domain import Contact, Language, Member, PendingStep
from handlers.followup_rules import FollowupRules
from handlers.messages import (
    Attachment,
    Button,
    ChatRef,
    Context,
    Inbound,
    Outbound,
    Param,
    Phrase,
    Thread,
)
from handlers.ports import Clock, FileStore, JoinCodes, UnitOfWork
from handlers.privacy_ports import ForgetMode
from handlers.timezones import TimeZones


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """The settings the use cases need (read from config.toml by the runtime)."""

    require_team_approval: bool = False
    coordinator_identities: frozenset[str] = frozenset()
    # A guided command's question left unanswered this long is forgotten.
    question_timeout: timedelta = timedelta(hours=24)
    # Deliverables: the largest file accepted and the kinds accepted (checked by content).
    max_upload_bytes: int = 20 * 1024 * 1024
    reviewers_per_deliverable: int = 1
    allowed_kinds: frozenset[str] = frozenset({
        "pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "txt", "md",
        "csv", "zip"})
    default_language: Language = Language.EN
    default_timezone: str = "UTC"
    # Follow-ups: when nags are due and whom they escalate to.
    followups: FollowupRules = field(default_factory=FollowupRules)
    # Events: reminders this many hours before the start, to those who did not decline.
    event_reminder_hours: tuple[int, ...] = (24, 1)
    # Broadcasts: the sender hears how delivery goes each time this share more is done.
    broadcast_progress_percent: int = 25
    # A link that joins a team in one tap, per platform, with ``{code}`` for the join code
    # (Telegram: ``https://t.me/BOT?start=join_{code}``); /team shows it.
    invite_links: Mapping[str, str] = field(default_factory=dict)
    # /forget: what becomes of what a member wrote to others, and the name that replaces
    # theirs wherever something of theirs stays (a deliverable, a review, the audit log).
    forget_messages: ForgetMode = ForgetMode.ANONYMISE
    former_member: str = "Former member"


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything a use case may need besides the unit of work."""

    settings: CoreSettings
    clock: Clock
    codes: JoinCodes
    zones: TimeZones
    files: FileStore


Buttons = Sequence[Sequence[Button]]

# The guided steps of the first contact: language, then time zone.
GREETING = "onboarding"


def phrase(key: str, **params: Param) -> Phrase:
    """A catalogue phrase with its placeholder values."""
    return Phrase(key, params)


def button(data: str, key: str, **params: Param) -> Button:
    """A button labelled with a catalogue phrase."""
    return Button(data=data, phrase=Phrase(key, params))


@dataclass(slots=True)
class Turn:
    """The context of one inbound message while its use case runs.

    Use cases read and write through ``uow`` and say things with :meth:`reply` and
    :meth:`tell`; what they say is collected in ``out`` and written to the outbox in the same
    transaction.
    """

    uow: UnitOfWork
    deps: Deps
    inbound: Inbound
    sender: Member
    now: datetime
    pending: PendingStep | None = None
    out: list[Outbound] = field(default_factory=list)
    contacts: dict[int, Contact] = field(default_factory=dict)
    # Stored files (sha256) to delete from the file store once the transaction is committed.
    discard: list[str] = field(default_factory=list)

    @property
    def pending_flow(self) -> str | None:
        """The guided command the sender was in when this message arrived, if any."""
        return self.pending.flow if self.pending is not None else None

    @property
    def chat(self) -> ChatRef:
        """The chat the inbound message came from."""
        return self.inbound.chat

    def reply(self, key: str, *, buttons: Buttons = (), context: Context | None = None,
              **params: Param) -> None:
        """Answer the sender in the chat they wrote from."""
        self.reply_lines([phrase(key, **params)], buttons=buttons, context=context)

    def reply_lines(self, lines: Sequence[Phrase], *, buttons: Buttons = (),
                    context: Context | None = None,
                    attachments: Sequence[Attachment] = ()) -> None:
        """Answer the sender with several catalogue lines (and files) in one message, in the
        thread they wrote in, if any."""
        self.out.append(Outbound(self.sender.id, tuple(lines), rows_of(buttons), context,
                                 self.inbound.chat, tuple(attachments), thread=self.here))

    @property
    def here(self) -> Thread | None:
        """The thread the inbound message was written in (answers go there too), if any."""
        return Thread(self.inbound.thread) if self.inbound.thread is not None else None

    def answer_press(self, key: str, **params: Param) -> None:
        """Answer a pressed decision button (Confirm, Approve, Leave…): the answer, and the
        pressed message's buttons taken off once it is sent, so it cannot be pressed twice."""
        closes = self.inbound.message_id if self.inbound.button is not None else None
        self.out.append(Outbound(self.sender.id, (phrase(key, **params),),
                                 chat=self.inbound.chat, closes=closes, thread=self.here))

    def tell(self, member_id: int, key: str, *, buttons: Buttons = (),
             context: Context | None = None, thread: Thread | None = None,
             **params: Param) -> None:
        """Tell one member something in their private chat (``thread``: in the conversation
        of a message they got)."""
        self.tell_lines(member_id, [phrase(key, **params)], buttons=buttons, context=context,
                        thread=thread)

    def tell_lines(self, member_id: int, lines: Sequence[Phrase], *, buttons: Buttons = (),
                   context: Context | None = None,
                   attachments: Sequence[Attachment] = (),
                   thread: Thread | None = None) -> None:
        """Tell one member several catalogue lines (and files) in one message."""
        chat = self.inbound.chat if member_id == self.sender.id else None
        self.out.append(Outbound(member_id, tuple(lines), rows_of(buttons), context, chat,
                                 tuple(attachments), thread=thread))

    def tell_all(self, recipients: Iterable[int | Member], key: str, *, buttons: Buttons = (),
                 context: Context | None = None, **params: Param) -> None:
        """Tell each of several members the same thing (each in their own language).

        Recipients given as loaded members need no second look-up of where to reach them.
        """
        self.tell_all_lines(recipients, (phrase(key, **params),), buttons=buttons,
                            context=context)

    def tell_all_lines(self, recipients: Iterable[int | Member], lines: Sequence[Phrase], *,
                       buttons: Buttons = (), context: Context | None = None) -> None:
        """Tell each of several members the same catalogue lines (each in their language)."""
        lines = tuple(lines)  # one tuple: recipients share its rendering
        told: set[int] = set()
        for recipient in recipients:
            if isinstance(recipient, int):
                member_id = recipient
            else:
                member_id = recipient.id
                self.contacts[member_id] = Contact(member_id, recipient.identity,
                                                   recipient.language, recipient.auto_translate)
            if member_id not in told:
                told.add(member_id)
                self.tell_lines(member_id, lines, buttons=buttons, context=context)

    def ask(self, flow: str, step: str, key: str, *, data: dict[str, str] | None = None,
            buttons: Buttons = (), **params: Param) -> None:
        """Ask the sender the next question of a guided command and remember where they are."""
        self.pending = PendingStep(flow, step, dict(data or {}))
        self.uow.conversations.set(self.sender.id, self.pending, self.now)
        self.reply_lines([phrase(key, **params)], buttons=buttons)

    def finish_flow(self, *, greeting: bool = False) -> None:
        """Forget the sender's pending guided command.

        The greeting's language and time-zone questions stay (a newcomer who joins a team
        first is still asked them) unless ``greeting`` says they are answered.
        """
        if self.pending is not None and (greeting or self.pending.flow != GREETING):
            self.uow.conversations.clear(self.sender.id)
            self.pending = None


def rows_of(buttons: Buttons) -> tuple[tuple[Button, ...], ...]:
    """Button rows as the immutable tuples an ``Outbound`` holds (empty rows dropped)."""
    return tuple(tuple(row) for row in buttons if row)
