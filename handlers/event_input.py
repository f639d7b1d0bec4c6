"""Reading what an organiser types about an event: its start, duration and link.

A start is typed with the zone it is meant in (``2026-12-03 14:00 Africa/Maputo``, ``… UTC``,
``… local``) and becomes one UTC instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from handlers.tasks import parse_due
from handlers.timezones import TimeZones, tzinfo_for

TITLE_LIMIT = 200
AGENDA_LIMIT = 2000
LINK_LIMIT = 500
SHORTEST, LONGEST = 5, 12 * 60  # minutes an event may last
FURTHEST = timedelta(days=2 * 366)  # how far ahead an event may be planned
# Words that mean "in my own zone", in the four languages.
LOCAL_WORDS = frozenset({"local", "locale", "hora local", "heure locale", "horario local"})
_TIME = re.compile(r"^(\d{1,2})(?:[:h.](\d{2})|h)$", re.IGNORECASE)
_DURATION = re.compile(r"^(?:(\d{1,2})\s*h(?:\s*(\d{1,2})\s*(?:m|min)?)?|(\d{1,2}):(\d{2})"
                       r"|(\d{1,3})\s*(?:m|min|mins|minutes?|minutos?)?)$", re.IGNORECASE)


class StartProblem(StrEnum):
    """Why a typed start cannot be used (each has its own reply)."""

    FORMAT = "format"  # no date and time to read
    ZONE = "zone"  # a zone nobody knows
    GAP = "gap"  # a local time skipped by a clock change
    PAST = "past"
    FAR = "far"


@dataclass(frozen=True, slots=True)
class Start:
    """A start as one UTC instant, and the zone it was given in."""

    at: datetime
    zone: str
    wall: str  # the date and time as typed, normalised (``2026-12-03 14:00``)


def parse_start(text: str, zones: TimeZones, own_zone: str,
                now: datetime) -> Start | StartProblem:
    """A typed start: date, time, then a zone, ``UTC`` or ``local`` (nothing means local)."""
    parts = text.split()
    if len(parts) < 2:
        return StartProblem.FORMAT
    day = parse_due(parts[0])
    clock = _TIME.match(parts[1])
    if day is None or clock is None:
        return StartProblem.FORMAT
    hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
    if hour > 23 or minute > 59:
        return StartProblem.FORMAT
    rest = " ".join(parts[2:])
    if not rest or rest.casefold() in LOCAL_WORDS:
        zone: str | None = own_zone
    elif rest.upper() in ("UTC", "Z", "GMT"):
        zone = "UTC"
    else:
        zone = zones.find(rest)
    if zone is None:
        return StartProblem.ZONE
    wall = datetime.combine(day, time(hour, minute), tzinfo_for(zone))
    at = wall.astimezone(UTC)
    if at.astimezone(tzinfo_for(zone)).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return StartProblem.GAP
    if at <= now:
        return StartProblem.PAST
    if at - now > FURTHEST:
        return StartProblem.FAR
    return Start(at, zone, f"{day.isoformat()} {hour:02d}:{minute:02d}")


def parse_duration(text: str) -> int | None:
    """Minutes from ``90``, ``90 min``, ``1h30``, ``1:30`` or ``2h``; None outside 5 min to 12 h."""
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    hours, minutes, colon_h, colon_m, plain = match.groups()
    if hours is not None:
        if int(minutes or 0) > 59:
            return None
        total = int(hours) * 60 + int(minutes or 0)
    elif colon_h is not None:
        if int(colon_m) > 59:
            return None
        total = int(colon_h) * 60 + int(colon_m)
    else:
        total = int(plain)
    return total if SHORTEST <= total <= LONGEST else None


def parse_link(text: str) -> str | None:
    """A web link (``http(s)://host…`` with no spaces); None when it does not look like one."""
    link = text.strip()
    if not link or len(link) > LINK_LIMIT or any(c.isspace() or ord(c) < 32 for c in link):
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname or ""
        _port = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or "." not in host.strip("."):
        return None
    return link


def clean_title(text: str) -> str | None:
    """A title with its spaces collapsed; None when too short or too long."""
    title = " ".join(text.split())
    return title if 3 <= len(title) <= TITLE_LIMIT else None


def clean_agenda(text: str) -> str | None:
    """An agenda as written (trimmed); None when too long."""
    agenda = text.strip()
    return agenda if len(agenda) <= AGENDA_LIMIT else None


def duration_text(minutes: int) -> str:
    """A duration as people read it in every language of the programme: ``1 h 30 min``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
