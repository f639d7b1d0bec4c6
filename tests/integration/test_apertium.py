"""The Apertium providers against real Apertium: an APy server on 127.0.0.1 and the command.

Needs the Debian packages apertium, apertium-apy, apertium-eng-spa, apertium-es-pt and
apertium-fr-es (``scripts/apertium install``); skipped only when ``apertium`` is absent.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psutil
import pytest

from bot.translation.apertium import (
    DEBIAN_PAIRS,
    ApertiumApy,
    ApertiumCli,
    apertium_provider,
)
from bot.translation.provider import Provider, ProviderError
from handlers.domain import Language
from tests.integration.conftest import free_port

if shutil.which("apertium") is None and not os.environ.get("CI"):
    pytest.skip("the apertium command is not installed (scripts/apertium install)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
EN, ES, PT, FR = Language.EN, Language.ES, Language.PT, Language.FR

#: A sentence in each language and a word its translation must contain, per direction.
SAMPLES: dict[tuple[Language, Language], tuple[str, str]] = {
    (EN, ES): ("Hello world. The team sends the report on Monday.", "Hola"),
    (ES, EN): ("El equipo envía el informe el lunes.", "report"),
    (ES, PT): ("El equipo envía el informe el lunes.", "equipe"),  # Brazilian, not "equipa"
    (PT, ES): ("A equipe envia o relatório na segunda-feira.", "informe"),
    (ES, FR): ("El equipo envía el informe el lunes.", "rapport"),
    (FR, ES): ("L'équipe envoie le rapport lundi.", "equipo"),
}
SOURCE_TEXT = {EN: "The team ⟦0⟧ sends the report to ⟦1⟧ on Monday, ⟦12⟧.",
               ES: "El equipo ⟦0⟧ envía el informe a ⟦1⟧ el lunes, ⟦12⟧.",
               PT: "A equipe ⟦0⟧ envia o relatório para ⟦1⟧ na segunda-feira, ⟦12⟧.",
               FR: "L'équipe ⟦0⟧ envoie le rapport à ⟦1⟧ lundi, ⟦12⟧."}
TOKEN = re.compile(r"⟦\d+⟧")


@pytest.fixture(params=["apy", "cli"])
async def provider(request: pytest.FixtureRequest) -> AsyncIterator[ApertiumApy | ApertiumCli]:
    """Each provider in turn, closed afterwards."""
    made: ApertiumApy | ApertiumCli
    if request.param == "apy":
        made = ApertiumApy(request.getfixturevalue("apy_url"))
    else:
        made = ApertiumCli()
    yield made
    await made.aclose()


def test_scripts_apy_listens_on_loopback_only(apy_url: str) -> None:
    port = int(apy_url.rsplit(":", 1)[1])
    listening = {c.laddr.ip for c in psutil.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    assert listening == {"127.0.0.1"}


async def test_discovers_the_six_direct_pairs(provider: ApertiumApy | ApertiumCli) -> None:
    assert provider.name == "apertium" and provider.pivot is ES
    assert provider.supports(EN, ES) and not provider.supports(PT, FR)  # before discovery
    assert await provider.pairs() == DEBIAN_PAIRS
    assert provider.supports(ES, PT) and provider.supports(FR, ES)
    for source, target in ((PT, FR), (FR, PT), (EN, PT), (EN, FR), (PT, EN), (FR, EN)):
        assert not provider.supports(source, target)


@pytest.mark.parametrize(("source", "target"), list(SAMPLES))
async def test_translates_each_direct_direction(provider: ApertiumApy | ApertiumCli,
                                                source: Language, target: Language) -> None:
    text, word = SAMPLES[(source, target)]
    translated = await provider.translate(text, source, target)
    assert translated.strip() and translated != text
    assert word in translated
    assert "*" not in translated  # unknown words are not marked


@pytest.mark.parametrize(("source", "target"), list(SAMPLES))
async def test_tokens_survive_byte_for_byte(provider: ApertiumApy | ApertiumCli,
                                            source: Language, target: Language) -> None:
    text = SOURCE_TEXT[source]
    translated = await provider.translate(text, source, target)
    assert sorted(TOKEN.findall(translated)) == sorted(TOKEN.findall(text))
    assert translated.encode().count("⟦12⟧".encode()) == 1


async def test_whitespace_is_kept(provider: ApertiumApy | ApertiumCli) -> None:
    text = "  Hello world.\n\nThe team  sends the report.\n"
    translated = await provider.translate(text, EN, ES)
    assert translated.startswith("  Hola") and translated.endswith(".\n")
    assert "\n\n" in translated and "  envía" in translated
    bare = await provider.translate("Hello world", EN, ES)
    assert bare.startswith("Hola") and bare == bare.strip()
    assert await provider.translate(" \n", EN, ES) == " \n"


async def test_plain_text_is_not_html(provider: ApertiumApy | ApertiumCli) -> None:
    translated = await provider.translate("If a < b & c, read <b>this</b> &amp; go.", EN, ES)
    assert "< b & c" in translated and "&amp;" in translated and "<b>" in translated


async def test_unsupported_pair_is_refused(provider: ApertiumApy | ApertiumCli) -> None:
    with pytest.raises(ProviderError):
        await provider.translate("Olá", PT, FR)
    assert not provider.supports(PT, FR)


async def test_text_longer_than_max_chars_is_refused(
        provider: ApertiumApy | ApertiumCli) -> None:
    with pytest.raises(ProviderError):
        await provider.translate("a" * (provider.max_chars + 1), EN, ES)


async def test_apy_long_text_is_not_cut_under_load(apy_url: str) -> None:
    apy = ApertiumApy(apy_url)
    text = ("The team sends the report on Monday. " * 200)[: apy.max_chars].strip()
    try:
        outputs = await asyncio.gather(*(apy.translate(text, EN, ES) for _ in range(6)))
    finally:
        await apy.aclose()
    for translated in outputs:
        assert translated.count("informe") == text.count("report")


async def test_apy_on_a_closed_port_raises_provider_error() -> None:
    apy = ApertiumApy(f"http://127.0.0.1:{free_port()}", timeout=5)
    try:
        for _ in range(2):  # a failed discovery is not cached: it is tried again
            with pytest.raises(ProviderError):
                await apy.translate("Hello", EN, ES)
        with pytest.raises(ProviderError):
            await apy.pairs()
        assert apy.supports(EN, ES)  # still the Debian packages' pairs
    finally:
        await apy.aclose()


async def test_apy_errors_from_a_server_that_is_not_apy() -> None:
    """An HTTP server that answers 404 with HTML: still a ProviderError."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
                     b"Content-Type: text/html\r\nConnection: close\r\n\r\n<p>no</p>")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    apy = ApertiumApy(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(ProviderError):
            await apy.pairs()
    finally:
        await apy.aclose()
        server.close()
        await server.wait_closed()


async def test_cli_missing_command_raises_provider_error(tmp_path: Path) -> None:
    cli = ApertiumCli(str(tmp_path / "no-such-apertium"))
    with pytest.raises(ProviderError):
        await cli.translate("Hello", EN, ES)
    with pytest.raises(ProviderError):
        await cli.pairs()
    assert cli.supports(EN, ES)


async def test_cli_failing_command_raises_provider_error() -> None:
    with pytest.raises(ProviderError):
        await ApertiumCli("false").translate("Hello", EN, ES)


def our_processes() -> set[int]:
    """The pids of every descendant of the test process."""
    return {child.pid for child in psutil.Process().children(recursive=True)}


def dead(pid: int) -> bool:
    """Gone, or a zombie no longer ours (its reaping is init's business)."""
    try:
        process = psutil.Process(pid)
        return bool(process.status() == psutil.STATUS_ZOMBIE and process.ppid() != os.getpid())
    except psutil.NoSuchProcess:
        return True


async def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``condition`` until it is true or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


BIG = "The team sends the weekly report to the coordinator before the review meeting. " * 250


async def test_cli_cancelled_by_wait_for_leaves_no_process() -> None:
    cli = ApertiumCli()
    await cli.pairs()
    before = our_processes()
    # Before the pipeline starts, while it starts, and part-way: translating BIG takes this
    # machine about 0.25 s, so a later timeout may find it done.
    for timeout in (0.001, 0.03, 0.1):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(cli.translate(BIG, EN, ES), timeout=timeout)
    assert await wait_until(lambda: our_processes() <= before), our_processes() - before


async def test_cli_cancelled_mid_pipeline_kills_the_whole_pipeline() -> None:
    """Killing only ``bash`` would leave the pipeline working through the text for seconds."""
    cli = ApertiumCli(max_chars=20 * len(BIG))
    await cli.pairs()
    before = our_processes()
    task = asyncio.create_task(cli.translate(20 * BIG, EN, ES))
    seen: set[int] = set()

    def pipeline_running() -> bool:
        seen.update(our_processes() - before)
        return len(seen) >= 5  # bash and a good part of the lt-proc | tagger | … pipeline

    assert await wait_until(pipeline_running), "the apertium pipeline never showed up"
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)
    assert done, "the cancelled call hangs (output pipes held open by a surviving pipeline)"
    with pytest.raises(asyncio.CancelledError):
        await task
    assert our_processes() <= before  # bash reaped before the call returned
    assert await wait_until(lambda: all(dead(pid) for pid in seen), seconds=0.5)


async def test_cli_runs_at_most_concurrency_processes() -> None:
    cli = ApertiumCli(concurrency=2)
    await cli.pairs()
    me = psutil.Process()
    busiest = 0

    async def watch() -> None:
        nonlocal busiest
        while True:
            running = [c for c in me.children() if "-u" in _cmdline(c)]
            busiest = max(busiest, len(running))
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    try:
        text = "The team sends the report on Monday. " * 40
        outputs = await asyncio.gather(*(cli.translate(text, EN, ES) for _ in range(8)))
    finally:
        watcher.cancel()
    assert all("informe" in out for out in outputs)
    assert 1 <= busiest <= 2


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return [str(part) for part in process.cmdline()]
    except psutil.Error:
        return []


async def test_factory_chooses_apy_with_a_url_else_the_command(apy_url: str) -> None:
    chosen: list[Provider] = [apertium_provider(apy_url, "apertium"),
                              apertium_provider(None, "apertium")]
    try:
        assert isinstance(chosen[0], ApertiumApy) and isinstance(chosen[1], ApertiumCli)
        for made in chosen:
            assert "Hola" in await made.translate("Hello world", EN, ES)
    finally:
        for made in chosen:
            await made.aclose()
