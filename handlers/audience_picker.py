"""Choosing an audience inside a guided command: with buttons, or by typing it.

The menu offers Everyone / By region / By topic / Teams / Role; each kind opens its choices as
buttons that toggle (a chosen one shows ✓), with Back and Done; topics and team names can
also be typed, separated by commas, and the whole audience can be typed at the menu
(``region:west,latam role:leaders``). Broadcasts and events each use a :class:`Picker` with
their own flow and button prefix (``bc``, ``ev``): their button handler passes it what
follows ``a:`` in the data, their answer handler the typed text at its steps, and both
continue their command with the :class:`Chosen` audience.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from handlers.audience import (
    Audience,
    AudienceRole,
    Problem,
    TeamRef,
    describe,
    fold,
    looks_like_audience,
    parse_audience,
    resolve,
)
from handlers.domain import PendingStep, Region, TeamStatus, parse_number
from handlers.messages import Button, Phrase
from handlers.teams import parse_region, region_name
from handlers.turn import Turn, button

# The picker's steps, and where the selection so far is kept in the command's data.
MENU = "audience"
REGIONS, TOPICS, TEAMS, ROLES = "aud_region", "aud_topic", "aud_team", "aud_role"
SELECTION = "aud"
_KIND_OF_STEP = {REGIONS: "region", TOPICS: "topic", TEAMS: "team", ROLES: "role"}
_MOST_BUTTONS = 12


class Chosen(NamedTuple):
    """The audience chosen, and the command's other data to carry on with."""

    audience: Audience
    data: dict[str, str]


def is_audience_step(step: str) -> bool:
    """Whether a step of a command belongs to the picker."""
    return step == MENU or step in _KIND_OF_STEP


@dataclass(frozen=True, slots=True)
class Picker:
    """The audience step of one guided command (``flow``), its buttons under ``prefix``."""

    flow: str
    prefix: str

    def ask(self, turn: Turn, data: dict[str, str],
            before: Sequence[Phrase] = ()) -> None:
        """Show the menu (after ``before``: what the person is told first)."""
        self._menu(turn, dict(data), _selection(data), before)

    def typed(self, turn: Turn, text: str, data: dict[str, str]) -> Chosen | None:
        """An audience typed in full (with the command, or at the menu); None after saying
        what is wrong (the menu is shown again)."""
        request = parse_audience(text)
        found = resolve(request, turn.uow.audiences) if not isinstance(request, Problem) \
            else request
        if isinstance(found, Problem):
            self._menu(turn, dict(data), _selection(data), [found.phrase])
            return None
        return self._done(turn, dict(data), found)

    def answer(self, turn: Turn, step: str, text: str) -> Chosen | None:
        """Text typed at one of the picker's steps."""
        data = dict(turn.pending.data) if turn.pending is not None else {}
        if step == MENU or looks_like_audience(text):
            return self.typed(turn, text, data)
        request = parse_audience(f"{_KIND_OF_STEP[step]}:{text}")
        found = resolve(request, turn.uow.audiences) if not isinstance(request, Problem) \
            else request
        if isinstance(found, Problem):
            self._submenu(turn, step, data, _selection(data), [found.phrase])
            return None
        self._menu(turn, data, _selection(data).merged(found))
        return None

    def press(self, turn: Turn, arg: str) -> Chosen | None:
        """A picker button (the data after ``PREFIX:a:``); None unless it finished."""
        pending = turn.pending
        if pending is None or pending.flow != self.flow or not is_audience_step(pending.step):
            turn.reply("button.stale")
            return None
        data = dict(pending.data)
        current = _selection(data)
        action, _, value = arg.partition(":")
        if action == "all":
            return self._done(turn, data, Audience())
        if action == "done":
            return self._done(turn, data, current)
        if action == "menu":
            self._menu(turn, data, current)
            return None
        if action in ("reg", "top", "tm", "rol"):
            step = {"reg": REGIONS, "top": TOPICS, "tm": TEAMS, "rol": ROLES}[action]
            self._submenu(turn, step, data, current)
            return None
        toggled = self._toggle(turn, current, action, value)
        if toggled is None:
            turn.reply("button.stale")
            return None
        step = {"r": REGIONS, "t": TOPICS, "m": TEAMS, "o": ROLES}[action]
        self._submenu(turn, step, data, toggled)
        return None

    def _toggle(self, turn: Turn, current: Audience, action: str,
                value: str) -> Audience | None:
        if action == "r":
            region = parse_region(value)
            return current.toggled(region=region) if region is not None else None
        if action == "o":
            try:
                return current.toggled(role=AudienceRole(value))
            except ValueError:
                return None
        if action in ("t", "m"):
            team_id = parse_number(value)
            team = turn.uow.teams.get(team_id) if team_id is not None else None
            if team is None or team.status == TeamStatus.REJECTED:
                return None
            if action == "t":
                return current.toggled(topic=team.topic)
            return current.toggled(team=TeamRef(team.id, team.name))
        return None

    def _done(self, turn: Turn, data: dict[str, str], audience: Audience) -> Chosen | None:
        if sum(turn.uow.audiences.languages(audience).values()) == 0:
            self._menu(turn, data, audience,
                       [Phrase("audience.nobody", {"audience": describe(audience)})])
            return None
        data.pop(SELECTION, None)
        return Chosen(audience, data)

    def _data(self, arg: str) -> str:
        return f"{self.prefix}:a:{arg}"

    def _show(self, turn: Turn, step: str, data: dict[str, str], audience: Audience,
              lines: Sequence[Phrase], buttons: list[list[Button]]) -> None:
        data[SELECTION] = audience.to_json()
        turn.pending = PendingStep(self.flow, step, data)
        turn.uow.conversations.set(turn.sender.id, turn.pending, turn.now)
        turn.reply_lines(lines, buttons=buttons)

    def _menu(self, turn: Turn, data: dict[str, str], audience: Audience,
              before: Sequence[Phrase] = ()) -> None:
        buttons = [[button(self._data("all"), "audience.button.everyone"),
                    button(self._data("reg"), "audience.button.by_region")],
                   [button(self._data("top"), "audience.button.by_topic"),
                    button(self._data("tm"), "audience.button.teams")],
                   [button(self._data("rol"), "audience.button.role")],
                   [button(self._data("done"), "audience.button.done"),
                    button("cancel", "button.cancel")]]
        lines = [*before, Phrase("audience.menu", {"audience": describe(audience)})]
        self._show(turn, MENU, data, audience, lines, buttons)

    def _submenu(self, turn: Turn, step: str, data: dict[str, str], audience: Audience,
                 before: Sequence[Phrase] = ()) -> None:
        if step == REGIONS:
            key, choices = "audience.pick_region", self._region_buttons(audience)
        elif step == ROLES:
            key, choices = "audience.pick_role", self._role_buttons(audience)
        elif step == TOPICS:
            key, choices = self._topic_buttons(turn, audience)
        else:
            key, choices = self._team_buttons(turn, audience)
        rows = [choices[i:i + 2] for i in range(0, len(choices), 2)]
        rows.append([button(self._data("menu"), "audience.button.back"),
                     button(self._data("done"), "audience.button.done")])
        lines = [*before, Phrase(key, {"audience": describe(audience)})]
        self._show(turn, step, data, audience, lines, rows)

    def _region_buttons(self, audience: Audience) -> list[Button]:
        return [_choice(self._data(f"r:{r.value}"), region_name(r), r in audience.regions)
                for r in Region]

    def _role_buttons(self, audience: Audience) -> list[Button]:
        return [_choice(self._data(f"o:{r.value}"), Phrase(f"audience.button.{r.value}"),
                        r in audience.roles) for r in AudienceRole]

    def _topic_buttons(self, turn: Turn, audience: Audience) -> tuple[str, list[Button]]:
        topics = turn.uow.audiences.topics()
        if not topics:
            return "audience.no_topics", []
        chosen = audience.topic_keys
        key = "audience.pick_topic" if len(topics) <= _MOST_BUTTONS else "audience.type_topic"
        return key, [_literal(self._data(f"t:{t.team_id}"), t.text[:40],
                              _fold_in(t.text, chosen)) for t in topics[:_MOST_BUTTONS]]

    def _team_buttons(self, turn: Turn, audience: Audience) -> tuple[str, list[Button]]:
        teams = [t for t in turn.uow.teams.all() if t.status != TeamStatus.REJECTED]
        if not teams:
            return "audience.no_teams", []
        chosen = {t.id for t in audience.teams}
        key = "audience.pick_team" if len(teams) <= _MOST_BUTTONS else "audience.type_team"
        return key, [_literal(self._data(f"m:{t.id}"), t.name[:40], t.id in chosen)
                     for t in teams[:_MOST_BUTTONS]]


def _fold_in(text: str, keys: frozenset[str]) -> bool:
    return fold(text) in keys


def _choice(data: str, name: Phrase, chosen: bool) -> Button:
    """A toggle labelled with a catalogue phrase (✓ when chosen)."""
    return button(data, "audience.button.chosen", name=name) if chosen \
        else Button(data=data, phrase=name)


def _literal(data: str, name: str, chosen: bool) -> Button:
    """A toggle labelled with a name (✓ when chosen)."""
    return Button(data=data, label=f"✓ {name}" if chosen else name)


def _selection(data: dict[str, str]) -> Audience:
    try:
        return Audience.from_json(data.get(SELECTION, ""))
    except (ValueError, TypeError, KeyError):
        return Audience()
