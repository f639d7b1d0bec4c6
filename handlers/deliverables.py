"""Handing in deliverables: a file sent by a team member becomes the next version of a task's
deliverable, after its size and kind (by content) are checked.
"""

from __future__ import annotations

from handlers import reviews
from handlers.domain import Deliverable, Task, Team, Version, parse_number
from handlers.filetypes import detect_kind, safe_name
from handlers.messages import Attachment, Button, Context, Phrase
from handlers.turn import Turn, phrase

UPLOAD = "upload"
DELIVERABLE = "deliverable"


def receive_file(turn: Turn, attachment: Attachment, caption: str) -> None:
    """A file from a team member: check it, keep its bytes, then find its task."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("upload.no_team", name=attachment.filename)
        return
    limit = turn.deps.settings.max_upload_bytes
    megabytes = _megabytes(limit)
    if attachment.size > limit:
        turn.reply("file.too_big", name=attachment.filename, size=_megabytes(attachment.size),
                   limit=megabytes)
        return
    if attachment.location is None:
        turn.reply("file.unreadable", name=attachment.filename)
        return
    try:
        content = turn.deps.files.read(attachment.location, limit)
    except OSError:
        turn.reply("file.unreadable", name=attachment.filename)
        return
    if len(content) > limit:  # the platform said less than it sent
        turn.reply("file.too_big", name=attachment.filename, size=_megabytes(len(content)),
                   limit=megabytes)
        return
    if not content:
        turn.reply("file.empty", name=attachment.filename)
        return
    allowed = turn.deps.settings.allowed_kinds
    kind = detect_kind(content, attachment.filename)
    if kind is None or kind not in allowed:
        turn.reply("file.bad_type", name=attachment.filename,
                   allowed=", ".join(sorted(allowed)))
        return
    sha = turn.deps.files.keep(content)
    upload = {"sha": sha, "name": safe_name(attachment.filename, kind),
              "size": str(len(content)), "kind": kind, "note": caption[:500]}
    open_tasks = [t for t in turn.uow.tasks.of_team(team.id) if not t.done]
    if not open_tasks:
        turn.reply("upload.no_task", team=team.name)
        return
    chosen = _task_named(caption, open_tasks) or (open_tasks[0] if len(open_tasks) == 1
                                                  else None)
    if chosen is None:
        buttons = [[Button(data=f"upload:{t.id}", label=f"{t.code} {t.title}"[:60])]
                   for t in open_tasks[:8]]
        turn.ask(UPLOAD, "task", "upload.ask_task", data=upload, buttons=buttons,
                 name=upload["name"])
        return
    _hand_in(turn, team, chosen, upload)


def choose_task(turn: Turn, step: str, text: str) -> None:
    """The task for the file just sent, pressed or typed (``T7``)."""
    pending = turn.pending
    team = turn.uow.teams.of_member(turn.sender.id)
    if pending is None or pending.flow != UPLOAD or team is None:
        turn.reply("button.stale")
        return
    open_tasks = [t for t in turn.uow.tasks.of_team(team.id) if not t.done]
    chosen = _task_named(text, open_tasks)
    if chosen is None:
        turn.ask(UPLOAD, "task", "upload.ask_task", data=dict(pending.data),
                 name=pending.data.get("name", ""),
                 buttons=[[Button(data=f"upload:{t.id}", label=f"{t.code} {t.title}"[:60])]
                          for t in open_tasks[:8]])
        return
    turn.finish_flow()
    _hand_in(turn, team, chosen, dict(pending.data))


def _task_named(text: str, tasks: list[Task]) -> Task | None:
    """The task a caption or answer names: ``T7``, ``7``, or a unique start of its title."""
    words = text.strip()
    if not words:
        return None
    first = words.split()[0].upper().rstrip(":,.")
    number = parse_number(first.removeprefix("T")) if first[:1] in "T0123456789" else None
    if number is not None:
        return next((t for t in tasks if t.id == number), None)
    folded = words.casefold()
    found = [t for t in tasks if folded.startswith(t.title.casefold())
             or t.title.casefold().startswith(folded)]
    return found[0] if len(found) == 1 else None


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
        turn.sender.id, turn.now)
    reviewers = reviews.route_version(turn, team, task, deliverable, version,
                                      upload.get("note", ""))
    _receipt(turn, team, task, deliverable, version, reviewers)


def _receipt(turn: Turn, team: Team, task: Task, deliverable: Deliverable,
             version: Version, reviewers: Phrase) -> None:
    context = Context(DELIVERABLE, deliverable.id)
    turn.reply_lines([phrase("upload.received", name=version.filename, code=deliverable.code,
                             version=version.number, task=task.code, title=task.title),
                      reviewers], context=context)
    others = [m for m in turn.uow.teams.members(team.id) if m.id != turn.sender.id]
    turn.tell_all(others, "upload.notice", context=context, name=turn.sender.name,
                  code=deliverable.code, version=version.number, task=task.code,
                  title=task.title)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
