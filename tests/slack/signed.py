"""Requests as Slack signs them in HTTP mode (``X-Slack-Signature`` over ``v0:timestamp:body``
with the app's signing secret), posted to peerdesk's Slack endpoint on 127.0.0.1."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.slack.running import SIGNING_SECRET
from tests.slack.workspace import JSON


def signed_headers(body: str, *, timestamp: int | None = None, content_type: str,
                   secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack sends with ``body``, signed at ``timestamp`` (now by default)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
            "Content-Type": content_type}


def event_body(payload: JSON) -> str:
    """An Events API request body."""
    return json.dumps(payload)


def command_body(fields: dict[str, str]) -> str:
    """A slash command's form-encoded body."""
    return urlencode(fields)


def interactive_body(payload: JSON) -> str:
    """A button press's or modal's body: the JSON in a ``payload`` form field."""
    return urlencode({"payload": json.dumps(payload)})


async def post(session: aiohttp.ClientSession, url: str, body: str,
               headers: dict[str, str]) -> tuple[int, str]:
    """POST the exact bytes of ``body``; the status and text of the answer."""
    async with session.post(url, data=body.encode(), headers=headers) as answer:
        return answer.status, await answer.text()
