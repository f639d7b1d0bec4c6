"""One person on several platforms: ``/link`` joins identities into one member, ``/unlink``
takes one away.

``/link`` gives a one-time code (live 15 minutes, one per member: a new one replaces the old);
typing ``/link CODE`` from another identity moves that identity — and everything its member
had — into the member who asked for the code, whose name, language and time zone stay. After
five wrong codes in a row a member must wait an hour before trying again.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.domain import Contact, Member, TeamRole
from handlers.link_ports import Guesses
from handlers.messages import Outbound, Phrase
from handlers.turn import Turn, phrase

# A code is typed on another device minutes later, not the next day: short-lived codes leave
# little time to guess one.
CODE_LIFETIME = timedelta(minutes=15)
MAX_WRONG = 5
LOCKOUT = timedelta(hours=1)


def link(turn: Turn, args: str) -> None:
    """``/link``: a one-time code to type on another platform (and the identities already
    linked); ``/link CODE``: join this identity to the member who asked for the code."""
    if not turn.chat.is_private:
        turn.reply("link.private_only")
        return
    code = "".join(args.split()).upper()
    if code:
        _use_code(turn, code)
    else:
        _offer_code(turn)


def _offer_code(turn: Turn) -> None:
    code = turn.deps.codes.new_code()
    while turn.uow.links.code_taken(code):
        code = turn.deps.codes.new_code()
    turn.uow.links.set_code(turn.sender.id, code, turn.now + CODE_LIFETIME)
    identities = turn.uow.members.identities(turn.sender.id)
    lines: list[Phrase] = []
    if len(identities) > 1:
        lines.append(phrase("link.linked", identities=_listed(identities)))
    lines.append(phrase("link.code", code=code,
                        minutes=int(CODE_LIFETIME.total_seconds()) // 60))
    if len(identities) > 1:
        lines.append(phrase("link.unlink_hint"))
    turn.reply_lines(lines)


def _use_code(turn: Turn, code: str) -> None:
    sender = turn.sender
    guesses = turn.uow.links.guesses(sender.id)
    if guesses is not None and guesses.failures >= MAX_WRONG \
            and turn.now - guesses.last_at < LOCKOUT:
        wait = guesses.last_at + LOCKOUT - turn.now
        turn.reply("link.too_many", minutes=max(1, -(-int(wait.total_seconds()) // 60)))
        return
    found = turn.uow.links.find(code)
    if found is not None and found.member_id == sender.id:
        turn.reply("link.own_code", code=code)
        return
    if found is None or found.expires_at <= turn.now:
        _wrong_guess(turn, guesses)
        turn.reply("link.expired" if found is not None else "link.unknown", code=code)
        return
    asker = turn.uow.members.get(found.member_id)
    if asker is None:  # the code's member is gone: the code went with it
        _wrong_guess(turn, guesses)
        turn.reply("link.unknown", code=code)
        return
    refusal = _refusal(turn, asker, sender)
    if refusal is not None:
        turn.reply_lines([refusal])
        return
    _merge(turn, asker)


def _wrong_guess(turn: Turn, guesses: Guesses | None) -> None:
    """Count a wrong code; a run of them older than the lockout starts again from one."""
    fresh = guesses is None or turn.now - guesses.last_at >= LOCKOUT
    failures = 1 if fresh or guesses is None else guesses.failures + 1
    turn.uow.links.set_guesses(turn.sender.id, Guesses(failures, turn.now))


def _refusal(turn: Turn, asker: Member, other: Member) -> Phrase | None:
    """Why two members cannot become one (they are in different teams, or lead and co-lead
    the same one), or None when they can."""
    mine = turn.uow.teams.of_member(asker.id)
    theirs = turn.uow.teams.of_member(other.id)
    if mine is None or theirs is None:
        return None
    if mine.id != theirs.id:
        return phrase("link.refused_teams", team=mine.name, other=theirs.name)
    roles = {mine.role_of(asker.id), mine.role_of(other.id)}
    if roles == {TeamRole.LEADER, TeamRole.COLEADER}:
        return phrase("link.refused_roles", team=mine.name)
    return None


def _merge(turn: Turn, asker: Member) -> None:
    """The typing identity's member becomes the asker: one member, the asker's settings."""
    gone = turn.sender
    here = turn.inbound.sender.identity
    turn.uow.conversations.clear(gone.id)
    turn.uow.links.merge(asker.id, gone.id)
    turn.uow.links.drop_code(asker.id)
    turn.uow.links.clear_guesses(asker.id)
    turn.uow.members.use_identity(asker.id, here)  # they wrote here last
    # Nothing more for the member who is gone (a newcomer's greeting included).
    turn.out = [message for message in turn.out if message.to != gone.id]
    turn.contacts.pop(gone.id, None)
    turn.pending = None
    turn.sender = asker._replace(identity=here, roles=asker.roles | gone.roles)
    identities = turn.uow.members.identities(asker.id)
    turn.reply("link.done", name=asker.name, identities=_listed(identities))
    if asker.identity != here:
        there = Contact(asker.id, asker.identity, asker.language, asker.auto_translate)
        turn.out.append(Outbound(asker.id, (phrase("link.done_there", identity=here),),
                                 reader=there))


def unlink(turn: Turn, args: str) -> None:
    """``/unlink PLATFORM`` (or a whole identity): this member no longer answers to it; the
    last identity is never taken away."""
    identities = turn.uow.members.identities(turn.sender.id)
    if len(identities) < 2:
        turn.reply("unlink.only_one")
        return
    wanted = args.strip().lower()
    if not wanted:
        turn.reply("unlink.which", identities=_listed(identities))
        return
    matches = [i for i in identities
               if i.lower() == wanted or i.split(":", 1)[0].lower() == wanted]
    if not matches:
        turn.reply("unlink.unknown", value=args.strip(), identities=_listed(identities))
        return
    if len(matches) > 1:
        turn.reply("unlink.which", identities=_listed(identities))
        return
    (identity,) = matches
    turn.uow.links.remove_identity(turn.sender.id, identity)
    remaining = [i for i in identities if i != identity]
    here = turn.inbound.sender.identity
    current = here if here in remaining else remaining[-1]
    turn.uow.members.use_identity(turn.sender.id, current)
    turn.sender = turn.sender._replace(identity=current)
    turn.reply("unlink.done", identity=identity, identities=_listed(remaining))
    if identity != here:
        gone = Contact(turn.sender.id, identity, turn.sender.language, turn.sender.auto_translate)
        turn.out.append(Outbound(turn.sender.id, (phrase("unlink.told", name=turn.sender.name),),
                                 reader=gone))


def _listed(identities: list[str]) -> str:
    """Identities as people read them: ``telegram:123, console:ana``."""
    return ", ".join(identities)
