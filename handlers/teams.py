"""Teams: propose one (``/newteam``), approve it, join it (``/join``), leave it, look at it."""

from __future__ import annotations

import unicodedata

from handlers.audit import record
from handlers.domain import (
    LANGUAGE_NAMES,
    Region,
    Role,
    Team,
    TeamRole,
    TeamStatus,
    parse_number,
)
from handlers.group_talk import tell_team_groups
from handlers.messages import Button, Context, Param, Phrase, UserText
from handlers.privacy_ports import AuditKind
from handlers.timezones import clock_time, zone_label
from handlers.turn import Turn, button, phrase

NEW_TEAM = "newteam"
JOIN = "join"

_REGION_WORDS: dict[str, Region] = {
    "west africa": Region.WEST_AFRICA, "africa ocidental": Region.WEST_AFRICA,
    "africa occidental": Region.WEST_AFRICA, "afrique de l'ouest": Region.WEST_AFRICA,
    "east africa": Region.EAST_AFRICA, "africa oriental": Region.EAST_AFRICA,
    "afrique de l'est": Region.EAST_AFRICA,
    "southern africa": Region.SOUTHERN_AFRICA, "africa austral": Region.SOUTHERN_AFRICA,
    "afrique australe": Region.SOUTHERN_AFRICA,
    "central africa": Region.CENTRAL_AFRICA, "africa central": Region.CENTRAL_AFRICA,
    "afrique centrale": Region.CENTRAL_AFRICA,
    "north africa": Region.NORTH_AFRICA, "africa do norte": Region.NORTH_AFRICA,
    "africa del norte": Region.NORTH_AFRICA, "afrique du nord": Region.NORTH_AFRICA,
    "latin america": Region.LATIN_AMERICA, "america latina": Region.LATIN_AMERICA,
    "amerique latine": Region.LATIN_AMERICA,
    "other": Region.OTHER, "outra": Region.OTHER, "otra": Region.OTHER, "autre": Region.OTHER,
}


ROLE_NAMES = {role: Phrase(f"team_role.{role.value}") for role in TeamRole}
LEADER, COLEADER, MEMBER = (ROLE_NAMES[TeamRole.LEADER], ROLE_NAMES[TeamRole.COLEADER],
                            ROLE_NAMES[TeamRole.MEMBER])


_REGION_NAMES = {region: Phrase(f"region.{region.value}") for region in Region}
_STATUS_NAMES = {status: Phrase(f"team_status.{status.value}") for status in TeamStatus}


def region_name(region: Region) -> Phrase:
    """A region's name, rendered in the reader's language."""
    return _REGION_NAMES[region]


def status_name(status: TeamStatus) -> Phrase:
    """A team status, rendered in the reader's language."""
    return _STATUS_NAMES[status]


def parse_region(text: str) -> Region | None:
    """A region from a button value or its name in any of the four languages."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.strip().lower())
                     if not unicodedata.combining(c))
    try:
        return Region(folded)
    except ValueError:
        return _REGION_WORDS.get(folded)


def region_buttons() -> list[list[Button]]:
    """The regions as buttons, two to a row."""
    items = [button(f"region:{r.value}", f"region.{r.value}") for r in Region]
    return [items[i:i + 2] for i in range(0, len(items), 2)]


def new_team(turn: Turn, args: str) -> None:
    """``/newteam NAME``: propose a team; the proposer becomes its leader."""
    current = turn.uow.teams.of_member(turn.sender.id)
    if current is not None:
        turn.reply("team.already_member", team=current.name)
        return
    if not args:
        turn.ask(NEW_TEAM, "name", "newteam.ask_name")
        return
    _take_name(turn, args)


def answer_new_team(turn: Turn, step: str, text: str) -> None:
    """The answers to the guided ``/newteam``: name, topic, then region."""
    if step == "name":
        _take_name(turn, text)
    elif step == "topic":
        _take_topic(turn, text)
    else:
        _take_region(turn, text)


def _take_name(turn: Turn, text: str) -> None:
    name = " ".join(text.split())
    if not 2 <= len(name) <= 60:
        turn.ask(NEW_TEAM, "name", "newteam.bad_name")
        return
    if turn.uow.teams.by_name(name) is not None:
        turn.ask(NEW_TEAM, "name", "newteam.name_taken", team=name)
        return
    turn.ask(NEW_TEAM, "topic", "newteam.ask_topic", data={"name": name}, team=name)


def _take_topic(turn: Turn, text: str) -> None:
    topic = " ".join(text.split())
    data = dict(turn.pending.data) if turn.pending else {}
    if not 2 <= len(topic) <= 80:
        turn.ask(NEW_TEAM, "topic", "newteam.bad_topic", data=data)
        return
    data["topic"] = topic
    turn.ask(NEW_TEAM, "region", "newteam.ask_region", data=data, buttons=region_buttons())


def _take_region(turn: Turn, text: str) -> None:
    data = dict(turn.pending.data) if turn.pending else {}
    region = parse_region(text)
    if region is None or "name" not in data or "topic" not in data:
        turn.ask(NEW_TEAM, "region", "newteam.bad_region", data=data, buttons=region_buttons())
        return
    turn.finish_flow()
    if turn.uow.teams.of_member(turn.sender.id) is not None:
        turn.reply("team.already_member", team=data["name"])
        return
    if turn.uow.teams.by_name(data["name"]) is not None:
        turn.ask(NEW_TEAM, "name", "newteam.name_taken", team=data["name"])
        return
    # A coordinator's own proposal needs nobody else's approval.
    approval = turn.deps.settings.require_team_approval and not turn.sender.is_coordinator
    team = turn.uow.teams.add(data["name"], data["topic"], region, _new_code(turn),
                              turn.sender.id, approved=not approval, now=turn.now)
    coordinators = _coordinator_ids(turn)
    details: dict[str, Param] = {"team": team.name, "leader": turn.sender.name,
                                 "topic": UserText(team.topic, turn.sender.language),
                                 "region": region_name(region)}
    if not approval:
        turn.reply("newteam.created", team=team.name, code=team.join_code)
        for coordinator in coordinators:
            turn.tell_lines(coordinator, [Phrase("newteam.created_notice", details)])
        return
    turn.reply("newteam.pending", team=team.name)
    if not coordinators:
        turn.reply("newteam.no_coordinator")
    decide = [[button(f"approve:{team.id}", "button.approve"),
               button(f"reject:{team.id}", "button.reject")]]
    for coordinator in coordinators:
        turn.tell_lines(coordinator, [Phrase("newteam.approval_request", details)],
                        buttons=decide, context=Context("team", team.id))


def _coordinator_ids(turn: Turn) -> list[int]:
    return [m.id for m in turn.uow.members.with_role(Role.COORDINATOR) if m.id != turn.sender.id]


def _new_code(turn: Turn) -> str:
    while True:
        code = turn.deps.codes.new_code()
        if not turn.uow.teams.code_taken(code):
            return code


def decide_team(turn: Turn, arg: str, approve: bool) -> None:
    """The Approve/Reject buttons on a proposed team (coordinators only)."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    team_id = parse_number(arg)
    team = turn.uow.teams.get(team_id) if team_id is not None else None
    if team is None:
        turn.reply("button.stale")
        return
    if team.status != TeamStatus.PENDING:
        turn.answer_press("team.already_decided", team=team.name, status=status_name(team.status))
        return
    if not turn.uow.teams.decide(team.id, approve, turn.sender.id, turn.now):
        decided = turn.uow.teams.get(team.id) or team  # another coordinator was quicker
        turn.answer_press("team.already_decided", team=team.name,
                          status=status_name(decided.status))
        return
    members = [m.id for m in turn.uow.teams.members(team.id)]
    if approve:
        turn.tell_all(members, "team.approved", team=team.name, code=team.join_code)
    else:
        turn.tell_all(members, "team.rejected", team=team.name)
        for member_id in members:
            turn.uow.teams.remove_member(team.id, member_id)
    status = TeamStatus.APPROVED if approve else TeamStatus.REJECTED
    record(turn, AuditKind.TEAM_APPROVED if approve else AuditKind.TEAM_REJECTED,
           team=team.name)
    turn.answer_press("team.decided", team=team.name, status=status_name(status))
    turn.tell_all(_coordinator_ids(turn), "team.decided_notice", team=team.name,
                  status=status_name(status), coordinator=turn.sender.name)


def join_team(turn: Turn, args: str) -> None:
    """``/join CODE``: join a team with the code its leader shared."""
    if not args:
        turn.ask(JOIN, "code", "join.ask_code")
        return
    _take_code(turn, args)


def answer_join(turn: Turn, step: str, text: str) -> None:
    """The code typed after a bare ``/join``."""
    _take_code(turn, text)


def _take_code(turn: Turn, text: str) -> None:
    code = text.strip().upper()
    team = turn.uow.teams.by_code(code) if code else None
    if team is None or team.status == TeamStatus.REJECTED:
        turn.finish_flow()
        turn.reply("join.bad_code", code=text.strip())
        return
    turn.finish_flow()
    if team.status == TeamStatus.PENDING:
        turn.reply("join.not_approved", team=team.name)
        return
    current = turn.uow.teams.of_member(turn.sender.id)
    if current is not None:
        key = "join.already_in" if current.id == team.id else "team.already_member"
        turn.reply(key, team=current.name)
        return
    others = [m.id for m in turn.uow.teams.members(team.id)]
    turn.uow.teams.add_member(team.id, turn.sender.id, turn.now)
    leader = turn.uow.members.get(team.leader_id) if team.leader_id else None
    turn.reply("join.done", team=team.name, leader=leader.name if leader else "—")
    joined = phrase("join.notice", team=team.name, name=turn.sender.name,
                    language=LANGUAGE_NAMES[turn.sender.language],
                    zone=zone_label(turn.sender.timezone))
    turn.tell_all_lines(others, [joined])
    tell_team_groups(turn, team.id, joined)


def leave_team(turn: Turn, args: str) -> None:
    """``/leave``: leave your team, after confirming."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("team.none")
        return
    if not _may_leave(turn, team):
        return
    turn.reply("leave.confirm", team=team.name,
               buttons=[[button(f"leave:{team.id}", "button.leave"),
                         button("cancel", "button.cancel")]])


def _may_leave(turn: Turn, team: Team) -> bool:
    if team.leader_id == turn.sender.id and len(turn.uow.teams.members(team.id)) > 1:
        turn.reply("leave.leader_first", team=team.name)
        return False
    return True


def confirm_leave(turn: Turn, arg: str) -> None:
    """The 'Leave' button under ``/leave``."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None or str(team.id) != arg:
        turn.reply("button.stale")
        return
    if not _may_leave(turn, team):
        return
    turn.uow.teams.remove_member(team.id, turn.sender.id)
    remaining = turn.uow.teams.members(team.id)
    if not remaining:
        turn.uow.teams.delete(team.id)  # nobody left: the team ends and its name is free
        turn.answer_press("leave.dissolved", team=team.name)
        return
    turn.answer_press("leave.done", team=team.name)
    left = phrase("leave.notice", team=team.name, name=turn.sender.name)
    turn.tell_all_lines(remaining, [left])
    tell_team_groups(turn, team.id, left)


def show_team(turn: Turn, args: str) -> None:
    """``/team``: your team's members, roles, languages and local time now."""
    if args:
        if not turn.sender.is_coordinator:
            turn.reply("perm.coordinator")
            return
        team = turn.uow.teams.by_name(args.strip())
        if team is None:
            turn.reply("team.not_found", team=args.strip())
            return
    else:
        team = turn.uow.teams.of_member(turn.sender.id)
        if team is None:
            turn.reply("team.none")
            return
    members = turn.uow.teams.members(team.id)
    # The topic shows as written here, like the team's name (/team is the hottest read; the
    # topic reached everyone translated when the team was announced).
    lines = [phrase("team.header", team=team.name, topic=team.topic,
                    region=region_name(team.region), status=status_name(team.status))]
    if team.status == TeamStatus.APPROVED:
        lines.append(phrase("team.code", code=team.join_code))
        link = turn.deps.settings.invite_links.get(turn.chat.platform)
        if link is not None:
            lines.append(phrase("team.invite_link", link=link.format(code=team.join_code)))
    times: dict[str, str] = {}  # members often share a zone
    now, leader, co_leader = turn.now, team.leader_id, team.co_leader_id
    for member in members:
        zone = member.timezone
        if zone not in times:
            times[zone] = clock_time(zone, now)
        role = (LEADER if member.id == leader else COLEADER if member.id == co_leader
                else MEMBER)
        lines.append(Phrase("team.member_line", {
            "name": member.name, "role": role,
            "language": LANGUAGE_NAMES[member.language], "zone": zone_label(zone),
            "time": times[zone]}))
    turn.reply_lines(lines)


def team_asked_about(turn: Turn, args: str) -> Team | None:
    """The team a command names (coordinators may name any), else the sender's own; None,
    with the reason told, when there is none to show."""
    if args.strip():
        team = turn.uow.teams.by_name(args.strip()) if turn.sender.is_coordinator else None
        if team is None:
            turn.reply("team.not_found" if turn.sender.is_coordinator else "perm.coordinator",
                       team=args.strip())
        return team
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        turn.reply("team.none")
    return team


def list_teams(turn: Turn, args: str) -> None:
    """``/teams``: every team with its status and size (coordinators only)."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    teams = turn.uow.teams.all()
    if not teams:
        turn.reply("teams.empty")
        return
    counts = turn.uow.teams.member_counts()
    lines = [phrase("teams.header", count=len(teams))]
    buttons: list[list[Button]] = []
    for team in teams:
        lines.append(phrase("teams.line", team=team.name, region=region_name(team.region),
                            status=status_name(team.status), count=counts.get(team.id, 0)))
        if team.status == TeamStatus.PENDING:
            buttons.append([button(f"approve:{team.id}", "button.approve_team", team=team.name),
                            button(f"reject:{team.id}", "button.reject_team", team=team.name)])
    turn.reply_lines(lines, buttons=buttons)
