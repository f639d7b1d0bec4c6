"""Benchmark of translation through the outbox: a message to 1,000 people in four languages.

Usage: python bench/translation_bench.py [--members N] [--repeat R] [--backend apy|cli]

Seeds a fresh SQLite file with one team of N+1 members (the writer speaks Portuguese; the
others English, Portuguese, Spanish and French in turn), then, R times with a new text each
time, has the writer send ``/t TEXT`` through ``App.receive`` and runs the translation stage
until every outbox row is ready for the dispatcher. It reports, per run: the time from the
message arriving to all N rows translated ("enqueue"), the Apertium calls made for the text
(at most 3 are allowed: Portuguese → Spanish serves the Spanish readers and is the first leg
towards English and French), and then the same text sent again: its time, calls (0 expected)
and the cache hit rate. Apertium runs through APy (started here with ``scripts/apy`` on a
free 127.0.0.1 port) or through the command. No dispatcher: rows are left for it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apertium_bench import apy_server

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.translation.apertium import ApertiumApy, ApertiumCli
from handlers.domain import Language
from handlers.messages import ChatRef, Inbound, UserRef
from storage import models
from storage.models import table

LANGUAGES = ("en", "pt", "es", "fr")
TEXTS = (
    "Bom dia a todos! O relatório do diagnóstico está quase pronto; falta a tabela do "
    "orçamento participativo. Por favor, enviem os números até sexta-feira, 2026-03-13.",
    "A reunião com a prefeitura foi adiada para terça às 14:30. Tragam o plano de trabalho e "
    "as fotos do bairro.",
    "Recebemos os comentários do revisor sobre D3 v2. Precisamos reescrever a seção 4 e "
    "acrescentar as fontes dos dados.",
    "Obrigada pela ajuda com a planilha! Agora os totais batem com o orçamento aprovado.",
    "Lembrete: o prazo da tarefa T4 termina no dia 20. Quem pode revisar o texto final?",
)


def seed(app: App, members: int, now: datetime) -> None:
    """One team: the writer (member 1, Portuguese) and ``members`` others."""
    rows, idents, memberships = [], [], []
    for member_id in range(1, members + 2):
        language = "pt" if member_id == 1 else LANGUAGES[member_id % 4]
        identity = f"console:u{member_id}"
        rows.append({"id": member_id, "name": f"User {member_id}",
                     "name_key": f"user {member_id}", "language": language,
                     "timezone": "Africa/Maputo", "primary_identity": identity,
                     "created_at": now})
        idents.append({"identity": identity, "member_id": member_id, "platform": "console",
                       "created_at": now})
        memberships.append({"member_id": member_id, "team_id": 1, "joined_at": now})
    team = {"id": 1, "name": "Rios", "name_key": "rios", "topic": "orçamento participativo",
            "region": "southern", "join_code": "J00001", "status": "approved", "leader_id": 1,
            "co_leader_id": None, "created_by": 1, "created_at": now}
    with app.database.engine.begin() as conn:
        conn.execute(insert(table(models.MemberRow)), rows)
        conn.execute(insert(table(models.IdentityRow)), idents)
        conn.execute(insert(table(models.TeamRow)), [team])
        conn.execute(insert(table(models.TeamMemberRow)), memberships)


def waiting(app: App) -> int:
    """Outbox rows still waiting for their translation."""
    outbox = table(models.OutboxRowModel)
    with app.database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)
                                .where(outbox.c.status == "translating")).scalar_one())


@dataclass
class Run:
    seconds: float
    calls: int
    hit_rate: float


async def send(app: App, text: str) -> Run:
    """The writer's /t, then the stage until nothing waits; time, calls and cache hits."""
    calls, lookups, hits = app.translator.calls["apertium"], app.translator.lookups, \
        app.translator.hits
    started = time.perf_counter()
    await app.receive(Inbound(UserRef("console:u1", "User 1"), ChatRef("console", "u1"),
                              text=f"/t {text}"))
    await app.translation.run_once()
    seconds = time.perf_counter() - started
    assert await app.database.run(lambda: waiting(app)) == 0, "rows left untranslated"
    asked = app.translator.lookups - lookups
    rate = (app.translator.hits - hits) / asked if asked else 1.0
    return Run(seconds, app.translator.calls["apertium"] - calls, rate)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    server = apy_server(None) if args.backend == "apy" else contextlib.nullcontext("")
    with tempfile.TemporaryDirectory() as folder, server as url:
        config = Path(folder) / "config.toml"
        config.write_text('[translation]\nproviders = ["apertium"]\n')
        settings = load_settings(config, environ={})
        provider = ApertiumApy(url) if url else ApertiumCli()
        app = await build_app(settings, f"sqlite:///{folder}/bench.db", SystemClock(),
                              RandomJoinCodes(random.Random(1)), {}, [provider])
        try:
            seed(app, args.members, datetime.now(UTC))
            await provider.translate("Olá", Language.PT, Language.ES)  # APy starts pipelines
            first, again = [], []
            for number in range(args.repeat):
                text = TEXTS[number % len(TEXTS)] + f" ({number})"
                first.append(await send(app, text))
                again.append(await send(app, text))
        finally:
            await app.close()
    print(f"translation bench — {platform.python_implementation()} {platform.python_version()}"
          f", {args.members} readers in 4 languages, Apertium via {args.backend}, "
          f"{args.repeat} texts")
    for name, runs in (("new text", first), ("same text again", again)):
        times = sorted(r.seconds * 1000 for r in runs)
        print(f"  {name:16} enqueue+translate median {statistics.median(times):7.0f} ms "
              f"(max {times[-1]:.0f})  calls per text max {max(r.calls for r in runs)}  "
              f"cache hit rate {statistics.mean(r.hit_rate for r in runs):.0%}")
    ok = all(r.calls <= 3 for r in first) and all(r.calls == 0 for r in again)
    print("  check:", "≤ 3 calls per distinct text, none on a repeat" if ok else "FAILED")
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backend", choices=("apy", "cli"), default="apy")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
