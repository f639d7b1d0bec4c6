"""Pacing: how fast each platform lets the bot send, and which chat may be sent to next.

Each platform has a minimum interval between two messages to one chat, an overall rate and a
rate per group chat (Telegram: 1 s, 30/s and 20/min). A :class:`Pacer` remembers when each chat
last got a message and answers, for any chat, the earliest moment the next one may go; a chat
the platform asked to wait (HTTP 429) is held until then, and only that chat. Time comes from a
:class:`Timer` (monotonic seconds and a sleep), real in production and virtual in tests and
benchmarks, so nothing here ever reads the machine's clock by itself.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

GROUP_WINDOW = 60.0  # the group rate is counted over one minute


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    """How one platform may be sent to, and when a refused message is given up.

    A zero rate means no limit of that kind; ``in_flight`` is how many sends may be awaited
    at once (one: strictly in outbox order, as the console wants).
    """

    chat_interval: float = 0.0  # seconds between two messages to one chat
    overall_per_second: float = 0.0  # messages per second to the whole platform
    group_per_minute: int = 0  # messages per minute to one group chat
    dead_letter_attempts: int = 3  # refusals (4xx) before a message becomes a dead letter
    in_flight: int = 1
    # Seconds added to each interval and window: a request that leaves on time may still reach
    # the platform a hair early, and a strict counter would refuse it (429). Costs ~1 % at
    # 0.01 s.
    margin: float = 0.0


# Telegram: "no more than one message per second" in a chat, "about 30 messages per second"
# in bulk, and "no more than 20 messages per minute" in a group (core.telegram.org/bots/faq).
TELEGRAM = DeliveryLimits(chat_interval=1.0, overall_per_second=30.0, group_per_minute=20,
                          dead_letter_attempts=3, in_flight=8, margin=0.01)
# Slack: chat.postMessage allows about one message per second per channel (bursts tolerated);
# it publishes no overall figure, and a channel is a chat here.
SLACK = DeliveryLimits(chat_interval=1.0, overall_per_second=0.0, group_per_minute=0,
                       dead_letter_attempts=3, in_flight=4, margin=0.01)
UNLIMITED = DeliveryLimits()
DEFAULT_LIMITS: Mapping[str, DeliveryLimits] = {"telegram": TELEGRAM, "slack": SLACK}


class Timer(Protocol):
    """Monotonic time in seconds, and a way to wait."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; never goes back."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this long."""
        ...


class RealTimer:
    """The machine's monotonic clock and asyncio's sleep."""

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)


class VirtualTimer:
    """Time that passes only when someone sleeps: a sleep moves it on at once."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def monotonic(self) -> float:
        """The virtual moment."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Move the virtual time on, then let other tasks run."""
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


ChatKey = tuple[str, str]  # (platform, chat)


class Pacer:
    """When each chat may next be sent to, under its platform's limits."""

    def __init__(self, limits: Mapping[str, DeliveryLimits]) -> None:
        self.limits = limits
        self._chat_next: dict[ChatKey, float] = {}
        self._platform_next: dict[str, float] = {}
        self._platform_sent: dict[str, deque[float]] = {}
        self._group_sent: dict[ChatKey, deque[float]] = {}

    def limits_for(self, platform: str) -> DeliveryLimits:
        """A platform's limits (none for a platform not configured)."""
        return self.limits.get(platform, UNLIMITED)

    def chat_ready(self, key: ChatKey, group: bool) -> float:
        """The earliest moment this chat alone allows its next message (its interval, a hold
        asked by the platform, and its group rate)."""
        at = self._chat_next.get(key, float("-inf"))
        limits = self.limits_for(key[0])
        per_minute = limits.group_per_minute
        window = self._group_sent.get(key) if group and per_minute else None
        if window is not None and len(window) >= per_minute:
            at = max(at, window[-per_minute] + GROUP_WINDOW + limits.margin)
        return at

    def platform_ready(self, platform: str) -> float:
        """The earliest moment the platform's overall rate allows another message: the next
        slot of its steady pace, and never more than the rate within any one second."""
        at = self._platform_next.get(platform, float("-inf"))
        sent = self._platform_sent.get(platform)
        if sent is not None and len(sent) == sent.maxlen:
            at = max(at, sent[0] + 1.0 + self.limits_for(platform).margin)
        return at

    def record(self, key: ChatKey, group: bool, at: float) -> None:
        """A message to this chat starts now.

        The overall pace keeps its slots: a send that starts a little late (the event loop
        was busy) does not push every later one back, so a broadcast keeps the full rate; the
        count over the last second still never exceeds it.
        """
        limits = self.limits_for(key[0])
        interval = limits.chat_interval + limits.margin if limits.chat_interval else 0.0
        self._chat_next[key] = max(self._chat_next.get(key, at), at + interval)
        if limits.overall_per_second > 0:
            platform, step = key[0], 1.0 / limits.overall_per_second
            due = self._platform_next.get(platform)
            # Late by less than a step: keep the slot; idle for longer: start afresh from now.
            slot = due if due is not None and at < due + step else at
            self._platform_next[platform] = slot + step
            sent = self._platform_sent.get(platform)
            if sent is None:
                sent = self._platform_sent[platform] = deque(
                    maxlen=max(1, int(limits.overall_per_second)))
            sent.append(at)
        if group and limits.group_per_minute:
            window = self._group_sent.setdefault(key, deque(maxlen=limits.group_per_minute))
            window.append(at)

    def hold(self, key: ChatKey, until: float) -> None:
        """The platform asked this chat to wait until then (others go on)."""
        self._chat_next[key] = max(self._chat_next.get(key, until), until)

    def forget_before(self, now: float) -> None:
        """Drop what no longer limits anything (keeps memory to the chats of the last minute)."""
        self._chat_next = {k: t for k, t in self._chat_next.items() if t > now}
        self._group_sent = {k: w for k, w in self._group_sent.items()
                            if w and w[-1] + GROUP_WINDOW > now}
