"""The one rule: handlers/ imports no platform, SQL, scheduler, HTTP or translation library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"telegram", "slack_bolt", "slack_sdk", "sqlalchemy", "alembic", "deep_translator",
             "apscheduler", "aiohttp", "requests", "httpx", "bot", "storage", "psycopg"}


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a module imports."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_handlers_stay_platform_neutral() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN)
        for path in (ROOT / "handlers").rglob("*.py")
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}


def test_storage_does_not_reach_into_the_runtime() -> None:
    offenders = [str(p) for p in (ROOT / "storage").rglob("*.py") if "bot" in imported_roots(p)]
    assert offenders == []
