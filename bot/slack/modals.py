"""Slack modals for the guided commands: ``/peerdesk newtask`` opens every question at once
(``views.open`` with the slash command's ``trigger_id``), and submitting it does what answering
them one by one does, or shows each refused value next to its field.

The form itself comes from the core (``App.form``: fields, labels and choices in the person's
language; see handlers/forms.py); here it becomes Block Kit: one ``input`` block per field,
its ``block_id`` the field's name, a ``plain_text_input`` (one line or several), a
``static_select`` or a ``multi_static_select``, each with the action id :data:`ACTION`. The
view's ``callback_id`` names the command (``peerdesk:form:newtask``). Texts are plain text
(Slack shows them as written) clipped to Block Kit's limits: 24 characters for the title and
the buttons, 2,000 for labels and hints, 75 for an option, 3,000 for a typed value.

Submitting (``view_submission``): :func:`submit_modal` hands the values to the core
(``App.submit_form``) and gives the adapter what to acknowledge with: nothing (the modal
closes; the replies reach the person's direct messages through the outbox) or
``{"response_action": "errors", ...}``, which Slack shows under the fields.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from handlers.forms import WHOLE_FORM, Form, FormField, Kind

log = logging.getLogger(__name__)

CALLBACK_PREFIX = "peerdesk:form:"
ACTION = "value"
TITLE_LIMIT = 24
LABEL_LIMIT = 2_000
OPTION_LIMIT = 75
VALUE_LIMIT = 150  # an option's value
INPUT_LIMIT = 3_000  # what a plain_text_input takes
ERROR_LIMIT = 500
Json = dict[str, Any]


def clip(text: str, limit: int) -> str:
    """Text within a Block Kit limit, an ellipsis marking what was cut."""
    text = " ".join(text.split()) if limit <= OPTION_LIMIT else text.strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _plain(text: str, limit: int) -> Json:
    return {"type": "plain_text", "text": clip(text, limit) or "…", "emoji": True}


def _option(value: str, label: str) -> Json:
    return {"text": _plain(label, OPTION_LIMIT), "value": value}


def _element(item: FormField) -> Json:
    if item.kind in (Kind.CHOICE, Kind.CHOICES):
        options = [_option(value, label) for value, label in item.options
                   if len(value) <= VALUE_LIMIT][:100]
        chosen = [o for o in options if o["value"] in item.initial]
        if item.kind is Kind.CHOICES:
            element: Json = {"type": "multi_static_select", "action_id": ACTION,
                             "options": options}
            if chosen:
                element["initial_options"] = chosen
            return element
        element = {"type": "static_select", "action_id": ACTION, "options": options}
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    limit = min(item.limit or INPUT_LIMIT, INPUT_LIMIT)
    element = {"type": "plain_text_input", "action_id": ACTION,
               "multiline": item.kind is Kind.TEXT, "max_length": limit}
    if item.initial:
        element["initial_value"] = item.initial[0][:limit]
    return element


def view_of(form: Form) -> Json:
    """The modal showing a form."""
    blocks: list[Json] = []
    if form.note:
        blocks.append({"type": "context", "elements": [_plain(form.note, LABEL_LIMIT)]})
    for item in form.fields:
        block: Json = {"type": "input", "block_id": item.name,
                       "label": _plain(item.label, LABEL_LIMIT), "optional": item.optional,
                       "element": _element(item)}
        if item.hint:
            block["hint"] = _plain(item.hint, LABEL_LIMIT)
        blocks.append(block)
    return {"type": "modal", "callback_id": CALLBACK_PREFIX + form.command,
            "title": _plain(form.title, TITLE_LIMIT), "submit": _plain(form.submit, TITLE_LIMIT),
            "close": _plain(form.close, TITLE_LIMIT), "blocks": blocks}


async def open_modal(client: AsyncWebClient, app: App, identity: str, command: str,
                     trigger_id: str) -> bool:
    """Open the form of a command typed without arguments (``newtask``) for a person; False
    when it has none, is not for them or Slack would not open it (the adapter then hands the
    command to the help desk as usual, which asks in the chat or refuses)."""
    form = await app.form(identity, command)
    if form is None:
        return False
    try:
        await client.views_open(trigger_id=trigger_id, view=view_of(form))
    except SlackApiError as exc:  # expired_trigger_id after 3 s, invalid_arguments, …
        log.warning("could not open the %s form: %s", form.command,
                    exc.response.get("error") if exc.response is not None else exc)
        return False
    return True


def command_of(view: Mapping[str, Any]) -> str | None:
    """The command a submitted view is the form of (None for another view)."""
    callback = view.get("callback_id")
    if not isinstance(callback, str) or not callback.startswith(CALLBACK_PREFIX):
        return None
    return callback.removeprefix(CALLBACK_PREFIX) or None


def values_of(view: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values by field: typed text, a chosen option's value, or the chosen
    options' values separated by commas."""
    state = view.get("state")
    found = state.get("values") if isinstance(state, Mapping) else None
    values: dict[str, str] = {}
    for block, actions in (found.items() if isinstance(found, Mapping) else ()):
        action = actions.get(ACTION) if isinstance(actions, Mapping) else None
        if isinstance(block, str) and isinstance(action, Mapping):
            values[block] = _value(action)
    return values


def _value(action: Mapping[str, Any]) -> str:
    if action.get("type") == "multi_static_select":
        chosen = action.get("selected_options")
        return ",".join(str(o.get("value", "")) for o in chosen or () if isinstance(o, Mapping))
    option = action.get("selected_option")
    if isinstance(option, Mapping):
        return str(option.get("value") or "")
    value = action.get("value")
    return value if isinstance(value, str) else ""


async def submit_modal(app: App, identity: str, view: Mapping[str, Any]) -> dict[str, Any] | None:
    """Hand a ``view_submission``'s view to the core: None when it is done (the modal
    closes), else the ``errors`` response showing each problem under its field (a problem with
    the form as a whole under its first field)."""
    command = command_of(view)
    if command is None:
        return None
    values = values_of(view)
    errors = await app.submit_form(identity, command, values)
    if not errors:
        return None
    blocks = [b.get("block_id") for b in view.get("blocks") or () if isinstance(b, Mapping)
              and b.get("type") == "input"]
    first = next((b for b in blocks if isinstance(b, str)), None) or next(iter(values), "")
    shown: dict[str, str] = {}
    for name, text in errors.items():
        block = name if name in blocks and name != WHOLE_FORM else first
        shown[block] = clip(f"{shown[block]}\n{text}" if block in shown else text, ERROR_LIMIT)
    return {"response_action": "errors", "errors": shown}


# A submission the core takes longer than Slack waits for (3 s) to answer: the modal shows
# "Saving…" (no submit button, so it cannot be sent twice), then the outcome.

def _frame(view: Mapping[str, Any], blocks: list[Json], *, submit: bool) -> Json:
    """A modal like ``view`` (its title, close and, with ``submit``, its callback and submit
    button) with other blocks."""
    framed: Json = {"type": "modal", "title": view.get("title") or _plain("peerdesk", 24),
                    "blocks": blocks}
    if view.get("close"):
        framed["close"] = view["close"]
    if submit:
        framed["callback_id"] = view.get("callback_id", "")
        if view.get("submit"):
            framed["submit"] = view["submit"]
    return framed


def _note(text: str) -> Json:
    return {"type": "section", "text": _plain(text, INPUT_LIMIT)}


async def working_view(app: App, identity: str, view: Mapping[str, Any]) -> Json:
    """What the modal shows while a slow submission is being taken."""
    return _frame(view, [_note(await app.words_for(identity, "form.working"))], submit=False)


def _refilled(block: Mapping[str, Any], value: str) -> Json:
    """An input block of the submitted form with what the person had typed or chosen."""
    element = dict(block.get("element") or {})
    kind = element.get("type")
    options = {o.get("value"): o for o in element.get("options") or ()
               if isinstance(o, Mapping)}
    if kind == "plain_text_input" and value:
        element["initial_value"] = value
    elif kind == "static_select" and value in options:
        element["initial_option"] = options[value]
    elif kind == "multi_static_select":
        chosen = [options[v] for v in value.split(",") if v in options]
        if chosen:
            element["initial_options"] = chosen
    return {**block, "element": element}


async def finish_slow(client: AsyncWebClient, app: App, identity: str,
                      view: Mapping[str, Any], answer: Mapping[str, Any] | None) -> None:
    """Show the outcome of a slow submission in its modal (``views.update``): done, or the form
    again with what was typed and each refusal under its field, to submit again."""
    if answer is None:
        shown = _frame(view, [_note(await app.words_for(identity, "form.saved"))], submit=False)
    else:
        errors = answer.get("errors") or {}
        values = values_of(view)
        blocks: list[Json] = [_note("⚠️ " + await app.words_for(identity, "form.not_saved"))]
        for block in view.get("blocks") or ():
            if not isinstance(block, Mapping):
                continue
            name = block.get("block_id")
            if block.get("type") != "input" or not isinstance(name, str):
                blocks.append(dict(block))
                continue
            blocks.append(_refilled(block, values.get(name, "")))
            if name in errors:
                blocks.append({"type": "context", "elements": [
                    _plain("⚠️ " + str(errors[name]), LABEL_LIMIT)]})
        shown = _frame(view, blocks, submit=True)
    try:
        await client.views_update(view_id=str(view.get("id") or ""), view=shown)
    except SlackApiError as exc:  # the person closed the modal meanwhile
        log.info("could not show the outcome of a form: %s",
                 exc.response.get("error") if exc.response is not None else exc)
