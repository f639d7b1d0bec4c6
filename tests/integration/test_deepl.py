"""DeepL against a local look-alike of ``POST /v2/translate`` on 127.0.0.1, with faults.

The fake checks what DeepL checks (POST, the ``DeepL-Auth-Key`` header, a JSON body, known
language codes) and can refuse (403, 456, 429, 500, 503), hang, or answer garbage.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from bot.translation.deepl import FREE_URL, MAX_CHARS, PRO_URL, DeepLProvider
from bot.translation.online import BlockingRunner, online_provider
from bot.translation.provider import ProviderError
from handlers.domain import Language
from tests.integration.local_http import serving

KEY = "0123abcd-s3cret:fx"
TEXT = "Where is the ⟦0⟧ file?"
SOURCES = {"EN", "PT", "ES", "FR"}
TARGETS = {"EN-GB", "PT-BR", "ES", "FR"}


@dataclass
class DeepLState:
    """What the fake does and what it saw."""

    mode: str = "ok"
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[dict[str, object]] = field(default_factory=list)


def _handler(state: DeepLState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            # DeepL no longer serves GET /v2/translate (nor auth_key in the query string).
            self._send(405, b'{"message": "Method not allowed"}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with state.lock:
                state.requests.append({"path": self.path, "headers": dict(self.headers),
                                       "raw": raw})
            if self.path != "/v2/translate":
                self._send(404, b'{"message": "Not found"}')
                return
            if self.headers.get("Authorization") != f"DeepL-Auth-Key {KEY}":
                self._send(403, b'{"message": "Authorization failed"}')
                return
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                self._send(415, b'{"message": "Unsupported media type"}')
                return
            try:
                params = json.loads(raw)
            except ValueError:
                self._send(400, b'{"message": "Bad request"}')
                return
            texts = params.get("text")
            if not (isinstance(texts, list) and texts and all(isinstance(t, str) for t in texts)
                    and params.get("source_lang") in SOURCES
                    and params.get("target_lang") in TARGETS):
                self._send(400, b'{"message": "Value for \'target_lang\' not supported."}')
                return
            with state.lock:
                state.requests[-1]["json"] = params
            self._answer(params)

        def _answer(self, params: dict[str, object]) -> None:
            mode = state.mode
            if mode == "hang":
                state.release.wait(30)
                mode = "ok"
            texts = params["text"]
            assert isinstance(texts, list)
            if mode == "ok":
                translations = [{"detected_source_language": params["source_lang"],
                                 "text": f"[{params['target_lang']}] {text}"} for text in texts]
                self._send(200, json.dumps({"translations": translations}).encode())
            elif mode.isdigit():
                # DeepL's messages may echo what was sent; the provider must not repeat them.
                echo = {"message": f"refused {texts[0]} for {KEY}"}
                self._send(int(mode), json.dumps(echo).encode())
            elif mode == "garbage":
                self._send(200, b'{"translations": [{"text": "half')
            elif mode == "html":
                self._send(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>",
                           "text/html")
            elif mode == "latin1":
                self._send(200, b'{"translations": [{"text": "Ol\xe1"}]}')
            elif mode == "no-translations":
                self._send(200, b'{"message": "nothing"}')
            elif mode == "empty-list":
                self._send(200, b'{"translations": []}')
            elif mode == "no-text":
                self._send(200, b'{"translations": [{"detected_source_language": "EN"}]}')
            elif mode == "null-text":
                self._send(200, b'{"translations": [{"text": null}]}')
            elif mode == "empty-text":
                self._send(200, b'{"translations": [{"text": "  "}]}')
            elif mode == "list":
                self._send(200, b'["translations"]')

        def _send(self, status: int, payload: bytes,
                  content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@dataclass
class DeepLServer:
    """The running fake and its base URL."""

    url: str
    state: DeepLState


@pytest.fixture
def fake_deepl() -> Iterator[DeepLServer]:
    """A DeepL look-alike on a free port of 127.0.0.1."""
    state = DeepLState()
    with serving(_handler(state), state.release) as url:
        yield DeepLServer(url, state)


@pytest.fixture
async def deepl(fake_deepl: DeepLServer) -> AsyncIterator[DeepLProvider]:
    """A provider pointed at the fake, with a short timeout."""
    provider = DeepLProvider(api_key=KEY, base_url=fake_deepl.url, timeout=0.5)
    yield provider
    await provider.aclose()


async def test_posts_json_with_the_key_in_the_header(fake_deepl: DeepLServer,
                                                     deepl: DeepLProvider) -> None:
    out = await asyncio.wait_for(deepl.translate(f"  {TEXT}\n", Language.EN, Language.PT), 5)
    assert out == f"  [PT-BR] {TEXT}\n"
    [sent] = fake_deepl.state.requests
    assert sent["path"] == "/v2/translate"
    assert sent["json"] == {"text": [TEXT], "source_lang": "EN", "target_lang": "PT-BR"}
    raw = sent["raw"]
    assert isinstance(raw, bytes) and KEY.encode() not in raw


@pytest.mark.parametrize(("source", "target", "codes"), [
    (Language.PT, Language.EN, ("PT", "EN-GB")),
    (Language.EN, Language.ES, ("EN", "ES")),
    (Language.ES, Language.FR, ("ES", "FR")),
    (Language.FR, Language.PT, ("FR", "PT-BR")),
])
async def test_language_codes(fake_deepl: DeepLServer, deepl: DeepLProvider,
                              source: Language, target: Language,
                              codes: tuple[str, str]) -> None:
    assert await deepl.translate("Olá", source, target) == f"[{codes[1]}] Olá"
    sent = fake_deepl.state.requests[-1]["json"]
    assert isinstance(sent, dict)
    assert (sent["source_lang"], sent["target_lang"]) == codes


@pytest.mark.parametrize(("mode", "says"), [
    ("403", "403"), ("456", "quota"), ("429", "rate limited"), ("500", "HTTP 500"),
    ("503", "HTTP 503"), ("400", "HTTP 400"), ("garbage", "not JSON"), ("html", "not JSON"),
    ("latin1", "not JSON"), ("no-translations", "unexpected answer"),
    ("empty-list", "unexpected answer"), ("no-text", "unexpected answer"),
    ("null-text", "unexpected answer"), ("empty-text", "empty answer"),
    ("list", "unexpected answer"),
])
async def test_refusals_and_garbage_become_provider_errors(
        fake_deepl: DeepLServer, deepl: DeepLProvider, mode: str, says: str) -> None:
    fake_deepl.state.mode = mode
    with pytest.raises(ProviderError) as caught:
        await asyncio.wait_for(deepl.translate(TEXT, Language.EN, Language.FR), 5)
    message = str(caught.value)
    assert message.startswith("deepl: ") and says in message
    assert KEY not in message and "s3cret" not in message and "Where" not in message
    error = caught.value  # no chained httpx error (its request holds the key)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


async def test_wrong_key_is_refused_without_quoting_it(fake_deepl: DeepLServer) -> None:
    provider = DeepLProvider(api_key="wrong-key:fx", base_url=fake_deepl.url)
    with pytest.raises(ProviderError, match="key refused") as caught:
        await provider.translate(TEXT, Language.EN, Language.ES)
    assert "wrong-key" not in str(caught.value)
    await provider.aclose()


async def test_hang_past_the_timeout_is_a_prompt_provider_error(
        fake_deepl: DeepLServer, deepl: DeepLProvider) -> None:
    fake_deepl.state.mode = "hang"
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no answer in 0\.5 s") as caught:
        await asyncio.wait_for(deepl.translate(TEXT, Language.EN, Language.ES), 5)
    elapsed = time.monotonic() - started
    ticker.cancel()
    assert 0.4 < elapsed < 2.0
    assert "Where" not in str(caught.value)
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 10 and max(gaps) < 0.2

    fake_deepl.state.mode = "ok"
    fake_deepl.state.release.set()
    assert await deepl.translate("again", Language.EN, Language.ES) == "[ES] again"


async def test_wait_for_cancels_a_hanging_call_promptly(fake_deepl: DeepLServer) -> None:
    fake_deepl.state.mode = "hang"
    provider = DeepLProvider(api_key=KEY, base_url=fake_deepl.url, timeout=30)
    started = time.monotonic()
    calls = [asyncio.wait_for(provider.translate(f"text {n}", Language.EN, Language.FR), 0.3)
             for n in range(4)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert time.monotonic() - started < 2.0
    assert all(isinstance(result, TimeoutError) for result in results)

    fake_deepl.state.mode = "ok"
    fake_deepl.state.release.set()
    assert await asyncio.wait_for(provider.translate("again", Language.EN, Language.FR),
                                  5) == "[FR] again"
    await provider.aclose()


async def test_unreachable_server_is_a_provider_error() -> None:
    provider = DeepLProvider(api_key=KEY, base_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(ProviderError, match="network error"):
        await asyncio.wait_for(provider.translate(TEXT, Language.EN, Language.ES), 5)
    await provider.aclose()


async def test_what_needs_no_request(fake_deepl: DeepLServer, deepl: DeepLProvider) -> None:
    assert await deepl.translate(" \n ", Language.EN, Language.FR) == " \n "
    assert await deepl.translate(TEXT, Language.FR, Language.FR) == TEXT
    with pytest.raises(ProviderError, match="more than 30000"):
        await deepl.translate("x" * (MAX_CHARS + 1), Language.EN, Language.FR)
    with pytest.raises(ProviderError, match="bytes"):  # control characters: six bytes each
        await deepl.translate("a" + "\x01" * (MAX_CHARS - 1), Language.EN, Language.FR)
    with pytest.raises(ProviderError, match="Unicode"):
        await deepl.translate("a\ud800b", Language.EN, Language.FR)
    assert fake_deepl.state.requests == []
    emoji = "🙂" * (MAX_CHARS - 1) + "."
    assert await deepl.translate(emoji, Language.EN, Language.FR) == f"[FR] {emoji}"


async def test_closed_provider_refuses(fake_deepl: DeepLServer) -> None:
    provider = DeepLProvider(api_key=KEY, base_url=fake_deepl.url)
    await provider.aclose()
    with pytest.raises(ProviderError, match="closed"):
        await provider.translate(TEXT, Language.EN, Language.ES)
    assert fake_deepl.state.requests == []


@pytest.mark.parametrize(("key", "url"), [("k:fx", FREE_URL), ("k", PRO_URL)])
async def test_base_url_follows_the_key(key: str, url: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"translations": [{"text": "Olá"}]})

    provider = DeepLProvider(api_key=key, transport=httpx.MockTransport(answer))
    assert await provider.translate("Hello", Language.EN, Language.PT) == "Olá"
    await provider.aclose()
    [request] = seen
    assert str(request.url) == f"{url}/v2/translate"
    assert request.method == "POST"
    assert request.headers["Authorization"] == f"DeepL-Auth-Key {key}"
    assert not request.url.query


async def test_factory_and_constructor_checks() -> None:
    pool = BlockingRunner(1)
    provider = online_provider("deepl", pool, keys={"deepl_key": KEY})
    assert isinstance(provider, DeepLProvider)
    assert (provider.name, provider.pivot, provider.max_chars) == ("deepl", None, MAX_CHARS)
    assert sum(provider.supports(s, t) for s in Language for t in Language) == 12
    await provider.aclose()
    await pool.aclose()
    assert pool.thread_count == 0
    with pytest.raises(ValueError, match="PEERDESK_DEEPL_KEY"):
        DeepLProvider(api_key="")
    with pytest.raises(ValueError, match="http"):
        DeepLProvider(api_key=KEY, base_url="api.deepl.com")
    with pytest.raises(ValueError, match="timeout"):
        DeepLProvider(api_key=KEY, timeout=0)


async def test_at_most_max_concurrent_requests_in_flight() -> None:
    in_flight = 0
    most = 0
    arrived = 0
    gate = asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most, arrived
        in_flight += 1
        arrived += 1
        most = max(most, in_flight)
        try:
            await gate.wait()
        finally:
            in_flight -= 1
        return httpx.Response(200, json={"translations": [{"text": "Olá"}]})

    provider = DeepLProvider(api_key=KEY, max_concurrent=2,
                             transport=httpx.MockTransport(answer))
    assert provider.max_concurrent == 2
    calls = [asyncio.create_task(provider.translate(f"text {n}", Language.EN, Language.PT))
             for n in range(6)]
    for _ in range(50):
        await asyncio.sleep(0.01)
    assert (arrived, in_flight) == (2, 2)

    # A waiting call cancelled (the chain's deadline) never sends and frees no slot it lacks.
    calls[5].cancel()
    gate.set()
    results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
    assert results[:5] == ["Olá"] * 5
    assert isinstance(results[5], asyncio.CancelledError)
    assert (arrived, most, in_flight) == (5, 2, 0)
    await provider.aclose()


async def test_the_semaphore_holds_against_a_real_hanging_server(
        fake_deepl: DeepLServer) -> None:
    fake_deepl.state.mode = "hang"
    provider = DeepLProvider(api_key=KEY, base_url=fake_deepl.url, timeout=5)
    assert provider.max_concurrent == 4
    calls = [asyncio.create_task(provider.translate(f"text {n}", Language.EN, Language.FR))
             for n in range(7)]
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(fake_deepl.state.requests) >= 4:
            break
    await asyncio.sleep(0.2)
    assert len(fake_deepl.state.requests) == 4
    fake_deepl.state.release.set()
    results = await asyncio.wait_for(asyncio.gather(*calls), 5)
    assert results == [f"[FR] text {n}" for n in range(7)]
    assert len(fake_deepl.state.requests) == 7
    await provider.aclose()


def test_max_concurrent_is_checked() -> None:
    with pytest.raises(ValueError, match="max_concurrent"):
        DeepLProvider(api_key=KEY, max_concurrent=0)
