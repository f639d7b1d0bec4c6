"""``[slack]``: defaults, both modes, what check-config shows, and each wrong value named on one
line (a token or secret itself never shown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import describe
from bot.config import ConfigError, load_settings

BOT = "xoxb-1234-5678-AbCdEf"
APP = "xapp-1-A0123-456-abcdef0123"
SECRET = "8f742231b10e8888abcd99ef85a5cd01"
SOCKET = {"PEERDESK_SLACK_BOT_TOKEN": BOT, "PEERDESK_SLACK_APP_TOKEN": APP}
HTTP = {"PEERDESK_SLACK_BOT_TOKEN": BOT, "PEERDESK_SLACK_SIGNING_SECRET": SECRET}
ENABLED = "[slack]\nenabled = true\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    slack = settings.slack_app
    assert not settings.slack.enabled and slack.mode == "socket"
    assert (slack.bot_token_env, slack.app_token_env, slack.signing_secret_env) == (
        "PEERDESK_SLACK_BOT_TOKEN", "PEERDESK_SLACK_APP_TOKEN", "PEERDESK_SLACK_SIGNING_SECRET")
    assert slack.local_address == "127.0.0.1:3000/slack/events"
    assert (slack.base_url, slack.command) == ("https://slack.com/api/", "/peerdesk")
    assert "slack:" not in describe(settings)


def test_socket_mode_needs_the_bot_and_app_tokens(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ENABLED), environ=SOCKET)
    assert settings.platforms == ["slack"] and settings.slack.mode == "socket"
    assert settings.slack.secret_envs == ("PEERDESK_SLACK_BOT_TOKEN", "PEERDESK_SLACK_APP_TOKEN")
    shown = describe(settings)
    assert ("slack:        Socket Mode, app token from $PEERDESK_SLACK_APP_TOKEN, bot token "
            "from $PEERDESK_SLACK_BOT_TOKEN, command /peerdesk" in shown)
    assert BOT not in shown and APP not in shown


def test_http_mode_with_every_key(tmp_path: Path) -> None:
    text = (ENABLED + 'mode = "http"\nbot_token_env = "MY_BOT"\nsigning_secret_env = "MY_SIGN"\n'
            'http_listen = "::"\nhttp_port = 8080\nhttp_path = "/hooks/slack"\n'
            'base_url = "http://127.0.0.1:8888/api"\ncommand = "/desk"\n')
    settings = load_settings(write(tmp_path, text), environ={"MY_BOT": BOT, "MY_SIGN": SECRET})
    slack = settings.slack_app
    assert settings.slack.secret_envs == ("MY_BOT", "MY_SIGN")
    assert slack.local_address == "[::]:8080/hooks/slack" and slack.command == "/desk"
    # The SDK joins method names to the base URL: the final "/" keeps its "api".
    assert slack.base_url == settings.slack.base_url == "http://127.0.0.1:8888/api/"
    shown = describe(settings)
    assert ("slack:        HTTP on [::]:8080/hooks/slack, signing secret from $MY_SIGN, bot "
            "token from $MY_BOT, command /desk, Web API http://127.0.0.1:8888/api/" in shown)
    assert SECRET not in shown


def test_secrets_are_needed_only_when_slack_runs(tmp_path: Path) -> None:
    assert not load_settings(write(tmp_path, '[slack]\nmode = "http"\n'),
                             environ={}).slack.enabled


def test_each_mode_needs_only_its_own_secret(tmp_path: Path) -> None:
    load_settings(write(tmp_path, ENABLED + 'mode = "http"\n'), environ=HTTP)
    load_settings(write(tmp_path, ENABLED), environ=SOCKET)


@pytest.mark.parametrize(("text", "expected"), [
    ('[slack]\nmode = "websocket"', "[slack] mode = 'websocket': expected \"socket\" or \"http\""),
    ("[slack]\nhttp_port = 0", "[slack] http_port = 0: expected a TCP port from 1 to 65535"),
    ('[slack]\nhttp_port = "3000"', "[slack] http_port = '3000': expected int"),
    ('[slack]\nhttp_listen = "my host"', "[slack] http_listen = 'my host': expected an IP"),
    ('[slack]\nhttp_path = "slack"', "[slack] http_path = 'slack': expected a path starting"),
    ('[slack]\nbase_url = "slack.com/api"', "[slack] base_url = 'slack.com/api': expected an "
                                            "http(s) URL such as https://slack.com/api/"),
    ('[slack]\ncommand = "peerdesk"', "[slack] command = 'peerdesk': expected a slash command"),
    ('[slack]\ncommand = "/Peer Desk"', "[slack] command = '/Peer Desk': expected a slash"),
    ('[slack]\ncommand = "/' + "a" * 32 + '"', "expected a slash command"),
    ('[slack]\nbot_token_env = ""', "[slack] bot_token_env = '': expected the name of an "
                                    "environment variable"),
    ('[slack]\napp_token_env = "MY-TOKEN"', "[slack] app_token_env = 'MY-TOKEN': expected the "
                                            "name"),
    ('[slack]\nsocket = true', "[slack] socket: unknown key"),
])
def test_wrong_values_name_the_key_value_and_expectation(tmp_path: Path, text: str,
                                                         expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(write(tmp_path, text), environ={})
    message = str(failure.value)
    assert expected in message and "\n" not in message


@pytest.mark.parametrize(("text", "environ", "expected"), [
    (ENABLED, {"PEERDESK_SLACK_APP_TOKEN": APP},
     "[slack] bot_token_env = 'PEERDESK_SLACK_BOT_TOKEN': the environment variable "
     "$PEERDESK_SLACK_BOT_TOKEN is not set; export it with the Bot User OAuth Token"),
    (ENABLED, {"PEERDESK_SLACK_BOT_TOKEN": BOT},
     "[slack] app_token_env = 'PEERDESK_SLACK_APP_TOKEN': the environment variable "
     "$PEERDESK_SLACK_APP_TOKEN is not set; export it with an app-level token (xapp-…)"),
    (ENABLED + 'mode = "http"', {"PEERDESK_SLACK_BOT_TOKEN": BOT},
     "$PEERDESK_SLACK_SIGNING_SECRET is not set; export it with the Signing Secret"),
    # The two tokens swapped: each is named by its kind, never shown.
    (ENABLED, {"PEERDESK_SLACK_BOT_TOKEN": APP, "PEERDESK_SLACK_APP_TOKEN": BOT},
     "[slack] bot_token_env = 'PEERDESK_SLACK_BOT_TOKEN': $PEERDESK_SLACK_BOT_TOKEN holds an "
     "app-level token; expected the Bot User OAuth Token (xoxb-…)"),
    (ENABLED, {"PEERDESK_SLACK_BOT_TOKEN": BOT, "PEERDESK_SLACK_APP_TOKEN": BOT},
     "$PEERDESK_SLACK_APP_TOKEN holds a bot token; expected an app-level token (xapp-…)"),
    (ENABLED, SOCKET | {"PEERDESK_SLACK_BOT_TOKEN": "xoxp-99-user-token"},
     "$PEERDESK_SLACK_BOT_TOKEN holds a user token"),
    (ENABLED, SOCKET | {"PEERDESK_SLACK_BOT_TOKEN": BOT + "\n"},
     "$PEERDESK_SLACK_BOT_TOKEN has spaces or a line break around the token"),
    (ENABLED, SOCKET | {"PEERDESK_SLACK_BOT_TOKEN": "not-a-token-at-all"},
     "$PEERDESK_SLACK_BOT_TOKEN does not hold a token of the form xoxb-…"),
    (ENABLED, SOCKET | {"PEERDESK_SLACK_BOT_TOKEN": "xoxb-"},
     "does not hold a token of the form xoxb-…"),
    (ENABLED + 'mode = "http"', HTTP | {"PEERDESK_SLACK_SIGNING_SECRET": BOT},
     "$PEERDESK_SLACK_SIGNING_SECRET holds a token, not the signing secret"),
    (ENABLED + 'mode = "http"', HTTP | {"PEERDESK_SLACK_SIGNING_SECRET": SECRET + " "},
     "$PEERDESK_SLACK_SIGNING_SECRET holds a character other than letters and digits"),
])
def test_wrong_secrets_are_named_never_shown(tmp_path: Path, text: str,
                                             environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(write(tmp_path, text), environ=environ)
    message = str(failure.value)
    assert expected in message and "\n" not in message
    for value in environ.values():
        assert value.strip() not in message or value == "xoxb-"  # (a bare prefix is no secret)
