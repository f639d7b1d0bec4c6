"""Telegram test infrastructure: a faithful Bot API of our own, and PTB wired to it.

* updates.py — real-shaped users, chats and updates (dates in seconds, increasing update ids);
* bot_api.py — the Bot API's behaviour: methods, long polling, recorded calls, injected
  failures (429 with retry_after, 403, 400, slow answers), duplicate updates, optional limits;
* bot_api_server.py — that API over HTTP on 127.0.0.1 (aiohttp, in the test's event loop);
* offline.py — python-telegram-bot with no network, in memory, or pointed at the server;
* limits.py, html_check.py, errors.py — Telegram's sending limits, HTML check and errors.

The fixtures ``bot_api_server`` and ``server_bot`` live in this package's conftest.py.
"""
