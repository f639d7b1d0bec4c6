"""The translation stage on a real database: once per language, follow-ups after an outage."""

from __future__ import annotations

import random
from pathlib import Path

from bot.app import App, build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.console import ConsoleSession
from bot.script import parse_line
from bot.translation.provider import ProviderError
from handlers.domain import Language
from tests.scenarios.harness import Recorder, first_code

CONFIG = """
[helpdesk]
coordinators = ["console:carla"]
[translation]
providers = ["apertium"]
detect_language = false
retry_first_minutes = 5
"""


class Counting:
    """A provider that marks its output with the target language and counts its calls."""

    name = "counting"
    max_chars = 5000
    pivot: Language | None = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, Language, Language]] = []
        self.up = True

    def supports(self, source: Language, target: Language) -> bool:
        return True

    async def translate(self, text: str, source: Language, target: Language) -> str:
        self.calls.append((text, source, target))
        if not self.up:
            raise ProviderError("network down")
        return f"({target.value}) {text}"

    async def aclose(self) -> None:
        return None


async def _app(tmp_path: Path, database_url: str,
               provider: Counting) -> tuple[App, ConsoleSession, Recorder]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    settings = load_settings(config, environ={})
    channel = Recorder(lambda _text: None)
    clock = VirtualClock()
    app = await build_app(settings, database_url, clock, RandomJoinCodes(random.Random(1)),
                          {"console": channel}, [provider])
    return app, ConsoleSession(app, channel, clock, tmp_path, lambda _text: None), channel


async def _play(session: ConsoleSession, script: str) -> None:
    for line in script.strip().splitlines():
        step = parse_line(line)
        if step is not None:
            await session.play(step)


LANGUAGES = ["English", "Português", "Español", "Français"]


async def test_a_text_read_by_39_people_in_4_languages_costs_3_calls(
        tmp_path: Path, database_url: str) -> None:
    provider = Counting()
    app, session, channel = await _app(tmp_path, database_url, provider)
    try:
        lines = [":clock 2026-03-02T12:00:00Z", "ana> /start", "ana> [press Português]",
                 "ana> /tz Maputo", "ana> /newteam Rios", "ana> Orçamento",
                 "ana> [press África Austral]"]
        for number in range(39):
            user = f"m{number}"
            lines += [f"{user}> /start", f"{user}> [press {LANGUAGES[number % 4]}]",
                      f"{user}> /tz Maputo", f"{user}> /join {first_code()}"]
        await _play(session, "\n".join(lines))
        assert provider.calls == []
        await _play(session, "ana> /t Reunião amanhã às 10h, tragam o orçamento.")
        assert sorted(target for _text, _source, target in provider.calls) == [
            Language.EN, Language.ES, Language.FR]
        relayed = [s for s in channel.sent if "💬 Ana · Rios" in s.text]
        assert len(relayed) == 39
        by_language = {s.language: s.text for s in relayed}
        assert "(fr) Reunião amanhã" in by_language["fr"] and "🌐 pt→fr" in by_language["fr"]
        assert "(" not in by_language["pt"].split(":", 1)[1] and "🌐" not in by_language["pt"]
        # The same text again: every reader served from the cache, no call at all.
        await _play(session, "ana> /t Reunião amanhã às 10h, tragam o orçamento.")
        assert len(provider.calls) == 3
    finally:
        await app.close()


async def test_a_translation_that_failed_follows_once_the_provider_is_back(
        tmp_path: Path, database_url: str) -> None:
    provider = Counting()
    provider.up = False
    app, session, channel = await _app(tmp_path, database_url, provider)
    try:
        await _play(session, """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press English]
carla> /tz Maputo
marie> /start
marie> [press Français]
marie> /tz Dakar
marie> /ask Où dois-je envoyer le rapport final ?
""")
        (request,) = [s for s in channel.sent if s.user == "carla" and "#1" in s.text]
        assert "Où dois-je envoyer le rapport final ?" in request.text
        assert "this is the original (fr)" in request.text and request.buttons == []
        calls = len(provider.calls)
        await _play(session, ":clock +4m")
        assert len(provider.calls) == calls  # not due yet
        await _play(session, ":clock +2m")
        assert len(provider.calls) == calls + 1  # tried again, still down: wait 10 minutes
        provider.up = True
        await _play(session, ":clock +9m")
        assert len(provider.calls) == calls + 1
        await _play(session, ":clock +2m")
        follow_up = channel.sent[-1]
        assert follow_up.user == "carla"
        assert f"The translation of message #{request.number}" in follow_up.text
        assert "(en) Où dois-je envoyer le rapport final ?" in follow_up.text
        assert follow_up.buttons == ["Original"]
        await _play(session, ":clock +1h")
        assert channel.sent[-1] == follow_up  # sent once
    finally:
        await app.close()


async def test_nobody_gets_a_later_message_before_an_earlier_one_is_translated(
        tmp_path: Path, database_url: str) -> None:
    provider = Counting()
    app, session, channel = await _app(tmp_path, database_url, provider)
    try:
        await _play(session, """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press English]
carla> /tz Maputo
marie> /start
marie> [press Français]
marie> /tz Dakar
""")
        for text in ("marie> /ask Où est le modèle du rapport ?", "carla> /tickets"):
            step = parse_line(text)
            assert step is not None
            await app.receive(session.inbound(step))
        await app.dispatcher.drain()  # the request to Carla still waits for its translation…
        assert not [s for s in channel.sent if s.user == "carla" and "#1" in s.text]
        assert not [s for s in channel.sent[-2:] if s.user == "carla"]  # …and so does /tickets
        await app.deliver()
        to_carla = [s for s in channel.sent if s.user == "carla"][-2:]
        assert "(en) Où est le modèle du rapport ?" in to_carla[0].text
        assert "#1" in to_carla[1].text  # the list of requests, after the request itself
    finally:
        await app.close()


async def test_a_message_with_unreadable_translation_data_is_sent_not_stuck(
        tmp_path: Path, database_url: str) -> None:
    provider = Counting()
    app, session, channel = await _app(tmp_path, database_url, provider)
    try:
        await _play(session, ":clock 2026-03-02T12:00:00Z\ncarla> /start\ncarla> [press English]")
        with app.database.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE outbox SET status = 'translating', pieces = '[{\"text\": 1}]', "
                "template = 'x', text = 'as queued' WHERE id = (SELECT max(id) FROM outbox)")
        await app.deliver()
        assert channel.sent[-1].text == "as queued"
        await _play(session, "carla> /help")  # and the queue goes on
        assert "/help" in channel.sent[-1].text
    finally:
        await app.close()
