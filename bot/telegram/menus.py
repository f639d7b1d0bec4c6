"""Telegram's command menus in each of the four languages, from the bot's own catalogue: the
private-chat menu lists what a member does with the bot, the group menu what makes sense in a
team's group. Telegram shows each user the menu of their app's language (English otherwise)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from handlers.catalogue import Catalogue
from handlers.domain import Language
from handlers.messages import Phrase

PRIVATE = ("start", "help", "team", "tasks", "status", "ask", "tickets", "nags", "events",
           "lang", "tz", "tr", "export", "forget", "cancel")
GROUPS = ("help", "team", "tasks", "status", "events", "ask", "linkgroup", "unlinkgroup")
# Telegram's limit on a command's description.
LONGEST = 256


def describe(catalogue: Catalogue, name: str, language: Language) -> str:
    """A command's description: its /help line without the command itself."""
    line = catalogue.render(Phrase(f"help.cmd.{name}"), language)
    _command, _dash, description = line.partition(" — ")
    text = (description or line).strip()
    return text if len(text) <= LONGEST else text[:LONGEST - 1] + "…"


def commands(catalogue: Catalogue, names: Sequence[str],
             language: Language) -> list[BotCommand]:
    """The menu entries for some commands in one language."""
    return [BotCommand(name, describe(catalogue, name, language)) for name in names]


async def publish_menus(bot: Bot, catalogue: Catalogue) -> None:
    """Set the private-chat and group menus in every language (English also as the default)."""
    for scope, names in ((BotCommandScopeAllPrivateChats(), PRIVATE),
                         (BotCommandScopeAllGroupChats(), GROUPS)):
        await bot.set_my_commands(commands(catalogue, names, Language.EN), scope=scope)
        for language in Language:
            await bot.set_my_commands(commands(catalogue, names, language), scope=scope,
                                      language_code=language.value)
