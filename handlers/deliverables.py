"""Handing in deliverables: a file sent by a team member becomes the next version of a task's
deliverable, after its size and kind (by content) are checked. The task is the one the caption
names, else that of the deliverable the message the file replies to is about, else the team's
only open task, else the member is asked.
"""

from __future__ import annotations

import re

from handlers import reviews
from handlers.domain import Deliverable, Task, Team, Version, parse_number
from handlers.filetypes import claimed_kind, detect_kind, safe_name
from handlers.group_talk import tell_team_groups
from handlers.messages import Attachment, Button, Context, Phrase
from handlers.turn import Turn, phrase

UPLOAD = "upload"
DELIVERABLE = "deliverable"


def receive_file(turn: Turn, attachment: Attachment, caption: str) -> None:
    """A file from a team member: check it and its task, keep its bytes, hand it in. (A
    reviewer's file replying to their card or a comment on it goes to the team as a comment.)"""
    about = _replied(turn)
    review = reviews.round_about(turn, *about) if about is not None else None
    if review is not None and review.reviewer_id == turn.sender.id:
        _reviewer_file(turn, review.id, attachment, caption)
        return
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("upload.no_team", name=attachment.filename)
        return
    content = checked_content(turn, attachment)
    if content is None:
        return
    kind = checked_kind(turn, content, attachment.filename)
    if kind is None:
        return
    tasks = turn.uow.tasks.of_team(team.id)
    open_tasks = [t for t in tasks if not t.done]
    if not open_tasks:
        turn.reply("upload.no_task", team=team.name)
        return
    named, unknown = _named_task(caption, tasks, numbers=False)
    if named is None and not unknown and about is not None:
        named = _replied_task(turn, team, tasks, *about)
    # Kept only now that the file will be handed in, or asked about (by the answer, the
    # platform's copy may be gone).
    upload = {"sha": turn.deps.files.keep(content), "name": safe_name(attachment.filename, kind),
              "size": str(len(content)), "kind": kind, "note": _note(caption)}
    if named is not None and not named.done:
        _hand_in(turn, team, named, upload)
    elif named is None and not unknown and len(open_tasks) == 1:
        _hand_in(turn, team, open_tasks[0], upload)
    else:
        _ask_task(turn, team, upload, open_tasks, named, unknown)


def _replied(turn: Turn) -> tuple[str, int] | None:
    """What the message the inbound one replies to is about (on Slack: the first message of
    the thread it was written in), if anything."""
    reply_to = turn.inbound.reply_to
    chat = turn.inbound.chat
    sent = turn.uow.outbox.find_sent(chat.platform, chat.chat_id, reply_to) \
        if reply_to is not None else None
    if sent is None or sent.context is None or sent.context_id is None:
        return None
    return sent.context, sent.context_id


def _replied_task(turn: Turn, team: Team, tasks: list[Task], context: str,
                  context_id: int) -> Task | None:
    """The task of the team's deliverable that a message is about (its receipt, a review
    comment, a request for changes), if any."""
    deliverable = turn.uow.deliverables.get(context_id) if context == DELIVERABLE \
        else reviews.deliverable_about(turn, context, context_id)
    if deliverable is None or deliverable.team_id != team.id:
        return None
    return next((t for t in tasks if t.id == deliverable.task_id), None)


def _reviewer_file(turn: Turn, round_id: int, attachment: Attachment, caption: str) -> None:
    """A reviewer's file (an annotated copy) replying to their card: checked like a
    deliverable, then a comment for the team with the file, the caption its text."""
    content = checked_content(turn, attachment)
    kind = checked_kind(turn, content, attachment.filename) if content is not None else None
    if content is None or kind is None:
        return
    name = safe_name(attachment.filename, kind)
    file = Attachment(name, len(content), kind,
                      turn.deps.files.location(turn.deps.files.keep(content)))
    reviews.reply_in_round(turn, round_id, caption.strip() or name, attachments=[file])


def _allowed(turn: Turn) -> str:
    return ", ".join(sorted(turn.deps.settings.allowed_kinds))


def checked_content(turn: Turn, attachment: Attachment) -> bytes | None:
    """The file's bytes when their size is acceptable; None after saying why not."""
    limit = turn.deps.settings.max_upload_bytes
    allowed = phrase("file.allowed", allowed=_allowed(turn), limit=_megabytes(limit))
    if attachment.size > limit:
        turn.reply_lines([phrase("file.too_big", name=attachment.filename,
                                 size=_megabytes(attachment.size), limit=_megabytes(limit)),
                          allowed])
        return None
    if attachment.location is None:
        turn.reply("file.unreadable", name=attachment.filename)
        return None
    try:
        content = turn.deps.files.read(attachment.location, limit)
    except OSError:
        turn.reply("file.unreadable", name=attachment.filename)
        return None
    if len(content) > limit:  # the platform said less than it sent
        turn.reply_lines([phrase("file.too_big", name=attachment.filename,
                                 size=_megabytes(len(content)), limit=_megabytes(limit)),
                          allowed])
        return None
    if not content:
        turn.reply_lines([phrase("file.empty", name=attachment.filename), allowed])
        return None
    return content


def checked_kind(turn: Turn, content: bytes, filename: str) -> str | None:
    """The file's kind by content when it is accepted; None after saying why not."""
    allowed = turn.deps.settings.allowed_kinds
    kind = detect_kind(content, filename)
    if kind is not None and kind in allowed:
        return kind
    claimed = claimed_kind(filename)
    if kind is None and claimed is not None and claimed in allowed:
        turn.reply("file.not_really", name=filename, kind=claimed.upper(),
                   allowed=_allowed(turn))
    else:
        turn.reply("file.bad_type", name=filename, allowed=_allowed(turn))
    return None


def _task_buttons(tasks: list[Task]) -> list[list[Button]]:
    return [[Button(data=f"upload:{t.id}", label=f"{t.code} {t.title}"[:60])] for t in tasks[:8]]


def _ask_task(turn: Turn, team: Team, upload: dict[str, str], open_tasks: list[Task],
              named: Task | None, unknown: str) -> None:
    """Ask which open task a file is for, saying first why the one named cannot take it."""
    buttons = _task_buttons(open_tasks)
    if named is not None:
        turn.ask(UPLOAD, "task", "upload.task_done_ask", data=upload, buttons=buttons,
                 task=named.code, title=named.title, name=upload["name"])
    elif unknown:
        turn.ask(UPLOAD, "task", "upload.task_unknown_ask", data=upload, buttons=buttons,
                 task=unknown, team=team.name, name=upload["name"])
    else:
        turn.ask(UPLOAD, "task", "upload.ask_task", data=upload, buttons=buttons,
                 name=upload["name"])


def choose_task(turn: Turn, step: str, text: str) -> None:
    """The task for the file just sent, pressed or typed (``T7``)."""
    pending = turn.pending
    team = turn.uow.teams.of_member(turn.sender.id)
    if pending is None or pending.flow != UPLOAD or team is None or "sha" not in pending.data:
        turn.reply("button.stale")
        return
    tasks = turn.uow.tasks.of_team(team.id)
    open_tasks = [t for t in tasks if not t.done]
    if not open_tasks:
        turn.finish_flow()
        turn.reply("upload.no_task", team=team.name)
        return
    named, unknown = _named_task(text, tasks, numbers=True)
    if named is None or named.done:
        _ask_task(turn, team, dict(pending.data), open_tasks, named, unknown)
        return
    turn.finish_flow()
    _hand_in(turn, team, named, dict(pending.data))


_CODE = re.compile(r"^[Tt](\d{1,9})[:,.]?$")


def _named_task(text: str, tasks: list[Task], *, numbers: bool) -> tuple[Task | None, str]:
    """The task (open or done) a caption or an answer names — ``T7``, ``7`` when ``numbers``,
    or the start of a title — and, when it names a code that is no task of the team, that
    code."""
    words = text.split()
    if not words:
        return None, ""
    first = words[0].rstrip(":,.")
    match = _CODE.match(first)
    number = int(match.group(1)) if match else parse_number(first) if numbers else None
    if number is not None:
        found = next((t for t in tasks if t.id == number), None)
        return found, "" if found is not None else f"T{number}"
    folded = " ".join(words).casefold()
    for group in ([t for t in tasks if not t.done], [t for t in tasks if t.done]):
        matching = [t for t in group if folded.startswith(t.title.casefold())
                    or t.title.casefold().startswith(folded)]
        if len(matching) == 1:
            return matching[0], ""
        if matching:
            return None, ""
    return None, ""


def _note(caption: str) -> str:
    """What the team says changed: the caption without the task code it starts with."""
    words = caption.split(maxsplit=1)
    if words and _CODE.match(words[0].rstrip(":,.")):
        caption = words[1] if len(words) > 1 else ""
    return caption.strip()[:500]


def _hand_in(turn: Turn, team: Team, task: Task, upload: dict[str, str]) -> None:
    deliverable = turn.uow.deliverables.for_task(task.id) \
        or turn.uow.deliverables.create(team.id, task.id, turn.now)
    versions = turn.uow.deliverables.versions(deliverable.id)
    same = next((v for v in versions if v.sha256 == upload["sha"]), None)
    if same is not None:
        turn.reply("upload.duplicate", code=deliverable.code, version=same.number,
                   task=task.code)
        return
    version = turn.uow.deliverables.add_version(
        deliverable.id, upload["sha"], upload["name"], int(upload["size"]), upload["kind"],
        turn.sender.id, turn.now, upload.get("note", ""), turn.sender.language)
    turn.uow.teams.touch(team.id, turn.now)
    reviewers = reviews.route_version(turn, team, task, deliverable, version)
    _receipt(turn, team, task, deliverable, version, reviewers)


def _receipt(turn: Turn, team: Team, task: Task, deliverable: Deliverable,
             version: Version, reviewers: Phrase) -> None:
    context = Context(DELIVERABLE, deliverable.id)
    turn.reply_lines([phrase("upload.received", name=version.filename, code=deliverable.code,
                             version=version.number, task=task.code, title=task.title),
                      reviewers], context=context)
    others = [m for m in turn.uow.teams.members(team.id) if m.id != turn.sender.id]
    notice = phrase("upload.notice", name=turn.sender.name, code=deliverable.code,
                    version=version.number, task=task.code, title=task.title)
    turn.tell_all_lines(others, [notice], context=context)
    tell_team_groups(turn, team.id, notice, context=context, skip=turn.chat)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
