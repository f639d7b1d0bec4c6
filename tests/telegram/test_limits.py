"""Telegram's sending limits as the fake server enforces them, on a fake clock."""

from __future__ import annotations

from tests.telegram.limits import RateLimits


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_broadcast_paced_at_the_limit_is_never_refused() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock)
    for member in range(1, 1001):  # 1,000 private chats at 30 a second (in whole ms)
        clock.now = (member * 34) / 1000
        assert limits.admit(member) is None
    assert limits.refused_total == 0


def test_a_broadcast_faster_than_the_limit_is_refused_and_counted() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock)
    answers = [limits.admit(member) for member in range(1, 41)]  # 40 in the same instant
    assert answers[:30] == [None] * 30 and answers[30:] == [1] * 10
    assert limits.refused["overall"] == 10


def test_a_group_gets_twenty_a_minute() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock)
    for n in range(20):
        clock.now = n * 2.0
        assert limits.admit(-100123) is None
    clock.now = 40.0
    assert limits.admit(-100123) == 20  # the first send leaves the window at 60 s
    clock.now = 60.0
    assert limits.admit(-100123) is None
    assert limits.refused == {"per_group": 1}
