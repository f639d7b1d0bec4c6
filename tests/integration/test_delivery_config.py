"""The ``[delivery.*]`` tables: defaults are the platforms' limits; wrong values are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.pacing import SLACK, TELEGRAM

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_platforms_limits(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, ""), environ={}).delivery.limits == {
        "telegram": TELEGRAM, "slack": SLACK}
    shipped = load_settings(ROOT / "config.toml", environ={}).delivery.limits
    assert shipped == {"telegram": TELEGRAM, "slack": SLACK}
    assert load_settings(ROOT / "config.toml", environ={}).delivery.claim_seconds == 120
    assert load_settings(write(tmp_path, "[delivery]\nclaim_seconds = 30"),
                         environ={}).delivery.claim_seconds == 30
    telegram = shipped["telegram"]
    assert (telegram.chat_interval, telegram.overall_per_second, telegram.group_per_minute,
            telegram.dead_letter_attempts) == (1.0, 30.0, 20, 3)


def test_each_platform_is_set_on_its_own(tmp_path: Path) -> None:
    limits = load_settings(write(tmp_path, """
[delivery.telegram]
chat_interval_seconds = 2
overall_per_second = 10
group_per_minute = 5
dead_letter_attempts = 1
"""), environ={}).delivery.limits
    assert (limits["telegram"].chat_interval, limits["telegram"].overall_per_second,
            limits["telegram"].group_per_minute, limits["telegram"].dead_letter_attempts
            ) == (2.0, 10.0, 5, 1)
    assert limits["telegram"].in_flight == TELEGRAM.in_flight
    assert limits["slack"] == SLACK


@pytest.mark.parametrize(("text", "expected"), [
    ("[delivery.telegram]\noverall_per_second = -1",
     "[delivery.telegram] overall_per_second = -1.0: expected a number of messages per second"),
    ("[delivery.slack]\nchat_interval_seconds = \"1s\"",
     "[delivery.slack] chat_interval_seconds = '1s': expected float"),
    ("[delivery.telegram]\ngroup_per_minute = 1.5",
     "[delivery.telegram] group_per_minute = 1.5: expected int"),
    ("[delivery.telegram]\ndead_letter_attempts = 0",
     "[delivery.telegram] dead_letter_attempts = 0: expected a whole number from 1 to 100"),
    ("[delivery.telegram]\nburst = 3", "[delivery.telegram] burst: unknown key; expected"),
    ("[delivery.whatsapp]\nchat_interval_seconds = 1", "[delivery] whatsapp: unknown key"),
    ("[delivery]\nclaim_seconds = 1",
     "[delivery] claim_seconds = 1: expected a whole number of seconds from 5 to 3600"),
    ("[delivery]\nclaim_seconds = \"2m\"", "[delivery] claim_seconds = '2m': expected int"),
])
def test_wrong_delivery_values_are_named(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(write(tmp_path, text), environ={})
    assert str(failure.value).startswith(expected), str(failure.value)
