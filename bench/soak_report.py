"""The soak benchmark's figures, from what was recorded during the run: outbox lag percentiles
(overall, without the broadcasts, per minute), messages per second in and out, the RSS verdict,
the checks that nothing was lost — and how they are printed.

RSS rule ("no growth after warm-up"): warm-up is the first hour played when there are several
(``--hours``), else the first 30 % of the run (caches filling, every member's first message, the
first broadcast). Over the samples after it, a least-squares line is fitted to each process's
RSS; its rise across that stretch must stay under 3 MB or 2 % of the RSS at the end of warm-up,
whichever is larger.
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
LOG_CHECK = "peerdesk's log"  # the check that is not about losing anything


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
    quoted: bool = False  # it quotes what someone wrote: it went through translation


def _lags(rows: Sequence[Row]) -> dict[str, float]:
    lags = [r.sent - r.created for r in rows if r.sent is not None]
    return {"count": len(lags), "p50": percentile(lags, 0.5), "p99": percentile(lags, 0.99),
            "max": max(lags, default=float("nan"))}


def _period(moment: float, seconds: float, period: float) -> int:
    """The period of the run a moment falls in (after the run: one more, the drain's)."""
    last = int((seconds - 1e-9) // period) + 1
    return min(last, max(0, int(moment // period)))


def lag_figures(rows: Sequence[Row], seconds: float, period: float,
                hour: float) -> dict[str, Any]:
    """Lag (created → sent) p50/p99 over the run, without the broadcasts (also per platform),
    and per period and per hour played, by the moment each row was created."""
    sent = [r for r in rows if r.sent is not None]
    quiet = [r for r in sent if r.context != "broadcast"]
    periods: dict[int, list[Row]] = {}
    hours: dict[int, list[Row]] = {}
    for row in sent:
        periods.setdefault(_period(row.created, seconds, period), []).append(row)
        hours.setdefault(min(int(row.created // hour), int(seconds // hour) - 1), []).append(row)
    return {"all": _lags(sent), "without broadcasts": _lags(quiet),
            "by platform, without broadcasts": {
                name: _lags([r for r in quiet if r.platform == name])
                for name in sorted({r.platform for r in quiet})},
            "translated, without broadcasts": _lags([r for r in quiet if r.quoted]),
            "the bot's own words": _lags([r for r in quiet if not r.quoted]),
            "per_period": {n: _lags(found) for n, found in sorted(periods.items())},
            "per_hour": {n: _lags(found) for n, found in sorted(hours.items())}}


def per_period(per_second: Counter[int], start: float, seconds: float,
               period: float) -> dict[int, int]:
    """Counts per period of the run from counts per wall-clock second (after the run: one
    more period, the drain's)."""
    out: Counter[int] = Counter()
    for moment, count in per_second.items():
        if moment >= int(start):
            out[_period(moment - start, seconds, period)] += count
    return dict(sorted(out.items()))


def rss_verdict(samples: Sequence[tuple[float, float]], seconds: float,
                warm_up: float) -> dict[str, Any]:
    """(seconds, MB) samples of one process → the fitted rise after warm-up and the verdict."""
    after = [(t, mb) for t, mb in samples if warm_up <= t <= seconds]
    if len(after) < 3:
        nan = float("nan")
        return {"ok": None, "slope_mb_per_min": nan, "rise_mb": nan, "allowed_mb": nan,
                "at_warm_up_mb": nan, "end_mb": nan,
                "peak_mb": max((mb for _t, mb in samples), default=nan),
                "verdict": "too few samples after warm-up"}
    times, sizes = [t for t, _ in after], [mb for _, mb in after]
    slope = statistics.linear_regression(times, sizes).slope
    rise = slope * (times[-1] - times[0])
    allowed = max(RISE_MB, RISE_SHARE * sizes[0])
    ok = rise < allowed
    return {"ok": ok, "slope_mb_per_min": slope * 60, "rise_mb": rise, "allowed_mb": allowed,
            "at_warm_up_mb": sizes[0], "end_mb": sizes[-1],
            "peak_mb": max(mb for _t, mb in samples),
            "verdict": "no growth after warm-up" if ok else "GROWS after warm-up"}


def _broadcasts(summary: dict[str, Any]) -> str:
    played = summary["broadcasts"]
    if not played:
        return "none"
    seconds = [b["seconds"] for b in played]
    return (f"{fmt(statistics.median(seconds), 1)} s ({fmt(max(seconds), 1)} s); "
            f"{len(played)} of {statistics.median(b['rows'] for b in played):,.0f} rows")


def fmt(value: float, digits: int = 2) -> str:
    """A figure for the tables (— for none)."""
    return "—" if value != value else f"{value:,.{digits}f}"


def print_report(summary: dict[str, Any]) -> None:
    """The per-period table (and per-hour one), the summary table, checks and verdicts."""
    lag, periods, span = summary["lag"], summary["per_period"], summary["period"] / 60
    print("\n| minutes | inbound | delivered | lag p50 (s) | lag p99 (s) | backlog at end "
          "| RSS main / desk, max (MB) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    nan = {"p50": float("nan"), "p99": float("nan")}
    for number, row in periods.items():
        figures = lag["per_period"].get(number, nan)
        label = "drain" if number * summary["period"] >= summary["seconds"] - 1e-9 else \
            f"{number * span:g}-{min((number + 1) * span, summary['seconds'] / 60):g}"
        print(f"| {label} | {row['inbound']:,} | {row['delivered']:,} | {fmt(figures['p50'])}"
              f" | {fmt(figures['p99'])} | {row['backlog']:,} | {fmt(row['rss_main'], 0)} / "
              f"{fmt(row['rss_desk'], 0)} |")
    if len(summary["per_hour"]) > 1:
        print("\n| hour played | in/s | out/s | lag p50 / p99 (s) | RSS main / desk at its end "
              "(MB) |\n| ---: | ---: | ---: | ---: | ---: |")
        for number, row in summary["per_hour"].items():
            figures = lag["per_hour"].get(number, nan)
            print(f"| {number + 1} | {fmt(row['inbound'])} | {fmt(row['outbound'])} | "
                  f"{fmt(figures['p50'])} / {fmt(figures['p99'])} | {fmt(row['rss_main'], 0)} "
                  f"/ {fmt(row['rss_desk'], 0)} |")
    rates, checks, rss = summary["rates"], summary["checks"], summary["rss"]
    print(f"\n| measure ({summary['machine']}) | {summary['database']} |\n| --- | ---: |")
    lines = [
        ("inbound messages/s sustained (planned)",
         f"**{fmt(rates['inbound'])}** ({fmt(rates['inbound_planned'])})"),
        ("outbound messages/s delivered over the run (peak minute)",
         f"**{fmt(rates['outbound'])}** ({fmt(rates['outbound_peak_minute'])})"),
        ("messages in / out (Telegram, Slack, console)",
         f"{rates['inbound_total']:,} / {rates['outbound_total']:,} "
         f"({' / '.join(f'{n:,}' for n in rates['outbound_by_platform'].values())})"),
        ("outbox lag p50 / p99, all rows", f"{fmt(lag['all']['p50'])} / "
         f"**{fmt(lag['all']['p99'])}** s"),
        ("outbox lag p50 / p99 without the broadcasts",
         f"{fmt(lag['without broadcasts']['p50'])} / "
         f"**{fmt(lag['without broadcasts']['p99'])}** s"),
        ("… of these, quoting people (translated) / the bot's own words: p99",
         f"{fmt(lag['translated, without broadcasts']['p99'])} / "
         f"{fmt(lag['the bot' + chr(39) + 's own words']['p99'])} s"),
        ("broadcasts to everyone: Confirm → last message, median (worst)", _broadcasts(summary)),
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
    if summary.get("grown_after_warm_up"):
        print("\nmain process, allocations grown after warm-up (tracemalloc):")
        print("\n".join(f"  {line}" for line in summary["grown_after_warm_up"]))
    print("\noutbox rows by what they are about: " + ", ".join(
        f"{name} {count:,}" for name, count in summary["rows_by_context"].items()))
    print("checks: " + "; ".join(f"{name}: {'ok' if ok else 'FAILED'} ({detail})"
                                    for name, (ok, detail) in checks.items()))
    lost = "nothing lost" if all(ok for name, (ok, _) in checks.items()
                                 if name != LOG_CHECK) else "SOMETHING LOST"
    if not checks[LOG_CHECK][0]:
        lost += ", but PEERDESK LOGGED ERRORS"
    print(f"verdicts: {lost}; RSS {rss['main']['verdict']} (main), {rss['desk']['verdict']} "
          f"(help desk); {summary['sustained']}")
