"""``peerdesk run`` (the real command, in a process of its own) with ``[storage] desk_process``:
a member is answered by the help desk's own process; when the command is killed with
``kill -9``, that process and multiprocessing's helper do not outlive it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.bot_process import BotProcess, write_config
from tests.telegram.updates import user


def children_of(pid: int) -> set[int]:
    """The processes ``pid`` started that are still there (Linux)."""
    found: set[int] = set()
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        found.update(int(child) for child in listing.read_text().split())
    return found


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "State:\tZ" not in status.read_text()
    except FileNotFoundError:
        return False


async def test_the_help_desk_process_answers_and_dies_with_the_command(
        bot_api_server: BotApiServer, tmp_path: Path) -> None:
    server = bot_api_server
    config = write_config(tmp_path, server)
    config.write_text(config.read_text().replace("[storage]\n", "[storage]\ndesk_process = true\n"))
    bot = BotProcess(config, {"PEERDESK_TELEGRAM_TOKEN": server.token}, tmp_path / "run.log")
    try:
        await bot.start()
        server.push_message(user(31, "Awa", language_code="fr"), "/start")
        await server.wait_for(lambda: bool(server.texts_to(31)), within=30)
        assert "Bienvenue" in server.texts_to(31)[0]
        helpers = children_of(bot.pid)
        assert helpers, bot.output()  # the help desk's process (and the resource tracker)
        bot.kill()
        await bot.wait(10)
        for _ in range(750):
            if not any(alive(pid) for pid in helpers):
                break
            await asyncio.sleep(0.02)
        assert not any(alive(pid) for pid in helpers), bot.output()
    finally:
        await bot.close()
