"""An event as an iCalendar file (RFC 5545) that calendar programs import: one VEVENT.

Written here rather than with a library: the file is one fixed shape (UTC times, a few text
properties), and its bytes must come out the same for the same event and moment.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

# The programme's namespace for calendar UIDs: an event's UID never changes.
_NAMESPACE = uuid.UUID("5f0c7d2e-8a51-4b8e-9a52-3c1d4e6f7a80")
# Control characters RFC 5545 does not allow in a text value (tabs are allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_OCTETS = 75


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """What the calendar file says about one event."""

    event_id: int
    created_at: datetime
    title: str
    starts_at: datetime
    ends_at: datetime
    link: str
    agenda: str
    sequence: int
    cancelled: bool = False


def event_uid(event_id: int, created_at: datetime) -> str:
    """The event's UID: the same in every file sent about it, different for other events."""
    stamp = created_at.astimezone(UTC).isoformat()
    return f"{uuid.uuid5(_NAMESPACE, f'{event_id}/{stamp}')}@peerdesk"


def utc_stamp(moment: datetime) -> str:
    """A moment as an iCalendar UTC date-time (``20261203T120000Z``)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped, controls dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded at 75 octets (never inside a UTF-8 character), CRLF-ended."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = _LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            current, size = [], 0
            limit = _LINE_OCTETS - 1  # continuation lines start with one space
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces) + "\r\n"


def calendar_file(entry: CalendarEntry, now: datetime) -> bytes:
    """The ``.ics`` bytes of the event, or of its cancellation (``STATUS:CANCELLED``).

    A plain calendar object without ``METHOD``: an iTIP REQUEST or CANCEL needs an ORGANIZER
    with an e-mail address, which peerdesk does not have, and some clients refuse such files;
    imported, the same UID with a higher SEQUENCE updates (or cancels) the event.
    """
    description = entry.link if not entry.agenda else f"{entry.link}\n\n{entry.agenda}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//peerdesk//events//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{event_uid(entry.event_id, entry.created_at)}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"SEQUENCE:{entry.sequence}",
        f"DTSTART:{utc_stamp(entry.starts_at)}",
        f"DTEND:{utc_stamp(entry.ends_at)}",
        f"SUMMARY:{escape_text(entry.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"LOCATION:{escape_text(entry.link)}",
        f"URL:{entry.link}",
        f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) for line in lines).encode("utf-8")
