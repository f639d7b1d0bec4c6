"""The Telegram benchmarks run in CI in a tiny size, so they never rot: each must finish and
its correctness checks must hold (every member got the broadcast once, in their language;
every update was answered). Their speed is measured by hand, never asserted here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench(script: str, *args: str) -> str:
    environment = {k: v for k, v in os.environ.items()
                   if k != "PEERDESK_TEST_POSTGRES_URL" and "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=300,
                          check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_the_broadcast_benchmark_runs_and_loses_nothing() -> None:
    out = _bench("telegram_broadcast_bench.py", "--members", "40", "--repeat", "1")
    assert "broadcast 1: last member after" in out, out
    assert "lost 0, twice 0, wrong language 0" in out, out
    assert "| members lost / twice / wrong language | 0 / 0 / 0 | 0 |" in out, out


def test_the_updates_benchmark_runs_both_bots() -> None:
    out = _bench("telegram_updates_bench.py", "--users", "30", "--updates", "60",
                 "--repeat", "1")
    assert "round 1: echo" in out and "sqlite" in out, out
    assert "| peerdesk, sqlite |" in out, out
