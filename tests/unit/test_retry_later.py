"""RetryLater: a failed item comes back after each delay in turn, then is given up; stopping
cancels what waits."""

from __future__ import annotations

import asyncio

from bot.retry_later import RetryLater


async def test_a_failed_item_comes_back_a_few_times_then_is_left() -> None:
    back: list[str] = []
    retry = RetryLater[str](back.append, delays=(0.01, 0.02))
    retry.failed("a", "item a")
    await asyncio.sleep(0.05)
    assert back == ["item a"]
    retry.failed("a", "item a")
    await asyncio.sleep(0.05)
    assert back == ["item a", "item a"]
    retry.failed("a", "item a")  # the third failure: left for the next start
    await asyncio.sleep(0.05)
    assert back == ["item a", "item a"]


async def test_success_forgets_the_failures_and_stop_cancels() -> None:
    back: list[str] = []
    retry = RetryLater[str](back.append, delays=(0.01,))
    retry.failed("a", "item a")
    await asyncio.sleep(0.03)
    retry.succeeded("a")
    retry.failed("a", "item a")  # counted afresh
    await asyncio.sleep(0.03)
    assert back == ["item a", "item a"]
    retry.failed("b", "item b")
    retry.stop()
    await asyncio.sleep(0.03)
    assert back == ["item a", "item a"]
    retry.failed("c", "item c")  # after stop: nothing is tried
    await asyncio.sleep(0.03)
    assert back == ["item a", "item a"]
