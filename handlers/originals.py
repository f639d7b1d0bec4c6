"""The reader's side of translation: the original one step away, translation on demand, and
turning automatic translation off.

``/original N`` (or the "Original" button, or replying ``/original`` to a message) shows what
was written before translation. ``/tr LANG TEXT`` translates a text for the asker; replying
``/tr`` to a message translates what it quotes into the asker's language. ``/translate off``
makes a member always get what others write as written.
"""

from __future__ import annotations

from handlers.domain import Language, parse_number
from handlers.messages import UserText
from handlers.onboarding import parse_language
from handlers.ports import QuotedMessage
from handlers.team_talk import OFF, ON
from handlers.translation import original_text
from handlers.turn import Turn, button, phrase


def _replied_message(turn: Turn) -> QuotedMessage | None:
    """The message the member replied to, as it was queued for them."""
    reply_to = turn.inbound.reply_to
    if reply_to is None:
        return None
    chat = turn.inbound.chat
    sent = turn.uow.outbox.find_sent(chat.platform, chat.chat_id, reply_to)
    if sent is None or sent.outbox_id is None:
        return None
    return turn.uow.outbox.quoted(turn.sender.id, sent.outbox_id)


def show_original(turn: Turn, args: str) -> None:
    """``/original N``: the message's quoted texts as they were written."""
    if args.strip():
        number = parse_number(args)
        if number is None:
            turn.reply("original.usage")
            return
        message = turn.uow.outbox.quoted(turn.sender.id, number)
        if message is None:
            turn.reply("original.unknown", number=args.strip())
            return
    else:
        message = _replied_message(turn)
        if message is None:
            turn.reply("original.usage")
            return
    _send_original(turn, message)


def press_original(turn: Turn, arg: str) -> None:
    """The "Original" button under a translated message."""
    number = parse_number(arg)
    message = turn.uow.outbox.quoted(turn.sender.id, number) if number is not None else None
    if message is None:
        turn.reply("button.stale")
        return
    _send_original(turn, message)


def _send_original(turn: Turn, message: QuotedMessage) -> None:
    if message.template is None or not any(p.needs_work for p in message.pieces):
        turn.reply("original.nothing", number=message.number)
        return
    languages = ", ".join(dict.fromkeys(p.source.value for p in message.pieces))
    turn.reply("original.header", number=message.number, language=languages,
               text=original_text(message.template, message.pieces))


def translate_on_demand(turn: Turn, args: str) -> None:
    """``/tr LANG TEXT``, or ``/tr [LANG]`` as a reply to a message."""
    head, _, rest = args.strip().partition(" ")
    if turn.inbound.reply_to is not None and not rest.strip():
        target = parse_language(head) if head else turn.sender.language
        if target is None:
            turn.reply("tr.bad_language", given=head)
            return
        _translate_replied(turn, target)
        return
    if not head or not rest.strip():
        turn.reply("tr.usage")
        return
    target = parse_language(head)
    if target is None:
        turn.reply("tr.bad_language", given=head)
        return
    turn.reply("tr.result", text=UserText(rest.strip(), turn.sender.language, target=target))


def _translate_replied(turn: Turn, target: Language) -> None:
    message = _replied_message(turn)
    if message is None:
        turn.reply("tr.unknown")
        return
    if message.template is None or not message.pieces:
        turn.reply("tr.nothing", number=message.number)
        return
    turn.reply_lines([phrase("tr.result", text=UserText(p.text, p.source, target=target,
                                                        certain=not p.detect))
                      for p in message.pieces])


def auto_translation(turn: Turn, args: str) -> None:
    """``/translate on|off``: whether what others write reaches the member translated."""
    choice = args.strip().lower()
    if choice in ("", "status"):
        turn.reply("translate.state_on" if turn.sender.auto_translate
                   else "translate.state_off",
                   buttons=[[button("translate:on", "button.on"),
                             button("translate:off", "button.off")]])
    elif choice in ON:
        turn.uow.members.set_auto_translate(turn.sender.id, True)
        turn.reply("translate.on")
    elif choice in OFF:
        turn.uow.members.set_auto_translate(turn.sender.id, False)
        turn.reply("translate.off")
    else:
        turn.reply("translate.usage", value=args.strip())
