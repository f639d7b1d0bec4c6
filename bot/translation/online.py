"""Online translation providers (Google, MyMemory, LibreTranslate, DeepL, Microsoft).

Google, MyMemory, LibreTranslate and Microsoft go through the matching deep-translator class.
DeepL does not: deep-translator 1.11.4 sends it ``GET`` requests with ``auth_key`` in the query
string, which DeepL no longer accepts (it wants ``POST`` with an ``Authorization`` header), so
:class:`DeepLProvider` lives in :mod:`bot.translation.deepl`, on httpx, and needs no runner.

deep-translator is blocking (``requests``), so every call runs in a thread of a
:class:`BlockingRunner` shared by the deep-translator providers: at most ``max_workers`` threads,
a call cancelled while queued never runs, a call cancelled while running finishes in its
(daemon) thread and its answer is dropped. The chain's ``asyncio.wait_for`` bounds how long the
caller waits; the runner's ``request_timeout`` bounds how long the thread stays busy after that
(deep-translator never passes a timeout to ``requests``: see :mod:`bot.translation.runner`).

A new deep-translator object is made for every call: Google and MyMemory keep the text of the
call in the object, so one object must not serve two threads.

Secrets are constructor arguments; the composition root reads them from the environment
(suggested names: PEERDESK_DEEPL_KEY, PEERDESK_MICROSOFT_KEY, PEERDESK_MICROSOFT_REGION,
PEERDESK_LIBRETRANSLATE_KEY, PEERDESK_MYMEMORY_EMAIL). Error reasons never quote the library's
messages or ``requests`` exceptions: those can carry the key (LibreTranslate sends it in the
URL) or the user's text.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import partial
from typing import TypeVar

import requests
from deep_translator import (  # type: ignore[import-untyped]
    GoogleTranslator,
    LibreTranslator,
    MicrosoftTranslator,
    MyMemoryTranslator,
)
from deep_translator import exceptions as dt

from bot.translation.deepl import DeepLProvider
from bot.translation.provider import Provider, ProviderError, outer_whitespace
from bot.translation.runner import REQUEST_TIMEOUT as REQUEST_TIMEOUT
from bot.translation.runner import BlockingRunner as BlockingRunner
from bot.translation.runner import RunnerClosedError as RunnerClosedError
from handlers.domain import Language

T = TypeVar("T")

NAMES = ("google", "mymemory", "libretranslate", "deepl", "microsoft")

#: deep-translator refuses Google texts of 5,000 characters or more (``len(text) < 5000``).
GOOGLE_MAX_CHARS = 4_999
#: MyMemory takes at most 500 UTF-8 bytes (deep-translator checks ``len(text) < 500``); 250
#: characters fit whenever no character needs more than two bytes (all accented Latin letters).
MYMEMORY_MAX_CHARS = 250
MYMEMORY_MAX_BYTES = 500
#: LibreTranslate gets the text in the URL's query string (deep-translator's choice), so keep
#: it well under the usual 8 KiB request-line limits once percent-encoded.
LIBRETRANSLATE_MAX_CHARS = 2_000
#: Microsoft takes up to 50,000 characters per request (JSON body); smaller pieces answer faster.
MICROSOFT_MAX_CHARS = 10_000

_HTML = re.compile(r"\s*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
#: What MyMemory puts in ``translatedText`` when it refuses (with HTTP 200).
_MYMEMORY_REFUSALS = ("MYMEMORY WARNING", "QUERY LENGTH LIMIT", "INVALID LANGUAGE PAIR",
                      "PLEASE SELECT TWO DISTINCT LANGUAGES", "NO QUERY SPECIFIED",
                      "INVALID EMAIL", "'AUTO' IS AN INVALID")


#: Seconds a runner thread waits to connect, or for the next bytes of an answer, by default.
def _reason(error: BaseException) -> str:
    """A short reason for a failure, without the library's message (it may hold key or text)."""
    kind = type(error).__name__
    if isinstance(error, dt.TooManyRequests):
        return "rate limited (HTTP 429)"
    if isinstance(error, dt.ServerException):
        code = str(error.args[0]) if error.args else "?"
        return "rate limited (HTTP 429)" if code == "ERR_TOO_MANY_REQUESTS" else \
            f"server refused ({code})"
    if isinstance(error, dt.AuthorizationException):
        return "key refused (HTTP 403)"
    if isinstance(error, dt.MicrosoftAPIerror):
        if "429" in error.api_message:
            return "rate limited (HTTP 429)"
        return f"service error {error.api_message[:120]}"
    if isinstance(error, dt.RequestError):
        return "request failed (HTTP error status)"
    if isinstance(error, dt.TranslationNotFound | StopIteration):
        return "no translation in the answer"
    if isinstance(error, dt.NotValidLength | dt.NotValidPayload):
        return "text refused by deep-translator (too long?)"
    if isinstance(error, dt.LanguageNotSupportedException | dt.InvalidSourceOrTargetLanguage):
        return "language not supported"
    if isinstance(error, dt.ApiKeyException):
        return "no API key"
    if isinstance(error, requests.JSONDecodeError):
        return f"answer is not JSON ({kind})"
    if isinstance(error, requests.Timeout):
        return f"timed out ({kind})"
    if isinstance(error, requests.ConnectionError):
        return f"cannot connect ({kind})"
    if isinstance(error, requests.RequestException | OSError):
        return f"network error ({kind})"
    if isinstance(error, ValueError):
        return f"answer is not the expected JSON ({kind})"
    if isinstance(error, KeyError | IndexError | TypeError | AttributeError):
        return f"unexpected answer ({kind})"
    return f"unexpected error ({kind})"


class _OnlineProvider(ABC):
    """What the four deep-translator providers share: the runner, the checks, the error mapping."""

    #: Prefixes of answers that are the service's own message rather than a translation.
    refusals: tuple[str, ...] = ()

    def __init__(self, runner: BlockingRunner, name: str, max_chars: int) -> None:
        self.name = name
        self.max_chars = max_chars
        self.pivot: Language | None = None
        self._runner = runner
        self._closed = False

    def supports(self, source: Language, target: Language) -> bool:
        """Every direction among the four languages."""
        return source is not target

    async def translate(self, text: str, source: Language, target: Language) -> str:
        """The text in the target language, or :class:`ProviderError`."""
        if self._closed:
            raise ProviderError(f"{self.name}: provider closed")
        if len(text) > self.max_chars:
            raise ProviderError(f"{self.name}: {len(text)} characters, more than "
                                f"{self.max_chars}")
        lead, core, trail = outer_whitespace(text)
        if not core or source is target:
            return text
        try:
            translated = await self._runner.run(partial(self._blocking, core, source, target))
        except RunnerClosedError:
            raise ProviderError(f"{self.name}: online translation threads shut down") from None
        return lead + translated + trail

    async def aclose(self) -> None:
        """Take no more calls; the shared runner is closed by whoever made it."""
        self._closed = True

    def _blocking(self, text: str, source: Language, target: Language) -> str:
        """Runs in a worker thread: the call, its checks, and every failure as ProviderError."""
        try:
            answer = self._call(text, source, target)
        except Exception as error:
            raise ProviderError(f"{self.name}: {_reason(error)}") from None
        return self._check(answer, text)

    def _check(self, answer: object, text: str) -> str:
        """The answer if it looks like a translation of ``text``."""
        if not isinstance(answer, str):
            raise ProviderError(f"{self.name}: unexpected answer ({type(answer).__name__})")
        if not answer.strip():
            raise ProviderError(f"{self.name}: empty answer")
        if _HTML.match(answer) and "<" not in text:
            raise ProviderError(f"{self.name}: answer is an HTML page")
        if answer.lstrip().upper().startswith(self.refusals):
            raise ProviderError(f"{self.name}: the service refused (message instead of text)")
        return answer

    @abstractmethod
    def _call(self, text: str, source: Language, target: Language) -> object:
        """Translate with deep-translator (blocking; any exception is mapped)."""


class GoogleProvider(_OnlineProvider):
    """Google Translate's free web endpoint (no key); its ``pt`` is Brazilian Portuguese."""

    def __init__(self, runner: BlockingRunner) -> None:
        """Use ``runner`` for the blocking calls."""
        super().__init__(runner, "google", GOOGLE_MAX_CHARS)

    def _call(self, text: str, source: Language, target: Language) -> object:
        translator = GoogleTranslator(source=source.value, target=target.value)
        return translator.translate(text)


class MyMemoryProvider(_OnlineProvider):
    """MyMemory (no key; an e-mail address, e.g. from $PEERDESK_MYMEMORY_EMAIL, raises the quota).

    The address travels in the URL of a plain-HTTP request (deep-translator's base URL).
    """

    refusals = _MYMEMORY_REFUSALS
    CODES: Mapping[Language, str] = {
        Language.EN: "en-GB", Language.PT: "pt-BR", Language.ES: "es-ES", Language.FR: "fr-FR",
    }

    def __init__(self, runner: BlockingRunner, *, email: str = "") -> None:
        """Use ``runner`` for the blocking calls; ``email`` is optional."""
        super().__init__(runner, "mymemory", MYMEMORY_MAX_CHARS)
        self._email = email

    async def translate(self, text: str, source: Language, target: Language) -> str:
        """The text in the target language, or :class:`ProviderError` (over 500 bytes too)."""
        if len(text.strip().encode()) > MYMEMORY_MAX_BYTES:
            raise ProviderError(f"{self.name}: more than {MYMEMORY_MAX_BYTES} UTF-8 bytes")
        return await super().translate(text, source, target)

    def _call(self, text: str, source: Language, target: Language) -> object:
        translator = MyMemoryTranslator(source=self.CODES[source], target=self.CODES[target],
                                        email=self._email or None)
        return translator.translate(text)


class LibreTranslateProvider(_OnlineProvider):
    """A LibreTranslate server (``url``), with its API key if it needs one.

    Brazilian Portuguese is ``pb`` on servers that have that model (LibreTranslate 2025 on),
    ``pt`` (European) otherwise: the first call asks ``GET /languages`` which one it has.
    Suggested variable for the key: PEERDESK_LIBRETRANSLATE_KEY.
    """

    def __init__(self, runner: BlockingRunner, *, url: str, api_key: str = "",
                 max_chars: int = LIBRETRANSLATE_MAX_CHARS,
                 languages_timeout: float = 5.0) -> None:
        """Use the server at ``url`` (http or https) and ``runner`` for the blocking calls."""
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"libretranslate needs the http(s):// URL of a LibreTranslate "
                             f"server, not {url!r}")
        super().__init__(runner, "libretranslate", max_chars)
        self._url = url.rstrip("/") + "/"
        self._api_key = api_key
        self._languages_timeout = languages_timeout
        self._portuguese: str | None = None

    def _call(self, text: str, source: Language, target: Language) -> object:
        # deep-translator insists on a key; a keyless server gets none (api_key is emptied).
        translator = LibreTranslator(source=source.value, target=target.value,
                                     api_key=self._api_key or "-", custom_url=self._url)
        translator.api_key = self._api_key
        if Language.PT in (source, target):
            portuguese = self._portuguese_code()
            if source is Language.PT:
                translator.source = portuguese
            else:
                translator.target = portuguese
        return translator.translate(text)

    def _portuguese_code(self) -> str:
        """``pb`` if the server lists it, else ``pt``; remembered once the server has answered."""
        if self._portuguese is not None:
            return self._portuguese
        try:
            response = requests.get(self._url + "languages", timeout=self._languages_timeout)
            listed = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return "pt"
        if not isinstance(listed, list):
            return "pt"
        codes = {entry.get("code") for entry in listed if isinstance(entry, dict)}
        self._portuguese = "pb" if "pb" in codes else "pt"
        return self._portuguese


class _PinnedMicrosoftTranslator(MicrosoftTranslator):  # type: ignore[misc]
    """MicrosoftTranslator without its constructor's (untimed) download of the language list."""

    def _get_supported_languages(self) -> dict[str, str]:
        return {"english": "en", "portuguese": "pt", "spanish": "es", "french": "fr"}


class MicrosoftProvider(_OnlineProvider):
    """Microsoft Translator with a key and optional region (e.g. from $PEERDESK_MICROSOFT_KEY
    and $PEERDESK_MICROSOFT_REGION); its ``pt`` is Brazilian Portuguese (``pt-pt`` European).
    """

    def __init__(self, runner: BlockingRunner, *, api_key: str, region: str = "") -> None:
        """Use ``api_key`` (and ``region``, if the resource is regional) and ``runner``."""
        if not api_key:
            raise ValueError("microsoft needs an API key (set PEERDESK_MICROSOFT_KEY)")
        super().__init__(runner, "microsoft", MICROSOFT_MAX_CHARS)
        self._api_key = api_key
        self._region = region

    def _call(self, text: str, source: Language, target: Language) -> object:
        translator = _PinnedMicrosoftTranslator(source=source.value, target=target.value,
                                                api_key=self._api_key,
                                                region=self._region or None)
        return translator.translate(text)


def online_provider(name: str, runner: BlockingRunner, *, libretranslate_url: str = "",
                    keys: Mapping[str, str] | None = None) -> Provider:
    """The online provider called ``name``; ValueError if it is unknown or lacks a key/URL.

    ``keys`` may hold deepl_key, microsoft_key, microsoft_region, libretranslate_key and
    mymemory_email (read by the composition root from PEERDESK_DEEPL_KEY,
    PEERDESK_MICROSOFT_KEY, PEERDESK_MICROSOFT_REGION, PEERDESK_LIBRETRANSLATE_KEY and
    PEERDESK_MYMEMORY_EMAIL).
    """
    secrets: Mapping[str, str] = keys or {}
    if name == "google":
        return GoogleProvider(runner)
    if name == "mymemory":
        return MyMemoryProvider(runner, email=secrets.get("mymemory_email", ""))
    if name == "libretranslate":
        if not libretranslate_url:
            raise ValueError("libretranslate needs the URL of a LibreTranslate server "
                             "([translation.libretranslate] url)")
        return LibreTranslateProvider(runner, url=libretranslate_url,
                                      api_key=secrets.get("libretranslate_key", ""))
    if name == "deepl":  # plain httpx, no thread: see bot.translation.deepl
        return DeepLProvider(api_key=secrets.get("deepl_key", ""))
    if name == "microsoft":
        return MicrosoftProvider(runner, api_key=secrets.get("microsoft_key", ""),
                                 region=secrets.get("microsoft_region", ""))
    raise ValueError(f"unknown online translation provider {name!r}; "
                     f"choose among {', '.join(NAMES)}")
