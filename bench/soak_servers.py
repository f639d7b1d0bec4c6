"""The platforms' side of the soak benchmark, in a process of its own (Telegram and Slack are
other machines: their work must not be paid by the processes under measurement).

``python bench/soak_servers.py PEOPLE.json`` serves, on 127.0.0.1 only:

* the local Telegram Bot API server of tests/telegram/ (getUpdates long polling, files,
  callback queries), enforcing Telegram's limits (1 message/s per chat, 30/s overall, 429
  beyond);
* the local Slack of tests/slack/ (its Web API, file uploads and downloads, and the Socket Mode
  WebSocket), with the Slack people of PEOPLE.json as users with a DM open with the bot;
* a control server through which the benchmark makes people act, as the platforms deliver it:
  ``POST /act`` — people write, send a file, reply to a message (a Telegram reply, a Slack
  thread), press a button: each becomes a getUpdates update or a Socket Mode envelope;
  ``POST /converse`` — one person's steps, each waiting for the bot's next message (a
  broadcast's prompts, preview and Confirm); ``GET /stats`` — messages each platform accepted
  from the bot per wall-clock second, refusals, updates pushed; ``POST /check`` — which of the
  messages the bot says it sent the platform does not have.

It prints ``{"telegram": [token, port], "slack": api_url, "control": port}`` on one line, then
runs until its standard input closes. :class:`Platforms` starts it and talks to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from aiohttp import web

from tests.cross.documents import one_page_pdf
from tests.slack.running import button_press, dm_event, event_callback
from tests.slack.web_api import Reply
from tests.slack.web_api_server import SlackServer
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.chat_methods import Upload
from tests.telegram.limits import RateLimits
from tests.telegram.updates import JSON, user

LOCALES = {"en": "en-US", "pt": "pt-BR", "es": "es-ES", "fr": "fr-FR"}
WAIT = 180.0  # seconds a conversation's step may wait for the bot (under load, in a queue)
SENDS = {"telegram": ("sendMessage", "sendDocument"),
         "slack": ("chat.postMessage", "files.completeUploadExternal")}


class Tally:
    """Messages a platform accepted from the bot: per second, per chat."""

    def __init__(self) -> None:
        self.per_second: Counter[int] = Counter()
        self.per_chat: Counter[str] = Counter()
        self.pushed = 0  # updates or envelopes pushed to the bot
        self.changed = asyncio.Event()

    def count(self, chat: str) -> None:
        """One more message accepted, now, in ``chat``."""
        self.per_second[int(time.time())] += 1
        self.per_chat[chat] += 1
        self.changed.set()

    async def wait(self, chat: str, above: int, within: float) -> bool:
        """Whether ``chat`` got more than ``above`` messages within ``within`` seconds."""
        deadline = time.monotonic() + within
        while self.per_chat[chat] <= above:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return True


class Telegram(BotApiServer):
    """The local Bot API server, counting what it accepts and remembering, per chat, the
    newest message with buttons."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.tally = Tally()
        # Per chat, the newest messages with buttons: (message id, each button's data).
        self.buttons: dict[int, deque[tuple[int, list[str]]]] = {}
        self.pressed: set[tuple[int, int]] = set()

    async def call(self, method: str, params: JSON,
                   uploads: dict[str, Upload] | None = None) -> tuple[int, JSON]:
        status, body = await super().call(method, params, uploads)
        if status == 200 and method in SENDS["telegram"]:
            self.tally.count(str(params["chat_id"]))
            markup = params.get("reply_markup") or {}
            data = [str(b.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
                    for b in row]
            if data:
                self.buttons.setdefault(int(params["chat_id"]), deque(maxlen=20)).append(
                    (int(body["result"]["message_id"]), data))
        return status, body

    def act(self, action: JSON) -> bool:
        """Push one person's action as an update; False when its target is unknown."""
        sender = user(int(action["user"]), action["name"], language_code=action["language"])
        chat, kind = int(sender["id"]), action["kind"]
        to = int(action.get("to") or 0)
        if kind in ("reply", "press") and (chat, to) not in self.log.messages:
            return False
        if kind in ("text", "command"):
            self.push_message(sender, action["text"])
        elif kind == "reply":
            self.push_message(sender, action["text"], reply_to=to)
        elif kind == "file":
            self.push_document(sender, one_page_pdf(action["title"]), action["filename"],
                               mime_type="application/pdf", caption=action["text"])
        elif kind == "press":
            self.push_callback(sender, to, action["data"])
        self.tally.pushed += 1
        return True

    def press_newest(self, action: JSON, prefix: str) -> bool:
        """Press the button starting with ``prefix`` on the newest message that has one (and
        was not pressed yet); False when there is none."""
        chat = int(action["user"])
        for message_id, data in reversed(self.buttons.get(chat, ())):
            found = next((d for d in data if d.startswith(prefix)), None)
            if found is not None and (chat, message_id) not in self.pressed:
                self.pressed.add((chat, message_id))
                return self.act({**action, "kind": "press", "to": message_id, "data": found})
        return False


class Slack(SlackServer):
    """The local Slack, counting what it accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.tally = Tally()
        self.ts = 0
        self.pressed: set[str] = set()

    def call(self, method: str, params: JSON, token: str | None) -> Reply:
        reply = super().call(method, params, token)
        if reply.status == 200 and reply.body.get("ok") and method in SENDS["slack"]:
            self.tally.count(str(params.get("channel") or params.get("channel_id") or ""))
        return reply

    def _next_ts(self) -> str:
        self.ts += 1  # people's messages: a range of their own, apart from the bot's
        return f"{1_750_000_000 + self.ts // 1_000_000}.{self.ts % 1_000_000:06d}"

    async def act(self, action: JSON) -> bool:
        """Push one person's action as a Socket Mode envelope; False when its target is
        unknown."""
        person, kind, hub = str(action["user"]), action["kind"], self.socket_mode
        dm = self.workspace.dm(person)
        if kind in ("reply", "press") and dm.message(str(action["to"])) is None:
            return False
        if kind == "command":
            await hub.push_command("/peerdesk", action["text"], person, dm.id)
        elif kind == "press":
            await hub.push_interactive(button_press(person, dm.id, action["to"],
                                                    action["data"]))
        else:
            files = None
            if kind == "file":
                stored = self.workspace.add_file(action["filename"],
                                                 one_page_pdf(action["title"]),
                                                 "application/pdf")
                files = [self.workspace.file_json(stored, self.base_url)]
            event = dm_event(person, action["text"], ts=self._next_ts(), files=files,
                             thread_ts=action.get("to") if kind == "reply" else None)
            await hub.push("events_api", event_callback(event))
        self.tally.pushed += 1
        return True

    async def press_newest(self, action: JSON, prefix: str) -> bool:
        """Press the button starting with ``prefix`` on the newest message that has one (and
        was not pressed yet); False when there is none."""
        for message in reversed(self.workspace.dm(str(action["user"])).messages):
            if message["ts"] in self.pressed:
                continue
            for block in message.get("blocks", []):
                for element in block.get("elements", []) if block.get("type") == "actions" \
                        else []:
                    if str(element.get("value", "")).startswith(prefix):
                        self.pressed.add(message["ts"])
                        return await self.act({**action, "kind": "press", "to": message["ts"],
                                               "data": element["value"]})
        return False


class Control:
    """The benchmark's routes."""

    def __init__(self, telegram: Telegram, slack: Slack) -> None:
        self.telegram, self.slack = telegram, slack
        self.skipped = 0

    def tally(self, platform: str) -> Tally:
        return self.telegram.tally if platform == "telegram" else self.slack.tally

    async def act(self, action: JSON) -> bool:
        if action["platform"] == "telegram":
            return self.telegram.act(action)
        return await self.slack.act(action)

    async def handle_act(self, request: web.Request) -> web.Response:
        for action in (await request.json())["actions"]:
            if not await self.act(action):
                self.skipped += 1
        return web.json_response({"skipped": self.skipped})

    async def handle_converse(self, request: web.Request) -> web.Response:
        """Steps ``["say", text]`` or ``["press", prefix]``; after each, wait for the bot."""
        body = await request.json()
        person, platform = body["person"], body["person"]["platform"]
        chat = person["user"] if platform == "telegram" else "D" + person["user"][1:]
        tally = self.tally(platform)
        moment, took = 0.0, list[float]()
        for kind, value in body["steps"]:
            began = time.monotonic()
            before = tally.per_chat[chat]
            if kind == "say":
                moment = time.time()
                done = await self.act({**person, "kind": "command" if platform == "slack" and
                                       value.startswith("/") else "text",
                                       "text": value.removeprefix("/") if platform == "slack"
                                       else value})
            else:  # the button may come after other messages: wait for it
                deadline = time.monotonic() + WAIT
                while not (done := await self._press(platform, person, value)) and \
                        await tally.wait(chat, tally.per_chat[chat], deadline - time.monotonic()):
                    pass
                moment = time.time()
            if not done or not await tally.wait(chat, before, WAIT):
                return web.json_response({"ok": False, "step": [kind, value], "took": took})
            took.append(round(time.monotonic() - began, 2))
        return web.json_response({"ok": True, "last": moment, "took": took})

    async def _press(self, platform: str, person: JSON, prefix: str) -> bool:
        if platform == "telegram":
            return self.telegram.press_newest(person, prefix)
        return await self.slack.press_newest(person, prefix)

    async def handle_stats(self, _request: web.Request) -> web.Response:
        limits = self.telegram.limits
        return web.json_response({
            platform: {"per_second": dict(self.tally(platform).per_second),
                       "pushed": self.tally(platform).pushed,
                       "accepted": sum(self.tally(platform).per_chat.values())}
            for platform in ("telegram", "slack")} | {
            "skipped": self.skipped,
            "refused": dict(limits.refused) if limits is not None else {}})

    async def handle_check(self, request: web.Request) -> web.Response:
        """Which of the given messages (``[chat, message id or ts]``) are not there."""
        body = await request.json()
        bot = int(self.telegram.me["id"])
        missing_telegram = [pair for pair in body["telegram"]
                            if int(self.telegram.log.messages.get(
                                (int(pair[0]), int(pair[1])), {}).get("from", {}).get("id", 0))
                            != bot]
        posted: dict[str, set[str]] = {}
        for conversation in self.slack.workspace.conversations.values():
            posted[conversation.id] = {m["ts"] for m in conversation.messages
                                       if m.get("user") == self.slack.workspace.bot_user}
        missing_slack = [pair for pair in body["slack"]
                         if str(pair[1]) not in posted.get(str(pair[0]), set())]
        return web.json_response({"telegram": missing_telegram, "slack": missing_slack})


async def serve(people: list[JSON]) -> None:
    """Serve until stdin closes; print the addresses first."""
    telegram, slack = Telegram("700100:SOAK-telegram"), Slack()
    await telegram.start()
    telegram.enforce_limits(RateLimits())
    await slack.start()
    for person in people:
        if person["platform"] == "slack":
            slack.workspace.add_user(person["user"], person["name"],
                                     locale=LOCALES[person["language"]])
            slack.workspace.dm(person["user"])
    control = Control(telegram, slack)
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/act", control.handle_act)
    app.router.add_post("/converse", control.handle_converse)
    app.router.add_get("/stats", control.handle_stats)
    app.router.add_post("/check", control.handle_check)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(json.dumps({"telegram": [telegram.token, telegram.port], "slack": slack.api_url,
                      "control": int(runner.addresses[0][1])}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
    await slack.stop()
    await telegram.stop()


class Platforms:
    """The servers' process, started by the benchmark."""

    def __init__(self, people_file: Path) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, str(people_file)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        started = json.loads(self.process.stdout.readline())
        self.telegram_token, port = started["telegram"]
        self.telegram_base = f"http://127.0.0.1:{port}"
        self.slack_api = str(started["slack"])
        self.control = f"http://127.0.0.1:{started['control']}"
        # No timeout: a broadcast's conversation may wait minutes for a busy help desk.
        self.client = httpx.AsyncClient(trust_env=False, timeout=httpx.Timeout(None))

    async def act(self, actions: list[JSON]) -> None:
        """People act (see ``POST /act``)."""
        (await self.client.post(f"{self.control}/act", json={"actions": actions}))\
            .raise_for_status()

    async def converse(self, person: JSON, steps: list[list[str]]) -> JSON:
        """One person's steps, each answered by the bot (see ``POST /converse``)."""
        answer = await self.client.post(f"{self.control}/converse",
                                        json={"person": person, "steps": steps})
        answer.raise_for_status()
        result: JSON = answer.json()
        return result

    async def stats(self) -> JSON:
        """What the platforms counted."""
        answer = await self.client.get(f"{self.control}/stats")
        answer.raise_for_status()
        result: JSON = answer.json()
        return result

    async def missing(self, telegram: list[list[Any]], slack: list[list[Any]]) -> JSON:
        """The messages, among those given, that the platforms do not have."""
        answer = await self.client.post(f"{self.control}/check",
                                        json={"telegram": telegram, "slack": slack})
        answer.raise_for_status()
        result: JSON = answer.json()
        return result

    async def close(self) -> None:
        """Stop the process (closing its stdin ends it)."""
        await self.client.aclose()
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    asyncio.run(serve(json.loads(Path(sys.argv[1]).read_text())))
