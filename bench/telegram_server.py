"""The local Bot API server (tests/telegram/) in a process of its own, for the Telegram benchmarks.

Telegram is another machine: the bot under measurement must not pay for the server's work in
its own event loop, so ``python bench/telegram_server.py NAME...`` serves one
:class:`~tests.telegram.bot_api_server.BotApiServer` per NAME (each its own token and port, all
on 127.0.0.1), prints their ports as one JSON line, and runs until its stdin closes. Besides the
Bot API, each answers a few benchmark routes under ``/bench/``:

* ``POST /bench/messages`` — users send texts (``[[user_id, first_name, language, text], ...]``);
* ``POST /bench/press`` — a user presses the newest button starting with ``prefix`` in their chat;
* ``POST /bench/limits`` — enforce Telegram's limits (tests/telegram/limits.py) from now on;
* ``GET /bench/wait?replies=R&chats=C&exclude=ID&within=S&show=ID,...`` — wait until R messages
  (sendMessage accepted) reached the server since the last push, to C distinct chats, not
  counting chat ``exclude``; answers when they arrived, what the server refused, and the texts
  the chats in ``show`` ever got.

Each push is a *mark*: arrival times count from it. :class:`ServerProcess` starts the process
and talks to it from the benchmark (with ``trust_env=False``: no proxy ever sees the traffic).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from aiohttp import web

from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.chat_methods import Upload
from tests.telegram.limits import RateLimits
from tests.telegram.updates import JSON, private_chat, user


class BenchServer(BotApiServer):
    """A BotApiServer that counts accepted messages from a mark and takes benchmark commands."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.mark = time.monotonic()
        self.arrivals: list[tuple[float, int]] = []  # (seconds after the mark, chat id)
        self.refused_at_mark: Counter[str] = Counter()

    async def call(self, method: str, params: JSON,
                   uploads: dict[str, Upload] | None = None) -> tuple[int, JSON]:
        """As Telegram; an accepted sendMessage is counted with its arrival time."""
        status, body = await super().call(method, params, uploads)
        if method == "sendMessage" and status == 200:
            self.arrivals.append((time.monotonic() - self.mark, int(params["chat_id"])))
        return status, body

    def set_mark(self) -> None:
        """Count arrivals from now."""
        self.mark = time.monotonic()
        self.arrivals = []
        self.refused_at_mark = Counter(self.limits.refused if self.limits else {})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not request.path.startswith("/bench/"):
            return await super()._handle(request)
        command = request.path.removeprefix("/bench/")
        if command == "wait":
            return web.json_response(await self._wait(request.query))
        body = await request.json()
        if command == "messages":
            self.set_mark()
            for user_id, name, language, text in body["messages"]:
                self.push_message(user(int(user_id), name, language_code=language), text)
            return web.json_response({"pushed": len(body["messages"])})
        if command == "press":
            return web.json_response(self._press(body))
        if command == "limits":
            self.enforce_limits(RateLimits())
            return web.json_response({"limits": "on"})
        return web.json_response({"error": command}, status=404)

    def _press(self, body: JSON) -> JSON:
        """The user presses the newest button in their chat whose data starts with prefix."""
        sender = user(int(body["user_id"]), body["name"], language_code=body["language"])
        chat = private_chat(sender)
        for call in reversed(self.sent_to(int(sender["id"]))):
            markup = call.result.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = str(button.get("callback_data", ""))
                    if data.startswith(body["prefix"]):
                        self.set_mark()
                        self.push_callback(sender, int(call.result["message_id"]), data, chat)
                        return {"data": data}
        return {"data": None}

    async def _wait(self, query: Any) -> JSON:
        replies, chats = int(query.get("replies", 0)), int(query.get("chats", 0))
        exclude = int(query.get("exclude", 0))

        def counted() -> list[tuple[float, int]]:
            return [arrival for arrival in self.arrivals if arrival[1] != exclude]

        def done() -> bool:
            seen = counted()
            return len(seen) >= replies and len({chat for _t, chat in seen}) >= chats
        with contextlib.suppress(TimeoutError):
            await self.wait_for(done, within=float(query.get("within", 120)))
        seen = counted()
        firsts: dict[int, float] = {}
        for moment, chat in seen:
            firsts.setdefault(chat, moment)
        per_chat = Counter(chat for _t, chat in seen)
        refused = Counter(self.limits.refused if self.limits else {})
        refused.subtract(self.refused_at_mark)
        return {"done": done(), "replies": len(seen),
                "seconds": seen[replies - 1][0] if replies and len(seen) >= replies else None,
                "first": seen[0][0] if seen else None,
                "last_first": max(firsts.values()) if firsts else None,
                "last": seen[-1][0] if seen else None,
                "per_chat": {str(chat): count for chat, count in per_chat.items()},
                "refused": {k: v for k, v in refused.items() if v},
                "all_messages": len(self.arrivals), "arrivals": self.arrivals,
                "texts": {chat: self.texts_to(int(chat))
                          for chat in str(query.get("show", "")).split(",") if chat}}


async def serve(names: list[str]) -> None:
    """Serve one bot per name until stdin closes; print ``{name: [token, port]}`` first."""
    servers = {name: BenchServer(f"{700000 + number}:BENCH-{name}")
               for number, name in enumerate(names)}
    for server in servers.values():
        await server.start()
    print(json.dumps({name: [s.token, s.port] for name, s in servers.items()}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for server in servers.values():
        await server.stop()


class ServerProcess:
    """The server process, started by the benchmark; ``bots[name]`` is (token, base URL)."""

    def __init__(self, names: list[str]) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, *names], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        started = json.loads(self.process.stdout.readline())
        self.bots = {name: (token, f"http://127.0.0.1:{port}")
                     for name, (token, port) in started.items()}
        self.client = httpx.AsyncClient(trust_env=False, timeout=httpx.Timeout(None))

    async def command(self, name: str, command: str, body: JSON | None = None,
                      **query: Any) -> JSON:
        """Send a benchmark command to bot ``name``'s server; its JSON answer."""
        url = f"{self.bots[name][1]}/bench/{command}"
        if body is None:
            answer = await self.client.get(url, params=query)
        else:
            answer = await self.client.post(url, json=body)
        answer.raise_for_status()
        result: JSON = answer.json()
        return result

    async def close(self) -> None:
        """Stop the server process (closing its stdin ends it)."""
        await self.client.aclose()
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1:]))
