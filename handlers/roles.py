"""Programme-wide roles: coordinators ``/grant`` and ``/revoke`` coordinator, reviewer, observer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers.audit import record, record_configured
from handlers.domain import Role
from handlers.messages import Button
from handlers.people import resolve_person
from handlers.ports import UnitOfWork
from handlers.privacy_ports import AuditKind
from handlers.turn import Turn, button, phrase

GRANT = "grant"
REVOKE = "revoke"

_ROLE_WORDS: dict[str, Role] = {
    "coordinator": Role.COORDINATOR, "coordenador": Role.COORDINATOR,
    "coordenadora": Role.COORDINATOR, "coordinador": Role.COORDINATOR,
    "coordinadora": Role.COORDINATOR, "coordinateur": Role.COORDINATOR,
    "coordinatrice": Role.COORDINATOR,
    "reviewer": Role.REVIEWER, "revisor": Role.REVIEWER, "revisora": Role.REVIEWER,
    "relecteur": Role.REVIEWER, "relectrice": Role.REVIEWER, "évaluateur": Role.REVIEWER,
    "observer": Role.OBSERVER, "observador": Role.OBSERVER, "observadora": Role.OBSERVER,
    "observateur": Role.OBSERVER, "observatrice": Role.OBSERVER,
}


def parse_role(text: str) -> Role | None:
    """A role from its name in any of the four languages."""
    return _ROLE_WORDS.get(text.strip().lower())


def role_buttons() -> list[list[Button]]:
    """The grantable roles as buttons."""
    return [[button(f"role:{r.value}", f"role.{r.value}") for r in Role]]


def grant_role(turn: Turn, args: str) -> None:
    """``/grant ROLE NAME``: give someone a programme-wide role."""
    _start(turn, GRANT, args)


def revoke_role(turn: Turn, args: str) -> None:
    """``/revoke ROLE NAME``: take a programme-wide role away."""
    _start(turn, REVOKE, args)


def _start(turn: Turn, flow: str, args: str) -> None:
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    word, _, name = args.strip().partition(" ")
    if not word:
        turn.ask(flow, "role", "roles.ask_role", buttons=role_buttons())
        return
    _take_role(turn, flow, word, name.strip())


def answer_roles(turn: Turn, step: str, text: str) -> None:
    """The role, then the name, typed or pressed after a bare ``/grant`` or ``/revoke``."""
    flow = turn.pending_flow or GRANT
    if not turn.sender.is_coordinator:
        turn.finish_flow()
        turn.reply("perm.coordinator")
        return
    if step == "role":
        _take_role(turn, flow, text, "")
        return
    role = parse_role(turn.pending.data.get("role", "")) if turn.pending else None
    if role is None:
        turn.ask(flow, "role", "roles.ask_role", buttons=role_buttons())
        return
    _take_name(turn, flow, role, text)


def _take_role(turn: Turn, flow: str, word: str, name: str) -> None:
    role = parse_role(word)
    if role is None:
        turn.ask(flow, "role", "roles.unknown_role", value=word, buttons=role_buttons())
        return
    if not name:
        turn.ask(flow, "name", "roles.ask_name", data={"role": role.value},
                 role=phrase(f"role.{role.value}"))
        return
    _take_name(turn, flow, role, name)


def _take_name(turn: Turn, flow: str, role: Role, name: str) -> None:
    person = resolve_person(turn, flow, name, {"role": role.value})
    if person is None:
        return
    turn.finish_flow()
    role_name = phrase(f"role.{role.value}")
    if flow == GRANT:
        if not turn.uow.members.grant(person.id, role, turn.sender.id, turn.now):
            turn.reply("roles.already", name=person.name, role=role_name)
            return
        record(turn, AuditKind.ROLE_GRANTED, subject=person, role=role.value)
        turn.reply("roles.granted", name=person.name, role=role_name)
        turn.tell(person.id, "roles.granted_you", role=role_name, by=turn.sender.name)
        if role == Role.COORDINATOR:
            waiting = len(turn.uow.help_requests.open_requests())
            if waiting:
                turn.tell(person.id, "roles.open_tickets", count=waiting)
        return
    if role == Role.COORDINATOR and person.is_coordinator:
        configured = turn.deps.settings.coordinator_identities
        if configured.intersection(turn.uow.members.identities(person.id)):
            turn.reply("roles.configured", name=person.name)  # it would come back at once
            return
        if len(turn.uow.members.with_role(Role.COORDINATOR)) <= 1:
            turn.reply("roles.last_coordinator")
            return
    if not turn.uow.members.revoke(person.id, role):
        turn.reply("roles.not_held", name=person.name, role=role_name)
        return
    record(turn, AuditKind.ROLE_REVOKED, subject=person, role=role.value)
    turn.reply("roles.revoked", name=person.name, role=role_name)
    turn.tell(person.id, "roles.revoked_you", role=role_name, by=turn.sender.name)


def appoint_configured_coordinators(uow: UnitOfWork, identities: Iterable[str],
                                    now: datetime) -> int:
    """Make sure every already-known identity listed as coordinator in config holds the role."""
    appointed = 0
    with uow:
        for identity in identities:
            member = uow.members.by_identity(identity)
            if member is not None and uow.members.grant(member.id, Role.COORDINATOR, None, now):
                record_configured(uow, member, now)
                appointed += 1
        uow.commit()
    return appointed
