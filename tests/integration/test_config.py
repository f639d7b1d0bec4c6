"""config.toml: the shipped file is valid; each wrong value stops start-up with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.config import ConfigError, load_settings
from handlers.domain import Language
from handlers.privacy_ports import ForgetMode

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid_and_documented() -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    assert settings.helpdesk.coordinators == ("console:carla",)
    assert settings.helpdesk.default_language == Language.EN
    assert settings.storage.database_url == f"sqlite:///{ROOT / 'data' / 'peerdesk.db'}"
    assert settings.translation.providers == ("google", "apertium")
    lines = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[number - 1].lstrip().startswith("#"), f"key without comment: {line}"


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.platforms == [] and settings.helpdesk.default_timezone == "UTC"
    assert settings.storage.data_dir == tmp_path / "data"
    assert settings.storage.desk_process is False


def test_desk_process_is_read_and_shown(tmp_path: Path) -> None:
    from bot.cli import describe

    settings = load_settings(write(tmp_path, "[storage]\ndesk_process = true\n"), environ={})
    assert settings.storage.desk_process is True
    assert "help desk:    handles inbound messages in a second process" in describe(settings)


def test_database_url_from_the_environment_wins(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\ndatabase_url = "sqlite:///x.db"\n')
    url = "postgresql+psycopg://u:secret@127.0.0.1/peerdesk"
    settings = load_settings(path, environ={"PEERDESK_DATABASE_URL": url})
    assert settings.storage.database_url == url


@pytest.mark.parametrize(("text", "expected"), [
    ('[helpdesk]\ndefault_language = "de"',
     "[helpdesk] default_language = 'de': expected one of en, pt, es, fr"),
    ('[helpdesk]\ndefault_timezone = "Mars/Olympus"',
     "[helpdesk] default_timezone = 'Mars/Olympus': expected an IANA time zone"),
    ('[helpdesk]\nrequire_team_approval = "yes"',
     "[helpdesk] require_team_approval = 'yes': expected bool"),
    ('[helpdesk]\ncoordinators = ["carla"]',
     "[helpdesk] coordinators = 'carla': expected identities like console:carla"),
    ('[helpdesk]\ncoordinator = ["console:carla"]', "[helpdesk] coordinator: unknown key"),
    ('[helpdesk]\ncoordinators = "console:carla"',
     "[helpdesk] coordinators = 'console:carla': expected a list of strings"),
    ('[translation]\nproviders = ["babelfish"]',
     "[translation] providers = 'babelfish': expected names among google"),
    ('[storage]\ndatabase_url = "peerdesk.db"', "[storage] database_url = 'peerdesk.db'"),
    ('[logging]\nlevel = "LOUD"', "[logging] level = 'LOUD': expected one of DEBUG"),
    ("[telegram]\nenabled = true",
     "[telegram] token_env = 'PEERDESK_TELEGRAM_TOKEN': the environment variable "
     "$PEERDESK_TELEGRAM_TOKEN is not set"),
    ("[webhooks]\nport = 1", "[webhooks]: unknown section"),
    ("[helpdesk\n", "not valid TOML"),
    ("[deliverables]\nmax_size_mb = 0", "[deliverables] max_size_mb = 0: expected a whole"),
    ('[deliverables]\nallowed_types = ["exe"]',
     "[deliverables] allowed_types = 'exe': expected types among pdf"),
    ('[storage]\nsqlite_sync = "off"', "[storage] sqlite_sync = 'off': expected normal or full"),
    ('[storage]\ndesk_process = "yes"', "[storage] desk_process = 'yes': expected bool"),
    ("[helpdesk]\nquestion_timeout_hours = 0",
     "[helpdesk] question_timeout_hours = 0: expected a whole number of hours"),
    ('[storage]\ndatabase_url = "foo://bar"', "[storage] database_url: 'foo://bar' is not a "
                                             "database peerdesk can use"),
    ('[storage]\ndatabase_url = "mysql://u@h/db"', "is not a database peerdesk can use"),
    ('[translation]\nproviders = ["apertium", "apertium"]',
     "[translation] providers = ['apertium', 'apertium']: expected each provider at most once"),
    ("[translation]\ndeadline_seconds = 0", "[translation] deadline_seconds = 0.0: expected "
                                            "seconds, from 0.5 to 120"),
    ('[translation]\nproviders = ["libretranslate"]',
     "[translation.libretranslate] url = '': expected the http(s):// URL of a LibreTranslate"),
    ('[translation]\nproviders = ["deepl"]',
     "[translation.deepl] key_env = 'PEERDESK_DEEPL_KEY': the environment variable "
     "$PEERDESK_DEEPL_KEY is not set"),
    ('[translation.apertium]\napy_url = "127.0.0.1:2737"',
     "[translation.apertium] apy_url = '127.0.0.1:2737': expected an http:// URL"),
    ('[translation.apertium]\nhost = "x"', "[translation.apertium] host: unknown key"),
    ('[translation.glossary]\npb = { en = "participatory budgeting" }',
     "[translation.glossary] pb: give the term in at least two languages"),
    ('[translation.glossary]\npb = { en = "participatory budgeting", de = "Bürgerhaushalt" }',
     "[translation.glossary] pb.de: unknown language"),
    ("[translation]\nretry_attempts = 0", "[translation] retry_attempts = 0: expected a whole"),
    ('[storage]\ndata_dir = "config.toml/data"',  # under a file: cannot be created
     "config.toml/data': expected a folder peerdesk can create and write"),
    ('[privacy]\nforget_messages = "erase"',
     "[privacy] forget_messages = 'erase': expected \"anonymise\" or \"delete\""),
    ("[privacy]\nplaceholder_name = 3", "[privacy] placeholder_name = 3: expected str"),
    (f'[privacy]\nplaceholder_name = "{"x" * 81}"',
     "[privacy] placeholder_name = 'xxx"),
    ("[privacy]\nkeep_days = 30", "[privacy] keep_days: unknown key"),
])
def test_wrong_values_name_the_key_value_and_expectation(tmp_path: Path, text: str,
                                                         expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(write(tmp_path, text), environ={})
    message = str(failure.value)
    assert expected in message and "\n" not in message


def test_enabled_platform_with_its_secret_set(tmp_path: Path) -> None:
    path = write(tmp_path, '[slack]\nenabled = true\n')
    settings = load_settings(path, environ={"PEERDESK_SLACK_BOT_TOKEN": "xoxb-1",
                                            "PEERDESK_SLACK_APP_TOKEN": "xapp-1"})
    assert settings.platforms == ["slack"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_translation_secrets_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[translation]\nproviders = ["deepl", "libretranslate", "apertium"]\n'
                           '[translation.libretranslate]\nurl = "http://127.0.0.1:5000"\n'
                           '[translation.deepl]\nkey_env = "MY_DEEPL"\n')
    settings = load_settings(path, environ={"MY_DEEPL": "k:fx", "PEERDESK_LIBRETRANSLATE_KEY": "l"})
    assert settings.translation.secrets == {"deepl_key": "k:fx", "libretranslate_key": "l"}
    assert settings.translation.providers == ("deepl", "libretranslate", "apertium")


def test_the_schedule_settings(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, """
[scheduler]
sweep_seconds = 30
[followups]
window_start_hour = 8
window_end_hour = 17
weekdays = ["Mon", "tue", "sat"]
due_soon_days = [1, 10]
[events]
reminder_hours = [2, 48]
"""), environ={})
    schedule = settings.schedule
    assert schedule.scheduler.sweep_seconds == 30 and schedule.scheduler.lock_seconds == 180
    assert schedule.followups.weekdays == frozenset({0, 1, 5})
    assert schedule.followups.due_soon_days == (10, 1)
    assert schedule.event_reminder_hours == (48, 2)
    assert schedule.broadcast_progress_percent == 25


@pytest.mark.parametrize(("text", "expected"), [
    ("[scheduler]\nsweep_seconds = 1",
     "[scheduler] sweep_seconds = 1: expected a whole number of seconds from 5 to 3600"),
    ("[scheduler]\nsweep_seconds = 60\nlock_seconds = 60",
     "[scheduler] lock_seconds = 60: expected a whole number of seconds from 180 to 86400"),
    ("[followups]\nwindow_start_hour = 18\nwindow_end_hour = 9",
     "[followups] window_end_hour = 9: expected an hour after window_start_hour (18)"),
    ('[followups]\nweekdays = ["monday"]',
     "[followups] weekdays = 'monday': expected days among mon, tue, wed, thu, fri, sat, sun"),
    ("[followups]\ndue_soon_days = [3, 3]",
     "[followups] due_soon_days = [3, 3]: expected a list of different whole numbers of days"),
    ("[followups]\noverdue_leader_days = 5\noverdue_coordinators_days = 2",
     "[followups] overdue_coordinators_days = 2: expected a whole number of days from 5 to"),
    ("[followups]\nhelp_sla_hours = 0",
     "[followups] help_sla_hours = 0: expected a whole number of hours from 1 to 1440"),
    ("[events]\nreminder_hours = []",
     "[events] reminder_hours = []: expected a list of different whole numbers of hours"),
    ('[broadcasts]\nprogress_percent = "half"',
     "[broadcasts] progress_percent = 'half': expected int"),
    ("[followups]\nsnooze = 3", "[followups] snooze: unknown key; expected one of"),
])
def test_wrong_schedule_values_are_named(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(write(tmp_path, text), environ={})
    assert str(failure.value).startswith(expected), str(failure.value)


def test_the_privacy_settings_reach_the_help_desk(tmp_path: Path) -> None:
    from bot.clock import SystemClock
    from bot.codes import RandomJoinCodes
    from bot.desk_build import build_desk

    text = '[helpdesk]\ndefault_language = "pt"\n[privacy]\nforget_messages = "delete"\n'
    settings = load_settings(write(tmp_path, text), environ={})
    assert settings.privacy.forget_messages == ForgetMode.DELETE
    engine = create_engine("sqlite://")
    core = build_desk(settings, engine, SystemClock(), RandomJoinCodes(), {}).deps.settings
    assert core.forget_messages == ForgetMode.DELETE
    assert core.former_member == "Ex-membro"  # the catalogue's words, in the default language
    named = load_settings(write(tmp_path, '[privacy]\nplaceholder_name = " Ex  participant "\n'),
                          environ={})
    assert named.privacy.forget_messages == ForgetMode.ANONYMISE
    core = build_desk(named, engine, SystemClock(), RandomJoinCodes(), {}).deps.settings
    assert core.former_member == "Ex participant"
