"""Reviewers' profiles, assignments, review rounds and comments, in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from handlers.domain import Candidate, Comment, Language, QueueItem, ReviewerProfile, Round
from storage.rows import LANGUAGES, MEMBER_COLUMNS, MEMBER_FROM, members_from
from storage.sql import Row, Sql

_ROUND = "SELECT id, version_id, reviewer_id, number, decision FROM review_rounds"
_COMMENT = "SELECT id, round_id, author_id, text, language, created_at FROM comments"
# Every reviewer (one row per role they hold) with their profile, open reviews (kept in
# ``reviewer_loads`` by triggers on ``assignments``) and last assignment (from an index): one
# query, nothing counted.
_CANDIDATES = (
    f"SELECT {MEMBER_COLUMNS}, p.languages, p.topics, l.open_reviews, "
    "(SELECT MAX(a.assigned_at) FROM assignments a WHERE a.reviewer_id = m.id) "
    f"FROM {MEMBER_FROM} JOIN member_roles c ON c.member_id = m.id AND c.role = 'reviewer' "
    "LEFT JOIN reviewer_profiles p ON p.member_id = m.id "
    "LEFT JOIN reviewer_loads l ON l.member_id = m.id ORDER BY m.id")


class SqlReviews:
    """The ``Reviews`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _profile(self, row: Row) -> ReviewerProfile:
        return ReviewerProfile(row[0], _languages(row[1]), _topics(row[2]))

    def profile(self, member_id: int) -> ReviewerProfile | None:
        """What a reviewer declared they read and know."""
        row = self.sql.row("SELECT member_id, languages, topics FROM reviewer_profiles "
                           "WHERE member_id = :member", {"member": member_id})
        return self._profile(row) if row is not None else None

    def set_profile(self, member_id: int, languages: Iterable[Language],
                    topics: Sequence[str]) -> None:
        """Record a reviewer's languages and topics."""
        self.sql.run("INSERT INTO reviewer_profiles (member_id, languages, topics) "
                     "VALUES (:member, :languages, :topics) ON CONFLICT (member_id) DO UPDATE "
                     "SET languages = excluded.languages, topics = excluded.topics",
                     {"member": member_id, "languages": ",".join(sorted(languages)),
                      "topics": ",".join(topics)})

    def candidates(self) -> list[Candidate]:
        """Every reviewer with their profile, open reviews (active assignments on deliverables
        not approved) and last assignment."""
        rows = self.sql.rows(_CANDIDATES)
        found = []
        extra: dict[int, Row] = {}
        for row in rows:
            extra.setdefault(row[0], row)
        for member in members_from(rows):
            row = extra[member.id]
            profile = ReviewerProfile(member.id, _languages(row[8]), _topics(row[9])) \
                if row[8] is not None else None
            last = self.sql.read_time(row[11]) if row[11] else None
            found.append(Candidate(member, profile, int(row[10] or 0), last))
        return found

    def reviewers_of(self, deliverable_id: int) -> list[int]:
        """The reviewers assigned to a deliverable now."""
        return [row[0] for row in self.sql.rows(
            "SELECT reviewer_id FROM assignments WHERE deliverable_id = :d AND active = 1 "
            "ORDER BY id", {"d": deliverable_id})]

    def declined(self, deliverable_id: int) -> set[int]:
        """The reviewers who declined a deliverable."""
        return {row[0] for row in self.sql.rows(
            "SELECT reviewer_id FROM assignments WHERE deliverable_id = :d AND active = 0",
            {"d": deliverable_id})}

    def assign(self, deliverable_id: int, reviewer_id: int, now: datetime) -> None:
        """Assign a reviewer to a deliverable."""
        self.sql.run("INSERT INTO assignments (deliverable_id, reviewer_id, active, open_review, "
                     "assigned_at) SELECT :d, :r, 1, CASE WHEN status = 'approved' THEN 0 "
                     "ELSE 1 END, :now FROM deliverables WHERE id = :d",
                     {"d": deliverable_id, "r": reviewer_id, "now": self.sql.time(now)})

    def decline(self, deliverable_id: int, reviewer_id: int) -> None:
        """Take a reviewer off a deliverable (they declined, were replaced, or may no longer
        review it); they are not chosen for it again."""
        self.sql.run("UPDATE assignments SET active = 0, open_review = 0 "
                     "WHERE deliverable_id = :d AND reviewer_id = :r",
                     {"d": deliverable_id, "r": reviewer_id})

    def open_round(self, version_id: int, reviewer_id: int, number: int,
                   now: datetime) -> Round:
        """Start a reviewer's round on a version."""
        round_id = self.sql.insert(
            "INSERT INTO review_rounds (version_id, reviewer_id, number, opened_at) "
            "VALUES (:v, :r, :n, :now) RETURNING id",
            {"v": version_id, "r": reviewer_id, "n": number, "now": self.sql.time(now)})
        self.sql.run("UPDATE deliverables SET latest_round = :number WHERE latest_round < :number "
                     "AND id = (SELECT deliverable_id FROM versions WHERE id = :v)",
                     {"number": number, "v": version_id})
        return Round(round_id, version_id, reviewer_id, number, None)

    def rounds(self, deliverable_id: int) -> list[Round]:
        """Every reviewer's rounds on every version of a deliverable, oldest first."""
        rows = self.sql.rows(
            "SELECT r.id, r.version_id, r.reviewer_id, r.number, r.decision "
            "FROM review_rounds r JOIN versions v ON v.id = r.version_id "
            "WHERE v.deliverable_id = :d ORDER BY r.id", {"d": deliverable_id})
        return [Round(*row) for row in rows]

    def round(self, round_id: int) -> Round | None:
        """One round by id."""
        row = self.sql.row(f"{_ROUND} WHERE id = :id", {"id": round_id})
        return Round(*row) if row is not None else None

    def decide(self, round_id: int, decision: str, now: datetime) -> bool:
        """Close an open round with a decision; False when it was already decided."""
        return self.sql.run("UPDATE review_rounds SET decision = :decision, decided_at = :now "
                            "WHERE id = :id AND decision IS NULL",
                            {"decision": decision, "now": self.sql.time(now),
                             "id": round_id}) > 0

    def _comment(self, row: Row) -> Comment:
        return Comment(row[0], row[1], row[2], row[3], LANGUAGES[row[4]],
                       self.sql.read_time(row[5]))

    def add_comment(self, round_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> Comment:
        """Record a comment in a round."""
        comment_id = self.sql.insert(
            "INSERT INTO comments (round_id, author_id, text, language, created_at) "
            "VALUES (:round, :author, :text, :language, :now) RETURNING id",
            {"round": round_id, "author": author_id, "text": text,
             "language": language.value, "now": self.sql.time(now)})
        return Comment(comment_id, round_id, author_id, text, language, now)

    def comments(self, round_id: int) -> list[Comment]:
        """A round's comments, oldest first."""
        return [self._comment(row) for row in self.sql.rows(
            f"{_COMMENT} WHERE round_id = :round ORDER BY id", {"round": round_id})]

    def queue(self, reviewer_id: int) -> list[QueueItem]:
        """The versions waiting for a reviewer's decision, oldest first."""
        rows = self.sql.rows(
            "SELECT r.id, d.id, v.number, r.number, tm.name, t.id, t.title, r.opened_at "
            "FROM review_rounds r JOIN versions v ON v.id = r.version_id "
            "JOIN deliverables d ON d.id = v.deliverable_id "
            "JOIN tasks t ON t.id = d.task_id JOIN teams tm ON tm.id = d.team_id "
            "JOIN assignments a ON a.deliverable_id = d.id AND a.reviewer_id = r.reviewer_id "
            "AND a.active = 1 "
            "WHERE r.reviewer_id = :reviewer AND r.decision IS NULL "
            "AND v.number = (SELECT MAX(number) FROM versions WHERE deliverable_id = d.id) "
            "ORDER BY r.opened_at, r.id", {"reviewer": reviewer_id})
        return [QueueItem(r[0], r[1], r[2], r[3], r[4], r[5], r[6], self.sql.read_time(r[7]))
                for r in rows]

    def comment(self, comment_id: int) -> Comment | None:
        """One comment by id."""
        row = self.sql.row(f"{_COMMENT} WHERE id = :id", {"id": comment_id})
        return self._comment(row) if row is not None else None


@lru_cache(maxsize=256)
def _languages(codes: str) -> frozenset[Language]:
    """The languages a stored list names (``pt,en``); the few distinct lists are parsed once."""
    return frozenset(LANGUAGES[code] for code in codes.split(",") if code in LANGUAGES)


@lru_cache(maxsize=1024)
def _topics(listed: str) -> tuple[str, ...]:
    """The topics a stored list names."""
    return tuple(t for t in listed.split(",") if t)
