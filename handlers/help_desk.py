"""Help requests: ``/ask``; coordinators answer by replying; ``/close``; ``/tickets``."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import HelpRequest, Member, RequestStatus, Role, parse_number
from handlers.messages import Button, Context, Phrase, UserText
from handlers.turn import Turn, phrase

ASK = "ask"
ANSWER = "answer"
CLOSE = "close"
HELP_REQUEST = "help_request"
_MAX_QUESTION = 4000


def ask_help_desk(turn: Turn, args: str) -> None:
    """``/ask QUESTION``: send a question to every coordinator."""
    if not args.strip():
        turn.ask(ASK, "question", "ask.ask_question")
        return
    _open_request(turn, args.strip())


def answer_ask(turn: Turn, step: str, text: str) -> None:
    """The question typed after a bare ``/ask``."""
    _open_request(turn, text.strip())


def _open_request(turn: Turn, question: str) -> None:
    if not question:
        turn.ask(ASK, "question", "ask.ask_question")
        return
    if len(question) > _MAX_QUESTION:
        turn.ask(ASK, "question", "ask.too_long", limit=_MAX_QUESTION)
        return
    turn.finish_flow()
    team = turn.uow.teams.of_member(turn.sender.id)
    request = turn.uow.help_requests.open(turn.sender.id, team.id if team else None, question,
                                          turn.sender.language, turn.now)
    if team is not None:
        turn.uow.teams.touch(team.id, turn.now)
    coordinators = [m for m in turn.uow.members.with_role(Role.COORDINATOR)
                    if m.id != turn.sender.id]
    turn.reply("ask.sent", number=request.id, context=Context(HELP_REQUEST, request.id))
    if not coordinators and not turn.sender.is_coordinator:
        turn.reply("ask.no_coordinator")
    turn.tell_all(coordinators, "ask.to_coordinators", context=Context(HELP_REQUEST, request.id),
                  number=request.id, name=turn.sender.name,
                  team=team.name if team else phrase("ask.no_team"),
                  question=UserText(question, turn.sender.language, author=turn.sender.id))


def reply_to_request(turn: Turn, request_id: int, text: str) -> None:
    """A reply to a message about a help request: an answer (coordinator) or a follow-up (asker)."""
    request = turn.uow.help_requests.get(request_id)
    if request is None:
        turn.reply("reply.nothing")
        return
    if turn.sender.is_coordinator and turn.sender.id != request.asker_id:
        _answer(turn, request, text)
    elif turn.sender.id == request.asker_id:
        _follow_up(turn, request, text)
    else:
        turn.reply("perm.coordinator")


def answer_request(turn: Turn, args: str) -> None:
    """``/answer N TEXT``: answer a help request without replying to its message.

    Without a number it asks which open request (buttons), then asks for the text.
    """
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    number, _, text = args.strip().partition(" ")
    if not number:
        _ask_which(turn, ANSWER, "answer.ask_number", turn.uow.help_requests.open_requests())
        return
    _take_answer(turn, number, text)


def answer_answer(turn: Turn, step: str, text: str) -> None:
    """The steps of a guided ``/answer``: which request, then the answer's text."""
    if not turn.sender.is_coordinator:
        turn.finish_flow()
        turn.reply("perm.coordinator")
        return
    if step == "number":
        _take_answer(turn, text.strip(), "")
        return
    number = turn.pending.data.get("number", "") if turn.pending else ""
    _take_answer(turn, number, text)


def _take_answer(turn: Turn, number: str, text: str) -> None:
    request = _request(turn, number)
    if request is None:
        return
    if not text.strip():
        turn.ask(ANSWER, "text", "answer.ask_text", data={"number": str(request.id)},
                 number=request.id, question=UserText(_brief(request.text), request.language,
                                                      author=request.asker_id))
        return
    if len(text) > _MAX_QUESTION:
        turn.ask(ANSWER, "text", "ask.too_long", data={"number": str(request.id)},
                 limit=_MAX_QUESTION)
        return
    turn.finish_flow()
    _answer(turn, request, text.strip())


def _ask_which(turn: Turn, flow: str, key: str, requests: list[HelpRequest]) -> None:
    """Ask which request, offering the oldest open ones as buttons."""
    if not requests:
        turn.reply("tickets.empty")
        return
    buttons = [[Button(data=f"{flow}:{r.id}", label=f"#{r.id} · {_brief(r.text, 32)}")]
               for r in requests[:8]]
    turn.ask(flow, "number", key, buttons=buttons)


def _answer(turn: Turn, request: HelpRequest, text: str) -> None:
    turn.uow.help_requests.add_message(request.id, turn.sender.id, text, turn.sender.language,
                                       turn.now)
    if request.status == RequestStatus.CLOSED:
        turn.uow.help_requests.set_status(request.id, True, turn.sender.id, turn.now)
    turn.tell(request.asker_id, "answer.to_asker", context=Context(HELP_REQUEST, request.id),
              number=request.id, name=turn.sender.name,
              answer=UserText(text, turn.sender.language, author=turn.sender.id))
    turn.reply("answer.sent", number=request.id)
    others = [m.id for m in turn.uow.members.with_role(Role.COORDINATOR)
              if m.id not in (turn.sender.id, request.asker_id)]
    turn.tell_all(others, "answer.notice", context=Context(HELP_REQUEST, request.id),
                  number=request.id, name=turn.sender.name,
                  answer=UserText(text, turn.sender.language, author=turn.sender.id))


def _follow_up(turn: Turn, request: HelpRequest, text: str) -> None:
    turn.uow.help_requests.add_message(request.id, turn.sender.id, text, turn.sender.language,
                                       turn.now)
    if request.status == RequestStatus.CLOSED:
        turn.uow.help_requests.set_status(request.id, True, turn.sender.id, turn.now)
    if request.team_id is not None:
        turn.uow.teams.touch(request.team_id, turn.now)  # the team said something
    coordinators = {m.id for m in turn.uow.members.with_role(Role.COORDINATOR)}
    answered = turn.uow.help_requests.participants(request.id) & coordinators
    targets = sorted((answered or coordinators) - {turn.sender.id})
    turn.reply("followup.sent", number=request.id)
    turn.tell_all(targets, "followup.to_coordinators", context=Context(HELP_REQUEST, request.id),
                  number=request.id, name=turn.sender.name,
                  text=UserText(text, turn.sender.language, author=turn.sender.id))


def close_request(turn: Turn, args: str) -> None:
    """``/close N``: mark a help request solved (its asker or a coordinator).

    Without a number it asks which one, offering the open requests the person may close.
    """
    if not args.strip():
        if turn.sender.is_coordinator:
            mine = turn.uow.help_requests.open_requests()
        else:
            mine = [r for r in turn.uow.help_requests.asked_by(turn.sender.id)
                    if r.status == RequestStatus.OPEN]
        _ask_which(turn, CLOSE, "close.ask_number", mine)
        return
    turn.finish_flow()
    request = _request(turn, args.strip())
    if request is None:
        return
    if not turn.sender.is_coordinator and turn.sender.id != request.asker_id:
        turn.reply("close.not_yours", number=request.id)
        return
    if request.status == RequestStatus.CLOSED:
        turn.reply("close.already", number=request.id)
        return
    turn.uow.help_requests.set_status(request.id, False, turn.sender.id, turn.now)
    turn.reply("close.done", number=request.id)
    if turn.sender.id != request.asker_id:
        turn.tell(request.asker_id, "close.to_asker", context=Context(HELP_REQUEST, request.id),
                  number=request.id, name=turn.sender.name)


def _request(turn: Turn, number: str) -> HelpRequest | None:
    if not number.lstrip("#"):
        turn.reply("request.usage")
        return None
    request_id = parse_number(number)
    request = turn.uow.help_requests.get(request_id) if request_id is not None else None
    if request is None:
        turn.reply("request.not_found", number=number)
    return request


def list_tickets(turn: Turn, args: str) -> None:
    """``/tickets``: open requests oldest first (coordinators) or your own requests."""
    if turn.sender.is_coordinator:
        requests = turn.uow.help_requests.open_requests()
        header = "tickets.header_open"
    else:
        requests = turn.uow.help_requests.asked_by(turn.sender.id)
        header = "tickets.header_mine"
    if not requests:
        turn.reply("tickets.empty")
        return
    names = {m.id: m.name for m in _askers(turn, requests)}
    lines: list[Phrase] = [phrase(header, count=len(requests))]
    for request in requests[:50]:
        lines.append(phrase(
            "tickets.line", number=request.id, age=age(request.created_at, turn.now),
            name=names.get(request.asker_id, "?"),
            status=phrase("request_status.urgent" if request.urgent
                          and request.status == RequestStatus.OPEN
                          else f"request_status.{request.status.value}"),
            question=UserText(_brief(request.text), request.language)))
    turn.reply_lines(lines)


def _askers(turn: Turn, requests: list[HelpRequest]) -> list[Member]:
    found: list[Member] = []
    for asker_id in {r.asker_id for r in requests}:
        member = turn.uow.members.get(asker_id)
        if member is not None:
            found.append(member)
    return found


def _brief(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def age(since: datetime, now: datetime) -> Phrase:
    """How long ago something happened, as a phrase (``3 d 4 h``, ``2 h 5 min``)."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return phrase("age.days", days=days, hours=hours)
    if hours:
        return phrase("age.hours", hours=hours, minutes=mins)
    return phrase("age.minutes", minutes=mins)
