"""Picks the use case for one inbound message: a command, a pressed button, a reply, an answer."""

from __future__ import annotations

from collections.abc import Callable

from handlers import (
    broadcasts,
    deliverables,
    events,
    followups,
    forget,
    help_desk,
    leadership,
    onboarding,
    originals,
    reviews,
    roles,
    tasks,
    team_groups,
    team_talk,
    teams,
)
from handlers.commands import ALIASES, COMMANDS, cancel
from handlers.domain import PendingStep, parse_number
from handlers.turn import Turn

FlowStep = Callable[[Turn, str, str], None]

# Each guided command's handler for the answers typed (or pressed) at its steps.
FLOWS: dict[str, FlowStep] = {
    onboarding.ONBOARDING: lambda turn, step, text: (
        onboarding.answer_language(turn, step, text) if step == "language"
        else onboarding.answer_timezone(turn, step, text)),
    "lang": onboarding.answer_language,
    "tz": onboarding.answer_timezone,
    teams.NEW_TEAM: teams.answer_new_team,
    teams.JOIN: teams.answer_join,
    help_desk.ASK: help_desk.answer_ask,
    tasks.NEW_TASK: tasks.answer_new_task,
    deliverables.UPLOAD: deliverables.choose_task,
    tasks.EDIT_TASK: lambda turn, step, text: tasks.answer_edit_task(turn, step, text),
    help_desk.ANSWER: help_desk.answer_answer,
    help_desk.CLOSE: lambda turn, step, text: help_desk.close_request(turn, text),
    leadership.LEADER: leadership.answer_leadership,
    leadership.COLEAD: leadership.answer_leadership,
    roles.GRANT: roles.answer_roles,
    roles.REVOKE: roles.answer_roles,
    broadcasts.BROADCAST: broadcasts.answer_broadcast,
    events.EVENT: events.answer_event,
    forget.FORGET: forget.answer_forget,
}


# The guided commands whose "name" step accepts a pick button (a person chosen among several).
PICK_FLOWS = frozenset({leadership.LEADER, leadership.COLEAD, roles.GRANT, roles.REVOKE,
                        forget.FORGET})


def parse_command(text: str) -> tuple[str, str] | None:
    """``/name@bot args`` → (``name``, ``args``); None when the text is not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name:
        return None
    return ALIASES.get(name, name), args.strip()


def route(turn: Turn) -> None:
    """Run the use case this inbound message asks for."""
    inbound = turn.inbound
    turn.pending = turn.uow.conversations.get(turn.sender.id)
    asked_at = turn.pending.asked_at if turn.pending is not None else None
    if asked_at is not None and turn.now - asked_at > turn.deps.settings.question_timeout:
        turn.uow.conversations.clear(turn.sender.id)  # an old question: its answer is not this
        turn.pending = None
    if inbound.button is not None:
        press_button(turn, inbound.button)
        return
    text = inbound.text.strip()
    command = parse_command(text)
    if inbound.attachment is not None and turn.pending_flow == broadcasts.BROADCAST:
        broadcasts.receive_file(turn, inbound.attachment, text)
    elif inbound.attachment is not None:
        deliverables.receive_file(turn, inbound.attachment, text)
    elif command is not None:
        run_command(turn, *command)
    elif inbound.reply_to is not None:
        follow_reply(turn, inbound.reply_to, text)
    elif not inbound.chat.is_private:
        team_groups.group_text(turn, text)  # a mention: never the answer to a private question
    elif turn.pending is not None and text:
        FLOWS[turn.pending.flow](turn, turn.pending.step, text)
    elif turn.pending is not None:
        turn.reply("flow.waiting")
    elif turn.sender.team_chat and text:
        team_talk.chat_in_team_mode(turn, text)
    else:
        turn.reply("text.not_understood")


# Commands that only show or set something personal: a guided command in progress goes on
# after them (its next answer is still expected).
KEEP_FLOW = frozenset({"help", "lang", "tz", "team", "teams", "tickets", "original", "tr",
                       "translate", "nags", "events", "broadcasts", "export", "audit"})


def run_command(turn: Turn, name: str, args: str) -> None:
    """Run a typed command; a command that does something else abandons a guided one.

    The greeting's language and time-zone questions are never abandoned that way: a newcomer
    who starts with ``/join CODE`` is still asked them.
    """
    command = COMMANDS.get(name)
    if command is None:
        turn.reply("command.unknown", command="/" + name)
        return
    pending = turn.pending
    if pending is not None and command.run is not cancel and name not in KEEP_FLOW \
            and pending.flow != onboarding.ONBOARDING:
        turn.uow.conversations.clear(turn.sender.id)
    command.run(turn, args)


def follow_reply(turn: Turn, reply_to: str, text: str) -> None:
    """A reply to one of the bot's messages: continue whatever that message was about."""
    chat = turn.inbound.chat
    sent = turn.uow.outbox.find_sent(chat.platform, chat.chat_id, reply_to)
    if sent is None or sent.context is None or sent.context_id is None:
        if not chat.is_private:
            team_groups.group_text(turn, text)  # in a group: talk, never a private answer
        elif turn.pending is not None and text:
            FLOWS[turn.pending.flow](turn, turn.pending.step, text)  # replying to the question
        else:
            turn.reply("reply.nothing")
        return
    if not text:
        turn.reply("reply.empty")
        return
    if sent.context == help_desk.HELP_REQUEST:
        help_desk.reply_to_request(turn, sent.context_id, text)
    elif sent.context == reviews.ROUND:
        reviews.reply_in_round(turn, sent.context_id, text)
    elif sent.context == reviews.COMMENT:
        reviews.reply_to_comment(turn, sent.context_id, text)
    elif sent.context == team_talk.TEAM_TALK:
        team_talk.reply_to_team_talk(turn, sent.context_id, text)
    else:
        turn.reply("reply.nothing")


def _picks_for(pending: PendingStep | None, arg: str) -> bool:
    """Whether a pick button (``QUESTION:MEMBER``) answers the question now pending."""
    question, _, member = arg.partition(":")
    return (pending is not None and pending.step == "name" and pending.flow in PICK_FLOWS
            and pending.data.get("q") == question and parse_number(member) is not None)


def press_button(turn: Turn, data: str) -> None:
    """A pressed button: check it still applies to this person, then act on it."""
    action, _, arg = data.partition(":")
    pending = turn.pending
    if action == "lang":
        onboarding.answer_language(turn, "language", arg)
    elif action == "tz":
        onboarding.answer_timezone(turn, "timezone", arg)
    elif action in ("approve", "reject"):
        teams.decide_team(turn, arg, approve=action == "approve")
    elif action == "leave":
        teams.confirm_leave(turn, arg)
    elif action == "original":
        originals.press_original(turn, arg)
    elif action == "translate":
        originals.auto_translation(turn, arg)
    elif action == "teamchat":
        team_talk.team_chat(turn, arg)
    elif action == "review":
        reviews.press_review(turn, arg)
    elif action == deliverables.UPLOAD:
        deliverables.choose_task(turn, "task", f"T{arg}")
    elif action in ("member", "share", "field", "deltask"):
        tasks.press_task_button(turn, action, arg)
    elif action == help_desk.CLOSE:
        help_desk.close_request(turn, arg)
    elif action == help_desk.ANSWER and pending is not None and pending.flow == help_desk.ANSWER:
        help_desk.answer_answer(turn, "number", arg)
    elif action == "bc":
        broadcasts.press_broadcast(turn, arg)
    elif action == "ev":
        events.press_event(turn, arg)
    elif action == "nag":
        followups.press_nag(turn, arg)
    elif action == team_groups.GROUP:
        team_groups.press_group(turn, arg)
    elif action == forget.FORGET:
        forget.press_forget(turn, arg)
    elif action == "cancel":
        turn.finish_flow()
        turn.answer_press("cancel.done")
    elif action == "region" and pending is not None and pending.flow == teams.NEW_TEAM \
            and pending.step == "region":
        teams.answer_new_team(turn, "region", arg)
    elif action == "role" and pending is not None and pending.flow in (roles.GRANT, roles.REVOKE) \
            and pending.step == "role":
        roles.answer_roles(turn, "role", arg)
    elif action == "pick" and _picks_for(pending, arg):
        assert pending is not None
        FLOWS[pending.flow](turn, "name", "#" + arg.rpartition(":")[2])
    else:
        turn.answer_press("button.stale")
