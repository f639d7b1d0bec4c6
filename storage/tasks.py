"""Teams' tasks (terms of reference) and who is responsible for each, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from handlers.domain import Task
from storage.sql import Row, Sql, placeholders

_SELECT = ("SELECT id, team_id, title, output, due_date, due_at, funds_share, done FROM tasks")
_ADD = ("INSERT INTO tasks (team_id, title, output, due_date, due_at, funds_share, done, "
        "created_by, created_at) VALUES (:team, :title, :output, :due_date, :due_at, :share, 0, "
        ":by, :now) RETURNING id")


class SqlTasks:
    """The ``Tasks`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _tasks(self, rows: list[Row]) -> list[Task]:
        if not rows:
            return []
        listed, params = placeholders("t", [row[0] for row in rows])
        people: dict[int, list[int]] = {}
        for task_id, member_id in self.sql.rows(
                "SELECT task_id, member_id FROM task_responsibles "
                f"WHERE task_id IN ({listed}) ORDER BY member_id", params):
            people.setdefault(task_id, []).append(member_id)
        return [Task(row[0], row[1], row[2], row[3], date.fromisoformat(row[4]),
                     self.sql.read_time(row[5]), row[6], tuple(people.get(row[0], ())),
                     bool(row[7])) for row in rows]

    def add(self, team_id: int, title: str, output: str, due_date: date, due_at: datetime,
            funds_share: int | None, responsible: Sequence[int], by: int,
            now: datetime) -> Task:
        """Add a task to a team."""
        task_id = self.sql.insert(_ADD, {
            "team": team_id, "title": title, "output": output,
            "due_date": due_date.isoformat(), "due_at": self.sql.time(due_at),
            "share": funds_share, "by": by, "now": self.sql.time(now)})
        self._set_responsible(task_id, responsible)
        return Task(task_id, team_id, title, output, due_date, due_at, funds_share,
                    tuple(sorted(set(responsible))))

    def _set_responsible(self, task_id: int, responsible: Sequence[int]) -> None:
        self.sql.run("DELETE FROM task_responsibles WHERE task_id = :task", {"task": task_id})
        self.sql.run_many("INSERT INTO task_responsibles (task_id, member_id) "
                          "VALUES (:task, :member)",
                          [{"task": task_id, "member": m} for m in sorted(set(responsible))])

    def get(self, task_id: int) -> Task | None:
        """One task by id."""
        found = self._tasks(self.sql.rows(f"{_SELECT} WHERE id = :id", {"id": task_id}))
        return found[0] if found else None

    def of_team(self, team_id: int) -> list[Task]:
        """A team's tasks by due date."""
        return self._tasks(self.sql.rows(f"{_SELECT} WHERE team_id = :team "
                                         "ORDER BY due_at, id", {"team": team_id}))

    def change(self, task_id: int, *, title: str | None = None, output: str | None = None,
               due: tuple[date, datetime] | None = None, funds_share: int | None = None,
               clear_share: bool = False, responsible: Sequence[int] | None = None) -> None:
        """Change some of a task's fields."""
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = title
        if output is not None:
            values["output"] = output
        if due is not None:
            values["due_date"], values["due_at"] = due[0].isoformat(), self.sql.time(due[1])
        if funds_share is not None or clear_share:
            values["funds_share"] = funds_share
        if values:
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            self.sql.run(f"UPDATE tasks SET {assignments} WHERE id = :task_id",
                         {**values, "task_id": task_id})
        if responsible is not None:
            self._set_responsible(task_id, responsible)

    def mark_done(self, task_id: int) -> None:
        """A task whose output was accepted."""
        self.sql.run("UPDATE tasks SET done = 1 WHERE id = :task", {"task": task_id})

    def remove(self, task_id: int) -> None:
        """Delete a task."""
        self.sql.run("DELETE FROM task_responsibles WHERE task_id = :task", {"task": task_id})
        self.sql.run("DELETE FROM tasks WHERE id = :task", {"task": task_id})
