"""A file someone shared in Slack, fetched with the bot token into the incoming folder.

The size is checked before anything is downloaded: a file over the limit is left where it is and
the inbound message is handed on unchanged (the help desk refuses it by its size, saying the
limit). A file with no URL or size (a Slack Connect channel sends only the id) is described with
``files.info`` first. The download carries ``Authorization: Bearer`` with the bot token; Slack
answers a missing or wrong token with its sign-in page (HTML, status 200), which is refused, as
is a body longer than the limit when Slack did not say the size. Bytes are streamed to disk off
the event loop; a failed download leaves the inbound unchanged (the help desk then says it could
not read the file).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.inbound import SlackFile
from handlers.messages import Inbound

log = logging.getLogger(__name__)
_CHUNK = 64 * 1024


class Refused(Exception):
    """Slack answered something other than the file (its sign-in page, an error status)."""


class SlackFiles:
    """Fetches shared files with the bot token (the one ``client`` carries) into
    ``incoming_dir``, up to ``max_bytes`` each."""

    def __init__(self, client: AsyncWebClient, incoming_dir: Path, max_bytes: int, *,
                 timeout: float = 60.0) -> None:
        self._client = client
        self.incoming_dir = incoming_dir
        self.max_bytes = max_bytes
        self._timeout = timeout

    async def fetch(self, file: SlackFile, inbound: Inbound) -> Inbound:
        """The inbound message with its attachment's location set to the downloaded file —
        unchanged when the file is too big (nothing downloaded) or cannot be fetched."""
        if inbound.attachment is None:
            return inbound
        if file.url is None or file.size is None:
            described = await self._describe(file)
            if described is None:
                return inbound
            file = described
            inbound = replace(inbound, attachment=replace(
                inbound.attachment, size=file.size or 0,
                content_type=inbound.attachment.content_type or file.mime))
        assert inbound.attachment is not None
        if file.size is not None and file.size > self.max_bytes:
            return inbound  # the help desk refuses it by its size, with the limit
        if file.url is None:
            log.warning("slack: file %s has no download URL", file.id)
            return inbound
        path = self.incoming_dir / f"slack-{inbound.receipt or file.id}"
        try:
            size = await self._download(file.url, path)
        except (Refused, aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("slack: could not fetch %s (%s): %s", file.name, file.id, exc)
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return inbound
        if size > self.max_bytes:  # Slack did not say the size, and it is too big
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return replace(inbound, attachment=replace(inbound.attachment, size=size))
        return replace(inbound, attachment=replace(inbound.attachment, location=str(path),
                                                   size=size))

    async def _describe(self, file: SlackFile) -> SlackFile | None:
        """The file completed from ``files.info`` (None when Slack will not say)."""
        try:
            answer = await self._client.files_info(file=file.id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("slack: files.info failed for %s: %s", file.id, exc)
            return None
        found = answer.get("file")
        if not isinstance(found, Mapping):
            return None
        url = found.get("url_private_download") or found.get("url_private")
        size = found.get("size")
        mime = found.get("mimetype")
        return SlackFile(file.id, file.name, size if isinstance(size, int) else file.size,
                         mime if isinstance(mime, str) and mime else file.mime,
                         url if isinstance(url, str) and url else file.url)

    async def _download(self, url: str, path: Path) -> int:
        """Stream the file to ``path``; the number of bytes written (stops once past the
        limit, so the count then only says it is too big)."""
        headers = {"Authorization": f"Bearer {self._client.token}"}
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.get(url, headers=headers) as response:
            if response.status != 200:
                raise Refused(f"HTTP {response.status}")
            if response.content_type == "text/html":
                raise Refused("Slack answered a web page (the sign-in page: token refused?)")
            await asyncio.to_thread(self.incoming_dir.mkdir, parents=True, exist_ok=True)
            out: IO[bytes] = await asyncio.to_thread(path.open, "wb")
            written = 0
            try:
                async for chunk in response.content.iter_chunked(_CHUNK):
                    await asyncio.to_thread(out.write, chunk)
                    written += len(chunk)
                    if written > self.max_bytes:
                        break
            finally:
                await asyncio.to_thread(out.close)
            return written
