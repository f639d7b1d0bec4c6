"""The ``[delivery]`` table: how long a process's claim on the messages it is sending lasts, and
``[delivery.telegram]`` / ``[delivery.slack]``: each platform's sending pace and when a refused
message becomes a dead letter (defaults: the platforms' published limits, see
:mod:`bot.pacing`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.pacing import DEFAULT_LIMITS, DeliveryLimits
from bot.settings_table import ConfigError, Section, section

KEYS = {"chat_interval_seconds", "overall_per_second", "group_per_minute",
        "dead_letter_attempts"}


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """The limits of each platform the dispatcher paces."""

    limits: Mapping[str, DeliveryLimits] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    #: How long the messages one process fetched stay its own (renewed while it sends): when
    #: it dies, another process sends them this long after.
    claim_seconds: int = 120


def _number(table: Section, key: str, default: float, high: float, unit: str) -> float:
    value = table.get(key, float, default)
    if not 0 <= value <= high:
        raise table.fail(key, value, f"a number of {unit} from 0 to {high:g}")
    return value


def _platform(table: Section, default: DeliveryLimits) -> DeliveryLimits:
    per_minute = table.get("group_per_minute", int, default.group_per_minute)
    if not 0 <= per_minute <= 10_000:
        raise table.fail("group_per_minute", per_minute,
                         "a whole number of messages from 0 (no limit) to 10000")
    attempts = table.get("dead_letter_attempts", int, default.dead_letter_attempts)
    if not 1 <= attempts <= 100:
        raise table.fail("dead_letter_attempts", attempts, "a whole number from 1 to 100")
    return replace(
        default,
        chat_interval=_number(table, "chat_interval_seconds", default.chat_interval, 3600,
                              "seconds"),
        overall_per_second=_number(table, "overall_per_second", default.overall_per_second,
                                   10_000, "messages per second (0: no limit)"),
        group_per_minute=per_minute, dead_letter_attempts=attempts)


def read_delivery(data: Mapping[str, Any]) -> DeliverySettings:
    """The ``[delivery]`` table: one sub-table per platform."""
    top = data.get("delivery", {})
    if not isinstance(top, dict):
        raise ConfigError(f"[delivery] = {top!r}: expected a table")
    # Fails on an unknown key or platform.
    claims = section(data, "delivery", {*DEFAULT_LIMITS, "claim_seconds"})
    claim_seconds = claims.get("claim_seconds", int, 120)
    if not 5 <= claim_seconds <= 3600:
        raise claims.fail("claim_seconds", claim_seconds, "a whole number of seconds from 5 "
                          "to 3600")
    limits: dict[str, DeliveryLimits] = {}
    for name, default in DEFAULT_LIMITS.items():
        table = top.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"[delivery.{name}] = {table!r}: expected a table")
        limits[name] = _platform(Section(f"delivery.{name}", table, KEYS), default)
    return DeliverySettings(limits, claim_seconds)
