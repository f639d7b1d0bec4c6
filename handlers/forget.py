"""``/forget``: delete a member's personal data, after they confirm.

``/forget`` is for oneself; a coordinator may also forget someone else (``/forget NAME``,
``@NAME`` or ``#NUMBER``, chosen with buttons when several match). Either way the bot first
says what goes and what stays, and asks Yes, delete / Cancel. On Yes, in one transaction: the
member leaves their team (its co-leader takes the lead), their open reviews go back to the
coordinators, their record is emptied (``PersonalData.forget``), the audit log keeps that it
happened (not who they were), and the files only they had are deleted once it is committed.
The last coordinator cannot be forgotten: the help desk would have nobody to run it.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers import reviews
from handlers.audit import record
from handlers.domain import (
    Contact,
    DeliverableStatus,
    Member,
    PendingStep,
    Role,
    Team,
    parse_number,
)
from handlers.group_talk import tell_team_groups
from handlers.messages import Context, Outbound, Phrase
from handlers.people import question_token, resolve_person
from handlers.privacy_ports import FAREWELL, AuditKind, ForgetMode, Forgetting
from handlers.sweep import Sweep
from handlers.turn import Turn, button, phrase

# The guided command (and its buttons' prefix) and its confirmation step.
FORGET = "forget"
CONFIRM = "confirm"


def forget_command(turn: Turn, args: str) -> None:
    """``/forget`` (oneself) or ``/forget NAME`` (a coordinator, someone else): ask first."""
    if not turn.chat.is_private:
        turn.reply("privacy.private_only", command="/forget")
        return
    name = args.strip()
    if not name:
        _ask_confirmation(turn, turn.sender)
        return
    if not turn.sender.is_coordinator:
        turn.reply("forget.only_own")
        return
    target = resolve_person(turn, FORGET, name, {})
    if target is not None:
        _ask_confirmation(turn, target)


def answer_forget(turn: Turn, step: str, text: str) -> None:
    """Text typed while ``/forget`` waits: the person's name (or a pick button), or anything
    else where the buttons are expected."""
    if step != "name":
        turn.reply("forget.use_buttons")
        return
    if not turn.sender.is_coordinator:
        turn.finish_flow()
        turn.reply("perm.coordinator")
        return
    target = resolve_person(turn, FORGET, text, {})
    if target is not None:
        _ask_confirmation(turn, target)


def press_forget(turn: Turn, arg: str) -> None:
    """The Yes, delete / Cancel buttons (``forget:yes:TOKEN``, ``forget:no:TOKEN``)."""
    action, _, token = arg.partition(":")
    pending = turn.pending
    if pending is None or pending.flow != FORGET or pending.step != CONFIRM \
            or pending.data.get("token") != token or action not in ("yes", "no"):
        turn.answer_press("forget.stale")
        return
    turn.finish_flow()
    if action == "no":
        turn.answer_press("forget.cancelled")
        return
    number = parse_number(pending.data.get("member", ""))
    target = turn.uow.members.get(number) if number is not None else None
    if target is None or not turn.uow.members.identities(target.id):
        turn.answer_press("forget.gone")
        return
    refusal = _refusal(turn, target)  # things may have changed since the question
    if refusal is not None:
        turn.answer_press(refusal)
        return
    _forget(turn, target)


def sweep(run: Sweep) -> None:
    """Empty the goodbye messages already delivered to forgotten members."""
    run.uow.privacy.tidy_farewells()


def _refusal(turn: Turn, target: Member) -> str | None:
    """Why this sender may not forget this member now (a catalogue key), if they may not."""
    if target.id != turn.sender.id and not turn.sender.is_coordinator:
        return "perm.coordinator"
    if not turn.uow.members.identities(target.id):
        return "forget.gone"
    if target.is_coordinator and len(turn.uow.members.with_role(Role.COORDINATOR)) <= 1:
        return "forget.last_coordinator"
    return None


def _ask_confirmation(turn: Turn, target: Member) -> None:
    """Say what goes and what stays, and ask Yes, delete / Cancel."""
    refusal = _refusal(turn, target)
    if refusal is not None:
        turn.finish_flow()
        turn.reply(refusal)
        return
    data = {"member": str(target.id)}
    token = question_token(turn, FORGET, data, [target])
    settings = turn.deps.settings
    first = phrase("forget.confirm_self") if target.id == turn.sender.id \
        else phrase("forget.confirm_other", name=target.name, number=target.id)
    words = "forget.messages_delete" if settings.forget_messages == ForgetMode.DELETE \
        else "forget.messages_anonymise"
    lines = [first, phrase("forget.what_goes"),
             phrase(words, placeholder=settings.former_member),
             phrase("forget.what_stays", placeholder=settings.former_member)]
    if target.id == turn.sender.id:
        lines.append(phrase("forget.export_first"))
    turn.pending = PendingStep(FORGET, CONFIRM, {**data, "token": token})
    turn.uow.conversations.set(turn.sender.id, turn.pending, turn.now)
    turn.reply_lines(lines, buttons=[[button(f"{FORGET}:yes:{token}", "forget.button.yes"),
                                      button(f"{FORGET}:no:{token}", "button.cancel")]])


def _forget(turn: Turn, target: Member) -> None:
    """Forget the member now, and tell those it concerns."""
    settings = turn.deps.settings
    itself = target.id == turn.sender.id
    # Where to say goodbye, taken before the accounts go.
    goodbye = Contact(target.id, turn.inbound.sender.identity if itself else target.identity,
                      target.language, target.auto_translate)
    team = turn.uow.teams.of_member(target.id)
    if team is not None:
        _leave_team(turn, target, team)
    _release_reviews(turn, target)
    # Recorded first: forgetting replaces the member's name in the log with the placeholder.
    record(turn, AuditKind.MEMBER_FORGOTTEN, subject=target, self=itself,
           mode=settings.forget_messages.value)
    forgotten = turn.uow.privacy.forget(Forgetting(
        target.id, settings.former_member, settings.forget_messages,
        settings.default_language.value, settings.default_timezone))
    turn.discard.extend(forgotten.files)
    # Nothing else goes to the accounts that are no longer known.
    turn.out = [o for o in turn.out if o.to != target.id or o.reader is not None]
    turn.contacts.pop(target.id, None)
    key = "forget.done" if itself else "forget.done_by_coordinator"
    pressed = turn.inbound.message_id if itself and turn.inbound.button is not None else None
    turn.out.append(Outbound(target.id, (phrase(key),), context=Context(FAREWELL, target.id),
                             chat=turn.chat if itself else None, reader=goodbye,
                             closes=pressed))
    if not itself:
        turn.answer_press("forget.done_other", number=target.id,
                          placeholder=settings.former_member)


def _leave_team(turn: Turn, target: Member, team: Team) -> None:
    """Take the member out of their team; its co-leader leads it if they led it."""
    turn.uow.teams.remove_member(team.id, target.id)
    remaining = turn.uow.teams.members(team.id)
    notice = phrase("forget.team_notice", team=team.name)
    lines: list[Phrase] = [notice]
    if team.leader_id == target.id and remaining:
        successor = next((m for m in remaining if m.id == team.co_leader_id), None)
        if successor is not None:
            turn.uow.teams.set_leaders(team.id, successor.id, None)
            lines.append(phrase("forget.team_new_leader", name=successor.name))
        else:
            lines.append(phrase("forget.team_no_leader"))
    turn.tell_all_lines(remaining, lines)
    tell_team_groups(turn, team.id, notice)


def _release_reviews(turn: Turn, target: Member) -> None:
    """Take the member off the reviews waiting for them; the coordinators hear which
    deliverables are left without a reviewer."""
    orphans: list[str] = []
    for item in turn.uow.reviews.queue(target.id):
        deliverable = turn.uow.deliverables.get(item.deliverable_id)
        if deliverable is None:
            continue
        reviews.withdraw(turn, deliverable, target.id)
        if not turn.uow.reviews.reviewers_of(deliverable.id):
            turn.uow.deliverables.set_status(deliverable.id, DeliverableStatus.SUBMITTED,
                                             turn.now)
            orphans.append(deliverable.code)
    if orphans:
        _tell_coordinators(turn, target, orphans)


def _tell_coordinators(turn: Turn, target: Member, codes: Sequence[str]) -> None:
    coordinators = [m for m in turn.uow.members.with_role(Role.COORDINATOR)
                    if m.id != target.id]
    turn.tell_all(coordinators, "forget.reviews_released", codes=", ".join(codes))

