"""Scenarios: broadcasts — to one region in four languages (real Apertium) with the delivery
report; at 09:00 in each reader's own time zone (Lima, Dakar, Maputo); bad input at every
step; a Confirm pressed twice; a restart half-way through a scheduled broadcast."""

from __future__ import annotations

import re
from pathlib import Path

from tests.scenarios.harness import Transcript, first_code, play, query

PEOPLE = """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press English]
carla> [press Maputo]
ana> /start
ana> [press Português]
ana> [press Maputo]
ana> /newteam Rios
ana> Orçamento participativo
ana> [press África Austral]
diego> /start
diego> [press Español]
diego> /tz Lima
diego> /join {code}
marie> /start
marie> [press Français]
marie> [press Dakar]
marie> /join {code}
paul> /start
paul> [press English]
paul> /tz Nairobi
paul> /join {code}
lucia> /start
lucia> [press Español]
lucia> /tz Bogotá
lucia> /newteam Andes
lucia> Gender
lucia> [press América Latina]
"""


def setup() -> str:
    return PEOPLE.format(code=first_code())


def clock_of(run: Transcript) -> dict[int, str]:
    """The console clock when each numbered message was printed (from ``~ clock`` lines)."""
    clock, found = "", {}
    for block in run.output:
        if block.startswith("~ clock "):
            clock = block.removeprefix("~ clock ")
        elif (match := re.match(r"#(\d+) ", block)) is not None:
            found[int(match.group(1))] = clock
    return found


async def test_a_region_in_four_languages_with_its_report(tmp_path: Path,
                                                          database_url: str) -> None:
    script = setup() + """
carla> /broadcast region:southern
carla> The second seminar starts on 2026-04-15. Please send your reports before then.
carla> [press Now]
carla> [press Confirm]
:clock +1h
carla> /broadcasts
"""
    run = await play(script, tmp_path, database_url=database_url, providers=[])
    assert run.exit_code == 0, run.errors
    (preview,) = run.find("carla", "Preview of your broadcast")
    assert preview.text.splitlines()[:3] == [
        "Preview of your broadcast for region: Southern Africa.",
        "Recipients: 4 (English 1 · Português 1 · Español 1 · Français 1).",
        "When: now, as soon as you confirm."]
    assert preview.buttons == ["Confirm", "Cancel"]
    # Each reader in their language, through the offline translator; dates untouched.
    (ana,) = run.find("ana", "📣 Da central de ajuda (Carla):")
    (diego,) = run.find("diego", "📣 De la mesa de ayuda (Carla):")
    (marie,) = run.find("marie", "📣 Du service d'assistance (Carla) :")
    (paul,) = run.find("paul", "📣 From the help desk (Carla):")
    for message, tag in ((ana, "🌐 en→pt"), (diego, "🌐 en→es"), (marie, "🌐 en→fr")):
        assert tag in message.text and "2026-04-15" in message.text
        assert "The second seminar" not in message.text and message.buttons == ["Original"]
    assert "The second seminar starts on 2026-04-15." in paul.text and "🌐" not in paul.text
    assert not run.find("lucia", "📣")  # Latin America is not in the audience
    assert run.find("carla", "Broadcast #1 is on its way (recipients: 4).")
    assert run.find("carla", "✅ Broadcast #1 is done: 4 of 4 delivered, 0 failed.")
    assert "• #1 2026-03-02 14:00, Carla → region: Southern Africa: “The second seminar " \
        "starts on 2026-04-15. Please send your r…” — done; 4 delivered, 0 failed, 0 to go " \
        "(of 4)" in run.last("carla").text
    rows = query(database_url, "SELECT COUNT(*), MIN(status), MAX(status) FROM outbox "
                               "WHERE context = 'broadcast' AND context_id = 1")
    assert rows == [(4, "sent", "sent")]


async def test_nine_in_the_morning_in_lima_dakar_and_maputo(tmp_path: Path,
                                                            database_url: str) -> None:
    script = setup() + """
carla> /broadcast team:rios at 2026-03-10 09:00 local
carla> Bom dia! Today we present the results at the seminar.
carla> [press Confirm]
:clock 2026-03-10T06:30:00Z
:clock 2026-03-10T15:30:00Z
carla> /broadcasts
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    (preview,) = run.find("carla", "Preview of your broadcast")
    assert "When: 2026-03-10 09:00 in each person's own time zone — the first get it at " \
        "2026-03-10 08:00 and the last at 2026-03-10 16:00, your time (Maputo)." \
        in preview.text
    assert run.find("carla", "Broadcast #1 is scheduled (recipients: 4).")
    clocks = clock_of(run)
    # 09:00 local: Maputo (and Nairobi, an hour ahead: 09:00 there is 06:00 UTC) …
    reached = {user: clocks[run.find(user, "Today we present")[0].number]
               for user in ("ana", "paul", "marie", "diego")}
    assert reached == {"paul": "2026-03-10 06:00 UTC", "ana": "2026-03-10 07:00 UTC",
                       "marie": "2026-03-10 09:00 UTC", "diego": "2026-03-10 14:00 UTC"}
    # … with progress reports as the zones reach the hour, and one final report.
    reports = [s.text for s in run.to("carla") if s.text.startswith(("📊", "✅"))]
    assert reports == [
        "📊 Broadcast #1: 25% done — 1 delivered, 0 failed, 3 still to go (of 4).",
        "📊 Broadcast #1: 50% done — 2 delivered, 0 failed, 2 still to go (of 4).",
        "📊 Broadcast #1: 75% done — 3 delivered, 0 failed, 1 still to go (of 4).",
        "✅ Broadcast #1 is done: 4 of 4 delivered, 0 failed."]
    assert query(database_url, "SELECT COUNT(*) FROM broadcast_waits") == [(0,)]
    assert query(database_url, "SELECT COUNT(*) FROM outbox WHERE context = 'broadcast'") == [
        (4,)]


async def test_bad_input_at_every_step(tmp_path: Path, database_url: str) -> None:
    script = setup() + """
ana> /broadcast everyone
carla> /broadcast region:mars
carla> team:Rios, Kuna, Andes
carla> topic:water
carla> region:north
carla> [press Done]
carla> [press By region]
carla> [press Southern Africa]
carla> [press North Africa]
carla> [press Back]
carla> [press Role]
carla> [press Team leaders]
carla> [press Done]
carla> ...
carla> Seminar at 10:00.
carla> [press Later]
carla> 2026-03-01 09:00 UTC
carla> tomorrow morning
carla> 2026-03-03 09:00 Atlantis
carla> 2026-03-02 10:00 local
carla> 2026-03-03 09:00 local
carla> [press Confirm]
carla> [press Confirm]
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("ana", "Só a coordenação pode fazer isso.")  # not a coordinator
    carla = run.texts("carla")
    assert "“mars” is not a region." in carla
    assert "No team is called Kuna. Check the names" in carla
    assert "No team has the topic water." in carla
    assert "Nobody is in this audience (region: North Africa)." in carla
    assert "So far: region: Southern Africa · role: team leaders" in carla
    assert "That message has nothing to read." in carla
    assert "2026-03-01 09:00 (UTC) has already passed." in carla
    assert "I can't read “tomorrow morning” as a moment." in carla
    assert "“atlantis” is not a time zone I know" in carla
    assert "2026-03-02 10:00 has already passed in Maputo (people of the audience there: 1)." \
        in carla
    # Confirm pressed twice: one broadcast, one message to Ana (the only leader in the region).
    assert run.find("carla", "Broadcast #1 is scheduled (recipients: 1).")
    assert run.last("carla").text.startswith("That button no longer applies.")
    assert query(database_url, "SELECT COUNT(*) FROM broadcasts") == [(1,)]
    assert query(database_url, "SELECT COUNT(*) FROM broadcast_waits") == [(1,)]


async def test_cancelling_and_a_file(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "programme.pdf").write_bytes(b"%PDF-1.7 programme")
    (tmp_path / "page.html").write_bytes(b"<html>not a document</html>")
    script = setup() + """
carla> /broadcast role:leaders at 2026-03-05 09:00 UTC
carla> [file page.html]
carla> [file programme.pdf] The programme of the seminar.
carla> [press Confirm]
carla> /broadcasts
carla> [press Cancel broadcast #1]
carla> [press Cancel broadcast #1]
carla> /broadcast everyone now
carla> Draft I will not send.
carla> [press Cancel]
carla> /broadcast at 2026-03-10 09:00 local
carla> [press Everyone]
carla> Another draft.
carla> [press Cancel]
:clock 2026-03-06T12:00:00Z
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("carla", "“page.html” is not a kind of file I can take")
    (preview,) = run.find("carla", "Preview of your broadcast for role: team leaders.")
    assert "📎 programme.pdf" in preview.text and "The programme of the seminar." in preview.text
    assert "When: 2026-03-05 11:00 your time (Maputo)." in preview.text
    listing = run.find("carla", "Broadcasts, newest first:")[0]
    assert "scheduled for 2026-03-05 11:00 (Maputo); 0 delivered, 0 failed, 2 to go (of 2)" \
        in listing.text and listing.buttons == ["Cancel broadcast #1"]
    assert run.find("carla", "Broadcast #1 is cancelled: nobody will get it (recipients "
                             "dropped: 2).")
    assert run.find("carla", "Broadcast #1 was already cancelled: nobody will receive it.")
    assert len(run.find("carla", "Broadcast dropped. Nothing was sent.")) == 2
    (local,) = run.find("carla", "Another draft.")
    assert "Recipients: 6 (English 2 · Español 2 · Português 1 · Français 1)." in local.text
    assert "When: 2026-03-10 09:00 in each person's own time zone — the first get it at " \
        "2026-03-10 08:00 and the last at 2026-03-10 16:00, your time (Maputo)." in local.text
    assert not [s for s in run.sent if "📣" in s.text]
    assert query(database_url, "SELECT status, recipients FROM broadcasts") == [
        ("cancelled", 0)]


async def test_a_restart_in_the_middle_resends_nothing(tmp_path: Path,
                                                       database_url: str) -> None:
    first = setup() + """
carla> /broadcast team:Rios at 2026-03-10 09:00 local
carla> Good morning, team.
carla> [press Confirm]
:clock 2026-03-10T08:00:00Z
"""
    run = await play(first, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert {s.user for s in run.sent if "📣" in s.text} == {"ana", "paul"}
    # The bot restarts on the same database, later that day: the others get it, once.
    second = """
:clock 2026-03-10T08:00:00Z
:clock 2026-03-10T15:00:00Z
"""
    again = await play(second, tmp_path, database_url=database_url)
    assert again.exit_code == 0, again.errors
    assert sorted(s.user for s in again.sent if "📣" in s.text) == ["diego", "marie"]
    # Progress reports pick up where they were: none repeated, one final report.
    reports = [s.text[:25].strip() for s in run.sent + again.sent
               if s.text.startswith(("📊", "✅"))]
    assert reports == ["📊 Broadcast #1: 25% done", "📊 Broadcast #1: 50% done",
                       "📊 Broadcast #1: 75% done", "✅ Broadcast #1 is done: 4"]
    assert query(database_url, "SELECT COUNT(*) FROM outbox WHERE context = 'broadcast'") == [
        (4,)]


async def test_cancelling_twice_and_schedule_words_in_every_language(
        tmp_path: Path, database_url: str) -> None:
    script = setup() + """
carla> /broadcast team:rios at 2026-03-10 09:00 local
carla> Hello all
carla> [press Confirm]
carla> [press Cancel broadcast #1]
carla> [press Cancel broadcast #1]
carla> /broadcast team:rios le 2026-03-10 09:00 local
carla> /cancel
carla> /broadcast team:rios ahora
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("carla", "Broadcast #1 was already cancelled: nobody will receive it.")
    assert not run.find("carla", "No team is called")
    assert query(database_url, "SELECT status FROM broadcasts ORDER BY id") == [("cancelled",)]
