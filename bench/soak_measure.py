"""The soak benchmark's instruments: the peerdesk process it drives (:class:`Desk`), the sampler
of RSS, CPU and outbox backlog (:class:`Sampler`, psutil), and the figures and checks read at
the end from the database, the platforms and the console (:func:`final_figures`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
from soak_report import (
    DRAIN_SECONDS,
    LOG_CHECK,
    ON_TIME_SECONDS,
    WARM_UP,
    Row,
    lag_figures,
    per_period,
    rss_verdict,
)
from soak_servers import Platforms
from soak_world import Programme
from sqlalchemy import func, select

from storage.database import Database
from storage.models import OutboxRowModel, table
from storage.models_delivery import DeadLetterRow
from storage.models_updates import PlatformUpdateRow

DESK = Path(__file__).resolve().parent / "soak_desk.py"
ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


class Desk:
    """peerdesk's process (soak_desk.py): console people act through its standard input."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process, self.log = process, log
        self.pid = process.pid

    @classmethod
    async def start(cls, config: Path, environ: dict[str, str], log: Path) -> Desk:
        """Start it and wait until every platform is connected."""
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(DESK), str(config), cwd=ROOT, env=environ,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=output)
        desk = cls(process, log)
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 180)
        if not line:
            raise SystemExit(f"peerdesk did not start:\n{desk.output()}")
        return desk

    async def send(self, action: dict[str, Any]) -> None:
        """A console person acts (the action as soak_plan.py makes it)."""
        step = {"user": action["user"], "text": action.get("text", "")}
        if action["kind"] == "reply":
            step["reply_to"] = action["to"]
        elif action["kind"] == "press":
            step["button"] = action["data"]
        elif action["kind"] == "file":
            step["file"] = action["file"]
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(step).encode() + b"\n")
        await self.process.stdin.drain()

    async def stop(self) -> dict[str, Any]:
        """Close its input: it stops and reports what the console received."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        report: dict[str, Any] = {}
        while line := await asyncio.wait_for(self.process.stdout.readline(), 120):
            report.update(json.loads(line))
        await asyncio.wait_for(self.process.wait(), 60)
        if "console" not in report:
            raise SystemExit(f"peerdesk stopped badly:\n{self.output()}")
        console: dict[str, Any] = report["console"]
        console["grown"] = report.get("grown", [])
        return console

    async def mark(self) -> None:
        """Tell it that warm-up is over (for ``--tracemalloc``)."""
        assert self.process.stdin is not None
        self.process.stdin.write(b'{"tracemalloc": "mark"}\n')
        await self.process.stdin.drain()

    def output(self) -> str:
        """The end of what it logged."""
        return self.log.read_text(errors="replace")[-3000:]

    async def close(self) -> None:
        """Make sure it is gone."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


def backlog(database: Database) -> tuple[Counter[str], int, int]:
    """(outbox rows waiting to be sent by status and platform, journal entries not handled,
    newest outbox id) — blocking."""
    outbox, journal = table(OutboxRowModel), table(PlatformUpdateRow)
    with database.engine.connect() as conn:
        waiting: Counter[str] = Counter({f"{status} {platform}": int(count)
                                         for status, platform, count in conn.execute(
            select(outbox.c.status, outbox.c.platform, func.count())
            .where(outbox.c.status.in_(("pending", "translating")))
            .group_by(outbox.c.status, outbox.c.platform))})
        unhandled = conn.execute(select(func.count()).select_from(journal).where(
            journal.c.done_at.is_(None))).scalar_one()
        newest = conn.execute(select(func.max(outbox.c.id))).scalar_one()
    return waiting, int(unhandled), int(newest or 0)


class Sampler:
    """RSS and CPU of peerdesk's processes (the main one, the help desk's worker) and the
    outbox backlog, every few seconds."""

    def __init__(self, pid: int, database: Database, every: float) -> None:
        self.main = psutil.Process(pid)
        self.database, self.every = database, every
        self.samples: list[dict[str, float]] = []
        self.start = time.time()
        self.cpu: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _desk(self) -> list[psutil.Process]:
        """The help desk's worker (multiprocessing's resource tracker, ~13 MB and idle, and
        Apertium's commands are not counted)."""
        return [child for child in self.main.children(recursive=True)
                if "spawn_main" in " ".join(child.cmdline())]

    def _cpu(self) -> dict[str, float]:
        def used(process: psutil.Process) -> float:
            times = process.cpu_times()
            return float(times.user + times.system)
        return {"main": used(self.main), "desk": sum(used(p) for p in self._desk()),
                "at": time.time()}

    def begin(self, start: float) -> None:
        """Sample from now on."""
        self.start = start
        self.cpu = self._cpu()
        self._task = asyncio.create_task(self._run())

    async def sample(self) -> None:
        """One sample: RSS, the backlog."""
        waiting, unhandled, _newest = await self.database.run(lambda: backlog(self.database))
        self.samples.append({"t": time.time() - self.start,
                             "main": self.main.memory_info().rss / MB,
                             "desk": sum(p.memory_info().rss for p in self._desk()) / MB,
                             "backlog": sum(waiting.values()) + unhandled,
                             "unhandled": unhandled, **waiting})

    async def _run(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(self.every)

    async def drained(self, since: float, limit: float, quiet: float) -> float:
        """Seconds from ``since`` until nothing waits (nan after ``limit`` seconds); then
        returns once nothing was queued for ``quiet`` seconds either (the scheduler's next
        sweep may queue reports and nags), so that stopping leaves nothing unsent."""
        drain, newest, still = float("nan"), -1, time.time()
        while time.time() - since < limit:
            waiting, unhandled, last = await self.database.run(lambda: backlog(self.database))
            now, busy = time.time(), bool(waiting or unhandled)
            if busy or last != newest:
                newest, still = last, now
            if not busy and drain != drain:
                drain = now - since
            if not busy and now - still >= quiet:
                return drain
            await asyncio.sleep(0.5)
        return drain

    async def stop(self) -> None:
        """The last sample; CPU shares since :meth:`begin`."""
        if self._task is not None:
            self._task.cancel()
        await self.sample()
        now, before = self._cpu(), self.cpu
        wall = now["at"] - before["at"]
        self.cpu = {"main": (now["main"] - before["main"]) / wall,
                    "desk": (now["desk"] - before["desk"]) / wall}


def warm_up_seconds(args: argparse.Namespace) -> float:
    """Warm-up: the first hour played when there are several, else the first 30 %."""
    hour = float(args.minutes * 60)
    return hour if args.hours > 1 else hour * WARM_UP


def sampler_log(path: Path) -> list[str]:
    """The lines peerdesk logged (warnings and errors: its level is WARNING)."""
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def logged_errors(lines: list[str]) -> list[str]:
    """Each ERROR line with the last line of the traceback under it (the exception)."""
    errors: list[str] = []
    for number, line in enumerate(lines):
        if " ERROR " not in line:
            continue
        after = lines[number + 1:]
        end = next((n for n, text in enumerate(after) if text[:4].isdigit()), len(after))
        errors.append(line + (f" — {after[end - 1].strip()}" if end else ""))
    return errors


def _read_database(database: Database, start: float) -> dict[str, Any]:
    outbox, journal = table(OutboxRowModel), table(PlatformUpdateRow)
    with database.engine.connect() as conn:
        rows = list(conn.execute(select(
            outbox.c.id, outbox.c.platform, outbox.c.status, outbox.c.context,
            outbox.c.context_id, outbox.c.created_at, outbox.c.sent_at, outbox.c.sent_chat_id,
            outbox.c.platform_message_id, outbox.c.template.is_not(None).label("quoted"))))
        dead = {int(r[0]) for r in conn.execute(select(table(DeadLetterRow).c.outbox_id))}
        counted = select(journal.c.platform, func.count()).group_by(journal.c.platform)
        recorded = {p: n for p, n in conn.execute(counted)}
        unhandled = {p: n for p, n in conn.execute(counted.where(journal.c.done_at.is_(None)))}
        journals = {str(p): (int(n), int(unhandled.get(p, 0))) for p, n in recorded.items()}
    return {"rows": rows, "dead": dead, "journals": journals}


async def final_figures(world: Programme, args: argparse.Namespace, database: Database,
                        platforms: Platforms, sampler: Sampler, console: dict[str, Any],
                        run: dict[str, Any]) -> dict[str, Any]:
    """Everything the report shows, and the checks that nothing was lost."""
    start, seconds = float(run["start"]), float(run["seconds"])
    read = await database.run(lambda: _read_database(database, start))
    rows, stats = read["rows"], await platforms.stats()
    report_rows = [Row(r.platform, r.status, r.context, r.created_at.timestamp() - start,
                       None if r.sent_at is None else r.sent_at.timestamp() - start,
                       bool(r.quoted))
                   for r in rows]
    status = Counter(r.status for r in rows)
    not_done = sum(n for s, n in status.items() if s not in ("sent", "failed"))
    failed_alone = sum(1 for r in rows if r.status == "failed" and r.id not in read["dead"])
    sent = {p: [[r.sent_chat_id, r.platform_message_id] for r in rows
                if r.platform == p and r.status == "sent"] for p in ("telegram", "slack")}
    missing = await platforms.missing(sent["telegram"], sent["slack"])
    console_rows = [r for r in rows if r.platform == "console" and r.status == "sent"]
    journals = read["journals"]
    errors = logged_errors(sampler_log(run["log"]))
    checks: dict[str, tuple[bool, str]] = {
        "outbox": (not_done == 0 and failed_alone == 0,
                   f"{status.get('sent', 0):,} sent, {len(read['dead'])} dead-lettered, "
                   f"{not_done} not sent"),
        "on the platforms": (not missing["telegram"] and not missing["slack"],
                             f"missing {len(missing['telegram'])} of {len(sent['telegram']):,} "
                             f"on Telegram, {len(missing['slack'])} of {len(sent['slack']):,} "
                             "on Slack"),
        "console": (console["delivered"] == len(console_rows)
                    and console["id_sum"] == sum(r.id for r in console_rows),
                    f"{console['delivered']:,} received for {len(console_rows):,} sent"),
    }
    checks[LOG_CHECK] = (not errors, f"{len(errors)} errors logged")
    for name in ("telegram", "slack"):
        recorded, unhandled = journals.get(name, (0, 0))
        checks[f"{name} updates"] = (recorded == stats[name]["pushed"] and unhandled == 0,
                                     f"{stats[name]['pushed']:,} pushed, {recorded:,} recorded, "
                                     f"{unhandled} unhandled")
    broadcasts = []
    ids = sorted({int(r.context_id) for r in rows if r.context == "broadcast"})
    for played, number in zip(run["broadcasts"], ids, strict=False):
        mine = [r for r in rows if r.context == "broadcast" and r.context_id == number]
        last = max((r.sent_at.timestamp() for r in mine if r.sent_at is not None), default=0.0)
        broadcasts.append({**played, "rows": len(mine),
                           "sent": sum(r.status == "sent" for r in mine),
                           "seconds": last - float(played["confirm"] or last)})
    checks["broadcasts"] = (len(broadcasts) == len(run["broadcasts"]) and all(
        b["ok"] for b in run["broadcasts"]) and all(
        b["sent"] == b["rows"] >= len(world.everyone) - 1 for b in broadcasts),
        ", ".join(f"{b['sent']:,} of {b['rows']:,} sent" for b in broadcasts) or "none")
    delivered: Counter[int] = Counter()
    by_platform = {}
    for name in ("telegram", "slack"):
        counts = Counter({int(k): int(v) for k, v in stats[name]["per_second"].items()})
        by_platform[name] = sum(counts.values())
        delivered.update(counts)
    console_seconds = Counter({int(k): int(v) for k, v in console["per_second"].items()})
    by_platform["console"] = sum(console_seconds.values())
    delivered.update(console_seconds)
    hour = float(args.minutes * 60)
    period = 60.0 * math.ceil(seconds / 60 / 12)  # at most a dozen rows in the table
    out_periods = per_period(delivered, start, seconds, period)
    in_periods = per_period(run["inbound"], start, seconds, period)
    periods = {}
    for number in sorted(set(out_periods) | set(in_periods)):
        inside = [s for s in sampler.samples
                  if number * period <= s["t"] < (number + 1) * period] or sampler.samples[-1:]
        periods[number] = {"inbound": in_periods.get(number, 0),
                           "delivered": out_periods.get(number, 0),
                           "backlog": int(inside[-1]["backlog"]),
                           "rss_main": max(s["main"] for s in inside),
                           "rss_desk": max(s["desk"] for s in inside)}
    hours = {}
    for number in range(int(args.hours)):
        begin, end = start + number * hour, start + (number + 1) * hour
        last = [s for s in sampler.samples if end - start - hour / 10 <= s["t"] <= end - start]
        hours[number] = {
            "inbound": sum(n for t, n in run["inbound"].items() if begin <= t < end) / hour,
            "outbound": sum(n for t, n in delivered.items() if begin <= t < end) / hour,
            "rss_main": statistics.median(s["main"] for s in last) if last else float("nan"),
            "rss_desk": statistics.median(s["desk"] for s in last) if last else float("nan")}
    minutes = per_period(delivered, start, seconds, 60)
    full = [minutes[m] for m in minutes if (m + 1) * 60 <= seconds]
    warm_up = warm_up_seconds(args)
    rss = {name: rss_verdict([(s["t"], s[name]) for s in sampler.samples], seconds, warm_up)
           for name in ("main", "desk")}
    inbound_total = sum(run["inbound"].values())
    on_time = run["late"] <= ON_TIME_SECONDS and run["drain"] == run["drain"] \
        and run["drain"] <= DRAIN_SECONDS
    return {
        "arguments": vars(args), "seconds": seconds, "period": period,
        "people": {"members": len(world.members), "teams": len(world.teams),
                   "coordinators": len(world.coordinators), "reviewers": len(world.reviewers)},
        "rates": {"inbound": inbound_total / seconds, "inbound_planned": run["planned"] / seconds,
                  "inbound_total": inbound_total,
                  "outbound": sum(n for t, n in delivered.items()
                                  if start <= t < start + seconds) / seconds,
                  "outbound_peak_minute": max(full, default=float("nan")) / 60,
                  "outbound_total": sum(delivered.values()),
                  "outbound_by_platform": by_platform},
        "lag": lag_figures(report_rows, seconds, period, hour), "per_period": periods,
        "per_hour": hours,
        "broadcasts": broadcasts, "drain_seconds": run["drain"], "late_seconds": run["late"],
        "skipped": run["skipped"] + int(stats["skipped"]),
        "refused": stats["refused"], "rss": rss, "cpu": sampler.cpu,
        "rss_samples": sampler.samples, "checks": checks, "statuses": dict(status),
        "rows_by_context": dict(Counter(str(r.context) for r in rows).most_common()),
        "errors_logged": errors[:20], "grown_after_warm_up": console["grown"],
        "sustained": ("sustained in real time" if on_time else "NOT sustained in real time")
        + f" (rule: driver on schedule within {ON_TIME_SECONDS:.0f} s, backlog drained within "
          f"{DRAIN_SECONDS:.0f} s after the last hour)"}
