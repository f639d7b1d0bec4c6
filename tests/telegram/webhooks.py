"""Telegram's side of a webhook: what setWebhook accepts, and posting updates the way Telegram
does — a JSON body and the ``X-Telegram-Bot-Api-Secret-Token`` header holding the secret given
to setWebhook.

The webhook's public URL is never contacted (it names no real host): updates are posted to the
bot's local server on 127.0.0.1, which is what a reverse proxy would forward them to.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from tests.telegram.errors import ApiError
from tests.telegram.updates import JSON

if TYPE_CHECKING:
    from tests.telegram.bot_api import BotApi

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_webhook(url: str, secret: str) -> None:
    """Refuse what Telegram's setWebhook refuses, with its wording (ApiError 400)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for "
                            "webhook")
    if (parts.port or 443) not in (443, 80, 88, 8443):
        raise ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports "
                            "80, 88, 443 or 8443")
    if secret and not _SECRET.fullmatch(secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")


async def post(address: str, body: JSON | bytes, secret: str | None) -> int:
    """POST ``body`` (an update, or raw bytes) to ``address`` on 127.0.0.1 as Telegram does;
    ``secret`` None sends no secret header. Returns the HTTP status."""
    assert urlsplit(address).hostname == "127.0.0.1", "loopback only"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession(trust_env=False) as session, \
            session.post(address, data=data, headers=headers) as response:
        await response.read()
        return response.status


async def deliver(api: BotApi, address: str, update: JSON) -> int:
    """Telegram delivering ``update`` to the webhook set on ``api``: with the secret token
    setWebhook was given, to ``address`` (the bot's local server). Returns the HTTP status."""
    assert api.webhook_url, "Telegram posts only once a webhook is set"
    return await post(address, update, api.webhook_secret or None)
