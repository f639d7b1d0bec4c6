"""When a broadcast goes, as a coordinator types it.

``now``; or a date and time followed by ``local`` (that wall time in each recipient's own time
zone), ``UTC``, an offset (``+02:00``), an IANA zone or a city (``Europe/Lisbon``, ``Dakar``),
each meaning one instant; with no zone, the writer's own. ``at`` in front is optional.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from handlers.audience import fold
from handlers.broadcast_ports import When
from handlers.messages import Phrase
from handlers.timezones import TimeZones, local_time, tzinfo_for, zone_label

_NOW = frozenset({"now", "agora", "ahora", "maintenant", "ja", "ya", "tout de suite"})
_AT = re.compile(r"^(?:at|as|a las|a la|el|em|le|a)\s+")
_MOMENT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ t]+(\d{1,2})[:h](\d{2})\s*(.*)$")
_LOCAL = frozenset({"local", "local time", "locale", "hora local", "heure locale",
                    "horario local", "heure local"})
# How far ahead a broadcast may be scheduled.
FURTHEST = timedelta(days=366)


class Schedule(NamedTuple):
    """When a broadcast goes; ``wall`` is naive (LOCAL), ``moment`` an aware instant (AT)."""

    when: When
    moment: datetime | None = None
    wall: datetime | None = None
    zone: str | None = None  # AT: the zone the time was given in

    @property
    def wall_text(self) -> str:
        """LOCAL: the wall time as shown and stored (``2026-12-01 09:00``)."""
        assert self.wall is not None
        return f"{self.wall:%Y-%m-%d %H:%M}"

    def moment_in(self, zone: str) -> datetime:
        """The instant at which it goes for someone living in ``zone`` (UTC)."""
        if self.moment is not None:
            return self.moment
        assert self.wall is not None
        return self.wall.replace(tzinfo=tzinfo_for(zone)).astimezone(UTC)


NOW = Schedule(When.NOW)


def parse_schedule(text: str, zones: TimeZones, own_zone: str) -> Schedule | Phrase:
    """The schedule a text means, or what to tell the person (a catalogue phrase)."""
    typed = " ".join(text.split())
    if fold(typed) in _NOW:
        return NOW
    rest = _AT.sub("", fold(typed), count=1)
    match = _MOMENT.match(rest)
    if match is None:
        return Phrase("broadcast.bad_when", {"value": typed[:60]})
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    try:
        wall = datetime(year, month, day, hour, minute)
    except ValueError:
        return Phrase("broadcast.bad_when", {"value": typed[:60]})
    zone_text = match.group(6).strip()
    if zone_text in _LOCAL:
        return Schedule(When.LOCAL, wall=wall)
    if zone_text in ("utc", "gmt", "z"):
        zone: str | None = "UTC"
    elif zone_text:
        zone = zones.find(zone_text)
        if zone is None:
            return Phrase("broadcast.bad_zone", {"value": zone_text[:60]})
    else:
        zone = own_zone
    return Schedule(When.AT, moment=wall.replace(tzinfo=tzinfo_for(zone)).astimezone(UTC),
                    zone=zone)


def check_schedule(schedule: Schedule, now: datetime,
                   zones: Mapping[str, int]) -> Phrase | None:
    """Why a schedule cannot be used for an audience living in these zones (None: it can):
    a moment already past (for anyone) or too far ahead."""
    if schedule.when == When.NOW:
        return None
    moments = {zone: schedule.moment_in(zone) for zone in zones} or {"UTC": schedule.moment_in(
        "UTC")}
    zone, first = min(moments.items(), key=lambda item: item[1])
    if first <= now:
        if schedule.when == When.LOCAL:
            return Phrase("broadcast.past_local", {"time": schedule.wall_text,
                                                   "zone": zone_label(zone),
                                                   "count": zones.get(zone, 0)})
        return Phrase("broadcast.past", {"time": shown(schedule, own=schedule.zone or "UTC")})
    if max(moments.values()) - now > FURTHEST:
        return Phrase("broadcast.too_far", {"days": FURTHEST.days})
    return None


def shown(schedule: Schedule, own: str) -> str:
    """An instant as its writer reads it: ``2026-12-01 09:00 (Dakar)``."""
    assert schedule.moment is not None
    local = local_time(own, schedule.moment)
    return f"{local:%Y-%m-%d %H:%M} ({zone_label(own)})"


def first_and_last(schedule: Schedule, zones: Mapping[str, int]) -> tuple[datetime, datetime]:
    """LOCAL: the first and the last instant at which someone of the audience gets it."""
    moments = [schedule.moment_in(zone) for zone in zones] or [schedule.moment_in("UTC")]
    return min(moments), max(moments)
