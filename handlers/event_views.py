"""How an event reads for one person: its start in their own zone, its details, its buttons,
and the calendar file that goes with it.

Invitees in the same zone share one message body, so a large audience is rendered once per
zone and language rather than once per person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from handlers.calendar_file import CalendarEntry, calendar_file
from handlers.domain import Contact, Language
from handlers.event_input import duration_text
from handlers.event_ports import Answer, Counts, Event, EventStatus
from handlers.messages import Attachment, Button, Context, Phrase, UserText
from handlers.ports import FileStore
from handlers.timezones import local_time, zone_label
from handlers.turn import Buttons, button, phrase

ANSWERS = (Answer.YES, Answer.MAYBE, Answer.NO)


class Teller(Protocol):
    """Where messages to members are collected: a :class:`Turn` or a :class:`Sweep`."""

    contacts: dict[int, Contact]

    def tell_lines(self, member_id: int, lines: Sequence[Phrase], *, buttons: Buttons = (),
                   context: Context | None = None,
                   attachments: Sequence[Attachment] = ()) -> None:
        """Tell one member several lines (and files) in one message."""
        ...


class Reachable(Protocol):
    """Someone a message can reach, and their zone (a member, or an audience's recipient)."""

    @property
    def id(self) -> int: ...

    @property
    def identity(self) -> str: ...

    @property
    def language(self) -> Language: ...

    @property
    def auto_translate(self) -> bool: ...

    @property
    def timezone(self) -> str: ...


def zone_name(zone: str, moment: datetime) -> str:
    """A zone as shown next to a time: its city and UTC offset then (``Lima, UTC-05:00``)."""
    offset = local_time(zone, moment).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    shown = f"UTC{sign}{hours:02d}:{rest:02d}"
    label = zone_label(zone)
    return shown if zone == "UTC" or label.startswith("UTC") else f"{label}, {shown}"


def when(zone: str, moment: datetime) -> Phrase:
    """A moment in a zone: weekday, date, time and the zone (``Thursday 2026-12-03, 07:00
    (Lima, UTC-05:00)``)."""
    local = local_time(zone, moment)
    return phrase("event.when", weekday=phrase(f"event.weekday.{local.weekday()}"),
                  date=local.date().isoformat(), time=f"{local.hour:02d}:{local.minute:02d}",
                  zone=zone_name(zone, moment))


def zone_times(moment: datetime, zones: Mapping[str, int], home: str, most: int = 8) -> str:
    """A moment as it falls in each zone, west to east, with how many people are there
    (``07:00 Lima (1) · 12:00 Dakar (1) · 14:00 Maputo (2)``); the date is added where it is
    not the day it is in ``home``."""
    day = local_time(home, moment).date()
    shown = []
    for zone in sorted(zones, key=lambda z: (local_time(z, moment).utcoffset(), z))[:most]:
        local = local_time(zone, moment)
        clock = f"{local.hour:02d}:{local.minute:02d}"
        if local.date() != day:
            clock = f"{local.date().isoformat()} {clock}"
        shown.append(f"{clock} {zone_label(zone)} ({zones[zone]})")
    return " · ".join(shown) + (" · …" if len(zones) > most else "")


def title(event: Event) -> UserText:
    """The title as the organiser wrote it (each reader gets it in their language)."""
    return UserText(event.title, event.title_language)


def details(event: Event, zone: str, *, full: bool = True) -> list[Phrase]:
    """The event's particulars with its start in one zone (not ``full``: start and link)."""
    lines = [phrase("event.line.when", when=when(zone, event.starts_at),
                    duration=duration_text(event.duration_minutes)),
             phrase("event.line.link", link=event.link)]
    if not full:
        return lines
    if event.agenda:
        lines.append(phrase("event.line.agenda",
                            agenda=UserText(event.agenda, event.agenda_language)))
    if event.presenting:
        lines.append(phrase("event.line.presenting", teams=", ".join(event.presenting)))
    return lines


def rsvp_buttons(event_id: int, chosen: Answer | None = None) -> list[list[Button]]:
    """Attending / Maybe / Not attending (the chosen one marked)."""
    return [[button(f"ev:{answer.value}:{event_id}",
                    f"event.button.{answer.value}{'_chosen' if answer == chosen else ''}")
             for answer in ANSWERS]]


def counts_line(counts: Counts) -> Phrase:
    """How the invitees answered."""
    return phrase("event.line.counts", yes=counts.yes, maybe=counts.maybe, no=counts.no,
                  unanswered=counts.unanswered)


def calendar_attachment(files: FileStore, event: Event, now: datetime) -> Attachment:
    """The event's ``.ics`` (a request, or a cancellation), kept and ready to attach."""
    content = calendar_file(CalendarEntry(
        event.id, event.created_at, event.title, event.starts_at, event.ends_at, event.link,
        event.agenda, event.sequence, cancelled=event.status == EventStatus.CANCELLED), now)
    sha = files.keep(content)
    return Attachment(f"event-{event.id}.ics", len(content), "text/calendar",
                      files.location(sha))


def tell_each_in_their_zone(out: Teller, members: Iterable[Reachable],
                            body_for: Callable[[str], Sequence[Phrase]], *,
                            buttons: Buttons = (),
                            attachments: Sequence[Attachment] = ()) -> int:
    """Tell every member the lines ``body_for`` makes for their zone; how many were told."""
    bodies: dict[str, tuple[Phrase, ...]] = {}
    told = 0
    for member in members:
        body = bodies.get(member.timezone)
        if body is None:
            body = bodies[member.timezone] = tuple(body_for(member.timezone))
        out.contacts[member.id] = Contact(member.id, member.identity, member.language,
                                          member.auto_translate)
        out.tell_lines(member.id, body, buttons=buttons, attachments=attachments)
        told += 1
    return told
