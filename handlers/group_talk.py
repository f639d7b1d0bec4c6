"""What reaches a team's linked group chats, and what is said there reaches the team.

A team's notifications (uploads, review comments, approvals, arrivals and departures) and its
talk go to its members privately, each in their language, and also to each of its linked
groups, in the group's language. What is written in a linked group — to the bot or not — is
relayed, translated, to the members on other platforms (who cannot see the group) and to the
team's other groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from handlers.domain import Contact, Member, Team
from handlers.messages import ChatRef, Context, Inbound, Outbound, Phrase, UserText
from handlers.ports import UnitOfWork
from handlers.team_group_ports import TeamGroup
from handlers.turn import Turn, phrase

RELAYED = "teamtalk.relayed"
# What a relayed message is about: a reply to it answers the whole team.
TEAM_TALK = "teamtalk"


def group_chat(group: TeamGroup) -> ChatRef:
    """Where a linked group's messages go."""
    return ChatRef(group.platform, group.chat_id, is_private=False, title=group.title)


def to_group(group: TeamGroup, lines: Sequence[Phrase],
             context: Context | None = None) -> Outbound:
    """A message for a team's group, written in the group's language (filed in the outbox
    under the member who linked it)."""
    reader = Contact(group.requested_by, group.identity, group.language)
    return Outbound(group.requested_by, tuple(lines), context=context, chat=group_chat(group),
                    reader=reader)


def tell_team_groups(turn: Turn, team_id: int, line: Phrase, *, context: Context | None = None,
                     skip: ChatRef | None = None) -> None:
    """A team notification for each of the team's linked groups (but the one it came from)."""
    lines = (line,)
    for group in turn.uow.groups.of_team(team_id):
        if skip is None or (group.platform, group.chat_id) != (skip.platform, skip.chat_id):
            turn.out.append(to_group(group, lines, context))


def elsewhere(members: Iterable[Member], platform: str) -> list[Member]:
    """The members on other platforms than a group's (who cannot read the group)."""
    return [m for m in members if m.identity.split(":", 1)[0] != platform]


def relay_team_talk(turn: Turn, team: Team, text: str) -> tuple[int, int]:
    """Team talk from a member: privately to each teammate and to the team's groups — but
    when written in a group, not to that group again nor privately to the teammates on its
    platform, who read it there. How many members were told privately, and in how many groups
    it was posted."""
    groups = turn.uow.groups.of_team(team.id)
    here = turn.chat if not turn.chat.is_private else None
    others = [m for m in turn.uow.teams.members(team.id) if m.id != turn.sender.id]
    if here is not None:
        others = elsewhere(others, here.platform)
    said = UserText(text, turn.sender.language, author=turn.sender.id)
    context = Context(TEAM_TALK, team.id)
    turn.tell_all(others, RELAYED, context=context, name=turn.sender.name, team=team.name,
                  text=said)
    posted = [g for g in groups if here is None
              or (g.platform, g.chat_id) != (here.platform, here.chat_id)]
    for group in posted:
        turn.out.append(to_group(group, (phrase(RELAYED, name=turn.sender.name, team=team.name,
                                                text=said),), context))
    return len(others), len(posted)


def linked_group(uow: UnitOfWork, chat: ChatRef) -> TeamGroup | None:
    """The confirmed link of the group chat a message came from, if any."""
    if chat.is_private:
        return None
    group = uow.groups.for_chat(chat.platform, chat.chat_id)
    return group if group is not None and group.linked_at is not None else None


def overheard(uow: UnitOfWork, inbound: Inbound, now: datetime) -> list[Outbound]:
    """A group message not meant for the bot, or something that happened to a group.

    In a linked group the text is relayed to the team (the writer need not be registered:
    their name is the platform's and their language is detected). Nothing is ever answered
    in the group, and nobody is registered by it.
    """
    if inbound.event is not None:
        return chat_event(uow, inbound)
    group = linked_group(uow, inbound.chat)
    text = inbound.text.strip()
    team = uow.teams.get(group.team_id) if group is not None else None
    if group is None or team is None or not text:
        return []
    writer = uow.members.by_identity(inbound.sender.identity)
    said = (UserText(text, writer.language, author=writer.id) if writer is not None
            else UserText(text, group.language))
    name = writer.name if writer is not None else inbound.sender.display_name
    uow.teams.touch(team.id, now)
    groups = uow.groups.of_team(team.id)
    lines = (phrase(RELAYED, name=name, team=team.name, text=said),)
    context = Context(TEAM_TALK, team.id)
    out = [Outbound(m.id, lines, context=context)
           for m in elsewhere(uow.teams.members(team.id), group.platform)
           if writer is None or m.id != writer.id]
    out += [to_group(g, lines, context) for g in groups if g.id != group.id]
    return out


def chat_event(uow: UnitOfWork, inbound: Inbound) -> list[Outbound]:
    """The bot was removed from a group (its link ends; the team's leader is told), or a
    group got a new id (the link follows it)."""
    event, chat = inbound.event, inbound.chat
    if event is None:
        return []
    if event.moved_to is not None:
        uow.groups.move(chat.platform, chat.chat_id, event.moved_to)
        return []
    if event.title is not None:
        uow.groups.rename(chat.platform, chat.chat_id, event.title)
        return []
    group = uow.groups.for_chat(chat.platform, chat.chat_id)
    if not event.removed or group is None:
        return []
    uow.groups.remove(group.id)
    team = uow.teams.get(group.team_id)
    if group.linked_at is None or team is None:
        return []
    leader = team.leader_id or group.requested_by
    return [Outbound(leader, (phrase("group.removed", title=group.title, team=team.name),))]
