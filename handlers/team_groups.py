"""Linking a team's group chat: ``/linkgroup`` typed in the group by the team's leader, then
confirmed by them in private; ``/unlinkgroup`` ends it.

The confirmation button names a request kept on the server; only the leader who asked may
press it, and only while they still lead the team and the request is fresh.
"""

from __future__ import annotations

from handlers.domain import Language, Member, Team, TeamRole
from handlers.group_talk import linked_group, relay_team_talk, to_group
from handlers.messages import Outbound, Phrase
from handlers.onboarding import parse_language
from handlers.team_group_ports import TeamGroup
from handlers.turn import Turn, button, phrase, rows_of

GROUP = "group"  # the buttons' action: group:link:ID, group:drop:ID

# Each language's name, in the language of the sentence it is in ("em inglês", "en anglais").
LANGUAGE_KEYS: dict[Language, str] = {Language.EN: "lang.name.en", Language.PT: "lang.name.pt",
                                      Language.ES: "lang.name.es", Language.FR: "lang.name.fr"}


def language_name(language: Language) -> Phrase:
    """A language's name, rendered in the reader's language."""
    return Phrase(LANGUAGE_KEYS[language])


def _leads(team: Team | None, member: Member) -> bool:
    return team is not None and team.role_of(member.id) in (TeamRole.LEADER, TeamRole.COLEADER)


def link_group(turn: Turn, args: str) -> None:
    """``/linkgroup [LANGUAGE]`` in a group: ask its team's leader to confirm in private."""
    chat = turn.chat
    if chat.is_private:
        turn.reply("group.link_in_group")
        return
    language = turn.sender.language
    if args.strip():
        chosen = parse_language(args)
        if chosen is None:
            turn.reply("group.bad_language", value=args.strip()[:40])
            return
        language = chosen
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("group.no_team")
        return
    if not _leads(team, turn.sender):
        leader = turn.uow.members.get(team.leader_id) if team.leader_id else None
        turn.reply("group.not_leader", team=team.name, leader=leader.name if leader else "—")
        return
    if turn.inbound.sender_admin is False:
        turn.reply("group.not_admin")
        return
    existing = turn.uow.groups.for_chat(chat.platform, chat.chat_id)
    if existing is not None and existing.linked_at is not None:
        if existing.team_id != team.id:
            other = turn.uow.teams.get(existing.team_id)
            turn.reply("group.other_team", team=other.name if other else "?")
            return
        if existing.language == language:
            turn.reply("group.already", team=team.name)
            return
        turn.uow.groups.set_language(existing.id, language)
        turn.out.append(to_group(existing._replace(language=language), (phrase(
            "group.language_set", language=language_name(language)),)))
        return
    title = chat.title or chat.chat_id
    request = turn.uow.groups.request(team.id, chat.platform, chat.chat_id, title, language,
                                      turn.sender.id, turn.now)
    confirm = [[button(f"{GROUP}:link:{request.id}", "button.link_group"),
                button(f"{GROUP}:drop:{request.id}", "button.cancel")]]
    # In private (no chat): the confirmation is the leader's alone.
    turn.out.append(Outbound(turn.sender.id, (phrase(
        "group.confirm", title=title, team=team.name, language=language_name(language)),),
        rows_of(confirm)))
    turn.reply("group.asked", name=turn.sender.name, team=team.name)


def press_group(turn: Turn, arg: str) -> None:
    """The leader's answer to a link request: link the group, or drop the request."""
    action, _, number = arg.partition(":")
    request = turn.uow.groups.get(int(number)) if number.isdigit() else None
    if request is None or action not in ("link", "drop"):
        turn.answer_press("group.request_gone")
        return
    if request.requested_by != turn.sender.id:
        turn.reply("group.not_yours")
        return
    team = turn.uow.teams.get(request.team_id)
    if team is None or not _leads(team, turn.sender):
        turn.answer_press("group.not_leader_now", team=team.name if team else "?")
        return
    if request.linked_at is not None:
        turn.answer_press("group.already", team=team.name)
        return
    if action == "drop":
        turn.uow.groups.remove(request.id)
        turn.answer_press("group.cancelled", title=request.title)
        return
    if turn.now - request.requested_at > turn.deps.settings.question_timeout:
        turn.uow.groups.remove(request.id)
        turn.answer_press("group.request_gone")
        return
    _confirm(turn, request, team)


def _confirm(turn: Turn, request: TeamGroup, team: Team) -> None:
    replaced = turn.uow.groups.confirm(request.id, turn.now)
    if replaced is None:  # pressed twice at once: the other press linked it
        turn.answer_press("group.already", team=team.name)
        return
    for old in replaced:
        turn.out.append(to_group(old, (phrase("group.replaced_notice", team=team.name,
                                              name=turn.sender.name),)))
    linked = request._replace(linked_at=turn.now)
    turn.answer_press("group.linked", title=request.title, team=team.name)
    turn.out.append(to_group(linked, (phrase("group.linked_notice", team=team.name),)))


def unlink_group(turn: Turn, args: str) -> None:
    """``/unlinkgroup``: in the group, or in private for the team's group on this platform
    (a coordinator names the team: ``/unlinkgroup TEAM``). Its team's leaders and coordinators
    may."""
    chat = turn.chat
    own = turn.uow.teams.of_member(turn.sender.id)
    group: TeamGroup | None
    if chat.is_private and args.strip() and turn.sender.is_coordinator:
        own = turn.uow.teams.by_name(args.strip())
        if own is None:
            turn.reply("team.not_found", team=args.strip())
            return
    if chat.is_private:
        groups = turn.uow.groups.of_team(own.id) if own is not None else []
        here = [g for g in groups if g.platform == chat.platform]
        group = (here or groups)[0] if groups else None
    else:
        group = linked_group(turn.uow, chat)
    team = turn.uow.teams.get(group.team_id) if group is not None else None
    if group is None or team is None:
        turn.reply("group.none")
        return
    if not (_leads(team, turn.sender) or turn.sender.is_coordinator):
        turn.reply("group.not_leader", team=team.name, leader=_leader_name(turn, team))
        return
    turn.uow.groups.remove(group.id)
    turn.out.append(to_group(group, (phrase("group.unlinked_notice", team=team.name),)))
    if chat.is_private:
        turn.reply("group.unlinked", title=group.title, team=team.name)


def _leader_name(turn: Turn, team: Team | None) -> str:
    leader = turn.uow.members.get(team.leader_id) if team and team.leader_id else None
    return leader.name if leader is not None else "—"


def group_text(turn: Turn, text: str) -> None:
    """Text for the bot in a group that is not a command or a reply: team talk in the team's
    linked group; elsewhere, a word on what the bot does in groups."""
    group = linked_group(turn.uow, turn.chat)
    if group is None:
        turn.reply("group.not_linked_text")
        return
    team = turn.uow.teams.get(group.team_id)
    if team is None or not text:
        return
    turn.uow.teams.touch(team.id, turn.now)
    relay_team_talk(turn, team, text)
