"""Property tests of reviewer assignment over random reviewer pools (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.assignment import pick_reviewers, shares_topic
from handlers.domain import Candidate, Language, Member, ReviewerProfile

START = datetime(2026, 1, 1, tzinfo=UTC)
LANGS = list(Language)
TOPICS = ["budgeting", "gender", "health", "water"]

reviewer = st.tuples(st.frozensets(st.sampled_from(LANGS), min_size=1),
                     st.lists(st.sampled_from(TOPICS), max_size=2, unique=True),
                     st.one_of(st.none(), st.integers(0, 5)))  # a team they belong to, or none
team = st.tuples(st.frozensets(st.sampled_from(LANGS), min_size=1), st.sampled_from(TOPICS))


def member(number: int) -> Member:
    return Member(number, f"R{number}", Language.EN, "UTC", f"console:r{number}")


@settings(max_examples=60, deadline=None)
@given(pool=st.lists(reviewer, min_size=1, max_size=10), teams=st.lists(team, min_size=1,
                                                                       max_size=6),
       picks=st.lists(st.integers(0, 5), min_size=1000, max_size=1000))
def test_never_own_team_and_always_the_least_loaded_of_the_best(
        pool: list[tuple[frozenset[Language], list[str], int | None]],
        teams: list[tuple[frozenset[Language], str]], picks: list[int]) -> None:
    open_reviews = {i: 0 for i in range(len(pool))}
    last: dict[int, datetime] = {}
    for step, choice in enumerate(picks):
        team_index = choice % len(teams)
        languages, topic = teams[team_index]
        own = {i for i, r in enumerate(pool) if r[2] == team_index}
        candidates = [Candidate(member(i), ReviewerProfile(i, r[0], tuple(r[1])),
                                open_reviews[i], last.get(i)) for i, r in enumerate(pool)]
        chosen = pick_reviewers(candidates, own, languages, topic, set(), 1)
        eligible = [i for i in range(len(pool)) if i not in own]
        if not eligible:
            assert chosen == []
            continue
        (picked,) = chosen
        assert picked.id not in own  # nobody reviews their own team

        ranks = {i: (not pool[i][0] & languages, not shares_topic(pool[i][1], topic))
                 for i in eligible}
        best = min(ranks.values())
        peers = [i for i in eligible if ranks[i] == best]
        assert ranks[picked.id] == best  # language and topic come first
        assert open_reviews[picked.id] == min(open_reviews[i] for i in peers)
        open_reviews[picked.id] += 1
        last[picked.id] = START + timedelta(minutes=step)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(2, 12), submissions=st.integers(1, 1000))
def test_equally_eligible_reviewers_share_the_load_within_one(size: int,
                                                              submissions: int) -> None:
    open_reviews = dict.fromkeys(range(size), 0)
    profile = frozenset({Language.PT})
    for _ in range(submissions):
        candidates = [Candidate(member(i), ReviewerProfile(i, profile, ("water",)),
                                open_reviews[i], None) for i in range(size)]
        (picked,) = pick_reviewers(candidates, set(), {Language.PT}, "water", set(), 1)
        open_reviews[picked.id] += 1
        assert max(open_reviews.values()) - min(open_reviews.values()) <= 1
