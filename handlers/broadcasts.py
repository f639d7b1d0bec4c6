"""Broadcasts: a coordinator's news to an audience, each reader in their own language.

``/broadcast [AUDIENCE] [at WHEN]`` asks, step by step, for what it was not given: the
audience (typed, or with buttons), the message (a file may come with it), when it goes (Now /
Later: an instant, or ``… local`` for a wall time in each reader's own zone), then shows a
preview — how many people in each language, and when — with Confirm and Cancel. Confirmed,
it goes out at once (one outbox row per reader, written together) or waits in the schedule
the sweep releases (``handlers/broadcast_delivery.py``, which also reports on delivery).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime

from handlers import broadcast_delivery
from handlers.audience import Audience, describe, language_counts
from handlers.audience_picker import Chosen, Picker, is_audience_step
from handlers.audit import record
from handlers.broadcast_ports import NewBroadcast, Status, When
from handlers.broadcast_schedule import Schedule, check_schedule, first_and_last, parse_schedule
from handlers.deliverables import checked_content, checked_kind
from handlers.domain import Language, PendingStep, parse_number
from handlers.filetypes import safe_name
from handlers.messages import Attachment, Button, Phrase
from handlers.privacy_ports import AuditKind
from handlers.sweep import Sweep
from handlers.timezones import local_time, zone_label
from handlers.turn import Turn, button, phrase

# The guided command that drafts a broadcast, and its buttons' prefix.
BROADCAST = "broadcast"
PICKER = Picker(BROADCAST, "bc")
TEXT, WHEN, PREVIEW = "text", "when", "preview"
MAX_TEXT = 3500
# ``… at 2026-12-01 09:00 local`` or ``… now`` at the end of the command.
_SCHEDULE = re.compile(
    r"(?:^|\s)((?:at|às|as|à|em|a las|a la|el|le|a)\s+\d{4}-.*|now|agora|ahora|maintenant)$",
    re.IGNORECASE)


def start_broadcast(turn: Turn, args: str) -> None:
    """``/broadcast [AUDIENCE] [at WHEN]``: draft a message to an audience."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    data: dict[str, str] = {}
    audience_text, when_text = _split(args)
    if when_text:
        schedule = parse_schedule(when_text, turn.deps.zones, turn.sender.timezone)
        if isinstance(schedule, Phrase):
            turn.reply_lines([schedule, phrase("broadcast.when_help")])
            return
        data[WHEN] = when_text
    if audience_text:
        chosen = PICKER.typed(turn, audience_text, data)
        if chosen is not None:
            _take_audience(turn, chosen)
        return
    PICKER.ask(turn, data)


def list_broadcasts(turn: Turn, args: str) -> None:
    """``/broadcasts``: past and scheduled broadcasts with their figures."""
    broadcast_delivery.list_broadcasts(turn)


def answer_broadcast(turn: Turn, step: str, text: str) -> None:
    """An answer typed at one of ``/broadcast``'s steps."""
    if not turn.sender.is_coordinator:
        turn.finish_flow()
        turn.reply("perm.coordinator")
        return
    data = dict(turn.pending.data) if turn.pending is not None else {}
    if is_audience_step(step):
        chosen = PICKER.answer(turn, step, text)
        if chosen is not None:
            _take_audience(turn, chosen)
    elif step == TEXT:
        _take_text(turn, data, text)
    elif step == WHEN:
        _take_when(turn, data, text)
    else:
        _preview(turn, data, [phrase("broadcast.use_buttons")])


def receive_file(turn: Turn, attachment: Attachment, caption: str) -> None:
    """A file sent while drafting a broadcast: checked like a deliverable, then kept to go
    with it; a caption, when there is one, is the message."""
    pending = turn.pending
    if not turn.sender.is_coordinator or pending is None:
        turn.reply("perm.coordinator")
        return
    content = checked_content(turn, attachment)
    kind = checked_kind(turn, content, attachment.filename) if content is not None else None
    if content is None or kind is None:
        return
    data = dict(pending.data)
    sha = turn.deps.files.keep(content)
    name = safe_name(attachment.filename, kind)
    data["file"] = json.dumps({"name": name, "size": len(content),
                               "type": attachment.content_type,
                               "location": turn.deps.files.location(sha)})
    noted = phrase("broadcast.file_kept", name=name)
    text = caption.strip()
    if text and is_audience_step(pending.step):
        data[TEXT] = text  # checked when the audience is chosen
    elif text:
        _take_text(turn, data, text, before=[noted])
        return
    _ask_again(turn, pending.step, data, [noted])


def press_broadcast(turn: Turn, arg: str) -> None:
    """A broadcast button (``bc:…``): the audience picker, Now/Later, Confirm/Cancel, or
    cancelling a scheduled broadcast."""
    action, _, value = arg.partition(":")
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    if action == "a":
        chosen = PICKER.press(turn, value)
        if chosen is not None:
            _take_audience(turn, chosen)
        return
    if action == "stop":
        broadcast_delivery.cancel_broadcast(turn, parse_number(value))
        return
    pending = turn.pending
    if pending is None or pending.flow != BROADCAST:
        turn.reply("button.stale")
        return
    data = dict(pending.data)
    if action in ("now", "later") and pending.step == WHEN:
        if action == "now":
            data[WHEN] = "now"
            _preview(turn, data)
        else:
            _ask(turn, WHEN, data, [phrase("broadcast.ask_moment")], [[_cancel_button()]])
    elif action in ("ok", "drop") and pending.step == PREVIEW and data.get("token") == value:
        if action == "ok":
            _confirm(turn, data)
        else:
            turn.finish_flow()
            turn.answer_press("broadcast.dropped")
    else:
        turn.reply("button.stale")


def sweep(run: Sweep) -> None:
    """Release scheduled broadcasts that are due and report delivery progress."""
    broadcast_delivery.sweep(run)


# --- The steps -------------------------------------------------------------------------------

def _split(args: str) -> tuple[str, str]:
    """The audience part and the schedule part of the command's arguments."""
    match = _SCHEDULE.search(args.strip())
    if match is None:
        return args.strip(), ""
    return args.strip()[:match.start()].strip(), match.group(1).strip()


def _take_audience(turn: Turn, chosen: Chosen) -> None:
    data = chosen.data
    data["audience"] = chosen.audience.to_json()
    if TEXT in data:
        _take_text(turn, data, data.pop(TEXT))
        return
    _ask_text(turn, data, [])


def _ask_text(turn: Turn, data: dict[str, str], before: Sequence[Phrase]) -> None:
    audience = Audience.from_json(data["audience"])
    _ask(turn, TEXT, data, [*before, phrase("broadcast.ask_text", audience=describe(audience))],
         [[_cancel_button()]])


def _take_text(turn: Turn, data: dict[str, str], text: str,
               before: Sequence[Phrase] = ()) -> None:
    text = text.strip()
    if "audience" not in data:
        PICKER.ask(turn, {**data, TEXT: text}, before)
        return
    if not any(c.isalnum() for c in text):
        _ask_text(turn, data, [*before, phrase("broadcast.empty_text")])
        return
    if len(text) > MAX_TEXT:
        _ask_text(turn, data, [*before, phrase("broadcast.too_long", length=len(text),
                                               limit=MAX_TEXT)])
        return
    data["message"] = text
    data["language"] = turn.sender.language.value
    if WHEN in data:
        _preview(turn, data, before)
        return
    _ask_when(turn, data, before)


def _ask_when(turn: Turn, data: dict[str, str], before: Sequence[Phrase]) -> None:
    _ask(turn, WHEN, data, [*before, phrase("broadcast.ask_when")],
         [[button("bc:now", "broadcast.button.now"), button("bc:later", "broadcast.button.later")],
          [_cancel_button()]])


def _take_when(turn: Turn, data: dict[str, str], text: str) -> None:
    schedule = parse_schedule(text, turn.deps.zones, turn.sender.timezone)
    if isinstance(schedule, Phrase):
        _ask(turn, WHEN, data, [schedule, phrase("broadcast.when_help")], [[_cancel_button()]])
        return
    data[WHEN] = text
    _preview(turn, data)


def _draft(turn: Turn, data: dict[str, str]) -> tuple[Audience, Schedule, dict[Language, int],
                                                      dict[str, int]] | None:
    """The draft's audience, schedule and audience figures, once they are all usable; None
    after asking again for what is not (the audience became empty, the moment passed)."""
    audience = Audience.from_json(data["audience"])
    counts = turn.uow.audiences.languages(audience)
    if not sum(counts.values()):
        PICKER.ask(turn, {k: v for k, v in data.items() if k != "audience"},
                   [phrase("audience.nobody", audience=describe(audience))])
        return None
    schedule = parse_schedule(data[WHEN], turn.deps.zones, turn.sender.timezone)
    if isinstance(schedule, Phrase):
        _ask_when(turn, data, [schedule])
        return None
    zones = turn.uow.audiences.zones(audience) if schedule.when == When.LOCAL else {}
    problem = check_schedule(schedule, turn.now, zones)
    if problem is not None:
        _ask(turn, WHEN, data, [problem, phrase("broadcast.when_help")], [[_cancel_button()]])
        return None
    return audience, schedule, counts, zones


def _preview(turn: Turn, data: dict[str, str], before: Sequence[Phrase] = ()) -> None:
    if "message" not in data:
        _ask_text(turn, data, before)
        return
    found = _draft(turn, data)
    if found is None:
        return
    audience, schedule, counts, zones = found
    token = _token(turn, data)
    data["token"] = token
    lines = [*before, phrase("broadcast.preview", audience=describe(audience),
                             total=sum(counts.values()), languages=language_counts(counts)),
             _when_line(turn, schedule, zones)]
    attachment = _attachment(data)
    if attachment is not None:
        lines.append(phrase("broadcast.preview_file", name=attachment.filename))
    lines.append(phrase("broadcast.preview_text", text=data["message"]))
    _ask(turn, PREVIEW, data, lines,
         [[button(f"bc:ok:{token}", "broadcast.button.confirm"),
           button(f"bc:drop:{token}", "button.cancel")]])


def _when_line(turn: Turn, schedule: Schedule, zones: dict[str, int]) -> Phrase:
    own = turn.sender.timezone
    if schedule.when == When.NOW:
        return phrase("broadcast.when_now")
    if schedule.when == When.AT:
        assert schedule.moment is not None
        return phrase("broadcast.when_at", time=_local(own, schedule.moment),
                      zone=zone_label(own))
    first, last = first_and_last(schedule, zones)
    if first == last:
        return phrase("broadcast.when_local_one", time=schedule.wall_text,
                      first=_local(own, first), zone=zone_label(own))
    return phrase("broadcast.when_local", time=schedule.wall_text, first=_local(own, first),
                  last=_local(own, last), zone=zone_label(own))


def _confirm(turn: Turn, data: dict[str, str]) -> None:
    found = _draft(turn, data)
    if found is None:
        return
    audience, schedule, _counts, _zones = found
    recipients = turn.uow.audiences.recipients(audience)
    attachment = _attachment(data)
    new = NewBroadcast(
        sender_id=turn.sender.id, sender_name=turn.sender.name, draft=data["token"],
        audience=data["audience"], text=data["message"], language=Language(data["language"]),
        attachments=(attachment,) if attachment is not None else (), when=schedule.when,
        send_at=schedule.moment if schedule.when == When.AT else (
            min(schedule.moment_in(r.timezone) for r in recipients)
            if schedule.when == When.LOCAL else None),
        local_time=schedule.wall_text if schedule.when == When.LOCAL else None,
        recipients=len(recipients))
    status = Status.SENDING if schedule.when == When.NOW else Status.SCHEDULED
    broadcast_id = turn.uow.broadcasts.create(new, status, turn.now)
    turn.finish_flow()
    if broadcast_id is None:
        turn.reply("button.stale")
        return
    record(turn, AuditKind.BROADCAST_SENT, number=broadcast_id, count=len(recipients),
           audience=data["audience"], schedule=schedule.when.value)
    if schedule.when == When.NOW:
        turn.answer_press("broadcast.sending", number=broadcast_id, count=len(recipients))
        broadcast_delivery.fan_out(turn.out, turn.contacts, broadcast_id, new, recipients)
        return
    turn.uow.broadcasts.schedule(broadcast_id, [(r.id, schedule.moment_in(r.timezone))
                                                for r in recipients])
    turn.reply("broadcast.scheduled", number=broadcast_id, count=len(recipients),
               buttons=[[broadcast_delivery.stop_button(broadcast_id)]])


# --- Helpers ---------------------------------------------------------------------------------

def _ask(turn: Turn, step: str, data: dict[str, str], lines: Sequence[Phrase],
         buttons: Sequence[Sequence[Button]] = ()) -> None:
    """Ask the next question (several lines) and remember the draft so far."""
    turn.pending = PendingStep(BROADCAST, step, data)
    turn.uow.conversations.set(turn.sender.id, turn.pending, turn.now)
    turn.reply_lines(lines, buttons=buttons)


def _ask_again(turn: Turn, step: str, data: dict[str, str], before: Sequence[Phrase]) -> None:
    """Ask the current step's question again (after a file arrived)."""
    if is_audience_step(step) or "audience" not in data:
        PICKER.ask(turn, data, before)
    elif step == TEXT:
        _ask_text(turn, data, before)
    elif step == WHEN:
        _ask_when(turn, data, before)
    else:
        _preview(turn, data, before)


def _cancel_button() -> Button:
    return button("cancel", "button.cancel")


def _attachment(data: dict[str, str]) -> Attachment | None:
    if "file" not in data:
        return None
    file = json.loads(data["file"])
    return Attachment(str(file["name"]), int(file["size"]), file.get("type"),
                      str(file["location"]))


def _token(turn: Turn, data: dict[str, str]) -> str:
    """A short token naming this preview, so that an older preview's buttons are refused."""
    seed = json.dumps([sorted((k, v) for k, v in data.items() if k != "token"),
                       turn.sender.id, turn.now.isoformat()])
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:10]


def _local(zone: str, moment: datetime) -> str:
    return f"{local_time(zone, moment):%Y-%m-%d %H:%M}"
