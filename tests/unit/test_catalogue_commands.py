"""On Slack, the bot's texts name commands as typed after the slash command ("/peerdesk
tasks"): Slack takes any message starting with "/" as its own command."""

from __future__ import annotations

from handlers.catalogue import Catalogue
from handlers.domain import Language
from handlers.messages import Phrase, UserText


def test_commands_are_written_with_the_slash_command_for_slack_readers() -> None:
    catalogue = Catalogue({language: {
        "a.b": "Send /tasks or /peerdesk-like words; see https://t.me/x/y and a/b {text}",
    } for language in Language}).with_command_prefix("slack", "/peerdesk ")
    slack = catalogue.for_platform("slack")
    quoted = Phrase("a.b", {"text": UserText("/tasks stays as written", Language.EN)})
    assert slack.render(quoted, Language.EN) == (
        "Send /peerdesk tasks or /peerdesk peerdesk-like words; see https://t.me/x/y and a/b "
        "/tasks stays as written")
    assert catalogue.for_platform("telegram").render(quoted, Language.EN).startswith(
        "Send /tasks or")


def test_the_real_catalogue_on_slack() -> None:
    plain = Catalogue.load()
    slack = plain.with_command_prefix("slack", "/peerdesk ").for_platform("slack")
    for language in Language:
        mentioning = [key for key, text in plain.texts[language].items() if "/cancel" in text]
        assert mentioning, language
        for key in mentioning:
            assert "/peerdesk cancel" in slack.text(key, language), key
        for key, text in slack.texts[language].items():
            assert "/peerdesk /" not in text and "//peerdesk" not in text, key
            assert "https:/peerdesk" not in text, key
