"""Typed settings read from ``config.toml``; secrets come from environment variables it names.

Any missing or wrong value stops start-up with one line naming the key, the value and what is
expected (:class:`ConfigError`).
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.delivery_settings import DeliverySettings, read_delivery
from bot.health_settings import KEYS as HEALTH_KEYS
from bot.health_settings import HealthSettings, read_health, read_log_format
from bot.privacy_settings import PrivacySettings, read_privacy
from bot.schedule_settings import ScheduleSettings, read_schedule
from bot.settings_table import ConfigError as ConfigError
from bot.settings_table import Section, section
from bot.slack_settings import KEYS as SLACK_KEYS
from bot.slack_settings import SlackSettings, read_slack
from bot.translation.settings import TranslationSettings, read_translation
from bot.webhook_settings import KEYS as WEBHOOK_KEYS
from bot.webhook_settings import WebhookSettings, read_mode
from handlers.domain import Language

T = TypeVar("T")

PLATFORMS = ("console", "telegram", "slack")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
KINDS = ("pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "txt", "md",
         "csv", "zip")
_DEFAULT_ENVS = {
    "telegram.token_env": "PEERDESK_TELEGRAM_TOKEN",
}


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """Where data lives."""

    data_dir: Path
    database_url: str
    sqlite_sync: str = "NORMAL"
    # True: the help desk handles inbound messages in a second process (bot/desk_process.py).
    desk_process: bool = False


@dataclass(frozen=True, slots=True)
class HelpDeskSettings:
    """How the help desk behaves."""

    coordinators: tuple[str, ...]
    require_team_approval: bool
    default_language: Language
    default_timezone: str
    question_timeout_hours: int = 24


@dataclass(frozen=True, slots=True)
class DeliverableSettings:
    """What files teams may hand in."""

    max_size_mb: int = 20
    allowed_types: tuple[str, ...] = KINDS
    reviewers_per_deliverable: int = 1


@dataclass(frozen=True, slots=True)
class PlatformSettings:
    """One chat platform: whether it runs and the environment variables holding its secrets."""

    name: str
    enabled: bool
    secret_envs: tuple[str, ...]
    # Telegram: where the Bot API is (a local Bot API server lifts the 20 MB download limit).
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    # Telegram: "polling", or "webhook" with where it listens (bot/webhook_settings.py).
    mode: str = "polling"
    webhook: WebhookSettings | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``config.toml`` says."""

    path: Path
    storage: StorageSettings
    helpdesk: HelpDeskSettings
    telegram: PlatformSettings
    slack: PlatformSettings
    translation: TranslationSettings
    log_level: str
    deliverables: DeliverableSettings = DeliverableSettings()
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    # Slack: its mode, secrets' variables, Web API and command (bot/slack_settings.py).
    slack_app: SlackSettings = field(default_factory=SlackSettings)
    # The /healthz and /metrics endpoint of `peerdesk run` (bot/health_settings.py).
    health: HealthSettings = field(default_factory=HealthSettings)
    # "text" or "json" (one object per line).
    log_format: str = "text"
    # What /forget does with what a member wrote (bot/privacy_settings.py).
    privacy: PrivacySettings = field(default_factory=PrivacySettings)

    @property
    def platforms(self) -> list[str]:
        """The chat platforms that will run (the console is always available)."""
        return [p.name for p in (self.telegram, self.slack) if p.enabled]


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check ``config.toml``; raise :class:`ConfigError` with one line on any problem."""
    env = os.environ if environ is None else environ
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found; pass --config PATH") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - {"storage", "helpdesk", "deliverables", "telegram", "slack",
                                  "translation", "logging", "scheduler", "followups", "events",
                                  "broadcasts", "delivery", "health",
                                  "privacy"})
    if unknown:
        raise ConfigError(f"[{unknown[0]}]: unknown section; expected storage, helpdesk, "
                          "deliverables, telegram, slack, translation, scheduler, followups, "
                          "events, broadcasts, delivery, health, privacy, logging")
    slack = read_slack(section(data, "slack", SLACK_KEYS), env)
    logs = section(data, "logging", {"level", "format"})
    return Settings(
        path=path,
        storage=_storage(section(data, "storage", {"data_dir", "database_url",
                                                   "database_url_env", "sqlite_sync",
                                                   "desk_process"}),
                         path.parent, env),
        helpdesk=_helpdesk(section(data, "helpdesk", {
            "coordinators", "require_team_approval", "default_language", "default_timezone",
            "question_timeout_hours"})),
        telegram=_telegram(section(data, "telegram", {"enabled", "token_env", "base_url",
                                                      "base_file_url", *WEBHOOK_KEYS}), env),
        slack=PlatformSettings("slack", slack.enabled, slack.secret_envs, base_url=slack.base_url,
                               mode=slack.mode),
        slack_app=slack,
        translation=read_translation(data, env),
        log_level=_log_level(logs),
        log_format=read_log_format(logs),
        health=read_health(section(data, "health", HEALTH_KEYS)),
        deliverables=_deliverables(section(data, "deliverables",
                                            {"max_size_mb", "allowed_types",
                                             "reviewers_per_deliverable"})),
        schedule=read_schedule(data),
        delivery=read_delivery(data),
        privacy=read_privacy(data),
    )


def _deliverables(section: Section) -> DeliverableSettings:
    size = section.get("max_size_mb", int, 20)
    if not 1 <= size <= 2000:
        raise section.fail("max_size_mb", size, "a whole number of megabytes, 1 to 2000")
    kinds = section.strings("allowed_types", KINDS)
    for kind in kinds:
        if kind not in KINDS:
            raise section.fail("allowed_types", kind, f"types among {', '.join(KINDS)}")
    if not kinds:
        raise section.fail("allowed_types", [], "at least one type")
    reviewers = section.get("reviewers_per_deliverable", int, 1)
    if not 1 <= reviewers <= 5:
        raise section.fail("reviewers_per_deliverable", reviewers, "a whole number from 1 to 5")
    return DeliverableSettings(max_size_mb=size, allowed_types=kinds,
                               reviewers_per_deliverable=reviewers)


def _storage(section: Section, base: Path, env: Mapping[str, str]) -> StorageSettings:
    data_dir = Path(section.get("data_dir", str, "data"))
    if not data_dir.is_absolute():
        data_dir = base / data_dir
    url = section.get("database_url", str, "")
    if url and "://" not in url:
        raise section.fail("database_url", url,
                           "a database URL such as sqlite:///data/peerdesk.db, or empty")
    url_env = section.get("database_url_env", str, "PEERDESK_DATABASE_URL")
    from_env = env.get(url_env, "") if url_env else ""
    if from_env and "://" not in from_env:
        raise ConfigError(f"[storage] database_url_env = {url_env!r}: ${url_env} does not hold "
                          "a database URL such as postgresql+psycopg://user:pw@host/db")
    url = from_env or url
    key = "database_url_env" if from_env else "database_url"
    if url and not _usable_url(url):
        shown = url.split("@")[-1] if from_env else url
        raise ConfigError(f"[storage] {key}: {shown!r} is not a database peerdesk can use; "
                          "expected sqlite:///PATH or postgresql+psycopg://USER:PW@HOST/DB")
    if not _can_create(data_dir):
        raise section.fail("data_dir", str(data_dir), "a folder peerdesk can create and write")
    if not url:
        url = f"sqlite:///{data_dir / 'peerdesk.db'}"
    sync = section.get("sqlite_sync", str, "normal").upper()
    if sync not in ("NORMAL", "FULL"):
        raise section.fail("sqlite_sync", sync.lower(), "normal or full")
    return StorageSettings(data_dir=data_dir, database_url=url, sqlite_sync=sync,
                           desk_process=section.get("desk_process", bool, False))


def _usable_url(url: str) -> bool:
    """Whether SQLAlchemy knows the URL's database and driver (and it is one we support)."""
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        return False
    return parsed.get_backend_name() in ("sqlite", "postgresql")


def _can_create(folder: Path) -> bool:
    """Whether a folder exists and is writable, or could be created."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def _helpdesk(section: Section) -> HelpDeskSettings:
    coordinators = section.strings("coordinators", ())
    for identity in coordinators:
        platform, _, rest = identity.partition(":")
        if platform not in PLATFORMS or not rest:
            raise section.fail("coordinators", identity,
                               "identities like console:carla, telegram:123 or slack:T1/U2")
    language = section.get("default_language", str, "en")
    try:
        default_language = Language(language)
    except ValueError:
        raise section.fail("default_language", language, "one of en, pt, es, fr") from None
    zone = section.get("default_timezone", str, "UTC")
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise section.fail("default_timezone", zone,
                           "an IANA time zone such as UTC or Africa/Maputo") from None
    hours = section.get("question_timeout_hours", int, 24)
    if not 1 <= hours <= 24 * 30:
        raise section.fail("question_timeout_hours", hours, "a whole number of hours, 1 to 720")
    return HelpDeskSettings(coordinators=coordinators, question_timeout_hours=hours,
                            require_team_approval=section.get("require_team_approval", bool,
                                                              False),
                            default_language=default_language, default_timezone=zone)


def _platform(section: Section, name: str, env_keys: tuple[str, ...],
              env: Mapping[str, str]) -> PlatformSettings:
    enabled = section.get("enabled", bool, False)
    envs = tuple(section.get(key, str, _DEFAULT_ENVS[f"{name}.{key}"]) for key in env_keys)
    if enabled:
        for key, var in zip(env_keys, envs, strict=True):
            if not var:
                raise section.fail(key, var, "the name of an environment variable")
            if not env.get(var):
                raise ConfigError(f"[{name}] {key} = {var!r}: the environment variable ${var} is "
                                  f"not set; export it or set [{name}] enabled = false")
    return PlatformSettings(name=name, enabled=enabled, secret_envs=envs)


def _telegram(section: Section, env: Mapping[str, str]) -> PlatformSettings:
    platform = _platform(section, "telegram", ("token_env",), env)
    base_url = _http_url(section, "base_url", platform.base_url)
    base_file_url = _http_url(section, "base_file_url", platform.base_file_url)
    mode, webhook = read_mode(section, platform.enabled, env)
    return replace(platform, base_url=base_url, base_file_url=base_file_url, mode=mode,
                   webhook=webhook)


def _http_url(section: Section, key: str, default: str) -> str:
    url = section.get(key, str, default)
    if not url.startswith(("https://", "http://")):
        raise section.fail(key, url, "an http(s) URL such as " + default)
    return url


def _log_level(section: Section) -> str:
    level = section.get("level", str, "INFO").upper()
    if level not in LOG_LEVELS:
        raise section.fail("level", level, f"one of {', '.join(LOG_LEVELS)}")
    return level
