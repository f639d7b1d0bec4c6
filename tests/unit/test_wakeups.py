"""Wake-ups: every listening loop hears the news, and one taking it hides it from no other."""

from __future__ import annotations

import asyncio

from bot.wakeups import Wakeups, wait_for_any


async def test_every_listener_hears_and_clears_on_its_own() -> None:
    news = Wakeups()
    sending, translating = news.listen(), news.listen()
    news.set()
    assert sending.is_set() and translating.is_set()
    sending.clear()
    assert translating.is_set()  # the other loop still has it
    news.set()
    assert sending.is_set()


async def test_waiting_for_any_flag_ends_at_the_first_or_at_the_time() -> None:
    first, second = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await wait_for_any([first, second], 0.05)
    assert loop.time() - started >= 0.04  # nothing raised: it waited its time
    loop.call_later(0.01, second.set)
    await wait_for_any([first, second], 30)
    assert second.is_set() and not first.is_set()
    await wait_for_any([first, second], 30)  # already raised: returns at once
