"""First contact and personal settings: greeting, language (``/lang``) and time zone (``/tz``)."""

from __future__ import annotations

from handlers.domain import LANGUAGE_NAMES, Language
from handlers.messages import Button
from handlers.teams import join_team
from handlers.timezones import TimeZones, clock_time, zone_label
from handlers.turn import GREETING, Turn, phrase

ONBOARDING = GREETING

_LANGUAGE_WORDS: dict[str, Language] = {
    "en": Language.EN, "english": Language.EN, "ingles": Language.EN, "inglés": Language.EN,
    "inglês": Language.EN, "anglais": Language.EN,
    "pt": Language.PT, "portugues": Language.PT, "português": Language.PT,
    "portuguese": Language.PT, "portugais": Language.PT,
    "es": Language.ES, "espanol": Language.ES, "español": Language.ES, "spanish": Language.ES,
    "espanhol": Language.ES, "espagnol": Language.ES, "castellano": Language.ES,
    "fr": Language.FR, "francais": Language.FR, "français": Language.FR, "french": Language.FR,
    "frances": Language.FR, "francés": Language.FR, "francês": Language.FR,
}


def parse_language(text: str) -> Language | None:
    """A language from its code or its name in any of the four languages."""
    return _LANGUAGE_WORDS.get(text.strip().lower())


def language_buttons(current: Language) -> list[list[Button]]:
    """The four languages, each labelled in its own name, the current one ticked."""
    return [[Button(data=f"lang:{lang.value}",
                    label=("✓ " if lang == current else "") + LANGUAGE_NAMES[lang])
             for lang in Language]]


def city_buttons(language: Language) -> list[list[Button]]:
    """The city list for choosing a time zone, three to a row."""
    cities = TimeZones.suggestions(language)
    buttons = [Button(data=f"tz:{city}", label=city) for city in cities]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def start(turn: Turn, args: str) -> None:
    """``/start``: greet and walk the person through language and time zone.

    ``/start join_CODE`` (a deep link shared by a team leader) also joins that team.
    """
    if args.startswith("join_"):
        join_team(turn, args.removeprefix("join_"))
    turn.ask(ONBOARDING, "language", "start.welcome", name=turn.sender.name,
             buttons=language_buttons(turn.sender.language))


def change_language(turn: Turn, args: str) -> None:
    """``/lang [CODE]``: choose the language the bot writes in."""
    if not args:
        turn.ask("lang", "language", "lang.choose",
                 buttons=language_buttons(turn.sender.language))
        return
    _set_language(turn, args)


def answer_language(turn: Turn, step: str, text: str) -> None:
    """The answer to 'which language?', typed or pressed."""
    _set_language(turn, text)


def _set_language(turn: Turn, text: str) -> None:
    language = parse_language(text)
    if language is None:
        turn.reply("lang.unknown", value=text,
                   buttons=language_buttons(turn.sender.language))
        return
    turn.uow.members.set_language(turn.sender.id, language)
    turn.sender = turn.sender._replace(language=language)
    if turn.pending_flow == ONBOARDING:
        turn.ask(ONBOARDING, "timezone", "tz.ask", buttons=city_buttons(language))
        turn.out[-1] = turn.out[-1]._replace(body=(phrase("lang.set"), *turn.out[-1].body))
        return
    _finish_own_flow(turn)
    turn.reply("lang.set")


def _finish_own_flow(turn: Turn) -> None:
    """End the language/time-zone question, but not another guided command in progress
    (an old city or language button may be pressed half-way through ``/newteam``)."""
    if turn.pending_flow in (ONBOARDING, "lang", "tz"):
        turn.finish_flow(greeting=True)


def change_timezone(turn: Turn, args: str) -> None:
    """``/tz [CITY | ZONE | OFFSET]``: set the time zone reminders and local times use."""
    if not args:
        turn.ask("tz", "timezone", "tz.ask", buttons=city_buttons(turn.sender.language))
        return
    _set_timezone(turn, args, onboarding=turn.pending_flow == ONBOARDING)


def answer_timezone(turn: Turn, step: str, text: str) -> None:
    """The answer to 'where are you?', typed or pressed."""
    _set_timezone(turn, text, onboarding=turn.pending_flow == ONBOARDING)


def _set_timezone(turn: Turn, text: str, *, onboarding: bool) -> None:
    zone = turn.deps.zones.find(text)
    if zone is None:
        turn.reply("tz.unknown", value=text, buttons=city_buttons(turn.sender.language))
        return
    turn.uow.members.set_timezone(turn.sender.id, zone)
    _finish_own_flow(turn)
    lines = [phrase("tz.set", zone=zone_label(zone),
                    time=clock_time(zone, turn.now))]
    if onboarding:
        lines.append(phrase("start.ready"))
    turn.reply_lines(lines)
