"""The outbox in SQL: queued with each change, claimed and marked by the dispatcher."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, or_, select, update

from handlers.domain import Language, SentMessage
from handlers.messages import Attachment
from handlers.ports import OutboxRow, QuotedMessage
from handlers.translation import Piece
from storage.files import relocated
from storage.models import OutboxRowModel, table
from storage.models_delivery import DeadLetterRow, UnreachableIdentityRow
from storage.sql import Sql, padded
from storage.waiting import BULK, Chat, chat_of, waiting_ids

outbox = table(OutboxRowModel)
unreachable = table(UnreachableIdentityRow)
dead_letters = table(DeadLetterRow)


_ADD = ("INSERT INTO outbox (member_id, identity, platform, chat_id, language, text, buttons, "
        "attachments, context, context_id, status, attempts, created_at, template, pieces, "
        "closes, thread, author_id) VALUES (:member, :identity, :platform, :chat, :language, "
        ":text, :buttons, :attachments, :context, :context_id, :status, 0, :now, :template, "
        ":pieces, :closes, :thread, :author)")
# The message a member got about something, at the same address (the newest, once sent).
_FIND_ABOUT = ("SELECT platform_message_id FROM outbox WHERE context = :context "
               "AND context_id = :context_id AND member_id = :member AND identity = :identity "
               "AND status = 'sent' AND platform_message_id IS NOT NULL AND {chat} "
               "ORDER BY id DESC LIMIT 1")
_FIND_SENT = ("SELECT member_id, context, context_id, id FROM outbox WHERE platform = :platform "
              "AND sent_chat_id = :chat AND platform_message_id = :message "
              "ORDER BY id DESC LIMIT 1")


def piece_json(piece: Piece) -> dict[str, object]:
    """A quoted text as stored in the outbox's ``pieces`` column."""
    return {"text": piece.text, "source": piece.source.value, "target": piece.target.value,
            "detect": piece.detect, "eager": piece.eager, "wanted": piece.wanted}


def read_pieces(stored: list[dict[str, object]]) -> list[Piece]:
    """The quoted texts of a message back from the ``pieces`` column."""
    return [Piece(str(p["text"]), Language(str(p["source"])), Language(str(p["target"])),
                  bool(p["detect"]), bool(p.get("eager", False)), bool(p.get("wanted", True)))
            for p in stored]


# A failed send is retried after 5 s, 10 s, 20 s … at most an hour apart (12 tries span ~3 h).
RETRY_FIRST = timedelta(seconds=5)
RETRY_LONGEST = timedelta(hours=1)


class SqlOutbox:
    """The ``Outbox`` port on one unit of work (the use-case side)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def add(self, rows: Sequence[OutboxRow]) -> None:
        """Queue rendered messages in the current transaction."""
        # Recipients of one message in one language share its quoted texts: encode them once.
        encoded: dict[int, tuple[str, str]] = {}

        def quoted(row: OutboxRow) -> tuple[str, str]:
            found = encoded.get(id(row.pieces))
            if found is None:
                status = "translating" if any(p.needs_work for p in row.pieces) else "pending"
                found = encoded[id(row.pieces)] = (
                    status, self.sql.json([piece_json(p) for p in row.pieces]))
            return found

        self.sql.run_many(_ADD, [
            {"member": r.member_id, "identity": r.identity,
             "platform": r.identity.split(":", 1)[0], "chat": r.chat_id,
             "language": r.language.value, "text": r.text,
             "buttons": self.sql.json([[list(b) for b in row] for row in r.buttons]),
             "attachments": self.sql.json([
                 {"name": a.filename, "size": a.size, "type": a.content_type,
                  "location": a.location} for a in r.attachments]),
             "context": r.context, "context_id": r.context_id,
             "now": self.sql.time(r.created_at),
             "template": r.template, "closes": r.closes, "thread": self._thread(r),
             "author": r.author_id,
             **({"status": "pending", "pieces": None} if not r.pieces else
                dict(zip(("status", "pieces"), quoted(r), strict=True)))}
            for r in rows
        ])

    def _thread(self, row: OutboxRow) -> str | None:
        """The platform message a row continues: the one given, or the one its recipient
        got at the same address about the thread's subject (None when it is not sent yet:
        the row then goes on its own)."""
        thread = row.thread
        if thread is None or thread.message is not None or thread.about is None:
            return thread.message if thread is not None else None
        params: dict[str, object] = {"context": thread.about.kind,
                                     "context_id": thread.about.id,
                                     "member": row.member_id, "identity": row.identity}
        chat = "chat_id IS NULL"
        if row.chat_id is not None:
            chat, params["chat"] = "chat_id = :chat", row.chat_id
        found = self.sql.row(_FIND_ABOUT.format(chat=chat), params)
        return str(found[0]) if found is not None else None

    def find_sent(self, platform: str, chat_id: str,
                  platform_message_id: str) -> SentMessage | None:
        """What a sent message was about, from where it was sent and its platform id."""
        row = self.sql.row(_FIND_SENT, {"platform": platform, "chat": chat_id,
                                        "message": platform_message_id})
        return SentMessage(row[0], row[1], row[2], row[3]) if row is not None else None

    def quoted(self, member_id: int, number: int) -> QuotedMessage | None:
        """A message queued for this member, with the texts it quoted."""
        row = self.sql.row("SELECT id, language, text, template, pieces FROM outbox "
                           "WHERE id = :id AND member_id = :member",
                           {"id": number, "member": member_id})
        if row is None:
            return None
        pieces = read_pieces(self.sql.read_json(row[4])) if row[4] is not None else []
        return QuotedMessage(row[0], Language(row[1]), row[2], row[3], pieces)

    def unreachable_members(self) -> int:
        """How many members the bot cannot reach on some platform (they blocked it)."""
        row = self.sql.row("SELECT COUNT(DISTINCT member_id) FROM unreachable_identities")
        return int(row[0]) if row is not None else 0


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """An outbox row as the dispatcher sees it."""

    id: int
    member_id: int
    identity: str
    platform: str
    chat_id: str | None
    language: str
    text: str
    buttons: list[list[tuple[str, str]]]
    attempts: int
    attachments: list[Attachment] = field(default_factory=list)
    closes: str | None = None  # the message (same chat) whose buttons come off once sent
    thread: str | None = None  # the message (same chat) whose conversation this continues
    bulk: bool = False  # a broadcast's copy: what people are waiting for goes first
    # The text of the message ``closes`` names, as the outbox sent it (None: not found here);
    # a platform that must show the text again to take the buttons off (Slack) rebuilds it.
    closes_text: str | None = None


def _closed_key(row: Any) -> tuple[str, str, str] | None:
    """Where the message a row takes the buttons off was sent: (platform, conversation, platform
    message id); None when the row closes nothing or names no chat (a Slack chat may be
    ``CHANNEL:THREAD_TS``: the conversation is the channel)."""
    if not row.closes or not row.chat_id:
        return None
    return str(row.platform), str(row.chat_id).partition(":")[0], str(row.closes)


def _closed_texts(conn: Connection, rows: Sequence[Any],
                  ) -> dict[tuple[str, str, str] | None, str]:
    """The sent texts of the messages these rows take the buttons off, by :func:`_closed_key`
    (one indexed read: platform, chat, message id)."""
    keys = {key for key in map(_closed_key, rows) if key is not None}
    if not keys:
        return {}
    found = conn.execute(select(
        outbox.c.platform, outbox.c.sent_chat_id, outbox.c.platform_message_id, outbox.c.text)
        .where(outbox.c.platform.in_(sorted({k[0] for k in keys})),
               outbox.c.sent_chat_id.in_(padded(sorted({k[1] for k in keys}))),
               outbox.c.platform_message_id.in_(padded(sorted({k[2] for k in keys}))),
               outbox.c.status == "sent"))
    texts: dict[tuple[str, str, str] | None, str] = {}
    for r in found:
        key = (str(r.platform), str(r.sent_chat_id), str(r.platform_message_id))
        if key in keys:
            texts[key] = str(r.text)
    return texts


# At most this many messages to one chat are fetched at a time (a chat gets one a second), so
# one chat's backlog never keeps the others' first messages out of a fetch.
PER_CHAT = 10


# How long a dispatcher's claim on the rows it fetched lasts; it is renewed at every fetch, so
# only the claims of a process that stopped fetching (it died) run out, and another process then
# sends those rows.
CLAIM_LEASE = timedelta(minutes=2)


def dispatcher_name() -> str:
    """A name for this dispatcher in the outbox's claims: host, process and a random part (a
    restarted process with a reused pid is still someone else)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _dead_here(owner: str) -> bool:
    """Whether a claim's owner was a process of this machine that no longer runs (or whose
    pid this very process now has: it restarted)."""
    parts = owner.split(":")
    if len(parts) < 3 or ":".join(parts[:-2]) != socket.gethostname()[:60]:
        return False
    try:
        pid = int(parts[-2])
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def release_orphaned_claims(engine: Engine) -> int:
    """At start-up: free the claims of dead processes of this machine (a bot restarted after a
    crash sends at once what it held, instead of waiting for the claims to run out); how
    many rows were freed. Claims of other machines' processes run out as usual."""
    with engine.begin() as conn:
        owners = [row[0] for row in conn.execute(
            select(outbox.c.claimed_by).where(outbox.c.claimed_by.is_not(None)).distinct())]
        dead = [owner for owner in owners if _dead_here(owner)]
        if not dead:
            return 0
        return int(conn.execute(update(outbox).where(outbox.c.claimed_by.in_(dead))
                                .values(claimed_by=None, claimed_until=None)).rowcount)


class OutboxQueue:
    """The dispatcher's side of the outbox: what is waiting, and what became of each send.

    Several processes may send from one database. Each fetch *claims* what it returns (the
    ``claimed_by``/``claimed_until`` columns, taken in the fetch's transaction: on PostgreSQL
    with ``FOR UPDATE SKIP LOCKED``, so two fetches at once never take the same row; SQLite's
    write transactions run one at a time anyway). A row claimed by another process, and the
    later rows to its chat, wait until that claim ends: the row is sent, fails (and is
    released for its retry), is released when the holder's round ends, or the claim runs out
    because the holder died (:data:`CLAIM_LEASE`).
    """

    def __init__(self, engine: Engine, max_attempts: int = 12, owner: str | None = None,
                 lease: timedelta = CLAIM_LEASE, files_root: Path | None = None) -> None:
        self.engine = engine
        # The data folder whose file store holds the attachments (see ``relocated``); None:
        # attachments are sent from where they were recorded.
        self.files_root = files_root
        self.max_attempts = max_attempts
        self.owner = owner or dispatcher_name()
        self.lease = lease
        # Since when the rows in hand were claimed (or last renewed); None: none are.
        self._claimed_at: datetime | None = None

    def waiting(self, platforms: Sequence[str], now: datetime, limit: int = 100,
                per_chat: int = PER_CHAT, skip: Collection[int] = (),
                urgent_only: bool = False) -> list[QueuedMessage]:
        """Claim and return the unsent messages for these platforms that may go now: at most
        ``per_chat`` to each chat (its oldest), oldest first, leaving out those numbered in
        ``skip`` (already in hand); ``urgent_only``: no broadcast's copies. See
        :mod:`storage.waiting` for which ones wait."""
        with self.engine.connect() as conn:  # reading first keeps the write short
            found = waiting_ids(conn, platforms, now, limit, per_chat, skip, self.owner,
                                urgent_only)
        if not found:
            return []
        with self.engine.begin() as conn:
            ids = self._claim(conn, found, now)
            rows = conn.execute(select(
                outbox.c.id, outbox.c.member_id, outbox.c.identity, outbox.c.platform,
                outbox.c.chat_id, outbox.c.language, outbox.c.text, outbox.c.buttons,
                outbox.c.attempts, outbox.c.attachments, outbox.c.closes, outbox.c.thread,
                outbox.c.context)
                .where(outbox.c.id.in_(padded(ids))).order_by(outbox.c.id)).all() if ids else []
            closed = _closed_texts(conn, rows) if any(r.closes for r in rows) else {}
        return [QueuedMessage(r.id, r.member_id, r.identity, r.platform, r.chat_id, r.language,
                              r.text,
                              [[(str(label), str(data)) for label, data in row]
                               for row in r.buttons], r.attempts,
                              [Attachment(a["name"], a["size"], a.get("type"),
                                          self._located(a.get("location")))
                               for a in r.attachments], r.closes, r.thread,
                              r.context in BULK, closed.get(_closed_key(r)))
                for r in rows]

    def _located(self, location: str | None) -> str | None:
        return location if self.files_root is None else relocated(location, self.files_root)

    def _claim(self, conn: Connection, ids: Sequence[int], now: datetime) -> list[int]:
        """Claim these rows; the ones claimed, in order. A row another process took meanwhile
        is left out, with the later ones to its chat (they must not overtake it)."""
        free = (outbox.c.id.in_(padded(ids)), outbox.c.status == "pending",
                or_(outbox.c.claimed_by.is_(None), outbox.c.claimed_by == self.owner,
                    outbox.c.claimed_until <= now))
        chosen = (outbox.c.id.in_(select(outbox.c.id).where(*free)
                                  .with_for_update(skip_locked=True))
                  if conn.dialect.name == "postgresql" else and_(*free))
        got = {row.id for row in conn.execute(
            update(outbox).where(chosen)
            .values(claimed_by=self.owner, claimed_until=now + self.lease)
            .returning(outbox.c.id))}
        if got:
            self._claimed_at = self._claimed_at or now
        if len(got) == len(ids):
            return sorted(got)
        chats = {row.id: chat_of(row.platform, row.chat_id, row.identity)
                 for row in conn.execute(select(
                     outbox.c.id, outbox.c.platform, outbox.c.chat_id, outbox.c.identity)
                     .where(outbox.c.id.in_(padded(ids))))}
        stopped: set[Chat] = set()
        kept, overtaking = [], []
        for number in sorted(ids):
            chat = chats.get(number)
            if number not in got:
                if chat is not None:
                    stopped.add(chat)
            elif chat in stopped:
                overtaking.append(number)
            else:
                kept.append(number)
        if overtaking:
            conn.execute(update(outbox).where(outbox.c.id.in_(padded(overtaking)))
                         .values(claimed_by=None, claimed_until=None))
        return kept

    def renewal_due(self, now: datetime) -> bool:
        """Whether the claims on the rows in hand should be renewed (a third of the lease has
        passed since they were taken or last renewed)."""
        return self._claimed_at is not None and now - self._claimed_at >= self.lease / 3

    def renew(self, held: Collection[int], now: datetime) -> None:
        """Push the claims on the rows in hand a lease further (a long round still sending)."""
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(padded(held)),
                                              outbox.c.claimed_by == self.owner)
                         .values(claimed_until=now + self.lease))
        self._claimed_at = now

    def release(self) -> None:
        """Give back every unsent row this dispatcher claimed (its round ended): another
        process may send them from now on."""
        if self._claimed_at is None:
            return
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.claimed_by == self.owner,
                                              outbox.c.status == "pending")
                         .values(claimed_by=None, claimed_until=None))
        self._claimed_at = None

    def sent_to(self, platform: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """Every message already sent on a platform: (chat, platform message id, buttons)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.sent_chat_id, outbox.c.platform_message_id,
                                       outbox.c.buttons)
                                .where(outbox.c.platform == platform, outbox.c.status == "sent")
                                .order_by(outbox.c.id)).all()
        return [(str(r.sent_chat_id), str(r.platform_message_id),
                 [(str(label), str(data)) for row in r.buttons for label, data in row])
                for r in rows]

    def mark_sent(self, message_id: int, chat_id: str, platform_message_id: str,
                  now: datetime) -> None:
        """Record a successful send and the platform's id for the message."""
        self.mark_sent_many([(message_id, chat_id, platform_message_id)], now)

    def mark_sent_many(self, sent: Sequence[tuple[int, str, str]], now: datetime) -> None:
        """Record several successful sends (outbox id, chat, platform message id) at once."""
        if not sent:
            return
        # One statement, executed for every row at once (compiled once: under load this runs
        # after every few sends).
        statement = update(outbox).where(outbox.c.id == bindparam("row")).values(
            status="sent", sent_at=bindparam("at"), sent_chat_id=bindparam("chat"),
            platform_message_id=bindparam("message"), attempts=outbox.c.attempts + 1,
            claimed_by=None, claimed_until=None)
        with self.engine.begin() as conn:
            conn.execute(statement, [{"row": message_id, "at": now, "chat": chat_id,
                                      "message": platform_message_id}
                                     for message_id, chat_id, platform_message_id in sent])

    def mark_failed(self, message_id: int, error: str, permanent: bool, now: datetime,
                    permanent_attempts: int = 1) -> bool:
        """Record a failed send and when to try again (waiting longer after each failure).

        A message refused ``permanent_attempts`` times for good, or failed ``max_attempts``
        times in all, is set aside (``failed``) with a dead letter; returns whether it was.
        """
        with self.engine.begin() as conn:
            row = conn.execute(select(outbox.c.attempts, outbox.c.member_id, outbox.c.identity,
                                      outbox.c.platform).where(outbox.c.id == message_id)
                               ).one()
            attempts = row.attempts + 1
            dead = (permanent and attempts >= permanent_attempts) or attempts >= self.max_attempts
            delay = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_LONGEST)
            conn.execute(update(outbox).where(outbox.c.id == message_id).values(
                status="failed" if dead else "pending", attempts=attempts, error=error[:2000],
                not_before=now + delay, claimed_by=None, claimed_until=None))
            if dead:
                conn.execute(insert(dead_letters).values(
                    outbox_id=message_id, member_id=row.member_id, identity=row.identity,
                    platform=row.platform, error=error[:2000], attempts=attempts,
                    created_at=now))
        return bool(dead)
