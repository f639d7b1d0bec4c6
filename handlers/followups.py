"""Follow-ups: polite nags, at local working hours, until things move.

The sweep gathers every nag the rules (:mod:`handlers.nag_rules`) find due and sends those
whose recipient is in their working hours now, at most once a day per rule and item (once per
stage for due-soon and inactivity reminders), unless snoozed or the team's nags are paused. A
nag stops by itself when its cause is resolved: the rules no longer find it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from handlers import help_desk, progress
from handlers.domain import Role, parse_number
from handlers.followup_ports import NagRecord, SentNag
from handlers.followup_rules import FollowupRules
from handlers.messages import Button
from handlers.nag_rules import (
    DAY,
    HELP,
    ONCE_PER_STAGE,
    REVIEW,
    RULES,
    Nag,
    changes_nags,
    help_nags,
    inactive_nags,
    review_nags,
    task_nags,
)
from handlers.ports import UnitOfWork
from handlers.sweep import Sweep
from handlers.timezones import local_time
from handlers.turn import Turn, button, phrase

# A member with more nags than this at once gets one digest instead.
SEPARATE = 3
# The longest digest, in lines.
DIGEST_LINES = 15
# The snooze buttons: days, and the labels of one nag's and of a digest's.
SNOOZES = ((1, "nag.button.snooze1", "nag.button.snooze_all1"),
           (3, "nag.button.snooze3", "nag.button.snooze_all3"))
# A pause with no number of days lasts until resumed: it is stored as lasting until then.
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


def pending(uow: UnitOfWork, rules: FollowupRules, now: datetime) -> tuple[list[Nag], list[int]]:
    """Every nag due now, whatever the hour, and the help requests to mark urgent."""
    coordinators = [m.id for m in uow.members.with_role(Role.COORDINATOR)]
    helps, urgent = help_nags(uow, rules, now, coordinators)
    found = (task_nags(uow, rules, now, coordinators) + review_nags(uow, rules, now, coordinators)
             + changes_nags(uow, rules, now) + helps
             + inactive_nags(uow, rules, now, coordinators))
    # Someone on two rungs of a ladder (a coordinator who also leads the team) gets the first.
    unique: dict[tuple[str, int, int], Nag] = {}
    for nag in found:
        unique.setdefault((nag.rule, nag.item_id, nag.member_id), nag)
    return list(unique.values()), urgent


def in_hours(rules: FollowupRules, zone: str, now: datetime) -> bool:
    """Whether it is a working hour on a working day where the member lives."""
    local = local_time(zone, now)
    return (local.weekday() in rules.weekdays
            and rules.window_start_hour <= local.hour < rules.window_end_hour)


def _records(uow: UnitOfWork, nags: Sequence[Nag]) -> dict[tuple[str, int, int], NagRecord]:
    items: dict[str, set[int]] = defaultdict(set)
    for nag in nags:
        items[nag.rule].add(nag.item_id)
    found: dict[tuple[str, int, int], NagRecord] = {}
    for rule, ids in items.items():
        for (item, member), record in uow.followups.records(rule, ids).items():
            found[(rule, item, member)] = record
    return found


def is_fresh(nag: Nag, record: NagRecord | None, today: str, now: datetime) -> bool:
    """Whether a nag was neither sent today nor snoozed (nor, for once-per-stage rules, sent
    at this stage)."""
    if record is None:
        return True
    if record.snoozed_until is not None and record.snoozed_until > now:
        return False
    if record.sent_on == today:
        return False
    return nag.rule not in ONCE_PER_STAGE or record.stage != nag.stage


def sweep(run: Sweep) -> None:
    """Send the nags that are due now to those in their working hours."""
    rules = run.deps.settings.followups
    nags, urgent = pending(run.uow, rules, run.now)
    if urgent:
        run.uow.followups.mark_urgent(urgent)
    if not nags:
        return
    zones = run.uow.followups.timezones({n.member_id for n in nags})
    default = run.deps.settings.default_timezone
    awake = {m: z for m, z in zones.items() if in_hours(rules, z or default, run.now)}
    nags = [n for n in nags if n.member_id in awake]
    records = _records(run.uow, nags)
    mine: dict[int, list[Nag]] = defaultdict(list)
    sent: list[SentNag] = []
    for nag in nags:
        today = local_time(awake[nag.member_id] or default, run.now).date().isoformat()
        if is_fresh(nag, records.get((nag.rule, nag.item_id, nag.member_id)), today, run.now):
            mine[nag.member_id].append(nag)
            sent.append(SentNag(nag.rule, nag.item_id, nag.member_id, nag.stage, today))
    for member_id, due in mine.items():
        _tell(run, member_id, due)
    run.uow.followups.record_sent(sent, run.now)


def _tell(run: Sweep, member_id: int, nags: list[Nag]) -> None:
    if len(nags) <= SEPARATE:
        for nag in nags:
            run.tell_lines(member_id, [nag.message], buttons=_buttons(nag),
                           context=nag.context)
        return
    lines = [phrase("nag.digest", count=len(nags))]
    lines += [nag.line for nag in nags[:DIGEST_LINES]]
    if len(nags) > DIGEST_LINES:
        lines.append(phrase("nag.digest_more", count=len(nags) - DIGEST_LINES))
    run.tell_lines(member_id, lines, buttons=[[
        button(f"nag:za:{days}", label) for days, _one, label in SNOOZES]])


def _buttons(nag: Nag) -> list[list[Button]]:
    key = f"{nag.rule}:{nag.item_id}"
    return [[button(f"nag:o:{key}", "nag.button.open")]
            + [button(f"nag:z:{key}:{days}", label) for days, label, _all in SNOOZES]]


def _for_me(turn: Turn) -> list[Nag]:
    nags, _urgent = pending(turn.uow, turn.deps.settings.followups, turn.now)
    return [n for n in nags if n.member_id == turn.sender.id]


def _when(turn: Turn, moment: datetime) -> str:
    return f"{local_time(turn.sender.timezone, moment):%Y-%m-%d %H:%M}"


def show_nags(turn: Turn, args: str) -> None:
    """``/nags``: what is pending for me; coordinators also ``pause``/``resume`` a team."""
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() in ("pause", "resume"):
        change_pause(turn, verb.lower(), rest.strip())
        return
    if args.strip():
        turn.reply("nags.usage")
        return
    nags = _for_me(turn)
    records = _records(turn.uow, nags)
    today = local_time(turn.sender.timezone, turn.now).date().isoformat()
    lines = [phrase("nags.header", count=len(nags)) if nags else phrase("nags.none")]
    for nag in nags[:DIGEST_LINES * 2]:
        record = records.get((nag.rule, nag.item_id, nag.member_id))
        if record is not None and record.snoozed_until and record.snoozed_until > turn.now:
            state = phrase("nags.state.snoozed", when=_when(turn, record.snoozed_until))
        elif record is not None and record.sent_on == today:
            state = phrase("nags.state.sent")
        else:
            state = phrase("nags.state.due")
        lines.append(phrase("nags.line", line=nag.line, state=state))
    if turn.sender.is_coordinator:
        paused = turn.uow.followups.paused_teams(turn.now)
        if paused:
            lines.append(phrase("nags.paused_header"))
            lines += [phrase("nags.paused_line", team=p.team, when=_when(turn, p.until))
                      if p.until < FOREVER else phrase("nags.paused_line_forever", team=p.team)
                      for p in paused]
        lines.append(phrase("nags.coordinator_hint"))
    buttons = [[button(f"nag:za:{days}", label) for days, _one, label in SNOOZES]]
    turn.reply_lines(lines, buttons=buttons if nags else ())


def change_pause(turn: Turn, verb: str, rest: str) -> None:
    """``/nags pause TEAM [DAYS]`` and ``/nags resume TEAM`` (coordinators)."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    name, days = rest, None
    head, _, last = rest.rpartition(" ")
    if verb == "pause" and head and parse_number(last) is not None \
            and turn.uow.teams.by_name(rest) is None:  # "Team 7" may be a team's name
        name, days = head.strip(), parse_number(last)
    if not name:
        turn.reply("nags.pause_usage")
        return
    team = turn.uow.teams.by_name(name)
    if team is None:
        turn.reply("nags.no_team", name=name)
        return
    if verb == "resume":
        turn.uow.followups.pause(team.id, None)
        turn.reply("nags.resumed", team=team.name)
        return
    if days is not None and not 1 <= days <= 365:
        turn.reply("nags.pause_usage")
        return
    if days is None:
        turn.uow.followups.pause(team.id, FOREVER)
        turn.reply("nags.paused_forever", team=team.name)
        return
    until = turn.now + days * DAY
    turn.uow.followups.pause(team.id, until)
    turn.reply("nags.paused", team=team.name, when=_when(turn, until))


def press_nag(turn: Turn, arg: str) -> None:
    """A nag's button: ``o:RULE:ITEM`` opens the item, ``z:RULE:ITEM:DAYS`` snoozes it,
    ``za:DAYS`` snoozes everything pending for me."""
    action, _, rest = arg.partition(":")
    parts = rest.split(":")
    if action == "za" and len(parts) == 1 and parts[0] in ("1", "3"):
        _snooze(turn, _for_me(turn), int(parts[0]), all_of_them=True)
        return
    item = parse_number(parts[1]) if len(parts) >= 2 and parts[0] in RULES else None
    if item is None:
        turn.reply("button.stale")
        return
    rule = parts[0]
    mine = [n for n in _for_me(turn) if n.rule == rule and n.item_id == item]
    if action == "o" and len(parts) == 2:
        _open(turn, rule, item, mine)
    elif action == "z" and len(parts) == 3 and parts[2] in ("1", "3"):
        _snooze(turn, mine, int(parts[2]), all_of_them=False)
    else:
        turn.reply("button.stale")


def _snooze(turn: Turn, nags: list[Nag], days: int, *, all_of_them: bool) -> None:
    if not nags:
        turn.reply("nag.resolved")
        return
    until = turn.now + days * DAY
    turn.uow.followups.snooze(list(dict.fromkeys((n.rule, n.item_id) for n in nags)),
                              turn.sender.id, until)
    if all_of_them:
        turn.reply("nag.snoozed_all", count=len(nags), when=_when(turn, until))
    else:
        turn.reply("nag.snoozed", when=_when(turn, until))


def _open(turn: Turn, rule: str, item: int, mine: list[Nag]) -> None:
    """Show what a nag is about, the way the command for it would."""
    if not mine:
        turn.reply("nag.resolved")
        return
    nag = mine[0]
    if rule == HELP:
        help_desk.list_tickets(turn, "")
    elif rule == REVIEW and not turn.sender.is_coordinator:
        progress.review_queue(turn, "")
    elif nag.team_id is not None:
        team = turn.uow.teams.get(nag.team_id)
        progress.team_status(turn, team.name if team is not None else "")
    else:
        turn.reply_lines([nag.message])
