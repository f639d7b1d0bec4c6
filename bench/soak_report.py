"""The soak benchmark's figures, from what was recorded during the run: outbox lag percentiles
(overall, without the broadcasts, per minute), messages per second in and out, the RSS verdict,
the checks that nothing was lost — and how they are printed.

RSS rule ("no growth after warm-up"): the first 30 % of the run is warm-up (caches filling,
every member's first message, the first broadcast). Over the samples after it, a least-squares
line is fitted to each process's RSS; its rise across that stretch must stay under 3 MB or 2 %
of the RSS at the end of warm-up, whichever is larger.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WARM_UP = 0.3
RISE_MB, RISE_SHARE = 3.0, 0.02
ON_TIME_SECONDS, DRAIN_SECONDS = 2.0, 60.0  # the rule for "sustained in real time"


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank); nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass(frozen=True)
class Row:
    """An outbox row, as the report needs it (seconds from the start of the run)."""

    platform: str
    status: str
    context: str | None
    created: float
    sent: float | None


def lag_figures(rows: Sequence[Row], seconds: float) -> dict[str, Any]:
    """Lag (created → sent) p50/p99 over the run, without the broadcasts, and per minute of
    creation (the drain after the hour as its last minute)."""
    def figures(lags: list[float]) -> dict[str, float]:
        return {"count": len(lags), "p50": percentile(lags, 0.5), "p99": percentile(lags, 0.99),
                "max": max(lags, default=float("nan"))}
    sent = [r for r in rows if r.sent is not None]
    lags = [r.sent - r.created for r in sent if r.sent is not None]
    quiet = [r.sent - r.created for r in sent if r.sent is not None and r.context != "broadcast"]
    minutes: dict[int, list[float]] = {}
    last = max(1, int((seconds - 1e-9) // 60) + 1)
    for row in sent:
        assert row.sent is not None
        minutes.setdefault(min(last, max(0, int(row.created // 60))), []).append(
            row.sent - row.created)
    return {"all": figures(lags), "without broadcasts": figures(quiet),
            "per_minute": {minute: figures(values) for minute, values in sorted(minutes.items())}}


def per_minute(per_second: Counter[int], start: float, seconds: float) -> dict[int, int]:
    """Counts per minute of the run from counts per wall-clock second (after the hour: the last
    minute, the drain)."""
    last = max(1, int((seconds - 1e-9) // 60) + 1)
    out: Counter[int] = Counter()
    for moment, count in per_second.items():
        if moment >= int(start):
            out[min(last, max(0, int((moment - start) // 60)))] += count
    return dict(sorted(out.items()))


def rss_verdict(samples: Sequence[tuple[float, float]], seconds: float) -> dict[str, Any]:
    """(seconds, MB) samples of one process → the fitted rise after warm-up and the verdict."""
    after = [(t, mb) for t, mb in samples if seconds * WARM_UP <= t <= seconds]
    if len(after) < 3:
        return {"verdict": "too few samples", "ok": None}
    times, sizes = [t for t, _ in after], [mb for _, mb in after]
    slope = statistics.linear_regression(times, sizes).slope
    rise = slope * (times[-1] - times[0])
    allowed = max(RISE_MB, RISE_SHARE * sizes[0])
    ok = rise < allowed
    return {"ok": ok, "slope_mb_per_min": slope * 60, "rise_mb": rise, "allowed_mb": allowed,
            "at_warm_up_mb": sizes[0], "end_mb": sizes[-1],
            "peak_mb": max(mb for _t, mb in samples),
            "verdict": "no growth after warm-up" if ok else "GROWS after warm-up"}


def fmt(value: float, digits: int = 2) -> str:
    """A figure for the tables (— for none)."""
    return "—" if value != value else f"{value:,.{digits}f}"


def print_report(summary: dict[str, Any]) -> None:
    """The per-minute table, the summary table, the checks and the verdicts."""
    lag, minutes = summary["lag"], summary["per_minute"]
    print("\n| minute | inbound | delivered | lag p50 (s) | lag p99 (s) | backlog at end "
          "| RSS main / desk (MB) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for minute, row in minutes.items():
        figures = lag["per_minute"].get(minute, {"p50": float("nan"), "p99": float("nan")})
        print(f"| {minute} | {row['inbound']:,} | {row['delivered']:,} | {fmt(figures['p50'])}"
              f" | {fmt(figures['p99'])} | {row['backlog']:,} | {fmt(row['rss_main'], 0)} / "
              f"{fmt(row['rss_desk'], 0)} |")
    rates, checks, rss = summary["rates"], summary["checks"], summary["rss"]
    print(f"\n| measure ({summary['machine']}) | {summary['database']} |\n| --- | ---: |")
    lines = [
        ("inbound messages/s sustained (planned)",
         f"**{fmt(rates['inbound'])}** ({fmt(rates['inbound_planned'])})"),
        ("outbound messages/s delivered over the hour (peak minute)",
         f"**{fmt(rates['outbound'])}** ({fmt(rates['outbound_peak_minute'])})"),
        ("messages in / out (Telegram, Slack, console)",
         f"{rates['inbound_total']:,} / {rates['outbound_total']:,} "
         f"({' / '.join(f'{n:,}' for n in rates['outbound_by_platform'].values())})"),
        ("outbox lag p50 / p99, all rows", f"{fmt(lag['all']['p50'])} / "
         f"**{fmt(lag['all']['p99'])}** s"),
        ("outbox lag p50 / p99 without the broadcasts",
         f"{fmt(lag['without broadcasts']['p50'])} / "
         f"**{fmt(lag['without broadcasts']['p99'])}** s"),
        ("broadcasts: Confirm → last message", ", ".join(
            f"{fmt(b['seconds'], 1)} s ({b['rows']:,} rows)" for b in summary["broadcasts"])),
        ("backlog drained after the hour in", f"{fmt(summary['drain_seconds'], 1)} s"),
        ("driver behind schedule, worst", f"{fmt(summary['late_seconds'], 2)} s"),
        ("RSS main process: after warm-up → end (peak), fitted rise",
         f"{fmt(rss['main']['at_warm_up_mb'], 0)} → {fmt(rss['main']['end_mb'], 0)} MB "
         f"({fmt(rss['main']['peak_mb'], 0)}), {fmt(rss['main']['rise_mb'], 1)} MB"),
        ("RSS help desk process: after warm-up → end (peak), fitted rise",
         f"{fmt(rss['desk']['at_warm_up_mb'], 0)} → {fmt(rss['desk']['end_mb'], 0)} MB "
         f"({fmt(rss['desk']['peak_mb'], 0)}), {fmt(rss['desk']['rise_mb'], 1)} MB"),
        ("CPU, main / help desk process (share of one core)",
         f"{summary['cpu']['main']:.0%} / {summary['cpu']['desk']:.0%}"),
        ("skipped actions (nothing to act on yet) / Telegram's 429s",
         f"{summary['skipped']} / {sum(summary['refused'].values())} "
         f"{summary['refused'] or ''}".strip()),
    ]
    for label, value in lines:
        print(f"| {label} | {value} |")
    print("\nchecks: " + "; ".join(f"{name}: {'ok' if ok else 'FAILED'} ({detail})"
                                    for name, (ok, detail) in checks.items()))
    lost = "nothing lost" if all(ok for ok, _ in checks.values()) else "SOMETHING LOST"
    print(f"verdicts: {lost}; RSS {rss['main']['verdict']} (main), {rss['desk']['verdict']} "
          f"(help desk); {summary['sustained']}")
