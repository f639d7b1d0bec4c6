# peerdesk container image: a slim runtime with no build tools, running as a non-root user.
# Build: docker build -t peerdesk .    Run the demo: docker run --rm peerdesk
# Data lives in the /data volume; mount your own config at /config/config.toml.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN python -m venv /opt/peerdesk \
    && /opt/peerdesk/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
# Apertium, the offline translator: text translated in the container never leaves it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends apertium apertium-eng-spa apertium-es-pt \
       apertium-fr-es \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 peerdesk \
    && mkdir -p /data /config /demo \
    && chown peerdesk /data
COPY --from=build /opt/peerdesk /opt/peerdesk
COPY config.toml /config/config.toml
COPY demo /demo
ENV PATH=/opt/peerdesk/bin:$PATH \
    PEERDESK_DATABASE_URL=sqlite:////data/peerdesk.db \
    PYTHONUNBUFFERED=1
USER peerdesk
WORKDIR /data
VOLUME ["/data"]
# The chat-platform adapters are not part of this version yet: the image plays the demo.
CMD ["peerdesk", "--config", "/config/config.toml", "console", "--script", "/demo/team-and-help-request.txt"]
