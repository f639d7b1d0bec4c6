"""Which outbox messages the dispatcher may fetch now, fairly and in each chat's order.

A message waits (is a *blocker*) while it is being translated, while a failed send waits for
its retry (``not_before``), or while an earlier message to the same person is being translated
(the translation stage keeps each reader's order). Everything after a blocker in the same chat
waits too, so each chat gets its messages in outbox order; messages set aside (dead letters,
unreachable identities) hold up nothing. A message another dispatcher process has claimed (and
whose claim has not run out) is a blocker too: that process sends it, and the later ones to the
same chat wait until it has. Of what may go, at most ``per_chat`` messages per chat
are handed out at a time, oldest first, so one chat's backlog never keeps the others' first
messages out of a fetch.

Copies of a broadcast (*bulk*) may be left out (``urgent_only``): the dispatcher asks for the
rest apart when a backlog is left behind what it fetched, so that a reply to someone waiting
does not queue behind a broadcast paced by Telegram's limits. Those are then sent first, even
before a broadcast's copy to the same chat not fetched yet.

The pending rows are read in id order, a few hundred at a time, along ``ix_outbox_status_id``
(an index range, on SQLite and PostgreSQL alike), and the rules above are applied as they go;
the reading stops as soon as enough messages were found. A chat that can take no more and
filled much of a step is left out of the next steps in SQL, so a long backlog in one chat is
skipped over by the database rather than read row by row. The rows being translated, usually
few, are read once per fetch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select

from handlers.broadcast_delivery import CONTEXT as BROADCAST
from storage.models import OutboxRowModel, table
from storage.models_delivery import UnreachableIdentityRow
from storage.sql import padded

outbox = table(OutboxRowModel)
unreachable = table(UnreachableIdentityRow)

SCAN = 500  # pending rows read per step
CROWDED = SCAN // 10  # a full chat with this many rows in a step is skipped in SQL after it

Chat = tuple[str, str]  # (platform, chat)
# The contexts of bulk rows: a broadcast's copies, one per reader.
BULK = (BROADCAST,)


def chat_of(platform: str, chat_id: str | None, identity: str) -> Chat:
    """The chat a message goes to: its chat, or the recipient's private chat (named like the
    identity without its platform), as ``bot.dispatch_round.chat_key`` sees it."""
    return (platform, chat_id or identity.split(":", 1)[-1])


def _chat_key() -> ColumnElement[str]:
    """``platform:chat`` in SQL (as :func:`chat_of`, joined by a colon)."""
    return outbox.c.platform + ":" + func.coalesce(
        outbox.c.chat_id, func.substr(outbox.c.identity, func.length(outbox.c.platform) + 2))


def _reachable() -> ColumnElement[bool]:
    return ~exists().where(unreachable.c.identity == outbox.c.identity)


def _urgent() -> ColumnElement[bool]:
    """Not a bulk row."""
    return or_(outbox.c.context.is_(None), outbox.c.context.not_in(BULK))


def waiting_ids(conn: Connection, platforms: Sequence[str], now: datetime, limit: int,
                per_chat: int, skip: Collection[int] = (), owner: str | None = None,
                urgent_only: bool = False) -> list[int]:
    """The ids of up to ``limit`` messages for these platforms that may go now, oldest first,
    at most ``per_chat`` to one chat counting those in ``skip`` (already in hand, not
    returned); rows claimed by a dispatcher other than ``owner`` until after ``now`` wait.
    ``urgent_only``: bulk rows are left out, and hold up nothing."""
    lane = (_urgent(),) if urgent_only else ()
    wanted, held = set(platforms), set(skip)
    light = (outbox.c.id, outbox.c.member_id, outbox.c.platform, outbox.c.chat_id,
             outbox.c.identity)
    translating_chat: dict[Chat, int] = {}  # the first message being translated, per chat
    translating_reader: dict[int, int] = {}  # … and per reader
    for late in conn.execute(select(*light).where(outbox.c.status == "translating",
                                                  _reachable(), *lane).order_by(outbox.c.id)):
        translating_chat.setdefault(chat_of(late.platform, late.chat_id, late.identity), late.id)
        translating_reader.setdefault(late.member_id, late.id)
    blocked: set[Chat] = set()
    placed: Counter[Chat] = Counter()
    found: list[int] = []
    after, left_out = 0, set[str]()
    while len(found) < limit:
        query = select(*light, outbox.c.not_before, outbox.c.claimed_by,
                       outbox.c.claimed_until).where(
            outbox.c.status == "pending", outbox.c.platform.in_(sorted(wanted)),
            outbox.c.id > after, _reachable(), *lane)
        if left_out:
            query = query.where(_chat_key().not_in(padded(sorted(left_out))))
        rows = conn.execute(query.order_by(outbox.c.id).limit(SCAN)).all()
        seen: Counter[Chat] = Counter()
        for row in rows:
            chat = chat_of(row.platform, row.chat_id, row.identity)
            seen[chat] += 1
            if chat in blocked:
                continue
            if ((row.not_before is not None and row.not_before > now)
                    or (row.claimed_by is not None and row.claimed_by != owner
                        and row.claimed_until is not None and row.claimed_until > now)
                    or translating_chat.get(chat, row.id) < row.id
                    or translating_reader.get(row.member_id, row.id) < row.id):
                blocked.add(chat)
                continue
            placed[chat] += 1
            if placed[chat] <= per_chat and row.id not in held:
                found.append(row.id)
                if len(found) == limit:
                    break
        if len(rows) < SCAN:
            break
        after = rows[-1].id
        left_out.update(f"{platform}:{chat}" for (platform, chat), count in seen.items()
                        if count >= CROWDED and ((platform, chat) in blocked
                                                 or placed[(platform, chat)] >= per_chat))
    return found
