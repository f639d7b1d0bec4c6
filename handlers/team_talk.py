"""Team talk: a message to everyone in the writer's team, each reading it in their language.

``/t MESSAGE`` relays one message; ``/teamchat on`` makes everything the member writes (that
is not a command, a reply or an answer to a question) go to the team. Replying to a relayed
message answers the whole team the same way — the multilingual team room.
"""

from __future__ import annotations

from handlers.domain import Team
from handlers.messages import Context, UserText
from handlers.turn import Turn, button

TEAM_TALK = "teamtalk"


def talk_to_team(turn: Turn, args: str) -> None:
    """``/t MESSAGE``: relay a message to the rest of the writer's team."""
    if not args.strip():
        turn.reply("teamtalk.usage")
        return
    relay(turn, args.strip(), confirm=True)


def relay(turn: Turn, text: str, *, confirm: bool = False) -> None:
    """Send what the member wrote to every other member of their team."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("teamtalk.no_team")
        return
    others = [m for m in turn.uow.teams.members(team.id) if m.id != turn.sender.id]
    if not others:
        turn.reply("teamtalk.alone", team=team.name)
        return
    turn.uow.teams.touch(team.id, turn.now)
    turn.tell_all(others, "teamtalk.relayed", context=Context(TEAM_TALK, team.id),
                  name=turn.sender.name, team=team.name,
                  text=UserText(text, turn.sender.language))
    if confirm:
        turn.reply("teamtalk.sent", count=len(others), team=team.name)


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
