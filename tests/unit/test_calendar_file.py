"""The event's .ics file: RFC 5545 shape, escaping, folding at 75 octets, UTC times, SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from handlers.calendar_file import CalendarEntry, calendar_file, escape_text, event_uid, fold

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _entry(**changes: object) -> CalendarEntry:
    values: dict[str, object] = {
        "event_id": 7, "created_at": NOW, "title": "Orçamento participativo: resultados",
        "starts_at": START, "ends_at": START + timedelta(minutes=90),
        "link": "https://meet.example.org/pb-results", "agenda": "1. Rios\n2. Kuna",
        "sequence": 0}
    values.update(changes)
    return CalendarEntry(**values)  # type: ignore[arg-type]


def unfold(data: bytes) -> list[str]:
    """Content lines with folding undone (what a calendar program reads)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def props(data: bytes) -> dict[str, str]:
    return dict(line.split(":", 1) for line in unfold(data))


def test_a_request_with_one_event_in_utc() -> None:
    lines = unfold(calendar_file(_entry(), NOW))
    assert lines[:5] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//peerdesk//events//EN",
                         "CALSCALE:GREGORIAN", "BEGIN:VEVENT"]
    assert lines[-2:] == ["END:VEVENT", "END:VCALENDAR"]
    found = props(calendar_file(_entry(), NOW))
    assert found["DTSTART"] == "20261203T120000Z"
    assert found["DTEND"] == "20261203T133000Z"
    assert found["DTSTAMP"] == "20261127T080000Z"
    assert found["SEQUENCE"] == "0"
    assert found["STATUS"] == "CONFIRMED"
    assert found["URL"] == "https://meet.example.org/pb-results"
    assert found["SUMMARY"] == "Orçamento participativo: resultados"
    assert found["DESCRIPTION"] == "https://meet.example.org/pb-results\\n\\n1. Rios\\n2. Kuna"


def test_times_given_in_another_zone_come_out_in_utc() -> None:
    lima = timezone(timedelta(hours=-5))
    found = props(calendar_file(_entry(starts_at=START.astimezone(lima),
                                       ends_at=(START + timedelta(hours=1)).astimezone(lima)),
                                NOW))
    assert found["DTSTART"] == "20261203T120000Z"
    assert found["DTEND"] == "20261203T130000Z"


def test_a_change_keeps_the_uid_and_raises_the_sequence() -> None:
    first = props(calendar_file(_entry(), NOW))
    second = props(calendar_file(_entry(sequence=1, starts_at=START + timedelta(days=1),
                                        ends_at=START + timedelta(days=1, hours=1)),
                                 NOW + timedelta(hours=1)))
    assert first["UID"] == second["UID"]
    assert second["SEQUENCE"] == "1"
    assert second["DTSTAMP"] == "20261127T090000Z"
    other = event_uid(8, NOW)
    assert other != first["UID"] and other.endswith("@peerdesk")


def test_a_cancellation() -> None:
    found = props(calendar_file(_entry(sequence=2, cancelled=True), NOW))
    assert "METHOD" not in found and found["STATUS"] == "CANCELLED"
    assert found["STATUS"] == "CANCELLED"
    assert found["SEQUENCE"] == "2"


def test_special_characters_are_escaped() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf\rg") == "a\\,b\\;c\\\\d\\ne\\nf\\ng"
    assert escape_text("tab\there\x00\x1b") == "tab\there"  # controls other than tab dropped
    found = props(calendar_file(_entry(title="Rios, Kuna; \\o/"), NOW))
    assert found["SUMMARY"] == "Rios\\, Kuna\\; \\\\o/"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    title = "Résultats " * 20 + "ção"
    data = calendar_file(_entry(title=title), NOW)
    for physical in data.split(b"\r\n"):
        assert len(physical) <= 75
        physical.decode("utf-8")  # never cut inside a multi-byte character
    assert props(data)["SUMMARY"] == title
    assert b"\n" not in data.replace(b"\r\n", b"")  # every line ends with CRLF


@given(st.text(max_size=400))
def test_any_text_folds_and_unfolds_to_itself(text: str) -> None:
    line = "DESCRIPTION:" + escape_text(text)
    folded = fold(line)
    assert folded.endswith("\r\n")
    physical = folded[:-2].split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert folded[:-2].replace("\r\n ", "") == line
    assert "\r" not in line and "\n" not in line
