"""Forgetting a member in SQL: what ``PersonalData.forget`` does, statement by statement.

The member's record stays, emptied (the placeholder for a name, no account, the default
language and time zone), so that what belongs to a team or to the programme — deliverables,
review rounds and comments, broadcasts, events, the audit log — keeps pointing at someone.
Everything that was the member's alone is deleted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from handlers.privacy_ports import FAREWELL, ForgetMode, Forgetting, Forgotten
from storage.sql import Sql, placeholders

_PENDING = "status IN ('pending', 'translating')"
# An outbox row with everything that could point at a person taken out; its status, moment
# and subject stay (a broadcast's delivery figures count them).
_EMPTY = ("identity = '', chat_id = NULL, sent_chat_id = NULL, platform_message_id = NULL, "
          "text = '', template = NULL, pieces = NULL, buttons = '[]', attachments = '[]', "
          "error = NULL, closes = NULL, thread = NULL")
# Records that were the member's alone: (table, the column naming the member).
_THEIRS = (("identities", "member_id"), ("member_roles", "member_id"),
           ("team_members", "member_id"), ("task_responsibles", "member_id"),
           ("conversations", "member_id"), ("nags", "member_id"),
           ("event_invitations", "member_id"), ("broadcast_waits", "member_id"),
           ("reviewer_profiles", "member_id"), ("link_codes", "member_id"),
           ("link_guesses", "member_id"), ("unreachable_identities", "member_id"))
_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def forget(sql: Sql, how: Forgetting, personal_rows: str) -> Forgotten:
    """Forget one member (see ``PersonalData.forget``); ``personal_rows`` is the condition
    that picks the outbox rows addressed to the member themselves."""
    p = {"m": how.member_id, "placeholder": how.placeholder}
    found = sql.row("SELECT name FROM members WHERE id = :m", p)
    name = str(found[0]) if found is not None else ""
    counts: dict[str, int] = {}
    # The files they were sent or left half-way through a question (deleted below unless
    # something else still refers to them).
    texts = [str(row[0]) for row in sql.rows(
        f"SELECT CAST(attachments AS TEXT) FROM outbox WHERE {personal_rows} "
        "AND CAST(attachments AS TEXT) <> '[]'", p)]
    texts += [str(row[0]) for row in sql.rows(
        "SELECT CAST(data AS TEXT) FROM conversations WHERE member_id = :m", p)]
    candidates = file_hashes(texts)
    # Messages to them: those not sent yet are dropped, the rest emptied.
    sql.run(f"DELETE FROM dead_letters WHERE outbox_id IN (SELECT id FROM outbox "
            f"WHERE {personal_rows})", p)
    counts["messages_dropped"] = sql.run(f"DELETE FROM outbox WHERE {personal_rows} "
                                         f"AND {_PENDING}", p)
    counts["messages_emptied"] = sql.run(f"UPDATE outbox SET {_EMPTY} WHERE {personal_rows}", p)
    counts.update(_their_words(sql, how))
    counts["messages_renamed"] = _rename(sql, name, how.placeholder)
    for table, column in _THEIRS:
        counts[table] = sql.run(f"DELETE FROM {table} WHERE {column} = :m", p)
    sql.run("UPDATE teams SET leader_id = NULL WHERE leader_id = :m", p)
    sql.run("UPDATE teams SET co_leader_id = NULL WHERE co_leader_id = :m", p)
    counts["reviews_released"] = sql.run(
        "UPDATE assignments SET active = 0, open_review = 0 WHERE reviewer_id = :m "
        "AND active = 1", p)
    sql.run("UPDATE broadcasts SET sender_name = :placeholder WHERE sender_id = :m", p)
    for person in ("actor", "subject", "other"):
        sql.run(f"UPDATE audit_log SET {person}_name = :placeholder WHERE {person}_id = :m", p)
    sql.run("UPDATE members SET name = :placeholder, name_key = '', language = :language, "
            "timezone = :timezone, primary_identity = '', auto_translate = 1, team_chat = 0 "
            "WHERE id = :m", {**p, "language": how.language, "timezone": how.timezone})
    return Forgotten(sorted(_unreferenced(sql, candidates)), counts)


def _their_words(sql: Sql, how: Forgetting) -> dict[str, int]:
    """What the member wrote to others: their help requests and messages, and the copies of
    their words in others' messages — deleted, or (anonymise) kept as they are, the author
    being the emptied record."""
    if how.mode != ForgetMode.DELETE:
        return {}
    p = {"m": how.member_id}
    return {
        "help_messages": sql.run("DELETE FROM help_messages WHERE author_id = :m", p),
        "help_requests": sql.run("DELETE FROM help_requests WHERE asker_id = :m", p),
        "words_dropped": sql.run(f"DELETE FROM outbox WHERE author_id = :m AND {_PENDING}", p),
        "words_emptied": sql.run("UPDATE outbox SET text = '', template = NULL, pieces = NULL "
                                 "WHERE author_id = :m", p),
    }


def _rename(sql: Sql, name: str, placeholder: str) -> int:
    """Put the placeholder for the member's name in every stored message that names them (in
    its text, or on a button: a person picked by name), as a whole word — "Ana" in "Ana's
    team", not in "Banana"; how many messages were changed."""
    if not name.strip() or name == placeholder:
        return 0
    word = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")

    def renamed(value: str) -> str:
        return word.sub(lambda _found: placeholder, value)

    changed = []
    for number, text, template, buttons in sql.rows(
            "SELECT id, text, template, CAST(buttons AS TEXT) FROM outbox "
            "WHERE text LIKE :pattern ESCAPE '\\' OR template LIKE :pattern ESCAPE '\\' "
            "OR CAST(buttons AS TEXT) LIKE :pattern ESCAPE '\\' "
            "OR CAST(buttons AS TEXT) LIKE :escaped ESCAPE '\\'",
            {"pattern": _like(name), "escaped": _like(json.dumps(name)[1:-1])}):
        rows = [[[renamed(str(label)), data] for label, data in row]
                for row in json.loads(buttons or "[]")]
        found = {"id": number, "text": renamed(text),
                 "template": renamed(template) if template is not None else None,
                 "buttons": sql.json(rows)}
        if (found["text"], found["template"], found["buttons"]) != (
                text, template, sql.json(json.loads(buttons or "[]"))):
            changed.append(found)
    sql.run_many("UPDATE outbox SET text = :text, template = :template, buttons = :buttons "
                 "WHERE id = :id", changed)
    return len(changed)


def _like(text: str) -> str:
    """A LIKE pattern finding a text anywhere (its own % and _ taken literally)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def tidy_farewells(sql: Sql) -> int:
    """Empty the goodbye messages to forgotten members once delivered or given up on, and
    forget accounts found unreachable while saying goodbye."""
    done = f"context = '{FAREWELL}' AND identity <> '' AND NOT {_PENDING}"
    sql.run(f"DELETE FROM dead_letters WHERE outbox_id IN (SELECT id FROM outbox WHERE {done})")
    emptied = sql.run(f"UPDATE outbox SET {_EMPTY} WHERE {done}")
    sql.run("DELETE FROM unreachable_identities WHERE member_id IN "
            "(SELECT id FROM members WHERE primary_identity = '')")
    return emptied


def file_hashes(texts: Iterable[str]) -> set[str]:
    """The stored files (their sha256) some JSON texts name, by a location ending in the hash
    or by the hash itself."""
    return {match for text in texts for match in _HASH.findall(text)}


def _unreferenced(sql: Sql, candidates: set[str]) -> set[str]:
    """The files among ``candidates`` nothing refers to any more: not a deliverable's version,
    not attached to a message or a broadcast, not waiting in someone's question."""
    if not candidates:
        return set()
    listed, params = placeholders("f", sorted(candidates))
    left = candidates - {str(row[0]) for row in sql.rows(
        f"SELECT DISTINCT sha256 FROM versions WHERE sha256 IN ({listed})", params)}
    if not left:
        return left
    texts = [str(row[0]) for row in sql.rows(
        "SELECT CAST(attachments AS TEXT) FROM outbox WHERE CAST(attachments AS TEXT) <> '[]' "
        "UNION ALL SELECT CAST(attachments AS TEXT) FROM broadcasts "
        "WHERE CAST(attachments AS TEXT) <> '[]' "
        "UNION ALL SELECT CAST(data AS TEXT) FROM conversations")]
    return left - file_hashes(texts)
