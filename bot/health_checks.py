"""The checks behind ``/healthz``: the process, the database, each platform's connection and the
translator, each within a short time, none blocking the event loop.

A check is an async callable returning a short detail when all is well and raising (any
exception; its first line is the detail) when not. The database is looked at through an engine
and a thread of its own (:class:`DatabaseLooks`): the help desk's database thread may be busy
with a long batch, which says nothing about the database, and a look that hangs must not hold up
the help desk either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

import httpx
from sqlalchemy import Engine

from bot.translation.settings import TranslationSettings
from storage.monitoring import answers, looking_engine

T = TypeVar("T")
Check = Callable[[], Awaitable[str]]
# How long one check may take before it counts as failed.
CHECK_SECONDS = 3.0
# How long the offline translator's answer is trusted before it is asked again.
TRANSLATOR_KEPT_SECONDS = 10.0


class CheckFailed(Exception):
    """A check found something wrong; the message says what."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's state and what it found."""

    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every check's result; healthy when all are."""

    checks: dict[str, CheckResult]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(result.ok for result in self.checks.values())

    def as_json(self) -> dict[str, object]:
        """The report as ``/healthz`` answers it."""
        return {"status": "ok" if self.ok else "failing",
                "checks": {name: {"state": "ok" if result.ok else "failing",
                                  "detail": result.detail}
                           for name, result in self.checks.items()}}


class HealthChecks:
    """Runs named checks side by side, each within ``timeout`` seconds."""

    def __init__(self, checks: Mapping[str, Check], timeout: float = CHECK_SECONDS) -> None:
        self.checks = dict(checks)
        self.timeout = timeout

    async def run(self) -> HealthReport:
        """Every check's result now."""
        results = await asyncio.gather(*(self._one(check) for check in self.checks.values()))
        return HealthReport(dict(zip(self.checks, results, strict=True)))

    async def _one(self, check: Check) -> CheckResult:
        try:
            return CheckResult(True, await asyncio.wait_for(check(), self.timeout))
        except TimeoutError:
            return CheckResult(False, f"no answer within {self.timeout:g} s")
        except Exception as exc:
            lines = str(exc).strip().splitlines()
            return CheckResult(False, lines[0] if lines else type(exc).__name__)


class DatabaseLooks:
    """Reads from the database in a thread and through an engine of their own, each within
    ``timeout`` seconds (a look still running when the next comes makes the next wait, and
    time out: the database is not answering)."""

    def __init__(self, url: str, timeout: float = CHECK_SECONDS) -> None:
        self.timeout = timeout
        self.engine = looking_engine(url, timeout)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-look")

    async def look(self, work: Callable[[Engine], T]) -> T:
        """The result of ``work(engine)``, run off the event loop."""
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(
            loop.run_in_executor(self._executor, partial(work, self.engine)), self.timeout)

    async def answers(self) -> str:
        """The database check: it answers a read."""
        await self.look(answers)
        return "answers"

    def close(self) -> None:
        """Stop the thread (a look under way is left to end) and release the engine."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


class Connection(Protocol):
    """A platform's adapter, which knows whether the platform reaches it now."""

    @property
    def healthy(self) -> bool:
        """Whether the connection is up."""
        ...


def connection_check(connection: Connection) -> Check:
    """The check of one platform's connection (Telegram's polling or webhook, Slack's socket
    or HTTP server)."""

    async def check() -> str:
        if not connection.healthy:
            raise CheckFailed("not connected")
        return "connected"

    return check


class Resting(Protocol):
    """The translator chain, which knows which online providers failed repeatedly."""

    def resting(self, name: str) -> bool:
        """Whether a provider is skipped for a while after failing repeatedly."""
        ...


class TranslatorCheck:
    """The translator check: at least one configured provider can translate. Apertium is
    asked (APy's ``/listPairs``, or ``apertium -l``); an online provider is not called (that
    would cost a translation): it counts as reachable unless it failed repeatedly lately."""

    def __init__(self, settings: TranslationSettings, chain: Resting,
                 timeout: float = CHECK_SECONDS) -> None:
        self.settings = settings
        self.chain = chain
        self.timeout = timeout
        self._apertium: tuple[float, str | None] | None = None  # (when, why it failed)

    async def __call__(self) -> str:
        """What each provider's state is; raises when none can translate."""
        states: list[str] = []
        usable = False
        for name in self.settings.providers:
            problem = await self._apertium_problem() if name == "apertium" else (
                "failed repeatedly, resting" if self.chain.resting(name) else None)
            usable = usable or problem is None
            states.append(f"{name}: {problem or 'reachable'}")
        if not self.settings.providers:
            return "no provider configured"
        if not usable:
            raise CheckFailed("; ".join(states))
        return "; ".join(states)

    async def _apertium_problem(self) -> str | None:
        """Why Apertium cannot translate (None: it can), asked at most every few seconds."""
        now = time.monotonic()
        if self._apertium is None or now - self._apertium[0] > TRANSLATOR_KEPT_SECONDS:
            try:
                await self._ask_apertium()
                problem = None
            except Exception as exc:
                problem = str(exc).strip().splitlines()[0] if str(exc).strip() else \
                    type(exc).__name__
            self._apertium = (now, problem)
        return self._apertium[1]

    async def _ask_apertium(self) -> None:
        url = self.settings.apertium_apy_url
        if url:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(url.rstrip("/") + "/listPairs")
            if response.status_code != 200:
                raise CheckFailed(f"APy answered HTTP {response.status_code}")
            return
        process = await asyncio.create_subprocess_exec(
            self.settings.apertium_command, "-l", stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True)
        try:
            listing, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            raise
        if process.returncode != 0 or not listing.strip():
            raise CheckFailed(f"{self.settings.apertium_command} -l lists no pair")
