"""The scheduler's side of the help desk: one sweep over everything that is due.

A sweep never sends anything: like a use case answering a message, it collects what the bot
has to say (:class:`Sweep`), and the caller queues it in the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handlers.domain import Contact, Member
from handlers.messages import Attachment, Context, Outbound, Param, Phrase
from handlers.ports import UnitOfWork
from handlers.turn import Buttons, Deps, phrase, rows_of


@dataclass(slots=True)
class Sweep:
    """One run of the sweep at ``now``: the unit of work and the messages it produces.

    Every message goes to a member's private chat (there is no conversation to answer in).
    """

    uow: UnitOfWork
    deps: Deps
    now: datetime
    out: list[Outbound] = field(default_factory=list)
    contacts: dict[int, Contact] = field(default_factory=dict)

    def tell(self, member_id: int, key: str, *, buttons: Buttons = (),
             context: Context | None = None, **params: Param) -> None:
        """Tell one member something."""
        self.tell_lines(member_id, [phrase(key, **params)], buttons=buttons, context=context)

    def tell_lines(self, member_id: int, lines: Sequence[Phrase], *, buttons: Buttons = (),
                   context: Context | None = None,
                   attachments: Sequence[Attachment] = ()) -> None:
        """Tell one member several catalogue lines (and files) in one message."""
        self.out.append(Outbound(member_id, tuple(lines), rows_of(buttons), context, None,
                                 tuple(attachments)))

    def tell_many(self, recipients: Iterable[int | Member], lines: Sequence[Phrase], *,
                  buttons: Buttons = (), context: Context | None = None,
                  attachments: Sequence[Attachment] = ()) -> int:
        """Tell each of many members the same lines, once each; how many were told.

        The recipients share one rendering per language; members given as loaded rows need
        no second look-up of where to reach them.
        """
        body = tuple(lines)
        keyboard = rows_of(buttons)
        files = tuple(attachments)
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
                self.out.append(Outbound(member_id, body, keyboard, context, None, files))
        return len(told)
