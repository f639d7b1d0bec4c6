"""``[health]`` and ``[logging] format``: defaults, what check-config says, and one clear line for
each wrong value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import describe
from bot.config import ConfigError, load_settings
from bot.health_settings import HealthSettings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_on_by_default_for_peerdesk_run_on_the_loopback(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.health == HealthSettings(enabled=True, listen="127.0.0.1", port=9180)
    assert settings.log_format == "text"
    assert "health:       peerdesk run serves http://127.0.0.1:9180/healthz and /metrics; " \
           "logs as text" in describe(settings)


def test_values_are_read_and_shown(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[health]\nlisten = "::"\nport = 9999\n'
                                             '[logging]\nformat = "json"\n'), environ={})
    assert settings.health.address == "[::]:9999" and settings.log_format == "json"
    off = load_settings(write(tmp_path, "[health]\nenabled = false\n"), environ={})
    assert "health:       no /healthz or /metrics ([health] enabled = false)" in describe(off)


@pytest.mark.parametrize(("text", "message"), [
    ("[health]\nenabled = 1", "[health] enabled = 1: expected bool"),
    ('[health]\nlisten = "every where"',
     "[health] listen = 'every where': expected an IP address or host name to listen on"),
    ("[health]\nport = 70000", "[health] port = 70000: expected a TCP port from 1 to 65535"),
    ('[health]\nport = "9180"', "[health] port = '9180': expected int"),
    ("[health]\npath = \"/h\"", "[health] path: unknown key; expected one of enabled, listen, "
                                "port"),
    ('[logging]\nformat = "xml"', "[logging] format = 'xml': expected \"text\" or \"json\""),
])
def test_a_wrong_value_is_one_line_naming_the_key(tmp_path: Path, text: str,
                                                   message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert message in str(caught.value) and "\n" not in str(caught.value)
