"""Turns what use cases want to say into outbox rows: one per recipient, in their language.

This is the one place where what people wrote meets its readers: a message quoting someone's
words is queued with its quoted texts set apart (status "translating"), and the translation
stage puts each reader's translation in before it is sent. The bot's own words come from the
catalogue, in the reader's language, and are never machine-translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from handlers.catalogue import Catalogue
from handlers.domain import Contact, Language
from handlers.messages import Button, Outbound, UserText
from handlers.ports import OutboxRow, UnitOfWork
from handlers.translation import Piece, fill


def queue_messages(uow: UnitOfWork, catalogue: Catalogue, messages: Sequence[Outbound],
                   now: datetime, known: Sequence[Contact] = ()) -> None:
    """Render each message for its recipient and queue it in the outbox (same transaction)."""
    if not messages:
        return
    contacts = {contact.member_id: contact for contact in known}
    missing = {m.to for m in messages if m.to not in contacts and m.reader is None}
    if missing:
        contacts.update(uow.members.contacts(missing))
    rows: list[OutboxRow] = []
    # Several recipients of one message in one language share its rendering (tell_all gives
    # them the same lines).
    rendered: dict[tuple[int, Language, bool, str], Rendered] = {}
    for message in messages:
        contact = message.reader or contacts.get(message.to)
        if contact is None:
            continue  # the member is gone; nobody to tell
        language = contact.language
        platform = contact.identity.partition(":")[0]
        texts = catalogue.for_platform(platform)
        key = (id(message.body), language, contact.translate, platform)
        found = rendered.get(key)
        if found is None:
            found = rendered[key] = _render(texts, message, language, contact.translate)
        text, stored_template, pieces, author = found
        buttons = [[(_label(texts, b, language), b.data) for b in row]
                   for row in message.buttons]
        chat_id = message.chat.chat_id if message.chat is not None else None
        rows.append(OutboxRow(
            member_id=message.to, identity=contact.identity, chat_id=chat_id,
            language=language, text=text, buttons=buttons,
            context=message.context.kind if message.context else None,
            context_id=message.context.id if message.context else None,
            created_at=now, attachments=message.attachments,
            template=stored_template, pieces=pieces, closes=message.closes,
            thread=message.thread if message.reader is None else None, author_id=author,
        ))
    uow.outbox.add(rows)


class Rendered(NamedTuple):
    """A message as one reader gets it: its text, and when it quotes what people wrote, its
    template, the quoted texts and the one member who wrote them all (if one did)."""

    text: str
    template: str | None
    pieces: tuple[Piece, ...]
    author: int | None


def _render(catalogue: Catalogue, message: Outbound, language: Language,
            translate: bool) -> Rendered:
    """A message's text for one reader, and its template and quoted texts when it has any.

    The template is kept even when nothing needs translating now (a reader with automatic
    translation off), so that replying /tr to the message can still translate what it quotes.
    """
    template, quoted = catalogue.render_marked(message.body, language)
    if not quoted:
        return Rendered(template, None, (), None)
    pieces = tuple(_piece(q, language, translate) for q in quoted)
    authors = {q.author for q in quoted}
    author = authors.pop() if len(authors) == 1 else None
    return Rendered(fill(template, [piece.text for piece in pieces]), template, pieces, author)


def _piece(quoted: UserText, reader: Language, translate: bool) -> Piece:
    """What a quoted text needs: the reader's language (or the one asked for with ``/tr``),
    or nothing when the reader turned automatic translation off."""
    if quoted.target is not None:
        return Piece(quoted.text, quoted.language, quoted.target, not quoted.certain,
                     not quoted.certain)
    if not translate:
        return Piece(quoted.text, quoted.language, reader, not quoted.certain, wanted=False)
    return Piece(quoted.text, quoted.language, reader, not quoted.certain)


def _label(catalogue: Catalogue, item: Button, language: Language) -> str:
    if item.phrase is not None:
        return catalogue.render(item.phrase, language)
    return item.label or item.data
