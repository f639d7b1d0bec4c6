"""Reminders before an event (by default 24 h and 1 h before), sent by the scheduler's sweep.

Each reminder of each event is one stored row with its moment; the sweep reads only the rows
whose moment has come and that are not settled (an indexed range), and settles each one once:
sent, or skipped when it is too late to be useful. Of several reminders of one event that are
due together (the bot was down), only the one closest to the start is sent; once the event
has started, none is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.event_input import duration_text
from handlers.event_ports import DueReminder, Event, EventStatus, Reminder, ReminderOutcome
from handlers.event_views import details, rsvp_buttons, tell_each_in_their_zone, title
from handlers.messages import Phrase
from handlers.sweep import Sweep
from handlers.turn import phrase

# The most reminders one sweep settles; the rest wait for the next minute's sweep.
BATCH = 500


def plan_reminders(starts_at: datetime, hours: Sequence[int], now: datetime) -> list[Reminder]:
    """An event's reminders; those whose moment has already passed are skipped from the
    start (the invitation or the change notice has just told everyone)."""
    planned = []
    for before in sorted({h for h in hours if h > 0}, reverse=True):
        due_at = starts_at - timedelta(hours=before)
        planned.append(Reminder(before, due_at,
                                ReminderOutcome.SKIPPED if due_at <= now else None))
    return planned


def send_due_reminders(run: Sweep) -> int:
    """Settle every reminder whose moment has come; how many members were reminded."""
    due = run.uow.events.due_reminders(run.now, BATCH)
    by_event: dict[int, list[DueReminder]] = {}
    for reminder in due:
        by_event.setdefault(reminder.event_id, []).append(reminder)
    told = 0
    for event_id, reminders in by_event.items():
        event = run.uow.events.get(event_id)
        if event is None or event.status != EventStatus.SCHEDULED:
            _settle(run, reminders, ReminderOutcome.CANCELLED)
            continue
        if run.now >= event.starts_at:
            _settle(run, reminders, ReminderOutcome.SKIPPED)  # too late to remind anyone
            continue
        closest = min(reminders, key=lambda r: r.hours)
        _settle(run, [r for r in reminders if r is not closest], ReminderOutcome.SKIPPED)
        if run.uow.events.settle_reminder(event_id, closest.hours, ReminderOutcome.SENT,
                                          run.now):
            told += _remind(run, event)
    return told


def _settle(run: Sweep, reminders: Sequence[DueReminder], outcome: ReminderOutcome) -> None:
    for reminder in reminders:
        run.uow.events.settle_reminder(reminder.event_id, reminder.hours, outcome, run.now)


def _remind(run: Sweep, event: Event) -> int:
    """Remind everyone invited who did not decline, with the start in their own time."""
    left = max(1, round((event.starts_at - run.now).total_seconds() / 60))
    shown = duration_text(left) if left < 120 else f"{round(left / 60)} h"

    def body(zone: str) -> list[Phrase]:
        return [phrase("event.reminder", title=title(event), code=event.code, left=shown),
                *details(event, zone, full=False)]

    return tell_each_in_their_zone(run, run.uow.events.invitees(event.id, declined=False), body,
                                   buttons=rsvp_buttons(event.id))
