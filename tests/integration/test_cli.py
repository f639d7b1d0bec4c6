"""The ``peerdesk`` command as a user runs it: check-config, db upgrade, console scripts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def peerdesk(*args: str, cwd: Path = ROOT, stdin: str | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line in a child process."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_check_config_prints_what_will_run() -> None:
    result = peerdesk("--config", str(ROOT / "config.toml"), "check-config",
                      env={"PEERDESK_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    assert "platforms:    console" in result.stdout
    assert "translation:  google → apertium" in result.stdout
    assert "peerdesk.db" in result.stdout and "configuration OK" in result.stdout
    assert "apertium check: 6 direct pairs through the 'apertium' command" in result.stdout


def test_check_config_says_when_the_offline_translator_is_missing(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[translation]\nproviders = ["apertium"]\n[translation.apertium]\n'
        'command = "/nonexistent/apertium"\n')
    result = peerdesk("--config", str(tmp_path / "config.toml"), "check-config",
                      env={"PEERDESK_DATABASE_URL": ""})
    assert result.returncode == 2  # the only translator cannot work
    assert "apertium check: unavailable through the '/nonexistent/apertium' command" in \
        result.stdout and "scripts/apertium install" in result.stdout


def test_check_config_hides_database_passwords(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("")
    url = "postgresql+psycopg://peerdesk:s3cret@127.0.0.1:5432/peerdesk"
    result = peerdesk("--config", str(tmp_path / "config.toml"), "check-config",
                      env={"PEERDESK_DATABASE_URL": url})
    assert result.returncode in (0, 2) and "s3cret" not in result.stdout + result.stderr
    assert "127.0.0.1:5432/peerdesk" in result.stdout


def test_bad_config_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[helpdesk]\ndefault_language = "xx"\n')
    result = peerdesk("--config", str(tmp_path / "config.toml"), "check-config")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "default_language = 'xx'" in result.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("")
    url = "postgresql+psycopg://peerdesk:s3cret@127.0.0.1:1/peerdesk"  # nothing listens there
    env = {"PEERDESK_DATABASE_URL": url}
    check = peerdesk("--config", str(tmp_path / "config.toml"), "check-config", env=env)
    assert check.returncode == 2 and "database check: not reachable" in check.stdout
    upgrade = peerdesk("--config", str(tmp_path / "config.toml"), "db", "upgrade", env=env)
    assert upgrade.returncode == 2 and "Traceback" not in upgrade.stderr
    assert upgrade.stderr.startswith("peerdesk: cannot use the database 127.0.0.1:1/peerdesk:")
    assert "s3cret" not in upgrade.stderr + check.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[storage]\ndata_dir = "d"\n')
    result = peerdesk("--config", str(tmp_path / "config.toml"), "db", "upgrade",
                      env={"PEERDESK_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    current, newest = re.search(r"schema revision: (\w+) \(newest: (\w+)\)",
                                result.stdout).groups()  # type: ignore[union-attr]
    assert current == newest != "None"
    assert (tmp_path / "d" / "peerdesk.db").is_file()


def test_demo_transcript_plays() -> None:
    result = peerdesk("console", "--script", "demo/team-and-help-request.txt")
    assert result.returncode == 0, result.stderr
    assert "#1 → carla (en): Welcome to peerdesk, Carla!" in result.stdout
    assert "Carla a clôturé votre demande #1" in result.stdout


def test_unparseable_line_stops_the_script_with_code_2(tmp_path: Path) -> None:
    script = tmp_path / "broken.txt"
    script.write_text("alice> /start\nthis is not a line\nalice> /help\n")
    result = peerdesk("console", "--script", str(script))
    assert result.returncode == 2
    assert f"{script}:2: expected `name> text`" in result.stderr
    assert "#1 → alice" in result.stdout and "/help" not in result.stdout


def test_pressing_a_button_nobody_sent_stops_the_script(tmp_path: Path) -> None:
    script = tmp_path / "press.txt"
    script.write_text("alice> /start\nalice> [press Klingon]\n")
    result = peerdesk("console", "--script", str(script))
    assert result.returncode == 2 and ":2: alice has no message with a [Klingon] button" \
        in result.stderr


def test_interactive_console_reads_standard_input() -> None:
    result = peerdesk("console", stdin="alice> /start\nnonsense\nalice> [press Español]\n")
    assert result.returncode == 0, result.stderr
    assert "#2 → alice (es): A partir de ahora te escribiré en español." in result.stdout
    assert "? expected `name> text`" in result.stderr


def test_missing_script_is_reported() -> None:
    result = peerdesk("console", "--script", "no/such/file.txt")
    assert result.returncode == 2 and "script not found" in result.stderr


def test_a_kept_database_keeps_message_numbers_unique(tmp_path: Path) -> None:
    db = str(tmp_path / "kept.db")

    def session(lines: str) -> str:
        script = tmp_path / "session.txt"
        script.write_text(lines, encoding="utf-8")
        result = peerdesk("console", "--db", db, "--script", str(script))
        assert result.returncode == 0, result.stderr
        return result.stdout

    session("carla> /start\nana> /start\nana> /ask um\n")
    second = session("ana> /ask dois\n")
    card = next(line for line in second.splitlines() if "Help request #2" in line)
    number = card.split(" ", 1)[0].lstrip("#")
    third = session(f"carla> [reply {number}] Resposta para o dois\n")
    assert "Answer from Carla to your request #2" in third


def test_export_writes_every_teams_tasks_as_csv(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    script = tmp_path / "setup.txt"
    (tmp_path / "draft.pdf").write_bytes(b"%PDF-1.7 draft")
    script.write_text("ana> /start\nana> /newteam Rios\nana> Water\nana> [press Other]\n"
                      "ana> /newtask =Survey\nana> Report\nana> 2099-01-31\nana> Ana\nana> -\n"
                      "ana> [file draft.pdf]\n", encoding="utf-8")
    played = peerdesk("console", "--db", str(db), "--script", str(script))
    assert played.returncode == 0, played.stderr
    (tmp_path / "config.toml").write_text("")
    out = tmp_path / "overview.csv"
    result = peerdesk("--config", str(tmp_path / "config.toml"), "export", "--format", "csv",
                      "--output", str(out), env={"PEERDESK_DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("team,region,task,title,due_date,deliverable,version,round,status,"
                        "reviewers,waiting_on,days_left")
    # A title that a spreadsheet would run as a formula is written as text.
    assert lines[1].startswith("Rios,other,T1,'=Survey,2099-01-31,D1,1,,submitted,,coordinators,")


def test_review_demo_plays() -> None:
    result = peerdesk("console", "--script", "demo/review.txt")
    assert result.returncode == 0, result.stderr
    assert "#46 → carla (en): D1 v2 of “Rios” is approved by Rita" in result.stdout
