"""The ``[translation]`` part of ``config.toml``: the provider chain, its limits and the glossary.

Secrets (API keys) are never in the file: it names the environment variables that hold them.
A provider in the chain that lacks its key or URL stops start-up with one line saying what to
set, rather than failing on every message later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.settings_table import ConfigError, Section, section
from handlers.domain import Language

PROVIDERS = ("google", "mymemory", "libretranslate", "deepl", "microsoft", "apertium")

_KEYS = {"providers", "deadline_seconds", "max_concurrent", "cooldown_seconds",
         "detect_language", "retry_failed", "retry_first_minutes", "retry_attempts",
         "apertium", "libretranslate", "deepl", "microsoft", "mymemory", "glossary"}
# Environment variables holding each provider's secrets, unless the file names others.
_DEFAULT_ENVS = {
    ("libretranslate", "key_env"): "PEERDESK_LIBRETRANSLATE_KEY",
    ("deepl", "key_env"): "PEERDESK_DEEPL_KEY",
    ("microsoft", "key_env"): "PEERDESK_MICROSOFT_KEY",
    ("microsoft", "region_env"): "PEERDESK_MICROSOFT_REGION",
    ("mymemory", "email_env"): "PEERDESK_MYMEMORY_EMAIL",
}


@dataclass(frozen=True, slots=True)
class TranslationSettings:
    """How what people write is translated."""

    providers: tuple[str, ...] = ("google", "apertium")
    deadline_seconds: float = 8.0
    max_concurrent: int = 4
    cooldown_seconds: float = 60.0
    detect_language: bool = True
    retry_failed: bool = True
    retry_first_minutes: int = 2
    retry_attempts: int = 10
    apertium_apy_url: str = ""
    apertium_command: str = "apertium"
    libretranslate_url: str = ""
    #: Secrets and optional values read from the environment: deepl_key, microsoft_key,
    #: microsoft_region, libretranslate_key, mymemory_email.
    secrets: Mapping[str, str] = field(default_factory=dict)
    #: Programme terms: term → {language: how it is said}.
    glossary: Mapping[str, Mapping[Language, str]] = field(default_factory=dict)


def read_translation(data: Mapping[str, Any], env: Mapping[str, str]) -> TranslationSettings:
    """Read and check the ``[translation]`` table."""
    table = section(data, "translation", _KEYS)
    providers = table.strings("providers", ("google", "apertium"))
    for provider in providers:
        if provider not in PROVIDERS:
            raise table.fail("providers", provider, f"names among {', '.join(PROVIDERS)}")
    if not providers:
        raise table.fail("providers", [], "at least one provider, e.g. [\"apertium\"]")
    if len(set(providers)) != len(providers):
        raise table.fail("providers", list(providers), "each provider at most once")
    deadline = table.get("deadline_seconds", float, 8.0)
    if not 0.5 <= deadline <= 120:
        raise table.fail("deadline_seconds", deadline, "seconds, from 0.5 to 120")
    concurrent = table.get("max_concurrent", int, 4)
    if not 1 <= concurrent <= 64:
        raise table.fail("max_concurrent", concurrent, "a whole number from 1 to 64")
    cooldown = table.get("cooldown_seconds", float, 60.0)
    if not 0 <= cooldown <= 3600:
        raise table.fail("cooldown_seconds", cooldown, "seconds, from 0 (never rest) to 3600")
    first = table.get("retry_first_minutes", int, 2)
    if not 1 <= first <= 24 * 60:
        raise table.fail("retry_first_minutes", first, "a whole number of minutes, 1 to 1440")
    attempts = table.get("retry_attempts", int, 10)
    if not 1 <= attempts <= 100:
        raise table.fail("retry_attempts", attempts, "a whole number from 1 to 100")
    apertium = _sub(table, "apertium", {"apy_url", "command"})
    apy_url = apertium.get("apy_url", str, "")
    if apy_url and not apy_url.startswith(("http://", "https://")):
        raise apertium.fail("apy_url", apy_url, "an http:// URL of an APy server, or empty")
    libre = _sub(table, "libretranslate", {"url", "key_env"})
    libre_url = libre.get("url", str, "")
    if "libretranslate" in providers and not libre_url.startswith(("http://", "https://")):
        raise libre.fail("url", libre_url, "the http(s):// URL of a LibreTranslate server "
                         "(it is in [translation] providers)")
    secrets = _secrets(table, env)
    for provider, secret in (("deepl", "deepl_key"), ("microsoft", "microsoft_key")):
        if provider in providers and not secrets.get(secret):
            variable = _env_name(_sub(table, provider, {"key_env", "region_env"}), provider,
                                 "key_env")
            raise ConfigError(f"[translation.{provider}] key_env = {variable!r}: the environment "
                              f"variable ${variable} is not set; export it or remove "
                              f"{provider} from [translation] providers")
    return TranslationSettings(
        providers=providers, deadline_seconds=deadline, max_concurrent=concurrent,
        cooldown_seconds=cooldown, detect_language=table.get("detect_language", bool, True),
        retry_failed=table.get("retry_failed", bool, True), retry_first_minutes=first,
        retry_attempts=attempts, apertium_apy_url=apy_url.rstrip("/"),
        apertium_command=apertium.get("command", str, "apertium") or "apertium",
        libretranslate_url=libre_url, secrets=secrets, glossary=_glossary(table))


def _sub(table: Section, name: str, known: set[str]) -> Section:
    """``[translation.NAME]``, empty when absent."""
    sub = table.table.get(name, {})
    if not isinstance(sub, dict):
        raise table.fail(name, sub, "a table")
    return Section(f"translation.{name}", sub, known)


def _env_name(table: Section, provider: str, key: str) -> str:
    return table.get(key, str, _DEFAULT_ENVS[(provider, key)])


def _secrets(table: Section, env: Mapping[str, str]) -> dict[str, str]:
    """Each provider's secrets from the environment variables the file names."""
    found: dict[str, str] = {}
    for (provider, key), _default in _DEFAULT_ENVS.items():
        known = {k for (p, k) in _DEFAULT_ENVS if p == provider}
        if provider == "libretranslate":
            known |= {"url"}
        variable = _env_name(_sub(table, provider, known), provider, key)
        value = env.get(variable, "") if variable else ""
        if value:
            found[f"{provider}_{key.removesuffix('_env')}"] = value
    return found


def _glossary(table: Section) -> dict[str, dict[Language, str]]:
    """``[translation.glossary]``: ``term = { en = "…", pt = "…", es = "…", fr = "…" }``."""
    raw = table.table.get("glossary", {})
    if not isinstance(raw, dict):
        raise table.fail("glossary", raw, "a table of terms")
    glossary: dict[str, dict[Language, str]] = {}
    for term, forms in raw.items():
        if not isinstance(forms, dict) or not forms:
            raise ConfigError(f"[translation.glossary] {term} = {forms!r}: expected a table "
                              "like { en = \"…\", pt = \"…\", es = \"…\", fr = \"…\" }")
        entry: dict[Language, str] = {}
        for code, text in forms.items():
            try:
                language = Language(code)
            except ValueError:
                raise ConfigError(f"[translation.glossary] {term}.{code}: unknown language; "
                                  "expected en, pt, es or fr") from None
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"[translation.glossary] {term}.{code} = {text!r}: expected "
                                  "the term as a non-empty string")
            entry[language] = text.strip()
        if len(entry) < 2:
            raise ConfigError(f"[translation.glossary] {term}: give the term in at least two "
                              "languages")
        glossary[str(term)] = entry
    return glossary
