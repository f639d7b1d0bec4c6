"""Telegram's sending limits, enforced the way the broadcast benchmark needs them.

Telegram documents roughly 1 message per second per chat, 30 messages per second overall and
20 messages per minute per group; beyond them it answers 429 with ``retry_after``. The
:class:`RateLimits` here keeps sliding windows of accepted sends and refuses (and counts) the
ones over a limit. Its clock is injectable, so tests check it without sleeping.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

# The Bot API methods that send a message and so count against the limits.
SENDING_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendVoice",
    "sendAnimation", "sendSticker", "sendMediaGroup", "sendLocation", "sendContact",
    "copyMessage", "forwardMessage",
})


@dataclass
class RateLimits:
    """Sliding-window limits: per chat, overall, and per group chat (negative ids)."""

    per_chat: tuple[int, float] = (1, 1.0)
    overall: tuple[int, float] = (30, 1.0)
    per_group: tuple[int, float] = (20, 60.0)
    clock: Callable[[], float] = time.monotonic
    refused: Counter[str] = field(default_factory=Counter)
    _chat_sends: dict[int, deque[float]] = field(default_factory=dict)
    _all_sends: deque[float] = field(default_factory=deque)

    @property
    def refused_total(self) -> int:
        """How many sends were refused, whichever limit they broke."""
        return sum(self.refused.values())

    def admit(self, chat_id: int) -> int | None:
        """Record a send to ``chat_id`` and return None, or return the seconds to wait (>= 1)
        if it breaks a limit (then nothing is recorded and the refusal is counted)."""
        moment = self.clock()
        chat_sends = self._chat_sends.setdefault(chat_id, deque())
        checks = [("overall", self._all_sends, self.overall),
                  ("per_chat", chat_sends, self.per_chat)]
        if chat_id < 0:
            checks.append(("per_group", chat_sends, self.per_group))
        horizon = max(self.per_chat[1], self.per_group[1])
        while chat_sends and chat_sends[0] <= moment - horizon:
            chat_sends.popleft()
        while self._all_sends and self._all_sends[0] <= moment - self.overall[1]:
            self._all_sends.popleft()
        for name, sends, (count, window) in checks:
            recent = [sent for sent in sends if sent > moment - window]
            if len(recent) >= count:
                self.refused[name] += 1
                return max(1, math.ceil(recent[-count] + window - moment))
        chat_sends.append(moment)
        self._all_sends.append(moment)
        return None
