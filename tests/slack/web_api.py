"""The Slack Web API's behaviour, without HTTP: what peerdesk calls, answered as slack.com does.

:meth:`SlackWebApi.call` takes a method, its decoded parameters and the token the request
carried, and returns ``(status, headers, body)``: Slack's ``{"ok": true, ...}`` shapes, and its
refusals as ``{"ok": false, "error": "..."}`` with HTTP 200 (``ratelimited`` comes as HTTP 429
with ``Retry-After``). Every call is recorded; :meth:`fail_next` injects an error, a 429, a 5xx
or a slow answer for the next matching calls. Methods: auth.test, chat.postMessage,
chat.update, conversations.open, conversations.history, users.info, files.info,
files.getUploadURLExternal, files.completeUploadExternal, views.open, views.publish,
apps.connections.open.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.slack.blocks import Refused, check_message
from tests.slack.workspace import JSON, Conversation, Workspace

BOT_TOKEN = "xoxb-1-peerdesk-test"
APP_TOKEN = "xapp-1-A0PEERAPP-peerdesk-test"


@dataclass
class Call:
    """One request: method, decoded parameters, the token it carried, and the answer."""

    method: str
    params: JSON
    token: str | None
    status: int = 200
    body: JSON = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether Slack accepted it."""
        return self.status == 200 and bool(self.body.get("ok"))


@dataclass
class Failure:
    """An injected answer for the next matching calls (see :meth:`SlackWebApi.fail_next`)."""

    method: str
    error: str | None
    status: int
    retry_after: int | None
    delay: float
    channel: str | None
    times: int


@dataclass
class Reply:
    """What the HTTP front sends back (after waiting ``delay`` seconds)."""

    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class SlackWebApi:
    """One app's Slack: the workspace, every call made, and failures to come."""

    def __init__(self, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN,
                 workspace: Workspace | None = None) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.workspace = workspace or Workspace()
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.base_url = "http://127.0.0.1"  # set by the server once it listens
        self.socket_url = ""  # the Socket Mode URL apps.connections.open hands out
        self._methods: dict[str, Callable[[JSON], JSON]] = {
            "auth.test": self._auth_test, "chat.postMessage": self._post_message,
            "chat.update": self._update, "conversations.open": self._open,
            "conversations.history": self._history, "conversations.info": self._info,
            "users.info": self._users_info, "files.info": self._files_info,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "views.open": self._view, "views.publish": self._view,
            "views.update": self._view_update,
        }

    def fail_next(self, method: str, error: str | None = None, *, status: int = 200,
                  retry_after: int | None = None, delay: float = 0.0,
                  channel: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``channel`` if given) with Slack's
        ``error`` (HTTP 200), or HTTP ``status`` (429 with ``Retry-After: retry_after``, 500...);
        ``delay`` alone (no error, status 200) only slows the real answer down."""
        self.failures.append(Failure(method, error, status, retry_after, delay, channel, times))

    def call(self, method: str, params: JSON, token: str | None) -> Reply:
        """Answer one Web API call as Slack would, and record it."""
        record = Call(method, params, token)
        self.calls.append(record)
        reply = self._answer(method, params, token)
        record.status, record.body = reply.status, reply.body
        return reply

    def _answer(self, method: str, params: JSON, token: str | None) -> Reply:
        if method not in self._methods and method != "apps.connections.open":
            return _error("unknown_method")
        if not token:
            return _error("not_authed")
        if token not in (self.bot_token, self.app_token):
            return _error("invalid_auth")
        if (token == self.app_token) != (method == "apps.connections.open"):
            return _error("not_allowed_token_type")
        failure = self._injected(method, params)
        delay = failure.delay if failure else 0.0
        if failure is not None and (failure.error or failure.status != 200):
            if failure.status == 429:
                headers = {"Retry-After": str(failure.retry_after or 1)}
                return Reply(429, {"ok": False, "error": "ratelimited"}, headers, delay)
            if failure.status >= 500:
                return Reply(failure.status, {"ok": False, "error": "internal_error"}, {},
                             delay)
            return _error(failure.error or "fatal_error", delay)
        if method == "apps.connections.open":
            return Reply(200, {"ok": True, "url": self.socket_url}, {}, delay)
        try:
            body = self._methods[method](params)
        except Refused as refusal:
            reply = _error(refusal.error, delay)
            if refusal.messages:
                reply.body["response_metadata"] = {"messages": refusal.messages}
            return reply
        return Reply(200, {"ok": True, **body}, {}, delay)

    def _injected(self, method: str, params: JSON) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and failure.channel in (None, params.get("channel"),
                                                                params.get("channel_id")):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    # The methods: each returns the body's fields after "ok": true, or raises Refused.

    def _auth_test(self, params: JSON) -> JSON:
        space = self.workspace
        return {"url": "https://peerdesk-test.slack.com/", "team": "Peerdesk Test",
                "user": "peerdesk", "team_id": space.team_id, "user_id": space.bot_user,
                "bot_id": space.bot_id, "is_enterprise_install": False}

    def _conversation(self, channel: Any) -> Conversation:
        space = self.workspace
        if isinstance(channel, str) and channel.startswith(("U", "W")):
            user = space.users.get(channel)  # posting to a user id posts to the bot's DM
            if user is None:
                raise Refused("channel_not_found")
            channel = space.dm(channel).id
        conversation = space.conversations.get(channel) if isinstance(channel, str) else None
        if conversation is None:
            raise Refused("channel_not_found")
        # A deactivated member's DM still takes messages (Slack answers ok; python-slack-sdk
        # issue 1156): only conversations.open refuses them (user_disabled).
        if conversation.archived:
            raise Refused("is_archived")
        if not conversation.bot_member:
            raise Refused("not_in_channel")
        return conversation

    def _post_message(self, params: JSON) -> JSON:
        conversation = self._conversation(params.get("channel"))
        blocks = _decoded(params.get("blocks"))
        check_message(params.get("text"), blocks)
        thread_ts = params.get("thread_ts") or None
        if thread_ts is not None and conversation.message(thread_ts) is None:
            raise Refused("thread_not_found")
        ts = conversation.next_ts()
        message: JSON = {"type": "message", "user": self.workspace.bot_user,
                         "bot_id": self.workspace.bot_id, "text": params.get("text") or "",
                         "ts": ts, "team": self.workspace.team_id}
        if blocks:
            message["blocks"] = blocks
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        conversation.messages.append(message)
        return {"channel": conversation.id, "ts": ts, "message": dict(message)}

    def _update(self, params: JSON) -> JSON:
        conversation = self._conversation(params.get("channel"))
        message = conversation.message(str(params.get("ts")))
        if message is None:
            raise Refused("message_not_found")
        if message.get("user") != self.workspace.bot_user:
            raise Refused("cant_update_message")
        blocks = _decoded(params.get("blocks"))
        check_message(params.get("text") or message.get("text"), blocks)
        if params.get("text") is not None:
            message["text"] = params["text"]
        if blocks is not None:
            if blocks:
                message["blocks"] = blocks
            else:
                message.pop("blocks", None)
        message["edited"] = {"user": self.workspace.bot_user, "ts": conversation.next_ts()}
        return {"channel": conversation.id, "ts": message["ts"], "text": message["text"],
                "message": dict(message)}

    def _open(self, params: JSON) -> JSON:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise Refused("users_list_not_supplied" if not users else "not_enough_users")
        user = self.workspace.users.get(users[0])
        if user is None:
            raise Refused("user_not_found")
        if user["deleted"]:
            raise Refused("user_disabled")
        if user["is_bot"]:
            raise Refused("cannot_dm_bot")
        existing = "D" + users[0][1:] in self.workspace.conversations
        channel = self.workspace.dm(users[0])
        answer: JSON = {"channel": {"id": channel.id}}
        if existing:
            answer.update(no_op=True, already_open=True)
        return answer

    def _history(self, params: JSON) -> JSON:
        conversation = self._conversation(params.get("channel"))
        inclusive = str(params.get("inclusive")).lower() in ("1", "true")
        latest, oldest = params.get("latest"), params.get("oldest")

        def within(ts: str) -> bool:
            after = oldest is None or ts > oldest or (inclusive and ts == oldest)
            before = latest is None or ts < latest or (inclusive and ts == latest)
            return after and before

        found = [m for m in reversed(conversation.messages)  # newest first, no thread replies
                 if m.get("thread_ts") in (None, m["ts"]) and within(m["ts"])]
        limit = int(params.get("limit") or 100)
        return {"messages": copy.deepcopy(found[:limit]), "has_more": len(found) > limit,
                "pin_count": 0}

    def _users_info(self, params: JSON) -> JSON:
        user = self.workspace.users.get(str(params.get("user")))
        if user is None:
            raise Refused("user_not_found")
        shown = dict(user)
        if str(params.get("include_locale")).lower() not in ("1", "true"):
            shown.pop("locale")  # Slack gives the locale only when asked
        return {"user": shown}

    def _files_info(self, params: JSON) -> JSON:
        stored = self.workspace.files.get(str(params.get("file")))
        if stored is None:
            raise Refused("file_not_found")
        return {"file": self.workspace.file_json(stored, self.base_url)}

    def _upload_url(self, params: JSON) -> JSON:
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename or not length.isdigit():
            raise Refused("invalid_arguments")
        stored = self.workspace.add_file(str(filename), b"")
        stored.uploaded = False
        stored.length = int(length)
        return {"upload_url": f"{self.base_url}/upload/v1/{stored.id}", "file_id": stored.id}

    def upload(self, file_id: str, content: bytes) -> bool:
        """Bytes posted to an upload URL (the server's ``/upload/v1/<file id>``)."""
        stored = self.workspace.files.get(file_id)
        if stored is None:
            return False
        stored.content, stored.uploaded = content, True
        return True

    def _complete_upload(self, params: JSON) -> JSON:
        files = _decoded(params.get("files"))
        if not isinstance(files, list) or not files:
            raise Refused("invalid_arguments")
        channel = params.get("channel_id")
        conversation = self._conversation(channel) if channel else None
        described = []
        for item in files:
            stored = self.workspace.files.get(str(item.get("id")))
            if stored is None or not stored.uploaded:
                raise Refused("file_not_found")
            stored.title = item.get("title") or stored.name
            if conversation is not None:
                stored.channels.append(conversation.id)
            described.append(self.workspace.file_json(stored, self.base_url))
        if conversation is not None:
            message: JSON = {"type": "message", "subtype": "file_share",
                             "user": self.workspace.bot_user, "ts": conversation.next_ts(),
                             "text": params.get("initial_comment") or "", "files": described}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            conversation.messages.append(message)
        return {"files": [{"id": f["id"], "title": f["title"]} for f in described]}

    def _view(self, params: JSON) -> JSON:
        view = _decoded(params.get("view"))
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            raise Refused("invalid_arguments")
        if "user_id" not in params and not params.get("trigger_id"):
            raise Refused("invalid_arguments")
        shown = {"id": self.workspace.new_id("V"), "team_id": self.workspace.team_id, **view}
        self.workspace.views.append({**shown, "_recipient": params.get("user_id"),
                                     "_trigger_id": params.get("trigger_id")})
        return {"view": shown}

    def _info(self, params: JSON) -> JSON:
        """A conversation as Slack describes it; a private one the bot is not in is unknown."""
        conversation = self.workspace.conversations.get(str(params.get("channel")))
        if conversation is None or (conversation.id.startswith("G")
                                    and not conversation.bot_member):
            raise Refused("channel_not_found")
        return {"channel": {"id": conversation.id, "name": conversation.name,
                            "is_im": conversation.is_im, "is_channel": not conversation.is_im,
                            "is_member": conversation.bot_member or conversation.is_im,
                            "is_archived": conversation.archived}}

    def _view_update(self, params: JSON) -> JSON:
        """Replace an open view (by its id) with another: Slack keeps its id."""
        view = _decoded(params.get("view"))
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise Refused("invalid_arguments")
        for number, shown in enumerate(self.workspace.views):
            if shown["id"] == params.get("view_id"):
                updated = {"id": shown["id"], "team_id": self.workspace.team_id, **view}
                self.workspace.views[number] = {**updated, "_recipient": shown["_recipient"],
                                                "_trigger_id": shown["_trigger_id"]}
                return {"view": updated}
        raise Refused("not_found")

    # For assertions.

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def texts_in(self, channel_id: str) -> list[str]:
        """The texts of the messages posted in a conversation, oldest first."""
        return [m.get("text", "") for m in self.workspace.posted(channel_id)]


def _error(error: str, delay: float = 0.0) -> Reply:
    return Reply(200, {"ok": False, "error": error}, {}, delay)


def _decoded(value: Any) -> Any:
    """A parameter sent JSON-encoded in a form (``blocks``, ``files``, ``view``), decoded."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
