"""The outbox as the translation stage sees it: messages waiting for translation, and retries.

A message quoting what people wrote is queued with status ``translating``; the stage fills in
its text and makes it ``pending`` for the dispatcher. When no translator could help, the
original goes out and ``retry_at`` says when to try again; a later success becomes a
follow-up message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, insert, or_, select, update

from handlers.domain import Language
from handlers.translation import Piece
from storage.models import OutboxRowModel, table
from storage.outbox import CLAIM_LEASE, dispatcher_name, piece_json, read_pieces
from storage.sql import padded

outbox = table(OutboxRowModel)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AwaitingTranslation:
    """One queued message whose quoted texts need translating."""

    id: int
    member_id: int
    identity: str
    chat_id: str | None
    language: Language
    template: str
    pieces: list[Piece]
    buttons: list[list[tuple[str, str]]]
    retries: int
    #: The text as queued, with the originals in place (what goes out if all else fails).
    text: str


@dataclass(frozen=True, slots=True)
class Finish:
    """What the stage decided for one message: its text and buttons, and whether to retry."""

    id: int
    text: str
    buttons: list[list[tuple[str, str]]]
    retry_at: datetime | None


def _awaiting(r: Any) -> AwaitingTranslation:
    return AwaitingTranslation(
        r.id, r.member_id, r.identity, r.chat_id, Language(r.language), r.template,
        read_pieces(r.pieces), [[(str(label), str(data)) for label, data in line]
                                for line in r.buttons], r.retries, r.text)


_COLUMNS = (outbox.c.id, outbox.c.member_id, outbox.c.identity, outbox.c.chat_id,
            outbox.c.language, outbox.c.template, outbox.c.pieces, outbox.c.buttons,
            outbox.c.retries, outbox.c.text)


class TranslationQueue:
    """Claims and completes the outbox rows that wait for translation (blocking SQL).

    With several processes on one database, each translates what it claimed (as the
    dispatcher claims what it sends: :class:`storage.outbox.OutboxQueue`), so that no text is
    sent to a translator twice; the claim is dropped when the message is handed on."""

    def __init__(self, engine: Engine, owner: str | None = None,
                 lease: timedelta = CLAIM_LEASE) -> None:
        self.engine = engine
        self.owner = owner or dispatcher_name()
        self.lease = lease

    def waiting(self, now: datetime, limit: int = 1000) -> list[AwaitingTranslation]:
        """Claim and return the oldest messages waiting for their translation."""
        free = or_(outbox.c.claimed_by.is_(None), outbox.c.claimed_by == self.owner,
                   outbox.c.claimed_until <= now)
        query = (select(*_COLUMNS).where(outbox.c.status == "translating", free)
                 .order_by(outbox.c.id).limit(limit))
        with self.engine.connect() as conn:  # mostly there is nothing: no write for that
            if conn.execute(query.with_only_columns(outbox.c.id).limit(1)).first() is None:
                return []
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            conn.execute(update(outbox).where(outbox.c.id.in_(padded(row.id for row in rows)))
                         .values(claimed_by=self.owner, claimed_until=now + self.lease))
        found, unreadable = [], []
        for row in rows:
            try:
                found.append(_awaiting(row))
            except (KeyError, TypeError, ValueError):
                unreadable.append(row.id)
        if unreadable:  # sent as queued (with the originals in place) rather than stuck
            log.error("outbox rows %s: unreadable translation data; sent untranslated",
                      unreadable)
            with self.engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.id.in_(unreadable))
                             .values(status="pending", claimed_by=None, claimed_until=None))
        return found

    def finish(self, done: Sequence[Finish]) -> None:
        """Hand translated messages to the dispatcher."""
        if not done:
            return
        statement = (update(outbox).where(outbox.c.id == bindparam("row_id"),
                                          outbox.c.status == "translating")
                     .values(text=bindparam("new_text"), buttons=bindparam("new_buttons"),
                             retry_at=bindparam("new_retry_at"), status="pending",
                             claimed_by=None, claimed_until=None))
        with self.engine.begin() as conn:
            conn.execute(statement, [
                {"row_id": d.id, "new_text": d.text,
                 "new_buttons": [[list(b) for b in line] for line in d.buttons],
                 "new_retry_at": d.retry_at} for d in done])

    def due_retries(self, now: datetime, limit: int = 200) -> list[AwaitingTranslation]:
        """Messages sent in the original whose translation is due another try."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_COLUMNS).where(outbox.c.retry_at <= now)
                                .order_by(outbox.c.retry_at, outbox.c.id).limit(limit)).all()
        found, unreadable = [], []
        for row in rows:
            try:
                found.append(_awaiting(row))
            except (KeyError, TypeError, ValueError):
                unreadable.append(row.id)
        if unreadable:
            log.error("outbox rows %s: unreadable translation data; not retried", unreadable)
            with self.engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.id.in_(unreadable))
                             .values(retry_at=None))
        return found

    def retry_later(self, message_id: int, when: datetime | None) -> None:
        """Count a failed retry; try again at ``when`` (None: give up)."""
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id)
                         .values(retry_at=when, retries=outbox.c.retries + 1))

    def follow_up(self, message: AwaitingTranslation, text: str,
                  buttons: list[list[tuple[str, str]]], now: datetime) -> None:
        """Queue the translation that came late as a new message, and stop retrying."""
        with self.engine.begin() as conn:
            claimed = conn.execute(update(outbox).where(outbox.c.id == message.id,
                                                        outbox.c.retry_at.is_not(None))
                                   .values(retry_at=None, retries=outbox.c.retries + 1))
            if claimed.rowcount != 1:
                return  # another process sent this follow-up already
            conn.execute(insert(outbox).values(
                member_id=message.member_id, identity=message.identity,
                platform=message.identity.split(":", 1)[0], chat_id=message.chat_id,
                language=message.language.value, text=text,
                buttons=[[list(b) for b in line] for line in buttons], attachments=[],
                status="pending", attempts=0, created_at=now, template=message.template,
                pieces=[piece_json(p) for p in message.pieces]))
