"""The container image's install path, tested without Docker: scripts/install-runtime (which the
image's build stage runs) into a fresh virtualenv — peerdesk built from this checkout, not
editable, no dev tools — then that peerdesk with the image's config (deploy/config.toml):
check-config and the migrations; then the demo (with config.toml, which names its
coordinator) translated by Apertium, which scripts/apertium install (the image's final stage
runs it too) put on this machine before the tests.

The install fetches every dependency from the package index (about 30 s), so this runs in CI
(CI set) or when PEERDESK_TEST_INSTALL=1, not in every local test run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("PEERDESK_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.skipif(
    not os.environ.get("CI") and os.environ.get("PEERDESK_TEST_INSTALL") != "1",
    reason="installs peerdesk from the package index: runs in CI or with PEERDESK_TEST_INSTALL=1")


def _image_python() -> str:
    """Debian's python3, the image's, when this machine has a usable one."""
    debian = "/usr/bin/python3"
    if os.access(debian, os.X_OK) and subprocess.run(
            [debian, "-c", "import sys, venv; sys.exit(sys.version_info < (3, 11))"],
            check=False).returncode == 0:
        return debian
    return sys.executable


class Installed:
    """peerdesk installed as the image installs it, and the container's config beside it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.venv = base / "venv"
        self.config = base / "config.toml"
        self.data = base / "data"

    def env(self, database_url: str = "") -> dict[str, str]:
        """A bare environment, as in a container: nothing of the test run's but PATH and HOME
        (pip's cache), and the database URL when one is given."""
        env = {"PATH": f"{self.venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
        if database_url:
            env["PEERDESK_DATABASE_URL"] = database_url
        return env

    def peerdesk(self, *args: str, database_url: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "peerdesk"), "--config", str(self.config),
                               *args], cwd=self.base, capture_output=True, text=True,
                              timeout=180, env=self.env(database_url))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    target = Installed(tmp_path_factory.mktemp("install-runtime"))
    result = subprocess.run([str(ROOT / "scripts" / "install-runtime"), str(target.venv)],
                            capture_output=True, text=True, timeout=600,
                            env={**target.env(), "PYTHON": _image_python()})
    assert result.returncode == 0, result.stdout + result.stderr
    # The container's config as it is, but for the data dir: /data is the image's volume.
    text = (ROOT / "deploy" / "config.toml").read_text(encoding="utf-8")
    assert 'data_dir = "/data"' in text
    target.config.write_text(text.replace('data_dir = "/data"', f'data_dir = "{target.data}"'),
                             encoding="utf-8")
    yield target


def test_the_install_is_peerdesk_alone_not_editable(installed: Installed) -> None:
    python = installed.venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import bot.cli; print(bot.cli.__file__)"],
                           cwd=installed.base, capture_output=True, text=True, check=True,
                           env=installed.env())
    assert where.stdout.startswith(str(installed.venv)), where.stdout  # not the checkout
    for dev_tool in ("pytest", "mypy", "ruff", "hadolint"):
        assert not (installed.venv / "bin" / dev_tool).exists(), dev_tool


def test_check_config_accepts_the_containers_config(installed: Installed) -> None:
    result = installed.peerdesk("check-config")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "configuration OK" in result.stdout
    assert f"data dir:     {installed.data}" in result.stdout
    assert "apertium check: 6 direct pairs through the 'apertium' command" in result.stdout


def test_the_migrations_run_from_the_installed_package(installed: Installed) -> None:
    # PostgreSQL, as compose runs it, when the tests have a server; SQLite in the data dir else.
    if not POSTGRES:
        result = installed.peerdesk("db", "upgrade")
    else:
        with fresh_postgres_database(POSTGRES, "peerdesk_install") as url:
            result = installed.peerdesk("db", "upgrade", database_url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    revision = result.stdout.split("schema revision: ")[1].split()[0]
    assert f"(newest: {revision})" in result.stdout and revision != "None"


def test_the_demo_plays_translated_offline(installed: Installed) -> None:
    # The demo's coordinator is the one config.toml names (the container's names none).
    demo = installed.base / "demo"
    demo.mkdir()
    (demo / "config.toml").write_text((ROOT / "config.toml").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    script = ROOT / "demo" / "team-and-help-request.txt"
    result = installed.peerdesk("console", "--config", str(demo / "config.toml"),
                                "--script", str(script))
    assert result.returncode == 0, result.stdout + result.stderr
    # A help request written in French reaches the coordinator in English.
    assert "🌐 fr→en" in result.stdout
