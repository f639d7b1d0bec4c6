"""Telegram test infrastructure: a faithful Bot API of our own, and PTB wired to it.

* updates.py — real-shaped users, chats and updates (dates in seconds, increasing update ids);
* bot_api.py — one bot's Telegram: recorded calls, injected failures (429 with retry_after,
  403, 400, 5xx, slow answers), blocked users, duplicate updates, optional limits; built on
  chat_methods.py (messages, documents, files, buttons, edits, command menus) and
  update_queue.py (getUpdates: offsets, long polling, 409 for a second poller);
* bot_api_server.py — that API over HTTP on 127.0.0.1 (aiohttp, in the test's event loop);
* offline.py — python-telegram-bot with no network, in memory, or pointed at the server;
* webhooks.py — Telegram's side of a webhook: setWebhook's checks, and posting updates to the
  bot's webhook server on 127.0.0.1 with the secret token, as Telegram does;
* limits.py, html_check.py, markdown_check.py, errors.py — Telegram's sending limits, its
  checks of HTML and MarkdownV2 texts, and its error answers.

The fixtures ``bot_api_server`` and ``telegram_bot`` live in this package's conftest.py.
"""
