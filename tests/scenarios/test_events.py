"""Scenario: an event for members in Lima, Dakar and Maputo — invitations in each one's local
time with a calendar file, RSVPs, both reminders at the right moments (none for who declined),
a change and a cancellation, stale buttons, bad input at every step, a restart between the
reminders, and a bot that was down over them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.scenarios.harness import Transcript, play, query

PEOPLE = """
:clock 2026-11-27T08:00:00Z
carla> /start
carla> [press English]
carla> [press Maputo]
diego> /start
diego> [press Español]
diego> /tz Lima
awa> /start
awa> [press Français]
awa> /tz Dakar
ana> /start
ana> [press Português]
ana> [press Maputo]
ana> /newteam Rios
ana> Orçamento participativo
ana> [press África Austral]
"""

# 2026-12-03 14:00 in Maputo is 12:00 UTC: 07:00 in Lima, 12:00 in Dakar.
EVENT = """
carla> /event Resultados do orçamento participativo
carla> 2026-12-03 14:00 Africa/Maputo
carla> [press 1 h 30 min]
carla> https://meet.example.org/pb-results
carla> 1. Rios: o que aprendemos; 2. Perguntas
carla> Rios
carla> [press Everyone]
carla> [press Confirm]
"""

LIMA = "jueves 2026-12-03, 07:00 (Lima, UTC-05:00)"
DAKAR = "jeudi 2026-12-03, 12:00 (Dakar, UTC+00:00)"
MAPUTO = "quinta-feira 2026-12-03, 14:00 (Maputo, UTC+02:00)"


def sent_at(run: Transcript, number: int) -> str:
    """The console clock when message #number went out (the last ``~ clock`` before it)."""
    clock = ""
    for block in run.output:
        if block.startswith("~ clock "):
            clock = block.removeprefix("~ clock ")
        elif block.startswith(f"#{number} → "):
            return clock
    raise AssertionError(f"no message #{number}")


def calendar(database_url: str, tmp_path: Path, user: str, fragment: str) -> str:
    """The .ics attached to the newest message to ``user`` containing ``fragment``."""
    rows = query(database_url, "SELECT text, attachments FROM outbox "
                               f"WHERE identity = 'console:{user}' ORDER BY id DESC")
    for text, attachments in rows:
        if fragment in str(text):
            files = json.loads(attachments) if isinstance(attachments, str) else attachments
            (found,) = files
            assert found["type"] == "text/calendar" and found["name"] == "event-1.ics"
            location = Path(found["location"])
            content = (location if location.is_absolute() else tmp_path / location).read_bytes()
            assert found["size"] == len(content)
            return content.decode("utf-8").replace("\r\n ", "")
    raise AssertionError(f"{user} got no message with {fragment!r}")


async def test_invitations_rsvps_and_reminders_in_lima_dakar_and_maputo(
        tmp_path: Path, database_url: str) -> None:
    script = PEOPLE + EVENT + """
diego> [press Asistiré]
awa> [press Je participe]
awa> [press Peut-être]
ana> [press Não vou]
carla> /events
diego> /events
:clock 2026-12-03T13:00:00Z
diego> [press No asistiré]
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # The preview shows the start where the invitees are.
    (preview,) = run.find("carla", "Please check the event")
    assert "Invitees: 4 (everyone)" in preview.text
    assert "Local start times: 07:00 Lima (1) · 12:00 Dakar (1) · 14:00 Maputo (2)" \
        in preview.text
    # Everyone reads the start in their own time, with weekday and zone, and the buttons.
    (invitation,) = run.find("diego", "Carla te invita a “Resultados do orçamento")
    assert f"Cuándo: {LIMA} · 1 h 30 min" in invitation.text
    assert "Enlace: https://meet.example.org/pb-results" in invitation.text
    assert "Orden del día: 1. Rios: o que aprendemos; 2. Perguntas" in invitation.text
    assert "Presentan: Rios" in invitation.text
    assert invitation.buttons == ["Asistiré", "Quizás", "No asistiré"]
    assert f"Quand : {DAKAR}" in run.find("awa", "Carla vous invite à")[0].text
    assert f"Quando: {MAPUTO}" in run.find("ana", "Carla convida você")[0].text
    assert run.find("carla", "E1 “Resultados do orçamento participativo” is scheduled; the "
                             "invitations are on their way (invitees: 4). Reminders go out "
                             "24 h, 1 h before the start.")
    # The calendar file: one UTC instant, the link and agenda, a request.
    ics = calendar(database_url, tmp_path, "diego", "te invita")
    for line in ("STATUS:CONFIRMED", "DTSTART:20261203T120000Z", "DTEND:20261203T133000Z",
                 "SEQUENCE:0", "SUMMARY:Resultados do orçamento participativo",
                 "URL:https://meet.example.org/pb-results", "STATUS:CONFIRMED",
                 "DESCRIPTION:https://meet.example.org/pb-results\\n\\n1. Rios: o que "
                 "aprendemos\\; 2. Perguntas"):
        assert line in ics.split("\r\n"), line
    # The title and agenda go through the translation path as what Carla wrote.
    # (%% is one % for PostgreSQL's driver; two wildcards in a row are one for SQLite.)
    pieces = query(database_url, "SELECT pieces FROM outbox WHERE identity = 'console:diego' "
                                 "AND text LIKE '%%te invita%%'")
    (stored,) = pieces
    quoted = json.loads(stored[0]) if isinstance(stored[0], str) else stored[0]
    assert [p["text"] for p in quoted] == ["Resultados do orçamento participativo",
                                           "1. Rios: o que aprendemos; 2. Perguntas"]
    # Answers are confirmed, can change, and are counted.
    assert run.find("diego", f"Anotado: asistirás a “Resultados do orçamento participativo” "
                             f"(E1), {LIMA}.")
    assert run.find("awa", "C'est noté : vous participerez peut-être")
    assert run.find("ana", "Você não receberá lembretes")
    (card,) = run.find("carla", "E1 “Resultados")[-1:]
    assert "Attending 1 · maybe 1 · not attending 1 · no answer 1" in card.text
    assert card.buttons[-2:] == ["Change", "Cancel event"]
    (mine,) = run.find("diego", "Tu respuesta: asistiré.")
    assert mine.buttons == ["✓ Asistiré", "Quizás", "No asistiré"]
    # Both reminders, at 24 h and 1 h before, to all but Ana, who declined.
    for user, fragment in (("diego", "Recordatorio: “Resultados"), ("awa", "Rappel : « Res"),
                           ("carla", "Reminder: “Resultados")):
        first, second = run.find(user, fragment)
        assert sent_at(run, first.number) == "2026-12-02 12:00 UTC"
        assert sent_at(run, second.number) == "2026-12-03 11:00 UTC"
        assert "24 h." in first.text and "1 h." in second.text
    (lima, _) = run.find("diego", "Recordatorio")
    assert f"Cuándo: {LIMA}" in lima.text and "https://meet.example.org/pb-results" in lima.text
    assert not run.find("ana", "Lembrete")
    # Once it has started, an answer gets a clear reply.
    assert run.last("diego").text == ("E1 “Resultados do orçamento participativo” ya empezó; "
                                      "las respuestas están cerradas.")
    assert query(database_url, "SELECT hours, outcome FROM event_reminders ORDER BY hours") \
        == [(1, "sent"), (24, "sent")]


async def test_a_change_and_a_cancellation_reach_every_invitee(
        tmp_path: Path, database_url: str) -> None:
    script = PEOPLE + EVENT + """
diego> [press Asistiré]
ana> [press Não vou]
carla> /event edit 1 start 2026-12-04 15:00 UTC
carla> /events
carla> [press Change]
carla> [press Link]
carla> https://meet.example.org/new-room
carla> /event edit 1 link https://meet.example.org/new-room
:clock 2026-12-04T12:00:00Z
carla> /events
carla> [press Cancel event]
carla> [press Yes, cancel it]
diego> [press Asistiré]
carla> /event cancel 1
:clock 2026-12-04T16:00:00Z
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # A new start: everyone hears of it with the old and new time in their own zone.
    (moved,) = run.find("diego", "Cambio en “Resultados do orçamento participativo” (E1) — "
                                 "cambió: Inicio.")
    assert f"Antes: {LIMA}" in moved.text
    assert "Cuándo: viernes 2026-12-04, 10:00 (Lima, UTC-05:00)" in moved.text
    assert moved.buttons == ["Asistiré", "Quizás", "No asistiré"]
    assert run.find("ana", "Quando: sexta-feira 2026-12-04, 17:00 (Maputo, UTC+02:00)")
    assert run.find("awa", "Quand : vendredi 2026-12-04, 15:00 (Dakar, UTC+00:00)")
    assert run.find("carla", "E1 is changed (Start). Everyone invited (4) is told")
    ics = calendar(database_url, tmp_path, "diego", "cambió: Inicio")
    assert "SEQUENCE:1" in ics and "DTSTART:20261204T150000Z" in ics
    # The link, through the buttons; the same link again changes nothing.
    assert run.find("awa", "Lien : https://meet.example.org/new-room")
    assert "SEQUENCE:2" in calendar(database_url, tmp_path, "awa", "modifié : Lien")
    assert run.find("carla", "That is what E1 already says; nothing changed.")
    # Reminders follow the new start (not the old 2026-12-02 12:00), and skip Ana.
    (reminder,) = run.find("diego", "Recordatorio")
    assert sent_at(run, reminder.number) == "2026-12-03 15:00 UTC"
    assert not run.find("ana", "Lembrete")
    # Cancelled from /events: everyone is told, with a cancelling calendar file.
    (cancelled,) = run.find("ana", "Cancelado: “Resultados do orçamento participativo” (E1)")
    assert "sexta-feira 2026-12-04, 17:00 (Maputo, UTC+02:00)" in cancelled.text
    ics = calendar(database_url, tmp_path, "ana", "Cancelado:")
    for line in ("STATUS:CANCELLED", "SEQUENCE:3"):
        assert line in ics.split("\r\n"), line
    assert run.find("carla", "“Resultados do orçamento participativo” is cancelled. "
                             "Everyone invited (4) is told.")
    # A stale RSVP button and a second cancellation get clear replies; no 1 h reminder.
    assert run.find("diego", "E1 “Resultados do orçamento participativo” fue cancelado; "
                             "no hay nada que responder.")
    assert run.find("carla", "E1 “Resultados do orçamento participativo” is cancelled.")
    assert len(run.find("diego", "Recordatorio")) == 1
    assert query(database_url, "SELECT hours, outcome FROM event_reminders ORDER BY hours") \
        == [(1, "cancelled"), (24, "sent")]


async def test_bad_input_at_each_step(tmp_path: Path, database_url: str) -> None:
    long_agenda = "x" * 2001
    script = PEOPLE + f"""
diego> /event Reunión
carla> /event ab
carla> Planning meeting
carla> tomorrow at noon
carla> 2026-12-03 14:00 Atlantis
carla> 2026-11-01 10:00 UTC
carla> 2027-03-28 01:30 Europe/Lisbon
carla> 2026-12-03 09:00 local
carla> forever
carla> 3
carla> 45
carla> meet.example.org/room
carla> https://meet.example.org/room
carla> {long_agenda}
carla> [press No agenda]
carla> Nowhere, Rios
carla> [press No presenting teams]
carla> team: Nowhere
carla> team: Rios
carla> ok
carla> /cancel
carla> /event edit 9
carla> /event edit
carla> /events
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("diego", "Solo los coordinadores pueden hacer eso.")
    texts = run.texts("carla")
    for expected in (
            "A title needs 3 to 200 characters.",
            "I can't read “tomorrow at noon” as a start.",
            "I don't know the time zone “Atlantis”.",
            "“2026-11-01 10:00 UTC” has already passed.",
            "2027-03-28 01:30 does not exist in Europe/Lisbon: the clocks skip that hour.",
            "“forever” is not a duration I can use.",
            "“3” is not a duration I can use.",
            "“meet.example.org/room” does not look like a web link.",
            "The agenda can have at most 2000 characters.",
            "I can't find the team “Nowhere”.",
            "Press Confirm to send the invitations, or Cancel to drop the event.",
            "Stopped. Nothing was saved.",
            "There is no event “9”.",
            "Which event? Add its number: /event edit 3",
            "There are no upcoming events. /event creates one."):
        assert expected in texts, expected
    # The preview: 09:00 local in Maputo, for the one team chosen (Ana).
    preview = run.find("carla", "Please check the event “Planning meeting”")[-1]
    assert "When: Thursday 2026-12-03, 09:00 (Maputo, UTC+02:00) · 45 min" in preview.text
    assert "Agenda" not in preview.text and "Presenting" not in preview.text
    assert "Invitees: 1 (" in preview.text
    assert query(database_url, "SELECT COUNT(*) FROM events") == [(0,)]


async def test_a_restart_between_the_two_reminders_sends_each_once(
        tmp_path: Path, database_url: str) -> None:
    first = await play(PEOPLE + EVENT + ":clock 2026-12-02T18:00:00Z\n", tmp_path,
                       database_url=database_url)
    assert first.exit_code == 0, first.errors
    assert len(first.find("diego", "Recordatorio")) == 1
    second = await play("""
:clock 2026-12-02T18:00:00Z
:clock 2026-12-02T18:00:00Z
:clock 2026-12-03T13:00:00Z
""", tmp_path, database_url=database_url)
    assert second.exit_code == 0, second.errors
    (reminder,) = second.find("diego", "Recordatorio")
    assert "empieza en 1 h." in reminder.text
    assert sent_at(second, reminder.number) == "2026-12-03 11:00 UTC"
    reminders = query(database_url, "SELECT COUNT(*) FROM outbox WHERE text LIKE "
                                    "'%%Recordatorio%%' OR text LIKE '%%Rappel :%%'")
    assert reminders == [(4,)]  # Diego and Awa, once per reminder


async def test_a_bot_down_over_both_reminders_sends_only_the_last_one(
        tmp_path: Path, database_url: str) -> None:
    script = PEOPLE + """
carla> /event Planning 2027
carla> 2027-01-15 12:00 UTC
carla> 1h
carla> https://meet.example.org/planning
carla> -
carla> -
carla> everyone
carla> [press Confirm]
carla> /event Already started
carla> 2027-01-15 11:00 UTC
carla> 30
carla> https://meet.example.org/started
carla> [press No agenda]
carla> [press No presenting teams]
carla> [press Everyone]
carla> [press Confirm]
:clock 2027-01-15T11:30:00Z
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    (reminder,) = run.find("awa", "Rappel :")
    assert reminder.text.startswith("Rappel : « Planning 2027 » (E1) commence dans 30 min.")
    assert "vendredi 2027-01-15, 12:00 (Dakar, UTC+00:00)" in reminder.text
    assert not run.find("awa", "Already started")[1:]  # only its invitation
    outcomes = query(database_url, "SELECT event_id, hours, outcome FROM event_reminders "
                                   "ORDER BY event_id, hours")
    assert outcomes == [(1, 1, "sent"), (1, 24, "skipped"), (2, 1, "skipped"),
                        (2, 24, "skipped")]
