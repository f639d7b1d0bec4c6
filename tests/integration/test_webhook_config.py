"""``[telegram] mode`` and the webhook keys: defaults, what check-config shows, and each wrong
value named on one line (the secret itself never shown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import describe
from bot.config import ConfigError, load_settings

TOKEN = {"PEERDESK_TELEGRAM_TOKEN": "123:abc"}
SECRET = {"PEERDESK_TELEGRAM_WEBHOOK_SECRET": "a-Good_secret-0123"}
WEBHOOK = '[telegram]\nenabled = true\nmode = "webhook"\n'
URL = 'webhook_url = "https://bot.example.org/telegram"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_polling_is_the_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[telegram]\nenabled = true\n"), environ=TOKEN)
    assert settings.telegram.mode == "polling" and settings.telegram.webhook is None
    assert "telegram:     long polling" in describe(settings)


def test_webhook_mode_with_its_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WEBHOOK + URL), environ=TOKEN | SECRET)
    webhook = settings.telegram.webhook
    assert settings.telegram.mode == "webhook" and webhook is not None
    assert (webhook.url, webhook.listen, webhook.port, webhook.path, webhook.secret_env) == (
        "https://bot.example.org/telegram", "127.0.0.1", 8443, "/telegram",
        "PEERDESK_TELEGRAM_WEBHOOK_SECRET")
    shown = describe(settings)
    assert ("telegram:     webhook https://bot.example.org/telegram, listening on "
            "127.0.0.1:8443/telegram, secret token from $PEERDESK_TELEGRAM_WEBHOOK_SECRET"
            in shown)
    assert SECRET["PEERDESK_TELEGRAM_WEBHOOK_SECRET"] not in shown


def test_webhook_mode_with_every_key(tmp_path: Path) -> None:
    text = (WEBHOOK + 'webhook_url = "https://bot.example.org:8443"\nwebhook_listen = "::"\n'
            'webhook_port = 9000\nwebhook_path = "/hooks/tg"\nwebhook_secret_env = "MY_HOOK"\n')
    settings = load_settings(write(tmp_path, text), environ=TOKEN | {"MY_HOOK": "x" * 256})
    webhook = settings.telegram.webhook
    assert webhook is not None and webhook.local_address == "[::]:9000/hooks/tg"
    assert webhook.url == "https://bot.example.org:8443" and webhook.secret_env == "MY_HOOK"


def test_a_url_without_a_path_is_served_at_the_root(tmp_path: Path) -> None:
    text = WEBHOOK + 'webhook_url = "https://bot.example.org"\n'
    webhook = load_settings(write(tmp_path, text), environ=TOKEN | SECRET).telegram.webhook
    assert webhook is not None and webhook.path == "/"


def test_the_secret_is_needed_only_when_telegram_runs(tmp_path: Path) -> None:
    text = '[telegram]\nenabled = false\nmode = "webhook"\n' + URL
    assert load_settings(write(tmp_path, text), environ={}).telegram.webhook is not None


@pytest.mark.parametrize(("text", "environ", "expected"), [
    ('[telegram]\nmode = "push"', {},
     "[telegram] mode = 'push': expected \"polling\" or \"webhook\""),
    ("[telegram]\nwebhook_port = 0", {},
     "[telegram] webhook_port = 0: expected a TCP port from 1 to 65535"),
    ("[telegram]\nwebhook_port = 70000", {}, "[telegram] webhook_port = 70000: expected a TCP"),
    ('[telegram]\nwebhook_port = "8443"', {}, "[telegram] webhook_port = '8443': expected int"),
    ('[telegram]\nwebhook_listen = "my host"', {},
     "[telegram] webhook_listen = 'my host': expected an IP address or host name"),
    ('[telegram]\nwebhook_listen = ""', {}, "[telegram] webhook_listen = '': expected an IP"),
    ('[telegram]\nwebhook_hostname = "x"', {}, "[telegram] webhook_hostname: unknown key"),
    (WEBHOOK, TOKEN | SECRET,
     "[telegram] webhook_url = '': expected the public https:// URL Telegram posts updates to"),
    (WEBHOOK + 'webhook_url = "http://bot.example.org/telegram"', TOKEN | SECRET,
     "[telegram] webhook_url = 'http://bot.example.org/telegram': expected the public https://"),
    (WEBHOOK + 'webhook_url = "https://bot.example.org:8080/telegram"', TOKEN | SECRET,
     "on port 443, 80, 88 or 8443"),
    (WEBHOOK + 'webhook_url = "https:///telegram"', TOKEN | SECRET,
     "[telegram] webhook_url = 'https:///telegram': expected"),
    (WEBHOOK + 'webhook_url = "https://bot.example.org:99999/"', TOKEN | SECRET,
     "[telegram] webhook_url = 'https://bot.example.org:99999/': expected"),
    (WEBHOOK + URL + 'webhook_path = "telegram"', TOKEN | SECRET,
     "[telegram] webhook_path = 'telegram': expected a path starting with \"/\""),
    (WEBHOOK + URL + 'webhook_secret_env = ""', TOKEN | SECRET,
     "[telegram] webhook_secret_env = '': expected the name of an environment variable"),
    (WEBHOOK + URL, TOKEN,
     "[telegram] webhook_secret_env = 'PEERDESK_TELEGRAM_WEBHOOK_SECRET': the environment "
     "variable $PEERDESK_TELEGRAM_WEBHOOK_SECRET is not set; export it"),
    (WEBHOOK + URL, TOKEN | {"PEERDESK_TELEGRAM_WEBHOOK_SECRET": "has space"},
     "$PEERDESK_TELEGRAM_WEBHOOK_SECRET holds a character outside them; Telegram accepts 1 "
     "to 256 characters among A-Z a-z 0-9 _ -"),
    (WEBHOOK + URL, TOKEN | {"PEERDESK_TELEGRAM_WEBHOOK_SECRET": "s3cret!"},
     "holds a character outside them"),
    (WEBHOOK + URL, TOKEN | {"PEERDESK_TELEGRAM_WEBHOOK_SECRET": "x" * 257},
     "$PEERDESK_TELEGRAM_WEBHOOK_SECRET holds 257 characters; Telegram accepts 1 to 256"),
])
def test_wrong_values_are_named_on_one_line(tmp_path: Path, text: str,
                                            environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(write(tmp_path, text), environ=environ)
    message = str(failure.value)
    assert message.startswith(expected) or expected in message, message
    assert "\n" not in message
    for value in environ.values():
        assert value not in message or value == TOKEN["PEERDESK_TELEGRAM_TOKEN"]
