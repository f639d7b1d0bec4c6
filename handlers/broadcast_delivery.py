"""A broadcast on its way: the fan-out (one outbox row per reader), the sweep that releases
scheduled ones as each reader's moment comes, the sender's delivery reports, ``/broadcasts``
and cancelling.

The sweep looks only at what is due (scheduled readers by their moment, indexed) and at the
broadcasts still being delivered (indexed by status); each reader is released once (taken off
the schedule in the same transaction as their message is queued), so a sweep run twice, or
after a restart, sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from handlers.audience import Audience, Recipient, describe
from handlers.broadcast_ports import Broadcast, Figures, NewBroadcast, Status, When
from handlers.domain import Contact, Language
from handlers.messages import Attachment, Button, Context, Outbound, Phrase, UserText
from handlers.sweep import Sweep
from handlers.timezones import local_time, zone_label
from handlers.turn import Turn, button, phrase

# Outbox rows of a broadcast carry this context and the broadcast's id.
CONTEXT = "broadcast"
# How many broadcasts /broadcasts shows, newest first.
LISTED = 10


def message_lines(sender_name: str, text: str, language: Language) -> tuple[Phrase, ...]:
    """What each reader gets: the bot's header in their language and the coordinator's text,
    translated for them on the way out."""
    return (phrase("broadcast.message", sender=sender_name, text=UserText(text, language)),)


def fan_out(out: list[Outbound], contacts: dict[int, Contact], broadcast_id: int,
            broadcast: NewBroadcast | Broadcast,
            recipients: Iterable[Recipient | int]) -> int:
    """Queue the broadcast for each recipient (one message each, sharing one rendering per
    language); how many were queued."""
    body = message_lines(broadcast.sender_name, broadcast.text, broadcast.language)
    context = Context(CONTEXT, broadcast_id)
    files: tuple[Attachment, ...] = tuple(broadcast.attachments)
    count = 0
    for recipient in recipients:
        if isinstance(recipient, Recipient):
            contacts[recipient.id] = Contact(recipient.id, recipient.identity,
                                             recipient.language, recipient.auto_translate)
            member_id = recipient.id
        else:
            member_id = recipient
        out.append(Outbound(member_id, body, (), context, None, files))
        count += 1
    return count


def sweep(run: Sweep) -> None:
    """Release the scheduled readers whose moment has come, then tell senders how delivery
    goes: at each further ``broadcast_progress_percent`` %, and once when all is settled."""
    released: dict[int, list[Recipient]] = defaultdict(list)
    for broadcast_id, recipient in run.uow.broadcasts.take_due(run.now):
        released[broadcast_id].append(recipient)
    if released:
        stored = run.uow.broadcasts.many(released)
        for broadcast_id, recipients in released.items():
            broadcast = stored.get(broadcast_id)
            if broadcast is None:
                continue
            if broadcast.status == Status.SCHEDULED:
                run.uow.broadcasts.start(broadcast_id, run.now)
            fan_out(run.out, run.contacts, broadcast_id, broadcast, recipients)
    _report_progress(run, {b: len(r) for b, r in released.items()})


def _report_progress(run: Sweep, released: dict[int, int]) -> None:
    """Progress and final reports; ``released`` counts the messages this very sweep queues
    (not in the outbox until it returns)."""
    running = run.uow.broadcasts.running()
    if not running:
        return
    figures = run.uow.broadcasts.figures([b.id for b in running])
    step = run.deps.settings.broadcast_progress_percent
    for broadcast in running:
        found = figures.get(broadcast.id, Figures())
        found = found._replace(pending=found.pending + released.get(broadcast.id, 0))
        if found.open == 0:
            if run.uow.broadcasts.finish(broadcast.id, run.now) and broadcast.sender_id:
                run.tell(broadcast.sender_id, "broadcast.report_final", number=broadcast.id,
                         total=broadcast.recipients, delivered=found.delivered,
                         failed=found.failed)
            continue
        percent = found.settled * 100 // max(broadcast.recipients, 1)
        reached = percent - percent % step if step > 0 else 0
        if 0 < reached < 100 and reached > broadcast.reported_percent:
            run.uow.broadcasts.report(broadcast.id, reached)
            if broadcast.sender_id:
                run.tell(broadcast.sender_id, "broadcast.report_progress", number=broadcast.id,
                         percent=reached, total=broadcast.recipients,
                         delivered=found.delivered, failed=found.failed, pending=found.open)


def stop_button(broadcast_id: int) -> Button:
    """The button that cancels a scheduled broadcast."""
    return button(f"bc:stop:{broadcast_id}", "broadcast.button.stop", number=broadcast_id)


def cancel_broadcast(turn: Turn, broadcast_id: int | None) -> None:
    """Cancel a scheduled broadcast (or what of it has not gone yet)."""
    broadcast = turn.uow.broadcasts.get(broadcast_id) if broadcast_id is not None else None
    if broadcast is None:
        turn.reply("button.stale")
        return
    dropped = turn.uow.broadcasts.cancel(broadcast.id, turn.now)
    if not dropped:
        now = turn.uow.broadcasts.get(broadcast.id)
        cancelled = now is not None and now.status == Status.CANCELLED
        turn.reply("broadcast.already_cancelled" if cancelled else "broadcast.not_cancellable",
                   number=broadcast.id)
        return
    if broadcast.status == Status.SCHEDULED:
        turn.reply("broadcast.cancelled", number=broadcast.id, count=dropped)
    else:
        turn.reply("broadcast.stopped", number=broadcast.id, count=dropped)
    if broadcast.sender_id and broadcast.sender_id != turn.sender.id:
        turn.tell(broadcast.sender_id, "broadcast.cancelled_by", number=broadcast.id,
                  name=turn.sender.name, count=dropped)


def list_broadcasts(turn: Turn) -> None:
    """``/broadcasts``: the newest broadcasts with their figures, scheduled ones cancellable."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    recent = turn.uow.broadcasts.recent(LISTED)
    if not recent:
        turn.reply("broadcast.none")
        return
    figures = turn.uow.broadcasts.figures([b.id for b in recent])
    lines = [phrase("broadcast.list_header")]
    buttons: list[list[Button]] = []
    for broadcast in recent:
        found = figures.get(broadcast.id, Figures())
        lines.append(_line(turn, broadcast, found))
        if found.waiting and broadcast.status in (Status.SCHEDULED, Status.SENDING):
            buttons.append([stop_button(broadcast.id)])
    turn.reply_lines(lines, buttons=buttons[:5])


def _line(turn: Turn, broadcast: Broadcast, found: Figures) -> Phrase:
    own = turn.sender.timezone
    return phrase("broadcast.list_line", number=broadcast.id,
                  created=f"{local_time(own, broadcast.created_at):%Y-%m-%d %H:%M}",
                  sender=broadcast.sender_name,
                  audience=describe(Audience.from_json(broadcast.audience)),
                  status=_status(turn, broadcast), total=broadcast.recipients,
                  delivered=found.delivered, failed=found.failed, pending=found.open,
                  text=_excerpt(broadcast.text))


def _status(turn: Turn, broadcast: Broadcast) -> Phrase:
    if broadcast.status == Status.SCHEDULED and broadcast.when == When.LOCAL:
        return phrase("broadcast.status.scheduled_local", time=broadcast.local_time or "")
    if broadcast.status == Status.SCHEDULED and broadcast.send_at is not None:
        own = turn.sender.timezone
        return phrase("broadcast.status.scheduled_at",
                      time=f"{local_time(own, broadcast.send_at):%Y-%m-%d %H:%M}",
                      zone=zone_label(own))
    return phrase(f"broadcast.status.{broadcast.status.value}")


def _excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"

