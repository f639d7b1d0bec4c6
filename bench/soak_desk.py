"""peerdesk for the soak benchmark: what ``peerdesk run`` starts, in a process of its own, plus
the console as a third platform.

Usage (soak_bench.py starts it): ``python bench/soak_desk.py CONFIG`` with the tokens in
``PEERDESK_TELEGRAM_TOKEN``, ``PEERDESK_SLACK_BOT_TOKEN``, ``PEERDESK_SLACK_APP_TOKEN`` (and a
PostgreSQL URL, if any, in ``PEERDESK_DATABASE_URL``).

It composes peerdesk as bot/run.py's ``run_platforms`` does — the Telegram adapter polling the
local Bot API server, the Slack adapter over Socket Mode, ``build_app`` (with ``desk_process``
on, as in the shipped config.toml: the help desk in a worker process), the translation stage,
the dispatcher and the scheduler (``bot.runtime.serve``), and the collector settled once
started. Two differences, both needed by the benchmark: a console channel beside Telegram's and
Slack's, fed from standard input (``peerdesk run`` has no console), and python-telegram-bot's
HTTP transports built with ``trust_env=False`` (no proxy named in the environment ever sees the
loopback traffic). It runs apart from the benchmark's own process so that the RSS measured is
peerdesk's alone.

Standard input: one JSON object per line, a console person acting — ``{"user": "m12", "name":
…, "text": …}``, with ``"reply_to": N`` (message #N, an outbox id), ``"file": PATH`` or
``"button": DATA``; each becomes the ``Inbound`` the console adapter makes (bot/console.py).
Standard output: ``{"ready": PID}`` once every platform is connected; when standard input
closes, it stops and writes ``{"console": …, "grown": …}``: the messages the console received
(count, sum of their outbox ids, per wall-clock second) and, with ``--tracemalloc``, where the
memory that grew after warm-up was allocated (see :class:`Allocations`). With
``PEERDESK_SOAK_MALLINFO=S`` in the environment (soak_bench.py passes its own on), glibc's
allocator is sampled into the log every S seconds and trimmed at the end (:class:`MallocProbe`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import json
import logging
import os
import random
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import ApplicationBuilder
from telegram_product import loopback_request

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.collector import settle_after_start
from bot.config import load_settings
from bot.console import PLATFORM, ConsoleChannel, display_name
from bot.dispatcher import Channel, Delivery
from bot.runtime import serve
from bot.slack.channel import SlackChannel
from bot.slack.wiring import slack_adapter, slack_client
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.channel import TelegramChannel
from handlers.messages import Attachment, ChatRef, Inbound, UserRef
from storage.outbox import QueuedMessage
from storage.platform_updates import UpdateJournal


class CountingConsole(ConsoleChannel):
    """The console channel, counting what it delivers instead of printing and keeping it (a
    terminal would scroll it away; kept, it would grow for the whole run)."""

    def __init__(self) -> None:
        super().__init__(write=lambda _text: None)
        self.delivered = 0
        self.id_sum = 0
        self.per_second: Counter[int] = Counter()

    async def send(self, message: QueuedMessage) -> Delivery:
        """Count one message; it is numbered by its outbox id, as the console numbers it."""
        self.delivered += 1
        self.id_sum += message.id
        self.per_second[int(time.time())] += 1
        user = message.chat_id or message.identity.split(":", 1)[1]
        return Delivery(chat_id=user, message_id=str(message.id))


def console_inbound(step: dict[str, Any]) -> Inbound:
    """What the console adapter hands over for one person's step (ConsoleSession.inbound)."""
    name = str(step["user"])
    sender = UserRef(identity=f"{PLATFORM}:{name}", display_name=display_name(name))
    chat = ChatRef(platform=PLATFORM, chat_id=name, is_private=True)
    reply_to = str(step["reply_to"]) if step.get("reply_to") else None
    if step.get("button"):
        return Inbound(sender, chat, button=str(step["button"]))
    if step.get("file"):
        path = Path(step["file"])
        attachment = Attachment(filename=path.name, size=path.stat().st_size,
                                location=str(path))
        return Inbound(sender, chat, text=str(step.get("text", "")), attachment=attachment,
                       reply_to=reply_to)
    return Inbound(sender, chat, text=str(step.get("text", "")), reply_to=reply_to)

MB = 1024 * 1024


class MallocProbe:
    """With ``PEERDESK_SOAK_MALLINFO=S``, every S seconds a line on standard error (the desk's
    log): RSS, threads and glibc's ``mallinfo2()`` (``arena``: heap the arenas hold from the
    system, ``uordblks``: of it in use, ``fordblks``: free in it, ``hblkhd``: mmapped blocks);
    at the end the same before and after ``malloc_trim(0)``, with ``malloc_stats()`` per arena —
    to tell memory in use from freed memory the allocator keeps. Also the objects Python has
    allocated (``blocks``) and the RSS by kind of mapping (``heap``: the main arena's brk heap;
    ``anon``: pymalloc's arenas, other arenas, large blocks). Nothing off glibc."""

    class Info(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    def __init__(self) -> None:
        self.every = float(os.environ.get("PEERDESK_SOAK_MALLINFO") or 0)
        self.libc: Any = None
        if self.every:
            with contextlib.suppress(OSError, AttributeError):
                libc = ctypes.CDLL("libc.so.6")
                libc.mallinfo2.restype = MallocProbe.Info
                self.libc = libc

    def line(self, label: str) -> str:
        """One sample, in MB."""
        info = self.libc.mallinfo2()
        rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        threads = len(os.listdir("/proc/self/task"))
        fields = " ".join(f"{name}={getattr(info, name) / MB:.1f}"
                          for name in ("arena", "uordblks", "fordblks", "hblkhd", "keepcost"))
        return (f"mallinfo {label} t={time.time():.0f} rss={rss / MB:.1f} threads={threads} "
                f"{fields} blocks={sys.getallocatedblocks()} "
                f"{self.maps()}")

    @staticmethod
    def maps() -> str:
        """RSS by kind of mapping (/proc/self/smaps): the brk heap, anonymous, files; MB."""
        kinds: Counter[str] = Counter()
        kind = "file"
        for row in Path("/proc/self/smaps").read_text().splitlines():
            parts = row.split()
            if parts and "-" in parts[0] and not parts[0].endswith(":"):
                name = parts[5] if len(parts) > 5 else ""
                kind = ("heap" if name == "[heap]" else "anon" if not name
                        else "stack" if name.startswith("[") else "file")
            elif parts and parts[0] == "Rss:":
                kinds[kind] += int(parts[1])
        return " ".join(f"{k}={v / 1024:.1f}" for k, v in sorted(kinds.items()))

    async def sample(self) -> None:
        """Log a line every ``every`` seconds, until cancelled."""
        if self.libc is None:
            return
        while True:
            print(self.line("sample"), file=sys.stderr, flush=True)
            await asyncio.sleep(self.every)

    def trim(self) -> None:
        """Before and after a full collection and ``malloc_trim(0)``, with pymalloc's and
        glibc's per-arena statistics."""
        if self.libc is None:
            return
        print(self.line("before-trim"), file=sys.stderr, flush=True)
        sys._debugmallocstats()
        gc.collect()
        print(self.line("after-collect"), file=sys.stderr, flush=True)
        self.libc.malloc_stats()
        self.libc.malloc_trim(0)
        print(self.line("after-trim"), file=sys.stderr, flush=True)
        self.libc.malloc_stats()


class Allocations:
    """With ``PEERDESK_SOAK_TRACEMALLOC=N`` (frames kept per allocation), what this process
    allocated between a mark (``{"tracemalloc": "mark"}`` on standard input, sent at the end of
    warm-up) and the end and still holds, largest first — to find what makes the RSS grow."""

    def __init__(self) -> None:
        self.frames = int(os.environ.get("PEERDESK_SOAK_TRACEMALLOC") or 0)
        self.marked: tracemalloc.Snapshot | None = None
        if self.frames:
            tracemalloc.start(self.frames)

    def mark(self) -> None:
        """Compare with now, at the end."""
        if self.frames:
            self.marked = tracemalloc.take_snapshot()

    def grown(self, top: int = 40) -> list[str]:
        """The biggest growths since the mark, each with where it was allocated."""
        if self.marked is None:
            return []
        ignored = [tracemalloc.Filter(False, tracemalloc.__file__)]
        now = tracemalloc.take_snapshot().filter_traces(ignored)
        stats = now.compare_to(self.marked.filter_traces(ignored), "traceback")
        return [f"{stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks: "
                + " <- ".join(f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno}"
                              for frame in reversed(stat.traceback))
                for stat in stats[:top]]


async def console_input(app: App, allocations: Allocations) -> None:
    """Hand each line of standard input to the help desk, without waiting for the one before
    (people type at the same time); return when standard input closes."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    handling: set[asyncio.Task[None]] = set()
    while line := await reader.readline():
        step = json.loads(line)
        if "tracemalloc" in step:
            allocations.mark()
            continue
        task = asyncio.create_task(app.receive(console_inbound(step)))
        handling.add(task)
        task.add_done_callback(handling.discard)
    if handling:
        await asyncio.wait(handling)


async def main(config: Path) -> None:
    """Run until standard input closes, then report the console's deliveries."""
    allocations = Allocations()
    probe = MallocProbe()
    environ = dict(os.environ)
    settings = load_settings(config, environ=environ)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    clock = SystemClock()
    telegram = settings.telegram
    application = (ApplicationBuilder().token(environ[telegram.secret_envs[0]])
                   .base_url(telegram.base_url).base_file_url(telegram.base_file_url)
                   .request(loopback_request(256)).get_updates_request(loopback_request(1))
                   .build())
    console = CountingConsole()
    client = slack_client(settings, environ)
    channels: dict[str, Channel] = {"telegram": TelegramChannel(application.bot),
                                    "slack": SlackChannel(client), PLATFORM: console}
    await application.initialize()
    app = await build_app(settings, settings.storage.database_url, clock, RandomJoinCodes(
        random.Random()), channels, invite_links={
            "telegram": f"https://t.me/{application.bot.username}?start=join_{{code}}"})
    telegram_side = TelegramAdapter(app, application,
                                    UpdateJournal(app.database.engine, "telegram"),
                                    settings.storage.data_dir / "incoming",
                                    settings.deliverables.max_size_mb * 1024 * 1024, clock)
    slack_side = slack_adapter(app, settings, environ, client, clock)
    stop = asyncio.Event()
    try:
        await telegram_side.start()
        await slack_side.start()
        settle_after_start()
        serving = asyncio.create_task(serve(app, stop))
        print(json.dumps({"ready": os.getpid()}), flush=True)
        sampling = asyncio.create_task(probe.sample())
        await console_input(app, allocations)
        grown = allocations.grown()
        sampling.cancel()
        probe.trim()
        stop.set()
        await serving
    finally:
        await slack_side.stop()
        await telegram_side.stop()
        await app.close()
        if client.session is not None:
            await client.session.close()
    print(json.dumps({"console": {"delivered": console.delivered, "id_sum": console.id_sum,
                                  "per_second": dict(console.per_second)},
                      "grown": grown}), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(Path(sys.argv[1])))
