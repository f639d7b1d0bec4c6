"""Clocks: the real one, and a virtual one the console and tests move by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_STEP = re.compile(r"^\+(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current moment."""
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told to (``:clock +3d`` in the console)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        """The virtual moment."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Put the clock at a moment."""
        self._now = moment.astimezone(UTC)

    def move(self, spec: str) -> datetime:
        """Move by ``+30m``/``+2h``/``+3d``, or set it to an ISO time (a script's start)."""
        target = parse_clock(spec, self._now)
        self._now = target
        return target


# A move longer than this sweeps once, at the end (like a bot that was down meanwhile);
# shorter moves sweep at every full hour they cross, like a running bot.
LONGEST_STEPPED_MOVE = timedelta(days=31)


def sweep_moments(start: datetime, target: datetime) -> list[datetime]:
    """The moments a running bot would have swept between two clock readings: each full hour
    after ``start`` and before ``target``, then ``target`` itself."""
    if target <= start or target - start > LONGEST_STEPPED_MOVE:
        return [target]
    moments: list[datetime] = []
    hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while hour < target:
        moments.append(hour)
        hour += timedelta(hours=1)
    return [*moments, target]


def parse_clock(spec: str, now: datetime) -> datetime:
    """The moment a clock step names: ``+30m``, ``+2h``, ``+3d`` or an ISO time (UTC if naive)."""
    spec = spec.strip()
    step = _STEP.match(spec)
    if step:
        try:
            return now + timedelta(**{_UNITS[step.group(2)]: int(step.group(1))})
        except OverflowError:
            raise ValueError(f"{spec!r} moves the clock past the year 9999") from None
    try:
        moment = datetime.fromisoformat(spec)
    except ValueError:
        raise ValueError(f"{spec!r} is neither +30m/+2h/+3d nor an ISO time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
