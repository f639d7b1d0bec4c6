"""Reviewers' own settings (``/reviewer langs pt,en topics budgeting,gender``) and a
coordinator's ``/assign D7 NAME``."""

from __future__ import annotations

from handlers import reviews
from handlers.audit import record
from handlers.domain import LANGUAGE_NAMES, DeliverableStatus, Language, Role, parse_number
from handlers.onboarding import parse_language
from handlers.people import find_person
from handlers.privacy_ports import AuditKind
from handlers.turn import Turn


def set_profile(turn: Turn, args: str) -> None:
    """``/reviewer langs pt,en topics budgeting,gender``: what a reviewer reads and knows."""
    if not turn.sender.has(Role.REVIEWER):
        turn.reply("perm.reviewer")
        return
    words = args.split()
    if not words:
        current = turn.uow.reviews.profile(turn.sender.id)
        langs = ", ".join(LANGUAGE_NAMES[lang] for lang in sorted(current.languages)) \
            if current else "—"
        known = ", ".join(current.topics) if current and current.topics else "—"
        turn.reply("reviewer.profile", languages=langs, topics=known)
        return
    languages: set[Language] = set()
    topics: list[str] = []
    target: str | None = None
    for word in words:
        lowered = word.lower()
        if lowered in ("langs", "languages", "idiomas", "langues", "línguas"):
            target = "langs"
        elif lowered in ("topics", "temas", "thèmes", "themes"):
            target = "topics"
        elif target is None:
            turn.reply("reviewer.usage")
            return
        else:
            for part in (p.strip() for p in word.split(",") if p.strip()):
                if target == "langs":
                    language = parse_language(part)
                    if language is None:
                        turn.reply("reviewer.bad_language", value=part)
                        return
                    languages.add(language)
                else:
                    topics.append(part.casefold()[:40])
    if not languages:
        turn.reply("reviewer.usage")
        return
    turn.uow.reviews.set_profile(turn.sender.id, languages, topics[:12])
    turn.reply("reviewer.saved", languages=", ".join(LANGUAGE_NAMES[x] for x in
                                                     sorted(languages)),
               topics=", ".join(topics[:12]) or "—")


def assign(turn: Turn, args: str) -> None:
    """``/assign D7 NAME``: a coordinator gives a deliverable to a reviewer.

    When the deliverable already has its full number of reviewers, NAME replaces one of them
    (the one still to decide on the latest version, else the first): that reviewer's open
    round closes and they are told. Otherwise NAME is added.
    """
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    code, _, name = args.strip().partition(" ")
    number = parse_number(code.upper().removeprefix("D")) if code else None
    deliverable = turn.uow.deliverables.get(number) if number is not None else None
    if deliverable is None or not name.strip():
        turn.reply("assign.usage")
        return
    if deliverable.status == DeliverableStatus.APPROVED:
        turn.reply("assign.approved", code=deliverable.code)
        return
    reviewers = turn.uow.members.with_role(Role.REVIEWER)
    found = find_person(turn, name, reviewers)
    if len(found) != 1:
        turn.reply("assign.not_reviewer", name=name.strip())
        return
    person = found[0]
    team = turn.uow.teams.get(deliverable.team_id)
    task = turn.uow.tasks.get(deliverable.task_id)
    versions = turn.uow.deliverables.versions(deliverable.id)
    if team is None or task is None or not versions:
        turn.reply("assign.usage")
        return
    if person.id in {m.id for m in turn.uow.teams.members(team.id)}:
        turn.reply("assign.own_team", name=person.name, team=team.name)
        return
    current = turn.uow.reviews.reviewers_of(deliverable.id)
    if person.id in current:
        turn.reply("assign.already", name=person.name, code=deliverable.code)
        return
    replaced = None
    if len(current) >= turn.deps.settings.reviewers_per_deliverable:
        replaced = turn.uow.members.get(_to_replace(turn, deliverable.id, versions[-1].id,
                                                    current))
    if replaced is not None:
        reviews.withdraw(turn, deliverable, replaced.id)
        turn.tell(replaced.id, "assign.replaced_you", code=deliverable.code, team=team.name,
                  task=task.code, title=task.title)
    turn.uow.reviews.assign(deliverable.id, person.id, turn.now)
    record(turn, AuditKind.REVIEWER_ASSIGNED, subject=person, other=replaced,
           code=deliverable.code)
    reviews.send_card(turn, person, team, task, deliverable, versions[-1])
    reviews.settle(turn, deliverable, versions[-1], task, team)
    if replaced is not None:
        turn.reply("assign.replaced", name=person.name, code=deliverable.code,
                   old=replaced.name)
    else:
        turn.reply("assign.done", name=person.name, code=deliverable.code)


def _to_replace(turn: Turn, deliverable_id: int, version_id: int, current: list[int]) -> int:
    """Which reviewer a coordinator's choice replaces: the first still to decide on the latest
    version, else the first assigned."""
    undecided = {r.reviewer_id for r in turn.uow.reviews.rounds(deliverable_id)
                 if r.version_id == version_id and r.decision is None}
    return next((r for r in current if r in undecided), current[0])
