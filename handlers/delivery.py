"""Turns what use cases want to say into outbox rows: one per recipient, in their language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.catalogue import Catalogue
from handlers.domain import Contact, Language
from handlers.messages import Button, Outbound
from handlers.ports import OutboxRow, UnitOfWork


def queue_messages(uow: UnitOfWork, catalogue: Catalogue, messages: Sequence[Outbound],
                   now: datetime, known: Sequence[Contact] = ()) -> None:
    """Render each message for its recipient and queue it in the outbox (same transaction)."""
    if not messages:
        return
    contacts = {contact.member_id: contact for contact in known}
    missing = {m.to for m in messages if m.to not in contacts}
    if missing:
        contacts.update(uow.members.contacts(missing))
    rows: list[OutboxRow] = []
    for message in messages:
        contact = contacts.get(message.to)
        if contact is None:
            continue  # the member is gone; nobody to tell
        language = contact.language
        text = catalogue.render_lines(message.body, language)
        buttons = [[(_label(catalogue, b, language), b.data) for b in row]
                   for row in message.buttons]
        chat_id = message.chat.chat_id if message.chat is not None else None
        rows.append(OutboxRow(
            member_id=message.to, identity=contact.identity, chat_id=chat_id,
            language=language, text=text, buttons=buttons,
            context=message.context.kind if message.context else None,
            context_id=message.context.id if message.context else None,
            created_at=now, attachments=message.attachments,
        ))
    uow.outbox.add(rows)


def _label(catalogue: Catalogue, item: Button, language: Language) -> str:
    if item.phrase is not None:
        return catalogue.render(item.phrase, language)
    return item.label or item.data
