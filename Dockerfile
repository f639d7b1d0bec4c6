# peerdesk's container image: `peerdesk run` with Apertium inside, so translation works with no
# network at all; APy, Apertium's HTTP server, can run from the same image (compose.yaml).
#   docker build -t peerdesk .
#   docker run -d --name peerdesk -v peerdesk-data:/data \
#       -v "$PWD/deploy/config.toml:/config/config.toml:ro" \
#       -e PEERDESK_TELEGRAM_TOKEN peerdesk
# Data (SQLite, deliverables' files) lives in the /data volume; the config is mounted at
# /config/config.toml; secrets come only from environment variables. See README "Deployment".
# Offline translation inside the image:
#   docker run --rm peerdesk check-config         ("apertium check: 6 direct pairs …")
#   docker run --rm --entrypoint sh peerdesk -c "echo 'Hola, equipo' | apertium spa-eng"
#
# The base is Debian's, not python:3.11-slim: apertium-apy depends on Debian's python3, so a
# python image would carry two Pythons. Debian 12's python3 is 3.11, the one peerdesk needs,
# and the same one a bare-metal Debian server runs it with.
#
# Debian package versions are not pinned (DL3008): bookworm keeps only the newest version of
# each package, so a pin would break the build at the next security update; bookworm itself is
# the pin.

FROM debian:bookworm-slim AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY scripts/install-runtime ./scripts/
# Every dependency comes as a wheel, so no compiler is needed even here; the venv is then
# copied alone into the final stage. pip and setuptools are removed from it: nothing installs
# at run time.
ENV PIP_NO_CACHE_DIR=1
RUN scripts/install-runtime /opt/peerdesk \
    && /opt/peerdesk/bin/python -m pip uninstall --yes --quiet pip setuptools

FROM debian:bookworm-slim
# Apertium and APy through scripts/apertium, the script scripts/setup and CI use, so the
# package list and the check that every pair is there are the same everywhere. tini is PID 1:
# it forwards SIGTERM (peerdesk stops cleanly on it) and reaps the help desk's child process.
# hadolint ignore=DL3008
RUN --mount=type=bind,source=scripts/apertium,target=/tmp/apertium \
    apt-get update \
    && apt-get install -y --no-install-recommends python3 tini \
    && /tmp/apertium install \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric id, so that a bind-mounted /data can be given to it (chown 10001) and an
# orchestrator can check the image does not run as root.
RUN groupadd --gid 10001 peerdesk \
    && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin peerdesk \
    && mkdir -p /data /config \
    && chown 10001:10001 /data
COPY --from=build /opt/peerdesk /opt/peerdesk
COPY deploy/config.toml /config/config.toml
# APy refuses to start without a UTF-8 locale; Python's own output is unbuffered for the logs.
ENV PATH=/opt/peerdesk/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# The health endpoint ([health] in the config: 0.0.0.0:9180 here); also /metrics for Prometheus.
EXPOSE 9180
# No curl in the image: Python asks. urlopen raises on a 503 or no answer, so the exit code says
# it. A config that moves [health] port or turns it off needs its own --health-cmd.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9180/healthz', timeout=4)"]
ENTRYPOINT ["tini", "--", "peerdesk", "--config", "/config/config.toml"]
CMD ["run"]
