"""The outbox in SQL: queued with each change, claimed and marked by the dispatcher."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, insert, select, update

from handlers.domain import Language, SentMessage
from handlers.messages import Attachment
from handlers.ports import OutboxRow, QuotedMessage
from handlers.translation import Piece
from storage.models import OutboxRowModel, table
from storage.models_delivery import DeadLetterRow, UnreachableIdentityRow
from storage.sql import Sql
from storage.waiting import waiting_ids

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


# At most this many messages to one chat are fetched at a time (a chat gets one a second), so
# one chat's backlog never keeps the others' first messages out of a fetch.
PER_CHAT = 10


class OutboxQueue:
    """The dispatcher's side of the outbox: what is waiting, and what became of each send."""

    def __init__(self, engine: Engine, max_attempts: int = 12) -> None:
        self.engine = engine
        self.max_attempts = max_attempts

    def waiting(self, platforms: Sequence[str], now: datetime, limit: int = 100,
                per_chat: int = PER_CHAT, skip: Collection[int] = ()) -> list[QueuedMessage]:
        """The unsent messages for these platforms that may go now: at most ``per_chat`` to
        each chat (its oldest), oldest first, leaving out those numbered in ``skip`` (already
        in hand). See :mod:`storage.waiting` for which ones wait."""
        with self.engine.connect() as conn:
            ids = waiting_ids(conn, platforms, now, limit, per_chat, skip)
            rows = conn.execute(select(
                outbox.c.id, outbox.c.member_id, outbox.c.identity, outbox.c.platform,
                outbox.c.chat_id, outbox.c.language, outbox.c.text, outbox.c.buttons,
                outbox.c.attempts, outbox.c.attachments, outbox.c.closes, outbox.c.thread)
                .where(outbox.c.id.in_(ids)).order_by(outbox.c.id)).all() if ids else []
        return [QueuedMessage(r.id, r.member_id, r.identity, r.platform, r.chat_id, r.language,
                              r.text,
                              [[(str(label), str(data)) for label, data in row]
                               for row in r.buttons], r.attempts,
                              [Attachment(a["name"], a["size"], a.get("type"), a.get("location"))
                               for a in r.attachments], r.closes, r.thread) for r in rows]

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
            platform_message_id=bindparam("message"), attempts=outbox.c.attempts + 1)
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
                not_before=now + delay))
            if dead:
                conn.execute(insert(dead_letters).values(
                    outbox_id=message_id, member_id=row.member_id, identity=row.identity,
                    platform=row.platform, error=error[:2000], attempts=attempts,
                    created_at=now))
        return bool(dead)
