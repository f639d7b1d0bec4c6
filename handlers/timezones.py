"""Time zones from what people type: a city (``Maputo``), an IANA name, or a UTC offset."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from handlers.domain import Language

# The programme's typical places, with the language most people there speak: the city list
# offered as buttons, and names that do not match an IANA zone's own city.
CITIES: dict[str, tuple[str, Language]] = {
    "Maputo": ("Africa/Maputo", Language.PT),
    "Luanda": ("Africa/Luanda", Language.PT),
    "Bissau": ("Africa/Bissau", Language.PT),
    "Praia": ("Atlantic/Cape_Verde", Language.PT),
    "São Paulo": ("America/Sao_Paulo", Language.PT),
    "Porto Alegre": ("America/Sao_Paulo", Language.PT),
    "Belo Horizonte": ("America/Sao_Paulo", Language.PT),
    "Brasília": ("America/Sao_Paulo", Language.PT),
    "Dakar": ("Africa/Dakar", Language.FR),
    "Kigali": ("Africa/Kigali", Language.FR),
    "Yaoundé": ("Africa/Douala", Language.FR),
    "Abidjan": ("Africa/Abidjan", Language.FR),
    "Antananarivo": ("Indian/Antananarivo", Language.FR),
    "Lima": ("America/Lima", Language.ES),
    "Montevideo": ("America/Montevideo", Language.ES),
    "Quito": ("America/Guayaquil", Language.ES),
    "Bogotá": ("America/Bogota", Language.ES),
    "Nairobi": ("Africa/Nairobi", Language.EN),
    "Kampala": ("Africa/Kampala", Language.EN),
    "Harare": ("Africa/Harare", Language.EN),
    "Johannesburg": ("Africa/Johannesburg", Language.EN),
    "Gaborone": ("Africa/Gaborone", Language.EN),
    "Maseru": ("Africa/Maseru", Language.EN),
    "Washington": ("America/New_York", Language.EN),
}

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")


def _fold(text: str) -> str:
    """Lower case, no accents, spaces and underscores alike: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", " ", plain)


@lru_cache(maxsize=1024)
def tzinfo_for(name: str) -> tzinfo:
    """The tzinfo of a stored zone: an IANA name or a fixed offset like ``+05:30``."""
    if name and name[0] in "+-":
        sign = 1 if name[0] == "+" else -1
        hours, minutes = name[1:].split(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    return zoneinfo.ZoneInfo(name)


def local_time(name: str, moment: datetime) -> datetime:
    """A UTC moment in a stored zone."""
    return moment.astimezone(tzinfo_for(name))


# The first listed city of each zone names it (São Paulo, not Porto Alegre).
_CITY_OF_ZONE: dict[str, str] = {}
for _city, (_zone, _lang) in CITIES.items():
    _CITY_OF_ZONE.setdefault(_zone, _city)


def zone_label(name: str) -> str:
    """A short human label for a stored zone: its city, or ``UTC+05:30``."""
    if name and name[0] in "+-":
        return f"UTC{name}"
    city = _CITY_OF_ZONE.get(name)
    if city is not None:
        return city
    return name.rsplit("/", 1)[-1].replace("_", " ")


def clock_time(name: str, moment: datetime) -> str:
    """The local time (``14:05``) in a stored zone at a UTC moment."""
    local = moment + _offset(name, _quarter(moment))
    return f"{local.hour:02d}:{local.minute:02d}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUARTER = timedelta(minutes=15)


def _quarter(moment: datetime) -> int:
    """Which quarter of an hour since 1970 a moment falls in."""
    return (moment - _EPOCH) // _QUARTER


@lru_cache(maxsize=4096)
def _offset(name: str, quarter_hour: int) -> timedelta:
    """A zone's UTC offset during one quarter of an hour (offsets change only on those)."""
    offset = datetime.fromtimestamp(quarter_hour * 900, UTC).astimezone(tzinfo_for(name))
    return offset.utcoffset() or timedelta(0)


@dataclass(frozen=True, slots=True)
class TimeZones:
    """Finds the zone a person means; built once from the IANA database."""

    by_name: dict[str, str]

    @classmethod
    def load(cls) -> TimeZones:
        """Index every IANA zone by its full name and city, plus the programme's city list."""
        index: dict[str, str] = {}
        for zone in sorted(zoneinfo.available_timezones()):
            if zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
                continue
            index.setdefault(_fold(zone), zone)
            index.setdefault(_fold(zone.rsplit("/", 1)[-1]), zone)
        for city, (zone, _lang) in CITIES.items():
            index[_fold(city)] = zone
        index["utc"] = "UTC"
        return cls(index)

    def find(self, text: str) -> str | None:
        """The stored form of what a person typed, or None when it names no zone."""
        folded = _fold(text)
        match = _OFFSET.match(folded.replace(" ", ""))
        if match:
            sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
            if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
                return None
            return f"{sign}{hours:02d}:{minutes:02d}"
        return self.by_name.get(folded)

    @staticmethod
    def suggestions(language: Language) -> list[str]:
        """Cities to offer as buttons: those where people speak this language first."""
        first = [c for c, (_z, lang) in CITIES.items() if lang == language]
        rest = [c for c, (_z, lang) in CITIES.items() if lang != language]
        return (first + rest)[:12]
