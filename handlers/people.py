"""Finding the person someone means by name, and asking which one when several match."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.domain import Member, parse_number
from handlers.messages import Button
from handlers.turn import Turn


def find_person(turn: Turn, text: str, among: Sequence[Member] | None = None) -> list[Member]:
    """Members matching a name (or ``#ID`` from a pick button), optionally within a group."""
    text = text.strip().lstrip("@")
    number = parse_number(text) if text.startswith("#") else None
    if number is not None:
        member = turn.uow.members.get(number)
        found = [member] if member is not None else []
    elif among is not None:
        found = _match(text, among)
    else:
        found = turn.uow.members.find_by_name(text)
    if among is not None:
        allowed = {m.id for m in among}
        found = [m for m in found if m.id in allowed]
    return found


def _match(text: str, members: Sequence[Member]) -> list[Member]:
    wanted = text.casefold()
    exact = [m for m in members if m.name.casefold() == wanted]
    if exact:
        return exact
    return [m for m in members if m.name.casefold().startswith(wanted)] if wanted else []


def pick_buttons(members: Sequence[Member]) -> list[list[Button]]:
    """One button per candidate, labelled with their name and number."""
    return [[Button(data=f"pick:{m.id}", label=f"{m.name} (#{m.id})")] for m in members[:8]]


def resolve_person(turn: Turn, flow: str, text: str, data: dict[str, str],
                   among: Sequence[Member] | None = None) -> Member | None:
    """The one member a name means; otherwise says why and asks again within the flow."""
    found = find_person(turn, text, among)
    if len(found) == 1:
        return found[0]
    if not found:
        turn.ask(flow, "name", "person.not_found", data=data, name=text.strip())
    else:
        turn.ask(flow, "name", "person.ambiguous", data=data, name=text.strip(),
                 buttons=pick_buttons(found))
    return None
