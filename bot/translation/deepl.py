"""DeepL, called directly with httpx rather than through deep-translator.

deep-translator 1.11.4's ``DeeplTranslator`` sends ``GET /v2/translate`` with ``auth_key`` in
the query string. DeepL has retired both: it takes ``POST /v2/translate`` only, with the key in
an ``Authorization: DeepL-Auth-Key KEY`` header, so every deep-translator call now fails. The
request is small enough to make here, and doing it on :class:`httpx.AsyncClient` also gives a
real per-request timeout (no thread left waiting on a socket) and keeps the key out of URLs
and logs.

Free keys end in ``:fx`` and go to api-free.deepl.com, others to api.deepl.com. Sources are
``EN``/``PT``/``ES``/``FR``; targets are ``EN-GB``, ``PT-BR`` (the help desk's Portuguese is
Brazilian), ``ES`` and ``FR`` (plain ``EN`` and ``PT`` targets are deprecated). A request body
may hold at most 128 KiB. Error reasons name the HTTP status or the exception's class, never
DeepL's message, the key or the text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import httpx

from bot.translation.provider import ProviderError, outer_whitespace
from handlers.domain import Language

NAME = "deepl"
FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
#: DeepL refuses request bodies over 128 KiB (HTTP 413).
MAX_BODY_BYTES = 128 * 1024
#: 30,000 characters fit in 128 KiB of JSON even at four UTF-8 bytes each; the body is still
#: measured before sending (control characters are escaped to six bytes).
MAX_CHARS = 30_000

SOURCES: Mapping[Language, str] = {
    Language.EN: "EN", Language.PT: "PT", Language.ES: "ES", Language.FR: "FR",
}
TARGETS: Mapping[Language, str] = {
    Language.EN: "EN-GB", Language.PT: "PT-BR", Language.ES: "ES", Language.FR: "FR",
}

_STATUS_REASONS: Mapping[int, str] = {
    400: "request refused (HTTP 400)",
    403: "key refused, or the wrong endpoint for this key (HTTP 403)",
    404: "no such endpoint (HTTP 404)",
    413: "request too large (HTTP 413)",
    429: "rate limited (HTTP 429)",
    456: "quota exceeded (HTTP 456)",
    529: "rate limited (HTTP 529)",
}


def base_url_for(api_key: str) -> str:
    """DeepL's free API for keys ending in ``:fx``, the paid API otherwise."""
    return FREE_URL if api_key.endswith(":fx") else PRO_URL



def _status_reason(status: int) -> str:
    if status in _STATUS_REASONS:
        return _STATUS_REASONS[status]
    if status >= 500:
        return f"server error (HTTP {status})"
    return f"unexpected HTTP {status}"


def _translation(body: object) -> str:
    """The text of the one translation in DeepL's answer; ProviderError if it is not there."""
    translations = body.get("translations") if isinstance(body, dict) else None
    if not isinstance(translations, list) or len(translations) != 1:
        raise ProviderError(f"{NAME}: unexpected answer (no single translation)")
    first = translations[0]
    text = first.get("text") if isinstance(first, dict) else None
    if not isinstance(text, str):
        raise ProviderError(f"{NAME}: unexpected answer (translation without text)")
    if not text.strip():
        raise ProviderError(f"{NAME}: empty answer")
    return text


class DeepLProvider:
    """DeepL's ``POST /v2/translate`` with an API key (e.g. from $PEERDESK_DEEPL_KEY).

    It needs no thread, so the :class:`~bot.translation.online.BlockingRunner` does not bound
    it; its own semaphore keeps at most ``max_concurrent`` requests in flight (the rest wait
    their turn, and a caller's deadline counts that wait), so a burst of messages neither
    opens a connection per message nor runs into DeepL's rate limit all at once.
    """

    name: str = NAME
    pivot: Language | None = None

    def __init__(self, *, api_key: str, base_url: str | None = None, timeout: float = 10.0,
                 max_concurrent: int = 4,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Use ``api_key``; ``base_url`` defaults from the key's suffix; nothing is sent yet.

        At most ``max_concurrent`` requests are in flight at once.
        """
        if not api_key:
            raise ValueError("deepl needs an API key (set PEERDESK_DEEPL_KEY)")
        url = (base_url or base_url_for(api_key)).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"deepl needs an http(s):// base URL, not {url!r}")
        if timeout <= 0:
            raise ValueError(f"deepl needs a positive timeout, not {timeout!r}")
        if max_concurrent < 1:
            raise ValueError(f"deepl needs max_concurrent of at least 1, not {max_concurrent}")
        self.max_chars = MAX_CHARS
        self.max_concurrent = max_concurrent
        # asyncio primitives bind to the running loop on first use, not here.
        self._slots = asyncio.Semaphore(max_concurrent)
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=url, timeout=timeout, transport=transport, follow_redirects=False,
            headers={"Authorization": f"DeepL-Auth-Key {api_key}",
                     "Accept": "application/json", "User-Agent": "peerdesk"})
        self._closed = False

    def supports(self, source: Language, target: Language) -> bool:
        """Every direction among the four languages."""
        return source is not target

    async def translate(self, text: str, source: Language, target: Language) -> str:
        """The text in the target language, or :class:`ProviderError`."""
        if self._closed:
            raise ProviderError(f"{NAME}: provider closed")
        if len(text) > self.max_chars:
            raise ProviderError(f"{NAME}: {len(text)} characters, more than {self.max_chars}")
        lead, core, trail = outer_whitespace(text)
        if not core or source is target:
            return text
        payload = {"text": [core], "source_lang": SOURCES[source],
                   "target_lang": TARGETS[target]}
        try:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeError:  # lone surrogates
            raise ProviderError(f"{NAME}: text is not valid Unicode") from None
        if len(body) > MAX_BODY_BYTES:
            raise ProviderError(f"{NAME}: request of {len(body)} bytes, more than "
                                f"{MAX_BODY_BYTES}")
        return lead + _translation(await self._post(body)) + trail

    async def aclose(self) -> None:
        """Take no more calls and close the HTTP connections."""
        self._closed = True
        await self._client.aclose()

    async def _post(self, body: bytes) -> object:
        """DeepL's decoded JSON answer; every failure as :class:`ProviderError`."""
        try:
            async with self._slots:
                if self._closed:
                    raise ProviderError(f"{NAME}: provider closed")
                response = await self._client.post(
                    "/v2/translate", content=body,
                    headers={"Content-Type": "application/json"})
        except httpx.TimeoutException as error:
            raise ProviderError(f"{NAME}: no answer in {self._timeout:g} s "
                                f"({type(error).__name__})") from None
        except httpx.HTTPError as error:
            raise ProviderError(f"{NAME}: network error ({type(error).__name__})") from None
        except RuntimeError:  # httpx: the client was closed meanwhile
            reason = "provider closed" if self._closed else "unexpected error (RuntimeError)"
            raise ProviderError(f"{NAME}: {reason}") from None
        if response.status_code != 200:
            raise ProviderError(f"{NAME}: {_status_reason(response.status_code)}")
        try:
            return response.json()
        except ValueError:  # not JSON, or not UTF-8
            raise ProviderError(f"{NAME}: answer is not JSON") from None
