"""One round of the dispatcher: the messages fetched, queued per chat, and which may go next.

Each chat has its own queue in outbox order; a chat whose head message may be sent now (its
interval, group rate and any hold have passed) is *ready*, and ready chats are served in the
order of their head messages, a broadcast's copies after everything else, within each
platform's overall rate. A chat that waits never keeps the others waiting. A message that
failed and waits for its retry takes the rest of its chat's queue with it (storage hands them
out again only after it), so each chat still gets its messages in outbox order — except that
what is not a broadcast's copy may be fetched, and sent, before a copy not fetched yet. At
most ``per_chat`` messages of one chat are fetched at a time; when a chat that had that many
runs dry, the round asks for more of its platform (``refill``).
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Callable

from bot.pacing import ChatKey, Pacer
from storage.outbox import QueuedMessage


def chat_key(message: QueuedMessage) -> ChatKey:
    """The chat a message goes to: its chat, or the recipient's private chat (named like the
    identity without its platform, as on Telegram, so both spellings pace as one chat)."""
    return (message.platform, message.chat_id or message.identity.split(":", 1)[-1])


class DispatchRound:
    """Per-chat queues and the chats that may be sent to, for one drain."""

    def __init__(self, pacer: Pacer, is_group: Callable[[QueuedMessage], bool],
                 per_chat: int) -> None:
        self.pacer = pacer
        self.is_group = is_group
        self.per_chat = per_chat
        self.held: set[int] = set()  # outbox ids queued or being sent
        self.capped: set[ChatKey] = set()  # chats fetched up to per_chat: may have more
        self.refill: set[str] = set()  # platforms where a capped chat ran dry: fetch again
        self.queues: dict[ChatKey, deque[QueuedMessage]] = {}
        self.groups: dict[ChatKey, bool] = {}
        self.busy: dict[str, set[ChatKey]] = {}
        self.queued: Counter[str] = Counter()  # messages waiting in the queues, per platform
        self._later: list[tuple[float, int, ChatKey]] = []  # by the moment the chat allows
        # Per platform, by head message: what people wait for first, then broadcasts' copies.
        self._ready: dict[str, list[tuple[bool, int, ChatKey]]] = {}

    def add(self, message: QueuedMessage) -> None:
        """Queue a fetched message behind the others to its chat."""
        key = chat_key(message)
        queue = self.queues.get(key)
        if queue is None:
            queue = self.queues[key] = deque()
            self.groups[key] = self.is_group(message)
        queue.append(message)
        self.queued[key[0]] += 1
        self.held.add(message.id)
        if len(queue) + (key in self.busy.get(key[0], ())) >= self.per_chat:
            self.capped.add(key)
        if len(queue) == 1 and key not in self.busy.get(key[0], ()):
            self._schedule(key)

    def _schedule(self, key: ChatKey) -> None:
        head = self.queues[key][0]
        heapq.heappush(self._later, (self.pacer.chat_ready(key, self.groups[key]), head.id, key))

    def start(self, now: float) -> list[tuple[ChatKey, QueuedMessage]]:
        """The messages that may start now, each taken off its queue and counted by the pacer;
        their chats are busy until :meth:`finish`."""
        while self._later and self._later[0][0] <= now:
            _at, head, key = heapq.heappop(self._later)
            bulk = self.queues[key][0].bulk
            heapq.heappush(self._ready.setdefault(key[0], []), (bulk, head, key))
        started: list[tuple[ChatKey, QueuedMessage]] = []
        for platform, ready in self._ready.items():
            limit = self.pacer.limits_for(platform).in_flight
            busy = self.busy.setdefault(platform, set())
            while ready and len(busy) < limit and self.pacer.platform_ready(platform) <= now:
                _bulk, _head, key = heapq.heappop(ready)
                queue = self.queues[key]
                message = queue.popleft()
                self.queued[platform] -= 1
                if not queue and key in self.capped:
                    self.capped.discard(key)
                    self.refill.add(platform)
                busy.add(key)
                self.pacer.record(key, self.groups[key], now)
                started.append((key, message))
        return started

    def earliest(self) -> float | None:
        """The next moment something not busy may be sent (None: nothing waits)."""
        moments = [self._later[0][0]] if self._later else []
        moments += [self.pacer.platform_ready(p) for p, ready in self._ready.items() if ready]
        return min(moments) if moments else None

    def finish(self, key: ChatKey, message: QueuedMessage, again: bool = False,
               waits: bool = False) -> None:
        """A send to this chat is over. ``again``: the message goes back to the front of its
        queue (the platform asked to wait). ``waits``: it failed and waits for a retry, and the
        chat's other messages are let go to wait behind it (a later fetch brings them back)."""
        self.busy[key[0]].discard(key)
        queue = self.queues[key]
        if again:
            queue.appendleft(message)
            self.queued[key[0]] += 1
        else:
            self.held.discard(message.id)
        if waits:
            self.held.difference_update(m.id for m in queue)
            self.queued[key[0]] -= len(queue)
            queue.clear()
            self.capped.discard(key)
        if queue:
            self._schedule(key)

    def drop(self, identity: str) -> None:
        """Forget the queued messages to an identity (they were set aside in storage)."""
        for key, queue in self.queues.items():
            kept = deque(m for m in queue if m.identity != identity)
            self.held.difference_update(m.id for m in queue if m.identity == identity)
            self.queued[key[0]] -= len(queue) - len(kept)
            self.queues[key] = kept
        self._later = [entry for entry in self._later if self.queues[entry[2]]]
        heapq.heapify(self._later)
        for platform, ready in self._ready.items():
            self._ready[platform] = [entry for entry in ready if self.queues[entry[2]]]
            heapq.heapify(self._ready[platform])
