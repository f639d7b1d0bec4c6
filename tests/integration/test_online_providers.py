"""Online providers against a local LibreTranslate look-alike, through the real deep-translator.

The server runs on 127.0.0.1 in a thread; Google is tried for real (no network here: it must
fail fast with ProviderError). DeepL no longer goes through deep-translator: its requests are
tested in test_deepl.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import requests.adapters

from bot.translation.deepl import DeepLProvider
from bot.translation.online import (
    REQUEST_TIMEOUT,
    BlockingRunner,
    GoogleProvider,
    LibreTranslateProvider,
    MicrosoftProvider,
    MyMemoryProvider,
    online_provider,
)
from bot.translation.provider import Provider, ProviderError
from handlers.domain import Language
from tests.integration.local_http import serving

DEADLINE = 0.5
LANGUAGES: list[dict[str, object]] = [
    {"code": code, "name": name, "targets": ["en", "pt", "es", "fr"]}
    for code, name in (("en", "English"), ("pt", "Portuguese"), ("es", "Spanish"),
                       ("fr", "French"))]


@dataclass
class LibreState:
    """What the fake server does and what it saw."""

    mode: str = "ok"
    languages: list[dict[str, object]] = field(default_factory=lambda: list(LANGUAGES))
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Condition = field(default_factory=threading.Condition)
    received: int = 0
    finished: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    last: dict[str, str] = field(default_factory=dict)


def _handler(state: LibreState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            if urlsplit(self.path).path != "/languages":
                self._send(404, "application/json", b'{"error": "Not Found"}')
                return
            self._send(200, "application/json", json.dumps(state.languages).encode())

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = dict(parse_qsl(url.query))
            if body.startswith("{"):
                params.update(json.loads(body))
            elif body:
                params.update(parse_qsl(body))
            if url.path != "/translate":
                self._send(404, "application/json", b'{"error": "Not Found"}')
                return
            with state.lock:
                state.received += 1
                state.in_flight += 1
                state.most_in_flight = max(state.most_in_flight, state.in_flight)
                state.last = params
            try:
                self._answer(params)
            finally:
                with state.lock:
                    state.in_flight -= 1
                    state.finished += 1
                    state.lock.notify_all()

        def _answer(self, params: dict[str, str]) -> None:
            mode = state.mode
            if mode == "hang":
                state.release.wait(30)
                mode = "ok"
            if mode == "ok":
                text = f"[{params.get('target')}] {params.get('q', '')}"
                self._send(200, "application/json",
                           json.dumps({"translatedText": text}).encode())
            elif mode in ("429", "500", "403"):
                self._send(int(mode), "application/json", b'{"error": "no"}')
            elif mode == "html":
                self._send(200, "text/html",
                           b"<!DOCTYPE html><html><body>Maintenance</body></html>")
            elif mode == "no-field":
                self._send(200, "application/json", b'{"detectedLanguage": "en"}')
            elif mode == "empty":
                self._send(200, "application/json", b'{"translatedText": ""}')
            elif mode == "null":
                self._send(200, "application/json", b'{"translatedText": null}')
            elif mode == "html-text":
                self._send(200, "application/json",
                           b'{"translatedText": "<html><body>Log in</body></html>"}')

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@dataclass
class LibreServer:
    """The running fake and its base URL."""

    url: str
    state: LibreState


@pytest.fixture
def libre(monkeypatch: pytest.MonkeyPatch) -> Iterator[LibreServer]:
    """A LibreTranslate look-alike on a free port of 127.0.0.1."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    state = LibreState()
    with serving(_handler(state), state.release) as url:
        yield LibreServer(url, state)


@pytest.fixture
async def runner() -> AsyncIterator[BlockingRunner]:
    """Two worker threads."""
    pool = BlockingRunner(2, thread_name="test-online")
    yield pool
    await pool.aclose()


def _provider(libre: LibreServer, runner: BlockingRunner, key: str = "") -> Provider:
    return LibreTranslateProvider(runner, url=libre.url, api_key=key)


async def test_translates_through_deep_translator(libre: LibreServer,
                                                  runner: BlockingRunner) -> None:
    provider = _provider(libre, runner)
    text = "  Where is the ⟦0⟧ file?\n"
    out = await asyncio.wait_for(provider.translate(text, Language.EN, Language.FR), 5)
    assert out == "  [fr] Where is the ⟦0⟧ file?\n"
    assert libre.state.last["source"] == "en"
    assert libre.state.last["format"] == "text"
    assert "api_key" not in libre.state.last


async def test_sends_the_key_and_picks_brazilian_portuguese_when_listed(
        libre: LibreServer, runner: BlockingRunner) -> None:
    libre.state.languages.append({"code": "pb", "name": "Portuguese (Brazil)",
                                  "targets": ["en"]})
    provider = _provider(libre, runner, key="s3cret")
    out = await asyncio.wait_for(provider.translate("Hi", Language.EN, Language.PT), 5)
    assert out == "[pb] Hi"
    assert libre.state.last["api_key"] == "s3cret"
    await asyncio.wait_for(provider.translate("Oi", Language.PT, Language.ES), 5)
    assert libre.state.last["source"] == "pb"


async def test_european_portuguese_code_when_pb_missing(libre: LibreServer,
                                                        runner: BlockingRunner) -> None:
    provider = _provider(libre, runner)
    assert await provider.translate("Hi", Language.EN, Language.PT) == "[pt] Hi"


async def test_hanging_server_times_out_promptly_and_loop_stays_responsive(
        libre: LibreServer, runner: BlockingRunner) -> None:
    libre.state.mode = "hang"
    provider = _provider(libre, runner)
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(provider.translate("Hello", Language.EN, Language.ES), DEADLINE)
    elapsed = time.monotonic() - started
    ticker.cancel()
    assert elapsed < 2.0
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 10 and max(gaps) < 0.2


@pytest.mark.parametrize("mode", ["429", "500", "403", "html", "no-field", "empty", "null",
                                  "html-text"])
async def test_errors_and_garbage_become_provider_errors(
        libre: LibreServer, runner: BlockingRunner, mode: str) -> None:
    libre.state.mode = mode
    provider = _provider(libre, runner, key="s3cret")
    with pytest.raises(ProviderError) as caught:
        await asyncio.wait_for(provider.translate("Hello", Language.EN, Language.ES), 5)
    message = str(caught.value)
    assert message.startswith("libretranslate: ")
    assert "s3cret" not in message and "Hello" not in message
    if mode == "429":
        assert "429" in message


async def test_unreachable_server_is_a_provider_error(runner: BlockingRunner) -> None:
    provider = LibreTranslateProvider(runner, url="http://127.0.0.1:9/")
    with pytest.raises(ProviderError, match="cannot connect"):
        await asyncio.wait_for(provider.translate("Hello", Language.EN, Language.ES), 5)


async def test_thread_bound_holds_and_cancelled_queued_calls_never_run(
        libre: LibreServer, runner: BlockingRunner) -> None:
    libre.state.mode = "hang"
    provider = _provider(libre, runner)
    calls = [asyncio.wait_for(provider.translate(f"text {n}", Language.EN, Language.FR),
                              DEADLINE) for n in range(6)]
    started = time.monotonic()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert time.monotonic() - started < 2.0
    assert all(isinstance(result, TimeoutError) for result in results)
    assert libre.state.received == 2
    assert libre.state.most_in_flight == 2
    assert runner.thread_count == 2
    assert sum(t.name.startswith("test-online") for t in threading.enumerate()) <= 2

    libre.state.mode = "ok"
    libre.state.release.set()
    state = libre.state

    def both_finished() -> bool:
        with state.lock:
            return state.lock.wait_for(lambda: state.finished == 2, timeout=5)

    assert await asyncio.to_thread(both_finished)
    await asyncio.sleep(0.3)
    assert libre.state.received == 2, "a cancelled queued call ran after all"

    assert await provider.translate("again", Language.EN, Language.FR) == "[fr] again"
    assert libre.state.received == 3
    assert runner.thread_count == 2


async def test_closed_runner_and_closed_provider_refuse(libre: LibreServer) -> None:
    pool = BlockingRunner(1)
    provider = _provider(libre, pool)
    await pool.aclose()
    with pytest.raises(ProviderError, match="shut down"):
        await provider.translate("Hello", Language.EN, Language.ES)
    other = _provider(libre, BlockingRunner(1))
    await other.aclose()
    with pytest.raises(ProviderError, match="closed"):
        await other.translate("Hello", Language.EN, Language.ES)
    assert libre.state.received == 0


async def test_google_fails_fast_without_network(runner: BlockingRunner) -> None:
    provider = GoogleProvider(runner)
    try:
        out = await asyncio.wait_for(provider.translate("Hello", Language.EN, Language.PT), 20)
    except ProviderError as error:
        assert str(error).startswith("google: ")
    else:
        pytest.skip(f"the network is reachable here (Google answered {out!r})")


async def test_every_direction_and_limits() -> None:
    pool = BlockingRunner(1)
    providers: list[Provider] = [
        GoogleProvider(pool), MyMemoryProvider(pool, email="a@example.org"),
        LibreTranslateProvider(pool, url="http://127.0.0.1:5000"),
        DeepLProvider(api_key="k:fx"), MicrosoftProvider(pool, api_key="k", region="x"),
    ]
    assert {p.name: p.max_chars for p in providers} == {
        "google": 4_999, "mymemory": 250, "libretranslate": 2_000, "deepl": 30_000,
        "microsoft": 10_000}
    for provider in providers:
        assert provider.pivot is None
        pairs = [(s, t) for s in Language for t in Language if provider.supports(s, t)]
        assert len(pairs) == 12
        await provider.aclose()
    await pool.aclose()


async def test_too_long_and_blank_texts_need_no_request(runner: BlockingRunner) -> None:
    provider = MyMemoryProvider(runner)
    with pytest.raises(ProviderError, match="more than"):
        await provider.translate("x" * 251, Language.EN, Language.FR)
    with pytest.raises(ProviderError, match="bytes"):
        await provider.translate("é" * 240 + "€" * 10, Language.PT, Language.FR)
    assert await provider.translate("  \n", Language.EN, Language.FR) == "  \n"
    assert runner.thread_count == 0


async def test_factory_needs_keys_and_url() -> None:
    pool = BlockingRunner(1)
    assert online_provider("google", pool).name == "google"
    assert online_provider("mymemory", pool).name == "mymemory"
    deepl = online_provider("deepl", pool, keys={"deepl_key": "k"})
    assert isinstance(deepl, DeepLProvider)
    await deepl.aclose()
    assert online_provider("microsoft", pool, keys={"microsoft_key": "k"}).name == "microsoft"
    assert online_provider("libretranslate", pool,
                           libretranslate_url="https://lt.example.org").name == "libretranslate"
    for name, match in (("deepl", "PEERDESK_DEEPL_KEY"), ("microsoft", "PEERDESK_MICROSOFT_KEY"),
                        ("libretranslate", "URL"), ("yandex", "unknown")):
        with pytest.raises(ValueError, match=match):
            online_provider(name, pool)
    with pytest.raises(ValueError, match="at least one"):
        BlockingRunner(0)


@dataclass
class Sent:
    """One request deep-translator made."""

    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    body: object


ANSWERS = {
    "google": '<html><body><div class="t0">Olá</div></body></html>',
    "mymemory": json.dumps({"responseData": {"translatedText": "Olá"}, "matches": []}),
    "microsoft": json.dumps([{"translations": [{"text": "Olá", "to": "pt"}]}]),
}


@pytest.mark.parametrize(("name", "expected"), [
    ("google", {"sl": "en", "tl": "pt"}),
    ("mymemory", {"langpair": "en-GB|pt-BR", "de": "a@example.org"}),
    ("microsoft", {"from": "en", "to": "pt"}),
])
async def test_wire_codes_for_brazilian_portuguese(
        monkeypatch: pytest.MonkeyPatch, runner: BlockingRunner, name: str,
        expected: dict[str, str]) -> None:
    sent: list[Sent] = []

    def fake(method: str) -> object:
        def request(url: str, params: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None, json: object = None,
                    **_: object) -> requests.Response:
            sent.append(Sent(method, url, dict(params or {}), dict(headers or {}), json))
            response = requests.Response()
            response.status_code = 200
            response._content = ANSWERS[name].encode()
            response.encoding = "utf-8"
            return response
        return request

    monkeypatch.setattr(requests, "get", fake("GET"))
    monkeypatch.setattr(requests, "post", fake("POST"))
    provider = online_provider(name, runner, keys={
        "microsoft_key": "m", "microsoft_region": "westeurope",
        "mymemory_email": "a@example.org"})
    assert await asyncio.wait_for(provider.translate("Hello", Language.EN, Language.PT),
                                  5) == "Olá"
    assert len(sent) == 1
    assert expected.items() <= sent[0].params.items()
    if name == "microsoft":
        assert sent[0].headers["Ocp-Apim-Subscription-Region"] == "westeurope"
        assert sent[0].body == [{"text": "Hello"}]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections, reads nothing and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


def _runner_threads(prefix: str) -> int:
    return sum(t.name.startswith(prefix) for t in threading.enumerate())


async def test_a_silent_server_frees_the_only_worker_within_the_request_timeout(
        silent_server: str, libre: LibreServer) -> None:
    pool = BlockingRunner(1, request_timeout=1, thread_name="test-silent")
    assert pool.request_timeout == 1.0
    stalled = LibreTranslateProvider(pool, url=silent_server)
    healthy = _provider(libre, pool)
    with pytest.raises(TimeoutError):  # the chain's deadline gives up first
        await asyncio.wait_for(stalled.translate("Hello", Language.EN, Language.FR), 0.3)
    gave_up = time.monotonic()
    assert pool.thread_count == 1 and _runner_threads("test-silent") == 1

    # Without the timeout the worker would stay blocked on the silent socket for good and
    # this call would never leave the queue.
    out = await asyncio.wait_for(healthy.translate("Hello", Language.EN, Language.FR), 5)
    assert out == "[fr] Hello"
    assert time.monotonic() - gave_up < 2.0
    assert pool.thread_count == 1 and _runner_threads("test-silent") == 1

    # Stall it again and again: the worker keeps coming back and no thread is added.
    for _ in range(3):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(stalled.translate("Hi", Language.EN, Language.ES), 0.2)
    out = await asyncio.wait_for(healthy.translate("Bye", Language.EN, Language.ES), 5)
    assert out == "[es] Bye"
    assert pool.thread_count == 1 and _runner_threads("test-silent") == 1
    await pool.aclose()


async def test_a_stalled_call_left_to_itself_becomes_a_timeout_error(silent_server: str) -> None:
    pool = BlockingRunner(1, request_timeout=0.5)
    provider = LibreTranslateProvider(pool, url=silent_server)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"timed out \(ReadTimeout\)"):
        await asyncio.wait_for(provider.translate("Hello", Language.EN, Language.FR), 5)
    assert time.monotonic() - started < 2.0
    await pool.aclose()


class _RecordingAdapter(requests.adapters.BaseAdapter):
    """Answers every request at once and notes the timeout it was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[object] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: object = None, verify: object = True, cert: object = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        self.timeouts.append(timeout)
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close."""


async def test_request_timeout_applies_only_in_runner_threads_and_only_when_missing() -> None:
    pool = BlockingRunner(1, request_timeout=3, thread_name="test-scope")
    adapter = _RecordingAdapter()
    session = requests.Session()
    session.mount("http://", adapter)
    url = "http://example.invalid/x"

    await pool.run(lambda: session.get(url))
    await pool.run(lambda: session.get(url, timeout=7))
    session.get(url)  # the event loop's thread
    await asyncio.to_thread(session.get, url)  # another thread, not the runner's
    assert adapter.timeouts == [(3.0, 3.0), 7, None, None]

    other = BlockingRunner(1, request_timeout=1)  # a second runner: its own timeout ...
    await other.run(lambda: session.get(url))
    await pool.run(lambda: session.get(url))
    assert adapter.timeouts[-2:] == [(1.0, 1.0), (3.0, 3.0)]
    send = vars(requests.Session)["send"]
    BlockingRunner(1)  # ... and the patch is installed once, not stacked
    assert vars(requests.Session)["send"] is send
    await pool.aclose()
    await other.aclose()


def test_request_timeout_is_checked() -> None:
    assert BlockingRunner(1).request_timeout == REQUEST_TIMEOUT
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="request timeout"):
            BlockingRunner(1, request_timeout=bad)


@pytest.mark.parametrize("mode", ["hang", "429", "500", "html", "empty"])
async def test_a_failing_online_provider_falls_back_to_apertium_for_the_reader(
        libre: LibreServer, tmp_path: Path, mode: str) -> None:
    """The whole path: a French help request, LibreTranslate first in the chain and failing
    (through deep-translator's real class), Apertium answering, the coordinator reading it in
    Portuguese; with Apertium broken too, the original arrives with a note."""
    from tests.scenarios.harness import play  # the console harness, real app and database

    libre.state.mode = mode
    script = """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press Português]
carla> [press Maputo]
marie> /start
marie> [press Français]
marie> [press Dakar]
marie> /ask Où dois-je envoyer le rapport final ?
"""
    chain = (f'[translation]\nproviders = ["libretranslate", "apertium"]\n'
             f"deadline_seconds = 1\ndetect_language = false\n"
             f'[translation.libretranslate]\nurl = "{libre.url}"\n')
    (tmp_path / "up").mkdir()
    (tmp_path / "down").mkdir()
    run = await play(script, tmp_path / "up", providers=[], translation=chain)
    assert run.exit_code == 0, run.errors
    (request,) = [s for s in run.to("carla") if s.number == 8]
    assert "🌐 fr→pt" in request.text and "relatório" in request.text
    broken = chain + '[translation.apertium]\ncommand = "/nonexistent/apertium"\n'
    run = await play(script, tmp_path / "down", providers=[], translation=broken)
    (request,) = [s for s in run.to("carla") if s.number == 8]
    assert "Où dois-je envoyer le rapport final ?" in request.text
    assert "este é o original (fr)" in request.text
