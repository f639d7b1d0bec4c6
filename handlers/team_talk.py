"""Team talk: a message to everyone in the writer's team, each reading it in their language.

``/t MESSAGE`` relays one message; ``/teamchat on`` makes everything the member writes (that
is not a command, a reply or an answer to a question) go to the team. Replying to a relayed
message answers the whole team the same way — the multilingual team room.
"""

from __future__ import annotations

from handlers.domain import Team
from handlers.group_talk import TEAM_TALK, relay_team_talk
from handlers.turn import Turn, button

__all__ = ["OFF", "ON", "TEAM_TALK", "chat_in_team_mode", "relay", "reply_to_team_talk",
           "talk_to_team", "team_chat"]


def talk_to_team(turn: Turn, args: str) -> None:
    """``/t MESSAGE``: relay a message to the rest of the writer's team."""
    if not args.strip():
        turn.reply("teamtalk.usage")
        return
    relay(turn, args.strip(), confirm=True)


def relay(turn: Turn, text: str, *, confirm: bool = False) -> None:
    """Send what the member wrote to every other member of their team (and its groups)."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("teamtalk.no_team")
        return
    if len(turn.uow.teams.members(team.id)) < 2 and not turn.uow.groups.of_team(team.id):
        turn.reply("teamtalk.alone", team=team.name)
        return
    turn.uow.teams.touch(team.id, turn.now)
    told, groups = relay_team_talk(turn, team, text)
    if confirm and groups:
        turn.reply("teamtalk.sent_group", count=told, team=team.name)
    elif confirm:
        turn.reply("teamtalk.sent", count=told, team=team.name)


def reply_to_team_talk(turn: Turn, team_id: int, text: str) -> None:
    """A reply to a relayed message: goes to the team too (if the writer is still in it)."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None or team.id != team_id:
        turn.reply("teamtalk.not_member")
        return
    relay(turn, text)


def team_chat(turn: Turn, args: str) -> None:
    """``/teamchat on|off``: whether plain text goes to the member's team."""
    choice = args.strip().lower()
    team = turn.uow.teams.of_member(turn.sender.id)
    if choice in ("", "status"):
        turn.reply("teamchat.state_on" if turn.sender.team_chat else "teamchat.state_off",
                   buttons=[[button("teamchat:on", "button.on"),
                             button("teamchat:off", "button.off")]])
        return
    if choice in ON:
        if team is None:
            turn.reply("teamtalk.no_team")
            return
        turn.uow.members.set_team_chat(turn.sender.id, True)
        turn.reply("teamchat.on", team=team.name)
    elif choice in OFF:
        turn.uow.members.set_team_chat(turn.sender.id, False)
        turn.reply("teamchat.off")
    else:
        turn.reply("teamchat.usage", value=args.strip())


def chat_in_team_mode(turn: Turn, text: str) -> None:
    """Plain text from a member in team mode: to the team (or back to normal if teamless)."""
    team: Team | None = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.uow.members.set_team_chat(turn.sender.id, False)
        turn.reply("teamchat.ended")
        return
    relay(turn, text)


# What "on" and "off" are typed as, in the four languages.
ON = frozenset({"on", "yes", "ligar", "ligado", "sim", "si", "sí", "activar", "oui", "activer"})
OFF = frozenset({"off", "no", "não", "nao", "desligar", "desligado", "desactivar", "non",
                 "désactiver", "desactiver"})
