"""Identity links in SQL (the ``Links`` port): one-time codes, wrong guesses, merging members.

Merging finds every column that refers to a member from the schema itself, so a table added
later is carried over without anyone remembering to list it here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, UniqueConstraint

from handlers.link_ports import Guesses, LinkCode
from storage.models import Base
from storage.sql import Sql

# Not carried over: the reviewer load is kept by triggers as assignments move, and a pending
# guided command of the member who goes is dropped (it was asked on the other identity).
_LEFT_BEHIND = frozenset({"reviewer_loads", "conversations", "members"})


def _quote(name: str) -> str:
    return f'"{name}"'


def _merge_statements() -> list[str]:
    """For each column referring to ``members.id``: delete the rows of the member who goes
    that would clash with the kept member's (same key), then point the rest at the kept one."""
    statements: list[str] = []
    for table in Base.metadata.sorted_tables:
        if table.name in _LEFT_BEHIND:
            continue
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            if fk.column.table.name != "members":
                continue
            column = fk.parent.name
            name, col = _quote(table.name), _quote(column)
            for others in _keys_with(table, column):
                same = "".join(f" AND k.{_quote(o)} = {name}.{_quote(o)}" for o in others)
                statements.append(
                    f"DELETE FROM {name} WHERE {col} = :gone AND EXISTS "
                    f"(SELECT 1 FROM {name} AS k WHERE k.{col} = :keep{same})")
            statements.append(f"UPDATE {name} SET {col} = :keep WHERE {col} = :gone")
    return statements


def _keys_with(table: Table, column: str) -> list[list[str]]:
    """The other columns of every unique key (primary key included) that holds a column."""
    keys = [[c.name for c in table.primary_key.columns]]
    keys += [[c.name for c in constraint.columns] for constraint in table.constraints
             if isinstance(constraint, UniqueConstraint)]
    keys += [[c.name for c in index.columns] for index in table.indexes if index.unique]
    return [[c for c in key if c != column] for key in keys if column in key]


class SqlLinks:
    """The ``Links`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def set_code(self, member_id: int, code: str, expires_at: datetime) -> None:
        """Give a member a new code, replacing any earlier one (one code per member)."""
        self.sql.run("INSERT INTO link_codes (member_id, code, expires_at) "
                     "VALUES (:member, :code, :expires) ON CONFLICT (member_id) "
                     "DO UPDATE SET code = excluded.code, expires_at = excluded.expires_at",
                     {"member": member_id, "code": code.upper(),
                      "expires": self.sql.time(expires_at)})

    def code_taken(self, code: str) -> bool:
        """Whether some member holds this code (live or expired)."""
        return self.find(code) is not None

    def find(self, code: str) -> LinkCode | None:
        """The code as stored (upper case), whoever holds it."""
        row = self.sql.row("SELECT member_id, code, expires_at FROM link_codes "
                           "WHERE code = :code", {"code": code.upper()})
        if row is None:
            return None
        return LinkCode(row[0], row[1], self.sql.read_time(row[2]))

    def drop_code(self, member_id: int) -> None:
        """Forget a member's code (it was used)."""
        self.sql.run("DELETE FROM link_codes WHERE member_id = :member", {"member": member_id})

    def guesses(self, member_id: int) -> Guesses | None:
        """A member's recent wrong codes, if any."""
        row = self.sql.row("SELECT failures, last_at FROM link_guesses WHERE member_id = :member",
                           {"member": member_id})
        return Guesses(int(row[0]), self.sql.read_time(row[1])) if row is not None else None

    def set_guesses(self, member_id: int, guesses: Guesses) -> None:
        """Record a member's wrong codes."""
        self.sql.run("INSERT INTO link_guesses (member_id, failures, last_at) "
                     "VALUES (:member, :failures, :at) ON CONFLICT (member_id) "
                     "DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at",
                     {"member": member_id, "failures": guesses.failures,
                      "at": self.sql.time(guesses.last_at)})

    def clear_guesses(self, member_id: int) -> None:
        """Forget a member's wrong codes."""
        self.sql.run("DELETE FROM link_guesses WHERE member_id = :member", {"member": member_id})

    def merge(self, keep_id: int, gone_id: int) -> None:
        """Move every identity and record of ``gone_id`` to ``keep_id`` and delete
        ``gone_id`` (where both hold the same thing, ``keep_id``'s stays)."""
        if keep_id == gone_id:
            raise ValueError("a member cannot be merged into itself")
        params = {"keep": keep_id, "gone": gone_id}
        for statement in _merge_statements():
            self.sql.run(statement, params)
        self.sql.run("DELETE FROM members WHERE id = :gone", params)

    def remove_identity(self, member_id: int, identity: str) -> bool:
        """Take one identity away from a member; False when it was not theirs."""
        return self.sql.run("DELETE FROM identities WHERE identity = :identity "
                            "AND member_id = :member",
                            {"identity": identity, "member": member_id}) > 0
