"""Review rounds: reviewers get each version with a card, comment by replying, and decide.

submitted → in review → changes requested → (new version) in review → approved. A round is one
reviewer's pass over one version; every reviewer's pass over the same version has the same
number (round 3 is the review of the third version sent for review). A reviewer's reply to the
card of the open round is a comment for the whole team; a team member's reply to a comment goes
back to the reviewer. Every comment travels as ``UserText`` with its language, for translation.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from handlers.group_talk import tell_team_groups
from handlers.messages import Attachment, Context, Phrase, Thread, UserText
from handlers.turn import Turn, button, phrase

ROUND = "round"
COMMENT = "comment"
APPROVED, CHANGES, DECLINED = "approved", "changes", "declined"
# Rounds closed without the reviewer's decision: a newer version came, or a coordinator gave
# the deliverable to another reviewer.
SUPERSEDED, REPLACED = "superseded", "replaced"
BRIEF = 300  # characters of earlier comments shown on a card


def route_version(turn: Turn, team: Team, task: Task, deliverable: Deliverable,
                  version: Version) -> Phrase:
    """Send a new version to its reviewers; a line for the receipt.

    Later versions go to the same reviewers, except those who have since joined the team or
    lost the reviewer role; the places left are filled as for a first version. Rounds still
    open on an earlier version close (superseded), and the new card says so.
    """
    superseded = _supersede(turn, deliverable, version)
    reviewers = _still_eligible(turn, team, deliverable)
    missing = turn.deps.settings.reviewers_per_deliverable - len(reviewers)
    if missing > 0:
        for member in _choose(turn, team, deliverable, set(reviewers), missing):
            turn.uow.reviews.assign(deliverable.id, member.id, turn.now)
            reviewers.append(member.id)
    if not reviewers:
        turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.SUBMITTED, turn.now)
        _tell_coordinators(turn, "review.nobody", code=deliverable.code, team=team.name)
        return phrase("review.receipt_waiting")
    turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.IN_REVIEW, turn.now)
    names = []
    for reviewer in reviewers:
        found = turn.uow.members.get(reviewer)
        if found is not None:
            names.append(found.name)
            send_card(turn, found, team, task, deliverable, version,
                      replaces=superseded.get(found.id))
    return phrase("review.receipt_reviewers", names=", ".join(names))


def _supersede(turn: Turn, deliverable: Deliverable, version: Version) -> dict[int, int]:
    """Close the rounds still open on earlier versions; reviewer → the version they had."""
    numbers = {v.id: v.number for v in turn.uow.deliverables.versions(deliverable.id)}
    closed: dict[int, int] = {}
    for review in turn.uow.reviews.rounds(deliverable.id):
        if review.decision is None and review.version_id != version.id \
                and turn.uow.reviews.decide(review.id, SUPERSEDED, turn.now):
            closed[review.reviewer_id] = numbers.get(review.version_id, 0)
    return closed


def _still_eligible(turn: Turn, team: Team, deliverable: Deliverable) -> list[int]:
    """The deliverable's reviewers who may still review it; the others are taken off."""
    in_team = {m.id for m in turn.uow.teams.members(team.id)}
    kept = []
    for reviewer in turn.uow.reviews.reviewers_of(deliverable.id):
        member = turn.uow.members.get(reviewer)
        if member is None or reviewer in in_team or not member.has(Role.REVIEWER):
            turn.uow.reviews.decline(deliverable.id, reviewer)
        else:
            kept.append(reviewer)
    return kept


def _choose(turn: Turn, team: Team, deliverable: Deliverable, excluded: set[int],
            count: int) -> list[Member]:
    members = turn.uow.teams.members(team.id)
    return pick_reviewers(turn.uow.reviews.candidates(), {m.id for m in members},
                          {m.language for m in members}, team.topic,
                          excluded | turn.uow.reviews.declined(deliverable.id), count)


def round_number(rounds: list[Round], version_id: int) -> int:
    """The number of the review round on a version: the one its rounds have, or the next."""
    same = [r.number for r in rounds if r.version_id == version_id]
    return max(same) if same else max((r.number for r in rounds), default=0) + 1


def send_card(turn: Turn, reviewer: Member, team: Team, task: Task, deliverable: Deliverable,
              version: Version, replaces: int | None = None) -> None:
    """Open the reviewer's round on a version and send them the card with the file: what the
    team says changed, and the comments of the round before (and of reviewers who left this
    one) in brief. ``replaces``: the earlier version whose round this one closed."""
    rounds = turn.uow.reviews.rounds(deliverable.id)
    number = round_number(rounds, version.id)
    review = turn.uow.reviews.open_round(version.id, reviewer.id, number, turn.now)
    lines = [phrase("review.card", team=team.name, task=task.code, title=task.title,
                    due=task.due_date.isoformat(), code=deliverable.code,
                    version=version.number, round=number)]
    if replaces is not None:
        lines.append(phrase("review.card_replaces", old=replaces, version=version.number))
    if version.note:
        lines.append(phrase("review.card_note", note=UserText(
            version.note, version.note_language or reviewer.language)))
    lines += _earlier_comments(turn, reviewer, rounds, number)
    lines.append(phrase("review.card_how"))
    file = Attachment(version.filename, version.size, version.kind,
                      turn.deps.files.location(version.sha256))
    turn.tell_lines(reviewer.id, lines, context=Context(ROUND, review.id), attachments=[file],
                    buttons=[[button(f"review:approve:{review.id}", "button.approve_version"),
                              button(f"review:changes:{review.id}", "button.request_changes")],
                             [button(f"review:decline:{review.id}", "button.decline")]])


def _earlier_comments(turn: Turn, reviewer: Member, rounds: list[Round],
                      number: int) -> list[Phrase]:
    """The reviewers' comments of the round before, and of closed passes over this round by
    others (a reviewer who declined or was replaced), each reviewer's in one line."""
    lines = []
    for earlier in rounds:
        previous = earlier.number == number - 1
        left = earlier.number == number and earlier.reviewer_id != reviewer.id \
            and earlier.decision is not None
        if not previous and not left:
            continue
        said = [c for c in turn.uow.reviews.comments(earlier.id)
                if c.author_id == earlier.reviewer_id]
        if not said:
            continue
        brief = " / ".join(c.text for c in said)
        brief = brief if len(brief) <= BRIEF else brief[:BRIEF - 1].rstrip() + "…"
        text = UserText(brief, said[0].language)
        if earlier.reviewer_id == reviewer.id:
            lines.append(phrase("review.card_previous", comments=text))
        else:
            author = turn.uow.members.get(earlier.reviewer_id)
            lines.append(phrase("review.card_previous_by", round=earlier.number,
                                reviewer=author.name if author else "?", comments=text))
    return lines


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


def round_about(turn: Turn, context: str, context_id: int) -> Round | None:
    """The round a review card, a decision or a comment (by its context) is about."""
    if context == COMMENT:
        comment = turn.uow.reviews.comment(context_id)
        if comment is None:
            return None
        context, context_id = ROUND, comment.round_id
    return turn.uow.reviews.round(context_id) if context == ROUND else None


def deliverable_about(turn: Turn, context: str, context_id: int) -> Deliverable | None:
    """The deliverable a review card, a decision or a comment (by its context) is about."""
    review = round_about(turn, context, context_id)
    found = _context(turn, review) if review is not None else None
    return found[0] if found is not None else None


def _is_current(turn: Turn, review: Round, deliverable: Deliverable) -> bool:
    """Whether a round is the open one of its reviewer on the deliverable's latest version."""
    versions = turn.uow.deliverables.versions(deliverable.id)
    return review.decision is None and bool(versions) and versions[-1].id == review.version_id \
        and review.reviewer_id in turn.uow.reviews.reviewers_of(deliverable.id)


def press_review(turn: Turn, arg: str) -> None:
    """Approve, Request changes or Decline on a review card: only its reviewer, only once."""
    action, _, number = arg.partition(":")
    review = turn.uow.reviews.round(int(number)) if number.isdecimal() else None
    found = _context(turn, review) if review is not None else None
    if review is None or found is None or action not in ("approve", "changes", "decline"):
        turn.reply("button.stale")
        return
    deliverable, version, task, team = found
    if review.reviewer_id != turn.sender.id:
        turn.reply("review.not_yours", code=deliverable.code)
        return
    if not _is_current(turn, review, deliverable):
        turn.answer_press("review.closed", code=deliverable.code, version=version.number)
        return
    if action == "changes" and not any(c.author_id == turn.sender.id
                                       for c in turn.uow.reviews.comments(review.id)):
        turn.reply("review.changes_need_comment", code=deliverable.code,
                   version=version.number)
        return
    decision = {"approve": APPROVED, "changes": CHANGES, "decline": DECLINED}[action]
    if not turn.uow.reviews.decide(review.id, decision, turn.now):  # pressed twice at once
        turn.answer_press("review.closed", code=deliverable.code, version=version.number)
        return
    if action == "decline":
        _decline(turn, deliverable, version, task, team)
    elif action == "approve":
        turn.answer_press("review.you_approved", code=deliverable.code, version=version.number)
        settle(turn, deliverable, version, task, team)
    else:
        _request_changes(turn, review, deliverable, version, team)


def _team_ids(turn: Turn, team: Team) -> list[int]:
    return [m.id for m in turn.uow.teams.members(team.id)]


def settle(turn: Turn, deliverable: Deliverable, version: Version, task: Task,
           team: Team) -> None:
    """Set where a deliverable stands from its current reviewers' rounds on its latest
    version: approved when every one of them approved it (the team, its leader and the
    coordinators are told), changes requested when one asked for them, else in review."""
    reviewers = turn.uow.reviews.reviewers_of(deliverable.id)
    if not reviewers:
        turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.SUBMITTED, turn.now)
        return
    latest: dict[int, str | None] = {}
    for review in turn.uow.reviews.rounds(deliverable.id):  # oldest first: the last one wins
        if review.version_id == version.id and review.reviewer_id in reviewers:
            latest[review.reviewer_id] = review.decision
    decisions = [latest.get(r) for r in reviewers]
    if all(d == APPROVED for d in decisions):
        _approved(turn, deliverable, version, task, team, reviewers)
    elif CHANGES in decisions:
        turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.CHANGES_REQUESTED,
                                         turn.now)
    else:
        turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.IN_REVIEW, turn.now)


def _approved(turn: Turn, deliverable: Deliverable, version: Version, task: Task, team: Team,
              reviewers: list[int]) -> None:
    current = turn.uow.deliverables.get(deliverable.id)
    if current is None or current.status == DeliverableStatus.APPROVED:
        return
    turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.APPROVED, turn.now)
    turn.uow.tasks.mark_done(task.id)
    names = [m.name for m in (turn.uow.members.get(r) for r in reviewers) if m is not None]
    share = phrase("review.share", share=task.funds_share) if task.funds_share else ""
    people = set(_team_ids(turn, team)) | {m.id for m in
                                           turn.uow.members.with_role(Role.COORDINATOR)}
    approved = phrase("review.approved", code=deliverable.code, version=version.number,
                      task=task.code, title=task.title, team=team.name,
                      reviewer=", ".join(names), share=share)
    turn.tell_all_lines(sorted(people - {turn.sender.id}), [approved])
    tell_team_groups(turn, team.id, approved)


def _request_changes(turn: Turn, review: Round, deliverable: Deliverable, version: Version,
                     team: Team) -> None:
    turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.CHANGES_REQUESTED, turn.now)
    lines = [phrase("review.changes", code=deliverable.code, version=version.number,
                    reviewer=turn.sender.name)]
    lines += [phrase("review.changes_item", text=UserText(c.text, c.language))
              for c in turn.uow.reviews.comments(review.id) if c.author_id == turn.sender.id]
    lines.append(phrase("review.changes_next"))
    for member in _team_ids(turn, team):
        turn.tell_lines(member, lines, context=Context(ROUND, review.id))
    turn.answer_press("review.you_requested", code=deliverable.code, version=version.number)


def _decline(turn: Turn, deliverable: Deliverable, version: Version, task: Task,
             team: Team) -> None:
    """The reviewer is taken off: another takes their place, or those left carry on (and
    approve it when all of them already have), or the coordinators are asked."""
    turn.uow.reviews.decline(deliverable.id, turn.sender.id)
    others = turn.uow.reviews.reviewers_of(deliverable.id)
    replacement = _choose(turn, team, deliverable, set(others) | {turn.sender.id}, 1)
    if replacement:
        turn.uow.reviews.assign(deliverable.id, replacement[0].id, turn.now)
        send_card(turn, replacement[0], team, task, deliverable, version)
        turn.answer_press("review.you_declined", code=deliverable.code)
        settle(turn, deliverable, version, task, team)
        return
    if not others:
        turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.SUBMITTED, turn.now)
        _tell_coordinators(turn, "review.nobody", code=deliverable.code, team=team.name)
        turn.reply("review.you_declined_nobody", code=deliverable.code)
        return
    names = ", ".join(m.name for m in (turn.uow.members.get(r) for r in others) if m is not None)
    settle(turn, deliverable, version, task, team)
    now = turn.uow.deliverables.get(deliverable.id)
    if now is not None and now.status == DeliverableStatus.APPROVED:
        turn.reply("review.you_declined_approved", code=deliverable.code, names=names)
    else:
        _tell_coordinators(turn, "review.nobody", code=deliverable.code, team=team.name)
        turn.reply("review.you_declined_others", code=deliverable.code, names=names)


def reply_in_round(turn: Turn, round_id: int, text: str,
                   attachments: Sequence[Attachment] = ()) -> None:
    """A reply to a review card (or to the decision): the reviewer's comment for the team
    (with the reviewer's file, if any: an annotated copy), or a team member's answer to the
    reviewer — only while the round is open."""
    review = turn.uow.reviews.round(round_id)
    found = _context(turn, review) if review is not None else None
    if review is None or found is None:
        turn.reply("reply.nothing")
        return
    deliverable, version, _task, team = found
    reviewer = turn.sender.id == review.reviewer_id
    if not reviewer and turn.sender.id not in _team_ids(turn, team):
        turn.reply("review.not_yours", code=deliverable.code)
        return
    if not _is_current(turn, review, deliverable):
        _refuse_comment(turn, review, deliverable, version, reviewer)
        return
    comment = turn.uow.reviews.add_comment(review.id, turn.sender.id, text, turn.sender.language,
                                           turn.now)
    said = UserText(text, turn.sender.language)
    if reviewer:
        about = Context(COMMENT, comment.id)
        words = phrase("review.comment", code=deliverable.code, version=version.number,
                       reviewer=turn.sender.name, text=said)
        if attachments:
            for member in _team_ids(turn, team):
                turn.tell_lines(member, [words], context=about, attachments=attachments)
        else:
            turn.tell_all_lines(_team_ids(turn, team), [words], context=about)
        tell_team_groups(turn, team.id, words, context=about)
        turn.reply("review.comment_sent", code=deliverable.code, version=version.number)
    else:
        turn.uow.teams.touch(team.id, turn.now)  # the team said something: it is not quiet
        # In the conversation of the reviewer's card (on Slack, its thread).
        turn.tell(review.reviewer_id, "review.answer", context=Context(COMMENT, comment.id),
                  thread=Thread(about=Context(ROUND, review.id)),
                  code=deliverable.code, version=version.number, name=turn.sender.name,
                  text=said)
        turn.reply("review.answer_sent", code=deliverable.code)


def _refuse_comment(turn: Turn, review: Round, deliverable: Deliverable, version: Version,
                    reviewer: bool) -> None:
    """Why a comment on a round that is no longer open was not sent, and what to do."""
    if review.decision == CHANGES and reviewer:
        turn.reply("review.comment_after_changes", code=deliverable.code,
                   version=version.number)
    elif review.decision == CHANGES:
        member = turn.uow.members.get(review.reviewer_id)
        turn.reply("review.answer_after_changes", code=deliverable.code, version=version.number,
                   reviewer=member.name if member else "?")
    elif review.decision in (DECLINED, REPLACED) and reviewer:
        turn.reply("review.comment_not_reviewer", code=deliverable.code)
    elif review.decision in (DECLINED, REPLACED):
        member = turn.uow.members.get(review.reviewer_id)
        turn.reply("review.answer_reviewer_left", code=deliverable.code,
                   reviewer=member.name if member else "?")
    else:
        turn.reply("review.closed", code=deliverable.code, version=version.number)


def reply_to_comment(turn: Turn, comment_id: int, text: str) -> None:
    """A reply to a delivered comment continues the discussion the other way."""
    comment = turn.uow.reviews.comment(comment_id)
    if comment is None:
        turn.reply("reply.nothing")
        return
    reply_in_round(turn, comment.round_id, text)


def withdraw(turn: Turn, deliverable: Deliverable, reviewer_id: int) -> None:
    """Take a reviewer off a deliverable for a coordinator: their open rounds close."""
    for review in turn.uow.reviews.rounds(deliverable.id):
        if review.reviewer_id == reviewer_id and review.decision is None:
            turn.uow.reviews.decide(review.id, REPLACED, turn.now)
    turn.uow.reviews.decline(deliverable.id, reviewer_id)
