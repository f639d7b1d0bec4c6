"""The commands people can type, who may use each, and the ``/help`` that lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers import (
    audit_view,
    broadcasts,
    events,
    export,
    followups,
    forget,
    help_desk,
    leadership,
    links,
    onboarding,
    originals,
    progress,
    reviewers,
    roles,
    tasks,
    team_groups,
    team_talk,
    teams,
)
from handlers.domain import Member, Role, Team
from handlers.turn import Turn, phrase

Audience = Callable[[Member, Team | None], bool]


def everyone(member: Member, team: Team | None) -> bool:
    """Any registered person."""
    return True


def coordinators(member: Member, team: Team | None) -> bool:
    """Help-desk staff."""
    return member.is_coordinator


def leaders(member: Member, team: Team | None) -> bool:
    """A team's leader, or a coordinator."""
    return member.is_coordinator or (team is not None and team.leader_id == member.id)


def in_team(member: Member, team: Team | None) -> bool:
    """Someone who belongs to a team."""
    return team is not None


def reviewers_only(member: Member, team: Team | None) -> bool:
    """Someone with the reviewer role."""
    return member.has(Role.REVIEWER)


def in_team_or_coordinator(member: Member, team: Team | None) -> bool:
    """Someone in a team, or a coordinator (who looks at any team)."""
    return team is not None or member.is_coordinator


def not_in_team(member: Member, team: Team | None) -> bool:
    """Someone not (yet) in a team."""
    return team is None


@dataclass(frozen=True, slots=True)
class Command:
    """One command: what runs, who sees it in ``/help``, and its one-line description."""

    name: str
    run: Callable[[Turn, str], None]
    audience: Audience


def show_help(turn: Turn, args: str) -> None:
    """``/help``: the commands this person's roles allow, one line each."""
    team = turn.uow.teams.of_member(turn.sender.id)
    lines = [phrase("help.header")]
    for command in COMMANDS.values():
        if command.audience(turn.sender, team):
            lines.append(phrase(f"help.cmd.{command.name}"))
    turn.reply_lines(lines)


def cancel(turn: Turn, args: str) -> None:
    """``/cancel``: abandon a guided command half-way (nothing of it is stored)."""
    if turn.pending is None:
        turn.reply("cancel.nothing")
        return
    turn.uow.conversations.clear(turn.sender.id)
    turn.pending = None
    turn.reply("cancel.done")


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("start", onboarding.start, everyone),
        Command("help", show_help, everyone),
        Command("lang", onboarding.change_language, everyone),
        Command("tz", onboarding.change_timezone, everyone),
        Command("link", links.link, everyone),
        Command("unlink", links.unlink, everyone),
        Command("newteam", teams.new_team, not_in_team),
        Command("join", teams.join_team, not_in_team),
        Command("team", teams.show_team, everyone),
        Command("leave", teams.leave_team, in_team),
        Command("t", team_talk.talk_to_team, in_team),
        Command("teamchat", team_talk.team_chat, in_team),
        Command("linkgroup", team_groups.link_group, leaders),
        Command("unlinkgroup", team_groups.unlink_group, leaders),
        Command("leader", leadership.name_leader, leaders),
        Command("colead", leadership.name_coleader, leaders),
        Command("tasks", tasks.list_tasks, in_team_or_coordinator),
        Command("newtask", tasks.new_task, leaders),
        Command("edittask", tasks.edit_task, leaders),
        Command("deltask", tasks.remove_task, leaders),
        Command("status", progress.team_status, in_team_or_coordinator),
        Command("queue", progress.review_queue, reviewers_only),
        Command("overview", progress.overview, coordinators),
        Command("reviewer", reviewers.set_profile, reviewers_only),
        Command("assign", reviewers.assign, coordinators),
        Command("tr", originals.translate_on_demand, everyone),
        Command("original", originals.show_original, everyone),
        Command("translate", originals.auto_translation, everyone),
        Command("ask", help_desk.ask_help_desk, everyone),
        Command("tickets", help_desk.list_tickets, everyone),
        Command("close", help_desk.close_request, everyone),
        Command("answer", help_desk.answer_request, coordinators),
        Command("nags", followups.show_nags, everyone),
        Command("events", events.list_events, everyone),
        Command("export", export.export_data, everyone),
        Command("forget", forget.forget_command, everyone),
        Command("teams", teams.list_teams, coordinators),
        Command("broadcast", broadcasts.start_broadcast, coordinators),
        Command("broadcasts", broadcasts.list_broadcasts, coordinators),
        Command("event", events.new_event, coordinators),
        Command("grant", roles.grant_role, coordinators),
        Command("revoke", roles.revoke_role, coordinators),
        Command("audit", audit_view.show_audit, coordinators),
        Command("cancel", cancel, everyone),
    )
}

ALIASES: dict[str, str] = {"ajuda": "help", "ayuda": "help", "aide": "help",
                           "language": "lang", "idioma": "lang", "langue": "lang",
                           "timezone": "tz", "traduzir": "tr", "traducir": "tr",
                           "traduire": "tr"}
