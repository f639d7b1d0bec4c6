"""Who a Slack user is, for the core's :class:`~handlers.messages.UserRef`: a display name and
a locale (``pt-BR``; the core maps it with ``handlers.domain.language_from_locale``).

:class:`SlackProfiles` asks ``users.info`` (with ``include_locale``) and keeps the answer in
memory for a while (an hour by default), for a bounded number of users (the least recently
used is forgotten first). A failed ``users.info`` (rate limited, unknown user, network) never
loses the message: the user id stands in for the name, with no locale, and a failure is
remembered only briefly so a rate-limited Slack is not asked again for every message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.inbound import identity
from handlers.messages import UserRef

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Profile:
    """What peerdesk keeps of a Slack user: the name to show and the locale, if known."""

    name: str
    locale: str | None = None


def user_ref(team: str, user: str, profile: Profile) -> UserRef:
    """The core's view of a Slack user (identity ``slack:TEAM/USER``)."""
    return UserRef(identity(team, user), profile.name or user, profile.locale)


def profile_of(user: Mapping[str, Any]) -> Profile:
    """A ``users.info`` user object as a profile: the display name, else the real name, else
    the user name, else the id."""
    details = user.get("profile")
    fields = details if isinstance(details, Mapping) else {}
    name = next((value for value in (fields.get("display_name"), fields.get("real_name"),
                                     user.get("real_name"), user.get("name"), user.get("id"))
                 if isinstance(value, str) and value.strip()), "")
    locale = user.get("locale")
    return Profile(name.strip(), locale if isinstance(locale, str) and locale else None)


class SlackProfiles:
    """Slack users' profiles through ``users.info``, cached with a size bound and a time to
    live; ``clock`` gives seconds (monotonic by default, a hand-moved one in tests)."""

    def __init__(self, client: AsyncWebClient, *, ttl: float = 3600.0,
                 max_users: int = 10_000, failure_ttl: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._max = max(1, max_users)
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, Profile]] = OrderedDict()
        self._asking: dict[str, asyncio.Future[Profile]] = {}

    def __len__(self) -> int:
        """How many users are remembered (expired ones included until they are asked for)."""
        return len(self._cache)

    def remembered(self, user: str) -> Profile | None:
        """The user's profile if it is remembered and fresh (no waiting), else None."""
        cached = self._cache.get(user)
        if cached is None or cached[0] <= self._clock():
            return None
        self._cache.move_to_end(user)
        return cached[1]

    async def profile(self, user: str) -> Profile:
        """The user's profile: remembered, else from ``users.info``, else the fallback (the id
        as the name, no locale)."""
        known = self.remembered(user)
        if known is not None:
            return known
        now = self._clock()
        asking = self._asking.get(user)
        if asking is None:  # one users.info per person, however many of their messages wait
            asking = self._asking[user] = asyncio.ensure_future(self._look_up(user, now))
            asking.add_done_callback(lambda _done: self._asking.pop(user, None))
        return await asyncio.shield(asking)

    async def _look_up(self, user: str, now: float) -> Profile:
        try:
            answer = await self._client.users_info(user=user, include_locale=True)
            found = answer.get("user")
            if not isinstance(found, Mapping):
                raise ValueError("users.info answered without a user")
            profile, expires = profile_of(found), now + self._ttl
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            log.warning("slack: could not look up user %s: %s", user, _reason(exc))
            profile, expires = Profile(user), now + self._failure_ttl
        self._remember(user, profile, expires)
        return profile

    async def user_ref(self, team: str, user: str) -> UserRef:
        """The core's view of the user, with name and locale looked up (or the fallback)."""
        return user_ref(team, user, await self.profile(user))

    def forget(self, user: str) -> None:
        """Drop a user from the cache (a ``user_change`` event: the profile was edited)."""
        self._cache.pop(user, None)

    def _remember(self, user: str, profile: Profile, expires: float) -> None:
        self._cache[user] = (expires, profile)
        self._cache.move_to_end(user)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return f"{type(exc).__name__}: {exc}"
