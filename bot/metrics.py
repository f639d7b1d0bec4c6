"""``/metrics``: what peerdesk did since it started and what waits now, in Prometheus's text
format, from a registry of its own (never prometheus_client's global one).

The counters are kept as plain numbers where things happen, in this process — the adapters'
inbound messages handled (``App.inbound``), the dispatcher's sends (``Dispatcher.outcomes``),
the translator's calls, failures and cache hits, the sweeps' nags (``App.nags_sent``), the
scheduler's last sweep — and turned into metrics at each scrape. What is naturally in the
database (what waits in the outbox, and since when) is read from it at each scrape, so a help
desk running in a second process changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from bot.app import App
from bot.health_checks import DatabaseLooks
from storage.monitoring import SET_ASIDE, UNSENT, OutboxState, outbox_state

log = logging.getLogger(__name__)
# What a send can come to (bot/dispatcher.py).
SEND_RESULTS = ("sent", "retry_later", "failed", "refused", "dead_letter", "unreachable")


def _counter(name: str, documentation: str, label: str,
             values: Mapping[str, int], known: Iterable[str] = ()) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for key in sorted({*known, *values}):
        family.add_metric([key], values.get(key, 0))
    return family


class PeerdeskCollector(Collector):
    """Reads the running peerdesk's numbers at each scrape (``outbox`` is the last look at the
    database, None when it failed)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.outbox: OutboxState | None = None
        self.looked_at: datetime | None = None

    @property
    def platforms(self) -> list[str]:
        """The platforms this process sends to."""
        return sorted(self.app.dispatcher.channels)

    def collect(self) -> Iterator[Metric]:
        """Every peerdesk metric, now."""
        app = self.app
        yield _counter("peerdesk_inbound_messages",
                       "Inbound messages handled by the help desk, by platform.", "platform",
                       dict(app.inbound), self.platforms)
        yield from self._sends()
        yield from self._translation()
        yield _counter("peerdesk_nags_sent", "Follow-ups (nags) queued by the sweeps, by rule.",
                       "rule", dict(app.nags_sent))
        yield from self._scheduler()
        yield from self._outbox()

    def _sends(self) -> Iterator[Metric]:
        outcomes = dict(self.app.dispatcher.outcomes)
        family = CounterMetricFamily(
            "peerdesk_sends", "Send attempts by platform and what they came to.",
            labels=["platform", "result"])
        known = {(platform, result) for platform in self.platforms for result in SEND_RESULTS}
        for platform, result in sorted(known | set(outcomes)):
            family.add_metric([platform, result], outcomes.get((platform, result), 0))
        yield family

    def _translation(self) -> Iterator[Metric]:
        translator = self.app.translator
        names = [provider.name for provider in translator.providers]
        yield _counter("peerdesk_translation_calls",
                       "Calls made to each translation provider.", "provider",
                       dict(translator.calls), names)
        yield _counter("peerdesk_translation_failures",
                       "Translations a provider could not make (the next one was tried).",
                       "provider", dict(translator.failures), names)
        yield _counter("peerdesk_translation_cache_hits",
                       "Translations the cache answered, by the provider that made them.",
                       "provider", dict(translator.cache_hits), names)

    def _scheduler(self) -> Iterator[Metric]:
        scheduler = self.app.scheduler
        if scheduler is None:
            return
        yield GaugeMetricFamily("peerdesk_scheduler_active",
                                "1 when this process holds the scheduler lock and sweeps.",
                                value=1 if scheduler.active else 0)
        yield CounterMetricFamily("peerdesk_scheduler_sweeps",
                                  "Sweeps this process ran well.", value=scheduler.sweeps)
        if scheduler.last_sweep_at is not None:
            yield GaugeMetricFamily(
                "peerdesk_scheduler_last_sweep_timestamp_seconds",
                "When this process's last sweep ended well (Unix time).",
                value=scheduler.last_sweep_at.timestamp())

    def _outbox(self) -> Iterator[Metric]:
        state = self.outbox
        yield GaugeMetricFamily("peerdesk_database_up",
                                "1 when the database answered this scrape's look.",
                                value=0 if state is None else 1)
        if state is None or self.looked_at is None:
            return
        depth = GaugeMetricFamily("peerdesk_outbox_depth",
                                  "Outbox rows not sent yet, by platform and status.",
                                  labels=["platform", "status"])
        unsent = state.unsent
        for key in sorted({(p, s) for p in self.platforms for s in UNSENT} | set(unsent)):
            depth.add_metric(list(key), unsent.get(key, 0))
        yield depth
        aside = GaugeMetricFamily("peerdesk_outbox_set_aside",
                                  "Outbox rows given up on: refused for good (failed) or for "
                                  "an unreachable recipient, by platform and status.",
                                  labels=["platform", "status"])
        for key in sorted({(p, s) for p in self.platforms for s in SET_ASIDE}
                          | set(state.set_aside)):
            aside.add_metric(list(key), state.set_aside.get(key, 0))
        yield aside
        oldest = state.oldest_unsent
        age = 0.0 if oldest is None else max((self.looked_at - oldest).total_seconds(), 0.0)
        yield GaugeMetricFamily("peerdesk_outbox_oldest_unsent_age_seconds",
                                "How long the oldest unsent outbox row has waited (0: none).",
                                value=age)


class Metrics:
    """The registry ``/metrics`` exposes: peerdesk's numbers and the process's own (CPU,
    memory, open files)."""

    def __init__(self, app: App, looks: DatabaseLooks) -> None:
        self.app = app
        self.looks = looks
        self.registry = CollectorRegistry()
        self.collector = PeerdeskCollector(app)
        self.registry.register(self.collector)
        ProcessCollector(registry=self.registry)

    async def exposition(self) -> bytes:
        """Look at the outbox, then every metric in Prometheus's text format (0.0.4)."""
        try:
            state: OutboxState | None = await self.looks.look(outbox_state)
        except Exception as exc:
            log.warning("metrics: could not look at the outbox: %s",
                        str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
            state = None
        self.collector.looked_at = self.app.dispatcher.clock.now()
        self.collector.outbox = state
        return generate_latest(self.registry)
