"""The Telegram, Slack and soak benchmarks run in CI in a tiny size, so they never rot: each
must finish and its correctness checks must hold (every member got the broadcast once, in their
language; every update was answered; nothing the soak run queued was lost). Their speed is
measured by hand, never asserted here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if k != "PEERDESK_TEST_POSTGRES_URL" and "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=300,
                          check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _bench(script: str, *args: str) -> str:
    return _run(script, *args).stdout


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


def _row(out: str, label: str) -> list[str]:
    """The cells of the table row starting with ``label``."""
    line = next(line for line in out.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _number(cell: str) -> float:
    return float(cell.split()[0].strip("*").replace(",", ""))


def test_the_slack_events_benchmark_runs_bolt_and_the_product() -> None:
    out = _bench("slack_events_bench.py", "--users", "20", "--events", "60", "--repeat", "1")
    assert "round 1: bolt" in out and "sqlite" in out, out
    bolt, product = _row(out, "bolt, no-op listener"), _row(out, "peerdesk, sqlite")
    assert _number(bolt[1]) > 0 and _number(product[1]) > 0, out
    assert 0 < _number(product[2]) < 100, out  # the ratio


def test_the_slack_ack_benchmark_times_every_ack() -> None:
    out = _bench("slack_ack_bench.py", "--users", "20", "--burst", "50", "--repeat", "1")
    assert "sqlite, burst 1: p50" in out, out
    for label in ("aiohttp alone (signature, JSON)", "bolt, no-op listener", "peerdesk, sqlite"):
        p50, p95, p99, worst = (_number(cell) for cell in _row(out, label)[1:])
        assert 0 < p50 <= p95 <= p99 <= worst < 60_000, out


def test_the_slack_socket_mode_ack_benchmark_times_every_ack() -> None:
    out = _bench("slack_socket_ack_bench.py", "--users", "20", "--burst", "50", "--repeat", "1")
    assert "sqlite, burst 1: p50" in out, out
    for label in ("bolt, no-op listener", "peerdesk, sqlite"):
        p50, p95, p99, worst = (_number(cell) for cell in _row(out, label)[1:])
        assert 0 < p50 <= p95 <= p99 <= worst < 60_000, out


@pytest.mark.skipif(shutil.which("apertium") is None and not os.environ.get("CI"),
                    reason="the apertium command is not installed (scripts/apertium install)")
def test_the_soak_benchmark_plays_a_short_hour_and_loses_nothing(tmp_path: Path) -> None:
    summary = tmp_path / "soak.json"
    done = _run("soak_bench.py", "--minutes", "0.1", "--teams", "4", "--members", "24",
                "--sweep-seconds", "5", "--rss-every", "1", "--apertium", "cli",
                "--json", str(summary))
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for label in ("inbound messages/s sustained", "outbound messages/s delivered",
                  "outbox lag p50 / p99, all rows", "RSS main process"):
        assert f"| {label}" in out, out
    assert "verdicts: nothing lost" in out, out
    figures = json.loads(summary.read_text())
    assert all(ok for ok, _detail in figures["checks"].values()), figures["checks"]
    assert figures["rates"]["inbound_total"] > 0 and figures["rates"]["outbound_total"] > 0
    assert figures["lag"]["all"]["count"] == figures["statuses"]["sent"]
    assert len(figures["broadcasts"]) == 2
