"""The ``[privacy]`` table of ``config.toml``: what ``/forget`` does with what a member wrote,
and the name that replaces theirs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.settings_table import section
from handlers.privacy_ports import ForgetMode

KEYS = {"forget_messages", "placeholder_name"}
LONGEST_NAME = 80


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """How a member is forgotten."""

    # "anonymise": their help requests, answers and team talk stay, signed with the
    # placeholder; "delete": they are removed.
    forget_messages: ForgetMode = ForgetMode.ANONYMISE
    # Empty: the catalogue's words for "former member" in [helpdesk] default_language.
    placeholder_name: str = ""


def read_privacy(data: Mapping[str, Any]) -> PrivacySettings:
    """Read and check the ``[privacy]`` table (absent: the defaults)."""
    table = section(data, "privacy", KEYS)
    mode = table.get("forget_messages", str, ForgetMode.ANONYMISE.value)
    try:
        forget_messages = ForgetMode(mode.strip().lower().replace("anonymize", "anonymise"))
    except ValueError:
        raise table.fail("forget_messages", mode, '"anonymise" or "delete"') from None
    name = " ".join(table.get("placeholder_name", str, "").split())
    if len(name) > LONGEST_NAME:
        raise table.fail("placeholder_name", name,
                         f"a name of at most {LONGEST_NAME} characters, or empty")
    return PrivacySettings(forget_messages=forget_messages, placeholder_name=name)
