"""Choosing reviewers for a deliverable: never from the submitting team; those who read the
team's languages and share its topic first; then the least loaded; then the least recent."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from handlers.domain import Candidate, Language, Member

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def shares_topic(topics: Iterable[str], team_topic: str) -> bool:
    """Whether any declared topic names the team's topic (or the other way round)."""
    wanted = team_topic.casefold()
    return any(t and (t.casefold() in wanted or wanted in t.casefold()) for t in topics)


def pick_reviewers(candidates: Iterable[Candidate], team_members: Collection[int],
                   team_languages: Collection[Language], team_topic: str,
                   excluded: Collection[int], count: int) -> list[Member]:
    """The ``count`` best reviewers, in order of preference."""
    def preference(candidate: Candidate) -> tuple[bool, bool, int, datetime, int]:
        profile = candidate.profile
        reads = profile is not None and bool(profile.languages & set(team_languages))
        topical = profile is not None and shares_topic(profile.topics, team_topic)
        return (not reads, not topical, candidate.open_reviews,
                candidate.last_assigned or _NEVER, candidate.member.id)

    eligible = [c for c in candidates
                if c.member.id not in team_members and c.member.id not in excluded]
    return [c.member for c in sorted(eligible, key=preference)[:count]]
