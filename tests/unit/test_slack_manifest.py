"""``slack-manifest.yml`` creates the app the code needs: every Web API method the Slack adapter
calls has its scope, every event it takes is subscribed with its scope, no scope is there
without a reason (each has a comment saying what it is for), the slash command is the one
config.toml expects, and App Home, interactivity and Socket Mode are on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.slack_settings import DEFAULT_COMMAND, SlackSettings

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "slack-manifest.yml"
# The Web API methods the Slack adapter may call (as slack_sdk names them) and the bot scope
# each needs (None: none). A method the code calls that is missing here fails the test: add it
# with its scope, and the scope to the manifest.
METHOD_SCOPES: dict[str, str | None] = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "chat_postEphemeral": "chat:write",
    "conversations_open": "im:write",
    "conversations_info": "im:read",
    # Reading a message back: im:history in DMs (channels:history, groups:history elsewhere).
    "conversations_history": "im:history",
    "users_info": "users:read",
    "files_info": "files:read",
    "files_upload_v2": "files:write",
    "files_getUploadURLExternal": "files:write",
    "files_completeUploadExternal": "files:write",
    "views_publish": None,
    "views_open": None,
    "views_update": None,
    "apps_connections_open": None,  # with the app-level token (connections:write)
}
# What the adapter takes in, and the scope each needs.
EVENT_SCOPES = {"message.im": "im:history", "app_mention": "app_mentions:read",
                "message.channels": "channels:history", "message.groups": "groups:history",
                "app_home_opened": None, "user_change": "users:read",
                "channel_left": "channels:read", "channel_archive": "channels:read",
                "channel_rename": "channels:read", "group_left": "groups:read",
                "group_archive": "groups:read", "group_rename": "groups:read"}
# Needed without a method call: the slash command, and downloading a shared file's
# url_private_download with the bot token.
OTHER_SCOPES = {"commands", "files:read"}
_CALL = re.compile(r"\.(auth|chat|conversations|users|files|views|apps|reactions|team)_(\w+)\(")


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def scopes() -> set[str]:
    return set(manifest()["oauth_config"]["scopes"]["bot"])


def called_methods() -> set[str]:
    """The Web API methods the code under bot/ calls on a Slack client."""
    found: set[str] = set()
    for source in (ROOT / "bot").rglob("*.py"):
        if "slack" in source.relative_to(ROOT).as_posix():
            found |= {f"{a}_{b}" for a, b in _CALL.findall(source.read_text(encoding="utf-8"))}
    return found


def test_the_scopes_cover_every_method_the_code_calls() -> None:
    called = called_methods()
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add {sorted(unknown)} with their scopes to METHOD_SCOPES"
    needed = {METHOD_SCOPES[method] for method in called} - {None}
    assert needed <= scopes()


def test_the_events_and_their_scopes() -> None:
    events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == set(EVENT_SCOPES) and len(events) == len(set(events))
    assert {scope for scope in EVENT_SCOPES.values() if scope} <= scopes()


def test_no_scope_without_a_use() -> None:
    used = set(METHOD_SCOPES.values()) | set(EVENT_SCOPES.values()) | OTHER_SCOPES
    assert scopes() <= used, f"unused: {sorted(scopes() - used)}"


def test_each_scope_and_event_says_what_it_is_for() -> None:
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    listed = scopes() | set(EVENT_SCOPES)
    for name in listed:
        line = next(line for line in lines if re.fullmatch(rf"\s+- {re.escape(name)}\b.*", line))
        assert re.search(r"\s#\s*\S", line), f"{name}: no comment saying why"


def test_the_slash_command_is_the_configs_default() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [DEFAULT_COMMAND] == [SlackSettings().command]
    assert commands[0]["usage_hint"] and commands[0]["description"]
    assert len(commands[0]["description"]) <= 100  # Slack's limit


def test_app_home_interactivity_and_socket_mode() -> None:
    data = manifest()
    home = data["features"]["app_home"]
    assert home == {"home_tab_enabled": True, "messages_tab_enabled": True,
                    "messages_tab_read_only_enabled": False}
    settings = data["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["token_rotation_enabled"] is False
    assert data["features"]["bot_user"]["display_name"]
    assert len(data["display_information"]["name"]) <= 35  # Slack's limit
