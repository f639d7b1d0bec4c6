"""The ``peerdesk`` command line: ``run``, ``console``, ``check-config``, ``export``, ``backup``,
``db upgrade``."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import re
import shutil
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from bot.app import build_app
from bot.clock import VirtualClock, parse_clock
from bot.codes import RandomJoinCodes
from bot.config import ConfigError, Settings, load_settings
from bot.console import ConsoleChannel, ConsoleSession, interact, play_script
from bot.log_setup import configure_logging, secrets_in
from bot.run import run
from bot.schedule_settings import WEEKDAYS
from bot.translation.apertium import apertium_provider
from bot.translation.provider import ProviderError
from handlers.privacy_ports import ForgetMode
from handlers.progress import EXPORT_COLUMNS, export_rows
from storage.backup import BackupError, back_up
from storage.database import Database, is_sqlite
from storage.migrate import current_revision, head_revision, upgrade
from storage.uow import SqlUnitOfWork


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peerdesk", description=(
        "A multilingual help desk for distributed project teams, inside Telegram and Slack."))
    parser.add_argument("--config", type=Path, default=Path("config.toml"),
                        help="configuration file (default: ./config.toml)")
    commands = parser.add_subparsers(dest="command", required=True)
    console = commands.add_parser("console", help="chat with the bot in the terminal")
    console.add_argument("--script", type=Path, help="play a transcript and print the replies")
    console.add_argument("--db", help="database file or URL (default: a throw-away file)")
    console.add_argument("--seed", type=int, default=1,
                         help="seed for join codes, so transcripts are reproducible")
    console.add_argument("--start", help="virtual clock start, ISO time (default: now)")
    console.add_argument("--config", type=Path, dest="config_sub", default=None,
                         help=argparse.SUPPRESS)
    run = commands.add_parser("run", help="run on the chat platforms config.toml enables")
    run.add_argument("--config", type=Path, dest="config_sub", default=None,
                     help=argparse.SUPPRESS)
    check = commands.add_parser("check-config", help="check config.toml and print what will run")
    check.add_argument("--config", type=Path, dest="config_sub", default=None,
                       help=argparse.SUPPRESS)
    export = commands.add_parser("export", help="every team's tasks and where they stand")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--config", type=Path, dest="config_sub", default=None,
                        help=argparse.SUPPRESS)
    backup = commands.add_parser("backup", help="copy the SQLite database and the files, live")
    backup.add_argument("path", type=Path, help="a new folder to write the backup into")
    backup.add_argument("--config", type=Path, dest="config_sub", default=None,
                        help=argparse.SUPPRESS)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")
    db_commands.add_parser("current", help="print the schema revision")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``peerdesk`` console script."""
    args = _parser().parse_args(argv)
    config_path: Path = args.config_sub if getattr(args, "config_sub", None) else args.config
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        print(f"peerdesk: configuration error: {exc}", file=sys.stderr)
        return 2
    quiet = args.command in ("console", "backup")  # their output is what they print
    configure_logging("WARNING" if quiet else settings.log_level, settings.log_format,
                      secrets_in(settings, os.environ))
    try:
        if args.command == "check-config":
            print(describe(settings))
            reachable = _reach(settings.storage.database_url)
            print(f"database check: {reachable or 'reachable'}")
            offline = asyncio.run(_probe_apertium(settings)) \
                if "apertium" in settings.translation.providers else ""
            if offline:
                print(f"apertium check: {offline}")
            alone = settings.translation.providers == ("apertium",)
            return 2 if reachable or (alone and "unavailable" in offline) else 0
        if args.command == "db":
            return _db(settings, args.db_command)
        if args.command == "export":
            return _export(settings, args.output)
        if args.command == "backup":
            return _backup(settings, args.path)
        if args.command == "run":
            return run(settings, os.environ)
        return _console(settings, args)
    except (DBAPIError, OSError) as exc:
        url = args.db if getattr(args, "db", None) else settings.storage.database_url
        print(f"peerdesk: cannot use the database {_shown(url)}: {_first_line(exc)}",
              file=sys.stderr)
        return 2


def _shown(url: str) -> str:
    """A database URL without its password."""
    return url if "://" not in url or is_sqlite(url) else url.split("@")[-1]


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def _reach(url: str) -> str:
    """Why a PostgreSQL server cannot be reached ('' when it can; SQLite is not opened here)."""
    if is_sqlite(url):
        return ""
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            return ""
    except DBAPIError as exc:
        return f"not reachable: {_first_line(exc)}"
    finally:
        engine.dispose()


async def _probe_apertium(settings: Settings) -> str:
    """Whether the offline translator answers: its pairs, or why it is unavailable."""
    translation = settings.translation
    provider = apertium_provider(translation.apertium_apy_url or None,
                                 translation.apertium_command)
    where = translation.apertium_apy_url or f"the {translation.apertium_command!r} command"
    try:
        pairs = await asyncio.wait_for(provider.pairs(), 10)
    except (ProviderError, TimeoutError) as exc:
        return (f"unavailable through {where} ({exc or 'no answer in 10 s'}); install it with "
                "scripts/apertium install, or set [translation.apertium]")
    finally:
        await provider.aclose()
    return f"{len(pairs)} direct pairs through {where}"


def describe(settings: Settings) -> str:
    """What will run with these settings, for ``check-config``."""
    shown = _shown(settings.storage.database_url)
    platforms = ", ".join(["console", *settings.platforms])
    approval = ("coordinators approve new teams" if settings.helpdesk.require_team_approval
                else "new teams are usable at once")
    return "\n".join([
        f"config:       {settings.path}",
        f"platforms:    {platforms}",
        *([f"telegram:     {telegram_mode(settings)}"] if settings.telegram.enabled else []),
        *([f"slack:        {settings.slack_app.describe()}"] if settings.slack.enabled else []),
        f"database:     {shown}",
        f"data dir:     {settings.storage.data_dir}",
        f"help desk:    {_desk(settings)}",
        f"translation:  {' → '.join(settings.translation.providers) or 'none'}",
        f"coordinators: {', '.join(settings.helpdesk.coordinators) or 'none (grant with /grant)'}",
        f"approval:     {approval}",
        f"defaults:     language {settings.helpdesk.default_language.value}, "
        f"time zone {settings.helpdesk.default_timezone}",
        f"scheduler:    a sweep every {settings.schedule.scheduler.sweep_seconds} s; nags "
        f"{_window(settings)} in each person's zone",
        f"health:       {_health(settings)}",
        f"privacy:      /forget {_forgets(settings)} what a member wrote to others",
        "configuration OK",
    ])


def _health(settings: Settings) -> str:
    health = settings.health
    if not health.enabled:
        return "no /healthz or /metrics ([health] enabled = false)"
    return (f"peerdesk run serves http://{health.address}/healthz and /metrics; logs as "
            f"{settings.log_format}")


def _forgets(settings: Settings) -> str:
    if settings.privacy.forget_messages == ForgetMode.DELETE:
        return "deletes"
    return "anonymises"


def _desk(settings: Settings) -> str:
    if settings.storage.desk_process:
        return "handles inbound messages in a second process"
    return "handles inbound messages in this process"


def telegram_mode(settings: Settings) -> str:
    """How Telegram updates arrive, in one phrase (check-config, the start-up log)."""
    webhook = settings.telegram.webhook
    if webhook is None:
        return "long polling"
    return (f"webhook {webhook.url}, listening on {webhook.local_address}, secret token from "
            f"${webhook.secret_env}")


def _window(settings: Settings) -> str:
    rules = settings.schedule.followups
    days = ",".join(WEEKDAYS[d] for d in sorted(rules.weekdays))
    return f"{rules.window_start_hour:02d}:00-{rules.window_end_hour:02d}:00 {days}"


def _db(settings: Settings, action: str) -> int:
    database = Database(settings.storage.database_url, settings.storage.sqlite_sync)
    try:
        if action == "upgrade":
            upgrade(database.engine)
        print(f"schema revision: {current_revision(database.engine)} "
              f"(newest: {head_revision(database.engine)})")
    finally:
        database.close()
    return 0


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+$")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading '."""
    if value.startswith(_FORMULA) and not _NUMBER.match(value):
        return "'" + value
    return value


def _export(settings: Settings, output: Path | None) -> int:
    """Write the overview of every team's tasks as CSV."""
    database = Database(settings.storage.database_url, settings.storage.sqlite_sync)
    try:
        upgrade(database.engine)
        with SqlUnitOfWork(database.engine) as uow:
            states = uow.deliverables.states()
        rows = export_rows(states, datetime.now(UTC), settings.helpdesk.default_timezone)
    finally:
        database.close()
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    finally:
        if output:
            handle.close()
    return 0


def _backup(settings: Settings, path: Path) -> int:
    """Back up the live database and files; 1 when the live file store already lacked some."""
    try:
        made = back_up(settings.storage.database_url, settings.storage.data_dir, path,
                       datetime.now(UTC))
    except BackupError as exc:
        print(f"peerdesk: backup: {exc}", file=sys.stderr)
        return 2
    print("\n".join(made.summary()))
    for problem in made.problems():
        print(f"peerdesk: backup: {problem}", file=sys.stderr)
    return 1 if made.problems() else 0


def _console(settings: Settings, args: argparse.Namespace) -> int:
    workdir = None
    if args.db:
        url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    else:
        workdir = tempfile.mkdtemp(prefix="peerdesk-console-")
        url = f"sqlite:///{workdir}/peerdesk.db"
    if args.script is not None and not args.script.is_file():
        print(f"peerdesk: script not found: {args.script}", file=sys.stderr)
        return 2
    try:
        start = parse_clock(args.start, datetime.now().astimezone()) if args.start else None
    except ValueError as exc:
        print(f"peerdesk: --start: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run_console(settings, url, args.script, args.seed, start))
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


async def _run_console(settings: Settings, url: str, script: Path | None, seed: int,
                       start: datetime | None) -> int:
    def out(text: str) -> None:
        print(text, flush=True)

    def err(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    clock = VirtualClock(start)
    channel = ConsoleChannel(out)
    # The console's clock is virtual and one person types: the help desk stays in process.
    settings = replace(settings, storage=replace(settings.storage, desk_process=False))
    app = await build_app(settings, url, clock, RandomJoinCodes(random.Random(seed)),
                          {"console": channel})
    try:
        channel.recall(await app.database.run(lambda: app.dispatcher.queue.sent_to("console")))
        base = script.parent if script is not None else Path.cwd()
        session = ConsoleSession(app, channel, clock, base, out)
        if script is not None:
            return await play_script(session, script, err)
        return await interact(session, err)
    finally:
        await app.close()


if __name__ == "__main__":
    sys.exit(main())
