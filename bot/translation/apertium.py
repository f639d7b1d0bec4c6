"""Apertium, the offline translator: through its HTTP server (APy) or its command line.

Apertium translates English↔Spanish, Spanish↔Portuguese and Spanish↔French directly (the Debian
packages apertium-eng-spa, apertium-es-pt and apertium-fr-es); the chain pivots through Spanish
for the other pairs. Both providers find out which pairs are installed on first use and answer
:meth:`supports` from that; until then they assume the three Debian packages.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from typing import Any

import httpx

from bot.translation.provider import ProviderError, outer_whitespace
from handlers.domain import Language

NAME = "apertium"

Pair = tuple[Language, Language]

#: The direct pairs of the three Debian packages, assumed until discovery says otherwise.
DEBIAN_PAIRS: frozenset[Pair] = frozenset({
    (Language.EN, Language.ES), (Language.ES, Language.EN),
    (Language.ES, Language.PT), (Language.PT, Language.ES),
    (Language.ES, Language.FR), (Language.FR, Language.ES),
})

#: The codes Apertium may use for each language, best first: mode names use ISO 639-1 or
#: 639-3 codes ("es-pt_BR", "eng-spa"), APy lists ISO 639-3 ("spa", "por_BR"). Our Portuguese
#: is Brazilian, our English is not American in particular.
CODES: Mapping[Language, tuple[str, ...]] = {
    Language.EN: ("en", "eng", "en_US", "eng_US", "en_GB", "eng_GB"),
    Language.ES: ("es", "spa"),
    Language.PT: ("pt_BR", "por_BR", "pt", "por"),
    Language.FR: ("fr", "fra"),
}

#: APy cuts a text into at most ten pieces of up to 1,000 characters (fewer, at a full stop or
#: a space after the 500th, when it can) whenever more than two requests share a pipeline, and
#: silently drops what does not fit; 5,000 characters always fit.
APY_MAX_CHARS = 5_000
CLI_MAX_CHARS = 20_000


def choose_routes(available: Iterable[tuple[str, str]]) -> dict[Pair, tuple[str, str]]:
    """For each pair of our languages, the best of the available (source, target) code pairs."""
    offered = set(available)
    routes: dict[Pair, tuple[str, str]] = {}
    for source, source_codes in CODES.items():
        for target, target_codes in CODES.items():
            if source is target:
                continue
            for target_code in target_codes:
                found = next(((s, target_code) for s in source_codes
                              if (s, target_code) in offered), None)
                if found is not None:
                    routes[(source, target)] = found
                    break
    return routes



_TOKEN = re.compile(r"⟦(\d+)⟧")
_WORD_TOKEN = re.compile(r"ZZ(\d+)ZZ")


def as_words(text: str) -> tuple[str, Callable[[str], str]]:
    """The protected text with its ``⟦n⟧`` tokens written as ``ZZnZZ``, and the way back.

    Apertium treats the brackets of ``⟦n⟧`` as punctuation, and Spanish→French moves them
    ("⟦envoie⟧ 0"); a token that looks like an unknown word stays in place in every pair.
    (When the text already has such a word, the tokens are left as they are.)
    """
    if not _TOKEN.search(text) or _WORD_TOKEN.search(text):
        return text, lambda translated: translated
    return (_TOKEN.sub(r"ZZ\1ZZ", text),
            lambda translated: _WORD_TOKEN.sub(r"⟦\1⟧", translated))


def _check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise ProviderError(f"apertium: {len(text)} characters, more than {max_chars}")


class ApertiumApy:
    """Apertium through an APy server (``POST /translate``), pairs from ``GET /listPairs``.

    Sends plain text (``format=txt``, so ``<`` and ``&`` are not taken for HTML) with
    ``markUnknown=no``. APy strips the text's outer whitespace; it is put back.
    """

    name: str = NAME
    pivot: Language | None = Language.ES

    def __init__(self, url: str, *, max_chars: int = APY_MAX_CHARS, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Talk to the APy at ``url`` (e.g. ``http://127.0.0.1:2737``); nothing is sent yet."""
        self.max_chars = max_chars
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout,
                                         transport=transport)
        self._routes: dict[Pair, str] | None = None
        self._discovery = asyncio.Lock()
        self._closed = False

    def supports(self, source: Language, target: Language) -> bool:
        """Whether the pair is direct: as discovered, or as the Debian packages offer before."""
        if self._routes is None:
            return (source, target) in DEBIAN_PAIRS
        return (source, target) in self._routes

    async def pairs(self) -> frozenset[Pair]:
        """The direct pairs the server offers (asks it once); :class:`ProviderError` if down."""
        return frozenset(await self._known_routes())

    async def translate(self, text: str, source: Language, target: Language) -> str:
        """The text translated by APy, or :class:`ProviderError`."""
        _check_length(text, self.max_chars)
        langpair = (await self._known_routes()).get((source, target))
        if langpair is None:
            raise ProviderError(f"apertium: no direct pair {source.value}→{target.value}")
        lead, core, trail = outer_whitespace(text)
        if not core:
            return text
        sent, back = as_words(core)
        form = {"q": sent, "langpair": langpair, "markUnknown": "no", "format": "txt"}
        data = await self._get_json("POST", "/translate", form)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if not isinstance(translated, str):
            raise ProviderError("apertium: APy answered without a translatedText")
        return lead + back(translated) + trail

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        self._closed = True
        await self._client.aclose()

    async def _known_routes(self) -> dict[Pair, str]:
        if self._routes is None:
            async with self._discovery:
                if self._routes is None:
                    self._routes = await self._discover()
        return self._routes

    async def _discover(self) -> dict[Pair, str]:
        listed = await self._get_json("GET", "/listPairs", None)
        if not isinstance(listed, list):
            raise ProviderError("apertium: APy's /listPairs is not a list")
        available: set[tuple[str, str]] = set()
        for item in listed:
            if isinstance(item, dict):
                source, target = item.get("sourceLanguage"), item.get("targetLanguage")
                if isinstance(source, str) and isinstance(target, str):
                    available.add((source, target))
        return {pair: f"{s}|{t}" for pair, (s, t) in choose_routes(available).items()}

    async def _get_json(self, method: str, path: str, form: dict[str, str] | None) -> Any:
        """The ``responseData`` of an APy answer; every failure as :class:`ProviderError`."""
        if self._closed:
            raise ProviderError("apertium: provider closed")
        try:
            response = await self._client.request(method, path, data=form)
            body = response.json()
        except httpx.TimeoutException as error:
            raise ProviderError(f"apertium: APy timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise ProviderError(f"apertium: APy unreachable: {error!r}") from error
        except ValueError as error:  # bad JSON or bad UTF-8
            raise ProviderError(f"apertium: APy answered {path} with no JSON") from error
        except UnicodeError as error:  # text that cannot be sent (lone surrogates)
            raise ProviderError("apertium: text is not valid Unicode") from error
        if response.status_code != 200 or not isinstance(body, dict):
            raise ProviderError(f"apertium: APy answered HTTP {response.status_code}: "
                                f"{_explanation(body)}")
        if body.get("responseStatus") != 200:
            raise ProviderError(f"apertium: APy status {body.get('responseStatus')!r}: "
                                f"{body.get('responseDetails')!r}")
        return body.get("responseData")


def _explanation(body: object) -> str:
    if isinstance(body, dict):
        return str(body.get("explanation") or body.get("message") or "")[:200]
    return ""


class ApertiumCli:
    """Apertium's ``apertium -u MODE`` command, one process per text, a few at a time.

    Each call runs in a process group of its own (``apertium`` is a shell script that starts a
    pipeline); when the call is cancelled or times out the whole group is killed and reaped.
    """

    name: str = NAME
    pivot: Language | None = Language.ES

    def __init__(self, command: str = "apertium", *, max_chars: int = CLI_MAX_CHARS,
                 concurrency: int = 2, timeout: float = 60.0) -> None:
        """Run ``command``, at most ``concurrency`` processes at once, each for ``timeout`` s."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.max_chars = max_chars
        self._command = command
        self._timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._modes: dict[Pair, str] | None = None
        self._discovery = asyncio.Lock()

    def supports(self, source: Language, target: Language) -> bool:
        """Whether the pair is direct: as discovered, or as the Debian packages offer before."""
        if self._modes is None:
            return (source, target) in DEBIAN_PAIRS
        return (source, target) in self._modes

    async def pairs(self) -> frozenset[Pair]:
        """The direct pairs installed (``apertium -l``, run once); :class:`ProviderError` if none
        can be listed."""
        return frozenset(await self._known_modes())

    async def translate(self, text: str, source: Language, target: Language) -> str:
        """The text translated by ``apertium``, or :class:`ProviderError`."""
        _check_length(text, self.max_chars)
        mode = (await self._known_modes()).get((source, target))
        if mode is None:
            raise ProviderError(f"apertium: no direct pair {source.value}→{target.value}")
        if not text.strip():
            return text
        sent, back = as_words(text)
        try:
            data = sent.encode("utf-8")
        except UnicodeError as error:
            raise ProviderError("apertium: text is not valid Unicode") from error
        async with self._slots:
            output = await self._run(("-u", "-f", "txt", mode), data)
        try:
            translated = output.decode("utf-8")
        except UnicodeError as error:
            raise ProviderError("apertium: output is not UTF-8") from error
        if translated.endswith("\n") and not text.endswith("\n"):
            translated = translated[:-1]
        return back(translated)

    async def aclose(self) -> None:
        """Nothing stays open between calls; running calls end with their callers."""

    async def _known_modes(self) -> dict[Pair, str]:
        if self._modes is None:
            async with self._discovery:
                if self._modes is None:
                    listing = (await self._run(("-l",), b"")).decode("utf-8", "replace")
                    self._modes = _modes_from_listing(listing)
        return self._modes

    async def _run(self, args: Sequence[str], data: bytes) -> bytes:
        """The command's standard output; its process group never outlives the call."""
        process = await self._start(args)
        try:
            async with asyncio.timeout(self._timeout):
                output, errors = await process.communicate(data)
        except TimeoutError as error:
            raise ProviderError(f"apertium: no answer in {self._timeout:g} s") from error
        finally:
            if process.returncode is None:
                _kill_group(process.pid)
                await process.wait()
        if process.returncode != 0:
            detail = errors.decode("utf-8", "replace").strip().splitlines()
            raise ProviderError(f"apertium: {self._command} {' '.join(args)} exited with "
                                f"{process.returncode}: {detail[0][:200] if detail else ''}")
        return output

    async def _start(self, args: Sequence[str]) -> asyncio.subprocess.Process:
        """Start the command in a new session (its own process group)."""
        starting = asyncio.ensure_future(asyncio.create_subprocess_exec(
            self._command, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True))
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:
            starting.add_done_callback(_kill_when_started)
            raise
        except OSError as error:  # FileNotFoundError, PermissionError
            raise ProviderError(f"apertium: cannot run {self._command!r}: {error}") from error


def _modes_from_listing(listing: str) -> dict[Pair, str]:
    """Our pairs' modes among the names ``apertium -l`` prints, one a line."""
    codes: set[tuple[str, str]] = set()
    for line in listing.splitlines():
        source, dash, target = line.strip().partition("-")
        if dash:
            codes.add((source, target))
    return {pair: f"{s}-{t}" for pair, (s, t) in choose_routes(codes).items()}


def _kill_group(pid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _kill_when_started(starting: asyncio.Future[asyncio.subprocess.Process]) -> None:
    """Kill a process whose caller was cancelled while it started (the loop reaps it)."""
    if not starting.cancelled() and starting.exception() is None:
        process = starting.result()
        _kill_group(process.pid)
        if process.stdin is not None:
            process.stdin.close()


def apertium_provider(apy_url: str | None,
                      command: str = "apertium") -> ApertiumApy | ApertiumCli:
    """APy when a server URL is configured, else the ``apertium`` command."""
    if apy_url:
        return ApertiumApy(apy_url)
    return ApertiumCli(command)
