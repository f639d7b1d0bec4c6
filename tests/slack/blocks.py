"""Slack's checks of a message's text and Block Kit blocks, with the limits that matter to
peerdesk: at most 50 blocks, section text up to 3,000 characters, up to 25 elements in an
actions block, button text up to 75, ``value`` up to 2,000 and ``action_id`` up to 255
characters (unique within the message), message text up to 40,000 characters.

A refusal is ``invalid_blocks`` with Slack's ``response_metadata.messages`` explaining it, or
``msg_too_long`` / ``no_text``.
"""

from __future__ import annotations

from typing import Any

TEXT_LIMIT = 40_000
BLOCKS_LIMIT = 50
SECTION_TEXT_LIMIT = 3_000
ACTIONS_LIMIT = 25
BUTTON_TEXT_LIMIT = 75
VALUE_LIMIT = 2_000
ACTION_ID_LIMIT = 255


class Refused(Exception):
    """A refusal: Slack's ``error`` code and its explanations."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)


def check_message(text: Any, blocks: Any) -> None:
    """Raise :class:`Refused` as chat.postMessage / chat.update would."""
    if not text and not blocks:
        raise Refused("no_text")
    if isinstance(text, str) and len(text) > TEXT_LIMIT:
        raise Refused("msg_too_long")
    if blocks:
        check_blocks(blocks)


def check_blocks(blocks: Any) -> None:
    """Raise ``invalid_blocks`` for malformed blocks or ones over Slack's limits."""
    if not isinstance(blocks, list):
        raise Refused("invalid_blocks_format")
    if len(blocks) > BLOCKS_LIMIT:
        raise Refused("invalid_blocks", f"[ERROR] must provide at most {BLOCKS_LIMIT} items")
    action_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "section":
            _check_text(block.get("text"), SECTION_TEXT_LIMIT, where + "/text")
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= ACTIONS_LIMIT:
                raise Refused("invalid_blocks", f"[ERROR] must provide 1 to {ACTIONS_LIMIT} "
                              f"elements {where}/elements")
            for number, element in enumerate(elements):
                _check_button(element, f"{where}/elements/{number}", action_ids)
        elif kind not in ("divider", "context", "header", "image", "rich_text"):
            raise Refused("invalid_blocks", f"[ERROR] unsupported type {where}/type")


def _check_text(text: Any, limit: int, where: str) -> None:
    if not isinstance(text, dict) or text.get("type") not in ("mrkdwn", "plain_text"):
        raise Refused("invalid_blocks", f"[ERROR] must provide an object {where}")
    value = text.get("text")
    if not isinstance(value, str) or not value:
        raise Refused("invalid_blocks", f"[ERROR] must be more than 0 characters {where}")
    if len(value) > limit:
        raise Refused("invalid_blocks", f"[ERROR] must be less than {limit + 1} characters "
                      f"{where}/text")


def _check_button(element: Any, where: str, action_ids: set[str]) -> None:
    if not isinstance(element, dict) or element.get("type") != "button":
        raise Refused("invalid_blocks", f"[ERROR] unsupported element {where}")
    text = element.get("text")
    if not isinstance(text, dict) or text.get("type") != "plain_text":
        raise Refused("invalid_blocks", f"[ERROR] must be plain_text {where}/text")
    _check_text(text, BUTTON_TEXT_LIMIT, where + "/text")
    value, action_id = element.get("value", ""), element.get("action_id", "")
    if len(value) > VALUE_LIMIT:
        raise Refused("invalid_blocks", f"[ERROR] must be less than {VALUE_LIMIT + 1} "
                      f"characters {where}/value")
    if len(action_id) > ACTION_ID_LIMIT:
        raise Refused("invalid_blocks", f"[ERROR] must be less than {ACTION_ID_LIMIT + 1} "
                      f"characters {where}/action_id")
    if action_id:
        if action_id in action_ids:
            raise Refused("invalid_blocks", f"[ERROR] action_id already exists {where}")
        action_ids.add(action_id)
