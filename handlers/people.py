"""Finding the person someone means by name, and asking which one when several match."""

from __future__ import annotations

import hashlib
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


def pick_buttons(members: Sequence[Member], question: str) -> list[list[Button]]:
    """One button per candidate, labelled with their name and number, bound to one question."""
    return [[Button(data=f"pick:{question}:{m.id}", label=f"{m.name} (#{m.id})")]
            for m in members[:8]]


def question_token(turn: Turn, flow: str, data: dict[str, str], members: Sequence[Member]) -> str:
    """A short token naming one question, so that buttons of an older one are refused."""
    seed = "|".join([flow, repr(sorted(data.items())), ",".join(str(m.id) for m in members),
                     turn.now.isoformat()])
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:8]


def resolve_person(turn: Turn, flow: str, text: str, data: dict[str, str],
                   among: Sequence[Member] | None = None) -> Member | None:
    """The one member a name means; otherwise says why and asks again within the flow."""
    found = find_person(turn, text, among)
    exact = text.strip().lstrip("@").casefold()
    if len(found) == 1 and (found[0].name.casefold() == exact or text.strip().startswith("#")):
        return found[0]  # a partial name is confirmed with a button, never taken as is
    if not found:
        turn.ask(flow, "name", "person.not_found", data=data, name=text.strip())
    else:
        question = question_token(turn, flow, data, found)
        key = "person.confirm" if len(found) == 1 else "person.ambiguous"
        turn.ask(flow, "name", key, data={**data, "q": question}, name=text.strip(),
                 buttons=pick_buttons(found, question))
    return None
