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
(deep-translator never passes a timeout to ``requests``: see :func:`_install_request_timeout`).

A new deep-translator object is made for every call: Google and MyMemory keep the text of the
call in the object, so one object must not serve two threads.

Secrets are constructor arguments; the composition root reads them from the environment
(suggested names: PEERDESK_DEEPL_KEY, PEERDESK_MICROSOFT_KEY, PEERDESK_MICROSOFT_REGION,
PEERDESK_LIBRETRANSLATE_KEY, PEERDESK_MYMEMORY_EMAIL). Error reasons never quote the library's
messages or ``requests`` exceptions: those can carry the key (LibreTranslate sends it in the
URL) or the user's text.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import queue
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

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
REQUEST_TIMEOUT = 10.0


class RunnerClosedError(RuntimeError):
    """The :class:`BlockingRunner` was shut down; it takes no more calls."""


class _RunnerThreadState(threading.local):
    """Per-thread: the request timeout of the runner that owns the thread, if any."""

    request_timeout: float | None = None


#: Set only in a :class:`BlockingRunner`'s own threads (each sets its own copy); ``None`` in
#: every other thread, where :func:`_bounded_send` changes nothing.
_runner_thread = _RunnerThreadState()
#: Serialises :func:`_install_request_timeout`, so two runners made at once patch only once.
_install_lock = threading.Lock()
_original_send: Callable[..., requests.Response] | None = None


def _bounded_send(session: requests.Session, request: requests.PreparedRequest,
                  **kwargs: Any) -> requests.Response:
    """``Session.send``, with a timeout filled in when called from a runner thread without one."""
    assert _original_send is not None
    limit = _runner_thread.request_timeout
    if limit is not None and kwargs.get("timeout") is None:
        kwargs["timeout"] = (limit, limit)  # (connect, read)
    return _original_send(session, request, **kwargs)


def _install_request_timeout() -> None:
    """Wrap ``requests.Session.send`` once (idempotent; called by every new runner).

    Why this patch exists: deep-translator 1.11.4 calls ``requests.get``/``requests.post``
    without ``timeout`` and offers no way to pass one (nor a session), so a server that accepts
    the connection and never answers keeps the worker thread blocked forever; after
    ``max_workers`` such stalls every online call only waits in the queue until its deadline.
    Every ``requests`` call, top-level or on a session, and every redirect goes through
    ``Session.send``, whose ``timeout`` keyword is missing or ``None`` when the caller gave
    none, so this is the narrowest place that reaches deep-translator's requests.

    What it changes: only calls made in a :class:`BlockingRunner`'s own threads (marked by a
    thread-local the runner sets), and only those that passed no timeout: they get
    ``(connect, read) = (request_timeout, request_timeout)``, so no connect and no wait for
    the next bytes of an answer blocks longer than that. Calls from any other thread, and
    calls with their own timeout, are passed on untouched. (``requests`` bounds each wait, not
    the whole call: a server trickling bytes, or a slow DNS resolver, can still stretch it.)
    """
    global _original_send
    with _install_lock:
        current: object = vars(requests.Session)["send"]
        if current is _bounded_send:
            return
        _original_send = requests.Session.send
        # setattr, not assignment: mypy refuses assigning to a method.
        setattr(requests.Session, "send", _bounded_send)  # noqa: B010


_Job = tuple[concurrent.futures.Future[Any], Callable[[], Any]]


class BlockingRunner:
    """A bounded pool of daemon threads running blocking calls for the event loop.

    Shared by all online providers and owned by the composition root, which calls
    :meth:`aclose`. Threads start on demand up to ``max_workers`` and are daemons, so a running
    call never holds up the process's exit. A ``requests`` call made without a timeout in one of
    these threads gets ``request_timeout`` for connecting and for each wait on the answer (see
    :func:`_install_request_timeout`), so a stalled server frees its thread within about
    ``request_timeout`` seconds instead of never.
    """

    def __init__(self, max_workers: int = 4, *, request_timeout: float = REQUEST_TIMEOUT,
                 thread_name: str = "peerdesk-online") -> None:
        """Run at most ``max_workers`` calls at once; the rest wait in order.

        ``request_timeout`` (seconds) bounds each connect and each wait for answer bytes of
        the ``requests`` calls made in these threads without a timeout of their own.
        """
        if max_workers < 1:
            raise ValueError(f"BlockingRunner needs at least one worker, not {max_workers}")
        if not (request_timeout > 0 and math.isfinite(request_timeout)):
            raise ValueError(f"BlockingRunner needs a positive request timeout, "
                             f"not {request_timeout!r}")
        _install_request_timeout()
        self._max_workers = max_workers
        self._request_timeout = float(request_timeout)
        self._thread_name = thread_name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def max_workers(self) -> int:
        """The most threads this runner ever starts."""
        return self._max_workers

    @property
    def request_timeout(self) -> float:
        """Seconds a ``requests`` call in these threads may wait to connect or to read."""
        return self._request_timeout

    @property
    def thread_count(self) -> int:
        """How many threads it has started so far (never more than ``max_workers``)."""
        return len(self._threads)

    async def run(self, call: Callable[[], T]) -> T:
        """The result of ``call()`` run in a worker thread.

        Cancelling the awaiting task cancels a queued call (it never runs) and abandons a
        running one (it finishes in its thread; its result or error is dropped).
        Raises :class:`RunnerClosedError` after :meth:`shutdown`.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RunnerClosedError("the online translation threads are shut down")
            self._jobs.put((future, call))
            self._add_thread_if_needed()
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Refuse new calls, fail queued ones, and let running ones end on their own."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None and job[0].set_running_or_notify_cancel():
                    job[0].set_exception(RunnerClosedError("shut down before it ran"))
            for _ in self._threads:
                self._jobs.put(None)

    async def aclose(self) -> None:
        """:meth:`shutdown`, without waiting for running calls."""
        self.shutdown()

    def _add_thread_if_needed(self) -> None:
        if self._idle.acquire(blocking=False):
            return
        if len(self._threads) < self._max_workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name=f"{self._thread_name}-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        _runner_thread.request_timeout = self._request_timeout
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, call = job
            if future.set_running_or_notify_cancel():
                try:
                    result = call()
                except StopIteration:  # asyncio futures refuse StopIteration
                    future.set_exception(RuntimeError("the call raised StopIteration"))
                except BaseException as error:
                    future.set_exception(error)
                else:
                    future.set_result(result)
            del job, future, call
            self._idle.release()



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
