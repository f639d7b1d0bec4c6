"""``peerdesk run`` as a separate process against the local Bot API server, for tests that
kill it: its configuration written next to its database, its output kept in a log file.

The process is the real command (``python -m bot.cli --config … run``) with the token in
``PEERDESK_TELEGRAM_TOKEN`` and the Bot API at the server's ``base_url``; proxies and
``PEERDESK_DATABASE_URL`` are taken out of its environment, so it talks to 127.0.0.1 only and
uses the SQLite file the configuration names.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.telegram.bot_api_server import BotApiServer

ROOT = Path(__file__).resolve().parents[2]
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def write_config(directory: Path, server: BotApiServer, extra: str = "") -> Path:
    """A ``config.toml`` in ``directory``: Telegram on ``server``, the database
    ``directory/data/peerdesk.db``, the offline translator, the health endpoint on any free
    port; ``extra`` TOML is appended."""
    config = directory / "config.toml"
    config.write_text(f"""
[storage]
data_dir = "{directory / 'data'}"
database_url = "sqlite:///{database_path(directory)}"
[telegram]
enabled = true
base_url = "{server.base_url}"
base_file_url = "{server.base_file_url}"
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = 0
{extra}
""")
    return config


def database_path(directory: Path) -> Path:
    """Where :func:`write_config` puts the database."""
    return directory / "data" / "peerdesk.db"


class BotProcess:
    """One run of ``peerdesk run``; start, kill or stop it, read what it logged."""

    def __init__(self, config: Path, secrets: Mapping[str, str], log: Path) -> None:
        """``secrets``: the environment variables with the tokens (``PEERDESK_TELEGRAM_TOKEN``,
        ``PEERDESK_SLACK_BOT_TOKEN``…); ``log`` receives the process's standard output and
        error."""
        self.config = config
        self.secrets = dict(secrets)
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the command (returns at once; it is ready once it reaches the server)."""
        environ = {name: value for name, value in os.environ.items()
                   if name not in PROXIES and name != "PEERDESK_DATABASE_URL"}
        environ.update(self.secrets, PYTHONUNBUFFERED="1")
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "--config", str(self.config), "run",
                cwd=ROOT, env=environ, stdin=asyncio.subprocess.DEVNULL, stdout=output,
                stderr=asyncio.subprocess.STDOUT)

    @property
    def pid(self) -> int:
        """The process id (it must have been started)."""
        assert self.process is not None, "not started"
        return self.process.pid

    def kill(self) -> None:
        """``kill -9``, at once: nothing of the process runs after this call (reap it with
        :meth:`wait`)."""
        os.kill(self.pid, signal.SIGKILL)

    async def stop(self, within: float = 20) -> int:
        """SIGTERM, as a service manager stops it; its exit code once it has ended."""
        os.kill(self.pid, signal.SIGTERM)
        return await self.wait(within)

    async def wait(self, within: float) -> int:
        """Its exit status once it ends (killed by force after ``within`` seconds)."""
        assert self.process is not None, "not started"
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise

    async def close(self) -> None:
        """Make sure the process is gone (after a failed test)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def output(self, last: int = 40) -> str:
        """The last lines it logged, to explain a failure."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-last:])
