"""``/audit [N]``: the newest entries of the audit log for coordinators, each line in the
reader's language and time zone."""

from __future__ import annotations

from handlers.audience import Audience, describe
from handlers.domain import parse_number
from handlers.messages import Param, Phrase
from handlers.privacy_ports import AuditEntry, AuditKind, Person
from handlers.timezones import local_time, zone_label
from handlers.turn import Turn, phrase

# /audit shows this many entries unless told otherwise, and never more than LONGEST.
DEFAULT = 20
LONGEST = 100


def show_audit(turn: Turn, args: str) -> None:
    """``/audit [N]``: the newest N entries of the audit log (coordinators only)."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    typed = args.strip()
    count = parse_number(typed) if typed else DEFAULT
    if count is None or not 1 <= count <= LONGEST:
        turn.reply("audit.usage", value=typed, default=DEFAULT, most=LONGEST)
        return
    entries = turn.uow.audit.latest(count)
    if not entries:
        turn.reply("audit.empty")
        return
    zone = turn.sender.timezone
    lines = [phrase("audit.header", count=len(entries), zone=zone_label(zone))]
    lines += [entry_line(entry, zone) for entry in entries]
    if len(entries) == count < LONGEST:
        lines.append(phrase("audit.more", most=LONGEST))
    turn.reply_lines(lines)


def entry_line(entry: AuditEntry, zone: str) -> Phrase:
    """One entry in words, its time in the reader's zone."""
    params: dict[str, Param] = {
        "when": f"{local_time(zone, entry.at):%Y-%m-%d %H:%M}",
        "actor": _named(entry.actor) if entry.actor is not None
        else phrase("audit.configuration"),
        "subject": _named(entry.subject), "other": _named(entry.other)}
    details = entry.details
    kind = entry.kind
    if kind in (AuditKind.ROLE_GRANTED, AuditKind.ROLE_REVOKED):
        key = "audit.line.role_granted" if kind == AuditKind.ROLE_GRANTED \
            else "audit.line.role_revoked"
        return Phrase(key, {**params, "role": phrase(f"role.{details.get('role')}")})
    if kind in (AuditKind.TEAM_APPROVED, AuditKind.TEAM_REJECTED):
        key = "audit.line.team_approved" if kind == AuditKind.TEAM_APPROVED \
            else "audit.line.team_rejected"
        return Phrase(key, {**params, "team": str(details.get("team", ""))})
    if kind == AuditKind.REVIEWER_ASSIGNED:
        key = "audit.line.reviewer_replaced" if entry.other is not None \
            else "audit.line.reviewer_assigned"
        return Phrase(key, {**params, "code": str(details.get("code", ""))})
    if kind == AuditKind.BROADCAST_SENT:
        key = "audit.line.broadcast_now" if details.get("schedule") == "now" \
            else "audit.line.broadcast_later"
        audience = describe(Audience.from_json(str(details.get("audience", ""))))
        return Phrase(key, {**params, "number": int(details.get("number", 0)),
                            "count": int(details.get("count", 0)), "audience": audience})
    key = "audit.line.forgot_self" if details.get("self") else "audit.line.forgot_other"
    return Phrase(key, params)


def _named(who: Person | None) -> str:
    """A person as the log shows them: their name then, and their member number."""
    return f"{who.name} (#{who.id})" if who is not None else "—"
