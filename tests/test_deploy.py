"""The deployment files agree with each other and with the code, checked without Docker (which
cannot run here): the Dockerfile passes hadolint, keeps build tools out of its final stage and
runs as a non-root user; its HEALTHCHECK asks the health endpoint where the container's config
(deploy/config.toml) serves it; compose.yaml runs peerdesk after a healthy PostgreSQL with
every secret from the environment; the systemd units are valid and hardened.
tests/integration/test_install_runtime.py runs the image's install steps."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
CONTAINER_CONFIG = ROOT / "deploy" / "config.toml"
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY", "DATABASE_URL", "EMAIL", "REGION")


def stages() -> list[list[str]]:
    """The Dockerfile's stages, each as its instructions (continuation lines joined, comments
    dropped), the FROM first."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            found.append([])
        found[-1].append(line)
    return found


def instructions(stage: list[str], name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in stage if line.split(None, 1)[0] == name]


def container_config() -> dict[str, Any]:
    return tomllib.loads(CONTAINER_CONFIG.read_text(encoding="utf-8"))


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        hadolint = Path(shutil.which("hadolint") or "hadolint-is-missing")
    assert hadolint.exists(), "hadolint is missing: it comes with pip install -e '.[dev]'"
    result = subprocess.run([str(hadolint), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_final_stage_holds_no_build_tools_and_does_not_run_as_root() -> None:
    build, final = stages()
    assert build[0].endswith(" AS build")
    # Same base in both: the venv copied over points at the final stage's /usr/bin/python3.
    assert build[0].split()[1] == final[0].split()[1] == "debian:bookworm-slim"
    assert any("scripts/install-runtime /opt/peerdesk" in run for run in instructions(build, "RUN"))
    final_runs = " ".join(instructions(final, "RUN"))
    assert "/tmp/apertium install" in final_runs  # scripts/apertium, as scripts/setup runs it
    for tool in ("gcc", "build-essential", "python3-dev", "python3-venv", "python3-pip",
                 "pip install", "make "):
        assert tool not in final_runs, f"{tool} in the final stage"
    assert "/opt/peerdesk /opt/peerdesk" in " ".join(instructions(final, "COPY"))
    user = instructions(final, "USER")[-1]
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), f"USER {user}: numeric, not root"


def test_the_image_serves_the_containers_config_health_port_and_data_volume() -> None:
    final = stages()[-1]
    config = container_config()
    health = config["health"]
    assert health["enabled"] is True and health["listen"] == "0.0.0.0"
    port = health["port"]
    (check,) = instructions(final, "HEALTHCHECK")
    assert f"'http://127.0.0.1:{port}/healthz'" in check and "curl" not in check
    assert str(port) in instructions(final, "EXPOSE")[0].split()
    assert f'"{config["storage"]["data_dir"]}"' in instructions(final, "VOLUME")[0]
    assert "deploy/config.toml /config/config.toml" in instructions(final, "COPY")
    assert '"--config", "/config/config.toml"' in instructions(final, "ENTRYPOINT")[0]
    assert instructions(final, "CMD") == ['["run"]']


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # the name http.server calls
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_healthcheck_fails_on_503_without_curl(health_server: HTTPServer, status: int,
                                                   healthy: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Health, "status", status)
    (check,) = instructions(stages()[-1], "HEALTHCHECK")
    command = yaml.safe_load(check[check.index("CMD ") + 4:])  # exec form: a JSON list
    assert command[:2] == ["python3", "-c"]
    code = command[2].replace("127.0.0.1:9180", f"127.0.0.1:{health_server.server_port}")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert (result.returncode == 0) is healthy


def test_compose_runs_peerdesk_after_a_healthy_postgresql() -> None:
    services = compose()["services"]
    postgres, peerdesk = services["postgres"], services["peerdesk"]
    assert peerdesk["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert "disable" not in peerdesk.get("healthcheck", {})  # the image's HEALTHCHECK holds
    data_dir = container_config()["storage"]["data_dir"]
    assert f"data:{data_dir}" in peerdesk["volumes"]
    assert "${PEERDESK_CONFIG:-./deploy/config.toml}:/config/config.toml:ro" in \
        peerdesk["volumes"]
    assert "postgres:/var/lib/postgresql/data" in postgres["volumes"]
    assert set(compose()["volumes"]) == {"data", "postgres"}
    url = peerdesk["environment"]["PEERDESK_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://peerdesk:${PEERDESK_DB_PASSWORD:?")
    assert url.endswith("@postgres:5432/peerdesk")
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${PEERDESK_DB_PASSWORD:?")


def test_compose_takes_every_secret_from_the_environment() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for variable, value in service.get("environment", {}).items():
            if any(word in variable for word in SECRET_WORDS):
                assert "${" in str(value), f"{name}: {variable} is written in compose.yaml"
    # Every variable config.toml can name (*_env keys) reaches the peerdesk container.
    named = set(re.findall(r'^\w+_env = "(\w+)"', (ROOT / "config.toml").read_text(), re.M))
    passed = services["peerdesk"]["environment"]
    assert named and named <= set(passed)
    for variable in named - {"PEERDESK_DATABASE_URL"}:
        assert passed[variable] == f"${{{variable}:-}}"


def test_apy_runs_from_the_same_image_where_the_config_says() -> None:
    services = compose()["services"]
    apy = services["apy"]
    assert apy["image"] == services["peerdesk"]["image"] and apy["profiles"] == ["apy"]
    port = apy["entrypoint"][apy["entrypoint"].index("--port") + 1]
    assert f"http://127.0.0.1:{port}/" in " ".join(apy["healthcheck"]["test"])
    # The config, which runs the apertium command by default, names the service's URL.
    assert f'apy_url = "http://apy:{port}"' in CONTAINER_CONFIG.read_text(encoding="utf-8")
    assert container_config()["translation"]["apertium"]["apy_url"] == ""


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / name, encoding="utf-8")
    return parser


def test_the_systemd_unit_runs_peerdesk_unprivileged_and_confined() -> None:
    service = unit("peerdesk.service")["Service"]
    assert service["User"] == "peerdesk"
    assert service["ExecStart"].split() == [
        "/opt/peerdesk/bin/peerdesk", "--config", "/etc/peerdesk/config.toml", "run"]
    assert service["EnvironmentFile"] == "/etc/peerdesk/env"
    assert service["Restart"] == "on-failure"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    # The data dir, writable under ProtectSystem=strict: /var/lib/peerdesk.
    assert service["StateDirectory"] == "peerdesk"
    assert service["CapabilityBoundingSet"] == ""
    apy = unit("peerdesk-apy.service")["Service"]
    assert apy["DynamicUser"] == "yes" and apy["IPAddressAllow"] == "localhost"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_units() -> None:
    result = subprocess.run(["systemd-analyze", "verify",
                             *(str(p) for p in sorted((ROOT / "deploy").glob("*.service")))],
                            capture_output=True, text=True, timeout=60)
    # Only the programs a real install puts in place may be missing on this machine.
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if line.strip() and "is not executable: No such file or directory" not in line]
    assert problems == []
