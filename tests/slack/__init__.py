"""Slack test infrastructure: a Slack of our own on 127.0.0.1, and slack_sdk pointed at it.

* workspace.py — one team's users ("U…", with ``locale``), channels ("C…"/"G…"), DMs ("D…"),
  messages (``ts`` increasing per conversation), files and views;
* blocks.py — Slack's checks of message text and Block Kit blocks (the limits peerdesk meets);
* web_api.py — the Web API methods peerdesk calls, every call recorded (method, parameters,
  token), token checks (``not_authed``, ``invalid_auth``, ``not_allowed_token_type``) and
  injected failures (Slack errors, HTTP 429 with ``Retry-After``, 5xx, slow answers);
* socket_mode.py — the Socket Mode WebSocket: hello, envelopes pushed, acks recorded;
* web_api_server.py — all of it over HTTP/WebSocket on 127.0.0.1 (aiohttp, in the test's loop);
* people.py — the seeded members and channels, and ``local_slack()`` (server + client).

The fixtures ``slack_server`` and ``slack_client`` live in this package's conftest.py.
"""
