"""Slack's side of the ack-latency benchmark, in a process of its own: Slack is another machine,
so the requests' sending and timing must not run in the event loop under measurement.

``python bench/slack_sender.py HOST PORT PATH COUNT`` opens COUNT connections to peerdesk's
endpoint (one after the other, as a warm pool: Slack keeps its connections alive), then reads
one JSON line per burst from stdin — a list of signed requests ``[body, headers]`` — writes each
request on its own connection, all at once, and writes one JSON line back: each request's
``[status, seconds from writing it to reading its whole answer]``, in order. It stops when stdin
closes. :class:`Sender` starts it and talks to it from the benchmark.

The requests are plain HTTP/1.1 written on asyncio transports, and the answers read by a small
parser (status line, Content-Length): an HTTP client library costs a few hundred microseconds
a request in Python, which, a thousand requests at once, would be timed as the server's.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

Signed = tuple[str, dict[str, str]]


class Connection(asyncio.Protocol):
    """One kept-alive connection: one request at a time, its answer timed."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.started = 0.0
        self.answer: asyncio.Future[tuple[int, float]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, request: bytes) -> asyncio.Future[tuple[int, float]]:
        """Write the request; the future gets its status and seconds to the whole answer."""
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.started = time.perf_counter()
        self.transport.write(request)
        return self.answer

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.answer is None:
            return
        head = self.buffer[:end].decode("latin-1").split("\r\n")
        length = next((int(line.partition(":")[2]) for line in head[1:]
                       if line.lower().startswith("content-length:")), 0)
        if len(self.buffer) < end + 4 + length:
            return
        self.buffer = self.buffer[end + 4 + length:]
        if not self.answer.done():
            self.answer.set_result((int(head[0].split()[1]), time.perf_counter() - self.started))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError("the server closed the connection"))


def http_request(host: str, port: int, path: str, signed: Signed) -> bytes:
    """The request's bytes as Slack sends them."""
    body, headers = signed
    data = body.encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: Slackbot 1.0",
             f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def serve(host: str, port: int, path: str, count: int) -> None:
    """Open the connections, then fire each burst read from stdin; answer with the timings."""
    loop = asyncio.get_running_loop()
    pool: list[Connection] = []
    for _number in range(count):
        _transport, connection = await loop.create_connection(Connection, host, port)
        pool.append(connection)
    print(json.dumps({"connections": len(pool)}), flush=True)
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        burst = [http_request(host, port, path, (body, headers))
                 for body, headers in json.loads(line)]
        answers = [connection.send(request)
                   for connection, request in zip(pool, burst, strict=False)]
        timings = await asyncio.gather(*answers)
        print(json.dumps(timings), flush=True)
    for connection in pool:
        if connection.transport is not None:
            connection.transport.close()


class Sender:
    """The sender process, aimed at peerdesk's Slack endpoint ``url``."""

    def __init__(self, host: str, port: int, path: str, count: int) -> None:
        self.count = count
        self.process = subprocess.Popen([sys.executable, __file__, host, str(port), path,
                                         str(count)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    async def opened(self) -> None:
        """Wait until the connections are open (the server must be serving meanwhile)."""
        assert self.process.stdout is not None
        json.loads(await asyncio.get_running_loop().run_in_executor(
            None, self.process.stdout.readline))

    async def burst(self, requests: list[Signed]) -> list[tuple[int, float]]:
        """Have all the requests sent at once (at most as many as connections); each one's
        status and seconds to its answer."""
        assert len(requests) <= self.count
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(requests) + "\n")
        self.process.stdin.flush()
        line = await asyncio.get_running_loop().run_in_executor(None,
                                                                self.process.stdout.readline)
        timings: list[Any] = json.loads(line)
        return [(int(status), float(seconds)) for status, seconds in timings]

    def close(self) -> None:
        """Stop the process (closing its stdin ends it)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
