"""Who the bot can no longer reach, and the messages it gave up on (the dead letters).

A platform that says an identity blocked the bot (or its account is gone) makes the dispatcher
call :meth:`Reachability.mark_unreachable`: nothing more is sent to that identity. A person
with another linked identity the bot can still reach is reached there from now on, and the
messages waiting for the blocked identity (the one that met the block among them) go there
too; otherwise they are set aside with status ``unreachable``. When that person writes again,
the intake calls :meth:`Reachability.mark_reachable` and messages flow again (those set aside
stay aside: they are stale by then).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from storage.models import IdentityRow, MemberRow, OutboxRowModel, table
from storage.models_delivery import DeadLetterRow, UnreachableIdentityRow
from storage.sql import padded

outbox = table(OutboxRowModel)
unreachable = table(UnreachableIdentityRow)
dead_letters = table(DeadLetterRow)
members = table(MemberRow)
identities = table(IdentityRow)

# Messages not yet sent: the ones set aside when their recipient cannot be reached.
_UNSENT = ("pending", "translating")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message given up on, with the platform's last word about it."""

    outbox_id: int
    member_id: int
    identity: str
    platform: str
    error: str
    attempts: int
    created_at: datetime


class Reachability:
    """Unreachable identities and dead letters, on the engine (the dispatcher's side)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def mark_unreachable(self, identity: str, member_id: int, error: str,
                         now: datetime) -> int:
        """Stop sending to an identity; its unsent messages go to the person's other reachable
        identity if they have one, else are set aside. Returns how many were set aside."""
        platform = identity.split(":", 1)[0]
        with self.engine.begin() as conn:
            known = conn.execute(select(unreachable.c.identity)
                                 .where(unreachable.c.identity == identity)).first()
            if known is None:
                conn.execute(insert(unreachable).values(
                    identity=identity, member_id=member_id, platform=platform,
                    error=error[:2000], since=now))
            _reach_elsewhere(conn, identity, member_id)
            waiting = (outbox.c.identity == identity) & outbox.c.status.in_(_UNSENT)
            now_at = conn.execute(select(members.c.primary_identity).where(
                members.c.id == member_id,
                members.c.primary_identity.not_in(select(unreachable.c.identity)))).scalar()
            if now_at is not None:
                # Readdressed as new: the old platform's chat and message ids mean nothing
                # on the other one.
                conn.execute(update(outbox).where(waiting).values(
                    identity=now_at, platform=now_at.split(":", 1)[0], chat_id=None,
                    closes=None, thread=None, not_before=None))
                return 0
            result = conn.execute(update(outbox).where(waiting).values(
                status="unreachable", error=error[:2000]))
            return int(result.rowcount)

    def mark_reachable(self, identities: Sequence[str]) -> int:
        """These identities wrote to the bot: send to them again. Returns how many were
        unreachable (a read alone when none was, which is nearly always)."""
        wanted = sorted(set(identities))
        if not wanted:
            return 0
        with self.engine.connect() as conn:
            found = conn.execute(select(unreachable.c.identity)
                                 .where(unreachable.c.identity.in_(padded(wanted)))).scalars().all()
        if not found:
            return 0
        with self.engine.begin() as conn:
            conn.execute(delete(unreachable).where(unreachable.c.identity.in_(padded(found))))
        return len(found)

    def set_aside_unreachable(self) -> int:
        """Set aside messages queued for unreachable identities since they were marked (a read
        alone when there are none)."""
        unsent = select(outbox.c.id).join(
            unreachable, unreachable.c.identity == outbox.c.identity).where(
            outbox.c.status.in_(_UNSENT))
        with self.engine.connect() as conn:
            if conn.execute(unsent.limit(1)).first() is None:
                return 0
        with self.engine.begin() as conn:
            result = conn.execute(update(outbox).where(
                outbox.c.status.in_(_UNSENT),
                outbox.c.identity.in_(select(unreachable.c.identity))
            ).values(status="unreachable", error="unreachable"))
            return int(result.rowcount)

    def unreachable(self) -> list[str]:
        """Every identity the bot cannot reach now, sorted."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(unreachable.c.identity)
                                     .order_by(unreachable.c.identity)).scalars())

    def unreachable_members(self) -> int:
        """How many members cannot be reached on at least one of their identities."""
        with self.engine.connect() as conn:
            return int(conn.execute(
                select(func.count(func.distinct(unreachable.c.member_id)))).scalar_one())

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """The newest dead letters first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(dead_letters).order_by(dead_letters.c.id.desc())
                                .limit(limit)).all()
        return [DeadLetter(r.outbox_id, r.member_id, r.identity, r.platform, r.error,
                           r.attempts, r.created_at) for r in rows]


def _reach_elsewhere(conn: Connection, identity: str, member_id: int) -> None:
    """A person the bot can no longer reach where they last wrote is reached on another of
    their linked identities (the newest one still reachable), if they have one."""
    other = (select(identities.c.identity)
             .where(identities.c.member_id == member_id, identities.c.identity != identity,
                    identities.c.identity.not_in(select(unreachable.c.identity)))
             .order_by(identities.c.created_at.desc(), identities.c.identity.desc())
             .limit(1).scalar_subquery())
    conn.execute(update(members)
                 .where(members.c.id == member_id, members.c.primary_identity == identity)
                 .values(primary_identity=func.coalesce(other, identity)))
