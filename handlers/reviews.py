"""Review rounds: reviewers get each version with a card, comment by replying, and decide.

submitted → in review → changes requested → (new version) in review → approved. A reviewer's
reply to the card is a comment for the whole team; a team member's reply to a comment goes back
to the reviewer. Every comment travels as ``UserText`` with its language, for translation.
"""

from __future__ import annotations

from handlers.assignment import pick_reviewers
from handlers.domain import (
    Deliverable,
    DeliverableStatus,
    Member,
    Role,
    Round,
    Task,
    Team,
    Version,
)
from handlers.messages import Attachment, Context, Phrase, UserText
from handlers.turn import Turn, button, phrase

ROUND = "round"
COMMENT = "comment"
APPROVED, CHANGES, DECLINED = "approved", "changes", "declined"


def route_version(turn: Turn, team: Team, task: Task, deliverable: Deliverable,
                  version: Version, note: str) -> Phrase:
    """Send a new version to its reviewers (chosen on the first one); a line for the receipt."""
    reviewers = turn.uow.reviews.reviewers_of(deliverable.id)
    if not reviewers:
        reviewers = [m.id for m in _choose(turn, team, deliverable, excluded=set())]
        for reviewer in reviewers:
            turn.uow.reviews.assign(deliverable.id, reviewer, turn.now)
    if not reviewers:
        turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.SUBMITTED)
        _tell_coordinators(turn, "review.nobody", code=deliverable.code, team=team.name)
        return phrase("review.receipt_waiting")
    turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.IN_REVIEW)
    names = []
    for reviewer in reviewers:
        member = turn.uow.members.get(reviewer)
        if member is not None:
            names.append(member.name)
            send_card(turn, member, team, task, deliverable, version, note)
    return phrase("review.receipt_reviewers", names=", ".join(names))


def _choose(turn: Turn, team: Team, deliverable: Deliverable, excluded: set[int]) -> list[Member]:
    members = turn.uow.teams.members(team.id)
    count = turn.deps.settings.reviewers_per_deliverable
    return pick_reviewers(turn.uow.reviews.candidates(), {m.id for m in members},
                          {m.language for m in members}, team.topic,
                          excluded | turn.uow.reviews.declined(deliverable.id), count)


def send_card(turn: Turn, reviewer: Member, team: Team, task: Task, deliverable: Deliverable,
              version: Version, note: str) -> None:
    """Open the reviewer's next round on a version and send them the card with the file."""
    earlier = turn.uow.reviews.rounds_of(deliverable.id, reviewer.id)
    review = turn.uow.reviews.open_round(version.id, reviewer.id, len(earlier) + 1, turn.now)
    lines = [phrase("review.card", team=team.name, task=task.code, title=task.title,
                    due=task.due_date.isoformat(), code=deliverable.code,
                    version=version.number, round=review.number)]
    if note:
        lines.append(phrase("review.card_note", note=UserText(note, turn.sender.language)))
    if earlier:
        previous = turn.uow.reviews.comments(earlier[-1].id)
        if previous:
            brief = " / ".join(c.text for c in previous if c.author_id == reviewer.id)[:300]
            lines.append(phrase("review.card_previous", comments=UserText(brief,
                                                                          reviewer.language)))
    lines.append(phrase("review.card_how"))
    file = Attachment(version.filename, version.size, version.kind,
                      turn.deps.files.location(version.sha256))
    turn.tell_lines(reviewer.id, lines, context=Context(ROUND, review.id), attachments=[file],
                    buttons=[[button(f"review:approve:{review.id}", "button.approve_version"),
                              button(f"review:changes:{review.id}", "button.request_changes")],
                             [button(f"review:decline:{review.id}", "button.decline")]])


def _tell_coordinators(turn: Turn, key: str, code: str, team: str) -> None:
    turn.tell_all(turn.uow.members.with_role(Role.COORDINATOR), key, code=code, team=team)


def _context(turn: Turn, review: Round) -> tuple[Deliverable, Version, Task, Team] | None:
    version = turn.uow.deliverables.version(review.version_id)
    deliverable = turn.uow.deliverables.get(version.deliverable_id) if version else None
    task = turn.uow.tasks.get(deliverable.task_id) if deliverable else None
    team = turn.uow.teams.get(deliverable.team_id) if deliverable else None
    if version is None or deliverable is None or task is None or team is None:
        return None
    return deliverable, version, task, team


def press_review(turn: Turn, arg: str) -> None:
    """Approve, Request changes or Decline on a review card: only its reviewer, only once."""
    action, _, number = arg.partition(":")
    review = turn.uow.reviews.round(int(number)) if number.isdecimal() else None
    found = _context(turn, review) if review is not None else None
    if review is None or found is None or action not in ("approve", "changes", "decline"):
        turn.reply("button.stale")
        return
    deliverable, version, task, team = found
    if review.reviewer_id != turn.sender.id \
            or turn.sender.id not in turn.uow.reviews.reviewers_of(deliverable.id):
        turn.reply("review.not_yours", code=deliverable.code)
        return
    latest = turn.uow.deliverables.versions(deliverable.id)[-1]
    if review.decision is not None or latest.id != version.id:
        turn.reply("review.closed", code=deliverable.code, version=version.number)
        return
    if action == "decline":
        _decline(turn, review, deliverable, version, task, team)
    elif action == "approve":
        _approve(turn, review, deliverable, version, task, team)
    else:
        _request_changes(turn, review, deliverable, version, team)


def _team_ids(turn: Turn, team: Team) -> list[int]:
    return [m.id for m in turn.uow.teams.members(team.id)]


def _approve(turn: Turn, review: Round, deliverable: Deliverable, version: Version, task: Task,
             team: Team) -> None:
    turn.uow.reviews.decide(review.id, APPROVED, turn.now)
    waiting = [r for r in turn.uow.reviews.reviewers_of(deliverable.id) if r != turn.sender.id
               and not any(x.version_id == version.id and x.decision == APPROVED
                           for x in turn.uow.reviews.rounds_of(deliverable.id, r))]
    turn.reply("review.you_approved", code=deliverable.code, version=version.number)
    if waiting:
        return  # the other reviewers still have to approve
    turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.APPROVED)
    turn.uow.tasks.mark_done(task.id)
    share = phrase("review.share", share=task.funds_share) if task.funds_share else ""
    people = set(_team_ids(turn, team)) | {m.id for m in
                                           turn.uow.members.with_role(Role.COORDINATOR)}
    turn.tell_all(sorted(people - {turn.sender.id}), "review.approved", code=deliverable.code,
                  version=version.number, task=task.code, title=task.title, team=team.name,
                  reviewer=turn.sender.name, share=share)


def _request_changes(turn: Turn, review: Round, deliverable: Deliverable, version: Version,
                     team: Team) -> None:
    turn.uow.reviews.decide(review.id, CHANGES, turn.now)
    turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.CHANGES_REQUESTED)
    lines = [phrase("review.changes", code=deliverable.code, version=version.number,
                    reviewer=turn.sender.name)]
    lines += [phrase("review.changes_item", text=UserText(c.text, c.language))
              for c in turn.uow.reviews.comments(review.id) if c.author_id == turn.sender.id]
    lines.append(phrase("review.changes_next"))
    for member in _team_ids(turn, team):
        turn.tell_lines(member, lines, context=Context(ROUND, review.id))
    turn.reply("review.you_requested", code=deliverable.code, version=version.number)


def _decline(turn: Turn, review: Round, deliverable: Deliverable, version: Version,
             task: Task, team: Team) -> None:
    turn.uow.reviews.decide(review.id, DECLINED, turn.now)
    turn.uow.reviews.decline(deliverable.id, turn.sender.id)
    turn.reply("review.you_declined", code=deliverable.code)
    others = set(turn.uow.reviews.reviewers_of(deliverable.id))
    replacement = _choose(turn, team, deliverable, excluded=others | {turn.sender.id})
    if not replacement:
        if not others:
            turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.SUBMITTED)
        _tell_coordinators(turn, "review.nobody", code=deliverable.code, team=team.name)
        return
    turn.uow.reviews.assign(deliverable.id, replacement[0].id, turn.now)
    send_card(turn, replacement[0], team, task, deliverable, version, "")


def reply_in_round(turn: Turn, round_id: int, text: str) -> None:
    """A reply to a review card (or to the decision): the reviewer's comment for the team."""
    review = turn.uow.reviews.round(round_id)
    found = _context(turn, review) if review is not None else None
    if review is None or found is None:
        turn.reply("reply.nothing")
        return
    deliverable, version, _task, team = found
    if turn.sender.id == review.reviewer_id:
        _reviewer_comment(turn, review, deliverable, version, team, text)
    elif turn.sender.id in _team_ids(turn, team):
        _team_answer(turn, review, deliverable, version, text)
    else:
        turn.reply("review.not_yours", code=deliverable.code)


def reply_to_comment(turn: Turn, comment_id: int, text: str) -> None:
    """A reply to a delivered comment continues the discussion the other way."""
    comment = turn.uow.reviews.comment(comment_id)
    if comment is None:
        turn.reply("reply.nothing")
        return
    reply_in_round(turn, comment.round_id, text)


def _open(turn: Turn, review: Round, deliverable: Deliverable, version: Version) -> bool:
    if review.decision is not None and review.decision != CHANGES:
        turn.reply("review.closed", code=deliverable.code, version=version.number)
        return False
    return True


def _reviewer_comment(turn: Turn, review: Round, deliverable: Deliverable, version: Version,
                      team: Team, text: str) -> None:
    if not _open(turn, review, deliverable, version):
        return
    comment = turn.uow.reviews.add_comment(review.id, turn.sender.id, text, turn.sender.language,
                                           turn.now)
    for member in _team_ids(turn, team):
        turn.tell(member, "review.comment", context=Context(COMMENT, comment.id),
                  code=deliverable.code, version=version.number, reviewer=turn.sender.name,
                  text=UserText(text, turn.sender.language))
    turn.reply("review.comment_sent", code=deliverable.code, version=version.number)


def _team_answer(turn: Turn, review: Round, deliverable: Deliverable, version: Version,
                 text: str) -> None:
    if not _open(turn, review, deliverable, version):
        return
    comment = turn.uow.reviews.add_comment(review.id, turn.sender.id, text, turn.sender.language,
                                           turn.now)
    turn.tell(review.reviewer_id, "review.answer", context=Context(COMMENT, comment.id),
              code=deliverable.code, version=version.number, name=turn.sender.name,
              text=UserText(text, turn.sender.language))
    turn.reply("review.answer_sent", code=deliverable.code)
