"""Slack's own interface around the conversation — the App Home tab and the guided commands'
modals — as the adapter calls it, and how a modal's submission is answered within Slack's 3 s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.slack.inbound import Incoming

log = logging.getLogger(__name__)

# A modal's submission is answered within this many seconds (Slack waits 3): if the help desk
# takes longer, the modal says it is saving and shows the outcome once there is one.
SUBMIT_SECONDS = 2.5


@dataclass(frozen=True, slots=True)
class Surfaces:
    """Slack's own interface around the conversation, each optional.

    ``home(identity, user_id)`` publishes a person's App Home tab; ``open_form(identity,
    command, trigger_id)`` opens a command's modal (False: the command has none);
    ``submit_form(identity, view)`` takes a modal's submission (None closes it, else the
    response with the errors to show)."""

    home: Callable[[str, str], Awaitable[None]] | None = None
    open_form: Callable[[str, str, str], Awaitable[bool]] | None = None
    submit_form: Callable[[str, Mapping[str, Any]], Awaitable[dict[str, Any] | None]] | None \
        = None
    # A submission slower than Slack waits for: the modal's "Saving…" view, then the outcome
    # shown in the modal (identity, the submitted view, the answer submit_form gave).
    form_working: Callable[[str, Mapping[str, Any]], Awaitable[dict[str, Any]]] | None = None
    form_finished: Callable[[str, Mapping[str, Any], dict[str, Any] | None],
                            Awaitable[None]] | None = None


def form_trigger(surfaces: Surfaces, body: Mapping[str, Any], found: Incoming) -> str | None:
    """For a slash command typed alone — maybe a guided command with a modal — its trigger id
    (a modal can be opened with it for 3 s); else None."""
    trigger = body.get("trigger_id")
    if surfaces.open_form is None or "command" not in body or not isinstance(trigger, str) \
            or len(found.inbound.text.split()) != 1:
        return None
    return trigger


async def open_form_instead(surfaces: Surfaces, found: Incoming, trigger: str) -> bool:
    """Open the command's modal instead of asking its first question; whether it has one and
    it opened (a failure is logged: the command then goes the step-by-step way)."""
    command = found.inbound.text.split()[0]
    if surfaces.open_form is None:
        return False
    try:
        return await surfaces.open_form(found.inbound.sender.identity, command.lstrip("/"),
                                        trigger)
    except Exception:
        log.exception("slack: could not open the modal for %s", command)
        return False


async def answer_submission(surfaces: Surfaces, ack: AsyncAck, person: str,
                            view: Mapping[str, Any],
                            background: Callable[[Awaitable[Any], str], None]) -> None:
    """Answer a modal's submission: with its errors, or by closing it once done. When the help
    desk takes longer than Slack waits, the modal shows "Saving…" and then the outcome. If
    taking it fails, there is no answer: Slack shows the person an error in the modal, and
    they can submit again (nothing was stored). ``background`` runs what goes on after."""
    submit = surfaces.submit_form
    if submit is None:
        await ack()
        return
    taking = asyncio.ensure_future(submit(person, view))
    try:
        answer = await asyncio.wait_for(asyncio.shield(taking), SUBMIT_SECONDS)
    except TimeoutError:  # Slack would give up: say so in the modal, show the outcome after
        await _answer_slowly(surfaces, ack, person, view, taking, background)
        return
    except Exception:
        log.exception("slack: a modal's submission could not be taken")
        return
    if answer is None:
        await ack()
    else:
        await ack(**answer)


async def _answer_slowly(surfaces: Surfaces, ack: AsyncAck, person: str,
                         view: Mapping[str, Any], taking: asyncio.Future[dict[str, Any] | None],
                         background: Callable[[Awaitable[Any], str], None]) -> None:
    working, finished = surfaces.form_working, surfaces.form_finished
    if working is None or finished is None:
        await ack()
        background(taking, "taking a modal's submission")
        return
    try:
        shown = await working(person, view)
    except Exception:
        log.exception("slack: could not say a modal's submission is being saved")
        await ack()
    else:
        await ack(response_action="update", view=shown)

    async def finish() -> None:
        try:
            answer = await taking
        except Exception:
            log.exception("slack: a modal's submission could not be taken")
            answer = {"errors": {}}
        await finished(person, view, answer)

    background(finish(), "showing the outcome of a modal")
