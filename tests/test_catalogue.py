"""The bot's own words: complete in all four languages, and every key the code uses exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from handlers.catalogue import Catalogue, CatalogueError, check, read_language
from handlers.commands import COMMANDS
from handlers.domain import Language, Region, RequestStatus, Role, TeamRole, TeamStatus
from handlers.messages import Phrase
from handlers.tasks import FIELDS

KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


def keys_in_code() -> set[str]:
    """Every string literal in handlers/ that looks like a catalogue key."""
    found: set[str] = set()
    for path in HANDLERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if KEY.match(value) and not value.endswith("_") \
                        and value.split(".", 1)[0] in PREFIXES:
                    found.add(value)
    return found


CATALOGUE = Catalogue.load()
PREFIXES = {key.split(".", 1)[0] for key in CATALOGUE.texts[Language.EN]}


def test_all_four_languages_are_complete() -> None:
    assert check(CATALOGUE.texts) == []
    for language in Language:
        assert len(CATALOGUE.texts[language]) == len(CATALOGUE.texts[Language.EN])


def test_every_key_the_code_uses_exists() -> None:
    used = keys_in_code()
    assert len(used) > 80
    missing = sorted(key for key in used if not CATALOGUE.has(key))
    assert missing == []


@pytest.mark.parametrize("key", sorted(
    [f"help.cmd.{name}" for name in COMMANDS]
    + [f"region.{r.value}" for r in Region] + [f"role.{r.value}" for r in Role]
    + [f"team_role.{r.value}" for r in TeamRole] + [f"team_status.{s.value}" for s in TeamStatus]
    + [f"request_status.{s.value}" for s in RequestStatus]
    + [f"task_field.{f}" for f in FIELDS] + [f"edittask.ask_{f}" for f in FIELDS]
    + ["newtask.bad_title", "newtask.bad_output"]))
def test_keys_built_from_names_exist(key: str) -> None:
    assert CATALOGUE.has(key)


def test_languages_say_their_own_name() -> None:
    assert "English" in CATALOGUE.text("lang.set", Language.EN)
    assert "português" in CATALOGUE.text("lang.set", Language.PT)
    assert "español" in CATALOGUE.text("lang.set", Language.ES)
    assert "français" in CATALOGUE.text("lang.set", Language.FR)


def test_nested_phrases_render_in_the_readers_language() -> None:
    item = Phrase("team.decided", {"team": "Kuna", "status": Phrase("team_status.approved", {})})
    assert CATALOGUE.render(item, Language.EN) == "Done: team “Kuna” is approved."
    assert "aprobado" in CATALOGUE.render(item, Language.ES)


def _write_po(root: Path, language: str, entries: dict[str, str]) -> None:
    folder = root / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items())
    (folder / "peerdesk.po").write_text(body, encoding="utf-8")


def test_a_missing_key_or_placeholder_fails_loading(tmp_path: Path) -> None:
    _write_po(tmp_path, "en", {"a.b": "Hello {name}", "a.c": "Bye"})
    _write_po(tmp_path, "pt", {"a.b": "Olá {nome}", "a.c": "Tchau"})
    _write_po(tmp_path, "es", {"a.b": "Hola {name}"})
    _write_po(tmp_path, "fr", {"a.b": "Bonjour {name}", "a.c": "Au revoir", "a.d": "extra"})
    with pytest.raises(CatalogueError) as failure:
        Catalogue.load(tmp_path)
    message = str(failure.value)
    assert "pt: a.b has placeholders ['nome']" in message
    assert "es: missing a.c" in message
    assert "fr: a.d is not in English" in message


def test_an_unreadable_catalogue_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        read_language(Language.PT, tmp_path)
