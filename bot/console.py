"""The console adapter: a terminal chat where you type as any user, or play a transcript.

Every bot message is printed as one numbered block::

    #12 → carla (pt): text
        [Aprovar] [Pedir alterações]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import App
from bot.clock import VirtualClock, parse_clock, sweep_moments
from bot.dispatcher import Delivery
from bot.script import MoveClock, Press, Reply, ScriptError, SendFile, Step, parse_line
from handlers.messages import Attachment, ChatRef, Inbound, UserRef
from storage.outbox import QueuedMessage

PLATFORM = "console"
Write = Callable[[str], None]


@dataclass
class Received:
    """A message a console user received, kept for ``[reply N]`` and ``[press LABEL]``."""

    number: int
    user: str
    buttons: list[tuple[str, str]]


@dataclass
class ConsoleChannel:
    """Sends outbox rows to the terminal, numbered by their outbox id.

    The outbox id keeps numbers unique when a database is kept between sessions (``--db``),
    so ``[reply N]`` always means the same message.
    """

    write: Write
    received: dict[int, Received] = field(default_factory=dict)

    async def send(self, message: QueuedMessage) -> Delivery:
        """Print one message block and remember it under its number."""
        user = message.chat_id or message.identity.split(":", 1)[1]
        number = message.id
        first, *rest = message.text.split("\n") or [""]
        lines = [f"#{number} → {user} ({message.language}): {first}"]
        lines += [f"    {line}" for line in rest]
        flat = [button for row in message.buttons for button in row]
        if flat:
            lines.append("    " + " ".join(f"[{label}]" for label, _data in flat))
        lines += [f"    📎 {attachment.filename}" for attachment in message.attachments]
        self.write("\n".join(lines))
        self.received[number] = Received(number, user, flat)
        return Delivery(chat_id=user, message_id=str(number))

    def recall(self, history: list[tuple[str, str, list[tuple[str, str]]]]) -> None:
        """Remember messages sent in earlier sessions on the same database (``--db``)."""
        for user, number, buttons in history:
            if number.isdecimal():
                self.received[int(number)] = Received(int(number), user, buttons)

    def button_for(self, user: str, label: str) -> str:
        """The data of the button so labelled on the newest message the user got that has it."""
        wanted = label.strip().casefold()
        for number in sorted(self.received, reverse=True):
            item = self.received[number]
            if item.user != user:
                continue
            for text, data in item.buttons:
                if text.casefold() == wanted or text.removeprefix("✓ ").casefold() == wanted:
                    return data
        raise ScriptError(f"{user} has no message with a [{label}] button")

    def check_received(self, user: str, number: int) -> None:
        """Fail unless the user received message #number."""
        item = self.received.get(number)
        if item is None or item.user != user:
            raise ScriptError(f"{user} did not receive a message #{number}")


def display_name(user: str) -> str:
    """How a console user is called: their name, capitalised."""
    return user[:1].upper() + user[1:]


class ConsoleSession:
    """Plays console steps against a running app and prints what the bot sends."""

    def __init__(self, app: App, channel: ConsoleChannel, clock: VirtualClock, base: Path,
                 write: Write) -> None:
        self.app = app
        self.channel = channel
        self.clock = clock
        self.base = base
        self.write = write

    async def play(self, step: Step) -> None:
        """Turn one step into an inbound message (or a clock move) and deliver the replies."""
        if isinstance(step, MoveClock):
            await self._move_clock(step.spec)
            return
        await self.app.receive(self.inbound(step))
        await self.app.deliver()

    async def _move_clock(self, spec: str) -> None:
        """Move the virtual clock, sweeping at each full hour on the way as the scheduler
        would (a moment at which something was sent is printed before it)."""
        try:
            target = parse_clock(spec, self.clock.now())
        except ValueError as exc:
            raise ScriptError(str(exc)) from None
        for moment in sweep_moments(self.clock.now(), target):
            self.clock.set(moment)
            if moment == target:
                self.write(f"~ clock {moment:%Y-%m-%d %H:%M} UTC")
                await self.app.sweep()
                await self.app.deliver()
            elif await self.app.sweep():
                self.write(f"~ clock {moment:%Y-%m-%d %H:%M} UTC")
                await self.app.deliver()

    def inbound(self, step: Step) -> Inbound:
        """The inbound message a step is (not a clock move), as the help desk receives it:
        for a process that delivers on its own (the console beside other adapters)."""
        assert not isinstance(step, MoveClock)
        sender = UserRef(identity=f"{PLATFORM}:{step.user}", display_name=display_name(step.user))
        chat = ChatRef(platform=PLATFORM, chat_id=step.user, is_private=True)
        if isinstance(step, Press):
            return Inbound(sender, chat, button=self.channel.button_for(step.user, step.label))
        if isinstance(step, Reply):
            self.channel.check_received(step.user, step.number)
            return Inbound(sender, chat, text=step.text, reply_to=str(step.number))
        if isinstance(step, SendFile):
            path = (self.base / step.path).resolve()
            if not path.is_file():
                raise ScriptError(f"file not found: {path}")
            attachment = Attachment(filename=path.name, size=path.stat().st_size,
                                    location=str(path))
            if step.reply_to is not None:
                self.channel.check_received(step.user, step.reply_to)
            return Inbound(sender, chat, text=step.caption, attachment=attachment,
                           reply_to=None if step.reply_to is None else str(step.reply_to))
        return Inbound(sender, chat, text=step.text)


async def play_script(session: ConsoleSession, path: Path, err: Write) -> int:
    """Play a transcript; stop at the first line that cannot be understood (exit code 2)."""
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            step = parse_line(line)
            if step is not None:
                await session.play(step)
        except ScriptError as exc:
            err(f"{path}:{number}: {exc}: {line.strip()}")
            return 2
    return 0


async def interact(session: ConsoleSession, err: Write) -> int:
    """Read steps typed at the terminal until end of input or ``:quit``."""
    err("peerdesk console — type as any user, e.g. `alice> /start`; `:clock +1d` moves time; "
        "`:quit` or Ctrl-D ends.")
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() in (":quit", ":q"):
            return 0
        try:
            step = parse_line(line)
            if step is not None:
                await session.play(step)
        except ScriptError as exc:
            err(f"? {exc}")
