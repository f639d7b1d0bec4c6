"""Who leads a team: ``/leader NAME`` hands over leadership, ``/colead NAME`` names a co-leader.

A team's leader may do this within the team; a coordinator may do it for any team.
"""

from __future__ import annotations

from handlers.domain import Member, Team
from handlers.people import pick_buttons, question_token, resolve_person
from handlers.turn import Turn, phrase

LEADER = "leader"
COLEAD = "colead"


def name_leader(turn: Turn, args: str) -> None:
    """``/leader NAME``: make a team member the leader (the old leader stays a member)."""
    _start(turn, LEADER, args)


def name_coleader(turn: Turn, args: str) -> None:
    """``/colead NAME``: make a team member the co-leader."""
    _start(turn, COLEAD, args)


def answer_leadership(turn: Turn, step: str, text: str) -> None:
    """The name typed (or picked) after a bare ``/leader`` or ``/colead``."""
    flow = turn.pending_flow or LEADER
    _apply(turn, flow, text)


def _own_team(turn: Turn) -> Team | None:
    """The team the sender may change, or None for a coordinator acting programme-wide."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is not None and team.leader_id == turn.sender.id and not turn.sender.is_coordinator:
        return team
    return None


def _start(turn: Turn, flow: str, args: str) -> None:
    if not turn.sender.is_coordinator and _own_team(turn) is None:
        turn.reply("perm.leader")
        return
    if not args:
        own = _own_team(turn)
        members = turn.uow.teams.members(own.id) if own is not None else []
        question = question_token(turn, flow, {}, members)
        turn.ask(flow, "name", f"{flow}.ask_name", data={"q": question} if members else None,
                 buttons=pick_buttons(members, question))
        return
    _apply(turn, flow, args)


def _apply(turn: Turn, flow: str, text: str) -> None:
    own = _own_team(turn)
    if own is None and not turn.sender.is_coordinator:
        turn.finish_flow()
        turn.reply("perm.leader")
        return
    among = turn.uow.teams.members(own.id) if own is not None else None
    person = resolve_person(turn, flow, text, {}, among)
    if person is None:
        return
    turn.finish_flow()
    team = own or turn.uow.teams.of_member(person.id)
    if team is None:
        turn.reply("person.no_team", name=person.name)
        return
    if flow == LEADER:
        _hand_over(turn, team, person)
    else:
        _make_coleader(turn, team, person)


def _hand_over(turn: Turn, team: Team, person: Member) -> None:
    if team.leader_id == person.id:
        turn.reply("leader.already", name=person.name, team=team.name)
        return
    co_leader = None if team.co_leader_id == person.id else team.co_leader_id
    turn.uow.teams.set_leaders(team.id, person.id, co_leader)
    _tell_team(turn, team, "leader.notice", name=person.name)


def _make_coleader(turn: Turn, team: Team, person: Member) -> None:
    if team.leader_id == person.id:
        turn.reply("colead.is_leader", name=person.name, team=team.name)
        return
    if team.co_leader_id == person.id:
        turn.reply("colead.already", name=person.name, team=team.name)
        return
    turn.uow.teams.set_leaders(team.id, team.leader_id, person.id)
    _tell_team(turn, team, "colead.notice", name=person.name)


def _tell_team(turn: Turn, team: Team, key: str, name: str) -> None:
    members = [m.id for m in turn.uow.teams.members(team.id)]
    lines = [phrase(key, name=name, team=team.name, by=turn.sender.name)]
    for member_id in dict.fromkeys([*members, turn.sender.id]):
        turn.tell_lines(member_id, lines)
