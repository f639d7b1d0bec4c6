"""Scenario: follow-ups with the console's clock — the escalation ladder of an overdue task,
working hours in each person's zone, snoozes, a restart, a DST change, and the other rules."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bot.app import build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from tests.scenarios.harness import Transcript, Unchanged, first_code, play, query

SETUP = """
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
ana> /newtask Diagnóstico
ana> Relatório
ana> {due}
ana> Diego
ana> [press Sem parcela]
"""

_CLOCK = re.compile(r"^~ clock (\S+ \S+) UTC$")
_SENT = re.compile(r"^#(\d+) → ")


def moments(run: Transcript) -> dict[int, str]:
    """When (UTC, to the minute) each numbered message was sent, from the console's output."""
    now = ""
    found: dict[int, str] = {}
    for block in run.output:
        first = block.split("\n", 1)[0]
        if (clock := _CLOCK.match(first)) is not None:
            now = clock.group(1)
        elif (sent := _SENT.match(first)) is not None:
            found[int(sent.group(1))] = now
    return found


def timeline(run: Transcript, user: str, fragment: str) -> list[str]:
    """When one user received the messages containing a fragment."""
    at = moments(run)
    return [at[s.number] for s in run.find(user, fragment)]


def setup(due: str = "2026-03-10") -> str:
    """Carla coordinates from Maputo; Ana (Maputo) leads Rios; Diego (Lima) is responsible
    for its task T1, due on ``due``."""
    return SETUP.format(code=first_code(), due=due)


def pdf(tmp_path: Path) -> None:
    """A small PDF to hand in."""
    (tmp_path / "t1.pdf").write_bytes(b"%PDF-1.7 diagnostico")


async def test_the_escalation_ladder_of_an_overdue_task_until_it_is_handed_in(
        tmp_path: Path, database_url: str) -> None:
    pdf(tmp_path)
    script = setup() + """
:clock 2026-03-20T12:00:00Z
diego> [file t1.pdf] T1
:clock 2026-03-25T12:00:00Z
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # Diego, responsible: 7, 3 and 1 days before, at 17:00 or 09:00 in Lima (weekdays only).
    assert timeline(run, "diego", "vence en 7 día(s)") == ["2026-03-02 22:00"]
    assert timeline(run, "diego", "vence en 3 día(s)") == ["2026-03-06 22:00"]
    assert timeline(run, "diego", "vence en 1 día(s)") == ["2026-03-09 14:00"]
    # Overdue: daily on weekdays, once a day, at 09:00 in Lima (the first as it fell due).
    assert timeline(run, "diego", "vencía el 2026-03-10") == [
        "2026-03-10 22:00", "2026-03-11 14:00", "2026-03-12 14:00", "2026-03-13 14:00",
        "2026-03-16 14:00", "2026-03-17 14:00", "2026-03-18 14:00", "2026-03-19 14:00"]
    # The leader from the third day late, at 09:00 in Maputo, in Portuguese.
    leader = timeline(run, "ana", "Como líder da equipe Rios: T1")
    assert leader == ["2026-03-13 07:00", "2026-03-16 07:00", "2026-03-17 07:00",
                      "2026-03-18 07:00", "2026-03-19 07:00", "2026-03-20 07:00"]
    assert "está 3 dia(s) atrasada" in run.find("ana", "Como líder")[0].text
    # The coordinators from the seventh — a nag due at midnight waits for 09:00 local.
    assert timeline(run, "carla", "Rios: T1 «Diagnóstico» is") == [
        "2026-03-17 07:00", "2026-03-18 07:00", "2026-03-19 07:00", "2026-03-20 07:00"]
    assert "is 7 day(s) late (due 2026-03-10)" in run.find("carla", "Rios: T1")[0].text
    # Each nag has its buttons; once the file is in, the nags stop for everybody.
    assert run.find("diego", "vencía")[0].buttons == ["Abrir", "Posponer 1 día",
                                                       "Posponer 3 días"]
    at = moments(run)
    after = [s for s in run.sent if at[s.number] > "2026-03-20 12:00"]
    assert not [s for s in after if "T1 «Diagnóstico»" in s.text], after
    sent = query(database_url, "SELECT rule, member_id, stage FROM nags ORDER BY member_id")
    assert ("overdue", 2, 2) in sent and ("overdue", 1, 3) in sent


async def test_snooze_and_a_restart_lose_and_duplicate_nothing(tmp_path: Path,
                                                              database_url: str) -> None:
    first = setup() + """
:clock 2026-03-11T15:00:00Z
diego> [press Posponer 3 días]
diego> /nags
:clock 2026-03-13T20:00:00Z
"""
    run = await play(first, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("diego", "Pospuesto: ningún recordatorio sobre esto antes del "
                             "2026-03-14 10:00")
    (listing,) = run.find("diego", "Recordatorios pendientes para ti (1)")
    assert "pospuesto hasta el 2026-03-14 10:00" in listing.text
    # Snoozed: nothing on Thursday and Friday; Ana, not snoozing, still hears on Friday.
    assert timeline(run, "diego", "vencía el") == ["2026-03-10 22:00", "2026-03-11 14:00"]
    assert timeline(run, "ana", "Como líder") == ["2026-03-13 07:00"]
    # Down from Friday evening until Wednesday: one catch-up each, not one per missed day.
    second = """
:clock 2026-03-18T10:00:00Z
:clock 2026-03-18T23:30:00Z
"""
    again = await play(second, tmp_path, database_url=database_url)
    assert again.exit_code == 0, again.errors
    assert timeline(again, "diego", "vencía el") == ["2026-03-18 14:00"]
    assert timeline(again, "ana", "Como líder") == ["2026-03-18 10:00"]
    assert timeline(again, "carla", "Rios: T1") == ["2026-03-18 10:00"]


def _nine_local(zone: str, start: datetime, end: datetime) -> list[str]:
    """Every weekday's 09:00 in a zone, in UTC, between two moments."""
    moments: list[str] = []
    day = start.astimezone(ZoneInfo(zone)).date()
    while True:
        local = datetime.combine(day, time(9), ZoneInfo(zone))
        if local > end:
            return moments
        if local > start and day.weekday() < 5:
            moments.append(f"{local.astimezone(UTC):%Y-%m-%d %H:%M}")
        day += timedelta(days=1)


async def test_a_dst_change_loses_and_duplicates_nothing(tmp_path: Path,
                                                         database_url: str) -> None:
    # Lisbon moves its clocks forward on 29 March, Santiago back on 5 April.
    script = setup(due="2026-03-16") + """
carla> /tz Europe/Lisbon
diego> /tz America/Santiago
:clock 2026-03-25T23:00:00Z
:clock 2026-04-08T23:00:00Z
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    start = datetime(2026, 3, 25, 23, tzinfo=UTC)
    end = datetime(2026, 4, 8, 23, tzinfo=UTC)
    window = [m for m in timeline(run, "carla", "Rios: T1") if m > "2026-03-25 23:00"]
    assert window == _nine_local("Europe/Lisbon", start, end)
    assert "2026-03-27 09:00" in window and "2026-03-30 08:00" in window
    mine = [m for m in timeline(run, "diego", "vencía el") if m > "2026-03-25 23:00"]
    assert mine == _nine_local("America/Santiago", start, end)
    assert "2026-04-03 12:00" in mine and "2026-04-06 13:00" in mine
    assert date(2026, 4, 5).weekday() == 6  # the change itself falls on a Sunday


REVIEWER = """
rita> /start
rita> [press Português]
rita> /tz Luanda
carla> /grant reviewer rita
rita> /reviewer langs pt,es topics orçamento participativo
ana> [file t1.pdf] T1
diego> /ask ¿Cuándo es la próxima reunión?
"""


async def test_reviews_help_requests_and_quiet_teams_are_followed_up(
        tmp_path: Path, database_url: str) -> None:
    pdf(tmp_path)
    script = setup(due="2026-04-30") + REVIEWER + ":clock 2026-03-13T12:00:00Z\n"
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # The review waits past its five days: Rita from Monday 09:00 in Luanda, daily…
    assert timeline(run, "rita", "aguarda sua revisão há") == [
        "2026-03-09 08:00", "2026-03-10 08:00", "2026-03-11 08:00", "2026-03-12 08:00",
        "2026-03-13 08:00"]
    # …and the coordinators from the tenth day.
    staff = run.find("carla", "for its reviewer")
    assert timeline(run, "carla", "for its reviewer") == ["2026-03-12 12:00", "2026-03-13 07:00"]
    assert "has waited 10 day(s) for its reviewer" in staff[0].text
    # Diego's question, unanswered for 48 hours, goes to the coordinators again, then urgent.
    assert timeline(run, "carla", "#1 from Diego (Rios) has waited") == [
        "2026-03-04 13:00", "2026-03-05 07:00", "2026-03-06 07:00"]
    assert timeline(run, "carla", "URGENT — request #1") == [
        "2026-03-09 07:00", "2026-03-10 07:00", "2026-03-11 07:00", "2026-03-12 07:00",
        "2026-03-13 07:00"]
    assert "¿Cuándo es la próxima reunión?" in run.find("carla", "URGENT")[0].text
    assert query(database_url, "SELECT urgent FROM help_requests") == [(1,)]
    tickets = await play("carla> /tickets\n", tmp_path, database_url=database_url)
    assert "Diego · 🚨 open, urgent: ¿Cuándo" in tickets.last("carla").text
    # Replying to the nag answers the request: Diego hears, and the nags about it stop.
    (nag,) = [s for s in run.find("carla", "URGENT") if s.number == max(
        x.number for x in run.find("carla", "URGENT"))]
    answer = f"""
:clock 2026-03-13T12:30:00Z
carla> [reply {nag.number}] Next Friday at 14:00 UTC.
carla> /nags pause Rios 7
:clock 2026-03-20T12:00:00Z
carla> /nags
carla> /nags resume Rios
:clock 2026-03-24T12:00:00Z
"""
    later = await play(answer, tmp_path, database_url=database_url)
    assert later.exit_code == 0, later.errors
    assert later.find("diego", "Next Friday at 14:00 UTC.")
    assert not later.find("carla", "request #1")
    # Paused for a week: nothing about Rios for anybody until it is resumed.
    assert later.find("carla", "Reminders about Rios are paused until 2026-03-20 14:30")
    at = moments(later)
    quiet = [s for s in later.sent if "2026-03-13 12:30" < at[s.number] < "2026-03-20 12:00"]
    assert not quiet, quiet
    assert later.find("carla", "Reminders about Rios are on again.")
    assert timeline(later, "rita", "aguarda sua revisão há") == [
        "2026-03-20 13:00", "2026-03-23 08:00", "2026-03-24 08:00"]
    # Three weeks without an upload or a word: the leader and the coordinators hear, once.
    assert timeline(later, "ana", "A equipe Rios não enviou nem escreveu nada há 21 dias") == [
        "2026-03-23 13:00"]
    assert timeline(later, "carla", "Rios has been quiet for 21 days") == ["2026-03-23 13:00"]


async def test_many_nags_at_once_come_as_one_digest(tmp_path: Path,
                                                    database_url: str) -> None:
    tasks = "".join(f"""ana> /newtask Parte {n}
ana> Texto
ana> 2026-03-03
ana> Diego
ana> [press Sem parcela]
""" for n in range(2, 6))
    script = setup(due="2026-03-03") + tasks + """
:clock 2026-03-05T15:00:00Z
diego> [press Posponer todos 1 día]
:clock 2026-03-06T15:00:00Z
ana> /nags
carla> /nags
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    (digest, *_more) = run.find("diego", "5 recordatorios para ti")
    assert digest.text.count("• T") == 5
    assert digest.buttons == ["Posponer todos 1 día", "Posponer todos 3 días"]
    assert run.find("diego", "5 recordatorio(s) pospuesto(s) hasta el 2026-03-06 10:00")
    # Due, then late, daily at 09:00 in Lima; snoozed on Thursday at 10:00 until Friday 10:00.
    assert timeline(run, "diego", "5 recordatorios") == [
        "2026-03-02 14:00", "2026-03-03 22:00", "2026-03-04 14:00", "2026-03-05 14:00",
        "2026-03-06 15:00"]
    # /nags: the leader sees the five (reminded today); Carla has none yet.
    (listing,) = run.find("ana", "Lembretes pendentes para você (5)")
    assert listing.text.count("— lembrado hoje") == 5
    assert "No reminders are waiting for you." in run.last("carla").text
    assert "/nags pause TEAM [DAYS]" in run.last("carla").text


async def test_bad_nags_commands_and_forged_buttons_get_clear_replies(
        tmp_path: Path, database_url: str) -> None:
    script = setup() + """
diego> /nags pause Rios
diego> /nags everything
carla> /nags pause
carla> /nags pause Ríos Grandes
carla> /nags pause Rios 400
carla> /nags pause Rios
carla> /nags
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("diego", "Solo los coordinadores pueden hacer eso")
    assert run.find("diego", "/nags solo muestra tus recordatorios")
    assert len(run.find("carla", "Write /nags pause TEAM")) == 2  # no team; 400 days
    assert run.find("carla", "There is no team called «Ríos Grandes»")
    assert run.find("carla", "paused until you resume them with /nags resume Rios")
    assert "• Rios until resumed" in run.find("carla", "Teams whose reminders are paused")[0].text
    assert query(database_url, "SELECT COUNT(*) FROM teams WHERE nags_paused_until IS NOT NULL"
                 ) == [(1,)]


async def test_two_sweeps_at_once_send_each_nag_once(tmp_path: Path, database_url: str) -> None:
    # Up to Sunday night nothing is in anyone's working hours; on Monday at 09:00 in Lima two
    # processes sweep at the same moment (as when the scheduler lock changes hands mid-sweep).
    run = await play(setup(due="2026-03-03") + ":clock 2026-03-08T23:00:00Z\n", tmp_path,
                     database_url=database_url)
    assert run.exit_code == 0, run.errors
    before = query(database_url, "SELECT COUNT(*) FROM outbox")[0][0]
    settings = load_settings(tmp_path / "config.toml", environ={})
    apps = [await build_app(settings, database_url,
                            VirtualClock(datetime(2026, 3, 9, 14, tzinfo=UTC)),
                            RandomJoinCodes(random.Random(1)), {}, [Unchanged()])
            for _ in range(2)]
    try:
        queued = await asyncio.gather(*(app.sweep() for app in apps))
    finally:
        for app in apps:
            await app.close()
    assert sorted(queued) == [0, 2]  # Diego's and Ana's overdue nags, once
    after = query(database_url, f"SELECT member_id FROM outbox WHERE id > {before} "
                                "ORDER BY member_id")
    assert after == [(2,), (3,)]


async def test_a_new_due_date_and_a_second_quiet_spell_are_followed_up_again(
        tmp_path: Path, database_url: str) -> None:
    script = setup(due="2026-03-10") + """
:clock 2026-03-04T15:00:00Z
ana> /edittask T1
ana> [press Prazo]
ana> 2026-03-20
:clock 2026-03-24T12:00:00Z
diego> /ask ¿Hay novedades?
carla> /answer 1 Sí.
:clock 2026-04-17T12:00:00Z
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # The 7-day reminder came for 10 March; moved to 20 March, it comes again.
    assert timeline(run, "diego", "vence en 7 día(s), el 2026-03-10") == ["2026-03-02 22:00"]
    assert timeline(run, "diego", "vence en 7 día(s), el 2026-03-20") == ["2026-03-12 22:00"]
    # Quiet from 2 March: told on 23 March; active on 24 March, quiet again: told on 14 April.
    assert timeline(run, "ana", "não enviou nem escreveu nada há 21 dias") == [
        "2026-03-23 13:00", "2026-04-14 13:00"]


async def test_overview_counts_members_the_bot_cannot_reach(tmp_path: Path,
                                                           database_url: str) -> None:
    first = await play(setup(due="2026-04-30"), tmp_path, database_url=database_url)
    assert first.exit_code == 0, first.errors
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO unreachable_identities (identity, member_id, "
                              "platform, error, since) VALUES ('telegram:77', 3, 'telegram', "
                              "'Forbidden: bot was blocked by the user', :t)"),
                         {"t": datetime(2026, 3, 2, tzinfo=UTC)})
    finally:
        engine.dispose()
    run = await play("carla> /overview\n", tmp_path, database_url=database_url)
    assert "⚠️ 1 member(s) cannot be reached" in run.last("carla").text
