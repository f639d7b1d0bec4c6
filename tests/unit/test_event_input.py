"""What an organiser types about an event: starts with their zone, durations, links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.event_input import (
    Start,
    StartProblem,
    clean_title,
    duration_text,
    parse_duration,
    parse_link,
    parse_start,
)
from handlers.event_views import zone_name, zone_times
from handlers.timezones import TimeZones

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ZONES = TimeZones.load()


@pytest.mark.parametrize(("text", "at", "zone"), [
    ("2026-12-03 14:00 Africa/Maputo", "2026-12-03T12:00:00+00:00", "Africa/Maputo"),
    ("2026-12-03 14:00 Maputo", "2026-12-03T12:00:00+00:00", "Africa/Maputo"),
    ("2026-12-03 12:00 UTC", "2026-12-03T12:00:00+00:00", "UTC"),
    ("2026-12-03 7:00 America/Lima", "2026-12-03T12:00:00+00:00", "America/Lima"),
    ("03/12/2026 12h Dakar", "2026-12-03T12:00:00+00:00", "Africa/Dakar"),
    ("2026-12-03 09:30 local", "2026-12-03T12:30:00+00:00", "America/Sao_Paulo"),
    ("2026-12-03 09:30", "2026-12-03T12:30:00+00:00", "America/Sao_Paulo"),
    ("2026-12-03 09:30 hora local", "2026-12-03T12:30:00+00:00", "America/Sao_Paulo"),
    ("2026-12-03 14:00 +02:00", "2026-12-03T12:00:00+00:00", "+02:00"),
])
def test_a_start_is_one_utc_instant(text: str, at: str, zone: str) -> None:
    start = parse_start(text, ZONES, "America/Sao_Paulo", NOW)
    assert isinstance(start, Start)
    assert start.at.isoformat() == at
    assert start.zone == zone


@pytest.mark.parametrize(("text", "problem"), [
    ("tomorrow at noon", StartProblem.FORMAT),
    ("2026-12-03", StartProblem.FORMAT),
    ("2026-12-03 25:00 UTC", StartProblem.FORMAT),
    ("2026-02-30 10:00 UTC", StartProblem.FORMAT),
    ("2026-12-03 14:00 Atlantis", StartProblem.ZONE),
    ("2026-11-01 10:00 UTC", StartProblem.PAST),
    ("2026-11-27 08:00 UTC", StartProblem.PAST),
    ("2030-01-01 10:00 UTC", StartProblem.FAR),
    # Lisbon's clocks jump from 01:00 to 02:00 on 2027-03-28: 01:30 never happens there.
    ("2027-03-28 01:30 Europe/Lisbon", StartProblem.GAP),
])
def test_starts_that_cannot_be_used(text: str, problem: StartProblem) -> None:
    assert parse_start(text, ZONES, "UTC", NOW) == problem


def test_an_hour_that_happens_twice_is_its_first_occurrence() -> None:
    start = parse_start("2027-10-31 01:30 Europe/Lisbon", ZONES, "UTC", NOW)
    assert isinstance(start, Start)
    assert start.at.isoformat() == "2027-10-31T00:30:00+00:00"  # still summer time (UTC+1)


@pytest.mark.parametrize(("text", "minutes"), [
    ("90", 90), ("90 min", 90), ("45m", 45), ("1h30", 90), ("1h 30min", 90), ("1:30", 90),
    ("2h", 120), ("2 h", 120), ("12h", 720), ("4", None), ("13h", None), ("soon", None),
    ("", None), ("1h75", None), ("1:60", None)])
def test_durations(text: str, minutes: int | None) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(("text", "ok"), [
    ("https://meet.example.org/pb", True), ("http://zoom.us/j/123?pwd=x", True),
    ("  https://meet.example.org/pb  ", True), ("meet.example.org", False),
    ("ftp://files.example.org", False), ("https://", False), ("https://localhost", False),
    ("https://meet.example.org/a b", False), ("javascript:alert(1)", False),
    ("https://meet.example.org:99999/", False), ("https://" + "a" * 500 + ".org", False)])
def test_links(text: str, ok: bool) -> None:
    assert (parse_link(text) is not None) == ok


def test_titles_and_durations_as_shown() -> None:
    assert clean_title("  PB   results ") == "PB results"
    assert clean_title("ab") is None
    assert duration_text(90) == "1 h 30 min"
    assert duration_text(60) == "1 h"
    assert duration_text(45) == "45 min"


def test_zone_names_with_their_offset_at_that_moment() -> None:
    december = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert zone_name("America/Lima", december) == "Lima, UTC-05:00"
    assert zone_name("Africa/Maputo", december) == "Maputo, UTC+02:00"
    assert zone_name("UTC", december) == "UTC+00:00"
    assert zone_name("+05:30", december) == "UTC+05:30"
    assert zone_name("Europe/Lisbon", datetime(2026, 7, 1, tzinfo=UTC)) == "Lisbon, UTC+01:00"


def test_a_start_as_it_falls_in_each_invitees_zone() -> None:
    early = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    zones = {"Africa/Maputo": 2, "America/Lima": 1, "Africa/Dakar": 3}
    assert zone_times(early, zones, "Africa/Maputo") == \
        "2026-12-02 23:00 Lima (1) · 04:00 Dakar (3) · 06:00 Maputo (2)"
    assert zone_times(early, zones, "Africa/Maputo", most=1) == "2026-12-02 23:00 Lima (1) · …"


def test_catalogue_keys_built_from_names_exist() -> None:
    from handlers.catalogue import Catalogue
    from handlers.event_flow import STEPS
    from handlers.event_manage import FIELDS
    from handlers.event_ports import Answer

    catalogue = Catalogue.load()
    keys = [f"event.weekday.{n}" for n in range(7)] + [f"event.field.{f}" for f in FIELDS]
    keys += [f"event.ask_{s}" for s in STEPS]
    for answer in Answer:
        keys += [f"event.button.{answer.value}", f"event.button.{answer.value}_chosen",
                 f"event.rsvp.{answer.value}", f"event.your_answer.{answer.value}"]
    assert [key for key in keys if not catalogue.has(key)] == []
