"""When a broadcast goes, as typed: now, one instant in some zone, or a wall time in each
reader's own zone — and the moments refused (past for someone, too far ahead)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.broadcast_ports import When
from handlers.broadcast_schedule import Schedule, check_schedule, first_and_last, parse_schedule
from handlers.messages import Phrase
from tests.unit.fakes import zones

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def parsed(text: str, own: str = "Africa/Maputo") -> Schedule:
    found = parse_schedule(text, zones(), own)
    assert isinstance(found, Schedule), found
    return found


@pytest.mark.parametrize("text", ["now", "Agora", "ahora", "maintenant"])
def test_now_in_four_languages(text: str) -> None:
    assert parsed(text).when == When.NOW


@pytest.mark.parametrize(("text", "moment"), [
    ("at 2026-12-01 09:00 UTC", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-12-01 09:00 utc", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-12-01T09:00 +02:00", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    ("às 2026-12-01 9h30 America/Sao_Paulo", datetime(2026, 12, 1, 12, 30, tzinfo=UTC)),
    ("a las 2026-12-01 09:00 Lima", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
    ("2026-12-01 09:00", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),  # the writer's own zone
    # Lisbon is on summer time in July (UTC+1), not in December.
    ("2026-07-01 09:00 Europe/Lisbon", datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
])
def test_one_instant(text: str, moment: datetime) -> None:
    found = parsed(text)
    assert (found.when, found.moment) == (When.AT, moment)


def test_a_wall_time_in_each_zone() -> None:
    found = parsed("at 2026-12-01 09:00 local")
    assert (found.when, found.wall_text) == (When.LOCAL, "2026-12-01 09:00")
    assert found.moment_in("America/Lima") == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert found.moment_in("Africa/Dakar") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert found.moment_in("Africa/Maputo") == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert found.moment_in("+05:30") == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    # Santiago is on summer time (UTC-3) in December.
    assert found.moment_in("America/Santiago") == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert first_and_last(found, {"America/Lima": 2, "Africa/Maputo": 1}) == (
        datetime(2026, 12, 1, 7, 0, tzinfo=UTC), datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    assert parsed("2026-12-01 09:00 hora local").when == When.LOCAL
    assert parsed("2026-12-01 09:00 heure locale").when == When.LOCAL


@pytest.mark.parametrize(("text", "key"), [
    ("tomorrow", "broadcast.bad_when"),
    ("2026-02-30 09:00 UTC", "broadcast.bad_when"),
    ("2026-12-01 25:00 UTC", "broadcast.bad_when"),
    ("2026-12-01 09:00 Atlantis", "broadcast.bad_zone"),
])
def test_what_cannot_be_read(text: str, key: str) -> None:
    found = parse_schedule(text, zones(), "UTC")
    assert isinstance(found, Phrase) and found.key == key


def test_moments_refused() -> None:
    assert check_schedule(parsed("now"), NOW, {}) is None
    past = check_schedule(parsed("2026-03-02 11:59 UTC"), NOW, {})
    assert past is not None and past.key == "broadcast.past"
    assert check_schedule(parsed("2026-03-02 12:01 UTC"), NOW, {}) is None
    far = check_schedule(parsed("2027-06-01 09:00 UTC"), NOW, {})
    assert far is not None and far.key == "broadcast.too_far"
    # 13:30 local: already past in Maputo (11:30 UTC), still to come in Lima (18:30 UTC):
    # refused, naming Maputo and how many of the audience live there.
    local = parsed("2026-03-02 13:30 local")
    refused = check_schedule(local, NOW, {"Africa/Maputo": 3, "America/Lima": 2})
    assert refused is not None and refused.key == "broadcast.past_local"
    assert refused.params["zone"] == "Maputo" and refused.params["count"] == 3
    assert check_schedule(local, NOW, {"America/Lima": 2}) is None
